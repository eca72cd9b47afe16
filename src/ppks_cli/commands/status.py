"""``ppks status``: what is not committed, not synced, or edited by hand and invalid."""

from __future__ import annotations

import typer

from ppks_cli.commands._casework import JsonOpt
from ppks_cli.commands._common import command, open_repo, print_json, say
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    @command(app, "status", help=t("help.status.command"), epilog=t("help.status.example"))
    def status(ctx: typer.Context, json_output: JsonOpt = False) -> None:
        from ppks_cli import gitops
        from ppks_cli.check import check_repository

        repo = open_repo(ctx)
        gitops.require_repository(repo.root)
        state = gitops.status(repo.root)
        changed = {path for _, path in state.uncommitted}
        invalid = [p for p in check_repository(repo).errors if p.file in changed]
        if json_output:
            print_json(
                {
                    "uncommitted": [{"status": c, "path": p} for c, p in state.uncommitted],
                    "unsynced": [{"status": c, "path": p} for c, p in state.unsynced],
                    "upstream": state.upstream, "ahead": state.ahead, "behind": state.behind,
                    "invalid": [p.as_dict() for p in invalid],
                }
            )  # fmt: skip
            return
        say(t("status.uncommitted", count=len(state.uncommitted)))
        for code, path in state.uncommitted:
            say(f"  {code:>2} {path}")
        if state.upstream:
            say(
                t(
                    "status.unsynced",
                    count=state.ahead,
                    upstream=state.upstream,
                    behind=state.behind,
                )
            )
            for code, path in state.unsynced:
                say(f"  {code:>2} {path}")
        else:
            say(t("status.no_upstream"))
        say(t("status.invalid", count=len(invalid)))
        for problem in invalid:
            say("  " + problem.render())

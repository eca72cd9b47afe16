"""``ppks status``: what is not committed, not synced, or edited by hand and invalid."""

from __future__ import annotations

import typer

from ppks_cli.commands._casework import JsonOpt
from ppks_cli.commands._common import command, open_repo, print_json, progress_bar, say
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    @command(app, "status", help=t("help.status.command"), epilog=t("help.status.example"))
    def status(ctx: typer.Context, json_output: JsonOpt = False) -> None:
        from ppks_cli.activity import repository_status

        with progress_bar(t("cli.reading_cases")) as progress:
            found = repository_status(open_repo(ctx), progress)
        if json_output:
            print_json(found)
            return
        state, invalid = found.git, found.invalid
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
        if found.due is not None:  # the user's own items; nothing when no name is known
            due = found.due
            say(t("status.due", overdue=due.overdue, due_soon=due.due_soon, within=due.within))

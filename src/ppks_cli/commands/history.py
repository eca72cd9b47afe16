"""``ppks history``: the case's timeline from git — who recorded what, and when."""

from __future__ import annotations

import typer

from ppks_cli.commands._casework import CaseArg, JsonOpt
from ppks_cli.commands._common import command, console, open_repo, print_json, say
from ppks_cli.i18n import label, t


def register(app: typer.Typer) -> None:
    @command(app, "history", help=t("help.history.command"), epilog=t("help.history.example"))
    def history(ctx: typer.Context, case_ref: CaseArg, json_output: JsonOpt = False) -> None:
        from ppks_cli import gitops

        repo = open_repo(ctx)
        case_id = repo.resolve(case_ref)
        gitops.require_repository(repo.root)
        entries = gitops.history(repo.root, case_id)
        if json_output:
            print_json(
                [
                    {
                        "commit": e.sha, "author": e.author, "email": e.email,
                        "date": e.when.isoformat(), "message": e.subject,
                        "changes": [
                            {"status": c.status, "path": c.path, "kind": c.kind, "record": c.record}
                            for c in e.changes
                        ],
                    }
                    for e in entries
                ]
            )  # fmt: skip
            return
        if not entries:
            say(t("history.empty", case=case_id))
            return
        from rich.text import Text

        out = console()
        for entry in entries:
            line = Text()
            line.append(entry.when.strftime("%Y-%m-%d %H:%M"), style="bold")
            line.append(f"  {entry.author}  ")
            line.append(entry.subject)
            line.append(f"  {entry.sha[:8]}", style="dim")
            out.print(line)
            for change in entry.changes:
                what = label("kind", change.kind) if change.kind not in (None, "case") else (
                    t("history.case_file") if change.kind == "case" else change.path
                )  # fmt: skip
                verb = (
                    t(f"history.status.{change.status}")
                    if change.status in "AMD"
                    else change.status
                )
                record = f" {change.record}" if change.record else ""
                out.print(Text(f"    {verb}: {what}{record}"))

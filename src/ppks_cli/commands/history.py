"""``ppks history``: the case's timeline from git — who recorded what, and when."""

from __future__ import annotations

import typer

from ppks_cli.commands._casework import CaseArg, JsonOpt
from ppks_cli.commands._common import command, console, open_repo, print_json, say
from ppks_cli.i18n import label, t


def register(app: typer.Typer) -> None:
    @command(app, "history", help=t("help.history.command"), epilog=t("help.history.example"))
    def history(ctx: typer.Context, case_ref: CaseArg, json_output: JsonOpt = False) -> None:
        from ppks_cli.activity import case_history

        found = case_history(open_repo(ctx), case_ref)
        if json_output:
            print_json(found)
            return
        entries = found.entries
        if not entries:
            say(t("history.empty", case=found.case_id))
            return
        from rich.text import Text

        out = console()
        for entry in entries:
            line = Text()
            line.append(entry.when.strftime("%Y-%m-%d %H:%M"), style="bold")
            line.append(f"  {entry.author}  ")
            line.append(found.describe(entry))
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
                detail = found.correction_line(change.record) or found.transfer_line(
                    change.record
                )
                if detail:  # a reason of several lines stays under its change
                    lines = [part.strip() for part in detail.splitlines() if part.strip()]
                    out.print(Text("\n".join(f"      {part}" for part in lines)))

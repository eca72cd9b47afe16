"""``ppks due``: what is late or due soon across the cases, most urgent first, by case."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands import _completers
from ppks_cli.commands._common import (
    command,
    console,
    open_repo,
    print_json,
    progress_bar,
    say,
    warn_line,
    warn_unreadable,
)
from ppks_cli.i18n import label, t


def register(app: typer.Typer) -> None:
    @command(app, "due", help=t("help.due.command"), epilog=t("help.due.example"))
    def due(
        ctx: typer.Context,
        worker: Annotated[
            str | None, typer.Option(
                "--worker", metavar="NAME", help=t("help.due.worker"),
                autocompletion=_completers.WORKER,
            )
        ] = None,
        everyone: Annotated[bool, typer.Option("--all", help=t("help.due.all"))] = False,
        within: Annotated[
            int, typer.Option("--within", metavar="DAYS", help=t("help.due.within"))
        ] = 7,
        json_output: Annotated[bool, typer.Option("--json", help=t("help.option.json"))] = False,
    ) -> None:
        from ppks_cli.due import due_list

        with progress_bar(t("cli.reading_cases")) as progress:
            found = due_list(
                open_repo(ctx), worker=worker, everyone=everyone, within=within,
                progress=progress,
            )  # fmt: skip
        warn_unreadable(found.problems)
        if json_output:
            print_json(found)
            return
        if not found.groups:
            if found.everyone:
                say(t("due_list.empty_all", within=found.within))
            else:
                say(t("due_list.empty_worker", worker=found.worker, within=found.within))
        else:
            _groups(found)
        if found.problems:
            warn_line(t("list.run_check", count=len(found.problems)))


def when(days_late: int) -> str:
    """``terlambat 3 hari`` / ``hari ini`` / ``besok`` / ``5 hari lagi``."""
    if days_late > 1:
        return t("due_list.late", days=days_late)
    if days_late == 1:
        return t("due_list.late_one")
    if days_late == 0:
        return t("due_list.today")
    if days_late == -1:
        return t("due_list.left_one")
    return t("due_list.left", days=-days_late)


def _groups(found) -> None:
    """One header line per case (ID, client, worker, stage), then its items: when (late in
    red, today in yellow), the due date, what is owed. Colours only on a terminal that
    wants them (``NO_COLOR``, a pipe or a file give plain text). Written in one go: an
    office's list can run to thousands of lines."""
    from ppks_cli.commands._table import paint, wants_style, write
    from ppks_cli.neutral import neutralise

    out = console()
    styled = wants_style(out)
    width = max(len(when(entry.days_late)) for entry in found.entries)
    lines: list[str] = []
    for number, group in enumerate(found.groups):
        if number:
            lines.append("")
        stage = label("stage", group.stage)
        if group.closed:
            stage += f" ({t('due_list.closed')})"
        if group.damaged_records:
            stage += " (!)"
        lines.append(
            paint(group.case_id, "1;36", styled) + "  " + paint(neutralise(group.name), "1", styled)
            + neutralise(f" · {group.worker} · {stage}")
        )  # fmt: skip
        for entry in group.entries:
            style = "1;31" if entry.overdue else "33" if entry.days_late == 0 else ""
            lines.append(
                "  " + paint(when(entry.days_late).ljust(width), style, styled)
                + f"  {entry.item.due.isoformat()}  " + neutralise(str(entry.message()))
            )  # fmt: skip
    write("\n".join(lines) + "\n")

"""``ppks list``: the cases of the repository, newest first."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands._common import command, console, open_repo, print_json, say, warn_line
from ppks_cli.i18n import label, t


def register(app: typer.Typer) -> None:
    @command(app, "list", help=t("help.list.command"), epilog=t("help.list.example"))
    def list_cases(
        ctx: typer.Context,
        stage: Annotated[
            str | None, typer.Option("--stage", metavar="STAGE", help=t("help.list.stage"))
        ] = None,
        category: Annotated[
            str | None, typer.Option("--category", metavar="SLUG", help=t("help.list.category"))
        ] = None,
        worker: Annotated[
            str | None, typer.Option("--worker", metavar="NAME", help=t("help.list.worker"))
        ] = None,
        open_: Annotated[
            bool | None,
            typer.Option("--open/--closed", help=t("help.list.open"), show_default=False),
        ] = None,
        json_output: Annotated[bool, typer.Option("--json", help=t("help.option.json"))] = False,
    ) -> None:
        from ppks_cli import categories, workflow
        from ppks_cli.intake import parse_choice
        from ppks_cli.views import CaseFilter, list_cases

        wanted = CaseFilter(
            stage=parse_choice(stage, workflow.STAGES, "--stage") if stage else None,
            category=categories.resolve_category(category) if category else None,
            worker=worker,
            closed=None if open_ is None else not open_,
        )
        found = list_cases(open_repo(ctx), wanted)
        problems = found.problems
        for problem in problems:
            warn_line(t("list.unreadable", problem=problem.render()))
        if json_output:
            print_json(found)
            return
        rows = found.rows()
        if not rows:
            say(t("list.empty"))
            return
        _table(rows)
        if problems:
            warn_line(t("list.run_check", count=len(problems)))


def _widths(cells: dict[str, list[str]], room: int) -> dict[str, int]:
    """Column widths that fit ``room``: the ID, stage and date whole, the rest shared."""
    natural = {key: max(len(value) for value in values) for key, values in cells.items()}
    fixed = {key: natural[key] for key in ("id", "stage", "intake_date")}
    flexible = {"name": 0.45, "category": 0.35, "worker": 0.20}
    left = room - 2 * (len(natural) - 1) - sum(fixed.values())
    if sum(natural[key] for key in flexible) <= left:
        return natural
    shared = {key: max(6, min(natural[key], int(left * share))) for key, share in flexible.items()}
    return {**natural, **fixed, **shared}


def _table(rows: list[dict]) -> None:
    from rich.table import Table
    from rich.text import Text

    keys = ("id", "name", "category", "stage", "worker", "intake_date")
    cells = {key: [t(f"column.{key}")] for key in keys}
    for row in rows:
        stage = label("stage", row["stage"]) + (" (!)" if row["damaged_records"] else "")
        for key in keys:
            cells[key].append(stage if key == "stage" else row[key])
    # one line per case: long names, categories and workers are cut with an ellipsis
    # when the terminal is narrow (--json has everything whole)
    widths = _widths(cells, console().width)
    table = Table(box=None, pad_edge=False, header_style="bold")
    for key in keys:
        table.add_column(cells[key][0], no_wrap=True, overflow="ellipsis", width=widths[key])
    for index in range(1, len(rows) + 1):
        table.add_row(*(Text(cells[key][index]) for key in keys))
    console().print(table)

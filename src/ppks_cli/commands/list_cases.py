"""``ppks list``: the cases of the repository, filtered and sorted, newest first by default."""

from __future__ import annotations

from typing import Annotated

import typer

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
from ppks_cli.commands._filters import (
    CategoryOpt,
    DueWithinOpt,
    NameOpt,
    OpenOpt,
    OverdueOpt,
    SinceOpt,
    StageOpt,
    TagOpt,
    UntilOpt,
    WorkerOpt,
    case_filter,
)
from ppks_cli.i18n import label, t


def register(app: typer.Typer) -> None:
    @command(app, "list", help=t("help.list.command"), epilog=t("help.list.example"))
    def list_cases(
        ctx: typer.Context,
        stage: StageOpt = None,
        category: CategoryOpt = None,
        worker: WorkerOpt = None,
        open_: OpenOpt = None,
        name: NameOpt = None,
        tag: TagOpt = None,
        since: SinceOpt = None,
        until: UntilOpt = None,
        overdue: OverdueOpt = False,
        due_within: DueWithinOpt = None,
        sort: Annotated[
            str, typer.Option("--sort", metavar="ORDER", help=t("help.list.sort"))
        ] = "newest",
        limit: Annotated[
            int | None, typer.Option("--limit", metavar="N", help=t("help.list.limit"))
        ] = None,
        json_output: Annotated[bool, typer.Option("--json", help=t("help.option.json"))] = False,
    ) -> None:
        from ppks_cli.choices import SORT
        from ppks_cli.views import list_cases

        wanted = case_filter(
            stage=stage, category=category, worker=worker, open_=open_, name=name, tag=tag,
            since=since, until=until, overdue=overdue, due_within=due_within,
        )  # fmt: skip
        with progress_bar(t("cli.reading_cases")) as progress:
            found = list_cases(
                open_repo(ctx), wanted, sort=SORT.parse(sort, "--sort"),
                limit=limit, progress=progress,
            )  # fmt: skip
        problems = found.problems
        warn_unreadable(problems)
        if json_output:
            print_json(found)
            return
        rows = found.rows()
        if not rows:
            say(t("list.empty"))
            return
        _table(rows)
        if found.total > len(rows):
            say(t("list.more", shown=len(rows), total=found.total))
        if problems:
            warn_line(t("list.run_check", count=len(problems)))


def _table(rows: list[dict]) -> None:
    """The cases, one per row: the ID, stage and date never cut. When the six columns do
    not fit the terminal, the category goes under the client's name, and a long name or
    worker wraps onto more lines rather than losing its end (``--json`` has every field).
    A stage marked ``*`` has something overdue, ``(!)`` a damaged record file."""
    from ppks_cli.commands import _table as table

    keys = ("id", "name", "category", "stage", "worker", "intake_date")
    cells: list[list[str]] = []
    overdue = damaged = False
    for row in rows:
        marks = (" (!)" if row["damaged_records"] else "") + (" *" if row["overdue"] else "")
        overdue = overdue or bool(row["overdue"])
        damaged = damaged or bool(row["damaged_records"])
        cells.append(
            [label("stage", row["stage"]) + marks if key == "stage" else row[key] for key in keys]
        )
    out = console()
    room = out.width
    styled = table.wants_style(out)
    columns = [
        table.Column(t("column.id"), whole=True),
        table.Column(t("column.name"), ratio=3, min_width=12),
        table.Column(t("column.category"), ratio=2),
        table.Column(t("column.stage"), whole=True),
        table.Column(t("column.worker"), ratio=1, min_width=8),
        table.Column(t("column.intake_date"), whole=True),
    ]
    natural = table.widths(columns, cells, 10**6)
    if sum(natural) + table.GAP * (len(columns) - 1) > room:
        # too wide: the category goes under the name, which is at least as wide as it
        longest = max(len(row[2]) for row in cells)
        name = t("column.name") + " / " + t("column.category")
        columns = [columns[0], table.Column(name, ratio=3, min_width=max(12, longest)),
                   *columns[3:]]  # fmt: skip
        cells = [[row[0], (row[1], table.Dim(row[2])), *row[3:]] for row in cells]
    table.write(table.render(columns, cells, room, styled=styled))
    if overdue:
        say(t("list.overdue_mark"))
    if damaged:
        say(t("list.damaged_mark"))

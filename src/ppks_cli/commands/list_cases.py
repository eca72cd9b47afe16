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
        from ppks_cli.views import CaseFilter, case_summary, newest_first

        repo = open_repo(ctx)
        wanted = CaseFilter(
            stage=parse_choice(stage, workflow.STAGES, "--stage") if stage else None,
            category=categories.resolve_category(category) if category else None,
            worker=worker,
            closed=None if open_ is None else not open_,
        )
        cases, problems = repo.load_cases()
        rows = [case_summary(c) for c in newest_first(cases) if wanted.matches(c)]
        for problem in problems:
            warn_line(t("list.unreadable", problem=problem.render()))
        if json_output:
            print_json(rows)
            return
        if not rows:
            say(t("list.empty"))
            return
        _table(rows)
        if problems:
            warn_line(t("list.run_check", count=len(problems)))


def _table(rows: list[dict]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, header_style="bold")
    for key in ("id", "name", "category", "stage", "worker", "intake_date"):
        table.add_column(t(f"column.{key}"), no_wrap=key in ("id", "intake_date"))
    for row in rows:
        stage = label("stage", row["stage"])
        if row["damaged_records"]:
            stage += " (!)"
        table.add_row(
            Text(row["id"]),
            Text(row["name"]),
            Text(row["category"]),
            Text(stage),
            Text(row["worker"]),
            Text(row["intake_date"]),
        )
    console().print(table)

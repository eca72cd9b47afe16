"""``ppks show``: one case, readable or as JSON."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands._common import command, console, open_repo, print_json, warn_line
from ppks_cli.i18n import label, t


def register(app: typer.Typer) -> None:
    @command(app, "show", help=t("help.show.command"), epilog=t("help.show.example"))
    def show(
        ctx: typer.Context,
        case_ref: Annotated[str, typer.Argument(metavar="CASE", help=t("help.option.case"))],
        json_output: Annotated[bool, typer.Option("--json", help=t("help.option.json"))] = False,
    ) -> None:
        from ppks_cli.views import case_detail

        repo = open_repo(ctx)
        case = repo.open_case(case_ref)
        for problem in case.problems:
            warn_line(t("show.damaged_record", problem=problem.render()))
        if json_output:
            print_json(case_detail(case))
        else:
            render_case(case)


def _grid(rows: list[tuple[str, object]]):
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    for key, value in rows:
        if value is None or value == "" or value == []:
            continue
        grid.add_row(Text(key), Text(str(value)))
    return grid


def _person(p) -> str:
    parts = [p.name]
    if p.relation:
        parts[0] += f" ({p.relation})"
    parts += [x for x in (p.phone, p.address, p.note) if x]
    return ", ".join(parts)


def render_case(case) -> None:
    from rich.text import Text

    from ppks_cli import categories
    from ppks_cli.dates import long_date

    out = console()
    client, intake, state = case.client, case.file.intake, case.state
    title = Text()
    title.append(case.id, style="bold cyan")
    title.append("  ")
    title.append(client.name, style="bold")
    out.print(title)
    category = categories.categories()[case.file.category]
    out.print(
        _grid(
            [
                (
                    t("field.stage"),
                    f"{label('stage', state.stage)}"
                    + (f" — {t('show.closed')}" if state.closed else ""),
                ),
                (t("field.category"), category.name),
                (t("field.tags"), ", ".join(case.file.tags)),
            ]
        )
    )
    out.print()
    out.print(Text(t("show.client"), style="bold underline"))
    birth = (
        long_date(client.birth_date)
        if client.birth_date
        else (t("show.estimated_year", year=client.birth_year) if client.birth_year else None)
    )
    out.print(
        _grid(
            [
                (t("field.name"), client.name),
                (t("field.alias"), client.alias),
                (t("field.sex"), label("sex", client.sex)),
                (t("field.nik"), client.nik),
                (t("field.kk_number"), client.kk_number),
                (t("field.birth"), ", ".join(x for x in (client.birth_place, birth) if x)),
                (t("field.religion"), client.religion and label("religion", client.religion)),
                (
                    t("field.marital_status"),
                    client.marital_status and label("marital", client.marital_status),
                ),
                (t("field.education"), client.education and label("education", client.education)),
                (t("field.occupation"), client.occupation),
                (t("field.phone"), client.phone),
                (t("field.address"), client.address),
                (t("field.last_known_address"), client.last_known_address),
            ]
        )
    )
    people = [(t("field.family"), _person(p)) for p in client.family]
    people += [(t("field.contact"), _person(p)) for p in client.contacts]
    if people:
        out.print(_grid(people))
    out.print()
    out.print(Text(t("show.intake"), style="bold underline"))
    out.print(
        _grid(
            [
                (t("field.date"), long_date(intake.date)),
                (t("field.source"), label("source", intake.source)),
                (t("field.found_at"), intake.found_at),
                (t("field.referred_by"), intake.referred_by),
                (t("field.worker"), intake.worker),
                (t("field.note"), intake.note),
            ]
        )
    )

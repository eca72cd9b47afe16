"""``ppks search TEXT``: find clients across cases, best match first, with why."""

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
)
from ppks_cli.i18n import label, t


def register(app: typer.Typer) -> None:
    @command(app, "search", help=t("help.search.command"), epilog=t("help.search.example"))
    def search(
        ctx: typer.Context,
        text: Annotated[str, typer.Argument(metavar="TEXT", help=t("help.search.text"))],
        limit: Annotated[
            int, typer.Option("--limit", metavar="N", help=t("help.search.limit"))
        ] = 20,
        in_text: Annotated[bool, typer.Option("--text", help=t("help.search.in_text"))] = False,
        json_output: Annotated[bool, typer.Option("--json", help=t("help.option.json"))] = False,
    ) -> None:
        from ppks_cli import index

        with progress_bar(t("cli.reading_cases")) as progress:
            found = index.search(
                open_repo(ctx), text, limit, in_text=in_text, progress=progress
            )
        for problem in found.problems:
            warn_line(t("list.unreadable", problem=problem.render()))
        if json_output:
            print_json(found)
            return
        if not found.hits:
            say(t("search.empty", text=text))
            return
        _table(found)
        if found.total > len(found.hits):
            say(t("search.more", shown=len(found.hits), total=found.total))
        if found.problems:
            warn_line(t("list.run_check", count=len(found.problems)))


def _table(found) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column(t("column.id"), no_wrap=True)
    table.add_column(t("column.name"), overflow="fold")
    table.add_column(t("column.match"), overflow="fold")
    table.add_column(t("column.reasons"), overflow="fold")
    table.add_column(t("column.stage"), no_wrap=True)
    for hit in found.hits:
        name = hit.name + (f" ({hit.alias})" if hit.alias else "")
        why = ", ".join(t(f"search.reason_{r.replace(' ', '_')}") for r in hit.reasons)
        table.add_row(
            Text(hit.id),
            Text(name),
            _match(hit),
            Text(why),
            Text(label("stage", hit.stage)),
        )
    console().print(table)


def _match(hit):
    """What matched; for a hit in free text, also where (record kind and ID, field) and
    the snippet, on lines of their own."""
    from rich.text import Text

    cell = Text()
    if hit.reasons != ("text",):
        cell.append(hit.matched or "")
    if hit.snippet is not None:
        where = label("kind", hit.record_kind) if hit.record else t("search.case_file")
        if hit.record:
            where += f" {hit.record}"
        if len(cell):
            cell.append("\n")
        cell.append(f"{where} · {hit.field}:", style="dim")
        cell.append(f"\n{hit.snippet}")
    return cell

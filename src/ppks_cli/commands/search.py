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
    warn_unreadable,
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
        warn_unreadable(found.problems)
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
    """The hits, best first: ID, client (and alias), what matched and why, stage; a hit in
    free text also says where, dim, and the snippet under it. Written plainly (see
    :mod:`ppks_cli.commands._table`)."""
    from ppks_cli.commands import _table as table

    columns = [
        table.Column(t("column.id"), whole=True),
        table.Column(t("column.name"), ratio=2, min_width=12),
        table.Column(t("column.match"), ratio=3, min_width=12),
        table.Column(t("column.reasons"), ratio=1, min_width=8),
        table.Column(t("column.stage"), whole=True),
    ]
    cells = []
    for hit in found.hits:
        name = hit.name + (f" ({hit.alias})" if hit.alias else "")
        why = ", ".join(t(f"search.reason_{r.replace(' ', '_')}") for r in hit.reasons)
        cells.append([hit.id, name, _match(hit), why, label("stage", hit.stage)])
    out = console()
    styled = table.wants_style(out)
    table.write(table.render(columns, cells, out.width, styled=styled))


def _match(hit) -> tuple[str, ...]:
    """What matched; for a hit in free text, also where (record kind and ID, field), dim,
    and the snippet, on lines of their own."""
    from ppks_cli.commands._table import Dim

    parts: list[str] = []
    if hit.reasons != ("text",):
        parts.append(hit.matched or "")
    if hit.snippet is not None:
        where = label("kind", hit.record_kind) if hit.record else t("search.case_file")
        if hit.record:
            where += f" {hit.record}"
        parts += [Dim(f"{where} · {hit.field}:"), hit.snippet]
    return tuple(parts)

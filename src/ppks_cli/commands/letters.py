"""``ppks letters``: the book of outgoing letters (*buku agenda surat keluar*), on screen,
as JSON, or exported to CSV or XLSX."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands import _completers
from ppks_cli.commands._casework import JsonOpt, option
from ppks_cli.commands._common import command, console, info_line, open_repo, print_json, say
from ppks_cli.errors import InvalidInput
from ppks_cli.i18n import Msg, t

FORMATS = ("table", "csv", "xlsx")


def register(app: typer.Typer) -> None:
    @command(app, "letters", help=t("help.letters.command"), epilog=t("help.letters.example"))
    def letters(
        ctx: typer.Context,
        year: Annotated[int | None, option("--year", key="letters.year", metavar="YEAR")] = None,
        kind: Annotated[
            str | None,
            option("--kind", key="letters.kind", metavar="KIND",
                   autocompletion=_completers.LETTER_KIND),
        ] = None,  # fmt: skip
        fmt: Annotated[
            str, option("--format", "-f", key="letters.format", metavar="table|csv|xlsx")
        ] = "table",
        output: Annotated[
            str | None, option("--output", "-o", key="letters.output", metavar="FILE")
        ] = None,
        force: Annotated[bool, typer.Option("--force", help=t("help.letters.force"))] = False,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import agenda
        from ppks_cli.choices import LETTER_KIND
        from ppks_cli.tomlio import output_path

        output = output_path(output)

        fmt = fmt.strip().lower()
        if fmt not in FORMATS:
            raise InvalidInput(
                "error.invalid_option", option="--format", detail=Msg("agenda.formats")
            )
        if fmt != "table" and output is None:
            raise InvalidInput("agenda.needs_output", fmt=fmt)
        if fmt == "table" and output is not None:
            raise InvalidInput("error.numbering.contradiction", first="--output",
                               second="--format table")  # fmt: skip
        kind = LETTER_KIND.parse(kind, "--kind") if kind is not None else None
        if year is not None and not 1900 <= year <= 9999:
            raise InvalidInput("error.invalid_option", option="--year",
                               detail=Msg("agenda.bad_year", value=year))  # fmt: skip
        repo = open_repo(ctx)
        book = agenda.agenda(repo, year=year, kind=kind)
        if fmt != "table":
            done = agenda.export(repo, book, fmt, output, force=force)
            if json_output:
                print_json(done)
            info_line(t("agenda.written", count=len(book.letters), path=str(done.path)))
            return
        if json_output:
            print_json(book)
            return
        if not book.letters:
            say(t("agenda.empty"))
            return
        _table(book)


def _table(book) -> None:
    """The agenda on screen: one row per letter, every value whole at any width (a value
    too long for its column wraps, at spaces or, for a number, folds; nothing is cut);
    a renumbered letter says by which number under its own."""
    from rich.table import Table
    from rich.text import Text

    from ppks_cli.neutral import neutralise

    rows = book.rows()
    table = Table(box=None, pad_edge=False, header_style="bold", padding=(0, 1, 0, 0))
    shown = ("number", "date", "kind", "case", "worker", "about")
    kept = ("number", "date", "case", "about")  # read whole: they keep their width …
    whole = {
        key: max((len(_shown(row, key)) for row in rows), default=0) for key in shown
    }  # fmt: skip
    # … when the terminal has room for them and a little of the others; else all fold
    room = sum(whole[k] for k in kept) + min(whole["kind"], 8) + 6 + len(shown) - 1
    keep = room <= console().width
    for key in shown:
        table.add_column(
            t(f"agenda.column.{key}"), overflow="fold",
            no_wrap=keep and key in kept and key != "number",
            min_width=whole[key] if keep and key in kept else None,
        )  # fmt: skip
    for row in rows:
        texts = [Text(neutralise(_shown(row, key))) for key in shown]
        if row["replaced_by"]:
            texts[0].append("\n" + neutralise(t("agenda.replaced", number=row["replaced_by"])),
                            style="dim")  # fmt: skip
        table.add_row(*texts)
    console().print(table)


def _shown(row: dict, key: str) -> str:
    value = row[key]
    return value.isoformat() if key == "date" and value else str(value or "")

"""``ppks letter``: render and issue an official letter; list the kinds and templates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ppks_cli.commands import _completers
from ppks_cli.commands._casework import (
    DateOpt,
    JsonOpt,
    WorkerOpt,
    option,
    record_date,
    record_worker,
)
from ppks_cli.commands._common import (
    command,
    console,
    info_line,
    interactive,
    open_repo,
    print_json,
    run_editor,
    warn_line,
    write_options,
    write_out,
)
from ppks_cli.errors import InvalidInput
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    @command(app, "letter", help=t("help.letter.command"), epilog=t("help.letter.example"))
    def letter(
        ctx: typer.Context,
        case_ref: Annotated[
            str | None,
            typer.Argument(
                metavar="CASE", help=t("help.option.case"), show_default=False,
                autocompletion=_completers.CASE,
            ),
        ] = None,
        kind: Annotated[
            str | None,
            typer.Argument(
                metavar="KIND",
                help=t("help.letter.kind"),
                show_default=False,
                autocompletion=_completers.LETTER_KIND,
            ),
        ] = None,
        fmt: Annotated[str, option("--format", "-f", key="letter.format", metavar="md|pdf")] = "md",
        output: Annotated[
            Path | None, option("--output", "-o", key="letter.output", metavar="PATH")
        ] = None,
        number: Annotated[
            str | None, option("--number", key="letter.number", metavar="NUMBER")
        ] = None,
        referral: Annotated[
            str | None, option("--referral", key="letter.referral", metavar="REF")
        ] = None,
        edit: Annotated[bool, typer.Option("--edit", help=t("help.letter.edit"))] = False,
        draft: Annotated[bool, typer.Option("--draft", help=t("help.letter.draft"))] = False,
        reissue: Annotated[
            str | None, option("--reissue", key="letter.reissue", metavar="NUMBER")
        ] = None,
        force: Annotated[bool, typer.Option("--force", help=t("help.letter.force"))] = False,
        cc: Annotated[list[str] | None, option("--cc", key="letter.cc", metavar="NAME")] = None,
        to: Annotated[
            str | None,
            option("--to", key="letter.to", metavar="NAME", autocompletion=_completers.DESTINATION),
        ] = None,
        list_kinds: Annotated[bool, typer.Option("--list", help=t("help.letter.list"))] = False,
        date: DateOpt = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import letters

        repo = open_repo(ctx)
        if list_kinds:
            _list(repo, json_output)
            return
        if case_ref is None:
            raise InvalidInput("error.missing_option", option="CASE")
        from ppks_cli.choices import LETTER_FORMAT, LETTER_KIND

        kind = LETTER_KIND.parse(kind, "KIND") if kind is not None else None
        fmt = LETTER_FORMAT.parse(fmt, "--format")
        issuing = not draft and not reissue
        request = letters.LetterRequest(
            kind=kind, fmt=fmt, output=output, date=record_date(date) if date else None,
            number=number, referral=referral, draft=draft, reissue=reissue, force=force,
            # who issues it is settled first: no work is done for a letter nobody may sign
            worker=record_worker(ctx, repo, worker, repo.find_case(case_ref)) if issuing else None,
            edit=(lambda source: _edit(ctx, source)) if edit else None,
            cc=list(cc or []), to=to,
        )  # fmt: skip
        result = letters.make_letter(repo, case_ref, request, options=write_options(ctx))
        made = result.letter
        for warning in made.warnings:  # a Sunday, a national holiday: signed anyway
            warn_line(str(warning))
        if result.to_screen and not json_output:
            write_out(made.markdown)
        if json_output:
            print_json(result)
        key = "letters.reissued" if reissue else "letters.draft" if draft else "letters.issued"
        info_line(t(key, number=made.number, case=result.case.id))
        if result.target is not None:
            info_line(t("letters.written", path=str(result.target)))


def _edit(ctx: typer.Context, source: str) -> str:
    """Open the Typst ``source`` in $EDITOR; return what the user saved."""
    import tempfile

    if not interactive(ctx):
        raise InvalidInput("error.edit_needs_terminal")
    with tempfile.TemporaryDirectory(prefix="ppks-") as folder:
        path = Path(folder) / "surat.typ"
        path.write_text(source, encoding="utf-8")
        run_editor(path)
        return path.read_text(encoding="utf-8")


def _list(repo, json_output: bool) -> None:
    from rich.table import Table
    from rich.text import Text

    from ppks_cli import letters

    sources = letters.list_templates(repo)
    if json_output:
        print_json(letters.TemplateList(sources))
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for key in ("kind", "title", "format", "template"):
        table.add_column(t(f"column.{key}"), no_wrap=key != "title")
    for s in sources:
        where = repo.rel(s.path) if s.overridden else s.path.name
        origin = t("letters.override" if s.overridden else "letters.builtin", path=where)
        table.add_row(Text(s.kind), Text(letters.TITLES[s.kind]), Text(s.fmt), Text(origin))
    console().print(table)

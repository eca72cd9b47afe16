"""``ppks letter``: show a letter as a draft, issue it (``--issue``), print it again
(``--reissue``), give it a new number (``ppks letter renumber NUMBER``); list the kinds
and templates."""

from pathlib import Path
from typing import Annotated

import typer

from ppks_cli.commands import _completers
from ppks_cli.commands._casework import (
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
            str | None, option("--output", "-o", key="letter.output", metavar="PATH")
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
        issue: Annotated[
            bool, typer.Option("--issue", help=t("help.letter_numbering.issue"))
        ] = False,
        new: Annotated[bool, typer.Option("--new", help=t("help.letter_numbering.new"))] = False,
        in_case: Annotated[
            str | None, option("--case", key="letter_numbering.case", metavar="CASE",
                               autocompletion=_completers.CASE)
        ] = None,  # fmt: skip
        reason: Annotated[
            str | None, option("--reason", key="letter_numbering.reason", metavar="TEXT")
        ] = None,
        date: Annotated[
            str | None, option("--date", key="letter.date", metavar="YYYY-MM-DD")
        ] = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import letters
        from ppks_cli.tomlio import output_path

        output = output_path(output)
        repo = open_repo(ctx)
        if list_kinds:
            _list(repo, json_output)
            return
        if case_ref is None and reissue is None:
            raise InvalidInput("error.missing_option", option="CASE")
        from ppks_cli.choices import LETTER_FORMAT, LETTER_KIND

        fmt = LETTER_FORMAT.parse(fmt, "--format")
        if case_ref == RENUMBER:
            _renumber(ctx, repo, kind, fmt=fmt, output=output, number=number, case=in_case,
                      reason=reason, force=force, worker=worker, json_output=json_output,
                      others={"--issue": issue, "--new": new, "--draft": draft,
                              "--reissue": reissue, "--edit": edit, "--date": date,
                              "--referral": referral, "--cc": cc, "--to": to})  # fmt: skip
            return
        for flag, given in (("--case", in_case), ("--reason", reason)):
            if given is not None:
                raise InvalidInput("error.numbering.needs_renumber", option=flag)
        if reissue and worker is not None:  # a reissue records nothing: no one to name
            raise InvalidInput("letter_words.reissue_as_issued", option="--worker")
        kind = LETTER_KIND.parse(kind, "KIND") if kind is not None else None
        request = letters.LetterRequest(
            kind=kind, fmt=fmt, output=output, date=record_date(date) if date else None,
            number=number, referral=referral, draft=draft, reissue=reissue, force=force,
            # who issues it is settled first: no work is done for a letter nobody may sign
            # (the case is read for it only when no setting names the worker)
            worker=record_worker(ctx, repo, worker, None if repo.default_worker(worker) or
                                 not case_ref else repo.find_case(case_ref))
            if issue else None,
            edit=(lambda source: _edit(ctx, source)) if edit else None, issue=issue, new=new,
            cc=list(cc or []), to=to,
        )  # fmt: skip
        # only an issued letter writes (a draft or a reissue records nothing)
        options = write_options(ctx) if issue else None
        result = letters.make_letter(repo, case_ref, request, options=options)
        _report(result, json_output)


RENUMBER = "renumber"  # ppks letter renumber NUMBER: never a case ID (they start with a year)


def _report(result, json_output: bool) -> None:
    """The letter on screen (Markdown without -o), or its JSON; then what was done."""
    made = result.letter
    for warning in made.warnings:  # a Sunday, a national holiday: signed anyway
        warn_line(str(warning))
    if result.to_screen and not json_output:
        write_out(made.markdown)
    if json_output:
        print_json(result)
    case = result.case.id
    if result.renumbered:
        info_line(t("numbering.renumbered", old=result.renumbered, number=made.number,
                    case=case, reason=made.reason or ""))  # fmt: skip
    elif result.reissued:
        info_line(t("letters.reissued", number=made.number, case=case))
    elif not result.issued:
        info_line(t("numbering.draft", case=case))
        if made.earlier:
            info_line(t("numbering.issued_before", earlier=", ".join(made.earlier), case=case))
    elif made.earlier:
        info_line(t("numbering.issued_new", number=made.number, case=case,
                    earlier=", ".join(made.earlier)))  # fmt: skip
    else:
        info_line(t("letters.issued", number=made.number, case=case))
    if result.target is not None:
        info_line(t("letters.written", path=str(result.target)))


def _renumber(
    ctx: typer.Context, repo, old: str | None, *, fmt: str, output: Path | None,
    number: str | None, case: str | None, reason: str | None, force: bool,
    worker: str | None, json_output: bool, others: dict,
) -> None:  # fmt: skip
    """``ppks letter renumber NUMBER``: the letter numbered NUMBER gets the next free
    number (or ``--number``), with why, and is printed again."""
    from ppks_cli import agenda

    if old is None or not old.strip():
        raise InvalidInput("error.missing_option", option="NUMBER")
    for flag, given in others.items():
        if given:
            raise InvalidInput("error.numbering.contradiction", first=RENUMBER, second=flag)
    request = agenda.RenumberRequest(
        number=old, worker=record_worker(ctx, repo, worker), case=case, new_number=number,
        reason=reason, fmt=fmt, output=output, force=force,
    )  # fmt: skip
    _report(agenda.renumber(repo, request, options=write_options(ctx)), json_output)


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

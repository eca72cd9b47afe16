"""The office's book of outgoing letters (*buku agenda surat keluar*) and the way out of a
number two clones issued offline: :func:`agenda` lists the issued letters, :func:`export`
writes them as CSV or XLSX, :func:`renumber` gives a letter the next free number.

Everything here reads the letter records (:func:`ppks_cli.letters.issued_numbers`);
numbers are taken only while the repository is held (:class:`ppks_cli.changes.Writer`).
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ppks_cli.errors import InvalidInput, NotFound, Refused
from ppks_cli.i18n import Msg, t

if TYPE_CHECKING:
    from ppks_cli.letters import IssuedNumber, LetterResult
from ppks_cli.records import Letter
from ppks_cli.results import Result
from ppks_cli.store import Repository

EXPORT_FORMATS = ("csv", "xlsx")
# the columns of the agenda book, in order (JSON keys, CSV header, XLSX header)
COLUMNS = ("number", "date", "kind", "case", "worker", "about", "record", "replaced_by",
           "renumbers", "reason")  # fmt: skip


@dataclass
class Agenda(Result):
    """``ppks letters``: the issued letters, ordered as the agenda book runs (year,
    serial, date, number), with the filters used. A renumbered letter is listed too, with
    the number that replaced it (``replaced_by``): its number was used once."""

    letters: list[IssuedNumber]
    year: int | None = None
    kind: str | None = None

    def rows(self) -> list[dict[str, Any]]:
        """One dict per letter with the keys of :data:`COLUMNS`; dates as ``dt.date``."""
        found = []
        for i in self.letters:
            found.append(
                {
                    "number": i.number, "date": i.date, "kind": i.kind, "case": i.case,
                    "worker": i.worker, "about": i.about, "record": i.record,
                    "replaced_by": i.replaced_by, "renumbers": i.renumbers, "reason": i.reason,
                }
            )  # fmt: skip
        return found

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {**row, "date": row["date"].isoformat() if row["date"] else None}
            for row in self.rows()
        ]


def agenda(repo: Repository, *, year: int | None = None, kind: str | None = None) -> Agenda:
    """The issued letters of the repository, of ``year`` (of the number) and ``kind``
    (``assessment``, ``referral`` …) when given, in agenda order: year, serial (numbers
    outside the sequence after), date, time of entry, number."""
    from ppks_cli.letters import issued_numbers

    found = [
        i for i in issued_numbers(repo)
        if (year is None or i.year == year) and (kind is None or i.kind == kind)
    ]  # fmt: skip
    found.sort(
        key=lambda i: (
            i.year, i.seq is None, i.seq or 0, i.date or dt.date.min, i.recorded_at, i.number
        )
    )
    return Agenda(found, year, kind)


@dataclass
class AgendaExport(Result):
    """An agenda written to a file: what it holds (``count`` letters, :data:`COLUMNS`),
    where, and in which format. The file is readable by its owner only (0600): it names
    cases and workers."""

    agenda: Agenda
    path: Path
    fmt: str

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.path), "format": self.fmt, "count": len(self.agenda.letters),
            "columns": list(COLUMNS), "year": self.agenda.year, "kind": self.agenda.kind,
        }  # fmt: skip


def _headers() -> list[str]:
    return [t(f"agenda.column.{name}") for name in COLUMNS]


def to_csv(book: Agenda) -> bytes:
    """The agenda as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the
    Indonesian words right; a header row in the interface's language; ISO dates). A value
    starting with ``= + - @`` gets a leading apostrophe so no spreadsheet runs it."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_headers())
    for row in book.rows():
        writer.writerow([_cell(row[name]) for name in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_xlsx(book: Agenda) -> bytes:
    """The agenda as an XLSX workbook (openpyxl): one sheet, the header frozen, columns
    sized to their content, dates as spreadsheet dates (``dd/mm/yyyy``), text cells as
    text: a value starting like a formula (``= + - @``) is a text cell marked
    ``quotePrefix``, shown as written (no apostrophe) and still text when edited."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = t("agenda.sheet")[:31]
    sheet.append(_headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(h) for h in _headers()]
    for index, row in enumerate(book.rows(), start=2):
        for column, name in enumerate(COLUMNS, start=1):
            value = row[name]
            cell = sheet.cell(row=index, column=column)
            if isinstance(value, dt.date):
                cell.value = value
                cell.number_format = "DD/MM/YYYY"
                width = 10
            else:
                cell.value = None if value is None else str(value)
                cell.data_type = "s"
                # shown as written, with no apostrophe, and still text when edited
                cell.quotePrefix = bool(cell.value) and cell.value[0] in _FORMULA_START
                width = len(cell.value or "")
            widths[column - 1] = max(widths[column - 1], width)
    from openpyxl.utils import get_column_letter

    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, 60)
    sheet.freeze_panes = "A2"
    stamp = dt.datetime(2000, 1, 1)  # no time of making: the same agenda, the same bytes
    workbook.properties.created = workbook.properties.modified = stamp
    workbook.properties.creator = "ppks"
    out = io.BytesIO()
    workbook.save(out)
    return _same_bytes(out.getvalue(), stamp)


def _same_bytes(data: bytes, stamp: dt.datetime) -> bytes:
    """The workbook ``data`` with the times openpyxl writes on saving (the "modified"
    property, each zip entry's date) set to ``stamp``: the same agenda, the same bytes,
    whatever the second it was saved in."""
    import io
    import re
    import zipfile

    fixed = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + fixed + rb"\2",
                              body)  # fmt: skip
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, body)
    return out.getvalue()


def export(
    repo: Repository, book: Agenda, fmt: str, path: Path, *, force: bool = False
) -> AgendaExport:
    """Write ``book`` to ``path`` as ``fmt`` (``csv`` or ``xlsx``), atomically, never
    through a symbolic link, readable by its owner only (0600); an existing file only
    with ``force``. Raises :class:`InvalidInput` for another format or an unusable path
    (``error.output.agenda``), :class:`Refused` for an existing file without ``force``
    (``error.export_exists``), :class:`~ppks_cli.errors.WriteFailed`."""
    import os

    from ppks_cli.letters import check_output, write_output

    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(
            "error.invalid_option", option="--format", detail=Msg("agenda.formats")
        )
    check_output(path, repo, unusable="error.output.agenda")
    if os.path.lexists(path) and not force:
        raise Refused("error.export_exists", path=str(path))
    data = to_csv(book) if fmt == "csv" else to_xlsx(book)
    write_output(path, data, repo)
    os.chmod(path, 0o600)
    return AgendaExport(book, path, fmt)


# --- renumbering ----------------------------------------------------------------------------


@dataclass
class RenumberRequest:
    """``ppks letter renumber NUMBER``: which letter (``number``; ``case`` when several
    standing letters carry it: else the one recorded last), the number to give it
    (``new_number`` from the agenda book, else the next free one of its year), why
    (``reason``: needed when the number is not used twice), who, and the output as for
    :class:`ppks_cli.letters.LetterRequest`."""

    number: str
    worker: str | None = None
    case: str | None = None
    new_number: str | None = None
    reason: str | None = None
    fmt: str = "md"
    output: Path | None = None
    force: bool = False


def clashes(repo: Repository, issued: list[IssuedNumber], one: IssuedNumber) -> list[IssuedNumber]:
    """The other standing letters ``one`` clashes with: the same number however written
    (:func:`ppks_cli.letters.same_number`, as ``ppks check`` compares them: ``462/01``
    is ``462/1``), or (with ``[letters] sequence = "shared"``) the same serial of the same
    year under another code."""
    from ppks_cli.letters import issued_key, same_number

    shared = repo.config.letters.sequence == "shared"
    key = issued_key(repo, one)
    return [
        i for i in issued
        if i.active and i.file != one.file and (
            i.number == one.number
            or (shared and one.seq and i.seq == one.seq and i.year == one.year)
            or same_number(repo, key, issued_key(repo, i)) is not None
        )
    ]  # fmt: skip


@dataclass(frozen=True)
class TwoNumbers:
    """One document with two standing numbers, from two clones merged: ``keep`` (the
    number recorded first) and ``other``; ``how``: ``renumbered`` (one letter renumbered
    in both clones) or ``issued`` (the document issued in both, neither with ``--new``)."""

    keep: IssuedNumber
    other: IssuedNumber
    how: str


def two_numbers(issued: list[IssuedNumber]) -> list[TwoNumbers]:
    """The documents (a kind of letter about one record of a case) with more than one
    standing number that no one meant: two numbers of one letter (two renumberings of
    it), or two letters issued as the document's first (neither issued with ``--new``
    after the other: ``follows``). A letter issued with ``--new`` is meant. ``issued``:
    every letter, renumbered ones too (:func:`ppks_cli.letters.issued_numbers`). One
    entry per number that should go, against the one recorded first."""
    from collections import defaultdict

    from ppks_cli.letters import first_of

    documents: dict[tuple, list[IssuedNumber]] = defaultdict(list)
    for one in issued:
        if one.active and one.kind and one.about:
            documents[(one.case, one.kind, one.about)].append(one)
    found = []
    for letters in documents.values():
        letters.sort(key=lambda i: (i.recorded_at, i.file))
        for n, other in enumerate(letters[1:], 1):
            root = first_of(issued, other)
            for keep in letters[:n]:
                kept_root = first_of(issued, keep)
                if kept_root.record == root.record:
                    found.append(TwoNumbers(keep, other, "renumbered"))
                    break
                if not root.follows and not kept_root.follows:
                    found.append(TwoNumbers(keep, other, "issued"))
                    break
    return found


def _indonesian(key: str, **params: Any) -> str:
    """The message ``key`` in Indonesian, the language of the office's records."""
    from ppks_cli import i18n

    lang = i18n.get_language()
    i18n.set_language("id")
    try:
        return t(key, **params)
    finally:
        i18n.set_language(lang)


def renumber(repo: Repository, request: RenumberRequest, *, options=None) -> LetterResult:
    """Give the standing letter numbered ``request.number`` a new number and reissue it.

    The letter is kept as it was (its record stays, so the old number is never handed out
    again); a new letter record holds the new number, the same date and data, the record
    it renumbers and why: the reason given, or the letters it clashed with. The new
    number is ``request.new_number`` (from the agenda book) or the next free one of the
    letter's year, taken while the repository is held, and the letter is committed
    (``letter OLD renumbered NEW``). Templates changed since the letter was issued refuse
    (``error.template_changed``) unless ``force``; an ``--edit``ed source gets the new
    number in place of the old one. Raises :class:`NotFound` (no standing letter with
    that number), :class:`InvalidInput` (no reason for a number that is not used twice,
    a bad ``--number``), :class:`Refused`."""
    from ppks_cli.changes import WriteOptions
    from ppks_cli.letters import LetterResult, issued_letters, issued_numbers, write_output

    if request.fmt not in ("md", "pdf"):
        raise InvalidInput(
            "error.invalid_option", option="--format", detail=Msg("letters.formats")
        )
    if not request.worker:
        raise InvalidInput("error.missing_option", option="--worker")
    number = request.number.strip()
    with (options or WriteOptions()).writer(repo) as writer:
        issued = issued_numbers(repo)
        wanted = {i.file for i in issued_letters(repo, number)}  # in any spelling of it
        candidates = [i for i in issued if i.active and i.file in wanted]
        if request.case is not None:
            case_id = repo.find_case(request.case).id
            candidates = [i for i in candidates if i.case == case_id]
        if not candidates:
            raise NotFound("error.numbering.not_issued", number=number)
        chosen = max(candidates, key=lambda i: (i.recorded_at, i.file))
        kept = _kept_number(repo, issued, chosen, request.new_number)
        if kept is not None:  # one document, two numbers: this letter takes the other's
            case, made, record, data, target = _settle(repo, writer, chosen, kept, request)
        else:
            case, made, record, data, target = _to_new_number(
                repo, writer, issued, chosen, request
            )
    if target is not None:
        write_output(target, data, repo)
    return LetterResult(case, made, record, data, target, renumbered=chosen.number)


def _to_new_number(
    repo: Repository, writer, issued: list[IssuedNumber], chosen: IssuedNumber,
    request: RenumberRequest,
) -> tuple:  # fmt: skip
    """:func:`renumber` of ``chosen`` to the next free number or ``request.new_number``,
    recorded and committed (the output not written yet): the case, the letter, its new
    record, the bytes and the file (None: the screen)."""
    from ppks_cli.changes import commit_message
    from ppks_cli.letters import (
        Draft,
        _render,
        _render_output,
        code_of,
        given_number,
        issue,
        next_number,
    )
    from ppks_cli.templating import escape_typst

    number = chosen.number
    others = clashes(repo, issued, chosen)
    reason = (request.reason or "").strip()
    if not reason:
        if not others:
            raise InvalidInput("error.numbering.renumber_needs_reason", number=number)
        reason = _indonesian(
            "numbering.clash_reason", number=number,
            others=", ".join(f"{i.number} ({i.case})" for i in others),
        )  # fmt: skip
    case = repo.find_case(chosen.case)
    old = next(
        (r for r in case.records if isinstance(r, Letter) and r.id == chosen.record), None
    )
    if old is None:
        raise NotFound("error.numbering.not_issued", number=number)
    if request.new_number:
        new_number, seq = given_number(repo, request.new_number, old.date)
        code = code_of(repo, new_number)
    else:
        code = old.code or code_of(repo, old.number)
        new_number, seq = next_number(repo, old.letter, old.date, code)
    context = copy.deepcopy(old.context)
    context.setdefault("letter", {})["number"] = new_number
    texts, checksum = _render(repo, old.letter, context)
    if checksum != old.template_sha256 and not old.edited_source and not request.force:
        raise Refused("error.template_changed", number=old.number)
    edited = old.edited_source
    if edited:
        escaped = escape_typst(old.number)
        if escaped not in edited:
            raise Refused("error.numbering.edited_number_missing", number=old.number)
        edited = edited.replace(escaped, escape_typst(new_number))
    made = Draft(
        old.letter, new_number, seq, old.date, context, texts, checksum, old.about, edited,
    )  # fmt: skip
    made.code, made.renumbers, made.reason = code, old.id, reason
    data, target = _render_output(repo, case, made, request.fmt, request.output)
    record = issue(repo, case, made, worker=request.worker)
    message = commit_message(case.id, "letter-renumbered", old=old.number, number=new_number)
    writer.commit(message, record.worker)
    return case, made, record, data, target


def _kept_number(
    repo: Repository, issued: list[IssuedNumber], chosen: IssuedNumber, wanted: str | None
) -> IssuedNumber | None:
    """The other standing letter of ``chosen``'s document (case, kind, record it is
    about) whose number ``wanted`` is (however written), or None."""
    from ppks_cli.letters import number_key, same_number

    if not wanted or not chosen.about:
        return None
    wanted = wanted.strip()
    key = number_key(repo, wanted, chosen.year)
    for one in issued:
        if (
            one.active and one.record != chosen.record and one.case == chosen.case
            and one.kind == chosen.kind and one.about == chosen.about
            and (one.number == wanted or same_number(repo, key, number_key(repo, one.number,
                                                                           one.year)) == "same")
        ):  # fmt: skip
            return one
    return None


def _settle(
    repo: Repository, writer, chosen: IssuedNumber, kept: IssuedNumber, request: RenumberRequest
) -> tuple:
    """One document with two standing numbers (two clones): the letter ``chosen`` takes
    the number of ``kept``. A renumbering record gives ``chosen`` the number of ``kept``
    and holds ``kept``'s letter (the same number, date and data), so that the agenda
    book shows ``chosen``'s number replaced and the document keeps one number; the
    output is ``kept``'s letter printed again (:func:`ppks_cli.letters.reissue`), not
    written yet. Returns the case, the letter, its new record, the bytes and the file
    (None: the screen), as :func:`renumber` reports them."""
    from ppks_cli.changes import commit_message
    from ppks_cli.letters import _render_output, issue, reissue

    case = repo.find_case(chosen.case)
    made = reissue(repo, case, kept.number, force=request.force)
    reason = (request.reason or "").strip() or _indonesian(
        "letter_settle.reason", number=chosen.number, kept=kept.number
    )
    # it follows the kept number: a renumbering to a number the document has (one entry)
    made.renumbers, made.reason, made.earlier = chosen.record, reason, [kept.number]
    data, target = _render_output(repo, case, made, request.fmt, request.output)
    record = issue(repo, case, made, worker=request.worker)
    message = commit_message(case.id, "letter-renumbered", old=chosen.number, number=kept.number)
    writer.commit(message, record.worker)
    return case, made, record, data, target

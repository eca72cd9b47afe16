"""The files of ``ppks export``: CSV, XLSX (XlsxWriter) and JSON lines, written owner-only
(mode 0600), atomically (a temporary file beside the target, renamed or linked into
place only when complete) and never through a symbolic link.

Cells by type (:data:`ppks_cli.exports.TYPES`):

- CSV: UTF-8 with a byte-order mark (so Excel reads the accents), comma-separated, a
  header row; dates ``2024-06-30``, moments ISO with their offset, booleans ``true`` /
  ``false``, lists joined with ``", "``, an empty value an empty cell. A text that a
  spreadsheet would run as a formula (it starts with ``=``, ``@``, or ``+``/``-``
  followed by something other than a number) gets a leading ``'``.
- XLSX: one sheet named after the table, the header row bold and frozen, a filter on
  it, columns sized to their content (at most 60 characters wide); numbers are numbers,
  dates are dates (``yyyy-mm-dd``), moments are date-times in the time of day they were
  recorded at (``yyyy-mm-dd hh:mm``; Excel keeps no offset), booleans are booleans, and
  no text is ever a formula. Written by XlsxWriter row by row (constant memory): a
  50,000-row export is as fast to write as the program is to list the cases.
- JSON lines: one object per row, the columns as keys in order; dates and moments ISO,
  lists as lists, an empty value ``null``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from ppks_cli.errors import Refused, WriteFailed

MAX_WIDTH = 60  # characters: the widest an XLSX column is made
SIZED_FROM = 500  # rows: XLSX columns are sized from the header and this many rows


def check_target(path: Path, *, force: bool) -> None:
    """Refuse ``path`` as an export's target when it is ``-`` (an export is no stream: a
    file named ``-`` would land in the working folder, often the repository:
    :class:`~ppks_cli.errors.InvalidInput`), a symbolic link or a folder, or exists and
    ``force`` is not given (:class:`Refused`), or its folder does not exist
    (:class:`WriteFailed`)."""
    if str(path).strip() == "-":
        from ppks_cli.errors import InvalidInput

        raise InvalidInput("error.output_dash")
    if path.is_symlink():
        raise Refused("error.symlink_refused", path=str(path), link=str(path))
    if path.is_dir():
        raise Refused("error.export.folder", path=str(path))
    from ppks_cli.tomlio import refuse_special_file

    refuse_special_file(path)  # /dev/null, a pipe: never replaced by the export
    if path.exists() and not force:
        raise Refused("error.export_exists", path=str(path))
    parent = path.parent
    if not parent.is_dir():
        raise WriteFailed("error.write_failed", path=str(path), reason=os.strerror(2))


def write(path: Path, fmt: str, columns: Sequence, rows: Iterable[dict[str, Any]], *,
          force: bool = False, title: str = "ppks") -> int:  # fmt: skip
    """Write ``rows`` (dicts by column name) with ``columns``
    (:class:`ppks_cli.exports.Column`) to ``path`` as ``fmt`` (``csv``, ``xlsx``,
    ``jsonl``; ``title``: the XLSX sheet's name); the number of rows written. The data
    goes to a temporary file (mode 0600) in the same folder; when complete it is linked
    to ``path`` (which fails if ``path`` appeared meanwhile), or with ``force`` renamed
    over it (a rename replaces a link itself, never what it points to). A failure
    leaves no file behind. Raises what :func:`check_target` raises, and
    :class:`WriteFailed`."""
    import tempfile

    check_target(path, force=force)
    writer = {"csv": _csv, "xlsx": _xlsx, "jsonl": _jsonl}[fmt]
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            count = writer(fh, columns, rows, title)
            fh.flush()
            os.fsync(fh.fileno())
        if force:
            os.replace(tmp, path)
            tmp = None
        else:
            _place_new(tmp, path)
    except FileExistsError:
        raise Refused("error.export_exists", path=str(path)) from None
    except OSError as exc:
        raise WriteFailed(
            "error.write_failed", path=str(path), reason=exc.strerror or str(exc)
        ) from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return count


def _place_new(tmp: str, path: Path) -> None:
    """Put the complete file ``tmp`` at ``path``, which must not exist: a hard link
    (atomic, and refused with :class:`FileExistsError` if anything, a link included, is
    there), or where the file system has none, an exclusive creation of ``path``
    (``O_EXCL``: a link there is never followed) and a rename over it."""
    try:
        os.link(tmp, path, follow_symlinks=False)
        return
    except FileExistsError:
        raise
    except OSError:
        pass
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    os.close(os.open(path, flags, 0o600))
    os.replace(tmp, path)


# --- cells ---------------------------------------------------------------------------------


def _formula_like(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula (CSV injection)."""
    if not text:
        return False
    first = text[0]
    if first in "=@\t\r":
        return True
    if first in "+-":
        rest = text[1:].strip()
        return not rest or not all(ch.isdigit() or ch in " .-()/" for ch in rest)
    return False


def _text_cell(value: Any) -> str:
    """A value as CSV text (see the module)."""
    kind = type(value)
    if kind is str:
        return "'" + value if value and value[0] in "=@+-\t\r" and _formula_like(value) else value
    if kind is int:
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = ", ".join(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    text = str(value)
    return "'" + text if isinstance(value, str) and _formula_like(text) else text


def _csv(fh: IO[bytes], columns: Sequence, rows: Iterable[dict[str, Any]], _title: str) -> int:
    import csv
    import io

    out = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="", write_through=False)
    try:
        writer = csv.writer(out)
        writer.writerow([c.name for c in columns])
        count = 0
        for row in rows:
            writer.writerow([_text_cell(row.get(c.name)) for c in columns])
            count += 1
        out.flush()
    finally:
        out.detach()
    return count


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _jsonl(fh: IO[bytes], columns: Sequence, rows: Iterable[dict[str, Any]], _title: str) -> int:
    import json

    count = 0
    for row in rows:
        line = json.dumps({c.name: _json_value(row.get(c.name)) for c in columns},
                          ensure_ascii=False)  # fmt: skip
        fh.write(line.encode("utf-8") + b"\n")
        count += 1
    return count


def _shown_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    text = _text_cell(value)
    return max((len(line) for line in text.splitlines()), default=0)


def _xlsx(fh: IO[bytes], columns: Sequence, rows: Iterable[dict[str, Any]], title: str) -> int:
    """The rows as an XLSX workbook, with XlsxWriter in its constant-memory mode: each row
    is written out as it comes (inline strings, no shared-string table), so 50,000 rows
    take no more memory than one; ``write_string`` never makes a formula of a text."""
    import itertools

    import xlsxwriter

    book = xlsxwriter.Workbook(fh, {"constant_memory": True})
    book.set_properties({"created": _STAMP})  # the same bytes for the same rows
    sheet = book.add_worksheet(title)
    bold = book.add_format({"bold": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    rows = iter(rows)
    first = list(itertools.islice(rows, SIZED_FROM))
    names = [column.name for column in columns]
    for number, name in enumerate(names):
        widest = max([len(name)] + [_shown_width(r.get(name)) for r in first])
        sheet.set_column(number, number, min(widest + 2, MAX_WIDTH))
        sheet.write_string(0, number, name, bold)
    sheet.freeze_panes(1, 0)
    write_string, write_number = sheet.write_string, sheet.write_number
    write_boolean, write_datetime = sheet.write_boolean, sheet.write_datetime
    count = 0
    for count, row in enumerate(itertools.chain(first, rows), start=1):
        for number, name in enumerate(names):
            value = row.get(name)
            kind = type(value)
            if value is None or value == "" or value == []:  # an empty cell
                continue
            if kind is str:
                write_string(count, number, value)
            elif kind is int or kind is float:
                write_number(count, number, value)
            elif kind is bool:
                write_boolean(count, number, value)
            elif kind is dt.date:
                write_datetime(count, number, value, day)
            elif isinstance(value, dt.datetime):  # the time of day as recorded
                write_datetime(count, number, value.replace(tzinfo=None), moment)
            elif isinstance(value, list):
                write_string(count, number, ", ".join(value))
            else:
                write_string(count, number, str(value))
    sheet.autofilter(0, 0, count, len(names) - 1)
    book.close()
    return count


# the creation date written into the workbook's properties: fixed, not the moment of saving
_STAMP = dt.datetime(2000, 1, 1)

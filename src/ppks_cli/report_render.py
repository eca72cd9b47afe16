"""Renderers of a :class:`~ppks_cli.reports.Report`: Markdown, CSV and XLSX here, HTML in
:mod:`ppks_cli.report_html`, PDF in :mod:`ppks_cli.report_pdf` (the terminal's tables are
drawn by the command). Each renderer only formats the report's tables, whichever tables
the report holds; none counts anything. What HTML and PDF draw as charts is decided here
once (:data:`CHARTS`, :func:`chart`), so both show the same pictures.

Text that came from the cases (workers' names, referral destinations, placements) is
written as text: a cell that starts like a spreadsheet formula (``=``, ``+``, ``-``,
``@``) gets a leading ``'`` in CSV and is stored as a string, never a formula, in XLSX.
Files are written readable by their owner only (:func:`write_file`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ppks_cli.i18n import t
from ppks_cli.reports import UNKNOWN, Report, Table

FORMATS = ("md", "csv", "xlsx", "json", "html", "pdf")

# the tables HTML and PDF draw as a chart too, and how: "bars" (one horizontal bar a row,
# in the table's order), "ranked" (the same, largest first: rows with no order of their
# own, such as names) or "columns" (one column a month, in order); where a picture says
# more. A table not named here (one added to the report later) is shown as a table only.
CHARTS = {
    "new_by_category": "ranked", "new_by_month": "columns", "new_by_sex": "bars",
    "new_by_age": "bars", "new_by_source": "bars", "caseload_by_stage": "bars",
    "caseload_by_worker": "ranked", "closures_by_reason": "bars",
    "closures_by_placement": "ranked", "duration": "bars",
    "referrals_by_destination": "ranked", "referrals_by_status": "bars",
    "overdue_at_end": "bars",
}  # fmt: skip
MAX_BARS = 12  # a bar chart shows the 11 largest rows and one bar for the others

# the message group whose labels name the rows of a table (else the key as it is); the
# tables of _OWN_ROWS are labelled by the report's own rows (``report.row.*``)
_ROW_LABELS = {
    "new_by_sex": "sex", "new_by_source": "source", "caseload_by_stage": "stage",
    "closures_by_reason": "termination_reason", "referrals_by_status": "referral_status",
    "shelter": "shelter_report_row", "shelter_discharges": "discharge_destination",
    "raid_catches_by_disposition": "disposition",
}  # fmt: skip
_OWN_ROWS = frozenset(
    {"summary", "duration", "referrals_awaiting", "follow_ups", "overdue_at_end",
     "repeat_clients", "raids"}
)  # fmt: skip


def table_title(report: Report, table: Table) -> str:
    """The title of ``table`` in the interface's language (its code when the catalogs do
    not name it yet: a new table still renders)."""
    try:
        return t(f"report.table.{table.name}", days=report.awaiting_days)
    except KeyError:
        return table.name


def row_label(table: Table, key: str) -> str:
    """The label of row ``key`` of ``table``: a category's name, a stage, a reason … in
    the interface's language; a worker, destination, placement or month as it is."""
    if key == UNKNOWN:
        return t("report.unknown")
    if table.name == "new_by_category":
        from ppks_cli import categories, i18n

        found = categories.categories().get(key)
        return found.display(i18n.get_language()) if found else key
    if table.name in _OWN_ROWS:
        return t(f"report.row.{key}")
    group = _ROW_LABELS.get(table.name)
    return t(f"{group}.{key}") if group else key


def column_names(report: Report) -> list[str]:
    """The value columns: one per repository (its folder's name; numbered when two have
    the same) then the total; one column only for one repository."""
    if len(report.repositories) == 1:
        return [t("report.total")]
    names: list[str] = []
    for repo in report.repositories:
        name = Path(repo["root"]).name or repo["root"]
        names.append(name if name not in names else f"{name} ({len(names) + 1})")
    return [*names, t("report.total")]


def row_values(report: Report, table: Table) -> list[tuple[str, str, list[Any]]]:
    """``(key, label, values)`` for each row, ``values`` in :func:`column_names` order."""
    single = len(report.repositories) == 1
    return [
        (key, row_label(table, key), [total] if single else [*values, total])
        for (key, values), total in zip(table.rows, table.totals, strict=True)
    ]


def number_text(value: Any) -> str:
    """A value of a table as text: a count, a median (``12.5``), ``—`` when unknown."""
    if value is None:
        return t("report.none")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def filters_text(report: Report) -> str:
    """The filters given, as ``--worker Dewi, --tag odgj`` (empty when none)."""
    return ", ".join(f"--{name} {value}" for name, value in report.filters.to_json().items()
                     if value is not None)  # fmt: skip


def period_text(report: Report) -> str:
    """The period in words, in the interface's language: ``Juni 2024``, ``Triwulan II
    2024``, ``Tahun 2024``, or ``1 Januari 2024 – 31 Maret 2024`` for ``--from``/``--to``."""
    from ppks_cli.dates import long_date, month_name

    label, start, end = report.period.label, report.period.start, report.period.end
    if len(label) == 7 and label[4] == "-" and label[5:].isdigit():
        return t("report.doc.period_month", month=month_name(start.month), year=start.year)
    if "-Q" in label:
        quarter = ("I", "II", "III", "IV")[(start.month - 1) // 3]
        return t("report.doc.period_quarter", quarter=quarter, year=start.year)
    if label.isdigit():
        return t("report.doc.period_year", year=start.year)
    return f"{long_date(start)} – {long_date(end)}"


@dataclass
class Chart:
    """What a chart of a table shows: its ``kind`` (``bars`` or ``columns``), the
    ``series`` (one per repository, named as its column; one, the total, for one
    repository) and the ``bars``: ``(key, label, counts)`` with one count per series, in
    the table's order (largest first for a "ranked" table of :data:`CHARTS`); for more
    than :data:`MAX_BARS` rows, the largest rows and last one bar of key ``_others``
    adding up the rest, so that the bars always sum to the table."""

    kind: str
    series: list[str]
    bars: list[tuple[str, str, list[int]]]

    @property
    def most(self) -> int:
        """The largest total of one bar (at least 1)."""
        return max([1, *(sum(counts) for _k, _l, counts in self.bars)])


# the charts' colours, HTML and PDF alike (Okabe–Ito: told apart by colour-blind readers
# and on a grey print-out)
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")  # fmt: skip
SHORT_TABLE = 8  # a table of up to so many rows is kept on one page with its chart
OTHERS = "_others"  # the key of the bar adding up the rows a chart has no room for


def chart(report: Report, table: Table) -> Chart | None:
    """The :class:`Chart` of ``table``, or None when it is not one of :data:`CHARTS`, or
    has fewer than two rows of counts, or only zeros. Rows that are not counts (the
    median) are left out of the picture (the table shows them)."""
    kind = CHARTS.get(table.name)
    if kind is None:
        return None
    names = column_names(report)
    series = names[:-1] if len(names) > 1 else names
    bars = []
    for (key, values), total in zip(table.rows, table.totals, strict=True):
        counts = values if len(values) > 1 else [total]
        if all(isinstance(v, int) and not isinstance(v, bool) for v in counts):
            bars.append((key, row_label(table, key), list(counts)))
    if len(bars) < 2 or not any(any(counts) for _k, _l, counts in bars):
        return None
    if kind == "ranked":
        bars.sort(key=lambda bar: -sum(bar[2]))  # stable: ties keep the table's order
    if kind != "columns" and len(bars) > MAX_BARS:
        rest = bars[MAX_BARS - 1 :] if kind == "ranked" else sorted(
            bars, key=lambda bar: -sum(bar[2]))[MAX_BARS - 1 :]  # fmt: skip
        left = {id(bar) for bar in rest}
        others = [sum(counts[n] for _k, _l, counts in rest) for n in range(len(series))]
        bars = [bar for bar in bars if id(bar) not in left]
        bars.append((OTHERS, t("report.doc.others", count=len(rest)), others))
    return Chart("columns" if kind == "columns" else "bars", series, bars)


def settings_text(report: Report) -> str:
    """The settings the counts used, in words: the age groups and the days after which a
    referral awaits an answer."""
    from ppks_cli.reports import age_group_keys

    groups = ", ".join(age_group_keys(report.age_groups))
    return t("report.doc.settings", groups=groups, days=report.awaiting_days)


def _md_cell(text: str) -> str:
    from ppks_cli.neutral import neutralise

    text = neutralise(" ".join(str(text).split()), keep="")
    for ch in "\\|*_`[]<>#":
        text = text.replace(ch, "\\" + ch)
    return text


def to_markdown(report: Report) -> str:
    """The report as Markdown: a title with the period and offices, then each table as a
    pipe table under its own heading."""
    lines = [f"# {_md_cell(t('report.title', period=report.period.label))}", ""]
    offices = ", ".join(repo["office"] for repo in report.repositories)
    lines += [f"{_md_cell(t('report.office'))}: {_md_cell(offices)}  ",
              f"{report.period.start.isoformat()} – {report.period.end.isoformat()}"]  # fmt: skip
    if filters_text(report):
        lines += ["", _md_cell(t("report.filters", filters=filters_text(report)))]
    columns = column_names(report)
    for table in report.tables:
        lines += ["", f"## {_md_cell(table_title(report, table))}", ""]
        lines.append("| " + " | ".join([_md_cell(t("report.key")), *map(_md_cell, columns)]) + " |")
        lines.append("| --- |" + " ---: |" * len(columns))
        for _key, label, values in row_values(report, table):
            cells = [_md_cell(label), *(number_text(v) for v in values)]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(text: str) -> str:
    """``text`` that a spreadsheet will not run as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(report: Report) -> str:
    """The report as one CSV table (comma-separated, quoted as RFC 4180, a header row,
    lines ended by LF): the columns ``table``, ``key`` (the code), ``label``, one per
    repository when there are several, and ``total``; a median not known is left empty."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = column_names(report)
    writer.writerow(["table", "key", "label", *(
        [_safe_text(n) for n in names[:-1]] if len(names) > 1 else []), "total"])  # fmt: skip
    for table in report.tables:
        for key, label, values in row_values(report, table):
            writer.writerow([
                table.name, _safe_text(key), _safe_text(label),
                *("" if v is None else v for v in values),
            ])  # fmt: skip
    return out.getvalue()


def _month_date(key: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(f"{key}-01")
    except ValueError:
        return None


def to_xlsx(report: Report) -> bytes:
    """The report as an XLSX workbook (openpyxl): a first sheet ``report`` with the
    period (dates as dates), offices and filters, then one sheet per table named by its
    code (``new_by_category`` …) with the columns ``key``, label, one per repository when
    there are several, and the total; the header row frozen and bold, columns sized to
    their text, counts as numbers, the months of ``new_by_month`` as dates."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    info = book.active
    info.title = "report"
    bold = Font(bold=True)

    def text_cell(sheet, row: int, column: int, value: str):
        cell = sheet.cell(row=row, column=column)
        cell.value = value
        cell.data_type = "s"  # never a formula, whatever it starts with
        return cell

    info_rows: list[tuple[str, Any]] = [
        (t("report.title", period=report.period.label), None),
        ("from", report.period.start), ("to", report.period.end),
        *((t("report.office"), repo["office"]) for repo in report.repositories),
        *((f"--{name}", value) for name, value in report.filters.to_json().items()
          if value is not None),
    ]  # fmt: skip
    for number, (name, value) in enumerate(info_rows, start=1):
        text_cell(info, number, 1, name).font = bold if number == 1 else Font()
        if isinstance(value, dt.date):
            info.cell(row=number, column=2, value=value).number_format = "yyyy-mm-dd"
        elif value is not None:
            text_cell(info, number, 2, str(value))
    info.column_dimensions["A"].width = 40
    info.column_dimensions["B"].width = 40
    names = column_names(report)
    for table in report.tables:
        sheet = book.create_sheet(table.name[:31])
        header = ["key", t("report.key"), *names]
        for column, name in enumerate(header, start=1):
            text_cell(sheet, 1, column, name).font = bold
        widths = [len(name) for name in header]
        for number, (key, label, values) in enumerate(row_values(report, table), start=2):
            month = _month_date(key) if table.name == "new_by_month" else None
            if month is not None:
                sheet.cell(row=number, column=1, value=month).number_format = "yyyy-mm"
            else:
                text_cell(sheet, number, 1, key)
            text_cell(sheet, number, 2, label)
            for column, value in enumerate(values, start=3):
                sheet.cell(row=number, column=column, value=value)
            widths = [max(w, len(str(v))) for w, v in
                      zip(widths, [key, label, *values], strict=True)]  # fmt: skip
        sheet.freeze_panes = "A2"
        for column, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = min(60, width + 2)
        sheet.oddHeader.center.text = table_title(report, table).replace("&", "&&")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(report: Report, fmt: str, repo=None) -> bytes:
    """The report in ``fmt`` (one of :data:`FORMATS`) as bytes (text as UTF-8). A PDF
    needs ``repo``, the :class:`~ppks_cli.store.Repository` whose kop surat, signatory
    and templates it is made with (see :func:`ppks_cli.report_pdf.to_pdf`)."""
    import json

    if fmt == "xlsx":
        return to_xlsx(report)
    if fmt == "html":
        from ppks_cli.report_html import to_html

        return to_html(report).encode("utf-8")
    if fmt == "pdf":
        from ppks_cli.report_pdf import to_pdf

        return to_pdf(report, repo)
    if fmt == "md":
        return to_markdown(report).encode("utf-8")
    if fmt == "csv":
        return to_csv(report).encode("utf-8")
    return (json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def check_output(path: Path, roots: Iterable[Path] = ()) -> None:
    """Refuse, before any work, an output ``path`` that cannot be written: its folder
    missing or not writable, a name too long, a folder or a link in its place
    (:class:`~ppks_cli.errors.InvalidInput`, ``error.report.output``), ``-`` (most tools
    read it as the screen: ``error.output_dash``), or one of the own files of a
    repository at ``roots`` (:class:`~ppks_cli.errors.Refused`)."""
    from ppks_cli.errors import InvalidInput as _Invalid
    from ppks_cli.tomlio import refuse_repository_data

    if str(path).strip() == "-":
        raise _Invalid("error.output_dash")

    for root in roots:
        refuse_repository_data(path, root)
    import errno

    from ppks_cli.errors import InvalidInput

    def refuse(code: int) -> None:
        raise InvalidInput("error.report.output", file=str(path), reason=os.strerror(code))

    folder = path.parent if str(path.parent) else Path(".")
    try:
        longest = os.pathconf(folder, "PC_NAME_MAX") if folder.is_dir() else 255
    except (OSError, ValueError):
        longest = 255
    if len(os.fsencode(path.name)) > longest:
        refuse(errno.ENAMETOOLONG)
    if not folder.is_dir():
        refuse(errno.ENOENT)
    if path.is_symlink():
        refuse(errno.ELOOP)
    if path.is_dir():
        refuse(errno.EISDIR)
    from ppks_cli.tomlio import refuse_special_file

    refuse_special_file(path)  # /dev/null, a pipe: never truncated nor made owner-only
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        refuse(errno.EACCES)


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (:func:`ppks_cli.tomlio.atomic_write_bytes`:
    never through a link, never over a device), readable and writable by its owner only
    (0600, also when the file was there before). Raises
    :class:`~ppks_cli.errors.InvalidInput` (``error.report.output``) when it cannot be
    written."""
    from ppks_cli.errors import InvalidInput, WriteFailed
    from ppks_cli.tomlio import atomic_write_bytes

    try:
        atomic_write_bytes(path, data)  # its temporary file is made owner-only
        os.chmod(path, 0o600, follow_symlinks=False)  # the same bytes were there already
    except (WriteFailed, OSError) as exc:
        reason = exc.params.get("reason") if isinstance(exc, WriteFailed) else exc.strerror
        raise InvalidInput(
            "error.report.output", file=str(path), reason=reason or type(exc).__name__
        ) from None

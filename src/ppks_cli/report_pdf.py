"""``ppks report --format pdf``: the report as an official document, through the letters'
Typst path.

The page, the kop surat (letterhead) and the page numbers are the letters' own: the body
written here is put into ``base.typ.j2`` (the repository's own copy when the office has
one, else the built-in) by the same sandboxed Jinja environment
(:func:`ppks_cli.templating.build_environment`), and compiled by
:func:`ppks_cli.letters.to_pdf` (the fonts ppks ships, no system fonts, no package, no
network, a fresh temporary folder). The kop, the fonts and the signatory are those of the
first repository counted. Like letters, the document is in Indonesian whatever the
interface speaks.

The body: a title and the period, a block naming the period, offices (and which column
is which), filters and how it counted; then every table of the report (whichever the
report holds), numbered, each under a heading that never stays alone at the foot of a
page, with a chart drawn in Typst itself (boxes and rectangles: bars, or columns for the
months; :func:`ppks_cli.report_render.chart`) kept with the start of the table, whose
header row is repeated on each page it runs onto; a short table (:data:`SHORT_TABLE`
rows) stays on one page with its chart. Last, the
closing sentence and, on the same page, the signature block *Mengetahui,* of
``[signatories.division_head]`` with the place and day.

Every value is escaped for Typst (:func:`ppks_cli.templating.escape_typst`) by
:class:`Typ` on its way in, loses bidirectional and control characters, and a character
none of the fonts can print becomes ``�`` (a letter would be refused; a report of
hundreds of cases is not held up by one name).
"""

from __future__ import annotations

import datetime as dt
import re
import string
import uuid
from pathlib import Path
from typing import Any

from ppks_cli.errors import InvalidInput
from ppks_cli.i18n import t
from ppks_cli.report_render import (
    COLOURS,
    OTHERS,
    SHORT_TABLE,
    Chart,
    chart,
    column_names,
    filters_text,
    number_text,
    period_text,
    row_values,
    settings_text,
    table_title,
)
from ppks_cli.reports import Report

TITLE = "LAPORAN PELAYANAN KASUS PPKS"
UNPRINTABLE = "\ufffd"


def text(value: Any) -> str:
    """``value`` as Typst markup showing exactly its text (see the module's docstring)."""
    from ppks_cli.glyphs import covered
    from ppks_cli.templating import escape_typst, strip_bidi

    have = covered()
    shown = "".join(c if ord(c) in have or c in "\n\t" else UNPRINTABLE
                    for c in strip_bidi(str(value)))  # fmt: skip
    return escape_typst(shown)


class _Formatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Typ):
            return str(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return format(value, format_spec)
        return text(value)


class Typ(str):
    """Typst source: a literal is code or markup; every value put in with :meth:`format`
    or :meth:`join` is escaped by :func:`text` (numbers are written as numbers) unless it
    is already :class:`Typ`."""

    __slots__ = ()

    def format(self, *args: Any, **kwargs: Any) -> Typ:  # type: ignore[override]
        return Typ(_Formatter().vformat(self, args, kwargs))

    def join(self, parts) -> Typ:  # type: ignore[override]
        return Typ(str.join(self, (p if isinstance(p, Typ) else text(p) for p in parts)))

    def __add__(self, other: Any) -> Typ:
        return Typ(str.__add__(self, other if isinstance(other, Typ) else text(other)))


def _legend(series: list[str]) -> Typ:
    """A legend (a code-mode statement): a coloured square and the name of each series."""
    return Typ("  block(below: 0.4em, {{ set text(size: 8pt); {} }})\n").format(
        Typ(" + h(0.8em) + ").join(
            Typ('box(rect(width: 7pt, height: 7pt, fill: rgb("{}"), stroke: none)) + [ {}]')
            .format(Typ(COLOURS[n % len(COLOURS)]), name)
            for n, name in enumerate(series)
        )
    )  # fmt: skip


def bars(found: Chart) -> Typ:
    """A horizontal bar chart in Typst: label, bar (stacked by repository), total."""
    cells = []
    for key, label, counts in found.bars:
        faint = Typ(".lighten(55%)" if key == OTHERS else "")  # the rest, added up
        parts = [
            Typ('rect(width: {:.2f}%, height: 8pt, fill: rgb("{}"){}, stroke: none)').format(
                count / found.most * 85, Typ(COLOURS[n % len(COLOURS)]), faint)
            for n, count in enumerate(counts) if count > 0
        ]  # fmt: skip
        parts.insert(0, Typ("box(width: 0pt, height: 8pt)"))  # every row as high as a bar
        parts.append(Typ("h(3pt)"))
        parts.append(Typ("strong[{}]").format(sum(counts)))
        cells.append(Typ("[{}], stack(dir: ltr, {}),").format(label, Typ(", ").join(parts)))
    legend = _legend(found.series) if len(found.series) > 1 else Typ("")
    return Typ(
        "#block(breakable: false, sticky: true, above: 0.3em, below: 0.6em, {{\n"
        "  set text(size: 8.5pt)\n  set par(justify: false, leading: 0.35em)\n{}"
        "  grid(columns: (4.6cm, 1fr), column-gutter: 6pt, row-gutter: 3.5pt,\n"
        "    align: (right + horizon, left + horizon),\n{}\n  )\n}})\n"
    ).format(legend, Typ("\n").join(Typ("    ") + c for c in cells))


def columns(found: Chart) -> Typ:
    """A column chart of months in Typst: a column a month (stacked by repository), its
    total above when there is room, the month's short name and the year below."""
    from ppks_cli.dates import month_name

    count = len(found.bars)
    every = 1 if count <= 24 else (3 if count <= 72 else 12)
    tops, names, years = [], [], []
    for number, (key, _label, counts) in enumerate(found.bars):
        segments = [
            Typ('rect(width: 70%, height: {:.3f}cm, fill: rgb("{}"), stroke: none)').format(
                value / found.most * 3.2, Typ(COLOURS[n % len(COLOURS)]))
            for n, value in enumerate(counts) if value > 0
        ]  # fmt: skip
        value = Typ("text(size: 7pt, weight: \"bold\")[{}]").format(sum(counts))
        tops.append(Typ("stack(dir: ttb, spacing: 2pt, {}, stack(dir: btt, {})),").format(
            value if count <= 24 else Typ("[]"), Typ(", ").join(segments) or Typ("[]")))
        year, month = int(key[:4]), int(key[5:7])
        shown = number % every == 0 or month == 1
        names.append(Typ("[{}],").format(month_name(month, "id")[:3] if shown else ""))
        years.append(Typ("[{}],").format(str(year) if number == 0 or month == 1 else ""))
    legend = _legend(found.series) if len(found.series) > 1 else Typ("")
    return Typ(
        "#block(breakable: false, sticky: true, above: 0.3em, below: 0.6em, {{\n"
        "  set text(size: 7.5pt)\n{}"
        "  grid(columns: ({}), rows: (3.8cm, auto, auto), column-gutter: 1pt, row-gutter: 2pt,"
        "\n    align: center + bottom,\n    {}\n    {}\n    {}\n  )\n"
        "  v(-0.3em)\n}})\n"
    ).format(legend, Typ(", ").join([Typ("1fr")] * count), Typ(" ").join(tops),
             Typ(" ").join(names), Typ(" ").join(years))  # fmt: skip


def _table(report: Report, table) -> Typ:
    names = column_names(report)
    several = len(names) > 1
    header = Typ(", ").join(
        Typ("[*{}*]").format(name) for name in [t("report.key"), *names]
    )  # fmt: skip
    rows = []
    for _key, label, values in row_values(report, table):
        cells = [Typ("[{}]").format(label)]
        for number, value in enumerate(values):
            bold = several and number == len(values) - 1
            cells.append(Typ("[*{}*]" if bold else "[{}]").format(number_text(value)))
        rows.append(Typ(", ").join(cells) + Typ(","))
    return Typ(
        "#table(\n  columns: (1fr, {}),\n  align: (x, y) => if x == 0 {{ left }} else {{ right }},"
        "\n  inset: (x: 4pt, y: 2.6pt),\n"
        "  stroke: (x, y) => (bottom: 0.4pt + luma(170)),\n"
        "  fill: (x, y) => if y == 0 {{ luma(232) }},\n"
        "  table.header({}),\n  {}\n)\n"
    ).format(Typ(", ").join([Typ("auto")] * len(names)), header,
             Typ("\n  ").join(rows))  # fmt: skip


def _facts(report: Report) -> Typ:
    from ppks_cli.dates import long_date

    facts: list[tuple[str, str]] = [
        (t("report.doc.period"), f"{period_text(report)} ({long_date(report.period.start)} – "
                                 f"{long_date(report.period.end)})"),
    ]  # fmt: skip
    names = column_names(report)
    if len(report.repositories) > 1:
        for name, repo in zip(names, report.repositories, strict=False):
            facts.append((f"{t('report.doc.repository')} {name}", repo["office"]))
    else:
        facts.append((t("report.doc.offices"), report.repositories[0]["office"]))
    if filters_text(report):
        facts.append((t("report.doc.filters"), filters_text(report)))
    facts.append((t("report.doc.counting"), settings_text(report)))
    rows = Typ("\n  ").join(Typ("[{}], [:], [{}],").format(name, value)
                            for name, value in facts)  # fmt: skip
    return Typ(
        "#table(columns: (3.2cm, 0.4cm, 1fr), stroke: none, inset: (x: 0pt, y: 2pt),\n"
        "  align: left + top,\n  {}\n)\n"
    ).format(rows)


def _signature(signatory: dict[str, Any], place: str, day: dt.date) -> Typ:
    from ppks_cli.dates import long_date

    lines = [Typ("[{}, {}]").format(place, long_date(day, "id")),
             Typ("[{}]").format(t("report.doc.acknowledged")),
             Typ("[{},]").format(signatory["title"]), Typ("v(1.6cm)"),
             Typ("underline(strong[{}])").format(signatory["name"])]  # fmt: skip
    if signatory.get("rank"):
        lines.append(Typ("[{}]").format(signatory["rank"]))
    if signatory.get("nip"):
        lines.append(Typ("[NIP. {}]").format(signatory["nip"]))
    # the closing sentence and the signature on one page: never a signature alone
    return Typ(
        "#block(breakable: false, width: 100%, above: 1.4em, {{\n"
        "  set par(justify: false, spacing: 0.45em)\n  [{}]\n  v(1em)\n"
        "  grid(columns: (1fr, 8.5cm), [], grid(columns: 1fr, align: center, row-gutter: "
        "0.45em,\n    {}\n  ))\n}})\n"
    ).format(t("report.doc.closing"), Typ(",\n    ").join(lines))


def body(report: Report, signatory: dict[str, Any], place: str, day: dt.date) -> Typ:
    """The Typst body of the report (what follows the kop surat), in the current
    language: see the module's docstring."""
    parts = [
        Typ("#set text(size: 10pt)\n#set par(justify: false)\n"),
        Typ("#align(center)[\n  #set par(spacing: 0.45em)\n"
            "  #text(size: 13pt, weight: \"bold\")[#underline[{}]] \\\n"
            "  #text(size: 11pt)[{}]\n]\n#v(0.4em)\n").format(TITLE, period_text(report)),
        _facts(report),
    ]  # fmt: skip
    for number, table in enumerate(report.tables, start=1):
        found = chart(report, table)
        picture = Typ("")
        if found is not None:
            picture = columns(found) if found.kind == "columns" else bars(found)
        heading = Typ(
            "#block(sticky: true, breakable: false, above: 1.3em, below: 0.5em, "
            "text(size: 10.5pt, weight: \"bold\")[{}. {}])\n"
        ).format(number, table_title(report, table))
        section = heading + picture + _table(report, table)
        if len(table.rows) <= SHORT_TABLE:  # the whole section on one page
            section = Typ("#block(breakable: false, width: 100%)[\n{}]\n").format(
                Typ(section))
        parts.append(Typ(section))
    parts.append(_signature(signatory, place, day))
    return Typ("\n").join(parts)


# the lines of ppks.toml that name the signatory of a report
SIGNATORY_LINES = (
    '[signatories.division_head]\ntitle = "Kepala Bidang …"\nname = "…"\n'
    'rank = "…"   # pangkat/golongan, bila ada\nnip = "…"'
)


def check_ready(repo) -> None:
    """Refuse, before any counting, a PDF report ``repo`` cannot sign: raises
    :class:`~ppks_cli.errors.InvalidInput` (``error.report.signatory``, with the lines of
    ``ppks.toml`` to fill in) when ``[signatories.division_head]`` is not set."""
    if repo.config.signatories.division_head is None:
        raise InvalidInput("error.report.signatory", lines=SIGNATORY_LINES)


def source(report: Report, repo, today: dt.date | None = None) -> str:
    """The whole Typst source of the report, its kop and signatory from ``repo`` (a
    :class:`~ppks_cli.store.Repository`), dated ``today`` (default: the day it is made).
    Raises :class:`~ppks_cli.errors.InvalidInput` (``error.report.signatory``) when
    ``[signatories.division_head]`` is not set, and the errors of a letter's template
    (:func:`ppks_cli.letters.missing_value_error` …) for an office's own
    ``base.typ.j2`` that fails."""
    from ppks_cli import i18n
    from ppks_cli.i18n import Msg
    from ppks_cli.letters import _template_frame, missing_value_error, template_roots
    from ppks_cli.templating import (
        MissingField,
        Raw,
        TemplateLimit,
        build_environment,
        render_bounded,
        wrap,
    )

    check_ready(repo)
    config = repo.config
    signatory = config.signatories.division_head
    day = today or dt.date.today()
    lang = i18n.get_language()
    i18n.set_language("id")  # an official document, as letters are
    try:
        written = body(report, signatory.model_dump(mode="python", exclude_none=True),
                       config.office.city, day)  # fmt: skip
    finally:
        i18n.set_language(lang)
    env = build_environment(template_roots(repo), "typ")
    template = env.from_string(
        '{% extends "base.typ.j2" %}{% block body %}{{ body }}{% endblock %}'
        "{% block tembusan %}{% endblock %}"
    )
    # the office's template is rendered within the letters' bounds around a mark, which
    # the body (written here, as long as the report's tables are) then replaces
    mark = f"// ppks-report-body-{uuid.uuid4().hex}"
    data = {
        "office": config.office.model_dump(mode="python", exclude_none=True),
        "letter": {"title": f"Laporan {report.period.label}", "font": config.letters.font},
        "body": Raw(mark),
    }
    try:
        page = render_bounded(template, wrap("", data))
    except MissingField as exc:
        where, line = _template_frame(exc, "base.typ.j2")
        raise missing_value_error(str(exc), where, line) from None
    except TemplateLimit as exc:
        where, line = _template_frame(exc, "base.typ.j2")
        raise InvalidInput("error.template_limit", template=where, line=line,
                           detail=Msg(exc.key)) from None  # fmt: skip
    if page.count(mark) != 1:  # an office's base.typ.j2 without its body block
        raise InvalidInput("error.template_failed", template="base.typ.j2", line=0,
                           detail="{% block body %}")  # fmt: skip
    return page.replace(mark, written).rstrip() + "\n"


def to_pdf(report: Report, repo, today: dt.date | None = None) -> bytes:
    """The report as PDF bytes: :func:`source` compiled by
    :func:`ppks_cli.letters.to_pdf` (so with its fonts, offline, the logo copied in,
    quiet for poppler). Raises what those raise."""
    from ppks_cli.letters import Draft
    from ppks_cli.letters import to_pdf as compile_pdf

    day = today or dt.date.today()
    typ = source(report, repo, day)
    office = repo.config.office.model_dump(mode="python", exclude_none=True)
    made = Draft(kind="report", number="", seq=None, date=day, data={"office": office},
                 texts={"typ": typ, "md": ""}, checksum="")  # fmt: skip
    return compile_pdf(repo, made)


def default_path(repo, period) -> Path:
    """Where a PDF report of ``period`` (a :class:`~ppks_cli.reports.Period`) goes when no
    file is named: ``out/`` of ``repo`` (made when missing and ignored by git:
    :func:`ppks_cli.letters.out_folder`), named ``report-<period>.pdf``
    (``report-2024-06.pdf``, ``report-2024-Q2.pdf``, ``report-2024-01-01_2024-03-31.pdf``).
    Raises :class:`InvalidInput` (``error.report.output``) when the folder cannot be made,
    :class:`~ppks_cli.errors.Refused` for a linked ``out/``."""
    from ppks_cli.letters import out_folder

    name = "report-" + re.sub(r"[^0-9A-Za-z-]+", "_", period.label) + ".pdf"
    try:
        return out_folder(repo) / name
    except InvalidInput as exc:
        raise InvalidInput("error.report.output", file=exc.params.get("path", "out"),
                      reason=exc.params.get("reason", "")) from None  # fmt: skip

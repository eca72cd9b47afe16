"""``ppks report --format html``: the report as one self-contained HTML page.

One file and nothing else: the style sheet is inline, the charts are inline SVG drawn
here (no script, no font, image or style sheet from anywhere), and a
``Content-Security-Policy`` in the page forbids a browser to load anything or run any
script, so the page shows the same offline, from a USB stick or as a mail attachment.
It prints on A4 (``@page``, a heading kept with what follows, a short table and its chart
never split, a long table's header row repeated on each page, page numbers where the
browser supports page-margin boxes).

The page is in the interface's language. Every value that came from the cases or from
``ppks.toml`` (a worker's name, a destination, an office, a filter, a folder name) is
escaped on its way in by :class:`Html` (``markupsafe``: a ``<script>`` in a name shows as
text), and loses bidirectional and control characters
(:func:`ppks_cli.templating.strip_bidi`). The page is built only from the report's
tables (:func:`ppks_cli.report_render.row_values`, :func:`~ppks_cli.report_render.chart`),
whichever tables the report holds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from markupsafe import Markup
from markupsafe import escape as _escape

from ppks_cli.i18n import get_language, t
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

WIDTH = 680  # the charts' drawing width (CSS pixels at full size: 180 mm, A4's text width)
CHAR = 6.6  # the mean width of a character of the 12px labels, for fitting them


class Html(Markup):
    """HTML text: a literal is markup, every value put in with :meth:`format` or
    :meth:`join` is escaped (and loses bidirectional and control characters) unless it is
    already :class:`Html`."""

    __slots__ = ()

    @classmethod
    def escape(cls, s: Any) -> Html:
        if hasattr(s, "__html__"):
            return cls(s.__html__())
        from ppks_cli.templating import strip_bidi

        return cls(_escape(strip_bidi(str(s))))


def _fit(text: str, width: float) -> str:
    """``text`` cut to about ``width`` pixels of the charts' 12px labels, with ``…``."""
    most = max(4, int(width / CHAR))
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _legend(series: list[str], y: float) -> list[Html]:
    parts, x = [], 0.0
    for number, name in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        parts.append(Html('<rect x="{:.1f}" y="{:.1f}" width="11" height="11" fill="{}"/>'
                          '<text x="{:.1f}" y="{:.1f}">{}</text>').format(
            x, y, colour, x + 15, y + 10, _fit(name, 160)))  # fmt: skip
        x += 15 + min(160, len(name) * CHAR) + 18
    return parts


def _svg(body: list[Html], height: float, title: str, name: str) -> Html:
    return Html(
        '<svg class="chart" data-table="{}" role="img" '
        'viewBox="0 0 {} {:.0f}" width="{}" height="{:.0f}" font-size="12">'
        "<title>{}</title>{}</svg>"
    ).format(name, WIDTH, height, WIDTH, height, t("report.doc.chart", title=title),
             Html("").join(body))  # fmt: skip


def bars_svg(found: Chart, title: str, name: str) -> Html:
    """A horizontal bar chart: one bar a row, labelled on the left, its total on the
    right; one colour per repository, stacked, with a legend when there are several."""
    row, bar = 22, 14
    top = 22 if len(found.series) > 1 else 0
    longest = max(len(label) for _k, label, _c in found.bars)
    label_w = min(250.0, max(80.0, longest * CHAR + 12))
    bar_w = WIDTH - label_w - 60
    body = _legend(found.series, 2) if top else []
    for number, (key, label, counts) in enumerate(found.bars):
        y = top + number * row
        faint = Html(' fill-opacity="0.45"') if key == OTHERS else ""  # the rest, added up
        body.append(Html('<text x="{:.1f}" y="{:.1f}" text-anchor="end"><title>{}</title>{}'
                         "</text>").format(label_w - 8, y + 15, label, _fit(label, label_w - 12)))
        x = label_w
        for part, count in enumerate(counts):
            if count <= 0:
                continue
            width = max(1.0, count / found.most * bar_w)
            body.append(Html('<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{}" '
                             'fill="{}"{}><title>{}: {}</title></rect>').format(
                x, y + (row - bar) / 2, width, bar, COLOURS[part % len(COLOURS)], faint,
                found.series[part], count))  # fmt: skip
            x += width
        body.append(Html('<text class="value" x="{:.1f}" y="{:.1f}">{}</text>').format(
            x + 5, y + 15, sum(counts)))  # fmt: skip
    height = top + row * len(found.bars) + 4
    body.append(Html('<line x1="{:.1f}" y1="{}" x2="{:.1f}" y2="{:.0f}" stroke="#555"/>').format(
        label_w, top, label_w, height - 2))  # fmt: skip
    return _svg(body, height, title, name)


def columns_svg(found: Chart, title: str, name: str) -> Html:
    """A column chart of months in order: one column a month (its total above it when
    there is room), the month's short name below, the year under the first month and
    each January; stacked by repository, with a legend when there are several."""
    from ppks_cli.dates import month_name

    top = 22 if len(found.series) > 1 else 0
    plot_top, plot_h = top + 16, 150.0
    count = len(found.bars)
    slot = (WIDTH - 20) / count
    width = min(40.0, slot * 0.7)
    every = 1 if count <= 24 else (3 if count <= 72 else 12)  # a label each so many months
    body = _legend(found.series, 2) if top else []
    base = plot_top + plot_h
    for number, (key, _label, counts) in enumerate(found.bars):
        x = 10 + number * slot + (slot - width) / 2
        y = base
        for part, value in enumerate(counts):
            if value <= 0:
                continue
            height = value / found.most * plot_h
            y -= height
            body.append(Html('<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" '
                             'fill="{}"><title>{} {}: {}</title></rect>').format(
                x, y, width, height, COLOURS[part % len(COLOURS)], key,
                found.series[part], value))  # fmt: skip
        centre = x + width / 2
        if count <= 24:
            body.append(Html('<text class="value" x="{:.1f}" y="{:.1f}" text-anchor="middle">'
                             "{}</text>").format(centre, y - 4, sum(counts)))  # fmt: skip
        year, month = int(key[:4]), int(key[5:7])
        if number % every == 0 or month == 1:
            body.append(Html('<text x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>').format(
                centre, base + 15, month_name(month)[:3]))  # fmt: skip
        if number == 0 or month == 1:
            body.append(Html('<text x="{:.1f}" y="{:.1f}" text-anchor="middle" '
                             'class="year">{}</text>').format(centre, base + 30, year))
    body.append(Html('<line x1="4" y1="{:.1f}" x2="{}" y2="{:.1f}" stroke="#555"/>').format(
        base, WIDTH - 4, base))  # fmt: skip
    return _svg(body, base + 36, title, name)


def chart_svg(report: Report, table) -> Html | None:
    """The inline SVG chart of ``table`` (:func:`ppks_cli.report_render.chart`), or None."""
    found = chart(report, table)
    if found is None:
        return None
    title = table_title(report, table)
    draw = columns_svg if found.kind == "columns" else bars_svg
    return draw(found, title, table.name)


def _table(report: Report, table) -> Html:
    columns = column_names(report)
    several = len(columns) > 1
    head = Html("").join(
        Html('<th scope="col" class="num{}">{}</th>').format(
            " total" if several and number == len(columns) - 1 else "", name)
        for number, name in enumerate(columns)
    )  # fmt: skip
    rows = []
    for _key, label, values in row_values(report, table):
        cells = Html("").join(
            Html('<td class="num{}">{}</td>').format(
                " total" if several and number == len(values) - 1 else "", number_text(value))
            for number, value in enumerate(values)
        )  # fmt: skip
        zero = all(value in (0, None) for value in values)
        rows.append(Html('<tr{}><th scope="row">{}</th>{}</tr>').format(
            Html(' class="zero"') if zero else "", label, cells))  # fmt: skip
    return Html('<table><thead><tr><th scope="col">{}</th>{}</tr></thead><tbody>{}</tbody>'
                "</table>").format(t("report.key"), head, Html("").join(rows))  # fmt: skip


def _header(report: Report) -> Html:
    from pathlib import Path

    from ppks_cli.dates import long_date

    offices = Html("").join(Html('<p class="office">{}</p>').format(repo["office"])
                            for repo in report.repositories)  # fmt: skip
    facts: list[tuple[str, Any]] = [
        (t("report.doc.period"), f"{long_date(report.period.start)} – "
                                 f"{long_date(report.period.end)}"),
    ]  # fmt: skip
    columns = column_names(report)
    if len(report.repositories) > 1:
        for name, repo in zip(columns, report.repositories, strict=False):
            facts.append((t("report.doc.repository") + " " + name,
                          f"{repo['office']} ({Path(repo['root']).name or repo['root']})"))
    if filters_text(report):
        facts.append((t("report.doc.filters"), filters_text(report)))
    facts.append((t("report.doc.counting"), settings_text(report)))
    listed = Html("").join(Html("<dt>{}</dt><dd>{}</dd>").format(name, value)
                           for name, value in facts)  # fmt: skip
    return Html('<header>{}<h1>{}</h1><p class="period">{}</p><dl class="meta">{}</dl>'
                "</header>").format(offices, t("report.doc.heading"), period_text(report),
                                    listed)  # fmt: skip


STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Liberation Sans", "DejaVu Sans", Arial, Helvetica, sans-serif;
  font-size: 10.5pt; line-height: 1.35; color: #1a1a1a; background: #fff;
  max-width: 190mm; margin: 0 auto; padding: 10mm 8mm; }
header { border-bottom: 2.5px double #1a1a1a; padding-bottom: 6px; margin-bottom: 10px; }
header .office { margin: 0; font-weight: bold; font-size: 11pt; text-transform: uppercase; }
h1 { font-size: 16pt; margin: 6px 0 0; }
.period { font-size: 12.5pt; margin: 0 0 6px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 1px 12px; margin: 0;
  font-size: 9pt; }
dl.meta dt { font-weight: bold; }
dl.meta dd { margin: 0; }
section { margin: 12px 0 16px; }
section.short { break-inside: avoid; page-break-inside: avoid; }
h2 { font-size: 11.5pt; margin: 0 0 4px; padding-bottom: 2px; border-bottom: 1px solid #888;
  break-after: avoid; page-break-after: avoid; }
svg.chart { display: block; width: 100%; max-width: 680px; height: auto; margin: 2px 0 6px;
  break-inside: avoid; page-break-inside: avoid; break-after: avoid; page-break-after: avoid; }
svg.chart text { fill: #1a1a1a; }
svg.chart text.value { font-weight: bold; }
svg.chart text.year { fill: #555; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { padding: 2px 6px; border-bottom: 1px solid #d4d4d4; text-align: left;
  vertical-align: top; font-weight: normal; }
thead th { background: #e8eef4; border-bottom: 1px solid #666; font-weight: bold; }
.num { text-align: right; white-space: nowrap; width: 1%; font-variant-numeric: tabular-nums; }
.total { font-weight: bold; }
tr.zero td, tr.zero th { color: #6b6b6b; }
footer { margin-top: 14px; padding-top: 4px; border-top: 1px solid #888; font-size: 8.5pt;
  color: #444; }
@page { size: A4; margin: 14mm 14mm 16mm;
  @bottom-right { content: counter(page) " / " counter(pages); font-family: "Liberation Sans",
    "DejaVu Sans", Arial, sans-serif; font-size: 8pt; color: #444; } }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  section { margin: 8px 0 12px; }
}
"""

# nothing may be loaded or run: a style attribute or element is the page's only extra
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "\
         "form-action 'none'"  # fmt: skip


def to_html(report: Report, today: dt.date | None = None) -> str:
    """The report as one HTML document (UTF-8 text) in the interface's language: a
    header (offices, title, period, filters, how it counted), then each table of the
    report under its title, with an inline SVG chart before it where
    :func:`ppks_cli.report_render.chart` gives one, and a footer naming ``today`` (default:
    the day it is made). Self-contained; see the module's docstring."""
    from ppks_cli.dates import long_date

    sections = []
    for table in report.tables:
        picture = chart_svg(report, table)
        short = len(table.rows) <= SHORT_TABLE
        sections.append(Html('<section id="{}"{}><h2>{}</h2>{}{}</section>').format(
            table.name, Html(' class="short"') if short else "", table_title(report, table),
            picture or "", _table(report, table)))  # fmt: skip
    title = f"{t('report.title', period=report.period.label)} – " + ", ".join(
        repo["office"] for repo in report.repositories)
    made = t("report.doc.made", date=long_date(today or dt.date.today()))
    page = Html(
        '<!DOCTYPE html>\n<html lang="{}">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="{}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="ppks">\n<title>{}</title>\n<style>{}</style>\n'
        "</head>\n<body>\n{}\n<main>\n{}\n</main>\n<footer>{}</footer>\n</body>\n</html>\n"
    ).format(get_language(), POLICY, title, Html(STYLE), _header(report),
             Html("\n").join(sections), made)  # fmt: skip
    return str(page)

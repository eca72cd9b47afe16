"""``ppks report``: the counts of a period (:mod:`ppks_cli.reports`), as tables with bar
charts on the terminal, or as Markdown, CSV, XLSX, JSON, HTML or PDF
(:mod:`ppks_cli.report_render`) on stdout or in a file (a PDF without ``-o`` goes to the
repository's ``out/`` folder, as a letter does)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ppks_cli.commands import _completers
from ppks_cli.commands._common import (
    command,
    console,
    open_repo,
    print_json,
    progress_bar,
    say,
    warn_unreadable,
)
from ppks_cli.i18n import t

BAR_WIDTH = 24
BAR_TABLES = ("new_by_category", "new_by_month")  # where a picture says more


def register(app: typer.Typer) -> None:
    @command(app, "report", help=t("help.report.command"), epilog=t("help.report.example"))
    def report(
        ctx: typer.Context,
        month: Annotated[
            str | None, typer.Option("--month", metavar="YYYY-MM", help=t("help.report.month"))
        ] = None,
        quarter: Annotated[
            str | None,
            typer.Option("--quarter", metavar="YYYY-QN", help=t("help.report.quarter")),
        ] = None,
        year: Annotated[
            str | None, typer.Option("--year", metavar="YYYY", help=t("help.report.year"))
        ] = None,
        start: Annotated[
            str | None, typer.Option("--from", metavar="DATE", help=t("help.report.from"))
        ] = None,
        end: Annotated[
            str | None, typer.Option("--to", metavar="DATE", help=t("help.report.to"))
        ] = None,
        worker: Annotated[
            str | None, typer.Option(
                "--worker", metavar="NAME", help=t("help.report.worker"),
                autocompletion=_completers.WORKER,
            )
        ] = None,
        category: Annotated[
            str | None, typer.Option(
                "--category", metavar="SLUG", help=t("help.report.category"),
                autocompletion=_completers.CATEGORY,
            )
        ] = None,
        tag: Annotated[
            str | None, typer.Option("--tag", metavar="TAG", help=t("help.report.tag"))
        ] = None,
        age_groups: Annotated[
            str | None,
            typer.Option("--age-groups", metavar="N,N", help=t("help.report.age_groups")),
        ] = None,
        awaiting_days: Annotated[
            int | None,
            typer.Option("--awaiting-days", metavar="DAYS", help=t("help.report.awaiting_days")),
        ] = None,
        fmt: Annotated[
            str | None, typer.Option("--format", metavar="FORMAT", help=t("help.report.format"))
        ] = None,
        output: Annotated[
            str | None,
            typer.Option("--output", "-o", metavar="FILE", help=t("help.report.output")),
        ] = None,
        roots: Annotated[
            list[Path] | None,
            typer.Option("--root", metavar="PATH", help=t("help.report.root")),
        ] = None,
        json_output: Annotated[bool, typer.Option("--json", help=t("help.option.json"))] = False,
    ) -> None:
        from ppks_cli import categories, report_render, reports
        from ppks_cli.dates import parse_date
        from ppks_cli.errors import InvalidInput
        from ppks_cli.store import Repository
        from ppks_cli.tomlio import output_path

        output = output_path(output)
        period = reports.parse_period(
            month=month, quarter=quarter, year=year,
            start=parse_date(start, option="--from", allow_future=True) if start else None,
            end=parse_date(end, option="--to", allow_future=True) if end else None,
        )  # fmt: skip
        chosen = "json" if json_output else (fmt or "").strip().lower() or None
        if chosen is not None and chosen not in report_render.FORMATS:
            raise InvalidInput("error.report.format", value=fmt)
        if chosen is None and output is not None:  # the file's own ending, else Markdown
            ending = output.suffix.lower().lstrip(".")
            ending = "html" if ending == "htm" else ending
            chosen = ending if ending in report_render.FORMATS else "md"
        if chosen == "xlsx" and output is None:
            raise InvalidInput("error.report.xlsx_needs_file")
        repos = [Repository.open(root) for root in roots] if roots else [open_repo(ctx)]
        if chosen == "pdf":  # before any counting: the signatory, and where it goes
            from ppks_cli import report_pdf

            report_pdf.check_ready(repos[0])
            if output is None:  # like a letter: out/ of the repository, ignored by git
                output = report_pdf.default_path(repos[0], period)
        if output is not None:
            report_render.check_output(output, [r.root for r in repos])
        filters = reports.Filters(
            worker=worker,
            category=categories.resolve_category(category) if category else None,
            tag=categories.normalize_tag(tag) if tag and tag.strip() else tag,
        )
        with progress_bar(t("report_progress.label")) as progress:
            found = reports.report(
                repos, period, filters,
                age_groups=reports.parse_age_groups(age_groups) if age_groups else None,
                awaiting_days=awaiting_days, progress=progress,
            )  # fmt: skip
        warn_unreadable(found.problems)
        if chosen is None and output is None:
            _terminal(found)
            return
        if output is not None:
            report_render.write_file(output, report_render.render(found, chosen, repos[0]))
            say(t("report.written", file=str(output)))
            return
        if chosen == "json":
            print_json(found)
            return
        from ppks_cli.commands._common import write_out

        write_out(report_render.render(found, chosen).decode("utf-8"))


def _bar(value: int, most: int) -> str:
    """A bar of ``value`` against ``most``, in eighths of a block."""
    if most <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value * BAR_WIDTH * 8 / most))
    return "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]


def _terminal(report) -> None:
    """The report as rich tables: a title, then each table with one column per
    repository and the total; the tables of :data:`BAR_TABLES` with a bar of the total."""
    from rich.table import Table as RichTable
    from rich.text import Text

    from ppks_cli import report_render
    from ppks_cli.neutral import neutralise

    out = console()
    say(t("report.title", period=report.period.label) + f"  ({report.period.start.isoformat()}"
        f" – {report.period.end.isoformat()})")  # fmt: skip
    say(t("report.office") + ": " + ", ".join(r["office"] for r in report.repositories))
    if report_render.filters_text(report):
        say(t("report.filters", filters=report_render.filters_text(report)))
    columns = report_render.column_names(report)
    for table in report.tables:
        rows = report_render.row_values(report, table)
        shown = RichTable()
        shown.add_column(Text(t("report.key")), overflow="fold")
        for name in columns:
            shown.add_column(Text(neutralise(name, keep="")), justify="right")
        bars = table.name in BAR_TABLES
        most = max((values[-1] or 0 for _k, _l, values in rows), default=0)
        if bars:
            shown.add_column("", no_wrap=True)
        for _key, label, values in rows:
            cells = [neutralise(label, keep=""), *(report_render.number_text(v) for v in values)]
            if bars:
                cells.append(_bar(values[-1], most))
            shown.add_row(*(Text(cell) for cell in cells))
        out.print()
        say(report_render.table_title(report, table))
        out.print(shown, markup=False, highlight=False, emoji=False)

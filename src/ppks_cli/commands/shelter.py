"""``ppks shelter``: the rumah singgah. Who is in it tonight (or on a day), admissions and
discharges, and how full it was each day of a month."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any

import typer

from ppks_cli.commands._casework import (
    CaseArg,
    DateOpt,
    JsonOpt,
    WorkerOpt,
    begin,
    maybe,
    need,
    one_of,
    option,
)
from ppks_cli.commands._common import (
    command,
    console,
    fail,
    interactive,
    open_repo,
    print_json,
    progress_bar,
    say,
    warn_line,
    warn_unreadable,
    write_options,
)
from ppks_cli.commands._framework import shared_help
from ppks_cli.errors import PpksError
from ppks_cli.i18n import t

# made once, shared by the commands of the group: their help follows each build's language
OnOpt = Annotated[
    str | None, shared_help(typer.Option("--on", metavar="YYYY-MM-DD"), "help.shelter.on")
]
ShelterOpt = Annotated[
    str | None, shared_help(typer.Option("--shelter", metavar="NAME"), "help.shelter.shelter")
]


def _guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    """The error boundary of :func:`_common.command` for the group's own callback
    (``ppks shelter`` with no subcommand)."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PpksError as exc:
            fail(exc)

    return run


def register(app: typer.Typer) -> None:
    group = typer.Typer(help=t("help.shelter.command"), invoke_without_command=True)
    app.add_typer(
        group, name="shelter", help=t("help.shelter.command"),
        epilog=t("help.shelter.example"), invoke_without_command=True,
    )  # fmt: skip

    @group.callback(invoke_without_command=True)
    @_guarded
    def shelter_now(
        ctx: typer.Context,
        on: OnOpt = None,
        shelter: ShelterOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        if ctx.invoked_subcommand is None:
            _show_list(ctx, on, shelter, json_output)

    @command(group, "list", help=t("help.shelter.list"), epilog=t("help.shelter.example"))
    def list_(
        ctx: typer.Context,
        on: OnOpt = None,
        shelter: ShelterOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        _show_list(ctx, on, shelter, json_output)

    @command(group, "admit", help=t("help.shelter.admit"), epilog=t("help.shelter.admit_example"))
    def admit(
        ctx: typer.Context,
        case_ref: CaseArg,
        date: DateOpt = None,
        bed: Annotated[str | None, option("--bed", key="shelter.bed", metavar="BED")] = None,
        shelter: ShelterOpt = None,
        note: Annotated[str | None, option("--note", key="shelter.note")] = None,
        reopen: Annotated[
            str | None, option("--reopen", key="shelter.reopen", metavar="REASON")
        ] = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import shelter as core

        repo, case, when, who = begin(ctx, case_ref, date, worker)
        form = interactive(ctx)
        if form:  # what refuses it whatever is answered: before the questions
            closing = core.closed_on(case, when)
            core.ensure_can_admit(repo.config, case, when, reopen=True)
            if closing is not None and reopen is None:
                from ppks_cli.commands._common import confirm

                question = t("shelter.ask_reopen", case=case.id, closed=closing.date.isoformat())
                if confirm(question, default=True):
                    reopen = need(ctx, None, "--reopen", "stay.reopen_reason")
                else:
                    core.ensure_can_admit(repo.config, case, when, reopen=False)
            places = core.Places(repo.config)
            if shelter is None and len(places.known) > 1:
                choices = [(p.name, "") for p in places.known]
                shelter = need(ctx, None, "--shelter", "stay.which", choices=choices,
                               parse=lambda v: places.choose(v).name)  # fmt: skip
            if bed is None:
                bed = maybe(ctx, None, "stay.bed")
        result = core.admit(
            repo, case.id, worker=who, date=when, bed=bed, shelter=shelter, note=note,
            reopen_reason=reopen, options=write_options(ctx),
        )  # fmt: skip
        if json_output:
            print_json(result)
            return
        if result.reopened is not None:
            say(t("shelter.reopened", case=result.case.id, record=result.reopened.id))
        record = result.record
        say(t(
            "shelter.admitted", case=result.case.id, shelter=_place_name(result.place),
            date=record.date.isoformat(), record=record.id,
        ))  # fmt: skip
        if record.bed:
            say(t("shelter.admitted_bed", bed=record.bed))
        if result.place.beds is not None:
            say(t("shelter.admitted_count", occupied=result.occupied, beds=result.place.beds))
        for warning in result.warnings:
            warn_line(str(warning))

    @command(group, "discharge", help=t("help.shelter.discharge"),
             epilog=t("help.shelter.discharge_example"))  # fmt: skip
    def discharge(
        ctx: typer.Context,
        case_ref: CaseArg,
        to: Annotated[
            str | None,
            option("--to", key="shelter.to", metavar="home|institution|hospital|ran-away|other"),
        ] = None,
        date: DateOpt = None,
        note: Annotated[str | None, option("--note", key="shelter.note")] = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import shelter as core
        from ppks_cli.choices import DISCHARGE_DESTINATIONS
        from ppks_cli.i18n import label

        repo, case, when, who = begin(ctx, case_ref, date, worker)
        form = interactive(ctx) and to is None
        where = need(
            ctx, to, "--to", "stay.to",
            **one_of("discharge_destination", DISCHARGE_DESTINATIONS, "--to"),
        )  # fmt: skip
        result = core.discharge(
            repo, case.id, worker=who, to=where, date=when,
            note=maybe(ctx, note, "stay.note", ask_it=form), options=write_options(ctx),
        )  # fmt: skip
        if json_output:
            print_json(result)
            return
        stay, record = result.stay, result.record
        say(t(
            "shelter.discharged", case=result.case.id, date=record.date.isoformat(),
            to=label("discharge_destination", record.to), record=record.id,
        ))  # fmt: skip
        say(t("shelter.stayed", days=stay.length, admitted=stay.admitted.isoformat()))

    @command(group, "occupancy", help=t("help.shelter.occupancy"),
             epilog=t("help.shelter.occupancy_example"))  # fmt: skip
    def occupancy(
        ctx: typer.Context,
        month: Annotated[
            str | None, option("--month", key="shelter.month", metavar="YYYY-MM")
        ] = None,
        shelter: ShelterOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        import datetime as dt

        from ppks_cli import shelter as core

        repo = open_repo(ctx)
        month = month or dt.date.today().strftime("%Y-%m")
        with progress_bar(t("cli.reading_cases")) as progress:
            found = core.month_occupancy(repo, month, shelter=shelter, progress=progress)
        warn_unreadable(found.problems)
        if json_output:
            print_json(found)
            return
        _occupancy_table(found)


def _place_name(place, title: bool = False) -> str:
    """A shelter's name as shown: its name, "the shelter" for the one unnamed shelter
    ("The shelter" at the start of a line: ``title``), and a mark for a name
    ``ppks.toml`` does not have."""
    if place.name is None:
        return t("shelter.unnamed_title" if title else "shelter.unnamed")
    return place.name if place.known else t("shelter.unknown_place", name=place.name)


def _show_list(ctx: typer.Context, on: str | None, shelter: str | None, json_output: bool) -> None:
    from ppks_cli import shelter as core
    from ppks_cli.commands._casework import record_date

    repo = open_repo(ctx)
    day = record_date(on, "--on") if on else None
    with progress_bar(t("cli.reading_cases")) as progress:
        found = core.in_shelter(repo, day, shelter=shelter, progress=progress)
    warn_unreadable(found.problems)
    if json_output:
        print_json(found)
        return
    _list_table(found)


def _list_table(found) -> None:
    """Who is in the shelter, one client a row, longest stay first: the day of the stay
    (marked ⚠ past ``max_days``), the case, the name with the category under it, sex and
    age, the shelter (when there are several), the bed, the day of admission and the
    worker; the day, ID and dates never cut, a long name wrapped (the plain table of
    ``ppks list``)."""
    from ppks_cli.commands import _table as table

    say(t("shelter.title", date=found.on.isoformat(), max_days=found.max_days))
    for count in found.places:
        name = _place_name(count.place, title=True)
        if count.place.beds is None:
            say(t("shelter.count_unknown_beds", shelter=name, occupied=count.occupied))
        elif count.over:
            say(t("shelter.count_over", shelter=name, occupied=count.occupied,
                  beds=count.place.beds, over=count.over))  # fmt: skip
        else:
            say(t("shelter.count", shelter=name, occupied=count.occupied,
                  beds=count.place.beds, free=count.free))  # fmt: skip
    if not found.residents:
        say(t("shelter.empty", date=found.on.isoformat()))
        return
    several = len(found.places) > 1
    columns = [
        table.Column(t("shelter.column.days"), whole=True),
        table.Column(t("shelter.column.case"), whole=True),
        table.Column(t("shelter.column.name"), ratio=3, min_width=12),
        table.Column(t("shelter.column.sex_age"), whole=True),
        *([table.Column(t("shelter.column.shelter"), ratio=2, min_width=8)] if several else []),
        table.Column(t("shelter.column.bed"), ratio=1, min_width=4),
        table.Column(t("shelter.column.admitted"), whole=True),
        table.Column(t("shelter.column.worker"), ratio=1, min_width=8),
    ]
    cells = []
    for one in found.residents:
        name = one.name + (f" ({one.alias})" if one.alias else "")
        row = [
            f"{one.days} ⚠" if one.over else str(one.days), one.stay.case,
            (name, table.Dim(one.category or "")),
            ", ".join(str(v) for v in (one.sex, one.age) if v is not None),
            *([_place_name(one.place, title=True)] if several else []),
            one.stay.bed or "", one.stay.admitted.isoformat(), one.worker or "",
        ]  # fmt: skip
        cells.append(row)
    out = console()
    table.write(table.render(columns, cells, out.width, styled=table.wants_style(out)))
    over = [r for r in found.residents if r.over]
    if over:
        warn_line(t("shelter.over_limit", count=len(over), max_days=found.max_days))


def _occupancy_table(found) -> None:
    from rich.table import Table
    from rich.text import Text

    from ppks_cli.commands.report import _bar
    from ppks_cli.dates import day_name
    from ppks_cli.neutral import neutralise

    beds = found.beds
    say(t("shelter.occupancy_title", month=found.month)
        + ("" if beds is None else "  " + t("shelter.occupancy_beds", beds=beds)))  # fmt: skip
    if not found.days:
        say(t("shelter.occupancy_none", month=found.month))
        return
    several = len(found.places) > 1
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column(t("shelter.column.date"), no_wrap=True)
    table.add_column("", no_wrap=True)
    if several:
        for place in found.places:
            table.add_column(Text(neutralise(_place_name(place, title=True))), justify="right")
    table.add_column(t("shelter.column.occupied"), justify="right")
    table.add_column("", no_wrap=True)
    most = max([sum(c) for _, c in found.days] + [beds or 0])
    for day, counts in found.days:
        total = sum(counts)
        full = beds is not None and total > beds
        cells = [day.isoformat(), day_name(day)[:3]]
        if several:
            cells += [str(c) for c in counts]
        cells += [str(total), _bar(total, most) + (" ⚠" if full else "")]
        table.add_row(*(Text(c, style="yellow" if full else None) for c in cells))
    console().print(table)
    peak, when = found.peak
    if peak:
        say(t("shelter.peak", occupied=peak, dates=", ".join(d.isoformat() for d in when)))

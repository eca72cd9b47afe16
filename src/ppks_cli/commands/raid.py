"""``ppks raid``: street raids (razia): record a raid, enter the people it picked up (at a
terminal, one after the other, or from the team's spreadsheet), list and show raids, print
the berita acara, correct a raid's own fields."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ppks_cli.commands._casework import JsonOpt, WorkerOpt, ask_lines, option, record_worker
from ppks_cli.commands._common import (
    ask,
    command,
    confirm,
    console,
    error_line,
    info_line,
    interactive,
    open_repo,
    print_json,
    progress_bar,
    say,
    warn_line,
    write_options,
    write_out,
)
from ppks_cli.commands._framework import shared_help
from ppks_cli.errors import InvalidInput
from ppks_cli.i18n import label, t

RaidArg = Annotated[
    str,
    shared_help(typer.Argument(metavar="RAID", show_default=False), "help.raid.raid"),
]


def register(app: typer.Typer) -> None:
    group = typer.Typer(help=t("help.raid.command"), no_args_is_help=True)
    app.add_typer(group, name="raid", help=t("help.raid.command"), epilog=t("help.raid.example"))

    @command(group, "new", help=t("help.raid.new"), epilog=t("help.raid.new_example"))
    def new(
        ctx: typer.Context,
        date: Annotated[
            str | None, option("--date", key="raid.date", metavar="YYYY-MM-DD")
        ] = None,
        place: Annotated[
            list[str] | None, option("--place", key="raid.place", metavar="PLACE")
        ] = None,
        team: Annotated[list[str] | None, option("--team", key="raid.team", metavar="NAME")] = None,
        agency: Annotated[
            list[str] | None, option("--agency", key="raid.agency", metavar="AGENCY")
        ] = None,
        note: Annotated[str | None, option("--note", key="raid.note")] = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import raids

        repo = open_repo(ctx)
        who = record_worker(ctx, repo, worker)
        form = raids.NewRaid(date=date, places=list(place or []), team=list(team or []),
                             agencies=list(agency or []), note=note, worker=who)  # fmt: skip
        if interactive(ctx):
            _ask_raid(repo, form, whole=not (date or place or team or agency or note))
        result = raids.new_raid(repo, form, options=write_options(ctx))
        if json_output:
            print_json(result)
            return
        raid = result.raid
        say(t("raids.created", raid=raid.id, date=raid.date.isoformat(),
              places=", ".join(raid.places)))  # fmt: skip
        info_line(t("raids.next_add", raid=raid.id))

    @command(group, "list", help=t("help.raid.list"), epilog=t("help.raid.list_example"))
    def list_(
        ctx: typer.Context,
        year: Annotated[int | None, option("--year", key="raid.year", metavar="YYYY")] = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import raids

        if year is not None and not 1900 <= year <= 9999:
            raise InvalidInput("error.report.year", value=str(year))
        with progress_bar(t("cli.reading_cases")) as progress:
            found = raids.list_raids(open_repo(ctx), year, progress=progress)
        for problem in found.problems:
            warn_line(t("raids.unreadable", problem=problem.render()))
        if json_output:
            print_json(found)
            return
        if not found.raids:
            say(t("raids.none"))
            return
        _raid_table(found.raids)

    @command(group, "show", help=t("help.raid.show"), epilog=t("help.raid.show_example"))
    def show(ctx: typer.Context, raid_ref: RaidArg, json_output: JsonOpt = False) -> None:
        from ppks_cli import raids

        with progress_bar(t("cli.reading_cases")) as progress:
            view = raids.show_raid(open_repo(ctx), raid_ref, progress=progress)
        if json_output:
            print_json(view)
            return
        _render_raid(view)

    @command(group, "add", help=t("help.raid.add"), epilog=t("help.raid.add_example"))
    def add(
        ctx: typer.Context,
        raid_ref: RaidArg,
        from_file: Annotated[
            Path | None, option("--from", key="raid.from_file", metavar="FILE.csv|FILE.xlsx")
        ] = None,
        skip_invalid: Annotated[
            bool, typer.Option("--skip-invalid", help=t("help.raid.skip_invalid"))
        ] = False,
        dry_run: Annotated[bool, typer.Option("--dry-run", help=t("help.raid.dry_run"))] = False,
        shelter: Annotated[
            str | None, option("--shelter", key="raid.shelter", metavar="NAME")
        ] = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import raids
        from ppks_cli.shelter import Places

        repo = open_repo(ctx)
        raid = raids.find_raid(repo, raid_ref)  # an unknown raid: refused before any question
        who = record_worker(ctx, repo, worker)
        if shelter is not None:  # an unknown shelter: refused before any question
            Places(repo.config).choose(shelter)
        if from_file is not None:
            entries, problems = raids.read_people_file(from_file)
            if problems:  # the header: the file cannot be read as a list of people
                for problem in problems:
                    error_line(problem.render())
                raise InvalidInput("error.raid.file_header", file=str(from_file))
        elif interactive(ctx):
            entries = _ask_people(repo, raid, who)
            if not entries:
                say(t("raids.nobody"))
                return
        else:
            raise InvalidInput("error.raid.needs_file")
        try:
            with progress_bar(t("cli.reading_cases")) as progress:
                result = raids.add_people(
                    repo, raid.id, entries, worker=who, skip_invalid=skip_invalid,
                    dry_run=dry_run, shelter=shelter, options=write_options(ctx),
                    progress=progress,
                )  # fmt: skip
        except raids.RowsRefused as exc:
            for problem in exc.problems:
                error_line(problem.render())
            raise
        if json_output:
            print_json(result)
            return
        _render_added(result)

    @command(group, "print", help=t("help.raid.print"), epilog=t("help.raid.print_example"))
    def print_(
        ctx: typer.Context,
        raid_ref: RaidArg,
        fmt: Annotated[str, option("--format", "-f", key="raid.format", metavar="md|pdf")] = "md",
        output: Annotated[
            Path | None, option("--output", "-o", key="raid.output", metavar="PATH")
        ] = None,
        number: Annotated[
            str | None, option("--number", key="raid.number", metavar="NUMBER")
        ] = None,
        date: Annotated[
            str | None, option("--date", key="raid.print_date", metavar="YYYY-MM-DD")
        ] = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import raids
        from ppks_cli.choices import LETTER_FORMAT
        from ppks_cli.commands._casework import record_date

        fmt = LETTER_FORMAT.parse(fmt, "--format")
        made = raids.berita_acara(
            open_repo(ctx), raid_ref, fmt=fmt, output=output, number=number,
            date=record_date(date) if date else None,
        )  # fmt: skip
        if json_output:
            print_json(made)
            return
        if made.target is None:
            write_out(made.texts["md"])
        else:
            info_line(t("letters.written", path=str(made.target)))

    @command(group, "edit", help=t("help.raid.edit"), epilog=t("help.raid.edit_example"))
    def edit(
        ctx: typer.Context,
        raid_ref: RaidArg,
        place: Annotated[
            list[str] | None, option("--place", key="raid.edit_place", metavar="PLACE")
        ] = None,
        team: Annotated[
            list[str] | None, option("--team", key="raid.edit_team", metavar="NAME")
        ] = None,
        agency: Annotated[
            list[str] | None, option("--agency", key="raid.edit_agency", metavar="AGENCY")
        ] = None,
        note: Annotated[str | None, option("--note", key="raid.edit_note")] = None,
        reason: Annotated[str | None, option("--reason", key="raid.reason")] = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import raids

        repo = open_repo(ctx)
        raids.find_raid(repo, raid_ref)
        who = record_worker(ctx, repo, worker)
        if not reason or not reason.strip():
            if not interactive(ctx):
                raise InvalidInput("error.missing_option", option="--reason")
            reason = ask(t("raids.prompt_reason"))
        result = raids.correct_raid(
            repo, raid_ref, reason=reason, worker=who, places=list(place or []),
            team=list(team or []), agencies=list(agency or []), note=note,
            options=write_options(ctx),
        )  # fmt: skip
        if json_output:
            print_json(result)
            return
        say(t("raids.corrected", raid=result.raid.id, file=result.file))


# --- the questions ---------------------------------------------------------------------------


def _ask_raid(repo, form, whole: bool) -> None:
    """At a terminal: what ``ppks raid new`` was not given (with no flag at all, every
    question; else the required ones), each answer checked as it is typed."""
    import datetime as dt

    from ppks_cli import raids
    from ppks_cli.commands._common import err_console

    if form.date is None and whole:
        form.date = ask(t("raids.prompt_date"), lambda v: (raids.parse_raid_date(v), v)[1],
                        default=dt.date.today().isoformat())  # fmt: skip

    def listed(prompt: str, parse, required: bool, choices=()) -> list[str]:
        for number, name in enumerate(choices, start=1):
            err_console().print(f"  {number}) {name}", markup=False, highlight=False)
        return ask_lines(prompt, parse, required)

    if not form.places:
        form.places = listed(t("raids.prompt_place"), raids.parse_place, True)
    if not form.team:
        form.team = listed(t("raids.prompt_team"), raids.parse_team_member, True)
    suggested = repo.config.raids.agencies
    if not form.agencies and whole:
        form.agencies = listed(
            t("raids.prompt_agency"), lambda v: raids.parse_agency(v, suggested, "-"), False,
            choices=suggested,
        )  # fmt: skip
    if form.note is None and whole:
        form.note = ask(t("raids.prompt_note"), raids.parse_note, optional=True)


def _ask_people(repo, raid, worker: str) -> list:
    """At a terminal: the people of ``raid``, one after the other, with only what the
    field team knows; each answer checked as it is typed. After each person, the
    office's clients they may be are shown and the worker chooses (a case, new, or
    leave the person out); a new person who may be one entered earlier in the sitting is
    asked about too. An empty name ends the list; then what was entered is shown and
    saved once confirmed. Returns the entries (with their decisions)."""
    from ppks_cli import categories, index, intake, raids
    from ppks_cli.choices import SEX, category_list

    entries: list = []
    earlier: list = []  # the plans of the new people entered, to compare the next ones with
    clients = index.client_cases(repo)
    in_raid = raids.already_caught(repo, raid.id)
    places = raid.places
    info_line(t("raids.intro", raid=raid.id, date=raid.date.isoformat(),
                places=", ".join(places)))  # fmt: skip
    while True:
        number = len(entries) + 1
        info_line(t("raids.person", number=number))
        name = _ask_name()
        if name is None:
            break
        entry = raids.PersonEntry(name=name)
        if raids.is_no_name(name):
            entry.alias = ask(t("raids.prompt_alias"), _name_answer, optional=True)
        entry.sex = ask(t("prompt.sex"), lambda v: (intake.parse_sex_option(v, "-"), v)[1],
                        choices=SEX.shown())  # fmt: skip
        entry.age = ask(t("raids.prompt_age"),
                        lambda v: (intake.parse_birth(v, raid.date), v)[1], optional=True)
        shown = [] if entries else [
            (c.slug, c.display(_lang())) for c in categories.categories().values()
        ]  # fmt: skip
        entry.category = ask(
            t("raids.prompt_category"), lambda v: category_list().parse(v, "-"), choices=shown
        )
        entry.found_at = ask(
            t("raids.prompt_found_at"), raids.parse_place, optional=True,
            default=places[0] if len(places) == 1 else None,
            choices=[(place, "") for place in places] if len(places) > 1 else (),
        )  # fmt: skip
        _ask_disposition(repo, entry)
        decided = _decide(repo, raid, entry, number, worker, clients, in_raid, earlier)
        if decided is not None:
            entries.append(decided)
    if not entries:
        return []
    _show_entries(entries)
    if not confirm(t("raids.confirm_save", count=len(entries), raid=raid.id), default=True):
        from ppks_cli.errors import Cancelled

        raise Cancelled("error.cancelled")
    return entries


def _ask_name() -> str | None:
    """The name question: an empty answer ends the list (None); any other answer is a
    name, an alias or a word for no name ("tanpa nama", "tidak tahu", "-"), never the end
    of the list."""
    from ppks_cli.commands._common import prompt_error, read_answer

    while True:
        answer = read_answer(t("raids.prompt_name"), default="", show_default=False).strip()
        if not answer:
            return None
        try:
            return _name_answer(answer)
        except InvalidInput as exc:
            error_line(prompt_error(exc))


def _ask_disposition(repo, entry) -> None:
    """The disposition of ``entry`` and, for a hospital or an institution, its
    destination (from the referral directory), for someone sent home the family's
    address."""
    from ppks_cli import raids
    from ppks_cli.choices import DISPOSITION

    entry.destination = None
    entry.disposition = ask(t("raids.prompt_disposition"),
                            lambda v: DISPOSITION.parse(v, "-"), choices=DISPOSITION.shown())
    if entry.disposition in raids.NEEDS_DESTINATION:
        from ppks_cli.casework import resolve_destination

        entry.destination = ask(
            t("raids.prompt_destination"), lambda v: resolve_destination(repo, v, "-"),
            choices=[(r.name, "") for r in repo.config.resources],
        )  # fmt: skip
    elif entry.disposition == "home":
        entry.destination = ask(t("raids.prompt_address"), raids.parse_place, optional=True)


def _lang() -> str:
    from ppks_cli.i18n import get_language

    return get_language()


def _name_answer(value: str) -> str:
    """A name, an alias or a word for no name, checked as a name is."""
    from ppks_cli import intake, raids

    if raids.is_no_name(value):
        return value.strip()
    return intake.parse_field("Client", "name", value, "-")


def _decide(repo, raid, entry, number: int, worker: str, clients, in_raid, earlier=None):
    """Search the office's clients for the person of ``entry``: with likely matches,
    ask which case it is (a number shown, a case ID), new, or leave the person out
    (``lewati``/``skip``); then check that the case can take the catch (a case already
    caught in this raid, a merged duplicate: asked again; a disposition the client cannot
    have, such as the shelter for one still in it: the disposition asked again). A new
    person who may be one of ``earlier`` (the plans of the new people entered before, to
    which this one's is added) is asked about: someone else, or left out. Returns the
    entry with its decision (``case``), or None when it is left out."""
    from ppks_cli import raids

    matches = None
    while True:
        plan = raids.check_entry(repo, raid, entry, number, worker=worker, clients=clients,
                                 in_raid=in_raid)  # fmt: skip
        if matches is None:
            matches = plan.matches
        if entry.case is None and plan.matches:
            entry.case = _choose(repo, matches, in_raid)
        elif plan.ok and (plan := raids.check_one(repo, raid, plan, worker)).ok:
            if plan.new and earlier is not None and entry.case is None:
                twin = raids.earlier_matches(plan, earlier)
                if twin:
                    warn_line(t("raids.ask.same_person", number=twin[0].row,
                                name=twin[0].name or ""))  # fmt: skip
                    if not confirm(t("raids.ask.same_person_confirm"), default=False):
                        info_line(t("raids.left_out", number=number))
                        return None
            if entry.case is None:
                entry.case = raids.NEW_WORDS[0]
            if plan.new:
                info_line("  → " + t("raids.will_be_new"))
                if earlier is not None:
                    earlier.append(plan)
            else:
                info_line("  → " + t("raids.will_be_repeat", case=plan.case_id,
                                     number=plan.number))  # fmt: skip
            threshold = repo.config.raids.repeat_threshold
            if plan.number >= threshold:
                warn_line(t("raids.threshold_reached", case=plan.case_id, count=plan.number,
                            threshold=threshold))  # fmt: skip
            return entry
        else:
            for problem in plan.problems:
                error_line(problem.render())
            if any(p.column == "disposition" for p in plan.problems):
                _ask_disposition(repo, entry)  # another disposition for this person
                continue
            if entry.case is None or not any(p.column == "case" for p in plan.problems):
                entry.case = None
            else:  # the case chosen cannot take the catch: choose again
                entry.case = _choose(repo, matches, in_raid)
        if entry.case is None:
            info_line(t("raids.left_out", number=number))
            return None


SKIP_WORDS = ("lewati", "skip")


def _choose(repo, matches, in_raid=frozenset()) -> str | None:
    """Ask which case the person is: a number shown, a case ID (any case of the
    office), ``baru``/``new`` or ``lewati``/``skip``. Returns the case ID, ``baru``, or
    None to leave the person out."""
    from ppks_cli import raids
    from ppks_cli.commands._casework import case_named, match_choices

    if matches:
        warn_line(t("raids.matches_found", count=len(matches)))
    choices = [
        (case_id, shown + (f" ({t('raids.in_this_raid')})" if case_id in in_raid else ""))
        for case_id, shown in match_choices(matches[:9])
    ]
    english = _lang() != "id"
    new, skip = raids.NEW_WORDS[english], SKIP_WORDS[english]
    choices += [(new, t("raids.choice_new")), (skip, t("raids.choice_skip"))]
    shown = {m.case.id for m in matches}

    def parse(text: str) -> str:
        word = text.strip().casefold()
        if word in raids.NEW_WORDS or word in SKIP_WORDS:
            return word
        found = case_named(repo, text, shown)
        if found is None:
            raise InvalidInput("error.raid.choose", value=text, new=new, skip=skip)
        return found

    answer = ask(t("raids.which_case"), parse, choices=choices)
    if answer in SKIP_WORDS:
        return None
    return raids.NEW_WORDS[0] if answer in raids.NEW_WORDS else answer


# --- what is shown -----------------------------------------------------------------------------


def _show_entries(entries) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, header_style="bold")
    for key in ("number", "name", "sex", "age", "category", "disposition", "case"):
        table.add_column(t(f"raids.column_{key}"))
    for number, entry in enumerate(entries, start=1):
        case = t("raids.case_new") if entry.case in ("baru", "new") else entry.case
        table.add_row(*(Text(str(x or "")) for x in (
            number, entry.name, entry.sex, entry.age, entry.category,
            label("disposition", _code(entry.disposition)), case,
        )))  # fmt: skip
    console().print(table)


def _code(value):
    from ppks_cli.choices import DISPOSITION

    try:
        return DISPOSITION.parse(value, "-")
    except InvalidInput:
        return value


def _raid_table(rows) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, header_style="bold")
    for key in ("id", "date", "places", "people", "new_cases", "repeat_catches"):
        table.add_column(t(f"raids.list_{key}"), no_wrap=key in ("id", "date"),
                         justify="right" if key in ("people", "new_cases", "repeat_catches")
                         else "left")  # fmt: skip
    for row in rows:
        table.add_row(Text(row.id), Text(row.date or ""), Text(", ".join(row.places)),
                      Text(str(row.people)), Text(str(row.new_cases)),
                      Text(str(row.repeat_catches)))  # fmt: skip
    console().print(table)


def _render_raid(view) -> None:
    from rich.table import Table
    from rich.text import Text

    from ppks_cli import categories, raids
    from ppks_cli.dates import long_date

    out = console()
    raid = view.raid
    title = Text()
    title.append(raid.id, style="bold cyan")
    title.append("  " + long_date(raid.date))
    out.print(title)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    for key, value in (
        ("raids.field_places", ", ".join(raid.places)),
        ("raids.field_team", ", ".join(raid.team)),
        ("raids.field_agencies", ", ".join(raid.agencies)),
        ("raids.field_note", raid.note),
    ):
        if value:
            grid.add_row(Text(t(key)), Text(value))
    out.print(grid)
    out.print()
    out.print(Text(t("raids.people_title", count=len(view.people)), style="bold underline"))
    if not view.people:
        out.print(t("raids.no_people", raid=raid.id))
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for key in ("case", "name", "sex", "age", "category", "disposition", "catches"):
        table.add_column(t(f"raids.column_{key}"), no_wrap=key == "case")
    names = categories.categories()
    for person in view.people:
        age = "" if person.age is None else ("±" if person.age_estimated else "") + str(person.age)
        where = f" ({person.destination})" if person.destination else ""
        catches = t("raids.case_new") if person.new else str(person.number)
        if person.number >= view.threshold:
            catches += " !"
        category = names[person.category].slug if person.category in names else ""
        table.add_row(
            Text(person.case), Text(person.name), Text(person.sex or ""), Text(age),
            Text(category), Text(label("disposition_short", person.disposition) + where),
            Text(catches),
        )  # fmt: skip
    out.print(table)
    out.print()
    out.print(Text(t("raids.summary_title"), style="bold underline"))
    rows = raids.summary_rows(view.summary, view.age_groups)
    for group, found in rows.items():
        parts = [f"{_summary_label(group, key)} {count}" for key, count in found if count]
        out.print(Text(f"{t(f'raids.summary_{group}')}: " + ", ".join(parts)))


def _summary_label(group: str, key: str) -> str:
    from ppks_cli.reports import UNKNOWN

    if key == UNKNOWN:
        return t("report.unknown")
    if group == "sex":
        return label("sex", key)
    if group == "disposition":
        return label("disposition_short", key)
    if group == "new_or_repeat":
        return t(f"raids.summary_{key}")
    return key


def _render_added(result) -> None:
    """What ``ppks raid add`` did, person by person, then the totals."""
    for person in result.people:
        what = t("raids.outcome_new") if person.new else t("raids.outcome_repeat",
                                                          number=person.number)
        if person.reopened:
            what += t("raids.outcome_reopened")
        where = f" ({person.destination})" if person.destination else ""
        key = "raids.outcome" if person.from_file else "raids.outcome_person"
        say(t(key, row=person.row, case=person.case or "—", name=person.name,
              what=what, disposition=label("disposition_short", person.disposition) + where))
        if person.threshold_reached:
            warn_line(t("raids.threshold_reached", case=person.case or "—", count=person.number,
                        threshold=result.threshold))  # fmt: skip
        if person.statement_due:
            info_line(t("raids.statement_due", case=person.case or "CASE"))
        if person.disposition in ("hospital", "institution"):
            info_line(t("raids.referral_made", case=person.case or "CASE"))
        for warning in person.warnings:
            warn_line(str(warning))
    for _row, problems in result.skipped:
        for problem in problems:
            warn_line(t("raids.skipped", problem=problem.render()))
    for warning in result.warnings:
        warn_line(str(warning))
    key = "raids.dry_run_done" if result.dry_run else "raids.added"
    say(t(key, count=len(result.people), raid=result.raid.id, new=result.new_cases,
          repeat=result.repeat_catches,
          reopened=sum(1 for p in result.people if p.reopened),
          skipped=len(result.skipped)))  # fmt: skip

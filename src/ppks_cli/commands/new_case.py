"""``ppks new-case``: open a case for a new client (intake)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from ppks_cli.commands import _completers
from ppks_cli.commands._common import (
    ask,
    command,
    confirm,
    info_line,
    interactive,
    open_repo,
    print_json,
    progress_bar,
    say,
    warn_line,
    write_options,
)
from ppks_cli.errors import PossibleDuplicates
from ppks_cli.i18n import get_language, label, t


def _opt(*names: str, key: str, metavar: str = "TEXT", **kwargs):
    return typer.Option(*names, metavar=metavar, help=t(f"help.new_case.{key}"), **kwargs)


def register(app: typer.Typer) -> None:
    @command(app, "new-case", help=t("help.new_case.command"), epilog=t("help.new_case.example"))
    def new_case(
        ctx: typer.Context,
        name: Annotated[str | None, _opt("--name", key="name", metavar="NAME")] = None,
        sex: Annotated[str | None, _opt("--sex", key="sex", metavar="L|P")] = None,
        category: Annotated[str | None, _opt(
                "--category", key="category", metavar="SLUG",
                autocompletion=_completers.CATEGORY,
            )] = None,
        tag: Annotated[list[str] | None, _opt("--tag", key="tag", metavar="TAG")] = None,
        intake_date: Annotated[
            str | None, _opt("--intake-date", key="intake_date", metavar="YYYY-MM-DD")
        ] = None,
        source: Annotated[str | None, _opt("--source", key="source", metavar="SOURCE")] = None,
        found_at: Annotated[str | None, _opt("--found-at", key="found_at", metavar="PLACE")] = None,
        referred_by: Annotated[
            str | None, _opt("--referred-by", key="referred_by", metavar="AGENCY")
        ] = None,
        worker: Annotated[str | None, _opt(
                "--worker", key="worker", metavar="NAME", autocompletion=_completers.WORKER
            )] = None,
        alias: Annotated[str | None, _opt("--alias", key="alias", metavar="NAME")] = None,
        nik: Annotated[str | None, _opt("--nik", key="nik", metavar="16-DIGITS")] = None,
        kk: Annotated[str | None, _opt("--kk", key="kk", metavar="16-DIGITS")] = None,
        birth_place: Annotated[
            str | None, _opt("--birth-place", key="birth_place", metavar="PLACE")
        ] = None,
        birth_date: Annotated[
            str | None, _opt("--birth-date", key="birth_date", metavar="YYYY-MM-DD")
        ] = None,
        birth_year: Annotated[
            str | None, _opt("--birth-year", key="birth_year", metavar="YYYY")
        ] = None,
        age: Annotated[str | None, _opt("--age", key="age", metavar="YEARS")] = None,
        religion: Annotated[
            str | None, _opt("--religion", key="religion", metavar="RELIGION")
        ] = None,
        marital_status: Annotated[
            str | None, _opt("--marital-status", key="marital_status", metavar="STATUS")
        ] = None,
        education: Annotated[
            str | None, _opt("--education", key="education", metavar="LEVEL")
        ] = None,
        occupation: Annotated[str | None, _opt("--occupation", key="occupation")] = None,
        phone: Annotated[str | None, _opt("--phone", key="phone", metavar="NUMBER")] = None,
        address: Annotated[str | None, _opt("--address", key="address", metavar="ADDRESS")] = None,
        last_known_address: Annotated[
            str | None, _opt("--last-known-address", key="last_known_address", metavar="ADDRESS")
        ] = None,
        family: Annotated[
            list[str] | None, _opt("--family", key="family", metavar="PERSON")
        ] = None,
        contact: Annotated[
            list[str] | None, _opt("--contact", key="contact", metavar="PERSON")
        ] = None,
        note: Annotated[str | None, _opt("--note", key="note")] = None,
        yes: Annotated[bool, typer.Option("--yes", "-y", help=t("help.new_case.yes"))] = False,
        json_output: Annotated[bool, typer.Option("--json", help=t("help.option.json"))] = False,
    ) -> None:
        from ppks_cli import intake

        repo = open_repo(ctx)
        form = intake.NewCase(
            name=name, sex=sex, category=category, source=source, intake_date=intake_date,
            worker=repo.step_worker(worker), alias=alias, nik=nik, kk=kk,
            birth_place=birth_place, birth_date=birth_date, birth_year=birth_year, age=age,
            religion=religion, marital_status=marital_status, education=education,
            occupation=occupation, phone=phone, address=address,
            last_known_address=last_known_address, family=list(family or []),
            contacts=list(contact or []), tags=list(tag or []), found_at=found_at,
            referred_by=referred_by, note=note,
        )  # fmt: skip
        if interactive(ctx):
            # a bare `ppks new-case` walks through the whole form; with some flags given,
            # only what is required and missing is asked
            extras = ("yes", "json_output", "worker")
            whole_form = not any(v for k, v in ctx.params.items() if k not in extras)
            shown = _ask_missing(form, whole_form)
        else:
            shown = set()
        prepared = intake.prepare(form)
        for warning in prepared.warnings:
            if str(warning) not in shown:  # those warned about at their question were seen
                warn_line(str(warning))
        options = write_options(ctx)
        try:
            with progress_bar(t("cli.reading_cases")) as progress:
                result = intake.new_case(
                    repo, prepared, allow_duplicates=yes, options=options, progress=progress
                )
        except PossibleDuplicates as exc:
            if not interactive(ctx):
                raise
            existing = _choose_existing(exc.matches, repo)
            if existing is not None:
                _use_existing(repo, existing, json_output)
                return
            result = intake.new_case(repo, prepared, allow_duplicates=True, options=options)
        if json_output:
            print_json(result)
        else:
            say(t("new_case.done", id=result.case.id, name=result.case.client.name))


CHOICES_SHOWN = 9  # possible duplicates offered at the question, most likely first
NEW_WORDS = ("baru", "new")
CANCEL_WORDS = ("batal", "cancel")


def _choose_existing(matches: list, repo) -> str | None:
    """At a terminal: show the cases whose client may be the new one and ask which to
    use: a number shown, a case ID as every command takes it (a unique prefix, the
    suffix without the year, any letter case or dash; one of those shown first, else
    any case of ``repo``), new or cancel. Returns the chosen case ID, or ``None`` to
    open a new case anyway; raises :class:`~ppks_cli.errors.Cancelled` when the user
    cancels."""
    from ppks_cli.commands._casework import case_named, match_choices
    from ppks_cli.errors import Cancelled, InvalidInput

    warn_line(t("new_case.duplicates_found", count=len(matches)))
    if len(matches) > CHOICES_SHOWN:  # the most likely; `ppks search` lists them all
        warn_line(t("new_case.duplicates_more", shown=CHOICES_SHOWN, count=len(matches)))
        matches = matches[:CHOICES_SHOWN]
    choices = match_choices(matches)
    new, cancel = NEW_WORDS[get_language() != "id"], CANCEL_WORDS[get_language() != "id"]
    choices += [(new, t("new_case.choice_new")), (cancel, t("new_case.choice_cancel"))]
    ids = {m.case.id for m in matches}

    def parse(text: str) -> str:
        word = text.strip()
        if word.casefold() in NEW_WORDS or word.casefold() in CANCEL_WORDS:
            return word.casefold()
        found = case_named(repo, word, ids)  # those shown first, then any case
        if found is None:
            raise InvalidInput("error.choose_duplicate", value=text, new=new, cancel=cancel)
        return found

    answer = ask(t("new_case.which_case"), parse, choices=choices)
    if answer in CANCEL_WORDS:
        raise Cancelled("error.cancelled")
    return None if answer in NEW_WORDS else answer


def _use_existing(repo, case_id: str, json_output: bool) -> None:
    """Tell the user no case was opened and how to go on with the existing one."""
    case = repo.find_case(case_id)
    state = case.state
    step = f"ppks reopen {case.id}" if state.closed else f"ppks show {case.id}"
    message = t(
        "new_case.using_existing", id=case.id, name=case.client.name,
        stage=label("stage", state.stage), command=step,
    )  # fmt: skip
    if json_output:
        from ppks_cli import paths

        info_line(message)
        print_json(
            {"id": case.id, "stage": state.stage, "path": f"{paths.CASES_DIR}/{case.id}",
             "warnings": [], "existing": True}
        )  # fmt: skip
        return
    say(message)


def _ask_missing(form, whole_form: bool) -> set[str]:
    """Prompt, in the order of the assessment form, for what the flags left out.

    Each answer is checked as it is typed, as the case file will check it (and asked
    again, with the reason, if wrong); the form keeps the text, which
    :func:`ppks_cli.intake.prepare` parses again with everything else, so nothing fails
    after the form. What is possible but unlikely (a phone number, an age that does not
    fit the category) is warned about at once; the warnings shown are returned, so that
    they are not shown twice."""
    from ppks_cli import categories, intake, plausibility
    from ppks_cli.commands._casework import one_of
    from ppks_cli.dates import parse_date
    from ppks_cli.i18n import Msg
    from ppks_cli.models import EDUCATION_LEVELS, MARITAL_STATUSES, RELIGIONS, SOURCES, parse_worker

    shown: set[str] = set()

    def warn(found) -> None:
        for _, key, params in found:
            text = str(Msg(key, params))
            if text not in shown:
                shown.add(text)
                warn_line(text)

    def text_if_valid(parse):
        def check(value: str) -> str:
            parse(value)
            return value

        return check

    def field_of(model: str, name: str):
        return lambda value: intake.parse_field(model, name, value, "-")

    def fill(name: str, parse=str, **kwargs) -> None:
        if getattr(form, name) is None and (whole_form or not kwargs.get("optional")):
            setattr(form, name, ask(t(f"prompt.{name}"), text_if_valid(parse), **kwargs))

    def intake_date() -> dt.date:
        if form.intake_date and not intake.is_unknown(form.intake_date):
            return parse_date(form.intake_date, option="--intake-date")
        return dt.date.today()

    def category() -> str | None:
        return categories.resolve_category(form.category) if form.category else None

    def phone(value: str) -> str:
        intake.parse_field("Client", "phone", value, "-")
        if not plausibility.plausible_phone(intake.nik.normalize_digits(value)):
            warn([((), "warning.phone_implausible", {"phone": value.strip()})])
        return value

    lang = get_language()
    fill("name", field_of("Client", "name"))
    fill("sex", intake.parse_sex_option, choices=one_of("sex", ("L", "P"), "--sex")["choices"])
    fill(
        "category",
        categories.resolve_category,
        choices=[(c.slug, c.display(lang)) for c in categories.categories().values()],
    )
    fill("source", **one_of("source", SOURCES, "--source"))
    if form.source and form.source.strip().lower() == "agency-referral":
        fill("referred_by", field_of("Intake", "referred_by"), optional=True)
    if whole_form:  # otherwise the intake date defaults to today, as without a terminal
        fill(
            "intake_date",
            lambda v: parse_date(v, option="--intake-date"),
            default=dt.date.today().isoformat(),
        )
    fill("found_at", field_of("Intake", "found_at"), optional=True)
    fill("worker", lambda v: parse_worker(v, "-"))
    fill("nik", intake.parse_nik_option, optional=True)
    fill("kk", intake.parse_kk_option, optional=True)
    if whole_form and form.birth_date is None and form.birth_year is None and form.age is None:
        born = ask(
            t("prompt.birth_date"), lambda v: intake.parse_birth(v, intake_date()), optional=True
        )
        if born is not None:
            setattr(form, *born)
            _said_born(born, intake_date(), category(), warn)
    fill("birth_place", field_of("Client", "birth_place"), optional=True)
    fill("religion", **one_of("religion", RELIGIONS, "--religion"), optional=True)
    fill("marital_status", **one_of("marital", MARITAL_STATUSES, "--marital-status"), optional=True)
    fill("education", **one_of("education", EDUCATION_LEVELS, "--education"), optional=True)
    fill("occupation", field_of("Client", "occupation"), optional=True)
    fill("phone", phone, optional=True)
    fill("address", field_of("Client", "address"), optional=True)
    if whole_form and confirm(t("prompt.add_family"), default=False):
        while True:
            form.family.append(_ask_family_member(len(form.family) + 1, phone))
            if not confirm(t("form.add_another_family"), default=False):
                break
    return shown


def _said_born(born: tuple[str, str], intake_date: dt.date, category, warn) -> None:
    """After the birth answer: the estimated birth year of an age, and a warning when
    the age does not fit the category."""
    from ppks_cli import intake, plausibility
    from ppks_cli.dates import parse_date

    field, text = born
    birth_date = parse_date(text, option="-") if field == "birth_date" else None
    if field == "age":
        age = intake.parse_age(text)
        year = intake_date.year - age
        info_line(t("form.age_estimate", year=year, age=age, intake=intake_date.isoformat()))
    else:
        year = intake.parse_year(text) if field == "birth_year" else None
    if category:
        warn(plausibility.age_warnings(birth_date, year, category, intake_date))


def _ask_family_member(number: int, phone):
    """One family member, one question at a time: name, relation (from a list, or any
    word), phone and address; each answer checked as it is typed."""
    from ppks_cli import intake
    from ppks_cli.choices import FAMILY_RELATION

    info_line(t("form.family_intro", number=number))
    relations = FAMILY_RELATION.shown()
    name = ask(t("form.family_name"), lambda v: intake.parse_field("Person", "name", v, "-"))
    relation = ask(
        t("form.family_relation"), intake.parse_family_relation, choices=relations, optional=True,
        labels_only=True,
    )
    number_typed = ask(t("form.family_phone"), phone, optional=True)
    address = ask(
        t("form.family_address"),
        lambda v: intake.parse_field("Person", "address", v, "-"),
        optional=True,
    )
    return intake.make_person(name, relation, number_typed, address, "--family")

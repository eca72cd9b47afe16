"""Opening a new case: turning what a worker typed into a validated client and intake,
checking for a client the office already knows, and writing the case.

Each ``parse_*`` function takes the text of one answer and raises :class:`InvalidInput`
naming the option, so the command line can use the same checks for flags and prompts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ppks_cli import categories, nik, paths
from ppks_cli.choices import EDUCATION, MARITAL_STATUS, RELIGION, SEX, SOURCE, ChoiceList
from ppks_cli.dates import parse_date
from ppks_cli.duplicates import find_duplicates
from ppks_cli.errors import InvalidInput, NikError, PossibleDuplicates, PpksError
from ppks_cli.i18n import Msg
from ppks_cli.models import (
    Client,
    Intake,
    Person,
)
from ppks_cli.results import Result
from ppks_cli.store import Case, Repository
from ppks_cli.validation import build, describe

if TYPE_CHECKING:
    from ppks_cli.changes import WriteOptions

UNKNOWN_WORDS = {"", "-", "?", "unknown", "tidak tahu", "tidak diketahui", "tdk tahu", "tt", "n/a"}


def is_unknown(value: str | None) -> bool:
    return value is None or value.strip().lower() in UNKNOWN_WORDS


def _invalid(option: str, key: str, **params: Any) -> InvalidInput:
    return InvalidInput("error.invalid_option", option=option, detail=Msg(key, params))


def parse_sex_option(value: str, option: str = "--sex") -> str:
    """``L`` or ``P`` for what was typed: the number shown, the code, a label or another
    word for it (:data:`ppks_cli.choices.SEX`). Raises :class:`InvalidInput`."""
    return SEX.parse(value, option)


def parse_nik_option(value: str, option: str = "--nik") -> str:
    try:
        nik.parse_nik(value)
    except NikError as exc:
        raise exc.for_option(option) from None
    return nik.clean_number(value)


def parse_kk_option(value: str, option: str = "--kk") -> str:
    try:
        return nik.parse_kk(value)
    except NikError as exc:
        raise exc.for_option(option) from None


def parse_year(value: str, option: str = "--birth-year") -> int:
    """A birth year typed in any digits (``１９８５``), 1900 to this year. Raises
    :class:`InvalidInput`."""
    text = nik.normalize_digits(value)
    if (
        not nik.is_ascii_digits(text)
        or len(text) != 4
        or not 1900 <= int(text) <= dt.date.today().year
    ):
        raise _invalid(option, "validation.birth_year_range", year=value, last=dt.date.today().year)
    return int(text)


def parse_age(value: str, option: str = "--age") -> int:
    """An age in years, 0 to 120, typed in any digits. Raises :class:`InvalidInput`."""
    text = nik.normalize_digits(value)
    if not nik.is_ascii_digits(text) or len(text) > 3 or not 0 <= int(text) <= 120:
        raise _invalid(option, "validation.age", value=value)
    return int(text)


def parse_person(value: str, option: str) -> Person:
    """``"Siti;ibu;081234567890;Jl. Mawar 3"``: name, relation, phone, address."""
    parts = [p.strip() or None for p in value.split(";")]
    if not parts or not parts[0] or len(parts) > 4:
        raise _invalid(option, "validation.person", value=value)
    parts += [None] * (4 - len(parts))
    return build(Person, option, name=parts[0], relation=parts[1], phone=parts[2],
                 address=parts[3])  # fmt: skip


@dataclass
class NewCase:
    """What a worker gives to open a case. Text fields hold what was typed; ``None`` (or
    an "unknown" word) means not known."""

    name: str | None = None
    sex: str | None = None
    category: str | None = None
    source: str | None = None
    intake_date: str | None = None
    worker: str | None = None
    alias: str | None = None
    nik: str | None = None
    kk: str | None = None
    birth_place: str | None = None
    birth_date: str | None = None
    birth_year: str | None = None
    age: str | None = None
    religion: str | None = None
    marital_status: str | None = None
    education: str | None = None
    occupation: str | None = None
    phone: str | None = None
    address: str | None = None
    last_known_address: str | None = None
    family: list[str] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    found_at: str | None = None
    referred_by: str | None = None
    note: str | None = None


# the options a missing value is reported against
OPTION_OF = {
    ("client", "name"): "--name", ("client", "sex"): "--sex", ("client", "nik"): "--nik",
    ("client", "kk_number"): "--kk", ("client", "birth_date"): "--birth-date",
    ("client", "birth_year"): "--birth-year", ("intake", "date"): "--intake-date",
    ("intake", "source"): "--source", ("intake", "worker"): "--worker",
}  # fmt: skip

REQUIRED = ("name", "sex", "category", "source", "worker")


@dataclass
class Prepared:
    client: Client
    intake: Intake
    category: str
    tags: list[str]
    warnings: list[Msg]


def _text(value: str | None) -> str | None:
    return None if value is None or not value.strip() else value.strip()


def prepare(form: NewCase) -> Prepared:
    """Validate ``form`` completely without writing anything."""
    for name in REQUIRED:
        if _text(getattr(form, name)) is None:
            if name == "worker":  # the message lists every way to set it
                raise InvalidInput("error.missing_worker")
            raise InvalidInput("error.missing_option", option="--" + name.replace("_", "-"))
    intake_date = (
        parse_date(form.intake_date, option="--intake-date")
        if _text(form.intake_date)
        else dt.date.today()
    )
    birth_date = (
        None if is_unknown(form.birth_date) else parse_date(form.birth_date, option="--birth-date")
    )
    birth_year = None if is_unknown(form.birth_year) else parse_year(form.birth_year)
    if birth_year is None and birth_date is None and not is_unknown(form.age):
        birth_year = intake_date.year - parse_age(form.age)
    if birth_date is not None and birth_year is not None:
        if birth_date.year != birth_year:
            raise _invalid(
                "--birth-year",
                "validation.birth_year_mismatch",
                year=birth_year,
                date=birth_date.isoformat(),
            )
        birth_year = None  # the date says it all

    def choice(value: str | None, choices: ChoiceList, option: str) -> str | None:
        return None if is_unknown(value) else choices.parse(value, option)

    def build(model, prefix: str, **values):
        try:
            return model(**values)
        except ValidationError as exc:
            raise _from_validation(exc, (prefix,)) from None

    client = build(
        Client,
        "client",
        name=form.name.strip(),
        alias=_text(form.alias),
        sex=parse_sex_option(form.sex),
        nik=None if is_unknown(form.nik) else parse_nik_option(form.nik),
        kk_number=None if is_unknown(form.kk) else parse_kk_option(form.kk),
        birth_place=_text(form.birth_place),
        birth_date=birth_date,
        birth_year=birth_year,
        religion=choice(form.religion, RELIGION, "--religion"),
        marital_status=choice(form.marital_status, MARITAL_STATUS, "--marital-status"),
        education=choice(form.education, EDUCATION, "--education"),
        occupation=_text(form.occupation),
        phone=_text(form.phone),
        address=_text(form.address),
        last_known_address=_text(form.last_known_address),
        family=[parse_person(v, "--family") for v in form.family],
        contacts=[parse_person(v, "--contact") for v in form.contacts],
    )
    intake = build(
        Intake,
        "intake",
        date=intake_date,
        source=SOURCE.parse(form.source, "--source"),
        found_at=_text(form.found_at),
        referred_by=_text(form.referred_by),
        worker=form.worker.strip(),
        note=_text(form.note),
    )
    if birth_date is not None and birth_date > intake_date:
        raise InvalidInput("error.birth_after_intake")
    if birth_year is not None and birth_year > intake_date.year:
        raise _invalid(
            "--birth-year",
            "validation.born_after_intake",
            born=str(birth_year),
            date=intake_date.isoformat(),
        )
    category = categories.resolve_category(form.category)
    tags = sorted({categories.normalize_tag(t) for t in form.tags})
    warnings = [Msg(key, params) for _, key, params in client.warnings()]
    return Prepared(client, intake, category, tags, warnings)


def _from_validation(exc: ValidationError, prefix: tuple[str, ...] = ()) -> PpksError:
    loc, msg = describe(exc)[0]
    fallback = "--" + str(loc[-1]).replace("_", "-") if loc else "--name"
    option = OPTION_OF.get(prefix + tuple(loc[:2]), fallback)
    return InvalidInput("error.invalid_option", option=option, detail=msg)


def create_case(
    repo: Repository, prepared: Prepared, *, allow_duplicates: bool = False, progress=None
) -> Case:
    """Write the new case (``case.toml``; no commit). Raises :class:`PossibleDuplicates`
    when the client may already have a case (found through the index: every readable
    case), unless ``allow_duplicates``."""
    if not allow_duplicates:
        from ppks_cli import index

        matches = find_duplicates(index.client_cases(repo, progress), prepared.client)
        if matches:
            raise PossibleDuplicates(matches)
    return repo.create_case(prepared.client, prepared.intake, prepared.category, prepared.tags)


@dataclass
class NewCaseResult(Result):
    """``ppks new-case``: the case opened, and what its intake should make a worker look
    at (``warnings``: a NIK that disagrees with the birth date, say)."""

    case: Case
    warnings: list[Msg]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.case.id,
            "stage": "intake",
            "path": f"{paths.CASES_DIR}/{self.case.id}",
            "warnings": [{"code": m.key, "message": str(m)} for m in self.warnings],
            "existing": False,  # True only when the user chose a case the office has
        }


def new_case(
    repo: Repository, prepared: Prepared, *, allow_duplicates: bool = False,
    options: WriteOptions | None = None, progress=None,
) -> NewCaseResult:  # fmt: skip
    """Open a case the whole way: hold the repository (:class:`ppks_cli.changes.Writer`),
    check for a client the office already knows, write ``case.toml`` and commit it.
    Raises :class:`PossibleDuplicates` (nothing written) unless ``allow_duplicates``."""
    from ppks_cli.changes import WriteOptions, commit_message

    with (options or WriteOptions()).writer(repo) as writer:
        case = create_case(
            repo, prepared, allow_duplicates=allow_duplicates, progress=progress
        )
        writer.commit(commit_message(case.id, "case"), prepared.intake.worker)
    return NewCaseResult(case, prepared.warnings)

"""Opening a new case: turning what a worker typed into a validated client and intake,
checking for a client the office already knows, and writing the case.

Each ``parse_*`` function takes the text of one answer and raises :class:`InvalidInput`
naming the option, so the command line can use the same checks for flags and prompts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ppks_cli import categories, nik, paths
from ppks_cli.choices import (
    EDUCATION,
    FAMILY_RELATION,
    MARITAL_STATUS,
    RELIGION,
    SEX,
    SOURCE,
    ChoiceList,
)
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


# words around an estimated age: "sekitar 40 tahun", "± 40 th", "kira-kira 40", "40 thn"
_AGE_BEFORE = re.compile(
    r"^(?:umur|usia|sekitar|kira-kira|kira2|kurang lebih|lebih kurang|kl|kurleb|±|\+/-|\+-|"
    r"~|\+-|about|around|approx\.?|approximately|aged|age|ca\.?|circa)\s*",
)
_AGE_AFTER = re.compile(r"\s*(?:tahun|thn|th|tahunan|an|years? old|years?|yrs?|y)\.?$")


def age_digits(value: str) -> str:
    """The number in an age as field workers say it: ``40``, ``sekitar 40 tahun``,
    ``± 40 th``, ``kira-kira 40``, ``about 40 years`` (any letter case, any digits);
    the text without those words (not yet checked to be a number)."""
    text = " ".join(value.casefold().split())
    for _ in range(3):  # "umur sekitar 40", "± sekitar 40 th"
        text = _AGE_BEFORE.sub("", text)
    return nik.normalize_digits(_AGE_AFTER.sub("", text))


def parse_age(value: str, option: str = "--age") -> int:
    """An age in years, 0 to 120, typed in any digits, alone or with the words around an
    estimate (:func:`age_digits`: ``sekitar 40 tahun``). Raises :class:`InvalidInput`."""
    text = age_digits(value)
    if not nik.is_ascii_digits(text) or len(text) > 3 or not 0 <= int(text) <= 120:
        raise _invalid(option, "validation.age", value=value)
    return int(text)


def parse_person(value: str, option: str) -> Person:
    """``"Siti;ibu;081234567890;Jl. Mawar 3"``: name, relation, phone, address."""
    parts = [p.strip() or None for p in value.split(";")]
    if not parts or not parts[0] or len(parts) > 4:
        raise _invalid(option, "validation.person", value=value)
    parts += [None] * (4 - len(parts))
    relation = parse_family_relation(parts[1], option) if parts[1] else None
    return build(Person, option, name=parts[0], relation=relation, phone=stored_phone(parts[2]),
                 address=parts[3])  # fmt: skip


def stored_phone(value: str | None) -> str | None:
    """A phone number as typed, normalised to ``08…`` / ``+62…`` when it is a plausible
    Indonesian number (:func:`ppks_cli.plausibility.normalise_phone`), else as typed (the
    model checks its characters and the warnings name it)."""
    from ppks_cli.plausibility import normalise_phone, plausible_phone

    if value is None or not value.strip():
        return None
    digits = nik.normalize_digits(value)  # full-width digits made ASCII, spaces gone
    return normalise_phone(digits) if plausible_phone(digits) else value.strip()


# the relations a family member is chosen from at a prompt, as they are stored (the
# Indonesian word, as in existing files); any other word may be typed too
FAMILY_RELATIONS = FAMILY_RELATION.codes


def parse_field(model: str, name: str, value: str, option: str) -> Any:
    """``value`` checked as field ``name`` of ``model`` (``"Client"``, ``"Intake"`` or
    ``"Person"``) is checked in a file: one answer at a prompt, checked when it is
    typed. Returns the value as the model keeps it; raises :class:`InvalidInput` naming
    ``option`` with the reason."""
    from pydantic import TypeAdapter

    from ppks_cli import models

    info = getattr(models, model).model_fields[name]
    key = (model, name)
    if key not in _ADAPTERS:
        from typing import Annotated

        shape = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        _ADAPTERS[key] = TypeAdapter(shape)
    try:
        return _ADAPTERS[key].validate_python(value)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        if error["type"].startswith("validation."):
            detail = Msg(error["type"], dict(error.get("ctx") or {}))
        else:
            detail = describe(exc)[0][1]
        raise InvalidInput("error.invalid_option", option=option, detail=detail) from None


_ADAPTERS: dict[tuple[str, str], Any] = {}


def parse_family_relation(value: str, option: str = "--family") -> str:
    """A family member's relation, stored as the listed word of
    :data:`~ppks_cli.choices.FAMILY_RELATION` it names (its number, the word, its label
    in either language, a synonym: ``older sibling`` → ``kakak``, ``mamak`` → ``ibu``),
    or any other word, as typed (``sepupu``). A number not listed is refused (it was
    meant as one of the listed ones), and so is a word that fits two listed ones
    (``saudara kandung``: kakak or adik). Raises :class:`InvalidInput`."""
    text = value.strip()
    digits = nik.normalize_digits(text)
    if nik.is_ascii_digits(digits) and not 1 <= int(digits) <= len(FAMILY_RELATIONS):
        detail = Msg("form.relation_number", value=value.strip(), last=len(FAMILY_RELATIONS))
        raise InvalidInput("error.invalid_option", option=option, detail=detail)
    found = FAMILY_RELATION.lookup(text, option)
    return found if found is not None else parse_field("Person", "relation", text, option)


def make_person(
    name: str, relation: str | None, phone: str | None, address: str | None, option: str
) -> Person:
    """A family member or contact given one answer at a time; the phone stored as
    :func:`stored_phone` keeps it. Raises :class:`InvalidInput` naming ``option``."""
    return build(Person, option, name=name, relation=relation, phone=stored_phone(phone),
                 address=address)  # fmt: skip


def parse_birth(value: str, intake_date: dt.date) -> tuple[str, str]:
    """One answer to "born when": a birth date (any form :func:`parse_date` reads), a
    birth year (``1985``) or an estimated age (``40``, ``sekitar 40 tahun``, as
    :func:`parse_age` reads it). Returns ``(field, text)``, ``field`` one of
    ``"birth_date"``, ``"birth_year"``, ``"age"``, for :class:`NewCase`. Raises
    :class:`InvalidInput` (a date or year after ``intake_date`` too)."""
    digits = age_digits(value)
    if nik.is_ascii_digits(digits) and len(digits) == 4:
        year = parse_year(value)
        if year > intake_date.year:
            raise InvalidInput(
                "form.born_after_intake", born=year, intake=intake_date.isoformat()
            )
        return "birth_year", value
    if nik.is_ascii_digits(digits) and len(digits) <= 3:
        parse_age(value)
        return "age", value
    try:
        born = parse_date(value, option="--birth-date")
    except InvalidInput as exc:
        if exc.key == "error.bad_date_format":  # neither a date, a year nor an age
            raise InvalidInput("form.birth_unreadable", value=value) from None
        raise  # a date, but not a real one: why
    if born > intake_date:
        raise InvalidInput(
            "form.birth_after_intake", born=born.isoformat(), intake=intake_date.isoformat()
        )
    return "birth_date", value


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
    family: list[str | Person] = field(default_factory=list)  # a Person: asked one by one
    contacts: list[str | Person] = field(default_factory=list)
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
        phone=stored_phone(form.phone),
        address=_text(form.address),
        last_known_address=_text(form.last_known_address),
        family=[v if isinstance(v, Person) else parse_person(v, "--family") for v in form.family],
        contacts=[
            v if isinstance(v, Person) else parse_person(v, "--contact") for v in form.contacts
        ],
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
    from ppks_cli.plausibility import client_warnings

    found = client.warnings() + client_warnings(client, category, intake.date)
    warnings = [Msg(key, params) for _, key, params in found]
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

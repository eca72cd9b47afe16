"""The case model: client identity, intake and the records kept in a case folder.

Every model forbids unknown keys and validates strictly, so a hand-edited file with a
typo or a wrong type is caught by ``ppks check``. Validation messages are catalog keys
(``validation.*``) so they can be shown in the user's language.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ppks_cli import categories, ids, nik

# the fixed lists of the client's and the intake's fields: one definition, with their
# labels and the words accepted for them
from ppks_cli.choices import (
    EDUCATION_LEVELS,
    MARITAL_STATUSES,
    RELIGIONS,
    SEXES,
    SOURCES,
)
from ppks_cli.errors import NikError

SCHEMA_VERSION = 2
"""The file format this release writes. Files of older schemas are read as they are;
``ppks migrate`` rewrites them (see :mod:`ppks_cli.migrate`). History:

- 1: ppks 0.1.
- 2: every record names its case (``case = "2024-9EHTW"``), so a record copied into
  another case's folder is caught by ``ppks check`` instead of changing that client's
  stage; fields called ``summary`` are named for what they hold (assessment ``context``,
  evaluation ``progress`` with ``goal_status`` for the goals, termination ``outcome``,
  follow-up ``findings``).
"""
OLDEST_SCHEMA = 1


# Length caps: a value longer than these is a mistake (or an attack) and would break a
# letter, a terminal or a git command line later.
MAX_NAME = 200  # a person's, office's or institution's name, a worker name
MAX_LINE = 1_000  # any other single-line value: an address, a place, a path, a code
MAX_TEXT = 20_000  # free text that may span lines: notes, summaries, descriptions

# Characters no text value may hold: they reorder (bidirectional overrides and isolates)
# or hide text on a screen or in a letter, and separate fields in git's output.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = frozenset("\u2028\u2029\x85")


def forbidden_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character of ``value`` that no stored text may hold, else None.

    Refused everywhere: control characters (C0 such as NUL, ESC, BEL, ``\\x1f``, DEL, C1),
    bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) and Unicode line
    separators. ``multiline`` text may keep ``\\n`` and ``\\t``."""
    plain = value.replace("\n", "").replace("\t", "") if multiline else value
    if plain.isprintable():  # every refused character is unprintable: the common case
        return None
    for ch in value:
        if multiline and ch in "\n\t":
            continue
        if ch in BIDI_CONTROLS or ch in _LINE_BREAKS or unicodedata.category(ch) == "Cc":
            return ch
    return None


def char_name(ch: str) -> str:
    """``U+001B``: a character named so that printing the name is always safe."""
    return f"U+{ord(ch):04X}"


def _text_check(max_length: int, multiline: bool):
    def check(value: str) -> str:
        bad = forbidden_character(value, multiline=multiline)
        if bad is not None:
            raise custom_error("validation.control_character", char=char_name(bad))
        if len(value) > max_length:
            raise custom_error("validation.too_long", length=len(value), max=max_length)
        return value

    return check


# A one-line value (address, place, code, path); ``Name`` is a shorter one-line value for
# names of people and institutions; ``Text`` is free text that may span lines.
Line = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1),
    AfterValidator(_text_check(MAX_LINE, False)),
]
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1),
    AfterValidator(_text_check(MAX_NAME, False)),
]
Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1),
    AfterValidator(_text_check(MAX_TEXT, True)),
]


def _worker_check(value: str) -> str:
    # git refuses an author name made only of punctuation ("." or "<>"), after the record
    # is written; a worker's name has at least one letter or digit
    if not any(ch.isalnum() for ch in value):
        raise custom_error("validation.worker_name", value=value)
    return value


# A worker's (or supervisor's) name: a Name that git accepts as a commit author.
Worker = Annotated[Name, AfterValidator(_worker_check)]


# Dates any file may hold: a wider range is a typo, and a year near 1 or 9999 makes date
# arithmetic (deadlines, ages, time zones) overflow later.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def _date_range(value: dt.date) -> dt.date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise custom_error(
            "validation.date_range", date=value.isoformat(), first=FIRST_YEAR, last=LAST_YEAR
        )
    return value


Date = Annotated[dt.date, AfterValidator(_date_range)]
DateTime = Annotated[dt.datetime, AfterValidator(_date_range)]


def _phone_check(value: str) -> str:
    from ppks_cli.nik import normalize_digits

    # each character on its own, so that spaces between groups stay (as plain spaces)
    kept = " ".join(
        "".join(normalize_digits(ch) or (" " if ch.isspace() else "") for ch in value).split()
    )
    if not set(kept) <= _PHONE_CHARS or not any(ch.isdigit() for ch in kept):
        raise custom_error("validation.phone", value=value)
    return kept


_PHONE_CHARS = frozenset("0123456789+-()./ ")

# A phone number: ASCII digits (after NFKC, so full-width digits are accepted) with the
# usual punctuation; stored as typed, with any digits made ASCII.
Phone = Annotated[Line, AfterValidator(_phone_check)]
Sex = Literal[SEXES]
Source = Literal[SOURCES]
Religion = Literal[RELIGIONS]
MaritalStatus = Literal[MARITAL_STATUSES]
Education = Literal[EDUCATION_LEVELS]


def custom_error(key: str, **ctx: Any) -> PydanticCustomError:
    """A validation error whose type is a catalog key (``validation.*``)."""
    return PydanticCustomError(key, key, ctx or None)


class Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, validate_assignment=True, defer_build=True
    )

    def to_toml_dict(self) -> dict[str, Any]:
        """The model as the data of a TOML file: field order kept, empty values left out."""
        return prune(self.model_dump(mode="python", by_alias=True))


def prune(value: Any) -> Any:
    """``value`` without empty values (None, [], {}) at any depth: TOML has no null, and
    an empty field in a file or a letter's data only gets in the way."""
    if isinstance(value, dict):
        pruned = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v is not None and v != [] and v != {}}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


class VersionedFile(Model):
    """Fields every file of a case repository starts with."""

    schema_version: int = Field(SCHEMA_VERSION, alias="schema")
    model_config = ConfigDict(populate_by_name=True)

    @field_validator("schema_version")
    @classmethod
    def _known_schema(cls, value: int) -> int:
        if value > SCHEMA_VERSION:
            raise custom_error("validation.schema_newer", found=value, supported=SCHEMA_VERSION)
        if value < OLDEST_SCHEMA:
            raise custom_error("validation.schema_invalid", found=value)
        return value


# --- the client ------------------------------------------------------------------------


class Person(Model):
    """A family member or another contact of the client."""

    name: Name
    relation: Line | None = None
    phone: Phone | None = None
    address: Line | None = None
    note: Text | None = None


UNUSUAL_AGE = 100  # years; an older client is possible, so only a warning


class Client(Model):
    """The client's identity, as the office's assessment form asks it. Street clients
    often have no documents: only ``name`` (which may be an alias or initials) and
    ``sex`` are required."""

    name: Name
    alias: Name | None = None
    sex: Sex
    nik: Line | None = None
    kk_number: Line | None = None
    birth_place: Line | None = None
    birth_date: Date | None = None
    birth_year: int | None = None  # estimated, when the birth date is unknown
    religion: Religion | None = None
    marital_status: MaritalStatus | None = None
    education: Education | None = None
    occupation: Line | None = None
    phone: Phone | None = None
    address: Line | None = None
    last_known_address: Line | None = None
    family: list[Person] = []
    contacts: list[Person] = []

    @field_validator("nik")
    @classmethod
    def _valid_nik(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            nik.parse_nik(value)
        except NikError as exc:
            raise custom_error(exc.key, **exc.params) from None
        return nik.clean_number(value)

    @field_validator("kk_number")
    @classmethod
    def _valid_kk(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return nik.parse_kk(value)
        except NikError as exc:
            raise custom_error(exc.key, **exc.params) from None

    @field_validator("birth_date")
    @classmethod
    def _birth_date_past(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and value > dt.date.today():
            raise custom_error("validation.birth_date_future", date=value.isoformat())
        return value

    @field_validator("birth_year")
    @classmethod
    def _plausible_year(cls, value: int | None) -> int | None:
        if value is not None and not 1900 <= value <= dt.date.today().year:
            raise custom_error("validation.birth_year_range", year=value, last=dt.date.today().year)
        return value

    @model_validator(mode="after")
    def _year_matches_date(self) -> Client:
        if self.birth_date and self.birth_year and self.birth_date.year != self.birth_year:
            raise custom_error(
                "validation.birth_year_mismatch",
                year=self.birth_year,
                date=self.birth_date.isoformat(),
            )
        return self

    @property
    def year_of_birth(self) -> int | None:
        return self.birth_date.year if self.birth_date else self.birth_year

    def warnings(self) -> list[tuple[tuple[str, ...], str, dict[str, Any]]]:
        """Things a worker should look at that are not errors: ``(field path, key, params)``.
        An age over :data:`UNUSUAL_AGE` is possible but more likely a typo."""
        found: list[tuple[tuple[str, ...], str, dict[str, Any]]] = []
        born = self.year_of_birth
        if born is not None and dt.date.today().year - born > UNUSUAL_AGE:
            field = "birth_date" if self.birth_date else "birth_year"
            found.append(((field,), "warning.age_unusual", {"age": dt.date.today().year - born}))
        if not self.nik:
            return found
        return found + [
            (("nik",), key, params)
            for key, params in nik.nik_mismatches(
                self.nik, self.sex, self.birth_date, self.birth_year
            )
        ]


class Intake(Model):
    """How and when the client came to the office."""

    date: Date
    source: Source
    found_at: Line | None = None
    referred_by: Name | None = None  # the agency, for source = "agency-referral"
    worker: Worker
    note: Text | None = None

    @field_validator("date")
    @classmethod
    def _not_future(cls, value: dt.date) -> dt.date:
        if value > dt.date.today():
            raise custom_error("validation.date_future", date=value.isoformat())
        return value


class CaseFile(VersionedFile):
    """``case.toml``: who the client is and how the case was opened. Everything that
    happens afterwards is a record file of its own."""

    id: str
    created_at: DateTime
    category: str
    tags: list[str] = []
    client: Client
    intake: Intake

    @model_validator(mode="after")
    def _born_before_intake(self) -> CaseFile:
        client, intake = self.client, self.intake
        if client.birth_date is not None and client.birth_date > intake.date:
            born = client.birth_date.isoformat()
        elif client.birth_year is not None and client.birth_year > intake.date.year:
            born = str(client.birth_year)
        else:
            return self
        raise custom_error("validation.born_after_intake", born=born, date=intake.date.isoformat())

    @field_validator("id")
    @classmethod
    def _case_id(cls, value: str) -> str:
        if not ids.CASE_ID_RE.match(value):
            raise custom_error("validation.case_id", value=value)
        return value

    @field_validator("category")
    @classmethod
    def _official_category(cls, value: str) -> str:
        if value not in categories.categories():
            raise custom_error("validation.category", value=value)
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        for tag in value:
            if not categories.TAG_RE.match(tag):
                raise custom_error("validation.tag", value=tag)
        return sorted(set(value))


def parse_sex(value: str) -> str | None:
    """``L``/``P`` for what a user typed (``L``, ``male``, ``perempuan``, ``1`` …: see
    :data:`ppks_cli.choices.SEX`), else None."""
    from ppks_cli.choices import SEX
    from ppks_cli.errors import InvalidInput

    try:
        return SEX.parse(value, "--sex")
    except InvalidInput:
        return None


def parse_worker(value: str, option: str) -> str:
    """A worker's name from ``option`` (``--worker``, ``PPKS_WORKER`` …): a valid
    :func:`parse_name` with at least one letter or digit (git refuses other author
    names). Raises :class:`~ppks_cli.errors.InvalidInput`."""
    from ppks_cli.errors import InvalidInput
    from ppks_cli.i18n import Msg

    text = parse_name(value, option)
    if not any(ch.isalnum() for ch in text):
        detail = Msg("validation.worker_name", {"value": text})
        raise InvalidInput("error.invalid_option", option=option, detail=detail)
    return text


def parse_name(value: str, option: str, *, max_length: int = MAX_NAME) -> str:
    """A one-line name given on the command line, in the environment or at a prompt
    (``--worker``, ``PPKS_WORKER``, ``--office``), checked like a :data:`Name` in a file:
    stripped, not empty, no control or bidirectional character, at most ``max_length``
    characters. Raises :class:`~ppks_cli.errors.InvalidInput` naming ``option``, so a bad
    name is refused before anything is written (or handed to git as an author)."""
    from ppks_cli.errors import InvalidInput
    from ppks_cli.i18n import Msg

    text = value.strip()
    if not text:
        raise InvalidInput("error.empty_value", option=option)
    bad = forbidden_character(text)
    if bad is not None:
        detail = Msg("validation.control_character", {"char": char_name(bad)})
        raise InvalidInput("error.invalid_option", option=option, detail=detail)
    if len(text) > max_length:
        detail = Msg("validation.too_long", {"length": len(text), "max": max_length})
        raise InvalidInput("error.invalid_option", option=option, detail=detail)
    return text

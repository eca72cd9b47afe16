"""What is possible but unlikely in a client's data: warnings, never errors, for
``ppks new-case`` (when the worker can still look again) and ``ppks check``.

- An age that does not fit the category: the child categories (``anak-*``) are for
  people under 18, ``anak-balita-terlantar`` for children under 5, the elderly
  categories (``lansia-*``) for people of 60 and over (FACTS.md, "Terms": anak jalanan and
  anak telantar 5–18, anak balita under 5, lanjut usia 60+).
- A phone number that is not a plausible Indonesian number: a mobile ``08…`` (10 to 13
  digits), a landline ``0`` + area code (9 to 13 digits), or either with ``+62`` instead
  of the leading ``0``.

Phones are stored normalised when they are typed (:func:`normalise_phone`); numbers
already in files are left as they are (``ppks check`` only warns about implausible ones).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ppks_cli.models import Client

Found = tuple[tuple[str, ...], str, dict[str, Any]]  # (field path, catalog key, params)

CHILD_UNDER = 18  # years: the child categories (UU 35/2014: anak = under 18)
TODDLER_UNDER = 5  # years: anak balita
ELDERLY_FROM = 60  # years: lanjut usia (UU 13/1998)

# the digits of an Indonesian number after its leading 0 (or after +62): 8 to 12
_NATIONAL_RE = re.compile(r"^[1-9][0-9]{7,11}$")
_SEPARATORS = re.compile(r"[\s().\-/]")


def age_range(
    birth_date: dt.date | None, birth_year: int | None, on: dt.date
) -> tuple[int, int] | None:
    """The youngest and oldest someone born on ``birth_date`` (or, estimated, in
    ``birth_year``) can be on ``on``, in whole years: one age for a birth date, two
    neighbouring ages for a birth year; ``None`` when neither is known."""
    if birth_date is not None:
        before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
        age = on.year - birth_date.year - before_birthday
        return age, age
    if birth_year is not None:
        age = on.year - birth_year
        return max(age - 1, 0), age
    return None


def age_warnings(
    birth_date: dt.date | None, birth_year: int | None, category: str, intake_date: dt.date
) -> list[Found]:
    """A warning when the age at intake of someone born on ``birth_date`` (or in
    ``birth_year``) cannot fit ``category`` (a slug): an adult filed under a child
    category, a toddler category for an older child, an elderly category for someone
    under 60. An estimated age warns only when neither neighbouring age fits."""
    ages = age_range(birth_date, birth_year, intake_date)
    if ages is None:
        return []
    youngest, oldest = ages
    field = ("birth_date",) if birth_date is not None else ("birth_year",)
    params = {"age": oldest, "category": category}
    if category == "anak-balita-terlantar" and youngest >= TODDLER_UNDER:
        return [(field, "warning.toddler_age", {**params, "limit": TODDLER_UNDER})]
    if category.startswith("anak-") and youngest >= CHILD_UNDER:
        return [(field, "warning.child_age", {**params, "limit": CHILD_UNDER})]
    if category.startswith("lansia-") and oldest < ELDERLY_FROM:
        return [(field, "warning.elderly_age", {**params, "limit": ELDERLY_FROM})]
    return []


def category_age_warnings(client: Client, category: str, intake_date: dt.date) -> list[Found]:
    """:func:`age_warnings` for a client's birth date or year."""
    return age_warnings(client.birth_date, client.birth_year, category, intake_date)


def _national(text: str) -> str | None:
    """The digits after the leading ``0`` (or ``+62``) of a plausible Indonesian number,
    else ``None``."""
    plain = _SEPARATORS.sub("", text)
    for prefix in ("+62", "0062", "62", "0"):
        if plain.startswith(prefix):
            rest = plain[len(prefix) :]
            if prefix == "62" and len(plain) < 10:  # a short number that starts with 62
                return None
            return rest if _NATIONAL_RE.match(rest) else None
    return None


def plausible_phone(text: str) -> bool:
    """Whether ``text`` (ASCII digits and the usual separators) is a plausible Indonesian
    phone number: ``0812-3456-7890``, ``(061) 456 7890``, ``+62 812 3456 7890``."""
    return _national(text) is not None


def normalise_phone(text: str) -> str:
    """``text`` as it is stored: a plausible number without separators, ``08…`` when
    typed with a leading 0 and ``+62…`` when typed with the country code (``62…``,
    ``0062…`` too); anything else unchanged (``ppks new-case`` warns about it)."""
    rest = _national(text)
    if rest is None:
        return text
    plain = _SEPARATORS.sub("", text)
    return "0" + rest if plain.startswith("0") and not plain.startswith("0062") else "+62" + rest


def phone_warnings(client: Client) -> list[Found]:
    """A warning for each phone number of the client, a family member or a contact that
    is not a plausible Indonesian number."""
    found: list[Found] = []
    numbered: list[tuple[tuple[Any, ...], str | None]] = [(("phone",), client.phone)]
    for group in ("family", "contacts"):
        for index, person in enumerate(getattr(client, group)):
            numbered.append(((group, index, "phone"), person.phone))
    for path, phone in numbered:
        if phone and not plausible_phone(phone):
            found.append((path, "warning.phone_implausible", {"phone": phone}))
    return found


def client_warnings(client: Client, category: str, intake_date: dt.date) -> list[Found]:
    """Every plausibility warning of a case's client (:func:`category_age_warnings` and
    :func:`phone_warnings`); field paths are inside ``client``."""
    return category_age_warnings(client, category, intake_date) + phone_warnings(client)

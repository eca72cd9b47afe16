"""Dates typed by users, and dates written out: in the interface's language for the
screen (:func:`long_date`), in Indonesian for letters (``lang="id"``)."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from ppks_cli.errors import InvalidInput
from ppks_cli.i18n import Msg

MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip

# ASCII digits only (``\d`` alone would take ``²`` or ``٣``); digits typed full-width or
# Arabic-Indic are made ASCII first by :func:`ppks_cli.nik.normalize_digits`
_ISO_RE = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
_DMY_RE = re.compile(r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})$")
# "16 Februari 2024", "16 feb. 2024", "16-Feb-2024", "February 16, 2024"
_DAY_NAME_RE = re.compile(r"^([0-9]{1,2})[\s./-]*([^\W\d_]+)\.?[\s,./-]*([0-9]{4})$")
_NAME_DAY_RE = re.compile(r"^([^\W\d_]+)\.?\s*([0-9]{1,2}),?\s*([0-9]{4})$")

# month names a date may be typed with (any letter case), to the month's number:
# Indonesian and English, in full and in the usual short forms ("Agu", "Agt", "Sept")
MONTH_WORDS = {
    **{name.casefold(): n for n, name in enumerate(MONTHS_ID, start=1)},
    **{name.casefold(): n for n, name in enumerate((
        "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December",
    ), start=1)},
    "jan": 1, "feb": 2, "peb": 2, "pebruari": 2, "mar": 3, "mrt": 3, "apr": 4, "jun": 6,
    "jul": 7, "agu": 8, "agt": 8, "ags": 8, "agus": 8, "aug": 8, "sep": 9, "sept": 9,
    "okt": 10, "oct": 10, "nop": 11, "nov": 11, "nopember": 11, "des": 12, "dec": 12,
}  # fmt: skip


def parse_date(text: str, *, option: str, allow_future: bool = False) -> dt.date:
    """A date typed as ``2024-02-16`` (ISO), ``16-02-2024`` / ``16/02/2024`` (the
    Indonesian order) or with the month's name, Indonesian or English, full or short
    (``16 Februari 2024``, ``16 Feb 2024``, ``February 16, 2024``: :data:`MONTH_WORDS`),
    in any digits, years 1900 to 9999; a date after today only when ``allow_future``.
    Raises :class:`InvalidInput` naming ``option``, never another exception (year 0
    included)."""
    from ppks_cli.nik import normalize_digits

    value = " ".join(normalize_digits(text).split())
    day, month, year = _day_month_year(value, text, option)
    if not 1 <= month <= 12:
        raise InvalidInput("error.bad_month", option=option, value=text)
    if year < 1900:  # before the day check: a year 0 is no date at all
        raise InvalidInput("error.date_too_old", option=option, value=text)
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise InvalidInput(
            "error.bad_day",
            option=option,
            value=text,
            month=Msg(f"month.{month}"),  # in the language the message is shown in
            year=year,
            last=last,
        )
    date = dt.date(year, month, day)
    if not allow_future and date > dt.date.today():
        raise InvalidInput("error.future_date", option=option, value=text)
    return date


def _day_month_year(value: str, text: str, option: str) -> tuple[int, int, int]:
    """``(day, month, year)`` as typed in ``value`` (``text`` made ASCII), not yet
    checked to be a real date."""
    match = _ISO_RE.match(value)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return day, month, year
    match = _DMY_RE.match(value)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return day, month, year
    match = _DAY_NAME_RE.match(value)
    if match:
        day, name, year = match.groups()
    else:
        match = _NAME_DAY_RE.match(value)
        if not match:
            raise InvalidInput("error.bad_date_format", option=option, value=text)
        name, day, year = match.groups()
    month = MONTH_WORDS.get(name.casefold())
    if month is None:
        raise InvalidInput("error.bad_month_name", option=option, value=text, name=name)
    return int(day), month, int(year)


# --- dates written out (output); the month and day names live in the message catalogs ---


def month_name(month: int, lang: str | None = None) -> str:
    """The name of ``month`` (1 to 12) in ``lang`` (default: the interface's language):
    ``Februari``, ``February``."""
    from ppks_cli import i18n

    return i18n.catalog(lang or i18n.get_language())[f"month.{month}"]


def long_date(date: dt.date, lang: str | None = None) -> str:
    """``30 Juni 2024`` / ``30 June 2024``: the long form in ``lang`` (default: the
    interface's language; letters pass ``"id"``), independent of system locales."""
    from ppks_cli import i18n

    code = lang or i18n.get_language()
    return i18n.fill(i18n.catalog(code)["date.long"], code, day=date.day,
                     month=month_name(date.month, code), year=date.year)  # fmt: skip


def day_name(date: dt.date, lang: str | None = None) -> str:
    """The weekday of ``date`` in ``lang`` (default: the interface's language):
    ``Minggu``, ``Sunday``."""
    from ppks_cli import i18n

    return i18n.catalog(lang or i18n.get_language())[f"weekday.{date.weekday()}"]

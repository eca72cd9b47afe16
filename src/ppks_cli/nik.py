"""NIK (Nomor Induk Kependudukan) and No. KK checks.

A NIK is 16 digits: province (2), regency/city (2), kecamatan (2), birth date DDMMYY
with 40 added to the day for women, and a serial (4). The region is where the NIK was
first issued, so any valid province is plausible for a Medan client. A NIK is never
reissued when its embedded date disagrees with the real birth date, so a mismatch is a
warning for the worker to look at, never a reason to reject the number.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from ppks_cli.errors import NikError

# Province codes (Kemendagri), including the Papua provinces created in 2022.
PROVINCES = {
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21",
    "31", "32", "33", "34", "35", "36", "51", "52", "53",
    "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76",
    "81", "82", "91", "92", "93", "94", "95", "96",
}  # fmt: skip


@dataclass(frozen=True)
class NikInfo:
    region: str  # 6-digit region code
    sex: str  # "L" or "P"
    day: int
    month: int
    yy: int  # two-digit year

    def possible_birth_dates(self) -> list[dt.date]:
        dates = []
        for century in (1900, 2000):
            try:
                dates.append(dt.date(century + self.yy, self.month, self.day))
            except ValueError:
                pass
        return dates


# spaces people (or a copy from a PDF or a chat) put inside numbers: ordinary, non-breaking,
# thin and zero-width spaces, and the byte-order mark
_INVISIBLE = frozenset("\u00a0\u2007\u202f\u200b\u200c\u200d\u2060\ufeff")


def normalize_digits(value: str) -> str:
    """``value`` in NFKC form (full-width ``１２`` becomes ``12``) without spaces of any
    kind (ordinary, non-breaking, zero-width). Characters that are not digits are kept,
    so the caller can refuse them; Arabic-Indic and other non-ASCII digits that NFKC
    keeps are turned into ASCII digits."""
    out = []
    for ch in unicodedata.normalize("NFKC", value):
        if ch in _INVISIBLE or ch.isspace():
            continue
        if not ch.isascii() and unicodedata.category(ch) == "Nd":
            ch = str(unicodedata.digit(ch))
        out.append(ch)
    return "".join(out)


def is_ascii_digits(value: str) -> bool:
    """True when ``value`` is one or more of the ASCII digits 0-9 and nothing else
    (``str.isdigit`` also accepts ``²`` and ``٣``)."""
    return value.isascii() and value.isdigit()


def clean_number(value: str) -> str:
    """Drop the spaces (of any kind), dots and dashes people type inside long numbers,
    after :func:`normalize_digits`."""
    return "".join(ch for ch in normalize_digits(value) if ch not in ".-")


def _check_region(digits: str) -> None:
    if digits[:2] not in PROVINCES:
        raise NikError("validation.nik_province", code=digits[:2])
    if digits[2:4] == "00" or digits[4:6] == "00":
        raise NikError("validation.nik_region", code=digits[:6])


def parse_nik(value: str, today: dt.date | None = None) -> NikInfo:
    """Validate a NIK and decode it. Raises :class:`NikError`."""
    digits = clean_number(value)
    if not is_ascii_digits(digits):
        raise NikError("validation.nik_not_digits", value=value)
    if len(digits) != 16:
        raise NikError("validation.nik_length", count=len(digits))
    _check_region(digits)
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    sex = "L"
    if day > 40:
        day, sex = day - 40, "P"
    info = NikInfo(digits[:6], sex, day, month, yy)
    today = today or dt.date.today()
    if not [d for d in info.possible_birth_dates() if d <= today]:
        raise NikError("validation.nik_date", part=digits[6:12])
    if digits[12:] == "0000":
        raise NikError("validation.nik_serial")
    return info


def parse_kk(value: str) -> str:
    """Validate a No. KK (16 digits starting with a region code); return its digits."""
    digits = clean_number(value)
    if not is_ascii_digits(digits):
        raise NikError("validation.nik_not_digits", value=value)
    if len(digits) != 16:
        raise NikError("validation.kk_length", count=len(digits))
    _check_region(digits)
    return digits


def nik_mismatches(
    nik: str, sex: str | None, birth_date: dt.date | None, birth_year: int | None
) -> list[tuple[str, dict[str, object]]]:
    """Disagreements between a valid NIK and the client's recorded sex and birth date,
    as ``(message key, params)`` warnings."""
    info = parse_nik(nik)
    found: list[tuple[str, dict[str, object]]] = []
    if sex and sex != info.sex:
        found.append(("warning.nik_sex", {"nik_sex": info.sex, "sex": sex}))
    if birth_date is not None:
        if birth_date not in info.possible_birth_dates():
            found.append(
                ("warning.nik_birth_date", {"part": nik[6:12], "date": birth_date.isoformat()})
            )
    elif birth_year is not None and birth_year % 100 != info.yy:
        found.append(("warning.nik_birth_year", {"part": nik[6:12], "year": birth_year}))
    return found

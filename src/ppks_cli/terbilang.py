"""Numbers in Indonesian words (*terbilang*), as official documents spell out dates and
amounts: 2024 → "dua ribu dua puluh empat"."""

from __future__ import annotations

_UNITS = (
    "nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
    "sepuluh", "sebelas",
)  # fmt: skip
_SCALES = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"))


def terbilang(number: int) -> str:
    """``number`` (0 up to 999 999 999 999 999) in Indonesian words, lower case."""
    if not isinstance(number, int) or isinstance(number, bool):
        raise TypeError("terbilang needs a whole number")
    if number < 0:
        return "minus " + terbilang(-number)
    if number >= 10**15:
        raise ValueError("number too large")
    return _words(number) if number else "nol"


def _words(n: int) -> str:
    if n < 12:
        return _UNITS[n] if n else ""
    if n < 20:
        return f"{_UNITS[n - 10]} belas"
    if n < 100:
        return _join(f"{_UNITS[n // 10]} puluh", _words(n % 10))
    if n < 200:
        return _join("seratus", _words(n - 100))
    if n < 1000:
        return _join(f"{_UNITS[n // 100]} ratus", _words(n % 100))
    if n < 2000:
        return _join("seribu", _words(n - 1000))
    if n < 10**6:
        return _join(f"{_words(n // 1000)} ribu", _words(n % 1000))
    for scale, name in _SCALES:
        if n >= scale:
            return _join(f"{_words(n // scale)} {name}", _words(n % scale))
    raise AssertionError(n)  # unreachable


def _join(head: str, tail: str) -> str:
    return f"{head} {tail}" if tail else head

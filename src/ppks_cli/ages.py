"""Ages and age groups: one definition for ``ppks report`` (its ``new_by_age`` table) and
``ppks export`` (the ``age_group`` column, kept by ``--anonymise``).

The groups are set once, by ``[reports] age_groups`` in ``ppks.toml``: the lower bound of
each group after the first, in whole years, rising (``[18, 60]``, the default: ``0-17``
anak, ``18-59`` dewasa, ``60+`` lansia). ``ppks report --age-groups 18,60`` sets them for
one report. A group is named by its years (``0-17``, ``18-59``, ``60+``), the same in a
report and an export, whatever the bounds.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections.abc import Sequence

DEFAULT = (18, 60)  # anak 0-17, dewasa 18-59, lansia 60+
OLDEST = 150  # the highest bound a setting may give


def age_on(day: dt.date, birth_date: dt.date | None, birth_year: int | None) -> int | None:
    """Age in whole years on ``day``: from the birth date, else ``day.year - birth_year``
    (an estimated year); ``None`` when neither is known."""
    if birth_date is not None:
        return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month,
                                                                     birth_date.day))
    if birth_year is not None:
        return day.year - birth_year
    return None


def valid(bounds: Sequence[int]) -> bool:
    """Whether ``bounds`` are age-group bounds: at least one, whole years from 1 to
    :data:`OLDEST`, strictly rising."""
    return (
        bool(bounds)
        and all(isinstance(b, int) and not isinstance(b, bool) and 1 <= b <= OLDEST
                for b in bounds)
        and list(bounds) == sorted(set(bounds))
    )  # fmt: skip


def parse(text: str) -> tuple[int, ...]:
    """Bounds typed as ``18,60`` (spaces ignored). Raises
    :class:`~ppks_cli.errors.InvalidInput` (``error.report.age_groups``) unless they are
    :func:`valid`."""
    from ppks_cli.errors import InvalidInput

    try:
        bounds = tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        raise InvalidInput("error.report.age_groups", value=text) from None
    if not valid(bounds):
        raise InvalidInput("error.report.age_groups", value=text)
    return bounds


def keys(bounds: Sequence[int]) -> list[str]:
    """The names of the groups of ``bounds``, youngest first: ``0-17``, ``18-59``,
    ``60+`` for ``(18, 60)``."""
    return list(_keys(tuple(bounds)))


@functools.lru_cache(maxsize=16)
def _keys(bounds: tuple[int, ...]) -> tuple[str, ...]:
    lows = (0, *bounds)
    return (*(f"{low}-{high - 1}" for low, high in zip(lows, bounds, strict=False)),
            f"{bounds[-1]}+")  # fmt: skip


def group(bounds: Sequence[int], age: int | None) -> str | None:
    """The name of the group of ``bounds`` that ``age`` falls in (:func:`keys`);
    ``None`` for an unknown or negative age."""
    if age is None or age < 0:
        return None
    return _keys(tuple(bounds))[bisect.bisect_right(bounds, age)]


def describe(bounds: Sequence[int]) -> str:
    """The groups of ``bounds`` as words: ``0-17, 18-59 or 60+``."""
    names = keys(bounds)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]

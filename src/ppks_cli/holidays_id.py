"""The national holidays of Indonesia, for the date warnings of letters: from the
``holidays`` package, kept per year in the user's cache.

Importing ``holidays`` and working out a year of Indonesia's holidays (Islamic, Chinese
and Buddhist calendars among them) took longer than making the whole PDF of a letter.
The year's holidays are data (a date and a name each), so they are worked out once and
kept as JSON in the user's own cache (:func:`ppks_cli.paths.user_cache_dir`), under a
name that changes when the installed ``holidays`` package does (the stat data of its
files)."""

from __future__ import annotations

import datetime as dt
import json
import os

COUNTRY = "ID"
LANGUAGE = "id"


def holiday_name(date: dt.date) -> str | None:
    """The name (in Indonesian) of the national holiday of Indonesia on ``date``, or
    None (also when the ``holidays`` package is missing or does not know the year)."""
    year = year_holidays(date.year)
    name = year.get(date.isoformat()) if year is not None else None
    return "; ".join(dict.fromkeys(name.split("; "))) if name else None


def year_holidays(year: int) -> dict[str, str] | None:
    """Every holiday of ``year``: ISO date → name; None without the package."""
    from ppks_cli import paths

    stamp = _package_stamp()
    if stamp is None:
        return None
    folder = paths.user_cache_dir("holidays")
    cached = folder / f"{COUNTRY}-{LANGUAGE}-{year}-{stamp}.json" if folder else None
    if cached is not None:
        try:
            data = json.loads(cached.read_text(encoding="utf-8"))
            if isinstance(data, dict) and all(
                isinstance(k, str) and isinstance(v, str) for k, v in data.items()
            ):
                return data
        except (OSError, ValueError):
            pass
    data = _compute(year)
    if data is not None and cached is not None:
        from ppks_cli.tomlio import atomic_write_text

        try:
            atomic_write_text(cached, json.dumps(data, ensure_ascii=False))
        except Exception:  # noqa: BLE001 (a cache: best effort, WriteFailed included)
            pass
    return data


def _compute(year: int) -> dict[str, str] | None:
    try:
        import holidays
    except ImportError:  # pragma: no cover - a dependency; without it, no holiday warning
        return None
    try:
        calendar = holidays.country_holidays(COUNTRY, years=year, language=LANGUAGE)
    except (NotImplementedError, KeyError, ValueError):
        return None
    return {day.isoformat(): str(name) for day, name in sorted(calendar.items())}


def _package_stamp() -> str | None:
    """What names the installed ``holidays`` package: the stat data of its entry files
    (a reinstall or an upgrade changes them); None when it is not installed."""
    import hashlib
    from importlib.util import find_spec

    try:
        spec = find_spec("holidays")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    folder = os.path.dirname(spec.origin)
    parts = []
    for name in ("__init__.py", "version.py", os.path.join("countries", "indonesia.py")):
        try:
            st = os.stat(os.path.join(folder, name))
        except OSError:
            continue
        parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}")
    return hashlib.sha256("|".join([folder, *parts]).encode()).hexdigest()[:16]

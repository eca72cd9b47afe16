"""``ppks report``: counts of a period for the office head, from the index.

Every count is worked out from the index (:mod:`ppks_cli.index`: its ``cases``,
``events``, ``stages`` and ``due_spans`` tables), never by reading the case files, and
by the dates the records bear (a record dated in May but written in June counts in May).
The definitions are the README's ("What a report counts"); in short, for a period
``start``..``end`` (both days included):

- *new cases*: intake date in the period, merged duplicates (closed by ``ppks merge``)
  left out; by category, sex, age group (age on the intake date), intake source, month;
- *caseload at the end*: cases taken in on or before ``end`` and not closed at the end of
  ``end``; by stage and by the worker the case was with then;
- *closures*: terminations dated in the period except reason ``duplicate``; by reason
  and placement; *merged*: those with reason ``duplicate``; *reopened*: reopenings;
- *time to termination*: for each closure, the days from the start of its episode
  (intake, or the reopening) to the termination; median and buckets by calendar month;
- *referrals*: made in the period, by destination and by status at the end; *awaiting*:
  referrals of cases open at the end, sent on or before it, still "sent" at the end and
  sent more than ``awaiting_days`` days before it;
- *follow-ups*: done in the period; overdue at the end (and assessments, evaluations,
  goals): owed at the end of ``end`` and due on or before ``end``;
- *repeat clients*: cases reopened in the period, and cases kept by a merge whose
  duplicate was taken in during the period (the client came back as a new case);
- *the shelter* (rumah singgah, :mod:`ppks_cli.shelter`): stays begun (admissions) and
  ended (discharges, by destination) in the period, the average length of the stays
  ended, those longer than ``[shelter] max_days``, the most clients in one night of the
  period (peak occupancy), and who was in the night of the last day.
- *street raids*: raids dated in the period (all, whatever the filters), and the people
  caught in them: ``raid-catch`` records dated in the period, those that opened a new
  case and the repeat catches, those that reached ``[raids] repeat_threshold``, and by
  disposition.

Filters keep whole cases: ``worker`` (whole words of the worker the case was with at the
end of the period), ``category``, ``tag`` (as they are now).

Several repositories are counted apart, each in its own column; the total column is their
sum (the median of the union for the median). The result is a :class:`Report` of
:class:`Table` objects; renderers (terminal, :mod:`ppks_cli.report_render`) only format
it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import os
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ppks_cli import ages
from ppks_cli.errors import InvalidInput
from ppks_cli.results import Result

DEFAULT_AGE_GROUPS = ages.DEFAULT  # anak 0–17, dewasa 18–59, lansia 60+
DEFAULT_AWAITING_DAYS = 14
DEFAULT_SHELTER_MAX_DAYS = 7  # [shelter] max_days (config.DEFAULT_SHELTER_MAX_DAYS)
UNKNOWN = "unknown"  # an age, a placement not recorded
COUNT_STEPS = 5  # the steps of :func:`count` that report progress
DURATION_BUCKETS = ("lt1", "1to3", "3to6", "gt6")  # months from intake to termination
OVERDUE_KINDS = ("assessment", "evaluation", "goal", "follow_up")  # follow_up: both kinds

# the tables, in the order shown; each row key is a code (category slug, stage …)
TABLES = (
    "summary", "new_by_category", "new_by_month", "new_by_sex", "new_by_age", "new_by_source",
    "caseload_by_stage", "caseload_by_worker", "closures_by_reason", "closures_by_placement",
    "duration", "referrals_by_destination", "referrals_by_status", "referrals_awaiting",
    "follow_ups", "overdue_at_end", "repeat_clients", "shelter", "shelter_discharges",
    "raids", "raid_catches_by_disposition",
)  # fmt: skip
SHELTER_ROWS = (
    "admissions", "discharges", "average_stay_days", "completed_over_max", "peak_occupancy",
    "in_shelter_at_end", "over_max_at_end",
)  # fmt: skip
RAID_ROWS = ("raids_held", "raid_people", "raid_new_cases", "raid_repeat_catches",
             "raid_threshold_reached")  # fmt: skip
SUMMARY_ROWS = (
    "new", "open_at_end", "closures", "merged", "reopened", "transfers", "referrals",
    "follow_ups_done",
)  # fmt: skip


@dataclass(frozen=True)
class Period:
    """The days a report covers, ``start`` to ``end`` both included, and how it was
    asked for (``label``: ``2024-06``, ``2024-Q2``, ``2024``, or ``start..end``)."""

    start: dt.date
    end: dt.date
    label: str

    def months(self) -> list[str]:
        """The months (``YYYY-MM``) the period touches, in order."""
        found, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            found.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_period(
    *, month: str | None = None, quarter: str | None = None, year: str | None = None,
    start: dt.date | None = None, end: dt.date | None = None,
) -> Period:  # fmt: skip
    """The :class:`Period` of exactly one of ``month`` (``2024-06``), ``quarter``
    (``2024-Q2``), ``year`` (``2024``) or ``start`` and ``end`` (both, dates). Raises
    :class:`~ppks_cli.errors.InvalidInput` for none or more than one, a malformed value,
    or ``start`` after ``end``."""
    given = [name for name, value in (("--month", month), ("--quarter", quarter),
             ("--year", year), ("--from", start), ("--to", end)) if value is not None]  # fmt: skip
    ranged = {"--from", "--to"} & set(given)
    if not given or (len(given) > 1 and set(given) != {"--from", "--to"}):
        raise InvalidInput("error.report.period")
    if ranged:
        if start is None or end is None:
            raise InvalidInput("error.report.period")
        if start > end:
            raise InvalidInput(
                "error.report_input.from_after_to", start=start.isoformat(), end=end.isoformat()
            )
        return Period(start, end, f"{start.isoformat()}..{end.isoformat()}")
    if month is not None:
        found = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", month)
        if not found or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1900:
            raise InvalidInput("error.report.month", value=month)
        y, m = int(found[1]), int(found[2])
        return Period(dt.date(y, m, 1), _month_end(y, m), f"{y:04d}-{m:02d}")
    if quarter is not None:
        found = re.fullmatch(r"\s*(\d{4})-?[Qq]([1-4])\s*", quarter)
        if not found or int(found[1]) < 1900:
            raise InvalidInput("error.report.quarter", value=quarter)
        y, q = int(found[1]), int(found[2])
        return Period(dt.date(y, 3 * q - 2, 1), _month_end(y, 3 * q), f"{y:04d}-Q{q}")
    found = re.fullmatch(r"\s*(\d{4})\s*", year or "")
    if not found or int(found[1]) < 1900:
        raise InvalidInput("error.report.year", value=year)
    y = int(found[1])
    return Period(dt.date(y, 1, 1), dt.date(y, 12, 31), f"{y:04d}")


def parse_age_groups(text: str) -> tuple[int, ...]:
    """Age-group boundaries typed as ``18,60`` (groups 0–17, 18–59, 60+): whole years,
    rising, from 1 to 150 (:func:`ppks_cli.ages.parse`). Raises
    :class:`~ppks_cli.errors.InvalidInput` otherwise."""
    return ages.parse(text)


def age_group_keys(bounds: tuple[int, ...]) -> list[str]:
    """The row keys of the age groups of ``bounds``: ``0-17``, ``18-59``, ``60+``
    (:func:`ppks_cli.ages.keys`)."""
    return ages.keys(bounds)


def _age_group(bounds: tuple[int, ...], age: int | None) -> str:
    return ages.group(bounds, age) or UNKNOWN


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def duration_bucket(opened: dt.date, closed: dt.date) -> str:
    """The bucket of an episode from ``opened`` to ``closed``: ``lt1`` (closed before the
    same day a month later), ``1to3``, ``3to6``, ``gt6`` (six months or more)."""
    for months, key in ((1, "lt1"), (3, "1to3"), (6, "3to6")):
        if closed < _add_months(opened, months):
            return key
    return "gt6"


@dataclass
class Filters:
    """What a report keeps: whole cases whose worker at the end of the period matches
    ``worker`` (whole words, any case), of ``category``, bearing ``tag``."""

    worker: str | None = None
    category: str | None = None
    tag: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"worker": self.worker, "category": self.category, "tag": self.tag}


@dataclass
class Table:
    """One table of a report: ``name`` (one of :data:`TABLES`), ``rows`` as ``(key,
    values)`` with one value per repository (ints; for ``duration``'s ``median_days``
    row a float or ``None``), and the ``total`` of each row (the sum; the median of all
    for ``median_days``)."""

    name: str
    rows: list[tuple[str, list[Any]]] = field(default_factory=list)
    totals: list[Any] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rows": [
                {"key": key, "values": values, "total": total}
                for (key, values), total in zip(self.rows, self.totals, strict=True)
            ],
        }


@dataclass
class Report(Result):
    """``ppks report``: the ``period``, the ``filters``, the ``repositories`` counted
    (each ``root`` path and ``office`` name, in column order), the settings used
    (``age_groups`` boundaries, ``awaiting_days``) and the :class:`Table` objects in
    :data:`TABLES` order."""

    period: Period
    filters: Filters
    repositories: list[dict[str, str]]
    age_groups: tuple[int, ...]
    awaiting_days: int
    tables: list[Table]
    problems: list = field(default_factory=list)

    def table(self, name: str) -> Table:
        """The table called ``name``; raises ``KeyError`` when there is none."""
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "period": {"label": self.period.label, "from": self.period.start.isoformat(),
                       "to": self.period.end.isoformat()},  # fmt: skip
            "filters": self.filters.to_json(),
            "repositories": self.repositories,
            "age_groups": age_group_keys(self.age_groups),
            "awaiting_days": self.awaiting_days,
            "tables": [table.to_json() for table in self.tables],
        }


def _age_on(day: dt.date, birth_date: str | None, birth_year: int | None) -> int | None:
    born = dt.date.fromisoformat(birth_date) if birth_date else None
    return ages.age_on(day, born, birth_year or None)


def _count_raids(
    conn, c: dict[str, Counter], start: str, end: str, kept: set[str], threshold: int
) -> None:
    """The street raids of the period into ``c``: ``raids`` (raids held: every raid
    dated in the period, whatever the filters; the people caught: catches dated in the
    period on the cases kept, those that opened a new case, the repeat catches, those
    whose number reached ``threshold``) and ``raid_catches_by_disposition``."""
    c["raids"]["raids_held"] = conn.execute(
        "SELECT COUNT(*) FROM raids WHERE problem IS NULL AND date BETWEEN ? AND ?",
        (start, end),
    ).fetchone()[0]
    for case_id, disposition, number, new in conn.execute(
        "SELECT case_id, disposition, number, new FROM catches WHERE date BETWEEN ? AND ?",
        (start, end),
    ):
        if case_id not in kept:
            continue
        c["raids"]["raid_people"] += 1
        c["raids"]["raid_new_cases" if new else "raid_repeat_catches"] += 1
        if number >= threshold:
            c["raids"]["raid_threshold_reached"] += 1
        c["raid_catches_by_disposition"][disposition] += 1


def count(
    conn, period: Period, filters: Filters, *, age_groups: tuple[int, ...] = DEFAULT_AGE_GROUPS,
    awaiting_days: int = DEFAULT_AWAITING_DAYS, max_days: int = DEFAULT_SHELTER_MAX_DAYS,
    threshold: int = 3, progress=None,
) -> dict[str, Counter]:  # fmt: skip
    """The counts of one repository's index ``conn`` (brought up to date by the caller)
    for ``period``: a :class:`~collections.Counter` per table name of :data:`TABLES`
    (row key → count), ``_durations``: a Counter of episode lengths in days (for the
    median), ``_stays``: a Counter of the lengths of the shelter stays ended in the
    period (for the average), ``_nights``: the clients in the shelter each night of the
    period (ISO date → count; for the peak). ``max_days`` is ``[shelter] max_days``,
    ``threshold`` is ``[raids] repeat_threshold``. See the module's docstring for what
    each count is. ``progress(done, total)`` is called after each of
    :data:`COUNT_STEPS` steps."""

    def step(done: int) -> None:
        if progress is not None:
            progress(done, COUNT_STEPS)

    start, end = period.start.isoformat(), period.end.isoformat()
    # each case at the end of the last day: its stages row of the latest date up to then
    # (one row a case, so that 50,000 cases stay well within memory)
    at_end: dict[str, tuple] = {
        case_id: (stage, closed, worker)
        for case_id, stage, closed, worker in conn.execute(
            "SELECT s.case_id, s.stage, s.closed, s.worker FROM stages AS s JOIN "
            "(SELECT case_id, MAX(date) AS last FROM stages WHERE date <= ? GROUP BY case_id) "
            "AS m ON s.case_id = m.case_id AND s.date = m.last",
            (end,),
        )
    }  # fmt: skip
    step(1)
    from ppks_cli.due import words, worker_matches

    named = words(filters.worker) if filters.worker else None
    kept: set[str] = set()  # the cases taken in by the end that pass the filters
    for case_id, category, tags in conn.execute(
        "SELECT id, category, tags FROM cases WHERE problem IS NULL AND intake_date <= ?", (end,)
    ):
        if filters.category is not None and category != filters.category:
            continue
        if filters.tag is not None and filters.tag not in json.loads(tags):
            continue
        state = at_end.get(case_id)
        if named is not None and (state is None or not worker_matches(named, state[2],
                                                                      whole=False)):
            continue
        kept.add(case_id)
    step(2)
    events: dict[str, list[tuple]] = {}
    for case_id, record, kind, date, opened, a, b in conn.execute(
        "SELECT case_id, record, kind, date, opened, a, b FROM events WHERE date <= :end "
        "AND (date >= :start OR kind IN ('referral', 'referral-update')) ORDER BY date, rowid",
        {"start": start, "end": end},
    ):
        if case_id in kept:
            events.setdefault(kind, []).append((case_id, record, date, opened, a, b))
    # merged duplicates, whenever merged: a duplicate is never a new case
    merged_any: dict[str, tuple[str, str, str]] = {
        case_id: (kept_id, date, intake) for case_id, kept_id, date, intake in conn.execute(
            "SELECT e.case_id, e.b, e.date, c.intake_date FROM events AS e JOIN cases AS c "
            "ON c.id = e.case_id WHERE e.kind = 'termination' AND e.a = 'duplicate'"
        )
    }  # fmt: skip
    c: dict[str, Counter] = {
        name: Counter() for name in (*TABLES, "_durations", "_stays", "_nights")
    }

    def within(date: str) -> bool:
        return start <= date <= end

    step(3)
    for case_id, sex, birth_date, birth_year, source, category, intake in conn.execute(
        "SELECT id, sex, birth_date, birth_year, source, category, intake_date FROM cases "
        "WHERE problem IS NULL AND intake_date BETWEEN ? AND ?",
        (start, end),
    ):
        if case_id not in kept or case_id in merged_any:
            continue
        c["summary"]["new"] += 1
        c["new_by_category"][category] += 1
        c["new_by_month"][intake[:7]] += 1
        c["new_by_sex"][sex or UNKNOWN] += 1
        age = _age_on(dt.date.fromisoformat(intake), birth_date, birth_year)
        c["new_by_age"][_age_group(age_groups, age)] += 1
        c["new_by_source"][source or UNKNOWN] += 1
    for case_id in kept:
        state = at_end.get(case_id)
        if state is not None and not state[1]:
            c["summary"]["open_at_end"] += 1
            c["caseload_by_stage"][state[0]] += 1
            c["caseload_by_worker"][state[2]] += 1
    for _case_id, _record, date, opened, reason, placement in events.get("termination", ()):
        if not within(date):
            continue
        if reason == "duplicate":
            c["summary"]["merged"] += 1
            continue
        c["summary"]["closures"] += 1
        c["closures_by_reason"][reason] += 1
        c["closures_by_placement"][(placement or "").strip() or UNKNOWN] += 1
        closed_on, opened_on = dt.date.fromisoformat(date), dt.date.fromisoformat(opened)
        c["duration"][duration_bucket(opened_on, closed_on)] += 1
        c["_durations"][(closed_on - opened_on).days] += 1
    reopened = {row[0] for row in events.get("reopen", ()) if within(row[2])}
    c["summary"]["reopened"] = sum(1 for row in events.get("reopen", ()) if within(row[2]))
    c["summary"]["transfers"] = sum(1 for row in events.get("transfer", ()) if within(row[2]))
    status: dict[tuple[str, str], str] = {}
    for case_id, _record, _date, _opened, referral, answer in events.get("referral-update", ()):
        status[(case_id, referral)] = answer  # in date order: the last one stands
    end_day = period.end
    for case_id, record, date, _opened, destination, _b in events.get("referral", ()):
        answer = status.get((case_id, record), "sent")
        if within(date):
            c["summary"]["referrals"] += 1
            c["referrals_by_destination"][destination] += 1
            c["referrals_by_status"][answer] += 1
        state = at_end.get(case_id)
        waited = (end_day - dt.date.fromisoformat(date)).days
        if answer == "sent" and state is not None and not state[1] and waited > awaiting_days:
            c["referrals_awaiting"]["awaiting"] += 1
    done = sum(1 for row in events.get("follow-up", ()) if within(row[2]))
    c["summary"]["follow_ups_done"] = done
    c["follow_ups"]["done"] = done
    step(4)
    for case_id, kind in conn.execute(
        "SELECT case_id, kind FROM due_spans WHERE since <= :end AND due <= :end "
        "AND (until IS NULL OR until > :end)",
        {"end": end},
    ):
        if case_id not in kept:
            continue
        kind = "follow_up" if kind == "next_follow_up" else kind
        if kind in OVERDUE_KINDS:
            c["overdue_at_end"][kind] += 1
            if kind == "follow_up":
                c["follow_ups"]["overdue"] += 1
    step(5)
    returned = {
        kept_id for case_id, (kept_id, merged_on, intake) in merged_any.items()
        if case_id in kept and kept_id in kept and merged_on <= end and within(intake)
    }  # fmt: skip
    _count_raids(conn, c, start, end, kept, threshold)
    c["repeat_clients"]["reopened"] = len(reopened)
    c["repeat_clients"]["returned_as_new_case"] = len(returned)
    c["repeat_clients"]["total"] = len(reopened | returned)
    _count_shelter(conn, period, kept, max_days, c)
    return c


def _count_shelter(conn, period: Period, kept: set[str], max_days: int,
                   c: dict[str, Counter]) -> None:  # fmt: skip
    """The shelter's counts of ``period`` (README, "What a report counts") into ``c``:
    the stays of the cases in ``kept``, made of their admissions and discharges as
    :mod:`ppks_cli.shelter` makes them."""
    from ppks_cli import shelter

    events = shelter.indexed_events(conn)
    stays = shelter.all_stays({case_id: events[case_id] for case_id in events
                               if case_id in kept})  # fmt: skip
    row, ended = c["shelter"], c["_stays"]
    for stay in stays:
        if period.start <= stay.admitted <= period.end:
            row["admissions"] += 1
        if stay.discharged is not None and period.start <= stay.discharged <= period.end:
            row["discharges"] += 1
            c["shelter_discharges"][stay.to] += 1
            ended[stay.length] += 1
            if stay.length > max_days:
                row["completed_over_max"] += 1
        if stay.in_on(period.end):
            row["in_shelter_at_end"] += 1
            if stay.days_on(period.end) > max_days:
                row["over_max_at_end"] += 1
    nights = shelter.daily_counts(stays, period.start, period.end)
    for number, clients in enumerate(nights):
        c["_nights"][(period.start + dt.timedelta(days=number)).isoformat()] = clients
    row["peak_occupancy"] = max(nights, default=0)


def _order(name: str, keys: set[str], period: Period, age_groups: tuple[int, ...]) -> list[str]:
    """The rows of table ``name``: the fixed codes in their order (zeros included), then
    the others, most first is left to the caller; here by code."""
    from ppks_cli import choices

    fixed: dict[str, tuple[str, ...]] = {
        "summary": SUMMARY_ROWS,
        "new_by_month": tuple(period.months()),
        "new_by_sex": choices.SEXES,
        "new_by_age": (*age_group_keys(age_groups), UNKNOWN),
        "new_by_source": choices.SOURCES,
        "caseload_by_stage": choices.STAGES[:-1],
        "closures_by_reason": choices.CLOSING_REASONS,
        "duration": ("median_days", *DURATION_BUCKETS),
        "referrals_by_status": choices.REFERRAL_STATUSES,
        "referrals_awaiting": ("awaiting",),
        "follow_ups": ("done", "overdue"),
        "overdue_at_end": OVERDUE_KINDS,
        "repeat_clients": ("reopened", "returned_as_new_case", "total"),
        "shelter": SHELTER_ROWS,
        "shelter_discharges": choices.DISCHARGE_DESTINATIONS,
        "raids": RAID_ROWS,
        "raid_catches_by_disposition": choices.DISPOSITIONS,
    }
    rows = list(fixed.get(name, ()))
    if name == "new_by_age" and UNKNOWN not in keys:
        rows.remove(UNKNOWN)
    return rows + sorted(keys - set(rows), key=lambda k: (k == UNKNOWN, k.casefold()))


def _median(durations: Counter) -> float | None:
    values = list(durations.elements())
    return float(statistics.median(values)) if values else None


def _average(lengths: Counter) -> float | None:
    """The mean of the values counted in ``lengths``, to one decimal; None for none."""
    total = sum(lengths.values())
    if not total:
        return None
    return round(sum(value * times for value, times in lengths.items()) / total, 1)


def combine(
    counts: list[dict[str, Counter]], period: Period, age_groups: tuple[int, ...]
) -> list[Table]:
    """The :class:`Table` objects of the counts of several repositories (one column each,
    in order; totals summed, the median taken over all)."""
    tables = []
    for name in TABLES:
        keys = set().union(*(c[name].keys() for c in counts))
        table = Table(name)
        for key in _order(name, keys, period, age_groups):
            if key == "median_days":
                values = [_median(c["_durations"]) for c in counts]
                total = _median(sum((c["_durations"] for c in counts), Counter()))
            elif name == "shelter" and key == "average_stay_days":
                values = [_average(c["_stays"]) for c in counts]
                total = _average(sum((c["_stays"] for c in counts), Counter()))
            elif name == "shelter" and key == "peak_occupancy":
                # the most clients in one night of all the shelters together
                values = [c[name][key] for c in counts]
                nights: Counter = Counter()
                for c in counts:
                    nights.update(c["_nights"])
                total = max(nights.values(), default=0)
            else:
                values = [c[name][key] for c in counts]
                total = sum(values)
            table.rows.append((key, values))
            table.totals.append(total)
        tables.append(table)
    return tables


def _refuse_twice(repos: list) -> None:
    seen: dict[object, Path] = {}
    for repo in repos:
        keys = [("path", Path(os.path.realpath(repo.root)))]
        if repo.config.repository:
            keys.append(("id", repo.config.repository))
        for key in keys:
            if key in seen:
                raise InvalidInput(
                    "error.report_input.same_repository", first=str(seen[key]),
                    second=str(repo.root),
                )  # fmt: skip
        for key in keys:
            seen[key] = repo.root


def report(
    repos: list, period: Period, filters: Filters | None = None, *,
    age_groups: tuple[int, ...] | None = None, awaiting_days: int | None = None,
    progress=None,
) -> Report:  # fmt: skip
    """The :class:`Report` of ``period`` over ``repos`` (one or more
    :class:`~ppks_cli.store.Repository`, one column each), each index brought up to date
    first (``progress(done, total)`` while cases are read, then while they are counted:
    :data:`COUNT_STEPS` steps a repository). ``age_groups`` (boundaries,
    see :func:`parse_age_groups`) and ``awaiting_days`` default to the first repository's
    ``[reports]`` settings. Raises :class:`~ppks_cli.errors.InvalidInput` for a negative
    ``awaiting_days``, an empty filter, or one repository given twice (the same folder
    however written, or two copies or clones of it: the same ``repository`` identity in
    their ``ppks.toml``), whose cases would count twice;
    :class:`~ppks_cli.errors.ConfigError` for a damaged ``ppks.toml``."""
    from ppks_cli import index

    _refuse_twice(repos)
    filters = filters or Filters()
    for option, value in (("--worker", filters.worker), ("--tag", filters.tag)):
        if value is not None and not value.strip():
            raise InvalidInput("error.empty_value", option=option)
    settings = repos[0].config.reports
    groups = tuple(age_groups or settings.age_groups)
    waiting = settings.awaiting_days if awaiting_days is None else awaiting_days
    if waiting < 0:
        raise InvalidInput("error.report.awaiting_days", value=waiting)
    counts, found, problems = [], [], []
    for number, repo in enumerate(repos, start=1):
        with index.opened(repo, progress) as (conn, _done):

            def counted(done: int, total: int, before: int = number - 1) -> None:
                if progress is not None:  # the counting, after the reading: all repositories
                    progress(before * total + done, len(repos) * total)

            counted(0, COUNT_STEPS)
            counts.append(count(conn, period, filters, age_groups=groups, awaiting_days=waiting,
                                max_days=repo.config.shelter.max_days,
                                threshold=repo.config.raids.repeat_threshold,
                                progress=counted))  # fmt: skip
            problems += index.problems(conn)
        found.append({"root": str(repo.root), "office": repo.config.office.name})
    return Report(period, filters, found, groups, waiting, combine(counts, period, groups),
                  problems)  # fmt: skip

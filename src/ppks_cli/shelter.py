"""The rumah singgah (the office's own shelter): admissions, discharges, who is in it on
a day, and how full it was (``ppks shelter``; FACTS.md "Street raids and the shelter").

A stay is made of two records of the case: a
:class:`~ppks_cli.records.ShelterAdmission` (written by ``ppks shelter admit`` or by
``ppks raid`` for a person placed in the shelter) and the
:class:`~ppks_cli.records.ShelterDischarge` that ends it. The records of a case are read
in record order (date, then the moment entered): an admission opens a stay, the next
discharge closes it. What does not fit (a second admission while a stay is open, a
discharge with no stay open) is left out of the stays and reported by ``ppks check``
(:func:`sequence_problems`).

Days, as the office counts them (README "The shelter"):

- a client is *in the shelter on* a day from the day of admission up to the day before
  the discharge: the night of the discharge day is not spent there (``in_on``); so the
  occupancy of a day is who sleeps there that night;
- the *day of the stay* on a day is 1 on the day of admission, 2 the next day …
  (``days_on``); a stay is *past the limit* from day ``max_days + 1`` (``[shelter]
  max_days``, 7 by the city's minimum-service rule): the warning shows on day 8, not 7;
- the *length* of a finished stay is the days from admission to discharge (the nights
  spent: admitted on Monday and discharged on Wednesday is 2); a stay admitted and
  discharged on one day is 0.

Everything across cases is read from the index (:mod:`ppks_cli.index`, its ``shelter``
table), so ``ppks shelter`` stays fast with 50,000 cases. This module never prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ppks_cli.errors import InvalidInput, Refused
from ppks_cli.i18n import Msg
from ppks_cli.results import Result

if TYPE_CHECKING:
    from ppks_cli.changes import WriteOptions
    from ppks_cli.config import RepoConfig
    from ppks_cli.records import Record
    from ppks_cli.store import Case, Repository

ADMISSION = "shelter-admission"
DISCHARGE = "shelter-discharge"
KINDS = (ADMISSION, DISCHARGE)


# --- the records, and the stays they make -----------------------------------------------


@dataclass(frozen=True)
class ShelterEvent:
    """One admission or discharge of one case, with only what stays are made of: the
    ``case`` ID, the ``record`` ID, its ``kind`` (:data:`ADMISSION` or
    :data:`DISCHARGE`), its ``date``, the moment it was entered (``recorded_at``, aware),
    the ``shelter`` it names (as written; ``None``: the first shelter of ``ppks.toml``),
    the ``bed``, a discharge's destination (``to``) and an admission's ``raid``."""

    case: str
    record: str
    kind: str
    date: dt.date
    recorded_at: dt.datetime
    shelter: str | None = None
    bed: str | None = None
    to: str | None = None
    raid: str | None = None

    def sort_key(self) -> tuple[dt.date, dt.datetime, str]:
        """Record order (:meth:`ppks_cli.records.Record.sort_key`)."""
        return (self.date, self.recorded_at, self.record)

    @classmethod
    def of(cls, case_id: str, record: Record) -> ShelterEvent:
        """The event of ``record`` (an admission or discharge) of the case ``case_id``."""
        return cls(
            case_id, record.id, record.kind, record.date, record.recorded_at,
            record.shelter, getattr(record, "bed", None), getattr(record, "to", None),
            getattr(record, "raid", None),
        )  # fmt: skip

    @classmethod
    def from_row(cls, row: tuple) -> ShelterEvent:
        """The event of a row of the index's ``shelter`` table
        (:func:`ppks_cli.index.shelter_rows`)."""
        case_id, record, kind, date, recorded_at, shelter, bed, to, raid = row
        return cls(
            case_id, record, kind, dt.date.fromisoformat(date),
            dt.datetime.fromisoformat(recorded_at), shelter, bed, to, raid,
        )  # fmt: skip


@dataclass(frozen=True)
class Stay:
    """One stay in the shelter: the ``case``, the admission (its record ID, date,
    shelter as written, bed, raid) and, once it ended, the discharge (record ID, date,
    destination). See the module's description for how days count."""

    case: str
    admission: str
    admitted: dt.date
    shelter: str | None = None
    bed: str | None = None
    raid: str | None = None
    discharge: str | None = None
    discharged: dt.date | None = None
    to: str | None = None

    def in_on(self, day: dt.date) -> bool:
        """Whether the client sleeps in the shelter the night of ``day``."""
        return self.admitted <= day and (self.discharged is None or self.discharged > day)

    def days_on(self, day: dt.date) -> int:
        """The day of the stay on ``day``: 1 on the day of admission."""
        return (day - self.admitted).days + 1

    @property
    def length(self) -> int | None:
        """The days of a finished stay (discharge date minus admission date), else None."""
        return None if self.discharged is None else (self.discharged - self.admitted).days


# what a sequence problem is (the key of its message under ``shelter.check``)
ADMITTED_TWICE = "admitted_twice"  # an admission while a stay is open
DISCHARGED_TWICE = "discharged_twice"  # a discharge after the stay had ended
DISCHARGE_BEFORE_ADMISSION = "discharge_before_admission"  # dated before the first admission
DISCHARGE_WITHOUT_ADMISSION = "discharge_without_admission"  # no admission at all


@dataclass(frozen=True)
class SequenceProblem:
    """A record that does not fit the sequence admission, discharge, admission …:
    ``event`` the record, ``kind`` one of :data:`ADMITTED_TWICE`,
    :data:`DISCHARGED_TWICE`, :data:`DISCHARGE_BEFORE_ADMISSION`,
    :data:`DISCHARGE_WITHOUT_ADMISSION`, and ``other`` the record it clashes with (the
    open admission, the earlier discharge, the later admission; None for the last)."""

    event: ShelterEvent
    kind: str
    other: ShelterEvent | None = None


def _as_events(case_id: str, items: Iterable[Any]) -> list[ShelterEvent]:
    found = []
    for item in items:
        if isinstance(item, ShelterEvent):
            found.append(item)
        elif getattr(item, "kind", None) in KINDS:
            found.append(ShelterEvent.of(case_id, item))
    return sorted(found, key=ShelterEvent.sort_key)


def stays_of(
    items: Iterable[Any], case_id: str = ""
) -> tuple[list[Stay], list[SequenceProblem]]:
    """The stays of one case, from its shelter records (:class:`ShelterEvent` objects or
    records of the case; other records are skipped), walked in record order, and the
    records that did not fit. Stays are in admission order."""
    events = _as_events(case_id, items)
    stays: list[Stay] = []
    problems: list[SequenceProblem] = []
    open_: ShelterEvent | None = None
    last_discharge: ShelterEvent | None = None
    for number, event in enumerate(events):
        if event.kind == ADMISSION:
            if open_ is not None:
                problems.append(SequenceProblem(event, ADMITTED_TWICE, open_))
                continue
            open_ = event
            continue
        if open_ is None:
            if last_discharge is not None:
                problems.append(SequenceProblem(event, DISCHARGED_TWICE, last_discharge))
            else:
                later = next((e for e in events[number + 1:] if e.kind == ADMISSION), None)
                kind = DISCHARGE_BEFORE_ADMISSION if later else DISCHARGE_WITHOUT_ADMISSION
                problems.append(SequenceProblem(event, kind, later))
            continue
        stays.append(_stay(open_, event))
        open_, last_discharge = None, event
    if open_ is not None:
        stays.append(_stay(open_, None))
    return stays, problems


def _stay(admission: ShelterEvent, discharge: ShelterEvent | None) -> Stay:
    return Stay(
        admission.case, admission.record, admission.date, admission.shelter, admission.bed,
        admission.raid,
        None if discharge is None else discharge.record,
        None if discharge is None else discharge.date,
        None if discharge is None else discharge.to,
    )  # fmt: skip


def all_stays(records_by_case: Mapping[str, Iterable[Any]]) -> list[Stay]:
    """Every stay of every case of ``records_by_case`` (case ID → its records, or its
    :class:`ShelterEvent` objects), by case then admission."""
    found: list[Stay] = []
    for case_id in sorted(records_by_case):
        found += stays_of(records_by_case[case_id], case_id)[0]
    return found


def occupancy(records_by_case: Mapping[str, Iterable[Any]], on: dt.date) -> list[Stay]:
    """The stays of the clients in the shelter the night of ``on`` (see
    :meth:`Stay.in_on`), from ``records_by_case`` (case ID → its records, or its
    :class:`ShelterEvent` objects), longest first (then by case ID). Pure: no files,
    no settings."""
    inside = [s for s in all_stays(records_by_case) if s.in_on(on)]
    return sorted(inside, key=lambda s: (s.admitted, s.case))


def daily_counts(stays: Iterable[Stay], start: dt.date, end: dt.date) -> list[int]:
    """How many of ``stays`` are in the shelter on each day from ``start`` to ``end``
    (both included), in day order: one pass over the stays, whatever their number."""
    days = (end - start).days + 1
    if days <= 0:
        return []
    change = [0] * (days + 1)
    for stay in stays:
        first = max(stay.admitted, start)
        last = end if stay.discharged is None else min(end, stay.discharged - dt.timedelta(1))
        if first > last:
            continue
        change[(first - start).days] += 1
        change[(last - start).days + 1] -= 1
    counts, running = [], 0
    for step in change[:days]:
        running += step
        counts.append(running)
    return counts


# --- the shelters of ppks.toml ----------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A shelter: its ``name`` (``None``: the one shelter of ``[shelter]``, unnamed) and
    its ``beds``; ``known`` is False for a name records give that ``ppks.toml`` does not
    have (its beds are then unknown, ``None``)."""

    name: str | None
    beds: int | None
    known: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "beds": self.beds, "known": self.known}


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


class Places:
    """The shelters of a repository's ``ppks.toml`` (:meth:`RepoConfig.shelter_places`),
    and the names records and users give them."""

    def __init__(self, config: RepoConfig) -> None:
        self.known = [Place(p.name, p.beds) for p in config.shelter_places()]
        self.max_days = config.shelter.max_days

    def of(self, name: str | None) -> Place:
        """The shelter a record naming ``name`` is about: ``None`` is the first shelter
        of ``ppks.toml``; a name is matched whole, any letter case and spacing; a name
        ``ppks.toml`` does not have is a :class:`Place` with ``known`` False."""
        if name is None:
            return self.known[0]
        wanted = _key(name)
        for place in self.known:
            if place.name is not None and _key(place.name) == wanted:
                return place
        return Place(name, None, known=False)

    def choose(self, text: str | None, option: str = "--shelter") -> Place:
        """The shelter a user named (``--shelter``): with ``None``, the only shelter
        (several: :class:`InvalidInput` asking for ``option``); else the number of a
        shelter in ``ppks.toml`` order (from 1), its whole name or a part of one name
        only (any letter case). Raises :class:`InvalidInput` naming ``option`` and the
        shelters of ``ppks.toml`` for any other name."""
        if text is None or not text.strip():
            if len(self.known) == 1:
                return self.known[0]
            raise InvalidInput(
                "error.invalid_option", option=option,
                detail=Msg("shelter.error.which", names=self.names()),
            )  # fmt: skip
        wanted = _key(text)
        named = [p for p in self.known if p.name is not None]
        if wanted.isdigit() and 1 <= int(wanted) <= len(named) and len(self.known) > 1:
            return named[int(wanted) - 1]
        exact = [p for p in named if _key(p.name) == wanted]
        partial = [p for p in named if wanted in _key(p.name)]
        found = exact or (partial if len(partial) == 1 else [])
        if found:
            return found[0]
        if not named:
            detail = Msg("shelter.error.no_names", value=text.strip())
        else:
            detail = Msg("shelter.error.unknown", value=text.strip(), names=self.names())
        raise InvalidInput("error.invalid_option", option=option, detail=detail)

    def names(self) -> str:
        """The named shelters, for a message, each with the number ``--shelter`` takes and
        its beds: ``1 = RPS Kota Medan (30 tempat tidur), 2 = Rumah Singgah B (12 …)``."""
        named = [p for p in self.known if p.name is not None]
        return ", ".join(
            str(Msg("shelter.numbered", number=number, name=place.name, beds=place.beds))
            for number, place in enumerate(named, start=1)
        )  # fmt: skip


# --- reading stays from the index -------------------------------------------------------


def indexed_events(conn) -> dict[str, list[ShelterEvent]]:
    """Every admission and discharge the index ``conn`` holds (brought up to date by the
    caller), by case ID, in record order; readable cases only."""
    found: dict[str, list[ShelterEvent]] = {}
    for row in conn.execute(
        "SELECT s.case_id, s.record, s.kind, s.date, s.recorded_at, s.shelter, s.bed, "
        "s.dest, s.raid FROM shelter AS s JOIN cases AS c ON c.id = s.case_id "
        "WHERE c.problem IS NULL"
    ):
        event = ShelterEvent.from_row(row)
        found.setdefault(event.case, []).append(event)
    for events in found.values():
        events.sort(key=ShelterEvent.sort_key)
    return found


def indexed_stays(conn) -> list[Stay]:
    """Every stay of every readable case of the index ``conn``."""
    return all_stays(indexed_events(conn))


# --- who is in the shelter on a day ------------------------------------------------------


@dataclass(frozen=True)
class Resident:
    """A client in the shelter on the day asked: the :class:`Stay`, its shelter
    (:class:`Place`), the day of the stay (``days``: 1 on the day of admission), whether
    that is past ``[shelter] max_days`` (``over``), and what the index says of the case
    (name, alias, sex, age on the day, category, current worker, closed)."""

    stay: Stay
    place: Place
    days: int
    over: bool
    name: str
    alias: str | None
    sex: str | None
    age: int | None
    category: str | None
    worker: str | None
    closed: bool

    def to_json(self) -> dict[str, Any]:
        stay = self.stay
        return {
            "case": stay.case, "name": self.name, "alias": self.alias, "sex": self.sex,
            "age": self.age, "category": self.category, "worker": self.worker,
            "closed": self.closed, "shelter": self.place.name, "bed": stay.bed,
            "admitted": stay.admitted.isoformat(), "days": self.days, "over_max": self.over,
            "raid": stay.raid, "record": stay.admission,
        }  # fmt: skip


@dataclass(frozen=True)
class PlaceCount:
    """A shelter and how many clients are in it (``occupied``) on the day asked;
    ``free`` the beds left (0 when full or over; None when its beds are unknown)."""

    place: Place
    occupied: int

    @property
    def free(self) -> int | None:
        return None if self.place.beds is None else max(0, self.place.beds - self.occupied)

    @property
    def over(self) -> int:
        """The clients beyond its beds (0 when within them or unknown)."""
        return 0 if self.place.beds is None else max(0, self.occupied - self.place.beds)

    def to_json(self) -> dict[str, Any]:
        return {**self.place.to_json(), "occupied": self.occupied, "free": self.free}


@dataclass
class ShelterList(Result):
    """``ppks shelter``: who is in the shelter the night of ``on``, longest stay first
    (:class:`Resident`), each shelter's count (:class:`PlaceCount`), the ``max_days``
    setting, and the case folders that could not be read (``problems``)."""

    on: dt.date
    max_days: int
    places: list[PlaceCount]
    residents: list[Resident]
    problems: list = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "max_days": self.max_days,
            "shelters": [p.to_json() for p in self.places],
            "stays": [r.to_json() for r in self.residents],
        }


def _age(day: dt.date, birth_date: str | None, birth_year: int | None) -> int | None:
    if birth_date:
        born = dt.date.fromisoformat(birth_date)
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    return day.year - birth_year if birth_year else None


def in_shelter(
    repo: Repository, on: dt.date | None = None, *, shelter: str | None = None, progress=None
) -> ShelterList:
    """Who is in the shelter the night of ``on`` (default today), from the index (brought
    up to date first; ``progress(done, total)`` while cases are read): every shelter of
    ``ppks.toml`` with its count, and a shelter named in records but not in ``ppks.toml``
    when someone is in it; with ``shelter`` (as :meth:`Places.choose` reads it), that
    shelter only. Residents longest stay first, then by name. Raises
    :class:`InvalidInput` for a shelter ``ppks.toml`` does not have."""
    from ppks_cli import index

    day = on or dt.date.today()
    places = Places(repo.config)
    only = places.choose(shelter) if shelter is not None else None
    with index.opened(repo, progress) as (conn, _done):
        inside = [s for s in indexed_stays(conn) if s.in_on(day)]
        info = _case_info(conn, {s.case for s in inside})
        problems = index.problems(conn)
    residents = []
    for stay in inside:
        place = places.of(stay.shelter)
        if only is not None and place != only:
            continue
        name, alias, sex, born, year, category, worker, closed = info[stay.case]
        days = stay.days_on(day)
        residents.append(Resident(
            stay, place, days, days > places.max_days, name, alias, sex, _age(day, born, year),
            category, worker, bool(closed),
        ))  # fmt: skip
    residents.sort(key=lambda r: (-r.days, r.name.casefold(), r.stay.case))
    counted = [only] if only is not None else list(places.known)
    counted += [r.place for r in residents if r.place not in counted]
    counts = [PlaceCount(p, sum(1 for r in residents if r.place == p)) for p in counted]
    return ShelterList(day, places.max_days, counts, residents, problems)


def _case_info(conn, case_ids: set[str]) -> dict[str, tuple]:
    found: dict[str, tuple] = {}
    wanted = sorted(case_ids)
    for start in range(0, len(wanted), 500):  # SQLite's limit of parameters
        chunk = wanted[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        for row in conn.execute(
            "SELECT id, name, alias, sex, birth_date, birth_year, category, worker, closed "
            f"FROM cases WHERE id IN ({marks})", chunk,
        ):  # fmt: skip
            found[row[0]] = tuple(row[1:])
    return found


# --- occupancy per day of a month -------------------------------------------------------


@dataclass
class Occupancy(Result):
    """``ppks shelter occupancy``: for each day of the month ``month`` (``YYYY-MM``) up to
    today, how many clients were in each shelter of ``places`` that night (``days``:
    ``(date, counts in places order)``), and the ``peak``: the highest total and the days
    it was reached."""

    month: str
    start: dt.date
    end: dt.date
    places: list[Place]
    days: list[tuple[dt.date, list[int]]]
    problems: list = field(default_factory=list)

    @property
    def beds(self) -> int | None:
        """The beds of the shelters shown (None when one of them has unknown beds)."""
        if any(p.beds is None for p in self.places):
            return None
        return sum(p.beds for p in self.places)

    @property
    def peak(self) -> tuple[int, list[dt.date]]:
        """The highest total of a day, and the days it was reached (none: 0 and [])."""
        totals = [(day, sum(counts)) for day, counts in self.days]
        most = max((total for _, total in totals), default=0)
        return most, [day for day, total in totals if total == most and most > 0]

    def to_json(self) -> dict[str, Any]:
        most, when = self.peak
        return {
            "month": self.month, "from": self.start.isoformat(), "to": self.end.isoformat(),
            "beds": self.beds,
            "shelters": [p.to_json() for p in self.places],
            "days": [
                {"date": day.isoformat(), "occupied": sum(counts), "by_shelter": counts}
                for day, counts in self.days
            ],
            "peak": {"occupied": most, "dates": [d.isoformat() for d in when]},
        }  # fmt: skip


def month_occupancy(
    repo: Repository, month: str, *, shelter: str | None = None, today: dt.date | None = None,
    progress=None,
) -> Occupancy:  # fmt: skip
    """The occupancy of each day of ``month`` (``YYYY-MM``) up to ``today`` (a month
    after today has no days), per shelter of ``ppks.toml`` (and a shelter records name
    that ``ppks.toml`` does not have, when someone stayed there), or of ``shelter`` only.
    Raises :class:`InvalidInput` for a malformed month or an unknown shelter."""
    from ppks_cli import index
    from ppks_cli.reports import parse_period

    period = parse_period(month=month)
    places = Places(repo.config)
    only = places.choose(shelter) if shelter is not None else None
    last = min(period.end, today or dt.date.today())
    with index.opened(repo, progress) as (conn, _done):
        stays = indexed_stays(conn)
        problems = index.problems(conn)
    by_place: dict[Place, list[Stay]] = {}
    for stay in stays:
        by_place.setdefault(places.of(stay.shelter), []).append(stay)
    shown = [only] if only is not None else list(places.known)
    if only is None:  # a shelter records name that ppks.toml does not have, if it was used
        shown += [p for p in by_place
                  if p not in shown and any(daily_counts(by_place[p], period.start, last))]
    columns = [daily_counts(by_place.get(p, []), period.start, last) for p in shown]
    days = [
        (period.start + dt.timedelta(days=n), [column[n] for column in columns])
        for n in range((last - period.start).days + 1)
    ]
    return Occupancy(period.label, period.start, period.end, shown, days, problems)


# --- admitting and discharging ----------------------------------------------------------


@dataclass
class AdmitResult(Result):
    """What ``ppks shelter admit`` recorded: the case, the admission record, the shelter
    (:class:`Place`), the reopening written before it (a case closed on that day), how
    many were in that shelter that night with this client (``occupied``) and
    ``warnings`` (:class:`Msg`: the shelter over its beds, a later admission)."""

    case: Case
    record: Record
    place: Place
    occupied: int
    reopened: Record | None = None
    warnings: list[Msg] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        from ppks_cli.views import record_view

        return {
            "id": self.case.id, "record": record_view(self.record), "shelter": self.place.name,
            "bed": self.record.bed, "beds": self.place.beds, "occupied": self.occupied,
            "reopened": record_view(self.reopened) if self.reopened else None,
            "warnings": [{"code": m.key, "message": str(m)} for m in self.warnings],
        }  # fmt: skip


@dataclass
class DischargeResult(Result):
    """What ``ppks shelter discharge`` recorded: the case, the discharge record and the
    stay it ended (:class:`Stay`, with the discharge)."""

    case: Case
    record: Record
    stay: Stay

    def to_json(self) -> dict[str, Any]:
        from ppks_cli.views import record_view

        return {
            "id": self.case.id, "record": record_view(self.record), "to": self.record.to,
            "shelter": self.stay.shelter, "admitted": self.stay.admitted.isoformat(),
            "days": self.stay.length,
        }  # fmt: skip


def _stay_over(stays: list[Stay], day: dt.date) -> Stay | None:
    """The stay that holds ``day`` (admitted on or before it, not discharged by it)."""
    return next((s for s in stays if s.in_on(day)), None)


def closed_on(case: Case, day: dt.date) -> Record | None:
    """The termination that has ``case`` closed on ``day`` (its records dated up to
    then), else None."""
    from ppks_cli.workflow import derive

    state = derive(case, [r for r in case.records if r.date <= day])
    return state.termination if state.closed else None


def ensure_can_admit(config: RepoConfig, case: Case, when: dt.date, *, reopen: bool) -> None:
    """Refuse (:class:`Refused`) an admission of ``case`` on ``when`` for what
    :func:`admit` refuses it whatever else is typed: the client in the shelter that day
    already, the case closed that day without ``reopen``. A command calls it before
    asking its questions at a terminal (it asks about reopening itself)."""
    current = _stay_over(case_stays(case), when)
    if current is not None:
        raise Refused(
            "shelter.error.already_in", case=case.id, date=current.admitted.isoformat(),
            shelter=_shown(Places(config).of(current.shelter)), day=current.days_on(when),
        )  # fmt: skip
    closing = closed_on(case, when)
    if closing is not None and not reopen:
        raise Refused(
            "shelter.error.case_closed", case=case.id, closed=closing.date.isoformat(),
            date=when.isoformat(),
        )  # fmt: skip


def admit(
    repo: Repository, case_ref: str, *, worker: str, date: dt.date | None = None,
    bed: str | None = None, shelter: str | None = None, note: str | None = None,
    raid: str | None = None, reopen_reason: str | None = None,
    options: WriteOptions | None = None,
) -> AdmitResult:  # fmt: skip
    """Admit the client of the case ``case_ref`` to the shelter on ``date`` (default
    today): an admission record, committed (``CASE: admitted to the shelter``).
    ``shelter`` as :meth:`Places.choose` reads it (needed when ``ppks.toml`` has several),
    ``bed`` the bed's label (any text), ``raid`` the raid's ID.

    Refused (:class:`Refused`, nothing written) when the client is in the shelter on
    that day already, when the bed is taken that night or later by another client (a
    bed holds one person: label beds ``3a``/``3b`` to share one, or leave ``--bed`` out),
    and when the case is closed on that day, unless ``reopen_reason`` is given: the case
    is then reopened with it first, both records in one commit (``CASE: case reopened,
    admitted to the shelter``). A shelter full on that day is admitted to all the same
    (the client is there), with a warning; so is an admission before a later one of the
    same case (record the discharge between them). Raises :class:`InvalidInput` for an
    unknown shelter or a bad date, bed, note, raid or worker, and what any new record of
    the case is refused for."""
    from ppks_cli import index
    from ppks_cli.casework import _prepare
    from ppks_cli.changes import WriteOptions, commit_message
    from ppks_cli.records import Reopen, ShelterAdmission

    when = date or dt.date.today()
    places = Places(repo.config)
    place = places.choose(shelter)
    bed = bed.strip() if bed is not None and bed.strip() else None
    with (options or WriteOptions()).writer(repo) as writer:
        case = repo.find_case(case_ref)
        repo.check_writable(case)
        own, _problems = stays_of(case.records, case.id)
        ensure_can_admit(repo.config, case, when, reopen=bool(reopen_reason))
        closing = closed_on(case, when)
        pending: list[Record] = []
        reopened = None
        if closing is not None:
            reopened = _prepare(repo, case, Reopen, date=when, worker=worker,
                                reason=reopen_reason)  # fmt: skip
            pending.append(reopened)
        made = _prepare(
            repo, case, ShelterAdmission, pending=pending, date=when, worker=worker,
            shelter=place.name, bed=bed, raid=raid, note=note,
        )  # fmt: skip
        # the other clients' stays: only once everything typed is known to be valid
        with index.opened(repo) as (conn, _done):
            others = [s for s in indexed_stays(conn) if s.case != case.id]
        if bed is not None:
            _check_bed(places, place, bed, when, others)
        for record in (*pending, made):
            repo.add_record(case, record)
        event = "shelter-readmission" if reopened else "shelter-admission"
        writer.commit(commit_message(case.id, event), made.worker)
    occupied = 1 + sum(1 for s in others if s.in_on(when) and places.of(s.shelter) == place)
    warnings = []
    if place.beds is not None and occupied > place.beds:
        warnings.append(Msg(
            "shelter.warning.full", shelter=_shown(place), occupied=occupied, beds=place.beds,
            date=when.isoformat(),
        ))  # fmt: skip
    later = [s for s in own if s.admitted > when]
    if later:
        warnings.append(Msg(
            "shelter.warning.later_stay", case=case.id, later=later[0].admitted.isoformat(),
        ))  # fmt: skip
    return AdmitResult(case, made, place, occupied, reopened, warnings)


def _shown(place: Place) -> Msg | str:
    """A shelter's name in a message (the one unnamed shelter: "the shelter")."""
    return place.name if place.name is not None else Msg("shelter.unnamed")


def _check_bed(
    places: Places, place: Place, bed: str, when: dt.date, others: list[Stay]
) -> None:
    """Refuse ``bed`` of ``place`` from ``when`` on when another client's stay holds it
    that night or later (the new stay has no end yet)."""
    wanted = _key(bed)
    for stay in sorted(others, key=lambda s: s.admitted):
        if stay.bed is None or _key(stay.bed) != wanted or places.of(stay.shelter) != place:
            continue
        if stay.discharged is None or stay.discharged > when:
            raise Refused(
                "shelter.error.bed_taken", bed=bed, shelter=_shown(place), case=stay.case,
                since=stay.admitted.isoformat(),
                until=Msg("shelter.until_open") if stay.discharged is None
                else Msg("shelter.until", date=stay.discharged.isoformat()),
            )  # fmt: skip


def discharge(
    repo: Repository, case_ref: str, *, worker: str, to: str, date: dt.date | None = None,
    note: str | None = None, options: WriteOptions | None = None,
) -> DischargeResult:  # fmt: skip
    """Record that the client of the case ``case_ref`` left the shelter on ``date``
    (default today) to ``to`` (a code of
    :data:`~ppks_cli.choices.DISCHARGE_DESTINATIONS`), committed (``CASE: discharged from
    the shelter``). Works on a closed case too (the client may leave after it closed).

    Refused (:class:`Refused`, nothing written) when the client is not in the shelter on
    that day: never admitted, admitted only after it (a discharge before the admission),
    or already gone (naming the day they left); and when the stay that holds the day
    already ends later (its discharge is recorded: correct that one instead). Raises
    :class:`InvalidInput` for a bad destination, date, note or worker."""
    from ppks_cli.casework import _prepare
    from ppks_cli.changes import WriteOptions, commit_message
    from ppks_cli.records import ShelterDischarge

    when = date or dt.date.today()
    with (options or WriteOptions()).writer(repo) as writer:
        case = repo.find_case(case_ref)
        repo.check_writable(case)
        own, _problems = stays_of(case.records, case.id)
        stay = _stay_over(own, when)
        if stay is None:
            _refuse_not_in(case, own, when)
        if stay.discharged is not None:
            raise Refused(
                "shelter.error.already_left", case=case.id, date=when.isoformat(),
                admitted=stay.admitted.isoformat(), left=stay.discharged.isoformat(),
            )  # fmt: skip
        made = _prepare(
            repo, case, ShelterDischarge, date=when, worker=worker, to=to,
            shelter=stay.shelter, note=note,
        )  # fmt: skip
        repo.add_record(case, made)
        writer.commit(commit_message(case.id, "shelter-discharge"), made.worker)
    ended = replace(stay, discharge=made.id, discharged=made.date, to=made.to)
    return DischargeResult(case, made, ended)


def _refuse_not_in(case: Case, stays: list[Stay], when: dt.date) -> None:
    later = [s for s in stays if s.admitted > when]
    before = [s for s in stays if s.admitted <= when]
    if before:
        last = before[-1]
        raise Refused(
            "shelter.error.not_in_left", case=case.id, date=when.isoformat(),
            left=last.discharged.isoformat() if last.discharged else "?",
        )  # fmt: skip
    if later:
        raise Refused(
            "shelter.error.before_admission", case=case.id, date=when.isoformat(),
            admitted=later[0].admitted.isoformat(),
        )  # fmt: skip
    raise Refused("shelter.error.not_in", case=case.id)


# --- one case: for show and check -------------------------------------------------------


def case_stays(case: Case) -> list[Stay]:
    """The stays of ``case``, in admission order."""
    return stays_of(case.records, case.id)[0]


def sequence_problems(
    case: Case, file_of: Mapping[str, str]
) -> list[tuple[str, str, Msg, Msg]]:
    """What ``ppks check`` says of the shelter records of ``case``: for each record that
    does not fit (see :func:`stays_of`) and for a stay still open on a closed case, a
    ``(record ID, the record's kind, message, fix)`` (warnings; the fix names the
    command, or the file to remove). ``file_of`` maps record IDs to the files they were
    read from (as shown). Uses no settings, so a checked folder's result can be kept
    while its files stay the same."""
    stays, problems = stays_of(case.records, case.id)
    found: list[tuple[str, str, Msg, Msg]] = []
    for problem in problems:
        event, other = problem.event, problem.other
        params = {
            "case": case.id, "date": event.date.isoformat(),
            "file": file_of.get(event.record, case.id),
            "other": other.date.isoformat() if other else "",
            "other_file": file_of.get(other.record, case.id) if other else "",
        }  # fmt: skip
        found.append((
            event.record, event.kind, Msg(f"shelter.check.{problem.kind}", params),
            Msg(f"shelter.fix.{problem.kind}", params),
        ))  # fmt: skip
    state = case.state
    if state.closed:
        termination = state.termination
        for stay in stays:
            if stay.discharged is None:
                params = {
                    "case": case.id, "date": stay.admitted.isoformat(),
                    "closed": termination.date.isoformat() if termination else "?",
                    "file": file_of.get(stay.admission, case.id),
                }  # fmt: skip
                found.append((
                    stay.admission, ADMISSION, Msg("shelter.check.open_on_closed", params),
                    Msg("shelter.fix.open_on_closed", params),
                ))  # fmt: skip
    return found

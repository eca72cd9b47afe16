"""What is due across cases (``ppks due``): the items every case owes
(:func:`ppks_cli.deadlines.due_items`, kept in the index), late or due soon, for one
worker or the whole office, most urgent first and grouped by case.

Whose items: a case belongs to its *current* worker (the index's ``worker`` column: the
worker the case is with now). Names are compared by their words, after case folding,
with accents and punctuation ignored (``saskia`` is ``Saskia``, ``Gultom`` is
``Gultom,``):

- without a name, the user's own name (``$PPKS_WORKER``, ``[defaults] worker``, git's
  ``user.name``) must equal the worker's name word for word: a to-do list "for me" must
  not take in a colleague who shares a first name (``Budi`` is not ``Budi Santoso``);
- a name given with ``--worker`` matches when its words appear, whole and in order, in
  the worker's name: ``saskia`` finds ``Saskia Pane``, ``Sas`` finds nobody (as
  ``ppks list --worker`` does).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from ppks_cli.choices import MAX_DAYS_AHEAD
from ppks_cli.deadlines import KINDS, DueItem
from ppks_cli.errors import InvalidInput
from ppks_cli.i18n import Msg
from ppks_cli.index import plain
from ppks_cli.results import Result

DEFAULT_WITHIN = 7
# at most ten years ahead, like the deadline settings: a larger number is a typo
MAX_WITHIN = MAX_DAYS_AHEAD


@dataclass(frozen=True)
class DueEntry:
    """One item due in one case, as ``ppks due`` lists it: the case (``case_id``, the
    client's ``name``, its current ``worker``, ``stage``, ``closed``), what is owed
    (``item``) and ``days_late`` on the day of the list (negative: days left, 0: due
    today)."""

    case_id: str
    name: str
    worker: str
    stage: str
    closed: bool
    item: DueItem
    days_late: int

    @property
    def overdue(self) -> bool:
        """Past its due date (``days_late > 0``)."""
        return self.days_late > 0

    def message(self) -> Msg:
        """What is owed, in words (a ``due.<kind>`` message)."""
        return self.item.message(self.item.due)

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case_id, "name": self.name, "worker": self.worker,
            "stage": self.stage, "closed": self.closed, "kind": self.item.kind,
            "due": self.item.due.isoformat(), "days_late": self.days_late,
            "overdue": self.overdue, "record": self.item.record,
            "params": dict(self.item.params), "message": str(self.message()),
        }  # fmt: skip


@dataclass
class DueGroup:
    """The items of one case, most urgent first; ``damaged_records``: record files of
    the case that could not be read (its items may be incomplete)."""

    case_id: str
    name: str
    worker: str
    stage: str
    closed: bool
    damaged_records: int
    entries: list[DueEntry] = field(default_factory=list)


@dataclass
class DueList(Result):
    """``ppks due``: what is late or due within ``within`` days of ``today``, grouped by
    case (``groups``: the case with the most urgent item first), for ``worker`` (the
    name matched; ``None`` with ``everyone``), and the case folders that could not be
    read (``problems``, :class:`~ppks_cli.validation.Problem`), whose items are unknown.

    Its JSON is a flat list of items (:meth:`DueEntry.to_json`) in the same order."""

    today: dt.date
    within: int
    worker: str | None
    everyone: bool
    groups: list[DueGroup]
    problems: list

    @property
    def entries(self) -> list[DueEntry]:
        """Every item, in the order of the groups."""
        return [entry for group in self.groups for entry in group.entries]

    @property
    def overdue(self) -> int:
        """How many items are late."""
        return sum(entry.overdue for entry in self.entries)

    @property
    def due_soon(self) -> int:
        """How many items are due today or within ``within`` days (not yet late)."""
        return sum(not entry.overdue for entry in self.entries)

    def to_json(self) -> list[dict[str, Any]]:
        return [entry.to_json() for entry in self.entries]


def words(name: str | None) -> tuple[str, ...]:
    """The words of a name as compared here: case-folded, without accents, punctuation
    as spaces (``"Saskia  Pané,"`` -> ``("saskia", "pane")``)."""
    return tuple(plain(name).split())


def worker_matches(wanted: tuple[str, ...], worker: str | None, *, whole: bool) -> bool:
    """Whether the worker named ``worker`` is the one ``wanted`` (:func:`words` of a
    name): the same words (``whole``), else ``wanted`` appearing as a run of whole words
    in the worker's name."""
    have = words(worker)
    if whole or not wanted:
        return bool(wanted) and have == wanted
    size = len(wanted)
    return any(have[i : i + size] == wanted for i in range(len(have) - size + 1))


def check_within(within: int) -> int:
    """``within`` if it is a number of days from 0 to :data:`MAX_WITHIN`, else raises
    :class:`~ppks_cli.errors.InvalidInput` (``error.due_within``)."""
    if isinstance(within, bool) or not isinstance(within, int) or not 0 <= within <= MAX_WITHIN:
        raise InvalidInput("error.due_within", value=within, max=MAX_WITHIN)
    return within


def due_list(
    repo,
    *,
    worker: str | None = None,
    everyone: bool = False,
    within: int = DEFAULT_WITHIN,
    today: dt.date | None = None,
    progress=None,
) -> DueList:
    """What the cases of ``repo`` owe that is late on ``today`` (default: the system's
    date) or due within ``within`` days of it (both ends included: an item due on
    ``today + within`` is listed, one a day later is not), for the worker ``worker``
    (whole words of the name, see the module), the user's own name when ``worker`` is
    ``None`` (whole name), or every case with ``everyone``. Most days late first, then
    soonest due, items of one case together (the case ranked by its most urgent item).
    The index is brought up to date first (``progress(done, total)`` while cases are
    read).

    Raises :class:`~ppks_cli.errors.InvalidInput` before anything is read or written for
    ``within`` outside 0 to :data:`MAX_WITHIN`, for both ``worker`` and ``everyone``, for
    an invalid name (``error.invalid_option``), and when no name is given and none is
    known (``error.due_no_worker``: pass ``--worker`` or ``--all``)."""
    from ppks_cli.models import parse_worker

    check_within(within)
    if everyone and worker is not None:
        raise InvalidInput("error.due_worker_and_all")
    name: str | None = None
    if not everyone:
        if worker is not None:
            name = parse_worker(worker, "--worker")
        else:
            name = repo.step_worker(None)
            if name is None:
                raise InvalidInput("error.due_no_worker")
    return _gather(repo, name, whole=worker is None, everyone=everyone, within=within,
                   today=today or dt.date.today(), progress=progress)  # fmt: skip


def own_due(
    repo, *, within: int = DEFAULT_WITHIN, today: dt.date | None = None, progress=None
) -> DueList | None:
    """The user's own items (:func:`due_list` without a name), or ``None`` when the user's
    name is not known or not a valid name (``ppks status`` then says nothing of them)."""
    try:
        name = repo.step_worker(None)
    except InvalidInput:
        return None
    if name is None:
        return None
    return _gather(repo, name, whole=True, everyone=False, within=check_within(within),
                   today=today or dt.date.today(), progress=progress)  # fmt: skip


def _gather(
    repo,
    name: str | None,
    *,
    whole: bool,
    everyone: bool,
    within: int,
    today: dt.date,
    progress,
) -> DueList:
    """:func:`due_list` once its arguments are checked."""
    from ppks_cli import index

    wanted = words(name)
    try:
        until = today + dt.timedelta(days=within)
    except OverflowError:
        until = dt.date.max
    matched: dict[str | None, bool] = {}
    groups: dict[str, DueGroup] = {}
    with index.opened(repo, progress) as (conn, _done):
        rows = conn.execute(
            "SELECT d.case_id, d.kind, d.due, d.record, d.params, c.name, c.worker, "
            "c.stage, c.closed, c.damaged_records FROM due d JOIN cases c ON c.id = d.case_id "
            "WHERE c.problem IS NULL AND d.due <= ?",
            (until.isoformat(),),
        ).fetchall()
        problems = index.problems(conn)
    for case_id, kind, due, record, params, client, owner, stage, closed, damaged in rows:
        if not everyone:
            if owner not in matched:
                matched[owner] = worker_matches(wanted, owner, whole=whole)
            if not matched[owner]:
                continue
        item = DueItem(kind, dt.date.fromisoformat(due), record, json.loads(params))
        group = groups.get(case_id)
        if group is None:
            group = groups[case_id] = DueGroup(
                case_id, client, owner, stage, bool(closed), damaged or 0
            )
        group.entries.append(
            DueEntry(case_id, client, owner, stage, bool(closed), item, item.days_late(today))
        )
    for group in groups.values():
        group.entries.sort(key=_urgency)
    ordered = sorted(groups.values(), key=lambda g: (_urgency(g.entries[0]), g.case_id))
    return DueList(today, within, name, everyone, ordered, problems)


def _urgency(entry: DueEntry) -> tuple:
    """Most days late first, then the soonest due (the same: the earliest due date);
    on one day, in :data:`~ppks_cli.deadlines.KINDS` order."""
    kind = KINDS.index(entry.item.kind) if entry.item.kind in KINDS else len(KINDS)
    return (entry.item.due, kind, entry.item.record or "")

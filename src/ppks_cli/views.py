"""Views of cases: the results of ``ppks show`` and ``ppks list`` (:class:`CaseView`,
:class:`CaseList`) and the plain-data forms (dicts of JSON types) their ``--json`` gives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ppks_cli import categories
from ppks_cli.choices import MAX_DAYS_AHEAD, SORTS  # --sort: the first is the default
from ppks_cli.results import Result
from ppks_cli.store import Case


def case_detail(case: Case, config=None, today: dt.date | None = None) -> dict[str, Any]:
    """Everything ``ppks show --json`` gives."""
    from ppks_cli import deadlines

    state = case.state
    current = case.current  # the intake data with the corrections applied
    category = categories.categories()[current.category]
    data = current.model_dump(mode="json", by_alias=True, exclude_none=True)
    data.pop("schema", None)
    plan = state.current_plan
    goal_status = state.goal_status()
    overdue = deadlines.overdue(config, state, case, today or dt.date.today()) if config else []
    return {
        "id": case.id,
        "stage": state.stage,
        "closed": state.closed,
        "episode": state.episode,
        "next": list(state.next_commands()),
        "category": current.category,
        "category_name": category.name,
        **{k: v for k, v in data.items() if k not in ("id", "category")},
        "former_names": case.former_names,
        "corrections": [
            {"record": r.id, "date": r.date.isoformat(), "worker": r.worker, "reason": r.reason,
             "changes": record_view(r)["changes"]}
            for r in case.records if r.kind == "correction"
        ],
        "latest_assessment": record_view(state.latest_assessment)
        if state.latest_assessment
        else None,
        "current_plan": (
            {
                **record_view(plan),
                "approved": state.is_approved(plan),
                "goal_status": {str(n): goal_status.get(n) for n in range(1, len(plan.goals) + 1)},
            }
            if plan
            else None
        ),
        "referrals": [{**record_view(r), "status": status} for r, status in state.referrals()],
        "attachments": [
            {"record": r.id, "kind": r.document, "original_name": r.original_name,
             "size": r.size, "sha256": r.sha256, "file": f"attachments/{r.file}",
             "date": r.date.isoformat(), "worker": r.worker, "note": r.note}
            for r in case.records if r.kind == "attachment"
        ],  # fmt: skip
        "shelter": shelter_view(case, today or dt.date.today()),
        # street raids: each catch, their count and whether [raids] repeat_threshold is reached
        "raids": _raids_of(case, config),
        "overdue": [{"code": m.key, "message": str(m)} for m in overdue],
        "warnings": [{"record": r.id, "code": m.key, "message": str(m)} for r, m in state.warnings],
        "episodes": [
            {
                "number": e.number,
                "opened": e.opened.isoformat(),
                "records": [r.id for r in e.records],
            }
            for e in state.episodes
        ],
        "records": [record_view(r) for r in case.records],
        "damaged_records": [p.as_dict() for p in case.damaged],
    }


def shelter_view(case: Case, today: dt.date) -> list[dict[str, Any]]:
    """The client's stays in the shelter (:func:`ppks_cli.shelter.case_stays`), for
    ``ppks show --json``: each ``admitted``, ``discharged`` (or null), ``to``,
    ``shelter`` (as the admission names it; null: the first of ``ppks.toml``), ``bed``,
    ``raid``, the records (``admission``, ``discharge``), ``in_shelter`` (still there
    today) and ``days`` (a stay ended: its length; still there: the day of the stay
    today, 1 on the day of admission)."""
    from ppks_cli.shelter import case_stays

    found = []
    for stay in case_stays(case):
        still = stay.discharged is None
        found.append({
            "admitted": stay.admitted.isoformat(),
            "discharged": None if still else stay.discharged.isoformat(),
            "to": stay.to, "shelter": stay.shelter, "bed": stay.bed, "raid": stay.raid,
            "admission": stay.admission, "discharge": stay.discharge, "in_shelter": still,
            "days": stay.days_on(today) if still else stay.length,
        })  # fmt: skip
    return found


def _raids_of(case: Case, config) -> dict[str, Any]:
    from ppks_cli.raids import case_catches

    threshold = config.raids.repeat_threshold if config is not None else 3
    return case_catches(case, threshold)


def headline(record) -> str:
    """One line that says what a record is about, for timelines."""
    from ppks_cli.i18n import label

    kind = record.kind
    if kind == "assessment":
        return "; ".join(record.problems)
    if kind == "plan":
        return "; ".join(g.what for g in record.goals)
    if kind == "intervention":
        return f"{label('activity', record.activity)}: {record.description}"
    if kind == "referral":
        return f"{record.destination}: {record.reason}"
    if kind == "referral-update":
        return f"{record.referral} → {label('referral_status', record.status)}"
    if kind == "evaluation":
        return f"{label('decision', record.decision)}: {record.progress}"
    if kind == "termination":
        return f"{label('termination_reason', record.reason)}: {record.outcome}"
    if kind == "follow-up":
        return record.findings
    if kind == "reopen":
        return record.reason
    if kind == "note":
        return record.text
    if kind == "approval":
        return f"{label('approval_stage', record.stage)} ({record.record}): {record.by}"
    if kind == "correction":
        from ppks_cli.corrections import describe_correction

        return describe_correction(record)
    if kind == "transfer":
        return f"{record.from_} → {record.to}: {record.reason}"
    if kind == "attachment":
        note = f": {record.note}" if record.note else ""
        return f"{label('attachment_kind', record.document)}, {record.original_name}{note}"
    if kind == "link":
        note = f": {record.reason}" if record.reason else ""
        return f"{label('relation', record.relation)} → {record.other}{note}"
    if kind == "shelter-admission":
        from ppks_cli.i18n import t

        parts = [record.shelter or t("shelter.unnamed_title")]
        if record.bed:
            parts.append(t("shelter.headline_bed", bed=record.bed))
        if record.raid:
            parts.append(t("shelter.headline_raid", raid=record.raid))
        note = f": {record.note}" if record.note else ""
        return ", ".join(parts) + note
    if kind == "shelter-discharge":
        note = f": {record.note}" if record.note else ""
        return f"→ {label('discharge_destination', record.to)}{note}"
    if kind == "raid-catch":
        where = f" ({record.destination})" if record.destination else ""
        return f"{record.raid}: {label('disposition', record.disposition)}{where}"
    return ""


def record_view(record) -> dict[str, Any]:
    data = record.model_dump(mode="json", by_alias=True, exclude_none=True)
    data.pop("schema", None)
    return data


# --- results of the read commands ----------------------------------------------------------


@dataclass
class AsOf:
    """The git revision a case view was rebuilt from, and the moment of that commit."""

    revision: str
    moment: dt.datetime

    def to_json(self) -> dict[str, Any]:
        return {"revision": self.revision, "date": self.moment.isoformat()}


@dataclass
class CaseView(Result):
    """``ppks show``: one case as it stands ``today`` (or at a git revision, ``as_of``),
    with the settings of its repository for deadlines and approvals."""

    case: Case
    config: Any  # RepoConfig
    today: dt.date
    as_of: AsOf | None = None
    links: list = field(default_factory=list)  # links.CaseLink: relations to other cases

    @property
    def damaged(self) -> list:
        """Record files that could not be read (shown as warnings, not in the casework)."""
        return self.case.damaged

    def to_json(self) -> dict[str, Any]:
        detail = case_detail(self.case, self.config, self.today)
        detail["links"] = [link.to_json() for link in self.links]
        detail["duplicate_of"] = self.case.state.merged_into
        if self.as_of is not None:
            detail["as_of"] = self.as_of.to_json()
        return detail


def show_case(repo, ref: str, *, as_of: str | None = None) -> CaseView:
    """The case ``ref`` (any unique prefix of its ID) for ``ppks show``; with ``as_of`` (a
    date ``YYYY-MM-DD`` or a git revision), as it stood then, rebuilt from git history.
    Raises :class:`~ppks_cli.errors.NotFound` for an unknown case or revision, and what
    :func:`ppks_cli.git.checkout_snapshot` raises for an unsafe snapshot."""
    from ppks_cli.links import links_of

    if not as_of:
        case = repo.find_case(ref)
        return CaseView(case, repo.config, dt.date.today(), links=links_of(repo, case))
    import tempfile
    from pathlib import Path

    from ppks_cli import git
    from ppks_cli.store import Repository

    git.require_repository(repo.root)
    case_id = repo.resolve(ref)
    revision = git.resolve_revision(repo.root, as_of)
    moment = git.commit_time(repo.root, revision)
    with tempfile.TemporaryDirectory(prefix="ppks-as-of-") as folder:
        snapshot = Repository.open(
            git.checkout_snapshot(repo.root, revision, case_id, Path(folder))
        )
        case = snapshot.load_case(case_id)  # read whole, before the folder goes
        return CaseView(
            case, snapshot.config, moment.date(), AsOf(revision, moment),
            links=links_of(snapshot, case, incoming=False),  # the snapshot holds one case
        )  # fmt: skip


LIMIT_MAX = 1_000_000


@dataclass(frozen=True)
class CaseFilter:
    """What ``ppks list`` keeps: every filter given must hold. ``worker`` and ``name``
    are the words typed (``worker``: whole words of the current worker's name, in order,
    any case, as ``ppks due --worker``: ``dewi`` finds Dewi Lestari, ``dew`` nobody;
    ``name``: the client's name or alias as people write it, by
    :mod:`ppks_cli.matching`, or a part of it); ``since``/``until`` bound the intake
    date (both included); ``overdue``: something is late today; ``due_within``: something
    is late or due within that many days."""

    stage: str | None = None
    category: str | None = None
    worker: str | None = None
    closed: bool | None = None  # None: both
    name: str | None = None
    tag: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    overdue: bool = False
    due_within: int | None = None


def _name_matches(wanted: str, row, former: Iterable[str] = ()) -> bool:
    from ppks_cli import matching
    from ppks_cli.index import plain

    wanted_plain = plain(wanted)
    for name in (row.name, row.alias, *former):
        if not name:
            continue
        if f" {wanted_plain} " in f" {plain(name)} ":
            return True
        if matching.words_within(wanted, name):
            return True
        if matching.name_score(wanted, name) >= matching.NAME_THRESHOLD:
            return True
    return False


def _stage_order(stage: str) -> int:
    from ppks_cli.choices import STAGES

    return STAGES.index(stage) if stage in STAGES else len(STAGES)


def _sorted(rows: list, order: str) -> list:
    newest = sorted(rows, key=lambda r: (r.intake_date, r.created_at, r.id), reverse=True)
    if order == "newest":
        return newest
    if order == "oldest":
        return newest[::-1]
    if order == "id":
        return sorted(rows, key=lambda r: r.id)
    if order == "name":
        from ppks_cli.matching import sort_key

        return sorted(newest, key=lambda r: sort_key(r.name))
    if order == "worker":
        return sorted(newest, key=lambda r: r.worker.casefold())
    if order == "stage":
        return sorted(newest, key=lambda r: (r.closed, _stage_order(r.stage)))
    # "due": the soonest (or longest overdue) first, cases that owe nothing last
    return sorted(newest, key=lambda r: (r.next_due is None, r.next_due or ""))


@dataclass
class CaseList(Result):
    """``ppks list``: the matching cases in the order asked for (at most ``limit``),
    how many matched in all (``total``), the day ages and overdue items were reckoned
    on (``today``), and the case folders that could not be read (``problems``)."""

    cases: list  # index.CaseRow
    total: int
    today: dt.date
    problems: list

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "id": r.id, "name": r.name, "alias": r.alias, "sex": r.sex,
                "age": r.age(self.today), "category": r.category, "tags": list(r.tags),
                "stage": r.stage, "closed": r.closed, "episode": r.episode,
                "worker": r.worker, "intake_worker": r.intake_worker, "source": r.source,
                "intake_date": r.intake_date, "termination_date": r.termination_date,
                "next_due": r.next_due, "overdue": r.overdue,
                "damaged_records": r.damaged_records,
            }
            for r in self.cases
        ]  # fmt: skip

    def to_json(self) -> list[dict[str, Any]]:
        return self.rows()


def check_filter(wanted: CaseFilter, *, sort: str = "newest", limit: int | None = None) -> str:
    """Check what :func:`list_cases` is asked before anything is read: the sort (returned as
    one of :data:`SORTS`; any answer :data:`ppks_cli.choices.SORT` takes), the ``limit``
    and the filters of ``wanted``. Raises :class:`~ppks_cli.errors.InvalidInput` for a
    ``limit`` below 1, a ``due_within`` out of range, ``since`` after ``until``, an
    empty ``worker``, ``name`` or ``tag``, or an unknown ``sort``."""
    from ppks_cli.errors import InvalidInput

    if sort not in SORTS:
        from ppks_cli.choices import SORT

        sort = SORT.parse(sort, "--sort")  # "terbaru" is newest; else raises, naming them
    if limit is not None and not 1 <= limit <= LIMIT_MAX:
        raise InvalidInput("error.list_limit", value=limit)
    if wanted.due_within is not None and not 0 <= wanted.due_within <= MAX_DAYS_AHEAD:
        raise InvalidInput(
            "error.list_due_within", value=wanted.due_within, most=MAX_DAYS_AHEAD
        )
    if wanted.since and wanted.until and wanted.since > wanted.until:
        raise InvalidInput(
            "error.since_after_until",
            since=wanted.since.isoformat(), until=wanted.until.isoformat(),
        )  # fmt: skip
    for option, value in (("--worker", wanted.worker), ("--name", wanted.name),
                          ("--tag", wanted.tag)):  # fmt: skip
        if value is not None and not value.strip():
            raise InvalidInput("error.empty_value", option=option)
    return sort


def list_cases(
    repo,
    wanted: CaseFilter,
    *,
    sort: str = "newest",
    limit: int | None = None,
    today: dt.date | None = None,
    progress=None,
    conn=None,
) -> CaseList:
    """The cases of ``repo`` that match ``wanted``, in the order ``sort`` (one of
    :data:`SORTS`), ``limit`` at most (``None``: all), from the index (brought up to
    date first; ``progress(done, total)`` is called while it reads changed cases).
    ``sort`` may be any answer :data:`ppks_cli.choices.SORT` takes (``terbaru``).
    ``today`` (default: the system date) is the day overdue items and ages are reckoned
    on. ``conn``: an open, up-to-date index to read instead (the caller reads more from
    it). Raises what :func:`check_filter` raises, before the index is touched."""
    from ppks_cli import index

    sort = check_filter(wanted, sort=sort, limit=limit)
    today = today or dt.date.today()
    due_by = None
    if wanted.due_within is not None:
        due_by = today + dt.timedelta(days=wanted.due_within)
    if conn is None:
        with index.opened(repo, progress) as (conn, _refresh):
            return list_cases(repo, wanted, sort=sort, limit=limit, today=today, conn=conn)
    rows = index.case_rows(
        conn, today, stage=wanted.stage, category=wanted.category, closed=wanted.closed,
        tag=wanted.tag, since=wanted.since, until=wanted.until, overdue=wanted.overdue,
        due_by=due_by,
    )  # fmt: skip
    problems = index.problems(conn)
    former: dict[str, list[str]] = {}
    if wanted.name:  # a name the client had before a correction finds the case too
        for case_id, name in conn.execute(
            "SELECT case_id, name FROM people WHERE kind = 'former_name'"
        ):
            former.setdefault(case_id, []).append(name)
    if wanted.worker:
        from ppks_cli.due import words, worker_matches

        named = words(wanted.worker)
        rows = [r for r in rows if worker_matches(named, r.worker, whole=False)]
    if wanted.name:
        rows = [r for r in rows if _name_matches(wanted.name, r, former.get(r.id, ()))]
    ordered = _sorted(rows, sort)
    shown = ordered[:limit] if limit is not None else ordered
    return CaseList(shown, len(ordered), today, problems)

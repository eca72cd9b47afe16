"""Views of cases: the results of ``ppks show`` and ``ppks list`` (:class:`CaseView`,
:class:`CaseList`) and the plain-data forms (dicts of JSON types) their ``--json`` gives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ppks_cli import categories
from ppks_cli.results import Result
from ppks_cli.store import Case


def case_summary(case: Case) -> dict[str, Any]:
    """One row of ``ppks list``."""
    state = case.state
    return {
        "id": case.id,
        "name": case.client.name,
        "category": case.file.category,
        "tags": list(case.file.tags),
        "stage": state.stage,
        "closed": state.closed,
        "worker": case.file.intake.worker,
        "intake_date": case.file.intake.date.isoformat(),
        "damaged_records": len(case.damaged),
    }


def case_detail(case: Case, config=None, today: dt.date | None = None) -> dict[str, Any]:
    """Everything ``ppks show --json`` gives."""
    from ppks_cli import deadlines

    state = case.state
    category = categories.categories()[case.file.category]
    data = case.file.model_dump(mode="json", by_alias=True, exclude_none=True)
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
        "category": case.file.category,
        "category_name": category.name,
        **{k: v for k, v in data.items() if k not in ("id", "category")},
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
    return ""


def record_view(record) -> dict[str, Any]:
    data = record.model_dump(mode="json", by_alias=True, exclude_none=True)
    data.pop("schema", None)
    return data


@dataclass(frozen=True)
class CaseFilter:
    stage: str | None = None
    category: str | None = None
    worker: str | None = None
    closed: bool | None = None  # None: both

    def matches(self, case: Case) -> bool:
        state = case.state
        if self.stage and state.stage != self.stage:
            return False
        if self.category and case.file.category != self.category:
            return False
        if self.worker and self.worker.casefold() not in case.file.intake.worker.casefold():
            return False
        if self.closed is not None and state.closed != self.closed:
            return False
        return True


def newest_first(cases: Iterable[Case]) -> list[Case]:
    return sorted(cases, key=lambda c: (c.file.intake.date, c.file.created_at, c.id), reverse=True)


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

    @property
    def damaged(self) -> list:
        """Record files that could not be read (shown as warnings, not in the casework)."""
        return self.case.damaged

    def to_json(self) -> dict[str, Any]:
        detail = case_detail(self.case, self.config, self.today)
        if self.as_of is not None:
            detail["as_of"] = self.as_of.to_json()
        return detail


def show_case(repo, ref: str, *, as_of: str | None = None) -> CaseView:
    """The case ``ref`` (any unique prefix of its ID) for ``ppks show``; with ``as_of`` (a
    date ``YYYY-MM-DD`` or a git revision), as it stood then, rebuilt from git history.
    Raises :class:`~ppks_cli.errors.NotFound` for an unknown case or revision, and what
    :func:`ppks_cli.git.checkout_snapshot` raises for an unsafe snapshot."""
    if not as_of:
        return CaseView(repo.find_case(ref), repo.config, dt.date.today())
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
        return CaseView(case, snapshot.config, moment.date(), AsOf(revision, moment))


@dataclass
class CaseList(Result):
    """``ppks list``: the matching cases, newest first, and the case folders that could
    not be read (``problems``)."""

    cases: list[Case]
    problems: list

    def rows(self) -> list[dict[str, Any]]:
        return [case_summary(case) for case in self.cases]

    def to_json(self) -> list[dict[str, Any]]:
        return self.rows()


def list_cases(repo, wanted: CaseFilter) -> CaseList:
    """The cases of ``repo`` that match ``wanted``, newest first."""
    cases, problems = repo.load_cases()
    return CaseList([c for c in newest_first(cases) if wanted.matches(c)], problems)

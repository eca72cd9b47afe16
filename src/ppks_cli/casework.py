"""Recording the casework: one function per step, each writing one record file.

Every function validates the record, checks that it fits the stage machine (see
:mod:`ppks_cli.workflow`) and only then writes it, so a refused step leaves the case
folder as it was. These are the functions the commands call; Python code can call them
directly too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ppks_cli import ids
from ppks_cli.errors import InvalidInput, NotFound, Refused
from ppks_cli.i18n import Msg
from ppks_cli.records import (
    APPROVAL_STAGES,
    Approval,
    Assessment,
    Evaluation,
    FollowUp,
    Goal,
    GoalProgress,
    Intervention,
    Note,
    Plan,
    Record,
    Referral,
    ReferralUpdate,
    Reopen,
    Task,
    Termination,
)
from ppks_cli.results import Result
from ppks_cli.store import Case, Repository, now
from ppks_cli.validation import describe

if TYPE_CHECKING:
    from ppks_cli.changes import WriteOptions
from ppks_cli.workflow import ensure_can_start, ensure_fits

# The command-line option behind each record field, so that a validation error names
# what the user typed.
OPTIONS = {
    "problems": "--problem", "needs": "--need", "strengths": "--strength",
    "resources": "--resource", "information_sources": "--source", "context": "--context",
    "priorities": "--priority", "risk": "--risk", "recommendation": "--recommendation",
    "goals": "--goal", "strategies": "--strategy", "techniques": "--technique",
    "tasks": "--task", "activity": "--activity", "description": "--note", "outcome": "--outcome",
    "destination": "--to", "reason": "--reason", "request": "--request", "consent": "--consent",
    "no_consent_reason": "--no-consent-reason", "status": "--status", "note": "--note",
    "goal_status": "--goal-status", "progress": "--progress", "findings": "--findings",
    "decision": "--decision", "reason_note": "--reason-note",
    "placement": "--placement", "aftercare": "--aftercare", "place": "--place",
    "next_date": "--next-date", "text": "TEXT", "stage": "STAGE", "by": "--by",
    "comment": "--comment", "worker": "--worker", "date": "--date",
    "document": "--kind", "original_name": "FILE",
}  # fmt: skip


def _items(values: Iterable[str] | None) -> list[str]:
    return [v.strip() for v in values or () if v and v.strip()]


def _write(repo: Repository, case: Case, model: type[Record], **fields: Any) -> Record:
    record = _prepare(repo, case, model, **fields)
    repo.add_record(case, record)
    return record


def _prepare(
    repo: Repository, case: Case, model: type[Record], *, pending: Sequence[Record] = (),
    **fields: Any,
) -> Record:  # fmt: skip
    """The record ``model(**fields)`` of ``case``, checked as :func:`_write` checks it
    (valid fields, fits the case, the case can take records) but not written: a command
    writing several records prepares them all before writing the first. ``pending``:
    records of ``case`` prepared before this one in the same command (their IDs are
    taken, this one is entered after them). Raises :class:`InvalidInput` and
    :class:`Refused`."""
    fields = {k: v for k, v in fields.items() if v is not None}
    fields.setdefault("date", dt.date.today())
    if fields["date"] > dt.date.today():
        raise InvalidInput(
            "error.invalid_option", option="--date",
            detail=Msg("validation.date_future", date=fields["date"].isoformat()),
        )  # fmt: skip
    if not fields.get("worker"):
        raise InvalidInput("error.missing_option", option="--worker")
    taken = [*(r.id for r in case.records), *(r.id for r in pending)]
    record_id = fields.pop("id", None) or ids.new_record_id(taken)  # given: a file names it
    try:
        record = model(
            id=record_id,
            case=case.id, recorded_at=_entry_time(case, pending), **fields,
        )  # fmt: skip
    except ValidationError as exc:
        loc, msg = describe(exc)[0]
        option = (
            OPTIONS.get(str(loc[0]), "--" + str(loc[0]))
            if loc
            else OPTIONS.get(_model_level_field(msg), "--" + model.model_fields["kind"].default)
        )
        raise InvalidInput("error.invalid_option", option=option, detail=msg) from None
    ensure_fits(repo.config, case, record)
    repo.check_writable(case)
    return record


def _entry_time(case: Case, pending: Sequence[Record] = ()) -> dt.datetime:
    """Now, but strictly after every record of the case (and ``pending``), so that steps
    entered within one second (by a script, say) keep the order they were entered in."""
    moment = now()
    if case.records or pending:
        latest = max(r.recorded_at for r in [*case.records, *pending])
        if moment <= latest:
            moment = latest + dt.timedelta(seconds=1)
    return moment


def _model_level_field(msg: Msg) -> str:
    detail = msg.params.get("detail")
    key = detail.key if isinstance(detail, Msg) else ""
    return {
        "validation.no_consent_reason": "no_consent_reason",
        "validation.other_reason_note": "reason_note",
    }.get(key, "")


def assess(
    repo: Repository, case: Case, *, worker: str, problems: Sequence[str],
    date: dt.date | None = None, needs: Sequence[str] = (), strengths: Sequence[str] = (),
    resources: Sequence[str] = (), information_sources: Sequence[str] = (),
    context: str | None = None, priorities: Sequence[str] = (), risk: str | None = None,
    recommendation: str | None = None,
) -> Assessment:  # fmt: skip
    """Record an assessment (or a reassessment: the latest one counts)."""
    return _write(
        repo, case, Assessment, date=date, worker=worker, problems=_items(problems),
        needs=_items(needs), strengths=_items(strengths), resources=_items(resources),
        information_sources=_items(information_sources), context=context,
        priorities=_items(priorities), risk=risk, recommendation=recommendation,
    )  # fmt: skip


def plan(
    repo: Repository, case: Case, *, worker: str, goals: Sequence[Goal],
    date: dt.date | None = None, strategies: Sequence[str] = (),
    techniques: Sequence[str] = (), tasks: Sequence[Task] = (), resources: Sequence[str] = (),
) -> Plan:  # fmt: skip
    """Record an intervention plan (a revision is a new plan; the latest one counts)."""
    return _write(
        repo, case, Plan, date=date, worker=worker, goals=list(goals),
        strategies=_items(strategies), techniques=_items(techniques), tasks=list(tasks),
        resources=_items(resources),
    )  # fmt: skip


def _check_goal_numbers(case: Case, numbers: Iterable[int], option: str) -> None:
    plan = case.state.current_plan
    count = len(plan.goals) if plan else 0
    for number in numbers:
        if not 1 <= number <= count:
            raise InvalidInput(
                "error.invalid_option", option=option,
                detail=Msg("validation.goal_number", goal=number, count=count),
            )  # fmt: skip


def intervene(
    repo: Repository, case: Case, *, worker: str, activity: str, description: str,
    date: dt.date | None = None, goals: Sequence[int] = (), outcome: str | None = None,
) -> Intervention:  # fmt: skip
    """Record an intervention activity serving goals of the current plan."""
    _check_goal_numbers(case, goals, "--goal")
    return _write(
        repo, case, Intervention, date=date, worker=worker, activity=activity,
        description=description, goals=sorted(set(goals)), outcome=outcome,
    )  # fmt: skip


def find_resource(repo: Repository, name: str):
    """The directory entry ``name`` names: exact (any case), else the only one containing it."""
    wanted = name.strip().casefold()
    entries = repo.config.resources
    exact = [r for r in entries if r.name.casefold() == wanted]
    if exact:
        return exact[0]
    partial = [r for r in entries if wanted and wanted in r.name.casefold()]
    return partial[0] if len(partial) == 1 else None


def resolve_destination(repo: Repository, value: str, option: str = "--to") -> str:
    """The institution a referral goes to, as ``value`` names it: the number of an entry
    of the directory (``[[resources]]`` in ``ppks.toml``, numbered from 1 in its order,
    as the prompt shows it), the entry's name or a part of it that is in one entry's
    name only (any letter case), else any other institution, named as typed. Returns
    the entry's name or the name typed (stripped). Raises :class:`InvalidInput` naming
    ``option``: for a number that is no entry's, a part of two entries' names or more
    (naming them), a name a record cannot take."""
    from ppks_cli import nik
    from ppks_cli.models import parse_name

    entries = repo.config.resources
    text = value.strip()
    digits = nik.normalize_digits(text)
    if nik.is_ascii_digits(digits):
        if 1 <= int(digits) <= len(entries):
            return entries[int(digits) - 1].name
        key = "destination.number" if entries else "destination.number_no_directory"
        detail = Msg(key, value=text, last=len(entries))
        raise InvalidInput("error.invalid_option", option=option, detail=detail)
    wanted = text.casefold()
    exact = [r for r in entries if r.name.casefold() == wanted]
    partial = [r for r in entries if wanted and wanted in r.name.casefold()]
    if not exact and len(partial) > 1:
        names = "; ".join(r.name for r in partial)
        detail = Msg("destination.ambiguous", value=text, names=names)
        raise InvalidInput("error.invalid_option", option=option, detail=detail)
    found = exact or partial
    return found[0].name if found else parse_name(text, option)


def refer(
    repo: Repository, case: Case, *, worker: str, destination: str, reason: str,
    consent: bool, date: dt.date | None = None, no_consent_reason: str | None = None,
    request: str | None = None,
) -> Referral:  # fmt: skip
    """Record a referral. A destination from the directory in ``ppks.toml`` brings its
    address and contact; any other name is recorded as given. Raises
    :class:`InvalidInput` for a destination :func:`resolve_destination` refuses (a part
    of two institutions' names)."""
    entry = find_resource(repo, resolve_destination(repo, destination))
    return _write(
        repo, case, Referral, date=date, worker=worker,
        destination=entry.name if entry else destination.strip(),
        destination_kind=entry.kind if entry else None,
        destination_address=entry.address if entry else None,
        destination_contact=entry.contact if entry else None,
        reason=reason, request=request, consent=consent, no_consent_reason=no_consent_reason,
    )  # fmt: skip


def find_referral(case: Case, ref: str | None, open_only: bool = False) -> Referral:
    """The referral ``ref`` names (a prefix of its record ID, or a part of its
    destination); without ``ref``, the only (open) referral of the case."""
    state = case.state
    candidates = [r for r, _ in state.referrals(open_only=open_only and not ref)]
    if ref:
        wanted = ref.strip()
        by_id = [r for r in candidates if r.id.startswith(wanted.upper())]
        by_name = [r for r in candidates if wanted.casefold() in r.destination.casefold()]
        candidates = by_id or by_name
    if not candidates:
        raise NotFound("error.no_referral", case=case.id, ref=f" {ref}" if ref else "")
    if len(candidates) > 1:
        listing = "; ".join(f"{r.id} ({r.destination}, {r.date.isoformat()})" for r in candidates)
        raise NotFound("error.referral_ambiguous", case=case.id, candidates=listing)
    return candidates[0]


def update_referral(
    repo: Repository, case: Case, *, worker: str, status: str, referral: str | None = None,
    date: dt.date | None = None, note: str | None = None,
) -> ReferralUpdate:  # fmt: skip
    """Record that a referral was accepted, rejected, completed or revoked."""
    target = find_referral(case, referral, open_only=True)
    current = case.state.referral_status.get(target.id, "sent")
    if current in ("completed", "revoked", "rejected"):
        raise Refused(
            "error.referral_finished", referral=target.id, status=Msg(f"referral_status.{current}")
        )
    when = date or dt.date.today()
    if when < target.date:  # a status cannot change before the referral was made
        raise InvalidInput(
            "error.before_referral", date=when.isoformat(), referral=target.id,
            referral_date=target.date.isoformat(),
        )  # fmt: skip
    return _write(
        repo, case, ReferralUpdate, date=date, worker=worker, referral=target.id,
        status=status, note=note,
    )  # fmt: skip


def evaluate(
    repo: Repository, case: Case, *, worker: str, progress: str, decision: str,
    date: dt.date | None = None, goal_status: Sequence[GoalProgress] = (),
) -> Evaluation:  # fmt: skip
    """Record an evaluation: goal progress, a narrative, and continue/revise/terminate."""
    _check_goal_numbers(case, [p.goal for p in goal_status], "--goal-status")
    return _write(
        repo, case, Evaluation, date=date, worker=worker, progress=progress, decision=decision,
        goal_status=sorted(goal_status, key=lambda p: p.goal),
    )  # fmt: skip


def terminate(
    repo: Repository, case: Case, *, worker: str, reason: str, outcome: str,
    date: dt.date | None = None, placement: str | None = None, aftercare: str | None = None,
    reason_note: str | None = None,
) -> Termination:  # fmt: skip
    """Close the case (this episode), from any open stage, with a reason."""
    return _write(
        repo, case, Termination, date=date, worker=worker, reason=reason, outcome=outcome,
        placement=placement, aftercare=aftercare, reason_note=reason_note,
    )  # fmt: skip


def follow_up(
    repo: Repository, case: Case, *, worker: str, findings: str, date: dt.date | None = None,
    place: str | None = None, next_date: dt.date | None = None,
) -> FollowUp:  # fmt: skip
    """Record an aftercare visit (bimbingan lanjut) after termination."""
    return _write(
        repo, case, FollowUp, date=date, worker=worker, findings=findings, place=place,
        next_date=next_date,
    )  # fmt: skip


def reopen(
    repo: Repository, case: Case, *, worker: str, reason: str, date: dt.date | None = None
) -> Reopen:
    """Open a closed case again: a new episode starts at assessment."""
    return _write(repo, case, Reopen, date=date, worker=worker, reason=reason)


def note(
    repo: Repository, case: Case, *, worker: str, text: str, date: dt.date | None = None
) -> Note:
    return _write(repo, case, Note, date=date, worker=worker, text=text)


def approve(
    repo: Repository, case: Case, *, stage: str, by: str, comment: str | None = None,
    date: dt.date | None = None, worker: str | None = None,
) -> Approval:  # fmt: skip
    """Record a supervisor's approval of the latest assessment, plan or termination."""
    if stage not in APPROVAL_STAGES:
        raise InvalidInput(
            "error.invalid_option", option="STAGE",
            detail=Msg("validation.not_a_choice", value=stage, expected=", ".join(APPROVAL_STAGES)),
        )  # fmt: skip
    state = case.state
    target = state.approvable(stage)
    if target is None:
        raise Refused(
            "error.nothing_to_approve", case=case.id, stage=Msg(f"approval_stage.{stage}")
        )
    if state.is_approved(target):
        raise Refused("error.already_approved", case=case.id, stage=Msg(f"approval_stage.{stage}"))
    if date is not None and date < target.date:
        raise InvalidInput(
            "error.invalid_option", option="--date",
            detail=Msg("validation.approval_before_record", date=target.date.isoformat()),
        )  # fmt: skip
    return _write(
        repo, case, Approval, date=date, worker=worker or by, stage=stage, record=target.id,
        by=by, comment=comment,
    )  # fmt: skip


# --- one step from start to commit -------------------------------------------------------

STEP_FUNCTIONS = {
    "assess": assess, "plan": plan, "intervene": intervene, "refer": refer,
    "update_referral": update_referral, "evaluate": evaluate, "terminate": terminate,
    "follow_up": follow_up, "reopen": reopen, "note": note, "approve": approve,
}  # fmt: skip
"""The casework steps by the name of their function above (and of their command)."""


# the kind of record each step writes
STEP_KINDS = {
    "assess": "assessment", "plan": "plan", "intervene": "intervention", "refer": "referral",
    "evaluate": "evaluation", "terminate": "termination", "follow_up": "follow-up",
    "reopen": "reopen", "note": "note",
}  # fmt: skip


def check_before_form(repo: Repository, case: Case, step: str, date: dt.date) -> None:
    """Refuse the step ``step`` (a key of :data:`STEP_KINDS`) dated ``date`` before its
    questions are asked, for what would refuse it after every answer was typed: the
    stage, the date, a missing approval (:func:`ppks_cli.workflow.ensure_can_start`), a
    damaged record of the case. Raises :class:`Refused` (:class:`DamagedFile`)."""
    ensure_can_start(repo.config, case, STEP_KINDS[step], date)
    repo.check_writable(case)


@dataclass
class StepResult(Result):
    """What a casework step returns: the record written and the case as it stands now."""

    case: Case
    record: Record

    def to_json(self) -> dict[str, Any]:
        from ppks_cli.views import record_view

        state = self.case.state
        return {
            "id": self.case.id,
            "stage": state.stage,
            "closed": state.closed,
            "episode": state.episode,
            "record": record_view(self.record),
        }


def record_step(
    repo: Repository, case_ref: str, step: str, *, options: WriteOptions | None = None,
    **arguments: Any,
) -> StepResult:  # fmt: skip
    """Take one casework step on the case ``case_ref`` (any unique prefix of its ID), the
    whole way: hold the repository (:class:`ppks_cli.changes.Writer`: the lock, git's
    state), read the case, check and write the record with the step function named
    ``step`` (a key of :data:`STEP_FUNCTIONS`, given ``arguments``), and commit it.
    Raises what the step raises (:class:`Refused`, :class:`InvalidInput`), with nothing
    written."""
    from ppks_cli.changes import WriteOptions, commit_message

    function = STEP_FUNCTIONS[step]
    with (options or WriteOptions()).writer(repo) as writer:
        case = repo.find_case(case_ref)
        made = function(repo, case, **arguments)
        writer.commit(commit_message(case.id, made.kind), made.worker)
    return StepResult(case, made)

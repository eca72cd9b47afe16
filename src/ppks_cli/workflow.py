"""The casework stage machine. The stage of a case is derived from its records, never
stored, so it cannot drift out of step with them.

    intake → assessment → planning → intervention → evaluation
                                          ↑   ↑         │ continue: back to intervention
                                          │   └─────────┤ revise: back to planning
                                          │             └ terminate: on to termination
    termination (from any open stage, with a reason) → reopen → assessment (new episode)

Every transition is decided by one table, :data:`RULES` (phase, step, next phase); the
hints, the refusals and the folding of records below are derived from it. Deadlines live
in :mod:`ppks_cli.deadlines`.

Records are folded in date order. A record that does not fit where it stands (two clones
recorded conflicting steps offline) is still applied, and reported as a warning by
``ppks check`` and ``ppks show``; a *new* record that does not fit is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ppks_cli.errors import Refused
from ppks_cli.i18n import Msg
from ppks_cli.records import (
    DECISIONS,
    RECORD_TYPES,
    Approval,
    ApprovalStage,
    Assessment,
    Evaluation,
    Plan,
    Record,
    Referral,
    ReferralUpdate,
    Reopen,
    Termination,
    Transfer,
)

if TYPE_CHECKING:
    from ppks_cli.config import RepoConfig
    from ppks_cli.store import Case


# Phases: the finer states behind the six stages, i.e. what the case is waiting for.
INTAKE = "intake"
ASSESSED = "assessed"  # stage assessment: a plan can be made
REOPENED = "reopened"  # stage assessment: a new episode waits for its assessment
PLANNED = "planned"  # stage planning: interventions can start
REPLAN = "replan"  # stage planning: an evaluation asked for a revised plan
INTERVENING = "intervening"  # stage intervention
TO_TERMINATE = "to-terminate"  # stage evaluation: the evaluation decided to terminate
CLOSED = "closed"  # stage termination

STAGE_OF = {
    INTAKE: "intake", ASSESSED: "assessment", REOPENED: "assessment", PLANNED: "planning",
    REPLAN: "planning", INTERVENING: "intervention", TO_TERMINATE: "evaluation",
    CLOSED: "termination",
}  # fmt: skip
OPEN_PHASES = tuple(phase for phase in STAGE_OF if phase != CLOSED)

# THE RULEBOOK: every step of the casework, where it may be taken and where it leads.
# A step is a record kind; an evaluation's step carries its decision. "*" marks the step
# ppks suggests next in that phase. Read it against the README's diagram:
#
#   phase          step                     next phase      suggested
RULES: tuple[tuple[str, str, str, bool], ...] = (
    (INTAKE,       "assessment",            ASSESSED,       True),
    (ASSESSED,     "assessment",            ASSESSED,       False),  # a reassessment
    (ASSESSED,     "plan",                  PLANNED,        True),
    (REOPENED,     "assessment",            ASSESSED,       True),
    (PLANNED,      "assessment",            ASSESSED,       False),
    (PLANNED,      "plan",                  PLANNED,        False),  # a revised plan
    (PLANNED,      "intervention",          INTERVENING,    True),
    (REPLAN,       "assessment",            ASSESSED,       False),
    (REPLAN,       "plan",                  PLANNED,        True),
    (INTERVENING,  "assessment",            ASSESSED,       False),
    (INTERVENING,  "plan",                  PLANNED,        False),
    (INTERVENING,  "intervention",          INTERVENING,    True),
    (INTERVENING,  "evaluation:continue",   INTERVENING,    True),
    (INTERVENING,  "evaluation:revise",     REPLAN,         True),
    (INTERVENING,  "evaluation:terminate",  TO_TERMINATE,   True),
    (TO_TERMINATE, "evaluation:continue",   INTERVENING,    False),  # a second look
    (TO_TERMINATE, "evaluation:revise",     REPLAN,         False),
    (TO_TERMINATE, "evaluation:terminate",  TO_TERMINATE,   False),
    # from any open phase: a referral (the phase stays) and a termination
    *((phase, "referral", phase, False) for phase in OPEN_PHASES),
    *((phase, "termination", CLOSED, phase == TO_TERMINATE) for phase in OPEN_PHASES),
    (CLOSED,       "follow-up",             CLOSED,         True),
    (CLOSED,       "reopen",                REOPENED,       True),
)  # fmt: skip

# Steps that fit anywhere, open or closed, and never move the phase.
ANYWHERE = frozenset({"note", "approval", "referral-update", "letter", "correction"})
# the team's records: a transfer and a link fit anywhere too, and never move the phase
ANYWHERE |= {"transfer", "link"}
# a file attached to the case (a scan, a photo, a signed consent) fits anywhere too
ANYWHERE |= {"attachment"}
# a street raid's catch (``ppks raid add``) fits anywhere too: a person is picked up
# whatever the stage of the case (a closed case is reopened first, by a reopen record)
ANYWHERE |= {"raid-catch"}
# the rumah singgah: an admission and a discharge never move the phase. A discharge fits a
# closed case too (the client may leave after the case closed); ``ppks shelter admit``
# refuses a case closed on the admission's date itself (reopen it first), and ``check``
# reports a stay still open on a closed case (:mod:`ppks_cli.shelter`)
ANYWHERE |= {"shelter-admission", "shelter-discharge"}

# Supervision: with ``[supervision] require_approval``, a step waits for the approval of
# the record it builds on (the step → the approval stage it needs).
APPROVAL_GATES = {
    "plan": ApprovalStage.ASSESSMENT,
    "intervention": ApprovalStage.PLAN,
    "follow-up": ApprovalStage.TERMINATION,
}

# The command that records each step, for "what next" hints.
COMMAND_OF = {
    "assessment": "assess", "plan": "plan", "intervention": "intervene",
    "evaluation": "evaluate", "termination": "terminate", "follow-up": "follow-up",
    "reopen": "reopen", "referral": "refer",
}  # fmt: skip

# --- everything below is derived from the rulebook ---------------------------------------

TRANSITIONS: dict[tuple[str, str], str] = {(p, step): nxt for p, step, nxt, _ in RULES}


def _suggestions() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {phase: [] for phase in STAGE_OF}
    for phase, step, _, suggested in RULES:
        command = COMMAND_OF[step.partition(":")[0]]
        if suggested and command not in found[phase]:
            found[phase].append(command)
    return {phase: tuple(commands) for phase, commands in found.items()}


def _leads_to() -> dict[str, str]:
    """Where a step leads even when it did not fit (two clones recorded conflicting steps
    offline): the one next phase the rulebook gives it, unless it never moves the phase."""
    targets: dict[str, set[str]] = {}
    moves: set[str] = set()
    for phase, step, nxt, _ in RULES:
        targets.setdefault(step, set()).add(nxt)
        if nxt != phase:
            moves.add(step)
    return {step: next(iter(found)) for step, found in targets.items()
            if len(found) == 1 and step in moves}  # fmt: skip


NEXT_COMMANDS = _suggestions()
LEADS_TO = _leads_to()


def step_of(record: Record) -> str:
    """The rulebook's name for what ``record`` does: its kind, and an evaluation's decision."""
    if isinstance(record, Evaluation):
        return f"evaluation:{record.decision}"
    return record.kind


def fits(phase: str, step: str) -> bool:
    """Whether ``step`` (see :func:`step_of`) may be taken in ``phase``."""
    if step in ANYWHERE:
        return True
    if step == "evaluation":  # a step not yet decided: any evaluation row will do
        return any((phase, f"evaluation:{d}") in TRANSITIONS for d in DECISIONS)
    return (phase, step) in TRANSITIONS


def next_phase(phase: str, step: str) -> str:
    """The phase after ``step``; a step that does not fit is applied all the same."""
    return TRANSITIONS.get((phase, step), LEADS_TO.get(step, phase))


@dataclass
class Episode:
    """One run of the casework method, from intake (or a reopening) to termination."""

    number: int
    opened: dt.date
    records: list[Record] = field(default_factory=list)

    def latest(self, kind: type[Record]):
        found = [r for r in self.records if isinstance(r, kind)]
        return found[-1] if found else None


@dataclass
class CaseState:
    """Everything derived from a case's records."""

    phase: str = INTAKE
    episodes: list[Episode] = field(default_factory=list)
    warnings: list[tuple[Record, Msg]] = field(default_factory=list)
    approvals: dict[str, Approval] = field(default_factory=dict)  # approved record ID → approval
    referral_status: dict[str, str] = field(default_factory=dict)  # referral ID → status
    intake_worker: str | None = None  # who did the intake (case.toml)
    transfers: list[Transfer] = field(default_factory=list)  # in date order

    @property
    def current_worker(self) -> str | None:
        """The worker the case is with now: the ``to`` of the latest transfer, else the
        intake worker."""
        return self.transfers[-1].to if self.transfers else self.intake_worker

    @property
    def stage(self) -> str:
        return STAGE_OF[self.phase]

    @property
    def closed(self) -> bool:
        return self.phase == CLOSED

    @property
    def episode(self) -> int:
        return len(self.episodes)

    @property
    def current(self) -> Episode:
        return self.episodes[-1]

    @property
    def latest_assessment(self) -> Assessment | None:
        return self.current.latest(Assessment)

    @property
    def current_plan(self) -> Plan | None:
        return self.current.latest(Plan)

    @property
    def latest_evaluation(self) -> Evaluation | None:
        """The latest evaluation of the current plan, if any."""
        evaluation, plan = self.current.latest(Evaluation), self.current_plan
        if evaluation is None or plan is None or evaluation.sort_key() < plan.sort_key():
            return None
        return evaluation

    @property
    def termination(self) -> Termination | None:
        return self.current.latest(Termination) if self.closed else None

    @property
    def merged_into(self) -> str | None:
        """The case this one was merged into by ``ppks merge`` (closed as its duplicate,
        the kept case's ID in the termination's note), else None."""
        from ppks_cli.records import DUPLICATE

        termination = self.termination
        return termination.reason_note if termination and termination.reason == DUPLICATE else None

    def goal_status(self) -> dict[int, str]:
        """Goal number → achieved/partly/not-yet, from the latest evaluation of the plan."""
        evaluation = self.latest_evaluation
        return {p.goal: p.status for p in evaluation.goal_status} if evaluation else {}

    def referrals(self, open_only: bool = False) -> list[tuple[Referral, str]]:
        found = [
            (r, self.referral_status.get(r.id, "sent"))
            for episode in self.episodes
            for r in episode.records
            if isinstance(r, Referral)
        ]
        if open_only:
            found = [(r, s) for r, s in found if s in ("sent", "accepted")]
        return found

    def approvable(self, stage: str) -> Record | None:
        """The record an approval of ``stage`` (assessment, plan, termination) is about:
        the latest one of that kind in the current episode."""
        return self.current.latest(RECORD_TYPES[ApprovalStage(stage)])

    def is_approved(self, record: Record | None) -> bool:
        return record is not None and record.id in self.approvals

    def next_commands(self) -> tuple[str, ...]:
        return NEXT_COMMANDS[self.phase]


def derive(case: Case, records: Iterable[Record] | None = None) -> CaseState:
    """Fold the records of ``case`` (or ``records``) into its state."""
    items = sorted(case.records if records is None else records, key=lambda r: r.sort_key())
    result = CaseState(
        episodes=[Episode(1, case.current.intake.date)], intake_worker=case.file.intake.worker
    )
    by_id = {r.id: r for r in items}
    for record in items:
        if not fits(result.phase, step_of(record)):
            result.warnings.append(
                (
                    record,
                    Msg(
                        "workflow.out_of_order",
                        kind=Msg(f"kind_in_text.{record.kind}"),
                        date=record.date.isoformat(),
                        stage=Msg(f"stage_in_text.{STAGE_OF[result.phase]}"),
                    ),
                )
            )
        if isinstance(record, Reopen):
            result.episodes.append(Episode(len(result.episodes) + 1, record.date))
        result.current.records.append(record)
        if isinstance(record, ReferralUpdate):
            target = by_id.get(record.referral)
            if not isinstance(target, Referral):
                result.warnings.append(
                    (record, Msg("workflow.unknown_referral", referral=record.referral))
                )
            else:
                result.referral_status[record.referral] = record.status
        if isinstance(record, Approval):
            target = by_id.get(record.record)
            if target is None or target.kind != record.stage:
                result.warnings.append(
                    (record, Msg("workflow.unknown_approved", record=record.record))
                )
            else:
                result.approvals[record.record] = record
        if isinstance(record, Transfer):
            result.transfers.append(record)
        result.phase = next_phase(result.phase, step_of(record))
    return result


def ensure_fits(config: RepoConfig, case: Case, record: Record) -> None:
    """Refuse ``record`` unless it fits the case: at its date, in the stage machine, and
    without upsetting the records dated after it. The message names the current stage
    and the command to run instead."""
    if record.date < case.current.intake.date:
        raise Refused(
            "error.before_intake", date=record.date.isoformat(),
            intake=case.current.intake.date.isoformat(),
        )  # fmt: skip
    now = case.state
    before = [r for r in case.records if r.sort_key() <= record.sort_key()]
    at = derive(case, before)
    later = len(case.records) - len(before)
    if not fits(at.phase, step_of(record)):
        _refuse(case, at, record, later)
    needed = config.supervision.requires(APPROVAL_GATES.get(record.kind))
    if needed:
        waiting = at.approvable(needed)
        if waiting is not None and not at.is_approved(waiting):
            raise Refused(
                "error.needs_approval", case=case.id, stage=Msg(f"approval_stage.{needed}"),
                command=Msg("placeholder.approve", case=case.id, stage=needed),
            )  # fmt: skip
    after = derive(case, [*case.records, record])
    if later and len(after.warnings) > len(now.warnings):
        raise Refused(
            "error.upsets_later_records", case=case.id, date=record.date.isoformat(),
            kind=Msg(f"kind_a.{record.kind}"),
        )  # fmt: skip


def kind_phrase(kind: str) -> Msg:
    """A record kind as it stands inside a sentence where English puts an article
    before it ("an intervention plan", "rencana intervensi")."""
    return Msg(f"kind_a.{kind}")


def ensure_can_start(config: RepoConfig, case: Case, kind: str, date: dt.date) -> None:
    """Refuse a step that will make a record of ``kind`` dated ``date`` before its form
    is asked at a terminal, for what :func:`ensure_fits` would refuse it for once every
    answer is typed: a date before the intake, a stage it does not fit, an approval still
    missing. (An evaluation's decision is not known yet: any evaluation fits where one of
    them would. The record is checked fully again when it is written.)"""
    from types import SimpleNamespace

    if date < case.current.intake.date:
        raise Refused(
            "error.before_intake", date=date.isoformat(),
            intake=case.current.intake.date.isoformat(),
        )  # fmt: skip
    before = [r for r in case.records if r.date <= date]
    at = derive(case, before)
    if not fits(at.phase, kind):
        _refuse(case, at, SimpleNamespace(kind=kind, date=date), len(case.records) - len(before))
    needed = config.supervision.requires(APPROVAL_GATES.get(kind))
    if needed:
        waiting = at.approvable(needed)
        if waiting is not None and not at.is_approved(waiting):
            raise Refused(
                "error.needs_approval", case=case.id, stage=Msg(f"approval_stage.{needed}"),
                command=Msg("placeholder.approve", case=case.id, stage=needed),
            )  # fmt: skip


def suggest(case: Case, commands: Iterable[str]) -> str:
    from ppks_cli.i18n import t

    return t("casework.or").join(f"ppks {c} {case.id}" for c in commands)


def _refuse(case: Case, at: CaseState, record: Record, later: int) -> None:
    commands = suggest(case, at.next_commands())
    key = "error.stage_refused_dated" if later else "error.stage_refused"
    if at.closed:
        key = "error.case_closed"
    raise Refused(
        key, case=case.id, stage=Msg(f"stage_in_text.{at.stage}"), stage_code=at.stage,
        kind=kind_phrase(record.kind), commands=commands, date=record.date.isoformat(),
    )  # fmt: skip


def check_case(case: Case, file_of: dict[str, str]) -> list:
    """Sequence problems of one case, as warnings for ``ppks check``; ``file_of`` maps
    record IDs to the files they were read from."""
    from ppks_cli.validation import Problem

    found = []
    for record, message in case.state.warnings:
        file = file_of.get(record.id, case.id)
        late = message.key == "workflow.out_of_order"
        hint = _out_of_order_fix(case, record, file) if late else None
        found.append(Problem(file, 1, message, "warning", hint))
    return found


def _out_of_order_fix(case: Case, record: Record, file: str) -> Msg:
    """What fixes a record that came when the case was at another stage (two clones
    recorded offline). The records are the case's history, so the fix keeps the right
    ones: a termination after a termination repeats it and is removed (``git rm``), as
    is a reopening after a reopening; a step after a termination is removed and recorded
    again after ``ppks reopen``; any other step is removed and recorded again once the
    case is at its stage (or the missing step is recorded before it, with ``--date``)."""
    before = [r for r in case.records if r.sort_key() < record.sort_key()]
    phase = derive(case, before).phase
    params = {"file": file, "case": case.id, "date": record.date.isoformat()}
    if phase == CLOSED and record.kind == "termination":
        first = next(r for r in reversed(before) if r.kind == "termination")
        return Msg("fix.repeated_termination", params, first=first.date.isoformat())
    if record.kind == "reopen" and phase != CLOSED:
        # the case was reopened already since its termination (two clones reopened it)
        first = next((r for r in reversed(before) if r.kind == "reopen"), None)
        if first is not None:
            return Msg("fix.repeated_reopen", params, first=first.date.isoformat())
    if phase == CLOSED:
        return Msg("fix.after_termination", params, kind=Msg(f"kind_in_text.{record.kind}"))
    command = f"ppks {NEXT_COMMANDS[phase][0]} {case.id}"  # one: the hint is cached as data
    return Msg("fix.out_of_order", params, command=command)

"""The casework stage machine. The stage of a case is derived from its records, never
stored, so it cannot drift out of step with them.

    intake → assessment → planning → intervention → evaluation
                                          ↑   ↑         │ continue: back to intervention
                                          │   └─────────┤ revise: back to planning
                                          │             └ terminate: on to termination
    termination (from any open stage, with a reason) → reopen → assessment (new episode)

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
    Approval,
    Assessment,
    Evaluation,
    FollowUp,
    Plan,
    RecordBase,
    Referral,
    ReferralUpdate,
    Reopen,
    Termination,
)

if TYPE_CHECKING:
    from ppks_cli.config import RepoConfig
    from ppks_cli.store import Case

STAGES = ("intake", "assessment", "planning", "intervention", "evaluation", "termination")

# Finer states behind the six stages: what the case is waiting for.
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

# Which record kinds each state accepts as the next step of the casework. Notes,
# approvals, referral updates and letters fit anywhere; referrals and terminations fit
# any open state.
ACCEPTS = {
    INTAKE: {"assessment"},
    ASSESSED: {"assessment", "plan"},
    REOPENED: {"assessment"},
    PLANNED: {"assessment", "plan", "intervention"},
    REPLAN: {"assessment", "plan"},
    INTERVENING: {"assessment", "plan", "intervention", "evaluation"},
    TO_TERMINATE: {"evaluation"},
    CLOSED: {"follow-up", "reopen"},
}
ANYWHERE = {"note", "approval", "referral-update", "letter"}
ANY_OPEN = {"referral", "termination"}

# The command to suggest when a state waits for its next step.
NEXT_COMMANDS = {
    INTAKE: ("assess",),
    ASSESSED: ("plan",),
    REOPENED: ("assess",),
    PLANNED: ("intervene",),
    REPLAN: ("plan",),
    INTERVENING: ("intervene", "evaluate"),
    TO_TERMINATE: ("terminate",),
    CLOSED: ("follow-up", "reopen"),
}

# The approvals a state needs before its next step, by the record kind that waits.
APPROVAL_FOR_NEXT = {"plan": "assessment", "intervention": "plan", "follow-up": "termination"}


@dataclass
class Episode:
    """One run of the casework method, from intake (or a reopening) to termination."""

    number: int
    opened: dt.date
    records: list[RecordBase] = field(default_factory=list)

    def latest(self, kind: type[RecordBase]):
        found = [r for r in self.records if isinstance(r, kind)]
        return found[-1] if found else None


@dataclass
class CaseState:
    """Everything derived from a case's records."""

    state: str = INTAKE
    episodes: list[Episode] = field(default_factory=list)
    warnings: list[tuple[RecordBase, Msg]] = field(default_factory=list)
    approvals: dict[str, Approval] = field(default_factory=dict)  # approved record ID → approval
    referral_status: dict[str, str] = field(default_factory=dict)  # referral ID → status

    @property
    def stage(self) -> str:
        return STAGE_OF[self.state]

    @property
    def closed(self) -> bool:
        return self.state == CLOSED

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

    def goal_status(self) -> dict[int, str]:
        """Goal number → achieved/partly/not-yet, from the latest evaluation of the plan."""
        evaluation = self.latest_evaluation
        return {p.goal: p.status for p in evaluation.progress} if evaluation else {}

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

    def approvable(self, stage: str) -> RecordBase | None:
        """The record an approval of ``stage`` (assessment, plan, termination) is about:
        the latest one of that kind in the current episode."""
        return self.current.latest({"assessment": Assessment, "plan": Plan,
                                    "termination": Termination}[stage])  # fmt: skip

    def is_approved(self, record: RecordBase | None) -> bool:
        return record is not None and record.id in self.approvals

    def next_commands(self) -> tuple[str, ...]:
        return NEXT_COMMANDS[self.state]


def fits(state: str, kind: str) -> bool:
    if kind in ANYWHERE:
        return True
    if kind in ANY_OPEN:
        return state != CLOSED
    return kind in ACCEPTS[state]


def _after(state: str, record: RecordBase) -> str:
    """The state a record leads to (applied even when it did not fit)."""
    if isinstance(record, Assessment):
        return ASSESSED
    if isinstance(record, Plan):
        return PLANNED
    if record.kind == "intervention":
        return INTERVENING
    if isinstance(record, Evaluation):
        return {"continue": INTERVENING, "revise": REPLAN, "terminate": TO_TERMINATE}[
            record.decision
        ]
    if isinstance(record, Termination):
        return CLOSED
    if isinstance(record, Reopen):
        return REOPENED
    return state


def derive(case: Case, records: Iterable[RecordBase] | None = None) -> CaseState:
    """Fold the records of ``case`` (or ``records``) into its state."""
    items = sorted(case.records if records is None else records, key=lambda r: r.sort_key())
    result = CaseState(episodes=[Episode(1, case.file.intake.date)])
    by_id = {r.id: r for r in items}
    for record in items:
        if not fits(result.state, record.kind):
            result.warnings.append(
                (
                    record,
                    Msg(
                        "workflow.out_of_order",
                        kind=Msg(f"kind.{record.kind}"),
                        date=record.date.isoformat(),
                        stage=Msg(f"stage.{STAGE_OF[result.state]}"),
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
        result.state = _after(result.state, record)
    return result


def ensure_fits(config: RepoConfig, case: Case, record: RecordBase) -> None:
    """Refuse ``record`` unless it fits the case: at its date, in the stage machine, and
    without upsetting the records dated after it. The message names the current stage
    and the command to run instead."""
    if record.date < case.file.intake.date:
        raise Refused(
            "error.before_intake", date=record.date.isoformat(),
            intake=case.file.intake.date.isoformat(),
        )  # fmt: skip
    now = case.state
    before = [r for r in case.records if r.sort_key() <= record.sort_key()]
    at = derive(case, before)
    later = len(case.records) - len(before)
    if not fits(at.state, record.kind):
        _refuse(case, at, record, later)
    needed = config.supervision.requires(APPROVAL_FOR_NEXT.get(record.kind))
    if needed:
        waiting = at.approvable(needed)
        if waiting is not None and not at.is_approved(waiting):
            raise Refused(
                "error.needs_approval", case=case.id, stage=Msg(f"approval_stage.{needed}"),
                command=f"ppks approve {case.id} {needed} --by NAMA",
            )  # fmt: skip
    after = derive(case, [*case.records, record])
    if later and len(after.warnings) > len(now.warnings):
        raise Refused(
            "error.upsets_later_records", case=case.id, date=record.date.isoformat(),
            kind=Msg(f"kind.{record.kind}"),
        )  # fmt: skip


def kind_phrase(kind: str) -> str:
    """A record kind as it stands inside a sentence ("rencana intervensi")."""
    from ppks_cli.i18n import t

    return t(f"kind.{kind}").lower()


def suggest(case: Case, commands: Iterable[str]) -> str:
    from ppks_cli.i18n import t

    return t("casework.or").join(f"ppks {c} {case.id}" for c in commands)


def _refuse(case: Case, at: CaseState, record: RecordBase, later: int) -> None:
    commands = suggest(case, at.next_commands())
    key = "error.stage_refused_dated" if later else "error.stage_refused"
    if at.closed:
        key = "error.case_closed"
    raise Refused(
        key, case=case.id, stage=Msg(f"stage.{at.stage}"), stage_code=at.stage,
        kind=kind_phrase(record.kind), commands=commands, date=record.date.isoformat(),
    )  # fmt: skip


def overdue(config: RepoConfig, state: CaseState, case: Case, today: dt.date) -> list[Msg]:
    """What is late in the current episode, as messages for ``ppks show``."""
    rules = config.deadlines
    found: list[Msg] = []
    episode = state.current

    def late(since: dt.date, days: int, key: str, **params) -> None:
        due = since + dt.timedelta(days=days)
        if days > 0 and due < today:
            found.append(Msg(key, due=due.isoformat(), days=(today - due).days, **params))

    if not state.closed and state.latest_assessment is None:
        late(episode.opened, rules.assessment_days, "overdue.assessment")
    plan = state.current_plan
    if plan is not None and not state.closed:
        evaluated = state.latest_evaluation is not None
        if not evaluated:
            late(plan.date, rules.evaluation_days, "overdue.evaluation")
        status = state.goal_status()
        for number, goal in enumerate(plan.goals, start=1):
            if goal.target_date and goal.target_date < today and status.get(number) != "achieved":
                found.append(
                    Msg(
                        "overdue.goal",
                        goal=number,
                        what=goal.what,
                        due=goal.target_date.isoformat(),
                    )
                )
    termination = state.termination
    if termination is not None:
        followed = any(
            isinstance(r, FollowUp) and r.sort_key() > termination.sort_key()
            for r in episode.records
        )
        if not followed:
            late(termination.date, rules.follow_up_days, "overdue.follow_up")
    return found


def check_case(case: Case, file_of: dict[str, str]) -> list:
    """Sequence problems of one case, as warnings for ``ppks check``; ``file_of`` maps
    record IDs to the files they were read from."""
    from ppks_cli.validation import Problem

    return [
        Problem(file_of.get(record.id, case.id), 1, message, "warning")
        for record, message in case.state.warnings
    ]

"""Deadlines: what is due in a case, and when, from ``[deadlines]`` in ``ppks.toml``.

The days allowed are office settings (FACTS.md: Primero keeps overdue lists for the
assessment, the case plan and follow-ups; the figures themselves are the office's choice).
A case owes, in its current episode:

- ``assessment``: an assessment, ``assessment_days`` after intake or the reopening;
- ``evaluation``: an evaluation of the current plan, ``evaluation_days`` after the plan;
- ``goal``: each goal of the current plan not yet achieved, by its own target date;
- ``referral``: an answer to a referral still only "sent", ``referral_days`` after it;
- ``approval``: a supervisor's approval the office requires (``[supervision]``), pending
  since the record that needs it;
- ``follow_up``: the first aftercare follow-up, ``follow_up_days`` after termination;
- ``next_follow_up``: the next follow-up on the date the last one set (``--next-date``).

:func:`due_items` gives these with absolute dates, independent of today, so that the index
can keep them; :func:`overdue` keeps those already late on a given day, for ``ppks show``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ppks_cli.i18n import Msg
from ppks_cli.records import FollowUp

if TYPE_CHECKING:
    from ppks_cli.config import RepoConfig
    from ppks_cli.store import Case
    from ppks_cli.workflow import CaseState

# the kinds of item, most pressing first among items due the same day
KINDS = (
    "approval", "assessment", "referral", "evaluation", "goal", "follow_up", "next_follow_up",
)  # fmt: skip


@dataclass(frozen=True)
class DueItem:
    """One thing a case owes by a date.

    ``kind`` is one of :data:`KINDS`; ``due`` the date it is due (for ``approval``: the day
    it has been waiting since); ``record`` the ID of the record it follows from (``None``
    for an assessment after intake); ``params`` what the message needs (``goal`` number
    and ``what`` for a goal, ``destination`` for a referral, ``stage`` for an approval).
    """

    kind: str
    due: dt.date
    record: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def days_late(self, today: dt.date) -> int:
        """Days past the due date on ``today`` (negative: days left)."""
        return (today - self.due).days

    def is_overdue(self, today: dt.date) -> bool:
        """Late on ``today``: the due date has passed (an approval is late once pending
        a day)."""
        return self.due < today

    def message(self, today: dt.date) -> Msg:
        """What is due, in words (``due.<kind>`` keys): the date and the days late or
        left are shown beside it by the caller."""
        params = dict(self.params)
        if self.kind == "approval":
            params["stage"] = Msg(f"approval_stage.{params['stage']}")
        return Msg(f"due.{self.kind}", due=self.due.isoformat(), **params)


def due_items(config: RepoConfig, case: Case, state: CaseState | None = None) -> list[DueItem]:
    """Everything ``case`` owes in its current episode, by due date then :data:`KINDS`
    order, under the settings ``config`` (a day count of 0 turns that deadline off).
    ``state`` is ``case.state`` unless given."""
    rules = config.deadlines
    state = state or case.state
    episode = state.current
    found: list[DueItem] = []

    def after(since: dt.date, days: int, kind: str, record: str | None, **params) -> None:
        if days > 0:
            found.append(DueItem(kind, since + dt.timedelta(days=days), record, params))

    last_reopen = next((r for r in reversed(episode.records) if r.kind == "reopen"), None)
    if not state.closed and state.latest_assessment is None:
        after(episode.opened, rules.assessment_days, "assessment",
              last_reopen.id if last_reopen else None)  # fmt: skip
    plan = state.current_plan
    if plan is not None and not state.closed:
        if state.latest_evaluation is None:
            after(plan.date, rules.evaluation_days, "evaluation", plan.id)
        status = state.goal_status()
        for number, goal in enumerate(plan.goals, start=1):
            if goal.target_date and status.get(number) != "achieved":
                found.append(
                    DueItem("goal", goal.target_date, plan.id, {"goal": number, "what": goal.what})
                )
    if not state.closed:
        for referral, answer in state.referrals():
            if answer == "sent" and any(r is referral for r in episode.records):
                after(referral.date, rules.referral_days, "referral", referral.id,
                      destination=referral.destination)  # fmt: skip
    for stage in config.supervision.require_approval:
        waiting = state.approvable(stage)
        if waiting is not None and not state.is_approved(waiting):
            found.append(DueItem("approval", waiting.date, waiting.id, {"stage": stage}))
    termination = state.termination
    # a duplicate closed by `merge` is no client who left: nobody visits it afterwards
    if termination is not None and state.merged_into is None:
        visits = [
            r for r in episode.records
            if isinstance(r, FollowUp) and r.sort_key() > termination.sort_key()
        ]  # fmt: skip
        if not visits:
            after(termination.date, rules.follow_up_days, "follow_up", termination.id)
        elif visits[-1].next_date is not None:
            found.append(DueItem("next_follow_up", visits[-1].next_date, visits[-1].id))
    found.sort(key=lambda item: (item.due, KINDS.index(item.kind)))
    return found


def overdue(config: RepoConfig, state: CaseState, case: Case, today: dt.date) -> list[Msg]:
    """What is late in the current episode of ``case`` on ``today``, as messages
    (``overdue.*`` keys with the ``due`` date and ``days`` late) for ``ppks show``."""
    return [
        Msg(f"overdue.{item.kind}", due=item.due.isoformat(), days=item.days_late(today),
            **{k: v for k, v in item.message(today).params.items() if k != "due"})
        for item in due_items(config, case, state)
        if item.is_overdue(today)
    ]  # fmt: skip


"""Deadlines: what is overdue in a case, from ``[deadlines]`` in ``ppks.toml``.

The days allowed are office settings (FACTS.md: Primero keeps overdue lists for the
assessment, the case plan and follow-ups; the figures themselves are the office's choice):
the assessment after intake or a reopening, the evaluation after the current plan, the
first follow-up after termination; and each goal's own target date.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ppks_cli.i18n import Msg
from ppks_cli.records import FollowUp

if TYPE_CHECKING:
    from ppks_cli.config import RepoConfig
    from ppks_cli.store import Case
    from ppks_cli.workflow import CaseState


def overdue(config: RepoConfig, state: CaseState, case: Case, today: dt.date) -> list[Msg]:
    """What is late in the current episode of ``case`` on ``today``, as messages
    (``overdue.*`` keys with ``due`` dates and ``days`` late) for ``ppks show``."""
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

"""``ppks evaluate``: record an evaluation (evaluasi) and its decision."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands._casework import (
    CaseArg,
    DateOpt,
    JsonOpt,
    WorkerOpt,
    begin,
    need,
    one_of,
    option,
    show_step,
)
from ppks_cli.commands._common import ask, command, interactive, write_options
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    @command(app, "evaluate", help=t("help.evaluate.command"), epilog=t("help.evaluate.example"))
    def evaluate(
        ctx: typer.Context,
        case_ref: CaseArg,
        progress: Annotated[str | None, option("--progress", key="evaluate.progress")] = None,
        goal_status: Annotated[
            list[str] | None,
            option("--goal-status", key="evaluate.goal_status", metavar="N=STATUS[:NOTE]"),
        ] = None,
        decision: Annotated[
            str | None,
            option("--decision", key="evaluate.decision", metavar="continue|revise|terminate"),
        ] = None,
        date: DateOpt = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import casework
        from ppks_cli.planning import parse_goal_status
        from ppks_cli.records import DECISIONS, GOAL_STATUSES, GoalProgress

        repo, case, when, who = begin(ctx, case_ref, date, worker, "evaluate")
        statuses = [parse_goal_status(v) for v in goal_status or []]
        plan = case.state.current_plan
        if not statuses and interactive(ctx) and plan is not None and progress is None:
            for number, goal in enumerate(plan.goals, start=1):
                status = ask(
                    t("prompt.goal_status", goal=number, what=goal.what),
                    **one_of("goal_status", GOAL_STATUSES, "--goal-status"), optional=True,
                )  # fmt: skip
                if status:
                    statuses.append(GoalProgress(goal=number, status=status))
        result = casework.record_step(
            repo, case.id, "evaluate", options=write_options(ctx),
            date=when, worker=who, goal_status=statuses,
            progress=need(ctx, progress, "--progress", "evaluation_summary"),
            decision=need(
                ctx, decision, "--decision", "decision",
                **one_of("decision", DECISIONS, "--decision"),
            ),
        )  # fmt: skip
        show_step(result, json_output)

"""``ppks plan``: record an intervention plan (rencana intervensi)."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands._casework import (
    CaseArg,
    DateOpt,
    JsonOpt,
    WorkerOpt,
    begin,
    items,
    option,
    show_step,
)
from ppks_cli.commands._common import command, interactive, write_options
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    @command(app, "plan", help=t("help.plan.command"), epilog=t("help.plan.example"))
    def plan(
        ctx: typer.Context,
        case_ref: CaseArg,
        goal: Annotated[list[str] | None, option("--goal", key="plan.goal")] = None,
        measure: Annotated[list[str] | None, option("--measure", key="plan.measure")] = None,
        target_date: Annotated[
            list[str] | None, option("--target-date", key="plan.target_date", metavar="YYYY-MM-DD")
        ] = None,
        strategy: Annotated[list[str] | None, option("--strategy", key="plan.strategy")] = None,
        technique: Annotated[list[str] | None, option("--technique", key="plan.technique")] = None,
        task: Annotated[
            list[str] | None, option("--task", key="plan.task", metavar="WHAT;WHO;WHEN")
        ] = None,
        resource: Annotated[list[str] | None, option("--resource", key="plan.resource")] = None,
        date: DateOpt = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import casework
        from ppks_cli.planning import build_goals, parse_task

        repo, case, when, who = begin(ctx, case_ref, date, worker)
        form = interactive(ctx) and not any((goal, strategy, task))
        goals = items(ctx, goal, "--goal", "goal", required=True)
        if form and not measure and not target_date:
            measure, target_date = _ask_smart(goals)
        result = casework.record_step(
            repo, case.id, "plan", options=write_options(ctx),
            date=when, worker=who,
            goals=build_goals(goals, measure or [], target_date or []),
            strategies=items(ctx, strategy, "--strategy", "strategy", ask_it=form),
            techniques=items(ctx, technique, "--technique", "technique", ask_it=form),
            tasks=[parse_task(v) for v in items(ctx, task, "--task", "task", ask_it=form)],
            resources=items(ctx, resource, "--resource", "plan_resource", ask_it=form),
        )  # fmt: skip
        show_step(result, json_output)


def _ask_smart(goals: list[str]) -> tuple[list[str], list[str]]:
    """At a terminal: how each goal is measured and by when."""
    from ppks_cli.commands._common import ask
    from ppks_cli.dates import parse_date

    measures, dates = [], []
    for number, what in enumerate(goals, start=1):
        measures.append(ask(t("prompt.measure", goal=number, what=what), str, optional=True) or "")
        day = ask(
            t("prompt.target_date", goal=number),
            lambda v: parse_date(v, option="--target-date", allow_future=True),
            optional=True,
        )
        dates.append(day.isoformat() if day else "")
    return measures, dates

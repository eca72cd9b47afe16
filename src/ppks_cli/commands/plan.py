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
from ppks_cli.commands._common import command, interactive, warn_line, write_options
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
        from ppks_cli.planning import build_goals, dates_before, parse_task

        repo, case, when, who = begin(ctx, case_ref, date, worker, "plan")
        form = interactive(ctx) and not any((goal, strategy, task))
        goals = items(ctx, goal, "--goal", "goal", required=True)
        asked_dates = form and not measure and not target_date
        if asked_dates:
            measure, target_date = _ask_smart(goals, when)
        built = build_goals(goals, measure or [], target_date or [])
        strategies = items(ctx, strategy, "--strategy", "strategy", ask_it=form)
        techniques = items(ctx, technique, "--technique", "technique", ask_it=form)
        asked_tasks = form and not task
        tasks = items(
            ctx, task, "--task", "task", ask_it=form,
            parse=(lambda v: _warn_early(parse_task(v, option=None), when)) if form else parse_task,
        )  # fmt: skip
        resources = items(ctx, resource, "--resource", "plan_resource", ask_it=form)
        # dates given as flags are looked at here (answers were, as they were typed)
        for warning in dates_before(
            [] if asked_dates else built, [] if asked_tasks else tasks, when
        ):
            warn_line(str(warning))
        result = casework.record_step(
            repo, case.id, "plan", options=write_options(ctx),
            date=when, worker=who, goals=built, strategies=strategies, techniques=techniques,
            tasks=tasks, resources=resources,
        )  # fmt: skip
        show_step(result, json_output)


def _warn_early(task, plan_date):
    """``task``, after a warning when its date is before the plan's own."""
    from ppks_cli.planning import dates_before

    for warning in dates_before([], [task], plan_date):
        warn_line(str(warning))
    return task


def _ask_smart(goals: list[str], plan_date) -> tuple[list[str], list[str]]:
    """At a terminal: how each goal is measured and by when (a date before the plan's
    own is warned about as it is typed)."""
    from ppks_cli.commands._common import ask, prompt_text
    from ppks_cli.dates import parse_date
    from ppks_cli.i18n import Msg

    def target(text: str):
        day = parse_date(text, option="--target-date", allow_future=True)
        if day < plan_date:
            warn_line(t("form.date_before_plan", date=day.isoformat(),
                        what=Msg("form.goal_number", number=number), plan=plan_date.isoformat()))
        return day

    measures, dates = [], []
    for number, what in enumerate(goals, start=1):
        measure = ask(t("prompt.measure", goal=number, what=what), prompt_text, optional=True)
        measures.append(measure or "")
        day = ask(t("prompt.target_date", goal=number), target, optional=True)
        dates.append(day.isoformat() if day else "")
    return measures, dates

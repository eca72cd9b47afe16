"""``ppks assess``: record an assessment (asesmen)."""

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
    maybe,
    one_of,
    option,
    show_step,
)
from ppks_cli.commands._common import command, interactive, write_options
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    @command(app, "assess", help=t("help.assess.command"), epilog=t("help.assess.example"))
    def assess(
        ctx: typer.Context,
        case_ref: CaseArg,
        problem: Annotated[list[str] | None, option("--problem", key="assess.problem")] = None,
        need: Annotated[list[str] | None, option("--need", key="assess.need")] = None,
        strength: Annotated[list[str] | None, option("--strength", key="assess.strength")] = None,
        resource: Annotated[list[str] | None, option("--resource", key="assess.resource")] = None,
        source: Annotated[list[str] | None, option("--source", key="assess.source")] = None,
        context: Annotated[
            str | None, option("--context", "--summary", key="assess.summary")
        ] = None,
        priority: Annotated[list[str] | None, option("--priority", key="assess.priority")] = None,
        risk: Annotated[
            str | None, option("--risk", key="assess.risk", metavar="low|medium|high")
        ] = None,
        recommendation: Annotated[
            str | None, option("--recommendation", key="assess.recommendation")
        ] = None,
        date: DateOpt = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import casework
        from ppks_cli.records import RISK_LEVELS

        repo, case, when, who = begin(ctx, case_ref, date, worker, "assess")
        # a bare `ppks assess ID` at a terminal walks through the whole form
        form = interactive(ctx) and not any((problem, need, strength, resource, source, context))
        result = casework.record_step(
            repo, case.id, "assess", options=write_options(ctx),
            date=when, worker=who,
            problems=items(ctx, problem, "--problem", "problem", required=True),
            needs=items(ctx, need, "--need", "need", ask_it=form),
            strengths=items(ctx, strength, "--strength", "strength", ask_it=form),
            resources=items(ctx, resource, "--resource", "resource", ask_it=form),
            information_sources=items(ctx, source, "--source", "information_source", ask_it=form),
            context=maybe(ctx, context, "summary", ask_it=form),
            priorities=items(ctx, priority, "--priority", "priority", ask_it=form),
            risk=maybe(
                ctx, risk, "risk", ask_it=form, **one_of("risk", RISK_LEVELS, "--risk"),
            ),
            recommendation=maybe(ctx, recommendation, "recommendation", ask_it=form),
        )  # fmt: skip
        show_step(result, json_output)

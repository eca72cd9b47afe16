"""``ppks intervene``: record an intervention activity (intervensi)."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands._casework import (
    CaseArg,
    DateOpt,
    JsonOpt,
    WorkerOpt,
    begin,
    maybe,
    need,
    one_of,
    option,
    show_step,
)
from ppks_cli.commands._common import command, interactive, write_options
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    @command(app, "intervene", help=t("help.intervene.command"), epilog=t("help.intervene.example"))
    def intervene(
        ctx: typer.Context,
        case_ref: CaseArg,
        activity: Annotated[
            str | None, option("--activity", "--kind", key="intervene.kind", metavar="ACTIVITY")
        ] = None,
        note: Annotated[str | None, option("--note", key="intervene.note")] = None,
        goal: Annotated[
            list[int] | None, option("--goal", key="intervene.goal", metavar="N")
        ] = None,
        outcome: Annotated[str | None, option("--outcome", key="intervene.outcome")] = None,
        date: DateOpt = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import casework
        from ppks_cli.records import ACTIVITIES

        repo, case, when, who = begin(ctx, case_ref, date, worker, "intervene")
        form = interactive(ctx) and activity is None and note is None
        result = casework.record_step(
            repo, case.id, "intervene", options=write_options(ctx),
            date=when, worker=who,
            activity=need(
                ctx, activity, "--activity", "activity",
                **one_of("activity", ACTIVITIES, "--activity"),
            ),
            description=need(ctx, note, "--note", "description"),
            goals=goal or [],
            outcome=maybe(ctx, outcome, "outcome", ask_it=form),
        )  # fmt: skip
        show_step(result, json_output)

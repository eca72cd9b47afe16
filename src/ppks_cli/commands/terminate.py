"""``ppks terminate``: close the case (terminasi)."""

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
    @command(app, "terminate", help=t("help.terminate.command"), epilog=t("help.terminate.example"))
    def terminate(
        ctx: typer.Context,
        case_ref: CaseArg,
        reason: Annotated[
            str | None, option("--reason", key="terminate.reason", metavar="REASON")
        ] = None,
        reason_note: Annotated[
            str | None, option("--reason-note", key="terminate.reason_note")
        ] = None,
        outcome: Annotated[
            str | None, option("--outcome", "--summary", key="terminate.summary")
        ] = None,
        placement: Annotated[str | None, option("--placement", key="terminate.placement")] = None,
        aftercare: Annotated[str | None, option("--aftercare", key="terminate.aftercare")] = None,
        date: DateOpt = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import casework
        from ppks_cli.records import DUPLICATE, TERMINATION_REASONS

        reasons = tuple(r for r in TERMINATION_REASONS if r != DUPLICATE)  # ppks merge's

        repo, case, when, who = begin(ctx, case_ref, date, worker, "terminate")
        form = interactive(ctx) and reason is None and outcome is None
        why = need(
            ctx, reason, "--reason", "termination_reason",
            **one_of("termination_reason", reasons, "--reason"),
        )  # fmt: skip
        result = casework.record_step(
            repo, case.id, "terminate", options=write_options(ctx),
            date=when, worker=who, reason=why,
            reason_note=reason_note if why != "other" else need(
                ctx, reason_note, "--reason-note", "reason_note"
            ),
            outcome=need(ctx, outcome, "--outcome", "termination_summary"),
            placement=maybe(ctx, placement, "placement", ask_it=form),
            aftercare=maybe(ctx, aftercare, "aftercare", ask_it=form),
        )  # fmt: skip
        show_step(result, json_output)

"""``ppks reopen``: open a closed case again; a new episode starts at assessment."""

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
    option,
    show_step,
)
from ppks_cli.commands._common import command, write_options
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    @command(app, "reopen", help=t("help.reopen.command"), epilog=t("help.reopen.example"))
    def reopen(
        ctx: typer.Context,
        case_ref: CaseArg,
        reason: Annotated[str | None, option("--reason", key="reopen.reason")] = None,
        date: DateOpt = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import casework

        repo, case, when, who = begin(ctx, case_ref, date, worker, "reopen")
        result = casework.record_step(
            repo, case.id, "reopen", options=write_options(ctx),
            date=when, worker=who,
            reason=need(ctx, reason, "--reason", "reopen_reason"),
        )  # fmt: skip
        show_step(result, json_output)

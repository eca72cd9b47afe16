"""``ppks follow-up``: record an aftercare visit (bimbingan lanjut) after termination."""

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
    option,
    show_step,
)
from ppks_cli.commands._common import command, interactive, write_options
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    @command(app, "follow-up", help=t("help.follow_up.command"), epilog=t("help.follow_up.example"))
    def follow_up(
        ctx: typer.Context,
        case_ref: CaseArg,
        findings: Annotated[
            str | None, option("--findings", "--summary", key="follow_up.summary")
        ] = None,
        place: Annotated[str | None, option("--place", key="follow_up.place")] = None,
        next_date: Annotated[
            str | None, option("--next-date", key="follow_up.next_date", metavar="YYYY-MM-DD")
        ] = None,
        date: DateOpt = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import casework
        from ppks_cli.dates import parse_date

        repo, case, when, who = begin(ctx, case_ref, date, worker, "follow_up")
        form = interactive(ctx) and findings is None
        result = casework.record_step(
            repo, case.id, "follow_up", options=write_options(ctx),
            date=when, worker=who,
            findings=need(ctx, findings, "--findings", "follow_up_summary"),
            place=maybe(ctx, place, "place", ask_it=form),
            next_date=maybe(
                ctx, next_date, "next_date",
                lambda v: parse_date(v, option="--next-date", allow_future=True), ask_it=form,
            ),
        )  # fmt: skip
        show_step(result, json_output)

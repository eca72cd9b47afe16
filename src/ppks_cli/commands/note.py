"""``ppks note``: add a free-text case note, at any stage."""

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
    show_step,
)
from ppks_cli.commands._common import command, write_options
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    @command(app, "note", help=t("help.note.command"), epilog=t("help.note.example"))
    def note(
        ctx: typer.Context,
        case_ref: CaseArg,
        text: Annotated[
            str | None, typer.Argument(metavar="TEXT", help=t("help.note.text"), show_default=False)
        ] = None,
        date: DateOpt = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import casework

        repo, case, when, who = begin(ctx, case_ref, date, worker, "note")
        result = casework.record_step(
            repo, case.id, "note", options=write_options(ctx),
            date=when, worker=who, text=need(ctx, text, "TEXT", "note_text")
        )
        show_step(result, json_output)

"""``ppks approve``: a supervisor approves the latest assessment, plan or termination."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands import _completers
from ppks_cli.commands._casework import (
    CaseArg,
    DateOpt,
    JsonOpt,
    need,
    option,
    record_date,
    show_step,
)
from ppks_cli.commands._common import command, open_repo, write_options
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    @command(app, "approve", help=t("help.approve.command"), epilog=t("help.approve.example"))
    def approve(
        ctx: typer.Context,
        case_ref: CaseArg,
        stage: Annotated[
            str,
            typer.Argument(
                metavar="STAGE",
                help=t("help.approve.stage"),
                show_default=False,
            ),
        ],
        by: Annotated[
            str | None,
            option("--by", key="approve.by", metavar="NAME", autocompletion=_completers.WORKER),
        ] = None,
        comment: Annotated[str | None, option("--comment", key="approve.comment")] = None,
        date: DateOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import casework
        from ppks_cli.choices import APPROVAL_STAGE

        repo = open_repo(ctx)
        case = repo.find_case(case_ref)
        result = casework.record_step(
            repo, case.id, "approve", options=write_options(ctx),
            stage=APPROVAL_STAGE.parse(stage, "STAGE"), date=record_date(date),
            by=need(ctx, by, "--by", "approved_by", _worker_name), comment=comment,
        )  # fmt: skip
        show_step(result, json_output)


def _worker_name(value: str) -> str:
    """The supervisor's name, checked as a worker's (at a prompt, as it is typed)."""
    from ppks_cli.models import parse_worker

    return parse_worker(value, "--by")

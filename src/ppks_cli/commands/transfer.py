"""``ppks transfer``: pass a case, or a worker's whole open caseload, to another worker."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands import _completers
from ppks_cli.commands._casework import (
    DateOpt,
    JsonOpt,
    WorkerOpt,
    need,
    option,
    record_date,
    record_worker,
)
from ppks_cli.commands._common import command, open_repo, print_json, say, write_options
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    @command(app, "transfer", help=t("help.transfer.command"), epilog=t("help.transfer.example"))
    def transfer(
        ctx: typer.Context,
        case_ref: Annotated[
            str | None,
            typer.Argument(
                metavar="CASE", help=t("help.transfer.case"), show_default=False,
                autocompletion=_completers.CASE,
            ),
        ] = None,
        to: Annotated[
            str | None,
            option("--to", key="transfer.to", metavar="NAME", autocompletion=_completers.WORKER),
        ] = None,
        from_name: Annotated[
            str | None,
            option(
                "--from", key="transfer.from", metavar="NAME", autocompletion=_completers.WORKER
            ),
        ] = None,
        reason: Annotated[str | None, option("--reason", key="transfer.reason")] = None,
        date: DateOpt = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import transfers
        from ppks_cli.errors import InvalidInput

        if case_ref is None and from_name is None:
            raise InvalidInput("error.transfer_what")
        if case_ref is not None and from_name is not None:
            raise InvalidInput("error.transfer_case_or_from")
        repo = open_repo(ctx)
        case = repo.find_case(case_ref) if case_ref is not None else None
        when = record_date(date)
        who = record_worker(ctx, repo, worker, case)
        target = need(ctx, to, "--to", "transfer_to", _receiver(case))
        why = need(ctx, reason, "--reason", "transfer_reason")
        if case is not None:
            result = transfers.transfer_case(
                repo, case.id, worker=who, to=target, reason=why, date=when,
                options=write_options(ctx),
            )  # fmt: skip
        else:
            result = transfers.transfer_caseload(
                repo, from_name, worker=who, to=target, reason=why, date=when,
                options=write_options(ctx),
            )  # fmt: skip
        if json_output:
            print_json(result)
            return
        for moved, record in result.moved:
            say(
                t("transfer.moved", case=moved.id, previous=record.from_, to=record.to,
                  record=record.id)
            )  # fmt: skip
        if result.from_name is not None:
            say(t("transfer.count", count=len(result.moved), to=result.to))


def _receiver(case):
    """The check of the answer "transfer to whom" as it is typed: a worker's name, for a
    case not the worker who has it (:class:`Refused`, which a prompt asks again for)."""
    from ppks_cli import transfers
    from ppks_cli.models import parse_worker

    def check(value: str) -> str:
        if case is None:
            return parse_worker(value, "--to")
        return transfers.receiver(case, value)

    return check

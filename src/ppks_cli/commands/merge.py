"""``ppks merge``: two cases of one person; the duplicate is closed and linked both ways."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands import _completers
from ppks_cli.commands._casework import (
    DateOpt,
    JsonOpt,
    WorkerOpt,
    begin,
    need,
    option,
)
from ppks_cli.commands._common import command, print_json, say, write_options
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    @command(app, "merge", help=t("help.merge.command"), epilog=t("help.merge.example"))
    def merge(
        ctx: typer.Context,
        keep_ref: Annotated[
            str, typer.Argument(
                metavar="KEEP", help=t("help.merge.keep"), show_default=False,
                autocompletion=_completers.CASE,
            ),
        ],
        duplicate_ref: Annotated[
            str,
            typer.Argument(
                metavar="DUPLICATE", help=t("help.merge.duplicate"), show_default=False,
                autocompletion=_completers.CASE,
            ),
        ],
        reason: Annotated[str | None, option("--reason", key="merge.reason")] = None,
        date: DateOpt = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import links

        repo, keep, when, who = begin(ctx, keep_ref, date, worker)
        result = links.merge_cases(
            repo, keep.id, duplicate_ref, worker=who, date=when,
            reason=need(ctx, reason, "--reason", "merge_reason"), options=write_options(ctx),
        )  # fmt: skip
        if json_output:
            print_json(result)
            return
        say(t("link.merged", keep=result.keep.id, duplicate=result.duplicate.id))

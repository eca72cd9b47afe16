"""``ppks bundle``: move cases between machines on a USB stick (git bundles)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ppks_cli.commands._casework import JsonOpt, option
from ppks_cli.commands._common import command, print_json, say, write_options
from ppks_cli.commands.sync import (
    AcceptDeletionsOpt,
    explain_conflict,
    explain_deletions,
    explain_pending_deletions,
)
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    group = typer.Typer(help=t("help.bundle.command"), no_args_is_help=True)
    app.add_typer(
        group, name="bundle", help=t("help.bundle.command"), epilog=t("help.bundle.example")
    )

    @command(group, "export", help=t("help.bundle.export"), epilog=t("help.bundle.example"))
    def export(
        ctx: typer.Context,
        file: Annotated[
            Path, typer.Argument(metavar="FILE", help=t("help.bundle.file"), show_default=False)
        ],
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import exchange
        from ppks_cli.commands._common import open_repo

        result = exchange.export_bundle(open_repo(ctx), file)
        if json_output:
            print_json(result)
        else:
            say(t("bundle.exported", file=str(file)))

    @command(group, "import", help=t("help.bundle.import_"), epilog=t("help.bundle.example"))
    def import_(
        ctx: typer.Context,
        file: Annotated[
            Path, typer.Argument(metavar="FILE", help=t("help.bundle.file"), show_default=False)
        ],
        into: Annotated[Path | None, option("--into", key="bundle.into", metavar="PATH")] = None,
        accept_deletions: AcceptDeletionsOpt = False,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import exchange
        from ppks_cli.commands._common import open_repo
        from ppks_cli.errors import DeletionsNotConfirmed, SyncConflict

        try:
            result = exchange.import_bundle(
                None if into is not None else open_repo(ctx), file, into=into,
                accept_deletions=accept_deletions, options=write_options(ctx),
            )  # fmt: skip
        except SyncConflict as conflict:
            explain_conflict(conflict)
            raise
        except DeletionsNotConfirmed as refused:
            explain_pending_deletions(refused.deleted)
            raise
        if json_output:
            print_json(result)
        elif result.cloned:
            say(t("bundle.cloned", path=str(result.root)))
        elif result.up_to_date:
            say(t("bundle.nothing_new", file=str(file)))
        else:
            say(t("bundle.imported", cases=len(result.cases), records=len(result.records)))
            explain_deletions(result.deleted)

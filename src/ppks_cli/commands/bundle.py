"""``ppks bundle``: move cases between machines on a USB stick (git bundles)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ppks_cli.commands._casework import JsonOpt, option
from ppks_cli.commands._common import command, print_json, say
from ppks_cli.commands.sync import (
    AcceptDeletionsOpt,
    deletions_json,
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
        from ppks_cli import git
        from ppks_cli.commands._common import open_repo

        repo = open_repo(ctx)
        git.bundle_export(repo.root, file)
        if json_output:
            print_json({"file": str(file)})
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
        from ppks_cli import git
        from ppks_cli.commands._common import open_repo

        deleted: list = []
        if into is not None:
            git.clone_bundle(file, into)
            root, cases, records = into.resolve(), None, None
        else:
            repo = open_repo(ctx, writing="git")
            refuse = repo.config.git.confirm_deletions and not accept_deletions
            try:
                cases, records, deleted = git.bundle_import(
                    repo.root, file, repo.default_worker(), refuse_deletions=refuse
                )
            except git.DeletionsNotConfirmed as refused:
                explain_pending_deletions(refused.deleted)
                raise
            root = repo.root
        if json_output:
            print_json({"root": str(root), "cases_received": cases, "records_received": records,
                        "deleted": deletions_json(deleted)})  # fmt: skip
        elif cases is None:
            say(t("bundle.cloned", path=str(root)))
        else:
            say(t("bundle.imported", cases=len(cases), records=len(records)))
            explain_deletions(deleted)

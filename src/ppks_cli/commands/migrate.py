"""``ppks migrate``: rewrite the repository's files to the current schema, in one commit."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands._common import command, open_repo, print_json, say, write_options
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    @command(app, "migrate", help=t("help.migrate.command"), epilog=t("help.migrate.example"))
    def migrate(
        ctx: typer.Context,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help=t("help.migrate.dry_run"))
        ] = False,
        json_output: Annotated[bool, typer.Option("--json", help=t("help.option.json"))] = False,
    ) -> None:
        from ppks_cli.migrate import migrate as run_migration

        result = run_migration(open_repo(ctx), dry_run=dry_run, options=write_options(ctx))
        if json_output:
            print_json(result)
            return
        count, unchanged = len(result.changes), result.unchanged
        if not count:
            say(t("migrate.nothing", unchanged=unchanged, schema=result.schema))
            return
        key = "migrate.dry_run" if dry_run else "migrate.done"
        say(t(key, count=count, unchanged=unchanged, schema=result.schema))
        if dry_run:
            for change in result.changes:
                say(t("migrate.line", file=change.file, from_version=change.from_version,
                      to_version=change.to_version))  # fmt: skip

"""``ppks templates``: manage the office's own letter templates."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands._common import command, open_repo, print_json, say, write_options
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    group = typer.Typer(help=t("help.templates.command"), no_args_is_help=True)
    app.add_typer(
        group,
        name="templates",
        help=t("help.templates.command"),
        epilog=t("help.templates.example"),
    )

    @command(group, "export", help=t("help.templates.export"), epilog=t("help.templates.example"))
    def export(
        ctx: typer.Context,
        force: Annotated[bool, typer.Option("--force", help=t("help.templates.force"))] = False,
        json_output: Annotated[bool, typer.Option("--json", help=t("help.option.json"))] = False,
    ) -> None:
        from ppks_cli import letters

        result = letters.export_templates_to(
            open_repo(ctx), force=force, options=write_options(ctx)
        )
        if json_output:
            print_json(result)
            return
        for path in result.written:
            say(t("templates.written", path=path))
        for path in result.skipped:
            say(t("templates.skipped", path=path))

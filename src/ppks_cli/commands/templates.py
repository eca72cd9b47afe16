"""``ppks templates``: manage the office's own letter templates."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands._common import command, open_repo, print_json, say
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

        repo = open_repo(ctx, writing="files")
        written, skipped = letters.export_templates(repo, force=force)
        if json_output:
            print_json(
                {
                    "written": [repo.rel(p) for p in written],
                    "skipped": [repo.rel(p) for p in skipped],
                }
            )
            return
        for path in written:
            say(t("templates.written", path=repo.rel(path)))
        for path in skipped:
            say(t("templates.skipped", path=repo.rel(path)))

"""``ppks clone``: join a team, a new clone of the office's case repository."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ppks_cli.commands._casework import JsonOpt
from ppks_cli.commands._common import command, print_json, say
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    @command(app, "clone", help=t("help.clone.command"), epilog=t("help.clone.example"))
    def clone(
        source: Annotated[
            str, typer.Argument(metavar="URL|BUNDLE", help=t("help.clone.source"),
                                show_default=False)  # fmt: skip
        ],
        folder: Annotated[
            Path | None, typer.Argument(metavar="FOLDER", help=t("help.clone.folder"),
                                        show_default=False)  # fmt: skip
        ] = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import exchange

        result = exchange.clone_repository(source, folder)
        if json_output:
            print_json(result)
            return
        report = result.check
        say(t("clone.done", path=str(result.root), branch=result.branch))
        say(t("clone.check", cases=report.cases, records=report.records,
              errors=len(report.errors), warnings=len(report.warnings)))  # fmt: skip
        if report.problems:
            say(t("clone.problems", path=str(result.root)))
        if result.worker:
            say(t("clone.worker", worker=result.worker))
        else:
            say(t("clone.no_worker", path=str(result.root)))
        if result.bundle:
            say(t("clone.from_bundle"))
        say(t("clone.next", path=str(result.root)))

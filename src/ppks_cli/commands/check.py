"""``ppks check``: validate every file; one ``file:line: message`` line per problem."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands._common import command, info_line, print_json, say, state
from ppks_cli.errors import ExitCode
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    @command(app, "check", help=t("help.check.command"), epilog=t("help.check.example"))
    def check(
        ctx: typer.Context,
        full: Annotated[bool, typer.Option("--full", help=t("help.check.full"))] = False,
        json_output: Annotated[bool, typer.Option("--json", help=t("help.option.json"))] = False,
    ) -> None:
        from ppks_cli.check import check_repository
        from ppks_cli.store import Repository

        # a damaged ppks.toml is one of the problems reported, not a reason to stop
        repo = Repository.open(state(ctx).root, lenient=True)
        report = check_repository(repo, full=full)
        if json_output:
            print_json(report)
        else:
            for problem in report.problems:
                say(problem.render())
            summary = t(
                "check.summary",
                cases=report.cases,
                records=report.records,
                errors=len(report.errors),
                warnings=len(report.warnings),
            )
            if report.ok:
                say(summary)
            else:
                info_line(summary)
        if not report.ok:
            raise typer.Exit(int(ExitCode.PROBLEMS_FOUND))

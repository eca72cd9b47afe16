"""``ppks init``: create a case repository."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ppks_cli import i18n
from ppks_cli.commands._common import ask, command, interactive, print_json, say, warn_line
from ppks_cli.i18n import t

DEFAULT_OFFICE = "Dinas Sosial Kota Medan"


def register(app: typer.Typer) -> None:
    @command(app, "init", help=t("help.init.command"), epilog=t("help.init.example"))
    def init(
        ctx: typer.Context,
        path: Annotated[Path, typer.Argument(help=t("help.init.path"), show_default=False)] = Path(
            "."
        ),
        office: Annotated[
            str | None, typer.Option("--office", metavar="NAME", help=t("help.init.office"))
        ] = None,
        worker: Annotated[
            str | None, typer.Option("--worker", metavar="NAME", help=t("help.init.worker"))
        ] = None,
        no_git: Annotated[bool, typer.Option("--no-git", help=t("help.init.no_git"))] = False,
        json_output: Annotated[bool, typer.Option("--json", help=t("help.option.json"))] = False,
    ) -> None:
        from ppks_cli.store import init_needs_worker, init_repository

        # at a terminal, a name that is needed and found nowhere is asked with the office,
        # before anything is written (never an answer given, then an error for want of it)
        ask_worker = interactive(ctx) and init_needs_worker(path, worker, git=not no_git)
        if office is None:
            office = (
                ask(t("prompt.office"), _office, default=DEFAULT_OFFICE)
                if interactive(ctx)
                else DEFAULT_OFFICE
            )
        if ask_worker:
            worker = ask(t("init_prompt.worker"), _worker)
        result = init_repository(
            path, office, worker, i18n.get_language(), git=not no_git, command=ctx.command_path
        )
        if result.git_problem is not None:
            warn_line(str(result.git_problem))
        if result.without_git:
            warn_line(t("git.init_without_git"))
        if json_output:
            print_json(result)
        else:
            say(t("init.done", path=str(result.repo.root)))
            if result.commit:
                say(t("init.git", commit=result.commit))
            say(t("init.next", path=str(path)))


def _office(value: str) -> str:
    """The office's name, checked as ``init`` checks ``--office`` (as it is typed)."""
    from ppks_cli.models import parse_name

    return parse_name(value, "--office")


def _worker(value: str) -> str:
    """The worker's name, checked as ``init`` checks ``--worker`` (as it is typed)."""
    from ppks_cli.models import parse_worker

    return parse_worker(value, "--worker")

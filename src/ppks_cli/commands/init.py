"""``ppks init``: create a case repository."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ppks_cli import i18n
from ppks_cli.commands._common import command, interactive, print_json, say, warn_line
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
        from ppks_cli import git, locking
        from ppks_cli.store import Repository

        if office is None:
            office = (
                typer.prompt(t("prompt.office"), default=DEFAULT_OFFICE, err=True)
                if interactive(ctx)
                else DEFAULT_OFFICE
            )
        repo = Repository.create(path, office, worker, i18n.get_language())
        committed = None
        lock = locking.acquire(locking.lock_path(repo.root, None), ctx.command_path)
        ctx.call_on_close(lock.release)
        if not no_git:
            if git.git_available():
                result = git.init_repository(repo.root, worker)
                committed = result.sha
                if result.problem is not None:
                    warn_line(str(result.problem))
            else:
                warn_line(t("git.init_without_git"))
        if json_output:
            print_json(
                {"root": str(repo.root), "office": repo.config.office.name, "commit": committed}
            )
        else:
            say(t("init.done", path=str(repo.root)))
            if committed:
                say(t("init.git", commit=committed))
            say(t("init.next", path=str(path)))

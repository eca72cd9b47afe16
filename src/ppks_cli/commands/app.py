"""The ``ppks`` command: global options, the list of commands, and the entry point."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ppks_cli import __version__, i18n
from ppks_cli.commands import _common
from ppks_cli.errors import ExitCode
from ppks_cli.i18n import t

# One module per command (or group); each exposes register(app).
COMMAND_MODULES = (
    "init",
    "new_case",
    "list_cases",
    "search",
    "due",
    "show",
    "assess",
    "plan",
    "intervene",
    "refer",
    "evaluate",
    "terminate",
    "follow_up",
    "reopen",
    "note",
    "approve",
    "letter",
    "templates",
    "history",
    "status",
    "sync",
    "bundle",
    "check",
    "migrate",
    "categories",
)


def build_app() -> typer.Typer:
    """Build the command tree with help texts in the current language."""
    import importlib

    app = typer.Typer(
        name="ppks",
        help=t("help.app"),
        epilog=t("help.app_epilog"),
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_show_locals=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def main_options(
        ctx: typer.Context,
        root: Annotated[
            str | None,
            typer.Option("--root", "-C", metavar="PATH", help=t("help.option.root")),
        ] = None,
        lang: Annotated[
            str | None, typer.Option("--lang", metavar="id|en", help=t("help.option.lang"))
        ] = None,
        no_input: Annotated[
            bool, typer.Option("--no-input", help=t("help.option.no_input"))
        ] = False,
        no_commit: Annotated[
            bool, typer.Option("--no-commit", help=t("help.option.no_commit"))
        ] = False,
        version: Annotated[
            bool,
            typer.Option(
                "--version", help=t("help.option.version"), is_eager=True, callback=_print_version
            ),
        ] = False,
    ) -> None:
        if lang is not None and i18n.normalize_language(lang) is None:
            _common.error_line(t("error.bad_language", value=lang))
            raise typer.Exit(int(ExitCode.USAGE))
        i18n.set_language(i18n.choose_language(lang, root))
        _common.reset_consoles()
        ctx.obj = _common.State(root=root, no_input=no_input, no_commit=no_commit)

    for name in COMMAND_MODULES:
        importlib.import_module(f"ppks_cli.commands.{name}").register(app)
    return app


def _print_version(value: bool) -> None:
    """``--version``: print the version and stop, while the options are read (so
    ``ppks --version`` needs no command)."""
    if value:
        _common.say(f"ppks {__version__}")
        raise typer.Exit()


def _argv_value(args: list[str], *names: str) -> str | None:
    """The value of an option in raw argv (``--lang en`` or ``--lang=en``)."""
    for index, arg in enumerate(args):
        for name in names:
            if arg == name and index + 1 < len(args):
                return args[index + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
        if arg == "--":
            break
    return None


def main() -> None:
    """Entry point of the ``ppks`` console script."""
    args = sys.argv[1:]
    # help texts are built in the chosen language, so choose it before building
    i18n.set_language(
        i18n.choose_language(_argv_value(args, "--lang"), _argv_value(args, "--root", "-C"))
    )
    build_app()(prog_name="ppks")

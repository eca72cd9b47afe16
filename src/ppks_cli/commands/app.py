"""The ``ppks`` command: global options, the list of commands, and the entry point."""

import os
import sys
from typing import Annotated

import typer

from ppks_cli import __version__, i18n
from ppks_cli.commands import _common, _framework
from ppks_cli.errors import ExitCode, PpksError
from ppks_cli.i18n import t

# One module per command (or group); each exposes register(app).
COMMAND_MODULES = (
    "init",
    "new_case",
    "list_cases",
    "search",
    "due",
    "show",
    "edit",
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
    "letters",
    "templates",
    "history",
    "status",
    "sync",
    "clone",
    "bundle",
    "check",
    "migrate",
    "categories",
    "report",
    # the team's records
    "transfer",
    "link",
    "merge",
    "attach",
    # exports for the office head and for research
    "export",
    # the rumah singgah (issue 15)
    "shelter",
    # street raids (razia) and the people they pick up
    "raid",
)


# The command that is not named after its module (``new-case`` is ``new_case``).
MODULE_OF = {"list": "list_cases", "attachment": "attach"}

# Every command as ``ppks --help`` lists it, in that order (Typer's: the commands, then
# the groups), with its module: the list is shown without importing any command's
# module (start-up time). Each one's short help is ``help.<name>.command``. A test
# checks that the table and the modules agree.
COMMANDS = (
    ("init", "init"), ("new-case", "new_case"), ("list", "list_cases"), ("search", "search"),
    ("due", "due"), ("show", "show"), ("edit", "edit"), ("assess", "assess"), ("plan", "plan"),
    ("intervene", "intervene"), ("refer", "refer"), ("evaluate", "evaluate"),
    ("terminate", "terminate"), ("follow-up", "follow_up"), ("reopen", "reopen"),
    ("note", "note"), ("approve", "approve"), ("letter", "letter"), ("letters", "letters"),
    ("history", "history"), ("status", "status"), ("sync", "sync"), ("clone", "clone"),
    ("check", "check"), ("migrate", "migrate"), ("categories", "categories"),
    ("report", "report"), ("transfer", "transfer"), ("link", "link"), ("merge", "merge"),
    ("attach", "attach"), ("export", "export"),
)  # fmt: skip
GROUPS = (
    ("templates", "templates"), ("bundle", "bundle"), ("attachment", "attach"),
    ("shelter", "shelter"), ("raid", "raid"),
)  # fmt: skip
GLOBAL_OPTIONS_WITH_VALUE = ("--root", "-C", "--lang")


def _list_commands(app: typer.Typer) -> None:
    """Register every command of :data:`COMMANDS` and :data:`GROUPS` by its name and
    help alone, without importing its module or turning its parameters into options:
    enough for the list of commands (``ppks --help``), which shows neither."""

    def listed() -> None:  # never run: only the list of commands is shown
        raise NotImplementedError

    for name, _module in COMMANDS:
        key = name.replace("-", "_")
        app.command(name, help=t(f"help.{key}.command"), epilog=t(f"help.{key}.example"),
                    cls=_framework.PpksCommand)(listed)  # fmt: skip
    for name, _module in GROUPS:
        app.add_typer(typer.Typer(help=t(f"help.{name}.command")), name=name,
                      help=t(f"help.{name}.command"), epilog=t(f"help.{name}.example"))  # fmt: skip


class _Typer(typer.Typer):
    """The app: its groups of commands (``ppks templates``) are :class:`_framework.PpksGroup`,
    as its commands are :class:`_framework.PpksCommand` (see :func:`_common.command`)."""

    def add_typer(self, group: typer.Typer, **kwargs) -> None:
        kwargs.setdefault("cls", _framework.PpksGroup)
        super().add_typer(group, **kwargs)


def module_for(word: str) -> str | None:
    """The module in :data:`COMMAND_MODULES` that defines the command ``word`` (as typed:
    ``new-case``), or None for a word that is no command."""
    if "_" in word:  # commands are written with "-" (``new_case`` is no command)
        return None
    name = MODULE_OF.get(word, word.replace("-", "_"))
    return name if name in COMMAND_MODULES else None


def command_word(args: list[str]) -> tuple[str | None, bool]:
    """The command named in ``args`` (the first word that is not a global option or its
    value; None when there is none), and whether ``--help`` comes before it."""
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in ("-h", "--help"):
            return None, True
        if arg == "--":
            return (args[index + 1] if index + 1 < len(args) else None), False
        if arg in GLOBAL_OPTIONS_WITH_VALUE:
            index += 2
        elif arg.startswith("-"):
            index += 1
        else:
            return arg, False
    return None, False


def build_app(only: str | None = None, *, listing: bool = False) -> typer.Typer:
    """Build the command tree with help texts in the current language: every command, or
    with ``only`` just the commands of that module (a name in :data:`COMMAND_MODULES`),
    or with ``listing`` every command without its options (enough for ``ppks --help``).
    The last two keep the start-up of one command short (see :func:`main`)."""
    import importlib

    _framework.install()  # the framework's own words in the chosen language
    app = _Typer(
        name="ppks",
        cls=_framework.PpksGroup,
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
            list[str] | None,
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
        install_completion: Annotated[bool, _completion_option("install")] = False,
        show_completion: Annotated[bool, _completion_option("show")] = False,
    ) -> None:
        if lang is not None and i18n.normalize_language(lang) is None:
            _common.error_line(t("error.bad_language", value=lang))
            raise typer.Exit(int(ExitCode.USAGE))
        roots, root = root or [], (root or [None])[0]
        i18n.set_language(i18n.choose_language(lang, root))
        _common.reset_consoles()
        if len(roots) > 1 and not ctx.resilient_parsing:
            # one option, given twice: click would keep the last without a word, and
            # `ppks --root A --root B report` would be B's report alone
            from ppks_cli.errors import InvalidInput

            _common.fail(InvalidInput("error.report_input.roots_before_command"))
        ctx.obj = _common.State(root=root, no_input=no_input, no_commit=no_commit)

    if listing:
        _list_commands(app)
        return app
    for name in COMMAND_MODULES if only is None else (only,):
        module = importlib.import_module(f"ppks_cli.commands.{name}")
        module.register(app)
    return app


def _print_version(ctx: typer.Context, value: bool) -> None:
    """``--version``: print the version and stop, while the options are read (so
    ``ppks --version`` needs no command); not while the shell asks for completions."""
    if value and not ctx.resilient_parsing:
        _common.say(f"ppks {__version__}")
        raise typer.Exit()


# --- shell completion (ppks_cli.commands._shell, imported only when it is used) ----------

COMPLETE_VAR = "_PPKS_COMPLETE"  # set by the completion scripts when the shell asks


def _completion_option(action: str):
    """``--install-completion`` or ``--show-completion`` (``action``: ``install``,
    ``show``): done while the options are read, as ``--version`` is."""

    def run(ctx: typer.Context, value: bool) -> None:
        if value and not ctx.resilient_parsing:
            from ppks_cli.commands import _shell

            try:
                _shell.install_or_show(action)
            except PpksError as exc:
                _common.fail(exc)

    return typer.Option(
        f"--{action}-completion", help=t(f"help.completion.{action}"), is_eager=True,
        callback=run, show_default=False,
    )  # fmt: skip


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
    # pydantic looks for plugins in every installed package's metadata the first time a
    # model is built (tens of milliseconds of every command that reads a case); ppks
    # uses none. A value the user set is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if COMPLETE_VAR in os.environ:  # the shell asks for completions: answer and exit
        from ppks_cli.commands import _shell

        _shell.complete(build_app)
    args = sys.argv[1:]
    # help texts are built in the chosen language, so choose it before building
    i18n.set_language(
        i18n.choose_language(_argv_value(args, "--lang"), _argv_value(args, "--root", "-C"))
    )
    # build only what this command line needs: the one command it names, or the list of
    # commands when it names none (help, --version, a usage error)
    word, asks_help = command_word(args)
    module = module_for(word) if word is not None else None
    if module is not None and not asks_help:
        app = build_app(module)
    else:  # help, --version, a word that is no command (the list names the commands)
        app = build_app(listing=True)
    app(prog_name="ppks")

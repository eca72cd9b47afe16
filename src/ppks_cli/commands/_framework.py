"""The command-line framework's own words in the user's language.

Typer (and the Click it carries) writes parts of every ``--help`` and every usage error
itself, in English: "Usage:", "Options", "[required]", "Show this message and exit.",
"Missing argument", "No such option", the metavars... This module puts them through the
message catalogs (section ``framework``; metavar words in section ``metavar``), so one
command line speaks one language:

- :class:`PpksCommand` and :class:`PpksGroup` are the classes of every ppks command and
  group (``cls=``): their contexts use :class:`HelpFormatter` (the "Usage:" prefix), their
  usage lines, help option and argument rows are translated, and their metavars are
  translated once, when the command tree is built (in the language its help texts are
  built in);
- :func:`install` gives Typer's own gettext calls (``typer.core._``: section titles,
  ``[default: ...]``, ``[required]``, "No such command") a translation from the catalogs;
- every usage error that the framework raises is turned, where it is raised, into a
  :class:`UsageProblem` with the message in the user's language (from the error's data:
  its kind, parameter, option name and the value that was refused), shown with the
  translated usage line and hint and ppks's own error prefix, with exit code
  :attr:`~ppks_cli.errors.ExitCode.USAGE`.

Nothing here is imported beyond what building the command tree already imports.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import typer.core
from typer import _click
from typer._click import exceptions as click_errors

from ppks_cli import cli, i18n
from ppks_cli.errors import ExitCode
from ppks_cli.i18n import t

T = TypeVar("T")

# Typer's gettext message ids (``_("...")`` in typer/core.py) and their catalog keys
TYPER_TEXTS = {
    "Arguments": "framework.arguments",
    "Options": "framework.options",
    "Commands": "framework.commands",
    "default: {default}": "framework.default",
    "required": "framework.required",
    "env var: {var}": "framework.env_var",
    "(dynamic)": "framework.dynamic",
    "Aborted!": "framework.aborted",
    "Missing command.": "framework.missing_command",
    "No such command {name!r}.": "framework.no_such_command",
}

# Typer's completion options (``add_completion``): their help, by parameter name, for the
# current shell (a flag) and for a shell named (a choice)
_COMPLETION_HELP = {
    ("install_completion", False): "framework.install_completion",
    ("show_completion", False): "framework.show_completion",
    ("install_completion", True): "framework.install_completion_for",
    ("show_completion", True): "framework.show_completion_for",
}

# the usage line's placeholders that Click writes itself
_USAGE_WORDS = {
    "[OPTIONS]": "framework.options_metavar",
    "COMMAND [ARGS]...": "framework.command_metavar",
}

_METAVAR_WORD = re.compile(r"[0-9A-Z]+(?:-[0-9A-Z]+)*")


def typer_text(message: str) -> str:
    """Typer's gettext function, answered from the catalog of the current language
    (a template: Typer fills in ``{default}``, ``{name!r}``...). An unknown message id
    is returned as it is."""
    key = TYPER_TEXTS.get(message)
    return i18n.template(key) if key else message


# options made once at import and shared by several commands, with their help's key
_SHARED: list[tuple[Any, str]] = []


def shared_help(info: T, key: str) -> T:
    """``info`` (a ``typer.Option(...)`` or ``typer.Argument(...)`` made once, at import,
    and used by several commands) with the help ``key``: its help is written in the
    language of each command made from it (see :meth:`_Localised._localise`), not frozen
    in the language of the import."""
    info.help = t(key)
    _SHARED.append((info, key))
    return info


def _shared_key(text: str | None) -> str | None:
    """The key of a shared option's help, from the help a command was made with."""
    if text:
        for info, key in _SHARED:
            if text.strip() == info.help.strip():
                return key
    return None


def install() -> None:
    """Route Typer's own translatable words through the catalogs (idempotent, cheap)."""
    typer.core._ = typer_text


def metavar_text(metavar: str | None) -> str | None:
    """A metavar in the current language: each upper-case word of it (``NAME``,
    ``16-DIGITS``, ``N=STATUS[:NOTE]``) through the ``metavar`` section of the catalog;
    lower-case value codes (``md|pdf``) and words the catalog does not know stay."""
    if not metavar:
        return metavar
    words = i18n.catalog(i18n.get_language())

    def word(match: re.Match[str]) -> str:
        return words.get(f"metavar.{match.group()}", match.group())

    return _METAVAR_WORD.sub(word, metavar)


# --- help -------------------------------------------------------------------------------


class HelpFormatter(_click.HelpFormatter):
    """Click's formatter with the "Usage:" prefix in the user's language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = t("framework.usage") + " "
        super().write_usage(prog, args, prefix)


class Context(_click.Context):
    formatter_class = HelpFormatter


class _Localised:
    """What :class:`PpksCommand` and :class:`PpksGroup` share (a mixin before Typer's
    class)."""

    context_class = Context

    def _localise(self) -> None:
        # help and errors are written by Click's plain formatter, translated here; Typer's
        # rich panels (its own English constants) are never used
        self.rich_markup_mode = None
        for param in self.params:
            shared = _shared_key(param.help)
            if shared:
                param.help = t(shared)
            if param.param_type_name == "argument":
                if param.metavar is None:
                    param.metavar = param.name.upper()  # shown as a word, like the options
                # the usage line brackets an optional argument itself (``[KASUS]``): a
                # metavar written with its brackets would be shown in two pairs
                elif param.metavar.startswith("[") and param.metavar.endswith("]"):
                    param.metavar = param.metavar[1:-1]
            param.metavar = metavar_text(param.metavar)

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = t("framework.help_option")
        return option

    def collect_usage_pieces(self, ctx) -> list[str]:
        return [
            t(_USAGE_WORDS[piece]) if piece in _USAGE_WORDS else piece
            for piece in super().collect_usage_pieces(ctx)
        ]

    def format_options(self, ctx, formatter) -> None:
        """Arguments and options as Typer lists them, except that an argument is shown by
        its metavar alone (Typer adds its Python type: ``CASE <str>``)."""
        arguments, options = [], []
        for param in self.get_params(ctx):
            # Typer adds its completion options after the command is made: their help here
            descriptor = getattr(param, "type_descriptor", None)
            completion = _COMPLETION_HELP.get(
                (param.name, bool(descriptor and descriptor.is_choice))
            )
            if completion:
                param.help = t(completion)
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                name = param.display_name_raw + ("..." if param.nargs != 1 else "")
                arguments.append((name, record[1]))
            elif param.param_type_name == "option":
                options.append(record)
        if arguments:
            with formatter.section(t("framework.arguments")):
                formatter.write_dl(arguments)
        if options:
            with formatter.section(t("framework.options")):
                formatter.write_dl(options)
        if isinstance(self, typer.core.TyperGroup):
            self.format_commands(ctx, formatter)

    # --- usage errors, turned into the user's language where they are raised

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click_errors.ClickException as exc:
            raise translated(exc, ctx) from exc

    def invoke(self, ctx):
        cli.resume()  # the command begins: the garbage collector runs again (see ppks_cli.cli)
        try:
            return super().invoke(ctx)
        except click_errors.ClickException as exc:
            raise translated(exc, ctx) from exc


class PpksCommand(_Localised, typer.core.TyperCommand):
    """The class of every ppks command (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._localise()


class PpksGroup(_Localised, typer.core.TyperGroup):
    """The class of ppks itself and of its groups of commands (``ppks templates``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._localise()


# --- usage errors -----------------------------------------------------------------------


class UsageProblem(click_errors.UsageError):
    """A usage error in the user's language: the usage line, the hint to ask for help,
    and one error line with ppks's prefix, on stderr."""

    exit_code = int(ExitCode.USAGE)

    def show(self, file: Any = None) -> None:
        # plain lines, as Click writes them (a rich console would cost start-up time),
        # neutralised as everything ppks prints (the words typed are in the message)
        from ppks_cli.neutral import neutralise

        lines = []
        ctx = self.ctx
        if ctx is not None:
            lines.append(ctx.get_usage())
            if ctx.command.get_help_option(ctx) is not None:
                option = ctx.help_option_names[0]
                lines += [t("framework.try_help", command=ctx.command_path, option=option), ""]
        lines.append(t("cli.error_prefix") + self.format_message())
        typer.echo(neutralise("\n".join(lines)), err=True)


def translated(exc: click_errors.ClickException, ctx) -> click_errors.ClickException:
    """``exc`` (raised by the framework while reading the command line of ``ctx``) as a
    :class:`UsageProblem` in the user's language; the help shown for a bare group, and
    errors already translated, as they are."""
    if isinstance(exc, (UsageProblem, click_errors.NoArgsIsHelpError)):
        return exc
    if not isinstance(exc, click_errors.UsageError):
        if isinstance(exc, click_errors.FileError):
            message = t("framework.file_error", name=exc.ui_filename, reason=exc.message)
            return UsageProblem(message, ctx)
        return exc
    return UsageProblem(usage_message(exc), exc.ctx or ctx)


def _hint(exc: click_errors.BadParameter) -> str | None:
    """How a parameter is named in an error: ``'--limit'`` or ``'KASUS'``."""
    if exc.param_hint is not None:
        hint = exc.param_hint
        return hint if isinstance(hint, str) else " / ".join(repr(x) for x in hint)
    param = exc.param
    if param is not None:
        names = param.opts if param.param_type_name == "option" else []
        return " / ".join(f"'{name}'" for name in names or [param.display_name_raw])
    return None


# the framework's messages that carry their data only in their English text (compiled
# when an error needs them, not at start-up)
_EXTRA = r"(?s)Got unexpected extra argument\(s\) \((?P<args>.*)\)$"
_SUGGESTION = r"(?s)^(?P<message>.*?)\.? Did you mean (?P<names>.+)\?$"
_NEEDS = r"^Option (?P<name>.+) requires (?:an argument|(?P<count>\d+) arguments)\.$"
_NO_VALUE = r"^Option (?P<name>.+) does not take a value\.$"
_TAKES = r"^Argument (?P<name>.+) takes (?P<count>\d+) values\.$"


def usage_message(exc: click_errors.UsageError) -> str:
    """The message of a framework usage error in the current language, built from the
    error's own data where it carries it (the parameter, the option name, the refused
    value), else from its English text. A message the framework did not write (ppks's
    own) is kept as it is."""
    if isinstance(exc, click_errors.MissingParameter):
        return _missing(exc)
    if isinstance(exc, click_errors.BadParameter):
        reason = _bad_value(exc)
        hint = _hint(exc)
        if hint is None:
            return t("framework.invalid_value_plain", reason=reason)
        return t("framework.invalid_value", name=hint, reason=reason)
    if isinstance(exc, click_errors.NoSuchOption):
        message = t("framework.no_such_option", name=exc.option_name)
        if exc.possibilities:
            options = ", ".join(sorted(exc.possibilities))
            message += " " + t("framework.possible_options", options=options)
        return message
    message = exc.message
    if match := re.match(_EXTRA, message):
        return t("framework.extra_arguments", args=match["args"])
    if match := re.match(_NEEDS, message):
        if match["count"]:
            return t("framework.option_needs_values", name=match["name"], count=int(match["count"]))
        return t("framework.option_needs_value", name=match["name"])
    if match := re.match(_NO_VALUE, message):
        return t("framework.option_takes_no_value", name=match["name"])
    if match := re.match(_TAKES, message):
        return t("framework.argument_takes", name=match["name"], count=int(match["count"]))
    if match := re.match(_SUGGESTION, message):  # Typer adds it to "No such command"
        first = match["message"].rstrip(".")
        return first + ". " + t("framework.did_you_mean", names=match["names"])
    return message


def _missing(exc: click_errors.MissingParameter) -> str:
    hint = _hint(exc) or ""
    kind = exc.param_type or (exc.param.param_type_name if exc.param is not None else "")
    key = {"argument": "framework.missing_argument", "option": "framework.missing_option"}
    message = t(key.get(kind, "framework.missing_parameter"), name=hint)
    choices = _choices(exc.param)
    if choices:
        message += " " + t("framework.choose_from", choices=choices)
    return message


def _choices(param) -> str | None:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or not descriptor.is_choice or not descriptor.choices:
        return None
    return ", ".join(str(getattr(choice, "value", choice)) for choice in descriptor.choices)


# pydantic's error types (what Typer's conversion of a value reports) and their messages
_VALUE_ERRORS = {
    "int_parsing": "framework.value.integer",
    "int_from_float": "framework.value.integer",
    "int_type": "framework.value.integer",
    "float_parsing": "framework.value.number",
    "float_type": "framework.value.number",
    "bool_parsing": "framework.value.boolean",
    "greater_than": "framework.value.greater_than",
    "greater_than_equal": "framework.value.at_least",
    "less_than": "framework.value.less_than",
    "less_than_equal": "framework.value.at_most",
}


def _bad_value(exc: click_errors.BadParameter) -> str:
    """Why a value was refused, in the current language."""
    cause = exc.__cause__
    errors = cause.errors() if hasattr(cause, "errors") and callable(cause.errors) else []
    if not errors:  # not Typer's conversion: ppks's own words, or Typer's few plain ones
        if exc.message == "Value must be an iterable.":
            return t("framework.value.invalid_plain")
        return exc.message
    error = errors[0]
    value = error.get("input")
    choices = _choices(exc.param)
    if choices:
        return t("framework.value.choice", value=value, choices=choices)
    key = _VALUE_ERRORS.get(error.get("type", ""), "framework.value.invalid")
    limit = next(iter((error.get("ctx") or {}).values()), "")
    return t(key, value=value, limit=limit)

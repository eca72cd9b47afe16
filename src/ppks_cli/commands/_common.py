"""What every command shares: global options, the error boundary, output and prompts.

The error boundary (:func:`command`) is the one place where a :class:`PpksError` becomes
a message on stderr and an exit code. Anything else is a bug and is left to surface.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import typer

from ppks_cli.commands import _framework
from ppks_cli.errors import InvalidInput, PpksError, Refused
from ppks_cli.i18n import t

T = TypeVar("T")


@dataclass
class State:
    root: str | None = None
    no_input: bool = False
    no_commit: bool = False


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, State) else State()


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def interactive(ctx: typer.Context) -> bool:
    """Prompt for missing values only when a person is at a terminal."""
    return not state(ctx).no_input and stdin_is_terminal()


def open_repo(ctx: typer.Context):
    """The repository the command works on (a command that writes passes
    :func:`write_options` to the one core function it calls, which holds the
    repository while it writes)."""
    from ppks_cli.store import Repository

    return Repository.open(state(ctx).root)


def write_options(ctx: typer.Context):
    """The :class:`ppks_cli.changes.WriteOptions` of this command line."""
    from ppks_cli.changes import WriteOptions

    return WriteOptions(
        commit=not state(ctx).no_commit, command=ctx.command_path, notify=notify
    )


def notify(notice) -> None:
    """Show a :class:`ppks_cli.changes.Notice` on stderr."""
    (warn_line if notice.warning else info_line)(str(notice.message))


# --- the error boundary -----------------------------------------------------------------


def command(
    app: typer.Typer, name: str, **kwargs: Any
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Register a command whose :class:`PpksError` becomes one line on stderr and its
    exit code, with no traceback."""

    def decorate(func: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(func)
        def run(*args: Any, **kw: Any) -> T:
            from typer.exceptions import Abort

            try:
                return func(*args, **kw)
            except PpksError as exc:
                fail(exc)
            except OSError as exc:
                # the system refused a path the user gave (too long, a folder, no
                # permission): one line naming it, never a traceback
                from ppks_cli.errors import InvalidInput

                where = exc.filename if exc.filename is not None else "-"
                reason = exc.strerror or type(exc).__name__
                fail(InvalidInput("error.os_error", path=str(where)[:200], reason=reason))
            except (Abort, KeyboardInterrupt, EOFError):
                # Ctrl-C or closed input at a prompt: the refused step wrote nothing
                from ppks_cli.errors import Cancelled

                fail(Cancelled("error.cancelled"))

        kwargs.setdefault("cls", _framework.PpksCommand)  # the framework's words translated
        app.command(name, **kwargs)(run)
        return run

    return decorate


def fail(exc: PpksError) -> None:
    error_line(exc.message())
    raise typer.Exit(int(exc.exit_code))


def error_line(message: str) -> None:
    _line(t("cli.error_prefix") + message, stderr=True)


def warn_line(message: str) -> None:
    _line(t("cli.warning_prefix") + message, stderr=True)


def warn_unreadable(problems: list) -> None:
    """One warning for each case folder that could not be read (a read across cases
    leaves them out and says so)."""
    for problem in problems:
        warn_line(t("list.unreadable", problem=problem.render()))


def info_line(message: str) -> None:
    """A line on stderr that is neither the command's result nor an error."""
    _line(message, stderr=True)


# --- output -----------------------------------------------------------------------------

# what rich's Text does not print as it is: BEL, backspace, vertical tab, form feed and
# carriage return are removed, a tab is expanded to spaces (see :func:`plain_line`)
_RICH_CHANGES = frozenset("\t\x07\x08\x0b\x0c\r")


def plain_line(message: str) -> str | None:
    """The text the safe console (:func:`_safe_console_class`) prints for ``message``
    with markup, highlighting, emoji and wrapping off (``print(..., soft_wrap=True)``):
    ``message`` neutralised (:func:`ppks_cli.neutral.neutralise`) and a newline, with no
    colour code even at a terminal (the text has no style). None when rich would print
    something else: ``message`` holds a character rich's Text removes or expands (see
    :data:`_RICH_CHANGES`), or rich writes through the Windows console API or a notebook."""
    import builtins

    if not _RICH_CHANGES.isdisjoint(message) or sys.platform == "win32":
        return None
    if hasattr(builtins, "get_ipython"):  # Jupyter: rich displays it its own way
        return None
    from ppks_cli.neutral import neutralise

    return neutralise(message) + "\n"


def _line(message: str, *, stderr: bool) -> None:
    """``message`` on one line (or its own lines) of stderr or stdout, as the safe console
    prints it (:func:`plain_line`). Written directly when that is the same text and rich
    is not loaded yet: a command that says a line or two (a letter written, a warning, an
    error) does not import rich, tens of milliseconds of its start-up. Once rich is
    loaded (a table, a prompt, a progress bar, a test's console), the console prints."""
    text = None if "rich.console" in sys.modules else plain_line(message)
    if text is None:
        (err_console() if stderr else console()).print(
            message, markup=False, highlight=False, emoji=False, soft_wrap=True
        )
        return
    stream = sys.stderr if stderr else sys.stdout
    if stream is None:  # the stream was closed (2>&-): rich writes nowhere, and so here
        return
    try:
        try:
            stream.write(text)
        except UnicodeEncodeError as error:  # as rich says it
            error.reason = (f"{error.reason}\n*** You may need to add PYTHONIOENCODING=utf-8 "
                            "to your environment ***")  # fmt: skip
            raise
        stream.flush()
    except BrokenPipeError:  # as rich does: the rest goes nowhere, exit status 1
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(1) from None


@functools.cache
def _safe_console_class():
    """A rich Console whose every printed piece of text goes through
    :func:`ppks_cli.neutral.neutralise` (rich's own colour codes are added after it), with
    emoji shortcodes, markup and highlighting off: data is printed as it is, never
    interpreted (``file:100:`` stays, ``:pile_of_poo:`` and ``[bold]`` print literally)."""
    from rich.console import Console
    from rich.segment import Segment

    from ppks_cli.neutral import neutralise

    class SafeConsole(Console):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(emoji=False, markup=False, highlight=False, **kwargs)

        def _render_buffer(self, buffer):  # the one place text becomes terminal output
            return super()._render_buffer(
                segment if segment.control else Segment(neutralise(segment.text), *segment[1:])
                for segment in buffer
            )

    return SafeConsole


@functools.cache
def console():
    """The console for a command's result (stdout). Prints data safely (see
    :func:`_safe_console_class`)."""
    return _safe_console_class()()


@functools.cache
def err_console():
    """The console for messages, warnings and prompts (stderr), as safe as :func:`console`."""
    return _safe_console_class()(stderr=True)


def reset_consoles() -> None:
    """Forget the consoles (tests swap sys.stdout between runs)."""
    console.cache_clear()
    err_console.cache_clear()


# a bar appears once the work has taken this long (seconds): shorter work shows nothing
PROGRESS_AFTER = 1.0


@contextmanager
def progress_bar(what: str) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback for long core work (reading cases into the
    index): on a terminal, a bar on stderr labelled ``what`` once the work has run for
    :data:`PROGRESS_AFTER` seconds, removed when done; elsewhere (a pipe, a file, a
    script) nothing."""
    import time

    started = time.monotonic()
    shown: dict[str, Any] = {}

    def report(done: int, total: int) -> None:
        if "bar" not in shown:
            if time.monotonic() - started < PROGRESS_AFTER or done >= total:
                return
            if not err_console().is_terminal:
                return
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            bar = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                console=err_console(), transient=True,
            )  # fmt: skip
            bar.start()
            shown["bar"], shown["task"] = bar, bar.add_task(what, total=total)
        shown["bar"].update(shown["task"], completed=done, total=total)

    try:
        yield report
    finally:
        if "bar" in shown:
            shown["bar"].stop()


def say(message: str) -> None:
    """A line of a command's result on stdout (see :func:`_line`)."""
    _line(message, stderr=False)


def write_out(text: str) -> None:
    """Plain text (a letter in Markdown) on stdout as it is, except that control and
    bidirectional characters are neutralised (see :func:`ppks_cli.neutral.neutralise`)."""
    from ppks_cli.neutral import neutralise

    sys.stdout.write(neutralise(text))
    sys.stdout.flush()


def print_json(data: Any) -> None:
    """JSON on stdout, never coloured or wrapped, so scripts can read it: a core
    :class:`~ppks_cli.results.Result` (its ``to_json()``) or plain data. Control and
    bidirectional characters are written as ``\\uXXXX`` escapes (still the same JSON
    value), so the JSON is safe to look at in a terminal too."""
    import json

    if hasattr(data, "to_json"):
        data = data.to_json()
    text = json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)
    sys.stdout.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")
    sys.stdout.flush()


# characters json.dumps(ensure_ascii=False) leaves raw that a terminal would act on
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# --- prompts ----------------------------------------------------------------------------


def ask(
    label: str,
    parse: Callable[[str], T] | None = None,
    *,
    choices: Sequence[tuple[str, str]] = (),
    default: str | None = None,
    optional: bool = False,
    labels_only: bool = False,
) -> T | None:
    """Ask until the answer parses, saying after each wrong answer why it is asked again
    (:func:`prompt_error`: the reason, in words about the question, never a flag). An
    empty answer to a required question is asked again with its reason too.
    ``choices`` are ``(value, description)`` pairs, shown numbered; the number or the
    value may be typed; with ``labels_only`` (a fixed list whose values are stored
    codes, such as ``low``) only the descriptions are shown, though the codes are still
    accepted. ``parse`` (default :func:`prompt_text`: free text, as a record
    accepts it) raises :class:`InvalidInput` for a wrong answer (or :class:`Refused`, an
    answer the case cannot take). An optional question accepts an empty answer or
    "unknown"/"tidak tahu" as no value (``None``). Ctrl-C or closed input raises
    ``click.Abort`` (the error boundary of :func:`command` makes it "cancelled", exit
    8)."""
    from ppks_cli.intake import is_unknown

    parse = parse or prompt_text
    if choices:
        width = len(str(len(choices)))
        for number, (value, description) in enumerate(choices, start=1):
            if labels_only or not description or description == value:
                shown = description or value
            else:
                shown = f"{value} — {description}"
            err_console().print(f"  {number:>{width}}) {shown}", markup=False, highlight=False)
    hint = t("prompt.optional_hint") if optional else ""
    while True:
        raw = read_answer(
            f"{label}{hint}", default=default if default is not None else "",
            show_default=bool(default),
        )  # fmt: skip
        if optional and is_unknown(raw):
            return None
        text = raw.strip()
        if choices and text.isascii() and text.isdigit() and 1 <= int(text) <= len(choices):
            text = choices[int(text) - 1][0]
        if not text:
            error_line(t("form.required_again"))
            continue
        try:
            return parse(text)
        except (InvalidInput, Refused) as exc:  # Refused: an answer the case cannot take
            error_line(prompt_error(exc))


def prompt_text(value: str) -> str:
    """An answer of free text, checked at the prompt as a record checks it (no control
    character, not too long); the stripped text. Raises :class:`InvalidInput`."""
    from ppks_cli.models import MAX_TEXT, parse_name

    return parse_name(value, "-", max_length=MAX_TEXT)


def prompt_error(exc: PpksError) -> str:
    """Why an answer typed at a prompt was not taken, in words about the question: the
    detail of an "--option: detail" error, or the ``prompt_error`` variant of a message
    that names its option (a date); any other message as it is."""
    from ppks_cli.i18n import DEFAULT_LANGUAGE, catalog

    if exc.key == "error.invalid_option" and "detail" in exc.params:
        text = str(exc.params["detail"])
    else:
        variant = "prompt_error." + exc.key.partition(".")[2]
        text = t(variant, **exc.params) if variant in catalog(DEFAULT_LANGUAGE) else exc.message()
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def read_answer(question: str, **kwargs: Any) -> str:
    """One line typed at ``question`` (``typer.prompt`` on stderr). Ctrl-C or closed
    input end the line first, so that "cancelled" is a line of its own, then raise
    ``click.Abort``."""
    from typer.exceptions import Abort

    try:
        return typer.prompt(question, err=True, **kwargs)
    except (Abort, KeyboardInterrupt, EOFError):
        err_console().print()
        raise Abort() from None


def confirm(question: str, default: bool = False) -> bool:
    """Ask a yes/no ``question`` (on stderr) until it is answered: ``ya``/``y``/``iya``/
    ``yes`` or ``tidak``/``t``/``n``/``no`` (any word of
    :data:`ppks_cli.choices.YES_OR_NO`, in either language); an empty answer is
    ``default``. Another answer is asked again, saying what to type, in the interface
    language. Ctrl-C or closed input raise ``click.Abort`` (:func:`read_answer`)."""
    from ppks_cli.choices import YES_OR_NO

    suffix = t("choice.confirm_yes" if default else "choice.confirm_no")
    while True:
        answer = read_answer(question + suffix, default="", show_default=False)
        if not answer.strip():
            return default
        try:
            return YES_OR_NO.parse(answer, "-") == "yes"
        except InvalidInput:
            info_line(t("choice.yes_no_again"))


def run_editor(path: Path) -> None:
    """Open ``path`` in the user's editor (``$VISUAL``, else ``$EDITOR``, else nano or vi), as
    ``git commit`` does, and wait for it to close. Raises :class:`InvalidInput` (exit 3)
    when the variable cannot be read as a command (an unclosed quote) or names no
    program, :class:`~ppks_cli.errors.Cancelled` (exit 8) when the editor fails."""
    import os
    import shlex
    import shutil
    import subprocess

    from ppks_cli.errors import Cancelled

    variable = "VISUAL" if os.environ.get("VISUAL") else "EDITOR"
    # as git does when neither is set: an editor every system has (nano, else vi)
    editor = os.environ.get(variable) or ("nano" if shutil.which("nano") else "vi")
    try:
        words = shlex.split(editor)
    except ValueError:  # an unclosed quote (shlex says so in English)
        raise InvalidInput(
            "error.editor_unreadable", variable=variable, editor=editor
        ) from None
    if not words:
        raise InvalidInput("error.editor_missing", editor=editor)
    try:
        done = subprocess.run([*words, str(path)])
    except OSError:  # not found, not executable
        raise InvalidInput("error.editor_missing", editor=editor) from None
    if done.returncode != 0:
        raise Cancelled("error.cancelled")

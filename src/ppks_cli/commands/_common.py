"""What every command shares: global options, the error boundary, output and prompts.

The error boundary (:func:`command`) is the one place where a :class:`PpksError` becomes
a message on stderr and an exit code. Anything else is a bug and is left to surface.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import typer

from ppks_cli.errors import InvalidInput, PpksError
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


def open_repo(ctx: typer.Context, writing: str | None = None):
    """The repository the command works on. A command that writes passes ``writing``
    (see :func:`begin_writing`): ``"records"`` for files it commits, ``"git"`` for
    commands that move git itself (sync, bundle import), ``"files"`` for files it
    does not commit (templates export)."""
    from ppks_cli.store import Repository

    repo = Repository.open(state(ctx).root)
    if writing:
        begin_writing(ctx, repo, writing)
    return repo


def begin_writing(ctx: typer.Context, repo, writing: str = "records") -> None:
    """Everything a writing command does before it writes, in this order:

    1. take the repository's lock for the rest of the command (waiting a few seconds
       while another ppks writes; released when the command ends, however it ends);
    2. repair what a killed command left behind (temporary files, an empty new case
       folder, a stale git ``index.lock``, a sync stopped mid-rebase, an unmade commit);
    3. refuse (exit 6, nothing written) while git is in a state where a commit would be
       dropped later (unfinished rebase, merge, cherry-pick, revert; detached HEAD),
       unless nothing is committed (``--no-commit``, which then says so)."""
    from ppks_cli import git as gitops  # `git` names the state below
    from ppks_cli import locking
    from ppks_cli.store import clean_after_crash

    git = gitops.git_state(repo.root)
    path = locking.lock_path(repo.root, git.git_dir if git else None)

    def waiting(holder) -> None:
        info_line(t("lock.waiting", pid=holder.pid if holder else "?",
                    command=holder.command if holder and holder.command else "ppks",
                    since=holder.since if holder else "?"))  # fmt: skip

    lock = locking.acquire(path, ctx.command_path, on_wait=waiting)
    ctx.call_on_close(lock.release)
    if lock.previous_died:
        removed = clean_after_crash(repo)
        if removed:
            info_line(t("lock.cleaned", files=", ".join(p.as_posix() for p in removed)))
    if git is None:
        return
    committing = writing == "git" or (
        writing == "records" and not state(ctx).no_commit and repo.config.git.auto_commit
    )
    found = gitops.recover(repo.root, commit=committing, state=git)
    if found.index_lock is not None:
        info_line(t("git.stale_index_lock_removed", file=str(found.index_lock)))
    if found.sync_rolled_back:
        info_line(t("git.sync_rolled_back"))
    if found.committed:
        info_line(t("git.pending_committed", files=", ".join(found.committed)))
    if found.problem is not None:
        warn_line(str(found.problem))
    if found.sync_rolled_back or found.committed:  # git moved: look again
        git = gitops.git_state(repo.root) or git
    if committing:
        gitops.refuse_unsafe_state(repo.root, git)
        noted: list = []

        def note(path) -> None:  # before each write: a kill from here on is finished later
            noted.append(path)
            gitops.note_pending_commit(repo.root, noted, None, None, git.git_dir)

        repo.before_write = note
        repo.git_dir = git.git_dir
    elif writing == "records" and (git.operation or git.branch is None):
        info_line(t("git.writing_without_commit"))


def commit(ctx: typer.Context, repo, message: str, worker: str | None) -> None:
    """Commit exactly the files this command wrote, when the repository is a git
    repository and committing is on. A failed commit leaves the files written and ends
    the command with exit 9 (``git.commit_failed``: git's reason, the files, and the
    commands that finish it by hand)."""
    if not repo.written:
        return
    if state(ctx).no_commit or not repo.config.git.auto_commit:
        if state(ctx).no_commit:
            info_line(t("git.not_committed_option",
                        files=", ".join(repo.rel(p) for p in repo.written)))  # fmt: skip
        return
    from ppks_cli import git as gitops

    if not gitops.git_available():
        warn_line(t("git.not_committed_no_git"))
        return
    if not gitops.is_repository(repo.root):
        return
    git_dir = repo.git_dir
    gitops.note_pending_commit(repo.root, repo.written, message, worker, git_dir)
    result = gitops.commit_paths(repo.root, repo.written, message, worker)
    gitops.done_pending_commit(repo.root, git_dir)
    repo.written.clear()
    if result.problem is not None:
        from ppks_cli.errors import ExternalToolError

        raise ExternalToolError(result.problem.key, **result.problem.params)


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

        app.command(name, **kwargs)(run)
        return run

    return decorate


def fail(exc: PpksError) -> None:
    error_line(exc.message())
    raise typer.Exit(int(exc.exit_code))


def error_line(message: str) -> None:
    err_console().print(
        t("cli.error_prefix") + message, markup=False, highlight=False, emoji=False, soft_wrap=True
    )


def warn_line(message: str) -> None:
    err_console().print(
        t("cli.warning_prefix") + message,
        markup=False,
        highlight=False,
        emoji=False,
        soft_wrap=True,
    )


def info_line(message: str) -> None:
    """A line on stderr that is neither the command's result nor an error."""
    err_console().print(message, markup=False, highlight=False, emoji=False, soft_wrap=True)


# --- output -----------------------------------------------------------------------------


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


def say(message: str) -> None:
    console().print(message, markup=False, highlight=False, emoji=False, soft_wrap=True)


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
    parse: Callable[[str], T],
    *,
    choices: Sequence[tuple[str, str]] = (),
    default: str | None = None,
    optional: bool = False,
) -> T | None:
    """Ask until the answer parses. ``choices`` are ``(value, description)`` pairs, shown
    numbered; the number or the value may be typed. An optional question accepts an
    empty answer or "unknown"/"tidak tahu" as no value."""
    from ppks_cli.intake import is_unknown

    if choices:
        width = len(str(len(choices)))
        for number, (value, description) in enumerate(choices, start=1):
            shown = f"{value} — {description}" if description and description != value else value
            err_console().print(f"  {number:>{width}}) {shown}", markup=False, highlight=False)
    hint = t("prompt.optional_hint") if optional else ""
    while True:
        raw = typer.prompt(
            f"{label}{hint}",
            default=default if default is not None else ("" if optional else None),
            show_default=bool(default),
            err=True,
        )
        if optional and is_unknown(raw):
            return None
        text = raw.strip()
        if choices and text.isascii() and text.isdigit() and 1 <= int(text) <= len(choices):
            text = choices[int(text) - 1][0]
        if not text and not optional:
            continue
        try:
            return parse(text)
        except InvalidInput as exc:
            error_line(exc.message())


def confirm(question: str, default: bool = False) -> bool:
    return typer.confirm(question, default=default, err=True)

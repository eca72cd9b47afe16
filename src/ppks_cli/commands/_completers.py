"""The autocompletion callbacks of the command-line parameters (``autocompletion=`` of a
typer Argument or Option): thin, they ask :mod:`ppks_cli.completion` through
:mod:`ppks_cli.commands._shell`, both imported only when the shell asks for
completions, so that building the commands costs nothing more."""

from __future__ import annotations

from collections.abc import Callable

import typer


def _completer(kind: str) -> Callable[[typer.Context, str], list[tuple[str, str]]]:
    """The callback that completes a word of ``kind`` (see
    :data:`ppks_cli.completion.KINDS`)."""

    def complete(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
        from ppks_cli.commands._shell import values

        return values(ctx, kind, incomplete)

    complete.__name__ = complete.__qualname__ = f"complete_{kind}"
    return complete


CASE = _completer("case")
CATEGORY = _completer("category")
WORKER = _completer("worker")
STAGE = _completer("stage")
LETTER_KIND = _completer("letter_kind")
DESTINATION = _completer("destination")
ATTACHMENT_KIND = _completer("attachment_kind")
RELATION = _completer("relation")

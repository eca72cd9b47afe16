"""The errors ppks raises for problems a user can fix, and the exit codes they map to.

Every user-facing failure is a :class:`PpksError` carrying a message key from the
catalog (see :mod:`ppks_cli.i18n`) and its parameters, so the command line can print it
in the user's language. Anything else that escapes is a bug and surfaces as one.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    OK = 0
    PROBLEMS_FOUND = 1  # `ppks check` found problems; also the generic failure
    USAGE = 2  # bad command-line syntax (reported by Typer/Click)
    INVALID_INPUT = 3  # a value the user gave is not acceptable
    NOT_FOUND = 4  # unknown or ambiguous case, record, file
    NO_REPOSITORY = 5  # not inside a case repository
    REFUSED = 6  # the action does not fit the state of the case or repository
    DAMAGED = 7  # a file on disk cannot be read
    CANCELLED = 8  # the user declined a confirmation
    EXTERNAL = 9  # an external tool (git, typst) failed
    CANNOT_WRITE = 10  # the file system refused a write (permissions, disk full)


class PpksError(Exception):
    """A problem the user can understand and fix. ``key`` names a catalog message."""

    exit_code: ExitCode = ExitCode.PROBLEMS_FOUND

    def __init__(self, key: str, /, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(key)

    def message(self) -> str:
        from ppks_cli.i18n import t

        return t(self.key, **self.params)

    def __str__(self) -> str:
        return self.message()


class InvalidInput(PpksError):
    exit_code = ExitCode.INVALID_INPUT


class NotFound(PpksError):
    exit_code = ExitCode.NOT_FOUND


class NoRepository(PpksError):
    exit_code = ExitCode.NO_REPOSITORY


class Refused(PpksError):
    exit_code = ExitCode.REFUSED


class DamagedFile(PpksError):
    exit_code = ExitCode.DAMAGED


class Cancelled(PpksError):
    exit_code = ExitCode.CANCELLED


class ExternalToolError(PpksError):
    exit_code = ExitCode.EXTERNAL


class WriteFailed(PpksError):
    """The file system refused a write: no permission, a full disk, a read-only folder."""

    exit_code = ExitCode.CANNOT_WRITE

"""The errors ppks raises for problems a user can fix, and the exit codes they map to.

Every user-facing failure is a :class:`PpksError` carrying a message key from the
catalog (see :mod:`ppks_cli.i18n`) and its parameters, so the command line can print it
in the user's language. Anything else that escapes is a bug and surfaces as one.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ppks_cli.git.sync import Conflict, Deletion
    from ppks_cli.validation import Problem


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


class GitMissing(ExternalToolError):
    """The ``git`` program is not installed (or not on ``PATH``)."""


class WriteFailed(PpksError):
    """The file system refused a write: no permission, a full disk, a read-only folder."""

    exit_code = ExitCode.CANNOT_WRITE


# --- errors that carry data of their own --------------------------------------------------


class InvalidValue(InvalidInput):
    """A value that is not acceptable, raised where it is not known whether it came from
    an option, a prompt or a file; the caller says where with :meth:`for_option` (or,
    inside a model, ``models.custom_error(exc.key, **exc.params)``)."""

    def for_option(self, option: str) -> InvalidInput:
        """The same problem as an error naming the option (or prompt) it came from."""
        from ppks_cli.i18n import Msg

        detail = Msg(self.key, self.params)
        return InvalidInput("error.invalid_option", option=option, detail=detail)


class NikError(InvalidValue):
    """Why a number is not a plausible NIK or No. KK (``validation.nik_*`` keys)."""


class PossibleDuplicates(PpksError):
    """Raised instead of opening a case when the client may already have one;
    ``matches`` are :class:`ppks_cli.duplicates.PossibleDuplicate`."""

    exit_code = ExitCode.REFUSED
    SHOWN = 5  # the most likely are named; the rest are counted (``ppks search`` lists all)

    def __init__(self, matches: list[Any]) -> None:
        from ppks_cli.i18n import Msg

        listing = "; ".join(
            f"{m.case.id} ({m.case.client.name}, {Msg('duplicate.' + m.reason)})"
            for m in matches[: self.SHOWN]
        )
        if len(matches) > self.SHOWN:
            listing += str(Msg("duplicate.more", count=len(matches) - self.SHOWN))
        super().__init__("error.possible_duplicate", matches=listing)
        self.matches = matches


class MigrationBlocked(DamagedFile):
    """Files that cannot be read: ``ppks migrate`` changes nothing until they are fixed."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        listing = "; ".join(p.render() for p in problems[:5])
        more = len(problems) - 5
        listing += f" (+{more})" if more > 0 else ""
        super().__init__("error.migrate_blocked", problems=listing)


class DeletionsNotConfirmed(Refused):
    """``[git] confirm_deletions`` is on and the others' work deletes case files; nothing
    was changed. ``deleted`` are :class:`ppks_cli.git.sync.Deletion`; ``command`` is the
    command line that accepts them."""

    def __init__(self, deleted: list[Deletion], command: str) -> None:
        self.deleted = deleted
        cases = sum(1 for d in deleted if d.record is None)
        super().__init__("error.deletions_not_confirmed", cases=cases,
                         records=sum(d.records for d in deleted), command=command)  # fmt: skip


class SyncConflict(Refused):
    """A genuine conflict: two people edited the same file by hand. The repository is
    left exactly as it was before the sync. ``conflicts`` are
    :class:`ppks_cli.git.sync.Conflict`; ``upstream`` is the branch integrated; ``merge``
    when it was being merged (a bundle import), not rebased onto."""

    def __init__(self, conflicts: list[Conflict], upstream: str, merge: bool = False) -> None:
        self.conflicts = conflicts
        self.upstream = upstream
        self.merge = merge
        names = ", ".join(c.path for c in conflicts)
        key = "error.bundle_conflict" if merge else "error.sync_conflict"
        super().__init__(key, files=names, upstream=upstream)

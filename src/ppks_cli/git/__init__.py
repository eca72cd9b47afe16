"""git, through its command line: committing what ppks wrote, reading history, and
moving work between clones (sync, bundles).

One module per concern:

- :mod:`~ppks_cli.git.runner`: running git safely (environment, protocols, settings)
- :mod:`~ppks_cli.git.identity`: who a commit is by
- :mod:`~ppks_cli.git.commit`: committing exactly the files written; a new repository
- :mod:`~ppks_cli.git.state`: the state git is in; refusing unsafe states; index.lock
- :mod:`~ppks_cli.git.markers`: notes left in ``.git`` while an operation runs
- :mod:`~ppks_cli.git.recovery`: finishing or undoing what a killed command left
- :mod:`~ppks_cli.git.history`: the commits of a case; the case as it was (``--as-of``)
- :mod:`~ppks_cli.git.status`: what is uncommitted, what is unshared
- :mod:`~ppks_cli.git.sync`: fetch, rebase, push; deletions and conflicts received
- :mod:`~ppks_cli.git.bundle`: a branch's history in one file, for a USB stick

The names below are the ones the rest of ppks uses: ``from ppks_cli import git`` then
``git.commit_paths(...)``. Import this package inside the function that needs it, never
at module level (ppks's start-up must not pay for it; ruff bans it).
"""

from __future__ import annotations

import importlib
import sys
import types

# each name below and the module it comes from: a module is imported the first time one
# of its names is used, so a command pays only for what it uses (an issued letter never
# loads sync, bundle and tarfile, history: about 5 ms)
_SOURCES = {
    "ppks_cli.errors": ("DeletionsNotConfirmed", "GitMissing", "SyncConflict"),
    "ppks_cli.git.bundle": ("bundle_export", "bundle_import", "clone_bundle"),
    "ppks_cli.git.commit": (
        "GITATTRIBUTES", "GITIGNORE", "CommitResult", "commit_paths", "init_repository",
        "manual_commit_command",
    ),
    "ppks_cli.git.history": (
        "Change", "HistoryEntry", "checkout_snapshot", "commit_time", "history",
        "resolve_revision",
    ),
    "ppks_cli.git.identity": ("identity_env",),
    "ppks_cli.git.joining": ("Cloned", "clone"),
    "ppks_cli.git.markers": ("PENDING_COMMIT", "SYNC_MARKER"),
    "ppks_cli.git.recovery": ("Recovery", "done_pending_commit", "note_pending_commit", "recover"),
    "ppks_cli.git.runner": (
        "git_available", "git_command", "has_commits", "is_repository", "out",
        "require_repository", "run",
    ),
    "ppks_cli.git.state": (
        "GitState", "git_state", "head_commit", "refuse_unsafe_state", "remove_stale_index_lock",
    ),
    "ppks_cli.git.status": ("Status", "status", "upstream_of"),
    "ppks_cli.git.sync": (
        "Conflict", "ConflictVersion", "Deletion", "SyncReport", "check_remote", "deletions_in",
        "integrate", "remotes", "sync",
    ),
}  # fmt: skip
_WHERE = {name: module for module, names in _SOURCES.items() for name in names}


def __getattr__(name: str):
    """A name of :data:`_SOURCES`, its module imported now; else a submodule."""
    module = _WHERE.get(name)
    if module is None:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """Keeps ``sync``, ``history`` and ``status`` the functions: importing the module of
    the same name (``ppks_cli.git.sync``) would otherwise set the package's name to the
    module, as it did before they were imported lazily only by being imported last."""

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, types.ModuleType) and name in _WHERE:
            if name not in self.__dict__:  # the function, not the module
                value = getattr(value, name)
            else:
                return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


__all__ = [
    "GITATTRIBUTES", "GITIGNORE", "PENDING_COMMIT", "SYNC_MARKER",
    "Change", "CommitResult", "Conflict", "ConflictVersion", "Deletion", "DeletionsNotConfirmed",
    "GitMissing", "GitState", "HistoryEntry", "Recovery", "Status", "SyncConflict", "SyncReport",
    "Cloned", "bundle_export", "bundle_import", "check_remote", "checkout_snapshot", "clone",
    "clone_bundle",
    "commit_paths", "commit_time", "deletions_in", "done_pending_commit", "git_available",
    "git_command", "git_state", "has_commits", "head_commit", "history", "identity_env",
    "init_repository",
    "integrate", "is_repository", "manual_commit_command", "note_pending_commit", "out",
    "recover", "refuse_unsafe_state", "remotes", "remove_stale_index_lock",
    "require_repository", "resolve_revision", "run", "status", "sync", "upstream_of",
]  # fmt: skip

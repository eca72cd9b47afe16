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

from ppks_cli.errors import DeletionsNotConfirmed, GitMissing, SyncConflict
from ppks_cli.git.bundle import bundle_export, bundle_import, clone_bundle
from ppks_cli.git.commit import (
    GITATTRIBUTES,
    GITIGNORE,
    CommitResult,
    commit_paths,
    init_repository,
    manual_commit_command,
)
from ppks_cli.git.history import (
    Change,
    HistoryEntry,
    checkout_snapshot,
    commit_time,
    history,
    resolve_revision,
)
from ppks_cli.git.identity import identity_env
from ppks_cli.git.joining import Cloned, clone
from ppks_cli.git.markers import PENDING_COMMIT, SYNC_MARKER
from ppks_cli.git.recovery import Recovery, done_pending_commit, note_pending_commit, recover
from ppks_cli.git.runner import (
    git_available,
    git_command,
    has_commits,
    is_repository,
    out,
    require_repository,
    run,
)
from ppks_cli.git.state import GitState, git_state, refuse_unsafe_state, remove_stale_index_lock
from ppks_cli.git.status import Status, status, upstream_of
from ppks_cli.git.sync import (
    Conflict,
    ConflictVersion,
    Deletion,
    SyncReport,
    check_remote,
    deletions_in,
    integrate,
    remotes,
    sync,
)

__all__ = [
    "GITATTRIBUTES", "GITIGNORE", "PENDING_COMMIT", "SYNC_MARKER",
    "Change", "CommitResult", "Conflict", "ConflictVersion", "Deletion", "DeletionsNotConfirmed",
    "GitMissing", "GitState", "HistoryEntry", "Recovery", "Status", "SyncConflict", "SyncReport",
    "Cloned", "bundle_export", "bundle_import", "check_remote", "checkout_snapshot", "clone",
    "clone_bundle",
    "commit_paths", "commit_time", "deletions_in", "done_pending_commit", "git_available",
    "git_command", "git_state", "has_commits", "history", "identity_env", "init_repository",
    "integrate", "is_repository", "manual_commit_command", "note_pending_commit", "out",
    "recover", "refuse_unsafe_state", "remotes", "remove_stale_index_lock",
    "require_repository", "resolve_revision", "run", "status", "sync", "upstream_of",
]  # fmt: skip

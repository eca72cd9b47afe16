"""Recovering from a killed command: files written whose commit never ran, a sync
stopped in the middle of its rebase, a stale ``index.lock``.

A writing command notes what it is about to commit (:func:`note_pending_commit`) and
forgets it once done (:func:`done_pending_commit`); the next command, holding the
repository's ppks lock, calls :func:`recover` first."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ppks_cli.changes import commit_message
from ppks_cli.git import markers
from ppks_cli.git.commit import commit_paths
from ppks_cli.git.runner import out, run
from ppks_cli.git.state import GitState, git_state, operation, remove_stale_index_lock
from ppks_cli.i18n import Msg


def note_pending_commit(root: Path, files: Sequence[Path], message: str | None,
                        worker: str | None, git_dir: Path | None = None) -> None:  # fmt: skip
    """Remember what is about to be written and committed (before writing it): a
    command killed before its commit ran is then finished by the next one
    (:func:`recover`). ``git_dir`` saves looking it up."""
    if git_dir is None:
        state = git_state(root)
        if state is None:
            return
        git_dir = state.git_dir
    rel = sorted({os.path.relpath(f, root) for f in files})
    noted = {"root": str(root), "files": rel, "message": message, "worker": worker}
    markers.write(git_dir, markers.PENDING_COMMIT, noted)


def done_pending_commit(root: Path, git_dir: Path | None = None) -> None:
    """Forget what :func:`note_pending_commit` noted (the commit ran, or failed and
    the user was told how to finish it)."""
    if git_dir is None:
        state = git_state(root)
        git_dir = state.git_dir if state is not None else None
    if git_dir is not None:
        markers.drop(git_dir, markers.PENDING_COMMIT)


@dataclass
class Recovery:
    """What :func:`recover` repaired, for the user."""

    index_lock: Path | None = None
    sync_rolled_back: bool = False
    committed: list[str] = field(default_factory=list)
    problem: Msg | None = None


def recover(root: Path, *, commit: bool = True, state: GitState | None = None) -> Recovery:
    """Repair what a killed ppks (or git) left behind, before a command writes: a stale
    ``index.lock``, a sync stopped in the middle of its rebase (rolled back to where the
    branch was before it: the local commits are kept, the sync can simply run again),
    and files written whose commit never ran (committed now, unless ``commit`` is
    false). Only call this while holding the repository's ppks lock; ``state`` saves
    looking it up."""
    found = Recovery()
    state = state or git_state(root)
    if state is None:
        return found
    found.index_lock = remove_stale_index_lock(root, state)
    marker = markers.read(state.git_dir, markers.SYNC_MARKER)
    if marker is not None:
        _roll_back_sync(root, state, marker)
        found.sync_rolled_back = True
    pending = markers.read(state.git_dir, markers.PENDING_COMMIT)
    if pending is not None and commit and not operation(state.git_dir):
        files = [root / f for f in pending.get("files", []) if isinstance(f, str)]
        files = [f for f in files if f.is_file() and _inside(f, root)]
        if files:
            result = commit_paths(
                root, files, str(pending.get("message") or commit_message(None, "finished")),
                pending.get("worker") if isinstance(pending.get("worker"), str) else None,
            )  # fmt: skip
            if result.committed:
                found.committed = result.paths
            elif result.problem is not None:  # said once; never blocks the next command
                found.problem = result.problem
        markers.drop(state.git_dir, markers.PENDING_COMMIT)
    return found


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except (OSError, ValueError):
        return False
    return True


def _rebase_is_ours(state: GitState, marker: dict) -> bool:
    """Whether the unfinished rebase is the one the interrupted sync started (it began
    from the commit the sync noted), not one the user started since."""
    for name in ("rebase-merge", "rebase-apply"):
        try:
            orig = (state.git_dir / name / "orig-head").read_text().strip()
        except OSError:
            continue
        return not marker.get("head") or orig == marker.get("head")
    return True  # git's state is too incomplete to say: it cannot be the user's


def _roll_back_sync(root: Path, state: GitState, marker: dict) -> None:
    """Undo a sync killed while it was rebasing: git's own ``rebase --abort`` puts the
    branch back where it was (local commits included); when git's rebase state is itself
    half written, the branch is checked out again (it still points to the local work)."""
    branch = marker.get("branch") if isinstance(marker.get("branch"), str) else state.branch
    if operation(state.git_dir) in ("rebase", "am") and not _rebase_is_ours(state, marker):
        markers.drop(state.git_dir, markers.SYNC_MARKER)  # a rebase the user started since
        return
    if marker.get("step") == "merge" and operation(state.git_dir) == "merge":
        run(root, "merge", "--abort", check=False)  # a bundle import killed while merging
    if operation(state.git_dir) in ("rebase", "am"):
        run(root, "rebase", "--abort", check=False)
        if operation(state.git_dir) in ("rebase", "am"):
            for name in ("rebase-merge", "rebase-apply"):
                shutil.rmtree(state.git_dir / name, ignore_errors=True)
    current = out(root, "symbolic-ref", "--short", "-q", "HEAD", check=False)
    if branch and current != branch:
        known = run(root, "rev-parse", "--verify", "-q", f"refs/heads/{branch}", check=False)
        if known.returncode != 0 and isinstance(marker.get("head"), str):
            run(root, "update-ref", f"refs/heads/{branch}", marker["head"], check=False)
        run(root, "checkout", "--force", "--quiet", branch, "--", check=False)
    elif marker.get("step") == "reset":
        run(root, "reset", "--hard", "--quiet", check=False)
    markers.drop(state.git_dir, markers.SYNC_MARKER)

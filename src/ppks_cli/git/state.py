"""The state git is in: its folder, the branch, an operation left unfinished, a lock
file left by a killed git, and refusing to write where a new commit would be lost."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from ppks_cli.errors import Refused
from ppks_cli.git.runner import git_available, git_command, out, run

INDEX_LOCK_STALE_SECONDS = 5.0  # an index.lock older than this, with no git running, is stale


@dataclass(frozen=True)
class GitState:
    """Where git is: its folder, the branch (None on a detached HEAD) and an operation
    left unfinished (``rebase``, ``am``, ``merge``, ``cherry-pick``, ``revert``,
    ``bisect``) or None."""

    git_dir: Path
    top: Path
    branch: str | None
    operation: str | None


def git_state(root: Path) -> GitState | None:
    """The state of the git repository ``root`` is in; None when it is not in one (or
    git is missing)."""
    if not git_available():
        return None
    found = run(root, "rev-parse", "--absolute-git-dir", "--show-toplevel", check=False)
    lines = found.stdout.decode("utf-8", "replace").splitlines()
    if found.returncode != 0 or len(lines) < 2:
        return None
    git_dir, top = Path(lines[0]), Path(lines[1])
    return GitState(git_dir, top, _branch(root, git_dir), operation(git_dir))


def _branch(root: Path, git_dir: Path) -> str | None:
    """The branch checked out (None on a detached HEAD), read from ``HEAD`` in
    ``git_dir`` as git writes it (``ref: refs/heads/main``), else asked of git."""
    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        head = ""
    name = head.removeprefix("ref: refs/heads/")
    if name != head and name and name != ".invalid" and "\n" not in name:
        return name
    if len(head) in (40, 64) and all(c in "0123456789abcdef" for c in head):
        return None  # detached
    return out(root, "symbolic-ref", "--short", "-q", "HEAD", check=False) or None


def head_commit(root: Path, git_dir: Path | None = None) -> str | None:
    """The whole ID of the commit HEAD names in the repository of ``root``; None without
    git or before the first commit. With ``git_dir`` (the repository's git folder, as
    :class:`GitState` has it) it is read from the files git writes, without a git
    process: ``HEAD`` naming a branch (or a commit), then the branch's own file under
    ``refs/heads/`` or else its line in ``packed-refs`` (in the folder a linked work tree
    shares). Anything else (a reftable, a symbolic ref, a branch without a commit, a line
    that is not an ID) is asked of git (``git rev-parse --verify HEAD^{commit}``)."""
    if git_dir is not None:
        found = _read_head(git_dir)
        if found is not None:
            return found
    if not git_available():
        return None
    found = run(root, "rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
    return found.stdout.decode().strip() or None if found.returncode == 0 else None


def _is_object_id(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def _read_head(git_dir: Path) -> str | None:
    """HEAD's commit as :func:`head_commit` reads it from the files, or None."""
    from ppks_cli.git.plumbing import common_dir

    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
        if _is_object_id(head):  # detached
            return head
        name = head.removeprefix("ref: ")
        if name == head or not name.startswith("refs/heads/") or name.endswith("/.invalid"):
            return None
        if any(part in ("", ".", "..") for part in name.split("/")):
            return None
        common = common_dir(git_dir)
        if (common / "reftable").exists():
            return None
        try:
            loose = (common / name).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            loose = None
        if loose is not None:
            return loose if _is_object_id(loose) else None
        with open(common / "packed-refs", encoding="utf-8") as packed:
            for line in packed:
                oid, _, ref = line.rstrip("\n").partition(" ")
                if ref == name:
                    return oid if _is_object_id(oid) else None
    except (OSError, UnicodeDecodeError):
        return None
    return None


def operation(git_dir: Path) -> str | None:
    """The operation git has left unfinished in ``git_dir`` (see :class:`GitState`)."""
    if (git_dir / "rebase-merge").exists():
        return "rebase"
    if (git_dir / "rebase-apply").exists():
        return "am" if (git_dir / "rebase-apply" / "applying").exists() else "rebase"
    for name, found in (
        ("MERGE_HEAD", "merge"), ("CHERRY_PICK_HEAD", "cherry-pick"),
        ("REVERT_HEAD", "revert"), ("BISECT_LOG", "bisect"),
    ):  # fmt: skip
        if (git_dir / name).exists():
            return found
    return None


def refuse_unsafe_state(root: Path, state: GitState) -> None:
    """Refuse to write while git is in a state where a new commit would be dropped
    later: an unfinished rebase, am, merge, cherry-pick or revert, a bisect, or a
    detached HEAD. Raises :class:`Refused` naming the commands that finish or abort it
    (each works as printed) and ``--no-commit``."""
    if state.operation in ("rebase", "am", "cherry-pick", "revert"):
        raise Refused(
            f"error.git_{state.operation.replace('-', '_')}_in_progress",
            add=git_command(root, "add", "--", "FILE"),
            go_on=git_command(root, state.operation, "--continue"),
            abort=git_command(root, state.operation, "--abort"),
        )
    if state.operation == "merge":
        raise Refused(
            "error.git_merge_in_progress",
            add=git_command(root, "add", "--", "FILE"),
            go_on=git_command(root, "commit", "--no-edit"),
            abort=git_command(root, "merge", "--abort"),
        )
    if state.operation == "bisect":
        raise Refused("error.git_bisect_in_progress", abort=git_command(root, "bisect", "reset"))
    if state.branch is None:
        branches = out(root, "for-each-ref", "--format=%(refname:short)", "refs/heads/",
                       check=False).splitlines()  # fmt: skip
        target = next((b for b in ("main", "master") if b in branches), None)
        target = target or (branches[0] if branches else "main")
        raise Refused(
            "error.git_detached",
            switch=git_command(root, "switch", target),
            keep=git_command(root, "switch", "-c", "ppks-saved-work"),
        )


def in_progress(root: Path) -> bool:
    """Whether a rebase or a merge is unfinished in the repository of ``root``."""
    git_dir = Path(out(root, "rev-parse", "--absolute-git-dir"))
    return any((git_dir / name).exists() for name in ("rebase-merge", "rebase-apply", "MERGE_HEAD"))


def index_lock(root: Path) -> Path | None:
    """git's ``index.lock`` of the repository of ``root``, when it exists."""
    state = git_state(root)
    if state is None:
        return None
    path = state.git_dir / "index.lock"
    return path if path.exists() else None


def _git_running_in(top: Path) -> bool:
    """Whether a git process works in ``top`` (Linux: read from /proc). Without /proc,
    assume one might, unless the lock is old (see :func:`remove_stale_index_lock`)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    me = os.getpid()
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            if (entry / "comm").read_text().strip() not in ("git", "git-remote-http"):
                continue
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue
        if cwd == top or top in cwd.parents:
            return True
    return False


def remove_stale_index_lock(root: Path, state: GitState | None = None) -> Path | None:
    """Remove git's ``index.lock`` when a killed git left it: older than
    :data:`INDEX_LOCK_STALE_SECONDS` and no git process working in the repository (with
    no way to see processes, older than a minute). Only call this while holding the
    repository's ppks lock. ``state`` saves looking it up. Returns the file removed,
    or None."""
    state = state or git_state(root)
    if state is None:
        return None
    path = state.git_dir / "index.lock"
    try:
        age = time_now() - path.stat().st_mtime
    except OSError:
        return None
    if age < INDEX_LOCK_STALE_SECONDS:
        return None
    if _git_running_in(state.top) and (Path("/proc").is_dir() or age < 60):
        return None
    try:
        path.unlink()
    except OSError:
        return None
    return path


def time_now() -> float:
    """The time now, in seconds since the epoch (a seam for tests)."""
    return time.time()

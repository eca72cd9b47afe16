"""git, through its command line: committing what ppks wrote, reading history, and
moving work between clones (sync, bundles).

No git library: the ``git`` program is run with subprocess, and a missing ``git`` is a
clear error for the commands that need it. Commit messages never carry personal data:
they name the case ID and what happened, nothing else.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ppks_cli import paths
from ppks_cli.errors import DamagedFile, ExternalToolError, InvalidInput, NotFound, Refused
from ppks_cli.i18n import Msg

GITIGNORE = """\
# ppks: rendered letters, scratch output and caches stay out of git
*.pdf
*.png
/out/
__pycache__/
.ppks-cache/
.ppks.lock
"""
GITATTRIBUTES = """\
# ppks: case files are text with LF line ends on every machine
*.toml text eol=lf
*.j2 text eol=lf
*.md text eol=lf
"""

# what each record kind says in a commit message (no personal data)
COMMIT_WORDS = {
    "assessment": "assessment recorded", "plan": "plan recorded",
    "intervention": "intervention recorded", "referral": "referral recorded",
    "referral-update": "referral status updated", "evaluation": "evaluation recorded",
    "termination": "case terminated", "follow-up": "follow-up recorded",
    "reopen": "case reopened", "note": "note added", "approval": "approval recorded",
    "letter": "letter issued",
}  # fmt: skip


EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's tree with nothing in it


class GitMissing(ExternalToolError):
    pass


def git_available() -> bool:
    return shutil.which("git") is not None


# Transports git may use: no `ext::` (runs a command) and no `fd::`, whatever a remote
# URL or a setting says.
ALLOWED_PROTOCOLS = "file:git:http:https:ssh"

# Settings forced on every git that ppks runs: a repository folder copied from a USB stick
# brings its own .git/config, and these would run a program of its choosing. Hooks stay:
# they are the user's own, and the README promises a refusing pre-commit hook is respected.
SAFE_CONFIG = (
    "core.fsmonitor=false",  # a program run by `git status`
    "submodule.recurse=false",  # .gitmodules is committed: its URLs are the others'
    "fetch.recurseSubmodules=false",
    "protocol.ext.allow=never",
    "protocol.fd.allow=never",
)


def run(root: Path, *args: str, check: bool = True, env: dict[str, str] | None = None,
        input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:  # fmt: skip
    """Run ``git args`` in ``root``. A failure raises :class:`ExternalToolError` with
    git's own first line, unless ``check`` is false.

    git runs with the protocols of :data:`ALLOWED_PROTOCOLS` only and the settings of
    :data:`SAFE_CONFIG`; callers put every value that comes from a user or a repository
    after ``--end-of-options`` or ``--``, so it is never read as an option."""
    if not git_available():
        raise GitMissing("error.git_missing")
    full_env = {
        **os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C",
        "GIT_ALLOW_PROTOCOL": ALLOWED_PROTOCOLS, **(env or {}),
    }  # fmt: skip
    forced = [part for setting in SAFE_CONFIG for part in ("-c", setting)]
    result = subprocess.run(
        ["git", *forced, *args], cwd=root, env=full_env, input=input, capture_output=True
    )
    if check and result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExternalToolError("error.git_failed", command=f"git {args[0]}",
                                detail=detail[-1] if detail else "")  # fmt: skip
    return result


def out(root: Path, *args: str, check: bool = True) -> str:
    return run(root, *args, check=check).stdout.decode("utf-8", "replace").strip()


def is_repository(root: Path) -> bool:
    """Whether ``root`` is inside a git work tree (False when git is missing)."""
    if not git_available():
        return False
    result = run(root, "rev-parse", "--is-inside-work-tree", check=False)
    return result.returncode == 0 and result.stdout.strip() == b"true"


def require_repository(root: Path) -> None:
    """For commands that need git: a clear error when git or the repository is missing."""
    if not git_available():
        raise GitMissing("error.git_missing")
    if not is_repository(root):
        raise Refused("error.not_git")


def has_commits(root: Path) -> bool:
    return run(root, "rev-parse", "--verify", "-q", "HEAD", check=False).returncode == 0


def prefix(root: Path) -> str:
    """The path of ``root`` inside its git work tree ("" at the top, else "a/b/")."""
    return out(root, "rev-parse", "--show-prefix")


# --- identity ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    name: str
    email: str


def _configured_identity(root: Path) -> tuple[str | None, str | None]:
    """git's own user.name and user.email (one git call for both)."""
    found = dict.fromkeys(("user.name", "user.email"))
    listing = run(root, "config", "-z", "--get-regexp", r"^user\.(name|email)$", check=False)
    for entry in listing.stdout.decode("utf-8", "replace").split("\0"):
        key, _, value = entry.partition("\n")
        found[key] = value or None
    return found["user.name"], found["user.email"]


def identity_env(root: Path, worker: str | None) -> dict[str, str]:
    """The environment for a git command that makes commits.

    The author is the worker (e-mail from ``$PPKS_EMAIL``, else git's own, else a
    placeholder), or git's own identity when no worker is known. The committer is git's
    own identity; on a machine that has none, the worker."""
    name, email = _configured_identity(root)
    if worker:
        slug = re.sub(r"[^a-z0-9]+", ".", worker.lower()).strip(".") or "pekerja"
        author = Identity(worker, os.environ.get("PPKS_EMAIL") or email or f"{slug}@ppks.invalid")
    elif name and email:
        author = Identity(name, email)
    else:
        return {}
    env = {"GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email}
    if not (name and email) and "GIT_COMMITTER_NAME" not in os.environ:
        env.update(GIT_COMMITTER_NAME=author.name, GIT_COMMITTER_EMAIL=author.email)
    return env


# --- committing -----------------------------------------------------------------------------


@dataclass
class CommitResult:
    committed: bool
    sha: str | None = None
    problem: Msg | None = None  # why it did not commit, for the user
    paths: list[str] = field(default_factory=list)


COMMIT_ATTEMPTS = 4  # a commit that meets a busy index.lock is tried again
INDEX_LOCK_STALE_SECONDS = 5.0  # an index.lock older than this, with no git running, is stale


def commit_paths(
    root: Path, files: Sequence[Path], message: str, worker: str | None = None
) -> CommitResult:
    """Commit exactly ``files`` (and nothing else that is staged or edited) with
    ``message``. A commit that meets git's ``index.lock`` is retried (a stale lock left by
    a killed git is removed first). A failure leaves the files written and says how to
    finish by hand, with a command that works as printed from any folder."""
    rel = sorted({os.path.relpath(f, root) for f in files})
    if not rel:
        return CommitResult(False)
    manual = manual_commit_command(root, rel, message)
    detail = ""
    for attempt in range(COMMIT_ATTEMPTS):
        try:
            added = run(root, "add", "--", *rel, check=False)
            result = added
            if added.returncode == 0:
                result = run(
                    root, "commit", "--quiet", "--no-edit", "-m", message, "--only", "--", *rel,
                    check=False, env=identity_env(root, worker),
                )  # fmt: skip
        except ExternalToolError as exc:
            return CommitResult(
                False, problem=Msg("git.commit_failed", detail=exc.message(), manual=manual),
                paths=rel,
            )  # fmt: skip
        if result.returncode == 0:
            return CommitResult(True, out(root, "rev-parse", "--short", "HEAD"), paths=rel)
        stdout = result.stdout.decode("utf-8", "replace")
        if "nothing to commit" in stdout or "nothing added to commit" in stdout:
            return CommitResult(False, paths=rel)
        lines = (result.stderr or result.stdout).decode("utf-8", "replace").strip().splitlines()
        detail = next((ln for ln in lines if ln.strip()), "")
        if "index.lock" not in detail and not any("index.lock" in ln for ln in lines):
            break
        lock = index_lock(root)
        if lock is not None and remove_stale_index_lock(root) is None:
            detail = Msg("git.index_locked", file=str(lock))
        if attempt + 1 < COMMIT_ATTEMPTS:
            import time

            time.sleep(0.2 * (attempt + 1))
    return CommitResult(
        False, problem=Msg("git.commit_failed", detail=detail, manual=manual), paths=rel
    )


def git_command(root: Path, *args: str) -> str:
    """A git command line to print for the user: it works as printed from any folder
    (``git -C ROOT ...`` unless the working directory is ``root`` itself)."""
    import shlex

    try:
        here = Path.cwd().resolve() == Path(root).resolve()
    except OSError:
        here = False
    where = [] if here else ["-C", str(root)]
    return shlex.join(["git", *where, *args])


def manual_commit_command(root: Path, rel: Sequence[str], message: str) -> str:
    """``git add`` and ``git commit`` of exactly ``rel`` (paths relative to ``root``)."""
    return (
        git_command(root, "add", "--", *rel)
        + " && "
        + git_command(root, "commit", "-m", message, "--", *rel)
    )


# --- the state git is in, and recovering from a killed command ---------------------------

SYNC_MARKER = "ppks-sync.json"  # in .git/: a sync is rebasing; removed when it is done
PENDING_COMMIT = "ppks-commit.json"  # in .git/: files written, their commit not yet made


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
    branch = out(root, "symbolic-ref", "--short", "-q", "HEAD", check=False) or None
    return GitState(git_dir, top, branch, _operation(git_dir))


def _operation(git_dir: Path) -> str | None:
    if (git_dir / "rebase-merge").exists():
        return "rebase"
    if (git_dir / "rebase-apply").exists():
        return "am" if (git_dir / "rebase-apply" / "applying").exists() else "rebase"
    for name, operation in (
        ("MERGE_HEAD", "merge"), ("CHERRY_PICK_HEAD", "cherry-pick"),
        ("REVERT_HEAD", "revert"), ("BISECT_LOG", "bisect"),
    ):  # fmt: skip
        if (git_dir / name).exists():
            return operation
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
    import time

    return time.time()


def _write_marker(git_dir: Path, name: str, data: dict) -> None:
    import json

    from ppks_cli.tomlio import atomic_write_text

    atomic_write_text(git_dir / name, json.dumps(data))


def _read_marker(git_dir: Path, name: str) -> dict | None:
    import json

    try:
        data = json.loads((git_dir / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _drop_marker(git_dir: Path, name: str) -> None:
    try:
        (git_dir / name).unlink()
    except FileNotFoundError:
        pass


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
    _write_marker(git_dir, PENDING_COMMIT, noted)


def done_pending_commit(root: Path, git_dir: Path | None = None) -> None:
    """Forget what :func:`note_pending_commit` noted (the commit ran, or failed and
    the user was told how to finish it)."""
    if git_dir is None:
        state = git_state(root)
        git_dir = state.git_dir if state is not None else None
    if git_dir is not None:
        _drop_marker(git_dir, PENDING_COMMIT)


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
    marker = _read_marker(state.git_dir, SYNC_MARKER)
    if marker is not None:
        _roll_back_sync(root, state, marker)
        found.sync_rolled_back = True
    pending = _read_marker(state.git_dir, PENDING_COMMIT)
    if pending is not None and commit and not _operation(state.git_dir):
        files = [root / f for f in pending.get("files", []) if isinstance(f, str)]
        files = [f for f in files if f.is_file() and _inside(f, root)]
        if files:
            result = commit_paths(
                root, files, str(pending.get("message") or "ppks: finish an interrupted commit"),
                pending.get("worker") if isinstance(pending.get("worker"), str) else None,
            )  # fmt: skip
            if result.committed:
                found.committed = result.paths
            elif result.problem is not None:  # said once; never blocks the next command
                found.problem = result.problem
        _drop_marker(state.git_dir, PENDING_COMMIT)
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
    if _operation(state.git_dir) in ("rebase", "am") and not _rebase_is_ours(state, marker):
        _drop_marker(state.git_dir, SYNC_MARKER)  # a rebase the user started since: theirs
        return
    if _operation(state.git_dir) in ("rebase", "am"):
        run(root, "rebase", "--abort", check=False)
        if _operation(state.git_dir) in ("rebase", "am"):
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
    _drop_marker(state.git_dir, SYNC_MARKER)


def init_repository(root: Path, worker: str | None) -> CommitResult:
    """Make ``root`` (a new case repository) a git repository, or add it to the one it is
    inside, with a .gitignore, a .gitattributes and a first commit."""
    from ppks_cli.tomlio import atomic_write_text

    if not git_available():
        raise GitMissing("error.git_missing_init")
    if not is_repository(root):
        run(root, "init", "--quiet")
        run(root, "symbolic-ref", "HEAD", "refs/heads/main")
    written = []
    for name, text in ((".gitignore", GITIGNORE), (".gitattributes", GITATTRIBUTES)):
        path = root / name
        if not path.exists():
            atomic_write_text(path, text, root=root)
            written.append(path)
    written += [root / paths.CONFIG_FILE, root / paths.CASES_DIR / ".gitkeep"]
    return commit_paths(root, written, "ppks: case repository created", worker)


# --- history ----------------------------------------------------------------------------------


@dataclass
class Change:
    status: str  # A added, M modified, D deleted, R renamed
    path: str
    kind: str | None  # the record kind, "case" for case.toml
    record: str | None  # the record ID


@dataclass
class HistoryEntry:
    sha: str
    author: str
    email: str
    when: dt.datetime
    subject: str
    changes: list[Change]


def _describe_path(path: str) -> tuple[str | None, str | None]:
    name = path.rsplit("/", 1)[-1]
    if name == paths.CASE_FILE:
        return "case", None
    match = paths.RECORD_FILE_RE.match(name)
    if match:
        return match["kind"], match["id"]
    return None, None


# starts each commit in `git log -z` output; never a status letter, so never ambiguous
_COMMIT_MARK = "ppks-commit"


def history(root: Path, case_id: str) -> list[HistoryEntry]:
    """Every commit that touched the case's folder, newest first.

    git's output is split on NUL bytes only (``-z``): an author name or a subject may hold
    any other character, a control character included."""
    folder = f"{paths.CASES_DIR}/{case_id}"
    if not has_commits(root):
        return []
    raw = run(root, "log", "-z", f"--format={_COMMIT_MARK}%x00%H%x00%an%x00%ae%x00%aI%x00%s",
              "--name-status", "--no-renames", "--", folder).stdout  # fmt: skip
    tokens = raw.decode("utf-8", "replace").split("\0")
    entries: list[HistoryEntry] = []
    index = 0
    while index < len(tokens):
        token = tokens[index].lstrip("\n")
        if token == _COMMIT_MARK:
            sha, author, email, when, subject = (tokens[index + 1 : index + 6] + [""] * 5)[:5]
            entries.append(
                HistoryEntry(sha, author, email, dt.datetime.fromisoformat(when), subject, [])
            )
            index += 6
        elif token and entries and index + 1 < len(tokens):  # a status and its path
            path = tokens[index + 1]
            kind, record = _describe_path(path)
            entries[-1].changes.append(Change(token[0], path, kind, record))
            index += 2
        else:
            index += 1
    return entries


def resolve_revision(root: Path, when: str) -> str:
    """A commit from a date (``2024-03-01``: the last commit of that day) or any git
    revision (``HEAD~3``, a hash, a tag)."""
    from ppks_cli.config import escaped

    if not has_commits(root):
        raise NotFound("error.no_history")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", when.strip()):
        from ppks_cli.dates import parse_date

        day = parse_date(when, option="--as-of")
        sha = out(root, "rev-list", "-1", f"--before={day.isoformat()} 23:59:59", "HEAD")
        if not sha:
            raise NotFound("error.nothing_before", date=day.isoformat())
        return sha
    # a revision is never an option (`--output=…`), and holds no control character
    if (not when or when.startswith("-") or len(when) > 200
            or any(ord(c) < 32 or ord(c) == 127 for c in when)):  # fmt: skip
        raise InvalidInput("error.bad_revision", value=escaped(when))
    result = run(
        root, "rev-parse", "--verify", "-q", "--end-of-options", f"{when}^{{commit}}", check=False
    )
    if result.returncode != 0:
        raise InvalidInput("error.bad_revision", value=escaped(when))
    return result.stdout.decode().strip()


def commit_time(root: Path, revision: str) -> dt.datetime:
    return dt.datetime.fromisoformat(
        out(root, "show", "-s", "--format=%cI", "--end-of-options", revision)
    )


def checkout_snapshot(root: Path, revision: str, case_id: str, into: Path) -> Path:
    """Write the repository's ``ppks.toml`` and the case folder as they were at
    ``revision`` into the folder ``into``; returns the snapshot's root.

    Only regular files and folders are written: a symbolic link (or anything else) in the
    snapshot raises :class:`DamagedFile` naming it, and nothing is extracted."""
    tree = f"{revision}:{prefix(root)}"
    listed = out(root, "ls-tree", "--name-only", "--end-of-options", tree, "--",
                 f"{paths.CASES_DIR}/{case_id}", check=False)  # fmt: skip
    if not listed:
        raise NotFound("error.case_not_yet", case=case_id, revision=revision[:10])
    data = run(root, "archive", "--format=tar", "--end-of-options", tree, paths.CONFIG_FILE,
               f"{paths.CASES_DIR}/{case_id}").stdout  # fmt: skip
    with tempfile.TemporaryFile() as handle:
        handle.write(data)
        handle.seek(0)
        with tarfile.open(fileobj=handle) as archive:
            for member in archive.getmembers():
                if not (member.isfile() or member.isdir()):
                    raise DamagedFile(
                        "error.snapshot_link", path=member.name, revision=revision[:10]
                    )
            if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
                archive.extractall(into, filter="data")
            else:  # git wrote this archive from our own tree; names stay inside `into`
                archive.extractall(into)
    return into


# --- status ------------------------------------------------------------------------------------


@dataclass
class Status:
    uncommitted: list[tuple[str, str]]  # (git status code, path relative to root)
    unsynced: list[tuple[str, str]]  # (A/M/D, path) in commits not yet pushed
    upstream: str | None
    ahead: int
    behind: int


def upstream_of(root: Path) -> str | None:
    result = run(root, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}", check=False)
    if result.returncode != 0:
        return None
    return result.stdout.decode().strip() or None


def _name_status(root: Path, spec: str, *filters: str) -> list[tuple[str, str]]:
    """(status letter, path) of every file changed in ``spec``, read with NUL separators."""
    raw = run(root, "diff", "--name-status", "-z", "--no-renames", *filters, "--end-of-options",
              spec, "--", ".").stdout  # fmt: skip
    tokens = raw.decode("utf-8", "replace").split("\0")
    return [(code, path) for code, path in zip(tokens[0::2], tokens[1::2], strict=False) if code]


def status(root: Path) -> Status:
    porcelain = run(
        root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", "."
    ).stdout
    here = prefix(root)
    uncommitted = []
    entries = porcelain.decode("utf-8", "replace").split("\0")
    skip = False
    for entry in entries:
        if skip or not entry:
            skip = False
            continue
        code, path = entry[:2], entry[3:]
        if code[0] == "R":
            skip = True  # the next entry is the old name
        uncommitted.append((code.strip(), path[len(here) :] if path.startswith(here) else path))
    upstream = upstream_of(root)
    unsynced: list[tuple[str, str]] = []
    ahead = behind = 0
    if upstream and has_commits(root):
        counts = out(root, "rev-list", "--left-right", "--count", "--end-of-options",
                     f"{upstream}...HEAD").split()  # fmt: skip
        behind, ahead = int(counts[0]), int(counts[1])
        for code, path in _name_status(root, f"{upstream}...HEAD"):
            unsynced.append((code, path[len(here) :] if path.startswith(here) else path))
    return Status(uncommitted, unsynced, upstream, ahead, behind)


# --- sync ------------------------------------------------------------------------------------


@dataclass
class SyncReport:
    remote: str
    branch: str
    cases_received: list[str] = field(default_factory=list)
    records_received: list[str] = field(default_factory=list)
    records_sent: list[str] = field(default_factory=list)
    deleted: list[Deletion] = field(default_factory=list)  # received from the others
    pushed: bool = False
    up_to_date: bool = False


@dataclass
class Deletion:
    """A case file deleted by the others' work: a whole case (``record`` None, the
    ``path`` is its folder) or one record of a case that stays."""

    case: str
    path: str  # relative to the repository root
    kind: str | None  # the record kind, None for a whole case
    record: str | None  # the record ID
    records: int  # how many case files went with it (1 for a record)
    revision: str  # a commit that still holds it

    def restore_command(self) -> str:
        """The git commands, run in the repository folder, that bring it back."""
        return (f"git checkout {self.revision[:12]} -- {self.path} && "
                f'git commit -m "{self.case}: restored" -- {self.path}')  # fmt: skip


class DeletionsNotConfirmed(Refused):
    """``[git] confirm_deletions`` is on and the others' work deletes case files; nothing
    was changed."""

    def __init__(self, deleted: list[Deletion], command: str) -> None:
        self.deleted = deleted
        cases = sum(1 for d in deleted if d.record is None)
        super().__init__("error.deletions_not_confirmed", cases=cases,
                         records=sum(d.records for d in deleted), command=command)  # fmt: skip


@dataclass
class ConflictVersion:
    label: str  # who wrote it: the commit's author and date
    text: str


@dataclass
class Conflict:
    path: str
    case: str | None
    record: str | None
    kind: str | None
    versions: list[ConflictVersion]


class SyncConflict(Refused):
    """A genuine conflict: two people edited the same file by hand. The repository is
    left exactly as it was before the sync."""

    def __init__(self, conflicts: list[Conflict], upstream: str) -> None:
        self.conflicts = conflicts
        self.upstream = upstream
        names = ", ".join(c.path for c in conflicts)
        super().__init__("error.sync_conflict", files=names, upstream=upstream)


def _records_in(root: Path, spec: str) -> tuple[list[str], list[str]]:
    """New case folders, and the case files (records, case.toml) added or changed, in
    the commits of ``spec``."""
    here = prefix(root)
    cases, records = [], []
    for status, path in _name_status(root, spec, "--diff-filter=AM"):
        path = path[len(here) :] if path.startswith(here) else path
        parts = path.split("/")
        if len(parts) == 3 and parts[0] == paths.CASES_DIR and parts[2] == paths.CASE_FILE:
            if status == "A":
                cases.append(parts[1])
            else:  # a changed identity or intake counts as a record
                records.append(path)
        elif len(parts) == 4 and parts[0] == paths.CASES_DIR and parts[2] == paths.RECORDS_DIR:
            records.append(path)
    return cases, records


def deletions_in(root: Path, base: str, upstream: str) -> list[Deletion]:
    """The cases and records that exist at ``base`` and that the commits of
    ``base..upstream`` delete: a deleted ``case.toml`` counts as the whole case."""
    here = prefix(root)
    gone: dict[str, list[str]] = {}
    for _, path in _name_status(root, f"{base}..{upstream}", "--diff-filter=D"):
        path = path[len(here) :] if path.startswith(here) else path
        parts = path.split("/")
        if len(parts) >= 3 and parts[0] == paths.CASES_DIR:
            gone.setdefault(parts[1], []).append(path)
    found = []
    for case, files in sorted(gone.items()):
        folder = f"{paths.CASES_DIR}/{case}"
        if f"{folder}/{paths.CASE_FILE}" in files:
            found.append(Deletion(case, folder, None, None, len(files), base))
            continue
        for path in sorted(files):
            kind, record = _describe_path(path)
            found.append(Deletion(case, path, kind, record, 1, base))
    return found


def _ref(root: Path, ref: str) -> str | None:
    result = run(root, "rev-parse", "--verify", "-q", "--end-of-options", ref, check=False)
    return result.stdout.decode().strip() or None if result.returncode == 0 else None


def _put_back(root: Path, ref: str, value: str | None) -> None:
    """Set ``ref`` back to what it was before a fetch (deleting it if it did not exist)."""
    if value:
        run(root, "update-ref", "--end-of-options", ref, value)
    else:
        run(root, "update-ref", "-d", "--end-of-options", ref, check=False)


def _incoming_deletions(
    root: Path, upstream: str, ref: str, before: str | None, refuse: bool, command: str
) -> list[Deletion]:
    """The deletions ``upstream`` brings; when ``refuse``, and there are some, ``ref`` is
    put back as it was and :class:`DeletionsNotConfirmed` is raised."""
    base = out(root, "merge-base", "--end-of-options", "HEAD", upstream, check=False)
    deleted = deletions_in(root, base, upstream) if base else []
    if deleted and refuse:
        _put_back(root, ref, before)
        raise DeletionsNotConfirmed(deleted, command)
    return deleted


def remotes(root: Path) -> list[str]:
    """The names of the remotes configured in this clone."""
    return out(root, "remote").splitlines()


def check_remote(root: Path, remote: str) -> str:
    """``remote`` if it is the name of a remote configured in this clone. A value that
    is no remote name (a URL, an option, a control character) raises
    :class:`InvalidInput`; a name that is not configured raises :class:`Refused`."""
    from ppks_cli.config import escaped, is_remote_name

    if not is_remote_name(remote):
        raise InvalidInput("error.bad_remote", value=escaped(remote))
    configured = remotes(root)
    if remote not in configured:
        raise Refused("error.unknown_remote", value=remote, remotes=", ".join(configured) or "-")
    return remote


def _ensure_clean(root: Path) -> None:
    dirty = [p for code, p in status(root).uncommitted]
    if dirty:
        raise Refused(
            "error.sync_dirty", files=", ".join(dirty[:5]) + (" …" if len(dirty) > 5 else "")
        )


def _branch(root: Path) -> str:
    branch = out(root, "symbolic-ref", "--short", "-q", "HEAD", check=False)
    if not branch:
        raise Refused("error.detached_head")
    return branch


def _in_progress(root: Path) -> bool:
    git_dir = Path(out(root, "rev-parse", "--absolute-git-dir"))
    return any((git_dir / name).exists() for name in ("rebase-merge", "rebase-apply", "MERGE_HEAD"))


def integrate(
    root: Path, upstream: str, worker: str | None = None
) -> tuple[list[str], list[str], list[str]]:
    """Rebase the local commits onto ``upstream``. Returns (cases received, records
    received, records sent). On a conflict, the rebase is aborted — the repository is
    exactly as before — and :class:`SyncConflict` names the files and both versions.

    Rebase rather than merge: every record is its own file, so replaying local commits
    on top of the others' never conflicts unless the same file was edited twice, and the
    history stays one straight line a supervisor can read.
    """
    base = out(root, "merge-base", "--end-of-options", "HEAD", upstream, check=False)
    received = _records_in(root, f"{base}..{upstream}") if base else _records_in(root, upstream)
    _, sent = _records_in(root, f"{upstream}..HEAD") if base else ([], [])
    # replaying commits makes new ones: their committer is git's identity, else the worker
    identity = identity_env(root, worker)
    committer = {k: v for k, v in identity.items() if k.startswith("GIT_COMMITTER")}
    # a sync killed from here on is rolled back by the next command (see `recover`)
    state = git_state(root)
    if state is not None:
        head = out(root, "rev-parse", "--verify", "-q", "HEAD", check=False)
        _write_marker(state.git_dir, SYNC_MARKER, {"branch": state.branch, "head": head})
    result = run(root, "rebase", "--quiet", "--end-of-options", upstream, check=False,
                 env=committer)  # fmt: skip
    if result.returncode != 0:
        conflicts = _conflicts(root, upstream)
        run(root, "rebase", "--abort", check=False)
        if state is not None:
            _drop_marker(state.git_dir, SYNC_MARKER)
        if not conflicts:
            detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ExternalToolError(
                "error.git_failed", command="git rebase", detail=detail[-1] if detail else ""
            )
        raise SyncConflict(conflicts, upstream)
    if state is not None:
        _drop_marker(state.git_dir, SYNC_MARKER)
    return received[0], received[1], sent


def _conflicts(root: Path, upstream: str) -> list[Conflict]:
    listed = run(root, "diff", "--name-only", "-z", "--diff-filter=U").stdout
    files = [f for f in listed.decode("utf-8", "replace").split("\0") if f]
    top = Path(out(root, "rev-parse", "--show-toplevel"))
    here = prefix(root)
    found = []
    for path in files:
        rel = path[len(here) :] if path.startswith(here) else path
        parts = rel.split("/")
        case = parts[1] if len(parts) > 1 and parts[0] == paths.CASES_DIR else None
        kind, record = _describe_path(rel)
        versions = []
        # during a rebase, stage 2 is the shared side (upstream), stage 3 the local commit
        for stage, commit in ((2, upstream), (3, "REBASE_HEAD")):
            shown = run(top, "show", f":{stage}:{path}", check=False)
            text = shown.stdout.decode("utf-8", "replace") if shown.returncode == 0 else ""
            who = out(
                top,
                "log",
                "-1",
                "--format=%an, %ad",
                "--date=short",
                "--end-of-options",
                commit,
                "--",
                path,
                check=False,
            )
            versions.append(ConflictVersion(who or commit, text))
        found.append(Conflict(rel, case, record, kind, versions))
    return found


def _ready_to_integrate(root: Path) -> str:
    """Refuse to bring in others' work while anything is half done or uncommitted;
    returns the current branch."""
    require_repository(root)
    if _in_progress(root):
        raise Refused("error.sync_in_progress")
    _ensure_clean(root)
    return _branch(root)


def sync(
    root: Path, remote: str | None = None, worker: str | None = None,
    refuse_deletions: bool = False,
) -> SyncReport:  # fmt: skip
    """Fetch, integrate (rebase) and push to the configured remote.

    ``remote`` must name a remote configured in this clone (:func:`check_remote`). With
    ``refuse_deletions``, received deletions raise :class:`DeletionsNotConfirmed` before
    anything changes."""
    branch = _ready_to_integrate(root)
    upstream = upstream_of(root)
    if remote is None:
        configured = remotes(root)
        remote = upstream.split("/", 1)[0] if upstream else None
        if remote not in configured:
            remote = configured[0] if configured else None
    if not remote:
        raise Refused("error.no_remote")
    remote = check_remote(root, remote)
    report = SyncReport(remote, branch)
    for attempt in range(3):
        remote_ref = f"{remote}/{branch}"
        tracking = f"refs/remotes/{remote_ref}"
        before = _ref(root, tracking)
        run(root, "fetch", "--quiet", "--end-of-options", remote)
        exists = _ref(root, tracking) is not None
        if exists:
            report.deleted += _incoming_deletions(
                root, remote_ref, tracking, before, refuse_deletions, "ppks sync --accept-deletions"
            )
            cases, records, sent = integrate(root, remote_ref, worker)
            report.cases_received += cases
            report.records_received += records
            report.records_sent = sent
            ahead = int(out(root, "rev-list", "--count", "--end-of-options", f"{remote_ref}..HEAD"))
        else:  # the first push of this branch
            report.records_sent = _records_in(root, f"{EMPTY_TREE}..HEAD")[1]
            ahead = 1
        if ahead == 0:
            report.up_to_date = not (
                report.records_received or report.cases_received or report.deleted
            )
            break
        pushed = run(root, "push", "--quiet", "-u", "--end-of-options", remote,
                     f"HEAD:refs/heads/{branch}", check=False)  # fmt: skip
        if pushed.returncode == 0:
            report.pushed = True
            break
        if attempt == 2:
            detail = pushed.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ExternalToolError(
                "error.git_failed", command="git push", detail=detail[-1] if detail else ""
            )
    return report


# --- bundles ----------------------------------------------------------------------------------


def bundle_export(root: Path, target: Path) -> Path:
    """Write this branch's whole history (and HEAD) into the bundle file ``target``."""
    require_repository(root)
    if not has_commits(root):
        raise Refused("error.not_git")
    branch = _branch(root)
    # HEAD too, so that `git clone` of the bundle knows which branch to check out; the
    # absolute path and the full ref name never start with "-"
    run(root, "bundle", "create", "--quiet", str(target.resolve()), "HEAD", f"refs/heads/{branch}")
    return target


_BUNDLE_REF = "refs/ppks/bundle"


def bundle_import(
    root: Path, source: Path, worker: str | None = None, refuse_deletions: bool = False
) -> tuple[list[str], list[str], list[Deletion]]:
    """Bring the commits of a bundle into this repository (rebasing local work on top).
    Returns (cases received, records received, deletions received). With
    ``refuse_deletions``, received deletions raise :class:`DeletionsNotConfirmed` and
    nothing changes."""
    source = paths.usable_path(source)
    if not source.is_file():
        raise NotFound("error.file_not_found", path=str(source))
    branch = _ready_to_integrate(root)
    bundle = str(source.resolve())  # absolute: never read as an option
    verified = run(root, "bundle", "verify", "--quiet", bundle, check=False)
    if verified.returncode != 0:
        raise InvalidInput("error.bad_bundle", path=str(source))
    heads = out(root, "bundle", "list-heads", bundle).splitlines()
    refs = [line.split()[1] for line in heads if len(line.split()) == 2]
    # a ref name from the bundle is the others' data: only plain branch names are used
    refs = [r for r in refs if r == "HEAD" or re.fullmatch(r"refs/heads/[\w.][\w./-]*", r)]
    if not refs:
        raise InvalidInput("error.bad_bundle", path=str(source))
    branches = [r for r in refs if r.startswith("refs/heads/")]
    ref = f"refs/heads/{branch}" if f"refs/heads/{branch}" in refs else (branches or refs)[0]
    before = _ref(root, _BUNDLE_REF)
    run(root, "fetch", "--quiet", "--end-of-options", bundle, f"+{ref}:{_BUNDLE_REF}")
    unrelated = run(root, "merge-base", "HEAD", _BUNDLE_REF, check=False).returncode != 0
    if not has_commits(root) or (unrelated and _only_just_created(root)):
        # a repository made by `ppks init` and never used: take the bundle's history
        state = git_state(root)
        if state is not None:
            _write_marker(state.git_dir, SYNC_MARKER, {"branch": state.branch, "step": "reset"})
        run(root, "reset", "--hard", "--quiet", _BUNDLE_REF)
        if state is not None:
            _drop_marker(state.git_dir, SYNC_MARKER)
        cases, records = _records_in(root, f"{EMPTY_TREE}..HEAD")
        return cases, records, []
    if unrelated:
        raise Refused("error.bundle_unrelated", path=str(source))
    deleted = _incoming_deletions(root, _BUNDLE_REF, _BUNDLE_REF, before, refuse_deletions,
                                  f"ppks bundle import {source} --accept-deletions")  # fmt: skip
    cases, records, _ = integrate(root, _BUNDLE_REF, worker)
    return cases, records, deleted


def _only_just_created(root: Path) -> bool:
    """One commit, no case in it: a fresh `ppks init`."""
    if not has_commits(root) or out(root, "rev-list", "--count", "HEAD") != "1":
        return False
    return not any((root / paths.CASES_DIR).glob("*/" + paths.CASE_FILE))


def clone_bundle(source: Path, target: Path) -> None:
    """A fresh repository from a bundle (for a machine that has none yet)."""
    source, target = paths.usable_path(source), paths.usable_path(target)
    if not source.is_file():
        raise NotFound("error.file_not_found", path=str(source))
    if target.exists() and any(target.iterdir()):
        raise Refused("error.target_not_empty", path=str(target))
    if not git_available():
        raise GitMissing("error.git_missing")
    target = target.resolve()
    where = next(folder for folder in target.parents if folder.is_dir())
    result = run(where, "clone", "--quiet", "--end-of-options", str(source.resolve()),
                 str(target), check=False)  # fmt: skip
    if result.returncode != 0:
        raise InvalidInput("error.bad_bundle", path=str(source))

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


def commit_paths(
    root: Path, files: Sequence[Path], message: str, worker: str | None = None
) -> CommitResult:
    """Commit exactly ``files`` (and nothing else that is staged or edited) with
    ``message``. A failure leaves the files written and says how to finish by hand."""
    rel = sorted({os.path.relpath(f, root) for f in files})
    if not rel:
        return CommitResult(False)
    manual = f'git add -- {" ".join(rel)} && git commit -m "{message}" -- {" ".join(rel)}'
    try:
        run(root, "add", "--", *rel)
        result = run(
            root, "commit", "--quiet", "--no-edit", "-m", message, "--only", "--", *rel,
            check=False, env=identity_env(root, worker),
        )  # fmt: skip
    except ExternalToolError as exc:
        return CommitResult(
            False, problem=Msg("git.commit_failed", detail=exc.message(), manual=manual), paths=rel
        )
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).decode("utf-8", "replace").strip().splitlines()
        detail = next((ln for ln in lines if ln.strip()), "")
        if "nothing to commit" in result.stdout.decode("utf-8", "replace"):
            return CommitResult(False, paths=rel)
        return CommitResult(
            False, problem=Msg("git.commit_failed", detail=detail, manual=manual), paths=rel
        )
    return CommitResult(True, out(root, "rev-parse", "--short", "HEAD"), paths=rel)


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
    result = run(root, "rebase", "--quiet", "--end-of-options", upstream, check=False,
                 env=committer)  # fmt: skip
    if result.returncode != 0:
        conflicts = _conflicts(root, upstream)
        run(root, "rebase", "--abort", check=False)
        if not conflicts:
            detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ExternalToolError(
                "error.git_failed", command="git rebase", detail=detail[-1] if detail else ""
            )
        raise SyncConflict(conflicts, upstream)
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
        run(root, "reset", "--hard", "--quiet", _BUNDLE_REF)
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

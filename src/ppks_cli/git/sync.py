"""Moving work between clones: fetch, rebase the local commits on the others' work,
push; what came in, what went out, which case files the others deleted, and the
conflicts when two people edited the same file by hand.

Rebase rather than merge: every record is its own file, so replaying local commits on
top of the others' never conflicts unless the same file was edited twice, and the
history stays one straight line a supervisor can read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ppks_cli import paths
from ppks_cli.errors import (
    DeletionsNotConfirmed,
    ExternalToolError,
    InvalidInput,
    Refused,
    SyncConflict,
)
from ppks_cli.git import markers
from ppks_cli.git.identity import identity_env
from ppks_cli.git.runner import (
    EMPTY_TREE,
    below,
    current_branch,
    last_line,
    out,
    prefix,
    ref,
    require_repository,
    run,
)
from ppks_cli.git.state import git_state, in_progress
from ppks_cli.git.status import name_status, status, upstream_of


@dataclass
class SyncReport:
    """What :func:`sync` did: paths are relative to the repository root."""

    remote: str
    branch: str
    cases_received: list[str] = field(default_factory=list)
    records_received: list[str] = field(default_factory=list)
    records_sent: list[str] = field(default_factory=list)
    deleted: list[Deletion] = field(default_factory=list)  # received from the others
    pushed: bool = False
    up_to_date: bool = False
    # after the branch's first push: "set" when ppks pointed a bare remote's HEAD (which
    # named no branch) to it, "missing" when such a remote is elsewhere (see
    # :func:`ppks_cli.git.joining.fix_remote_head`), else "ok"
    remote_head: str = "ok"


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


@dataclass
class ConflictVersion:
    """One side of a conflict: who wrote it, and the text."""

    label: str  # who wrote it: the commit's author and date
    text: str


@dataclass
class Conflict:
    """A file both sides changed; ``versions`` are the shared side, then the local one."""

    path: str
    case: str | None
    record: str | None
    kind: str | None
    versions: list[ConflictVersion]


def records_in(root: Path, spec: str) -> tuple[list[str], list[str]]:
    """New case folders (their IDs), and the case files (records, a changed case.toml;
    paths relative to ``root``) added or changed, in the commits of ``spec``."""
    here = prefix(root)
    cases, records = [], []
    for code, path in name_status(root, spec, "--diff-filter=AM"):
        path = below(path, here)
        where = paths.describe(path)
        if where is None or where.kind is None:
            continue
        if where.kind == "case" and code == "A":
            cases.append(where.case_id)
        else:  # a record; a changed identity or intake counts as one too
            records.append(path)
    return cases, records


def deletions_in(root: Path, base: str, upstream: str) -> list[Deletion]:
    """The cases and records that exist at ``base`` and that the commits of
    ``base..upstream`` delete: a deleted ``case.toml`` counts as the whole case."""
    here = prefix(root)
    gone: dict[str, list[tuple[str, paths.CasePath]]] = {}
    for _, path in name_status(root, f"{base}..{upstream}", "--diff-filter=D"):
        path = below(path, here)
        where = paths.describe(path)
        if where is not None:
            gone.setdefault(where.case_id, []).append((path, where))
    found = []
    for case, files in sorted(gone.items()):
        if any(where.kind == "case" for _, where in files):
            folder = paths.case_folder_rel(case)
            found.append(Deletion(case, folder, None, None, len(files), base))
            continue
        for path, where in sorted(files):
            found.append(Deletion(case, path, where.kind, where.record_id, 1, base))
    return found


def _put_back(root: Path, name: str, value: str | None) -> None:
    """Set the ref ``name`` back to what it was before a fetch (deleting it if it did
    not exist)."""
    if value:
        run(root, "update-ref", "--end-of-options", name, value)
    else:
        run(root, "update-ref", "-d", "--end-of-options", name, check=False)


def incoming_deletions(
    root: Path, upstream: str, fetched: str, before: str | None, refuse: bool, command: str
) -> list[Deletion]:
    """The deletions ``upstream`` brings; when ``refuse``, and there are some, the ref
    ``fetched`` is put back as it was (``before``) and :class:`DeletionsNotConfirmed`
    is raised, naming ``command`` as the way to accept them."""
    base = out(root, "merge-base", "--end-of-options", "HEAD", upstream, check=False)
    deleted = deletions_in(root, base, upstream) if base else []
    if deleted and refuse:
        _put_back(root, fetched, before)
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


def bundle_url(root: Path, remote: str) -> str | None:
    """The URL of ``remote`` (a configured remote's name) when it is a bundle file, as
    for a clone made by ``bundle import --into``: a plain file (not a folder) at a
    local path, for fetching or pushing. Only looked at, never read. None otherwise."""
    for which in ((), ("--push",)):
        url = out(root, "remote", "get-url", *which, "--end-of-options", remote, check=False)
        local = url.removeprefix("file://")
        if url and "://" not in local and not local.startswith("-"):
            path = Path(local) if Path(local).is_absolute() else root / local
            if path.is_file():
                return url
    return None


def _ensure_clean(root: Path) -> None:
    """Refuse while work is not committed: changed files (a rebase could not replay
    them) and new files in ``cases/`` (a record the sync would not send). Other untracked
    files (a letter written with ``-o`` into the repository, say) do not stop a sync: git
    never overwrites them, it stops the rebase instead, which ppks then rolls back."""
    dirty = [
        p for code, p in status(root).uncommitted
        if code != "??" or p.startswith(paths.CASES_DIR + "/")
    ]  # fmt: skip
    if dirty:
        raise Refused(
            "error.sync_dirty", files=", ".join(dirty[:5]) + (" …" if len(dirty) > 5 else "")
        )


def integrate(
    root: Path, upstream: str, worker: str | None = None
) -> tuple[list[str], list[str], list[str]]:
    """Rebase the local commits onto ``upstream``. Returns (cases received, records
    received, records sent). On a conflict, the rebase is aborted — the repository is
    exactly as before — and :class:`SyncConflict` names the files and both versions;
    any other failure of the rebase raises :class:`ExternalToolError`."""
    base = out(root, "merge-base", "--end-of-options", "HEAD", upstream, check=False)
    received = records_in(root, f"{base}..{upstream}") if base else records_in(root, upstream)
    _, sent = records_in(root, f"{base}..HEAD") if base else ([], [])
    # replaying commits makes new ones: their committer is git's identity, else the worker
    identity = identity_env(root, worker)
    committer = {k: v for k, v in identity.items() if k.startswith("GIT_COMMITTER")}
    # a sync killed from here on is rolled back by the next command (see `recover`)
    state = git_state(root)
    if state is not None:
        head = out(root, "rev-parse", "--verify", "-q", "HEAD", check=False)
        markers.write(state.git_dir, markers.SYNC_MARKER, {"branch": state.branch, "head": head})
    result = run(root, "rebase", "--quiet", "--end-of-options", upstream, check=False,
                 env=committer)  # fmt: skip
    if result.returncode != 0:
        conflicts = _conflicts(root, upstream)
        run(root, "rebase", "--abort", check=False)
        if state is not None:
            markers.drop(state.git_dir, markers.SYNC_MARKER)
        if not conflicts:
            raise ExternalToolError(
                "error.git_failed", command="git rebase", detail=last_line(result.stderr)
            )
        raise SyncConflict(conflicts, upstream)
    if state is not None:
        markers.drop(state.git_dir, markers.SYNC_MARKER)
    return received[0], received[1], sent


def _conflicts(root: Path, upstream: str) -> list[Conflict]:
    listed = run(root, "diff", "--name-only", "-z", "--diff-filter=U").stdout
    files = [f for f in listed.decode("utf-8", "replace").split("\0") if f]
    top = Path(out(root, "rev-parse", "--show-toplevel"))
    here = prefix(root)
    found = []
    for path in files:
        rel = below(path, here)
        where = paths.describe(rel)
        versions = []
        # during a rebase, stage 2 is the shared side (upstream), stage 3 the local commit
        for stage, commit in ((2, upstream), (3, "REBASE_HEAD")):
            shown = run(top, "show", f":{stage}:{path}", check=False)
            text = shown.stdout.decode("utf-8", "replace") if shown.returncode == 0 else ""
            who = out(top, "log", "-1", "--format=%an, %ad", "--date=short",
                      "--end-of-options", commit, "--", path, check=False)  # fmt: skip
            versions.append(ConflictVersion(who or commit, text))
        found.append(
            Conflict(rel, where.case_id if where else None, where.record_id if where else None,
                     where.kind if where else None, versions)
        )  # fmt: skip
    return found


def ready_to_integrate(root: Path) -> str:
    """Refuse (:class:`Refused`) to bring in others' work while anything is half done
    or uncommitted, or on a detached HEAD; returns the current branch."""
    require_repository(root)
    if in_progress(root):
        raise Refused("error.sync_in_progress")
    _ensure_clean(root)
    return current_branch(root)


def sync(
    root: Path, remote: str | None = None, worker: str | None = None,
    refuse_deletions: bool = False,
) -> SyncReport:  # fmt: skip
    """Fetch, integrate (rebase) and push to the configured remote.

    ``remote`` must name a remote configured in this clone (:func:`check_remote`);
    without one, the upstream's remote or the first configured is used
    (:class:`Refused` ``error.no_remote`` when there is none; ``error.bundle_remote``
    when it is a bundle file, as after ``bundle import --into``). With
    ``refuse_deletions``, received deletions raise :class:`DeletionsNotConfirmed` before
    anything changes. A conflict raises :class:`SyncConflict`."""
    branch = ready_to_integrate(root)
    upstream = upstream_of(root)
    if remote is None:
        configured = remotes(root)
        remote = upstream.split("/", 1)[0] if upstream else None
        if remote not in configured:
            remote = configured[0] if configured else None
    if not remote:
        raise Refused("error.no_remote")
    remote = check_remote(root, remote)
    bundle = bundle_url(root, remote)
    if bundle is not None:
        raise Refused("error.bundle_remote", remote=remote, url=bundle)
    report = SyncReport(remote, branch)
    for attempt in range(3):
        remote_ref = f"{remote}/{branch}"
        tracking = f"refs/remotes/{remote_ref}"
        before = ref(root, tracking)
        run(root, "fetch", "--quiet", "--end-of-options", remote)
        exists = ref(root, tracking) is not None
        if exists:
            report.deleted += incoming_deletions(
                root, remote_ref, tracking, before, refuse_deletions, "ppks sync --accept-deletions"
            )
            cases, records, sent = integrate(root, remote_ref, worker)
            report.cases_received += cases
            report.records_received += records
            report.records_sent = sent
            ahead = int(out(root, "rev-list", "--count", "--end-of-options", f"{remote_ref}..HEAD"))
        else:  # the first push of this branch
            report.records_sent = records_in(root, f"{EMPTY_TREE}..HEAD")[1]
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
            if not exists:
                from ppks_cli.git.joining import fix_remote_head

                report.remote_head = fix_remote_head(root, remote, branch)
            break
        if attempt == 2:
            raise ExternalToolError(
                "error.git_failed", command="git push", detail=last_line(pushed.stderr)
            )
    return report

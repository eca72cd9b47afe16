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
    fetch,
    git_command,
    last_line,
    out,
    prefix,
    ref,
    require_repository,
    run,
)
from ppks_cli.git.state import git_state, in_progress
from ppks_cli.git.status import name_status, status


@dataclass
class SyncReport:
    """What :func:`sync` did: paths are relative to the repository root."""

    remote: str
    branch: str  # the local branch
    remote_branch: str = ""  # the remote's branch fetched and pushed to (the upstream's)
    cases_received: list[str] = field(default_factory=list)
    records_received: list[str] = field(default_factory=list)
    cases_sent: list[str] = field(default_factory=list)
    records_sent: list[str] = field(default_factory=list)
    deleted: list[Deletion] = field(default_factory=list)  # received from the others
    pushed: bool = False
    up_to_date: bool = False
    # "set" when ppks pointed a bare remote's HEAD (which named no branch) to the
    # branch, "missing" when such a remote is elsewhere (asked after the branch's first
    # push only; see :func:`ppks_cli.git.joining.fix_remote_head`), else "ok"
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


def changes_between(root: Path, base: str, side: str, other: str) -> tuple[list[str], list[str]]:
    """What ``side`` brings that ``other`` does not hold yet: :func:`records_in` the
    commits ``base..side``, keeping only the files whose content at ``side`` differs
    from ``other``'s. A record both sides already hold, identical (the office's own
    records, rewritten by an earlier rebase, say), is never counted as coming or going."""
    cases, records = records_in(root, f"{base}..{side}")
    here = prefix(root)
    differ = {below(path, here) for _, path in name_status(root, f"{other}..{side}")}
    kept = [c for c in cases if f"{paths.case_folder_rel(c)}/{paths.CASE_FILE}" in differ]
    return kept, [r for r in records if r in differ]


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


def _listed(files: list[str]) -> str:
    return ", ".join(files[:5]) + (" …" if len(files) > 5 else "")


def _ensure_clean(root: Path) -> None:
    """Refuse while work is not committed, with advice that works as printed (each
    command a :func:`git_command`): changed tracked files, staged or not (a rebase could
    not replay over them; ``error.sync_dirty``: commit, stash or restore them), and new
    files in ``cases/`` (a record the sync would not send; ``error.sync_untracked``:
    commit or move them). Other untracked files (a letter written with ``-o`` into the
    repository, notes) never stop a sync; one that the others' work would overwrite is
    refused by :func:`_refuse_overwritten` after the fetch."""
    uncommitted = status(root).uncommitted
    changed = [p for code, p in uncommitted if code != "??"]
    if changed:
        raise Refused(
            "error.sync_dirty", files=_listed(changed),
            commit=git_command(root, "commit", "-m", "ppks: changes made by hand", "--", *changed),
            stash=git_command(root, "stash"), unstash=git_command(root, "stash", "pop"),
            discard=git_command(root, "restore", "--staged", "--worktree", "--", *changed),
        )  # fmt: skip
    ours = (paths.CASES_DIR + "/", paths.RAIDS_DIR + "/")  # the cases and the street raids
    new = [p for code, p in uncommitted if code == "??" and p.startswith(ours)]
    if new:
        add = git_command(root, "add", "--", *new)
        commit = git_command(root, "commit", "-m", "ppks: files added by hand", "--", *new)
        raise Refused("error.sync_untracked", files=_listed(new), commit=f"{add} && {commit}")


def _refuse_overwritten(root: Path, upstream: str) -> None:
    """Refuse (:class:`Refused` ``error.sync_untracked_in_way``, nothing changed) when a
    file not tracked here would be overwritten by a file ``upstream`` adds (two people
    exporting the templates, one without committing): git would stop the rebase."""
    untracked = {p for code, p in status(root).uncommitted if code == "??"}
    if not untracked:
        return
    here = prefix(root)
    added = {below(p, here) for _, p in name_status(root, f"HEAD..{upstream}", "--diff-filter=A")}
    blocking = sorted(untracked & added)
    if blocking:
        raise Refused("error.sync_untracked_in_way", files=_listed(blocking), remote=upstream)


def rewrites_pushed(root: Path, upstream: str) -> bool:
    """Whether rebasing the local commits onto ``upstream`` would rewrite a commit that
    a remote already holds (one reachable from a remote-tracking branch, as last
    fetched): colleagues who pulled it would then hold a history that no longer exists."""
    if not out(root, "for-each-ref", "--count=1", "--format=%(refname)", "refs/remotes/"):
        return False
    local = out(root, "rev-list", "--count", "HEAD", "--not", upstream)
    unpushed = out(root, "rev-list", "--count", "HEAD", "--not", upstream, "--remotes")
    return local != unpushed


def integrate(
    root: Path, upstream: str, worker: str | None = None, merge: bool = False
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Rebase the local commits onto ``upstream`` (with ``merge``, or when the local
    commits not yet in ``upstream`` hold a merge: merge ``upstream`` into the branch in
    a new merge commit, authored by ``worker``, leaving the local commits as they are).
    Returns (cases received, records received, cases sent, records sent): only what one
    side holds and the other does not yet (:func:`changes_between`).
    On a conflict, the rebase or merge is aborted — the repository is exactly as
    before — and :class:`SyncConflict` names the files and both versions; any other
    failure of git raises :class:`ExternalToolError`."""
    base = out(root, "merge-base", "--end-of-options", "HEAD", upstream, check=False)
    if base:
        received = changes_between(root, base, upstream, "HEAD")
        sent = changes_between(root, base, "HEAD", upstream)
    else:
        received, sent = records_in(root, f"{EMPTY_TREE}..{upstream}"), ([], [])
    contained = run(root, "merge-base", "--is-ancestor", "--end-of-options", upstream, "HEAD",
                    check=False).returncode == 0  # fmt: skip
    if contained and not merge:
        # nothing to replay onto: a rebase would only flatten merges the branch holds (a
        # bundle merged in, a conflict resolved by hand) and so undo their resolution
        return received[0], received[1], sent[0], sent[1]
    if not merge and out(root, "rev-list", "--merges", "--count", "--end-of-options",
                         f"{upstream}..HEAD") != "0":  # fmt: skip
        # local merges not sent yet (a bundle merged in): a rebase would replay their
        # commits one by one and drop the merge, so the others' work is merged instead
        merge, event = True, "sync"
    else:
        event = "bundle"
    # replaying commits makes new ones: their committer is git's identity, else the worker
    _refuse_overwritten(root, upstream)
    identity = identity_env(root, worker)
    committer = {k: v for k, v in identity.items() if k.startswith("GIT_COMMITTER")}
    # a sync killed from here on is rolled back by the next command (see `recover`)
    state = git_state(root)
    if state is not None:
        head = out(root, "rev-parse", "--verify", "-q", "HEAD", check=False)
        marker = {"branch": state.branch, "head": head}
        markers.write(state.git_dir, markers.SYNC_MARKER,
                      {**marker, "step": "merge"} if merge else marker)  # fmt: skip
    if merge:
        from ppks_cli.changes import commit_message

        command = "git merge"
        result = run(root, "merge", "--quiet", "--no-ff", "--no-edit", "-m",
                     commit_message(None, event), "--end-of-options", upstream,
                     check=False, env=identity)  # fmt: skip
        sides = ((3, upstream), (2, "HEAD"))  # stage 3 is theirs (the shared side)
    else:
        command = "git rebase"
        result = run(root, "rebase", "--quiet", "--end-of-options", upstream, check=False,
                     env=committer)  # fmt: skip
        # during a rebase, stage 2 is the shared side (upstream), stage 3 the local commit
        sides = ((2, upstream), (3, "REBASE_HEAD"))
    if result.returncode != 0:
        conflicts = _conflicts(root, sides)
        run(root, "merge" if merge else "rebase", "--abort", check=False)
        if state is not None:
            markers.drop(state.git_dir, markers.SYNC_MARKER)
        if not conflicts:
            raise ExternalToolError(
                "error.git_failed", command=command, detail=last_line(result.stderr)
            )
        raise SyncConflict(conflicts, upstream, merge=merge)
    if state is not None:
        markers.drop(state.git_dir, markers.SYNC_MARKER)
        from ppks_cli.git import maintenance

        # the commits received join git's commit-graph (`ppks history` reads it)
        maintenance.update(root, state.git_dir, auto_maintenance=False)
        _remember_index(root, state.git_dir)
    return received[0], received[1], sent[0], sent[1]


def _remember_index(root: Path, git_dir: Path) -> None:
    """git rewrote its index (the merge or rebase): ppks reads it now, as part of the
    sync, so that the next commit finds its places in it at once (see
    :func:`ppks_cli.git.dircache.remember`). Best effort."""
    from ppks_cli.git import dircache
    from ppks_cli.git.state import head_commit

    head = head_commit(root, git_dir)
    if head is not None:
        dircache.remember(git_dir, len(head) // 2)


def _conflicts(root: Path, sides: tuple[tuple[int, str], ...]) -> list[Conflict]:
    """The files git left unmerged, each with the version of the index stage and commit
    of ``sides`` (the shared side first, then the local one)."""
    listed = run(root, "diff", "--name-only", "-z", "--diff-filter=U").stdout
    files = [f for f in listed.decode("utf-8", "replace").split("\0") if f]
    top = Path(out(root, "rev-parse", "--show-toplevel"))
    here = prefix(root)
    found = []
    for path in files:
        rel = below(path, here)
        where = paths.describe(rel)
        versions = []
        for stage, commit in sides:
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


PUSH_ATTEMPTS = 6  # a push refused because a colleague pushed in between is retried


# why a remote refuses a ref update when a colleague's push got there first (the ref is
# locked, or no longer at the commit this push expected)
_RACED = ("cannot lock ref", "failed to update ref", "failed to lock", "incorrect old value",
          "but expected")  # fmt: skip


def _rejected(stderr: bytes) -> bool:
    """Whether git refused a push because the remote branch moved on meanwhile (someone
    pushed between our fetch and our push), as opposed to any other failure: a remote
    that declines the push itself (its hook, a protected branch, a full disk) is no
    reason to try again."""
    text = stderr.decode("utf-8", "replace")
    if any(s in text for s in ("[rejected]", "non-fast-forward", "fetch first")):
        return True
    declined = [line for line in text.splitlines() if "[remote rejected]" in line]
    if declined:
        return all(any(r in line for r in _RACED) for line in declined)
    return "cannot lock ref" in text


def push_reason(stderr: bytes) -> str:
    """Why the remote declined a push, for a ppks message: the reason git gives for the
    refused branch ("pre-receive hook declined") and what the remote said ("remote: …",
    a hook's own message), else :func:`git_reason`."""
    import re

    text = stderr.decode("utf-8", "replace")
    why = re.search(r"\[remote rejected\][^(\n]*\((.*)\)", text)
    said = [line.removeprefix("remote:").strip() for line in text.splitlines()
            if line.startswith("remote:")]  # fmt: skip
    parts = ([why[1]] if why else []) + [line for line in said if line]
    return "; ".join(parts) or git_reason(stderr)


def _backoff(attempt: int) -> None:
    """Wait before the next try: 0.2 s, 0.4 s, 0.8 s … (at most 3 s), each stretched
    by a random factor so that workers refused together do not retry together."""
    import random
    import time

    time.sleep(min(3.0, 0.2 * 2**attempt) * random.uniform(0.5, 1.5))


def git_reason(stderr: bytes) -> str:
    """git's own reason for a failure, for a ppks message: the first ``fatal:`` or
    ``error:`` line without that word (where a two-line message starts, not its tail:
    "does not appear to be a git repository", not "and the repository exists."), else
    the last line."""
    for line in stderr.decode("utf-8", "replace").splitlines():
        for word in ("fatal:", "error:"):
            if line.startswith(word):
                return line.removeprefix(word).strip()
    return last_line(stderr)


def _url(root: Path, remote: str) -> str:
    return out(root, "remote", "get-url", "--end-of-options", remote, check=False) or remote


def upstream_branch(root: Path, branch: str, remote: str | None) -> tuple[str | None, str | None]:
    """(remote, branch on that remote) that git's configuration names as ``branch``'s
    upstream (``branch.<name>.remote`` and ``branch.<name>.merge``); (None, None) when
    it has none, or when ``remote`` is given and is another one."""
    configured = out(root, "config", "--get", f"branch.{branch}.remote", check=False)
    merge = out(root, "config", "--get", f"branch.{branch}.merge", check=False)
    if not configured or not merge.startswith("refs/heads/") or configured == ".":
        return None, None
    if remote is not None and remote != configured:
        return None, None
    return configured, merge.removeprefix("refs/heads/")


def _first_push_changes(root: Path, remote: str) -> tuple[list[str], list[str]]:
    """What a branch's first push sends: the commits that none of the remote's
    branches (as last fetched) holds; everything when the remote has no branch yet or
    shares no history with this one."""
    heads = out(root, "for-each-ref", "--format=%(objectname)",
                f"refs/remotes/{remote}/").split()  # fmt: skip
    base = out(root, "merge-base", "HEAD", *heads, check=False) if heads else ""
    return records_in(root, f"{base.split()[0] if base else EMPTY_TREE}..HEAD")


def sync(
    root: Path, remote: str | None = None, worker: str | None = None,
    refuse_deletions: bool = False,
) -> SyncReport:  # fmt: skip
    """Fetch, integrate (rebase) and push to the configured remote.

    The remote branch is the current branch's upstream (git's ``branch.<name>.remote``
    and ``branch.<name>.merge``, as ``git pull`` and ``git push`` follow them) when it
    has one on that remote, else the branch of the same name (created by the first push,
    which then becomes the upstream); :attr:`SyncReport.remote_branch` names it.
    ``remote`` must name a remote configured in this clone (:func:`check_remote`);
    without one, the upstream's remote or the first configured is used
    (:class:`Refused` ``error.no_remote`` when there is none; ``error.bundle_remote``
    when it is a bundle file, as after ``bundle import --into``). With
    ``refuse_deletions``, received deletions raise :class:`DeletionsNotConfirmed` before
    anything changes. A conflict raises :class:`SyncConflict`. A push refused because
    colleagues pushed meanwhile is fetched, rebased and tried again, up to
    :data:`PUSH_ATTEMPTS` times with a growing random wait, then raises
    :class:`ExternalToolError` ``error.sync_busy`` (nothing lost; run it again). A
    remote that cannot be fetched from or pushed to (unreachable, no repository, no
    permission) raises :class:`ExternalToolError` ``sync_failed.fetch`` or
    ``sync_failed.push``, saying nothing was lost, with git's reason (:func:`git_reason`);
    any other failure of git raises :class:`ExternalToolError` ``error.git_failed``.

    Counting: records and cases received are those the remote branch holds and this
    clone did not (by content), sent the reverse; a branch's first push counts the
    commits that none of the remote's branches holds."""
    branch = ready_to_integrate(root)
    tracked_remote, tracked_branch = upstream_branch(root, branch, remote)
    if remote is None:
        configured = remotes(root)
        remote = tracked_remote
        if remote not in configured:
            remote = configured[0] if configured else None
    if not remote:
        raise Refused("error.no_remote")
    remote = check_remote(root, remote)
    bundle = bundle_url(root, remote)
    if bundle is not None:
        raise Refused("error.bundle_remote", remote=remote, url=bundle)
    target = tracked_branch if tracked_remote == remote and tracked_branch else branch
    report = SyncReport(remote, branch, target)
    remote_ref = f"{remote}/{target}"
    tracking = f"refs/remotes/{remote_ref}"
    for attempt in range(PUSH_ATTEMPTS):
        before = ref(root, tracking)
        fetched = fetch(root, "--quiet", "--end-of-options", remote, check=False)
        if fetched.returncode != 0:
            raise ExternalToolError("sync_failed.fetch", remote=remote, url=_url(root, remote),
                                    reason=git_reason(fetched.stderr))  # fmt: skip
        exists = ref(root, tracking) is not None
        if exists:
            report.deleted += incoming_deletions(
                root, remote_ref, tracking, before, refuse_deletions, "ppks sync --accept-deletions"
            )
            cases, records, cases_sent, sent = integrate(root, remote_ref, worker)
            report.cases_received += cases
            report.records_received += records
            report.cases_sent, report.records_sent = cases_sent, sent
            ahead = int(out(root, "rev-list", "--count", "--end-of-options", f"{remote_ref}..HEAD"))
        else:  # the first push of this branch
            report.cases_sent, report.records_sent = _first_push_changes(root, remote)
            ahead = 1
        if ahead == 0:
            report.up_to_date = not (
                report.records_received or report.cases_received or report.deleted
            )
            break
        upstream = () if tracked_remote == remote else ("-u",)
        pushed = run(root, "push", "--quiet", *upstream, "--end-of-options", remote,
                     f"HEAD:refs/heads/{target}", check=False)  # fmt: skip
        if pushed.returncode == 0:
            report.pushed = True
            break
        if not _rejected(pushed.stderr):
            url, reason = _url(root, remote), push_reason(pushed.stderr)
            raise ExternalToolError("sync_failed.push", remote=remote, branch=target, url=url,
                                    reason=reason)  # fmt: skip
        if attempt == PUSH_ATTEMPTS - 1:
            raise ExternalToolError("error.sync_busy", remote=remote, branch=target,
                                    attempts=PUSH_ATTEMPTS)  # fmt: skip
        _backoff(attempt)
    from ppks_cli.git.joining import fix_remote_head

    # a bare remote on this machine is put right at every sync (an office that pushed
    # with plain git first); one elsewhere is asked only after the branch's first push
    report.remote_head = fix_remote_head(root, remote, target, elsewhere=not exists)
    return report

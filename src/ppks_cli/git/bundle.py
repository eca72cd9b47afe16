"""Bundles: a branch's whole history in one file, for moving work on a USB stick
where there is no network."""

from __future__ import annotations

import re
from pathlib import Path

from ppks_cli import paths
from ppks_cli.errors import DamagedFile, GitMissing, InvalidInput, NotFound, Refused
from ppks_cli.git import markers
from ppks_cli.git.runner import (
    EMPTY_TREE,
    current_branch,
    fetch,
    git_available,
    has_commits,
    out,
    ref,
    require_repository,
    run,
)
from ppks_cli.git.state import git_state
from ppks_cli.git.sync import (
    Deletion,
    _put_back,
    incoming_deletions,
    integrate,
    ready_to_integrate,
    records_in,
    rewrites_pushed,
)

_BUNDLE_REF = "refs/ppks/bundle"


def bundle_export(root: Path, target: Path) -> Path:
    """Write this branch's whole history (and HEAD) into the bundle file ``target``;
    returns ``target``. :class:`Refused` without a repository, a commit or a branch."""
    require_repository(root)
    if not has_commits(root):
        raise Refused("error.not_git")
    branch = current_branch(root)
    # HEAD too, so that `git clone` of the bundle knows which branch to check out; the
    # absolute path and the full ref name never start with "-"
    run(root, "bundle", "create", "--quiet", str(target.resolve()), "HEAD", f"refs/heads/{branch}")
    return target


_BUNDLE_HEADERS = (b"# v2 git bundle\n", b"# v3 git bundle\n")


def is_bundle_file(path: Path) -> bool:
    """Whether the file starts the way every git bundle starts (v2 or v3)."""
    try:
        with path.open("rb") as handle:
            start = handle.read(16)
    except OSError:
        return False
    return any(start.startswith(header) for header in _BUNDLE_HEADERS)


def unusable_bundle(source: Path) -> InvalidInput | DamagedFile:
    """The error for a bundle git cannot read: :class:`DamagedFile`
    (``error.bundle_damaged``: cut short or corrupted on the way, say a USB stick pulled
    out while copying) when it starts like a bundle, else :class:`InvalidInput`
    (``error.bad_bundle``: not a bundle at all)."""
    if is_bundle_file(source):
        return DamagedFile("error.bundle_damaged", path=str(source))
    return InvalidInput("error.bad_bundle", path=str(source))


def bundle_import(
    root: Path, source: Path, worker: str | None = None, refuse_deletions: bool = False
) -> tuple[list[str], list[str], list[Deletion]] | None:
    """Bring the commits of a bundle into this repository: the local commits are rebased
    on top, or, when that would rewrite commits a remote already holds, the bundle is
    merged in with a merge commit authored by ``worker`` (:func:`integrate`); a conflict
    raises :class:`SyncConflict` (``merge`` set in that case) and nothing changes.
    Returns (cases received, records received, deletions received), or None when the
    bundle holds nothing this repository lacks (nothing changes). With
    ``refuse_deletions``, received deletions raise :class:`DeletionsNotConfirmed` and
    nothing changes. A file that is no bundle raises :class:`InvalidInput`, one cut
    short or corrupted :class:`DamagedFile` (``error.bundle_damaged``, nothing changes);
    a bundle of another repository :class:`Refused` (``error.bundle_unrelated``)."""
    source = paths.usable_path(source)
    if not source.is_file():
        raise NotFound("error.file_not_found", path=str(source))
    branch = ready_to_integrate(root)
    bundle = str(source.resolve())  # absolute: never read as an option
    verified = run(root, "bundle", "verify", "--quiet", bundle, check=False)
    if verified.returncode != 0:
        raise unusable_bundle(source)
    heads = out(root, "bundle", "list-heads", bundle, check=False).splitlines()
    refs = [line.split()[1] for line in heads if len(line.split()) == 2]
    # a ref name from the bundle is the others' data: only plain branch names are used
    refs = [r for r in refs if r == "HEAD" or re.fullmatch(r"refs/heads/[\w.][\w./-]*", r)]
    if not refs:
        raise InvalidInput("error.bad_bundle", path=str(source))
    branches = [r for r in refs if r.startswith("refs/heads/")]
    wanted = f"refs/heads/{branch}" if f"refs/heads/{branch}" in refs else (branches or refs)[0]
    before = ref(root, _BUNDLE_REF)
    # `bundle verify` reads the header only: a pack cut short fails here
    fetched = fetch(root, "--quiet", "--end-of-options", bundle,
                    f"+{wanted}:{_BUNDLE_REF}", check=False)  # fmt: skip
    if fetched.returncode != 0:
        _put_back(root, _BUNDLE_REF, before)
        raise unusable_bundle(source)
    if has_commits(root) and run(root, "merge-base", "--is-ancestor", _BUNDLE_REF, "HEAD",
                                 check=False).returncode == 0:  # fmt: skip
        return None  # everything in it is here already
    unrelated = run(root, "merge-base", "HEAD", _BUNDLE_REF, check=False).returncode != 0
    if not has_commits(root) or (unrelated and _only_just_created(root)):
        # a repository made by `ppks init` and never used: take the bundle's history
        state = git_state(root)
        if state is not None:
            markers.write(state.git_dir, markers.SYNC_MARKER,
                          {"branch": state.branch, "step": "reset"})  # fmt: skip
        run(root, "reset", "--hard", "--quiet", _BUNDLE_REF)
        if state is not None:
            markers.drop(state.git_dir, markers.SYNC_MARKER)
        cases, records = records_in(root, f"{EMPTY_TREE}..HEAD")
        return cases, records, []
    if unrelated:
        raise Refused("error.bundle_unrelated", path=str(source))
    deleted = incoming_deletions(root, _BUNDLE_REF, _BUNDLE_REF, before, refuse_deletions,
                                 f"ppks bundle import {source} --accept-deletions")  # fmt: skip
    # commits already pushed are never rewritten (colleagues hold them): then the bundle
    # is merged in, otherwise the local commits are rebased onto it (one straight line)
    merge = rewrites_pushed(root, _BUNDLE_REF)
    cases, records, _, _ = integrate(root, _BUNDLE_REF, worker, merge=merge)
    return cases, records, deleted


def _only_just_created(root: Path) -> bool:
    """One commit, no case in it: a fresh `ppks init`."""
    if not has_commits(root) or out(root, "rev-list", "--count", "HEAD") != "1":
        return False
    return not any(paths.RepoPaths(root).cases.glob(f"*/{paths.CASE_FILE}"))


def clone_bundle(source: Path, target: Path) -> None:
    """A fresh repository in the empty (or new) folder ``target`` from the bundle file
    ``source`` (for a machine that has none yet). Raises :class:`NotFound`,
    :class:`Refused` (``error.target_not_empty``), :class:`GitMissing`,
    :class:`DamagedFile` (``error.bundle_damaged``) for a bundle cut short or corrupted,
    or :class:`InvalidInput` for a file that is no bundle; nothing is left in ``target``
    then."""
    source, target = paths.usable_path(source), paths.usable_path(target)
    if not source.is_file():
        raise NotFound("error.file_not_found", path=str(source))
    if target.exists() and any(target.iterdir()):
        raise Refused("error.target_not_empty", path=str(target))
    if not git_available():
        raise GitMissing("error.git_missing")
    from ppks_cli.git.joining import _remove

    target = target.resolve()
    existed = target.exists()
    where = next(folder for folder in target.parents if folder.is_dir())
    result = run(where, "clone", "--quiet", "--end-of-options", str(source.resolve()),
                 str(target), check=False)  # fmt: skip
    if result.returncode != 0:
        _remove(target, existed)  # an empty folder given stays; a new one goes
        raise unusable_bundle(source)

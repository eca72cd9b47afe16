"""Moving work between clones: ``ppks sync`` (a shared remote) and ``ppks bundle`` (a USB
stick), each the whole way — holding the repository, applying the office's setting on
deletions received, and returning one result the command line renders.

The git mechanics are in :mod:`ppks_cli.git`; this module decides what a sync or a
bundle import means for a case repository.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ppks_cli.results import Result

if TYPE_CHECKING:
    from ppks_cli.changes import WriteOptions
    from ppks_cli.store import Repository


def deletions_json(deleted: list) -> list[dict[str, Any]]:
    """Deletions received (:class:`ppks_cli.git.Deletion`) as JSON, each with the
    command that brings it back."""
    return [
        {
            "case": d.case, "path": d.path, "kind": d.kind, "record": d.record,
            "files": d.records, "restore_from": d.revision, "restore": d.restore_command(),
        }
        for d in deleted
    ]  # fmt: skip


@dataclass
class SyncResult(Result):
    """``ppks sync``: the :class:`ppks_cli.git.SyncReport` of what came and went."""

    report: Any

    def to_json(self) -> dict[str, Any]:
        report = self.report
        return {
            "remote": report.remote, "branch": report.branch,
            "remote_branch": report.remote_branch, "pushed": report.pushed,
            "cases_received": report.cases_received,
            "records_received": report.records_received,
            "cases_sent": report.cases_sent, "records_sent": report.records_sent,
            "deleted": deletions_json(report.deleted), "remote_head": report.remote_head,
        }  # fmt: skip


def sync(
    repo: Repository, *, remote: str | None = None, accept_deletions: bool = False,
    options: WriteOptions | None = None,
) -> SyncResult:  # fmt: skip
    """Fetch, integrate and push (see :func:`ppks_cli.git.sync`) to ``remote``, else
    ``[git] remote``, else the upstream. With ``[git] confirm_deletions`` and without
    ``accept_deletions``, deletions received are refused and nothing changes. Raises
    :class:`~ppks_cli.errors.SyncConflict`, ``DeletionsNotConfirmed`` and git errors."""
    from ppks_cli import git
    from ppks_cli.changes import WriteOptions

    refuse = repo.config.git.confirm_deletions and not accept_deletions
    with (options or WriteOptions()).writer(repo, "git"):
        report = git.sync(
            repo.root, remote if remote is not None else repo.config.git.remote,
            repo.default_worker(), refuse_deletions=refuse,
        )  # fmt: skip
    return SyncResult(report)


@dataclass
class BundleExport(Result):
    """``ppks bundle export``: the bundle file written."""

    file: Path

    def to_json(self) -> dict[str, Any]:
        return {"file": str(self.file)}


def export_bundle(repo: Repository, file: Path) -> BundleExport:
    """Write the repository's branch into the git bundle ``file``."""
    from ppks_cli import git

    git.bundle_export(repo.root, file)
    return BundleExport(file)


@dataclass
class BundleImport(Result):
    """``ppks bundle import``: where the work went (``root``), what came in, and what
    was deleted; ``cloned`` when a new repository was made from the bundle (``--into``),
    and then nothing is counted; ``up_to_date`` when the bundle held nothing new."""

    root: Path
    cases: list[str] | None = None
    records: list[str] | None = None
    deleted: list = field(default_factory=list)
    up_to_date: bool = False

    @property
    def cloned(self) -> bool:
        return self.cases is None

    def to_json(self) -> dict[str, Any]:
        return {
            "root": str(self.root), "cases_received": self.cases,
            "records_received": self.records, "deleted": deletions_json(self.deleted),
            "up_to_date": self.up_to_date,
        }  # fmt: skip


def import_bundle(
    repo: Repository | None, file: Path, *, into: Path | None = None,
    accept_deletions: bool = False, options: WriteOptions | None = None,
) -> BundleImport:  # fmt: skip
    """Bring the work in the bundle ``file`` into ``repo``, or, with ``into``, make a new
    repository there from it (``repo`` may then be None). Raises
    :class:`~ppks_cli.errors.DamagedFile` (``error.bundle_damaged``) for a bundle cut
    short or corrupted, :class:`~ppks_cli.errors.InvalidInput` for a file that is no
    bundle; see :func:`ppks_cli.git.bundle_import`."""
    from ppks_cli import git
    from ppks_cli.changes import WriteOptions

    if into is not None:
        git.clone_bundle(file, into)
        return BundleImport(into.resolve())
    refuse = repo.config.git.confirm_deletions and not accept_deletions
    with (options or WriteOptions()).writer(repo, "git"):
        brought = git.bundle_import(
            repo.root, file, repo.default_worker(), refuse_deletions=refuse
        )
    if brought is None:
        return BundleImport(repo.root, [], [], [], up_to_date=True)
    cases, records, deleted = brought
    return BundleImport(repo.root, cases, records, deleted)


@dataclass
class CloneResult(Result):
    """``ppks clone``: the new repository (``root``), the ``branch`` checked out (it
    tracks ``origin``), the ``source`` cloned and whether it was a ``bundle`` file;
    ``check`` (a :class:`ppks_cli.check.CheckReport`) of what came, and ``worker``: who
    records in this clone as things stand (``$PPKS_WORKER`` or git's ``user.name``),
    None when nobody is set yet."""

    root: Path
    branch: str
    source: str
    bundle: bool
    check: Any
    worker: str | None

    def to_json(self) -> dict[str, Any]:
        check = self.check
        return {
            "root": str(self.root), "branch": self.branch, "source": self.source,
            "bundle": self.bundle, "cases": check.cases, "records": check.records,
            "errors": len(check.errors), "warnings": len(check.warnings),
            "worker": self.worker,
        }  # fmt: skip


def clone_repository(source: str, folder: Path | None = None) -> CloneResult:
    """Join a team: clone ``source`` (a folder, a URL git accepts, or a bundle file)
    into ``folder`` (default: the source's name, as ``git clone`` picks it, in the
    working directory), check out the branch holding ``ppks.toml`` whatever the
    remote's HEAD names (see :func:`ppks_cli.git.joining.clone`), and run ``check`` on it.

    Raises :class:`~ppks_cli.errors.InvalidInput` (a source starting with "-", naming
    ``ext::`` or holding control characters; a file that is no git bundle),
    :class:`~ppks_cli.errors.DamagedFile` (``error.bundle_damaged``: a bundle file cut
    short or corrupted), :class:`~ppks_cli.errors.Refused`
    (``error.target_not_empty``, ``error.clone_not_ppks``: nothing is left behind),
    :class:`~ppks_cli.errors.GitMissing` and
    :class:`~ppks_cli.errors.ExternalToolError` (git could not clone it)."""
    from ppks_cli import git
    from ppks_cli.check import check_repository
    from ppks_cli.errors import InvalidInput
    from ppks_cli.git.joining import default_folder
    from ppks_cli.store import Repository

    if folder is None:
        folder = Path(default_folder(source))
    cloned = git.clone(source, folder)
    repo = Repository.open(cloned.root, lenient=True)
    report = check_repository(repo)
    try:
        worker = repo.step_worker(None, None)
    except InvalidInput:
        worker = None
    return CloneResult(cloned.root, cloned.branch, source, cloned.bundle, report, worker)

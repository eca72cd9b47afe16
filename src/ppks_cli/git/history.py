"""Reading history: the commits that touched a case, and the case as it was at a date
or revision (the ``--as-of`` snapshots)."""

from __future__ import annotations

import datetime as dt
import re
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ppks_cli import paths
from ppks_cli.errors import DamagedFile, InvalidInput, NotFound
from ppks_cli.git.runner import below, has_commits, out, prefix, run


@dataclass
class Change:
    """One file a commit changed, and which case file it is."""

    status: str  # A added, M modified, D deleted, R renamed
    path: str  # as git prints it: relative to the top of the work tree
    kind: str | None  # the record kind, "case" for case.toml
    record: str | None  # the record ID


@dataclass
class HistoryEntry:
    """One commit of a case's history (:func:`history`), with the files it changed."""

    sha: str
    author: str
    email: str
    when: dt.datetime
    subject: str
    changes: list[Change]


def describe_change(path: str, here: str) -> tuple[str | None, str | None]:
    """(record kind or "case", record ID) of a path git printed, in a repository whose
    :func:`~ppks_cli.git.runner.prefix` is ``here``; (None, None) for anything else."""
    where = paths.describe(below(path, here))
    return (where.kind, where.record_id) if where else (None, None)


# starts each commit in `git log -z` output; never a status letter, so never ambiguous
_COMMIT_MARK = "ppks-commit"


def history(root: Path, case_id: str, commits: list[str] | None = None) -> list[HistoryEntry]:
    """Every commit that touched the case's folder, newest first ([] before the first
    commit). With ``commits`` (newest first, :func:`ppks_cli.commit_index.case_commits`):
    only those of them that did, without walking the history. Without: git walks it,
    through its commit-graph's changed-path filters, written first when the repository
    has none (:func:`ppks_cli.git.maintenance.update`: at once for a short history, in
    the background for a long one).

    git's output is split on NUL bytes only (``-z``): an author name or a subject may hold
    any other character, a control character included."""
    found = run(root, "rev-parse", "--absolute-git-dir", "--show-prefix", "HEAD", check=False)
    lines = found.stdout.decode("utf-8", "replace").split("\n")
    if found.returncode != 0 or len(lines) < 3:
        return []  # no commit yet
    git_dir, here = Path(lines[0]), lines[1]
    log = ["log", "-z", f"--format={_COMMIT_MARK}%x00%H%x00%an%x00%ae%x00%aI%x00%s",
           "--name-status", "--no-renames"]  # fmt: skip
    folder = paths.case_folder_rel(case_id)
    if commits is not None:  # only these, in this order; git drops those that did not
        if not commits:  # touch the folder (none: nothing to show, never HEAD)
            return []
        listed = "".join(f"{sha}\n" for sha in commits).encode()
        raw = run(root, *log, "--no-walk=unsorted", "--stdin", "--", folder, input=listed).stdout
    else:
        from ppks_cli.git import maintenance

        if not maintenance.has_changed_paths(git_dir):  # git then reads every commit's trees
            maintenance.update(root, git_dir, auto_maintenance=False)
        raw = run(root, *log, "--", folder).stdout
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
            kind, record = describe_change(path, here)
            entries[-1].changes.append(Change(token[0], path, kind, record))
            index += 2
        else:
            index += 1
    return entries


def resolve_revision(root: Path, when: str) -> str:
    """The full hash of a commit, from a date (``2024-03-01``: the last commit of that
    day) or any git revision (``HEAD~3``, a hash, a tag).

    Raises :class:`NotFound` without history (``error.no_history``) or without a commit
    by that date (``error.nothing_before``), :class:`InvalidInput` (``error.bad_revision``)
    for a value that is no revision (an option, a control character, unknown)."""
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
    """When ``revision`` was committed (the committer date, with its time zone)."""
    return dt.datetime.fromisoformat(
        out(root, "show", "-s", "--format=%cI", "--end-of-options", revision)
    )


def checkout_snapshot(root: Path, revision: str, case_id: str, into: Path) -> Path:
    """Write the repository's ``ppks.toml`` and the case folder as they were at
    ``revision`` into the folder ``into``; returns the snapshot's root.

    Raises :class:`NotFound` (``error.case_not_yet``) when the case did not exist then.
    Only regular files and folders are written: a symbolic link (or anything else) in the
    snapshot raises :class:`DamagedFile` naming it, and nothing is extracted."""
    tree = f"{revision}:{prefix(root)}"
    folder = paths.case_folder_rel(case_id)
    listed = out(root, "ls-tree", "--name-only", "--end-of-options", tree, "--", folder,
                 check=False)  # fmt: skip
    if not listed:
        raise NotFound("error.case_not_yet", case=case_id, revision=revision[:10])
    data = run(root, "archive", "--format=tar", "--end-of-options", tree, paths.CONFIG_FILE,
               folder).stdout  # fmt: skip
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

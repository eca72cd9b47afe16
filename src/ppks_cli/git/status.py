"""What is not yet committed, and what is committed but not yet shared."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ppks_cli.git.runner import below, has_commits, out, prefix, run


@dataclass
class Status:
    """What :func:`status` found."""

    uncommitted: list[tuple[str, str]]  # (git status code, path relative to root)
    unsynced: list[tuple[str, str]]  # (A/M/D, path) in commits not yet pushed
    upstream: str | None
    ahead: int
    behind: int


def upstream_of(root: Path) -> str | None:
    """The branch the current one tracks (``origin/main``), or None."""
    result = run(root, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}", check=False)
    if result.returncode != 0:
        return None
    return result.stdout.decode().strip() or None


def name_status(root: Path, spec: str, *filters: str) -> list[tuple[str, str]]:
    """(status letter, path) of every file under ``root`` changed in ``spec`` (a range
    such as ``a..b``), read with NUL separators. Paths are as git prints them: relative
    to the top of the work tree. ``filters`` are extra ``git diff`` options."""
    raw = run(root, "diff", "--name-status", "-z", "--no-renames", *filters, "--end-of-options",
              spec, "--", ".").stdout  # fmt: skip
    tokens = raw.decode("utf-8", "replace").split("\0")
    return [(code, path) for code, path in zip(tokens[0::2], tokens[1::2], strict=False) if code]


def status(root: Path) -> Status:
    """The repository's files not yet committed (paths relative to ``root``, untracked
    ones included) and, when the branch tracks an upstream, the files changed in
    commits not yet pushed, with how far the branch is ahead of and behind it."""
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
        uncommitted.append((code.strip(), below(path, here)))
    upstream = upstream_of(root)
    unsynced: list[tuple[str, str]] = []
    ahead = behind = 0
    if upstream and has_commits(root):
        counts = out(root, "rev-list", "--left-right", "--count", "--end-of-options",
                     f"{upstream}...HEAD").split()  # fmt: skip
        behind, ahead = int(counts[0]), int(counts[1])
        for code, path in name_status(root, f"{upstream}...HEAD"):
            unsynced.append((code, below(path, here)))
    return Status(uncommitted, unsynced, upstream, ahead, behind)

"""Small notes ppks leaves in the ``.git`` folder while an operation is under way, so
that the next command can finish or undo what a killed one left (see
:mod:`ppks_cli.git.recovery`)."""

from __future__ import annotations

import json
from pathlib import Path

SYNC_MARKER = "ppks-sync.json"  # in .git/: a sync is rebasing; removed when it is done
PENDING_COMMIT = "ppks-commit.json"  # in .git/: files written, their commit not yet made


def write(git_dir: Path, name: str, data: dict) -> None:
    """Write the marker ``name`` (JSON of ``data``) into ``git_dir``, atomically."""
    from ppks_cli.tomlio import atomic_write_text

    atomic_write_text(git_dir / name, json.dumps(data))


def read(git_dir: Path, name: str) -> dict | None:
    """The marker's data; None when there is none, ``{}`` when it cannot be read."""
    try:
        data = json.loads((git_dir / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def drop(git_dir: Path, name: str) -> None:
    """Remove the marker (nothing happens when there is none)."""
    try:
        (git_dir / name).unlink()
    except FileNotFoundError:
        pass

"""The file schemas and the steps between them: schema N to N+1, on a file's data and
on its text (so that comments and hand formatting survive a migration).

ppks reads a file of an older schema by upgrading its data in memory
(:func:`upgrade_data`) before validating it, so nothing breaks when ppks is upgraded;
``ppks migrate`` (:mod:`ppks_cli.migrate`) writes the upgraded files.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ppks_cli.models import SCHEMA_VERSION
from ppks_cli.tomlio import dumps

CONFIG, CASE, RECORD = "config", "case", "record"

_SCHEMA_LINE = re.compile(r"^schema\s*=\s*\d+[ \t]*(#.*)?$", re.MULTILINE)
_ID_LINE = re.compile(r"^id\s*=\s*\"[^\"\n]*\"[ \t]*(#.*)?$", re.MULTILINE)


@dataclass(frozen=True)
class Target:
    """One file to migrate: what it is, and the case folder it lies in (if any)."""

    path: Path
    role: str  # CONFIG, CASE or RECORD
    case: str | None = None


Step = Callable[[Target, dict[str, Any], str], tuple[dict[str, Any], str]]


def _set_schema(data: dict[str, Any], text: str, version: int) -> tuple[dict[str, Any], str]:
    new = {"schema": version, **{k: v for k, v in data.items() if k != "schema"}}
    if _SCHEMA_LINE.search(text):
        text = _SCHEMA_LINE.sub(f"schema = {version}", text, count=1)
    else:
        text = f"schema = {version}\n" + text
    return new, text


# Schema 2 renames: one name, one meaning (``summary`` meant four different things).
RENAMED_IN_2 = {
    "assessment": (("summary", "context"),),
    "evaluation": (("progress", "goal_status"), ("summary", "progress")),
    "termination": (("summary", "outcome"),),
    "follow-up": (("summary", "findings"),),
}


def _rename_keys(
    data: dict[str, Any],
    text: str,
    renames: tuple[tuple[str, str], ...],
    section: tuple[str, ...] = (),
) -> tuple[dict[str, Any], str]:
    """Rename keys of the table at ``section`` (the top level by default) in ``data``
    (keeping their place) and on their lines in ``text``; the caller verifies the text
    against the data."""
    table = data
    for part in section:
        table = table.get(part) if isinstance(table, dict) else None
    if not isinstance(table, dict):
        return data, text
    for old, new in renames:
        if old not in table or new in table:
            continue
        renamed = {(new if key == old else key): value for key, value in table.items()}
        data = _replace_table(data, section, renamed)
        table = renamed
        text = _rename_line(text, section, old, new)
    return data, text


def _replace_table(data: dict[str, Any], section: tuple[str, ...], table: dict) -> dict:
    if not section:
        return table
    head, *rest = section
    return {**data, head: _replace_table(data[head], tuple(rest), table)}


def _rename_line(text: str, section: tuple[str, ...], old: str, new: str) -> str:
    """``old = …`` → ``new = …`` on the first such line of ``[section]`` in ``text``."""
    lines = text.split("\n")
    header = "[" + ".".join(section) + "]" if section else None
    inside = header is None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            if header is None:
                break  # past the top-level keys
            inside = stripped == header
            continue
        if inside and re.match(rf"{re.escape(old)}\s*=", stripped):
            lines[index] = line.replace(old, new, 1)
            break
    return "\n".join(lines)


def _one_to_two(target: Target, data: dict[str, Any], text: str) -> tuple[dict[str, Any], str]:
    """Schema 2: every record names its case, and the fields called ``summary`` get the
    names of what they hold."""
    data, text = _set_schema(data, text, 2)
    if target.role == RECORD:
        data, text = _rename_keys(data, text, RENAMED_IN_2.get(data.get("kind"), ()))
        if data.get("kind") == "letter":  # the data a letter was made from, for reissue
            for kind in ("assessment", "termination"):
                data, text = _rename_keys(data, text, RENAMED_IN_2[kind], ("context", kind))
    if target.role == RECORD and "case" not in data and target.case:
        items = list(data.items())
        at = next((i + 1 for i, (k, _) in enumerate(items) if k == "id"), len(items))
        items.insert(at, ("case", target.case))
        data = dict(items)
        line = _ID_LINE.search(text)
        if line:
            text = text[: line.end()] + f'\ncase = "{target.case}"' + text[line.end() :]
        else:
            text = dumps(data)
    return data, text


STEPS: dict[int, Step] = {1: _one_to_two}
"""From schema N to N+1, for every N older than :data:`SCHEMA_VERSION`."""


def upgrade_data(role: str, data: dict[str, Any], case: str | None = None) -> dict[str, Any]:
    """``data`` of a file (``role``: CONFIG, CASE or RECORD; ``case``: the folder it lies
    in) in the current schema. Data of the current or a newer schema is returned as it is
    (a newer one is refused by validation)."""
    version = data.get("schema", SCHEMA_VERSION)
    if type(version) is not int or version >= SCHEMA_VERSION or version < min(STEPS):
        return data
    target = Target(Path(), role, case)
    while version < SCHEMA_VERSION:
        data, _ = STEPS[version](target, data, "")
        version += 1
    return data

"""``ppks migrate``: rewrite a case repository's files to the current schema.

Real repositories outlive every file format, so each schema change comes with a step
here that turns a file of schema N into schema N+1 (:data:`STEPS`). ppks reads old files
as they are; ``ppks check`` says which files are old; ``ppks migrate`` rewrites them.

A migration is:

- **deterministic**: the same old file always becomes the same new file;
- **minimal**: a file's text is edited in place (the ``schema`` line, a new key after
  ``id``), so comments and hand formatting survive; only when that is not possible is the
  file written afresh from its data;
- **checked**: the new text parses back to exactly the upgraded data, and the new file
  validates, before anything is written;
- **atomic per file and idempotent**: an interrupted run is finished by running it again,
  and a second run changes nothing;
- **all or nothing at the start**: a repository with a file that cannot be read is not
  touched at all (the problems are listed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ppks_cli import paths
from ppks_cli.errors import DamagedFile, MigrationBlocked
from ppks_cli.i18n import Msg
from ppks_cli.models import SCHEMA_VERSION
from ppks_cli.schema import CONFIG, RECORD, STEPS, Target
from ppks_cli.store import Repository
from ppks_cli.tomlio import dumps, parse_toml_text, read_toml
from ppks_cli.validation import Problem


@dataclass
class FileChange:
    """One file the migration rewrites (or would rewrite)."""

    file: str  # relative to the repository root
    from_version: int
    to_version: int

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "from": self.from_version, "to": self.to_version}


@dataclass
class MigrationResult:
    """What ``ppks migrate`` did (or, with ``dry_run``, would do)."""

    schema: int
    dry_run: bool
    changes: list[FileChange] = field(default_factory=list)
    unchanged: int = 0
    written: list[Path] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "dry_run": self.dry_run,
            "changed": [c.to_json() for c in self.changes],
            "unchanged": self.unchanged,
        }


def _targets(repo: Repository) -> list[Target]:
    found = [Target(repo.paths.config, CONFIG)]
    for case_id in repo.case_ids():
        found.append(Target(repo.paths.case_file(case_id), "case", case_id))
        for path in repo.record_files(case_id):
            if paths.RECORD_FILE_RE.match(path.name):
                found.append(Target(path, RECORD, case_id))
    return found


def _migrate_text(target: Target, data: dict[str, Any], text: str) -> tuple[dict, str, int]:
    version = data.get("schema", SCHEMA_VERSION)
    if type(version) is not int or version > SCHEMA_VERSION:
        return data, text, version if type(version) is int else SCHEMA_VERSION
    start = version
    while version < SCHEMA_VERSION:
        data, text = STEPS[version](target, data, text)
        version += 1
    return data, text, start


def migrate(repo: Repository, *, dry_run: bool = False, options=None) -> MigrationResult:
    """``ppks migrate``: :func:`rewrite` the repository's old files while holding it
    (:class:`ppks_cli.changes.Writer`), and commit them together. A dry run writes and
    holds nothing."""
    from ppks_cli.changes import WriteOptions, commit_message

    if dry_run:
        return rewrite(repo, dry_run=True)
    with (options or WriteOptions()).writer(repo) as writer:
        result = rewrite(repo)
        writer.commit(commit_message(None, "migration", schema=result.schema),
                      repo.default_worker())  # fmt: skip
    return result


def rewrite(repo: Repository, *, dry_run: bool = False) -> MigrationResult:
    """Rewrite every file of ``repo`` older than :data:`SCHEMA_VERSION` to it.

    Returns what changed; the written files are in ``result.written`` (and
    ``repo.written``) for the caller to commit together. Raises
    :class:`MigrationBlocked` (exit 7), touching nothing, when any file cannot be read or
    a migrated file would not validate or would lose a value."""
    result = MigrationResult(SCHEMA_VERSION, dry_run)
    planned: list[tuple[Target, str, int]] = []
    problems: list[Problem] = []
    for target in _targets(repo):
        shown = repo.rel(target.path)
        try:
            data, text = read_toml(target.path, shown)
        except DamagedFile as exc:
            problems.append(Problem(shown, exc.params["line"], exc.params["detail"]))
            continue
        new_data, new_text, start = _migrate_text(target, data, text)
        if start > SCHEMA_VERSION:  # written by a newer ppks: never touched, nor the rest
            from ppks_cli.tomlio import KeyLocator

            detail = Msg("validation.schema_newer", found=start, supported=SCHEMA_VERSION)
            line = KeyLocator(text).line(("schema",))
            problems.append(Problem(shown, line, Msg("validation.field", field="schema",
                                                     detail=detail)))  # fmt: skip
            continue
        if start >= SCHEMA_VERSION:
            result.unchanged += 1
            continue
        problem = _verify(target, shown, data, new_data, new_text)
        if problem is not None and problem.message.key == "migrate.would_lose":
            # the text could not be edited in place (a hand-made layout): write it afresh
            new_text = dumps(new_data)
            problem = _verify(target, shown, data, new_data, new_text)
        if problem is not None:
            problems.append(problem)
            continue
        planned.append((target, new_text, start))
        result.changes.append(FileChange(shown, start, SCHEMA_VERSION))
    if problems:
        raise MigrationBlocked(problems)
    if dry_run:
        return result
    from ppks_cli.tomlio import atomic_write_text

    for target, new_text, _ in planned:
        if atomic_write_text(target.path, new_text, root=repo.root):
            repo.written.append(target.path)
            result.written.append(target.path)
    return result


def _verify(
    target: Target, shown: str, old: dict[str, Any], new: dict[str, Any], text: str
) -> Problem | None:
    """A problem when the migrated text does not parse back to ``new`` (the upgraded data
    of ``old``), or does not validate as the current schema."""
    from ppks_cli.config import RepoConfig
    from ppks_cli.models import CaseFile
    from ppks_cli.records import parse_record
    from ppks_cli.validation import validate

    try:
        reparsed = parse_toml_text(text, shown)
    except DamagedFile as exc:
        return Problem(shown, exc.params["line"], exc.params["detail"])
    if reparsed != new:
        return Problem(shown, 1, Msg("migrate.would_lose"))
    if target.role == RECORD:
        _, found = parse_record(reparsed, text, shown, target.case)
    else:
        model = RepoConfig if target.role == CONFIG else CaseFile
        _, found = validate(model, reparsed, text, shown)
    return found[0] if found else None


def old_schema_warning(shown: str, data: dict[str, Any], text: str) -> Problem | None:
    """A warning for ``ppks check`` when the file ``shown`` (parsed as ``data`` from
    ``text``) uses a schema older than the current one."""
    from ppks_cli.tomlio import KeyLocator

    version = data.get("schema")
    if type(version) is int and version < SCHEMA_VERSION:
        line = KeyLocator(text).line(("schema",))
        message = Msg("check.old_schema", found=version, current=SCHEMA_VERSION)
        return Problem(shown, line, message, "warning")
    return None

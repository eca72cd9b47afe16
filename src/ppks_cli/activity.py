"""What happened in a repository, from git: a case's history (``ppks history``) and what
is not yet committed or synced (``ppks status``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ppks_cli import paths
from ppks_cli.results import Result


@dataclass
class CaseHistory(Result):
    """``ppks history``: every commit that touched the case, newest first
    (:class:`ppks_cli.git.HistoryEntry`)."""

    case_id: str
    entries: list
    # the correction records of the case by ID (what ``ppks edit`` changed, and why)
    corrections: dict[str, Any] = field(default_factory=dict)
    # the transfer records of the case by ID (from whom to whom, and why)
    transfers: dict[str, Any] = field(default_factory=dict)

    def transfer_line(self, record_id: str | None) -> str | None:
        """``Saskia Pane → Dewi Lubis: cuti`` for a transfer record of the case (as
        ``show`` gives it), else None."""
        record = self.transfers.get(record_id) if record_id else None
        return f"{record.from_} → {record.to}: {record.reason}" if record is not None else None

    def correction_line(self, record_id: str | None) -> str | None:
        """``nama: 'A' → 'B' (alasan: …), Saskia, 12 Maret 2024`` for a correction
        record of the case, else None."""
        record = self.corrections.get(record_id) if record_id else None
        if record is None:
            return None
        from ppks_cli.corrections import describe_correction
        from ppks_cli.dates import long_date
        from ppks_cli.i18n import t

        return t("history.correction", line=describe_correction(record), worker=record.worker,
                 date=long_date(record.date))  # fmt: skip

    def event(self, entry):
        """What the commit ``entry`` records (:class:`ppks_cli.changes.CommitEvent`), or
        None when ppks did not write its message."""
        from ppks_cli.changes import parse_commit_message

        return parse_commit_message(entry.subject)

    def describe(self, entry) -> str:
        """The commit ``entry`` in the interface's language: ``Rencana intervensi
        dicatat`` for ``2024-9E4KD: plan recorded``; another case's ID stands before it;
        a message ppks did not write is given as it is, in quotes."""
        from ppks_cli.i18n import t

        found = self.event(entry)
        if found is None:
            return t("history.message.as_written", message=entry.subject)
        text = t(f"history.event.{found.event}", **found.params, case=found.case_id or "")
        if found.case_id not in (None, self.case_id) and found.event != "merge":
            return t("history.message.other_case", case=found.case_id, text=text)
        return text

    def to_json(self) -> list[dict[str, Any]]:
        def change(c) -> dict[str, Any]:
            found = {"status": c.status, "path": c.path, "kind": c.kind, "record": c.record}
            record = self.corrections.get(c.record) if c.record else None
            if record is not None:
                changes = [
                    item.model_dump(mode="json", exclude_none=True) for item in record.changes
                ]
                found["correction"] = {
                    "reason": record.reason, "worker": record.worker,
                    "date": record.date.isoformat(), "changes": changes,
                    "text": self.correction_line(c.record),
                }  # fmt: skip
            moved = self.transfers.get(c.record) if c.record else None
            if moved is not None:
                found["transfer"] = {
                    "from": moved.from_, "to": moved.to, "reason": moved.reason,
                    "worker": moved.worker, "date": moved.date.isoformat(),
                }  # fmt: skip
            return found

        return [
            {
                "commit": e.sha, "author": e.author, "email": e.email,
                "date": e.when.isoformat(), "message": e.subject,
                "event": (found.event if (found := self.event(e)) else None),
                "text": self.describe(e),
                "changes": [change(c) for c in e.changes],
            }
            for e in self.entries
        ]  # fmt: skip


def case_history(repo, ref: str) -> CaseHistory:
    """The git history of the case ``ref``. Raises :class:`~ppks_cli.errors.NotFound`
    for an unknown case and a refusal when the repository is not in git."""
    from ppks_cli import git
    from ppks_cli.commit_index import case_commits

    case_id = repo.resolve(ref)
    git.require_repository(repo.root)
    # the commits of the case from the index; None: git walks the history itself
    entries = git.history(repo.root, case_id, case_commits(repo, case_id))
    corrections: dict[str, Any] = {}
    transfers: dict[str, Any] = {}
    if any(c.kind in ("correction", "transfer") for e in entries for c in e.changes):
        from ppks_cli.errors import DamagedFile

        try:
            case = repo.load_case(case_id)
            corrections = {r.id: r for r in case.records if r.kind == "correction"}
            transfers = {r.id: r for r in case.records if r.kind == "transfer"}
        except (DamagedFile, OSError):  # the history is shown all the same
            pass
    return CaseHistory(case_id, entries, corrections, transfers)


@dataclass
class RepositoryStatus(Result):
    """``ppks status``: files not committed, commits not synced, the hand-edited
    files among the uncommitted ones that fail validation (``invalid``: problems), and
    the user's own items late or due within a week (``due``: a
    :class:`ppks_cli.due.DueList`, ``None`` when the user's name is not known)."""

    git: Any  # git.Status
    invalid: list
    due: Any = None  # due.DueList | None

    def to_json(self) -> dict[str, Any]:
        state = self.git
        return {
            "uncommitted": [{"status": c, "path": p} for c, p in state.uncommitted],
            "unsynced": [{"status": c, "path": p} for c, p in state.unsynced],
            "upstream": state.upstream, "ahead": state.ahead, "behind": state.behind,
            "invalid": [p.as_dict() for p in self.invalid],
            "overdue": self.due.overdue if self.due is not None else None,
            "due_soon": self.due.due_soon if self.due is not None else None,
        }  # fmt: skip


def repository_status(repo, progress=None) -> RepositoryStatus:
    """What ``ppks status`` reports for ``repo`` (which must be in git); raises what
    :func:`ppks_cli.git.require_repository` raises when it is not. ``progress(done,
    total)`` is called while the index reads changed cases."""
    from concurrent.futures import ThreadPoolExecutor

    from ppks_cli import git
    from ppks_cli.check import check_repository
    from ppks_cli.due import own_due

    git.require_repository(repo.root)
    # git reads the work tree while the index is brought up to date: both mostly wait
    # for the file system, so side by side they take about as long as the slower one
    with ThreadPoolExecutor(max_workers=1) as pool:
        asked = pool.submit(git.status, repo.root)
        due = own_due(repo, progress=progress)
        state = asked.result()
    changed = {path for _, path in state.uncommitted}
    # only the case folders with uncommitted files are checked (ppks.toml always is)
    touched = {
        parts[1] for parts in (path.split("/") for path in changed)
        if len(parts) > 2 and parts[0] == paths.CASES_DIR
    }  # fmt: skip
    invalid = [p for p in check_repository(repo, cases=touched).errors if p.file in changed]
    return RepositoryStatus(state, invalid, due)

"""Passing cases to another worker: ``ppks transfer``.

A transfer is a record (:class:`ppks_cli.records.Transfer`: from, to, reason) in the
case's folder; the case's current worker is derived from its records
(:attr:`ppks_cli.workflow.CaseState.current_worker`), so ``case.toml`` (who did the
intake) is never rewritten and two clones transferring offline never edit one file.
Everything that asks whose a case is (``list --worker``, ``due``, the default worker of a
step) reads the current worker.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ppks_cli.errors import InvalidInput, NotFound, Refused
from ppks_cli.results import Result

if TYPE_CHECKING:
    from ppks_cli.changes import WriteOptions
    from ppks_cli.records import Transfer
    from ppks_cli.store import Case, Repository


@dataclass
class TransferResult(Result):
    """What ``ppks transfer`` did: each case moved and its transfer record (one case, or
    a worker's whole open caseload), and the worker they went to."""

    to: str
    moved: list[tuple[Case, Transfer]] = field(default_factory=list)
    from_name: str | None = None  # the name given with --from (a caseload)

    def to_json(self) -> dict[str, Any]:
        from ppks_cli.views import record_view

        return {
            "to": self.to,
            "from": self.from_name,
            "count": len(self.moved),
            "cases": [
                {"id": case.id, "stage": case.state.stage, "record": record_view(record)}
                for case, record in self.moved
            ],
        }


def _name(value: str | None, option: str) -> str:
    from ppks_cli.models import parse_worker

    if value is None or not value.strip():
        raise InvalidInput("error.missing_option", option=option)
    return parse_worker(value, option)


def transfer(
    repo: Repository, case: Case, *, worker: str, to: str, reason: str,
    date: dt.date | None = None,
) -> Transfer:  # fmt: skip
    """Write a transfer of ``case`` to the worker ``to`` (recorded by ``worker``), at any
    stage, open or closed. Raises what :func:`prepare_transfer` raises; nothing is
    written then."""
    made = prepare_transfer(repo, case, worker=worker, to=to, reason=reason, date=date)
    repo.add_record(case, made)
    return made


def receiver(case: Case, to: str, option: str = "--to") -> str:
    """The name of the worker ``case`` is to be transferred to, checked (a name, not the
    worker who has the case now: :class:`Refused` ``error.transfer_same_worker``, names
    compared word by word, ignoring case); the name as it is stored. Raises
    :class:`InvalidInput` naming ``option`` for a bad name."""
    from ppks_cli.due import words

    to = _name(to, option)
    current = case.state.current_worker
    if current and words(current) == words(to):
        raise Refused("error.transfer_same_worker", case=case.id, worker=current)
    return to


def prepare_transfer(
    repo: Repository, case: Case, *, worker: str, to: str, reason: str,
    date: dt.date | None = None,
) -> Transfer:  # fmt: skip
    """The transfer record :func:`transfer` writes, checked but not written. Raises
    :class:`InvalidInput` for a bad name, reason or date, and :class:`Refused`:
    ``error.transfer_same_worker`` when the case is already with ``to`` (names compared
    word by word, ignoring case), ``error.transfer_before_latest`` for a date before the
    case's latest transfer (it would not take effect: the latest transfer decides who
    has the case), and what any new record of the case is refused for (a damaged
    record, a date before the intake)."""
    from ppks_cli.casework import _prepare
    from ppks_cli.records import Transfer

    to = receiver(case, to)
    latest = case.state.transfers[-1] if case.state.transfers else None
    when = date or dt.date.today()
    if latest is not None and when < latest.date:
        raise Refused(
            "error.transfer_before_latest", case=case.id, date=when.isoformat(),
            latest=latest.date.isoformat(), worker=latest.to,
        )  # fmt: skip
    return _prepare(
        repo, case, Transfer, date=date, worker=worker, to=to, reason=reason,
        **{"from": case.state.current_worker or case.file.intake.worker},
    )  # fmt: skip


def transfer_case(
    repo: Repository, case_ref: str, *, worker: str, to: str, reason: str,
    date: dt.date | None = None, options: WriteOptions | None = None,
) -> TransferResult:  # fmt: skip
    """Transfer the case ``case_ref`` (any unique prefix of its ID) to ``to`` and commit
    it (``CASE: case transferred``). Raises :class:`NotFound` for an unknown case and what
    :func:`transfer` raises, with nothing written."""
    from ppks_cli.changes import WriteOptions, commit_message

    with (options or WriteOptions()).writer(repo) as writer:
        case = repo.find_case(case_ref)
        made = transfer(repo, case, worker=worker, to=to, reason=reason, date=date)
        writer.commit(commit_message(case.id, "transfer"), made.worker)
    return TransferResult(made.to, [(case, made)])


def transfer_caseload(
    repo: Repository, from_name: str, *, worker: str, to: str, reason: str,
    date: dt.date | None = None, options: WriteOptions | None = None,
) -> TransferResult:  # fmt: skip
    """Transfer every OPEN case whose current worker is ``from_name`` (the same words,
    ignoring case and accents: ``saskia pane`` is ``Saskia Pane``, ``Saskia`` is not) to
    ``to``, in one commit (``ppks: N cases transferred``). Closed cases stay. Raises
    :class:`InvalidInput` for bad names (or ``from`` and ``to`` the same worker),
    :class:`NotFound` (``error.transfer_no_cases``) when no open case is with
    ``from_name``, and what :func:`transfer` raises; nothing is written then."""
    from ppks_cli import index
    from ppks_cli.changes import WriteOptions, commit_message
    from ppks_cli.due import words, worker_matches

    from_name = _name(from_name, "--from")
    to = _name(to, "--to")
    if words(from_name) == words(to):
        raise InvalidInput("error.transfer_from_is_to", worker=to)
    wanted = words(from_name)
    moved: list = []
    with (options or WriteOptions()).writer(repo) as writer:
        with index.opened(repo) as (conn, _done):
            rows = conn.execute(
                "SELECT id, worker FROM cases WHERE problem IS NULL AND closed = 0 ORDER BY id"
            ).fetchall()
        cases = [
            case
            for case in (  # the files decide, not the cache
                repo.load_case(cid) for cid, owner in rows
                if worker_matches(wanted, owner, whole=True)
            )
            if not case.state.closed
            and worker_matches(wanted, case.state.current_worker, whole=True)
        ]  # fmt: skip
        if not cases:
            raise NotFound("error.transfer_no_cases", worker=from_name)
        # every case is checked before the first file is written: a refusal writes nothing
        prepared = [
            (case, prepare_transfer(repo, case, worker=worker, to=to, reason=reason, date=date))
            for case in cases
        ]
        for case, made in prepared:
            repo.add_record(case, made)
            moved.append((case, made))
        writer.commit(commit_message(None, "transfer-caseload", count=len(moved)), worker)
    return TransferResult(to, moved, from_name)

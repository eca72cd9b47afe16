"""Relations between cases: ``ppks link`` (a mother and her children, siblings, spouses,
a guardian) and ``ppks merge`` (two cases of one person).

A link is a record (:class:`ppks_cli.records.Link`) in ONE case's folder: "the case
``other`` is my mother". The other case shows the inverse ("child"), read from the
index's ``links`` table, so two workers linking offline never edit the same file and
every link survives a sync.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ppks_cli.errors import InvalidInput, Refused
from ppks_cli.results import Result

if TYPE_CHECKING:
    from ppks_cli.changes import WriteOptions
    from ppks_cli.records import Link, Termination
    from ppks_cli.store import Case, Repository

# a role that a relative may hold as well (an older sister who is the guardian): it never
# contradicts another link between the same two cases
ROLES = frozenset({"guardian", "ward"})


def parse_relation(value: str, option: str = "--as") -> str:
    """The relation code (``mother`` …, :data:`ppks_cli.records.LINK_RELATIONS`) that
    ``value`` names: its number at the prompt, the code, the label (``Ibu``) or another
    word for it (``bapak``, ``suami``; see :data:`ppks_cli.choices.LINK_RELATION`), any
    case. Raises :class:`InvalidInput` naming ``option`` (for ``duplicate`` too: two
    cases of one person are merged, not linked)."""
    from ppks_cli.choices import LINK_RELATION

    return LINK_RELATION.parse(value, option)


@dataclass(frozen=True)
class CaseLink:
    """One relation of a case as it is shown: the ``other`` case (its client's ``name``
    when known), what the other case is to this one (``relation``), the link record
    (``record``) and whether that record lies in this case's folder (``here``) or in
    the other's (then ``relation`` is the inverse of the recorded one)."""

    other: str
    relation: str
    record: str
    here: bool
    name: str | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.other, "name": self.name, "relation": self.relation,
            "record": self.record, "recorded_here": self.here, "reason": self.reason,
        }  # fmt: skip


def links_of(repo: Repository, case: Case, *, incoming: bool = True) -> list[CaseLink]:
    """Every relation of ``case``: its own link records, and (from the index, unless
    ``incoming`` is False) the links other cases recorded to it, as their inverse. A
    link recorded on both sides (by ``merge``, or by two workers) is given once, from
    this case's record."""
    from ppks_cli import index
    from ppks_cli.records import INVERSE_RELATION, Link

    own = [r for r in case.records if isinstance(r, Link)]
    if not incoming:
        return [CaseLink(r.other, r.relation, r.id, True, None, r.reason) for r in own]
    with index.opened(repo) as (conn, _done):
        incoming = conn.execute(
            "SELECT case_id, relation, record, reason FROM links WHERE other = ? "
            "ORDER BY case_id, record",
            (case.id,),
        ).fetchall()
        others = {r.other for r in own} | {row[0] for row in incoming}
        names = dict(
            conn.execute(
                f"SELECT id, name FROM cases WHERE id IN ({', '.join('?' * len(others))})",
                tuple(others),
            ).fetchall()
        ) if others else {}  # fmt: skip
    # one relation recorded twice here (two workers linked the pair offline) is shown once
    here: set[tuple[str, str]] = set()
    found = []
    for r in own:
        if (r.other, r.relation) not in here:
            here.add((r.other, r.relation))
            found.append(CaseLink(r.other, r.relation, r.id, True, names.get(r.other), r.reason))
    # a pair seen from here (other, what it is to this case) and from there (other, what
    # this case is to it): either one matching an incoming record means it is shown already
    there = {(r.other, INVERSE_RELATION[r.relation]) for r in own}
    for other, relation, record, reason in incoming:
        inverse = INVERSE_RELATION.get(relation, "other")
        if other == case.id or (other, inverse) in here or (other, relation) in there:
            continue
        here.add((other, inverse))
        there.add((other, relation))
        found.append(
            CaseLink(other, INVERSE_RELATION.get(relation, "other"), record, False,
                     names.get(other), reason)
        )  # fmt: skip
    return found


def _check_pair(case: Case, other: Case) -> None:
    if case.id == other.id:
        raise InvalidInput("error.link_same_case", case=case.id)


def link(
    repo: Repository, case: Case, other: Case, *, worker: str, relation: str,
    reason: str | None = None, date: dt.date | None = None,
) -> Link:  # fmt: skip
    """Write a link record in ``case``'s folder: ``other`` is ``relation`` (a word of
    :data:`ppks_cli.choices.LINK_RELATION`) to ``case``. Any stage, open or closed. Raises
    :class:`InvalidInput` (the same case twice, an unknown relation, a bad date) and
    :class:`Refused`: ``error.link_exists`` (this case already holds that link),
    ``error.link_contradicts`` (the two cases are linked as something else already,
    either side; a guardian may be a relative as well) and what any new record of the
    case is refused for; nothing is written then."""
    made = _prepare_link(repo, case, other, worker=worker, code=parse_relation(relation),
                         reason=reason, date=date)  # fmt: skip
    repo.add_record(case, made)
    return made


def _existing(case: Case, other: Case) -> list[tuple[str, Link]]:
    """The links between ``case`` and ``other`` in either folder, each as what ``other``
    is to ``case`` and the record."""
    from ppks_cli.records import INVERSE_RELATION, Link

    found = [(r.relation, r) for r in case.records if isinstance(r, Link) and r.other == other.id]
    found += [
        (INVERSE_RELATION.get(r.relation, "other"), r)
        for r in other.records
        if isinstance(r, Link) and r.other == case.id
    ]  # fmt: skip
    return found


def agree(new: str, seen: str) -> bool:
    """Whether two statements of what one case is to another (relation codes of
    :data:`ppks_cli.records.INVERSE_RELATION`) can both be true: the same, ``parent``
    and ``mother`` or ``father``, or one of them a role (a guardian may be a relative)."""
    if new == seen or new in ROLES or seen in ROLES:
        return True
    parents = ("mother", "father")
    return (seen == "parent" and new in parents) or (new == "parent" and seen in parents)


def _prepare_link(
    repo: Repository, case: Case, other: Case, *, worker: str, code: str,
    reason: str | None = None, date: dt.date | None = None, pending: tuple = (),
) -> Link:  # fmt: skip
    from ppks_cli.casework import _prepare
    from ppks_cli.i18n import label
    from ppks_cli.records import DUPLICATE_OF, Link

    _check_pair(case, other)
    for r in case.records:
        if isinstance(r, Link) and r.other == other.id and r.relation == code:
            raise Refused(
                "error.link_exists", case=case.id, other=other.id,
                relation=label("relation", code),
            )  # fmt: skip
    if code != DUPLICATE_OF:  # a merge may follow any link: it was one person after all
        for seen, record in _existing(case, other):
            if not agree(code, seen):
                raise Refused(
                    "error.link_contradicts", case=case.id, other=other.id,
                    relation=label("relation", seen), record=record.id,
                    holder=record.case, wanted=label("relation", code),
                )  # fmt: skip
    return _prepare(
        repo, case, Link, date=date, worker=worker, other=other.id, relation=code,
        reason=reason, pending=pending,
    )  # fmt: skip


@dataclass
class LinkResult(Result):
    """What ``ppks link`` recorded: ``case`` now holds ``record`` naming ``other``."""

    case: Case
    other: Case
    record: Link

    def to_json(self) -> dict[str, Any]:
        from ppks_cli.views import record_view

        return {"id": self.case.id, "other": self.other.id, "record": record_view(self.record)}


def link_cases(
    repo: Repository, case_ref: str, other_ref: str, *, worker: str, relation: str,
    reason: str | None = None, date: dt.date | None = None,
    options: WriteOptions | None = None,
) -> LinkResult:  # fmt: skip
    """Link the cases ``case_ref`` and ``other_ref`` (unique prefixes of their IDs; see
    :func:`link`) and commit it (``CASE: link recorded``). Raises
    :class:`~ppks_cli.errors.NotFound` for an unknown case and what :func:`link` raises,
    with nothing written."""
    from ppks_cli.changes import WriteOptions, commit_message

    with (options or WriteOptions()).writer(repo) as writer:
        case, other = repo.find_case(case_ref), repo.find_case(other_ref)
        made = link(repo, case, other, worker=worker, relation=relation, reason=reason,
                    date=date)  # fmt: skip
        writer.commit(commit_message(case.id, "link"), made.worker)
    return LinkResult(case, other, made)


@dataclass
class MergeResult(Result):
    """What ``ppks merge`` did: the ``duplicate`` closed (``termination``) and the two
    link records (``keep_link`` in the kept case, ``duplicate_link`` in the duplicate)."""

    keep: Case
    duplicate: Case
    termination: Termination
    keep_link: Link
    duplicate_link: Link

    def to_json(self) -> dict[str, Any]:
        from ppks_cli.views import record_view

        return {
            "keep": self.keep.id, "duplicate": self.duplicate.id,
            "termination": record_view(self.termination),
            "links": [record_view(self.keep_link), record_view(self.duplicate_link)],
        }  # fmt: skip


def merge_cases(
    repo: Repository, keep_ref: str, duplicate_ref: str, *, worker: str, reason: str,
    date: dt.date | None = None, options: WriteOptions | None = None,
) -> MergeResult:  # fmt: skip
    """Two cases of one person: close the case ``duplicate_ref`` with the termination
    reason ``duplicate`` (its note names the case kept) and link the two both ways
    (relation ``duplicate``), in one commit (``KEEP: duplicate DUP merged``). No record
    of either case is removed or changed. Raises :class:`InvalidInput` (the same case
    twice, a bad reason or date), :class:`Refused` (``error.merge_closed``: the
    duplicate is closed already; ``error.merge_into_duplicate``: the case kept is itself
    a merged duplicate; a date before either intake, a damaged record) and
    :class:`~ppks_cli.errors.NotFound`; nothing is written then."""
    from ppks_cli.casework import _prepare
    from ppks_cli.changes import WriteOptions, commit_message
    from ppks_cli.records import DUPLICATE, DUPLICATE_OF, Termination

    with (options or WriteOptions()).writer(repo) as writer:
        keep, dup = repo.find_case(keep_ref), repo.find_case(duplicate_ref)
        _check_pair(keep, dup)
        if dup.state.closed:
            raise Refused("error.merge_closed", case=dup.id)
        merged = keep.state.merged_into
        if merged is not None:
            raise Refused("error.merge_into_duplicate", case=keep.id, kept=merged)
        # every record is checked before the first is written: a refusal writes nothing
        kept = _prepare_link(repo, keep, dup, worker=worker, code=DUPLICATE_OF, reason=reason,
                             date=date)  # fmt: skip
        closed = _prepare(
            repo, dup, Termination, date=date, worker=worker, reason=DUPLICATE,
            reason_note=keep.id, outcome=reason,
        )  # fmt: skip
        back = _prepare_link(repo, dup, keep, worker=worker, code=DUPLICATE_OF, reason=reason,
                             date=date, pending=(closed,))  # fmt: skip
        for case, record in ((keep, kept), (dup, closed), (dup, back)):
            repo.add_record(case, record)
        writer.commit(commit_message(keep.id, "merge", duplicate=dup.id), worker)
    return MergeResult(keep, dup, closed, kept, back)

"""The index: a derived SQLite database of the cases, for questions across cases.

The TOML files are the source of truth; the index is a cache of what can be derived from
them (stage, closed, worker, intake date, category, tags, and the client's names and
numbers for search), the history reports count from (:func:`history_rows`: the events,
the stage and worker after each record date, and what was owed when), and what exports
read (:func:`record_rows`: a row a record; :func:`identity_rows`: the identity values an
anonymised export replaces in text). It lives outside git: ``.git/ppks-index.sqlite`` in
a git repository, else ``.ppks-cache/index.sqlite`` (ignored by the ``.gitignore`` that
``ppks init`` writes). Deleting it loses nothing: :func:`refresh` rebuilds it.

It is never stale. Before answering, :func:`refresh` brings it up to date the way git
updates its own index: it compares each file's stat data (size, mtime_ns, ctime_ns,
inode) to what it recorded, re-reads the cases whose ``case.toml`` or record files were
changed, added or deleted, and drops the cases whose folder went. A file whose mtime is
not older than the moment the index was written (a "racy" file: an edit in the same
timestamp tick would keep every stat field) is re-read at the next refresh too. A case
that cannot be read is indexed as a problem, never dropped silently. Every refresh is
one transaction: a crash leaves the index as it was.

The database is opened with ``trusted_schema`` off, so a file planted in place of the
index (a copied folder) can run no SQL functions from its schema; a file that is not a
usable index is replaced by a new one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import stat as stat_module
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ppks_cli import paths

# the file, its tables, a connection as it is: in index_db (what needs no more than a
# connection does not import this module); the names stay here for the rest of ppks
from ppks_cli.index_db import _SCHEMA as _SCHEMA
from ppks_cli.index_db import CACHE_DIR as CACHE_DIR
from ppks_cli.index_db import CACHE_INDEX_NAME as CACHE_INDEX_NAME
from ppks_cli.index_db import GIT_INDEX_NAME as GIT_INDEX_NAME
from ppks_cli.index_db import INDEX_VERSION as INDEX_VERSION
from ppks_cli.index_db import STORED_VERSION as STORED_VERSION
from ppks_cli.index_db import _connect, _memory, connection, index_path
from ppks_cli.results import Result

# a file modified this close to the index's write time may be edited again within the
# same timestamp tick of a coarse file system (FAT: 2 s), so it is re-read next time
RACY_NS = 2_000_000_000


def fts5_available() -> bool:
    """Whether this Python's SQLite was built with FTS5 (full-text search). Search does
    not need it (names are scored by :mod:`ppks_cli.matching`); free-text search of
    records, later, uses it when present."""
    try:
        conn = sqlite3.connect(":memory:")
        try:
            conn.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return True


@dataclass
class Refresh:
    """What one :func:`refresh` did: the cases read again, the cases dropped (their
    folder is gone), and whether the index was built from nothing."""

    read: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    rebuilt: bool = False
    skipped: bool = False  # more cases to read than ``max_read``: left as it was


@contextmanager
def opened(
    repo, progress: Progress | None = None, *, max_read: int | None = None
) -> Iterator[tuple[sqlite3.Connection, Refresh]]:
    """The index of ``repo``, brought up to date (see :func:`refresh`, which calls
    ``progress`` and, with ``max_read``, may leave it as it was), open for reading until
    the ``with`` block ends."""
    limit = {} if max_read is None else {"max_read": max_read}
    conn, fresh = _connect(index_path(repo.root))
    try:
        try:
            done = refresh(repo, conn, progress, **limit)
        except sqlite3.OperationalError:  # read-only, or locked too long: work in memory
            conn.close()
            conn, fresh = _memory(), True
            done = refresh(repo, conn, progress, **limit)
        done.rebuilt = fresh
        yield conn, done
    finally:
        conn.close()


def _stat_key(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _case_ids(repo) -> list[str]:
    """The case folders, as :meth:`Repository.case_ids` finds them, with one
    ``scandir`` (no link is followed)."""
    from ppks_cli import ids

    cases = repo.paths.cases
    if cases.is_symlink():
        return []
    try:
        entries = list(os.scandir(cases))
    except OSError:
        return []
    return sorted(
        entry.name for entry in entries
        if ids.CASE_ID_RE.match(entry.name) and entry.is_dir(follow_symlinks=False)
    )  # fmt: skip


@dataclass(frozen=True)
class Folder:
    """What the index knows of one case folder's files: the stat data of ``records/``
    (``None`` when it is missing or not a folder), the names of the record files in it,
    a ``signature`` of the stat data of ``case.toml``, ``records/`` and every record file,
    and whether one of them was modified too close to the index's write time to trust
    its stat data (``racy``)."""

    records_stat: bytes | None
    names: tuple[str, ...]
    signature: bytes
    racy: bool


_MISSING = (-1, -1, -1, -1)


def _pack(numbers) -> bytes:
    """Stat numbers as bytes, compared exactly (and fast) from one refresh to the next."""
    import struct

    return struct.pack(f"<{len(numbers)}q", *numbers)


def _folder(base: str, case_id: str, known: Folder | None, racy_from: int) -> Folder:
    """The state of the folder of ``case_id`` now. The names of the record files are
    taken from ``known`` when ``records/`` has the same stat data and was not racy
    (a file added, removed or renamed changes the folder's mtime and ctime); every
    file's own stat data is read each time, so an edit in place is seen. No link is
    followed: a linked file or folder counts by its own stat data."""
    folder = f"{base}/{case_id}"
    lstat, key = os.lstat, _stat_key
    try:
        flat = list(key(lstat(f"{folder}/{paths.CASE_FILE}")))
    except OSError:
        flat = [-1, -1, -1, -1]
    newest = flat[1]
    records = f"{folder}/{paths.RECORDS_DIR}"
    names: tuple[str, ...] = ()
    records_stat = None
    try:
        st = lstat(records)
    except OSError:
        st = None
    if st is not None:
        numbers = key(st)
        records_stat = _pack(numbers)
        flat += numbers
        newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
        if stat_module.S_ISDIR(st.st_mode):
            if known is not None and known.records_stat == records_stat and not known.racy:
                names = known.names
            else:
                try:
                    names = tuple(sorted(
                        e.name for e in os.scandir(records)
                        if e.name.endswith(".toml") and not e.name.startswith(".")
                    ))  # fmt: skip
                except OSError:
                    names = ()
            for name in names:
                try:
                    st = lstat(f"{records}/{name}")
                    flat += key(st)
                    if st.st_mtime_ns > newest:
                        newest = st.st_mtime_ns
                except OSError:
                    flat += (-1, -1, -1, -1)
    # the names are compared apart (a rename keeps the stat data of a file)
    signature = _pack(flat)
    return Folder(records_stat, names, signature, newest >= racy_from)


def folder_signature(repo, case_id: str) -> tuple[bytes, bool]:
    """The stat data of the folder of ``case_id`` as bytes compared exactly (see
    :class:`Folder`), and whether it is racy (written within :data:`RACY_NS` of now, so
    an edit within the same timestamp tick could keep it)."""
    folder = _folder(os.fspath(repo.paths.cases), case_id, None, time.time_ns() - RACY_NS)
    return folder.signature + "/".join(folder.names).encode(), folder.racy


def _derivation(repo) -> str:
    """What the derived columns depend on besides the case files: the version of ppks
    (its rulebook) and the settings that move deadlines (``[deadlines]`` and
    ``[supervision]`` of ``ppks.toml``, as written). When it changes, every case is
    derived again. Read without validating the settings, so that a warm index answers
    without loading the models; a damaged ``ppks.toml`` counts as changed settings."""
    import tomllib

    from ppks_cli import __version__

    try:
        data = tomllib.loads(repo.paths.config.read_text(encoding="utf-8-sig"))
        settings = {key: data.get(key) for key in ("deadlines", "supervision", "schema")}
    except (OSError, ValueError, RecursionError):
        settings = {"unreadable": time.time_ns()}
    return json.dumps({"ppks": __version__, "settings": settings}, sort_keys=True, default=str)


Progress = Callable[[int, int], None]


def _stored(conn: sqlite3.Connection, derivation: str):
    """What the index holds: whether its derivation differs from ``derivation``, the
    :class:`Folder` of each case as last read, and every case ID it has rows for."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'derivation'").fetchone()
    known: dict[str, Folder] = {
        case_id: Folder(records_stat, tuple(names.split("/")) if names else (), signature,
                        bool(racy))  # fmt: skip
        for case_id, records_stat, names, signature, racy in conn.execute(
            "SELECT case_id, records_stat, names, signature, racy FROM folders"
        )
    }
    indexed = {row[0] for row in conn.execute("SELECT id FROM cases")} | set(known)
    return row is None or row[0] != derivation, known, indexed


def _compare(
    now: dict[str, Folder], known: dict[str, Folder], indexed: set[str], stale: bool
) -> tuple[list[str], list[str]]:
    """The cases to read again (changed, new, racy, or every one when ``stale``) and the
    cases whose folder went."""
    changed = [
        case_id for case_id, folder in now.items()
        if stale or (old := known.get(case_id)) is None or old.racy
        or old.signature != folder.signature or old.names != folder.names
    ]  # fmt: skip
    return changed, sorted(indexed - set(now))


def refresh(
    repo, conn: sqlite3.Connection, progress: Progress | None = None, *,
    max_read: int | None = None,
) -> Refresh:  # fmt: skip
    """Bring the index ``conn`` up to date with the files of ``repo``: re-read the cases
    whose folder changed (a file changed, added or deleted: see :func:`_folder`) or was
    racy, drop the cases whose folder went; every case when the version of ppks or the
    deadline settings changed. One transaction. ``progress(done, total)`` is called as
    cases are read (``total``: the cases to read). With ``max_read``, when more cases
    than that would have to be read, nothing is done and the result says ``skipped``
    (shell completion answers from the index as it is rather than wait). Returns what
    was done (:class:`Refresh`)."""
    done = Refresh()
    started = time.time_ns()
    racy_from = started - RACY_NS
    derivation = _derivation(repo)
    base = os.fspath(repo.paths.cases)
    stale_derivation, known, indexed = _stored(conn, derivation)
    now: dict[str, Folder] = {
        case_id: _folder(base, case_id, known.get(case_id), racy_from)
        for case_id in _case_ids(repo)
    }
    changed, gone = _compare(now, known, indexed, stale_derivation)
    raids_now = _raid_folders(repo, racy_from)
    raids_read, raids_gone = _compare_raids(conn, raids_now, stale_derivation)
    if not changed and not gone and not stale_derivation and not raids_read and not raids_gone:
        return done
    if max_read is not None and len(changed) > max_read:
        done.skipped = True
        return done
    conn.execute("BEGIN IMMEDIATE")
    # another ppks may have brought the index up to date meanwhile: compare again with
    # what it holds now that no other can write (the folders as read stay valid)
    stale_derivation, known, indexed = _stored(conn, derivation)
    changed, gone = _compare(now, known, indexed, stale_derivation)
    raids_read, raids_gone = _compare_raids(conn, raids_now, stale_derivation)
    if not changed and not gone and not stale_derivation and not raids_read and not raids_gone:
        conn.execute("ROLLBACK")
        return done
    try:
        _store_raids(conn, repo, raids_now, raids_read, raids_gone)
        for case_id in gone:
            _forget(conn, case_id)
            done.dropped.append(case_id)
        fts = _texts_fts_ready(conn)
        for number, data in enumerate(_read_cases(repo, changed), start=1):
            case_id = data.case_id
            if case_id in indexed:
                _forget(conn, case_id)
            _store_case(conn, data, fts)
            folder = now[case_id]
            conn.execute(
                "INSERT INTO folders VALUES (?, ?, ?, ?, ?)",
                (case_id, folder.records_stat, "/".join(folder.names), folder.signature,
                 int(folder.racy)),
            )  # fmt: skip
            done.read.append(case_id)
            if progress is not None:
                progress(number, len(changed))
        if changed:
            _texts_fts_ready(conn)  # the texts of the cases read again leave the index
        conn.execute("UPDATE meta SET value = ? WHERE key = 'written_ns'", (str(started),))
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('derivation', ?)", (derivation,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return done


def _forget(conn: sqlite3.Connection, case_id: str) -> None:
    for table, column in _CASE_TABLES:
        conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (case_id,))


# every table that holds rows of a case, and the column that names it
_CASE_TABLES = (
    ("folders", "case_id"), ("cases", "id"), ("people", "case_id"), ("tags", "case_id"),
    ("due", "case_id"), ("texts", "case_id"),
    ("links", "case_id"), ("events", "case_id"), ("stages", "case_id"),
    ("due_spans", "case_id"), ("shelter", "case_id"), ("catches", "case_id"),
    ("record_rows", "case_id"), ("identities", "case_id"),
    ("letters", "case_id"),
)  # fmt: skip


@dataclass
class CaseData:
    """Everything the index keeps of one case folder, read from its files (no database
    needed, so it can be worked out in another process): the ``cases`` row (``problem``
    set when ``case.toml`` could not be read), and the rows of ``people``, ``tags``,
    ``due``, ``texts``, ``links``, ``events``, ``stages``, ``due_spans``, ``record_rows``
    and ``identities``."""

    case_id: str
    row: dict[str, Any]
    people: list[tuple] = field(default_factory=list)
    tags: list[tuple] = field(default_factory=list)
    due: list[tuple] = field(default_factory=list)
    texts: list[tuple] = field(default_factory=list)
    links: list[tuple] = field(default_factory=list)  # case_id, other, relation, record, reason
    # the history reports count from (see :func:`history_rows`)
    events: list[tuple] = field(default_factory=list)
    stages: list[tuple] = field(default_factory=list)
    due_spans: list[tuple] = field(default_factory=list)
    # the shelter's admissions and discharges (see :func:`shelter_rows`)
    shelter: list[tuple] = field(default_factory=list)
    # the street raids the client was caught in (see :func:`catch_rows`)
    catches: list[tuple] = field(default_factory=list)
    # what exports read (see :func:`record_rows` and :func:`identity_rows`)
    record_rows: list[tuple] = field(default_factory=list)
    identities: list[tuple] = field(default_factory=list)
    # the letter numbers the case's letter files use (see :mod:`ppks_cli.ledger`)
    letters: list[tuple] = field(default_factory=list)


def case_data(repo, case_id: str) -> CaseData:
    """Read the folder of ``case_id`` and work out what the index keeps of it
    (:class:`CaseData`). A ``case.toml`` that cannot be read gives a row with its
    ``problem``; never raises for a damaged or unreadable file."""
    from ppks_cli import ledger

    data = _case_data(repo, case_id)
    data.letters = ledger.case_letters(repo, case_id)  # a damaged case's numbers count too
    return data


def _case_data(repo, case_id: str) -> CaseData:
    """Read the folder of ``case_id`` and work out what the index keeps of it
    (:class:`CaseData`). A ``case.toml`` that cannot be read gives a row with its
    ``problem``; never raises for a damaged or unreadable file."""
    from ppks_cli.errors import DamagedFile
    from ppks_cli.problems import Problem

    try:
        case = repo.load_case(case_id)
        state = case.state
    except DamagedFile as exc:
        problem = Problem(exc.params["file"], exc.params["line"], exc.params["detail"])
        return CaseData(case_id, {"id": case_id, "problem": json.dumps(_problem_data(problem))})
    except OSError as exc:
        from ppks_cli.i18n import Msg

        reason = exc.strerror or type(exc).__name__
        rel = paths.case_file_rel(case_id)
        problem = Problem(rel, 1, Msg("toml.unreadable", reason=reason))
        return CaseData(case_id, {"id": case_id, "problem": json.dumps(_problem_data(problem))})
    from ppks_cli import deadlines

    events, stages, due_spans = history_rows(repo.config, case)
    file = case.current  # case.toml with the corrections applied
    client = file.client
    termination = state.termination
    row = {
        "id": case_id,
        "problem": None,
        "name": client.name,
        "alias": client.alias,
        "nik": client.nik,
        "kk": client.kk_number,
        "phone": client.phone,
        "sex": client.sex,
        "birth_date": client.birth_date.isoformat() if client.birth_date else None,
        "birth_year": client.birth_year,
        "found_at": file.intake.found_at,
        "source": file.intake.source,
        "stage": state.stage,
        "closed": int(state.closed),
        "episode": state.episode,
        "intake_worker": file.intake.worker,
        "worker": state.current_worker or file.intake.worker,
        "intake_date": file.intake.date.isoformat(),
        "created_at": file.created_at.isoformat(),
        "termination_date": termination.date.isoformat() if termination else None,
        "category": file.category,
        "tags": json.dumps(list(file.tags)),
        "damaged_records": len(case.damaged),
        "damaged": json.dumps([_problem_data(p) for p in case.damaged]),
    }
    return CaseData(
        case_id,
        row,
        people=[
            (case_id, kind, person.name, person.phone)
            for kind, people in (("family", client.family), ("contact", client.contacts))
            for person in people
        ] + [(case_id, "former_name", name, None) for name in case.former_names],
        tags=[(case_id, tag) for tag in dict.fromkeys(file.tags)],
        due=[
            (case_id, item.kind, item.due.isoformat(), item.record, json.dumps(item.params))
            for item in deadlines.due_items(repo.config, case, state)
        ],
        texts=[
            (case_id, seq, record, kind, field_, value, plain(value))
            for seq, record, kind, field_, value in text_values(case)
        ],
        links=[
            (case_id, r.other, r.relation, r.id, r.reason) for r in case.records if r.kind == "link"
        ],
        events=events,
        stages=stages,
        due_spans=due_spans,
        shelter=shelter_rows(case),
        catches=catch_rows(case),
        record_rows=record_rows(case, state),
        identities=identity_rows(case),
    )


SHELTER_KINDS = ("shelter-admission", "shelter-discharge")


def shelter_rows(case) -> list[tuple]:
    """The rows of the ``shelter`` table for ``case``: ``(case_id, record, kind, date,
    recorded_at, shelter, bed, dest, raid)`` for each admission to and discharge from the
    rumah singgah, whichever command wrote it (``ppks shelter``, ``ppks raid``). Dates
    are ISO text, ``recorded_at`` in UTC (so that text order is time order); ``dest`` is
    a discharge's ``to``. :mod:`ppks_cli.shelter` makes the stays of them."""
    found = []
    for record in case.records:
        if record.kind not in SHELTER_KINDS:
            continue
        moment = record.recorded_at.astimezone(dt.UTC).isoformat()
        found.append((
            case.id, record.id, record.kind, record.date.isoformat(), moment,
            record.shelter, getattr(record, "bed", None), getattr(record, "to", None),
            getattr(record, "raid", None),
        ))  # fmt: skip
    return found


def catch_rows(case) -> list[tuple]:
    """The ``catches`` rows of ``case``: ``(case_id, record, raid, date, disposition,
    destination, place, number, new, recorded_at)`` for each ``raid-catch`` record, in
    record order; ``number`` counts the catches of the case from 1 (a street-raid intake
    with no catch record of its own counts as the first: :func:`ppks_cli.raids.intake_catch`),
    and ``new`` (1 or 0) says the catch opened the case: its first catch, dated on the
    intake date of a case whose intake source is ``street-raid`` (as ``ppks raid add``
    opens it)."""
    from ppks_cli.raids import intake_catch

    intake = case.current.intake
    counted_intake = intake_catch(case)
    found = []
    for number, record in enumerate(
        (r for r in case.records if r.kind == "raid-catch"), start=1
    ):
        new = number == 1 and record.date == intake.date and intake.source == "street-raid"
        if counted_intake is not None and record.date > counted_intake:
            number += 1
        found.append((case.id, record.id, record.raid, record.date.isoformat(),
                      record.disposition, record.destination, record.place, number, int(new),
                      record.recorded_at.isoformat()))  # fmt: skip
    return found


def record_rows(case, state) -> list[tuple]:
    """One row a record of ``case`` (a :class:`~ppks_cli.store.Case`; ``state`` its
    :class:`~ppks_cli.workflow.CaseState`), in the order of ``case.records`` (``seq``
    from 1): ``(case_id, seq, id, kind, date, recorded_at, worker, episode, code,
    destination, related, related_case, new_worker, number, year, letter_seq, edited)``.
    Dates and moments ISO (``recorded_at`` with its offset); ``episode`` the number of
    the episode the record belongs to (``None`` for none); ``code`` the record's coded
    value (:data:`ppks_cli.exports.CODE_FIELD`; a correction's: the fields changed,
    comma-separated); ``related`` the record it is about (``exports.RELATED_FIELD``);
    ``related_case`` a link's other case; ``new_worker`` a transfer's ``to``;
    ``destination`` a referral's; and of a letter its ``number``, ``year``, office
    sequence number (``letter_seq``) and whether its source was edited by hand
    (``edited``, 0 or 1). ``None`` where a kind has no such value."""
    from ppks_cli.exports import CODE_FIELD, RELATED_FIELD

    episode_of = {r.id: e.number for e in state.episodes for r in e.records}
    rows = []
    for seq, record in enumerate(case.records, start=1):
        kind = record.kind
        if kind == "correction":
            code = ", ".join(change.field for change in record.changes)
        else:
            code = getattr(record, CODE_FIELD[kind], None) if kind in CODE_FIELD else None
        letter = kind == "letter"
        rows.append((
            case.id, seq, record.id, kind, record.date.isoformat(),
            record.recorded_at.isoformat(), record.worker, episode_of.get(record.id),
            None if code is None else str(code),
            record.destination if kind == "referral" else None,
            getattr(record, RELATED_FIELD[kind], None) if kind in RELATED_FIELD else None,
            record.other if kind == "link" else None,
            record.to if kind == "transfer" else None,
            record.number if letter else None, record.year if letter else None,
            record.seq if letter else None,
            int(record.edited_source is not None) if letter else None,
        ))  # fmt: skip
    return rows


def identity_rows(case) -> list[tuple]:
    """``(case_id, kind, value)`` for each identity value of ``case`` that an anonymised
    export replaces in the text it keeps (:func:`ppks_cli.exports.identity`: ``names``,
    ``numbers``, ``places``; the names of its workers among the ``names``), each once."""
    from ppks_cli import exports

    found = exports.identity(case)
    for name in exports.workers(case):
        found.add("names", name)
    return [
        (case.id, kind, value)
        for kind in ("names", "numbers", "places")
        for value in sorted(getattr(found, kind))
    ]


# the record kinds a report counts, and what it keeps of each (columns ``a``, ``b``)
_EVENT_FIELDS: dict[str, tuple[str | None, str | None]] = {
    "termination": ("reason", "placement"),
    "reopen": (None, None),
    "follow-up": (None, None),
    "referral": ("destination", None),
    "referral-update": ("referral", "status"),
    "transfer": ("from_", "to"),
}


def history_rows(config, case) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """What reports count of ``case`` (a :class:`~ppks_cli.store.Case`) under the settings
    ``config``, worked out by folding its records in date order (record dates, not the
    moment they were written):

    - ``events``: ``(case_id, record, kind, date, episode, opened, a, b)`` for each
      termination (a: reason, b: placement), reopening, follow-up, referral (a:
      destination), referral update (a: the referral, b: the status) and transfer (a:
      from, b: to); ``episode`` the episode it belongs to and ``opened`` (ISO) the day
      that episode began (intake or the reopening);
    - ``stages``: ``(case_id, date, stage, closed, worker)``: the state after every
      record dated on or before ``date``, one row for the intake date and one for each
      later date a record bears;
    - ``due_spans``: ``(case_id, kind, due, since, until)``: each thing the case owed
      (:func:`ppks_cli.deadlines.due_items`), owed from ``since`` until the day it was
      no longer owed (``until``, ``None`` while still owed). Dates are ISO text."""
    from ppks_cli import deadlines, workflow

    case_id = case.id
    intake = case.current.intake
    records = sorted(case.records, key=lambda r: r.sort_key())
    state = workflow.derive(case, records)
    events = []
    for episode in state.episodes:
        for record in episode.records:
            fields = _EVENT_FIELDS.get(record.kind)
            if fields is None:
                continue
            a, b = (getattr(record, name) if name else None for name in fields)
            if record.kind == "termination" and a == "duplicate":
                b = record.reason_note  # the case kept by ``ppks merge``
            events.append((case_id, record.id, record.kind, record.date.isoformat(),
                           episode.number, episode.opened.isoformat(), a, b))  # fmt: skip
    dates = sorted({intake.date} | {r.date for r in records if r.date > intake.date})
    stages: list[tuple] = []
    spans: list[tuple] = []
    owed: dict[tuple, str] = {}  # (kind, due, record, params) → since
    for day in dates:
        prefix = [r for r in records if r.date <= day]
        at = workflow.derive(case, prefix)
        worker = at.current_worker or intake.worker
        stages.append((case_id, day.isoformat(), at.stage, int(at.closed), worker))
        now = {
            (item.kind, item.due.isoformat(), item.record, json.dumps(item.params, default=str))
            for item in deadlines.due_items(config, case, at)
        }
        for key in list(owed):
            if key not in now:
                spans.append((case_id, key[0], key[1], owed.pop(key), day.isoformat()))
        for key in now:
            owed.setdefault(key, day.isoformat())
    spans += [(case_id, key[0], key[1], since, None) for key, since in owed.items()]
    return events, stages, spans


def _store_case(conn: sqlite3.Connection, data: CaseData, fts: bool) -> None:
    """Insert what :func:`case_data` worked out (after :func:`_forget` removed the case's
    old rows). The free text goes to ``texts`` and, when this SQLite has FTS5, to the
    full-text index built on its :func:`plain` form."""
    row = data.row
    conn.execute(
        f"INSERT INTO cases ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
        tuple(row.values()),
    )
    conn.executemany("INSERT INTO people VALUES (?, ?, ?, ?)", data.people)
    conn.executemany("INSERT INTO tags VALUES (?, ?)", data.tags)
    conn.executemany("INSERT INTO due VALUES (?, ?, ?, ?, ?)", data.due)
    conn.executemany("INSERT INTO links VALUES (?, ?, ?, ?, ?)", data.links)
    conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)", data.events)
    conn.executemany("INSERT INTO stages VALUES (?, ?, ?, ?, ?)", data.stages)
    conn.executemany("INSERT INTO due_spans VALUES (?, ?, ?, ?, ?)", data.due_spans)
    conn.executemany("INSERT INTO shelter VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", data.shelter)
    conn.executemany("INSERT INTO catches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", data.catches)
    conn.executemany(
        f"INSERT INTO record_rows VALUES ({', '.join('?' * 17)})", data.record_rows
    )
    conn.executemany("INSERT INTO identities VALUES (?, ?, ?)", data.identities)
    conn.executemany("INSERT OR REPLACE INTO letters VALUES (?, ?, ?, ?, ?, ?)", data.letters)
    if data.texts:
        conn.executemany(
            "INSERT INTO texts (case_id, seq, record, kind, field, text, plain) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            data.texts,
        )
        if fts:
            conn.execute(
                "INSERT INTO texts_fts (rowid, plain) "
                "SELECT id, plain FROM texts WHERE case_id = ?",
                (data.case_id,),
            )


# with this many cases to read, they are read by worker processes, one per core
PARALLEL_FROM = 500
CHUNK = 100  # cases a worker reads at a time


def _read_chunk(root: str, case_ids: list[str]) -> list[CaseData]:
    """In a worker process: :func:`case_data` for each of ``case_ids``."""
    from ppks_cli.store import Repository

    repo = Repository(Path(root))
    return [case_data(repo, case_id) for case_id in case_ids]


def _read_cases(repo, case_ids: list[str]) -> Iterator[CaseData]:
    """:func:`case_data` for each of ``case_ids``, in order; in worker processes when
    there are many and this machine has more than one core (a fresh clone of a large
    repository is read about as many times faster), else here."""
    workers = min(os.cpu_count() or 1, 8)
    if len(case_ids) < PARALLEL_FROM or workers < 2:
        for case_id in case_ids:
            yield case_data(repo, case_id)
        return
    from concurrent.futures import ProcessPoolExecutor

    repo.config  # noqa: B018 (a damaged ppks.toml is reported here, once)
    chunks = [case_ids[i : i + CHUNK] for i in range(0, len(case_ids), CHUNK)]
    try:
        pool = ProcessPoolExecutor(max_workers=workers)
    except (OSError, NotImplementedError):  # no processes here: read them one by one
        for case_id in case_ids:
            yield case_data(repo, case_id)
        return
    with pool:
        for chunk in pool.map(_read_chunk, [os.fspath(repo.root)] * len(chunks), chunks):
            yield from chunk


def _problem_data(problem) -> dict[str, Any]:
    """A problem as stored: enough to show it again in the user's language."""
    return {"file": problem.file, "line": problem.line, "message": _msg_data(problem.message)}


def _msg_data(value: Any) -> Any:
    from ppks_cli.i18n import Msg

    if isinstance(value, Msg):
        return {"key": value.key, "params": {k: _msg_data(v) for k, v in value.params.items()}}
    return value if isinstance(value, (int, float)) else str(value)


def _msg(value: Any) -> Any:
    from ppks_cli.i18n import Msg

    if isinstance(value, dict):
        return Msg(value["key"], {k: _msg(v) for k, v in value["params"].items()})
    return value


def _problem(data: str):
    from ppks_cli.validation import Problem

    stored = json.loads(data)
    return Problem(stored["file"], stored["line"], _msg(stored["message"]))


def problems(conn: sqlite3.Connection) -> list:
    """The case folders that could not be read (their ``case.toml`` is damaged), as
    :class:`~ppks_cli.validation.Problem` objects, by case ID."""
    return [
        _problem(row[0])
        for row in conn.execute("SELECT problem FROM cases WHERE problem IS NOT NULL ORDER BY id")
    ]


def damaged_records(conn: sqlite3.Connection) -> dict[str, list]:
    """The record files that could not be read, by case ID (cases without any left
    out), each as a :class:`~ppks_cli.validation.Problem`."""
    return {
        case_id: [_problem(json.dumps(item)) for item in json.loads(data)]
        for case_id, data in conn.execute(
            "SELECT id, damaged FROM cases WHERE damaged_records > 0 ORDER BY id"
        )
    }


# --- street raids -----------------------------------------------------------------------


def _raid_folders(repo, racy_from: int) -> dict[str, tuple[bytes, bool]]:
    """Each raid folder of ``repo`` (``raids/<ID>/``, no link followed) with the stat data
    of its ``raid.toml``, its ``corrections/`` folder and every file in it, as bytes
    compared exactly, and whether one of them is racy (see :func:`_folder`)."""
    from ppks_cli import ids

    base = repo.paths.raids
    if base.is_symlink():
        return {}
    try:
        entries = list(os.scandir(base))
    except OSError:
        return {}
    found: dict[str, tuple[bytes, bool]] = {}
    for entry in entries:
        if not ids.RAID_ID_RE.match(entry.name) or not entry.is_dir(follow_symlinks=False):
            continue
        folder = f"{entry.path}"
        flat: list[int] = []
        newest = 0
        names: list[str] = []
        for path in (f"{folder}/{paths.RAID_FILE}", f"{folder}/{paths.RAID_CORRECTIONS_DIR}"):
            try:
                st = os.lstat(path)
                flat += _stat_key(st)
                newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
            except OSError:
                flat += _MISSING
        corrections = f"{folder}/{paths.RAID_CORRECTIONS_DIR}"
        try:
            names = sorted(e.name for e in os.scandir(corrections) if e.name.endswith(".toml"))
        except OSError:
            names = []
        for name in names:
            try:
                st = os.lstat(f"{corrections}/{name}")
                flat += _stat_key(st)
                newest = max(newest, st.st_mtime_ns)
            except OSError:
                flat += _MISSING
        signature = _pack(flat) + "/".join(names).encode()
        found[entry.name] = (signature, newest >= racy_from)
    return found


def _compare_raids(
    conn: sqlite3.Connection, now: dict[str, tuple[bytes, bool]], stale: bool
) -> tuple[list[str], list[str]]:
    """The raids to read again (changed, new, racy, or all when ``stale``) and those
    whose folder went."""
    known = {
        raid_id: (signature, bool(racy))
        for raid_id, signature, racy in conn.execute(
            "SELECT raid_id, signature, racy FROM raid_folders"
        )
    }
    indexed = {row[0] for row in conn.execute("SELECT id FROM raids")} | set(known)
    changed = sorted(
        raid_id for raid_id, (signature, _racy) in now.items()
        if stale or raid_id not in known or known[raid_id][1] or known[raid_id][0] != signature
    )  # fmt: skip
    return changed, sorted(indexed - set(now))


def _store_raids(conn: sqlite3.Connection, repo, now: dict[str, tuple[bytes, bool]],
                 read: list[str], gone: list[str]) -> None:  # fmt: skip
    """Read the raids ``read`` again and drop those ``gone`` (inside a refresh's
    transaction). A raid that cannot be read is kept with its problem."""
    from ppks_cli.errors import DamagedFile, NotFound

    for raid_id in [*read, *gone]:
        conn.execute("DELETE FROM raids WHERE id = ?", (raid_id,))
        conn.execute("DELETE FROM raid_folders WHERE raid_id = ?", (raid_id,))
    if not read:
        return
    from ppks_cli import raids
    from ppks_cli.problems import Problem

    for raid_id in read:
        try:
            raid = raids.read_raid(repo, raid_id)
        except (DamagedFile, NotFound, OSError) as exc:
            if isinstance(exc, DamagedFile):
                problem = Problem(exc.params["file"], exc.params["line"], exc.params["detail"])
            else:
                from ppks_cli.i18n import Msg

                reason = getattr(exc, "strerror", None) or type(exc).__name__
                where = f"{paths.RAIDS_DIR}/{raid_id}/{paths.RAID_FILE}"
                problem = Problem(where, 1, Msg("toml.unreadable", reason=reason))
            conn.execute("INSERT INTO raids (id, problem) VALUES (?, ?)",
                         (raid_id, json.dumps(_problem_data(problem))))  # fmt: skip
        else:
            conn.execute(
                "INSERT INTO raids VALUES (?, NULL, ?, ?, ?, ?, ?, ?)",
                (raid_id, raid.date.isoformat(), json.dumps(raid.places),
                 json.dumps(raid.team), json.dumps(raid.agencies), raid.note, raid.file.worker),
            )  # fmt: skip
        signature, racy = now[raid_id]
        conn.execute("INSERT INTO raid_folders VALUES (?, ?, ?)", (raid_id, signature, int(racy)))


def raid_rows(conn: sqlite3.Connection, year: int | None = None) -> list[dict[str, Any]]:
    """The readable raids (of ``year`` when given), newest first (date, then ID), each a
    dict of :class:`ppks_cli.raids.RaidRow`'s fields with the counts of its catches on
    readable cases: ``people``, ``new_cases`` (catches that opened a case),
    ``repeat_catches``."""
    where, params = ["r.problem IS NULL"], []
    if year is not None:
        where.append("substr(r.date, 1, 4) = ?")
        params.append(f"{year:04d}")
    rows = conn.execute(
        "SELECT r.id, r.date, r.places, r.team, r.agencies, "
        "(SELECT COUNT(*) FROM catches AS k JOIN cases AS c ON c.id = k.case_id "
        " WHERE k.raid = r.id AND c.problem IS NULL), "
        "(SELECT COUNT(*) FROM catches AS k JOIN cases AS c ON c.id = k.case_id "
        " WHERE k.raid = r.id AND c.problem IS NULL AND k.new = 1) "
        f"FROM raids AS r WHERE {' AND '.join(where)} ORDER BY r.date DESC, r.id",
        params,
    ).fetchall()
    return [
        {"id": raid_id, "date": date, "places": tuple(json.loads(places)),
         "team": tuple(json.loads(team)), "agencies": tuple(json.loads(agencies)),
         "people": people, "new_cases": new, "repeat_catches": people - new}
        for raid_id, date, places, team, agencies, people, new in rows
    ]  # fmt: skip


def raid_problems(conn: sqlite3.Connection) -> list:
    """The raids whose files could not be read, as :class:`~ppks_cli.validation.Problem`
    objects, by raid ID."""
    return [
        _problem(row[0])
        for row in conn.execute("SELECT problem FROM raids WHERE problem IS NOT NULL ORDER BY id")
    ]


def raid_catches(conn: sqlite3.Connection, raid_id: str) -> list[dict[str, Any]]:
    """The catches naming the raid ``raid_id`` on readable cases, in the order they were
    entered, each a dict: ``case_id``, ``record``, ``place``, ``disposition``,
    ``destination``, ``number``, ``new``, and the client's ``name``, ``sex``,
    ``birth_date``, ``birth_year`` and the case's ``category``."""
    columns = ("case_id", "record", "place", "disposition", "destination", "number", "new",
               "name", "sex", "birth_date", "birth_year", "category")  # fmt: skip
    rows = conn.execute(
        "SELECT k.case_id, k.record, k.place, k.disposition, k.destination, k.number, k.new, "
        "c.name, c.sex, c.birth_date, c.birth_year, c.category FROM catches AS k "
        "JOIN cases AS c ON c.id = k.case_id WHERE k.raid = ? AND c.problem IS NULL "
        "ORDER BY k.recorded_at, k.case_id",
        (raid_id,),
    ).fetchall()
    return [dict(zip(columns, row, strict=True)) for row in rows]


# --- cases -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    """One readable case as the index knows it: what ``ppks list`` shows and filters
    on. Dates are ISO strings; ``tags`` sorted; ``next_due`` the earliest due date of
    what the case owes (:mod:`ppks_cli.deadlines`), ``overdue`` how many of those items
    are late on the day the rows were asked for."""

    id: str
    name: str
    alias: str | None
    sex: str
    birth_date: str | None
    birth_year: int | None
    category: str
    tags: tuple[str, ...]
    stage: str
    closed: bool
    episode: int
    worker: str
    intake_worker: str
    source: str
    found_at: str | None
    intake_date: str
    created_at: str
    termination_date: str | None
    damaged_records: int
    next_due: str | None
    overdue: int

    def age(self, today: dt.date) -> int | None:
        """Age in whole years on ``today``: from the birth date, else the estimated
        birth year (``today.year - birth_year``); ``None`` when neither is known."""
        if self.birth_date:
            born = dt.date.fromisoformat(self.birth_date)
            return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if self.birth_year:
            return today.year - self.birth_year
        return None


_ROW_COLUMNS = (
    "id, name, alias, sex, birth_date, birth_year, category, tags, stage, closed, episode, "
    "worker, intake_worker, source, found_at, intake_date, created_at, termination_date, "
    "damaged_records"
)


def case_rows(
    conn: sqlite3.Connection,
    today: dt.date,
    *,
    stage: str | None = None,
    category: str | None = None,
    closed: bool | None = None,
    tag: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    overdue: bool = False,
    due_by: dt.date | None = None,
) -> list[CaseRow]:
    """The readable cases of the index ``conn`` (unordered) that match every filter
    given: the ``stage``, ``category``, open or ``closed``, a ``tag``, an intake date from
    ``since`` to ``until`` (both included), something ``overdue`` on ``today``, something
    due on or before ``due_by`` (late items included)."""
    where, params = ["problem IS NULL"], {"today": today.isoformat()}
    if stage is not None:
        where.append("stage = :stage")
        params["stage"] = stage
    if category is not None:
        where.append("category = :category")
        params["category"] = category
    if closed is not None:
        where.append("closed = :closed")
        params["closed"] = int(closed)
    if tag is not None:
        where.append("EXISTS (SELECT 1 FROM tags WHERE case_id = id AND tag = :tag)")
        params["tag"] = tag
    if since is not None:
        where.append("intake_date >= :since")
        params["since"] = since.isoformat()
    if until is not None:
        where.append("intake_date <= :until")
        params["until"] = until.isoformat()
    if overdue:
        where.append("EXISTS (SELECT 1 FROM due WHERE case_id = id AND due < :today)")
    if due_by is not None:
        where.append("EXISTS (SELECT 1 FROM due WHERE case_id = id AND due <= :due_by)")
        params["due_by"] = due_by.isoformat()
    query = (
        f"SELECT {_ROW_COLUMNS}, "
        "(SELECT MIN(due) FROM due WHERE case_id = id), "
        "(SELECT COUNT(*) FROM due WHERE case_id = id AND due < :today) "
        f"FROM cases WHERE {' AND '.join(where)}"
    )
    rows = []
    for row in conn.execute(query, params):
        values = list(row)
        values[7] = tuple(json.loads(values[7]))  # tags
        values[9] = bool(values[9])  # closed
        rows.append(CaseRow(*values))
    return rows


@dataclass(frozen=True)
class IndexedClient:
    """What the duplicate check compares of a client (see
    :class:`ppks_cli.matching.ClientLike`)."""

    name: str
    alias: str | None
    nik: str | None
    phone: str | None
    birth_date: dt.date | None
    birth_year: int | None
    sex: str | None = None


@dataclass(frozen=True)
class IndexedCase:
    """A readable case as the duplicate check shows it: its ID, client, stage, whether
    closed, intake date (ISO) and current worker."""

    id: str
    client: IndexedClient
    stage: str
    closed: bool
    intake_date: str
    worker: str
    former_names: tuple[str, ...] = ()  # names and aliases before a correction


def client_cases(repo, progress: Progress | None = None) -> list[IndexedCase]:
    """Every readable case of ``repo`` with what identifies its client (and the names
    the client had before a correction), from the index (brought up to date first), by
    case ID."""
    with opened(repo, progress) as (conn, _done):
        rows = conn.execute(
            "SELECT id, name, alias, nik, phone, birth_date, birth_year, stage, closed, "
            "intake_date, worker, sex FROM cases WHERE problem IS NULL ORDER BY id"
        ).fetchall()
        former: dict[str, list[str]] = {}
        for case_id, name in conn.execute(
            "SELECT case_id, name FROM people WHERE kind = 'former_name' ORDER BY rowid"
        ):
            former.setdefault(case_id, []).append(name)
    return [
        IndexedCase(
            case_id,
            IndexedClient(
                name, alias, nik, phone, dt.date.fromisoformat(born) if born else None, year,
                sex,
            ),
            stage, bool(closed), intake_date, worker, tuple(former.get(case_id, ())),
        )  # fmt: skip
        for (case_id, name, alias, nik, phone, born, year, stage, closed, intake_date, worker,
             sex) in rows
    ]


# --- search ----------------------------------------------------------------------------

# how a hit on something other than the client's own name or number ranks
KK_SCORE = 0.9  # the same family card: the client or a relative
PART_SCORE = 0.85  # the words typed are words of the name ("Muhammad" in "Muhammad Rizky")
FAMILY_FACTOR = 0.85  # a family member's (or contact's) name, not the client's
FOUND_AT_SCORE = 0.6  # the place where the client was found names the text
DIGITS_FOR_NUMBER = 6  # a query with this many digits is also tried as NIK/KK/phone


@dataclass
class SearchHit:
    """One case that matches: ``score`` in [0, 1] ranks hits; ``reasons`` say what
    matched, strongest first (the matcher's ``nik``, ``name``, ``alias``, ``phone``, and
    ``kk``, ``family``, ``contact``, ``former_name`` (the client's name or alias before a
    correction), ``found_at``, and ``text`` for ``search --text``);
    ``matched`` is the text that matched best (a name, an alias, a family member's name, a
    place; for a hit in free text only, the snippet). With reason ``text``: the record
    whose text matched (``record``: its ID, ``None`` for ``case.toml``; ``record_kind``:
    its kind, ``case`` for ``case.toml``), the ``field`` (a path such as ``problems[2]``
    or ``intake.note``) and a short ``snippet`` of the text around the match."""

    id: str
    name: str
    alias: str | None
    score: float
    reasons: tuple[str, ...]
    matched: str
    category: str
    stage: str
    closed: bool
    worker: str
    intake_date: str
    record: str | None = None
    record_kind: str | None = None
    field: str | None = None
    snippet: str | None = None

    def to_json(self) -> dict[str, Any]:
        text = (
            {"record": self.record, "record_kind": self.record_kind, "field": self.field,
             "snippet": self.snippet}
            if "text" in self.reasons else {}
        )  # fmt: skip
        return {
            "id": self.id,
            "name": self.name,
            "alias": self.alias,
            "score": self.score,
            "reasons": list(self.reasons),
            "matched": self.matched,
            "category": self.category,
            "stage": self.stage,
            "closed": self.closed,
            "worker": self.worker,
            "intake_date": self.intake_date,
            **text,
        }


@dataclass
class SearchResult(Result):
    """``ppks search``: the hits, best first (at most ``limit``), how many matched in all
    (``total``), and the case folders that could not be read and so were not searched."""

    query: str
    hits: list[SearchHit]
    total: int
    problems: list

    def to_json(self) -> list[dict[str, Any]]:
        return [hit.to_json() for hit in self.hits]


_NOT_ASCII_ALNUM = re.compile(r"[^0-9a-z]+")


def plain(text: str | None) -> str:
    """``text`` lower-case, without diacritics and punctuation, single-spaced: the form in
    which names, places and free text are compared (search, ``list --name``, worker
    names)."""
    import unicodedata

    if not text:
        return ""
    if text.isascii():  # the common case, fast: nothing to decompose
        return " ".join(_NOT_ASCII_ALNUM.sub(" ", text.lower()).split())
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    return " ".join(kept.split())


def search(
    repo, text: str, limit: int | None = 20, *, in_text: bool = False, progress=None,
    conn: sqlite3.Connection | None = None,
) -> SearchResult:  # fmt: skip
    """The cases of ``repo`` whose client matches ``text``: a name or alias however
    written (:func:`ppks_cli.matching.match_client`), a NIK, No. KK or phone number after
    normalising spaces, dots and ``+62``/``0``, a family member's or contact's name, or
    the place where the client was found. Best first; ``limit`` hits at most (``None``:
    all). With ``in_text``, also every record's free text (:func:`search_text`). The
    index is brought up to date first (``progress(done, total)`` while cases are read),
    unless an open, up-to-date ``conn`` is given. Raises
    :class:`~ppks_cli.errors.InvalidInput` for a text with nothing to search or a
    ``limit`` below 1."""
    if in_text:
        return search_text(repo, text, limit, progress=progress)
    from ppks_cli import matching
    from ppks_cli.errors import InvalidInput

    if not plain(text):
        raise InvalidInput("error.search_empty")
    if limit is not None and limit < 1:
        raise InvalidInput("error.search_limit", value=limit)
    digits = matching.number_key(text)
    has_number = bool(digits) and len(digits) >= DIGITS_FOR_NUMBER
    query = SimpleNamespace(
        name=text,
        alias=None,
        nik=text if has_number else None,
        phone=text,
        birth_date=None,
        birth_year=None,
    )
    place = plain(text)
    any_digit = any(ch.isdigit() for ch in text)
    hits: list[SearchHit] = []
    if conn is None:
        with opened(repo, progress) as (conn, _done):
            return search(repo, text, limit, conn=conn)
    people: dict[str, list[tuple[str, str]]] = {}
    for case_id, kind, name in conn.execute("SELECT case_id, kind, name FROM people"):
        people.setdefault(case_id, []).append((kind, name))
    rows = conn.execute(
        "SELECT id, name, alias, nik, kk, phone, found_at, "
        "stage, closed, worker, intake_date, category FROM cases "
        "WHERE problem IS NULL"
    ).fetchall()
    found_problems = problems(conn)
    for (
        case_id,
        name,
        alias,
        nik_,
        kk,
        phone,
        found_at,
        stage,
        closed,
        worker,
        intake_date,
        category,
    ) in rows:
        score, reasons, matched = 0.0, [], ""
        if not any_digit:  # a name only: no number can match, so only the names are scored
            by_name = matching.name_score(text, name)
            by_alias = matching.name_score(text, alias) if alias else 0.0
            # a part of the name, even a word many people bear ("Muhammad")
            if by_name < PART_SCORE and matching.words_within(text, name):
                by_name = PART_SCORE
            if alias and by_alias < PART_SCORE and matching.words_within(text, alias):
                by_alias = PART_SCORE
            match = None
            if max(by_name, by_alias) >= min(matching.NAME_THRESHOLD, PART_SCORE):
                score = max(by_name, by_alias)
                reasons = ["alias" if by_alias > by_name else "name"]
                matched = alias if by_alias > by_name else name
        else:
            candidate = SimpleNamespace(
                name=name, alias=alias, nik=nik_, phone=phone, birth_date=None, birth_year=None
            )
            match = matching.match_client(query, candidate)
        if match is not None:
            # no birth year is asked for: rank by the name itself, not lowered for it
            score = max(
                matching.name_score(text, name), matching.name_score(text, alias) if alias else 0.0
            )
            if "nik" in match.reasons:
                score = 1.0
            if "phone" in match.reasons:
                score = max(score, 0.9)
            reasons = list(match.reasons)
            matched = alias if "alias" in reasons and alias else name
            if reasons == ["phone"]:
                matched = phone
            elif reasons[0] == "nik":
                matched = nik_
        if has_number and kk and matching.number_key(kk) == digits:
            reasons.append("kk")
            score = max(score, KK_SCORE)
            matched = matched or kk
        for kind, person in people.get(case_id, ()):
            # a name the client had before a correction counts as the client's own
            factor = 1.0 if kind == "former_name" else FAMILY_FACTOR
            s = matching.name_score(text, person) * factor
            if s >= matching.NAME_THRESHOLD * factor:
                if kind not in reasons:
                    reasons.append(kind)
                if s > score:
                    score, matched = s, person
        if place and found_at and f" {place} " in f" {plain(found_at)} ":
            reasons.append("found_at")
            if FOUND_AT_SCORE > score:
                score, matched = FOUND_AT_SCORE, found_at
        if reasons:
            hits.append(
                SearchHit(
                    case_id,
                    name,
                    alias,
                    round(score, 6),
                    tuple(reasons),
                    matched,
                    category,
                    stage,
                    bool(closed),
                    worker,
                    intake_date,
                )
            )
    ordered = _newest_first_within_score(hits)
    total = len(ordered)
    return SearchResult(
        text, ordered[:limit] if limit is not None else ordered, total, found_problems
    )


def _newest_first_within_score(hits: list[SearchHit]) -> list[SearchHit]:
    """Best score first; within a score, the newest intake first."""
    hits = sorted(hits, key=lambda h: (h.intake_date, h.id), reverse=True)
    return sorted(hits, key=lambda h: -h.score)


# --- free text (search --text) ---------------------------------------------------------

TEXT_SCORE = 0.5  # a hit in free text only: below every name, number or place hit
MAX_QUERY_WORDS = 64  # words given to SQL; the rest are checked on the rows it returns
SNIPPET_CONTEXT = 40  # characters of text kept on each side of the match

# The full-text index of ``texts.plain``: FTS5 with "external content" (it keeps only the
# index; the text stays in ``texts``). It is made by :func:`_texts_fts_ready` rather than
# in _SCHEMA, as it needs FTS5, and with the trigger that lets it follow deletions:
# :func:`_forget` deletes rows of ``texts``, the trigger keeps their ID and plain text in
# ``texts_gone``, and :func:`_texts_fts_ready`, at the start and end of each refresh,
# removes them from the index (FTS5
# itself cannot be written from a trigger while ``trusted_schema`` is off). Rows of
# ``texts`` are never renumbered (AUTOINCREMENT), so a row not yet removed from the index
# can never be mistaken for a newer one: searches join the index with ``texts``.
_TEXTS_FTS = (
    "CREATE VIRTUAL TABLE texts_fts USING fts5(plain, content='texts', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
)
_TEXTS_GONE_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS texts_forget AFTER DELETE ON texts BEGIN "
    "INSERT INTO texts_gone VALUES (old.id, old.plain); END"
)

_FTS5: list[bool] = []  # fts5_available(), once known


def _fts5() -> bool:
    """:func:`fts5_available`, asked once per process."""
    if not _FTS5:
        _FTS5.append(fts5_available())
    return _FTS5[0]


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return bool(conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone())


def _texts_fts_ready(conn: sqlite3.Connection) -> bool:
    """Make the full-text index current before rows are added (inside a refresh's
    transaction); whether it is to be written. Without FTS5 the index is not written and,
    if a Python with FTS5 made one, marked stale: a later run with FTS5 rebuilds it."""
    conn.execute(_TEXTS_GONE_TRIGGER)
    has_fts = _has_table(conn, "texts_fts")
    if not _fts5():
        conn.execute("DELETE FROM texts_gone")
        if has_fts:
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('texts_fts', 'stale')")
        return False
    stale = conn.execute("SELECT 1 FROM meta WHERE key = 'texts_fts'").fetchone()
    if not has_fts:
        conn.execute(_TEXTS_FTS)
        stale = True  # rows kept before it existed are indexed now
    if stale:
        conn.execute("INSERT INTO texts_fts (texts_fts) VALUES ('rebuild')")
        conn.execute("DELETE FROM meta WHERE key = 'texts_fts'")
    else:
        for row_id, old_plain in conn.execute("SELECT id, plain FROM texts_gone").fetchall():
            conn.execute(
                "INSERT INTO texts_fts (texts_fts, rowid, plain) VALUES ('delete', ?, ?)",
                (row_id, old_plain),
            )
    conn.execute("DELETE FROM texts_gone")
    return True


def _text_index_usable(conn: sqlite3.Connection) -> bool:
    """Whether searches can use the full-text index (else they read ``texts``)."""
    return (
        _fts5()
        and _has_table(conn, "texts_fts")
        and not conn.execute("SELECT 1 FROM meta WHERE key = 'texts_fts'").fetchone()
    )


# fields of text that the name search already covers (names and identity numbers)
_NAME_FIELDS = frozenset(
    {("Client", "name"), ("Client", "alias"), ("Client", "nik"), ("Client", "kk_number"),
     ("Person", "name")}
)  # fmt: skip


def _validator_funcs(annotation: Any, metadata: list) -> set:
    """The functions of the ``AfterValidator``s in a field's annotation, at any depth
    (``Text | None``, ``list[Text]``) and in its metadata."""
    import typing

    from pydantic.functional_validators import AfterValidator

    funcs = {item.func for item in metadata if isinstance(item, AfterValidator)}
    stack = [annotation]
    while stack:
        current = stack.pop()
        if typing.get_origin(current) is typing.Annotated:
            funcs |= {m.func for m in current.__metadata__ if isinstance(m, AfterValidator)}
        stack.extend(typing.get_args(current))
    return funcs


_TEXT_FIELDS: dict[type, frozenset[str]] = {}


def _text_fields(model_type: type) -> frozenset[str]:
    """The fields of ``model_type`` that hold free text: typed :data:`~ppks_cli.models.Text`,
    :data:`~ppks_cli.models.Line` or :data:`~ppks_cli.models.Name` (alone, optional or in a
    list), except workers' names, phone numbers and what the name search covers. IDs,
    dates, numbers and enumerations have none of these types, so are left out."""
    found = _TEXT_FIELDS.get(model_type)
    if found is not None:
        return found
    from ppks_cli import models

    def funcs_of(alias: Any) -> set:
        return _validator_funcs(alias, [])

    text = funcs_of(models.Text) | funcs_of(models.Line) | funcs_of(models.Name)
    other = (funcs_of(models.Worker) | funcs_of(models.Phone)) - text
    found = frozenset(
        name
        for name, info in model_type.model_fields.items()
        if (funcs := _validator_funcs(info.annotation, list(info.metadata))) & text
        and not funcs & other
        and (model_type.__name__, name) not in _NAME_FIELDS
    )
    _TEXT_FIELDS[model_type] = found
    return found


def _model_texts(model, path: str) -> Iterator[tuple[str, str]]:
    """``(field path, text)`` for each text value of ``model`` and the models it holds;
    items of a list are numbered from 1 (``problems[2]``, ``goals[1].what``)."""
    from ppks_cli.models import Model

    texts = _text_fields(type(model))
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, Model):
            yield from _model_texts(value, f"{path}{name}.")
        elif isinstance(value, list):
            for number, item in enumerate(value, start=1):
                if isinstance(item, Model):
                    yield from _model_texts(item, f"{path}{name}[{number}].")
                elif name in texts and isinstance(item, str):
                    yield f"{path}{name}[{number}]", item
        elif name in texts and isinstance(value, str):
            yield f"{path}{name}", value


def text_values(case) -> list[tuple[int, str | None, str, str, str]]:
    """Every free-text value of ``case`` (a :class:`~ppks_cli.store.Case`), found by
    walking the models, so a new field is covered without being listed: ``(seq, record
    ID, kind, field path, text)``; ``case.toml`` first (seq 0, record ``None``, kind
    ``case``), then the records oldest first (seq 1, 2 …)."""
    found = [(0, None, "case", field_, text) for field_, text in _model_texts(case.file, "")]
    for seq, record in enumerate(case.records, start=1):
        found += [
            (seq, record.id, record.kind, field_, text) for field_, text in _model_texts(record, "")
        ]
    return found


def _words_match(flat: str, words: list[str]) -> bool:
    """Whether the plain text holds every word as a whole word, the last one as the start
    of a word (the user may still be typing it)."""
    padded = f" {flat} "
    *whole, last = words
    return all(f" {word} " in padded for word in whole) and f" {last}" in padded


def _fts_query(words: list[str]) -> str:
    """A safe FTS5 query for ``words`` (already plain: letters, digits): each one a quoted
    string, so nothing the user typed is read as FTS5 syntax; all required; the last one
    as a prefix."""
    quoted = ['"' + word.replace('"', '""') + '"' for word in words[:MAX_QUERY_WORDS]]
    quoted[-1] += "*"
    return " ".join(quoted)


def _like(word: str) -> str:
    """A LIKE pattern for the texts holding ``word``: its first 1,000 characters (SQLite
    refuses longer patterns; the rows found are checked for the whole word anyway)."""
    escaped = word[:1000].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass
class TextMatch:
    """Where the free text of one case matched: the newest record that matched (ID,
    kind), its field and text, the plain words searched for (for :func:`snippet`), and
    how many text values matched in all."""

    record: str | None
    kind: str
    field: str
    text: str
    words: list[str]
    count: int

    def snippet(self) -> str:
        """The excerpt of :attr:`text` around the match (:func:`snippet`)."""
        return snippet(self.text, self.words)


def text_matches(conn: sqlite3.Connection, text: str) -> dict[str, TextMatch]:
    """The cases whose free text holds every word of ``text`` (case, diacritics and
    punctuation ignored; within one text value; the last word may be the start of a word),
    by case ID. ``text`` is never read as query syntax. Uses the FTS5 index when there is
    one, else a plain scan; either way the same predicate decides, so both give the same
    answer. Empty for a text with no words."""
    words = plain(text).split()
    if not words:
        return {}
    columns = "t.case_id, t.seq, t.id, t.record, t.kind, t.field, t.text, t.plain"
    if _text_index_usable(conn):
        rows = conn.execute(
            f"SELECT {columns} FROM texts_fts JOIN texts AS t ON t.id = texts_fts.rowid "
            "WHERE texts_fts MATCH ?",
            (_fts_query(words),),
        )
    else:
        used = words[:MAX_QUERY_WORDS]
        rows = conn.execute(
            f"SELECT {columns} FROM texts AS t WHERE "
            + " AND ".join("t.plain LIKE ? ESCAPE '\\'" for _ in used),
            [_like(word) for word in used],
        )
    best: dict[str, tuple[tuple[int, int], Any]] = {}
    counts: dict[str, int] = {}
    for row in rows:
        case_id, seq, row_id, *_rest, flat = row
        if not _words_match(flat, words):
            continue
        counts[case_id] = counts.get(case_id, 0) + 1
        key = (seq, -row_id)  # the newest record; its first field
        if case_id not in best or key > best[case_id][0]:
            best[case_id] = (key, row)
    return {
        case_id: TextMatch(row[3], row[4], row[5], row[6], words, counts[case_id])
        for case_id, (_key, row) in best.items()
    }


def _plain_map(text: str) -> tuple[str, list[int]]:
    """:func:`plain` of ``text`` and, for each of its characters, the index in ``text``
    of the character it came from."""
    import unicodedata

    chars: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        for part in unicodedata.normalize("NFKD", ch.casefold()):
            if unicodedata.combining(part):
                continue
            if part.isalnum():
                chars.append(part)
                origin.append(index)
            elif chars and chars[-1] != " ":
                chars.append(" ")
                origin.append(index)
    if chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    return "".join(chars), origin


def snippet(text: str, words: list[str], context: int = SNIPPET_CONTEXT) -> str:
    """A short excerpt of ``text`` around the first of ``words`` (plain words, as in
    :func:`text_matches`) that it holds: about ``context`` characters each side, cut at
    spaces, with ``…`` where text was left out, on one line, neutralised
    (:func:`ppks_cli.neutral.neutralise`). The start of ``text`` when no word is found."""
    from ppks_cli.neutral import neutralise

    flat, origin = _plain_map(text)
    padded = f" {flat} "
    start = end = 0
    for number, word in enumerate(words):
        last = number == len(words) - 1
        at = padded.find(f" {word}" if last else f" {word} ")
        if at >= 0:  # padded[at + 1] is flat[at]
            start = origin[at]
            end = origin[at + len(word) - 1] + 1
            break
    left = max(0, start - context)
    if left > 0:
        space = text.find(" ", left, start)
        left = space + 1 if space >= 0 else left
    right = min(len(text), end + context)
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space >= 0 else right
    excerpt = " ".join(text[left:right].split())
    excerpt = ("…" if left > 0 else "") + excerpt + ("…" if right < len(text) else "")
    return neutralise(excerpt, keep="")


def search_text(repo, text: str, limit: int | None = 20, *, progress=None) -> SearchResult:
    """:func:`search`, and the cases whose records' free text holds the words of ``text``
    (:func:`text_matches`): a case found both ways is one hit with reason ``text`` added
    after the others and the place in the text (``record``, ``field``, ``snippet``); a case
    found by its text only ranks below every name, number or place hit
    (:data:`TEXT_SCORE`), newest intake first. ``limit`` hits at most (``None``: all).
    Raises :class:`~ppks_cli.errors.InvalidInput` as :func:`search` does."""
    from dataclasses import replace

    from ppks_cli.errors import InvalidInput

    if limit is not None and limit < 1:
        raise InvalidInput("error.search_limit", value=limit)
    with opened(repo, progress) as (conn, _done):
        found = search(repo, text, None, conn=conn)
        by_id = {hit.id: hit for hit in found.hits}
        matches = text_matches(conn, text)
        others = [case_id for case_id in matches if case_id not in by_id]
        rows = []
        for start in range(0, len(others), 500):
            chunk = others[start : start + 500]
            rows += conn.execute(
                "SELECT id, name, alias, category, stage, closed, worker, intake_date "
                f"FROM cases WHERE problem IS NULL AND id IN ({', '.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
    hits = [
        replace(hit, reasons=(*hit.reasons, "text")) if hit.id in matches else hit
        for hit in found.hits
    ]
    for case_id, name, alias, category, stage, closed, worker, intake_date in rows:
        hits.append(
            SearchHit(
                id=case_id,
                name=name,
                alias=alias,
                score=TEXT_SCORE,
                reasons=("text",),
                matched="",
                category=category,
                stage=stage,
                closed=bool(closed),
                worker=worker,
                intake_date=intake_date,
            )
        )
    ordered = _newest_first_within_score(hits)
    shown = []
    for hit in ordered[:limit] if limit is not None else ordered:
        match = matches.get(hit.id)
        if match is not None:  # the snippets of the hits shown only: they take time
            cut = match.snippet()
            hit = replace(
                hit, record=match.record, record_kind=match.kind, field=match.field,
                snippet=cut, matched=hit.matched or cut,
            )  # fmt: skip
        shown.append(hit)
    return SearchResult(text, shown, len(ordered), found.problems)


# --- case IDs, for one case ----------------------------------------------------------------


def _case_ids_stat(repo) -> tuple[str | None, bool]:
    """The stat data of ``cases/`` as stored text (None when it is missing, a link or
    no folder: then it holds no case), and whether it changed too recently to trust it
    (a folder added within the same timestamp tick keeps every stat field)."""
    try:
        st = os.lstat(repo.paths.cases)
    except OSError:
        return None, False
    if not stat_module.S_ISDIR(st.st_mode):
        return None, False
    racy = max(st.st_mtime_ns, st.st_ctime_ns) >= time.time_ns() - RACY_NS
    return _pack(_stat_key(st)).hex(), racy


def case_ids_for(repo, ref: str) -> list[str]:
    """The IDs of the case folders that the typed ``ref`` may name, sorted: a superset
    of what :func:`ppks_cli.ids.resolve_prefix` looks at (the IDs that start with the
    normalised ``ref``, and those whose suffix starts with it without the dash), so that
    ``resolve_prefix(ref, case_ids_for(repo, ref))`` answers as it does with every ID.

    Read from the index (table ``case_ids``) without listing ``cases/`` while its stat
    data (size, mtime, ctime, inode) is what it was when the list was stored: a folder
    added, removed or renamed in ``cases/`` changes them, and then the folder is listed
    again (one ``scandir``) and the list stored anew. A list stored within
    :data:`RACY_NS` of a change is not trusted. So an ID that exists on disk is always
    found, and 50,000 cases cost what ten do."""
    from ppks_cli.ids import normalize_case_ref

    wanted = normalize_case_ref(ref)
    bare = wanted.replace("-", "")
    key, racy = _case_ids_stat(repo)
    if key is None:
        return []
    with connection(repo) as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = 'case_ids_stat'").fetchone()
        if racy or row is None or row[0] != key:
            listed = _case_ids(repo)
            if not racy:
                _store_case_ids(conn, listed, key)
            return [
                i for i in listed if i.startswith(wanted) or i.partition("-")[2].startswith(bare)
            ]
        found = {
            r[0] for r in conn.execute(
                "SELECT id FROM case_ids WHERE id >= ? AND id < ?", (wanted, wanted + "\x7f")
            )
        }  # fmt: skip
        if bare:
            found.update(r[0] for r in conn.execute(
                "SELECT id FROM case_ids WHERE substr(id, 6, ?) = ?", (len(bare), bare)
            ))  # fmt: skip
    return sorted(found)


def _store_case_ids(conn: sqlite3.Connection, listed: list[str], key: str) -> None:
    """Store the IDs ``listed`` from ``cases/`` whose stat data is ``key``: only the
    difference with what is stored is written. Left as it was when the index is busy."""
    try:
        conn.execute("PRAGMA busy_timeout = 200")
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error:
        return
    try:
        stored = {row[0] for row in conn.execute("SELECT id FROM case_ids")}
        now = set(listed)
        conn.executemany("DELETE FROM case_ids WHERE id = ?", [(i,) for i in stored - now])
        conn.executemany("INSERT INTO case_ids VALUES (?)", [(i,) for i in sorted(now - stored)])
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('case_ids_stat', ?)", (key,))
        conn.execute("COMMIT")
    except sqlite3.Error:
        if conn.in_transaction:
            conn.execute("ROLLBACK")

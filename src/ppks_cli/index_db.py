"""The index's database file (see :mod:`ppks_cli.index`): where it lives, its tables,
and a connection to it as it is, not refreshed.

Kept apart from :mod:`ppks_cli.index` so that what only needs a connection (the letter
numbers of :mod:`ppks_cli.ledger`, the commits of :mod:`ppks_cli.commit_index`: every
letter issued) does not import the whole index (about 6 ms of start-up)."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

INDEX_VERSION = 18  # 7: links; 8: former names; 9: the reason of a link; 10: check's fixes;
# 11: a merged duplicate owes no follow-up; 12: corrected intake dates, check's new fixes;
# 13: the history reports count from (events, stages, due_spans); 14: shelter records
# (shelter), street raids and their catches (raids, raid_folders, catches); 15: both;
# 16: what exports read (record_rows, identities); 17: a street-raid intake with no catch
# record counts as a catch (catches.number); 18: the letter numbers in use (letters) and
# the case folders by ID (case_ids), for work on one case
GIT_INDEX_NAME = "ppks-index.sqlite"
CACHE_DIR = ".ppks-cache"
CACHE_INDEX_NAME = "index.sqlite"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE folders (
    case_id TEXT PRIMARY KEY, records_stat BLOB, names TEXT NOT NULL,
    signature BLOB NOT NULL, racy INTEGER NOT NULL);
CREATE TABLE cases (
    id TEXT PRIMARY KEY, problem TEXT,
    name TEXT, alias TEXT, nik TEXT, kk TEXT, phone TEXT, sex TEXT,
    birth_date TEXT, birth_year INTEGER, found_at TEXT, source TEXT,
    stage TEXT, closed INTEGER, episode INTEGER, intake_worker TEXT, worker TEXT,
    intake_date TEXT, created_at TEXT, termination_date TEXT,
    category TEXT, tags TEXT, damaged_records INTEGER, damaged TEXT);
CREATE TABLE people (case_id TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    phone TEXT);
CREATE INDEX people_case ON people (case_id);
CREATE TABLE tags (case_id TEXT NOT NULL, tag TEXT NOT NULL);
CREATE INDEX tags_case ON tags (case_id);
CREATE INDEX tags_tag ON tags (tag);
CREATE TABLE due (case_id TEXT NOT NULL, kind TEXT NOT NULL, due TEXT NOT NULL,
    record TEXT, params TEXT NOT NULL);
CREATE INDEX due_case ON due (case_id);
CREATE INDEX due_date ON due (due);
CREATE TABLE texts (id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL,
    seq INTEGER NOT NULL, record TEXT, kind TEXT NOT NULL, field TEXT NOT NULL,
    text TEXT NOT NULL, plain TEXT NOT NULL);
CREATE INDEX texts_case ON texts (case_id);
CREATE TABLE texts_gone (id INTEGER PRIMARY KEY, plain TEXT NOT NULL);
CREATE TABLE links (case_id TEXT NOT NULL, other TEXT NOT NULL, relation TEXT NOT NULL,
    record TEXT NOT NULL, reason TEXT);
CREATE INDEX links_other ON links (other);
CREATE TABLE events (case_id TEXT NOT NULL, record TEXT NOT NULL, kind TEXT NOT NULL,
    date TEXT NOT NULL, episode INTEGER NOT NULL, opened TEXT, a TEXT, b TEXT);
CREATE INDEX events_case ON events (case_id);
CREATE TABLE stages (case_id TEXT NOT NULL, date TEXT NOT NULL, stage TEXT NOT NULL,
    closed INTEGER NOT NULL, worker TEXT NOT NULL);
CREATE INDEX stages_case ON stages (case_id, date);
CREATE TABLE due_spans (case_id TEXT NOT NULL, kind TEXT NOT NULL, due TEXT NOT NULL,
    since TEXT NOT NULL, until TEXT);
CREATE INDEX due_spans_case ON due_spans (case_id);
CREATE TABLE shelter (case_id TEXT NOT NULL, record TEXT NOT NULL, kind TEXT NOT NULL,
    date TEXT NOT NULL, recorded_at TEXT NOT NULL, shelter TEXT, bed TEXT, dest TEXT,
    raid TEXT);
CREATE INDEX shelter_case ON shelter (case_id);
CREATE TABLE catches (case_id TEXT NOT NULL, record TEXT NOT NULL, raid TEXT NOT NULL,
    date TEXT NOT NULL, disposition TEXT NOT NULL, destination TEXT, place TEXT,
    number INTEGER NOT NULL, new INTEGER NOT NULL, recorded_at TEXT NOT NULL);
CREATE INDEX catches_case ON catches (case_id);
CREATE INDEX catches_raid ON catches (raid);
CREATE TABLE raids (id TEXT PRIMARY KEY, problem TEXT, date TEXT, places TEXT, team TEXT,
    agencies TEXT, note TEXT, worker TEXT);
CREATE TABLE raid_folders (raid_id TEXT PRIMARY KEY, signature BLOB NOT NULL,
    racy INTEGER NOT NULL);
CREATE TABLE record_rows (case_id TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL,
    kind TEXT NOT NULL, date TEXT NOT NULL, recorded_at TEXT NOT NULL, worker TEXT NOT NULL,
    episode INTEGER, code TEXT, destination TEXT, related TEXT, related_case TEXT,
    new_worker TEXT, number TEXT, year INTEGER, letter_seq INTEGER, edited INTEGER);
CREATE INDEX record_rows_case ON record_rows (case_id, seq);
CREATE TABLE identities (case_id TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX identities_case ON identities (case_id);
CREATE TABLE letters (case_id TEXT NOT NULL, file TEXT NOT NULL, number TEXT NOT NULL,
    year INTEGER NOT NULL, seq INTEGER, code TEXT, PRIMARY KEY (case_id, file));
CREATE INDEX letters_number ON letters (number);
CREATE TABLE case_ids (id TEXT PRIMARY KEY) WITHOUT ROWID;
"""
# what the index file records as its version: the number above and a digest of the tables
# it holds, so an index made with other tables (a change that forgot to bump the number,
# or two changes that bumped it to the same one) is never taken for this one
STORED_VERSION = f"{INDEX_VERSION}-{hashlib.sha256(_SCHEMA.encode()).hexdigest()[:12]}"


def index_path(root: Path) -> Path | None:
    """Where the index of the repository at ``root`` lives: ``.git/ppks-index.sqlite``
    when ``root/.git`` is a real folder, else ``.ppks-cache/index.sqlite``. ``None`` when
    that place is a symbolic link (the index is then kept in memory for one command:
    ppks never writes through a link)."""
    git_dir = root / ".git"
    if git_dir.is_dir() and not git_dir.is_symlink():
        place = git_dir / GIT_INDEX_NAME
    else:
        cache = root / CACHE_DIR
        if cache.is_symlink():
            return None
        place = cache / CACHE_INDEX_NAME
    if place.is_symlink():
        return None
    return place


def _memory() -> sqlite3.Connection:
    """An index in memory, for one command: when the index file cannot be used."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    _create(conn)
    return conn


def _open_file(place: Path) -> sqlite3.Connection | None:
    """The index at ``place`` if it is a usable index of this version, else ``None``
    (it is then deleted: it is only a cache). A new one is made when there is none."""
    fresh = not place.exists()
    if fresh:
        place.parent.mkdir(exist_ok=True)
    conn = sqlite3.connect(place, timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        if fresh:
            _create(conn)
            return conn
        row = conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        if row and row[0] == STORED_VERSION:
            return conn
    except sqlite3.Error:  # damaged, or not an index at all
        pass
    conn.close()
    place.unlink(missing_ok=True)
    return None


def _connect(place: Path | None) -> tuple[sqlite3.Connection, bool]:
    """An open index and whether it was made new (or is in memory). An index that
    cannot be read or written (a read-only folder, a file where its folder should be)
    is replaced by one in memory: slower, never wrong."""
    if place is None:
        return _memory(), True
    for _attempt in range(2):
        fresh = not place.exists()
        try:
            conn = _open_file(place)
        except (OSError, sqlite3.Error):
            break
        if conn is not None:
            return conn, fresh
    return _memory(), True


def _create(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        if not exists:  # another ppks may have made it meanwhile
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT INTO meta VALUES ('version', ?)", (STORED_VERSION,))
            conn.execute("INSERT INTO meta VALUES ('written_ns', '0')")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


@contextmanager
def connection(repo) -> Iterator[sqlite3.Connection]:
    """The index database of ``repo`` as it is, not refreshed: for caches kept beside
    the index (``ppks check``'s), which check their own freshness. In memory when the
    file cannot be used."""
    conn, _fresh = _connect(index_path(repo.root))
    try:
        yield conn
    finally:
        conn.close()

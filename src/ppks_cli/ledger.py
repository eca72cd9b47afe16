"""The letter numbers in use, from the index: what :func:`ppks_cli.letters.next_number`
counts from without reading every case folder.

Every letter ppks issues is a record file ``cases/<ID>/records/<date>-letter-<id>.toml``
holding its ``number``, ``year``, ``seq`` and ``code``. Reading all of them (a glob over
every case folder) took seconds at 50,000 cases. The index keeps them instead, in its
table ``letters`` (one row per letter file), and this module keeps that table right
without looking at every folder:

- a refresh of the index (any ``ppks list``, ``show``, ``search`` …) reads the letter
  files of every case whose folder changed, as it reads the rest (:func:`case_letters`);
- a letter ppks writes is entered at once (:func:`written`, called by
  :meth:`ppks_cli.store.Repository.add_record` while the command holds the repository);
- what git brings (a sync, a bundle, a ``git pull`` or ``checkout`` by hand) is found
  by asking git which letter files changed between the commit the table was last
  brought up to (meta ``letters_head``) and HEAD (``git diff --name-only``): those are
  read again. A table that never had such a commit (a new index, a repository without
  git or before its first commit) is brought up to date by one refresh of the index.

A letter file copied into a folder by hand (not through git, not by ppks) is counted
from the next refresh of the index; ``ppks check`` names two letters with one number.
Call :func:`used_numbers` while holding the repository (:class:`ppks_cli.changes.Writer`),
so that two commands never take one number.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

LETTER_GLOB = ":(glob)cases/*/records/*-letter-*.toml"  # git's pathspec of letter files
NO_COMMIT = "-"  # meta letters_head of a repository without git or without a commit


@dataclass(frozen=True)
class UsedNumber:
    """One letter number in use: as :class:`ppks_cli.letters.IssuedNumber` has it for
    numbering (``code``: the classification code the file names, else None)."""

    number: str
    year: int
    seq: int | None
    code: str | None
    case: str
    file: str


def is_letter_file(name: str) -> bool:
    """Whether a record file's name is a letter's (``<date>-letter-<id>.toml``)."""
    return "-letter-" in name and name.endswith(".toml") and not name.startswith(".")


def read_letter(path: Path) -> tuple | None:
    """(number, year, seq, code) of the letter file at ``path``, read as
    :func:`ppks_cli.letters.issued_numbers` reads it (a file that is not TOML, or has no
    text number and whole-number year, is None; ``seq`` and ``code`` None unless they
    are a whole number and a text)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    number, year, seq, code = (data.get(k) for k in ("number", "year", "seq", "code"))
    if not (isinstance(number, str) and isinstance(year, int)) or isinstance(year, bool):
        return None
    seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else None
    return number, year, seq, code if isinstance(code, str) else None


def case_letters(repo, case_id: str) -> list[tuple]:
    """The ``letters`` rows of one case folder: (case ID, file name, number, year, seq,
    code) for each readable letter file in its ``records/`` (no link followed)."""
    folder = repo.paths.records_dir(case_id)
    try:
        if folder.is_symlink() or not folder.is_dir():
            return []
        names = sorted(e.name for e in os.scandir(folder) if is_letter_file(e.name))
    except OSError:
        return []
    rows = []
    for name in names:
        path = folder / name
        if path.is_symlink() or not path.is_file():
            continue
        found = read_letter(path)
        if found is not None:
            rows.append((case_id, name, *found))
    return rows


def written(repo, path: Path) -> None:
    """A letter file ppks has just written at ``path``: enter it in the index's table
    (best effort: an index that cannot be written is brought up to date by the next
    :func:`used_numbers`, which then reads every case)."""
    import sqlite3

    from ppks_cli import index_db

    found = read_letter(path)
    if found is None:
        return
    try:
        with index_db.connection(repo) as conn:
            _quick(conn)
            conn.execute(
                "INSERT OR REPLACE INTO letters VALUES (?, ?, ?, ?, ?, ?)",
                (path.parent.parent.name, path.name, *found),
            )
    except sqlite3.Error:
        pass


def used_numbers(repo) -> list[UsedNumber]:
    """Every letter number in use in the repository (renumbered ones included: a number
    used once is never handed out again), from the index, brought up to date as the
    module's description says. ``code`` is the file's, else the one
    ``[letters] number_pattern`` reads in the number."""
    import sqlite3

    from ppks_cli import index_db
    from ppks_cli.letters import _number_regex

    head = _head(repo)
    with index_db.connection(repo) as conn:
        _quick(conn)
        done = _bring_up_to_date(repo, conn, head)
        rows = conn.execute("SELECT number, year, seq, code, case_id, file FROM letters").fetchall()
        if done and _letters_head(conn) != (head or NO_COMMIT):  # a write only for a change
            try:
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('letters_head', ?)",
                             (head or NO_COMMIT,))  # fmt: skip
            except sqlite3.Error:
                pass
    regex = _number_regex(repo.config.letters.number_pattern)
    used = []
    for number, year, seq, code, case_id, file in rows:
        if code is None:
            match = regex.match(number)
            code = match.groupdict().get("code") if match else None
        used.append(UsedNumber(number, year, seq, code, case_id, file))
    return used


def _letters_head(conn) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'letters_head'").fetchone()
    return row[0] if row else None


def committed(conn, repo, parent: str, commit: str, files) -> None:
    """Within a transaction on the index: ppks has made the commit ``commit`` of
    ``files`` on top of ``parent``. When the table ``letters`` agreed with ``parent`` and
    holds every letter file among ``files`` as the file now is (ppks enters each letter
    it writes: :func:`written`), it agrees with ``commit`` too: meta ``letters_head`` moves
    to ``commit``, and the next :func:`used_numbers` asks git nothing (else it asks git
    which letter files changed since ``parent``, as for a commit made otherwise)."""
    if _letters_head(conn) != parent:
        return
    for file in files:
        letter = _letter_now(repo, repo.rel(Path(file)))
        if letter is None:
            continue
        case_id, name, now = letter
        stored = conn.execute(
            "SELECT number, year, seq, code FROM letters WHERE case_id = ? AND file = ?",
            (case_id, name),
        ).fetchone()
        if (tuple(stored) if stored is not None else None) != now:
            return
    conn.execute("UPDATE meta SET value = ? WHERE key = 'letters_head'", (commit,))


def _letter_now(repo, rel: str) -> tuple[str, str, tuple | None] | None:
    """For ``rel`` (a path relative to the repository) naming a letter file
    (``cases/ID/records/NAME``): its case ID, its name, and what it holds now
    (:func:`read_letter`; None when it is gone, unreadable or a link). None for any
    other path."""
    parts = rel.split("/")
    if len(parts) != 4 or parts[0] != "cases" or parts[2] != "records":
        return None
    if not is_letter_file(parts[3]):
        return None
    path = repo.paths.records_dir(parts[1]) / parts[3]
    return parts[1], parts[3], None if path.is_symlink() else read_letter(path)


def _quick(conn) -> None:
    """This connection to the index waits a little for another ppks, not half a minute."""
    conn.execute("PRAGMA busy_timeout = 2000")


def _head(repo) -> str | None:
    """The commit HEAD names (None without git or before the first commit): read from
    git's files while a writing command holds the repository (``repo.git_dir`` set: one
    git process fewer for every letter issued), else asked of git."""
    from ppks_cli.git.state import head_commit

    return head_commit(repo.root, repo.git_dir)


def _bring_up_to_date(repo, conn, head: str | None) -> bool:
    """Bring the table ``letters`` up to date with the letter files (see the module's
    description). Returns whether it now agrees with ``head``."""
    known = conn.execute("SELECT value FROM meta WHERE key = 'letters_head'").fetchone()
    written = conn.execute("SELECT value FROM meta WHERE key = 'written_ns'").fetchone()
    refreshed = written is not None and written[0] != "0"  # every case read once
    now = head or NO_COMMIT
    if refreshed and known is not None and known[0] == now:
        return True  # nothing came by git since: what ppks wrote is entered already
    from ppks_cli import index  # only to be refreshed: a letter after ppks's commit needs none

    if not refreshed or known is None or NO_COMMIT in (known[0], now):
        with index.opened(repo):  # a refresh reads every case that changed, letters included
            pass
        return True
    changed = _changed_letters(repo.root, known[0], head)
    if changed is None:  # the commit noted is gone (a history rewritten): a refresh reads
        with index.opened(repo):  # every folder that changed, letters included
            pass
        return True
    import sqlite3

    try:
        conn.execute("BEGIN IMMEDIATE")
        for rel in changed:
            letter = _letter_now(repo, rel)
            if letter is None:
                continue
            case_id, name, found = letter
            if found is None:
                conn.execute("DELETE FROM letters WHERE case_id = ? AND file = ?",
                             (case_id, name))  # fmt: skip
            else:
                conn.execute("INSERT OR REPLACE INTO letters VALUES (?, ?, ?, ?, ?, ?)",
                             (case_id, name, *found))  # fmt: skip
        conn.execute("COMMIT")
    except sqlite3.Error:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        return False
    return True


def _changed_letters(root: Path, since: str, head: str) -> list[str] | None:
    """The letter files (relative to the repository root) that differ between the
    commits ``since`` and ``head``; None when git cannot compare them."""
    from ppks_cli import git

    found = git.run(root, "diff", "--name-only", "-z", "--no-renames", "--relative", since,
                    head, "--", LETTER_GLOB, check=False)  # fmt: skip
    if found.returncode != 0:
        return None
    return [p for p in found.stdout.decode("utf-8", "replace").split("\0") if p]

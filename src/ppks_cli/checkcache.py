"""The cache of ``ppks check``: the problems found in each case folder, kept beside the
index (:func:`ppks_cli.index.connection`) with a digest of the folder's files.

A case folder is checked again only when its files changed. As git does, the stat data
of the folder's files is compared first (:func:`ppks_cli.index.folder_signature`: size,
mtime, ctime and inode of ``case.toml``, ``records/`` and each record file); only when it
differs, or was written too recently to be trusted ("racy"), is the digest computed: the
version of ppks, the names and kinds of the entries ``check`` looks at and the bytes of
every regular file among them, read without following a link. A folder whose stat data
changed but whose bytes did not (a ``touch``, a checkout) is not checked again. Deleting
the cache, or ``ppks check --full``, checks everything.

Attached files (``attachments/``, scans of up to ``[attachments] max_mb``) are not read
for the digest: reading every scan on every ``check`` would be slow. Their names, kinds,
sizes and modification times (nanoseconds) are in both the stat data and the digest, so
a file removed, added, replaced or changed in place (its modification time not set back
by hand) is checked again, its SHA-256 then compared with its record's; a ``touch`` of a
scan costs one more check of that folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat as stat_module
from dataclasses import dataclass, field
from typing import Any

from ppks_cli import paths
from ppks_cli.validation import Problem

# what ``check`` looks for, by version: raised when a check is added (2: plausibility
# warnings, an age that does not fit the category and an implausible phone; 3: two
# offline corrections or transfers, a link to the case itself, a reopening twice; 4: the
# client's warnings read the data with its corrections; 5: the shelter's records), so
# that results cached before are not taken for folders whose files did not change
RULES = 5

_TABLE = """CREATE TABLE IF NOT EXISTS checks (
    case_id TEXT PRIMARY KEY, digest TEXT NOT NULL, result TEXT NOT NULL, signature BLOB)"""


@dataclass
class CaseCheck:
    """What checking one case folder found: its ``problems``, how many ``records`` were
    read, and for the checks across cases its case ``id`` and NIK with their lines in
    ``case.toml`` (``id`` is ``None`` when ``case.toml`` could not be read)."""

    problems: list[Problem] = field(default_factory=list)
    records: int = 0
    id: str | None = None
    id_line: int = 0
    nik: str | None = None
    nik_line: int = 0

    def to_data(self) -> dict[str, Any]:
        from ppks_cli.index import _msg_data

        return {
            "problems": [
                [p.file, p.line, _msg_data(p.message), p.severity,
                 None if p.hint is None else _msg_data(p.hint)]
                for p in self.problems
            ],
            "records": self.records, "id": self.id, "id_line": self.id_line,
            "nik": self.nik, "nik_line": self.nik_line,
        }  # fmt: skip

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> CaseCheck:
        from ppks_cli.index import _msg

        problems = [
            Problem(f, line, _msg(m), sev, None if hint is None else _msg(hint))
            for f, line, m, sev, hint in data["problems"]
        ]
        return cls(
            problems, data["records"], data["id"], data["id_line"], data["nik"],
            data["nik_line"],
        )  # fmt: skip


def _read_nofollow(path: str) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            return fh.read()
    finally:
        if fd != -1:
            os.close(fd)


def digest(repo, case_id: str) -> str | None:
    """The digest of what ``check`` reads in the folder of ``case_id``; ``None`` when
    something cannot be read (the folder is then checked, not cached)."""
    from ppks_cli import __version__

    h = hashlib.blake2b(digest_size=20)
    h.update(f"{__version__}\0{RULES}".encode())
    folder = os.fspath(repo.paths.case_dir(case_id))

    def add(path: str, name: str) -> None:
        st = os.lstat(path)
        kind = stat_module.S_IFMT(st.st_mode)
        h.update(f"\0{name}\0{kind}\0".encode())
        if stat_module.S_ISREG(st.st_mode):
            data = _read_nofollow(path)
            h.update(str(len(data)).encode() + b"\0" + data)

    try:
        try:
            add(os.path.join(folder, paths.CASE_FILE), paths.CASE_FILE)
        except FileNotFoundError:
            h.update(b"\0no case file")
        h.update(attachments_stat(folder, with_ctime=False)[0])
        records = os.path.join(folder, paths.RECORDS_DIR)
        try:
            st = os.lstat(records)
        except FileNotFoundError:
            h.update(b"\0no records")
            return h.hexdigest()
        h.update(f"\0records\0{stat_module.S_IFMT(st.st_mode)}".encode())
        if stat_module.S_ISDIR(st.st_mode):
            for name in sorted(os.listdir(records)):
                add(os.path.join(records, name), f"{paths.RECORDS_DIR}/{name}")
    except OSError:
        return None
    return h.hexdigest()


def attachments_stat(folder: str, *, with_ctime: bool = True) -> tuple[bytes, bool]:
    """The stat data of the ``attachments/`` folder of the case folder ``folder`` and of
    each entry in it (name, kind, size, mtime in ns; with ``with_ctime`` also the ctime
    and inode), never following a link, and whether any of it is racy (changed within
    :data:`ppks_cli.index.RACY_NS` of now). No folder gives a fixed marker."""
    import time

    from ppks_cli.index import RACY_NS
    from ppks_cli.paths import ATTACHMENTS_DIR

    recent = time.time_ns() - RACY_NS
    racy = False
    parts: list[str] = []
    where = os.path.join(folder, ATTACHMENTS_DIR)

    def add(path: str, name: str) -> None:
        nonlocal racy
        st = os.lstat(path)
        racy = racy or st.st_mtime_ns >= recent or st.st_ctime_ns >= recent
        extra = f"\0{st.st_ctime_ns}\0{st.st_ino}" if with_ctime else ""
        parts.append(
            f"\0{name}\0{stat_module.S_IFMT(st.st_mode)}\0{st.st_size}\0{st.st_mtime_ns}{extra}"
        )

    try:
        add(where, ATTACHMENTS_DIR)
    except FileNotFoundError:
        return b"\0no attachments", False
    except OSError:
        return f"\0unreadable attachments {time.time_ns()}".encode(), True
    if stat_module.S_ISDIR(os.lstat(where).st_mode):
        try:
            for name in sorted(os.listdir(where)):
                add(os.path.join(where, name), f"{ATTACHMENTS_DIR}/{name}")
        except OSError:
            return f"\0unreadable attachments {time.time_ns()}".encode(), True
    return "".join(parts).encode(), racy


class Cache:
    """The check cache of ``repo``, open for one ``ppks check`` (a context manager).
    With ``full``, nothing is taken from it, but every result is stored again. Cases no
    longer on disk are forgotten when a whole check (not ``partial``) closes it. A cache
    that cannot be used (read-only, locked) is skipped: checking is then only slower."""

    def __init__(self, repo, *, full: bool = False, partial: bool = False) -> None:
        self.repo = repo
        self.full = full
        self.partial = partial  # only some cases are checked: keep the others' results
        self.changed: set[str] = set()
        self.conn: sqlite3.Connection | None = None
        self.digests: dict[str, str | None] = {}
        self.signatures: dict[str, bytes | None] = {}
        self.stored: dict[str, tuple[str, str, bytes | None]] = {}
        self._context = None

    def __enter__(self) -> Cache:
        from ppks_cli import index

        try:
            self._context = index.connection(self.repo)
            self.conn = self._context.__enter__()
            self.conn.execute(_TABLE)
            self.stored = {
                case_id: (stored, result, signature)
                for case_id, stored, result, signature in self.conn.execute(
                    "SELECT case_id, digest, result, signature FROM checks"
                )
            }
        except (OSError, sqlite3.Error):
            self._close()
        return self

    def get(self, case_id: str) -> CaseCheck | None:
        """The cached result for ``case_id`` if its files are unchanged, else ``None``."""
        from ppks_cli import index

        signature, racy = index.folder_signature(self.repo, case_id)
        attached, attached_racy = attachments_stat(os.fspath(self.repo.paths.case_dir(case_id)))
        signature, racy = b"%d\0" % RULES + signature + attached, racy or attached_racy
        self.signatures[case_id] = None if racy else signature
        stored = self.stored.get(case_id)
        if not self.full and stored is not None and not racy and stored[2] == signature:
            self.digests[case_id] = stored[0]  # the same stat data: the same bytes
            return self._result(stored)
        self.digests[case_id] = found = digest(self.repo, case_id)
        if self.full or found is None or stored is None or stored[0] != found:
            return None
        if stored[2] != self.signatures[case_id]:  # same bytes, new stat data: note it
            self.stored[case_id] = (stored[0], stored[1], self.signatures[case_id])
            self.changed.add(case_id)
        return self._result(stored)

    @staticmethod
    def _result(stored) -> CaseCheck | None:
        try:
            return CaseCheck.from_data(json.loads(stored[1]))
        except (ValueError, KeyError, TypeError):
            return None

    def put(self, case_id: str, result: CaseCheck) -> None:
        """Keep ``result`` for ``case_id`` (with the digest :meth:`get` computed)."""
        found = self.digests.get(case_id)
        if found is not None:
            self.stored[case_id] = (
                found, json.dumps(result.to_data()), self.signatures.get(case_id)
            )
            self.changed.add(case_id)

    def __exit__(self, *exc_info) -> None:
        if self.conn is not None and exc_info[0] is None:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                if not self.partial:
                    self.conn.executemany(
                        "DELETE FROM checks WHERE case_id = ?",
                        [(c,) for c in self.stored if c not in self.digests],
                    )
                self.conn.executemany(
                    "INSERT OR REPLACE INTO checks VALUES (?, ?, ?, ?)",
                    [(c, *self.stored[c]) for c in sorted(self.changed)],
                )
                self.conn.execute("COMMIT")
            except sqlite3.Error:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
        self._close()

    def _close(self) -> None:
        if self._context is not None:
            self._context.__exit__(None, None, None)
        self.conn, self._context = None, None

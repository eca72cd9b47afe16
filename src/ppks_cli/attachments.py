"""Files kept with a case: scanned KTP/KK, photos, signed consent forms (``ppks attach``,
``ppks attachment export``).

A file attached is copied into the case folder as ``cases/<ID>/attachments/<RECORD>.<ext>``
(the record's ID and the original's extension, lowercased, when it is 1 to 8 letters or
digits, else ``bin``): no personal data in any file name or commit message. An
:class:`~ppks_cli.records.Attachment` record beside it keeps the kind, the original file
name, the size in bytes and the SHA-256 of the bytes; ``check`` compares the stored file
with them, and ``export`` refuses a file that no longer matches (exit 7).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ppks_cli.errors import DamagedFile, InvalidInput, NotFound, Refused
from ppks_cli.results import Result

if TYPE_CHECKING:
    from ppks_cli.changes import WriteOptions
    from ppks_cli.records import Attachment
    from ppks_cli.store import Case, Repository


_EXT_RE = re.compile(r"^[a-z0-9]{1,8}$")
MB = 1024 * 1024


def stored_name(record_id: str, original: str) -> str:
    """The name a file is stored under: ``<record_id>.<ext>``, ``ext`` the lowercased
    extension of ``original`` when it is 1 to 8 ASCII letters or digits, else ``bin``."""
    ext = Path(original).suffix[1:].lower()
    return f"{record_id}.{ext if _EXT_RE.match(ext) else 'bin'}"


def attachment_path(repo: Repository, case_id: str, name: str) -> Path:
    """The path of the stored file ``name`` of the case ``case_id``."""
    return repo.paths.attachments_dir(case_id) / name


def attachments_of(case: Case) -> list[Attachment]:
    """The attachment records of ``case``, in record order."""
    return [r for r in case.records if r.kind == "attachment"]


def read_source(source: Path, repo: Repository, max_bytes: int) -> bytes:
    """The bytes of the file the user attaches. Raises :class:`InvalidInput` (exit 3)
    for a missing file, a symbolic link, a folder or anything else that is not a regular
    file, a file inside the repository's ``.git`` folder, or one larger than
    ``max_bytes`` (checked before it is read)."""
    shown = str(source)
    try:
        st = os.lstat(source)
    except OSError:
        raise InvalidInput("error.attach_missing", path=shown) from None
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
        raise InvalidInput("error.attach_not_regular", path=shown)
    git_dir = (repo.root / ".git").resolve()
    resolved = source.resolve()
    if resolved == git_dir or git_dir in resolved.parents:
        raise InvalidInput("error.attach_in_git", path=shown)
    if st.st_size > max_bytes:
        raise InvalidInput(
            "error.attach_too_large", path=shown, size=_mb(st.st_size, max_bytes),
            limit=_mb(max_bytes),
        )  # fmt: skip
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(source, flags)
    except OSError:
        raise InvalidInput("error.attach_not_regular", path=shown) from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped after the lstat
            raise InvalidInput("error.attach_not_regular", path=shown)
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew while being read
        raise InvalidInput(
            "error.attach_too_large", path=shown, size=_mb(len(data), max_bytes),
            limit=_mb(max_bytes),
        )  # fmt: skip
    return data


def _mb(size: int, limit: int | None = None) -> str:
    """``size`` in MB with one decimal; more decimals while it would read the same as
    ``limit`` (10 MB + 1 byte is not "10.0 MB, over the limit of 10.0 MB")."""
    for places in range(1, 7):
        shown = f"{size / MB:.{places}f}"
        if limit is None or size == limit or shown != f"{limit / MB:.{places}f}":
            return shown
    return f"{size:,} B"


@dataclass
class AttachResult(Result):
    """What ``ppks attach`` did: the case, the attachment record and the stored file
    (relative to the repository root)."""

    case: Case
    record: Attachment
    file: str

    def to_json(self) -> dict[str, Any]:
        from ppks_cli.views import record_view

        return {"id": self.case.id, "file": self.file, "record": record_view(self.record)}


def attach_file(
    repo: Repository, case_ref: str, source: Path, *, kind: str, worker: str,
    note: str | None = None, date: dt.date | None = None,
    options: WriteOptions | None = None,
) -> AttachResult:  # fmt: skip
    """Copy ``source`` into the folder of the case ``case_ref`` and write its attachment
    record (kind ``kind``, one of :data:`~ppks_cli.choices.ATTACHMENT_KINDS`), both in one
    commit (``CASE: attachment added``). At any stage; the phase never changes.

    Raises :class:`NotFound` for an unknown case, :class:`InvalidInput` for what
    :func:`read_source` refuses (the limit is ``[attachments] max_mb`` of ``ppks.toml``)
    or a bad kind, note, date or worker, and :class:`Refused` for what any new record of
    the case is refused for; nothing is written then."""
    from ppks_cli.casework import _prepare
    from ppks_cli.changes import WriteOptions, commit_message
    from ppks_cli.records import Attachment
    from ppks_cli.tomlio import atomic_write_bytes

    limit = repo.config.attachments.max_mb * MB
    with (options or WriteOptions()).writer(repo) as writer:
        case = repo.find_case(case_ref)
        data = read_source(source, repo, limit)
        original = source.name
        record_id = repo.new_record_id(case)
        made = _prepare(
            repo, case, Attachment, id=record_id, date=date, worker=worker, document=kind,
            original_name=original, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
            note=note, file=stored_name(record_id, original),
        )  # fmt: skip
        target = attachment_path(repo, case.id, made.file)
        if target.exists() or target.is_symlink():
            raise Refused("error.record_exists", file=repo.rel(target))
        repo._will_write(target)
        atomic_write_bytes(target, data, root=repo.root)
        repo.written.append(target)
        repo.add_record(case, made)
        writer.commit(commit_message(case.id, "attachment"), made.worker)
    return AttachResult(case, made, repo.rel(target))


def read_stored(repo: Repository, case_id: str, record: Attachment) -> bytes:
    """The bytes of the stored file of ``record``, checked against its size and SHA-256.
    Raises :class:`DamagedFile` (``error.attachment_damaged``, exit 7) when it is missing,
    not a regular file (a link is never followed) or differs from what was attached."""
    path = attachment_path(repo, case_id, record.file)
    shown = repo.rel(path)
    problem = stored_problem(path, record)
    if problem is not None:
        raise DamagedFile("error.attachment_damaged", file=shown, record=record.id, detail=problem)
    return _read_nofollow(path)


def _read_nofollow(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def stored_problem(path: Path, record: Attachment):
    """What is wrong with the stored file ``path`` of ``record`` (a
    :class:`~ppks_cli.i18n.Msg`), or ``None`` when its size and SHA-256 match."""
    from ppks_cli.i18n import Msg

    try:
        st = os.lstat(path)
    except OSError:
        return Msg("attachment.missing")
    if not stat.S_ISREG(st.st_mode):
        return Msg("attachment.not_regular")
    if st.st_size != record.size:
        return Msg("attachment.size_differs", size=st.st_size, expected=record.size)
    try:
        data = _read_nofollow(path)
    except OSError as exc:
        return Msg("toml.unreadable", reason=exc.strerror or type(exc).__name__)
    if hashlib.sha256(data).hexdigest() != record.sha256:
        return Msg("attachment.sha_differs")
    return None


@dataclass
class ExportResult(Result):
    """What ``ppks attachment export`` wrote: the record, and the file written."""

    case: str
    record: Attachment
    path: Path

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case, "record": self.record.id, "file": str(self.path),
            "size": self.record.size, "sha256": self.record.sha256,
        }  # fmt: skip


def find_attachment(case: Case, ref: str) -> Attachment:
    """The attachment record of ``case`` whose ID starts with ``ref`` (any case).
    Raises :class:`NotFound` for none or several."""
    wanted = ref.strip().upper()
    found = [r for r in attachments_of(case) if wanted and r.id.startswith(wanted)]
    if len(found) != 1:
        raise NotFound("error.attachment_not_found", case=case.id, record=ref)
    return found[0]


def export_attachment(
    repo: Repository, case_ref: str, record_ref: str, dest: Path, *, force: bool = False
) -> ExportResult:
    """Write the file of the attachment ``record_ref`` of the case ``case_ref`` to
    ``dest`` (a file; an existing folder gets the original file name inside it),
    atomically and never through a symbolic link. The stored bytes are checked first.

    Raises :class:`NotFound` (unknown case or attachment), :class:`DamagedFile`
    (``error.attachment_damaged``, exit 7: missing or altered), :class:`Refused` for an
    existing ``dest`` without ``force``, and :class:`WriteFailed`."""
    from ppks_cli.tomlio import atomic_write_bytes

    case = repo.find_case(case_ref)
    record = find_attachment(case, record_ref)
    data = read_stored(repo, case.id, record)
    if dest.is_dir() and not dest.is_symlink():
        name = Path(record.original_name).name
        dest = dest / (name if name not in ("", ".", "..") else record.file)
    if (dest.exists() or dest.is_symlink()) and not force:
        raise Refused("error.export_exists", path=str(dest))
    atomic_write_bytes(dest, data)
    return ExportResult(case.id, record, dest)

"""git's index (``.git/index``) brought up to date for the files of a ppks commit, in-process.

After :mod:`ppks_cli.git.plumbing` has made a commit from HEAD's trees, git's index must
hold the files just committed, or ``git status`` would show them as changed. ``git
update-index --add -- FILE`` does that by reading the whole index and writing it again
with its checksum: at 50,000 cases the index holds 229,000 files in 30 MB, and that one
step cost 0.2 s of CPU (git's collision-detecting SHA-1 alone about 0.12 s), more than all
the rest of a note at 1,000 cases. :func:`stage` makes the same change here: the index is
mapped, not copied; the files' entries are put in their places; the tree cache is kept
right; and the result is hashed with OpenSSL's SHA-1 (about a fifth of git's time on a
CPU with SHA instructions) and written in one pass.

The format is git's (``Documentation/gitformat-index.txt``, git 2.39): the header
``DIRC``, the version and the number of entries; the entries sorted by name (bytes), each
ten 32-bit stat fields, the object ID, 16 bits of flags (assume-valid, extended, stage,
and the name's length up to 0xFFF) and the name, padded with 1 to 8 NULs to a multiple of
8 bytes; then the extensions (a 4-byte signature, a 32-bit size, the data); last, the
checksum of everything before it.

**The tree cache** (the ``TREE`` extension; ``cache-tree.c``) records, for folders whose
entries git has not changed since, the tree ID they make and how many entries they hold.
A folder on the way to a file staged here is kept valid when its recorded tree is the one
HEAD had (the index then held exactly HEAD's files there, so it now holds exactly the new
commit's): it gets the new tree's ID and its new count; a folder new in this commit is
added under such a folder, as ``git commit`` would add it. Any other folder on the way is
marked invalid (count -1, no ID), as ``git update-index`` marks it. Folders elsewhere are
left as they are.

**Racily clean entries** (``Documentation/technical/racy-git.txt``): git trusts an
entry's stat data only when the file is older than the index file; for a file as new as
the index or newer it compares the content. The index written here keeps the mtime of the
index it replaces, so git still compares every entry it would have compared before, and
the entries written here (files ppks has just written, so newer than the index) are
compared by content until git next writes the index itself.

Only a plain index is changed here. For anything else :class:`Unsupported` is raised
before anything is written, and the caller runs ``git update-index``: a system other than
POSIX (git for Windows fills stat data its own way); ``GIT_INDEX_FILE`` or
``GIT_INDEX_VERSION`` set; an index that is missing, not a plain file, or a symbolic
link; version 3 (flags of ``git add -N`` and sparse checkouts) or 4 (compressed names);
any extension but ``TREE`` (split index, untracked cache, fsmonitor, resolve-undo, sparse
index, ...); a checksum left out (``index.skipHash``); a busy ``index.lock``; a file
whose entry is not a plain stage-0 file of mode 100644 (a conflict, an assume-valid
entry, an executable kept by ``core.fileMode=false``); a file where the index has a folder
or a folder where it has a file; a file that changed after git hashed it; settings that
change how git writes its index (see :func:`ppks_cli.git.identity.commit_settings`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import mmap
import os
import re
import stat
import struct
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

SIGNATURE = b"DIRC"
HEADER_SIZE = 12
TREE_EXTENSION = b"TREE"
FILE_MODE = 0o100644
MODES = (0o100644, 0o100755, 0o120000, 0o160000)  # a file, an executable, a link, a submodule
NAME_MASK = 0xFFF  # the name's length in an entry's flags; 0xFFF: that long or longer
FLAG_BITS = 0xF000  # assume-valid, extended, stage
LONGEST_NAME = 1 << 16  # a longer name is not looked for (Linux's PATH_MAX is 4096)
WORD = 0xFFFFFFFF  # git keeps the low 32 bits of every stat field
STAT_FIELDS = struct.Struct(">10I")
FLAGS = struct.Struct(">H")
SIZE = struct.Struct(">I")


class Unsupported(Exception):
    """This index is left to ``git update-index`` (see the module's description);
    nothing has been written."""


@dataclass(frozen=True)
class StagedFile:
    """A file of the commit: ``path`` relative to the work tree's top, ``/``-separated;
    ``absolute``, its path on disk; ``oid``, its blob's binary ID; ``before``, its
    ``os.lstat`` taken before git hashed it (a file that changed since is refused)."""

    path: str
    absolute: str
    oid: bytes
    before: os.stat_result


@dataclass(frozen=True)
class Folder:
    """A folder on the way to a staged file: its tree's binary ID in HEAD (None for a
    folder new in this commit) and in the new commit."""

    old: bytes | None
    new: bytes


def stage(git_dir: str | os.PathLike[str], files: Sequence[StagedFile],
          folders: dict[str, Folder], hash_len: int) -> None:  # fmt: skip
    """Put ``files`` in the index of ``git_dir`` (added, or replacing their entries) and
    keep its tree cache right for ``folders`` (every folder on the way to a file, ``""``
    for the top, with its trees' IDs), as ``git update-index --add`` would, under git's
    ``index.lock``. ``hash_len`` is the repository's object ID length in bytes (20 for
    SHA-1, 32 for SHA-256).

    Raises :class:`Unsupported` (nothing written, ``index.lock`` not left behind) when
    the index or a file is one this module does not handle; see the module's
    description."""
    if not _plain_environment():
        raise Unsupported("an index this module does not write")
    ordered = sorted(files, key=lambda f: f.path.encode("utf-8", "surrogateescape"))
    names = [f.path.encode("utf-8", "surrogateescape") for f in ordered]
    if len(set(names)) != len(names):
        raise Unsupported("a file given twice")
    for name in names:
        _check_name(name)
    given = set(names)
    for name in names:
        folder = name
        while b"/" in folder:
            folder = folder.rpartition(b"/")[0]
            if folder in given:
                raise Unsupported("a file that is also a folder of another")
    stats = [_unchanged(f) for f in ordered]
    index = os.path.join(os.fspath(git_dir), "index")
    lock = index + ".lock"
    try:
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    except OSError as exc:  # busy (git's own message then comes from git update-index)
        raise Unsupported(f"index.lock: {exc.strerror}") from None
    try:
        try:
            old, hints = _write(fd, index, ordered, names, stats, folders, hash_len)
        finally:
            os.close(fd)
        os.utime(lock, ns=(old.st_atime_ns, old.st_mtime_ns))
        os.replace(lock, index)
    except BaseException as exc:
        try:
            os.unlink(lock)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise Unsupported(f"the index: {exc.strerror}") from None
        raise
    save_hints(os.fspath(git_dir), hints)


def _plain_environment() -> bool:
    """Whether the index is ``.git/index`` of version 2 as git writes it here: POSIX
    (git for Windows fills stat data its own way), no ``GIT_INDEX_FILE`` and no
    ``GIT_INDEX_VERSION``."""
    return os.name == "posix" and not (
        os.environ.get("GIT_INDEX_FILE") or os.environ.get("GIT_INDEX_VERSION")
    )


def _check_name(name: bytes) -> None:
    """A path git's ``verify_path`` would take (see :func:`path_git_refuses`)."""
    if path_git_refuses(name):
        raise Unsupported("a path git does not take")


def path_git_refuses(name: bytes) -> bool:
    """Whether git's ``verify_path`` could refuse the path ``name`` (``/``-separated, as
    git has it), or this module does not take it: a NUL, a backslash (git for Windows
    reads it as a separator), an empty, ``.`` or ``..`` part, or a part git reads as
    ``.git``: in any case, or as NTFS reads it (``core.protectNTFS``, git's default:
    ``git~1``, trailing dots and spaces, an ``:`` stream), or as HFS+ does
    (``core.protectHFS``: code points it ignores; every byte beyond ASCII is left out
    here, which refuses more than git, never less). ``git update-index`` skips such a
    path without failing ("Ignoring path"), ``git add`` refuses it."""
    if b"\0" in name or b"\\" in name:
        return True
    for part in name.split(b"/"):
        if part in (b"", b".", b".."):
            return True
        plain = bytes(byte for byte in part if byte < 0x80).lower()
        if plain.split(b":", 1)[0].rstrip(b". ") in (b".git", b"git~1"):
            return True
    return False


def _unchanged(file: StagedFile) -> os.stat_result:
    """The file's stat data now, which must be what it was before git hashed it."""
    try:
        now = os.lstat(file.absolute)
    except OSError:
        raise Unsupported("a file that is gone") from None
    before = file.before
    if (
        not stat.S_ISREG(now.st_mode)
        or now.st_mode & 0o111
        or (now.st_mtime_ns, now.st_ctime_ns, now.st_size, now.st_ino, now.st_dev)
        != (before.st_mtime_ns, before.st_ctime_ns, before.st_size, before.st_ino, before.st_dev)
    ):
        raise Unsupported("a file that changed while it was committed")
    return now


def _write(fd: int, index: str, files: Sequence[StagedFile], names: list[bytes],
           stats: list[os.stat_result], folders: dict[str, Folder],
           hash_len: int) -> tuple[os.stat_result, Hints]:  # fmt: skip
    """Write the new index to ``fd`` (the lock); return the old index's stat data and the
    hints for the new one."""
    with _mapped(index, hash_len) as (view, old):
        hints = load_hints(os.path.dirname(index), view, hash_len)
        rewrite = _Rewrite(view, hints, hash_len)
        parts = rewrite.pieces(files, names, stats, folders)
        checksum = _hash_and_write(fd, parts, hash_len)
        new_hints = rewrite.hints_after(checksum)
        del rewrite, parts
    return old, new_hints


@contextlib.contextmanager
def _mapped(index: str, hash_len: int) -> Iterator[tuple[memoryview, os.stat_result]]:
    """The index file ``index`` mapped read-only (not followed if a symbolic link), and
    its stat data. Raises :class:`Unsupported` for one that is missing or is not a
    plain file that can hold an index."""
    try:
        source = os.open(index, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        raise Unsupported("no index to read") from None
    try:
        info = os.fstat(source)
        if not stat.S_ISREG(info.st_mode) or info.st_size < HEADER_SIZE + hash_len:
            raise Unsupported("an index that is not a plain file")
        mapped = mmap.mmap(source, 0, access=mmap.ACCESS_READ)
    except OSError:
        raise Unsupported("an index that cannot be read") from None
    finally:
        os.close(source)
    view = memoryview(mapped)
    try:
        yield view, info
    finally:
        view.release()
        try:
            mapped.close()
        except BufferError:  # a slice still held: closed when it is collected
            pass


def _hash_and_write(fd: int, parts: list[bytes | memoryview], hash_len: int) -> bytes:
    """Write ``parts`` and, after them, their checksum (SHA-1 or SHA-256, as the
    repository's objects); return the checksum."""
    digest = (hashlib.sha1 if hash_len == 20 else hashlib.sha256)()
    for part in parts:
        digest.update(part)
    checksum = digest.digest()
    parts.append(checksum)
    for part in parts:
        done = 0
        while done < len(part):
            done += os.write(fd, part[done:])
    parts.clear()
    return checksum


# --- hints: where things are in the index ppks wrote last -------------------------------

HINTS_FILE = "ppks-dircache.json"
HINTS_VERSION = 1
HINT_EVERY = 256  # one entry (or subfolder node) in this many is remembered


@dataclass
class Hints:
    """Where things are in one index file, so that the next commit finds its places
    without reading every entry and node: ``checksum`` and ``size`` name the index
    (its trailing checksum, its length in bytes); ``entries``, where some entries start,
    the first always, ascending, then where the entries end; ``tops``, where the nodes of
    the top folder's subfolders start in the tree cache (offsets in its data) and
    ``jumps``, for a folder of many subfolders, (number, start) of some of them;
    ``tree_size``, the length of the tree cache data they describe (-1: none known).

    Derived data (``.git/ppks-dircache.json``): trusted only for the index whose checksum
    and size it names, never shared, and rebuilt by reading the index when missing."""

    checksum: bytes
    size: int
    entries: list[int]
    tops: list[int]
    jumps: dict[str, list[tuple[int, int]]]
    tree_size: int


def load_hints(git_dir: str, view: memoryview, hash_len: int) -> Hints | None:
    """The hints saved for exactly the index in ``view``, or None."""
    import json

    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK  # a FIFO: no wait
    try:
        fd = os.open(os.path.join(git_dir, HINTS_FILE), flags)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            raw = json.loads(handle.read(1 << 24))
        if raw.get("version") != HINTS_VERSION:
            return None
        hints = Hints(
            bytes.fromhex(raw["checksum"]), int(raw["size"]), [int(o) for o in raw["entries"]],
            [int(o) for o in raw["tops"]],
            {str(k): [(int(n), int(o)) for n, o in v] for k, v in raw["jumps"].items()},
            int(raw["tree_size"]),
        )  # fmt: skip
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None
    if hints.size != len(view) or hints.checksum != view[len(view) - hash_len :]:
        return None
    starts = hints.entries
    if not starts or starts[0] != HEADER_SIZE or any(b <= a for a, b in itertools.pairwise(starts)):
        return None
    if starts[-1] > len(view) - hash_len:
        return None
    return hints


def save_hints(git_dir: str, hints: Hints) -> None:
    """Save ``hints`` (best effort: a cache; written whole or not at all)."""
    import json
    import tempfile

    data = json.dumps({
        "version": HINTS_VERSION, "checksum": hints.checksum.hex(), "size": hints.size,
        "entries": hints.entries, "tops": hints.tops, "jumps": hints.jumps,
        "tree_size": hints.tree_size,
    }, separators=(",", ":")).encode()  # fmt: skip
    try:
        fd, temporary = tempfile.mkstemp(prefix="ppks-dircache-", dir=git_dir)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temporary, os.path.join(git_dir, HINTS_FILE))
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass


def remember(git_dir: str | os.PathLike[str], hash_len: int) -> bool:
    """Read the index of ``git_dir`` whole and save its hints, unless they hold already:
    called after a git command of ppks rewrote the index (a sync's merge or rebase), so
    that the next commit finds its places at once and the whole read is part of the
    sync, not of the next note (about 0.1 s at 50,000 cases). Returns whether hints for
    the index now hold. Best effort: an index this module does not handle, or any
    error, is passed over (False)."""
    if not _plain_environment():
        return False
    folder = os.fspath(git_dir)
    try:
        with _mapped(os.path.join(folder, "index"), hash_len) as (view, _info):
            if load_hints(folder, view, hash_len) is not None:
                return True
            checksum = bytes(view[len(view) - hash_len :])
            hints = _Rewrite(view, None, hash_len).hints_after(checksum)
    except (Unsupported, ValueError, OverflowError):
        return False
    save_hints(folder, hints)
    return True


def _shifted(offsets: list[int], edits: list[tuple[int, int, int]]) -> list[int]:
    """``offsets`` (ascending, each where a node or entry starts) after ``edits`` (start,
    stop, new length; ascending, not overlapping): an offset moves by every edit that
    ends at or before it (an insertion at an offset goes before what starts there)."""
    moved, delta, at = [], 0, 0
    for offset in offsets:
        while at < len(edits) and edits[at][1] <= offset:
            start, stop, length = edits[at]
            delta += length - (stop - start)
            at += 1
        moved.append(offset + delta)
    return moved


# --- the rewrite ------------------------------------------------------------------------


class _Rewrite:
    """One index rewritten: read with the hints where they hold, else whole."""

    def __init__(self, view: memoryview, hints: Hints | None, hash_len: int) -> None:
        if view[:4] != SIGNATURE:
            raise Unsupported("not an index")
        self.version, self.count = struct.unpack_from(">II", view, 4)
        if self.version != 2:
            raise Unsupported("an index of another version")
        end = len(view) - hash_len
        if not any(view[end:]):
            raise Unsupported("an index without its checksum (index.skipHash)")
        self.view, self.hash_len, self.fixed = view, hash_len, 40 + hash_len + 2
        if hints is None:
            offsets = _entry_offsets(view, self.count, self.fixed, end)
            starts = offsets.tolist()
        else:
            starts = hints.entries
        self.entries = _Entries(view, starts, self.fixed)
        self.extensions = starts[-1]
        self.tree = _extensions(view, self.extensions, end)
        self.hints = hints
        self.entry_edits: list[tuple[int, int, int]] = []
        self.tree_cache: _TreeCache | None = None
        self.total = len(view)  # the index's size (once rewritten, the new one's)

    def _tree_cache_hints(self) -> Hints:
        """The hints for the tree cache: those loaded when they are for it, else read
        from it whole."""
        tree_start, tree_end = self.tree  # type: ignore[misc]
        if self.hints is not None and self.hints.tree_size == tree_end - tree_start:
            return self.hints
        return _tree_hints(self.view, tree_start, tree_end, self.hash_len)

    def pieces(
        self, files: Sequence[StagedFile], names: list[bytes], stats: list[os.stat_result],
        folders: dict[str, Folder],
    ) -> list[bytes | memoryview]:  # fmt: skip
        """The new index, as pieces (slices of the old one and new bytes), checksum left out."""
        view, entries = self.view, self.entries
        pieces: list[bytes | memoryview] = []
        added: dict[str, int] = {}
        copied = HEADER_SIZE
        new_entries = 0
        checked: set[bytes] = set()  # folders known not to be files in the index
        for file, name, st in zip(files, names, stats, strict=True):
            _check_folders(entries, name, checked)
            start, there, stop = entries.locate(name)
            entry = _entry(st, file.oid, name, self.fixed)
            if there == name:
                flags, mode = entries.flags_and_mode(start)
                if flags & FLAG_BITS or mode != FILE_MODE or entries.name_at(stop) == name:
                    raise Unsupported("an entry that is not a plain staged file")
            else:
                stop = start
                new_entries += 1
                parent = name.decode("utf-8", "surrogateescape")
                while parent:
                    parent = parent.rpartition("/")[0]
                    added[parent] = added.get(parent, 0) + 1
            pieces.append(view[copied:start])
            pieces.append(entry)
            self.entry_edits.append((start, stop, len(entry)))
            copied = stop
        pieces.append(view[copied : self.extensions])
        header = SIGNATURE + struct.pack(">II", self.version, self.count + new_entries)
        if self.tree is not None:
            tree_start, tree_end = self.tree
            self.tree_cache = _TreeCache(view, tree_start, tree_end, folders, added,
                                         self.hash_len, self._tree_cache_hints())  # fmt: skip
            body = self.tree_cache.pieces()
            pieces.append(TREE_EXTENSION + SIZE.pack(sum(len(piece) for piece in body)))
            pieces.extend(body)
        parts = [header, *pieces]
        self.total = sum(len(part) for part in parts) + self.hash_len
        return parts

    def hints_after(self, checksum: bytes) -> Hints:
        """The hints for the index just written (with ``checksum``), or, when nothing
        was written (:func:`remember`), for the index as it is."""
        starts = self.entries.starts
        if len(starts) > 2 * (self.count // HINT_EVERY + 2):  # read whole: keep one in many
            starts = starts[:-1:HINT_EVERY] + [starts[-1]]
        entries = _shifted(starts, self.entry_edits)
        if entries[0] != HEADER_SIZE:  # an entry added first: the first still starts here
            entries.insert(0, HEADER_SIZE)
        tops: list[int] = []
        jumps: dict[str, list[tuple[int, int]]] = {}
        tree_size = -1
        cache = self.tree_cache
        if cache is not None and cache.hints is not None and "" not in cache.created_under:
            edits = [(a - cache.start, b - cache.start, len(r)) for a, b, r in cache.sorted_edits]
            tops = _shifted(cache.hints.tops, edits)
            for folder, marks in cache.hints.jumps.items():
                places = _shifted([o for _n, o in marks], edits)
                made = sorted(a - cache.start for a in cache.created_under.get(folder, []))
                jumps[folder] = [
                    (number + sum(1 for a in made if a <= old), new)
                    for (number, old), new in zip(marks, places, strict=True)
                ]  # fmt: skip
            tree_size = cache.size_after
        elif cache is None and self.tree is not None:
            found = self._tree_cache_hints()
            tops, jumps, tree_size = found.tops, found.jumps, found.tree_size
        return Hints(checksum, self.total, entries, tops, jumps, tree_size)


def _entry_offsets(view: memoryview, count: int, fixed: int, end: int) -> array:
    """Where each entry starts, and where the entries end (one offset more): every
    entry's length is read from its flags (a walk in Python; 40 ms for 229,000 entries)."""
    offsets = array("Q")
    append = offsets.append
    flag_at = fixed - 2
    step = fixed + 8
    at = HEADER_SIZE
    for _ in range(count):
        append(at)
        length = (view[at + flag_at] << 8 | view[at + flag_at + 1]) & NAME_MASK
        if length == NAME_MASK:  # a name of 4095 bytes or more: up to its NUL
            length = _long_name_length(view, at + fixed, end)
        at += (step + length) & ~7
        if at > end:
            raise Unsupported("an index that does not parse")
    append(at)
    return offsets


def _long_name_length(view: memoryview, start: int, end: int) -> int:
    tail = bytes(view[start + NAME_MASK : min(end, start + LONGEST_NAME)])
    if b"\0" not in tail:
        raise Unsupported("an index that does not parse")
    return NAME_MASK + tail.index(b"\0")


def _extensions(view: memoryview, at: int, end: int) -> tuple[int, int] | None:
    """Where the tree cache's data is, if the index has one; any other extension, or
    extensions that do not end at the checksum, raise :class:`Unsupported`."""
    tree = None
    while at < end:
        if at + 8 > end:
            raise Unsupported("an index that does not parse")
        signature = bytes(view[at : at + 4])
        stop = at + 8 + SIZE.unpack_from(view, at + 4)[0]
        if signature != TREE_EXTENSION or tree is not None or stop > end:
            raise Unsupported(f"the index extension {signature!r}")
        tree = (at + 8, stop)
        at = stop
    return tree


class _Entries:
    """The entries of a mapped index, found from ``starts``: where some entries start
    (the first always, ascending), then where the entries end. Between two starts the
    entries are read one by one."""

    def __init__(self, view: memoryview, starts: list[int], fixed: int) -> None:
        self.view, self.starts, self.fixed = view, starts, fixed
        self.end = starts[-1]

    def _length(self, at: int) -> tuple[int, int]:
        """(the name's length, where the entry ends) for the entry starting at ``at``."""
        flags = self.view[at + self.fixed - 2] << 8 | self.view[at + self.fixed - 1]
        length = flags & NAME_MASK
        if length == NAME_MASK:
            length = _long_name_length(self.view, at + self.fixed, self.end)
        stop = at + ((self.fixed + 8 + length) & ~7)
        if stop > self.end:
            raise Unsupported("an index that does not parse")
        return length, stop

    def name_at(self, at: int) -> bytes | None:
        """The name of the entry starting at ``at`` (None at the end of the entries)."""
        if at >= self.end:
            return None
        length = self._length(at)[0]
        return bytes(self.view[at + self.fixed : at + self.fixed + length])

    def remembered_name(self, at: int) -> bytes:
        """The name of the entry at a remembered start, which must look like one: a mode
        git writes, no flag of version 3, a name without NUL, then NULs to its end."""
        length, stop = self._length(at)
        flags, mode = self.flags_and_mode(at)
        name = bytes(self.view[at + self.fixed : at + self.fixed + length])
        padding = self.view[at + self.fixed + length : stop]
        if mode not in MODES or flags & 0x4000 or b"\0" in name or any(padding):
            raise Unsupported("hints that do not hold")
        return name

    def flags_and_mode(self, at: int) -> tuple[int, int]:
        mode = SIZE.unpack_from(self.view, at + 24)[0]
        return FLAGS.unpack_from(self.view, at + self.fixed - 2)[0], mode

    def locate(self, name: bytes) -> tuple[int, bytes | None, int]:
        """(where it starts, its name, where it ends) of the first entry whose name is
        ``name`` or sorts after it (git sorts names as bytes, a shorter name first);
        past the last entry: (the end of the entries, None, the same)."""
        starts = self.starts
        low, high = 0, len(starts) - 1  # starts[-1] is the end, not an entry
        while low < high:  # the last remembered start whose name sorts before ``name``
            middle = (low + high) // 2
            if self.remembered_name(starts[middle]) < name:
                low = middle + 1
            else:
                high = middle
        at = starts[low - 1] if low else starts[0]
        if at < self.end:
            self.remembered_name(at)
        while at < self.end:
            length, stop = self._length(at)
            there = bytes(self.view[at + self.fixed : at + self.fixed + length])
            if there >= name:
                return at, there, stop
            at = stop
        return self.end, None, self.end


def _check_folders(entries: _Entries, name: bytes, checked: set[bytes]) -> None:
    """A file where git has a folder (an entry ``name/...``), or a folder of ``name``
    that git has as a file, is left to git. ``checked``: folders already seen not to be
    files (the files of one commit share most of theirs)."""
    below = name + b"/"
    there = entries.locate(below)[1]
    if there is not None and there.startswith(below):
        raise Unsupported("a file where the index has a folder")
    folder = name
    while b"/" in folder:
        folder = folder.rpartition(b"/")[0]
        if folder in checked:
            break
        if entries.locate(folder)[1] == folder:
            raise Unsupported("a folder where the index has a file")
        checked.add(folder)


def _entry(st: os.stat_result, oid: bytes, name: bytes, fixed: int) -> bytes:
    """An index entry for a plain file with stat data ``st`` (git's ``fill_stat_data``:
    seconds and nanoseconds, device, inode, uid, gid and size, each cut to 32 bits)."""
    ctime, ctime_ns = divmod(st.st_ctime_ns, 1_000_000_000)
    mtime, mtime_ns = divmod(st.st_mtime_ns, 1_000_000_000)
    fields = STAT_FIELDS.pack(
        ctime & WORD, ctime_ns, mtime & WORD, mtime_ns, st.st_dev & WORD, st.st_ino & WORD,
        FILE_MODE, st.st_uid & WORD, st.st_gid & WORD, st.st_size & WORD,
    )  # fmt: skip
    length = (fixed + len(name) + 8) & ~7
    head = fields + oid + FLAGS.pack(min(len(name), NAME_MASK)) + name
    return head + b"\0" * (length - len(head))


def _last(folder: str) -> bytes:
    """The last part of ``folder``'s path, as git has it."""
    return folder.rpartition("/")[2].encode("utf-8", "surrogateescape")


def _subtree_key(name: bytes) -> tuple[int, bytes]:
    """git's order of a folder's subfolders in the tree cache: shorter names first,
    then by bytes (``subtree_name_cmp`` in ``cache-tree.c``)."""
    return len(name), name


@functools.lru_cache(maxsize=2)
def _node_pattern(hash_len: int) -> re.Pattern[bytes]:
    """A whole node of the tree cache: its name (group 1; empty for the top), a NUL, the
    count of entries (group 2; ``-1``, and then group 3, when invalid), a space, the
    count of subfolders (group 4), a newline; then, if valid, the tree's ID."""
    pattern = rb"([^\x00]*)\x00((-)1|[0-9]+) ([0-9]+)\n(?(3)|.{%d})" % hash_len
    return re.compile(pattern, re.DOTALL)


def _tree_hints(view: memoryview, start: int, end: int, hash_len: int) -> Hints:
    """Hints for the tree cache in ``view[start:end]``, read whole (about 0.3 µs a node):
    where the top folder's subfolders start, and one subfolder in :data:`HINT_EVERY` of
    every folder that has more. Raises :class:`Unsupported` for data that does not parse."""
    match = _node_pattern(hash_len).match
    tops: list[int] = []
    jumps: dict[str, list[tuple[int, int]]] = {}

    def parsed(at: int) -> re.Match[bytes]:
        found = match(view, at, end)
        if found is None:
            raise Unsupported("a tree cache that does not parse")
        return found

    def read(found: re.Match[bytes], path: str, depth: int) -> int:
        """The end of the subtree of the node ``found``, its hints noted."""
        subfolders = int(found.group(4))
        marks = jumps.setdefault(path, []) if subfolders >= HINT_EVERY else None
        at = found.end()
        for number in range(subfolders):
            if depth == 0:
                tops.append(at - start)
            if marks is not None and number % HINT_EVERY == 0:
                marks.append((number, at - start))
            child = parsed(at)
            below = child.group(4)
            if depth == 0 or int(below) >= HINT_EVERY:
                name = child.group(1).decode("utf-8", "surrogateescape")
                at = read(child, f"{path}/{name}" if path else name, depth + 1)
                continue
            at = child.end()
            waiting = int(below)
            while waiting:  # a small subtree: counted through
                inner = parsed(at)
                at = inner.end()
                count = inner.group(4)
                waiting += (0 if count == b"0" else int(count)) - 1
        return at

    if read(parsed(start), "", 0) != end:
        raise Unsupported("a tree cache that does not parse")
    return Hints(b"", 0, [], tops, jumps, end - start)


class _TreeCache:
    """The tree cache's data with the folders on the way to the staged files brought up
    to date (see the module's description). Only the nodes on the way are read, with the
    hints to jump over the folders before them; the rest is copied as it is."""

    def __init__(self, view: memoryview, start: int, end: int, folders: dict[str, Folder],
                 added: dict[str, int], hash_len: int, hints: Hints | None) -> None:  # fmt: skip
        self.view, self.start, self.end = view, start, end
        self.folders, self.added, self.hash_len = folders, added, hash_len
        self.hints = hints
        self.children: dict[str, list[str]] = {}
        for folder in folders:
            if folder:
                self.children.setdefault(folder.rpartition("/")[0], []).append(folder)
        self.edits: list[tuple[int, int, bytes]] = []
        self.created_under: dict[str, list[int]] = {}  # folder → where subfolders were added
        self.node = _node_pattern(hash_len)
        self.ends: dict[int, int] = {}  # a top subfolder's node → the end of its subtree
        self.jumps: dict[str, list[tuple[int, int]]] = {}
        if hints is not None:
            tops = [start + o for o in hints.tops] + [end]
            self.ends = dict(itertools.pairwise(tops))
            self.jumps = {k: [(n, start + o) for n, o in v] for k, v in hints.jumps.items()}
        self.sorted_edits: list[tuple[int, int, bytes]] = []
        self.size_after = 0

    def pieces(self) -> list[bytes | memoryview]:
        if "" not in self.folders:
            raise Unsupported("no top folder")
        self._visit(self.start, "", need_end=False)
        self.sorted_edits = sorted(self.edits, key=lambda e: (e[0], e[1]))
        pieces: list[bytes | memoryview] = []
        copied = self.start
        for start, stop, replacement in self.sorted_edits:
            pieces.append(self.view[copied:start])
            pieces.append(replacement)
            copied = stop
        pieces.append(self.view[copied : self.end])
        self.size_after = sum(len(piece) for piece in pieces)
        return pieces

    def _node(self, at: int) -> tuple[bytes, int, int, int, int]:
        """(name, entry count, subfolder count, end of the counts' line, end of the node)."""
        found = self._child(at)
        line_end = found.end(4) + 1
        return found.group(1), int(found.group(2)), int(found.group(4)), line_end, found.end()

    def _child(self, at: int) -> re.Match[bytes]:
        found = self.node.match(self.view, at, self.end)
        if found is None:
            raise Unsupported("a tree cache that does not parse")
        return found

    def _skip(self, at: int, subfolders: int) -> int:
        """The end of the ``subfolders`` subtrees that start at ``at`` (the nodes below
        a node, in git's order: each node, then the nodes below it). Read with one
        regular expression over the data: 0.3 µs a node."""
        if not subfolders:
            return at
        for found in self.node.finditer(self.view, at, self.end):
            if found.start() != at:
                raise Unsupported("a tree cache that does not parse")
            at = found.end()
            subfolders += int(found.group(4)) - 1
            if not subfolders:
                return at
        raise Unsupported("a tree cache that does not parse")

    def _jump(self, folder: str, number: int, target: tuple[int, bytes]) -> tuple[int, int] | None:
        """The last remembered subfolder of ``folder`` after the ``number``-th whose name
        sorts at or before ``target``: (its number, where it starts), or None."""
        marks = [m for m in self.jumps.get(folder, ()) if m[0] > number]
        low, high = 0, len(marks)
        while low < high:
            middle = (low + high) // 2
            if _subtree_key(self._child(marks[middle][1]).group(1)) <= target:
                low = middle + 1
            else:
                high = middle
        return marks[low - 1] if low else None

    def _visit(self, at: int, folder: str, need_end: bool) -> int:
        """Bring the node of ``folder`` at ``at`` up to date; return where its subtree
        ends when ``need_end`` (or when a subfolder after it must be reached), else -1."""
        name, count, subfolders, line_end, node_end = self._node(at)
        info = self.folders[folder]
        synced = count >= 0 and info.old is not None and self.view[line_end:node_end] == info.old
        wanted = {_last(child): child for child in self.children.get(folder, [])}
        new = sorted(
            (key for key, child in wanted.items() if self.folders[child].old is None),
            key=_subtree_key,
        ) if synced else []  # fmt: skip
        existing = {key: child for key, child in wanted.items() if key not in new}
        if synced:
            header = b"%s\0%d %d\n%s" % (name, count + self.added.get(folder, 0),
                                         subfolders + len(new), info.new)  # fmt: skip
        else:
            header = b"%s\0-1 %d\n" % (name, subfolders + len(new))
        self.edits.append((at, node_end, header))
        position, number = node_end, 0
        while number < subfolders:
            if not (new or existing):
                if not need_end:
                    return -1
                if at in self.ends:
                    return self.ends[at]
            elif folder in self.jumps:
                target = min([_subtree_key(k) for k in new] + [_subtree_key(k) for k in existing])
                mark = self._jump(folder, number, target)
                if mark is not None:
                    number, position = mark
            found = self._child(position)
            child_name = found.group(1)
            while new and _subtree_key(new[0]) < _subtree_key(child_name):
                self._create(folder, position, new.pop(0), wanted)
            if new and new[0] == child_name:
                raise Unsupported("a tree cache with a folder HEAD does not have")
            child = existing.pop(child_name, None)
            if child is None:
                position = self.ends.get(position) or self._skip(found.end(), int(found.group(4)))
            else:
                position = self._visit(position, child, need_end=bool(new or existing or need_end))
            number += 1
        for key in new:
            self._create(folder, position, key, wanted)
        return position

    def _create(self, folder: str, position: int, key: bytes, wanted: dict[bytes, str]) -> None:
        self.edits.append((position, position, self._created(wanted[key])))
        self.created_under.setdefault(folder, []).append(position)

    def _created(self, folder: str) -> bytes:
        """The nodes of a folder new in this commit and of its subfolders (all new)."""
        kids = sorted(self.children.get(folder, []), key=lambda c: _subtree_key(_last(c)))
        head = b"%s\0%d %d\n%s" % (_last(folder), self.added.get(folder, 0), len(kids),
                                   self.folders[folder].new)  # fmt: skip
        return head + b"".join(self._created(kid) for kid in kids)

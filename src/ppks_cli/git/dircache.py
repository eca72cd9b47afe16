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

import hashlib
import mmap
import os
import re
import stat
import struct
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

SIGNATURE = b"DIRC"
HEADER_SIZE = 12
TREE_EXTENSION = b"TREE"
FILE_MODE = 0o100644
NAME_MASK = 0xFFF  # the name's length in an entry's flags; 0xFFF: that long or longer
FLAG_BITS = 0xF000  # assume-valid, extended, stage
LONGEST_NAME = 1 << 16  # a longer name is not looked for (Linux's PATH_MAX is 4096)
WORD = 0xFFFFFFFF  # git keeps the low 32 bits of every stat field
STAT_FIELDS = struct.Struct(">10I")
FLAGS = struct.Struct(">H")
SIZE = struct.Struct(">I")
# a node of the tree cache: its name (empty for the top), a NUL, the count of entries
# (-1: invalid), a space, the count of subfolders, a newline; then, if valid, the tree ID
_NODE = re.compile(rb"([^\x00]*)\x00(-1|[0-9]+) ([0-9]+)\n")


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
    if (
        os.name != "posix"
        or os.environ.get("GIT_INDEX_FILE")
        or os.environ.get("GIT_INDEX_VERSION")
    ):
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
            old = _write(fd, index, ordered, names, stats, folders, hash_len)
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


def _check_name(name: bytes) -> None:
    """A path git's ``verify_path`` would take: no empty, ``.``, ``..`` or ``.git``
    part (any case), no NUL, no backslash (git for Windows reads it as a separator)."""
    if b"\0" in name or b"\\" in name:
        raise Unsupported("a path git does not take")
    for part in name.split(b"/"):
        if part in (b"", b".", b"..") or part.lower() == b".git":
            raise Unsupported("a path git does not take")


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
           hash_len: int) -> os.stat_result:  # fmt: skip
    """Write the new index to ``fd`` (the lock); return the old index's stat data."""
    try:
        source = os.open(index, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        raise Unsupported("no index to read") from None
    try:
        old = os.fstat(source)
        if not stat.S_ISREG(old.st_mode) or old.st_size < HEADER_SIZE + hash_len:
            raise Unsupported("an index that is not a plain file")
        mapped = mmap.mmap(source, 0, access=mmap.ACCESS_READ)
    finally:
        os.close(source)
    view = memoryview(mapped)
    try:
        _hash_and_write(fd, _updated(view, files, names, stats, folders, hash_len), hash_len)
    finally:
        view.release()
        try:
            mapped.close()
        except BufferError:  # a slice still held: closed when it is collected
            pass
    return old


def _hash_and_write(fd: int, parts: list[bytes | memoryview], hash_len: int) -> None:
    """Write ``parts`` and, after them, their checksum (SHA-1 or SHA-256, as the
    repository's objects)."""
    digest = (hashlib.sha1 if hash_len == 20 else hashlib.sha256)()
    for part in parts:
        digest.update(part)
    parts.append(digest.digest())
    for part in parts:
        done = 0
        while done < len(part):
            done += os.write(fd, part[done:])
    parts.clear()


def _updated(view: memoryview, files: Sequence[StagedFile], names: list[bytes],
             stats: list[os.stat_result], folders: dict[str, Folder],
             hash_len: int) -> list[bytes | memoryview]:  # fmt: skip
    """The new index, as pieces (slices of the old one and new bytes), checksum left out."""
    if view[:4] != SIGNATURE:
        raise Unsupported("not an index")
    version, count = struct.unpack_from(">II", view, 4)
    if version != 2:
        raise Unsupported("an index of another version")
    end = len(view) - hash_len
    if not any(view[end:]):
        raise Unsupported("an index without its checksum (index.skipHash)")
    fixed = 40 + hash_len + 2  # stat data, the ID, the flags: where the name starts
    offsets = _entry_offsets(view, count, fixed, end)
    extensions = offsets[-1]
    tree = _extensions(view, extensions, end)
    entries = _Entries(view, offsets, fixed)

    pieces: list[bytes | memoryview] = []
    added: dict[str, int] = {}
    copied = HEADER_SIZE
    new_entries = 0
    for file, name, st in zip(files, names, stats, strict=True):
        _check_folders(entries, name)
        at = entries.position(name)
        entry = _entry(st, file.oid, name, fixed)
        if at < count and entries.name(at) == name:
            flags, mode = entries.flags_and_mode(at)
            if (
                flags & FLAG_BITS
                or mode != FILE_MODE
                or (at + 1 < count and entries.name(at + 1) == name)  # another stage
            ):
                raise Unsupported("an entry that is not a plain staged file")
            start, stop = offsets[at], offsets[at + 1]
        else:
            start = stop = offsets[at]
            new_entries += 1
            parent = name.decode("utf-8", "surrogateescape")
            while parent:
                parent = parent.rpartition("/")[0]
                added[parent] = added.get(parent, 0) + 1
        pieces.append(view[copied:start])
        pieces.append(entry)
        copied = stop
    pieces.append(view[copied:extensions])
    header = SIGNATURE + struct.pack(">II", version, count + new_entries)
    if tree is not None:
        tree_start, tree_end = tree
        body = _TreeCache(view, tree_start, tree_end, folders, added, hash_len).pieces()
        size = sum(len(piece) for piece in body)
        pieces.append(TREE_EXTENSION + SIZE.pack(size))
        pieces.extend(body)
    return [header, *pieces]


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
            tail = bytes(view[at + fixed + NAME_MASK : min(end, at + fixed + LONGEST_NAME)])
            if b"\0" not in tail:
                raise Unsupported("an index that does not parse")
            length = NAME_MASK + tail.index(b"\0")
        at += (step + length) & ~7
        if at > end:
            raise Unsupported("an index that does not parse")
    append(at)
    return offsets


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
    """The entries of a mapped index, read by position (sorted by name)."""

    def __init__(self, view: memoryview, offsets: array, fixed: int) -> None:
        self.view, self.offsets, self.fixed = view, offsets, fixed
        self.count = len(offsets) - 1

    def name(self, at: int) -> bytes:
        start = self.offsets[at] + self.fixed
        raw = bytes(self.view[start : self.offsets[at + 1]])
        return raw[: raw.index(b"\0")]

    def flags_and_mode(self, at: int) -> tuple[int, int]:
        offset = self.offsets[at]
        mode = SIZE.unpack_from(self.view, offset + 24)[0]
        return FLAGS.unpack_from(self.view, offset + self.fixed - 2)[0], mode

    def position(self, name: bytes) -> int:
        """The first entry whose name is ``name`` or sorts after it (git sorts names as
        bytes, a shorter name first)."""
        low, high = 0, self.count
        while low < high:
            middle = (low + high) // 2
            if self.name(middle) < name:
                low = middle + 1
            else:
                high = middle
        return low


def _check_folders(entries: _Entries, name: bytes) -> None:
    """A file where git has a folder (an entry ``name/...``), or a folder of ``name``
    that git has as a file, is left to git."""
    below = name + b"/"
    at = entries.position(below)
    if at < entries.count and entries.name(at).startswith(below):
        raise Unsupported("a file where the index has a folder")
    folder = name
    while b"/" in folder:
        folder = folder.rpartition(b"/")[0]
        at = entries.position(folder)
        if at < entries.count and entries.name(at) == folder:
            raise Unsupported("a folder where the index has a file")


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


class _TreeCache:
    """The tree cache's data with the folders on the way to the staged files brought up
    to date (see the module's description). Only the nodes on the way are read, and the
    subfolders before them skipped; the rest is copied as it is."""

    def __init__(self, view: memoryview, start: int, end: int, folders: dict[str, Folder],
                 added: dict[str, int], hash_len: int) -> None:  # fmt: skip
        self.view, self.start, self.end = view, start, end
        self.folders, self.added, self.hash_len = folders, added, hash_len
        self.children: dict[str, list[str]] = {}
        for folder in folders:
            if folder:
                self.children.setdefault(folder.rpartition("/")[0], []).append(folder)
        self.edits: list[tuple[int, int, bytes]] = []
        # a whole node, the ID included when its count is not -1; group 1 or 2 is the
        # number of its subfolders
        self.any_node = re.compile(
            rb"([^\x00]*)\x00(?:-1 ([0-9]+)\n|[0-9]+ ([0-9]+)\n.{%d})" % hash_len, re.DOTALL
        )

    def pieces(self) -> list[bytes | memoryview]:
        if "" not in self.folders:
            raise Unsupported("no top folder")
        self._visit(self.start, "", need_end=False)
        pieces: list[bytes | memoryview] = []
        copied = self.start
        for start, stop, replacement in sorted(self.edits, key=lambda e: (e[0], e[1])):
            pieces.append(self.view[copied:start])
            pieces.append(replacement)
            copied = stop
        pieces.append(self.view[copied : self.end])
        return pieces

    def _node(self, at: int) -> tuple[bytes, int, int, int, int]:
        """(name, entry count, subfolder count, end of the counts' line, end of the node)."""
        found = _NODE.match(self.view, at, self.end)
        if found is None:
            raise Unsupported("a tree cache that does not parse")
        count = int(found.group(2))
        stop = found.end() + (self.hash_len if count >= 0 else 0)
        if stop > self.end:
            raise Unsupported("a tree cache that does not parse")
        return found.group(1), count, int(found.group(3)), found.end(), stop

    def _skip(self, at: int, subfolders: int) -> int:
        """The end of the ``subfolders`` subtrees that start at ``at`` (the nodes below
        a node, in git's order: each node, then the nodes below it). Read with one
        regular expression over the data: 0.3 µs a node (the ``cases/`` folder of 50,000
        cases has about 100,000)."""
        if not subfolders:
            return at
        for found in self.any_node.finditer(self.view, at, self.end):
            if found.start() != at:
                raise Unsupported("a tree cache that does not parse")
            at = found.end()
            subfolders += int(found.group(2) or found.group(3)) - 1
            if not subfolders:
                return at
        if subfolders:
            raise Unsupported("a tree cache that does not parse")
        return at

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
        position = node_end
        for _ in range(subfolders):
            if not (new or existing or need_end):
                return -1
            found = self.any_node.match(self.view, position, self.end)
            if found is None:
                raise Unsupported("a tree cache that does not parse")
            child_name = found.group(1)
            while new and _subtree_key(new[0]) < _subtree_key(child_name):
                self.edits.append((position, position, self._created(wanted[new.pop(0)])))
            if new and new[0] == child_name:
                raise Unsupported("a tree cache with a folder HEAD does not have")
            child = existing.pop(child_name, None)
            if child is None:
                position = self._skip(found.end(), int(found.group(2) or found.group(3)))
            else:
                position = self._visit(position, child, need_end=bool(new or existing or need_end))
        for key in new:
            self.edits.append((position, position, self._created(wanted[key])))
        return position

    def _created(self, folder: str) -> bytes:
        """The nodes of a folder new in this commit and of its subfolders (all new)."""
        kids = sorted(self.children.get(folder, []), key=lambda c: _subtree_key(_last(c)))
        name = _last(folder)
        head = b"%s\0%d %d\n%s" % (name, self.added.get(folder, 0), len(kids),
                                   self.folders[folder].new)  # fmt: skip
        return head + b"".join(self._created(kid) for kid in kids)

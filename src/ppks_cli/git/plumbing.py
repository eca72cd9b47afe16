"""A commit of exactly the files ppks wrote, made from HEAD's trees without git's index.

``git commit --only -- FILE`` builds a temporary index from HEAD and refreshes it: at
50,000 cases that took over half a minute. A plain ``git commit`` of the staged file
still looks at every file of the work tree (a quarter of a million ``lstat`` calls).
Yet a commit that adds one record changes only the trees on the file's way up
(``records/``, the case folder, ``cases/``, the root): this module reads those trees
from HEAD, puts the new blobs in, writes the new trees, and makes the commit with
git's plumbing:

1. ``git hash-object -w -- FILE...``: the blobs, through git's filters (``.gitattributes``);
2. ``git cat-file --batch``: HEAD and the trees on the way to each file, in one process;
3. the new trees are built here (git's tree format: ``MODE NAME\\0`` and the binary
   object ID, sorted as git sorts them) and written as loose objects, stored without
   compression (:func:`store_loose`; ``git hash-object -w -t tree --stdin-paths`` where
   a setting decides how objects are written, and the IDs git gives must be the ones
   computed here);
4. the files are staged (the index then agrees with the new commit; nothing else in it
   changes): in-process by :func:`ppks_cli.git.dircache.stage` where it can, else by
   ``git update-index --add -- FILE...``;
5. ``git commit-tree`` and ``git update-ref HEAD NEW OLD``: the commit, and the branch
   moved only if it still points where it did (another git that committed meanwhile
   makes it fail; the caller then commits the usual way).

The commit holds HEAD's tree with these files changed and nothing else: what the user
staged besides stays staged and out of it, as with ``--only``. Whatever this cannot do
exactly as ``git commit`` would raises :class:`Unsupported` before anything is changed,
and the caller uses ``git commit``: a repository without a first commit, a commit hook
(``pre-commit``, ``prepare-commit-msg``, ``commit-msg``, ``post-commit``: the README
promises they are respected), ``commit.gpgSign``, a path that is not a plain file
(a folder, a link, an executable), a path git cannot be given on one line, a path
that is not UTF-8 or that git refuses (``.GIT``, ``git~1``: see
:func:`ppks_cli.git.dircache.path_git_refuses`), a tree that is not what HEAD should
hold (a file where a folder should be).
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ppks_cli.git import dircache
from ppks_cli.git.runner import run

COMMIT_HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit")
TREE_MODE = b"40000"
FILE_MODE = b"100644"


class Unsupported(Exception):
    """This commit is left to ``git commit`` (see the module's description)."""


class Failed(Exception):
    """A git step failed after the checks (an ``index.lock`` that is busy, a branch
    that moved): ``lines`` are what git said, ``step`` the git command."""

    def __init__(self, output: bytes, step: str) -> None:
        self.lines = output.decode("utf-8", "replace").strip().splitlines()
        super().__init__(next((line for line in self.lines if line.strip()), ""))
        self.step = step


@dataclass(frozen=True)
class Settings:
    """What decides whether the plumbing may commit: git's hooks folder
    (``core.hooksPath``, as configured) and ``commit.gpgSign``; and whether git's index
    and its objects may be written in-process (``plain_writes``: see
    :mod:`ppks_cli.git.dircache` and :func:`store_loose`)."""

    hooks_path: str | None = None
    gpg_sign: bool = False
    plain_writes: bool = True  # no setting changes how git writes its index and objects


def common_dir(git_dir: Path) -> Path:
    """The folder a linked work tree shares with the main one (hooks, objects, refs):
    ``git_dir`` itself, or where its ``commondir`` file points."""
    try:
        pointer = (git_dir / "commondir").read_text(encoding="utf-8").strip()
    except OSError:
        return git_dir
    found = Path(pointer)
    return found if found.is_absolute() else (git_dir / found).resolve()


def has_commit_hook(top: Path, git_dir: Path, settings: Settings) -> bool:
    """Whether ``git commit`` would run a hook of :data:`COMMIT_HOOKS` (an executable
    file in ``core.hooksPath``, relative to ``top``, or in the hooks folder)."""
    if settings.hooks_path:
        folder = Path(os.path.expanduser(settings.hooks_path))
        folder = folder if folder.is_absolute() else top / folder
    else:
        folder = common_dir(git_dir) / "hooks"
    for name in COMMIT_HOOKS:
        hook = folder / name
        if hook.is_file() and os.access(hook, os.X_OK):
            return True
    return False


def _tree_key(name: bytes, mode: bytes) -> bytes:
    """git's order of tree entries: a folder sorts as if its name ended in ``/``."""
    return name + b"/" if mode == TREE_MODE else name


MODES = (TREE_MODE, FILE_MODE, b"100755", b"120000", b"160000")


def _find(raw: bytes, name: bytes, hash_len: int) -> int:
    """Where the entry called ``name`` starts in the raw tree ``raw``, or -1. The name is
    searched as `` NAME\0`` and must follow a mode that starts the tree or follows the
    NUL and ID of the entry before (an ID's bytes could spell anything)."""
    mark = b" " + name + b"\0"
    at = raw.find(mark)
    while at != -1:
        for mode in MODES:
            start = at - len(mode)
            if (
                start >= 0
                and raw[start:at] == mode
                and (start == 0 or (start > hash_len and raw[start - hash_len - 1] == 0))
            ):
                return start
        at = raw.find(mark, at + 1)
    return -1


# below this many bytes the entries between two known ones are read one by one
BISECT_BYTES = 4096


def _entry_at(raw: bytes, at: int, hash_len: int) -> tuple[bytes, bytes, int] | None:
    """The (mode, name, end) of an entry starting at ``at`` if one can start there (a
    mode git writes, a space, a name without ``/``, a NUL and a whole ID), else None."""
    space = raw.find(b" ", at, at + 7)
    if space < 0 or raw[at:space] not in MODES:
        return None
    nul = raw.find(b"\0", space + 1)
    end = nul + 1 + hash_len
    if nul <= space + 1 or end > len(raw) or b"/" in raw[space + 1 : nul]:
        return None
    return raw[at:space], raw[space + 1 : nul], end


def _boundary_after(raw: bytes, start: int, stop: int, hash_len: int) -> int:
    """An offset in (``start``, ``stop``) where an entry of the tree starts, or ``stop``.
    An entry starts ``hash_len + 1`` bytes after a NUL (the end of the name before it,
    then its ID); a NUL inside an ID makes a false start, which is told apart by reading
    entries on from it: a false start would have to spell two entries in a row. A name
    may spell one (``a100644 b``, after an ID with a NUL at the right byte), so the
    offset given is the end of the first entry read: a false start inside a name ends
    where that name's entry ends (a name holds no NUL)."""
    at = raw.find(b"\0", max(start - hash_len - 1, 0))
    while at != -1:
        candidate = at + hash_len + 1
        if candidate >= stop:
            return stop
        if candidate >= start:
            first = _entry_at(raw, candidate, hash_len)
            if first is not None and (
                first[2] == len(raw) or _entry_at(raw, first[2], hash_len) is not None
            ):
                return min(first[2], stop)
        at = raw.find(b"\0", at + 1)
    return stop


def _insertion_point(raw: bytes, name: bytes, mode: bytes, hash_len: int) -> int:
    """Where a new entry ``name`` of ``mode`` goes in the raw tree ``raw``, in git's
    order (:func:`_tree_key`): bisection over the bytes (the ``cases/``
    tree of 50,000 folders is 1.8 MB; reading every entry took 0.05–0.1 s), then the
    last few entries one by one. Raises :class:`Unsupported` for a tree that does not
    parse there or holds the name already."""
    key = _tree_key(name, mode)
    low, high = 0, len(raw)  # entry starts; every entry before low sorts before key
    while high - low > BISECT_BYTES:
        middle = _boundary_after(raw, (low + high) // 2, high, hash_len)
        if middle >= high:
            break
        there_mode, there, end = _entry_at(raw, middle, hash_len)  # type: ignore[misc]
        found = _tree_key(there, there_mode)
        if there == name:
            raise Unsupported("an entry not found where it is")
        if found < key:
            low = end
        else:
            high = middle
    at = low
    while at < high:
        entry = _entry_at(raw, at, hash_len)
        if entry is None:
            raise Unsupported("a tree that does not parse")
        there_mode, there, end = entry
        if there == name:
            raise Unsupported("an entry not found where it is")
        if _tree_key(there, there_mode) > key:
            return at
        at = end
    return at


def _entry(mode: bytes, name: bytes, oid: bytes) -> bytes:
    return mode + b" " + name + b"\0" + oid


def patch_tree(raw: bytes, changes: dict[bytes, tuple[bytes, bytes]], hash_len: int) -> bytes:
    """``raw`` (a tree as git stores it) with the entries of ``changes`` (name → (mode,
    binary ID)) replaced or added, in git's order. A large tree (``cases/`` of 50,000
    folders) is not parsed: an entry replaced is found by its name and replaced in place,
    a name added is placed by bisection (:func:`_insertion_point`). Raises
    :class:`Unsupported` for a name git cannot hold, a file that would replace a folder
    (or the reverse) and a tree that does not parse."""
    for name, (mode, oid) in changes.items():
        if b"/" in name or b"\0" in name or name in (b"", b".", b"..", b".git"):
            raise Unsupported("a name git cannot hold")
        start = _find(raw, name, hash_len)
        if start >= 0:
            space = raw.index(b" ", start)
            old = raw[start:space]
            if old == b"160000" or (old == TREE_MODE) != (mode == TREE_MODE):
                raise Unsupported("a file where a folder is, or a folder where a file is")
            end = space + len(name) + 2 + hash_len
            raw = raw[:start] + _entry(mode, name, oid) + raw[end:]
            continue
        at = _insertion_point(raw, name, mode, hash_len)
        raw = raw[:at] + _entry(mode, name, oid) + raw[at:]
    return raw


def object_id(kind: str, raw: bytes, hash_len: int) -> bytes:
    """The binary ID git gives an object of ``kind`` with content ``raw``."""
    algorithm = hashlib.sha1 if hash_len == 20 else hashlib.sha256
    return algorithm(kind.encode() + b" %d\0" % len(raw) + raw).digest()


def _batch(root: Path, requests: list[str]) -> list[tuple[str, str, bytes] | None]:
    """``git cat-file --batch`` of ``requests``: (ID, type, content) or None (missing)."""
    done = run(root, "cat-file", "--batch", input="".join(f"{r}\n" for r in requests).encode())
    out = done.stdout
    found: list[tuple[str, str, bytes] | None] = []
    pos = 0
    for _request in requests:
        line_end = out.index(b"\n", pos)
        head = out[pos:line_end].decode("utf-8", "replace").split(" ")
        pos = line_end + 1
        if len(head) == 3 and head[2].isdigit():
            size = int(head[2])
            found.append((head[0], head[1], out[pos : pos + size]))
            pos += size + 1
        else:  # "<request> missing" (or ambiguous)
            found.append(None)
    return found


def commit_files(
    root: Path, top: Path, git_dir: Path, files: Sequence[Path], message: str,
    env: dict[str, str], settings: Settings,
) -> tuple[str, str] | None:  # fmt: skip
    """Commit exactly ``files`` (absolute paths under the work tree ``top``; git is run
    in ``root``) on the branch checked out, with ``message`` and the identity in ``env``.
    Returns the new commit's ID and its parent's, or None when the files are as HEAD has
    them (nothing to commit; they are staged all the same). Raises :class:`Unsupported` (nothing
    changed yet: commit the usual way) or :class:`Failed` (git refused a step; the
    files may be left staged)."""
    if settings.gpg_sign:
        raise Unsupported("commit.gpgSign")
    if has_commit_hook(top, git_dir, settings):
        raise Unsupported("a commit hook")
    top_real = os.path.realpath(top)
    rel_top: list[str] = []
    befores: list[os.stat_result] = []
    for path in files:
        try:
            st = os.lstat(path)
        except OSError:
            raise Unsupported("a file that is gone") from None
        if not stat.S_ISREG(st.st_mode) or st.st_mode & 0o111:
            raise Unsupported("not a plain file")
        befores.append(st)
        real = os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
        rel = os.path.relpath(real, top_real).replace(os.sep, "/")
        if rel.startswith("../") or rel == ".." or any(c in rel for c in "\n\r\0"):
            raise Unsupported("a path git is not given on one line")
        try:
            encoded = rel.encode("utf-8")
        except UnicodeEncodeError:  # a name that is not UTF-8 on disk
            raise Unsupported("a path that is not UTF-8") from None
        if dircache.path_git_refuses(encoded):  # git add refuses it; update-index skips it
            raise Unsupported("a path git does not take")
        rel_top.append(rel)
    # every folder on the way to a file, the top ("") first
    folders = {"/".join(p.split("/")[:depth]) for p in rel_top for depth in range(p.count("/") + 1)}
    folders = sorted(folders, key=lambda d: (_depth(d), d))
    requests = ["HEAD"] + [f"HEAD:{d}" if d else "HEAD^{tree}" for d in folders]
    answers = _batch(root, requests)
    head = answers[0]
    if head is None or head[1] != "commit":
        raise Unsupported("no first commit yet")
    head_id = head[0]
    hash_len = len(head_id) // 2
    trees: dict[str, bytes] = {}
    old_ids: dict[str, bytes | None] = {}
    for folder, answer in zip(folders, answers[1:], strict=True):
        if answer is None:
            if not folder:
                raise Unsupported("HEAD without a tree")
            trees[folder] = b""  # a new folder (a new case)
            old_ids[folder] = None
        elif answer[1] != "tree":
            raise Unsupported("a file where a folder should be")
        else:
            trees[folder] = answer[2]
            old_ids[folder] = bytes.fromhex(answer[0])
    root_tree = head[2].split(b"\n", 1)[0]
    if not root_tree.startswith(b"tree "):
        raise Unsupported("a commit that does not parse")
    listed = [os.fspath(p) for p in files]
    blobs = run(root, "hash-object", "-w", "--", *listed).stdout.decode().split()
    if len(blobs) != len(files):
        raise Unsupported("git hashed another number of files")
    changes: dict[str, dict[bytes, tuple[bytes, bytes]]] = {d: {} for d in folders}
    for rel, blob in zip(rel_top, blobs, strict=True):
        parent, _, name = rel.rpartition("/")
        changes[parent][name.encode()] = (FILE_MODE, bytes.fromhex(blob))
    written: dict[str, bytes] = {}  # hex ID → content, the trees to write
    new_root = b""
    chain: dict[str, dircache.Folder] = {}
    for folder in sorted(folders, key=lambda d: (-_depth(d), d)):  # deepest first
        raw = patch_tree(trees[folder], changes[folder], hash_len)
        oid = object_id("tree", raw, hash_len)
        chain[folder] = dircache.Folder(old_ids[folder], oid)
        if raw != trees[folder]:
            written[oid.hex()] = raw
        if folder:
            parent, _, name = folder.rpartition("/")
            changes[parent][name.encode()] = (TREE_MODE, oid)
        else:
            new_root = oid
    staged = [
        dircache.StagedFile(rel, path, bytes.fromhex(blob), before)
        for rel, path, blob, before in zip(rel_top, listed, blobs, befores, strict=True)
    ]
    if new_root.hex() == root_tree[5:].decode():
        _stage(root, git_dir, staged, chain, hash_len, settings)
        return None
    _write_trees(root, git_dir, written, settings)
    _stage(root, git_dir, staged, chain, hash_len, settings)
    made = run(root, "commit-tree", new_root.hex(), "-p", head_id, "-m", message, env=env,
               check=False)  # fmt: skip
    if made.returncode != 0:
        raise Failed(made.stderr, "commit-tree")
    commit = made.stdout.decode().strip()
    subject = message.splitlines()[0] if message else ""
    moved = run(root, "update-ref", "-m", f"commit: {subject}", "HEAD", commit, head_id,
                check=False)  # fmt: skip
    if moved.returncode != 0:
        raise Failed(moved.stderr, "update-ref")
    return commit, head_id


def _depth(folder: str) -> int:
    """How deep ``folder`` (relative to the top, "" for the top itself) lies."""
    return folder.count("/") + 1 if folder else 0


def _stage(
    root: Path, git_dir: Path, files: list[dircache.StagedFile],
    folders: dict[str, dircache.Folder], hash_len: int, settings: Settings,
) -> None:  # fmt: skip
    """Stage the files, so that the index agrees with the commit: in-process
    (:func:`ppks_cli.git.dircache.stage`), or where that cannot be done exactly,
    ``git update-index --add``."""
    if settings.plain_writes:
        try:
            dircache.stage(git_dir, files, folders, hash_len)
            return
        except dircache.Unsupported:
            pass
    listed = [f.absolute for f in files]
    staged = run(root, "update-index", "--add", "--", *listed, check=False)
    if staged.returncode != 0:
        raise Failed(staged.stderr, "update-index")


def _write_trees(root: Path, git_dir: Path, trees: dict[str, bytes],
                 settings: Settings) -> None:  # fmt: skip
    """Write the trees (hex ID → content) into git's object store: as loose objects
    written here (:func:`store_loose`), or where a setting or the environment decides how
    objects are written (``core.sharedRepository``, ``GIT_OBJECT_DIRECTORY``), or writing
    fails, with one ``git hash-object``, whose IDs must be the ones computed here."""
    if not trees:
        return
    if settings.plain_writes and not os.environ.get("GIT_OBJECT_DIRECTORY"):
        try:
            store_loose(common_dir(git_dir) / "objects", "tree", trees)
            return
        except OSError:
            pass
    with tempfile.TemporaryDirectory(prefix="ppks-trees-", dir=git_dir) as folder:
        names = []
        for number, raw in enumerate(trees.values()):
            name = os.path.join(folder, f"tree-{number}")
            with open(name, "wb") as handle:
                handle.write(raw)
            names.append(name)
        # stored, not compressed, as store_loose writes them
        done = run(root, "-c", "core.loosecompression=0", "hash-object", "-w", "-t", "tree",
                   "--no-filters", "--stdin-paths",
                   input="".join(f"{n}\n" for n in names).encode())  # fmt: skip
    got = done.stdout.decode().split()
    if got != list(trees):
        raise Unsupported("git computed other tree IDs")


def store_loose(objects: Path, kind: str, contents: dict[str, bytes]) -> None:
    """Write objects of ``kind`` (hex ID → content) into the loose object store
    ``objects`` as git writes them (``object-file.c``): ``KIND SIZE\\0CONTENT`` deflated
    with zlib, here stored without compression (a tree is mostly object IDs, which do
    not compress: at 50,000 cases the ``cases/`` tree is 1.8 MB, 1.3 MB at git's loose
    level 1 in five times the CPU; git compresses it when it packs it), in
    ``objects/XX/REST`` (the ID's first two hex digits, then the rest), read-only; first
    into a temporary file of that folder, then linked into place, so that a reader never
    sees half an object. An object already there is left as it is, its time renewed (as
    git renews it, so that a ``git gc`` does not prune it as unreachable meanwhile).
    Raises ``OSError`` when it cannot be written (the caller lets git write it)."""
    import zlib

    for hex_id, raw in contents.items():
        folder = objects / hex_id[:2]
        final = folder / hex_id[2:]
        if final.exists():
            os.utime(final)
            continue
        folder.mkdir(exist_ok=True)
        temporary = folder / f"tmp_obj_{os.urandom(6).hex()}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o444)  # fmt: skip
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(zlib.compress(kind.encode() + b" %d\0" % len(raw) + raw, 0))
            try:
                os.link(temporary, final)
            except FileExistsError:  # written meanwhile: the same bytes
                pass
        finally:
            os.unlink(temporary)

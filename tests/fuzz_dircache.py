"""By hand (not collected by pytest): random repositories and random sequences of ppks
commits (plumbing.commit_files, staging in-process by dircache) interleaved with git
commands, each in-process staging checked against git:

- the index parses (an independent reader here), its checksum holds;
- its entries are exactly those ``git update-index --add`` gives from the same index
  (stat data included; a size git smudged to 0 for a racily clean entry aside);
- every valid tree-cache node holds the tree and count of the index's entries below it;
- ``git status`` and ``git diff --cached`` agree with the index git writes;
- the hints saved are those read from the new index whole;
- an in-process staging that is refused leaves the index, index.lock and hints as they were.

    .venv/bin/python tests/fuzz_dircache.py [SEQUENCES] [SEED]
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

from ppks_cli.git import dircache, plumbing

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "S", "GIT_AUTHOR_EMAIL": "s@example.invalid",
    "GIT_COMMITTER_NAME": "S", "GIT_COMMITTER_EMAIL": "s@example.invalid",
}  # fmt: skip

PARTS = ["a", "b", "a-b", "a.b", "a0", "ab", "TREE", "é", "sp ace", "z", "a b", "\u00e9x"]


def git(root, *args, check=True, input=None):
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, env=ENV, input=input)
    if check and done.returncode:
        raise RuntimeError(f"git {args}: {done.stderr.decode(errors='replace')}")
    return done.stdout


# --- an independent reader of the index ------------------------------------------------


def parse_index(raw: bytes, hash_len: int):
    assert raw[:4] == b"DIRC", "signature"
    version, count = int.from_bytes(raw[4:8], "big"), int.from_bytes(raw[8:12], "big")
    algo = hashlib.sha1 if hash_len == 20 else hashlib.sha256
    assert algo(raw[:-hash_len]).digest() == raw[-hash_len:], "checksum"
    assert version == 2, version
    at, entries = 12, []
    for _ in range(count):
        fields = [int.from_bytes(raw[at + 4 * i : at + 4 * i + 4], "big") for i in range(10)]
        oid = raw[at + 40 : at + 40 + hash_len]
        flags = int.from_bytes(raw[at + 40 + hash_len : at + 42 + hash_len], "big")
        nul = raw.index(b"\0", at + 42 + hash_len)
        name = raw[at + 42 + hash_len : nul]
        assert (flags & 0xFFF) == min(len(name), 0xFFF), "name length in flags"
        length = (42 + hash_len + len(name) + 8) & ~7
        assert not any(raw[nul : at + length]), "padding"
        entries.append((name, flags, fields, oid, at))
        at += length
    names = [(e[0], (e[1] >> 12) & 3) for e in entries]
    assert names == sorted(names), "entries sorted"
    extensions, ext_at = {}, at
    while at < len(raw) - hash_len:
        sig, size = raw[at : at + 4], int.from_bytes(raw[at + 4 : at + 8], "big")
        extensions[sig] = raw[at + 8 : at + 8 + size]
        at += 8 + size
    assert at == len(raw) - hash_len, "extensions end at the checksum"
    return entries, extensions, ext_at


def parse_tree(data: bytes, hash_len: int):
    """[(folder, count, subfolders, oid or None, offset)] in order."""
    import re

    node = re.compile(rb"([^\x00]*)\x00(-1|[0-9]+) ([0-9]+)\n")
    nodes = []

    def read(pos, parent, parent_names):
        found = node.fullmatch(data, pos, data.index(b"\n", pos) + 1)
        assert found, "tree cache parses"
        name, count, subs = found.group(1), int(found.group(2)), int(found.group(3))
        folder = name if parent is None else (parent + b"/" + name).lstrip(b"/")
        start, pos, oid = pos, found.end(), None
        if parent is None:
            folder = b""
        if count >= 0:
            oid, pos = data[pos : pos + hash_len], pos + hash_len
        nodes.append((folder, count, subs, oid, start))
        names = []
        for _ in range(subs):
            child_start = pos
            pos = read(pos, folder, names)
            names.append(nodes[[n[4] for n in nodes].index(child_start)][0].rpartition(b"/")[2])
        keys = [(len(n), n) for n in names]
        assert keys == sorted(keys) and len(set(names)) == len(names), "subtrees sorted"
        return pos

    assert read(0, None, []) == len(data), "tree cache length"
    return nodes


def trees_of(entries, hash_len):
    """{folder: (tree oid, count of entries below)} from stage-0 entries (any stage >0
    below a folder: no tree)."""
    algo = hashlib.sha1 if hash_len == 20 else hashlib.sha256
    root = {}
    bad = set()
    for name, flags, fields, oid, _at in entries:
        parts = name.split(b"/")
        if (flags >> 12) & 3:
            for depth in range(len(parts)):
                bad.add(b"/".join(parts[:depth]))
            continue
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = (fields[6], oid)
    out = {}

    def walk(node, path):
        items, count = [], 0
        for name, value in node.items():
            if isinstance(value, dict):
                sub = (path + b"/" + name).lstrip(b"/") if path else name
                oid, n = walk(value, sub)
                items.append((name + b"/", b"40000 " + name + b"\0" + oid))
                count += n
            else:
                mode, oid = value
                items.append((name, b"%o " % mode + name + b"\0" + oid))
                count += 1
        raw = b"".join(v for _k, v in sorted(items))
        oid = algo(b"tree %d\0" % len(raw) + raw).digest()
        out[path] = (oid, count)
        return oid, count

    walk(root, b"")
    return out, bad


def check_index(root: Path, hash_len: int, *, hints_expected: bool):
    raw = (root / ".git" / "index").read_bytes()
    entries, extensions, ext_at = parse_index(raw, hash_len)
    if b"TREE" in extensions:
        nodes = parse_tree(extensions[b"TREE"], hash_len)
        computed, bad = trees_of(entries, hash_len)
        for folder, count, _subs, oid, _at in nodes:
            if count < 0:
                continue
            assert folder not in bad, f"valid node over a conflict: {folder}"
            assert folder in computed, f"valid node for a folder without entries: {folder}"
            assert computed[folder] == (oid, count), f"valid node wrong: {folder!r}"
    if hints_expected:
        hints = json.loads((root / ".git" / dircache.HINTS_FILE).read_text())
        assert bytes.fromhex(hints["checksum"]) == raw[-hash_len:]
        assert hints["size"] == len(raw)
        starts = {e[4] for e in entries} | {ext_at}
        assert set(hints["entries"]) <= starts, "hinted entry starts are entry starts"
        assert hints["entries"][-1] == ext_at, (hints["entries"], ext_at, len(entries))
        if hints["entries"][0] != 12:
            STATS["first hint not 12"] = STATS.get("first hint not 12", 0) + 1
        if hints["tree_size"] >= 0:
            data = extensions[b"TREE"]
            assert hints["tree_size"] == len(data)
            fresh = dircache._tree_hints(memoryview(data), 0, len(data), hash_len)
            assert hints["tops"] == fresh.tops, "tops"
            nodes = parse_tree(data, hash_len)
            children = {}
            for folder, _c, _s, _o, at in nodes[1:]:
                parent = folder.rpartition(b"/")[0].decode("utf-8", "surrogateescape")
                children.setdefault(parent, []).append(at)
            for folder, marks in hints["jumps"].items():
                for number, offset in marks:
                    assert children[folder][number] == offset, ("jump", folder, number)
            assert hints["tops"] == children.get("", []), "tops"
    return entries


# --- the wrapper around dircache.stage ------------------------------------------------

REAL_STAGE = dircache.stage
STATS = {"in-process": 0, "refused": 0, "steps": 0, "sequences": 0, "reasons": {}}


def checked_stage(git_dir, files, folders, hash_len):
    git_dir = Path(git_dir)
    index = git_dir / "index"
    hints = git_dir / dircache.HINTS_FILE
    before = index.read_bytes() if index.exists() else None
    before_stat = os.stat(index) if index.exists() else None
    hints_before = hints.read_bytes() if hints.exists() else None
    lock_before = (git_dir / "index.lock").exists()
    try:
        REAL_STAGE(git_dir, files, folders, hash_len)
    except dircache.Unsupported as exc:
        STATS["refused"] += 1
        why = str(exc)
        STATS["reasons"][why] = STATS["reasons"].get(why, 0) + 1
        assert (index.read_bytes() if index.exists() else None) == before, "refused: index changed"
        assert (git_dir / "index.lock").exists() == lock_before, "refused: lock"
        assert (hints.read_bytes() if hints.exists() else None) == hints_before, "refused: hints"
        raise
    STATS["in-process"] += 1
    top = Path(files[0].absolute[: -len(files[0].path)])
    mine = index.read_bytes()
    mine_stat = os.stat(index)
    assert mine_stat.st_mtime_ns == before_stat.st_mtime_ns
    entries = check_index(top, hash_len, hints_expected=True)
    # git's index from the same start
    index.write_bytes(before)
    os.utime(index, ns=(before_stat.st_atime_ns, before_stat.st_mtime_ns))
    git(top, "update-index", "--add", "--", *[f.absolute for f in files])
    theirs = index.read_bytes()
    git_entries = parse_index(theirs, hash_len)[0]
    status_git = git(top, "--no-optional-locks", "status", "--porcelain", "-z")
    cached_git = git(top, "--no-optional-locks", "diff", "--cached", "--raw", "-z")
    wt_git = git(top, "write-tree")
    staged = {f.path.encode("utf-8", "surrogateescape") for f in files}
    assert len(entries) == len(git_entries), "entry count"
    for a, b in zip(entries, git_entries, strict=True):
        fa, fb = list(a[2]), list(b[2])
        if a[0] not in staged and fb[9] == 0 and fa[9] != 0:  # git smudged a racy entry
            fb[9] = fa[9]
        assert (a[0], a[1], fa, a[3]) == (b[0], b[1], fb, b[3]), f"entry {a[0]!r}"
    index.write_bytes(mine)
    os.utime(index, ns=(mine_stat.st_atime_ns, mine_stat.st_mtime_ns))
    assert git(top, "--no-optional-locks", "status", "--porcelain", "-z") == status_git
    assert git(top, "--no-optional-locks", "diff", "--cached", "--raw", "-z") == cached_git
    assert git(top, "write-tree") == wt_git, "write-tree"


# --- random sequences ------------------------------------------------------------------


def rand_path(rng: random.Random) -> str:
    depth = rng.choice([1, 1, 2, 2, 3, 4])
    return "/".join(rng.choice(PARTS) for _ in range(depth))


def conflicts(path: str, existing: set[str]) -> bool:
    return any(path == e or path.startswith(e + "/") or e.startswith(path + "/") for e in existing)


def tracked(root) -> set[str]:
    return {p.decode() for p in git(root, "ls-files", "-z").split(b"\0") if p}


def on_disk(root: Path) -> set[str]:
    found = set()
    for dirpath, dirnames, filenames in os.walk(root):
        if ".git" in dirnames:
            dirnames.remove(".git")
        for name in filenames:
            found.add(os.path.relpath(os.path.join(dirpath, name), root))
    return found


def write_file(root: Path, path: str, text: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink():
        target.unlink()
    target.write_text(text)
    target.chmod(0o644)


def ppks_commit(root: Path, rng: random.Random, step: int):
    existing = on_disk(root)
    paths = []
    for _ in range(rng.choice([1, 1, 1, 2, 3, 6])):
        if existing and rng.random() < 0.5:
            path = rng.choice(sorted(existing))
        else:
            path = rand_path(rng)
            if conflicts(path, existing - {path}) or conflicts(path, set(paths)):
                continue
        if path in paths or conflicts(path, set(paths)):
            continue
        target = root / path
        if target.is_symlink() or (target.exists() and not target.is_file()):
            continue
        paths.append(path)
    for path in paths:
        write_file(root, path, f"{path} {step} {rng.random()}\n")
    if not paths:
        return
    try:
        plumbing.commit_files(root, root, root / ".git", [root / p for p in paths], "m", ENV,
                              plumbing.Settings())  # fmt: skip
    except plumbing.Unsupported:
        pass
    except plumbing.Failed:
        pass


def git_op(root: Path, rng: random.Random, step: int):
    files = sorted(tracked(root))
    op = rng.choice(["add", "rmcached", "assume", "reset-soft", "read-tree", "write-tree",
                     "commit-a", "refresh", "touch", "symlink", "exec", "gitlink", "stash",
                     "new-git-commit", "checkout-file", "reset-mixed", "intent", "skip-worktree",
                     "git-rm", "delete", "mv", "amend", "branch", "merge", "merge-abort",
                     "no-assume", "no-skip", "rm-tree-cache"])  # fmt: skip
    if op == "add" and files:
        path = rng.choice(files)
        if (root / path).is_file():
            write_file(root, path, f"git {step}\n")
            git(root, "add", "--", path, check=False)
    elif op == "rmcached" and files:
        git(root, "rm", "-q", "-f", "--cached", "--", rng.choice(files), check=False)
    elif op == "assume" and files:
        git(root, "update-index", "--assume-unchanged", "--", rng.choice(files))
    elif op == "reset-soft":
        git(root, "reset", "-q", "--soft", "HEAD~1", check=False)
    elif op == "reset-mixed":
        git(root, "reset", "-q", "HEAD~1", check=False)
    elif op == "read-tree":
        git(root, "read-tree", "HEAD~1", check=False)
    elif op == "write-tree":
        git(root, "write-tree", check=False)
    elif op == "commit-a":
        git(root, "commit", "-q", "-a", "-m", "g", check=False)
    elif op == "refresh":
        git(root, "update-index", "-q", "--refresh", check=False)
    elif op == "touch" and files:
        path = root / rng.choice(files)
        if path.is_file() and not path.is_symlink():
            os.utime(path)
    elif op == "symlink":
        path = rand_path(rng)
        if not conflicts(path, on_disk(root)) and not conflicts(path, tracked(root)):
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            os.symlink("target", root / path)
            git(root, "add", "--", path, check=False)
    elif op == "exec" and files:
        path = root / rng.choice(files)
        if path.is_file() and not path.is_symlink():
            path.chmod(0o755)
            git(root, "add", "--", str(path))
            path.chmod(0o644)
    elif op == "gitlink":
        path = rand_path(rng)
        if not conflicts(path, on_disk(root)) and not conflicts(path, tracked(root)):
            head = git(root, "rev-parse", "HEAD").decode().strip()
            git(root, "update-index", "--add", "--cacheinfo", f"160000,{head},{path}")
    elif op == "stash":
        git(root, "stash", "-q", check=False)
        if rng.random() < 0.5:
            git(root, "stash", "pop", "-q", check=False)
    elif op == "new-git-commit":
        path = rand_path(rng)
        if not conflicts(path, on_disk(root) - {path}):
            write_file(root, path, f"g {step}\n")
            git(root, "add", "--", path, check=False)
            git(root, "commit", "-q", "-m", "g", check=False)
    elif op == "intent":
        path = rand_path(rng)
        if not conflicts(path, on_disk(root) - {path}) and not conflicts(path, tracked(root)):
            write_file(root, path, "intent\n")
            git(root, "add", "-N", "--", path, check=False)
    elif op == "skip-worktree" and files:
        git(root, "update-index", "--skip-worktree", "--", rng.choice(files), check=False)
    elif op == "no-assume" and files:
        git(root, "update-index", "--no-assume-unchanged", "--", rng.choice(files), check=False)
    elif op == "no-skip" and files:
        git(root, "update-index", "--no-skip-worktree", "--", rng.choice(files), check=False)
    elif op == "git-rm" and files:
        git(root, "rm", "-q", "-f", "--", rng.choice(files), check=False)
    elif op == "delete" and files:
        path = root / rng.choice(files)
        if path.is_file() or path.is_symlink():
            path.unlink()
    elif op == "mv" and files:
        path = rand_path(rng)
        if not conflicts(path, on_disk(root)) and not conflicts(path, tracked(root)):
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            git(root, "mv", "--", rng.choice(files), path, check=False)
    elif op == "amend":
        git(root, "commit", "-q", "--amend", "-m", "amended", check=False)
    elif op == "branch":
        git(root, "checkout", "-q", "-B", f"b{rng.randint(0, 2)}", check=False)
        git(root, "checkout", "-q", rng.choice(["b0", "b1", "b2", "master", "main"]), check=False)
    elif op == "merge":
        git(root, "merge", "-q", "--no-edit", rng.choice(["b0", "b1", "b2", "master"]),
            check=False)  # fmt: skip
    elif op == "merge-abort":
        git(root, "merge", "--abort", check=False)
    elif op == "rm-tree-cache":
        git(root, "read-tree", "HEAD", check=False)  # a tree cache whole, from HEAD
    elif op == "checkout-file" and files:
        git(root, "checkout", "HEAD", "--", rng.choice(files), check=False)
    return op


def sequence(seed: int, base: Path, object_format: str) -> None:
    rng = random.Random(seed)
    root = base / f"r{seed}"
    root.mkdir()
    git(root, "init", "-q", f"--object-format={object_format}")
    for _ in range(rng.randint(1, 25)):
        path = rand_path(rng)
        if not conflicts(path, on_disk(root) - {path}):
            write_file(root, path, f"{path}\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start", check=False)
    if rng.random() < 0.5:
        git(root, "commit", "-q", "--allow-empty", "-m", "second")
    for step in range(rng.randint(3, 12)):
        STATS["steps"] += 1
        if rng.random() < 0.55:
            ppks_commit(root, rng, step)
        else:
            git_op(root, rng, step)
    fsck = subprocess.run(["git", "fsck", "--no-progress", "--no-dangling"], cwd=root,
                          capture_output=True)  # fmt: skip
    assert fsck.returncode == 0, fsck.stderr
    STATS["sequences"] += 1


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    seed0 = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    dircache.HINT_EVERY = int(os.environ.get("HINT_EVERY", "2"))
    dircache.stage = checked_stage
    failures = 0
    base = Path(tempfile.mkdtemp(prefix="fuzz-dircache-"))
    for seed in range(seed0, seed0 + count):
        try:
            sequence(seed, base, "sha256" if seed % 5 == 0 else "sha1")
        except Exception:
            failures += 1
            print(f"seed {seed} FAILED in {base}/r{seed}")
            traceback.print_exc()
            if failures >= 3:
                break
        else:
            shutil.rmtree(base / f"r{seed}")
    print(json.dumps(STATS, indent=1))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

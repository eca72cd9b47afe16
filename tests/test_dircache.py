"""git's index written in-process after a plumbing commit (ppks_cli.git.dircache): byte for
byte the index git writes for the same files, its tree cache right, and every index it does
not handle left to git untouched. Real git in temporary folders."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppks_cli.git import dircache, plumbing
from ppks_cli.git.identity import _plain_writes

ENV = {
    "GIT_AUTHOR_NAME": "Saskia", "GIT_AUTHOR_EMAIL": "saskia@example.invalid",
    "GIT_COMMITTER_NAME": "Saskia", "GIT_COMMITTER_EMAIL": "saskia@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-02T03:04:05+07:00", "GIT_COMMITTER_DATE": "2026-01-02T03:04:05+07:00",
}  # fmt: skip


def git(root: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True,
                          env={**os.environ, **ENV}, check=check)  # fmt: skip
    return done.stdout.decode("utf-8", "surrogateescape")


def make_repo(root: Path, files: dict[str, str], object_format: str = "sha1") -> Path:
    """A repository with ``files`` committed by git (its tree cache then whole)."""
    root.mkdir(parents=True)
    git(root, "init", "-q", f"--object-format={object_format}")
    for path, text in files.items():
        write(root, path, text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    return root


def write(root: Path, path: str, text: str) -> Path:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def index_bytes(root: Path) -> bytes:
    return (root / ".git" / "index").read_bytes()


def commit_in_process(root: Path, paths: list[str]) -> tuple[str, str] | None:
    return plumbing.commit_files(root, root, root / ".git", [root / p for p in paths], "m",
                                 ENV, plumbing.Settings())  # fmt: skip


def no_update_index(monkeypatch) -> list[tuple[str, ...]]:
    """Record the git commands the plumbing runs; ``git update-index`` fails the test."""
    ran: list[tuple[str, ...]] = []
    real = plumbing.run

    def spy(root, *args, **kwargs):
        ran.append(args)
        assert "update-index" not in args, "git update-index ran"
        return real(root, *args, **kwargs)

    monkeypatch.setattr(plumbing, "run", spy)
    return ran


def tree_cache(root: Path) -> list[tuple[str, int, int, str | None]]:
    """The index's tree cache as (folder, entry count, subfolder count, hex ID or None)."""
    raw = index_bytes(root)
    hash_len = 32 if git(root, "rev-parse", "--show-object-format").strip() == "sha256" else 20
    at = raw.find(b"TREE")  # the fixtures' names never spell it
    if at < 0:
        return []
    size = int.from_bytes(raw[at + 4 : at + 8], "big")
    data = raw[at + 8 : at + 8 + size]
    node = re.compile(rb"([^\x00]*)\x00(-1|[0-9]+) ([0-9]+)\n")
    nodes: list[tuple[str, int, int, str | None]] = []

    def read(pos: int, parent: str | None) -> int:
        found = node.match(data, pos)
        assert found, "a tree cache that does not parse"
        name, count, subs = found.group(1).decode(), int(found.group(2)), int(found.group(3))
        folder = "" if parent is None else f"{parent}/{name}".lstrip("/")
        pos, oid = found.end(), None
        if count >= 0:
            oid, pos = data[pos : pos + hash_len].hex(), pos + hash_len
        nodes.append((folder, count, subs, oid))
        for _ in range(subs):
            pos = read(pos, folder)
        return pos

    assert read(0, None) == len(data)
    return nodes


def assert_tree_cache_is_right(root: Path) -> None:
    """Every valid node holds HEAD's tree and count for its folder (what git trusts)."""
    files = git(root, "ls-files", "-z").split("\0")[:-1]
    for folder, count, _subs, oid in tree_cache(root):
        if count < 0:
            continue
        assert oid == git(root, "rev-parse", f"HEAD:{folder}").strip(), folder
        below = [f for f in files if not folder or f.startswith(folder + "/")]
        assert count == len(below), folder


def assert_clean(root: Path) -> None:
    assert git(root, "status", "--porcelain", "--untracked-files=no") == ""
    assert git(root, "ls-files", "-s") == "".join(
        f"{line.split()[0]} {line.split()[2]} 0\t{line.split(maxsplit=3)[3]}\n"
        for line in git(root, "ls-tree", "-r", "HEAD").splitlines()
    )
    assert git(root, "write-tree").strip() == git(root, "rev-parse", "HEAD^{tree}").strip()
    assert_tree_cache_is_right(root)


BASE = {
    "ppks.toml": "name = 'x'\n",
    "cases/2024-AAAAA/case.toml": "id = 'A'\n",
    "cases/2024-AAAAA/records/2024-01-01-note-1.toml": "n = 1\n",
    "cases/2024-CCCCC/case.toml": "id = 'C'\n",
    "cases/2024-CCCCC/records/2024-01-01-note-1.toml": "n = 1\n",
    "raids/R1/raid.toml": "r = 1\n",
}

CHANGES = {
    "a note": {"cases/2024-AAAAA/records/2024-02-02-note-2.toml": "n = 2\n"},
    "a new case": {
        "cases/2024-BBBBB/case.toml": "id = 'B'\n",
        "cases/2024-BBBBB/records/2024-02-02-intake.toml": "i = 1\n",
    },
    "a changed file": {"cases/2024-CCCCC/case.toml": "id = 'C2'\n"},
    "files here and there": {
        "cases/2024-CCCCC/records/2024-03-03-note-2.toml": "n = 3\n",
        "cases/2024-AAAAA/case.toml": "id = 'A2'\n",
        "letters/2026/001.toml": "l = 1\n",
        "top.toml": "t = 1\n",
    },
}


def git_would(root: Path, changes: dict[str, str]) -> bytes:
    """The index ``git add`` and ``git commit`` write for ``changes`` on a copy of ``root``
    at the same stat data (the index and HEAD put back, the files left as they are)."""
    saved, head = index_bytes(root), git(root, "rev-parse", "HEAD").strip()
    git(root, "add", "--", *changes)
    git(root, "commit", "-q", "-m", "by git")
    made = index_bytes(root)
    git(root, "update-ref", "HEAD", head)
    (root / ".git" / "index").write_bytes(saved)
    return made


@pytest.mark.parametrize("object_format", ["sha1", "sha256"])
@pytest.mark.parametrize("kind", list(CHANGES))
def test_the_index_is_the_one_git_writes(tmp_path, monkeypatch, kind, object_format):
    root = make_repo(tmp_path / "r", BASE, object_format)
    for path, text in CHANGES[kind].items():
        write(root, path, text)
    expected = git_would(root, CHANGES[kind])
    before = os.stat(root / ".git" / "index")
    ran = no_update_index(monkeypatch)
    assert commit_in_process(root, list(CHANGES[kind])) is not None
    assert index_bytes(root) == expected
    assert [args[0] for args in ran] == ["cat-file", "hash-object", "commit-tree", "update-ref"]
    assert os.stat(root / ".git" / "index").st_mtime_ns == before.st_mtime_ns
    assert not (root / ".git" / "index.lock").exists()
    assert_clean(root)


PART = st.sampled_from(["a", "b", "a-b", "a.b", "ab", "a0", "b_", "z"])
PATHS = st.lists(PART, min_size=1, max_size=3).map("/".join)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    before=st.lists(PATHS, min_size=1, max_size=12, unique=True),
    after=st.lists(PATHS, min_size=1, max_size=5, unique=True),
    spoil=st.booleans(),
)
def test_any_tree_and_any_files_give_the_index_git_writes(tmp_path_factory, before, after,
                                                          spoil):  # fmt: skip
    """Files added and changed anywhere, in folders old and new, names that sort around
    ``/``; with a tree cache whole, or spoiled first by ``git update-index``."""
    files = _no_conflicts(before)
    changes = [p for p in _no_conflicts(files + [p for p in after if p not in files])
               if p in after]  # fmt: skip
    if not changes:
        return
    root = make_repo(tmp_path_factory.mktemp("any") / "r", {p: f"{p}\n" for p in files})
    if spoil:  # an entry restaged by git: its folders' nodes invalid
        git(root, "update-index", "--add", "--", files[0])
        os.utime(root / ".git" / "index", ns=(1, 1))  # every entry racily clean
    for path in changes:
        write(root, path, f"{path} changed\n")
    expected = None if spoil else git_would(root, dict.fromkeys(changes, ""))
    assert commit_in_process(root, changes) is not None
    if expected is not None:
        assert index_bytes(root) == expected
    assert_clean(root)


def _no_conflicts(paths: list[str]) -> list[str]:
    """``paths`` without those that would be a file and a folder at once."""
    kept: list[str] = []
    for path in paths:
        if any(path.startswith(k + "/") or k.startswith(path + "/") or k == path for k in kept):
            continue
        kept.append(path)
    return kept


def test_long_names_are_read_whole(tmp_path):
    """A name of more than 4,095 bytes (its length is not in its flags): committed
    without a file (longer than a path may be here)."""
    deep = "/".join(["d" * 200] * 21) + "/f"
    root = make_repo(tmp_path / "r", BASE)
    oid = git(root, "hash-object", "-w", "ppks.toml").strip()
    git(root, "update-index", "--add", "--cacheinfo", f"100644,{oid},{deep}")
    git(root, "commit", "-q", "-m", "deep")
    write(root, "zz/new.toml", "x\n")
    expected = git_would(root, {"zz/new.toml": ""})
    commit_in_process(root, ["zz/new.toml"])
    assert index_bytes(root) == expected


def test_a_file_changed_in_the_same_tick_is_still_seen_by_git(tmp_path):
    """Racy git: the index keeps its old mtime, so a file rewritten later with the same
    size and mtime is compared by content."""
    root = make_repo(tmp_path / "r", BASE)
    git(root, "config", "core.trustctime", "false")
    path = write(root, "cases/2024-AAAAA/records/2024-05-05-note.toml", "n = 5\n")
    commit_in_process(root, ["cases/2024-AAAAA/records/2024-05-05-note.toml"])
    stamp = path.stat()
    path.write_text("n = 6\n", encoding="utf-8")
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert "2024-05-05-note.toml" in git(root, "status", "--porcelain")


def _v3(root):
    write(root, "intent.toml", "x\n")
    git(root, "add", "-N", "intent.toml")


def _v4(root):
    git(root, "update-index", "--index-version", "4")


def _split(root):
    git(root, "update-index", "--split-index")


def _untracked(root):
    git(root, "config", "core.untrackedCache", "true")
    git(root, "update-index", "--untracked-cache")
    git(root, "status")


def _lock(root):
    (root / ".git" / "index.lock").write_bytes(b"")


def _link(root):
    index = root / ".git" / "index"
    index.rename(root / ".git" / "real-index")
    index.symlink_to("real-index")


def _assume(root):
    git(root, "update-index", "--assume-unchanged", "cases/2024-AAAAA/case.toml")


def _executable(root):
    git(root, "update-index", "--chmod=+x", "cases/2024-AAAAA/case.toml")


def _skip_hash(root):
    index = root / ".git" / "index"
    raw = index.read_bytes()
    index.write_bytes(raw[:-20] + b"\0" * 20)


def _file_as_folder(root):
    git(root, "update-index", "--add", "--cacheinfo",
        f"100644,{git(root, 'hash-object', '-w', 'ppks.toml').strip()},cases/2024-BBBBB")  # fmt: skip


def _conflict(root):
    oid = git(root, "rev-parse", "HEAD:cases/2024-AAAAA/case.toml").strip()
    info = "".join(f"100644 {oid} {n}\tcases/2024-AAAAA/case.toml\n" for n in (1, 2, 3))
    subprocess.run(["git", "update-index", "--index-info"], cwd=root, input=info.encode(),
                   check=True)  # fmt: skip


def _env(root):
    pass  # the test sets GIT_INDEX_FILE


LEFT_TO_GIT = {
    "version 3": _v3, "version 4": _v4, "split index": _split, "untracked cache": _untracked,
    "busy lock": _lock, "symbolic link": _link, "assume unchanged": _assume,
    "executable entry": _executable, "no checksum": _skip_hash, "file where a folder goes":
    _file_as_folder, "conflict": _conflict, "GIT_INDEX_FILE": _env,
}  # fmt: skip

TARGET = {
    "file where a folder goes": "cases/2024-BBBBB/case.toml",
    "assume unchanged": "cases/2024-AAAAA/case.toml",
    "executable entry": "cases/2024-AAAAA/case.toml",
    "conflict": "cases/2024-AAAAA/case.toml",
}


@pytest.mark.parametrize("why", list(LEFT_TO_GIT))
def test_an_index_it_does_not_handle_is_left_untouched(tmp_path, monkeypatch, why):
    root = make_repo(tmp_path / "r", BASE)
    if why == "GIT_INDEX_FILE":
        monkeypatch.setenv("GIT_INDEX_FILE", str(root / ".git" / "index"))
    LEFT_TO_GIT[why](root)
    target = TARGET.get(why, "cases/2024-AAAAA/records/2024-09-09-note.toml")
    path = write(root, target, "changed = true\n")
    index = root / ".git" / "index"
    before = index.read_bytes()
    oid = bytes.fromhex(git(root, "hash-object", "-w", target).strip())
    files = [dircache.StagedFile(target, str(path), oid, os.lstat(path))]
    folders = {f: dircache.Folder(None, b"\0" * 20) for f in ("", "cases")}
    with pytest.raises(dircache.Unsupported):
        dircache.stage(root / ".git", files, folders, 20)
    assert index.read_bytes() == before
    assert (root / ".git" / "index.lock").exists() == (why == "busy lock")


def test_a_file_that_changed_after_git_hashed_it_is_left_to_git(tmp_path):
    root = make_repo(tmp_path / "r", BASE)
    path = write(root, "new.toml", "a\n")
    before = os.lstat(path)
    path.write_text("ab\n", encoding="utf-8")
    files = [dircache.StagedFile("new.toml", str(path), b"\1" * 20, before)]
    with pytest.raises(dircache.Unsupported, match="changed"):
        dircache.stage(root / ".git", files, {"": dircache.Folder(None, b"\0" * 20)}, 20)


@pytest.mark.parametrize("why", ["version 4", "split index", "untracked cache", "busy lock"])
def test_the_commit_is_made_all_the_same_when_git_stages(tmp_path, why):
    root = make_repo(tmp_path / "r", BASE)
    LEFT_TO_GIT[why](root)
    target = TARGET.get(why, "cases/2024-AAAAA/records/2024-09-09-note.toml")
    write(root, target, "changed = true\n")
    if why == "busy lock":
        with pytest.raises(plumbing.Failed, match="index.lock"):
            commit_in_process(root, [target])
        return
    assert commit_in_process(root, [target]) is not None
    assert git(root, "diff", "--cached", "--name-only") == ""
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == [target]


@pytest.mark.parametrize(
    ("config", "plain"),
    [
        ({}, True),
        ({"core.splitindex": "true"}, False),
        ({"core.splitindex": "false"}, True),
        ({"core.untrackedcache": "keep"}, True),
        ({"core.untrackedcache": "true"}, False),
        ({"core.ignorecase": "true"}, False),
        ({"core.sharedrepository": "group"}, False),
        ({"feature.manyfiles": "true"}, False),
        ({"index.version": "4"}, False),
        ({"index.skiphash": "true"}, False),
        ({"index.skiphash": "false"}, True),
        ({"index.threads": "8"}, True),
        ({"index.recordoffsettable": "yes"}, False),
    ],
)
def test_settings_that_change_how_git_writes_its_index_leave_it_to_git(config, plain):
    assert _plain_writes({"user.name": "x", **config}) is plain


def test_the_settings_are_read_from_git(tmp_path):
    from ppks_cli.git.identity import commit_settings

    root = make_repo(tmp_path / "r", BASE)
    assert commit_settings(root, None)[1].plain_writes
    git(root, "config", "core.splitIndex", "true")
    assert not commit_settings(root, None)[1].plain_writes


# --- hints: the places remembered for the index ppks wrote ------------------------------


def many_cases(root: Path, count: int) -> Path:
    files = {"ppks.toml": "x\n", "raids/R1/raid.toml": "r\n", "zz/last.toml": "z\n"}
    for number in range(count):
        files[f"cases/2024-{number:05d}/case.toml"] = f"id = {number}\n"
        files[f"cases/2024-{number:05d}/records/2024-01-01-note.toml"] = f"n = {number}\n"
    return make_repo(root, files)


STEPS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=27),  # which case (24 and up: a new one)
        st.sampled_from(["note", "case", "far"]),  # a record, the case file, and a far file
    ),
    min_size=2, max_size=5,
)  # fmt: skip


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(steps=STEPS)
def test_commit_after_commit_the_hints_give_the_index_git_writes(tmp_path_factory, monkeypatch,
                                                                  steps):  # fmt: skip
    """Each commit after the first finds its places from the hints (every third entry
    and subfolder remembered here, so that they are used), and writes what git writes."""
    monkeypatch.setattr(dircache, "HINT_EVERY", 3)
    root = many_cases(tmp_path_factory.mktemp("hints") / "r", 24)
    for number, (case, kind) in enumerate(steps):
        folder = f"cases/2024-{case:05d}"
        paths = {
            "note": [f"{folder}/records/2024-02-{number + 10:02d}-note.toml"],
            "case": [f"{folder}/case.toml"],
            "far": [f"{folder}/case.toml", "zz/last.toml", f"zz/n{number}.toml"],
        }[kind]
        for path in paths:
            write(root, path, f"{path} {number}\n")
        expected = git_would(root, dict.fromkeys(paths, ""))
        assert commit_in_process(root, paths) is not None
        assert index_bytes(root) == expected, (number, case, kind)
    assert_clean(root)


def test_the_hints_spare_reading_the_index_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(dircache, "HINT_EVERY", 3)
    root = many_cases(tmp_path / "r", 40)
    write(root, "cases/2024-00005/records/a.toml", "a\n")
    commit_in_process(root, ["cases/2024-00005/records/a.toml"])
    hints = root / ".git" / dircache.HINTS_FILE
    assert hints.is_file()

    def whole(*_args):
        raise AssertionError("read whole")

    monkeypatch.setattr(dircache, "_entry_offsets", whole)
    monkeypatch.setattr(dircache, "_tree_hints", whole)
    for path in ("cases/2024-00031/records/b.toml", "cases/2024-00050/case.toml", "top.toml"):
        write(root, path, "b\n")
        expected = git_would(root, {path: ""})
        commit_in_process(root, [path])
        assert index_bytes(root) == expected
    assert_clean(root)


@pytest.mark.parametrize("spoil", ["git wrote the index", "garbage", "another index", "gone",
                                   "places that are not entries"])
def test_hints_that_do_not_hold_are_not_used(tmp_path, monkeypatch, spoil):
    monkeypatch.setattr(dircache, "HINT_EVERY", 3)
    root = many_cases(tmp_path / "r", 20)
    write(root, "cases/2024-00005/records/a.toml", "a\n")
    commit_in_process(root, ["cases/2024-00005/records/a.toml"])
    hints = root / ".git" / dircache.HINTS_FILE
    saved = json.loads(hints.read_text())
    if spoil == "git wrote the index":
        os.utime(root / "ppks.toml", ns=(10**18, 10**18))
        git(root, "update-index", "--refresh")
    elif spoil == "garbage":
        hints.write_bytes(b'{"version": 1, "checksum": "zz"')
    elif spoil == "another index":
        hints.write_text(json.dumps({**saved, "checksum": "00" * 20}))
    elif spoil == "places that are not entries":  # hand-made: the checksum holds
        hints.write_text(json.dumps({**saved, "entries": [12] + [o + 8 for o in saved["entries"][1:]]}))
    else:
        hints.unlink()
    path = "cases/2024-00011/records/b.toml"
    write(root, path, "b\n")
    expected = git_would(root, {path: ""})
    ran: list[tuple[str, ...]] = []
    real = plumbing.run
    monkeypatch.setattr(plumbing, "run", lambda r, *a, **k: ran.append(a) or real(r, *a, **k))
    commit_in_process(root, [path])
    if spoil == "places that are not entries":  # seen: git update-index staged it
        assert any("update-index" in args for args in ran)
    else:
        assert index_bytes(root) == expected
    assert_clean(root)


def test_after_git_wrote_the_index_remember_reads_it_for_the_next_commit(tmp_path, monkeypatch):
    monkeypatch.setattr(dircache, "HINT_EVERY", 3)
    root = many_cases(tmp_path / "r", 20)
    git(root, "update-index", "--index-version", "2")  # git wrote the index
    assert dircache.remember(root / ".git", 20)
    assert dircache.remember(root / ".git", 20)  # they hold: nothing read again

    def whole(*_args):
        raise AssertionError("read whole")

    monkeypatch.setattr(dircache, "_entry_offsets", whole)
    monkeypatch.setattr(dircache, "_tree_hints", whole)
    path = "cases/2024-00013/records/after-sync.toml"
    write(root, path, "s\n")
    expected = git_would(root, {path: ""})
    commit_in_process(root, [path])
    assert index_bytes(root) == expected


def test_remember_passes_over_an_index_it_does_not_handle(tmp_path):
    root = make_repo(tmp_path / "r", BASE)
    git(root, "update-index", "--index-version", "4")
    assert not dircache.remember(root / ".git", 20)
    assert not (root / ".git" / dircache.HINTS_FILE).exists()

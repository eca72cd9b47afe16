"""Issue 16: work on one case costs the same however large the repository is. The commit
made from HEAD's trees (ppks_cli.git.plumbing) against git's own trees and git's own
commit; git's housekeeping (commit-graph); real git in temporary folders."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppks_cli import casework
from ppks_cli import git as ppks_git
from ppks_cli.changes import WriteOptions
from ppks_cli.git import maintenance, plumbing, state
from ppks_cli.git.identity import commit_settings
from ppks_cli.intake import create_case, prepare
from ppks_cli.store import Repository

from conftest import MR, built_once, git


def committed_files(root: Path, revision: str = "HEAD") -> list[str]:
    listed = git("show", "--name-only", "--format=", revision, cwd=root)
    return [line for line in listed.splitlines() if line]


def _gitrepo(folder: Path) -> str:
    repo = Repository.create(folder / "kasus", "Dinas Sosial Kota Medan")
    assert ppks_git.init_repository(repo.root, "Saskia", "ppks: case repository created").committed
    case = create_case(repo, prepare(MR))
    assert ppks_git.commit_paths(repo.root, repo.written, f"{case.id}: case opened").committed
    return case.id


@pytest.fixture
def gitrepo(tmp_path, tmp_path_factory) -> tuple[Repository, str]:
    """A repository in git with MR's case committed (made once per test process, then
    copied)."""
    case_id = built_once("one-case-gitrepo", _gitrepo, tmp_path, tmp_path_factory)
    return Repository.open(tmp_path / "kasus"), case_id


def write_note(repo: Repository, case_id: str, text: str) -> Path:
    repo.written.clear()
    casework.note(repo, repo.load_case(case_id), worker="Saskia", text=text)
    (record,) = repo.written
    repo.written.clear()
    return record


def plumbed(repo: Repository, files: list[Path], message: str = "x: note added") -> str | None:
    """A commit of ``files`` by the plumbing alone (no fallback)."""
    found = state.git_state(repo.root)
    env, settings_ = commit_settings(repo.root, "Saskia")
    return plumbing.commit_files(repo.root, found.top, found.git_dir, files, message, env,
                                 settings_)  # fmt: skip


# --- trees as git builds them -----------------------------------------------------------------

NAMES = st.text(alphabet="ab-.0_", min_size=1, max_size=4).filter(
    lambda n: n not in (".", "..", ".git")
)


def mktree(root: Path, entries: dict[str, tuple[str, str]]) -> bytes:
    """The raw tree git itself builds from ``entries`` (name → (mode, hex ID))."""
    listing = "".join(
        f"{mode} {'tree' if mode == '040000' else 'blob'} {oid}\t{name}\0"
        for name, (mode, oid) in entries.items()
    )
    done = subprocess.run(["git", "mktree", "-z", "--missing"], cwd=root, input=listing.encode(),
                          capture_output=True, check=True)  # fmt: skip
    oid = done.stdout.decode().strip()
    return subprocess.run(["git", "cat-file", "tree", oid], cwd=root, capture_output=True,
                          check=True).stdout  # fmt: skip


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    before=st.dictionaries(NAMES, st.booleans(), max_size=8),
    changes=st.dictionaries(NAMES, st.booleans(), min_size=1, max_size=3),
)
def test_a_patched_tree_is_the_tree_git_builds(tmp_path, before, changes):
    root = tmp_path / "trees"
    if not root.exists():
        git("init", "-q", str(root), cwd=tmp_path)
    # a name keeps its kind (a file never becomes a folder: that is refused, below)
    changes = {name: before.get(name, folder) for name, folder in changes.items()}

    def entry(name: str, folder: bool, salt: str) -> tuple[str, str]:
        oid = format(abs(hash((name, salt))) % 16**40, "040x")
        return ("040000" if folder else "100644", oid)

    old = {name: entry(name, folder, "old") for name, folder in before.items()}
    new = {**old, **{name: entry(name, folder, "new") for name, folder in changes.items()}}
    raw = mktree(root, old) if old else b""
    patched = plumbing.patch_tree(
        raw,
        {name.encode(): ((mode.lstrip("0")).encode(), bytes.fromhex(oid))
         for name, (mode, oid) in new.items() if name in changes},
        20,
    )  # fmt: skip
    assert patched == mktree(root, new)


# IDs that spell what a tree holds: NULs, spaces, the digits of modes
ODD_IDS = st.lists(st.sampled_from(b"\x00 01467/a"), min_size=20, max_size=20).map(bytes)
CASE_NAMES = st.from_regex(r"\A(\.gitkeep|20[0-9]{2}-[0-9A-Z]{1,5}|a|zz)\Z")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    before=st.dictionaries(CASE_NAMES, st.tuples(st.booleans(), ODD_IDS | st.binary(min_size=20,
                           max_size=20)), max_size=40),  # fmt: skip
    added=CASE_NAMES, folder=st.booleans(), bisect_bytes=st.sampled_from([0, 40, 200]),
)
def test_a_name_added_by_bisection_lands_where_git_puts_it(
    tmp_path, monkeypatch, before, added, folder, bisect_bytes
):
    """A name added to a large tree (a new case in ``cases/``) is placed by bisection
    over the bytes, not by reading every entry: where git's own ``mktree`` puts it,
    whatever the IDs of the entries around it spell."""
    monkeypatch.setattr(plumbing, "BISECT_BYTES", bisect_bytes)
    root = tmp_path / "trees"
    if not root.exists():
        git("init", "-q", str(root), cwd=tmp_path)
    before.pop(added, None)
    old = {name: ("040000" if is_folder else "100644", oid.hex())
           for name, (is_folder, oid) in before.items()}  # fmt: skip
    mode = "040000" if folder else "100644"
    new = {**old, added: (mode, "ab" * 20)}
    raw = mktree(root, old) if old else b""
    patched = plumbing.patch_tree(raw, {added.encode(): (mode.lstrip("0").encode(),
                                                         bytes.fromhex("ab" * 20))}, 20)  # fmt: skip
    assert patched == mktree(root, new)


def test_a_name_is_placed_in_a_tree_of_fifty_thousand_without_reading_it_all(monkeypatch):
    """At 50,000 folders (1.8 MB) a new case is placed by a few dozen entries read."""
    names = sorted(f"{2000 + n % 27}-{n:05d}" for n in range(50_000))
    raw = b"".join(b"40000 " + n.encode() + b"\0" + bytes(20) for n in names)
    read = []
    entry_at = plumbing._entry_at
    monkeypatch.setattr(plumbing, "_entry_at", lambda *a: read.append(a[1]) or entry_at(*a))
    at = plumbing._insertion_point(raw, b"2026-K7Q3M", b"40000", 20)
    expected = b"".join(b"40000 " + n.encode() + b"\0" + bytes(20)
                        for n in names if n < "2026-K7Q3M")  # fmt: skip
    assert at == len(expected)
    assert len(read) < 300


def test_a_name_that_spells_a_mode_and_a_space_does_not_misplace_a_new_case(
    tmp_path, monkeypatch
):
    """A name may hold ``100644 `` (``cases/2020-B100644 z``, a file someone put there):
    where the ID before it has a NUL at the right byte, the bisection saw an entry start
    inside that name, and a new case went before the entries it sorts after (a tree
    git's fsck calls not sorted)."""
    monkeypatch.setattr(plumbing, "BISECT_BYTES", 0)
    root = tmp_path / "trees"
    git("init", "-q", str(root), cwd=tmp_path)
    nul_at_12 = "ab" * 12 + "0000" + "ab" * 6  # the bytes 12 and 13 of the ID are NULs
    for before, after in [(1, 0), (2, 1), (4, 3), (7, 6)]:  # the bisection's first look there
        old = {"2020-A": ("040000", nul_at_12), "2020-B100644 z": ("100644", nul_at_12),
               "2020-BZ": ("040000", nul_at_12)}  # fmt: skip
        old.update({f"2019-{n:04d}": ("040000", nul_at_12) for n in range(before)})
        old.update({f"2021-{n:05d}": ("040000", nul_at_12) for n in range(after)})
        new = {**old, "2020-C": ("040000", "cd" * 20)}
        patched = plumbing.patch_tree(mktree(root, old), {b"2020-C": (b"40000", b"\xcd" * 20)}, 20)
        assert patched == mktree(root, new), (before, after)


def test_a_file_never_replaces_a_folder_in_a_tree():
    raw = b"40000 cases\0" + b"\1" * 20
    with pytest.raises(plumbing.Unsupported):
        plumbing.patch_tree(raw, {b"cases": (b"100644", b"\2" * 20)}, 20)
    with pytest.raises(plumbing.Unsupported):
        plumbing.patch_tree(raw, {b"a/b": (b"100644", b"\2" * 20)}, 20)


def test_an_entry_is_found_whatever_bytes_its_neighbours_ids_hold():
    """An ID's bytes may spell a space, a name and a NUL: the entry is only taken where
    a mode starts it after the NUL of the entry before."""
    fake = b" x\0" + b"\0" * 17  # the first entry's ID spells " x\0"
    raw = b"100644 a\0" + fake + b"100644 x\0" + b"\1" * 20
    patched = plumbing.patch_tree(raw, {b"x": (b"100644", b"\2" * 20)}, 20)
    assert patched == b"100644 a\0" + fake + b"100644 x\0" + b"\2" * 20


# --- the commit -------------------------------------------------------------------------------


def test_the_plumbing_commits_exactly_the_file_and_keeps_what_is_staged(gitrepo):
    repo, case_id = gitrepo
    mine = write_note(repo, case_id, "catatan saya")
    other = write_note(repo, case_id, "catatan lain")
    (repo.root / "staged.txt").write_text("staged by hand")
    git("add", "staged.txt", cwd=repo.root)
    parent = git("rev-parse", "HEAD", cwd=repo.root).strip()
    made, made_on = plumbed(repo, [mine], f"{case_id}: note added")
    assert made == git("rev-parse", "HEAD", cwd=repo.root).strip() and made_on == parent
    assert git("rev-parse", "HEAD^", cwd=repo.root).strip() == parent
    assert committed_files(repo.root) == [repo.rel(mine)]
    assert git("log", "-1", "--format=%s|%an", cwd=repo.root).strip() == (
        f"{case_id}: note added|Saskia"
    )
    assert git("status", "--porcelain", cwd=repo.root).splitlines() == [
        "A  staged.txt", f"?? {repo.rel(other)}",
    ]  # fmt: skip
    # git's reflog says what git commit says
    assert git("reflog", "-1", "--format=%gs", cwd=repo.root).strip() == (
        f"commit: {case_id}: note added"
    )
    git("fsck", "--strict", "--no-progress", cwd=repo.root)


def test_the_plumbing_commit_is_the_commit_git_makes(gitrepo, tmp_path):
    """The same files committed by the plumbing and by `git commit --only` in a copy:
    the same tree."""
    repo, case_id = gitrepo
    note = write_note(repo, case_id, "sama")
    case = create_case(repo, prepare(MR), allow_duplicates=True)  # a new entry in cases/
    files = [note, repo.paths.case_file(case.id)]
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(repo.root), str(copy)], check=True)
    plumbed(repo, files)
    rel = [repo.rel(f) for f in files]
    git("add", "--", *rel, cwd=copy)
    git("commit", "-qm", "x", "--only", "--", *rel, cwd=copy)
    assert git("rev-parse", "HEAD^{tree}", cwd=repo.root) == git("rev-parse", "HEAD^{tree}",
                                                                     cwd=copy)  # fmt: skip
    assert git("status", "--porcelain", cwd=repo.root) == ""


def test_the_trees_are_written_stored_not_compressed(gitrepo):
    """The trees a commit writes are loose objects stored without compression (a tree is
    mostly object IDs, which do not compress: 1.8 MB at 50,000 cases, five times the CPU
    at git's level 1); git reads them as any other and packs them compressed later."""
    import zlib

    repo, case_id = gitrepo
    plumbed(repo, [write_note(repo, case_id, "tersimpan")])
    objects = Path(git("rev-parse", "--git-path", "objects", cwd=repo.root).strip())
    if not objects.is_absolute():
        objects = repo.root / objects
    for path in ("", "cases", f"cases/{case_id}", f"cases/{case_id}/records"):
        oid = git("rev-parse", f"HEAD:{path}", cwd=repo.root).strip()
        raw = git_bytes(repo.root, "cat-file", "tree", oid)
        loose = (objects / oid[:2] / oid[2:]).read_bytes()
        assert zlib.decompress(loose) == b"tree %d\0" % len(raw) + raw
        # stored blocks: the object's bytes appear as they are (level 1 would shrink
        # the names and modes that repeat from entry to entry)
        assert raw in loose, path
        assert (objects / oid[:2] / oid[2:]).stat().st_mode & 0o222 == 0  # read-only, as git's
    assert not list(objects.glob("*/tmp_obj_*"))
    git("fsck", "--strict", "--no-progress", cwd=repo.root)


def test_the_trees_are_written_by_git_where_the_environment_says_where_objects_go(
    gitrepo, monkeypatch, tmp_path
):
    """GIT_OBJECT_DIRECTORY (or a shared repository's permissions) is git's to honour:
    then git hash-object writes the trees."""
    repo, case_id = gitrepo
    objects = Path(git("rev-parse", "--git-path", "objects", cwd=repo.root).strip())
    objects = objects if objects.is_absolute() else repo.root / objects
    monkeypatch.setenv("GIT_OBJECT_DIRECTORY", str(objects))
    ran: list[tuple[str, ...]] = []
    real = plumbing.run
    monkeypatch.setattr(plumbing, "run", lambda r, *a, **k: ran.append(a) or real(r, *a, **k))
    plumbed(repo, [write_note(repo, case_id, "lewat git")])
    assert any("-t" in args and "tree" in args for args in ran)
    git("fsck", "--strict", "--no-progress", cwd=repo.root)


def git_bytes(root: Path, *args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, check=True).stdout


def test_nothing_to_commit_when_the_file_is_as_committed(gitrepo):
    repo, case_id = gitrepo
    before = git("rev-parse", "HEAD", cwd=repo.root)
    assert plumbed(repo, [repo.paths.case_file(case_id)]) is None
    assert git("rev-parse", "HEAD", cwd=repo.root) == before


def test_a_repository_inside_another_commits_under_its_folder(tmp_path):
    outer = tmp_path / "kantor"
    outer.mkdir()
    git("init", "-q", "-b", "main", cwd=outer)
    (outer / "lain.txt").write_text("bukan urusan ppks\n")
    repo = Repository.create(outer / "kasus saya", "Dinas Sosial Kota Medan")
    assert ppks_git.init_repository(repo.root, "Saskia", "ppks: case repository created").committed
    case = create_case(repo, prepare(MR))
    assert plumbed(repo, [repo.paths.case_file(case.id)]) is not None
    assert committed_files(outer) == [f"kasus saya/cases/{case.id}/case.toml"]
    assert git("status", "--porcelain", cwd=outer) == "?? lain.txt\n"


@pytest.mark.parametrize("why", ["hook", "signing", "executable", "folder", "first"])
def test_what_git_commit_must_do_is_left_to_it(tmp_path, gitrepo, why):
    repo, case_id = gitrepo
    note = write_note(repo, case_id, "catatan")
    files = [note]
    if why == "hook":
        hook = repo.root / ".git" / "hooks" / "post-commit"
        hook.write_text("#!/bin/sh\ntouch hook-ran\n")
        hook.chmod(0o755)
    elif why == "signing":
        git("config", "commit.gpgSign", "true", cwd=repo.root)
    elif why == "executable":
        note.chmod(0o755)
    elif why == "folder":
        files = [note.parent]
    else:
        fresh = Repository.create(tmp_path / "baru", "Dinas Sosial Kota Medan")
        git("init", "-q", cwd=fresh.root)
        repo, files = fresh, [fresh.paths.config]
    with pytest.raises(plumbing.Unsupported):
        plumbed(repo, files)
    if why == "hook":  # and git commit runs the hook
        assert ppks_git.commit_paths(repo.root, files, f"{case_id}: note added").committed
        assert (repo.root / "hook-ran").exists()
        assert committed_files(repo.root) == [repo.rel(note)]


def test_a_branch_moved_meanwhile_is_committed_the_usual_way(gitrepo, monkeypatch):
    """git's update-ref refuses when HEAD moved after the plumbing read it; the commit
    is then made by git commit, on top of what arrived."""
    repo, case_id = gitrepo
    note = write_note(repo, case_id, "catatan")
    real_batch = plumbing._batch

    def batch_then_move(root, requests):
        found = real_batch(root, requests)
        (repo.root / "lain.txt").write_text("x\n")
        git("add", "lain.txt", cwd=repo.root)
        git("commit", "-qm", "meanwhile", cwd=repo.root)
        monkeypatch.setattr(plumbing, "_batch", real_batch)
        return found

    monkeypatch.setattr(plumbing, "_batch", batch_then_move)
    result = ppks_git.commit_paths(repo.root, [note], f"{case_id}: note added")
    assert result.committed
    assert committed_files(repo.root) == [repo.rel(note)]
    assert git("log", "-2", "--format=%s", cwd=repo.root).splitlines() == [
        f"{case_id}: note added", "meanwhile",
    ]  # fmt: skip
    assert git("status", "--porcelain", cwd=repo.root) == ""


def test_git_commit_without_only_when_nothing_else_is_staged(gitrepo, monkeypatch):
    """With a hook, git commit makes the commit: without --only (which rebuilds the
    whole index) when nothing but ppks's files is staged, with it otherwise."""
    repo, case_id = gitrepo
    hook = repo.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexit 0\n")
    hook.chmod(0o755)
    seen: list[tuple[str, ...]] = []
    real_run = ppks_git.commit.run

    def spy(root, *args, **kwargs):
        if args[0] == "commit":
            seen.append(args)
        return real_run(root, *args, **kwargs)

    monkeypatch.setattr(ppks_git.commit, "run", spy)
    first = write_note(repo, case_id, "satu")
    assert ppks_git.commit_paths(repo.root, [first], "a").committed
    assert "--only" not in seen[-1]
    (repo.root / "staged.txt").write_text("staged by hand")
    git("add", "staged.txt", cwd=repo.root)
    second = write_note(repo, case_id, "dua")
    assert ppks_git.commit_paths(repo.root, [second], "b").committed
    assert "--only" in seen[-1]
    assert committed_files(repo.root) == [repo.rel(second)]
    assert git("status", "--porcelain", cwd=repo.root) == "A  staged.txt\n"


def test_the_branch_is_read_from_head(gitrepo):
    repo, _ = gitrepo
    assert state.git_state(repo.root).branch == "main"
    git("checkout", "-q", "--detach", cwd=repo.root)
    assert state.git_state(repo.root).branch is None
    git("checkout", "-q", "-b", "lain/cabang", cwd=repo.root)
    assert state.git_state(repo.root).branch == "lain/cabang"


# --- housekeeping -----------------------------------------------------------------------------


def test_every_few_commits_the_commit_graph_gets_its_changed_paths(gitrepo, monkeypatch):
    repo, case_id = gitrepo
    git_dir = repo.root / ".git"
    monkeypatch.setattr(maintenance, "EVERY", 3)
    assert not maintenance.has_changed_paths(git_dir)
    for number in range(3):
        note = write_note(repo, case_id, f"catatan {number}")
        assert ppks_git.commit_paths(repo.root, [note], f"{case_id}: note added").committed
    assert maintenance.has_changed_paths(git_dir)
    for number in range(3):
        note = write_note(repo, case_id, f"lagi {number}")
        assert ppks_git.commit_paths(repo.root, [note], f"{case_id}: note added").committed
    assert len(maintenance.graph_files(git_dir)) >= 1 and maintenance.has_changed_paths(git_dir)
    # git reads the graph: every commit is in it
    verified = subprocess.run(["git", "commit-graph", "verify"], cwd=repo.root,
                              capture_output=True, text=True)  # fmt: skip
    assert verified.returncode == 0, verified.stderr


def test_loose_objects_are_packed_every_few_commits(gitrepo, monkeypatch):
    """Every commit writes the trees on its way up again (the cases/ tree: 1.8 MB at
    50,000 cases); they are packed as ppks goes, not left loose for git's gc --auto."""
    repo, case_id = gitrepo
    monkeypatch.setattr(maintenance, "EVERY", 20)

    def loose() -> int:
        counted = git("count-objects", "-v", cwd=repo.root).splitlines()
        return int(dict(line.split(": ") for line in counted)["count"])

    for number in range(40):
        note = write_note(repo, case_id, f"catatan {number}")
        assert ppks_git.commit_paths(repo.root, [note], f"{case_id}: note added").committed
    # 40 commits wrote over 250 objects: those of the first 20 were packed by the first
    # update and removed by the second, which packed those of the next 20 (removed next)
    assert loose() < 150, loose()
    assert list((repo.root / ".git" / "objects" / "pack").glob("loose-*.pack"))
    git("fsck", "--strict", "--no-progress", cwd=repo.root)


def test_a_long_history_gets_its_first_graph_in_the_background(gitrepo, monkeypatch):
    repo, case_id = gitrepo
    git_dir = repo.root / ".git"
    monkeypatch.setattr(maintenance, "SHORT_HISTORY", 1)
    assert maintenance.update(repo.root, git_dir, auto_maintenance=False) == "background"
    assert maintenance.update(repo.root, git_dir, auto_maintenance=False) in ("running", "layer")
    pid = maintenance._state(git_dir)["commit_graph"]["pid"]
    try:
        os.waitpid(pid, 0)  # our own child here; a command never waits for it
    except ChildProcessError:  # reaped already
        pass
    deadline = time.monotonic() + 10
    while not maintenance.has_changed_paths(git_dir) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert maintenance.has_changed_paths(git_dir)
    assert maintenance.update(repo.root, git_dir, auto_maintenance=False) == "layer"


# --- case IDs from the index ------------------------------------------------------------------


def make_folder(repo: Repository, case_id: str) -> None:
    (repo.paths.cases / case_id).mkdir()


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["add", "remove", "ask"]),
                  st.sampled_from(["2024-ABC12", "2024-ABC13", "2023-ABC12", "2024-XYZ99",
                                   "2025-QQQ00", "2024-AB"])),
        min_size=1, max_size=12,
    ),
    typed=st.sampled_from(["2024-ABC1", "ABC12", "abc", "2024", "XYZ", "2024-AB", "QQQ00",
                           "2024ABC12", "2023-abc12", "zz"]),
)  # fmt: skip
def test_an_id_is_resolved_as_from_the_folder_listing_whatever_the_index_holds(
    tmp_path_factory, steps, typed
):
    """The index's list of IDs is checked against the stat data of cases/: folders made
    and removed by hand between lookups (faster than the clock ticks, too) never make
    resolve answer otherwise than the folder listing would."""
    from ppks_cli import ids
    from ppks_cli.errors import NotFound

    repo = Repository.create(tmp_path_factory.mktemp("ids") / "kasus", "Dinas Sosial Kota Medan")

    def expected(ref: str) -> str:
        try:
            return ids.resolve_prefix(ref, repo.case_ids())
        except NotFound as exc:
            return f"{exc.key}:{exc.params.get('candidates')}"

    def got(ref: str) -> str:
        try:
            return repo.resolve(ref)
        except NotFound as exc:
            return f"{exc.key}:{exc.params.get('candidates')}"

    for action, case_id in steps:
        folder = repo.paths.cases / case_id
        if action == "add" and not folder.exists():
            folder.mkdir()
        elif action == "remove" and folder.exists():
            folder.rmdir()
        assert got(typed) == expected(typed)
        assert got(case_id) == expected(case_id)


def test_the_list_of_ids_is_trusted_only_while_cases_is_unchanged(tmp_path, monkeypatch):
    from ppks_cli import index

    repo = Repository.create(tmp_path / "kasus", "Dinas Sosial Kota Medan")
    make_folder(repo, "2024-ABC12")
    monkeypatch.setattr(index, "RACY_NS", 0)  # the clock ticks in nanoseconds here
    listed: list[int] = []
    real = index._case_ids
    monkeypatch.setattr(index, "_case_ids", lambda r: listed.append(1) or real(r))
    assert repo.resolve("ABC12") == "2024-ABC12"
    assert repo.resolve("ABC") == "2024-ABC12"
    assert len(listed) == 1  # listed once, then answered from the index
    make_folder(repo, "2024-ABC13")
    with pytest.raises(Exception, match="2024-ABC12, 2024-ABC13"):
        repo.resolve("ABC")
    assert len(listed) == 2
    # a link is no case folder, whether typed whole or found from the index
    os.symlink(repo.paths.cases / "2024-ABC12", repo.paths.cases / "2024-LNK99")
    from ppks_cli.errors import NotFound

    with pytest.raises(NotFound):
        repo.resolve("2024-LNK99")
    with pytest.raises(NotFound):
        repo.resolve("LNK99")


def test_a_new_case_id_is_one_no_folder_has(repo, monkeypatch):
    from ppks_cli import ids

    make_folder(repo, "2024-00000")
    codes = iter(["00000", "00001"])
    monkeypatch.setattr(ids, "random_code", lambda length: next(codes))
    case = create_case(repo, prepare(MR))
    assert case.id == "2024-00001"


# --- letter numbers from the index ------------------------------------------------------------


def _office(folder: Path) -> None:
    from test_letters import SIGNATORIES

    from conftest import Cli

    root = folder / "kasus"
    assert Cli(None)("init", str(root), "--worker", "Saskia").exit_code == 0
    config = root / "ppks.toml"
    config.write_text(config.read_text() + SIGNATORIES)
    git("commit", "-qam", "signatories", cwd=root)


@pytest.fixture
def office(tmp_path, tmp_path_factory, monkeypatch):
    """A repository made by ``ppks init``, with signatories (made once per test process,
    then copied)."""
    monkeypatch.setenv("PPKS_WORKER", "Saskia")
    built_once("one-case-office", _office, tmp_path, tmp_path_factory)
    return Repository.open(tmp_path / "kasus")


def issue(root: Path, case_id: str, *extra: str) -> str:
    import json

    from conftest import Cli

    done = Cli(root)("letter", case_id, "referral", "--issue", "--new", "--date", "2024-06-20",
                     *extra, "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)["number"]


def test_numbers_count_from_the_index_and_see_what_git_brings(office, tmp_path):
    from test_letters import papers_case

    from ppks_cli import letters

    case = papers_case(office)
    assert ppks_git.commit_paths(office.root, office.written, f"{case.id}: case opened").committed
    office.written.clear()
    assert issue(office.root, case.id) == "462/1/Dinsos/2024"
    assert (
        issue(
            office.root,
            case.id,
        )
        == "462/2/Dinsos/2024"
    )
    # a colleague's clone issues two letters; they arrive by git pull (not through ppks)
    other = tmp_path / "rekan"
    git("clone", "-q", str(office.root), str(other), cwd=tmp_path)
    git("config", "user.name", "Rekan", cwd=other)
    assert issue(other, case.id) == "462/3/Dinsos/2024"
    assert issue(other, case.id) == "462/4/Dinsos/2024"
    git("pull", "-q", "--no-rebase", str(other), "main", cwd=office.root)
    assert issue(office.root, case.id) == "462/5/Dinsos/2024"
    # --no-commit: written by ppks, entered at once
    assert issue(office.root, case.id) == "462/6/Dinsos/2024"
    from conftest import Cli

    done = Cli(office.root)("--no-commit", "letter", case.id, "referral", "--issue", "--new",
                            "--date", "2024-06-20", "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert issue(office.root, case.id) == "462/8/Dinsos/2024"
    # the numbers as every letter file gives them
    repo = Repository.open(office.root)
    assert sorted(i.number for i in letters.issued_numbers(repo)) == sorted(
        f"462/{n}/Dinsos/2024" for n in range(1, 9)
    )


def test_a_letter_file_copied_by_hand_is_counted_after_a_refresh(office):
    from test_letters import papers_case

    from ppks_cli import index

    case = papers_case(office)
    office.written.clear()
    assert issue(office.root, case.id) == "462/1/Dinsos/2024"
    records = office.paths.records_dir(case.id)
    (letter,) = records.glob("*-letter-*.toml")
    copy = records / letter.name.replace("-letter-", "-letter-X").replace(".toml", "Z.toml")
    copy.write_text(letter.read_text().replace("462/1/Dinsos/2024", "462/7/Dinsos/2024")
                    .replace("seq = 1", "seq = 7"))  # fmt: skip
    with index.opened(Repository.open(office.root)):  # what any ppks list or show does
        pass
    assert issue(office.root, case.id) == "462/8/Dinsos/2024"


# --- what is cached, and where ----------------------------------------------------------------


def test_the_cache_folder_is_the_users_own(tmp_path, monkeypatch):
    from ppks_cli import paths

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = paths.user_cache_dir("templates-x")
    assert folder == tmp_path / "cache" / "ppks" / "templates-x"
    assert folder.stat().st_mode & 0o777 == 0o700
    # a folder others may write to, or a link, is never used
    (tmp_path / "cache" / "ppks" / "open").mkdir(mode=0o777)
    os.chmod(tmp_path / "cache" / "ppks" / "open", 0o777)
    assert paths.user_cache_dir("open") is None
    os.symlink(tmp_path, tmp_path / "cache" / "ppks" / "linked")
    assert paths.user_cache_dir("linked") is None
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # not absolute: ~/.cache instead
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert paths.user_cache_dir() == tmp_path / "home" / ".cache" / "ppks"


def test_compiled_templates_come_from_the_users_cache_and_follow_the_source(tmp_path, monkeypatch):
    from ppks_cli import templating

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "surat.md.j2").write_text("Halo {{ nama }}\n")
    compiled: list[str] = []

    def render() -> str:
        env = templating.build_environment([folder], "md")
        real = env.compile
        env.compile = lambda *a, **k: compiled.append(a[1] if len(a) > 1 else "") or real(*a, **k)
        return env.get_template("surat.md.j2").render(nama="Butet")

    assert render() == "Halo Butet\n" and len(compiled) == 1
    assert render() == "Halo Butet\n" and len(compiled) == 1  # from the cache
    cached = list((tmp_path / "cache" / "ppks").rglob("*.cache"))
    assert len(cached) == 1 and not list(folder.rglob("*.cache"))  # never in a repository
    (folder / "surat.md.j2").write_text("Selamat pagi {{ nama }}\n")
    assert render() == "Selamat pagi Butet\n" and len(compiled) == 2  # compiled again


def test_a_damaged_catalog_cache_is_read_again_from_the_catalog(tmp_path, monkeypatch):
    from ppks_cli import i18n

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    i18n._load.cache_clear()
    try:
        first = i18n._load("en")
        (cached,) = (tmp_path / "cache" / "ppks" / "catalogs").iterdir()
        i18n._load.cache_clear()
        assert i18n._load("en") == first  # from the cache
        cached.write_bytes(b"\x00 not marshal")
        i18n._load.cache_clear()
        assert i18n._load("en") == first
    finally:
        i18n._load.cache_clear()


def test_the_holidays_of_a_year_are_cached_as_the_package_gives_them(tmp_path, monkeypatch):
    import datetime as dt

    from ppks_cli import holidays_id

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert holidays_id.holiday_name(dt.date(2024, 12, 25)) == "Hari Raya Natal"
    assert list((tmp_path / "cache" / "ppks" / "holidays").iterdir())
    monkeypatch.setattr(holidays_id, "_compute", lambda year: pytest.fail("not cached"))
    assert holidays_id.holiday_name(dt.date(2024, 12, 25)) == "Hari Raya Natal"
    assert holidays_id.holiday_name(dt.date(2024, 12, 24)) is None


def test_the_commits_a_sync_brings_join_the_commit_graph(gitrepo, tmp_path):
    repo, case_id = gitrepo
    origin = tmp_path / "origin.git"
    git("init", "--bare", "-q", "-b", "main", str(origin), cwd=tmp_path)
    git("remote", "add", "origin", str(origin), cwd=repo.root)
    ppks_git.sync(repo.root)
    colleague = tmp_path / "rekan"
    git("clone", "-q", str(origin), str(colleague), cwd=tmp_path)
    other = Repository.open(colleague)
    note = write_note(other, case_id, "dari rekan")
    assert ppks_git.commit_paths(colleague, [note], f"{case_id}: note added").committed
    git("push", "-q", "origin", "main", cwd=colleague)
    mine = write_note(repo, case_id, "punya saya")
    assert ppks_git.commit_paths(repo.root, [mine], f"{case_id}: note added").committed
    assert not maintenance.has_changed_paths(repo.root / ".git")
    ppks_git.sync(repo.root)
    assert maintenance.has_changed_paths(repo.root / ".git")
    # git rewrote its index (the rebase): ppks read it then, for the next commit
    from ppks_cli.git import dircache

    view = memoryview((repo.root / ".git" / "index").read_bytes())
    assert dircache.load_hints(str(repo.root / ".git"), view, 20) is not None


# --- the commits of each case, from the index -------------------------------------------------

CASES = ("2024-AAAA1", "2024-BBBB2", "2024-CCCC3")


def history_both_ways(repo: Repository, case_id: str):
    from ppks_cli import commit_index

    listed = commit_index.case_commits(repo, case_id)
    assert listed is not None
    via_index = ppks_git.history(repo.root, case_id, listed)
    walked = ppks_git.history(repo.root, case_id)
    return [(e.sha, [c.path for c in e.changes]) for e in via_index], [
        (e.sha, [c.path for c in e.changes]) for e in walked
    ]


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["commit", "commit", "commit", "look", "reset", "branch"]),
                  st.sampled_from(CASES), st.integers(0, 3)),
        min_size=2, max_size=14,
    )
)  # fmt: skip
def test_a_cases_history_from_the_index_is_the_one_git_walks(tmp_path_factory, steps):
    """Commits by hand and by ppks, looks in between (the index catches up), resets
    (the commits no longer reachable leave it) and merged branches."""
    root = tmp_path_factory.mktemp("hist") / "kasus"
    repo = Repository.create(root, "Dinas Sosial Kota Medan")
    git("init", "-q", "-b", "main", cwd=root)
    for case_id in CASES:
        (root / "cases" / case_id).mkdir()
    (root / "lain.txt").write_text("0\n")
    git("add", "-A", cwd=root)
    git("commit", "-qm", "start", cwd=root)
    counter = 0
    for action, case_id, number in steps:
        counter += 1
        target = root / "cases" / case_id / "case.toml"
        target.parent.mkdir(exist_ok=True)  # a reset takes away a folder git never held
        if action == "commit":
            target.write_text(f"n = {counter}\n")
            if number % 2:  # by ppks, entered as it is made
                repo.written = [target]
                with WriteOptions(command="test").writer(repo) as writer:
                    repo.written = [target]
                    writer.commit(f"{case_id}: note added", "Saskia")
            else:  # by hand, with another file beside it sometimes
                if number:
                    (root / "lain.txt").write_text(f"{counter}\n")
                git("add", "-A", cwd=root)
                git("commit", "-qm", f"tangan {counter}", cwd=root)
        elif action == "reset":
            count = int(git("rev-list", "--count", "HEAD", cwd=root))
            if count > number + 1:
                git("reset", "-q", "--hard", f"HEAD~{number}", cwd=root)
        elif action == "branch":
            git("checkout", "-q", "-b", f"b{counter}", cwd=root)
            target.write_text(f"cabang = {counter}\n")
            git("add", "-A", cwd=root)
            git("commit", "-qm", f"cabang {counter}", cwd=root)
            git("checkout", "-q", "main", cwd=root)
            (root / "lain.txt").write_text(f"main {counter}\n")
            git("commit", "-qam", f"main {counter}", cwd=root)
            git("merge", "-q", "--no-edit", f"b{counter}", cwd=root)
        for look in CASES if action == "look" else ():
            via_index, walked = history_both_ways(repo, look)
            assert via_index == walked
    for case_id in CASES:
        via_index, walked = history_both_ways(repo, case_id)
        assert via_index == walked


def test_a_long_history_is_listed_in_the_background_meanwhile_git_walks_it(gitrepo, monkeypatch):
    from ppks_cli import commit_index
    from ppks_cli.activity import case_history

    repo, case_id = gitrepo
    for number in range(3):
        note = write_note(repo, case_id, f"catatan {number}")
        assert ppks_git.commit_paths(repo.root, [note], f"{case_id}: note added").committed
    monkeypatch.setattr(commit_index, "SHORT_RANGE", 1)
    assert commit_index.case_commits(repo, case_id) is None  # the pass runs in background
    walked = case_history(repo, case_id).entries
    assert len(walked) == 4
    deadline = time.monotonic() + 20
    while commit_index.case_commits(repo, case_id) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    listed = commit_index.case_commits(repo, case_id)
    assert listed is not None and len(listed) == 4
    assert [e.sha for e in case_history(repo, case_id).entries] == [e.sha for e in walked]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[defaults]\nlanguage = "en"\n[x]\nlanguage_note = 1\n', "en"),
        ('[defaults]\nlanguage = "en"  # the office\'s\n', "en"),
        ('[defaults]\n# language = "en"\n', None),
        ("a = 1\n", None),
        ('defaults.language = "en"\n', "en"),
        ('[x]\nlanguage = "en"\n[defaults]\nlanguage = "id"\n', "id"),
        ("[defaults]\nlanguage = 'en'\n", "en"),
        ('[defaults]\nlanguage = "en"\nlanguage = "id"\n', None),  # not TOML: ignored here
        ('[defaults]\nworker = "x"\n[defaults.more]\nlanguage = "en"\n', None),
    ],
)
def test_the_repositorys_language_is_read_as_toml_reads_it(tmp_path, text, expected):
    """The quick reading of ppks.toml for the interface language (start-up) gives what
    parsing the TOML gives."""
    from ppks_cli.i18n import _repository_language

    config = tmp_path / "ppks.toml"
    config.write_text(text)
    assert _repository_language(config) == expected


def test_numbers_without_git_count_what_ppks_wrote_and_what_a_refresh_saw(tmp_path, monkeypatch):
    from test_letters import SIGNATORIES, papers_case

    from ppks_cli import index

    monkeypatch.setenv("PPKS_WORKER", "Saskia")
    repo = Repository.create(tmp_path / "kasus", "Dinas Sosial Kota Medan")
    repo.paths.config.write_text(repo.paths.config.read_text() + SIGNATORIES)
    repo = Repository.open(repo.root)
    case = papers_case(repo)
    assert issue(repo.root, case.id) == "462/1/Dinsos/2024"
    assert issue(repo.root, case.id) == "462/2/Dinsos/2024"
    records = repo.paths.records_dir(case.id)
    (letter,) = [p for p in records.glob("*-letter-*.toml") if "\nnumber = \"462/1/" in p.read_text()]
    copy = records / letter.name.replace(".toml", "Z.toml")
    copy.write_text(letter.read_text().replace("462/1/", "462/5/").replace("seq = 1", "seq = 5"))
    with index.opened(Repository.open(repo.root)):
        pass
    assert issue(repo.root, case.id) == "462/6/Dinsos/2024"

"""One writer at a time: the repository lock, and pairs of commands started together."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ppks_cli import git as ppks_git
from ppks_cli import locking
from ppks_cli.intake import create_case, prepare
from ppks_cli.store import Repository

from conftest import MR, PROJECT, Cli, built_once, snapshot

sys.path.insert(0, str(PROJECT / "bench"))
import crash  # noqa: E402  (bench/crash.py: the same trials, hundreds of them)


def hold(path: Path, pid: int, command: str = "ppks note") -> int:
    """Hold the lock file ``path`` as another process would (an fd of our own)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.write(fd, json.dumps({"pid": pid, "host": os.uname().nodename, "command": command,
                             "since": "2026-12-01T05:00:00+07:00"}).encode())  # fmt: skip
    return fd


def dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def _gitrepo(folder: Path) -> None:
    repo = Repository.create(folder / "kasus", "Dinas Sosial Kota Medan", "Saskia")
    ppks_git.init_repository(repo.root, "Saskia", "ppks: case repository created")
    case = create_case(repo, prepare(MR))
    ppks_git.commit_paths(repo.root, repo.written, f"{case.id}: case opened", "Saskia")


@pytest.fixture
def gitrepo(tmp_path, tmp_path_factory) -> Repository:
    """A repository in git with MR's case committed (made once per test process, then
    copied)."""
    built_once("concurrency-gitrepo", _gitrepo, tmp_path, tmp_path_factory)
    return Repository.open(tmp_path / "kasus")


def test_a_lock_is_reentrant_and_leaves_no_file(tmp_path):
    path = tmp_path / "ppks.lock"
    with locking.acquire(path, "ppks note") as lock:
        assert locking.acquire(path) is lock
        lock.release()
        assert json.loads(path.read_text())["pid"] == os.getpid()
        assert not lock.previous_died
    assert not path.exists()


def test_a_held_lock_waits_then_names_the_holder(tmp_path):
    path = tmp_path / "ppks.lock"
    fd = hold(path, 4242)
    seen = []
    try:
        with pytest.raises(locking.RepositoryBusy) as raised:
            locking.acquire(path, wait=0.15, on_wait=seen.append)
    finally:
        os.close(fd)
    assert seen and seen[0].pid == 4242
    assert raised.value.exit_code == 6
    assert "4242" in raised.value.message() and "2026-12-01T05:00:00" in raised.value.message()
    with locking.acquire(path, wait=0) as lock:  # released with its process (here: its fd)
        assert lock.previous_died  # the file still named the holder that went away


def test_a_writing_command_refuses_while_another_writes_and_writes_nothing(gitrepo, monkeypatch):
    monkeypatch.setattr(locking, "WAIT_SECONDS", 0.2)
    fd = hold(gitrepo.root / ".git" / locking.LOCK_NAME, 4242, "ppks letter")
    before = snapshot(gitrepo.root)
    try:
        result = Cli(gitrepo.root)("--lang", "en", "note", gitrepo.case_ids()[0], "catatan")
    finally:
        os.close(fd)
    assert result.exit_code == 6
    assert "pid 4242" in result.output and "ppks letter" in result.output
    assert "waited 0 seconds" not in result.output or "Try again" in result.output
    assert snapshot(gitrepo.root) == before
    assert Cli(gitrepo.root)("note", gitrepo.case_ids()[0], "catatan").exit_code == 0


def test_a_repository_without_git_locks_with_an_ignored_dot_file(repo, monkeypatch):
    monkeypatch.setattr(locking, "WAIT_SECONDS", 0.1)
    case = create_case(repo, prepare(MR))
    fd = hold(repo.root / locking.ROOT_LOCK_NAME, 4242)
    try:
        assert Cli(repo.root)("note", case.id, "catatan", "--worker", "Saskia").exit_code == 6
    finally:
        os.close(fd)
    (repo.root / locking.ROOT_LOCK_NAME).unlink()
    assert Cli(repo.root)("note", case.id, "catatan", "--worker", "Saskia").exit_code == 0
    assert not (repo.root / locking.ROOT_LOCK_NAME).exists()
    assert ".ppks.lock" in ppks_git.GITIGNORE


def test_a_lock_left_by_a_dead_process_is_taken_and_its_leftovers_cleaned(gitrepo):
    case_id = gitrepo.case_ids()[0]
    lock = gitrepo.root / ".git" / locking.LOCK_NAME
    lock.write_text(json.dumps({"pid": dead_pid(), "host": os.uname().nodename,
                                "command": "ppks new-case", "since": "2026-12-01T05:00:00"}))  # fmt: skip
    records = gitrepo.paths.records_dir(case_id)
    records.mkdir(exist_ok=True)
    temp = records / ".2024-03-01-note-ABC123.toml.k3j_x9a2.tmp"
    temp.write_text('text = "rahasia klien"\n')
    empty_case = gitrepo.paths.cases / "2024-ZZZZZ"
    (empty_case / "records").mkdir(parents=True)
    half_case = gitrepo.paths.cases / "2024-YYYYY"
    half_case.mkdir()
    (half_case / ".case.toml.a1b2c3d4.tmp").write_text('name = "rahasia"\n')
    result = Cli(gitrepo.root)("--lang", "en", "note", case_id, "sesudah")
    assert result.exit_code == 0, result.output
    assert "Cleaned up after an interrupted ppks command" in result.output
    assert not temp.exists() and not empty_case.exists() and not half_case.exists()
    assert not lock.exists()
    assert crash.leftovers(gitrepo.root) == []


def test_a_case_folder_with_a_real_file_is_never_cleaned(gitrepo):
    lock = gitrepo.root / ".git" / locking.LOCK_NAME
    lock.write_text(json.dumps({"pid": dead_pid(), "host": os.uname().nodename}))
    kept = gitrepo.paths.cases / "2024-XXXXX" / "records"
    kept.mkdir(parents=True)
    (kept / "2024-03-01-note-ABC123.toml").write_text('text = "x"\n')
    Cli(gitrepo.root)("note", gitrepo.case_ids()[0], "sesudah")
    assert (kept / "2024-03-01-note-ABC123.toml").exists()


# --- pairs of real processes started together -------------------------------------------


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> tuple[Path, str]:
    """The repository the pairs run in, made in-process (the pairs are real processes)."""
    from test_crash import ppks_in_process

    root = tmp_path_factory.mktemp("pairs") / "kasus"
    return root, crash.make_repo(root, ppks=ppks_in_process)


@pytest.mark.parametrize("kind", ["note", "new-case", "letter"])
def test_two_commands_started_together_both_commit_and_nothing_is_lost(shared, kind):
    from test_crash import next_in_process

    root, case = shared
    figures = crash.pair_trial(root, case, kind, 0, after=next_in_process)
    assert (figures.failures, figures.lost, figures.duplicates, figures.stuck) == (0, 0, 0, 0), (
        figures.notes
    )
    assert figures.refused == 0  # within the wait, the second simply runs after the first

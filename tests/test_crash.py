"""Killing a writing command at any moment loses nothing and leaves nothing stuck: the
next command repairs what was left (a temporary file, a commit not made, a stale
``index.lock``, a sync stopped in the middle of its rebase)."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ppks_cli import casework, locking
from ppks_cli import git as ppks_git
from ppks_cli.git import markers
from ppks_cli.intake import create_case, prepare
from ppks_cli.store import Repository

from conftest import MR, PROJECT, Cli, built_once, git, run_ppks

sys.path.insert(0, str(PROJECT / "bench"))
import crash  # noqa: E402  (bench/crash.py runs hundreds of these trials)

# bench/crash.py runs hundreds of trials; PPKS_CRASH_SECONDS=60 runs more here
KILL_BUDGET_SECONDS = float(os.environ.get("PPKS_CRASH_SECONDS", "3"))


def next_in_process(root: Path, case: str) -> tuple[int, str]:
    result = Cli(root)("note", case, "sesudah")
    return result.exit_code, result.output


def ppks_in_process(where: Path, *args: str) -> subprocess.CompletedProcess:
    """:func:`crash.run`'s commands in-process (the repository the trials start from)."""
    return run_ppks(*args, cwd=where, env=crash.ENV)


def test_commands_killed_at_random_moments_lose_nothing_and_block_nothing(tmp_path):
    """SIGKILL after a random delay, nine or more times (as many as fit in about 3 s);
    after each, the next command (run in-process, to fit more trials) works and
    nothing is lost, duplicated or left."""
    root = tmp_path / "kasus"
    case = crash.make_repo(root, ppks=ppks_in_process)
    rng = random.Random(int(os.environ.get("PPKS_CRASH_SEED", "8")))
    total = crash.Figures()
    deadline = time.monotonic() + KILL_BUDGET_SECONDS
    index = 0
    while index < 9 or (time.monotonic() < deadline and index < 40):
        kind = ("note", "new-case", "letter")[index % 3]
        total.add(crash.kill_trial(root, case, rng, index, kind, after=next_in_process))
        index += 1
    print(f"{total.trials} kill trials, {total.leftover} left something, repaired")
    assert (total.lost, total.duplicates, total.stuck, total.failures) == (0, 0, 0, 0), total.notes


# --- deterministic versions of what a kill can leave ------------------------------------


@pytest.fixture
def pair(tmp_path, tmp_path_factory, monkeypatch):
    """Our repository with a local commit not pushed, and a colleague's record on the
    shared remote that we have fetched but not integrated (made once per test process,
    then copied)."""
    monkeypatch.setenv("PPKS_WORKER", "Saskia")
    case_id, mine = built_once("crash-pair", _pair, tmp_path, tmp_path_factory)
    return tmp_path / "kasus", case_id, tmp_path / "kasus" / mine


def _pair(tmp_path: Path) -> tuple[str, str]:
    repo = Repository.create(tmp_path / "kasus", "Dinas Sosial Kota Medan", "Saskia")
    ppks_git.init_repository(repo.root, "Saskia", "ppks: case repository created")
    case = create_case(repo, prepare(MR))
    ppks_git.commit_paths(repo.root, repo.written, f"{case.id}: case opened", "Saskia")
    root = repo.root
    origin = tmp_path / "origin.git"
    git("init", "-q", "--bare", "-b", "main", str(origin), cwd=tmp_path)
    git("remote", "add", "origin", str(origin), cwd=root)
    git("push", "-q", "-u", "origin", "main", cwd=root)
    colleague = tmp_path / "rekan"
    git("clone", "-q", str(origin), str(colleague), cwd=tmp_path)
    assert Cli(colleague)("note", case.id, "dari rekan").exit_code == 0
    git("push", "-q", cwd=colleague)
    assert Cli(root)("note", case.id, "milik saya").exit_code == 0
    git("fetch", "-q", "origin", cwd=root)
    mine = next(root.glob("cases/*/records/*-note-*.toml"))
    return case.id, mine.relative_to(root).as_posix()


def stop_rebase_before_our_commit(root: Path) -> str:
    """The state a sync killed in the middle of its rebase leaves: HEAD detached on the
    colleague's work, our commit not replayed yet (our record gone from the working
    tree). Returns the commit the branch was on."""
    head = git("rev-parse", "HEAD", cwd=root).strip()
    env = {**os.environ, "GIT_SEQUENCE_EDITOR": "sed -i '1i break'"}
    subprocess.run(["git", "rebase", "-i", "origin/main"], cwd=root, env=env, check=True,
                   capture_output=True)  # fmt: skip
    state = ppks_git.git_state(root)
    markers.write(state.git_dir, markers.SYNC_MARKER, {"branch": "main", "head": head})
    return head


def test_a_sync_killed_mid_rebase_is_rolled_back_and_our_record_survives(pair):
    root, case_id, mine = pair
    stop_rebase_before_our_commit(root)
    assert not mine.exists()  # what the user saw after the kill: their record gone
    result = Cli(root)("--lang", "en", "note", case_id, "sesudah")
    assert result.exit_code == 0, result.output
    assert "interrupted" in result.output
    assert "milik saya" in mine.read_text()
    assert mine.relative_to(root).as_posix() in git("ls-files", cwd=root)
    assert crash.leftovers(root) == []
    synced = Cli(root)("sync")
    assert synced.exit_code == 0, synced.output
    assert "milik saya" in mine.read_text() and git("status", "--porcelain", cwd=root) == ""
    assert len(list(root.glob("cases/*/records/*-note-*.toml"))) == 3


def test_a_half_written_rebase_state_is_rolled_back_too(pair):
    root, case_id, mine = pair
    head = git("rev-parse", "HEAD", cwd=root).strip()
    git("checkout", "-q", "--detach", "origin/main", cwd=root)
    (root / ".git" / "rebase-merge").mkdir()  # killed before git wrote its state
    markers.write(root / ".git", markers.SYNC_MARKER, {"branch": "main", "head": head})
    result = Cli(root)("note", case_id, "sesudah")
    assert result.exit_code == 0, result.output
    assert "milik saya" in mine.read_text() and crash.leftovers(root) == []


def test_a_rebase_the_user_started_is_not_rolled_back(pair):
    root, case_id, _ = pair
    stop_rebase_before_our_commit(root)
    markers.write(root / ".git", markers.SYNC_MARKER, {"branch": "main", "head": "0" * 40})
    result = Cli(root)("note", case_id, "sesudah")
    assert result.exit_code == 6 and "rebase" in result.output
    assert (root / ".git" / "rebase-merge").exists()


def test_a_record_written_but_never_committed_is_committed_by_the_next_command(pair):
    root, case_id, _ = pair
    repo = Repository.open(root)  # the killed command: its record written, no commit
    casework.note(repo, repo.load_case(case_id), date=dt.date.today(), worker="Saskia",
                  text="terputus")  # fmt: skip
    (record,) = repo.written
    (root / ".git" / markers.PENDING_COMMIT).write_text(
        json.dumps({"files": [record.relative_to(root).as_posix()], "message": None})
    )
    result = Cli(root)("--lang", "en", "note", case_id, "sesudah")
    assert result.exit_code == 0, result.output
    assert "Committed what an interrupted command had saved" in result.output
    assert record.relative_to(root).as_posix() in git("ls-files", cwd=root)
    assert git("status", "--porcelain", cwd=root) == ""


def test_a_pending_commit_naming_a_file_outside_the_repository_is_dropped(pair):
    root, case_id, _ = pair
    (root / ".git" / markers.PENDING_COMMIT).write_text(json.dumps({"files": ["../../etc/passwd"]}))
    assert Cli(root)("note", case_id, "sesudah").exit_code == 0
    assert not (root / ".git" / markers.PENDING_COMMIT).exists()


def test_the_lock_is_released_when_a_command_fails(pair):
    root, _, _ = pair
    assert Cli(root)("note", "2099-NOPE", "x").exit_code == 4
    assert not (root / ".git" / locking.LOCK_NAME).exists()

"""A writing command refuses, before writing anything, while git is in a state where its
commit would be dropped later (a stopped rebase, a merge, a cherry-pick, a revert, a
detached HEAD); every recovery command it prints works as printed."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from ppks_cli import git as ppks_git
from ppks_cli.git import commit as git_commit
from ppks_cli.intake import create_case, prepare
from ppks_cli.store import Repository

from conftest import MR, Cli, built_once, git, snapshot


def _root(folder: Path) -> None:
    repo = Repository.create(folder / "kasus", "Dinas Sosial Kota Medan", "Saskia")
    ppks_git.init_repository(repo.root, "Saskia", "ppks: case repository created")
    case = create_case(repo, prepare(MR))
    ppks_git.commit_paths(repo.root, repo.written, f"{case.id}: case opened", "Saskia")


@pytest.fixture
def root(tmp_path, tmp_path_factory, monkeypatch) -> Path:
    """A repository in git with MR's case committed (made once per test process, then
    copied)."""
    built_once("git-states-root", _root, tmp_path, tmp_path_factory)
    monkeypatch.setenv("GIT_EDITOR", "true")  # `rebase --continue` and friends, unattended
    return tmp_path / "kasus"


def case_id(root: Path) -> str:
    return Repository.open(root).case_ids()[0]


def conflict_branches(root: Path) -> None:
    """Two branches that both changed the same line of a file differently."""
    config = root / "catatan.txt"
    config.write_text("awal\n")
    git("add", "catatan.txt", cwd=root)
    git("commit", "-qm", "base", cwd=root)
    text = ""
    git("checkout", "-q", "-b", "other", cwd=root)
    config.write_text(text + "# other\n")
    git("commit", "-qam", "other", cwd=root)
    git("checkout", "-q", "main", cwd=root)
    config.write_text(text + "# mine\n")
    git("commit", "-qam", "mine", cwd=root)


def run_shell(command: str, root: Path) -> subprocess.CompletedProcess:
    # from another folder than the repository: the printed command must say where
    return subprocess.run(command, shell=True, cwd=root.parent, capture_output=True, text=True)


def find(output: str, start: str) -> str:
    """The printed command that starts with ``start`` (up to the next ';' or sentence)."""
    index = output.index(start)
    tail = output[index:]
    end = min(i for i in (tail.find("; "), tail.find(". "), tail.find(" ("), tail.find(" dan "), tail.find(" and "),
                          len(tail)) if i >= 0)  # fmt: skip
    return tail[:end].rstrip(".").strip()


def test_note_during_a_stopped_rebase_is_refused_and_abort_works_as_printed(root):
    conflict_branches(root)
    assert subprocess.run(["git", "rebase", "other"], cwd=root, capture_output=True).returncode
    before = snapshot(root)
    head = git("rev-parse", "HEAD", cwd=root)
    result = Cli(root)("note", case_id(root), "catatan penting")
    assert result.exit_code == 6
    assert "rebase" in result.output
    assert snapshot(root) == before and git("rev-parse", "HEAD", cwd=root) == head
    abort = find(result.output, f"git -C {root} rebase --abort")
    assert run_shell(abort, root).returncode == 0
    assert not (root / ".git" / "rebase-merge").exists()
    assert Cli(root)("note", case_id(root), "catatan penting").exit_code == 0


def test_the_printed_continue_commands_finish_a_rebase(root):
    conflict_branches(root)
    subprocess.run(["git", "rebase", "other"], cwd=root, capture_output=True)
    result = Cli(root)("note", case_id(root), "catatan")
    (root / "catatan.txt").write_text(
        re.sub(r"<<<<<<<.*?>>>>>>> [^\n]*\n", "# both\n", (root / "catatan.txt").read_text(),
               flags=re.S)  # fmt: skip
    )
    add = find(result.output, f"git -C {root} add -- FILE").replace("FILE", "catatan.txt")
    go_on = find(result.output, f"git -C {root} rebase --continue")
    assert run_shell(add, root).returncode == 0
    done = run_shell(go_on, root)
    assert done.returncode == 0, done.stderr
    assert Cli(root)("note", case_id(root), "catatan").exit_code == 0


@pytest.mark.parametrize("operation", ["merge", "cherry-pick"])
def test_merge_and_cherry_pick_conflicts_refuse_and_the_printed_commands_work(root, operation):
    conflict_branches(root)
    assert subprocess.run(["git", operation, "other"], cwd=root, capture_output=True).returncode
    before = snapshot(root)
    result = Cli(root)("--lang", "en", "note", case_id(root), "catatan")
    assert result.exit_code == 6, result.output
    assert f"in the middle of a {operation}" in result.output
    assert snapshot(root) == before
    (root / "catatan.txt").write_text(
        re.sub(r"<<<<<<<.*?>>>>>>> [^\n]*\n", "# both\n", (root / "catatan.txt").read_text(),
               flags=re.S)  # fmt: skip
    )
    add = find(result.output, f"git -C {root} add -- FILE").replace("FILE", "catatan.txt")
    finish = f"git -C {root} commit --no-edit" if operation == "merge" else (
        f"git -C {root} cherry-pick --continue")  # fmt: skip
    assert finish in result.output
    assert run_shell(add, root).returncode == 0
    done = run_shell(finish, root)
    assert done.returncode == 0, done.stderr
    assert Cli(root)("note", case_id(root), "catatan").exit_code == 0


@pytest.mark.parametrize("operation", ["merge", "cherry-pick"])
def test_the_printed_abort_works(root, operation):
    conflict_branches(root)
    subprocess.run(["git", operation, "other"], cwd=root, capture_output=True)
    result = Cli(root)("note", case_id(root), "catatan")
    abort = find(result.output, f"git -C {root} {operation} --abort")
    done = run_shell(abort, root)
    assert done.returncode == 0, done.stderr
    assert Cli(root)("note", case_id(root), "catatan").exit_code == 0


def test_a_detached_head_refuses_and_both_printed_ways_back_work(root):
    git("checkout", "-q", "--detach", cwd=root)
    before = snapshot(root)
    result = Cli(root)("--lang", "en", "note", case_id(root), "catatan")
    assert result.exit_code == 6 and "detached HEAD" in result.output
    assert snapshot(root) == before
    keep = find(result.output, f"git -C {root} switch -c ppks-saved-work")
    switch = find(result.output, f"git -C {root} switch main")
    assert run_shell(keep, root).returncode == 0
    assert run_shell(switch, root).returncode == 0
    assert Cli(root)("note", case_id(root), "catatan").exit_code == 0


def test_no_commit_writes_during_a_rebase_says_so_and_the_note_survives_the_abort(root):
    conflict_branches(root)
    subprocess.run(["git", "rebase", "other"], cwd=root, capture_output=True)
    head = git("rev-parse", "HEAD", cwd=root)
    result = Cli(root)("--lang", "en", "--no-commit", "note", case_id(root), "tanpa commit")
    assert result.exit_code == 0, result.output
    assert "without a commit" in result.output and "not committed" in result.output
    assert git("rev-parse", "HEAD", cwd=root) == head
    git("rebase", "--abort", cwd=root)
    notes = list((root / "cases" / case_id(root) / "records").glob("*-note-*.toml"))
    assert len(notes) == 1 and "tanpa commit" in notes[0].read_text()


def test_a_failed_commit_exits_9_and_its_printed_command_finishes_it(root):
    hook = root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'ditolak' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = Cli(root)("note", case_id(root), "catatan")
    assert result.exit_code == 9
    manual = result.output[result.output.index(f"git -C {root} add") :].strip()
    assert "-note-" in manual
    hook.unlink()
    done = run_shell(manual, root)
    assert done.returncode == 0, done.stderr
    assert git("status", "--porcelain", cwd=root) == ""
    assert "note added" in git("log", "-1", "--format=%s", cwd=root)


def test_a_stale_index_lock_is_removed_and_named(root):
    lock = root / ".git" / "index.lock"
    lock.write_text("")
    old = lock.stat().st_mtime - 120
    os.utime(lock, (old, old))
    result = Cli(root)("--lang", "en", "note", case_id(root), "catatan")
    assert result.exit_code == 0, result.output
    assert str(lock) in result.output and not lock.exists()
    assert git("status", "--porcelain", cwd=root) == ""


def test_a_fresh_index_lock_is_left_alone_and_the_failure_names_it(root, monkeypatch):
    monkeypatch.setattr(git_commit, "COMMIT_ATTEMPTS", 1)
    lock = root / ".git" / "index.lock"
    lock.write_text("")
    result = Cli(root)("--lang", "en", "note", case_id(root), "catatan")
    assert result.exit_code == 9
    assert str(lock) in result.output and lock.exists()
    lock.unlink()
    manual = result.output[result.output.index(f"git -C {root} add") :].strip()
    assert run_shell(manual, root).returncode == 0
    assert git("status", "--porcelain", cwd=root) == ""

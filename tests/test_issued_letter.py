"""An issued letter does only the work it needs (issue 16: one PDF letter in 0.3 s): no
git process to learn HEAD while ppks holds the repository, no module it does not use
(sync, bundles, the whole index)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from test_fast_letter import committing, issue_letter  # noqa: F401  (a fixture)

from ppks_cli.git import state


def git(root, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                          text=True).stdout.strip()  # fmt: skip


@pytest.fixture
def gits(monkeypatch) -> list:
    """Every git process ppks starts from now on (all go through subprocess.run)."""
    seen: list = []
    real = subprocess.run

    def spy(args, *rest, **kwargs):
        if args and args[0] == "git":
            seen.append([a for a in args[1:] if "=" not in a and a != "-c"])
        return real(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "run", spy)
    return seen


def commit(root, name: str) -> None:
    (root / name).write_text(name)
    git(root, "add", name)
    git(root, "-c", "user.name=T", "-c", "user.email=t@t.invalid", "commit", "-qm", name)


@pytest.fixture
def repo_with_commits(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit(root, "a")
    commit(root, "b")
    return root


def read_without_git(root, gits) -> str | None:
    found = state.git_state(root)
    del gits[:]
    head = state.head_commit(root, found.git_dir)
    assert gits == []
    return head


def test_head_is_read_from_the_branch_file(repo_with_commits, gits):
    root = repo_with_commits
    assert read_without_git(root, gits) == git(root, "rev-parse", "HEAD")


def test_head_is_read_from_packed_refs(repo_with_commits, gits):
    root = repo_with_commits
    git(root, "pack-refs", "--all")
    assert not (root / ".git" / "refs" / "heads" / "main").exists()
    assert read_without_git(root, gits) == git(root, "rev-parse", "HEAD")
    commit(root, "c")  # a loose ref again, newer than the packed one
    assert read_without_git(root, gits) == git(root, "rev-parse", "HEAD")


def test_a_detached_head_is_read_too(repo_with_commits, gits):
    root = repo_with_commits
    git(root, "checkout", "-q", "--detach", "HEAD~1")
    assert read_without_git(root, gits) == git(root, "rev-parse", "HEAD")


def test_a_linked_work_tree_reads_the_shared_refs(repo_with_commits, tmp_path, gits):
    other = tmp_path / "other"
    git(repo_with_commits, "worktree", "add", "-q", "-b", "side", str(other))
    commit(other, "d")
    assert state.git_state(other).git_dir != state.git_state(repo_with_commits).git_dir
    assert read_without_git(other, gits) == git(other, "rev-parse", "HEAD")
    assert read_without_git(repo_with_commits, gits) == git(repo_with_commits, "rev-parse", "HEAD")


@pytest.mark.parametrize(
    "head", ["ref: refs/heads/nothing-yet", "ref: refs/heads/../../HEAD", "ref: refs/tags/x",
             "rubbish", "ref: refs/heads/.invalid"],
)  # fmt: skip
def test_what_the_files_do_not_say_plainly_is_asked_of_git(repo_with_commits, gits, head):
    root = repo_with_commits
    git_dir = state.git_state(root).git_dir
    (git_dir / "HEAD").write_text(head + "\n")
    del gits[:]
    asked = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD^{commit}"], cwd=root,
                           capture_output=True, text=True)  # fmt: skip
    assert state.head_commit(root, git_dir) == (asked.stdout.strip() or None)
    assert any("rev-parse" in args for args in gits)  # git was asked


def test_a_branch_file_that_is_not_an_id_is_asked_of_git(repo_with_commits, gits):
    root = repo_with_commits
    git_dir = state.git_state(root).git_dir
    expected = git(root, "rev-parse", "HEAD")
    git(root, "symbolic-ref", "refs/heads/alias", "refs/heads/main")
    (git_dir / "HEAD").write_text("ref: refs/heads/alias\n")
    del gits[:]
    assert state.head_commit(root, git_dir) == expected
    assert gits  # asked


def test_a_repository_without_a_commit_has_no_head(tmp_path):
    git(tmp_path, "init", "-q")
    assert state.head_commit(tmp_path, state.git_state(tmp_path).git_dir) is None
    assert state.head_commit(tmp_path) is None


def test_an_issued_letter_asks_git_nothing_about_head(committing, gits):  # noqa: F811
    root, case_id = committing
    assert issue_letter(root, case_id) == "462/1/Dinsos/2024"
    del gits[:]
    assert issue_letter(root, case_id) == "462/2/Dinsos/2024"
    assert not [args for args in gits if args[0] == "rev-parse" and any("HEAD" in a for a in args)]
    # the state (rev-parse), the commit's settings, then the commit itself (at most six)
    assert len(gits) <= 8, gits


ISSUE = """
import sys
from ppks_cli.cli import main
sys.argv = ["ppks", "--root", sys.argv[1], "letter", sys.argv[2], "referral", "--issue",
            "--new", "--date", "2024-06-20", "--format", "pdf", "-o", sys.argv[3]]
try:
    main()
finally:
    print(" ".join(sorted(sys.modules)), file=sys.stderr)
"""


def test_an_issued_letter_imports_no_sync_bundle_or_whole_index(committing, tmp_path):  # noqa: F811
    root, case_id = committing
    assert issue_letter(root, case_id) == "462/1/Dinsos/2024"
    done = subprocess.run(
        [sys.executable, "-c", ISSUE, str(root), case_id, str(tmp_path / "surat.pdf")],
        capture_output=True, text=True, env={**os.environ, "PPKS_WORKER": "Saskia"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    modules = set(done.stderr.strip().splitlines()[-1].split())
    assert "ppks_cli.git.commit" in modules  # it did commit
    assert (tmp_path / "surat.pdf").read_bytes().startswith(b"%PDF")
    unused = {"ppks_cli.git.sync", "ppks_cli.git.bundle", "ppks_cli.git.history",
              "ppks_cli.git.joining", "ppks_cli.git.status", "tarfile", "ppks_cli.index",
              "importlib.metadata"}  # fmt: skip
    assert not unused & modules


def test_pydantic_plugins_are_neither_looked_for_nor_run():
    """ppks's console script turns pydantic's plugins off (a plugin would be handed every
    value validated) without importing the plugin loader (importlib.metadata: 14 ms); a
    name the stand-in lacks is read from the real loader."""
    code = """
import os, sys
from ppks_cli.cli import no_pydantic_plugins
no_pydantic_plugins()
import pydantic
class Client(pydantic.BaseModel):
    name: str
assert Client(name="x").name == "x"
assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
assert "importlib.metadata" not in sys.modules, "looked for plugins"
from pydantic.plugin._loader import PYDANTIC_ENTRY_POINT_GROUP, get_plugins
assert PYDANTIC_ENTRY_POINT_GROUP == "pydantic" and list(get_plugins()) == []
assert "importlib.metadata" in sys.modules  # the real loader, for a name the stand-in lacks
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={k: v for k, v in os.environ.items() if "PYDANTIC" not in k})  # fmt: skip
    assert done.stdout.strip() == "ok", done.stderr


def test_the_git_package_keeps_its_names_whatever_is_imported_first():
    code = """
import importlib, sys
from ppks_cli import git
importlib.import_module("ppks_cli.git.sync")
import ppks_cli.git.history
from ppks_cli.git.status import status
from ppks_cli.git.sync import sync
assert git.sync is sync and callable(git.sync), git.sync
assert git.history is sys.modules["ppks_cli.git.history"].history
assert git.status is status
assert git.commit is sys.modules["ppks_cli.git.commit"]  # a module without a function so named
assert git.commit_paths is git.commit.commit_paths
assert set(git.__all__) <= set(dir(git))
for name in git.__all__:
    getattr(git, name)
try:
    git.no_such_name
except AttributeError:
    pass
else:
    raise AssertionError("no error")
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr

"""git's index written in-process (ppks_cli.git.dircache), against inputs found to break
it in review: each test failed before its fix. The random sequences that found some of
them: tests/fuzz_dircache.py (by hand)."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_dircache import BASE, assert_clean, commit_in_process, git, index_bytes, make_repo, write

from ppks_cli.git import dircache, plumbing

# names git's verify_path refuses (core.protectNTFS is on by default; core.protectHFS
# ignores some code points): `git add` fails on them, `git update-index --add` skips them
REFUSED = [
    ".GIT/x.toml", "cases/git~1/x.toml", "cases/GIT~1/x.toml", "cases/.git./x.toml",
    "cases/.Git /x.toml", "cases/.git::$INDEX_ALLOCATION/x.toml", "cases/.g\u200cit/x.toml",
]  # fmt: skip


@pytest.mark.parametrize("path", REFUSED)
def test_a_path_git_refuses_is_not_committed_from_trees(tmp_path, path):
    """Before: the commit held the path (``git fsck``: hasDotgit) and the index either
    held it too (git would have skipped it) or, for ``.GIT``, not (``git status``: the
    file deleted, so a plain ``git commit`` would take it out again)."""
    root = make_repo(tmp_path / "r", BASE)
    head, before = git(root, "rev-parse", "HEAD"), index_bytes(root)
    write(root, path, "x = 1\n")
    with pytest.raises(plumbing.Unsupported):
        commit_in_process(root, [path])
    assert git(root, "rev-parse", "HEAD") == head
    assert index_bytes(root) == before
    assert dircache.path_git_refuses(path.encode())


def test_a_name_that_is_not_utf8_is_left_to_git(tmp_path):
    """Before: UnicodeEncodeError (a traceback for the user) out of the plumbing."""
    root = make_repo(tmp_path / "r", BASE)
    head, before = git(root, "rev-parse", "HEAD"), index_bytes(root)
    name = os.fsdecode(b"cases/caf\xe9/x.toml")
    write(root, name, "x = 1\n")
    with pytest.raises(plumbing.Unsupported):
        commit_in_process(root, [name])
    assert git(root, "rev-parse", "HEAD") == head
    assert index_bytes(root) == before


@pytest.mark.parametrize("path", [".gitattributes", "cases/.gitignore", "cases/.github/x",
                                  "cases/git~2/x", "cases/a.git/x", "cases/\u00e9t\u00e9/x"])
def test_names_near_those_are_still_staged_in_process(tmp_path, monkeypatch, path):
    root = make_repo(tmp_path / "r", BASE)
    write(root, path, "x = 1\n")
    monkeypatch.setattr(plumbing, "run", _no_update_index(plumbing.run))
    assert commit_in_process(root, [path]) is not None
    assert_clean(root)


def _no_update_index(real):
    def spy(root, *args, **kwargs):
        assert "update-index" not in args, "git update-index ran"
        return real(root, *args, **kwargs)

    return spy


def test_the_hints_hold_after_a_file_that_sorts_first(tmp_path, monkeypatch):
    """Before: the hints' first entry moved past the new first entry, so the next
    commit found them unusable and read the index whole."""
    monkeypatch.setattr(dircache, "HINT_EVERY", 2)
    root = make_repo(tmp_path / "r", BASE)
    write(root, "aaa.toml", "a\n")
    commit_in_process(root, ["aaa.toml"])
    write(root, "0.toml", "first\n")
    commit_in_process(root, ["0.toml"])
    hints = json.loads((root / ".git" / dircache.HINTS_FILE).read_text())
    assert hints["entries"][0] == dircache.HEADER_SIZE

    def whole(*_args):
        raise AssertionError("read whole")

    monkeypatch.setattr(dircache, "_entry_offsets", whole)
    write(root, "cases/2024-AAAAA/records/x.toml", "x\n")
    commit_in_process(root, ["cases/2024-AAAAA/records/x.toml"])
    assert_clean(root)


@pytest.mark.parametrize("spoil", ["a FIFO", "nested deep", "a folder"])
def test_a_hints_file_that_is_not_one_is_passed_over(tmp_path, spoil):
    """Before: a FIFO in the hints' place made the commit wait forever for a writer;
    JSON nested deep raised RecursionError (a traceback)."""
    root = make_repo(tmp_path / "r", BASE)
    hints = root / ".git" / dircache.HINTS_FILE
    if spoil == "a FIFO":
        os.mkfifo(hints)
    elif spoil == "nested deep":
        hints.write_text("[" * 100_000 + "]" * 100_000)
    else:
        hints.mkdir()
    write(root, "cases/x.toml", "x\n")
    path = "cases/x.toml"
    # a FIFO opened blocking would hang here: the test would time out, not fail
    assert commit_in_process(root, [path]) is not None
    assert_clean(root)


@settings(max_examples=2, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_random_commits_among_git_commands_give_what_git_gives(seed):
    """A few of tests/fuzz_dircache.py's random sequences (thousands run by hand): ppks
    commits interleaved with git's own commands (add, rm --cached, reset --soft,
    read-tree, stash, merge, links, submodule entries, ...); every in-process staging
    checked against ``git update-index --add`` from the same index, its tree cache
    against the trees of its entries, its hints against the index read whole, and a
    refused one for leaving everything as it was."""
    import tempfile
    from pathlib import Path

    import fuzz_dircache as fuzz

    with tempfile.TemporaryDirectory() as base, pytest.MonkeyPatch.context() as patch:
        patch.setattr(dircache, "HINT_EVERY", 2)
        patch.setattr(dircache, "stage", fuzz.checked_stage)
        fuzz.sequence(seed, Path(base), "sha256" if seed % 4 == 0 else "sha1")

"""The git layer called directly (no command line): each function of ``ppks_cli.git`` on
real git repositories in temporary folders. Where a test says "exactly", it checks the
commit's file list or the refs, not just an exit status."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppks_cli import casework, paths
from ppks_cli import git as ppks_git
from ppks_cli.errors import (
    DamagedFile,
    DeletionsNotConfirmed,
    ExternalToolError,
    GitMissing,
    InvalidInput,
    NotFound,
    Refused,
    SyncConflict,
)
from ppks_cli.git import commit as git_commit
from ppks_cli.git import markers, runner, state
from ppks_cli.git.identity import configured_identity, identity_env
from ppks_cli.intake import create_case, prepare
from ppks_cli.store import Repository

from conftest import MR, built_once, git

# --- paths: which case and record a repository path is ------------------------------------------


@pytest.mark.parametrize(
    ("relpath", "expected"),
    [
        ("cases/K-1/case.toml", ("K-1", "case", None)),
        ("cases/K-1/records/2024-02-16-note-01ABC.toml", ("K-1", "note", "01ABC")),
        ("cases/K-1/records/2024-02-16-referral-update-9Z.toml", ("K-1", "referral-update", "9Z")),
        ("cases/K-1/records/notes.txt", ("K-1", None, None)),  # in a case, but no record
        ("cases/K-1/records/sub/2024-02-16-note-01ABC.toml", ("K-1", None, None)),
        ("cases/K-1/other/case.toml", ("K-1", None, None)),
        ("cases/K-1", None),  # the folder itself names no file in it
        ("cases/.gitkeep", None),
        ("ppks.toml", None),
        ("templates/surat.md.j2", None),
        ("other/K-1/case.toml", None),
        ("cases//case.toml", None),
    ],
)
def test_describe_tells_the_case_and_record_of_a_path(relpath, expected):
    assert paths.describe(relpath) == expected


@settings(max_examples=40, deadline=None)
@given(
    case_id=st.from_regex(r"[A-Z0-9][A-Z0-9-]{0,20}", fullmatch=True),
    kind=st.sampled_from(["note", "assessment", "referral-update", "follow-up", "letter"]),
    record_id=st.from_regex(r"[0-9A-Z]{1,26}", fullmatch=True),
    day=st.dates(min_value=dt.date(1000, 1, 1)),
)
def test_describe_reads_back_every_path_repo_paths_builds(case_id, kind, record_id, day):
    layout = paths.RepoPaths(Path("/r"))
    record = layout.relative(layout.record_file(case_id, day.isoformat(), kind, record_id))
    assert paths.describe(record) == (case_id, kind, record_id)
    assert paths.describe(layout.relative(layout.case_file(case_id))) == (case_id, "case", None)
    assert paths.case_file_rel(case_id) == layout.relative(layout.case_file(case_id))
    assert paths.case_folder_rel(case_id) == layout.relative(layout.case_dir(case_id))


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_machine_git_config(monkeypatch, tmp_path):
    """git reads no identity from the machine: the environment's (conftest) is the one."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-global-config"))


def committed_files(root: Path, revision: str = "HEAD") -> list[str]:
    return git("show", "--name-only", "--format=", revision, cwd=root).split()


def head(root: Path) -> str:
    return git("rev-parse", "HEAD", cwd=root).strip()


def _gitrepo(folder: Path) -> str:
    repo = Repository.create(folder / "kasus", "Dinas Sosial Kota Medan")
    assert ppks_git.init_repository(repo.root, "Saskia", "ppks: case repository created").committed
    case = create_case(repo, prepare(MR))
    result = ppks_git.commit_paths(repo.root, repo.written, f"{case.id}: case opened", "Saskia")
    assert result.committed
    return case.id


@pytest.fixture
def gitrepo(tmp_path, tmp_path_factory) -> tuple[Repository, str]:
    """A case repository in git: the first commit, then one case (MR) committed (made
    once per test process, then copied)."""
    case_id = built_once("git-layer-repo", _gitrepo, tmp_path, tmp_path_factory)
    return Repository.open(tmp_path / "kasus"), case_id


def add_note(repo: Repository, case_id: str, text: str, commit: bool = True) -> Path:
    """Write a note through the library; commit it unless told not to. Returns its file."""
    repo.written.clear()
    casework.note(repo, repo.load_case(case_id), worker="Saskia", text=text)
    (record,) = repo.written
    if commit:
        assert ppks_git.commit_paths(repo.root, [record], f"{case_id}: note added").committed
    repo.written.clear()
    return record


def _team(folder: Path) -> str:
    case_id = _gitrepo(folder)
    root = folder / "kasus"
    origin = folder / "origin.git"
    git("init", "--bare", "-q", "-b", "main", str(origin), cwd=folder)
    git("remote", "add", "origin", str(origin), cwd=root)
    first = ppks_git.sync(root)
    assert first.pushed and first.remote == "origin" and first.branch == "main"
    git("clone", "-q", str(origin), str(folder / "office"), cwd=folder)
    return case_id


@pytest.fixture
def team(tmp_path, tmp_path_factory):
    """A bare remote, the shelter clone (the gitrepo, pushed) and an office clone of it
    (made once per test process, then copied)."""
    case_id = built_once("git-layer-team", _team, tmp_path, tmp_path_factory)
    return Repository.open(tmp_path / "kasus"), Repository.open(tmp_path / "office"), case_id


# --- running git ----------------------------------------------------------------------------------


def test_a_failing_git_raises_with_its_own_last_line(gitrepo):
    repo, _ = gitrepo
    with pytest.raises(ExternalToolError) as caught:
        runner.run(repo.root, "rev-parse", "--verify", "no-such-branch")
    assert caught.value.params["command"] == "git rev-parse"
    assert "Needed a single revision" in caught.value.params["detail"]
    assert runner.run(repo.root, "rev-parse", "--verify", "nope", check=False).returncode != 0


def test_git_never_runs_a_command_from_an_ext_url_nor_a_repositorys_fsmonitor(gitrepo):
    repo, _ = gitrepo
    pwned = repo.root.parent / "pwned"
    result = runner.run(repo.root, "ls-remote", f"ext::sh -c touch% {pwned}", check=False)
    assert result.returncode != 0 and not pwned.exists()
    git("config", "core.fsmonitor", f"touch {pwned}; false", cwd=repo.root)
    assert ppks_git.status(repo.root).uncommitted == []
    assert not pwned.exists()


def test_without_git_every_entry_point_says_so(gitrepo, tmp_path, monkeypatch):
    repo, _ = gitrepo
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert not ppks_git.git_available() and not ppks_git.is_repository(repo.root)
    assert ppks_git.git_state(repo.root) is None
    for call in (lambda: runner.run(repo.root, "status"),
                 lambda: ppks_git.require_repository(repo.root)):  # fmt: skip
        with pytest.raises(GitMissing) as caught:
            call()
        assert caught.value.key == "error.git_missing"
    with pytest.raises(GitMissing) as caught:
        ppks_git.init_repository(tmp_path, None, "ppks: case repository created")
    assert caught.value.key == "error.git_missing_init"


def test_a_folder_outside_git_is_refused(tmp_path):
    with pytest.raises(Refused) as caught:
        ppks_git.require_repository(tmp_path)
    assert caught.value.key == "error.not_git"


def test_git_command_names_the_folder_unless_it_is_the_working_directory(tmp_path, monkeypatch):
    assert ppks_git.git_command(tmp_path, "add", "--", "a b") == f"git -C {tmp_path} add -- 'a b'"
    monkeypatch.chdir(tmp_path)
    assert ppks_git.git_command(tmp_path, "status") == "git status"


# --- committing -----------------------------------------------------------------------------------


def test_a_new_repository_gets_its_settings_files_and_a_first_commit(gitrepo):
    repo, _ = gitrepo
    first = git("rev-list", "--max-parents=0", "HEAD", cwd=repo.root).strip()
    assert sorted(committed_files(repo.root, first)) == [
        ".gitattributes",
        ".gitignore",
        "cases/.gitkeep",
        "ppks.toml",
    ]
    assert git("log", "-1", "--format=%s", first, cwd=repo.root).strip() == (
        "ppks: case repository created"
    )
    assert (repo.root / ".gitignore").read_text() == ppks_git.GITIGNORE
    assert git("symbolic-ref", "--short", "HEAD", cwd=repo.root).strip() == "main"


def test_commit_paths_commits_exactly_the_given_files(gitrepo):
    repo, case_id = gitrepo
    mine = add_note(repo, case_id, "catatan saya", commit=False)
    other = add_note(repo, case_id, "catatan lain", commit=False)
    staged = repo.root / "staged.txt"
    staged.write_text("staged by hand")
    git("add", "staged.txt", cwd=repo.root)
    result = ppks_git.commit_paths(repo.root, [mine], f"{case_id}: note added", "Saskia")
    assert result.committed and result.problem is None
    assert result.sha == git("rev-parse", "--short", "HEAD", cwd=repo.root).strip()
    assert result.paths == [repo.rel(mine)]
    assert committed_files(repo.root) == [repo.rel(mine)]
    assert git("log", "-1", "--format=%s|%an", cwd=repo.root).strip() == (
        f"{case_id}: note added|Saskia"
    )
    # what was staged or written besides stays exactly as it was
    assert git("status", "--porcelain", cwd=repo.root).splitlines() == [
        "A  staged.txt",
        f"?? {repo.rel(other)}",
    ]
    again = ppks_git.commit_paths(repo.root, [mine], "nothing new")
    assert not again.committed and again.problem is None
    assert ppks_git.commit_paths(repo.root, [], "nothing") == ppks_git.CommitResult(False)


def test_a_refused_commit_keeps_the_files_and_gives_a_command_that_finishes_it(gitrepo):
    repo, case_id = gitrepo
    hook = repo.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'ditolak oleh kantor' >&2\nexit 1\n")
    hook.chmod(0o755)
    record = add_note(repo, case_id, "ditolak", commit=False)
    before = head(repo.root)
    result = ppks_git.commit_paths(repo.root, [record], f"{case_id}: note added")
    assert not result.committed and head(repo.root) == before and record.is_file()
    assert result.problem.key == "git.commit_failed"
    assert result.problem.params["detail"] == "ditolak oleh kantor"
    # nothing is left staged for the user's next `git commit`: the file is untracked again
    assert git("status", "--porcelain", "-uall", cwd=repo.root).splitlines() == [
        f"?? {repo.rel(record)}"
    ]
    manual = result.problem.params["manual"]
    assert manual == ppks_git.manual_commit_command(
        repo.root, [repo.rel(record)], f"{case_id}: note added"
    )
    hook.unlink()
    subprocess.run(manual, shell=True, check=True, capture_output=True)
    assert committed_files(repo.root) == [repo.rel(record)]


def test_files_ppks_wrote_are_committed_even_where_an_ignore_rule_matches(gitrepo):
    """An old `.gitignore` or the user's global excludes must not keep a record (or a
    stored scan) from the colleagues: ppks commits exactly what it wrote, forced."""
    repo, case_id = gitrepo
    exclude = repo.root / ".git" / "info" / "exclude"
    exclude.parent.mkdir(exist_ok=True)
    exclude.write_text("*.toml\n")
    record = add_note(repo, case_id, "diabaikan", commit=False)
    result = ppks_git.commit_paths(repo.root, [record], f"{case_id}: note added")
    assert result.committed, result.problem
    assert committed_files(repo.root) == [repo.rel(record)]
    assert git("status", "--porcelain", "--ignored", cwd=repo.root) == ""


def test_a_fresh_index_lock_fails_the_commit_and_names_the_lock(gitrepo, monkeypatch):
    repo, case_id = gitrepo
    monkeypatch.setattr(git_commit, "COMMIT_ATTEMPTS", 1)
    lock = repo.root / ".git" / "index.lock"
    lock.write_text("")
    record = add_note(repo, case_id, "terkunci", commit=False)
    result = ppks_git.commit_paths(repo.root, [record], "x")
    assert not result.committed and lock.exists()
    assert result.problem.params["detail"].params == {"file": str(lock)}


def test_a_stale_index_lock_is_removed_and_the_commit_goes_through(gitrepo):
    repo, case_id = gitrepo
    lock = repo.root / ".git" / "index.lock"
    lock.write_text("")
    old = lock.stat().st_mtime - 120
    os.utime(lock, (old, old))
    record = add_note(repo, case_id, "kunci basi", commit=False)
    assert ppks_git.commit_paths(repo.root, [record], "x").committed
    assert not lock.exists()


# --- identity -------------------------------------------------------------------------------------


@pytest.fixture
def no_identity(monkeypatch, tmp_path):
    """No git identity anywhere: neither in the environment nor in any git config."""
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                 "GIT_COMMITTER_EMAIL", "PPKS_EMAIL", "EMAIL"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-global-config"))
    monkeypatch.setenv("HOME", str(tmp_path))


def test_identity_on_a_machine_without_one_is_the_worker(gitrepo, no_identity):
    repo, case_id = gitrepo
    assert configured_identity(repo.root) == (None, None)
    assert identity_env(repo.root, None) == {}
    assert identity_env(repo.root, "Saskia Dewi") == {
        "GIT_AUTHOR_NAME": "Saskia Dewi", "GIT_AUTHOR_EMAIL": "saskia.dewi@ppks.invalid",
        "GIT_COMMITTER_NAME": "Saskia Dewi", "GIT_COMMITTER_EMAIL": "saskia.dewi@ppks.invalid",
    }  # fmt: skip
    assert identity_env(repo.root, "!!!")["GIT_AUTHOR_EMAIL"] == "pekerja@ppks.invalid"
    record = add_note(repo, case_id, "tanpa identitas", commit=False)
    assert ppks_git.commit_paths(repo.root, [record], "x", "Saskia Dewi").committed
    assert git("log", "-1", "--format=%an <%ae> / %cn", cwd=repo.root).strip() == (
        "Saskia Dewi <saskia.dewi@ppks.invalid> / Saskia Dewi"
    )


def test_identity_with_git_configured_keeps_git_as_committer(gitrepo, no_identity, monkeypatch):
    repo, _ = gitrepo
    git("config", "user.name", "Kantor Medan", cwd=repo.root)
    git("config", "user.email", "kantor@example.invalid", cwd=repo.root)
    assert configured_identity(repo.root) == ("Kantor Medan", "kantor@example.invalid")
    assert identity_env(repo.root, None) == {
        "GIT_AUTHOR_NAME": "Kantor Medan", "GIT_AUTHOR_EMAIL": "kantor@example.invalid"
    }  # fmt: skip
    assert identity_env(repo.root, "Saskia") == {
        "GIT_AUTHOR_NAME": "Saskia", "GIT_AUTHOR_EMAIL": "kantor@example.invalid"
    }  # fmt: skip
    monkeypatch.setenv("PPKS_EMAIL", "saskia@example.invalid")
    assert identity_env(repo.root, "Saskia")["GIT_AUTHOR_EMAIL"] == "saskia@example.invalid"


# --- history and snapshots ------------------------------------------------------------------------


def test_history_lists_each_commit_of_the_case_with_what_it_changed(gitrepo):
    repo, case_id = gitrepo
    record = add_note(repo, case_id, "pertama")
    record_id = paths.describe(repo.rel(record)).record_id
    entries = ppks_git.history(repo.root, case_id)
    assert [e.subject for e in entries] == [f"{case_id}: note added", f"{case_id}: case opened"]
    assert entries[0].sha == head(repo.root) and entries[0].author == "Test Worker"
    assert entries[0].email == "test@example.invalid" and entries[0].when.tzinfo is not None
    assert entries[0].changes == [ppks_git.Change("A", repo.rel(record), "note", record_id)]
    assert [(c.status, c.kind) for c in entries[1].changes] == [("A", "case")]
    assert ppks_git.history(repo.root, "NO-SUCH-CASE") == []


def test_history_before_the_first_commit_is_empty(tmp_path):
    git("init", "-q", str(tmp_path), cwd=tmp_path)
    assert ppks_git.history(tmp_path, "K-1") == []
    with pytest.raises(NotFound) as caught:
        ppks_git.resolve_revision(tmp_path, "HEAD")
    assert caught.value.key == "error.no_history"


def test_a_repository_in_a_subfolder_of_a_git_work_tree(tmp_path):
    """Paths git prints from the top of its work tree are read relative to the root."""
    top = tmp_path / "kantor"
    top.mkdir()
    git("init", "-q", "-b", "main", cwd=top)
    repo = Repository.create(top / "arsip" / "kasus", "Dinas Sosial Kota Medan")
    assert ppks_git.init_repository(repo.root, "Saskia", "ppks: case repository created").committed
    assert (top / ".gitignore").exists() is False and (repo.root / ".gitignore").is_file()
    case = create_case(repo, prepare(MR))
    assert ppks_git.commit_paths(repo.root, repo.written, f"{case.id}: case opened").committed
    repo.written.clear()
    (entry,) = ppks_git.history(repo.root, case.id)
    assert entry.changes[0].path == f"arsip/kasus/{paths.case_file_rel(case.id)}"
    assert entry.changes[0].kind == "case"
    record = add_note(repo, case.id, "belum", commit=False)
    assert ppks_git.status(repo.root).uncommitted == [("??", repo.rel(record))]


def test_resolve_revision_reads_dates_and_revisions(gitrepo):
    repo, case_id = gitrepo
    first = head(repo.root)
    add_note(repo, case_id, "kedua")
    today = dt.date.today().isoformat()
    assert ppks_git.resolve_revision(repo.root, today) == head(repo.root)
    assert ppks_git.resolve_revision(repo.root, "HEAD~1") == first
    assert ppks_git.resolve_revision(repo.root, first[:10]) == first
    with pytest.raises(NotFound) as caught:
        ppks_git.resolve_revision(repo.root, "2000-01-01")
    assert caught.value.params == {"date": "2000-01-01"}
    for bad in ("--output=/tmp/x", "", "HEAD\x1b[2J", "x" * 201, "no-such-branch"):
        with pytest.raises(InvalidInput) as caught:
            ppks_git.resolve_revision(repo.root, bad)
        assert caught.value.key == "error.bad_revision"
    when = ppks_git.commit_time(repo.root, first)
    assert when == dt.datetime.fromisoformat(
        git("show", "-s", "--format=%cI", first, cwd=repo.root).strip()
    )


def test_checkout_snapshot_writes_the_case_as_it_was(gitrepo, tmp_path):
    repo, case_id = gitrepo
    first = head(repo.root)
    record = add_note(repo, case_id, "sesudahnya")
    into = tmp_path / "snapshot"
    into.mkdir()
    assert ppks_git.checkout_snapshot(repo.root, first, case_id, into) == into
    snap = paths.RepoPaths(into)
    assert snap.config.read_bytes() == repo.paths.config.read_bytes()
    assert snap.case_file(case_id).read_bytes() == repo.paths.case_file(case_id).read_bytes()
    assert not (into / repo.rel(record)).exists()
    assert sorted(p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file()) == [
        paths.case_file_rel(case_id),
        paths.CONFIG_FILE,
    ]
    first_commit = git("rev-list", "--max-parents=0", "HEAD", cwd=repo.root).strip()
    with pytest.raises(NotFound) as caught:
        ppks_git.checkout_snapshot(repo.root, first_commit, case_id, tmp_path / "none")
    assert caught.value.key == "error.case_not_yet"


def test_a_snapshot_holding_a_symbolic_link_is_refused_and_nothing_is_written(gitrepo, tmp_path):
    repo, case_id = gitrepo
    link = repo.paths.records_dir(case_id) / "2024-02-16-note-01LINK.toml"
    link.parent.mkdir(exist_ok=True)
    link.symlink_to("/etc/hostname")
    git("add", "--", repo.rel(link), cwd=repo.root)
    git("commit", "-qm", "link", cwd=repo.root)
    into = tmp_path / "snapshot"
    into.mkdir()
    with pytest.raises(DamagedFile) as caught:
        ppks_git.checkout_snapshot(repo.root, head(repo.root), case_id, into)
    assert caught.value.params["path"] == repo.rel(link)
    assert list(into.iterdir()) == []


# --- status ---------------------------------------------------------------------------------------


def test_status_lists_uncommitted_and_unsynced_files(team):
    shelter, _, case_id = team
    clean = ppks_git.status(shelter.root)
    assert clean == ppks_git.Status([], [], "origin/main", 0, 0)
    record = add_note(shelter, case_id, "belum dikirim")
    loose = add_note(shelter, case_id, "belum disimpan", commit=False)
    case_file = shelter.paths.case_file(case_id)
    case_file.write_text(case_file.read_text() + "\n")
    found = ppks_git.status(shelter.root)
    assert sorted(found.uncommitted) == sorted(
        [("??", shelter.rel(loose)), ("M", shelter.rel(case_file))]
    )
    assert found.unsynced == [("A", shelter.rel(record))]
    assert (found.upstream, found.ahead, found.behind) == ("origin/main", 1, 0)


# --- sync -----------------------------------------------------------------------------------------


def test_sync_between_two_clones_sends_and_receives_records(team):
    shelter, office, case_id = team
    sent = add_note(shelter, case_id, "dari shelter")
    first = ppks_git.sync(shelter.root, worker="Saskia")
    assert first.pushed and first.records_received == [] and first.cases_received == []
    assert first.records_sent == [shelter.rel(sent)]
    mine = add_note(office, case_id, "dari kantor")
    report = ppks_git.sync(office.root, "origin", "Budi")
    assert report.records_received == [office.rel(office.root / shelter.rel(sent))]
    assert report.records_sent == [office.rel(mine)] and report.pushed
    assert (office.root / shelter.rel(sent)).read_bytes() == sent.read_bytes()
    # one straight line: the office's commit replayed on top of the shelter's
    assert git("rev-list", "--merges", "--count", "HEAD", cwd=office.root).strip() == "0"
    back = ppks_git.sync(shelter.root)
    assert back.records_received == [shelter.rel(shelter.root / office.rel(mine))]
    assert not back.pushed and not back.up_to_date
    quiet = ppks_git.sync(shelter.root)
    assert quiet.up_to_date and not quiet.pushed
    assert head(shelter.root) == head(office.root)


def test_sync_receives_a_new_case_and_counts_a_changed_case_file_as_a_record(team):
    shelter, office, case_id = team
    other = create_case(office, prepare(replace(MR, name="AB")))
    assert ppks_git.commit_paths(office.root, office.written, f"{other.id}: case opened").committed
    case_file = office.paths.case_file(case_id)
    case_file.write_text(case_file.read_text() + "\n")
    assert ppks_git.commit_paths(office.root, [case_file], f"{case_id}: corrected").committed
    ppks_git.sync(office.root)
    report = ppks_git.sync(shelter.root)
    assert report.cases_received == [other.id]
    assert report.records_received == [paths.case_file_rel(case_id)]


def test_sync_refuses_what_is_not_a_configured_remote_and_a_dirty_tree(team):
    shelter, _, case_id = team
    assert ppks_git.remotes(shelter.root) == ["origin"]
    assert ppks_git.check_remote(shelter.root, "origin") == "origin"
    with pytest.raises(InvalidInput):
        ppks_git.sync(shelter.root, "--upload-pack=touch pwned")
    with pytest.raises(Refused) as caught:
        ppks_git.sync(shelter.root, "upstream")
    assert caught.value.params == {"value": "upstream", "remotes": "origin"}
    loose = add_note(shelter, case_id, "belum disimpan", commit=False)
    with pytest.raises(Refused) as caught:
        ppks_git.sync(shelter.root)
    # a new record left uncommitted: the sync would not send it
    assert caught.value.key == "error.sync_untracked"
    assert caught.value.params["files"] == shelter.rel(loose)


def test_a_sync_conflict_leaves_the_repository_as_it_was(team):
    shelter, office, case_id = team
    for repo, text in ((office, "# kantor\n"), (shelter, "# shelter\n")):
        case_file = repo.paths.case_file(case_id)
        case_file.write_text(case_file.read_text() + text)
        assert ppks_git.commit_paths(repo.root, [case_file], f"{case_id}: edited").committed
    ppks_git.sync(office.root)
    before = head(shelter.root)
    with pytest.raises(SyncConflict) as caught:
        ppks_git.sync(shelter.root)
    (conflict,) = caught.value.conflicts
    assert (conflict.path, conflict.case, conflict.kind, conflict.record) == (
        paths.case_file_rel(case_id),
        case_id,
        "case",
        None,
    )
    shared, local = conflict.versions
    assert "# kantor" in shared.text and "# shelter" in local.text
    assert shared.label == f"Test Worker, {dt.date.today().isoformat()}"
    assert head(shelter.root) == before and ppks_git.git_state(shelter.root).operation is None
    assert git("status", "--porcelain", cwd=shelter.root) == ""
    assert not (shelter.root / ".git" / markers.SYNC_MARKER).exists()


def test_deletions_in_names_whole_cases_and_single_records(team):
    shelter, office, case_id = team
    record = add_note(shelter, case_id, "akan dihapus")
    other = create_case(shelter, prepare(replace(MR, name="AB")))
    assert ppks_git.commit_paths(shelter.root, shelter.written, f"{other.id}: opened").committed
    add_note(shelter, other.id, "ikut terhapus")
    ppks_git.sync(shelter.root)
    ppks_git.sync(office.root)
    base = head(office.root)
    git("rm", "-q", "-r", "--", office.rel(office.root / shelter.rel(record)),
        paths.case_folder_rel(other.id), cwd=office.root)  # fmt: skip
    git("commit", "-qm", "deleted", cwd=office.root)
    deleted = ppks_git.deletions_in(office.root, base, "HEAD")
    record_id = paths.describe(shelter.rel(record)).record_id
    assert sorted(deleted, key=lambda d: d.case) == sorted([
        ppks_git.Deletion(case_id, shelter.rel(record), "note", record_id, 1, base),
        ppks_git.Deletion(other.id, paths.case_folder_rel(other.id), None, None, 2, base),
    ], key=lambda d: d.case)  # fmt: skip
    assert deleted[0].restore_command().startswith(f"git checkout {base[:12]} -- ")


def test_refused_deletions_change_nothing_not_even_the_tracking_ref(team):
    shelter, office, case_id = team
    git("rm", "-q", "-r", "--", paths.case_folder_rel(case_id), cwd=office.root)
    git("commit", "-qm", "deleted", cwd=office.root)
    ppks_git.sync(office.root)
    tracking = git("rev-parse", "origin/main", cwd=shelter.root).strip()
    before = head(shelter.root)
    with pytest.raises(DeletionsNotConfirmed) as caught:
        ppks_git.sync(shelter.root, refuse_deletions=True)
    (gone,) = caught.value.deleted
    assert (gone.case, gone.record, gone.path) == (case_id, None, paths.case_folder_rel(case_id))
    assert caught.value.params["command"] == "ppks sync --accept-deletions"
    assert git("rev-parse", "origin/main", cwd=shelter.root).strip() == tracking
    assert head(shelter.root) == before and shelter.paths.case_file(case_id).is_file()
    accepted = ppks_git.sync(shelter.root)
    assert [d.case for d in accepted.deleted] == [case_id]
    assert not shelter.paths.case_dir(case_id).exists()


# --- bundles --------------------------------------------------------------------------------------


def test_bundle_export_then_import_and_clone(team, tmp_path):
    shelter, office, case_id = team
    sent = add_note(shelter, case_id, "lewat USB")
    stick = tmp_path / "stick.bundle"
    assert ppks_git.bundle_export(shelter.root, stick) == stick and stick.is_file()
    mine = add_note(office, case_id, "kantor")
    cases, records, deleted = ppks_git.bundle_import(office.root, stick, "Budi")
    assert (cases, records, deleted) == ([], [shelter.rel(sent)], [])
    assert (office.root / shelter.rel(sent)).is_file() and mine.is_file()
    assert git("log", "-1", "--format=%s", cwd=office.root).strip() == f"{case_id}: note added"
    assert git("rev-parse", "HEAD~1", cwd=office.root).strip() == head(shelter.root)
    laptop = tmp_path / "laptop"
    ppks_git.clone_bundle(stick, laptop)
    assert head(laptop) == head(shelter.root)
    with pytest.raises(Refused) as caught:
        ppks_git.clone_bundle(stick, laptop)
    assert caught.value.key == "error.target_not_empty"


def test_a_fresh_repository_takes_a_bundles_history(team, tmp_path):
    shelter, _, case_id = team
    stick = ppks_git.bundle_export(shelter.root, tmp_path / "stick.bundle")
    fresh = Repository.create(tmp_path / "baru", "Dinas Sosial Kota Medan")
    assert ppks_git.init_repository(fresh.root, "Budi", "ppks: case repository created").committed
    cases, records, deleted = ppks_git.bundle_import(fresh.root, stick)
    assert (cases, deleted) == ([case_id], [])
    assert head(fresh.root) == head(shelter.root)
    assert not (fresh.root / ".git" / markers.SYNC_MARKER).exists()


def test_a_bundle_that_is_no_bundle_or_from_elsewhere_is_refused(team, tmp_path):
    shelter, _, _ = team
    junk = tmp_path / "junk.bundle"
    junk.write_text("bukan bundle")
    with pytest.raises(InvalidInput) as caught:
        ppks_git.bundle_import(shelter.root, junk)
    assert caught.value.key == "error.bad_bundle"
    with pytest.raises(NotFound):
        ppks_git.bundle_import(shelter.root, tmp_path / "missing.bundle")
    elsewhere = Repository.create(tmp_path / "lain", "Dinas Sosial Kota Medan")
    ppks_git.init_repository(elsewhere.root, "Budi", "ppks: case repository created")
    create_case(elsewhere, prepare(MR))
    ppks_git.commit_paths(elsewhere.root, elsewhere.written, "opened")
    stick = ppks_git.bundle_export(elsewhere.root, tmp_path / "lain.bundle")
    before = head(shelter.root)
    with pytest.raises(Refused) as caught:
        ppks_git.bundle_import(shelter.root, stick)
    assert caught.value.key == "error.bundle_unrelated" and head(shelter.root) == before


# --- the state git is in, and recovery ------------------------------------------------------------


def test_git_state_and_the_unsafe_states_refused(gitrepo):
    repo, _ = gitrepo
    found = ppks_git.git_state(repo.root)
    assert found == ppks_git.GitState(repo.root / ".git", repo.root, "main", None)
    ppks_git.refuse_unsafe_state(repo.root, found)  # a branch, nothing unfinished: fine
    (repo.root / ".git" / "MERGE_HEAD").write_text(head(repo.root))
    merging = ppks_git.git_state(repo.root)
    assert merging.operation == "merge"
    with pytest.raises(Refused) as caught:
        ppks_git.refuse_unsafe_state(repo.root, merging)
    assert caught.value.key == "error.git_merge_in_progress"
    assert caught.value.params["abort"] == f"git -C {repo.root} merge --abort"
    (repo.root / ".git" / "MERGE_HEAD").unlink()
    git("checkout", "-q", "--detach", cwd=repo.root)
    detached = ppks_git.git_state(repo.root)
    assert detached.branch is None
    with pytest.raises(Refused) as caught:
        ppks_git.refuse_unsafe_state(repo.root, detached)
    assert caught.value.params["switch"] == f"git -C {repo.root} switch main"


def test_a_pending_commit_is_finished_by_recover(gitrepo):
    repo, case_id = gitrepo
    record = repo.paths.records_dir(case_id) / "2024-02-16-note-01PENDING.toml"
    ppks_git.note_pending_commit(repo.root, [record], f"{case_id}: note added", "Saskia")
    noted = markers.read(repo.root / ".git", markers.PENDING_COMMIT)
    assert noted["files"] == [repo.rel(record)] and noted["worker"] == "Saskia"
    record.parent.mkdir(exist_ok=True)
    record.write_text("schema = 1\n")  # written; then the command was killed
    found = ppks_git.recover(repo.root)
    assert found.committed == [repo.rel(record)] and found.problem is None
    assert committed_files(repo.root) == [repo.rel(record)]
    assert git("log", "-1", "--format=%s|%an", cwd=repo.root).strip() == (
        f"{case_id}: note added|Saskia"
    )
    assert markers.read(repo.root / ".git", markers.PENDING_COMMIT) is None
    assert ppks_git.recover(repo.root) == ppks_git.Recovery()


def test_recover_without_commit_keeps_the_note_and_the_file(gitrepo):
    repo, case_id = gitrepo
    record = add_note(repo, case_id, "tidak disimpan", commit=False)
    ppks_git.note_pending_commit(repo.root, [record], None, None)
    before = head(repo.root)
    assert ppks_git.recover(repo.root, commit=False).committed == []
    assert head(repo.root) == before and record.is_file()
    # kept for the next command that commits
    assert markers.read(repo.root / ".git", markers.PENDING_COMMIT)["files"] == [repo.rel(record)]
    ppks_git.done_pending_commit(repo.root)
    assert not (repo.root / ".git" / markers.PENDING_COMMIT).exists()


def test_markers_that_cannot_be_read_count_as_empty(tmp_path):
    assert markers.read(tmp_path, "m.json") is None
    (tmp_path / "m.json").write_text("[1, 2]")
    assert markers.read(tmp_path, "m.json") == {}
    (tmp_path / "m.json").write_text("{not json")
    assert markers.read(tmp_path, "m.json") == {}
    markers.write(tmp_path, "m.json", {"a": 1})
    assert markers.read(tmp_path, "m.json") == {"a": 1}
    markers.drop(tmp_path, "m.json")
    markers.drop(tmp_path, "m.json")
    assert not (tmp_path / "m.json").exists()


def test_only_an_old_index_lock_is_removed(gitrepo, monkeypatch):
    repo, _ = gitrepo
    lock = repo.root / ".git" / "index.lock"
    lock.write_text("")
    assert state.index_lock(repo.root) == lock
    assert ppks_git.remove_stale_index_lock(repo.root) is None and lock.exists()
    monkeypatch.setattr(state, "time_now", lambda: lock.stat().st_mtime + 60)
    assert ppks_git.remove_stale_index_lock(repo.root) == lock and not lock.exists()
    assert state.index_lock(repo.root) is None


@pytest.mark.parametrize(
    ("made", "operation", "key"),
    [
        (["rebase-merge/"], "rebase", "error.git_rebase_in_progress"),
        (["rebase-apply/"], "rebase", "error.git_rebase_in_progress"),
        (["rebase-apply/", "rebase-apply/applying"], "am", "error.git_am_in_progress"),
        (["CHERRY_PICK_HEAD"], "cherry-pick", "error.git_cherry_pick_in_progress"),
        (["REVERT_HEAD"], "revert", "error.git_revert_in_progress"),
        (["BISECT_LOG"], "bisect", "error.git_bisect_in_progress"),
    ],
)
def test_each_unfinished_operation_is_named_and_refused(gitrepo, made, operation, key):
    repo, _ = gitrepo
    git_dir = repo.root / ".git"
    for name in made:
        if name.endswith("/"):
            (git_dir / name).mkdir()
        else:
            (git_dir / name).write_text("")
    found = ppks_git.git_state(repo.root)
    assert found.operation == operation
    with pytest.raises(Refused) as caught:
        ppks_git.refuse_unsafe_state(repo.root, found)
    assert caught.value.key == key
    if operation != "bisect":
        assert caught.value.params["go_on"] == f"git -C {repo.root} {operation} --continue"


def stop_sync_mid_rebase(shelter: Repository, office: Repository, case_id: str) -> str:
    """The state a sync killed in the middle of its rebase leaves in the shelter clone:
    HEAD detached on the office's work, the shelter's own commit not replayed yet.
    Returns the commit the shelter's branch was on."""
    add_note(office, case_id, "kantor")
    ppks_git.sync(office.root)
    git("fetch", "-q", "origin", cwd=shelter.root)
    before = head(shelter.root)
    env = {**os.environ, "GIT_SEQUENCE_EDITOR": "sed -i '1i break'"}
    subprocess.run(["git", "rebase", "-i", "origin/main"], cwd=shelter.root, env=env,
                   check=True, capture_output=True)  # fmt: skip
    found = ppks_git.git_state(shelter.root)
    assert found.operation == "rebase" and found.branch is None
    markers.write(found.git_dir, markers.SYNC_MARKER, {"branch": "main", "head": before})
    return before


def test_a_sync_killed_mid_rebase_is_rolled_back_by_recover(team):
    shelter, office, case_id = team
    mine = add_note(shelter, case_id, "milik saya")
    before = stop_sync_mid_rebase(shelter, office, case_id)
    assert not mine.exists()  # what the user saw after the kill
    found = ppks_git.recover(shelter.root)
    assert found.sync_rolled_back and found.committed == []
    assert head(shelter.root) == before and mine.is_file()
    after = ppks_git.git_state(shelter.root)
    assert (after.branch, after.operation) == ("main", None)
    assert not (after.git_dir / markers.SYNC_MARKER).exists()
    assert ppks_git.sync(shelter.root).pushed  # the sync simply runs again


def test_a_half_written_rebase_is_rolled_back_to_the_branch(team):
    shelter, office, case_id = team
    mine = add_note(shelter, case_id, "milik saya")
    before = head(shelter.root)
    git("checkout", "-q", "--detach", "origin/main", cwd=shelter.root)
    (shelter.root / ".git" / "rebase-merge").mkdir()  # killed before git wrote its state
    markers.write(shelter.root / ".git", markers.SYNC_MARKER, {"branch": "main", "head": before})
    assert ppks_git.recover(shelter.root).sync_rolled_back
    assert head(shelter.root) == before and mine.is_file()
    assert ppks_git.git_state(shelter.root).operation is None


def test_a_rebase_the_user_started_since_is_left_alone(team):
    shelter, office, case_id = team
    add_note(shelter, case_id, "milik saya")
    stop_sync_mid_rebase(shelter, office, case_id)
    markers.write(shelter.root / ".git", markers.SYNC_MARKER, {"branch": "main", "head": "0" * 40})
    ppks_git.recover(shelter.root)
    assert ppks_git.git_state(shelter.root).operation == "rebase"
    assert not (shelter.root / ".git" / markers.SYNC_MARKER).exists()


def test_a_pending_commit_outside_the_repository_is_dropped_not_committed(gitrepo):
    repo, _ = gitrepo
    markers.write(repo.root / ".git", markers.PENDING_COMMIT, {"files": ["../../etc/passwd", 7]})
    before = head(repo.root)
    assert ppks_git.recover(repo.root).committed == []
    assert head(repo.root) == before
    assert markers.read(repo.root / ".git", markers.PENDING_COMMIT) is None


def test_git_never_reads_the_users_input(tmp_path):
    """A git that ppks runs gets no input from ppks's own standard input (a repack that
    `git gc --auto` starts reads revisions there, and answers typed ahead for a form
    would be eaten): what comes on ppks's stdin stays unread by git."""
    import subprocess
    import sys

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    code = ("import sys; from pathlib import Path; from ppks_cli.git import runner; "
            "print(runner.run(Path(sys.argv[1]), 'hash-object', '--stdin').stdout.decode())")
    import os

    import ppks_cli

    source = str(Path(ppks_cli.__file__).parents[1])  # this ppks, whatever else is installed
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], input=b"typed ahead\n",
                          capture_output=True, check=True,
                          env={**os.environ, "PYTHONPATH": source})  # fmt: skip
    empty_blob = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    assert done.stdout.decode().strip() == empty_blob, done.stderr

"""A case repository is untrusted input for git: nothing from it (or typed by the user)
ever reaches git as an option, git runs no command from a remote URL, git output is
parsed with NUL separators, deletions received by sync are reported and can be refused,
and `show --as-of` refuses committed symbolic links. Real git, in temporary folders;
commands run in-process."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppks_cli import git as ppks_git
from ppks_cli.config import is_remote_name
from ppks_cli.errors import ExternalToolError, InvalidInput, Refused
from ppks_cli.git.identity import configured_identity
from ppks_cli.intake import create_case, prepare
from ppks_cli.store import Repository

from conftest import MR, Cli, built_once, git, snapshot

HOSTILE_REMOTES = [
    "--upload-pack=touch pwned;git-upload-pack",
    "--upload-pack=touch pwned",
    "-oProxyCommand=touch pwned",
    "--receive-pack=touch pwned",
    "-u",
    "--exec=touch pwned",
    "ext::sh -c touch% pwned",
    "ext::sh",
    "fd::3",
    "https://example.invalid/kasus.git",
    "ssh://x/y",
    "git@example.invalid:kasus.git",
    "file:///tmp/x",
    "/tmp/somewhere",
    "../other",
    "./origin",
    "orig in",
    "orig\x1bin",
    "orig\nin",
    "orig\x00in",
    "origin\t",
    "a..b",
    "a@{1}",
    "x.lock",
    "",
    "-",
    "o" * 101,
]


def no_pwned(*folders: Path) -> None:
    for folder in folders:
        assert not list(folder.rglob("pwned")), folder


def _team(folder: Path) -> str:
    origin = folder / "origin.git"
    git("init", "--bare", "-q", "-b", "main", str(origin), cwd=folder)
    repo = Repository.create(folder / "shelter", "Dinas Sosial Kota Medan")
    assert ppks_git.init_repository(repo.root, "Saskia", "ppks: case repository created").committed
    case = create_case(repo, prepare(MR))
    ppks_git.commit_paths(repo.root, [repo.root / "cases" / case.id], f"{case.id}: case opened")
    git("remote", "add", "origin", str(origin), cwd=repo.root)
    ppks_git.sync(repo.root)
    git("clone", "-q", str(origin), str(folder / "office"), cwd=folder)
    return case.id


@pytest.fixture
def team(tmp_path, tmp_path_factory, monkeypatch):
    """A bare remote `origin`, the shelter clone (one case, synced) and the office clone
    (made once per test process, then copied)."""
    monkeypatch.chdir(tmp_path)
    case_id = built_once("git-safety-team", _team, tmp_path, tmp_path_factory)
    return tmp_path / "shelter", tmp_path / "office", case_id


# --- remote names -------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE_REMOTES)
def test_no_url_option_or_odd_character_is_a_remote_name(value):
    assert not is_remote_name(value)


@pytest.mark.parametrize("value", ["origin", "kantor", "up-stream", "team/office", "a.b", "x_1"])
def test_plain_names_are_remote_names(value):
    assert is_remote_name(value)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_a_remote_name_never_reads_as_an_option_or_url(value):
    if is_remote_name(value):
        assert not value.startswith("-") and ":" not in value
        assert not any(ord(c) < 33 or ord(c) == 127 for c in value)


def test_sync_core_refuses_every_hostile_remote_before_git_sees_it(team, tmp_path):
    shelter, _, _ = team
    before = git("rev-parse", "HEAD", cwd=shelter)
    for value in [v for v in HOSTILE_REMOTES if v]:  # "" is no remote given
        with pytest.raises(InvalidInput) as refused:
            ppks_git.sync(shelter, value)
        assert refused.value.key == "error.bad_remote", value
    assert git("rev-parse", "HEAD", cwd=shelter) == before
    no_pwned(tmp_path)


def test_sync_option_remote_is_refused_with_exit_3(team, tmp_path):
    shelter, _, _ = team
    files = snapshot(shelter)
    for value in HOSTILE_REMOTES[:8] + ["orig in", "orig\x1bin", "-", "o" * 101]:
        result = Cli(shelter)("sync", f"--remote={value}", lang="en")
        assert result.exit_code == 3, (value, result.output)
        assert "is not a git remote name" in result.output and "Traceback" not in result.output
        assert "\x1b" not in result.output  # a control character is shown escaped
    assert snapshot(shelter) == files
    no_pwned(tmp_path)


def test_a_valid_name_that_is_not_configured_is_refused_with_exit_6(team):
    shelter, _, _ = team
    result = Cli(shelter)("sync", "--remote", "upstream")
    assert result.exit_code == 6
    assert "git remote add upstream" in result.output and "origin" in result.output


def test_origin_by_name_works(team):
    shelter, _, _ = team
    result = Cli(shelter)("sync", "--remote", "origin", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["remote"] == "origin"


def write_git_setting(root: Path, **values) -> None:
    path = root / "ppks.toml"
    text = path.read_text().replace("[git]\n", "[git]\n" + tomli_w.dumps(values), 1)
    path.write_text(text)


def test_a_hostile_committed_remote_setting_is_a_damaged_ppks_toml(team, tmp_path):
    shelter, _, _ = team
    original = (shelter / "ppks.toml").read_text()
    head = git("rev-parse", "HEAD", cwd=shelter)
    cli = Cli(shelter)
    for value in ["--upload-pack=touch pwned;git-upload-pack", "-oProxyCommand=touch pwned",
                  "ext::sh -c touch% pwned", "https://example.invalid/k.git", "o r\x07igin"]:  # fmt: skip
        (shelter / "ppks.toml").write_text(original)
        write_git_setting(shelter, remote=value)
        files = snapshot(shelter)
        synced = cli("sync", lang="en")
        assert synced.exit_code == 7, synced.output
        assert "ppks.toml" in synced.output and "'git.remote'" in synced.output
        assert "not a git remote name" in synced.output or "U+0007" in synced.output
        assert "\x07" not in synced.output
        checked = cli("check", lang="en")
        assert checked.exit_code != 0 and "git.remote" in checked.output
        assert snapshot(shelter) == files and git("rev-parse", "HEAD", cwd=shelter) == head
    no_pwned(tmp_path)


def test_a_configured_ext_url_runs_nothing(team, tmp_path):
    """The user's own .git/config (or a copied repository folder) naming an ext:: URL:
    git refuses the transport."""
    shelter, _, _ = team
    git("remote", "add", "evil", "ext::sh -c touch% pwned", cwd=shelter)
    git("remote", "add", "evilfd", "fd::7", cwd=shelter)
    for name in ("evil", "evilfd"):
        with pytest.raises(ExternalToolError):
            ppks_git.sync(shelter, name)
    no_pwned(tmp_path)


def test_a_copied_repository_config_runs_no_fsmonitor_program(team, tmp_path):
    shelter, _, _ = team
    git("config", "core.fsmonitor", "touch pwned; false", cwd=shelter)
    assert ppks_git.status(shelter).uncommitted == []
    no_pwned(tmp_path)


# --- revisions and paths ----------------------------------------------------------------------


def test_as_of_never_reads_as_an_option(team, tmp_path):
    shelter, _, case_id = team
    for value in ["--output=OUT", "-oOUT", "--all", "-p", "--format=%H", "-", "--",
                  "HEAD\n--all", "HEAD\x00", "\x1b[2J", "HEAD --output=OUT"]:  # fmt: skip
        value = value.replace("OUT", str(tmp_path / "leak"))
        result = Cli(shelter)("show", case_id, f"--as-of={value}", lang="en")
        assert result.exit_code == 3, (value, result.output)
        assert "neither a date" in result.output and "Traceback" not in result.output
        assert "\x1b" not in result.output
    assert not (tmp_path / "leak").exists()


def test_as_of_with_a_separate_dashed_value(team, tmp_path):
    shelter, _, case_id = team
    result = Cli(shelter)("show", case_id, "--as-of", f"--output={tmp_path / 'leak'}")
    assert result.exit_code == 3, result.output
    assert not (tmp_path / "leak").exists()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=20).map(lambda s: "-" + s))
def test_no_dashed_revision_reaches_git(team, value):
    shelter, _, _ = team
    with pytest.raises(InvalidInput):
        ppks_git.resolve_revision(shelter, value)


def test_bundle_file_names_starting_with_a_dash(team, tmp_path, monkeypatch):
    shelter, office, _ = team
    usb = tmp_path / "usb"
    usb.mkdir()
    monkeypatch.chdir(usb)
    for name in ["--upload-pack=touch pwned", "-x.bundle", "--all"]:
        exported = Cli(shelter)("bundle", "export", "--", name)
        assert exported.exit_code == 0, exported.output
        assert (usb / name).is_file()
        imported = Cli(office)("bundle", "import", "--", name)
        assert imported.exit_code == 0, imported.output
        cloned = Cli(None)("bundle", "import", "--into", f"-laptop{name}", "--", name)
        assert cloned.exit_code == 0, cloned.output
        assert (usb / f"-laptop{name}" / "ppks.toml").is_file()
    no_pwned(tmp_path)


# --- parsing git output -------------------------------------------------------------------------


def test_history_survives_control_characters_in_author_and_subject(team):
    shelter, _, case_id = team
    path = shelter / "cases" / case_id / "case.toml"
    path.write_text(path.read_text() + "\n")
    author = "Ev\x1fil\x1eDewi\tX"
    env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": "a\x1e@b.invalid"}
    subprocess.run(["git", "commit", "-qam", "sub\x1fject\x1e ppks-commit"], cwd=shelter,
                   check=True, env=env)  # fmt: skip
    entries = ppks_git.history(shelter, case_id)
    assert len(entries) == 2
    assert entries[0].author == author and entries[0].subject == "sub\x1fject\x1e ppks-commit"
    assert [c.path for c in entries[0].changes] == [f"cases/{case_id}/case.toml"]
    assert entries[1].changes[0].kind == "case" and entries[1].changes[0].status == "A"
    cli = Cli(shelter)
    assert cli("history", case_id).exit_code == 0
    shown = cli("history", case_id, "--json")
    assert shown.exit_code == 0 and json.loads(shown.output)[0]["author"] == author


def test_status_and_identity_with_odd_file_names(team):
    shelter, _, _ = team
    odd = shelter / "cases" / "a\tb c.toml"
    odd.write_text("x")
    assert ("??", "cases/a\tb c.toml") in ppks_git.status(shelter).uncommitted
    git("config", "user.name", "Nama\x1fAneh", cwd=shelter)
    assert configured_identity(shelter)[0] == "Nama\x1fAneh"


# --- show --as-of and committed symbolic links -----------------------------------------------------


def test_as_of_a_revision_holding_a_symlink_is_a_clear_problem(team):
    shelter, _, case_id = team
    folder = shelter / "cases" / case_id
    links = {
        folder / "case.toml": "/etc/passwd",
        folder / "records" / "2024-02-20-note-AAAAAA.toml": "/etc/passwd",
        folder / "records" / "2024-02-21-note-BBBBBB.toml": "../case.toml",  # inside: still
        shelter / "ppks.toml": "/etc/passwd",
        folder / "records": "/etc",
    }
    for link, target in links.items():
        saved = link.read_bytes() if link.is_file() else None
        if link.is_file():
            link.unlink()
        elif link.is_dir():
            link.rmdir()
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
        git("add", "-A", cwd=shelter)
        git("commit", "-qm", "a link", cwd=shelter)
        link.unlink()
        if saved is not None:
            link.write_bytes(saved)
        git("add", "-A", cwd=shelter)
        git("commit", "-qm", "link removed", cwd=shelter)
        result = Cli(shelter)("show", case_id, "--as-of", "HEAD~1", lang="en")
        assert result.exit_code == 7, (link, result.output)
        assert "symbolic link" in result.output and "Traceback" not in result.output
        assert Cli(shelter)("show", case_id, "--as-of", "HEAD").exit_code == 0


# --- deletions received --------------------------------------------------------------------------


def _deleted(folder: Path) -> tuple[str, str, str]:
    shared = _team(folder)
    shelter, office = folder / "shelter", folder / "office"
    cli = Cli(shelter)
    assert cli("note", shared, "catatan yang akan dihapus", "--worker", "Saskia").exit_code == 0
    second = create_case(Repository.open(shelter), prepare(replace(MR, name="RS", sex="P")))
    ppks_git.commit_paths(shelter, [shelter / "cases" / second.id], f"{second.id}: case opened")
    ppks_git.sync(shelter)
    git("pull", "-q", "--rebase", cwd=office)
    note = next((office / "cases" / shared / "records").glob("*-note-*.toml"))
    note_path = note.relative_to(office).as_posix()
    git("rm", "-rq", f"cases/{second.id}", note_path, cwd=office)
    git("commit", "-qm", "tidy up", cwd=office)
    git("push", "-q", "origin", "main", cwd=office)
    return shared, second.id, note_path


@pytest.fixture
def deleted(tmp_path, tmp_path_factory, monkeypatch):
    """The team (as :func:`team`); the shelter has a note on the shared case and a second
    case, both synced; the office then deletes the second case and the note, and syncs
    (made once per test process, then copied)."""
    monkeypatch.chdir(tmp_path)
    shared, second, note_path = built_once("git-safety-deleted", _deleted, tmp_path,
                                           tmp_path_factory)  # fmt: skip
    return tmp_path / "shelter", shared, second, note_path


def test_sync_reports_deleted_cases_and_records_and_how_to_restore(deleted):
    shelter, shared, second, note_path = deleted
    result = Cli(shelter)("sync", lang="en")
    assert result.exit_code == 0, result.output
    assert f"Case {second} was deleted" in result.output
    assert f"In case {shared}, Note" in result.output and note_path in result.output
    assert not (shelter / "cases" / second).exists() and not (shelter / note_path).exists()
    commands = [line.split(": ", 1)[1] for line in result.output.splitlines()
                if "To get it back" in line]  # fmt: skip
    assert len(commands) == 2
    for command in commands:  # each works exactly as printed, in the repository folder
        subprocess.run(command, shell=True, cwd=shelter, check=True, capture_output=True)
    assert (shelter / "cases" / second / "case.toml").is_file() and (shelter / note_path).is_file()
    assert git("status", "--porcelain", cwd=shelter) == ""
    assert Cli(shelter)("check").exit_code == 0


def test_records_a_colleague_deleted_are_not_counted_as_sent(deleted):
    shelter, shared, second, note_path = deleted
    assert Cli(shelter)("note", shared, "baru", "--worker", "Saskia").exit_code == 0
    result = Cli(shelter)("sync", "--json")
    assert result.exit_code == 0, result.output
    sent = json.loads(result.stdout)["records_sent"]
    assert len(sent) == 1 and "-note-" in sent[0] and sent[0] != note_path


def test_confirm_deletions_refuses_and_leaves_everything_as_it_was(deleted):
    shelter, shared, second, note_path = deleted
    write_git_setting(shelter, confirm_deletions=True)
    git("commit", "-qam", "confirm deletions", cwd=shelter)
    files = snapshot(shelter)
    refs = git("for-each-ref", cwd=shelter)
    head = git("rev-parse", "HEAD", cwd=shelter)
    with pytest.raises(Refused) as core:
        ppks_git.sync(shelter, refuse_deletions=True)
    assert core.value.key == "error.deletions_not_confirmed"
    cli = Cli(shelter)
    refused = cli("sync", lang="en")
    assert refused.exit_code == 6, refused.output
    assert "ppks sync --accept-deletions" in refused.output and second in refused.output
    assert note_path in refused.output
    assert snapshot(shelter) == files and git("for-each-ref", cwd=shelter) == refs
    assert git("rev-parse", "HEAD", cwd=shelter) == head
    assert git("status", "--porcelain", cwd=shelter) == ""
    accepted = cli("sync", "--accept-deletions", "--json")
    assert accepted.exit_code == 0, accepted.output
    assert not (shelter / "cases" / second).exists()
    report = json.loads(accepted.output)["deleted"]
    assert sorted((d["case"], d["record"] is None) for d in report) == sorted(
        [(second, True), (shared, False)]
    )
    whole = next(d for d in report if d["case"] == second)
    assert whole["path"] == f"cases/{second}" and whole["files"] == 1
    assert whole["restore"].startswith("git checkout ")


def test_bundle_import_reports_and_can_refuse_deletions(deleted, tmp_path):
    shelter, shared, second, note_path = deleted
    office = tmp_path / "office"
    stick = tmp_path / "kasus.bundle"
    assert Cli(office)("bundle", "export", str(stick)).exit_code == 0
    write_git_setting(shelter, confirm_deletions=True)
    git("commit", "-qam", "confirm deletions", cwd=shelter)
    files, refs = snapshot(shelter), git("for-each-ref", cwd=shelter)
    cli = Cli(shelter)
    refused = cli("bundle", "import", str(stick), lang="en")
    assert refused.exit_code == 6 and "--accept-deletions" in refused.output
    assert snapshot(shelter) == files and git("for-each-ref", cwd=shelter) == refs
    accepted = cli("bundle", "import", str(stick), "--accept-deletions", "--json")
    assert accepted.exit_code == 0, accepted.output
    assert {d["case"] for d in json.loads(accepted.output)["deleted"]} == {second, shared}
    assert not (shelter / "cases" / second).exists()

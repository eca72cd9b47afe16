"""Team basics of issue 11: who is recording (the worker chain), ``ppks --version``,
``ppks init`` on a machine with no git identity, the ``.gitignore`` of a new repository,
and ``sync`` in a clone whose origin is a bundle file."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import pytest
from test_casework_cli import CONTRACT, fill

from ppks_cli import __version__
from ppks_cli.errors import InvalidInput
from ppks_cli.intake import create_case, prepare
from ppks_cli.store import Repository

from conftest import MR, NEW_MR_ARGS, git, run_ppks

IDENTITY = ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL")


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A machine whose git has no identity: an empty HOME, no system config, no GIT_*
    identity variables, and git told not to guess a name or e-mail from the host."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    for name in IDENTITY:
        monkeypatch.delenv(name, raising=False)
    (folder / ".gitconfig").write_text("[user]\n\tuseConfigOnly = true\n")
    return folder


def set_git_name(home: Path, name: str) -> None:
    (home / ".gitconfig").write_text(f"[user]\n\tuseConfigOnly = true\n\tname = {name}\n")


def commits(root: Path) -> list[str]:
    """``author / committer`` of every commit, oldest first."""
    return git("log", "--reverse", "--format=%an / %cn", cwd=root).splitlines()


# --- who is recording ---------------------------------------------------------------------


def test_the_papers_contract_with_no_worker_setting_anywhere(tmp_path, home):
    kasus = tmp_path / "kasus"
    assert run_ppks("init", str(kasus), env={"PPKS_WORKER": "Saskia"}).returncode == 0
    assert Repository.open(kasus).config.defaults.worker is None
    made = run_ppks(*NEW_MR_ARGS, "--json", cwd=kasus)
    assert made.returncode == 0, made.stderr
    case_id = json.loads(made.stdout)["id"]
    for args, _ in CONTRACT:  # stdin closed, no --worker, no PPKS_WORKER, no default
        result = run_ppks(*fill(args, case_id), cwd=kasus)
        assert result.returncode == 0, (args[0], result.stderr)
    shown = json.loads(run_ppks("show", case_id, "--json", cwd=kasus).stdout)
    assert shown["stage"] == "termination" and shown["closed"] is True
    assert len(shown["records"]) == len(CONTRACT)
    assert {r["worker"] for r in shown["records"]} == {"Saskia"}
    assert set(commits(kasus)[-len(CONTRACT) :]) == {"Saskia / Saskia"}
    assert git("status", "--porcelain", cwd=kasus) == ""


def test_the_worker_chain_in_order(repo, tmp_path, home, monkeypatch):
    case = create_case(repo, prepare(MR))  # the intake worker is Saskia
    other = create_case(repo, prepare(dataclasses.replace(MR, name="Lain", worker="Budi")))
    set_git_name(home, "Nama Dari Git")
    assert repo.step_worker(None, case) == "Saskia"
    assert repo.step_worker(None, repo.find_case(other.id)) == "Budi"
    assert repo.step_worker(None, None) == "Nama Dari Git"  # a new case: no case's worker
    text = repo.paths.config.read_text().replace(
        '# worker = "Nama Pekerja Sosial"', 'worker = "Dari Berkas"'
    )
    repo.paths.config.write_text(text)
    repo = Repository.open(repo.root)
    assert repo.step_worker(None, case) == "Dari Berkas"
    monkeypatch.setenv("PPKS_WORKER", "Dari Env")
    assert repo.step_worker(None, case) == "Dari Env"
    assert repo.step_worker("Dari Opsi", case) == "Dari Opsi"


def test_no_worker_anywhere_is_one_message_listing_every_way(tmp_path, home, monkeypatch):
    repo = Repository.create(tmp_path / "kasus", "Dinas Sosial Kota Medan")
    assert repo.step_worker(None, None) is None
    args = [a for a in NEW_MR_ARGS if a not in ("--worker", "Saskia")]
    for lang, words in (("id", "Siapa yang mencatat"), ("en", "Who is recording")):
        result = run_ppks("--lang", lang, *args, cwd=repo.root)
        assert result.returncode == 3 and "Traceback" not in result.stderr
        assert words in result.stderr
        for way in ("--worker", "PPKS_WORKER", "[defaults]", "git config --global user.name"):
            assert way in result.stderr, way
    assert repo.case_ids() == []
    set_git_name(home, "Nama Dari Git")  # git's user.name is the last way
    made = run_ppks(*args, "--json", cwd=repo.root)
    assert made.returncode == 0, made.stderr
    case_id = json.loads(made.stdout)["id"]
    assert repo.find_case(case_id).file.intake.worker == "Nama Dari Git"


def test_a_bad_name_in_git_config_is_named(repo, home):
    (home / ".gitconfig").write_text('[user]\n\tname = "Nama\x1fAneh"\n')
    with pytest.raises(InvalidInput) as caught:
        repo.step_worker(None, None)
    assert "git config user.name" in caught.value.message()


# --- ppks --version -----------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--version"], ["--lang", "en", "--version"]])
def test_version_alone_prints_the_version(args):
    result = run_ppks(*args)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"ppks {__version__}\n" and __version__ == "0.1.0"
    assert result.stderr == ""


# --- ppks init without a git identity -----------------------------------------------------


def test_init_with_no_git_identity_commits_as_the_worker(tmp_path, home):
    result = run_ppks("init", str(tmp_path / "X"), "--worker", "Saskia")
    assert result.returncode == 0, result.stderr
    assert "commit" not in result.stderr
    assert git("status", "--porcelain", "--untracked-files=all", cwd=tmp_path / "X") == ""
    assert commits(tmp_path / "X") == ["Saskia / Saskia"]


def test_init_with_no_git_identity_takes_ppks_worker(tmp_path, home, monkeypatch):
    monkeypatch.setenv("PPKS_WORKER", "Dewi Lestari")
    result = run_ppks("init", str(tmp_path / "X"), env={"PPKS_WORKER": "Dewi Lestari"})
    assert result.returncode == 0, result.stderr
    assert git("status", "--porcelain", "--untracked-files=all", cwd=tmp_path / "X") == ""
    assert commits(tmp_path / "X") == ["Dewi Lestari / Dewi Lestari"]
    # the shell's name stays the worker's own: it is not written into the shared settings
    assert "Dewi" not in (tmp_path / "X" / "ppks.toml").read_text()


def test_init_with_only_git_user_name_commits_by_that_name(tmp_path, home):
    set_git_name(home, "Kantor Medan")  # a name, but no e-mail
    result = run_ppks("init", str(tmp_path / "X"))
    assert result.returncode == 0, result.stderr
    assert commits(tmp_path / "X") == ["Kantor Medan / Kantor Medan"]


def test_init_with_no_name_at_all_says_how_and_creates_nothing(tmp_path, home):
    for lang in ("id", "en"):
        result = run_ppks("--lang", lang, "init", str(tmp_path / "X"))
        assert result.returncode == 3 and "Traceback" not in result.stderr
        for way in ("--worker", "PPKS_WORKER", "git config"):
            assert way in result.stderr, way
        assert not (tmp_path / "X").exists()


# --- .gitignore ---------------------------------------------------------------------------


def test_gitignore_keeps_logos_and_scans_and_ignores_what_ppks_renders(tmp_path):
    kasus = tmp_path / "kasus"
    assert run_ppks("init", str(kasus), "--worker", "Saskia").returncode == 0

    def ignored(rel: str) -> bool:
        found = subprocess.run(["git", "check-ignore", "-q", "--no-index", rel], cwd=kasus)
        assert found.returncode in (0, 1)
        return found.returncode == 0

    for kept in ("logo.png", "templates/logo.png", "cases/2024-9E/attachments/ktp.pdf",
                 "surat/persetujuan.pdf", "ppks.toml"):  # fmt: skip
        assert not ignored(kept), kept
    for rendered in ("out/rujukan.pdf", "out/x/terminasi.png", ".ppks.lock",
                     ".ppks-cache/a", "templates/__pycache__/x.pyc"):  # fmt: skip
        assert ignored(rendered), rendered
    (kasus / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    assert git("status", "--porcelain", cwd=kasus) == "?? logo.png\n"


# --- sync in a clone made from a bundle ---------------------------------------------------


def test_sync_where_origin_is_the_bundle_file_says_what_to_do(tmp_path):
    office = tmp_path / "kantor"
    assert run_ppks("init", str(office), "--worker", "Saskia").returncode == 0
    assert run_ppks(*NEW_MR_ARGS, cwd=office).returncode == 0
    bundle = tmp_path / "kasus.bundle"
    assert run_ppks("bundle", "export", str(bundle), cwd=office).returncode == 0
    shelter = tmp_path / "shelter"
    made = run_ppks("bundle", "import", str(bundle), "--into", str(shelter), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    head = git("rev-parse", "HEAD", cwd=shelter)
    for lang, words in (("id", "git remote set-url origin"), ("en", "git remote set-url origin")):
        result = run_ppks("--lang", lang, "sync", cwd=shelter)
        assert result.returncode == 6, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and str(bundle) in lines[0]
        assert "fatal" not in result.stderr and "Traceback" not in result.stderr
    assert git("rev-parse", "HEAD", cwd=shelter) == head
    assert git("status", "--porcelain", cwd=shelter) == ""
    # the advice works: point origin to the office's shared repository and sync
    shared = tmp_path / "shared.git"
    git("clone", "-q", "--bare", str(office), str(shared), cwd=tmp_path)
    git("remote", "set-url", "origin", str(shared), cwd=shelter)
    synced = run_ppks("sync", cwd=shelter)
    assert synced.returncode == 0, synced.stderr


# --- init --worker names this clone's worker, not the team's ------------------------------


def local_name(root: Path) -> str | None:
    found = subprocess.run(
        ["git", "config", "--local", "user.name"], cwd=root, capture_output=True, text=True
    )
    return found.stdout.strip() if found.returncode == 0 else None


def test_init_worker_is_this_clones_git_name_not_a_shared_default(tmp_path, home):
    kasus = tmp_path / "kasus"
    result = run_ppks("init", str(kasus), "--worker", "Saskia Br Ginting")
    assert result.returncode == 0, result.stderr
    assert Repository.open(kasus).config.defaults.worker is None
    assert '# worker = "Nama Pekerja Sosial"' in (kasus / "ppks.toml").read_text()
    assert local_name(kasus) == "Saskia Br Ginting"
    assert commits(kasus) == ["Saskia Br Ginting / Saskia Br Ginting"]
    args = [a for a in NEW_MR_ARGS if a not in ("--worker", "Saskia")]
    made = run_ppks(*args, "--json", cwd=kasus)
    assert made.returncode == 0, made.stderr
    case_id = json.loads(made.stdout)["id"]
    assert Repository.open(kasus).find_case(case_id).file.intake.worker == "Saskia Br Ginting"
    # a colleague's clone shares ppks.toml but not the name
    clone = tmp_path / "klon"
    git("clone", "-q", str(kasus), str(clone), cwd=tmp_path)
    assert local_name(clone) is None
    assert Repository.open(clone).config.defaults.worker is None
    assert Repository.open(clone).step_worker(None, None) is None


def test_init_worker_is_a_value_never_an_option_of_git(tmp_path, home):
    from ppks_cli.store import init_repository

    kasus = tmp_path / "kasus"
    init_repository(kasus, "Dinas Sosial", "--global")
    assert local_name(kasus) == "--global"
    assert not (home / ".gitconfig").read_text().count("--global")


def test_init_inside_another_git_repository_sets_no_name(tmp_path, home):
    outer = tmp_path / "luar"
    outer.mkdir()
    git("init", "-q", str(outer), cwd=tmp_path)
    before = (outer / ".git" / "config").read_text()
    result = run_ppks("init", str(outer / "kasus"), "--worker", "Saskia")
    assert result.returncode == 0, result.stderr
    assert (outer / ".git" / "config").read_text() == before
    assert not (outer / "kasus" / ".git").exists()
    assert Repository.open(outer / "kasus").config.defaults.worker is None


def test_init_without_git_writes_the_worker_as_before(tmp_path, home):
    result = run_ppks("init", str(tmp_path / "kasus"), "--worker", "Saskia", "--no-git")
    assert result.returncode == 0, result.stderr
    assert Repository.open(tmp_path / "kasus").config.defaults.worker == "Saskia"

"""What ppks writes never leaves git with untracked files that stop a sync: letters go to
the ignored out/ folder, exported templates are committed, and sync refuses only for
changes it could lose, with advice that works when followed as printed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from test_letters import SIGNATORIES

from ppks_cli import git as ppks_git
from ppks_cli.errors import Refused

from conftest import _office, built_once, git, run_ppks


def porcelain(root) -> str:
    return git("status", "--porcelain", "--untracked-files=all", cwd=root)


def _team(folder: Path) -> str:
    case_id = _office(folder)
    root = folder / "kasus"
    config = root / "ppks.toml"
    config.write_text(config.read_text() + SIGNATORIES)
    git("commit", "-q", "-m", "ppks: signatories", "--", "ppks.toml", cwd=root)
    origin = folder / "origin.git"
    git("init", "--bare", "-q", "-b", "main", str(origin), cwd=folder)
    git("remote", "add", "origin", str(origin), cwd=root)
    assert run_ppks("sync", cwd=root).returncode == 0
    return case_id


@pytest.fixture
def team(tmp_path, tmp_path_factory):
    """The office clone (git_office: MR's case; signatories committed), pushed to a bare
    remote (made once per test process, then copied)."""
    case_id = built_once("sync-untracked-team", _team, tmp_path, tmp_path_factory)
    return tmp_path / "kasus", case_id, tmp_path / "origin.git"


def test_a_pdf_letter_without_o_goes_to_the_ignored_out_folder(team, tmp_path):
    root, case_id, _ = team
    args = ("--problem", "Tidak memiliki tempat tinggal", "--source", "Wawancara klien",
            "--context", "Hidup di jalan.", "--date", "2024-02-20", "--worker", "Saskia")  # fmt: skip
    assert run_ppks("assess", case_id, *args, cwd=root).returncode == 0
    inside = root / "cases"  # run from a folder inside the repository
    done = run_ppks("letter", case_id, "assessment", "--issue", "--format", "pdf", "--json",
                    cwd=inside)  # fmt: skip
    assert done.returncode == 0, done.stderr
    pdfs = sorted((root / "out").glob("*.pdf"))
    assert len(pdfs) == 1 and pdfs[0].read_bytes().startswith(b"%PDF")
    assert case_id in pdfs[0].name and "MR" not in pdfs[0].name.replace(case_id, "")
    assert not list(inside.glob("*.pdf"))
    assert porcelain(root) == ""  # the letter's record is committed, the PDF ignored
    # the folder ignores itself, even where the repository's .gitignore does not list it
    (root / ".gitignore").write_text("")
    git("commit", "-q", "-m", "ppks: no ignore list", "--", ".gitignore", cwd=root)
    again = run_ppks("-C", str(root), "letter", case_id, "assessment", "--draft", "--format", "pdf",
                     cwd=tmp_path)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert len(list((root / "out").glob("*.pdf"))) == 2
    assert porcelain(root) == ""
    assert run_ppks("sync", cwd=root).returncode == 0


def test_exported_templates_are_committed_and_reach_a_second_clone(team, tmp_path):
    root, _, origin = team
    done = run_ppks("templates", "export", cwd=root)
    assert done.returncode == 0, done.stderr
    assert porcelain(root) == ""
    subject = git("log", "-1", "--format=%s", cwd=root).strip()
    assert subject.startswith("ppks: letter templates exported")
    synced = run_ppks("sync", cwd=root)
    assert synced.returncode == 0, synced.stderr
    other = tmp_path / "other"
    git("clone", "-q", str(origin), str(other), cwd=tmp_path)
    exported = sorted(p.name for p in (root / "templates").glob("*.j2"))
    assert exported and sorted(p.name for p in (other / "templates").glob("*.j2")) == exported
    # exporting again writes nothing and commits nothing
    head = git("rev-parse", "HEAD", cwd=root)
    assert run_ppks("templates", "export", cwd=root).returncode == 0
    assert git("rev-parse", "HEAD", cwd=root) == head


def test_untracked_files_outside_cases_do_not_stop_a_sync(team, tmp_path):
    root, _, origin = team
    (root / "catatan.txt").write_text("catatan pribadi\n")
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "coba.md.j2").write_text("coba\n")
    (root / "surat.pdf").write_bytes(b"%PDF-1.7\n")
    other = tmp_path / "other"
    git("clone", "-q", str(origin), str(other), cwd=tmp_path)
    (other / "README.txt").write_text("kantor\n")
    git("add", "README.txt", cwd=other)
    git("commit", "-q", "-m", "ppks: readme", cwd=other)
    git("push", "-q", "origin", "main", cwd=other)
    synced = run_ppks("sync", cwd=root)
    assert synced.returncode == 0, synced.stderr
    assert (root / "README.txt").exists() and (root / "catatan.txt").exists()


def test_an_untracked_file_the_others_would_overwrite_is_named_and_nothing_changes(team, tmp_path):
    root, _, origin = team
    other = tmp_path / "other"
    git("clone", "-q", str(origin), str(other), cwd=tmp_path)
    (other / "catatan.txt").write_text("kantor\n")
    git("add", "catatan.txt", cwd=other)
    git("commit", "-q", "-m", "ppks: notes", cwd=other)
    git("push", "-q", "origin", "main", cwd=other)
    (root / "catatan.txt").write_text("milik saya\n")
    head = git("rev-parse", "HEAD", cwd=root)
    with pytest.raises(Refused) as caught:
        ppks_git.sync(root)
    assert caught.value.key == "error.sync_untracked_in_way"
    assert caught.value.params["files"] == "catatan.txt"
    assert git("rev-parse", "HEAD", cwd=root) == head
    assert (root / "catatan.txt").read_text() == "milik saya\n"
    (root / "catatan.txt").rename(tmp_path / "catatan.txt")  # the advice: move it out
    assert ppks_git.sync(root).pushed is False
    assert (root / "catatan.txt").read_text() == "kantor\n"


@pytest.mark.parametrize("advice", ["commit", "stash", "discard"])
def test_a_changed_case_file_stops_a_sync_with_advice_that_works(
    team, tmp_path, advice, monkeypatch
):
    root, case_id, origin = team
    monkeypatch.chdir(root)  # the commands printed are for this folder
    case_file = root / "cases" / case_id / "case.toml"
    original = case_file.read_text()
    case_file.write_text(original + "# diedit tangan\n")
    refused = run_ppks("--lang", "en", "sync", cwd=root)
    assert refused.returncode != 0
    assert "git stash" in refused.stderr and "git restore" in refused.stderr
    with pytest.raises(Refused) as caught:
        ppks_git.sync(root)
    assert caught.value.key == "error.sync_dirty"
    command = caught.value.params[advice]
    assert command in refused.stderr  # the very command ppks printed
    subprocess.run(command, shell=True, cwd=root, check=True,
                   capture_output=True)  # fmt: skip
    synced = run_ppks("sync", cwd=root)
    assert synced.returncode == 0, synced.stderr
    if advice == "stash":
        subprocess.run(caught.value.params["unstash"], shell=True, cwd=root, check=True,
                       capture_output=True)  # fmt: skip
    expected = original if advice == "discard" else original + "# diedit tangan\n"
    assert case_file.read_text() == expected
    other = tmp_path / "other"
    git("clone", "-q", str(origin), str(other), cwd=tmp_path)
    shared = (other / "cases" / case_id / "case.toml").read_text()
    assert shared == (original + "# diedit tangan\n" if advice == "commit" else original)


def test_a_new_file_in_cases_stops_a_sync_and_its_advice_works(team, tmp_path):
    root, case_id, origin = team
    stray = root / "cases" / case_id / "records" / "catatan.toml"
    stray.parent.mkdir(exist_ok=True)
    stray.write_text('kind = "note"\n')
    with pytest.raises(Refused) as caught:
        ppks_git.sync(root)
    assert caught.value.key == "error.sync_untracked"
    subprocess.run(caught.value.params["commit"], shell=True, cwd=root, check=True,
                   capture_output=True)  # fmt: skip
    assert porcelain(root) == ""
    assert ppks_git.sync(root).pushed

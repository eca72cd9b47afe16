"""git-native collaboration, with real git repositories in temporary folders (no mocks)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SAMPLE, built_once, git, run_ppks

SECRET_NAMES = ["Budi Santoso", "Rahmawati Siregar"]
NIK = "1275995507900002"  # fictional; must never reach a commit message


def new_case(root, name, worker="Saskia", **extra):
    args = ["new-case", "--name", name, "--sex", "L", "--birth-year", "1980", "--category", "gelandangan",
            "--source", "outreach", "--intake-date", "2024-03-01", "--found-at", "Jl. Rahasia No. 7",
            "--json", "--yes"]  # fmt: skip
    for key, value in extra.items():
        args += [f"--{key.replace('_', '-')}", value]
    result = run_ppks(*args, cwd=root, env={"PPKS_WORKER": worker})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["id"]


def ppks(root, *args, worker="Saskia", **env):
    result = run_ppks(*args, cwd=root, env={"PPKS_WORKER": worker, **env})
    return result


def log(root, *extra):
    return git("log", "--format=%an|%s%n%b", *extra, cwd=root)


def committed_files(root, rev="HEAD"):
    return git("show", "--name-only", "--format=", rev, cwd=root).split()


def _kasus(folder):
    result = run_ppks("init", str(folder / "kasus"), "--worker", "Saskia")
    assert result.returncode == 0, result.stderr


@pytest.fixture
def kasus(tmp_path, tmp_path_factory):
    """A repository as ``ppks init`` makes it (made once per test process, then copied)."""
    built_once("git-kasus", _kasus, tmp_path, tmp_path_factory)
    return tmp_path / "kasus"


# --- init ---------------------------------------------------------------------------------


def test_init_makes_a_git_repository_with_ignore_attributes_and_a_first_commit(kasus):
    assert (kasus / ".git").is_dir()
    assert "/out/" in (kasus / ".gitignore").read_text()
    assert "*.toml text eol=lf" in (kasus / ".gitattributes").read_text()
    assert sorted(committed_files(kasus)) == [
        ".gitattributes",
        ".gitignore",
        "cases/.gitkeep",
        "ppks.toml",
    ]
    assert git("status", "--porcelain", cwd=kasus) == ""
    assert git("log", "--format=%an", cwd=kasus).strip() == "Saskia"


def test_init_no_git(tmp_path):
    assert run_ppks("init", str(tmp_path / "k"), "--no-git").returncode == 0
    assert not (tmp_path / "k" / ".git").exists()
    case_id = new_case(tmp_path / "k", "Budi")  # commands still work, and do not try git
    assert (tmp_path / "k" / "cases" / case_id / "case.toml").is_file()


def test_init_inside_an_existing_repository(tmp_path):
    outer = tmp_path / "kantor"
    outer.mkdir()
    git("init", "-b", "main", cwd=outer)
    (outer / "catatan-lain.txt").write_text("bukan urusan ppks\n")
    assert run_ppks("init", str(outer / "kasus")).returncode == 0
    assert not (outer / "kasus" / ".git").exists()
    assert "kasus/ppks.toml" in committed_files(outer)
    assert "catatan-lain.txt" not in committed_files(outer)  # not swept in
    case_id = new_case(outer / "kasus", "Budi")
    assert committed_files(outer) == [f"kasus/cases/{case_id}/case.toml"]


# --- every change a commit ----------------------------------------------------------------


def test_each_command_commits_exactly_what_it_wrote(kasus):
    first = new_case(kasus, "Budi Santoso")
    second = new_case(kasus, "Rahmawati Siregar", worker="Dewi")
    # a hand edit elsewhere, one staged and one not: neither is swept in
    other = kasus / "cases" / second / "case.toml"
    other.write_text(other.read_text().replace("birth_year = 1980", "birth_year = 1981"))
    (kasus / "catatan.txt").write_text("draft\n")
    git("add", "catatan.txt", cwd=kasus)
    result = ppks(kasus, "assess", first, "--problem", "Tidak punya rumah", "--date", "2024-03-02")
    assert result.returncode == 0, result.stderr
    files = committed_files(kasus)
    assert len(files) == 1 and files[0].startswith(f"cases/{first}/records/2024-03-02-assessment-")
    assert (
        git("log", "-1", "--format=%an|%s", cwd=kasus).strip()
        == f"Saskia|{first}: assessment recorded"
    )
    status = git("status", "--porcelain", cwd=kasus)
    assert f"cases/{second}/case.toml" in status and "catatan.txt" in status
    assert git("log", "--format=%an|%s", "-4", cwd=kasus).splitlines()[1:3] == [
        f"Dewi|{second}: case opened", f"Saskia|{first}: case opened",
    ]  # fmt: skip


def test_no_commit_option_and_setting(kasus):
    case_id = new_case(kasus, "Budi")
    head = git("rev-parse", "HEAD", cwd=kasus)
    assert ppks(kasus, "--no-commit", "note", case_id, "tanpa commit").returncode == 0
    assert git("rev-parse", "HEAD", cwd=kasus) == head
    assert "records/" in git("status", "--porcelain", "--untracked-files=all", cwd=kasus)
    config = kasus / "ppks.toml"
    config.write_text(config.read_text().replace("auto_commit = true", "auto_commit = false"))
    git("commit", "-qam", "setting", cwd=kasus)
    head = git("rev-parse", "HEAD", cwd=kasus)
    assert ppks(kasus, "note", case_id, "juga tanpa commit").returncode == 0
    assert git("rev-parse", "HEAD", cwd=kasus) == head


def test_a_refused_commit_keeps_the_files_and_says_how_to_finish(kasus):
    case_id = new_case(kasus, "Budi")
    hook = kasus / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'ditolak oleh hook' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = ppks(kasus, "note", case_id, "catatan")
    assert result.returncode == 9  # ExitCode.EXTERNAL: a failed commit is never exit 0
    assert "git commit" in result.stderr and "ditolak oleh hook" in result.stderr
    (record,) = (kasus / "cases" / case_id / "records").glob("*-note-*.toml")
    assert 'text = "catatan"' in record.read_text()


def test_commit_without_any_git_identity(kasus, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "", "GIT_AUTHOR_EMAIL": "",
           "GIT_COMMITTER_NAME": "", "GIT_COMMITTER_EMAIL": ""}  # fmt: skip
    case_id = new_case(kasus, "Budi")
    unset = {k: None for k in os.environ if k.startswith(("GIT_", "PPKS_"))}
    result = run_ppks("note", case_id, "x", cwd=kasus, env={
        **unset, **{k: v for k, v in env.items() if v}, "PPKS_WORKER": "Dewi Lestari",
    })  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (
        git("log", "-1", "--format=%an <%ae>", cwd=kasus).strip()
        == "Dewi Lestari <dewi.lestari@ppks.invalid>"
    )


def test_commit_messages_carry_no_personal_data(kasus, tmp_path):
    case_id = new_case(
        kasus, SECRET_NAMES[0], nik=NIK.replace("5507", "0107"), address="Jl. Mawar 3"
    )
    new_case(kasus, SECRET_NAMES[1])
    # the office's signatories (as in the sample), so that the letter is really issued
    sample = (SAMPLE / "ppks.toml").read_text()
    signatories = sample[sample.index("[signatories.head]") :].split("\n[[resources]]")[0]
    config = kasus / "ppks.toml"
    config.write_text(config.read_text() + "\n" + signatories + "\n")
    git("commit", "-qam", "ppks: signatories", cwd=kasus)
    steps = [
        ["assess", case_id, "--problem", f"{SECRET_NAMES[0]} konflik keluarga", "--date", "2024-03-02"],
        ["plan", case_id, "--goal", f"{SECRET_NAMES[0]} pulang", "--date", "2024-03-03"],
        ["intervene", case_id, "--kind", "home-visit", "--note", "Kunjungan ke Jl. Mawar 3", "--date", "2024-03-04"],
        ["refer", case_id, "--to", "RSUD Dr. Pirngadi Medan", "--reason", "x", "--consent", "yes", "--date", "2024-03-05"],
        ["note", case_id, f"Bertemu {SECRET_NAMES[1]}"],
        ["letter", case_id, "referral", "--issue", "--format", "pdf", "-o", str(tmp_path / "r.pdf")],
    ]  # fmt: skip
    for step in steps:
        result = ppks(kasus, *step)
        assert result.returncode == 0, (step, result.stderr)
    messages = git("log", "--format=%s%n%b", cwd=kasus)
    assert case_id in messages
    assert f"{case_id}: letter " in messages and "issued" in messages  # the letter was committed
    for secret in [*SECRET_NAMES, "Budi", "Rahmawati", NIK[:8], "Mawar", "Rahasia", "konflik"]:
        assert secret not in messages, secret


# --- history and as-of --------------------------------------------------------------------


def dated(day):
    return {
        "GIT_AUTHOR_DATE": f"{day}T10:00:00+07:00",
        "GIT_COMMITTER_DATE": f"{day}T10:00:00+07:00",
    }


def _storied(folder):
    _kasus(folder)
    kasus = folder / "kasus"
    case_id = run_ppks(
        "new-case", "--name", "MR", "--sex", "L", "--birth-year", "1975", "--category", "pengemis",
        "--source", "street-raid", "--intake-date", "2024-02-16", "--json",
        cwd=kasus, env={"PPKS_WORKER": "Saskia", **dated("2024-02-16")},
    ).stdout  # fmt: skip
    case_id = json.loads(case_id)["id"]
    assert (
        ppks(
            kasus,
            "assess",
            case_id,
            "--problem",
            "Konflik",
            "--date",
            "2024-02-20",
            **dated("2024-02-20"),
        ).returncode
        == 0
    )
    assert (
        ppks(
            kasus, "note", case_id, "Keluarga dicari", worker="Dewi", **dated("2024-02-21")
        ).returncode
        == 0
    )
    assert (
        ppks(
            kasus,
            "plan",
            case_id,
            "--goal",
            "Pulang",
            "--date",
            "2024-02-23",
            **dated("2024-02-23"),
        ).returncode
        == 0
    )
    path = kasus / "cases" / case_id / "case.toml"
    path.write_text(path.read_text().replace("birth_year = 1975", "birth_year = 1974"))
    subprocess.run(["git", "commit", "-qam", f"{case_id}: birth year corrected"], cwd=kasus, check=True,
                   env={**os.environ, **dated("2024-02-25")})  # fmt: skip
    return case_id


@pytest.fixture
def storied(tmp_path, tmp_path_factory):
    """A case with several changes over several days, by two workers (made once per test
    process, then copied)."""
    case_id = built_once("git-storied", _storied, tmp_path, tmp_path_factory)
    return tmp_path / "kasus", case_id


def test_history_tells_who_recorded_what_and_when(storied):
    kasus, case_id = storied
    entries = json.loads(ppks(kasus, "history", case_id[:7], "--json").stdout)
    assert [e["message"] for e in entries] == [
        f"{case_id}: birth year corrected", f"{case_id}: plan recorded", f"{case_id}: note added",
        f"{case_id}: assessment recorded", f"{case_id}: case opened",
    ]  # fmt: skip
    assert [e["author"] for e in entries][1:] == ["Saskia", "Dewi", "Saskia", "Saskia"]
    assert (
        entries[3]["changes"][0]["kind"] == "assessment"
        and entries[3]["changes"][0]["status"] == "A"
    )
    assert entries[0]["changes"] == [
        {"status": "M", "path": f"cases/{case_id}/case.toml", "kind": "case", "record": None}
    ]
    assert entries[-1]["date"].startswith("2024-02-16")
    readable = ppks(kasus, "history", case_id).stdout
    assert "Dewi" in readable and "Catatan ditambahkan" in readable and "Catatan" in readable
    # what ppks did not write is shown as it was written, quoted
    assert f'"{case_id}: birth year corrected"' in readable and "note added" not in readable
    assert [e["event"] for e in entries] == [None, "plan", "note", "assessment", "case"]


def test_show_as_of_a_date_or_a_revision(storied):
    kasus, case_id = storied
    then = json.loads(ppks(kasus, "show", case_id, "--as-of", "2024-02-21", "--json").stdout)
    assert [r["kind"] for r in then["records"]] == ["assessment", "note"]
    assert then["stage"] == "assessment" and then["client"]["birth_year"] == 1975
    now = json.loads(ppks(kasus, "show", case_id, "--json").stdout)
    assert now["stage"] == "planning" and now["client"]["birth_year"] == 1974
    by_rev = json.loads(ppks(kasus, "show", case_id, "--as-of", "HEAD~1", "--json").stdout)
    assert by_rev["stage"] == "planning" and by_rev["client"]["birth_year"] == 1975
    assert by_rev["as_of"]["revision"] == git("rev-parse", "HEAD~1", cwd=kasus).strip()
    readable = ppks(kasus, "show", case_id, "--as-of", "2024-02-20")
    assert (
        readable.returncode == 0
        and "Asesmen" in readable.stdout
        and "Perencanaan" not in readable.stdout
    )
    too_early = ppks(kasus, "show", case_id, "--as-of", "2024-02-01")
    assert too_early.returncode == 4 and "Traceback" not in too_early.stderr
    bad = ppks(kasus, "show", case_id, "--as-of", "kemarin")
    assert bad.returncode == 3


# --- sync -----------------------------------------------------------------------------------


def _team(folder):
    origin = folder / "origin.git"
    git("init", "--bare", "-q", "-b", "main", str(origin), cwd=folder)
    shelter = folder / "shelter"
    assert run_ppks("init", str(shelter)).returncode == 0
    case_id = new_case(shelter, "Budi")
    git("remote", "add", "origin", str(origin), cwd=shelter)
    assert ppks(shelter, "sync").returncode == 0
    git("clone", "-q", str(origin), str(folder / "office"), cwd=folder)
    return case_id


@pytest.fixture
def team(tmp_path, tmp_path_factory):
    """A bare remote and two clones: the shelter (Saskia) and the office (Dewi) (made once
    per test process, then copied)."""
    case_id = built_once("git-team", _team, tmp_path, tmp_path_factory)
    return tmp_path / "shelter", tmp_path / "office", case_id


def record_files(root):
    return sorted(p.relative_to(root).as_posix() for p in (root / "cases").rglob("*.toml"))


def test_two_workers_offline_then_sync_keep_everything(team):
    shelter, office, shared = team
    # offline at the shelter: a new case, notes and an assessment on the shared case
    shelter_case = new_case(shelter, "Rahmawati")
    assert (
        ppks(
            shelter, "assess", shared, "--problem", "Tidur di jalan", "--date", "2024-03-02"
        ).returncode
        == 0
    )
    assert ppks(shelter, "note", shared, "Dari rumah singgah").returncode == 0
    # offline at the office: another new case, a note and an assessment on the same case
    office_case = new_case(office, "Siti", worker="Dewi")
    assert ppks(office, "note", shared, "Dari kantor", worker="Dewi").returncode == 0
    assert (
        ppks(
            office, "assess", shared, "--problem", "Sakit", "--date", "2024-03-03", worker="Dewi"
        ).returncode
        == 0
    )

    first = ppks(shelter, "sync", "--json")
    assert first.returncode == 0, first.stderr
    second = ppks(office, "sync", "--json", worker="Dewi")
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    assert report["cases_received"] == [shelter_case]
    assert len(report["records_received"]) == 2 and len(report["records_sent"]) == 2
    third = ppks(shelter, "sync", "--json")
    assert json.loads(third.stdout)["cases_received"] == [office_case]

    assert record_files(shelter) == record_files(office)
    for clone in (shelter, office):
        assert ppks(clone, "check").returncode == 0
        shown = json.loads(ppks(clone, "show", shared, "--json").stdout)
        assert sorted(r["kind"] for r in shown["records"]) == [
            "assessment",
            "assessment",
            "note",
            "note",
        ]
        assert git("status", "--porcelain", cwd=clone) == ""
    assert ppks(office, "sync").stdout.startswith("Sudah sinkron")
    # one straight line of history: no merge commits
    assert git("log", "--merges", "--format=%H", cwd=office) == ""


def test_a_genuine_conflict_is_explained_and_nothing_is_half_merged(team):
    shelter, office, shared = team
    for clone, year, who in ((shelter, "1979", "Saskia"), (office, "1982", "Dewi")):
        path = clone / "cases" / shared / "case.toml"
        path.write_text(path.read_text().replace("birth_year = 1980", f"birth_year = {year}"))
        subprocess.run(["git", "commit", "-qam", "birth year by hand"], cwd=clone, check=True,
                       env={**os.environ, "GIT_AUTHOR_NAME": who})  # fmt: skip
    assert ppks(shelter, "sync").returncode == 0
    before = git("rev-parse", "HEAD", cwd=office)
    result = ppks(office, "sync", worker="Dewi")
    assert result.returncode == 6
    for words in (shared, f"cases/{shared}/case.toml", "birth_year = 1979", "birth_year = 1982",
                  "Saskia", "Dewi", "git rebase origin/main", "git rebase --continue", "ppks check"):  # fmt: skip
        assert words in result.stderr, words
    assert "Traceback" not in result.stderr
    assert git("rev-parse", "HEAD", cwd=office) == before
    assert git("status", "--porcelain", cwd=office) == ""
    assert not (office / ".git" / "rebase-merge").exists()
    assert "1982" in (office / "cases" / shared / "case.toml").read_text()
    # the printed way out works as printed: rebase, keep one version, add, continue, sync
    path = office / "cases" / shared / "case.toml"
    env = {**os.environ, "GIT_EDITOR": "true"}
    stopped = subprocess.run(["git", "rebase", "origin/main"], cwd=office, env=env,
                             capture_output=True, text=True)  # fmt: skip
    assert stopped.returncode != 0 and "<<<<<<<" in path.read_text()
    kept = [ln for ln in path.read_text().splitlines()
            if not ln.startswith(("<<<<<<<", "=======", ">>>>>>>")) and ln != "birth_year = 1979"]
    path.write_text("\n".join(kept) + "\n")
    git("add", f"cases/{shared}/case.toml", cwd=office)
    subprocess.run(["git", "rebase", "--continue"], cwd=office, env=env, check=True,
                   capture_output=True)  # fmt: skip
    assert ppks(office, "check").returncode == 0
    assert ppks(office, "sync", worker="Dewi").returncode == 0
    assert "birth_year = 1982" in path.read_text()


def test_sync_refuses_uncommitted_hand_edits_and_needs_a_remote(team, tmp_path):
    shelter, _, shared = team
    path = shelter / "cases" / shared / "case.toml"
    path.write_text(path.read_text() + "\n")
    result = ppks(shelter, "sync")
    assert result.returncode == 6 and "ppks status" in result.stderr
    lonely = tmp_path / "lonely"
    run_ppks("init", str(lonely))
    result = ppks(lonely, "sync")
    assert result.returncode == 6 and "git remote add" in result.stderr


def test_an_untracked_letter_in_the_repository_does_not_stop_a_sync(team):
    shelter, office, shared = team
    assert ppks(office, "note", shared, "dari kantor").returncode == 0
    assert ppks(office, "sync").returncode == 0
    letter = shelter / "rujukan.pdf"  # `ppks letter … -o rujukan.pdf` run inside the repository
    letter.write_bytes(b"%PDF-1.7 surat")
    assert ppks(shelter, "note", shared, "dari rumah singgah").returncode == 0
    result = ppks(shelter, "sync")
    assert result.returncode == 0, result.stderr
    assert letter.read_bytes() == b"%PDF-1.7 surat"
    assert "dari kantor" in "".join(p.read_text() for p in (shelter / "cases" / shared).rglob("*.toml"))


def test_status_reports_uncommitted_unsynced_and_invalid(team):
    shelter, _, shared = team
    assert ppks(shelter, "note", shared, "belum dikirim").returncode == 0
    path = shelter / "cases" / shared / "case.toml"
    path.write_text(path.read_text().replace('sex = "L"', 'sex = "X"'))
    state = json.loads(ppks(shelter, "status", "--json").stdout)
    assert [u["path"] for u in state["uncommitted"]] == [f"cases/{shared}/case.toml"]
    assert state["ahead"] == 1 and len(state["unsynced"]) == 1
    assert state["invalid"][0]["file"] == f"cases/{shared}/case.toml"
    readable = ppks(shelter, "status").stdout
    assert "Belum di-commit: 1" in readable and "client.sex" in readable


# --- bundles --------------------------------------------------------------------------------


def test_bundle_export_and_import_into_a_fresh_machine(team, tmp_path):
    shelter, office, shared = team
    new_case(shelter, "Rahmawati")
    assert ppks(shelter, "note", shared, "untuk USB").returncode == 0
    stick = tmp_path / "usb" / "kasus.bundle"
    stick.parent.mkdir()
    assert ppks(shelter, "bundle", "export", str(stick)).returncode == 0
    fresh = tmp_path / "laptop"
    assert run_ppks("bundle", "import", str(stick), "--into", str(fresh)).returncode == 0
    assert record_files(fresh) == record_files(shelter)
    # a freshly initialised repository takes the bundle too
    blank = tmp_path / "blank"
    run_ppks("init", str(blank))
    imported = ppks(blank, "bundle", "import", str(stick), "--json")
    assert imported.returncode == 0, imported.stderr
    assert record_files(blank) == record_files(shelter)
    # and a clone with its own work gets the new records, its own kept on top
    own = new_case(office, "Siti", worker="Dewi")
    result = ppks(office, "bundle", "import", str(stick), "--json", worker="Dewi")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["cases_received"]) == 1
    assert set(record_files(shelter)) < set(record_files(office))
    assert any(own in f for f in record_files(office))
    assert ppks(office, "check").returncode == 0
    unrelated = tmp_path / "other"
    # another office: two `ppks init` with the same office, author and second make the
    # same first commit (git names commits by content), which is then shared history
    made = run_ppks("init", str(unrelated), "--office", "Dinas Sosial Kabupaten Deli Serdang")
    assert made.returncode == 0, made.stderr
    new_case(unrelated, "Lain")
    refused = ppks(unrelated, "bundle", "import", str(stick))
    assert refused.returncode == 6 and "--into" in refused.stderr
    assert ppks(office, "bundle", "import", str(tmp_path / "nothing.bundle")).returncode == 4


# --- without git ----------------------------------------------------------------------------


def test_without_git_installed(kasus, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python_dir = Path(shutil.which("python3") or "/usr/bin/python3").parent
    env = {"PATH": f"{bin_dir}:{python_dir}"}  # a PATH with no git on it
    assert shutil.which("git", path=env["PATH"]) is None
    case_id = new_case(kasus, "Budi")
    note = ppks(kasus, "note", case_id, "tanpa git", **env)
    assert note.returncode == 0 and "git" in note.stderr
    synced = ppks(kasus, "sync", **env)
    assert synced.returncode == 9 and "git" in synced.stderr and "Traceback" not in synced.stderr
    made = run_ppks("init", str(tmp_path / "baru"), env=env)
    assert made.returncode == 0 and "git" in made.stderr
    assert (tmp_path / "baru" / "ppks.toml").is_file()

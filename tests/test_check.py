import shutil

import pytest

from ppks_cli.check import check_repository
from ppks_cli.intake import NewCase, create_case, prepare
from ppks_cli.store import Repository

from conftest import MR, SAMPLE


def rendered(repo):
    return [p.render() for p in check_repository(repo).problems]


def test_clean_repository(repo, mr_case):
    report = check_repository(repo)
    assert report.ok and report.problems == [] and report.cases == 1


def test_the_bundled_sample_passes():
    report = check_repository(Repository.open(SAMPLE))
    assert report.errors == []
    assert report.cases >= 3


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    "old, new, line, words",
    [
        ('name = "MR"', 'name = "MR', 7, "TOML"),
        ("birth_year = 1975", 'birth_year = "1975"', 9, "client.birth_year"),
        ('sex = "L"', 'sex = "X"', 8, "client.sex"),
        ('source = "street-raid"', 'source = "razia"', 13, "intake.source"),
        ('category = "pengemis"', 'category = "penyanyi"', 4, "penyanyi"),
        ('sex = "L"', 'sex = "L"\nnik = "123"', 9, "16"),
        ('worker = "Saskia"', 'worker = "Saskia"\nworkr = "Dewi"', 16, "workr"),
        ("[intake]", "<<<<<<< HEAD\n[intake]", 11, "git"),
    ],
)
def test_hand_edits_are_reported_at_their_line(repo, mr_case, old, new, line, words):
    path = repo.paths.case_file(mr_case.id)
    edit(path, old, new)
    problems = rendered(repo)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"cases/{mr_case.id}/case.toml:{line}: ")
    assert words in problems[0]


def test_copied_case_folder_gives_duplicate_ids(repo, mr_case):
    copy = repo.paths.cases / "2024-ZZZZZ"
    shutil.copytree(repo.paths.case_dir(mr_case.id), copy)
    problems = rendered(repo)
    assert any("2024-ZZZZZ/case.toml:2:" in p and "'2024-ZZZZZ'" in p for p in problems)
    assert sum(mr_case.id in p and "case.toml:2:" in p for p in problems) >= 2


def test_shared_nik_is_a_warning_only(repo):
    with_nik = NewCase(**{**MR.__dict__, "nik": "1275011602750001", "birth_year": None})
    create_case(repo, prepare(with_nik))
    create_case(
        repo, prepare(NewCase(**{**with_nik.__dict__, "name": "Budi"})), allow_duplicates=True
    )
    report = check_repository(repo)
    assert report.ok
    assert len(report.warnings) == 2
    assert all(":9: peringatan: NIK" in p.render() for p in report.warnings)


def test_damaged_config_is_reported(repo):
    edit(repo.paths.config, "[ids]\n", "[ids]\nsufix = 3\n")
    problems = rendered(repo)
    assert len(problems) == 1 and problems[0].startswith("ppks.toml:") and "sufix" in problems[0]


def test_stray_files_are_warnings_and_a_misnamed_record_is_an_error(repo, mr_case):
    (repo.paths.cases / "catatan.txt").write_text("x")
    (repo.paths.records_dir(mr_case.id)).mkdir()
    (repo.paths.records_dir(mr_case.id) / "foto.jpg").write_bytes(b"\xff")
    (repo.paths.records_dir(mr_case.id) / "oops.toml").write_text("a = 1\n")
    report = check_repository(repo)
    found = {(p.file.rsplit("/", 1)[-1], p.severity, p.message.key) for p in report.problems}
    assert found == {
        ("catatan.txt", "warning", "check.stray_entry"),  # not a case: looked at, not wrong
        ("foto.jpg", "warning", "check.bad_record_name"),
        ("oops.toml", "error", "check.bad_record_name"),  # a TOML file ppks would not read
    }
    assert not report.ok

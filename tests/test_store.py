import pytest

from ppks_cli import paths
from ppks_cli.errors import DamagedFile, InvalidInput, NoRepository, PossibleDuplicates, Refused
from ppks_cli.intake import NewCase, create_case, prepare
from ppks_cli.store import Repository

from conftest import MR, snapshot


def test_create_writes_config_and_cases_folder(tmp_path):
    repo = Repository.create(tmp_path / "kasus", "Dinas Sosial Kota Medan", worker="Saskia")
    assert (repo.root / "ppks.toml").is_file()
    assert (repo.root / "cases").is_dir()
    assert repo.config.office.name == "Dinas Sosial Kota Medan"
    assert repo.config.defaults.worker == "Saskia"
    assert "schema = 2" in (repo.root / "ppks.toml").read_text()


def test_create_refuses_an_existing_repository(repo):
    before = snapshot(repo.root)
    with pytest.raises(Refused):
        Repository.create(repo.root, "Lain")
    assert snapshot(repo.root) == before


def test_office_name_with_quotes_is_escaped(tmp_path):
    repo = Repository.create(tmp_path / "k", 'Dinas "Sosial"\\Medan')
    assert Repository.open(repo.root).config.office.name == 'Dinas "Sosial"\\Medan'


def test_root_is_found_like_git_finds_dot_git(repo, tmp_path, monkeypatch):
    deep = repo.root / "cases" / "x" / "y"
    deep.mkdir(parents=True)
    assert Repository.open(cwd=deep).root == repo.root
    monkeypatch.setenv("PPKS_ROOT", str(repo.root))
    assert Repository.open(cwd=tmp_path).root == repo.root
    assert Repository.open(str(repo.root), cwd=tmp_path).root == repo.root


def test_outside_any_repository(tmp_path):
    with pytest.raises(NoRepository) as err:
        Repository.open(cwd=tmp_path)
    assert "ppks init" in str(err.value)
    with pytest.raises(NoRepository) as err:
        Repository.open(tmp_path)
    assert str(tmp_path) in str(err.value)


def test_new_case_round_trips_and_names_no_personal_data(repo):
    case = create_case(repo, prepare(MR))
    assert paths.RepoPaths(repo.root).case_file(case.id).is_file()
    again = repo.find_case(case.id[:7].lower())
    assert again.file == case.file
    assert again.state.stage == "intake"
    # the folder and file names hold the ID only
    names = [p.name for p in (repo.root / "cases").rglob("*")]
    assert not any("MR" in n or "Saskia" in n or "Simpang" in n for n in names)


def test_rewriting_an_unchanged_case_changes_nothing(mr_case, repo):
    path = repo.paths.case_file(mr_case.id)
    before = path.read_bytes()
    assert repo.save_case_file(repo.find_case(mr_case.id)) is False
    assert path.read_bytes() == before


def test_duplicate_nik_or_similar_name_needs_permission(repo):
    first = NewCase(**{**MR.__dict__, "nik": "1275011602750001", "birth_year": None})
    create_case(repo, prepare(first))
    same_nik = NewCase(**{**first.__dict__, "name": "Budi"})
    with pytest.raises(PossibleDuplicates) as err:
        create_case(repo, prepare(same_nik))
    assert err.value.matches[0].reason == "nik"
    similar = NewCase(**{**MR.__dict__, "name": "M.R.", "birth_year": "1976"})
    with pytest.raises(PossibleDuplicates) as err:
        create_case(repo, prepare(similar))
    assert err.value.matches[0].reason == "name"
    assert len(repo.case_ids()) == 1
    create_case(repo, prepare(similar), allow_duplicates=True)
    assert len(repo.case_ids()) == 2


def test_other_clients_are_not_duplicates(repo):
    create_case(repo, prepare(MR))
    other = NewCase(**{**MR.__dict__, "name": "Rizky", "birth_year": "2012"})
    create_case(repo, prepare(other))
    older_namesake = NewCase(**{**MR.__dict__, "birth_year": "1950"})
    create_case(repo, prepare(older_namesake))
    assert len(repo.case_ids()) == 3


def test_prepare_checks_everything_before_anything_is_written(repo):
    before = snapshot(repo.root)
    for bad in (
        {"category": "penyanyi"},
        {"intake_date": "2024-02-30"},
        {"nik": "127501160275000"},
        {"sex": "X"},
        {"religion": "jedi"},
        {"family": ["; ibu"]},
        {"name": "  "},
    ):
        with pytest.raises(InvalidInput):
            prepare(NewCase(**{**MR.__dict__, **bad}))
    assert snapshot(repo.root) == before


def test_age_gives_an_estimated_birth_year(repo):
    prepared = prepare(NewCase(**{**MR.__dict__, "birth_year": None, "age": "49"}))
    assert prepared.client.birth_year == 1975


def test_a_damaged_case_is_reported_and_others_still_load(repo, mr_case):
    other = create_case(
        repo, prepare(NewCase(**{**MR.__dict__, "name": "Rizky", "birth_year": "2012"}))
    )
    repo.paths.case_file(other.id).write_text("schema = 1\nid = \n")
    cases, problems = repo.load_cases()
    assert [c.id for c in cases] == [mr_case.id]
    assert problems[0].file == f"cases/{other.id}/case.toml" and problems[0].line == 2
    with pytest.raises(DamagedFile):
        repo.find_case(other.id)

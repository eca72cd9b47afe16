"""The command line through CliRunner: the foundation contract, bad input, filters,
prompts and language."""

import json
import re

import pytest

from ppks_cli.commands import _common
from ppks_cli.intake import NewCase, create_case, prepare

from conftest import MR, NEW_MR_ARGS, Cli, snapshot

CONTRACT = [*NEW_MR_ARGS, "--json"]


def test_foundation_contract(cli, repo):
    created = cli(*CONTRACT)
    assert created.exit_code == 0, created.output
    case_id = json.loads(created.stdout)["id"]

    listed = cli("list", "--json")
    assert listed.exit_code == 0
    (row,) = json.loads(listed.stdout)
    assert row | {"id": case_id, "name": "MR", "category": "pengemis", "stage": "intake",
                  "worker": "Saskia"} == row  # fmt: skip

    shown = cli("show", case_id[:7], "--json")
    assert shown.exit_code == 0, shown.output
    detail = json.loads(shown.stdout)
    assert detail["id"] == case_id
    assert detail["stage"] == "intake"
    assert detail["category"] == "pengemis"
    assert detail["client"]["name"] == "MR"
    assert detail["intake"]["found_at"] == "Simpang Pos, Medan"

    checked = cli("check")
    assert checked.exit_code == 0
    assert checked.stdout.count("\n") == 1 and "0 kesalahan" in checked.stdout


def without(args, option):
    i = args.index(option)
    return args[:i] + args[i + 2 :]


def replaced(args, option, value):
    i = args.index(option)
    return args[: i + 1] + [value] + args[i + 2 :]


BAD = [
    (replaced(CONTRACT, "--category", "penyanyi"), 3, "penyanyi"),
    (replaced(CONTRACT, "--intake-date", "2024-02-30"), 3, "--intake-date"),
    (CONTRACT + ["--nik", "127501160275000"], 3, "16 digit"),
    (without(CONTRACT, "--name"), 3, "--name"),
    (replaced(CONTRACT, "--sex", "X"), 3, "--sex"),
    (CONTRACT + ["--birth-date", "1976-02-16"], 3, "--birth-year"),
    (["show", "2099-ZZZ"], 4, "2099-ZZZ"),
    (["list", "--stage", "kabur"], 3, "--stage"),
]


@pytest.mark.parametrize("args, code, words", BAD)
def test_bad_input_one_line_no_traceback_nothing_written(cli, repo, args, code, words):
    before = snapshot(repo.root)
    result = cli(*args)
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Galat: ") and words in lines[0]
    assert "Traceback" not in result.output
    assert snapshot(repo.root) == before


def test_outside_a_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (["list"], ["show", "2024"], ["check"], CONTRACT):
        result = Cli(None)(*args)
        assert result.exit_code == 5
        assert "ppks init" in result.stderr
        assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_root_without_ppks_toml(tmp_path):
    result = Cli(tmp_path)("list")
    assert result.exit_code == 5 and str(tmp_path) in result.stderr


def test_init_refuses_existing_repository(cli, repo):
    result = cli("init", str(repo.root))
    assert result.exit_code == 6
    assert "tidak menimpa" in result.stderr


def test_init_creates_repository(tmp_path):
    result = Cli(None)("init", str(tmp_path / "baru"), "--office", "Dinas Sosial Kota Binjai")
    assert result.exit_code == 0, result.output
    assert 'name = "Dinas Sosial Kota Binjai"' in (tmp_path / "baru" / "ppks.toml").read_text()


def test_each_new_repository_gets_its_own_identity(tmp_path):
    """Two offices made in the same second with the same settings still differ (a random
    UUID in ppks.toml), so their first commits are never one and the same; a hand-made
    identity that is no UUID is a problem `check` names."""
    for name in ("a", "b"):
        assert Cli(None)("init", str(tmp_path / name), "--office", "Dinas Sosial").exit_code == 0
    ids = [re.search(r'^repository = "([0-9a-f-]{36})"$', (tmp_path / n / "ppks.toml").read_text(),
                     re.M) for n in ("a", "b")]  # fmt: skip
    assert all(ids) and ids[0][1] != ids[1][1]
    toml = tmp_path / "a" / "ppks.toml"
    toml.write_text(toml.read_text().replace(ids[0][1], "abc"))
    checked = Cli(tmp_path / "a")("check", lang="en")
    assert checked.exit_code != 0
    assert "ppks.toml:4: 'repository': not a repository identity" in checked.output


def add(repo, **kw):
    return create_case(repo, prepare(NewCase(**{**MR.__dict__, **kw})), allow_duplicates=True)


def test_list_is_newest_first_and_filters(cli, repo):
    old = add(repo)
    new = add(repo, name="Rizky", birth_year="2012", category="anak-jalanan",
              intake_date="2024-03-05", worker="Dewi Lestari")  # fmt: skip
    rows = json.loads(cli("list", "--json").stdout)
    assert [r["id"] for r in rows] == [new.id, old.id]
    assert [
        r["id"] for r in json.loads(cli("list", "--json", "--category", "anak-jalanan").stdout)
    ] == [new.id]
    assert [r["id"] for r in json.loads(cli("list", "--json", "--worker", "dewi").stdout)] == [
        new.id
    ]
    assert len(json.loads(cli("list", "--json", "--open").stdout)) == 2
    assert json.loads(cli("list", "--json", "--closed").stdout) == []
    assert len(json.loads(cli("list", "--json", "--stage", "intake").stdout)) == 2
    table = cli("list").stdout
    assert table.index(new.id) < table.index(old.id) and "Rizky" in table


def test_list_still_lists_other_cases_when_one_is_damaged(cli, repo):
    good = add(repo)
    bad = add(repo, name="Rizky", birth_year="2012")
    repo.paths.case_file(bad.id).write_text("schema = 1\nid = ]\n")
    result = cli("list", "--json")
    assert result.exit_code == 0
    assert [r["id"] for r in json.loads(result.stdout)] == [good.id]
    assert f"cases/{bad.id}/case.toml:2:" in result.stderr
    checked = cli("check")
    assert checked.exit_code == 1
    assert checked.stdout.startswith(f"cases/{bad.id}/case.toml:2: ")


def test_show_readable(cli, repo):
    case = add(repo, family=["Siti;ibu;081200000001"])
    out = cli("show", case.id).stdout
    for words in (
        case.id,
        "MR",
        "Penerimaan",
        "Pengemis",
        "16 Februari 2024",
        "Simpang Pos",
        "Siti (ibu)",
    ):
        assert words in out


def test_ambiguous_prefix_lists_candidates(cli, repo):
    a, b = add(repo), add(repo, name="Rizky", birth_year="2012")
    result = cli("show", "2024")
    assert result.exit_code == 4
    assert a.id in result.stderr and b.id in result.stderr


def test_duplicate_intake_needs_yes_without_terminal(cli, repo):
    add(repo)
    result = cli(*CONTRACT)
    assert result.exit_code == 6 and "--yes" in result.stderr
    assert len(repo.case_ids()) == 1
    assert cli(*CONTRACT, "--yes").exit_code == 0
    assert len(repo.case_ids()) == 2


def test_nik_warning_does_not_stop_intake(cli, repo):
    result = cli(*CONTRACT, "--nik", "1275015602750001")  # a woman's NIK for a man
    assert result.exit_code == 0
    assert "Peringatan:" in result.stderr and "NIK" in result.stderr


def test_english(cli, repo):
    result = cli("show", "2099", lang="en")
    assert result.exit_code == 4
    assert result.stderr.startswith("Error: No case has the ID")
    case = add(repo)
    assert "Intake" in cli("show", case.id, lang="en").stdout


def test_language_from_environment_and_config(cli, repo, monkeypatch):
    monkeypatch.setenv("PPKS_LANG", "en")
    assert cli("show", "2099").stderr.startswith("Error:")
    monkeypatch.delenv("PPKS_LANG")
    text = repo.paths.config.read_text().replace('language = "id"', 'language = "en"')
    repo.paths.config.write_text(text)
    assert cli("show", "2099").stderr.startswith("Error:")
    assert cli("show", "2099", lang="id").stderr.startswith("Galat:")


def test_unknown_language_is_a_usage_error(cli):
    result = cli("list", lang="xx")
    assert result.exit_code == 2 and "xx" in result.stderr


def test_interactive_intake_prompts_for_missing_values(cli, repo, monkeypatch):
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)
    answers = "\n".join([
        "MR",            # name
        "L",             # sex
        "12",            # category: 12th in the list is pengemis
        "1",             # source: street-raid
        "2024-02-30",    # intake date, impossible: asked again
        "2024-02-16",
        "Simpang Pos",   # found at
        "Saskia",        # worker
        "tidak tahu",    # NIK unknown
        "",              # KK
        "1975",          # birth date unknown: the estimated birth year
        # place, religion, marital status, education, occupation, phone, address
        "", "", "", "", "", "", "",
        "y", "Siti", "1", "0812-0000-0001", "", "n",  # one family member, question by question
    ]) + "\n"  # fmt: skip
    result = cli("new-case", "--json", input=answers)
    assert result.exit_code == 0, result.output
    # CliRunner echoes the typed answers to stdout; the JSON comes last
    created = json.loads(result.stdout[result.stdout.index("{") :])
    case = cli("show", created["id"], "--json")
    detail = json.loads(case.stdout)
    assert detail["category"] == "pengemis"
    assert detail["intake"]["source"] == "street-raid"
    assert detail["client"]["birth_year"] == 1975
    assert "nik" not in detail["client"]
    assert detail["client"]["family"] == [
        {"name": "Siti", "relation": "ibu", "phone": "081200000001"}
    ]
    assert "Februari 2024" in result.stderr  # the wrong date was explained, then asked again


def test_no_input_flag_never_prompts(cli, monkeypatch):
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)
    result = cli("--no-input", *without(CONTRACT, "--name"))
    assert result.exit_code == 3 and "--name" in result.stderr


def test_categories(cli):
    data = json.loads(cli("categories", "--json").stdout)
    assert len(data["categories"]) == 26
    assert {"slug": "odgj"}.items() <= data["tags"][0].items()

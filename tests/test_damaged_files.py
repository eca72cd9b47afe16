"""Damaged and hostile files in a case repository (issue 8, section 4): each is a
``path:line`` problem, never a traceback, one damaged case never stops the others from
being listed, and ppks never writes into the wrong client's folder."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from ppks_cli import casework
from ppks_cli.intake import NewCase, create_case, prepare
from ppks_cli.store import Repository

from conftest import MR, snapshot


def add(repo, **kw):
    return create_case(repo, prepare(NewCase(**{**MR.__dict__, **kw})), allow_duplicates=True)


def no_traceback(result):
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


def listed_ids(cli) -> list[str]:
    result = cli("list", "--json")
    no_traceback(result)
    assert result.exit_code == 0, result.output
    return [row["id"] for row in json.loads(result.stdout)]


DEEP = "x = " + "[" * 5000 + "]" * 5000 + "\n"


@pytest.mark.parametrize(
    "damage, line",
    [
        (lambda text: text + DEEP, "last"),  # thousands of levels: RecursionError in tomllib
        (lambda text: text + "y = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n", "last"),
        (lambda text: text[: len(text) // 2], "last"),  # truncated mid-file
        (lambda text: text + 'z = """never closed\nmore\n', "last"),
    ],
    ids=["deep-arrays", "deep-tables", "truncated", "open-string"],
)
@pytest.mark.parametrize("where", ["case", "record"])
def test_a_damaged_file_is_a_problem_at_its_line_and_the_others_are_listed(
    cli, repo, damage, line, where
):
    good = add(repo)
    bad = add(repo, name="Rizky", birth_year="2012")
    casework.note(repo, repo.load_case(bad.id), worker="S", text="catatan")
    path = (
        repo.paths.case_file(bad.id)
        if where == "case"
        else next(repo.paths.records_dir(bad.id).iterdir())
    )
    path.write_text(damage(path.read_text()))
    expected_line = len(path.read_text().splitlines())
    ids = listed_ids(cli)
    assert good.id in ids
    assert (bad.id in ids) == (where == "record")  # a case with a bad record is still listed
    checked = cli("check")
    no_traceback(checked)
    assert checked.exit_code == 1
    shown = repo.rel(path)
    lines = [x for x in checked.stdout.splitlines() if x.startswith(shown + ":")]
    assert lines, checked.stdout
    number = int(lines[0].split(":")[1])
    assert number == expected_line or (line == "last" and number >= expected_line - 1)
    assert cli("show", good.id).exit_code == 0
    before = snapshot(repo.root)
    refused = cli("note", bad.id, "baru", "--worker", "S")
    no_traceback(refused)
    assert refused.exit_code in (6, 7)
    assert snapshot(repo.root) == before


def test_an_unreadable_file_is_a_problem_naming_it(cli, repo, monkeypatch):
    good = add(repo)
    bad = add(repo, name="Rizky", birth_year="2012")
    locked = repo.paths.case_file(bad.id)
    real = Path.read_bytes

    def read_bytes(self):
        if self == locked:
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)  # tests run as root, so chmod won't do
    assert listed_ids(cli) == [good.id]
    checked = cli("check")
    no_traceback(checked)
    assert f"cases/{bad.id}/case.toml:1: berkas tidak dapat dibaca: Permission denied" in (
        checked.stdout
    )
    shown = cli("show", bad.id)
    no_traceback(shown)
    assert shown.exit_code == 7 and "Permission denied" in shown.stderr


def test_a_read_only_repository_refuses_with_the_file_named(cli, repo, monkeypatch):
    case = add(repo)
    before = snapshot(repo.root)

    def no_space(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr("tempfile.mkstemp", no_space)
    result = cli("note", case.id, "catatan", "--worker", "S")
    no_traceback(result)
    assert result.exit_code == 10
    assert "Read-only file system" in result.stderr and "records" in result.stderr
    assert snapshot(repo.root) == before


def test_a_case_whose_id_names_another_case_is_never_written_to(cli, repo):
    victim = add(repo)
    odd = add(repo, name="Rizky", birth_year="2012")
    path = repo.paths.case_file(odd.id)
    path.write_text(path.read_text().replace(f'id = "{odd.id}"', f'id = "{victim.id}"'))
    before = snapshot(repo.root)
    for args in (
        ("note", odd.id, "catatan", "--worker", "S"),
        ("assess", odd.id, "--problem", "x", "--worker", "S"),
    ):
        result = cli(*args)
        no_traceback(result)
        assert result.exit_code == 6, result.output
        assert victim.id in result.stderr and odd.id in result.stderr
    assert snapshot(repo.root) == before
    checked = cli("check")
    assert checked.exit_code == 1 and f"cases/{odd.id}/case.toml:" in checked.stdout
    # the other client's case is untouched and both are listed under their folders
    assert sorted(listed_ids(cli)) == sorted([victim.id, odd.id])


def test_a_record_moved_into_another_case_is_flagged_and_changes_nothing(cli, repo):
    source = add(repo)
    target = add(repo, name="Rizky", birth_year="2012")
    record = casework.assess(repo, repo.load_case(source.id), worker="S", problems=["x"])
    moved = repo.paths.records_dir(target.id) / next(repo.paths.records_dir(source.id).iterdir()).name
    moved.parent.mkdir(parents=True)
    os.replace(next(repo.paths.records_dir(source.id).iterdir()), moved)
    shown = json.loads(cli("show", target.id, "--json").stdout)
    assert shown["stage"] == "intake"  # the stray assessment does not move the stage
    assert shown["damaged_records"][0]["file"] == repo.rel(moved)
    checked = cli("check")
    assert checked.exit_code == 1
    line = next(x for x in checked.stdout.splitlines() if x.startswith(repo.rel(moved)))
    assert f"milik kasus {source.id}" in line and ":3:" in line
    assert record.case == source.id


def test_a_byte_order_mark_is_accepted(cli, repo):
    case = add(repo)
    path = repo.paths.case_file(case.id)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert listed_ids(cli) == [case.id]
    assert cli("check").exit_code == 0


def test_symbolic_links_in_a_repository_are_never_followed(cli, repo, tmp_path):
    case = add(repo)
    secret = tmp_path / "secret.toml"
    secret.write_text(Path(repo.paths.case_file(case.id)).read_text().replace("MR", "RAHASIA"))
    link = repo.paths.records_dir(case.id) / "2024-02-20-note-AAAAAA.toml"
    link.parent.mkdir()
    link.symlink_to(secret)
    folder = repo.paths.cases / "2024-ZZZZZ"
    folder.symlink_to(repo.paths.case_dir(case.id))
    result = cli("list", "--json")
    assert [r["id"] for r in json.loads(result.stdout)] == [case.id]
    shown = cli("show", case.id, "--json")
    assert "RAHASIA" not in shown.output
    checked = cli("check")
    assert checked.exit_code == 1
    assert f"{repo.rel(link)}:1: berkas ini tautan simbolik" in checked.stdout
    assert "cases/2024-ZZZZZ:1:" in checked.stdout
    before = snapshot(repo.root)
    assert cli("note", case.id, "x", "--worker", "S").exit_code == 6
    assert snapshot(repo.root) == before


def test_repository_library_refuses_writes_to_a_mismatched_case(repo):
    odd = add(repo)
    path = repo.paths.case_file(odd.id)
    path.write_text(path.read_text().replace(f'id = "{odd.id}"', 'id = "2024-00000"'))
    case = Repository.open(repo.root).load_case(odd.id)
    assert case.id == odd.id and case.id_mismatch


# --- what a review found after the first round (issue 8) ---------------------------------


def test_a_linked_records_folder_or_cases_folder_is_never_read(cli, repo, tmp_path):
    case = add(repo)
    elsewhere = tmp_path / "elsewhere"
    other = Repository.create(elsewhere, "Kantor Lain")
    secret = add(other, name="RAHASIA")
    casework.note(other, other.load_case(secret.id), worker="S", text="DETAIL-SANGAT-RAHASIA")
    records = repo.paths.records_dir(case.id)
    records.symlink_to(other.paths.records_dir(secret.id))
    shown = cli("show", case.id, "--json")
    no_traceback(shown)
    assert "DETAIL-SANGAT-RAHASIA" not in shown.output
    assert json.loads(shown.stdout)["damaged_records"][0]["file"] == repo.rel(records)
    checked = cli("check")
    assert checked.exit_code == 1 and f"{repo.rel(records)}:1:" in checked.stdout
    before = snapshot(repo.root)
    assert cli("note", case.id, "x", "--worker", "S").exit_code == 6
    assert snapshot(repo.root) == before
    draft = cli("letter", case.id, "assessment", "--draft")
    assert "DETAIL-SANGAT-RAHASIA" not in draft.output
    # the whole cases/ folder as a link
    records.unlink()
    moved = tmp_path / "moved-cases"
    repo.paths.cases.rename(moved)
    repo.paths.cases.symlink_to(other.paths.cases)
    listed = cli("list", "--json")
    assert listed.exit_code == 0 and "RAHASIA" not in listed.output
    checked = cli("check")
    assert checked.exit_code == 1 and "cases:1:" in checked.stdout


def test_a_fifo_named_like_a_record_is_a_problem_and_never_opened(cli, repo):
    case = add(repo)
    folder = repo.paths.records_dir(case.id)
    folder.mkdir()
    os.mkfifo(folder / "2024-08-01-note-FIFO01.toml")  # opening it would block forever
    checked = cli("check")
    assert checked.exit_code == 1
    assert "2024-08-01-note-FIFO01.toml:1: ini bukan berkas biasa" in checked.stdout
    shown = cli("show", case.id, "--json")
    assert json.loads(shown.stdout)["damaged_records"]
    assert cli("note", case.id, "x", "--worker", "S").exit_code == 6


def test_control_characters_in_a_letters_stored_data_are_caught(cli, repo):
    case = add(repo)
    record = casework.note(repo, repo.load_case(case.id), worker="S", text="x")
    path = next(repo.paths.records_dir(case.id).iterdir())
    text = path.read_text().replace('kind = "note"', 'kind = "letter"').replace(
        'text = "x"',
        'letter = "referral"\nnumber = "1"\nyear = 2024\ntemplate_sha256 = "0"\n'
        '[context.office]\nname = "Dinsos \\u001b[2J\\u0000Z"',
    )
    path.write_text(text)
    checked = cli("check")
    assert checked.exit_code == 1 and "U+001B" in checked.stdout
    assert record.id in path.name


def test_a_logo_every_letter_would_refuse_is_a_check_error(cli, repo):
    config = repo.paths.config
    for logo in ("/etc/passwd", "../kasus/ppks.toml", "templates/tidak-ada.png"):
        config.write_text(config.read_text().split("\n# logo")[0] + f'\nlogo = "{logo}"\n'
                          + "\n# logo" + config.read_text().split("\n# logo", 1)[1])  # fmt: skip
        checked = cli("check")
        assert checked.exit_code == 1, logo
        assert "ppks.toml:" in checked.stdout and "logo" in checked.stdout
        config.write_text(config.read_text().replace(f'\nlogo = "{logo}"\n', "\n"))


@pytest.mark.parametrize("number", ["-1", "0", "../../etc/passwd", ".x1", "abc", "1..2"])
def test_a_letter_number_that_is_no_agenda_number_is_refused(repo, number):
    from ppks_cli.errors import InvalidInput
    from ppks_cli.letters import given_number

    with pytest.raises(InvalidInput) as caught:
        given_number(repo, number, dt.date(2024, 6, 1))
    assert "--number" in caught.value.message()


def test_check_with_a_damaged_settings_file_still_checks_every_case(cli, repo):
    case = add(repo)
    path = repo.paths.case_file(case.id)
    path.write_text(path.read_text() + "\nbroken = ]\n")
    repo.paths.config.write_text(repo.paths.config.read_text() + "\n[deadlines]\nx = ]\n")
    checked = cli("check")
    no_traceback(checked)
    assert checked.exit_code == 1  # problems found, as for any other file
    assert "ppks.toml:" in checked.stdout and f"cases/{case.id}/case.toml:" in checked.stdout
    assert cli("list").exit_code == 7  # other commands still refuse a damaged ppks.toml

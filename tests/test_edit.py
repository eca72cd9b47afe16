"""``ppks edit``: corrections of a client's data as records (reason, old and new value),
the current identity everywhere, former names still found, invalid values refused with
nothing written, and the $EDITOR round trip."""

from __future__ import annotations

import datetime as dt
import json
import sys
import tomllib
from pathlib import Path

import pytest

from ppks_cli import corrections, index
from ppks_cli.commands import _common
from ppks_cli.duplicates import find_duplicates
from ppks_cli.errors import Cancelled, InvalidInput
from ppks_cli.models import Client
from ppks_cli.store import Repository

from conftest import Cli, git, snapshot

NIK = "1271011705750001"  # a man born 17 May 1975, as MR
REASON = "data dari Disdukcapil"


@pytest.fixture
def office(git_office):
    """A repository in git (committing) with MR's case, opened by the command line."""
    return git_office


def records_of(root: Path, case_id: str, kind: str = "correction") -> list[dict]:
    folder = root / "cases" / case_id / "records"
    return [tomllib.loads(p.read_text()) for p in sorted(folder.glob(f"*-{kind}-*.toml"))]


def test_flags_correct_every_kind_of_field_as_a_record(office):
    root, case_id = office
    case_toml = (root / "cases" / case_id / "case.toml").read_bytes()
    cli = Cli(root)
    result = cli(
        "edit", case_id, "--name", "Rahmat Siregar", "--alias", "Ucok", "--nik", "1271 0117 0575 0001",
        "--kk", "1271010101750001", "--birth-date", "17-05-1975", "--birth-place", "Medan",
        "--religion", "Islam", "--marital-status", "kawin", "--education", "sd",
        "--occupation", "buruh", "--phone", "0812 3456 789", "--address", "Jl. Mawar 3",
        "--found-at", "Pasar Petisah", "--category", "gelandangan", "--reason", REASON,
        "--date", "2024-03-12", "--worker", "Saskia", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["changed"] is True and out["client"]["name"] == "Rahmat Siregar"
    # case.toml keeps the intake: the correction is a record of its own
    assert (root / "cases" / case_id / "case.toml").read_bytes() == case_toml
    [record] = records_of(root, case_id)
    assert record["reason"] == REASON and record["worker"] == "Saskia"
    assert record["date"] == dt.date(2024, 3, 12)
    changes = {c["field"]: (c.get("old"), c.get("new")) for c in record["changes"]}
    assert changes == {
        "name": ("MR", "Rahmat Siregar"),
        "alias": (None, "Ucok"),
        "nik": (None, NIK),
        "kk_number": (None, "1271010101750001"),
        "birth_place": (None, "Medan"),
        "birth_date": (None, dt.date(1975, 5, 17)),
        "birth_year": (1975, None),  # the real date says it all
        "religion": (None, "islam"),
        "marital_status": (None, "kawin"),
        "education": (None, "sd"),
        "occupation": (None, "buruh"),
        "phone": (None, "08123456789"),  # stored normalised
        "address": (None, "Jl. Mawar 3"),
        "found_at": ("Simpang Pos, Medan", "Pasar Petisah"),
        "category": ("pengemis", "gelandangan"),
    }
    case = Repository.open(root).find_case(case_id)
    assert case.file.client.name == "MR"  # as on disk
    assert case.client.name == "Rahmat Siregar" and case.client.nik == NIK
    assert case.current.intake.found_at == "Pasar Petisah"
    assert case.current.category == "gelandangan"
    assert case.state.stage == "intake"  # a correction never moves the stage

    # a second correction empties a field ("-") and builds on the first
    again = cli("edit", case_id, "--address", "-", "--reason", "pindah", "--worker", "Saskia")
    assert again.exit_code == 0, again.output
    second = records_of(root, case_id)[-1]
    assert second["changes"] == [{"field": "address", "old": "Jl. Mawar 3"}]
    assert Repository.open(root).find_case(case_id).client.address is None


def test_current_identity_everywhere_and_old_name_still_found(office):
    root, case_id = office
    cli = Cli(root)
    assert cli("search", "Rahmat", "--json").stdout.strip() == "[]"
    assert cli("edit", case_id, "--name", "Rahmat Siregar", "--nik", NIK, "--reason", REASON,
               "--worker", "Saskia").exit_code == 0  # fmt: skip
    shown = json.loads(cli("show", case_id, "--json").stdout)
    assert shown["client"]["name"] == "Rahmat Siregar" and shown["client"]["nik"] == NIK
    assert shown["former_names"] == ["MR"]
    [correction] = shown["corrections"]
    assert correction["reason"] == REASON
    assert {"field": "name", "old": "MR", "new": "Rahmat Siregar"} in correction["changes"]
    listed = json.loads(cli("list", "--json").stdout)
    assert [r["name"] for r in listed] == ["Rahmat Siregar"]
    assert json.loads(cli("list", "--name", "Rahmat", "--json").stdout)[0]["id"] == case_id
    by_new = json.loads(cli("search", "Rahmat Siregar", "--json").stdout)
    assert by_new[0]["id"] == case_id
    by_nik = json.loads(cli("search", NIK, "--json").stdout)
    assert by_nik[0]["id"] == case_id and "nik" in by_nik[0]["reasons"]
    # the street name stays findable
    by_old = json.loads(cli("search", "MR", "--json").stdout)
    assert by_old[0]["id"] == case_id and "former_name" in by_old[0]["reasons"]
    assert by_old[0]["matched"] == "MR"
    text = cli("show", case_id).stdout
    assert "Rahmat Siregar" in text and "Nama sebelumnya" in text
    # the duplicate check at intake knows the corrected NIK
    repo = Repository.open(root)
    other = Client(name="Orang Lain", sex="L", nik=NIK)
    [match] = find_duplicates(index.client_cases(repo), other)
    assert match.case.id == case_id and match.reason == "nik"


def test_letters_use_the_current_identity(office):
    root, case_id = office
    from ppks_cli.letters import _client_data

    Cli(root)("edit", case_id, "--name", "Rahmat Siregar", "--reason", REASON, "--worker", "S")
    case = Repository.open(root).find_case(case_id)
    assert _client_data(case, dt.date(2024, 3, 1))["name"] == "Rahmat Siregar"


@pytest.mark.parametrize(
    "args",
    [
        ["--nik", "127101170575000"],  # 15 digits
        ["--kk", "12"],
        ["--birth-date", "2099-01-01"],
        ["--birth-date", "1980-01-01", "--birth-year", "1975"],
        ["--religion", "jedi"],
        ["--category", "astronot"],
        ["--sex", "x"],
        ["--name", "-"],
        ["--name", "Rahmat\x1b[31m"],
        ["--birth-year", "2030"],
        ["--intake-date", "2099-01-01"],
        ["--intake-date", "-"],
        ["--source", "helikopter"],
    ],
)
def test_invalid_values_are_refused_with_nothing_written(office, args):
    root, case_id = office
    before = snapshot(root)
    head = git("rev-parse", "HEAD", cwd=root)
    result = Cli(root)("edit", case_id, *args, "--reason", REASON, "--worker", "Saskia")
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    assert snapshot(root) == before
    assert git("rev-parse", "HEAD", cwd=root) == head


def test_the_intake_date_is_corrected_but_never_after_the_casework_began(office):
    """A mistyped intake date is corrected like the client's data (a record, old and new
    value), and the casework then counts from it; a date after the case's first record
    is refused with nothing written (the work cannot have begun before the client came)."""
    root, case_id = office
    cli = Cli(root)
    noted = cli("note", case_id, "kunjungan", "--date", "2024-03-01", "--worker", "Saskia")
    assert noted.exit_code == 0, noted.output
    before = snapshot(root)
    late = cli("edit", case_id, "--intake-date", "2024-04-01", "--reason", REASON,
               "--worker", "Saskia", lang="en")  # fmt: skip
    assert late.exit_code == 3, late.output
    assert "--intake-date" in late.output and "first record" in late.output
    assert snapshot(root) == before
    done = cli("edit", case_id, "--intake-date", "15-02-2024", "--source", "walk-in",
               "--reason", REASON, "--worker", "Saskia")  # fmt: skip
    assert done.exit_code == 0, done.output
    [record] = records_of(root, case_id)
    fields = {c["field"]: c["new"] for c in record["changes"]}
    assert fields == {"intake_date": dt.date(2024, 2, 15), "source": "walk-in"}
    shown = json.loads(cli("show", case_id, "--json").stdout)["intake"]
    assert (shown["date"], shown["source"]) == ("2024-02-15", "walk-in")
    row = next(r for r in json.loads(cli("list", "--json").stdout) if r["id"] == case_id)
    assert row["intake_date"] == "2024-02-15" and row["source"] == "walk-in"


def test_invalid_nik_message_names_the_option(office):
    root, case_id = office
    result = Cli(root)("edit", case_id, "--nik", "127101170575000", "--reason", REASON)
    assert result.exit_code == 3
    assert "--nik" in result.output and "16" in result.output


def test_reason_is_required_and_nothing_changed_writes_nothing(office):
    root, case_id = office
    cli = Cli(root)
    before = snapshot(root)
    missing = cli("edit", case_id, "--name", "Rahmat", "--worker", "Saskia")
    assert missing.exit_code == 3 and "--reason" in missing.output
    same = cli("edit", case_id, "--name", "MR", "--reason", REASON, "--worker", "Saskia")
    assert same.exit_code == 0 and "Tidak ada perubahan" in same.output
    assert snapshot(root) == before


def test_no_terminal_and_no_flags_is_a_clear_error(office):
    root, case_id = office
    before = snapshot(root)
    result = Cli(root)("edit", case_id, "--worker", "Saskia")
    assert result.exit_code == 3
    assert "--name" in result.output and "--reason" in result.output
    assert snapshot(root) == before


def test_history_and_show_say_what_changed_in_both_languages(office):
    root, case_id = office
    cli = Cli(root)
    assert cli("edit", case_id, "--name", "Rahmat Siregar", "--reason", REASON,
               "--date", "2024-03-12", "--worker", "Saskia").exit_code == 0  # fmt: skip
    line = "nama: 'MR' → 'Rahmat Siregar' (alasan: data dari Disdukcapil), Saskia, 12 Maret 2024"
    history = cli("history", case_id)
    assert line in " ".join(history.stdout.split()), history.stdout
    shown = " ".join(cli("show", case_id).stdout.split())
    assert "Koreksi data" in shown and "(alasan: data dari Disdukcapil)" in shown
    english = " ".join(cli("history", case_id, lang="en").stdout.split())
    assert "name: 'MR' → 'Rahmat Siregar' (reason: data dari Disdukcapil), Saskia" in english
    assert "Data correction" in " ".join(cli("show", case_id, lang="en").stdout.split())
    entries = json.loads(cli("history", case_id, "--json").stdout)
    found = [c["correction"] for e in entries for c in e["changes"] if "correction" in c]
    assert found[0]["reason"] == REASON
    assert found[0]["changes"] == [{"field": "name", "old": "MR", "new": "Rahmat Siregar"}]


def test_commit_message_has_no_personal_data(office):
    root, case_id = office
    assert Cli(root)("edit", case_id, "--name", "Rahmat Siregar", "--nik", NIK,
                     "--address", "Jl. Mawar 3", "--reason", REASON, "--worker", "Saskia"
                     ).exit_code == 0  # fmt: skip
    log = git("log", "-1", "--format=%B", cwd=root)
    assert log.strip() == f"{case_id}: client data corrected"
    for personal in ("Rahmat", NIK, "Mawar", "Disdukcapil", "MR"):
        assert personal not in log.replace(case_id, "")
    assert git("status", "--porcelain", cwd=root) == ""


def test_a_correction_fits_a_closed_case_and_keeps_its_stage(office):
    root, case_id = office
    cli = Cli(root)
    assert cli("terminate", case_id, "--reason", "contact-lost", "--outcome", "hilang",
               "--worker", "Saskia").exit_code == 0  # fmt: skip
    assert cli("edit", case_id, "--name", "Rahmat", "--reason", REASON,
               "--worker", "Saskia").exit_code == 0  # fmt: skip
    shown = json.loads(cli("show", case_id, "--json").stdout)
    assert shown["stage"] == "termination" and shown["closed"] is True
    assert shown["warnings"] == []


def test_check_validates_hand_written_corrections(office):
    root, case_id = office
    cli = Cli(root)
    assert cli("edit", case_id, "--nik", NIK, "--reason", REASON, "--worker", "S").exit_code == 0
    assert cli("check").exit_code == 0
    [path] = (root / "cases" / case_id / "records").glob("*-correction-*.toml")
    path.write_text(path.read_text().replace(NIK, NIK[:-1]))
    result = cli("check")
    assert result.exit_code == 1
    assert path.name in result.output and "NIK" in result.output
    unknown = path.read_text().replace('field = "nik"', 'field = "hobby"')
    path.write_text(unknown)
    assert "hobby" in cli("check").output


def test_core_edit_case_and_parse_value(office):
    root, case_id = office
    repo = Repository.open(root)
    values = corrections.parse_values({"name": " Rahmat ", "birth_year": "１９７６"})
    assert values == {"name": "Rahmat", "birth_year": 1976}
    result = corrections.edit_case(repo, case_id[:6], values, reason=REASON, worker="Saskia")
    assert result.record is not None and result.case.client.birth_year == 1976
    assert result.to_json()["changed"] is True
    nothing = corrections.edit_case(repo, case_id, values, reason=None, worker="Saskia")
    assert nothing.record is None and nothing.to_json()["record"] is None
    with pytest.raises(InvalidInput):
        corrections.parse_value("nik", "12345")
    assert corrections.parse_value("address", "tidak tahu") is None


# --- the editor ---------------------------------------------------------------------------

EDITOR = '''
import pathlib, sys
here = pathlib.Path(__file__).parent
count_file = here / "count"
count = int(count_file.read_text()) if count_file.exists() else 0
count_file.write_text(str(count + 1))
path = pathlib.Path(sys.argv[1])
text = path.read_text()
(here / f"seen-{count}.toml").write_text(text)
steps = STEPS
step = steps[min(count, len(steps) - 1)]
if step == "EMPTY":
    text = ""
elif step == "FAIL":
    sys.exit(1)
else:
    for old, new in step:
        text = text.replace(old, new)
path.write_text(text)
'''


def scripted_editor(tmp_path, monkeypatch, steps) -> Path:
    folder = tmp_path / "editor"
    folder.mkdir()
    script = folder / "editor.py"
    script.write_text(EDITOR.replace("STEPS", repr(steps)))
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)
    return folder


def test_editor_valid_edit(office, tmp_path, monkeypatch):
    root, case_id = office
    folder = scripted_editor(tmp_path, monkeypatch, [[
        ('name = "MR"', 'name = "Rahmat Siregar"'),
        ('reason = ""', f'reason = "{REASON}"'),
        ('# nik = ""', f'nik = "{NIK}"'),
    ]])  # fmt: skip
    result = Cli(root)("edit", case_id, "--worker", "Saskia")
    assert result.exit_code == 0, result.output
    opened = (folder / "seen-0.toml").read_text()
    assert 'name = "MR"' in opened and "birth_year = 1975" in opened and case_id in opened
    [record] = records_of(root, case_id)
    assert record["reason"] == REASON
    assert {c["field"] for c in record["changes"]} == {"name", "nik"}


def test_editor_invalid_then_fixed_is_reopened_with_the_error(office, tmp_path, monkeypatch):
    root, case_id = office
    folder = scripted_editor(tmp_path, monkeypatch, [
        [('# nik = ""', 'nik = "127101170575000"'), ('reason = ""', 'reason = "KTP"')],
        [('nik = "127101170575000"', f'nik = "{NIK}"')],
    ])  # fmt: skip
    result = Cli(root)("edit", case_id, "--worker", "Saskia")
    assert result.exit_code == 0, result.output
    second = (folder / "seen-1.toml").read_text()
    assert second.startswith("# ") and "--nik" in second.splitlines()[1]
    assert 'nik = "127101170575000"' in second  # what was typed is kept
    [record] = records_of(root, case_id)
    assert record["changes"] == [{"field": "nik", "new": NIK}] and record["reason"] == "KTP"


def test_editor_unchanged_emptied_or_failed_writes_nothing(office, tmp_path, monkeypatch):
    root, case_id = office
    before = snapshot(root)
    scripted_editor(tmp_path, monkeypatch, [[]])
    unchanged = Cli(root)("edit", case_id, "--worker", "Saskia")
    assert unchanged.exit_code == 0 and "Tidak ada perubahan" in unchanged.output
    assert snapshot(root) == before


@pytest.mark.parametrize("step", ["EMPTY", "FAIL"])
def test_editor_abandoned_writes_nothing(office, tmp_path, monkeypatch, step):
    root, case_id = office
    before = snapshot(root)
    scripted_editor(tmp_path, monkeypatch, [step])
    result = Cli(root)("edit", case_id, "--worker", "Saskia")
    assert "Traceback" not in result.output
    if step == "EMPTY":
        assert result.exit_code == 0 and "dibatalkan" in result.output
    else:  # the editor failed: cancelled, as git commit does
        assert result.exit_code == Cancelled.exit_code
    assert snapshot(root) == before


def test_editor_asks_a_missing_reason(office, tmp_path, monkeypatch):
    root, case_id = office
    scripted_editor(tmp_path, monkeypatch, [[('name = "MR"', 'name = "Rahmat"')]])
    result = Cli(root)("edit", case_id, "--worker", "Saskia", input="dari KK\n")
    assert result.exit_code == 0, result.output
    assert records_of(root, case_id)[0]["reason"] == "dari KK"


def test_a_correction_that_no_longer_fits_is_skipped_and_checked(office):
    """Two clones corrected offline: one gave the birth date, the other a birth year
    that disagrees. The first applies, the second is left out and `check` says so."""
    from ppks_cli.records import Correction, FieldChange
    from ppks_cli.store import now

    root, case_id = office
    cli = Cli(root)
    assert cli("edit", case_id, "--birth-date", "1975-05-17", "--reason", "KTP",
               "--date", "2024-03-01", "--worker", "Saskia").exit_code == 0  # fmt: skip
    repo = Repository.open(root)
    case = repo.find_case(case_id)
    offline = Correction(
        id="ZZZZZZ", case=case_id, date=dt.date(2024, 3, 2), worker="Dewi", recorded_at=now(),
        reason="perkiraan", changes=[FieldChange(field="birth_year", old=1975, new=1976)],
    )  # fmt: skip
    repo.add_record(case, offline)
    case = Repository.open(root).find_case(case_id)
    assert case.client.birth_date == dt.date(1975, 5, 17) and case.client.birth_year is None
    result = cli("check")
    assert "ZZZZZZ" in result.output and "ppks edit" in result.output


# --- found in review (issue 11) -----------------------------------------------------------


def test_a_backdated_correction_is_refused_naming_the_latest_date(office):
    """Corrections apply in date order: one dated before the latest would say
    "'Nama Baru' → 'Nama Lain'" and have no effect. It is refused, nothing written."""
    root, case_id = office
    cli = Cli(root)
    assert cli("edit", case_id, "--name", "Nama Baru", "--reason", "a",
               "--date", "2024-06-10").exit_code == 0  # fmt: skip
    before = snapshot(root)
    result = cli("edit", case_id, "--name", "Nama Lain", "--reason", "b", "--date", "2024-05-01")
    assert result.exit_code == 6, result.output
    assert "2024-06-10" in result.output and "--date" in result.output
    assert snapshot(root) == before
    same_day = cli("edit", case_id, "--name", "Nama Lain", "--reason", "b",
                   "--date", "2024-06-10")  # fmt: skip
    assert same_day.exit_code == 0, same_day.output
    shown = json.loads(cli("show", case_id, "--json").stdout)
    assert shown["client"]["name"] == "Nama Lain"


def test_a_backdated_correction_is_refused_before_the_editor_opens(office, tmp_path, monkeypatch):
    root, case_id = office
    assert Cli(root)("edit", case_id, "--name", "Nama Baru", "--reason", "a").exit_code == 0
    folder = scripted_editor(tmp_path, monkeypatch, [[('name = "Nama Baru"', 'name = "X"')]])
    result = Cli(root)("edit", case_id, "--worker", "Saskia", "--date", "2024-05-01")
    assert result.exit_code == 6
    assert not (folder / "count").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "{a = 1}"), ("name", '["a", "b"]'), ("name", "true"), ("name", "12"),
     ("alias", "1.5"), ("birth_year", "{x = 1}"), ("birth_year", "[1975]"),
     ("birth_date", "1975-05-17T10:00:00"), ("occupation", "1975-05-17")],
)  # fmt: skip
def test_editor_refuses_a_value_of_the_wrong_type(office, field, value):
    root, case_id = office
    case = Repository.open(root).load_case(case_id)
    text = corrections.editor_text(case).replace('reason = ""', 'reason = "r"')
    text = "\n".join(
        f"{field} = {value}" if line.startswith((f"{field} =", f"# {field} =")) else line
        for line in text.splitlines()
    )
    with pytest.raises(InvalidInput) as raised:  # it was saved as the text "{'a': 1}"
        answer = corrections.read_editor_text(case, text)
        corrections.parse_values(answer.values)
    assert field in str(raised.value)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [("birth_year", "1976", 1976), ("birth_date", "1975-05-17", dt.date(1975, 5, 17)),
     ("nik", NIK, NIK), ("name", '"Rahmat"', "Rahmat")],
)  # fmt: skip
def test_editor_takes_values_of_the_field_type(office, field, value, expected):
    root, case_id = office
    case = Repository.open(root).load_case(case_id)
    text = corrections.editor_text(case).replace('reason = ""', 'reason = "r"')
    text = "\n".join(
        f"{field} = {value}" if line.startswith((f"{field} =", f"# {field} =")) else line
        for line in text.splitlines()
    )
    answer = corrections.read_editor_text(case, text)
    assert corrections.parse_values(answer.values)[field] == expected


def test_a_name_superseded_by_an_offline_correction_stays_findable(office):
    """Two clones correct the same name offline (both from 'MR'); after the merge the
    later one wins. The name the other worker entered stays a former name, found."""
    root, case_id = office
    cli = Cli(root)
    assert cli("edit", case_id, "--name", "Rahmat Siregar", "--reason", "KTP").exit_code == 0
    assert cli("edit", case_id, "--name", "Rahmat Sirait", "--reason", "KK").exit_code == 0
    # as the second clone wrote it, offline: it still saw 'MR'
    for path in (root / "cases" / case_id / "records").glob("*-correction-*.toml"):
        text = path.read_text()
        if "Rahmat Sirait" in text:
            path.write_text(text.replace('old = "Rahmat Siregar"', 'old = "MR"'))
    shown = json.loads(cli("show", case_id, "--json").stdout)
    assert shown["client"]["name"] == "Rahmat Sirait"
    assert shown["former_names"] == ["MR", "Rahmat Siregar"]
    found = json.loads(cli("search", "Rahmat Siregar", "--json").stdout)
    assert case_id in json.dumps(found)


def test_editor_reopened_with_an_error_and_closed_unchanged_stops(office, tmp_path, monkeypatch):
    """kubectl edit: an invalid save re-opens the file; closing it again without a change
    gives up with nothing written (exit 8). It used to re-open forever (:q in vi)."""
    root, case_id = office
    folder = scripted_editor(tmp_path, monkeypatch, [
        [('# nik = ""', 'nik = "127101170575000"'), ('reason = ""', 'reason = "KTP"')],
        [],  # closed without a change
        "EMPTY",  # a safety net for this test
    ])  # fmt: skip
    before = snapshot(root)
    result = Cli(root)("edit", case_id, "--worker", "Saskia")
    assert result.exit_code == Cancelled.exit_code, result.output
    assert "Dibatalkan; tidak ada yang ditulis" in result.output and "--nik" in result.output
    assert snapshot(root) == before
    assert (folder / "count").read_text() == "2"


def test_editor_closed_unchanged_without_an_error_is_no_cancel(office, tmp_path, monkeypatch):
    """Only after an error: a first round closed unchanged is 'nothing changed' (exit 0),
    and a changed second round after an error is read as usual."""
    root, case_id = office
    folder = scripted_editor(tmp_path, monkeypatch, [
        [('reason = ""', 'reason = "KTP"'), ('name = "MR"', "name = [1]")],
        [('name = [1]', 'name = "Rahmat"')],
    ])  # fmt: skip
    result = Cli(root)("edit", case_id, "--worker", "Saskia")
    assert result.exit_code == 0, result.output
    assert (folder / "count").read_text() == "2"
    assert records_of(root, case_id)[0]["changes"] == [
        {"field": "name", "old": "MR", "new": "Rahmat"}
    ]


@pytest.mark.parametrize("variable", ["EDITOR", "VISUAL"])
def test_editor_variable_with_an_unclosed_quote_is_one_clear_error(office, monkeypatch, variable):
    root, case_id = office
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv(variable, "vi '")
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)
    before = snapshot(root)
    result = Cli(root)("edit", case_id, "--worker", "Saskia")
    assert not isinstance(result.exception, ValueError)  # it was a traceback
    assert result.exit_code == InvalidInput.exit_code
    assert f"${variable}" in result.output and "Traceback" not in result.output
    assert snapshot(root) == before


def test_run_editor_errors(tmp_path, monkeypatch):
    """The one way both ``edit`` and ``letter --edit`` open an editor."""
    path = tmp_path / "f.txt"
    path.write_text("x")
    monkeypatch.delenv("VISUAL", raising=False)
    for editor in ("vi '", "", "  ", str(tmp_path / "no-such-editor")):
        monkeypatch.setenv("EDITOR", editor or "   ")
        with pytest.raises(InvalidInput):
            _common.run_editor(path)
    monkeypatch.setenv("EDITOR", f"{sys.executable} -c 'import sys; sys.exit(3)'")
    with pytest.raises(Cancelled):
        _common.run_editor(path)
    writes_y = "import sys; open(sys.argv[1], 'w').write('y')".replace("'", '"')
    monkeypatch.setenv("EDITOR", f"{sys.executable} -c '{writes_y}'")
    _common.run_editor(path)
    assert path.read_text() == "y"


@pytest.mark.parametrize("word", ["-", "tidak tahu"])
def test_an_unknown_category_is_refused_as_empty(office, word):
    root, case_id = office
    result = Cli(root)("edit", case_id, "--category", word, "--reason", "x")
    assert result.exit_code == 3
    assert "--category tidak boleh kosong" in result.output  # not "teks dalam tanda kutip"


@pytest.mark.parametrize(
    ("args", "option"),
    [(["--birth-year", "1980"], "--birth-year"),
     (["--birth-year", "1980", "--birth-date", "1975-01-02"], "--birth-date")],
)  # fmt: skip
def test_a_birth_year_against_the_birth_date_names_a_real_option(office, args, option):
    root, case_id = office
    cli = Cli(root)
    assert cli("edit", case_id, "--birth-date", "1975-05-17", "--birth-year", "1975",
               "--reason", "KTP").exit_code == 0  # fmt: skip
    result = cli("edit", case_id, *args, "--reason", "x")
    assert result.exit_code == 3
    assert f"Galat: {option}: tahun lahir 1980" in result.output
    assert "--client" not in result.output and "'client'" not in result.output


def test_a_birth_date_that_empties_the_estimated_year_says_so(office):
    root, case_id = office
    result = Cli(root)("edit", case_id, "--birth-date", "1975-05-17", "--reason", "KTP", "--json")
    assert result.exit_code == 0, result.output
    codes = [w["code"] for w in json.loads(result.stdout)["warnings"]]
    assert "edit.birth_year_cleared" in codes and "1975" in result.stderr


def test_editor_birth_date_with_the_year_left_as_it_was_is_as_the_flag(office):
    """In the editor every field is given; a new birth date with the estimated year left
    unchanged empties the year as ``--birth-date`` alone does."""
    root, case_id = office
    case = Repository.open(root).load_case(case_id)
    text = corrections.editor_text(case).replace('reason = ""', 'reason = "KTP"')
    text = text.replace('# birth_date = ""', "birth_date = 1975-05-17")
    values = corrections.parse_values(corrections.read_editor_text(case, text).values)
    changes = corrections.plan_changes(case, values)
    assert [(c.field, c.new) for c in changes] == [
        ("birth_date", dt.date(1975, 5, 17)), ("birth_year", None),
    ]


def test_a_nik_another_case_has_is_written_with_a_warning_naming_merge(office):
    root, case_id = office
    cli = Cli(root)
    other = cli("new-case", "--name", "Lain", "--sex", "L", "--category", "pengemis",
                "--birth-year", "1975", "--source", "walk-in", "--intake-date", "2024-06-01",
                "--nik", NIK, "--worker", "Wati", "--yes", "--json")  # fmt: skip
    assert other.exit_code == 0, other.output
    other_id = json.loads(other.stdout)["id"]
    result = cli("edit", case_id, "--nik", NIK, "--reason", "KTP", "--json")
    assert result.exit_code == 0, result.output
    warnings = json.loads(result.stdout)["warnings"]
    [warning] = [w for w in warnings if w["code"] == "edit.nik_elsewhere"]
    assert other_id in warning["message"] and "ppks merge" in warning["message"]
    assert records_of(root, case_id)[0]["changes"][0]["new"] == NIK
    alone = cli("edit", other_id, "--name", "Lain Sekali", "--reason", "KK", "--json")
    assert "nik_elsewhere" not in alone.stdout  # only when the NIK is what changed

"""Finds of the issue 15 verification (a social worker entering street raids and running
the rumah singgah): each test fails on the code as it was found."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from test_raids import RAID_DATE, new_raid, write_csv
from test_raids import office as office  # noqa: F401  (the fixture)

from conftest import Cli, git, snapshot

HEADER = ["Nama", "Jenis Kelamin", "Umur", "Kategori", "Tindak lanjut", "Kasus"]


def sheet(tmp_path: Path, rows: list[list[str]], name: str = "r.csv") -> str:
    return str(write_csv(tmp_path / name, rows, header=HEADER))


def added(cli: Cli, raid: str, path: str, *more: str) -> dict:
    done = cli("raid", "add", raid, "--from", path, "--json", *more)
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


# --- how many times a person was caught ------------------------------------------------------


def test_a_client_taken_in_from_a_street_raid_was_caught_once_already(git_office, tmp_path):
    # MR's case was opened from a street raid (source street-raid, 16 February) before
    # `ppks raid` existed; caught again in July, the catch was numbered 1 ("terjaring ke-1
    # kali") and a third catch was never flagged: Medan's third-catch rule missed him.
    root, mr = git_office
    cli = Cli(root)
    numbers = []
    for date in ("2024-07-01", "2024-07-15"):
        raid = new_raid(cli, date, "Simpang Pos")
        result = added(cli, raid, sheet(tmp_path, [["MR", "L", "49", "pengemis", "dilepas", mr]]))
        numbers.append(result["people"][0]["catches"])
        shown = json.loads(cli("raid", "show", raid, "--json").stdout)
        assert shown["people"][0]["catches"] == numbers[-1]
    assert numbers == [2, 3]
    assert result["people"][0]["threshold_reached"] is True
    raids = json.loads(cli("show", mr, "--json").stdout)["raids"]
    assert (raids["count"], raids["reached"], raids["intake"]) == (3, True, "2024-02-16")
    assert "2024-02-16" in cli("show", mr).stdout
    report = json.loads(cli("report", "--month", "2024-07", "--json").stdout)
    figures = {r["key"]: r["total"] for t in report["tables"] if t["name"] == "raids"
               for r in t["rows"]}  # fmt: skip
    assert figures["raid_threshold_reached"] == 1


def test_a_case_a_raid_opened_counts_its_catch_once(office, tmp_path):
    root, cli, _ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    first = added(cli, raid, sheet(tmp_path, [["Wagiman", "L", "40", "pengemis", "dilepas", ""]]))
    case = first["people"][0]["case"]
    assert first["people"][0]["catches"] == 1
    later = new_raid(cli, "2024-07-20", "Simpang Pos")
    again = added(cli, later, sheet(tmp_path, [["Wagiman", "L", "40", "pengemis", "dilepas",
                                                case]]))  # fmt: skip
    assert again["people"][0]["catches"] == 2
    assert json.loads(cli("show", case, "--json").stdout)["raids"]["count"] == 2


# --- the shelter, from a raid ----------------------------------------------------------------


def test_a_raid_never_admits_a_client_who_is_in_the_shelter_already(office, tmp_path):
    # Budi, placed in the rumah singgah by a raid and never discharged, caught again and
    # "placed" again: a second admission without a discharge (which `ppks shelter admit`
    # refuses), found only later by `ppks check`.
    root, cli, ids = office
    first = new_raid(cli, "2024-07-01", "Simpang Pos")
    row = ["Ucok Lubis", "L", "54", "gelandangan", "rumah singgah", ids["ucok"]]
    added(cli, first, sheet(tmp_path, [row]))
    later = new_raid(cli, "2024-07-20", "Simpang Pos")
    before = snapshot(root)
    refused = cli("raid", "add", later, "--from", sheet(tmp_path, [row]))
    assert refused.exit_code == 3
    assert "baris 2, kolom tindak lanjut" in refused.stderr
    assert "sejak 2024-07-01" in refused.stderr and "shelter discharge" in refused.stderr
    assert snapshot(root) == before
    released = row[:4] + ["dilepas", ids["ucok"]]  # another disposition is taken
    assert added(cli, later, sheet(tmp_path, [released]))["written"] == 1
    assert cli("check").exit_code == 0


def test_a_raid_filling_the_shelter_says_so(office, tmp_path):
    root, cli, _ids = office
    config = root / "ppks.toml"
    config.write_text(config.read_text().replace("# beds = 30", "beds = 2", 1))
    git("commit", "-qam", "two beds", cwd=root)
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    rows = [[name, "L", "30", "gelandangan", "rumah singgah", ""]
            for name in ("Agus Lubis", "Bambang Purba", "Charles Sitorus")]  # fmt: skip
    result = added(cli, raid, sheet(tmp_path, rows))
    assert result["written"] == 3  # they are there: recorded
    assert [w["code"] for w in result["warnings"]] == ["shelter.warning.full"]
    assert "3" in result["warnings"][0]["message"]
    text = cli("raid", "add", new_raid(cli, "2024-07-16", "Simpang Pos"), "--from",
               sheet(tmp_path, [["Dodi Saragih", "L", "30", "gelandangan", "rumah singgah", ""]]))
    assert text.exit_code == 0 and "melebihi kapasitas" in text.stderr


def test_the_shelter_of_a_raid_can_be_named(office, tmp_path):
    root, cli, _ids = office
    config = root / "ppks.toml"
    config.write_text(config.read_text() + '\n[[shelters]]\nname = "Rumah Singgah A"\nbeds = 10\n'
                      '\n[[shelters]]\nname = "RPS Kota Medan"\nbeds = 20\n')
    git("commit", "-qam", "two shelters", cwd=root)
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    result = added(cli, raid, sheet(tmp_path, [["Eko Sinaga", "L", "30", "gelandangan",
                                                 "rumah singgah", ""]]), "--shelter", "rps")
    case = result["people"][0]["case"]
    listed = json.loads(cli("shelter", "--on", RAID_DATE, "--json").stdout)
    assert [(s["case"], s["shelter"]) for s in listed["stays"]] == [(case, "RPS Kota Medan")]
    wrong = cli("raid", "add", raid, "--from", sheet(tmp_path, [["Fikri", "L", "30",
                "gelandangan", "rumah singgah", ""]]), "--shelter", "Hotel")  # fmt: skip
    assert wrong.exit_code == 3 and "--shelter" in wrong.stderr


# --- a run cut off, entered again ------------------------------------------------------------


def cut_off(root: Path, case_id: str, raid: str, *kinds: str) -> None:
    """The state a raid add killed between a person's files leaves, once the next
    command has committed what was written: the records of ``kinds`` of ``raid`` removed
    from the case."""
    for kind in kinds:
        for path in (root / "cases" / case_id / "records").glob(f"*-{kind}-*.toml"):
            data = tomllib.loads(path.read_text())
            if data.get("raid", raid) == raid or kind == "referral":
                path.unlink()
    git("add", "-A", cwd=root)
    git("commit", "-qm", "ppks: finish an interrupted commit", cwd=root)


def test_entering_the_file_again_completes_a_person_a_killed_run_left_half_done(office, tmp_path):
    # killed after a new case's case.toml and before its catch: entering the same file
    # again (as the README says to) skipped the person as "may already have a case" and
    # never recorded the catch; with "baru" it opened a second case for the same person.
    root, cli, ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    rows = [["Gomgom Tambunan", "L", "33", "gelandangan", "rumah singgah", ""],
            ["Hotman Pardede", "L", "41", "pengemis", "dilepas", "baru"],
            ["Sri Wahyuni", "P", "54", "pengemis", "panti",
             ids["sri"]]]  # fmt: skip
    path = str(write_csv(tmp_path / "r.csv", [r[:5] + ([PANTI] if r[4] == "panti" else [""])
                                              + [r[5]] for r in rows], header=FULL))
    first = added(cli, raid, path)
    gomgom, hotman, sri = (p["case"] for p in first["people"])
    cut_off(root, gomgom, raid, "raid-catch", "shelter-admission")
    cut_off(root, hotman, raid, "raid-catch")
    cut_off(root, sri, raid, "raid-catch")  # its reopening and referral were written
    cases_before = sorted(p.name for p in (root / "cases").iterdir())
    again = added(cli, raid, path, "--skip-invalid")
    assert again["skipped"] == [] and again["written"] == 3
    assert [p["case"] for p in again["people"]] == [gomgom, hotman, sri]
    assert [p["new"] for p in again["people"]] == [True, True, False]
    assert sorted(p.name for p in (root / "cases").iterdir()) == cases_before
    kinds = sorted(tomllib.loads(p.read_text())["kind"]
                   for p in (root / "cases" / sri / "records").glob(f"{RAID_DATE}-*.toml"))
    assert kinds == ["raid-catch", "referral", "reopen"]  # nothing twice
    assert len(list((root / "cases" / gomgom / "records").glob("*-shelter-admission-*"))) == 1
    shown = json.loads(cli("raid", "show", raid, "--json").stdout)
    assert shown["summary"]["new_or_repeat"] == {"new": 2, "repeat": 1}
    assert cli("check").exit_code == 0
    third = cli("raid", "add", raid, "--from", path, "--skip-invalid")
    assert third.exit_code == 3  # all recorded now: nobody twice
    assert third.stderr.count("sudah tercatat di razia") == 3, third.stderr


# --- what a spreadsheet may hold -------------------------------------------------------------

FULL = ["Nama", "Jenis Kelamin", "Umur", "Kategori", "Tindak lanjut", "Tujuan", "Kasus"]
PANTI = "UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai"


def test_the_same_person_on_two_rows_is_not_two_new_cases(office, tmp_path):
    # two team members' lists put together: "Qori Rahman" twice became two cases
    root, cli, _ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    rows = [["Qori Rahman", "L", "30", "gelandangan", "dilepas", ""],
            ["Lina", "P", "20", "pengemis", "dilepas", ""],
            ["Qori Rahman", "L", "31", "gelandangan", "dilepas", ""]]  # fmt: skip
    before = snapshot(root)
    refused = cli("raid", "add", raid, "--from", sheet(tmp_path, rows))
    assert refused.exit_code == 3
    assert "baris 4, kolom kasus: mungkin orang yang sama dengan baris 2" in refused.stderr
    assert snapshot(root) == before
    rows[2][5] = "baru"  # two people of one name: the worker says so
    assert added(cli, raid, sheet(tmp_path, rows))["new_cases"] == 3


def test_a_case_id_of_someone_of_the_other_sex_is_refused(office, tmp_path):
    # "Sinta Dewi, P" with Rahmat's case ID (a digit typed wrong): the catch went on
    # Rahmat's case without a word
    root, cli, ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    before = snapshot(root)
    refused = cli("raid", "add", raid, "--from", sheet(
        tmp_path, [["Sinta Dewi", "P", "22", "pengemis", "dilepas", ids["rahmat"]]]))
    assert refused.exit_code == 3 and f"kasus {ids['rahmat']} adalah Rahmat" in refused.stderr
    assert snapshot(root) == before
    other = cli("raid", "add", raid, "--from", sheet(
        tmp_path, [["Sutrisno", "L", "54", "pengemis", "dilepas", ids["rahmat"]]]))
    assert other.exit_code == 0 and "atas nama Rahmat Siregar, bukan Sutrisno" in other.stderr


def test_raid_show_lists_the_people_in_the_order_entered(office, tmp_path):
    # the berita acara listed the people by entry second, then by case ID: not the
    # order of the team's spreadsheet
    root, cli, _ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    names = ["Zainal", "Yusuf", "Xaverius", "Wawan", "Vivi", "Udin", "Teguh", "Susi"]
    rows = [[n, "P" if n in ("Vivi", "Susi") else "L", "30", "pengemis", "dilepas", ""]
            for n in names]  # fmt: skip
    result = added(cli, raid, sheet(tmp_path, rows))
    order = [p["case"] for p in result["people"]]
    shown = json.loads(cli("raid", "show", raid, "--json").stdout)
    assert [p["case"] for p in shown["people"]] == order
    assert [p["name"] for p in shown["people"]] == names


# --- at a terminal ----------------------------------------------------------------------------


def typed_raid(office, monkeypatch, typed: list[str], *places: str):
    from ppks_cli.commands import _common

    root, cli, ids = office
    raid = new_raid(cli, RAID_DATE, *(places or ("Simpang Pos",)))
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)
    return raid, cli("raid", "add", raid, "--json", input="\n".join(typed) + "\n")


def test_a_word_for_no_name_at_the_terminal_is_a_person_not_the_end(office, monkeypatch):
    # "tidak tahu" (or "-") typed as the name ended the list: the prompt offered
    # "(kosongkan bila tidak tahu)" beside "kosong: selesai", and took the word as empty
    raid, done = typed_raid(office, monkeypatch, [
        "tidak tahu", "", "L", "", "gelandangan", "", "dilepas",
        "-", "Si Botak", "L", "", "gelandangan", "", "dilepas",
        "", "y"])  # fmt: skip
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout[done.stdout.index("{"):])
    assert result["new_cases"] == 2
    assert "kosong: selesai):" in done.stderr and "selesai) (kosongkan" not in done.stderr


def test_at_the_terminal_a_client_in_the_shelter_is_asked_another_disposition(
    office, monkeypatch, tmp_path
):
    root, cli, ids = office
    first = new_raid(cli, "2024-07-01", "Simpang Pos")
    added(cli, first, sheet(tmp_path, [["Ucok Lubis", "L", "54", "gelandangan",
                                         "rumah singgah", ids["ucok"]]]))  # fmt: skip
    raid, done = typed_raid(office, monkeypatch, [
        "Ucok Lubis", "L", "54", "gelandangan", "", "rumah singgah", "1",
        "dilepas", "", "y"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "sejak 2024-07-01" in done.stderr
    result = json.loads(done.stdout[done.stdout.index("{"):])
    assert [(p["case"], p["disposition"]) for p in result["people"]] == [(ids["ucok"], "released")]


def test_at_the_terminal_the_same_person_twice_is_asked_about(office, monkeypatch):
    raid, done = typed_raid(office, monkeypatch, [
        "Qori Rahman", "L", "30", "gelandangan", "", "dilepas",
        "Qori Rahman", "L", "30", "gelandangan", "", "dilepas", "t",
        "", "y"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "orang ke-1 (Qori Rahman)" in done.stderr
    assert json.loads(done.stdout[done.stdout.index("{"):])["new_cases"] == 1


def test_at_the_terminal_the_raids_places_are_offered(office, monkeypatch):
    raid, done = typed_raid(office, monkeypatch, [
        "Rudi", "L", "30", "gelandangan", "2", "dilepas", "", "y"],
        "Simpang Pos", "Pasar Petisah")  # fmt: skip
    assert done.exit_code == 0, done.output
    root = office[0]
    case = json.loads(done.stdout[done.stdout.index("{"):])["people"][0]["case"]
    assert tomllib.loads((root / "cases" / case / "case.toml").read_text())["intake"][
        "found_at"] == "Pasar Petisah"


# --- reading the team's file -------------------------------------------------------------------


def xlsx_with_formulas(path: Path, rows: list[list], computed: dict[str, str]) -> str:
    """An XLSX of ``rows`` under :data:`FULL`; the formulas in it carry the value of
    ``computed`` (formula → value) as a spreadsheet program saves it, else none (as a
    program writing XLSX leaves it)."""
    import zipfile

    from test_raids import write_xlsx

    write_xlsx(path, rows, header=FULL)
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for formula, value in computed.items():
        sheet = sheet.replace(f"<f>{formula}</f><v />", f"<f>{formula}</f><v>{value}</v>")
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return str(path)


def test_a_formula_without_a_value_is_never_an_empty_cell(office, tmp_path):
    # an XLSX made by a program (the office's own script): the name "=CONCAT(...)" read
    # as empty, and the person was opened as "Tanpa Nama"; the age formula lost
    root, cli, _ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    rows = [["=PROPER(\"budi\")", "L", "=20+20", "gelandangan", "dilepas", "", ""],
            ["Eko Prasetyo", "L", "=30+5", "gelandangan", "dilepas", "", ""]]  # fmt: skip
    path = xlsx_with_formulas(tmp_path / "f.xlsx", rows, {"30+5": "35"})
    before = snapshot(root)
    refused = cli("raid", "add", raid, "--from", path)
    assert refused.exit_code == 3
    assert "baris 2, kolom nama: rumus tanpa nilai" in refused.stderr
    assert "baris 2, kolom umur: rumus tanpa nilai" in refused.stderr
    assert "baris 3" not in refused.stderr  # a formula saved with its value is its value
    assert snapshot(root) == before
    ok = added(cli, raid, xlsx_with_formulas(tmp_path / "g.xlsx", rows[1:], {"30+5": "35"}))
    case = ok["people"][0]["case"]
    client = tomllib.loads((root / "cases" / case / "case.toml").read_text())["client"]
    assert client["birth_year"] == 2024 - 35


def test_a_value_under_an_empty_header_is_not_dropped(office, tmp_path):
    # a column the team added without a header (say a second note): its values vanished
    from test_raids import write_xlsx

    root, cli, _ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    path = write_xlsx(tmp_path / "e.xlsx", [["Vina", "P", "30", "pengemis", "dilepas", "",
                                              "", "tidur di emperan"]], header=FULL + [None])
    refused = cli("raid", "add", raid, "--from", str(path))
    assert refused.exit_code == 3 and "baris 2: ada isian di luar kolom judul" in refused.stderr


def test_a_csv_row_number_is_the_row_a_spreadsheet_shows(office, tmp_path):
    # a quoted note with a line break: "baris 4" was reported for the person on row 3
    root, cli, _ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    path = tmp_path / "n.csv"
    path.write_text('Nama,Jenis Kelamin,Kategori,Tindak lanjut,Catatan\n'
                    'Ani,P,pengemis,dilepas,"dua\nbaris"\n'
                    'Beni,X,pengemis,dilepas,\n', encoding="utf-8")  # fmt: skip
    refused = cli("raid", "add", raid, "--from", str(path))
    assert refused.exit_code == 3 and "baris 3, kolom jenis kelamin" in refused.stderr


def test_a_tab_separated_file_and_an_english_gender_header_are_read(office, tmp_path):
    root, cli, _ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    path = tmp_path / "t.csv"
    path.write_text("name\tgender\tcategory\tdisposition\nAni\tP\tpengemis\treleased\n")
    assert added(cli, raid, str(path))["new_cases"] == 1


# --- what the messages and the report say ------------------------------------------------------


def test_the_shelters_offered_show_the_number_to_type_not_the_beds_as_one(office):
    # "Rumah Singgah A (10), RPS Kota Medan (20)": the beds in brackets read as the
    # number --shelter takes (it takes 1 or 2)
    root, cli, ids = office
    config = root / "ppks.toml"
    config.write_text(config.read_text() + '\n[[shelters]]\nname = "Rumah Singgah A"\nbeds = 10\n'
                      '\n[[shelters]]\nname = "RPS Kota Medan"\nbeds = 20\n')
    git("commit", "-qam", "two shelters", cwd=root)
    asked = cli("shelter", "admit", ids["rahmat"], "--date", "2024-07-01")
    assert asked.exit_code == 3
    assert "1 = Rumah Singgah A (10 tempat tidur), 2 = RPS Kota Medan (20 tempat tidur)" in \
        asked.stderr  # fmt: skip
    assert cli("shelter", "admit", ids["rahmat"], "--date", "2024-07-01", "--shelter", "2"
               ).exit_code == 0  # fmt: skip


def test_a_raid_before_the_intake_names_the_raids_date_not_an_option(office, tmp_path):
    # "periksa --date": raid add has no --date; the raid's date or the case ID is wrong
    root, cli, ids = office
    raid = new_raid(cli, "2024-05-01", "Simpang Pos")
    refused = cli("raid", "add", raid, "--from", sheet(
        tmp_path, [["Rahmat Siregar", "L", "54", "pengemis", "dilepas", ids["rahmat"]]]))
    assert refused.exit_code == 3
    assert "tanggal razia 2024-05-01 jatuh sebelum penerimaan" in refused.stderr
    assert "--date" not in refused.stderr


def test_the_report_names_no_setting_in_its_labels(office, tmp_path):
    # "Terjaring sebanyak [raids] repeat_threshold kali atau lebih" in the office head's PDF
    root, cli, ids = office
    for lang in (None, "en"):
        text = cli("report", "--month", "2024-06", "--format", "md", lang=lang)
        assert text.exit_code == 0 and "[raids]" not in text.stdout and "\\[raids" not in \
            text.stdout  # fmt: skip


def test_the_berita_acara_counts_only_the_sexes_caught(office, tmp_path):
    # "(laki-laki 1, )": men only left a dangling comma in the berita acara
    root, cli, _ids = office
    config = root / "ppks.toml"
    config.write_text(config.read_text() + '\n[signatories.division_head]\ntitle = "Kepala '
                      'Bidang"\nname = "Kabid Fiktif"\n')
    git("commit", "-qam", "signatories", cwd=root)
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    added(cli, raid, sheet(tmp_path, [["Tono", "L", "30", "gelandangan", "dilepas", ""]]))
    text = cli("raid", "print", raid)
    assert text.exit_code == 0, text.output
    assert "(laki-laki 1)," in text.stdout


def test_a_linked_corrections_folder_is_named_never_silently_ignored(office, tmp_path):
    # raids/<ID>/corrections as a link: raid show quietly showed the raid uncorrected and
    # ppks check said nothing
    root, cli, _ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    assert cli("raid", "edit", raid, "--agency", "Kepolisian", "--reason", "salah",
               "--worker", "Saskia").exit_code == 0  # fmt: skip
    folder = root / "raids" / raid / "corrections"
    elsewhere = tmp_path / "elsewhere"
    folder.rename(elsewhere)
    folder.symlink_to(elsewhere)
    shown = cli("raid", "show", raid)
    assert shown.exit_code != 0 and f"raids/{raid}/corrections" in shown.stderr
    checked = cli("check")
    assert checked.exit_code != 0 and f"raids/{raid}/corrections:1" in checked.stdout

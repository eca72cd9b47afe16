"""Street raids (``ppks raid``), issue 15's must-show: a raid of 12 people from an XLSX file
with 2 bad rows (both reported by row number, nothing written), fixed and entered in one
command (9 new cases, 3 repeat catches, one of them on a closed case, reopened; each with
its disposition's records; one commit); the same raid at a terminal; two clones entering
raids offline; the report's raid figures against counts made here from the files."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ppks_cli import raids
from ppks_cli.commands import _common

from conftest import NEW_MR_ARGS, Cli, built_once, git, snapshot

RAID_DATE = "2024-07-15"
HEADER = ["Nama", "Jenis Kelamin", "Umur (perkiraan)", "Kategori", "Tempat ditemukan",
          "Tindak lanjut", "Tujuan", "Kasus"]  # fmt: skip
PANTI = "UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai"


def open_case(cli: Cli, name: str, sex: str, year: str, date: str = "2024-06-01") -> str:
    done = cli("new-case", "--name", name, "--sex", sex, "--category", "pengemis",
               "--birth-year", year, "--source", "walk-in", "--intake-date", date,
               "--worker", "Saskia", "--yes", "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)["id"]


def new_raid(cli: Cli, date: str, *places: str) -> str:
    args = [arg for place in places for arg in ("--place", place)]
    done = cli("raid", "new", "--date", date, *args, "--team", "Saskia", "--team",
               "Dewi Lestari", "--agency", "satpol", "--agency", "Disdukcapil",
               "--worker", "Saskia", "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)["id"]


def write_csv(path: Path, rows: list[list[str]], header=HEADER) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows([header, *rows])
    return path


def write_xlsx(path: Path, rows: list[list], header=HEADER) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _office(folder: Path) -> dict[str, str]:
    root = folder / "kasus"
    assert Cli(None)("init", str(root), "--worker", "Saskia").exit_code == 0
    cli = Cli(root)
    mr = cli(*NEW_MR_ARGS, "--json")
    assert mr.exit_code == 0, mr.output
    ids = {
        "mr": json.loads(mr.stdout)["id"],
        "rahmat": open_case(cli, "Rahmat Siregar", "L", "1970"),
        "ucok": open_case(cli, "Ucok Lubis", "L", "1970"),
        "sri": open_case(cli, "Sri Wahyuni", "P", "1970"),
    }
    for date in ("2024-06-10", "2024-06-20"):  # Ucok's first two catches
        raid = new_raid(cli, date, "Simpang Pos")
        rows = [["Ucok Lubis", "L", "54", "gelandangan", "", "dilepas", "", ids["ucok"]]]
        done = cli("raid", "add", raid, "--from", str(write_csv(folder / "u.csv", rows)))
        assert done.exit_code == 0, done.output
    done = cli("terminate", ids["sri"], "--reason", "contact-lost", "--outcome", "Tidak ditemukan",
               "--date", "2024-06-30", "--worker", "Saskia")  # fmt: skip
    assert done.exit_code == 0, done.output
    return ids


@pytest.fixture
def office(tmp_path, tmp_path_factory):
    """The office before the raid: Rahmat (open), Ucok (caught in two earlier raids) and
    Sri (closed), besides MR; as ``(root, cli, ids)``. Made once per test process, then
    copied for each test."""
    ids = built_once("raids-office", _office, tmp_path, tmp_path_factory)
    return tmp_path / "kasus", Cli(tmp_path / "kasus"), dict(ids)


def twelve(ids: dict[str, str], *, bad: bool = False) -> list[list]:
    """The raid's twelve people as the field team's spreadsheet has them (rows 2–13);
    with ``bad``, row 6 has a sex "X" and row 10 a hospital with no destination."""
    rows = [
        ["Rahmat Siregar", "L", 54, "pengemis", "", "Satpol PP", "", ids["rahmat"]],
        ["Ucok Lubis", "L", 54, "gelandangan", "", "rumah singgah", "",
         ids["ucok"].split("-")[1]],  # the suffix alone, as read over the phone
        ["Sri Wahyuni", "P", 54, "pengemis", "Pasar Petisah", "panti", PANTI, ids["sri"]],
        ["Butet Simanjuntak", "P", "sekitar 30 tahun", "pengemis", "", "rumah singgah", "", ""],
        ["Joko Prasetyo", "X" if bad else "L", 45, "gelandangan", "", "Satpol PP", "", ""],
        ["tanpa nama", "P", 35, "penyandang disabilitas", "Pasar Petisah", "RSUD",
         "RSUD Dr. Pirngadi Medan", ""],
        ["Andi", "L", 12, "anak jalanan", "", "dipulangkan", "Jl. Mawar 3", ""],
        ["Maria Ginting", "P", 72, "lanjut usia terlantar", "", "panti",
         "UPT Pelayanan Sosial Lanjut Usia Binjai", ""],
        ["Hendra Tarigan", "L", 38, "pemulung", "", "RSUD", "" if bad else "RSUD Dr. Pirngadi Medan",
         ""],
        ["Nurhayati", "P", 50, "pengemis", "", "dilepas", "", ""],
        ["Dedi Kurniawan", "L", 29, "gelandangan", "", "rumah singgah", "", "baru"],
        ["Rina", "P", 14, "anak jalanan", "", "pulang", "", ""],
    ]  # fmt: skip
    return rows


DISPOSITIONS = ["satpol-pp", "shelter", "institution", "shelter", "satpol-pp", "hospital",
                "home", "institution", "hospital", "released", "shelter", "home"]  # fmt: skip
EXTRA_RECORD = {"shelter": "shelter-admission", "hospital": "referral", "institution": "referral"}


def catches_of(root: Path, case_id: str) -> list[dict]:
    return [tomllib.loads(p.read_text()) for p in
            sorted((root / "cases" / case_id / "records").glob("*-raid-catch-*.toml"))]  # fmt: skip


def records_of(root: Path, case_id: str, kind: str) -> list[dict]:
    return [tomllib.loads(p.read_text())
            for p in sorted((root / "cases" / case_id / "records").glob(f"*-{kind}-*.toml"))]


def check_the_raid(root: Path, cli: Cli, ids: dict, raid: str, commits_before: int) -> None:
    """What twelve people make, whichever way they were entered."""
    assert int(git("rev-list", "--count", "HEAD", cwd=root)) == commits_before + 1  # one commit
    assert git("status", "--porcelain", cwd=root) == ""
    shown = json.loads(cli("raid", "show", raid, "--json").stdout)
    assert shown["total"] == 12
    assert shown["summary"]["new_or_repeat"] == {"new": 9, "repeat": 3}
    people = {p["case"]: p for p in shown["people"]}
    known = {ids["rahmat"], ids["ucok"], ids["sri"]}
    new_cases = set(people) - known
    assert len(new_cases) == 9 and known <= set(people)
    for case_id in new_cases:  # a new case: the raid's intake, one catch
        case = tomllib.loads((root / "cases" / case_id / "case.toml").read_text())
        assert case["intake"]["date"].isoformat() == RAID_DATE
        assert case["intake"]["source"] == "street-raid"
        assert len(catches_of(root, case_id)) == 1
    for case_id, person in people.items():  # each disposition's records, on the right case
        catch = [c for c in catches_of(root, case_id) if c["raid"] == raid]
        assert len(catch) == 1 and catch[0]["disposition"] == person["disposition"]
        assert catch[0]["date"].isoformat() == RAID_DATE
        for kind in ("shelter-admission", "referral"):
            found = [r for r in records_of(root, case_id, kind) if r["date"].isoformat() == RAID_DATE]
            wanted = EXTRA_RECORD.get(person["disposition"]) == kind
            assert len(found) == int(wanted), (case_id, kind)
        if person["disposition"] == "shelter":
            admission = records_of(root, case_id, "shelter-admission")[-1]
            assert admission["raid"] == raid
    assert sorted(p["disposition"] for p in people.values()) == sorted(DISPOSITIONS)
    # the repeat catches: counted on the existing cases
    assert people[ids["rahmat"]]["catches"] == 1 and not people[ids["rahmat"]]["new"]
    assert people[ids["ucok"]]["catches"] == 3
    assert len(catches_of(root, ids["ucok"])) == 3
    sri = json.loads(cli("show", ids["sri"], "--json").stdout)
    assert sri["closed"] is False and sri["stage"] == "assessment" and sri["episode"] == 2
    assert [r["kind"] for r in sri["records"]][-3:] == ["reopen", "referral", "raid-catch"]
    ucok = json.loads(cli("show", ids["ucok"], "--json").stdout)
    assert ucok["raids"]["count"] == 3 and ucok["raids"]["reached"] is True
    assert "repeat_threshold" in cli("show", ids["ucok"]).stdout or "terjaring 3 kali" in cli(
        "show", ids["ucok"]).stdout
    assert cli("check").exit_code == 0


def test_a_raid_of_twelve_from_an_xlsx_file(office, tmp_path):
    root, cli, ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos", "Pasar Petisah")
    sheet = write_xlsx(tmp_path / "razia.xlsx", twelve(ids, bad=True))
    before = snapshot(root)
    commits = int(git("rev-list", "--count", "HEAD", cwd=root))
    refused = cli("raid", "add", raid, "--from", str(sheet))
    assert refused.exit_code == 3
    assert "baris 6, kolom jenis kelamin" in refused.stderr
    assert "baris 10, kolom tujuan" in refused.stderr
    assert "2 baris tidak sah" in refused.stderr
    assert snapshot(root) == before  # nothing written, byte for byte
    assert int(git("rev-list", "--count", "HEAD", cwd=root)) == commits
    sheet = write_xlsx(tmp_path / "razia.xlsx", twelve(ids))
    done = cli("raid", "add", raid, "--from", str(sheet), "--json")
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert (result["written"], result["new_cases"], result["repeat_catches"],
            result["reopened"]) == (12, 9, 3, 1)  # fmt: skip
    ucok = next(p for p in result["people"] if p["case"] == ids["ucok"])
    assert ucok["threshold_reached"] is True and ucok["catches"] == 3
    assert [p["row"] for p in result["people"]] == list(range(2, 14))
    head = git("rev-parse", "HEAD", cwd=root)
    assert result["commit"] and head.startswith(result["commit"])
    assert git("log", "-1", "--format=%s", cwd=root).strip() == \
        f"ppks: 12 people caught in raid {raid}"  # fmt: skip
    assert [p["statement_due"] for p in result["people"]].count(True) == 2
    check_the_raid(root, cli, ids, raid, commits)
    text = cli("raid", "add", raid, "--from", str(sheet))  # the same file again: all refused
    assert text.exit_code == 3 and "sudah tercatat di razia" in text.stderr


def test_the_text_output_says_what_each_person_needs(office, tmp_path):
    root, cli, ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    rows = twelve(ids)[:3] + [twelve(ids)[6]]
    done = cli("--lang", "en", "raid", "add", raid, "--from",
               str(write_csv(tmp_path / "r.csv", [[str(c) for c in r] for r in rows])))
    assert done.exit_code == 0, done.output
    assert f"Case {ids['ucok']}: caught 3 times (threshold 3" in done.stderr
    assert f"ppks letter {ids['sri']} referral" in done.stderr  # the institution: a referral
    andi = next(line for line in done.stdout.splitlines() if "Andi" in line)
    case = andi.split()[2]
    assert f"ppks letter {case} statement" in done.stderr  # sent home: a surat pernyataan
    assert "case reopened" in done.stdout
    assert "4 people recorded for raid" in done.stdout


def test_a_likely_match_needs_a_decision_and_new_forces_a_new_case(office, tmp_path):
    root, cli, ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    row = ["Rahmat Siregar", "L", "54", "pengemis", "", "dilepas", "", ""]
    before = snapshot(root)
    refused = cli("raid", "add", raid, "--from", str(write_csv(tmp_path / "a.csv", [row])))
    assert refused.exit_code == 3
    assert f"baris 2, kolom kasus: mungkin sudah punya kasus: {ids['rahmat']}" in refused.stderr
    assert snapshot(root) == before
    dry = cli("raid", "add", raid, "--dry-run", "--json",
              "--from", str(write_csv(tmp_path / "b.csv", [row[:-1] + ["baru"]])))
    assert dry.exit_code == 0 and json.loads(dry.stdout)["dry_run"] is True
    assert snapshot(root) == before
    done = cli("raid", "add", raid, "--json",
               "--from", str(write_csv(tmp_path / "b.csv", [row[:-1] + ["new"]])))
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["new_cases"] == 1


def test_skip_invalid_writes_the_good_rows_and_lists_the_rest(office, tmp_path):
    root, cli, ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    sheet = write_xlsx(tmp_path / "razia.xlsx", twelve(ids, bad=True))
    done = cli("raid", "add", raid, "--from", str(sheet), "--skip-invalid", "--json")
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert result["written"] == 10
    assert [s["row"] for s in result["skipped"]] == [6, 10]
    assert result["skipped"][0]["problems"][0]["column"] == "sex"
    assert git("status", "--porcelain", cwd=root) == ""


def test_a_file_is_checked_whole_first(office, tmp_path):
    root, cli, _ = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    before = snapshot(root)
    bad = write_csv(tmp_path / "h.csv", [["Budi", "L"]], header=["Nama", "Jenis Kelamin", "Umurr"])
    done = cli("raid", "add", raid, "--from", str(bad))
    assert done.exit_code == 3
    assert "kolom 'Umurr' tidak dikenal" in done.stderr
    assert "kolom kategori: kolom wajib tidak ada" in done.stderr
    assert cli("raid", "add", raid).exit_code == 3  # no terminal and no file: an error
    other = tmp_path / "x.ods"
    other.write_text("x")
    assert cli("raid", "add", raid, "--from", str(other)).exit_code == 3
    junk = tmp_path / "x.xlsx"
    junk.write_bytes(b"PK\x03\x04 not a workbook")
    assert cli("raid", "add", raid, "--from", str(junk)).exit_code == 3
    assert cli("raid", "add", "R1999-ZZZZZ", "--from", str(bad)).exit_code == 4
    assert snapshot(root) == before


def test_a_failure_while_writing_leaves_nothing(office, tmp_path, monkeypatch):
    root, cli, ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    before = snapshot(root)
    from ppks_cli.store import Repository

    real, calls = Repository.add_record, []

    def failing(self, case, record):
        calls.append(record.kind)
        if len(calls) == 7:
            raise OSError(28, "No space left on device")
        return real(self, case, record)

    monkeypatch.setattr(Repository, "add_record", failing)
    done = cli("raid", "add", raid, "--from", str(write_xlsx(tmp_path / "r.xlsx", twelve(ids))))
    assert done.exit_code == 3 and "No space left" in done.stderr
    assert snapshot(root) == before
    assert git("status", "--porcelain", cwd=root) == ""


# --- the same raid at a terminal ---------------------------------------------------------------


def terminal_answers(row: list, choose: str | None) -> list[tuple[str, str]]:
    """The questions a person of :func:`twelve` is asked, with the answers."""
    name, sex, age, category, found, disposition, destination, _ = (str(x) for x in row)
    answers = [("Nama atau alias", name)]
    if name == "tanpa nama":
        answers.append(("Nama panggilan", ""))
    answers += [("Jenis kelamin", sex), ("Perkiraan umur", age), ("Kategori PPKS", category),
                ("Tempat ditemukan", found), ("Tindak lanjut", disposition)]  # fmt: skip
    if raids.parse_disposition(disposition) in ("hospital", "institution", "home"):
        answers.append(("Tujuan" if "home" != raids.parse_disposition(disposition)
                        else "Alamat keluarga", destination))  # fmt: skip
    if choose is not None:
        answers.append(("Kasus yang mana", choose))
    return answers


def test_the_same_raid_at_a_terminal(office):
    pexpect = pytest.importorskip("pexpect")
    import os

    from conftest import ppks_command

    root, cli, ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos", "Pasar Petisah")
    commits = int(git("rev-list", "--count", "HEAD", cwd=root))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PPKS_")}
    env.update(TERM="dumb", COLUMNS="200", LINES="50", PPKS_WORKER="Saskia")
    session = pexpect.spawn(
        ppks_command()[0], [*ppks_command()[1:], "raid", "add", raid], cwd=str(root), env=env,
        encoding="utf-8", timeout=20, dimensions=(50, 200),
    )  # fmt: skip
    session.delaybeforesend = 0.005
    for number, row in enumerate(twelve(ids)):
        choose = "1" if number < 3 else None  # the three known people: the case shown first
        for question, answer in terminal_answers(row, choose):
            session.expect_exact(question)
            session.expect(r": $")
            session.sendline(answer)
        session.expect_exact("→")
    session.expect_exact("Nama atau alias")
    session.expect(r": $")
    session.sendline("")
    session.expect_exact("Simpan 12 orang")
    session.sendline("y")
    session.expect(pexpect.EOF)
    session.close()
    assert session.exitstatus == 0, session.before
    check_the_raid(root, cli, ids, raid, commits)


def test_a_short_raid_typed_at_a_terminal_in_process(office, monkeypatch):
    root, cli, ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)
    typed = "\n".join([
        "Rahmat Siregar", "L", "54", "pengemis", "", "satpol", "9", "1",  # 9: not shown, again
        "tanpa nama", "Si Kribo", "2", "", "12", "", "rumah sakit", "RSUD Dr. Pirngadi",
        "", "y",
    ]) + "\n"  # fmt: skip
    done = cli("raid", "add", raid, "--json", input=typed)
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout[done.stdout.index("{"):])
    assert (result["new_cases"], result["repeat_catches"]) == (1, 1)
    nameless = next(p for p in result["people"] if p["new"])
    case = tomllib.loads((root / "cases" / nameless["case"] / "case.toml").read_text())
    assert case["client"]["name"] == "Tanpa Nama" and case["client"]["alias"] == "Si Kribo"
    assert case["client"]["sex"] == "P" and "birth_year" not in case["client"]
    assert nameless["disposition"] == "hospital"
    assert nameless["destination"] == "RSUD Dr. Pirngadi"


def test_cancelling_at_the_end_writes_nothing(office, monkeypatch):
    root, cli, _ = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    before = snapshot(root)
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)
    typed = "Butet\nP\n30\npengemis\n\nlepas\n\nt\n"
    done = cli("raid", "add", raid, input=typed)
    assert done.exit_code == 8
    assert snapshot(root) == before


def test_raid_new_asks_at_a_terminal_and_refuses_without_one(git_office, monkeypatch):
    root, _ = git_office
    cli = Cli(root)
    missing = cli("raid", "new", "--date", "2024-07-01", "--team", "Saskia", "--worker", "Saskia")
    assert missing.exit_code == 3 and "--place" in missing.stderr
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)
    typed = "2024-07-01\nSimpang Pos\n\nSaskia\n\n1\nKepolisian\n\nRazia malam\n"
    done = cli("raid", "new", "--worker", "Saskia", "--json", input=typed)
    assert done.exit_code == 0, done.output
    made = json.loads(done.stdout[done.stdout.index("{"):])
    assert made["places"] == ["Simpang Pos"] and made["agencies"] == ["Satpol PP", "Kepolisian"]
    assert made["note"] == "Razia malam"


# --- a raid's own corrections, the list, the berita acara -------------------------------------


def test_a_correction_is_a_file_of_its_own_and_list_and_show_read_it(office):
    root, cli, _ = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    original = (root / "raids" / raid / "raid.toml").read_bytes()
    done = cli("raid", "edit", raid[:8], "--agency", "Satpol PP", "--agency", "Dinas Kesehatan",
               "--reason", "Dinas Kesehatan ikut", "--worker", "Saskia")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert (root / "raids" / raid / "raid.toml").read_bytes() == original  # never rewritten
    assert len(list((root / "raids" / raid / "corrections").glob("*.toml"))) == 1
    shown = json.loads(cli("raid", "show", raid, "--json").stdout)
    assert shown["agencies"] == ["Satpol PP", "Dinas Kesehatan"]
    listed = json.loads(cli("raid", "list", "--year", "2024", "--json").stdout)
    assert [r["id"] for r in listed][0] == raid  # newest first
    assert next(r for r in listed if r["id"] == raid)["agencies"] == shown["agencies"]
    assert json.loads(cli("raid", "list", "--year", "2023", "--json").stdout) == []
    assert cli("raid", "edit", raid, "--reason", "x", "--worker", "Saskia").exit_code == 3


def test_check_names_a_damaged_raid_file_and_line(office):
    root, cli, ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    path = root / "raids" / raid / "raid.toml"
    path.write_text(path.read_text().replace('places = [', 'places = 5\nx = [', 1))
    rows = [["Andi", "L", "12", "anak jalanan", "", "pulang", "", ""]]
    caught = cli("raid", "add", raid, "--from", str(write_csv(root.parent / "a.csv", rows)))
    assert caught.exit_code == 7  # the raid cannot be read: nobody is entered
    done = cli("check")
    assert done.exit_code == 1
    assert f"raids/{raid}/raid.toml:4:" in done.stdout  # the line of places
    assert cli("raid", "show", raid).exit_code == 7
    listed = cli("raid", "list")
    assert listed.exit_code == 0 and "razia tidak dapat dibaca" in listed.stderr
    # a catch naming a raid that exists nowhere (its folder deleted by hand): a warning
    other = new_raid(cli, RAID_DATE, "Simpang Pos")
    assert cli("raid", "add", other, "--from", str(write_csv(root.parent / "a.csv", rows))
               ).exit_code == 0  # fmt: skip
    import shutil

    shutil.rmtree(root / "raids" / other)
    warned = cli("check")
    assert f"razia {other} tidak ada di raids/" in warned.stdout
    assert f"razia {raid} tidak ada" not in warned.stdout  # damaged is not missing


def test_berita_acara_pdf(office, tmp_path):
    root, cli, ids = office
    config = root / "ppks.toml"
    config.write_text(config.read_text() + """
[signatories.division_head]
title = "Kepala Bidang Rehabilitasi Sosial"
name = "Kabid Fiktif, S.Sos."
nip = "197502022005012002"
""")
    git("commit", "-qam", "signatories", cwd=root)
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    assert cli("raid", "add", raid, "--from", str(write_xlsx(tmp_path / "r.xlsx", twelve(ids)))
               ).exit_code == 0  # fmt: skip
    text = cli("raid", "print", raid)
    assert text.exit_code == 0, text.output
    assert "BERITA ACARA PELAKSANAAN RAZIA" in text.stdout
    assert "dua ribu dua puluh empat" in text.stdout and "Satpol PP" in text.stdout
    assert "Rahmat" not in text.stdout and "Jl. Mawar" not in text.stdout  # IDs, no names
    assert ids["rahmat"] in text.stdout and "**12 orang**" in text.stdout
    pdf = tmp_path / "ba.pdf"
    done = cli("raid", "print", raid, "--format", "pdf", "-o", str(pdf), "--number", "462/7/2024")
    assert done.exit_code == 0, done.output
    assert pdf.read_bytes().startswith(b"%PDF")
    default = cli("raid", "print", raid, "--format", "pdf")
    assert default.exit_code == 0 and (root / "out" / f"{raid}-berita-acara.pdf").is_file()
    assert git("status", "--porcelain", cwd=root) == ""  # out/ is ignored
    refused = cli("raid", "print", raid, "-o", str(root / "raids" / raid / "raid.toml"))
    assert refused.exit_code == 6


# --- two clones, offline ---------------------------------------------------------------------


def test_two_clones_enter_different_raids_offline_and_sync(git_office, tmp_path):
    root, mr = git_office
    origin = tmp_path / "origin.git"
    git("init", "-q", "--bare", "-b", "main", str(origin), cwd=tmp_path)
    git("remote", "add", "origin", str(origin), cwd=root)
    git("push", "-q", "-u", "origin", "main", cwd=root)
    laptop = tmp_path / "laptop"
    git("clone", "-q", str(origin), str(laptop), cwd=tmp_path)
    office_cli, laptop_cli = Cli(root), Cli(laptop)
    made = {}
    for cli, date, people in (
        (office_cli, "2024-07-01", [["Andi", "L", "12", "anak jalanan", "", "pulang", "",
                                          ""], ["MR", "L", "49", "pengemis", "", "dilepas", "", mr]]),
        (laptop_cli, "2024-07-02", [["Butet", "P", "30", "pengemis", "", "singgah", "",
                                             ""], ["MR", "L", "49", "pengemis", "", "satpol", "",
                                                   mr]]),
    ):  # fmt: skip
        raid = new_raid(cli, date, "Simpang Pos")
        sheet = write_csv(tmp_path / f"{date}.csv", people)
        done = cli("raid", "add", raid, "--from", str(sheet), "--worker", "Saskia")
        assert done.exit_code == 0, done.output
        made[date] = raid
    assert office_cli("sync").exit_code == 0
    synced = laptop_cli("sync")
    assert synced.exit_code == 0, synced.output
    assert office_cli("sync").exit_code == 0
    for cli, where in ((office_cli, root), (laptop_cli, laptop)):
        listed = json.loads(cli("raid", "list", "--json").stdout)
        assert {r["id"] for r in listed} == set(made.values())
        assert all(r["people"] == 2 for r in listed)
        mr_catches = sorted(c["raid"] for c in catches_of(where, mr))
        assert mr_catches == sorted(made.values())
        shown = json.loads(cli("show", mr, "--json").stdout)
        assert shown["raids"]["count"] == 3  # his intake (from a street raid) and two raids
        assert cli("check").exit_code == 0
    assert git("rev-parse", "HEAD", cwd=root) == git("rev-parse", "HEAD", cwd=laptop)


# --- the report ---------------------------------------------------------------------------------


def test_report_raid_figures_match_the_files(office, tmp_path):
    root, cli, ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    assert cli("raid", "add", raid, "--from", str(write_xlsx(tmp_path / "r.xlsx", twelve(ids)))
               ).exit_code == 0  # fmt: skip
    new_raid(cli, "2024-07-20", "Pasar Petisah")  # held, nobody caught
    for period, start, end in (("2024-07", "2024-07-01", "2024-07-31"),
                               ("2024-06", "2024-06-01", "2024-06-30")):  # fmt: skip
        report = json.loads(cli("report", "--month", period, "--json").stdout)
        tables = {t["name"]: {r["key"]: r["total"] for r in t["rows"]} for t in report["tables"]}
        expected = independent_counts(root, start, end)
        assert tables["raids"] == expected["raids"], period
        assert {k: v for k, v in tables["raid_catches_by_disposition"].items() if v} == \
            expected["by_disposition"]  # fmt: skip
    july = independent_counts(root, "2024-07-01", "2024-07-31")
    assert july["raids"]["raids_held"] == 2 and july["raids"]["raid_people"] == 12
    assert july["raids"]["raid_new_cases"] == 9 and july["raids"]["raid_threshold_reached"] == 1


def independent_counts(root: Path, start: str, end: str) -> dict:
    """The raid figures of ``start``..``end`` counted from the files alone: raids by the
    date in their raid.toml; a catch is new when it is the case's first and dated on
    the intake date of a street-raid case."""
    held = sum(1 for p in root.glob("raids/*/raid.toml")
               if start <= tomllib.loads(p.read_text())["date"].isoformat() <= end)
    counts = {"raids_held": held, "raid_people": 0, "raid_new_cases": 0,
              "raid_repeat_catches": 0, "raid_threshold_reached": 0}  # fmt: skip
    by_disposition: dict[str, int] = {}
    for case_file in root.glob("cases/*/case.toml"):
        case_dir = case_file.parent
        case = tomllib.loads(case_file.read_text())
        catches = sorted(catches_of(root, case_dir.name), key=lambda c: (c["date"],
                                                                          c["recorded_at"]))
        for number, catch in enumerate(catches, start=1):
            day = catch["date"].isoformat()
            if not start <= day <= end:
                continue
            counts["raid_people"] += 1
            new = number == 1 and catch["date"] == case["intake"]["date"] and \
                case["intake"]["source"] == "street-raid"  # fmt: skip
            counts["raid_new_cases" if new else "raid_repeat_catches"] += 1
            counts["raid_threshold_reached"] += number >= 3
            by_disposition[catch["disposition"]] = by_disposition.get(catch["disposition"], 0) + 1
    return {"raids": counts, "by_disposition": by_disposition}


# --- reading a spreadsheet: properties -----------------------------------------------------------


def spellings(word: str):
    """A header as people type it: any letter case, spaces or underscores or hyphens,
    maybe a remark in brackets or a star."""
    return st.tuples(
        st.lists(st.sampled_from([str.lower, str.upper, str.title]), min_size=1, max_size=1),
        st.sampled_from([" ", "_", "-", "  "]), st.sampled_from(["", "*", " (wajib)", " "]),
    ).map(lambda x: x[0][0](word).replace(" ", x[1]) + x[2])


HEADERS = [(code, name) for code, names in raids.COLUMNS.items() for name in (code, *names)]


@given(st.sampled_from(HEADERS).flatmap(lambda pair: st.tuples(st.just(pair[0]),
                                                                 spellings(pair[1]))))
def test_every_header_spelling_names_its_column(pair):
    code, typed = pair
    assert raids.column_of(typed) == code


cell = st.one_of(st.none(), st.text(max_size=12), st.integers(-5, 130),
                 st.floats(allow_nan=False, allow_infinity=False, width=32),
                 st.dates(dt.date(1950, 1, 1), dt.date(2030, 1, 1)))  # fmt: skip


@given(st.lists(st.lists(cell, min_size=0, max_size=8), max_size=12), st.permutations(HEADER))
def test_rows_become_entries_with_their_row_numbers(rows, header):
    table = [(1, header)] + [(number, row) for number, row in enumerate(rows, start=2)]
    entries, problems = raids.rows_to_entries(table)
    kept = [n for n, row in table[1:] if any(raids._cell_text(c) for c in row)]
    assert [e.row for e in entries] == kept
    assert not [p for p in problems if p.row == 1]  # every header known
    for entry in entries:
        row = dict(table)[entry.row]
        for position, name in enumerate(header):
            code = raids.column_of(name)
            value = raids._cell_text(row[position]) if position < len(row) else None
            assert getattr(entry, code) == value
        outside = [c for c in row[len(header):] if raids._cell_text(c)]
        assert bool(outside) == any(p.row == entry.row for p in problems)


@given(st.integers(0, 120))
def test_a_whole_number_cell_reads_as_typed(age):
    assert raids._cell_text(float(age)) == str(age)
    assert raids._cell_text(age) == str(age)


@given(st.text(min_size=1, max_size=20))
def test_a_raid_reference_never_crashes(text):
    from ppks_cli.errors import NotFound

    class Repo:
        class paths:  # noqa: N801 (a stand-in for RepoPaths)
            raids = Path("/nonexistent-raids")

    try:
        raids.resolve_raid(Repo(), text)
    except NotFound:
        pass


# --- killed while writing ------------------------------------------------------------------------

NAMES = ["Abdul Hakim", "Bambang Sutrisno", "Cahaya Purba", "Darmawan Sitepu", "Erna Manurung",
         "Fajar Nainggolan", "Gita Sembiring", "Heru Harahap", "Indah Pohan", "Jamal Batubara",
         "Kartini Sinaga", "Lukman Hasibuan"]  # fmt: skip


def test_a_raid_add_killed_at_random_moments_loses_nothing_and_blocks_nothing(git_office, tmp_path):
    """SIGKILL while ``raid add`` runs, twice: the next writer finishes what was written
    (as for every writer), nothing is left behind, nobody is caught twice in the raid, and
    entering the same file again records exactly the rest. (Only the killed command runs
    as a program; the others run in-process, to keep the test short.)"""
    import random
    import sys

    from conftest import PROJECT

    sys.path.insert(0, str(PROJECT / "bench"))
    import crash

    root, case = git_office
    cli = Cli(root)

    def next_note(where: Path, case_id: str) -> tuple[int, str]:
        done = cli("note", case_id, "sesudah", "--worker", "Saskia")
        return done.exit_code, done.output

    rng = random.Random(15)
    for trial in range(2):
        raid = new_raid(cli, "2024-07-01", "Simpang Pos")
        people = [[name, "L", str(20 + 4 * n), "pengemis", "", "dilepas", "", ""]
                  for n, name in enumerate(NAMES[trial * 6:(trial + 1) * 6])]  # fmt: skip
        sheet = write_csv(tmp_path / f"r{trial}.csv", people)
        before = crash.records(root)
        process = crash.start(root, "raid", "add", raid, "--from", str(sheet))
        crash.kill_after(process, rng.uniform(0.3, 1.5))
        figures = crash.Figures()
        crash.check_after(root, case, before, figures, f"raid add #{trial}", next_note)
        assert (figures.stuck, figures.lost) == (0, 0), figures.notes
        assert not [p for p in (root / "raids").iterdir() if not any(p.rglob("*.toml"))]
        again = cli("raid", "add", raid, "--from", str(sheet), "--skip-invalid",
                    "--worker", "Saskia")  # fmt: skip
        assert again.exit_code in (0, 3), again.output
        caught = [c["raid"] for c in (tomllib.loads(p.read_text())
                                      for p in root.glob("cases/*/records/*-raid-catch-*.toml"))
                  if c["raid"] == raid]  # fmt: skip
        assert len(caught) == 6  # each person once
        assert crash.leftovers(root) == []

"""The rumah singgah (issue 15): who is in it on a night and for how many days, the
7-day warning on day 8, admissions and discharges and what they refuse, what ``check``
says, the report's shelter figures against counts made here, offline clones, and the
property that occupancy is admissions minus discharges."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ppks_cli import shelter
from ppks_cli.casework import _prepare
from ppks_cli.commands import _common
from ppks_cli.intake import NewCase, create_case, prepare
from ppks_cli.records import RECORD_TYPES
from ppks_cli.store import Repository

from conftest import git, run_ppks, snapshot

D = dt.date
WORKER = "Saskia"


def new(repo, name: str, intake: str = "2024-05-01", sex: str = "L"):
    """A case opened through the library (fast), for ``name``."""
    return create_case(repo, prepare(NewCase(
        name=name, sex=sex, birth_year="1980", category="pengemis", intake_date=intake,
        source="street-raid", worker=WORKER,
    )), allow_duplicates=True)  # fmt: skip


def put(repo, case, kind: str, date: dt.date, **fields):
    """A shelter record written straight into the case, as ``ppks raid`` or a clone
    working offline writes it (no check of the stays)."""
    record = _prepare(repo, case, RECORD_TYPES[kind], date=date, worker=WORKER, **fields)
    repo.add_record(case, record)
    return record


def admit(repo, case, date, **fields):
    return put(repo, case, "shelter-admission", date, **fields)


def leave(repo, case, date, to="home", **fields):
    return put(repo, case, "shelter-discharge", date, to=to, **fields)


def ok(cli, *args):
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return result


def listed(cli, day: str, *more: str) -> dict:
    return json.loads(ok(cli, "shelter", "--on", day, "--json", *more).stdout)


def add_config(repo, text: str) -> None:
    """``text`` added to ``ppks.toml``; a ``[shelter]`` in it replaces the one ``init``
    wrote."""
    path = repo.paths.config
    lines = path.read_text(encoding="utf-8").splitlines()
    if "[shelter]" in text.split("\n"):
        start = lines.index("[shelter]")
        end = next(n for n in range(start + 1, len(lines)) if lines[n].startswith("["))
        lines[start:end] = []
    path.write_text("\n".join(lines) + "\n" + text, encoding="utf-8")


@pytest.fixture
def known(repo, tmp_path_factory):
    """Five clients with known stays in June 2024 (A–E) and one never admitted (F).
    Made once per test process, then copied into ``repo``."""
    from conftest import fill_repo

    return fill_repo(repo, "shelter-known", _known, tmp_path_factory)


def _known(repo):
    c = {name: new(repo, name) for name in "ABCDEF"}
    admit(repo, c["A"], D(2024, 6, 1), bed="1")
    leave(repo, c["A"], D(2024, 6, 5), "home")
    admit(repo, c["B"], D(2024, 6, 3), bed="2")  # still there
    admit(repo, c["C"], D(2024, 6, 5), bed="1")  # A's bed, freed that day
    leave(repo, c["C"], D(2024, 6, 6), "hospital")
    admit(repo, c["D"], D(2024, 6, 10))
    admit(repo, c["E"], D(2024, 6, 4))  # in and out the same day: no night there
    leave(repo, c["E"], D(2024, 6, 4), "ran-away")
    return {name: case.id for name, case in c.items()}


# --- who is in the shelter on a night, and for how many days ------------------------------


def test_shelter_on_a_date_gives_the_right_people_and_days(known, cli):
    def people(day):
        found = listed(cli, day)
        return {s["case"]: s["days"] for s in found["stays"]}, found

    inside, found = people("2024-06-05")
    # A left on the 5th (not there that night), C came that day (day 1), B is on day 3
    assert inside == {known["B"]: 3, known["C"]: 1}
    assert [s["case"] for s in found["stays"]] == [known["B"], known["C"]]  # longest first
    assert found["shelters"] == [
        {"name": None, "beds": 30, "known": True, "occupied": 2, "free": 28}
    ]
    assert people("2024-06-04")[0] == {known["A"]: 4, known["B"]: 2}  # E: in and out that day
    assert people("2024-06-01")[0] == {known["A"]: 1}
    assert people("2024-05-31")[0] == {}
    assert people("2024-06-12")[0] == {known["B"]: 10, known["D"]: 3}
    text = ok(cli, "shelter", "--on", "2024-06-05").stdout
    assert "Rumah singgah: 2 dari 30 tempat tidur terisi, 28 kosong" in text
    rows = [line.split() for line in text.splitlines() if line[:1].isdigit()]
    assert [row[:3] for row in rows] == [["3", known["B"], "B"], ["1", known["C"], "C"]]
    empty = ok(cli, "shelter", "list", "--on", "2024-05-31")
    assert "Tidak ada klien di rumah singgah pada malam 2024-05-31" in empty.stdout


def test_the_seven_day_warning_shows_on_day_8_not_on_day_7(known, cli):
    b = known["B"]  # admitted on 3 June: day 7 is the 9th, day 8 the 10th

    def stay(day):
        return next(s for s in listed(cli, day)["stays"] if s["case"] == b)

    assert stay("2024-06-09") == {**stay("2024-06-09"), "days": 7, "over_max": False}
    assert stay("2024-06-10") == {**stay("2024-06-10"), "days": 8, "over_max": True}
    day7, day8 = (cli("shelter", "--on", d) for d in ("2024-06-09", "2024-06-10"))
    assert "⚠" not in day7.stdout and "lebih dari 7 hari" not in day7.stderr
    assert [line.split()[:3] for line in day8.stdout.splitlines() if b in line] == [
        ["8", "⚠", b]
    ]
    assert "1 klien sudah tinggal lebih dari 7 hari" in day8.stderr
    english = cli("--lang", "en", "shelter", "--on", "2024-06-10")
    assert "1 client has stayed longer than 7 days" in english.stderr
    # the limit is a setting
    add_config(Repository.open(cli.root), "\n[shelter]\nmax_days = 3\n")
    assert stay("2024-06-06")["over_max"] is True and stay("2024-06-05")["over_max"] is False


def test_what_the_index_answers_is_what_the_files_say(known, repo):
    cases, problems = repo.load_cases()
    assert not problems
    by_case = {case.id: case.records for case in cases}
    for day in (D(2024, 6, d) for d in range(1, 15)):
        from_files = shelter.occupancy(by_case, day)
        from_index = shelter.in_shelter(repo, day)
        assert [s.case for s in from_files] == sorted(
            (r.stay.case for r in from_index.residents),
            key=lambda c: [s.case for s in from_files].index(c),
        )  # fmt: skip
        assert {r.stay.case: r.days for r in from_index.residents} == {
            s.case: s.days_on(day) for s in from_files
        }


def test_an_admission_written_by_another_command_counts(repo, cli):
    """``ppks raid`` writes admissions itself: every admission record counts."""
    case = new(repo, "Tanpa Nama 1")
    admit(repo, case, D(2024, 6, 2), raid="R2024-K7Q3M")
    [stay] = listed(cli, "2024-06-03")["stays"]
    assert stay["case"] == case.id and stay["raid"] == "R2024-K7Q3M" and stay["days"] == 2


# --- admitting and discharging, and what is refused ------------------------------------


def test_admit_and_discharge_through_the_command_line(git_office_cli):
    root, cli, case_id = git_office_cli
    made = json.loads(ok(cli, "shelter", "admit", case_id, "--date", "2024-06-04", "--bed",
                         "3", "--worker", WORKER, "--json").stdout)  # fmt: skip
    assert made["bed"] == "3" and made["occupied"] == 1 and made["beds"] == 30
    assert made["reopened"] is None and made["warnings"] == []
    assert made["record"]["kind"] == "shelter-admission"
    gone = json.loads(ok(cli, "shelter", "discharge", case_id, "--to", "panti", "--date",
                         "2024-06-11", "--note", "UPT Binjai", "--worker", WORKER,
                         "--json").stdout)  # fmt: skip
    assert gone["to"] == "institution" and gone["days"] == 7 and gone["admitted"] == "2024-06-04"
    log = git("log", "--format=%s", cwd=root).splitlines()
    assert log[:2] == [f"{case_id}: discharged from the shelter",
                       f"{case_id}: admitted to the shelter"]  # fmt: skip
    assert git("status", "--porcelain", cwd=root) == ""
    shown = ok(cli, "show", case_id).stdout
    assert "2024-06-04 – 2024-06-11 (7 hari)" in shown and "Ke panti / lembaga" in shown
    assert "Masuk rumah singgah" in shown and "tempat tidur 3" in shown
    detail = json.loads(ok(cli, "show", case_id, "--json").stdout)
    assert detail["shelter"] == [{
        "admitted": "2024-06-04", "discharged": "2024-06-11", "to": "institution",
        "shelter": None, "bed": "3", "raid": None, "admission": made["record"]["id"],
        "discharge": gone["record"]["id"], "in_shelter": False, "days": 7,
    }]  # fmt: skip
    history = ok(cli, "history", case_id).stdout
    assert "Masuk rumah singgah" in history and "Keluar dari rumah singgah" in history
    text = ok(cli, "--lang", "en", "shelter", "admit", case_id, "--date", "2024-06-20",
              "--worker", WORKER).stdout  # fmt: skip
    assert f"Case {case_id}: admitted to the shelter on 2024-06-20" in text


@pytest.mark.parametrize("args, words", [
    (["admit", "{B}", "--date", "2024-06-08"], "sudah di rumah singgah sejak 2024-06-03 (hari ke-6)"),
    (["admit", "{F}", "--date", "2024-06-08", "--bed", "2"], "Tempat tidur 2 di rumah singgah terisi: kasus {B}"),
    (["admit", "{F}", "--date", "2024-06-02", "--bed", " 2 "], "kasus {B} menempatinya sejak 2024-06-03"),
    (["admit", "{F}", "--date", "2024-06-02", "--bed", "1"], "kasus {A} menempatinya sejak 2024-06-01 sampai 2024-06-05"),
    (["admit", "{F}", "--shelter", "RPS"], "ppks.toml tidak menamai rumah singgah"),
    (["discharge", "{F}", "--to", "home"], "belum pernah masuk rumah singgah"),
    (["discharge", "{D}", "--to", "home", "--date", "2024-06-08"], "tanggal masuknya 2024-06-10, sesudahnya"),
    (["discharge", "{A}", "--to", "home", "--date", "2024-06-07"], "masa tinggal terakhir berakhir pada 2024-06-05"),
    (["discharge", "{A}", "--to", "home", "--date", "2024-06-03"], "sudah berakhir pada 2024-06-05"),
    (["discharge", "{B}", "--to", "jalan-jalan"], "--to"),
    (["discharge", "{B}", "--to", "home", "--date", "2024-06-02"], "tanggal masuknya 2024-06-03"),
])  # fmt: skip
def test_refused_with_one_clear_message_and_nothing_written(known, cli, args, words):
    filled = [a.format(**known) for a in args]
    before = snapshot(cli.root)
    result = cli("shelter", *filled, "--worker", WORKER)
    assert result.exit_code in (3, 6), result.output
    assert words.format(**known) in " ".join(result.stderr.split()), result.stderr
    assert "Traceback" not in result.output
    assert snapshot(cli.root) == before


def test_a_bed_is_free_again_the_day_its_client_left(known, cli):
    # A left bed 1 on the 5th: C took it that day; after C left on the 6th it is free
    ok(cli, "shelter", "admit", known["F"], "--date", "2024-06-06", "--bed", "1",
       "--worker", WORKER)  # fmt: skip


def test_a_full_shelter_admits_with_a_warning(repo, cli):
    add_config(repo, "\n[shelter]\nbeds = 2\n")
    cases = [new(repo, name) for name in ("A", "B", "C")]
    for case in cases[:2]:
        admit(repo, case, D(2024, 6, 1))
    result = cli("shelter", "admit", cases[2].id, "--date", "2024-06-03", "--worker", WORKER,
                 "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    made = json.loads(result.stdout)
    assert made["occupied"] == 3 and [w["code"] for w in made["warnings"]] == [
        "shelter.warning.full"
    ]
    text = ok(cli, "shelter", "--on", "2024-06-03").stdout
    assert "3 klien untuk 2 tempat tidur: 1 melebihi kapasitas" in text


def test_a_closed_case_is_refused_or_reopened_in_the_same_commit(git_office_cli):
    root, cli, case_id = git_office_cli
    ok(cli, "terminate", case_id, "--reason", "refused-or-left", "--outcome", "pergi",
       "--date", "2024-06-01", "--worker", WORKER)  # fmt: skip
    before = snapshot(root)
    refused = cli("shelter", "admit", case_id, "--date", "2024-06-10", "--worker", WORKER)
    assert refused.exit_code == 6
    assert "ditutup pada 2024-06-01" in refused.stderr and "--reopen" in refused.stderr
    assert snapshot(root) == before
    # an admission dated while the case was still open is taken
    ok(cli, "shelter", "admit", case_id, "--date", "2024-05-20", "--worker", WORKER)
    ok(cli, "shelter", "discharge", case_id, "--to", "home", "--date", "2024-06-05",
       "--worker", WORKER)  # fmt: skip
    heads = len(git("log", "--format=%s", cwd=root).splitlines())
    made = json.loads(ok(cli, "shelter", "admit", case_id, "--date", "2024-06-10", "--reopen",
                         "Kembali dari razia", "--worker", WORKER, "--json").stdout)  # fmt: skip
    assert made["reopened"]["kind"] == "reopen" and made["reopened"]["date"] == "2024-06-10"
    log = git("log", "--format=%s", cwd=root).splitlines()
    assert len(log) == heads + 1
    assert log[0] == f"{case_id}: case reopened, admitted to the shelter"
    files = git("show", "--name-only", "--format=", "HEAD", cwd=root).split()
    assert sorted(f.split("-", 4)[-1].split("-")[0] for f in files) == ["reopen", "shelter"]
    shown = json.loads(ok(cli, "show", case_id, "--json").stdout)
    assert shown["closed"] is False and shown["stage"] == "assessment"
    assert "Kasus dibuka kembali, masuk rumah singgah" in ok(cli, "history", case_id).stdout


def test_discharge_asks_where_at_a_terminal_and_needs_to_elsewhere(known, cli, monkeypatch):
    b = known["B"]
    refused = cli("shelter", "discharge", b, "--date", "2024-06-08", "--worker", WORKER)
    assert refused.exit_code == 3 and "--to" in refused.stderr
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)
    # a word shown on screen (the label), a synonym, a number: each is taken
    answers = "ke mana saja\nkabur\nlari malam hari\n"
    result = cli("shelter", "discharge", b, "--date", "2024-06-08", "--worker", WORKER,
                 input=answers)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Melarikan diri" in result.stderr  # the list was shown
    [record] = [p for p in (cli.root / "cases" / b / "records").glob("*shelter-discharge*")]
    text = record.read_text()
    assert 'to = "ran-away"' in text and 'note = "lari malam hari"' in text


def test_admit_asks_the_bed_and_the_reopening_at_a_terminal(known, cli, monkeypatch):
    f = known["F"]
    ok(cli, "terminate", f, "--reason", "refused-or-left", "--outcome", "pergi", "--date",
       "2024-06-01", "--worker", WORKER)  # fmt: skip
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)
    result = cli("shelter", "admit", f, "--date", "2024-06-12", "--worker", WORKER,
                 input="ya\nDitemukan lagi di jalan\n7\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Buka kembali kasusnya" in result.stderr
    detail = json.loads(ok(cli, "show", f, "--json").stdout)
    assert detail["shelter"][0]["bed"] == "7" and not detail["closed"]
    # a client in the shelter already is refused before any question
    again = cli("shelter", "admit", known["B"], "--date", "2024-06-12", "--worker", WORKER,
                input="")  # fmt: skip
    assert again.exit_code == 6 and "sudah di rumah singgah" in again.stderr
    assert "Tempat tidur" not in again.stderr  # the bed was not asked


# --- several shelters --------------------------------------------------------------------

SEVERAL = """
[[shelters]]
name = "RPS Kota Medan"
beds = 2

[[shelters]]
name = "Rumah Singgah Belawan"
beds = 5
"""


def test_several_shelters_are_named_counted_apart_and_chosen(repo, cli):
    add_config(repo, SEVERAL)
    a, b, c = (new(repo, name) for name in "ABC")
    refused = cli("shelter", "admit", a.id, "--date", "2024-06-01", "--worker", WORKER)
    assert refused.exit_code == 3
    assert "1 = RPS Kota Medan (2 tempat tidur), 2 = Rumah Singgah Belawan (5 tempat tidur)" in \
        refused.stderr  # fmt: skip
    ok(cli, "shelter", "admit", a.id, "--date", "2024-06-01", "--shelter", "belawan",
       "--bed", "1", "--worker", WORKER)  # fmt: skip
    ok(cli, "shelter", "admit", b.id, "--date", "2024-06-02", "--shelter", "rps kota medan",
       "--bed", "1", "--worker", WORKER)  # fmt: skip  (bed 1 of another shelter is free)
    admit(repo, c, D(2024, 6, 2))  # naming no shelter: the first one
    unknown = cli("shelter", "admit", c.id, "--shelter", "Binjai", "--worker", WORKER)
    assert unknown.exit_code == 3 and "'Binjai' bukan rumah singgah di ppks.toml" in unknown.stderr
    found = listed(cli, "2024-06-03")
    assert [(s["name"], s["occupied"], s["free"]) for s in found["shelters"]] == [
        ("RPS Kota Medan", 2, 0), ("Rumah Singgah Belawan", 1, 4)]
    assert {s["case"]: s["shelter"] for s in found["stays"]} == {
        a.id: "Rumah Singgah Belawan", b.id: "RPS Kota Medan", c.id: "RPS Kota Medan"}
    only = listed(cli, "2024-06-03", "--shelter", "Belawan")
    assert [s["case"] for s in only["stays"]] == [a.id] and len(only["shelters"]) == 1
    month = json.loads(ok(cli, "shelter", "occupancy", "--month", "2024-06", "--json").stdout)
    assert month["beds"] == 7
    assert month["days"][1] == {"date": "2024-06-02", "occupied": 3, "by_shelter": [2, 1]}


def test_admit_asks_which_shelter_at_a_terminal(repo, cli, monkeypatch):
    add_config(repo, SEVERAL)
    case = new(repo, "A")
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)
    result = cli("shelter", "admit", case.id, "--date", "2024-06-01", "--worker", WORKER,
                 "--json", input="Medan Timur\n2\n\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1) RPS Kota Medan" in result.stderr and "2) Rumah Singgah Belawan" in result.stderr
    assert "bukan rumah singgah di ppks.toml" in result.stderr  # asked again
    made = json.loads(result.stdout[result.stdout.index("{"):])
    assert made["shelter"] == "Rumah Singgah Belawan" and made["bed"] is None


@pytest.mark.parametrize("text, line, words", [
    (SEVERAL + '\n[[shelters]]\nname = "rps kota  medan"\nbeds = 3\n', "[[shelters]]",
     "rumah singgah ke-3 bernama 'rps kota  medan', sama dengan rumah singgah ke-1"),
    ("\n[shelter]\nbeds = 30\n" + SEVERAL, "[[shelters]]", "hilangkan beds dan name"),
    ("\n[shelter]\nbeds = 0\n", "beds = 0", "shelter.beds"),
    ("\n[shelter]\nmax_days = 0\n", "max_days = 0", "shelter.max_days"),
    ('\n[[shelters]]\nname = "RPS"\n', "[[shelters]]", "beds"),
])  # fmt: skip
def test_check_names_the_line_of_a_wrong_shelter_setting(repo, cli, text, line, words):
    add_config(repo, text)
    lines = repo.paths.config.read_text(encoding="utf-8").splitlines()
    number = lines.index(line) + 1
    result = cli("check")
    assert result.exit_code == 1, result.output
    assert f"ppks.toml:{number}:" in result.stdout and words in result.stdout, result.stdout


# --- what check says ----------------------------------------------------------------------


def test_check_reports_records_that_make_no_stay_with_file_line_and_the_way_out(repo, cli):
    from ppks_cli import casework

    twice, before, without, closed, repeated, fine = (new(repo, n) for n in "ABCDEF")
    first = admit(repo, twice, D(2024, 6, 1))
    second = admit(repo, twice, D(2024, 6, 3))
    early = leave(repo, before, D(2024, 6, 1))
    admit(repo, before, D(2024, 6, 3))
    lone = leave(repo, without, D(2024, 6, 2))
    open_ = admit(repo, closed, D(2024, 6, 1))
    casework.terminate(repo, closed, worker=WORKER, reason="refused-or-left", outcome="pergi",
                       date=D(2024, 6, 10))  # fmt: skip
    admit(repo, repeated, D(2024, 6, 1))
    leave(repo, repeated, D(2024, 6, 4))
    again = leave(repo, repeated, D(2024, 6, 5))
    admit(repo, fine, D(2024, 6, 1))
    leave(repo, fine, D(2024, 6, 2))
    found = json.loads(cli("check", "--json").stdout)
    shelter_problems = {
        p["code"]: p for p in found["problems"] if p["code"].startswith("shelter.")
    }

    def file_of(case, record):
        return (f"cases/{case.id}/records/{record.date.isoformat()}-{record.kind}-"
                f"{record.id}.toml")  # fmt: skip

    expected = {
        "shelter.check.admitted_twice": (twice, second, "ppks shelter discharge"),
        "shelter.check.discharge_before_admission": (before, early, "git rm"),
        "shelter.check.discharge_without_admission": (without, lone, "ppks shelter admit"),
        "shelter.check.open_on_closed": (closed, open_, "ppks shelter discharge"),
        "shelter.check.discharged_twice": (repeated, again, "git rm"),
    }
    assert set(shelter_problems) == set(expected)
    for code, (case, record, way_out) in expected.items():
        problem = shelter_problems[code]
        assert problem["file"] == file_of(case, record), code
        assert problem["severity"] == "warning"
        lines = (cli.root / problem["file"]).read_text().splitlines()
        assert lines[problem["line"] - 1].startswith("date = "), code
        assert way_out in problem["fix"] and case.id in problem["fix"] + problem["file"], code
    assert not [p for p in found["problems"] if first.id in p["file"]]  # the first is fine
    text = cli("check").stdout
    assert f"{file_of(twice, second)}:" in text
    assert "dua penempatan tanpa kepulangan di antaranya" in text
    assert "kasusnya ditutup pada 2024-06-10" in text


def test_check_reports_an_unknown_shelter_and_a_bed_held_twice(repo, cli):
    add_config(repo, SEVERAL)
    a, b, c = (new(repo, name) for name in "ABC")
    admit(repo, a, D(2024, 6, 1), shelter="RPS Kota Medan", bed="4")
    shared = admit(repo, b, D(2024, 6, 3), shelter="rps kota medan", bed="4")  # two clones
    renamed = admit(repo, c, D(2024, 6, 1), shelter="RPS Lama")
    found = json.loads(cli("check", "--json").stdout)["problems"]
    codes = {p["code"]: p for p in found if p["code"].startswith("shelter.")}
    assert set(codes) == {"shelter.check.unknown_shelter", "shelter.check.bed_shared"}
    assert renamed.id in codes["shelter.check.unknown_shelter"]["file"]
    assert shared.id in codes["shelter.check.bed_shared"]["file"]
    assert a.id in codes["shelter.check.bed_shared"]["message"]
    # the unknown shelter is shown apart, with unknown beds
    names = [s["name"] for s in listed(cli, "2024-06-04")["shelters"]]
    assert names == ["RPS Kota Medan", "Rumah Singgah Belawan", "RPS Lama"]


def test_the_sample_cases_still_pass_check():
    from conftest import SAMPLE

    result = run_ppks("--root", str(SAMPLE), "check", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    problems = json.loads(result.stdout)["problems"]
    assert not [p for p in problems if p["code"].startswith("shelter.")]


# --- the report's shelter figures --------------------------------------------------------


def test_report_figures_match_counts_made_here(repo, cli):
    rng = random.Random(15)
    stays = []  # (case ID, admitted, discharged or None, to)
    for number in range(40):
        case = new(repo, f"Klien {number}", intake="2024-04-01")
        day = D(2024, 5, 1) + dt.timedelta(days=rng.randrange(0, 50))
        for _ in range(rng.randrange(1, 3)):
            if day > D(2024, 7, 20):
                break
            admit(repo, case, day)
            if rng.random() < 0.2:  # still there
                stays.append((case.id, day, None, None))
                break
            out = day + dt.timedelta(days=rng.randrange(0, 12))
            to = rng.choice(["home", "institution", "hospital", "ran-away", "other"])
            leave(repo, case, out, to)
            stays.append((case.id, day, out, to))
            day = out + dt.timedelta(days=rng.randrange(0, 10))
    start, end = D(2024, 6, 1), D(2024, 6, 30)

    def inside(stay, day):
        return stay[1] <= day and (stay[2] is None or stay[2] > day)

    nights = [sum(inside(s, start + dt.timedelta(n)) for s in stays) for n in range(30)]
    ended = [s for s in stays if s[2] is not None and start <= s[2] <= end]
    lengths = [(s[2] - s[1]).days for s in ended]
    at_end = [s for s in stays if inside(s, end)]
    expected = {
        "admissions": sum(start <= s[1] <= end for s in stays),
        "discharges": len(ended),
        "average_stay_days": round(sum(lengths) / len(lengths), 1),
        "completed_over_max": sum(length > 7 for length in lengths),
        "peak_occupancy": max(nights),
        "in_shelter_at_end": len(at_end),
        "over_max_at_end": sum((end - s[1]).days + 1 > 7 for s in at_end),
    }
    assert expected["peak_occupancy"] > 3 and expected["over_max_at_end"] >= 0
    found = json.loads(ok(cli, "report", "--month", "2024-06", "--json").stdout)
    tables = {t["name"]: {r["key"]: r["total"] for r in t["rows"]} for t in found["tables"]}
    assert tables["shelter"] == expected
    by_destination = {d: sum(s[3] == d for s in ended)
                      for d in ("home", "institution", "hospital", "ran-away", "other")}
    assert tables["shelter_discharges"] == by_destination
    text = ok(cli, "report", "--month", "2024-06").stdout
    assert "Rumah singgah" in text and "Keterisian puncak (klien dalam satu malam)" in text
    assert "Melarikan diri" in text
    # the occupancy of the month says the same peak
    month = json.loads(ok(cli, "shelter", "occupancy", "--month", "2024-06", "--json").stdout)
    assert [d["occupied"] for d in month["days"]] == nights
    assert month["peak"]["occupied"] == max(nights)
    chart = ok(cli, "shelter", "occupancy", "--month", "2024-06").stdout
    assert "█" in chart and f"Puncak: {max(nights)} pada" in chart


# --- two clones, offline ------------------------------------------------------------------


def test_two_clones_admitting_and_discharging_offline_lose_nothing(tmp_path):
    git("init", "-q", "--bare", "-b", "main", str(tmp_path / "hub.git"), cwd=tmp_path)
    a = tmp_path / "a"
    assert run_ppks("init", str(a), "--office", "Dinas Sosial", "--worker", WORKER).returncode == 0
    ids = []
    for name in ("Siti", "Ucok", "Butet", "Rahmat"):
        made = run_ppks("--root", str(a), "new-case", "--name", name, "--category", "pengemis",
                        "--sex", "P", "--source", "street-raid", "--intake-date", "2024-06-01",
                        "--yes", "--json")  # fmt: skip
        assert made.returncode == 0, made.stderr
        ids.append(json.loads(made.stdout)["id"])
    siti, ucok, butet, rahmat = ids
    assert run_ppks("--root", str(a), "shelter", "admit", siti, "--date", "2024-06-02",
                    "--bed", "1").returncode == 0  # fmt: skip
    git("remote", "add", "origin", str(tmp_path / "hub.git"), cwd=a)
    git("push", "-qu", "origin", "HEAD:main", cwd=a)
    git("branch", "-q", "-u", "origin/main", cwd=a)
    b = tmp_path / "b"
    git("clone", "-q", str(tmp_path / "hub.git"), str(b), cwd=tmp_path)
    # offline: the office discharges Siti and admits Ucok; the laptop at the roadside
    # admits Butet and Rahmat, and Rahmat leaves again
    for root, args in (
        (a, ["shelter", "discharge", siti, "--to", "home", "--date", "2024-06-06"]),
        (a, ["shelter", "admit", ucok, "--date", "2024-06-05", "--bed", "2"]),
        (b, ["shelter", "admit", butet, "--date", "2024-06-05", "--bed", "3", "--worker", "Dewi"]),
        (b, ["shelter", "admit", rahmat, "--date", "2024-06-05", "--worker", "Dewi"]),
        (b, ["shelter", "discharge", rahmat, "--to", "kabur", "--date", "2024-06-07",
             "--worker", "Dewi"]),
    ):  # fmt: skip
        done = run_ppks("--root", str(root), *args)
        assert done.returncode == 0, done.stderr
    for root in (a, b, a):
        synced = run_ppks("--root", str(root), "sync")
        assert synced.returncode == 0, synced.stderr
    for root in (a, b):
        assert git("status", "--porcelain", cwd=root) == ""
        on = run_ppks("--root", str(root), "shelter", "--on", "2024-06-06", "--json")
        days = {s["case"]: s["days"] for s in json.loads(on.stdout)["stays"]}
        assert days == {ucok: 2, butet: 2, rahmat: 2}  # Siti left on the 6th
        report = json.loads(run_ppks("--root", str(root), "report", "--month", "2024-06",
                                     "--json").stdout)  # fmt: skip
        figures = {t["name"]: {r["key"]: r["total"] for r in t["rows"]}
                   for t in report["tables"]}  # fmt: skip
        assert figures["shelter"]["admissions"] == 4 and figures["shelter"]["discharges"] == 2
        assert figures["shelter_discharges"]["home"] == 1
        assert figures["shelter_discharges"]["ran-away"] == 1
        checked = run_ppks("--root", str(root), "check", "--json")
        assert checked.returncode == 0 and not json.loads(checked.stdout)["problems"]


# --- the property: occupancy is admissions minus discharges ------------------------------


@st.composite
def consistent_histories(draw):
    """Cases, each a sequence admission, discharge, admission … with rising dates (an
    admission and its discharge may share a day); the last stay may stay open."""
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    histories: dict[str, list[shelter.ShelterEvent]] = {}
    for number in range(draw(st.integers(0, 6))):
        case = f"2024-C{number:04d}"
        day, events, moment = D(2024, 6, 1), [], 0
        for stay in range(draw(st.integers(0, 3))):
            day += dt.timedelta(days=draw(st.integers(0, 5)))
            moment += 1
            events.append(shelter.ShelterEvent(case, f"A{stay}{number:04d}", shelter.ADMISSION,
                                               day, base + dt.timedelta(seconds=moment)))
            if draw(st.booleans()) or stay < 2:
                day += dt.timedelta(days=draw(st.integers(0, 9)))
                moment += 1
                events.append(shelter.ShelterEvent(
                    case, f"D{stay}{number:04d}", shelter.DISCHARGE, day,
                    base + dt.timedelta(seconds=moment), to="home",
                ))  # fmt: skip
            else:
                break
        draw(st.randoms()).shuffle(events)  # the order records are read in does not matter
        histories[case] = events
    return histories


@given(consistent_histories(), st.integers(0, 40))
def test_occupancy_is_admissions_minus_discharges_up_to_that_day(histories, offset):
    day = D(2024, 5, 31) + dt.timedelta(days=offset)
    events = [e for items in histories.values() for e in items]
    admitted = sum(e.kind == shelter.ADMISSION and e.date <= day for e in events)
    left = sum(e.kind == shelter.DISCHARGE and e.date <= day for e in events)
    inside = shelter.occupancy(histories, day)
    assert len(inside) == admitted - left
    assert len({s.case for s in inside}) == len(inside)  # nobody twice
    for case, items in histories.items():
        stays, problems = shelter.stays_of(items, case)
        assert problems == []
        assert len(stays) == sum(e.kind == shelter.ADMISSION for e in items)
    stays = shelter.all_stays(histories)
    start = D(2024, 5, 31)
    counts = shelter.daily_counts(stays, start, start + dt.timedelta(days=40))
    assert counts[offset] == len(inside)
    assert all(s.days_on(day) >= 1 for s in inside)


@given(st.lists(st.sampled_from([shelter.ADMISSION, shelter.DISCHARGE]), max_size=8))
def test_any_sequence_makes_stays_or_names_each_record_that_does_not_fit(kinds):
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    events = [
        shelter.ShelterEvent("2024-X0001", f"R{n:05d}", kind, D(2024, 6, 1 + n),
                             base + dt.timedelta(seconds=n), to="home")
        for n, kind in enumerate(kinds)
    ]  # fmt: skip
    stays, problems = shelter.stays_of(events, "2024-X0001")
    used = {s.admission for s in stays} | {s.discharge for s in stays if s.discharge}
    flagged = {p.event.record for p in problems}
    assert used | flagged == {e.record for e in events} and not used & flagged
    assert all(s.discharged is None or s.discharged >= s.admitted for s in stays)
    assert sum(s.discharged is None for s in stays) <= 1


def test_the_installed_command_reads_the_sample_shelter():
    """End to end, as a worker runs it (the entry point builds only the shelter group)."""
    from conftest import SAMPLE, run_installed

    found = run_installed("--root", str(SAMPLE), "shelter", "--on", "2024-05-02", "--json")
    assert found.returncode == 0, found.stderr
    [stay] = json.loads(found.stdout)["stays"]
    assert stay["case"] == "2024-W07T4" and stay["days"] == 1 and stay["bed"] == "5"
    assert stay["shelter"] == "Rumah Singgah Dinas Sosial Kota Medan"
    month = run_installed("--root", str(SAMPLE), "--lang", "en", "shelter", "occupancy",
                          "--month", "2024-03")  # fmt: skip
    assert month.returncode == 0, month.stderr
    assert "Peak: 1 on 2024-03-05, 2024-03-06, 2024-03-07, 2024-03-08." in month.stdout

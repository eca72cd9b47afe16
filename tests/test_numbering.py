"""Letter numbers: looking is free, issuing is deliberate, one document keeps one number,
the sequence follows the office's setting, the agenda book lists and exports what was
issued, and a number two clones issued offline gets a way out (``letter renumber``)."""

import csv
import datetime as dt
import io
import json
import stat
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_letters import SIGNATORIES, papers_case, pdf_text

from ppks_cli import agenda, letters
from ppks_cli.errors import InvalidInput, Refused
from ppks_cli.store import Repository

from conftest import Cli, built_once, git, run_ppks, snapshot

D = dt.date
REFERRAL_DAY = ("--date", "2024-06-20")


@pytest.fixture
def office(repo, monkeypatch) -> Repository:
    """A repository whose letters can be made: the signatories set."""
    monkeypatch.setenv("PPKS_WORKER", "Saskia")
    repo.paths.config.write_text(repo.paths.config.read_text() + SIGNATORIES)
    return Repository.open(repo.root)


def letter_records(repo, case_id):
    return [r for r in Repository.open(repo.root).find_case(case_id).records if r.kind == "letter"]


def set_sequence(repo, value: str) -> Repository | None:
    text = repo.paths.config.read_text()
    assert 'sequence = "shared"' in text  # ppks init writes the setting, with the default
    repo.paths.config.write_text(text.replace('sequence = "shared"', f'sequence = "{value}"'))
    return Repository.open(repo.root) if value in ("shared", "per-code") else None


# --- what it must show ----------------------------------------------------------------------


def test_looking_ten_times_takes_no_number_issuing_takes_one_reissue_is_identical(office, tmp_path):
    case = papers_case(office)
    cli = Cli(office.root)
    before = snapshot(office.root)
    for run in range(10):
        args = ("--format", "pdf", "-o", str(tmp_path / f"lihat-{run}.pdf")) if run % 2 else ()
        shown = cli("letter", case.id, "referral", *args)
        assert shown.exit_code == 0, shown.output
        assert "DRAF" in shown.stderr and "--issue" in shown.stderr
    assert snapshot(office.root) == before  # nothing recorded, no number taken
    assert "DRAF" in (cli("letter", case.id, "referral").stdout)

    first = tmp_path / "rujukan.pdf"
    issued = cli("letter", case.id, "referral", "--issue", *REFERRAL_DAY, "--format", "pdf",
                 "-o", str(first), "--json")  # fmt: skip
    assert issued.exit_code == 0, issued.output
    data = json.loads(issued.stdout)
    assert data["number"] == "462/1/Dinsos/2024" and data["issued"] and not data["draft"]
    assert [r.number for r in letter_records(office, case.id)] == ["462/1/Dinsos/2024"]

    again = tmp_path / "lagi.pdf"
    reissued = cli("letter", case.id, "--reissue", "462/1/Dinsos/2024", "--format", "pdf", "-o", str(again))
    assert reissued.exit_code == 0, reissued.output
    assert again.read_bytes() == first.read_bytes()
    # the number alone names the letter: no case needed
    third = tmp_path / "ketiga.pdf"
    assert cli("letter", "--reissue", "462/1/Dinsos/2024", "-f", "pdf", "-o", str(third)).exit_code == 0
    assert third.read_bytes() == first.read_bytes()

    before = snapshot(office.root)
    refused = cli("letter", case.id, "referral", "--issue")
    assert refused.exit_code == Refused.exit_code
    assert "462/1/Dinsos/2024" in refused.stderr and "--new" in refused.stderr
    assert "--reissue 462/1/Dinsos/2024" in refused.stderr
    assert snapshot(office.root) == before
    # a draft of an issued document says which number it has
    shown = cli("letter", case.id, "referral")
    assert shown.exit_code == 0 and "462/1/Dinsos/2024" in shown.stderr

    new = cli("letter", case.id, "referral", "--issue", "--new", *REFERRAL_DAY, "--json")
    assert new.exit_code == 0, new.output
    made = json.loads(new.stdout)
    assert made["number"] == "462/2/Dinsos/2024" and made["earlier"] == ["462/1/Dinsos/2024"]
    assert "462/1/Dinsos/2024" in new.stderr and "--new" in new.stderr


def test_the_english_refusal_names_the_number_too(office):
    case = papers_case(office)
    cli = Cli(office.root)
    assert cli("letter", case.id, "termination", "--issue", "--date", "2024-06-30").exit_code == 0
    refused = cli("letter", case.id, "termination", "--issue", lang="en")
    assert refused.exit_code == Refused.exit_code
    assert "already issued as 460/1/Dinsos/2024" in refused.stderr


@pytest.mark.parametrize(
    "args, option",
    [
        (["--new"], "--new"),
        (["--number", "460/9/Dinsos/2024"], "--number"),
        (["--issue", "--draft"], "--draft"),
        (["--issue", "--reissue", "460/1/Dinsos/2024"], "--reissue"),
        (["--case", "x"], "--case"),
        (["--reason", "x"], "--reason"),
    ],
)
def test_flags_that_only_mean_something_when_issuing_are_refused_alone(office, args, option):
    case = papers_case(office)
    before = snapshot(office.root)
    result = Cli(office.root)("letter", case.id, "referral", *args)
    assert result.exit_code == InvalidInput.exit_code, result.output
    assert option in result.stderr
    assert snapshot(office.root) == before


def test_a_letter_refused_for_a_missing_value_takes_no_number(repo):
    case = papers_case(repo)  # no [signatories]: every letter misses a value
    before = snapshot(repo.root)
    result = Cli(repo.root)("letter", case.id, "referral", "--issue", "--worker", "Saskia")
    assert result.exit_code == InvalidInput.exit_code and "signatories" in result.stderr
    assert snapshot(repo.root) == before
    assert letters.issued_numbers(repo) == []


def test_the_letter_date_is_today_unless_given(office):
    case = papers_case(office)
    result = Cli(office.root)("letter", case.id, "referral", "--issue", "--json")
    data = json.loads(result.stdout)
    today = dt.date.today()
    assert data["date"] == today.isoformat() and data["number"].endswith(f"/{today.year}")
    (record,) = letter_records(office, case.id)
    assert record.context["letter"]["date"] == today
    assert record.context["record"]["date"] == D(2024, 6, 20)  # the referral's own day


# --- sequences --------------------------------------------------------------------------------


def test_shared_sequence_runs_across_codes_and_per_code_keeps_one_per_code(office):
    case = papers_case(office)
    on = D(2024, 7, 1)
    numbers = []
    for kind in ("assessment", "referral", "termination"):
        made = letters.draft(office, case, kind, date=on)
        letters.issue(office, case, made, worker="S")
        numbers.append(made.number)
    assert numbers == ["460/1/Dinsos/2024", "462/2/Dinsos/2024", "460/3/Dinsos/2024"]

    other = set_sequence(office, "per-code")
    case = papers_case(other, name="AB")
    numbers = []
    for kind in ("referral", "assessment", "termination"):
        made = letters.draft(other, case, kind, date=on)
        letters.issue(other, case, made, worker="S")
        numbers.append(made.number)
    # per code: 462 had no letter yet; 460 had serials 1 and 3
    assert numbers == ["462/3/Dinsos/2024", "460/4/Dinsos/2024", "460/5/Dinsos/2024"]


def test_per_code_sequence_makes_the_readme_example_true(office, tmp_path):
    repo = set_sequence(office, "per-code")
    case = papers_case(repo)
    cli = Cli(repo.root)
    assert cli("letter", case.id, "assessment", "--issue", "--date", "2024-02-20").exit_code == 0
    assert cli("letter", case.id, "referral", "--issue", *REFERRAL_DAY).exit_code == 0
    out = tmp_path / "r.pdf"
    # README: ppks letter 2024-9E --reissue 462/1/Dinsos/2024 --format pdf
    again = cli("letter", case.id, "--reissue", "462/1/Dinsos/2024", "--format", "pdf", "-o", str(out))
    assert again.exit_code == 0, again.output


def test_the_readme_sequence_works_with_the_default_shared_sequence(office, tmp_path):
    case = papers_case(office)
    cli = Cli(office.root)
    assert cli("letter", case.id, "assessment").exit_code == 0  # a draft on screen
    issued = cli("letter", case.id, "referral", "--issue", *REFERRAL_DAY, "--format", "pdf")
    assert issued.exit_code == 0, issued.output
    again = cli("letter", case.id, "--reissue", "462/1/Dinsos/2024", "--format", "pdf", "-o",
                str(tmp_path / "r.pdf"))  # fmt: skip
    assert again.exit_code == 0, again.output


def test_an_unknown_sequence_setting_is_refused(office):
    set_sequence(office, "x")
    result = Cli(office.root)("letters")
    assert result.exit_code != 0 and "ppks.toml" in result.stderr


# --- the agenda book --------------------------------------------------------------------------


def issue_three(repo):
    case = papers_case(repo)
    for kind, day in (("assessment", D(2024, 2, 20)), ("referral", D(2024, 6, 20))):
        letters.issue(repo, case, letters.draft(repo, case, kind, date=day), worker="Saskia")
    later = letters.draft(repo, case, "termination", date=D(2025, 1, 6))
    letters.issue(repo, case, later, worker="Dewi")
    return case


def test_the_agenda_lists_filters_and_prints_json(office):
    case = issue_three(office)
    cli = Cli(office.root)
    everything = json.loads(cli("letters", "--json").stdout)
    assert [(e["number"], e["date"], e["kind"], e["case"], e["worker"]) for e in everything] == [
        ("460/1/Dinsos/2024", "2024-02-20", "assessment", case.id, "Saskia"),
        ("462/2/Dinsos/2024", "2024-06-20", "referral", case.id, "Saskia"),
        ("460/1/Dinsos/2025", "2025-01-06", "termination", case.id, "Dewi"),
    ]
    assert set(everything[0]) == set(agenda.COLUMNS)
    assert [e["number"] for e in json.loads(cli("letters", "--year", "2025", "--json").stdout)] == [
        "460/1/Dinsos/2025"
    ]
    referral = json.loads(cli("letters", "--kind", "rujukan", "--json").stdout)
    assert [e["kind"] for e in referral] == ["referral"]
    table = cli("letters")
    assert table.exit_code == 0 and "462/2/Dinsos/2024" in table.stdout and "Nomor" in table.stdout
    assert "Belum ada" in cli("letters", "--year", "2023").stdout


def test_the_agenda_exports_csv_and_xlsx_for_the_owner_only(office, tmp_path):
    from openpyxl import load_workbook

    issue_three(office)
    cli = Cli(office.root)
    out = tmp_path / "agenda.csv"
    done = cli("letters", "--format", "csv", "-o", str(out))
    assert done.exit_code == 0, done.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "3 surat" in done.stderr and "pemiliknya" in done.stderr
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["Nomor", "Tanggal", "Jenis"] and rows[1][:2] == ["460/1/Dinsos/2024", "2024-02-20"]

    book = tmp_path / "agenda.xlsx"
    done = cli("letters", "--format", "xlsx", "-o", str(book), "--year", "2024", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["count"] == 2
    assert stat.S_IMODE(book.stat().st_mode) == 0o600
    sheet = load_workbook(book).active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "Nomor" and sheet["A2"].value == "460/1/Dinsos/2024"
    assert isinstance(sheet["B2"].value, dt.datetime) and sheet["B2"].value.date() == D(2024, 2, 20)
    assert sheet["B2"].is_date
    assert sheet.column_dimensions["A"].width >= len("460/1/Dinsos/2024")
    # the same agenda, the same bytes
    again = tmp_path / "again.xlsx"
    assert cli("letters", "--format", "xlsx", "-o", str(again), "--year", "2024").exit_code == 0
    assert again.read_bytes() == book.read_bytes()


def test_a_formula_like_value_never_runs_in_a_spreadsheet():
    assert agenda._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert agenda._cell("-1") == "'-1" and agenda._cell("Saskia") == "Saskia"


@pytest.mark.parametrize(
    "args",
    [["--format", "csv"], ["--format", "pdf", "-o", "x"], ["-o", "x.csv"], ["--year", "0"],
     ["--kind", "surat-cinta"]],
)  # fmt: skip
def test_agenda_refusals_are_one_message_and_write_nothing(office, tmp_path, args):
    issue_three(office)
    result = Cli(office.root)("letters", *args)
    assert result.exit_code in (2, InvalidInput.exit_code), result.output
    assert "Traceback" not in result.output
    assert not (office.root / "x").exists() and not (office.root / "x.csv").exists()


# --- two clones, one number -------------------------------------------------------------------


def _two_clones(folder):
    office = Repository.create(folder / "kasus", "Dinas Sosial Kota Medan")
    office.paths.config.write_text(office.paths.config.read_text() + SIGNATORIES)
    office = Repository.open(office.root)
    first = papers_case(office)
    second = papers_case(office, name="AB")
    git("init", "-b", "main", cwd=office.root)
    git("add", "-A", cwd=office.root)
    git("commit", "-m", "start", cwd=office.root)
    other = folder / "clone"
    git("clone", str(office.root), str(other), cwd=folder)
    for root, case in ((office.root, first), (other, second)):
        result = run_ppks("letter", case.id, "referral", "--issue", *REFERRAL_DAY, "--json", cwd=root,
                          env={"PPKS_WORKER": "S"})  # fmt: skip
        assert json.loads(result.stdout)["number"] == "462/1/Dinsos/2024"
    pulled = subprocess.run(["git", "pull", "--no-rebase", "--no-edit", str(other), "main"],
                            cwd=office.root, capture_output=True, text=True)  # fmt: skip
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    return first.id, second.id


@pytest.fixture
def two_clones(tmp_path, tmp_path_factory, monkeypatch):
    """Two cases (the office's, with signatories), committed, cloned; each clone issues a
    referral letter offline for a different case, then the clone's work is pulled: both
    carry 462/1/Dinsos/2024. Made once per test process, then copied."""
    monkeypatch.setenv("PPKS_WORKER", "Saskia")
    first, second = built_once("numbering-two-clones", _two_clones, tmp_path, tmp_path_factory)
    repo = Repository.open(tmp_path / "kasus")
    return repo, repo.find_case(first), repo.find_case(second)


def test_check_flags_the_duplicate_and_names_renumber(two_clones):
    repo, first, second = two_clones
    checked = run_ppks("check", cwd=repo.root)
    assert checked.returncode == 1
    flagged = [line for line in checked.stdout.splitlines() if "462/1/Dinsos/2024" in line]
    assert len([line for line in flagged if "-letter-" in line]) == 2
    for case in (first, second):
        assert f"ppks letter renumber 462/1/Dinsos/2024 --case {case.id}" in checked.stdout


def test_renumber_gives_the_next_free_number_records_why_and_reissues(two_clones, tmp_path):
    repo, first, second = two_clones
    cli = Cli(repo.root)
    out = tmp_path / "baru.pdf"
    done = cli("letter", "renumber", "462/1/Dinsos/2024", "--case", second.id, "--format", "pdf",
               "-o", str(out), "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert data["number"] == "462/2/Dinsos/2024" and data["renumbered"] == "462/1/Dinsos/2024"
    assert "462/2/Dinsos/2024" in pdf_text(out.read_bytes())
    old, new = letter_records(repo, second.id)[-2:]
    assert new.renumbers == old.id and new.number == "462/2/Dinsos/2024"
    assert first.id in new.reason and "462/1/Dinsos/2024" in new.reason
    assert new.date == old.date and new.about == old.about
    assert new.context["letter"]["number"] == "462/2/Dinsos/2024"
    log = git("log", "-1", "--format=%s", cwd=repo.root)
    assert log.strip() == f"{second.id}: letter 462/1/Dinsos/2024 renumbered 462/2/Dinsos/2024"

    assert run_ppks("check", cwd=repo.root).returncode == 0  # the duplicate is gone
    # the old number of that case points to the new one; the new one reprints identically
    refused = cli("letter", second.id, "--reissue", "462/1/Dinsos/2024")
    assert refused.exit_code == Refused.exit_code and "462/2/Dinsos/2024" in refused.stderr
    again = tmp_path / "lagi.pdf"
    assert cli("letter", second.id, "--reissue", "462/2/Dinsos/2024", "-f", "pdf", "-o", str(again)).exit_code == 0
    assert again.read_bytes() == out.read_bytes()
    # the document keeps one number: issuing it again names the new number
    refused = cli("letter", second.id, "referral", "--issue")
    assert refused.exit_code == Refused.exit_code and "462/2/Dinsos/2024" in refused.stderr
    # the agenda book shows both, the old one replaced
    book = json.loads(cli("letters", "--json").stdout)
    assert sorted((e["number"], e["replaced_by"] or "") for e in book) == [
        ("462/1/Dinsos/2024", ""), ("462/1/Dinsos/2024", "462/2/Dinsos/2024"),
        ("462/2/Dinsos/2024", ""),
    ]  # fmt: skip
    assert book[-1]["number"] == "462/2/Dinsos/2024" and book[-1]["renumbers"]
    # the next letter never takes a number used before
    nxt = cli("letter", first.id, "termination", "--issue", "--date", "2024-06-30", "--json")
    assert json.loads(nxt.stdout)["number"] == "460/3/Dinsos/2024"


def test_renumber_with_a_number_from_the_agenda_book_and_without_case(two_clones):
    repo, first, second = two_clones
    cli = Cli(repo.root)
    standing = letters.issued_numbers(repo)
    later = max(standing, key=lambda i: (i.recorded_at, i.file)).case  # recorded last
    used = cli("letter", "renumber", "462/1/Dinsos/2024", "--number", "462/1/Dinsos/2024")
    assert used.exit_code == Refused.exit_code
    done = cli("letter", "renumber", "462/1/Dinsos/2024", "--number", "462/40/Dinsos/2024", "--json")
    assert done.exit_code == 0, done.output
    # no --case: the letter recorded last is the one renumbered
    renumbered = json.loads(done.stdout)
    assert renumbered["case"] == later and renumbered["number"] == "462/40/Dinsos/2024"
    assert run_ppks("check", cwd=repo.root).returncode == 0


def test_renumber_refusals(office):
    case = papers_case(office)
    cli = Cli(office.root)
    assert cli("letter", "renumber", "462/9/Dinsos/2024").exit_code == 4  # no such letter
    assert cli("letter", case.id, "referral", "--issue", *REFERRAL_DAY).exit_code == 0
    before = snapshot(office.root)
    lonely = cli("letter", "renumber", "462/1/Dinsos/2024")
    assert lonely.exit_code == InvalidInput.exit_code and "--reason" in lonely.stderr
    mixed = cli("letter", "renumber", "462/1/Dinsos/2024", "--issue")
    assert mixed.exit_code == InvalidInput.exit_code
    assert snapshot(office.root) == before
    # a number that the paper agenda book had already given: renumbered with a reason
    done = cli("letter", "renumber", "462/1/Dinsos/2024", "--reason", "nomor sudah dipakai di buku agenda",
               "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert letter_records(office, case.id)[-1].reason == "nomor sudah dipakai di buku agenda"


def test_the_same_serial_under_two_codes_is_refused_when_shared(office):
    """(``ppks check`` flags it when two clones made it: test_issue13_fixes.)"""
    case = papers_case(office)
    referral = letters.draft(office, case, "referral", date=D(2024, 7, 1))
    letters.issue(office, case, referral, worker="S")
    with pytest.raises(Refused) as refused:
        letters.draft(office, case, "termination", date=D(2024, 7, 1), number="460/1/Dinsos/2024")
    assert "462/1/Dinsos/2024" in refused.value.message()
    per_code = set_sequence(office, "per-code")
    clash = letters.draft(per_code, case, "termination", date=D(2024, 7, 1), number="460/1/Dinsos/2024")
    letters.issue(per_code, case, clash, worker="S")
    assert "nomor urut 1" not in Cli(per_code.root)("check").stdout


def test_two_letters_issued_at_once_never_share_a_number(office):
    """Real processes, started together: the repository is held while a number is taken."""
    case = papers_case(office)
    git("init", "-b", "main", cwd=office.root)
    git("add", "-A", cwd=office.root)
    git("commit", "-m", "start", cwd=office.root)
    from conftest import ppks_command

    procs = [
        subprocess.Popen(
            [*ppks_command(), "letter", case.id, kind, "--issue", "--date", day, "--json",
             "--worker", "S"],
            cwd=office.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        for kind, day in (("assessment", "2024-02-20"), ("referral", "2024-06-20"),
                          ("termination", "2024-06-30"))  # fmt: skip
    ]
    numbers = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        numbers.append(json.loads(out)["number"])
    serials = sorted(int(n.split("/")[1]) for n in numbers)
    assert serials == [1, 2, 3]


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["assessment", "referral", "termination"]),
                  st.sampled_from([D(2024, 7, 1), D(2024, 12, 31), D(2025, 1, 2)])),
        min_size=1, max_size=7,
    ),
    sequence=st.sampled_from(["shared", "per-code"]),
)  # fmt: skip
def test_numbers_never_repeat_and_serials_run_without_gaps(tmp_path_factory, steps, sequence):
    """Any run of letters issued: no number twice, and each sequence (per year, and per
    code when so set) counts 1, 2, 3 … with no gap."""
    root = tmp_path_factory.mktemp("seq") / "kasus"
    repo = Repository.create(root, "Dinas Sosial Kota Medan", "Saskia")
    repo.paths.config.write_text(repo.paths.config.read_text() + SIGNATORIES)
    repo = set_sequence(Repository.open(root), sequence)
    case = papers_case(repo)
    for kind, day in steps:
        letters.issue(repo, case, letters.draft(repo, case, kind, date=day, new=True), worker="S")
    issued = letters.issued_numbers(repo)
    assert len({i.number for i in issued}) == len(issued)
    groups: dict[tuple, list[int]] = {}
    for i in issued:
        key = (i.year, i.code) if sequence == "per-code" else (i.year,)
        groups.setdefault(key, []).append(i.seq)
    for serials in groups.values():
        assert sorted(serials) == list(range(1, len(serials) + 1))


def test_the_xlsx_agenda_is_the_same_bytes_whatever_the_second_it_is_saved_in(monkeypatch):
    """openpyxl stamps the time of saving into the file (the "modified" property, each
    zip entry's date): two saves a second apart differed."""
    import datetime as dt
    import time as real_time

    from openpyxl.writer import excel

    from ppks_cli import agenda

    book = agenda.Agenda([])
    first = agenda.to_xlsx(book)

    class Later(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=tz)

    monkeypatch.setattr(excel.datetime, "datetime", Later)
    monkeypatch.setattr(real_time, "localtime", lambda *a: real_time.gmtime(1_900_000_000))
    assert agenda.to_xlsx(book) == first

"""What a verification of issue 13 found in letters and the agenda book, each with the
kind of fault it belongs to: a number taken however it is written, a reissue that would
ignore an option, one document with two numbers after two clones merged, outputs named
as folders, warnings at issue time, and the layout of the further kinds."""

import datetime as dt
import io
import json
import subprocess

import pytest
from pypdf import PdfReader
from test_letters import SIGNATORIES, papers_case

from ppks_cli import letters
from ppks_cli.errors import InvalidInput, Refused
from ppks_cli.store import Repository

from conftest import Cli, built_once, git, run_ppks, snapshot

D = dt.date
REFERRAL = "462/1/Dinsos/2024"


@pytest.fixture
def office(repo, monkeypatch) -> Repository:
    """A repository whose letters can be made, with the paper's case MR."""
    monkeypatch.setenv("PPKS_WORKER", "Saskia")
    repo.paths.config.write_text(repo.paths.config.read_text() + SIGNATORIES)
    return Repository.open(repo.root)


def set_config(repo: Repository, old: str, new: str) -> Repository:
    text = repo.paths.config.read_text()
    assert old in text
    repo.paths.config.write_text(text.replace(old, new))
    return Repository.open(repo.root)


def issue_referral(office) -> str:
    case = papers_case(office)
    done = Cli(office.root)("letter", case.id, "referral", "--issue", "--date", "2024-06-20")
    assert done.exit_code == 0, done.output
    return case.id


# --- 1. a number is taken however it is written ------------------------------------------


TAKEN = [
    "462/01/Dinsos/2024", "462/001/Dinsos/2024",  # leading zeros
    "462/1/DINSOS/2024", "462/1/dinsos/2024",  # letter case
    "462/1/Dinsos-Resos/2024", "462/1/Dinsos-Resos/VI/2024", "462/1/2024",  # other words
    "462/1/Dinsos/24",  # a two-digit year
    "462/1", "462/01/Dinsos", "460/1",  # no year: the letter's
    "460/1/Dinsos/2024", "460/01/DINSOS/2024",  # the serial under another code (shared)
    REFERRAL,
]  # fmt: skip


def test_a_number_taken_in_another_spelling_is_refused_naming_the_letter(office):
    case_id = issue_referral(office)
    before = snapshot(office.root)
    cli = Cli(office.root)
    for number in TAKEN:
        result = cli("letter", case_id, "termination", "--issue", "--date", "2024-06-30",
                     "--number", number)  # fmt: skip
        assert result.exit_code == Refused.exit_code, (number, result.output)
        assert REFERRAL in result.stderr and case_id in result.stderr, number
        assert result.stderr.count("Galat:") == 1
    assert snapshot(office.root) == before


def test_a_number_of_another_year_than_the_letter_is_refused(office):
    case_id = issue_referral(office)
    before = snapshot(office.root)
    cli = Cli(office.root)
    for number in ("460/7/Dinsos/2023", "460/7/Dinsos/2025", "460/07/dinsos/2023",
                   "460/7/Dinsos/23"):
        result = cli("letter", case_id, "termination", "--issue", "--date", "2024-06-30",
                     "--number", number, lang="en")  # fmt: skip
        assert result.exit_code == InvalidInput.exit_code, result.output
        assert number in result.stderr and "2024-06-30" in result.stderr and "2024" in result.stderr
    assert snapshot(office.root) == before
    done = cli("letter", case_id, "termination", "--issue", "--date", "2024-06-30", "--number",
               "460/7/Dinsos/2024", "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    # the serial given moves the sequence on: the next number never takes it
    [record] = [r for r in letters.issued_numbers(office) if r.number == "460/7/Dinsos/2024"]
    assert record.seq == 7


def test_per_code_sequence_refuses_the_same_code_only(office):
    office = set_config(office, 'sequence = "shared"', 'sequence = "per-code"')
    case_id = issue_referral(office)
    cli = Cli(office.root)
    same = cli("letter", case_id, "termination", "--issue", "--date", "2024-06-30", "--number",
               "462/01/Dinsos/2024")  # fmt: skip
    assert same.exit_code == Refused.exit_code and REFERRAL in same.stderr
    other = cli("letter", case_id, "termination", "--issue", "--date", "2024-06-30", "--number",
                "460/1/Dinsos/2024")  # fmt: skip
    assert other.exit_code == 0, other.output


def test_a_number_of_a_renumbered_letter_stays_taken_in_any_spelling(office):
    case_id = issue_referral(office)
    cli = Cli(office.root)
    assert cli("letter", "renumber", REFERRAL, "--reason", "salah nomor").exit_code == 0
    again = cli("letter", case_id, "termination", "--issue", "--date", "2024-06-30", "--number",
                "462/01/Dinsos/2024")  # fmt: skip
    assert again.exit_code == Refused.exit_code and REFERRAL in again.stderr


@pytest.mark.parametrize(
    "pattern, number, key",
    [
        ("{code}/{seq}/Dinsos/{year}", "462/01/DINSOS/2024", ("462", 1, 2024)),
        ("{code}/{seq}/Dinsos/{year}", "462.2/1/Dinsos-Resos/VI/2024", ("462.2", 1, 2024)),
        ("{code}/{seq}/Dinsos-Resos/{month_roman}/{year}", "462.2/1/Dinsos/2024",
         ("462.2", 1, 2024)),
        ("{code}/{seq}/Dinsos-Resos/{month_roman}/{year}", "462.2/0003/dinsos-resos/vi/2024",
         ("462.2", 3, 2024)),
        ("B-{seq}/{code}/Dinsos/{year}", "b-07/460/DINSOS/2024", ("460", 7, 2024)),
        ("{code}/{seq}/Dinsos/{year}", "abc", None),
        ("{seq}", "0012", ("", 12, 2030)),
    ],
)  # fmt: skip
def test_number_key_reads_any_spelling_of_the_pattern(repo, pattern, number, key):
    repo = set_config(repo, 'number_pattern = "{code}/{seq}/Dinsos/{year}"',
                      f'number_pattern = "{pattern}"')  # fmt: skip
    found = letters.number_key(repo, number, 2030)
    assert (None if found is None else (found.code, found.seq, found.year)) == key


# --- 1. check: the same number written two ways, the serial under another code -------------


JUNE_30 = D(2024, 6, 30)


def write_letter(repo, case, number: str, kind: str = "termination", date=JUNE_30, **extra):
    """A letter record as a clone could have written it (no check of the number)."""
    made = letters.draft(repo, case, kind, date=date, preview=True, new=True)
    made.number, made.seq = number, letters.number_key(repo, number, date.year).seq
    made.code = letters.code_of(repo, number)
    for name, value in extra.items():
        setattr(made, name, value)
    made.data["letter"]["draft"] = False
    return letters.issue(repo, case, made, worker="Saskia")


def test_check_says_another_code_only_when_the_code_differs(office):
    case = papers_case(office)
    letters.issue(office, case, letters.draft(office, case, "referral", date=D(2024, 6, 20)),
                  worker="S")  # fmt: skip
    write_letter(office, case, "462/01/Dinsos/2024", kind="assessment", date=D(2024, 2, 20))
    checked = Cli(office.root)("check")
    assert checked.exit_code == 1  # one number twice is an error
    assert "dengan kode lain" not in checked.stdout
    assert "462/01/Dinsos/2024" in checked.stdout and "ditulis berbeda" in checked.stdout
    english = Cli(office.root)("check", lang="en")
    assert "another code" not in english.stdout and "written differently" in english.stdout
    # with a per-code sequence it is the same number too
    per_code = set_config(office, 'sequence = "shared"', 'sequence = "per-code"')
    checked = Cli(per_code.root)("check")
    assert checked.exit_code == 1 and "ditulis berbeda" in checked.stdout


def test_check_says_another_code_when_it_does(office):
    case = papers_case(office)
    letters.issue(office, case, letters.draft(office, case, "referral", date=D(2024, 6, 20)),
                  worker="S")  # fmt: skip
    write_letter(office, case, "460/1/Dinsos/2024")
    checked = Cli(office.root)("check")
    assert "dengan kode lain" in checked.stdout and "ditulis berbeda" not in checked.stdout
    assert "ppks letter renumber 460/1/Dinsos/2024" in checked.stdout
    per_code = set_config(office, 'sequence = "shared"', 'sequence = "per-code"')
    assert "nomor urut 1" not in Cli(per_code.root)("check").stdout


# --- 3. one document with two numbers after two clones merged -------------------------------


def clones(office, tmp_path, tmp_path_factory):
    """The office repository in git with the paper's case and its referral letter issued,
    and a clone of it: ``(case id, clone root)``. Made once per test process, then copied
    over the office fixture's repository (the same settings)."""
    assert office.root == tmp_path / "kasus"
    case_id = built_once("issue13-clones", _clones, tmp_path, tmp_path_factory)
    return case_id, tmp_path / "clone"


def _clones(folder):
    with pytest.MonkeyPatch.context() as patch:  # as the office fixture has it
        patch.setenv("PPKS_WORKER", "Saskia")
        repo = Repository.create(folder / "kasus", "Dinas Sosial Kota Medan")
        repo.paths.config.write_text(repo.paths.config.read_text() + SIGNATORIES)
        office = Repository.open(repo.root)
        case_id = issue_referral(office)
        git("init", "-b", "main", cwd=office.root)
        git("add", "-A", cwd=office.root)
        git("commit", "-m", "start", cwd=office.root)
        git("clone", str(office.root), str(folder / "clone"), cwd=folder)
    return case_id


def pull(office, other):
    pulled = subprocess.run(["git", "pull", "--no-rebase", "--no-edit", str(other), "main"],
                            cwd=office.root, capture_output=True, text=True)  # fmt: skip
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr


def ppks_in(root, *args):
    return run_ppks(*args, cwd=root, env={"PPKS_WORKER": "Saskia"})


def settle_and_check(office, case_id, numbers):
    """``ppks check`` names both numbers and the command that settles them; the command
    settles them: check is clean, the document keeps the first number."""
    checked = ppks_in(office.root, "check")
    assert checked.returncode == 1, checked.stdout
    first, second = numbers
    assert first in checked.stdout and second in checked.stdout
    fix = f"ppks letter renumber {second} --case {case_id} --number {first}"
    assert fix in checked.stdout
    english = ppks_in(office.root, "--lang", "en", "check")
    assert "one document has one number" in english.stdout and fix in english.stdout
    settled = ppks_in(office.root, *fix.split()[1:], "--json")
    assert settled.returncode == 0, settled.stderr
    assert json.loads(settled.stdout)["number"] == first
    assert ppks_in(office.root, "check").returncode == 0
    book = json.loads(ppks_in(office.root, "letters", "--json").stdout)
    standing = [e["number"] for e in book if e["kind"] == "referral" and not e["replaced_by"]]
    assert standing == [first]
    assert [e["replaced_by"] for e in book if e["number"] == second] == [first]
    # the document has one number: issuing it again names it, reissuing it prints it
    refused = ppks_in(office.root, "letter", case_id, "referral", "--issue")
    assert refused.returncode == Refused.exit_code and first in refused.stderr
    assert ppks_in(office.root, "letter", case_id, "--reissue", first).returncode == 0
    replaced = ppks_in(office.root, "letter", case_id, "--reissue", second)
    assert replaced.returncode == Refused.exit_code and first in replaced.stderr


def test_one_letter_renumbered_in_two_clones(office, tmp_path, tmp_path_factory):
    case_id, other = clones(office, tmp_path, tmp_path_factory)
    here = ppks_in(office.root, "letter", "renumber", REFERRAL, "--reason", "nomor buku agenda",
                   "--json")  # fmt: skip
    assert here.returncode == 0, here.stderr
    # the clone issued another letter first: its renumbering takes another number
    assert ppks_in(other, "letter", case_id, "termination", "--issue", "--date", "2024-06-30"
                   ).returncode == 0  # fmt: skip
    there = ppks_in(other, "letter", "renumber", REFERRAL, "--reason", "salah cetak", "--json")
    assert there.returncode == 0, there.stderr
    numbers = json.loads(here.stdout)["number"], json.loads(there.stdout)["number"]
    assert numbers[0] != numbers[1]
    pull(office, other)
    settle_and_check(office, case_id, numbers)


def test_one_letter_renumbered_to_the_same_number_in_two_clones_is_one_number(office, tmp_path, tmp_path_factory):
    case_id, other = clones(office, tmp_path, tmp_path_factory)
    for root in (office.root, other):
        done = ppks_in(root, "letter", "renumber", REFERRAL, "--reason", "salah", "--json")
        assert json.loads(done.stdout)["number"] == "462/2/Dinsos/2024"
    pull(office, other)
    assert ppks_in(office.root, "check").returncode == 0, ppks_in(office.root, "check").stdout
    book = json.loads(ppks_in(office.root, "letters", "--json").stdout)
    assert [e["number"] for e in book if not e["replaced_by"]] == ["462/2/Dinsos/2024"]


def test_one_document_issued_in_two_clones_without_new(office, tmp_path):
    case = papers_case(office)
    git("init", "-b", "main", cwd=office.root)
    git("add", "-A", cwd=office.root)
    git("commit", "-m", "start", cwd=office.root)
    other = tmp_path / "clone"
    git("clone", str(office.root), str(other), cwd=tmp_path)
    here = ppks_in(office.root, "letter", case.id, "referral", "--issue", "--date", "2024-06-20",
                   "--json")  # fmt: skip
    assert ppks_in(other, "letter", case.id, "assessment", "--issue", "--date", "2024-02-20"
                   ).returncode == 0  # fmt: skip
    there = ppks_in(other, "letter", case.id, "referral", "--issue", "--date", "2024-06-20",
                    "--json")  # fmt: skip
    numbers = json.loads(here.stdout)["number"], json.loads(there.stdout)["number"]
    assert numbers == (REFERRAL, "462/2/Dinsos/2024")
    pull(office, other)
    settle_and_check(office, case.id, numbers)


def test_a_new_letter_issued_on_purpose_is_no_clash(office, tmp_path, tmp_path_factory):
    case_id, other = clones(office, tmp_path, tmp_path_factory)
    for root in (office.root, other):  # each clone means a new letter about the referral
        done = ppks_in(root, "letter", case_id, "referral", "--issue", "--new", "--date",
                       "2024-06-21")  # fmt: skip
        assert done.returncode == 0, done.stderr
    pull(office, other)
    checked = ppks_in(office.root, "check")
    assert "dua klon" not in checked.stdout  # (the two new letters share a number: that is flagged)
    assert "ppks letter renumber 462/2/Dinsos/2024" in checked.stdout


# --- 2. a reissue is the letter as issued: every option it would ignore is refused ---------


IGNORED_BY_REISSUE = [
    (["--date", "2024-06-21"], "--date"), (["--referral", "X"], "--referral"),
    (["--cc", "Arsip"], "--cc"), (["--to", "Dinas Sosial Kabupaten Deli Serdang"], "--to"),
    (["--edit"], "--edit"), (["--draft"], "--draft"), (["--worker", "Saskia"], "--worker"),
    (["--new"], "--new"), (["--number", "462/9/Dinsos/2024"], "--number"),
    (["--issue"], "--issue"), (["--case", "x"], "--case"), (["--reason", "x"], "--reason"),
]  # fmt: skip


def test_a_reissue_refuses_every_option_it_would_ignore(office):
    case_id = issue_referral(office)
    before = snapshot(office.root)
    for args, option in IGNORED_BY_REISSUE:
        for lang in ("id", "en"):
            result = Cli(office.root)("letter", case_id, "--reissue", REFERRAL, *args, lang=lang)
            assert result.exit_code == InvalidInput.exit_code, (args, result.output)
            assert option in result.stderr and result.stdout == "", args
    assert snapshot(office.root) == before


def test_a_reissue_of_a_number_of_another_kind_or_case_names_what_it_is(office):
    case_id = issue_referral(office)
    other = papers_case(office, name="AB")
    cli = Cli(office.root)
    kind = cli("letter", case_id, "termination", "--reissue", REFERRAL)
    assert kind.exit_code == Refused.exit_code and kind.stdout == ""
    assert "Surat Rujukan" in kind.stderr and case_id in kind.stderr
    english = cli("letter", case_id, "termination", "--reissue", REFERRAL, lang="en")
    assert "referral letter" in english.stderr.lower() or "Referral" in english.stderr
    elsewhere = cli("letter", other.id, "--reissue", REFERRAL)
    assert elsewhere.exit_code == Refused.exit_code and elsewhere.stdout == ""
    assert case_id in elsewhere.stderr and f"ppks letter {case_id} --reissue {REFERRAL}" in elsewhere.stderr
    # the right kind, and any spelling of the number, print it
    same = cli("letter", case_id, "referral", "--reissue", "462/01/dinsos/2024")
    assert same.exit_code == 0 and REFERRAL in same.stdout
    assert cli("letter", "--reissue", "462/001/DINSOS/2024").exit_code == 0


def test_an_empty_reissue_number_is_named(office):
    case_id = issue_referral(office)
    for args in ((case_id, "--reissue", ""), ("--reissue", " ")):
        result = Cli(office.root)("letter", *args, lang="en")
        assert result.exit_code == InvalidInput.exit_code
        assert "--reissue" in result.stderr and "KIND" not in result.stderr


# --- 5. a placeholder signatory warns when the letter is issued ----------------------------


def sample_signatories(repo) -> str:
    """ppks.toml with the sample's signatories uncommented (placeholders); its text."""
    text = repo.paths.config.read_text()
    block = text[text.index("# [signatories.head]"):text.index("\n\n", text.index("# [signatories.head]"))]
    lines = [line[2:] if line.startswith("# ") else line for line in block.splitlines()]
    text = text.replace(block, "\n".join(lines))
    repo.paths.config.write_text(text)
    return text


@pytest.mark.parametrize("lang, words", [("id", "Peringatan"), ("en", "Warning")])
def test_issuing_with_a_placeholder_signatory_warns_naming_the_line(repo, monkeypatch, lang, words):
    monkeypatch.setenv("PPKS_WORKER", "Saskia")
    text = sample_signatories(repo)
    case = papers_case(Repository.open(repo.root))
    cli = Cli(repo.root)
    draft = cli("letter", case.id, "assessment", lang=lang)
    assert draft.exit_code == 0 and "000000000000000000" not in draft.stderr
    issued = cli("letter", case.id, "assessment", "--issue", "--date", "2024-02-20", "--json",
                 lang=lang)  # fmt: skip
    assert issued.exit_code == 0, issued.output  # a warning, never an error
    assert json.loads(issued.stdout)["number"] == "460/1/Dinsos/2024"
    [warning] = [line for line in issued.stderr.splitlines() if line.startswith(words)]
    lines = text.splitlines()
    # the assessment report is signed by the worker and the division head: their lines
    name = next(i for i, line in enumerate(lines) if line.startswith("[signatories.division_head]"))
    for offset, value in ((2, "Nama Kepala Bidang"), (4, "000000000000000000")):
        assert lines[name + offset].endswith(f'"{value}"')
        assert f"[signatories.division_head] {lines[name + offset].split()[0]}" in warning
        assert f" {name + offset + 1})" in warning and value in warning
    assert "Nama Kepala Dinas" not in warning  # the head does not sign this letter
    assert "ppks.toml" in warning and "--issue --new" in warning
    assert json.loads(issued.stdout)["warnings"] == [warning.split(": ", 1)[1]]


def test_real_signatories_give_no_placeholder_warning(office):
    case = papers_case(office)
    issued = Cli(office.root)("letter", case.id, "assessment", "--issue", "--date", "2024-02-20")
    assert issued.exit_code == 0 and "ppks.toml" not in issued.stderr


# --- 6. outputs: an existing agenda file, a name ending in a slash -------------------------


def test_the_agenda_export_keeps_an_existing_file_unless_force(office, tmp_path):
    issue_referral(office)
    cli = Cli(office.root)
    for fmt in ("csv", "xlsx"):
        target = tmp_path / f"agenda.{fmt}"
        target.write_bytes(b"buku agenda kertas")
        refused = cli("letters", "--format", fmt, "-o", str(target))
        assert refused.exit_code == Refused.exit_code, refused.output
        assert "--force" in refused.stderr and str(target) in refused.stderr
        assert target.read_bytes() == b"buku agenda kertas"
        done = cli("letters", "--format", fmt, "-o", str(target), "--force")
        assert done.exit_code == 0, done.output
        assert target.read_bytes() != b"buku agenda kertas"


SLASHED = [
    ["letters", "--format", "csv", "-o", "{dir}/"],
    ["letters", "--format", "xlsx", "-o", "{dir}/", "--force"],
    ["letter", "{case}", "referral", "-o", "{dir}/"],
    ["letter", "{case}", "referral", "--format", "pdf", "-o", "{dir}/"],
    ["letter", "{case}", "referral", "--issue", "--new", "-o", "{dir}/"],
    ["letter", "{case}", "--reissue", REFERRAL, "-o", "{dir}/"],
    ["letter", "renumber", REFERRAL, "--reason", "x", "-o", "{dir}/"],
    ["report", "--year", "2024", "-o", "{dir}/"],
    ["report", "--year", "2024", "--format", "csv", "-o", "{dir}/"],
    ["export", "cases", "--format", "csv", "-o", "{dir}/"],
    ["export", "letters", "--format", "xlsx", "-o", "{dir}/", "--force"],
]


def test_an_output_name_ending_in_a_slash_is_a_folder(office, tmp_path):
    case_id = issue_referral(office)
    before = snapshot(office.root)
    for exists in (False, True):
        folder = tmp_path / f"keluar-{exists}"
        if exists:
            folder.mkdir()
        for args in SLASHED:
            args = [a.replace("{dir}", str(folder)).replace("{case}", case_id) for a in args]
            for lang in ("id", "en"):
                result = Cli(office.root)(*args, lang=lang)
                assert result.exit_code == InvalidInput.exit_code, (args, result.output)
                assert f"{folder}/" in result.stderr and "folder" in result.stderr, args
                assert result.stderr.count("\n") == 1, args
        assert folder.is_dir() == exists and (not exists or not any(folder.iterdir()))
    assert snapshot(office.root) == before


def test_agenda_export_errors_speak_of_the_agenda_file(office, tmp_path):
    issue_referral(office)
    missing = tmp_path / "tidak-ada" / "agenda.csv"
    for lang, words in (("id", "Buku agenda"), ("en", "agenda book")):
        result = Cli(office.root)("letters", "--format", "csv", "-o", str(missing), lang=lang)
        assert result.exit_code == InvalidInput.exit_code
        assert words in result.stderr and str(missing) in result.stderr
        assert "nomor" not in result.stderr.lower() and "number" not in result.stderr.lower()
        assert "Surat tidak" not in result.stderr and "letter" not in result.stderr.lower()


# --- 4. layout of the further kinds --------------------------------------------------------


def kinds_office(repo, monkeypatch):
    from test_letter_kinds import _office

    return _office(repo, monkeypatch)


def page_lines(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    return [line.strip() for page in reader.pages for line in page.extract_text().splitlines()]


def test_statement_keeps_nip_with_its_digits_and_labels_apart_from_their_colons(repo, monkeypatch):
    from test_letter_kinds import child_sent_home

    office = kinds_office(repo, monkeypatch)
    case = child_sent_home(office)
    made = letters.draft(office, case, "statement", date=D(2025, 3, 14), fmt="pdf")
    lines = page_lines(letters.to_pdf(office, made))
    # three signature blocks side by side: each NIP on one line with its digits
    signed = [line for line in lines if "NIP." in line]
    assert signed == ["NIP. 199001012020122001 NIP. 197502022005012002"], lines
    assert not any(line.endswith("NIP.") for line in lines)
    # the longest label does not run into its colon
    assert any(line.startswith("Hubungan dengan klien :") for line in lines), lines
    assert not any("klien:" in line for line in lines)


@pytest.mark.parametrize("kind", ["social-report", "statement", "return-home"])
def test_the_further_kinds_for_a_child_sent_home_fit_one_page(repo, monkeypatch, kind):
    from test_letter_kinds import child_sent_home

    office = kinds_office(repo, monkeypatch)
    case = child_sent_home(office)
    made = letters.draft(office, case, kind, date=D(2025, 3, 14), fmt="pdf",
                         to="Deli Serdang" if kind == "return-home" else None)  # fmt: skip
    data = letters.to_pdf(office, made)
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    assert not any(line.startswith("Halaman") for line in page_lines(data))  # no page numbers


# --- 8. smaller ones ---------------------------------------------------------------------------


def test_the_refusal_to_issue_again_names_the_latest_standing_number(office):
    case_id = issue_referral(office)  # 462/1, dated 20 June
    cli = Cli(office.root)
    for day in ("2024-06-28", "2024-06-21"):  # 462/2, then 462/3 dated before it
        assert cli("letter", case_id, "referral", "--issue", "--new", "--date", day).exit_code == 0
    # the first letter renumbered: 462/4, keeping its date (the earliest)
    assert cli("letter", "renumber", REFERRAL, "--reason", "x").exit_code == 0
    refused = cli("letter", case_id, "referral", "--issue")
    assert refused.exit_code == Refused.exit_code
    named = refused.stderr.split("ppks letter")[0]
    assert "462/4/Dinsos/2024" in named and "462/3/Dinsos/2024" not in named
    assert "462/2/Dinsos/2024" not in named
    shown = cli("letter", case_id, "referral", "--json")
    assert json.loads(shown.stdout)["earlier"] == [
        "462/2/Dinsos/2024", "462/3/Dinsos/2024", "462/4/Dinsos/2024"]


@pytest.mark.parametrize("cc", ["arsip", "ARSIP", " Arsip ", "arsip  "])
def test_a_copy_already_in_the_tembusan_is_not_listed_twice(repo, monkeypatch, cc):
    office = kinds_office(repo, monkeypatch)
    case = papers_case(office)
    made = letters.draft(office, case, "referral", date=D(2024, 6, 20), preview=True,
                         cc=[cc, "Camat Medan Sunggal", "camat medan  sunggal"])  # fmt: skip
    assert made.data["letter"]["tembusan"] == [
        "Kepala Dinas Sosial Provinsi Sumatera Utara", "Arsip", "Camat Medan Sunggal",
    ]  # fmt: skip


def test_lists_in_letter_text_are_lists(repo, monkeypatch):
    """Problems written as sentences, or numbered by hand, never read "…; 1. …" or "..":
    one item is a sentence, several a numbered list, in Markdown and in the PDF."""
    from ppks_cli import casework
    from ppks_cli.intake import create_case, prepare

    from conftest import MR

    office = kinds_office(repo, monkeypatch)
    case = create_case(office, prepare(MR))
    w = {"worker": "Saskia"}
    casework.assess(office, case, problems=["Mengemis di lampu merah.", "1. Tidak punya KTP"],
                    needs=["Tempat tinggal sementara."], date=D(2024, 2, 20), **w)  # fmt: skip
    casework.refer(office, case, destination="UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai",
                   reason="Perlu tempat tinggal.", consent=True, date=D(2024, 2, 21), **w)  # fmt: skip
    casework.terminate(office, office.find_case(case.id), reason="returned-home", outcome="Pulang.",
                       date=D(2024, 2, 23), **w)  # fmt: skip
    case = office.find_case(case.id)
    for kind in ("referral", "social-report", "return-home"):
        made = letters.draft(office, case, kind, date=D(2024, 2, 23), preview=True, fmt="pdf",
                             to="Deli Serdang" if kind == "return-home" else None)  # fmt: skip
        md = made.markdown
        assert ".;" not in md and ".." not in md and "; 1" not in md, kind
        assert "\n1. Mengemis di lampu merah.\n2. 1\\. Tidak punya KTP\n" in md, kind
        text = " ".join(page_lines(letters.to_pdf(office, made)))
        assert ".;" not in text and ".." not in text.replace("...", ""), kind
        assert "1. Mengemis di lampu merah." in text and "2. 1. Tidak punya KTP" in text, kind
    assert "dengan alasan: Perlu tempat tinggal.\n" in letters.draft(
        office, case, "referral", date=D(2024, 2, 23), preview=True).markdown  # one full stop
    made = letters.draft(office, case, "social-report", date=D(2024, 2, 23), preview=True)
    assert "Kebutuhan: Tempat tinggal sementara.\n" in made.markdown


@pytest.mark.parametrize("value", ["=HYPERLINK(\"x\")", "+62 812", "-1", "@SUM(A1)"])
def test_xlsx_agenda_cells_that_look_like_formulas_are_text_without_an_apostrophe(value):
    from openpyxl import load_workbook

    from ppks_cli import agenda
    from ppks_cli.letters import IssuedNumber

    one = IssuedNumber(REFERRAL, 2024, 1, "f", "2024-AAAAA", kind="referral", worker="Saskia",
                       reason=value, date=D(2024, 6, 20))  # fmt: skip
    sheet = load_workbook(io.BytesIO(agenda.to_xlsx(agenda.Agenda([one])))).active
    cell = sheet.cell(row=2, column=agenda.COLUMNS.index("reason") + 1)
    assert cell.value == value and cell.data_type == "s" and cell.quotePrefix
    plain = sheet.cell(row=2, column=agenda.COLUMNS.index("worker") + 1)
    assert plain.value == "Saskia" and not plain.quotePrefix


@pytest.mark.parametrize("width", [80, 60, 120])
def test_the_agenda_on_screen_shows_every_value_whole_at_any_width(office, width):
    """Long numbers from the pattern, a renumbered letter, a long kind name: nothing cut."""
    office = set_config(office, 'number_pattern = "{code}/{seq}/Dinsos/{year}"',
                        'number_pattern = "{code}/{seq}/Dinsos-Resos/{month_roman}/{year}"')  # fmt: skip
    case_id = issue_referral(office)
    cli = Cli(office.root)
    assert cli("letter", case_id, "termination", "--issue", "--date", "2024-06-30").exit_code == 0
    assert cli("letter", "renumber", "462/1/Dinsos-Resos/VI/2024", "--reason", "x").exit_code == 0
    shown = run_ppks("letters", cwd=office.root, env={"COLUMNS": str(width)})
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert all(len(line.rstrip()) <= width for line in lines)
    assert "…" not in shown.stdout
    book = json.loads(run_ppks("letters", "--json", cwd=office.root).stdout)
    # each column read down its lines: a folded value joins up again
    header = lines[0]
    starts = [header.index(word) for word in header.split()]
    columns = ["".join(line[a:b].strip() for line in lines[1:])
               for a, b in zip(starts, [*starts[1:], None], strict=True)]  # fmt: skip
    for entry in book:
        for index, key in enumerate(("number", "date", "kind", "case", "worker", "about")):
            assert entry[key].replace(" ", "") in columns[index].replace(" ", ""), (key, entry[key])
    if width >= 80:  # room enough: each number, case and record ID on one line
        for entry in book:
            assert any(entry["number"] in line and entry["about"] in line for line in lines)


def test_a_draft_says_draft_on_every_page_and_an_issued_letter_does_not(office, tmp_path):
    case = papers_case(office)
    cli = Cli(office.root)
    draft = tmp_path / "draf.pdf"
    assert cli("letter", case.id, "assessment", "-f", "pdf", "-o", str(draft)).exit_code == 0
    reader = PdfReader(io.BytesIO(draft.read_bytes()))
    for page in reader.pages:
        text = page.extract_text()
        assert "DRAF — belum bernomor, jangan ditandatangani" in text and "--issue" in text
    shown = cli("letter", case.id, "assessment")
    assert shown.stdout.startswith("> **DRAF — belum bernomor, jangan ditandatangani")
    issued = tmp_path / "terbit.pdf"
    assert cli("letter", case.id, "assessment", "--issue", "--date", "2024-02-20", "-f", "pdf",
               "-o", str(issued)).exit_code == 0  # fmt: skip
    assert "DRAF" not in " ".join(p.extract_text() for p in PdfReader(issued).pages)
    again = cli("letter", case.id, "--reissue", "460/1/Dinsos/2024")
    assert "DRAF" not in again.stdout


@pytest.mark.parametrize("lang, words", [("id", "Tanggal surat"), ("en", "The letter's date")])
def test_the_date_option_of_letter_is_the_letters_date(lang, words):
    from conftest import run_ppks as run

    lines = run("--lang", lang, "letter", "--help").stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("--date"))
    end = next(i for i in range(at + 1, len(lines)) if lines[i].strip().startswith("-"))
    line = " ".join(part.strip() for part in lines[at:end])
    assert words in line and ("hari ini" in line or "today" in line)
    assert "pekerjaan dilakukan" not in line and "work was done" not in line


# --- 7. README examples name cases of the sample -------------------------------------------


def test_every_case_the_readme_names_is_in_the_sample():
    import re

    from conftest import PROJECT, SAMPLE

    text = (PROJECT / "README.md").read_text()
    ids = sorted(p.name for p in (SAMPLE / "cases").iterdir() if p.is_dir())
    named = {
        m for m in re.findall(r"\b20\d\d-[0-9A-Z]{2,5}\b", text)
        if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2]|Q[1-4])", m)  # a month, a quarter
    }  # fmt: skip
    assert named
    for ref in named:
        assert [i for i in ids if i.startswith(ref)], ref


def test_the_readmes_letters_for_a_child_sent_home_work_on_the_sample(tmp_path):
    import re
    import shutil

    from conftest import PROJECT, SAMPLE

    root = tmp_path / "kasus"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".ppks-cache"))
    text = (PROJECT / "README.md").read_text()
    examples = re.findall(r"^ppks letter (\S+ (?:statement|return-home)[^#\n]*?)\s*#", text, re.M)
    assert len(examples) == 2, examples
    for n, example in enumerate(examples):
        import shlex

        out = tmp_path / f"{n}.pdf"
        done = run_ppks("--root", str(root), "letter", *shlex.split(example), "-o", str(out))
        assert done.returncode == 0, done.stderr
        assert len(PdfReader(out).pages) == 1, example
    assert run_ppks("--root", str(root), "check").returncode == 0


def test_one_document_issued_in_two_clones_with_the_same_number(office, tmp_path):
    case = papers_case(office)
    git("init", "-b", "main", cwd=office.root)
    git("add", "-A", cwd=office.root)
    git("commit", "-m", "start", cwd=office.root)
    other = tmp_path / "clone"
    git("clone", str(office.root), str(other), cwd=tmp_path)
    for root, day in ((office.root, "2024-06-20"), (other, "2024-06-21")):
        done = ppks_in(root, "letter", case.id, "referral", "--issue", "--date", day, "--json")
        assert json.loads(done.stdout)["number"] == REFERRAL
    pull(office, other)
    checked = ppks_in(office.root, "check")
    assert checked.returncode == 1
    fix = f"ppks letter renumber {REFERRAL} --case {case.id} --number {REFERRAL}"
    assert fix in checked.stdout
    settled = ppks_in(office.root, *fix.split()[1:])
    assert settled.returncode == 0, settled.stderr
    assert ppks_in(office.root, "check").returncode == 0
    book = json.loads(ppks_in(office.root, "letters", "--json").stdout)
    assert [e["number"] for e in book if not e["replaced_by"]] == [REFERRAL]
    # the letter recorded first stands: a reissue prints it, dated 20 June
    again = ppks_in(office.root, "letter", case.id, "--reissue", REFERRAL)
    assert "20 Juni 2024" in again.stdout and "21 Juni 2024" not in again.stdout


def test_renumber_finds_the_letter_by_any_spelling_of_its_number(office):
    issue_referral(office)
    done = Cli(office.root)("letter", "renumber", "462/01/dinsos/2024", "--reason", "x", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["renumbered"] == REFERRAL

"""Finds of the issue 13 verification (a clerk numbering, filing and printing letters):
each test fails on the code as it was found."""


import io

import pytest
from pypdf import PdfReader
from test_letter_kinds import _office
from test_letters import papers_case
from test_numbering import REFERRAL_DAY, issue_three, letter_records
from test_numbering import office as office  # noqa: F401  (the fixture)

from conftest import Cli, run_ppks


def issued_referral(office) -> tuple[Cli, object]:
    case = papers_case(office)
    cli = Cli(office.root)
    done = cli("letter", case.id, "referral", "--issue", *REFERRAL_DAY)
    assert done.exit_code == 0, done.output
    assert letter_records(office, case.id)[-1].number == "462/1/Dinsos/2024"
    return cli, case


# --- files the clerk did not ask to lose -------------------------------------------------------


@pytest.mark.parametrize("target", ["ppks.toml", "case.toml"])
def test_the_agenda_export_never_overwrites_a_file_of_the_repository(office, target):
    # `ppks letters --format csv -o ppks.toml` (or a case's case.toml) replaced the file
    # with the CSV: the repository's settings, or a client's case, gone.
    case = issue_three(office)
    path = (
        office.root / "ppks.toml"
        if target == "ppks.toml"
        else office.root / "cases" / case.id / "case.toml"
    )
    before = path.read_bytes()
    result = Cli(office.root)("letters", "--format", "csv", "-o", str(path))
    assert result.exit_code != 0, result.output
    assert path.read_bytes() == before


def test_a_letter_pdf_never_overwrites_a_case_file(office):
    # `ppks letter CASE referral -f pdf -o cases/OTHER/case.toml` wrote the PDF over a case
    cli, case = issued_referral(office)
    other = papers_case(office, name="AB")
    path = office.root / "cases" / other.id / "case.toml"
    before = path.read_bytes()
    result = cli("letter", case.id, "referral", "-f", "pdf", "-o", str(path))
    assert result.exit_code != 0, result.output
    assert path.read_bytes() == before


def test_the_agenda_export_to_dash_writes_no_file_named_dash(office):
    # `-o -` (stdout, as most tools read it) left a file named "-" in the repository: an
    # untracked file holding case data
    issue_three(office)
    result = run_ppks("letters", "--format", "csv", "-o", "-", cwd=office.root)
    assert not (office.root / "-").exists(), result.stdout + result.stderr


def test_an_empty_number_is_refused_not_ignored(office):
    # `--number " "` is refused as empty, but `--number ""` (an unset variable in a script)
    # was ignored and the next serial taken
    case = papers_case(office)
    result = Cli(office.root)(
        "letter", case.id, "referral", "--issue", "--number", "", *REFERRAL_DAY
    )
    assert result.exit_code != 0, result.output
    assert letter_records(office, case.id) == []


def test_the_referral_letter_carries_the_workers_nip_when_set(repo, monkeypatch, tmp_path):
    # issue 13, "What it must show": the referral letter's PDF text holds the worker's NIP
    # when [workers."Saskia"] sets it. The referral names the worker (and phone) in the
    # body but not the NIP; the kinds' test checks the NIP in the assessment report instead.
    office = _office(repo, monkeypatch)
    case = papers_case(office)
    out = tmp_path / "rujukan.pdf"
    done = Cli(office.root)("letter", case.id, "referral", "-f", "pdf", "-o", str(out))
    assert done.exit_code == 0, done.output
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert "199001012020122001" in " ".join(text.split())


@pytest.mark.parametrize(
    "args",
    [["export", "cases", "--format", "csv", "--force", "-o"], ["report", "--year", "2024",
                                                                "--format", "csv", "-o"]],
)
def test_no_export_nor_report_is_written_over_the_repositorys_data(office, args):
    # the same kind of fault as the agenda's: an export with --force, or a report, wrote
    # over ppks.toml or a client's case.toml
    case = issue_three(office)
    for path in (office.root / "ppks.toml", office.root / "cases" / case.id / "case.toml"):
        before = path.read_bytes()
        result = Cli(office.root)(*args, str(path))
        assert result.exit_code != 0, result.output
        assert path.read_bytes() == before

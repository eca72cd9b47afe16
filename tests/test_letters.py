"""Official letters: content, escaping, numbers, provenance, templates, PDF."""

import datetime as dt
import io
import json
import os
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from ppks_cli import casework, letters
from ppks_cli.commands import _common
from ppks_cli.errors import InvalidInput, NotFound, Refused
from ppks_cli.intake import NewCase, create_case, prepare
from ppks_cli.records import Goal
from ppks_cli.store import Repository
from ppks_cli.templating import escape_markdown

from conftest import MR, Cli, run_ppks, snapshot

HOSTILE = '#read("/etc/passwd") {{ 7*7 }} *tebal* $x$ <b> @ref \\ [x]'
GOLDEN = Path(__file__).parent / "golden"
W = {"worker": "Saskia"}
D = dt.date

SIGNATORIES = """
[signatories.head]
title = "Kepala Dinas Sosial Kota Medan"
name = "Drs. Kepala Fiktif"
rank = "Pembina Utama Muda (IV/c)"
nip = "197001012000031001"

[signatories.delegate]
title = "Kepala Bidang Rehabilitasi Sosial"
name = "Kabid Fiktif, S.Sos."
rank = "Pembina (IV/a)"
nip = "197502022005012002"

[signatories.division_head]
title = "Kepala Bidang Rehabilitasi Sosial"
name = "Kabid Fiktif, S.Sos."
rank = "Pembina (IV/a)"
nip = "197502022005012002"

[[resources]]
name = "UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai"
address = "Jl. Panti Karya, Kel. Cengkeh Turi, Kec. Binjai Utara"
"""


@pytest.fixture
def office(repo, monkeypatch) -> Repository:
    monkeypatch.setenv("PPKS_WORKER", "Saskia")
    text = repo.paths.config.read_text().replace(
        'name = "Dinas Sosial Kota Medan"',
        'name = "Dinas Sosial Kota Medan"\naddress = "Jl. Pinang Baris No. 114, Lalang, Kec. Medan Sunggal"',
    )
    repo.paths.config.write_text(text + SIGNATORIES)
    return Repository.open(repo.root)


def papers_case(repo, name="MR"):
    """The paper's case MR, through termination (the casework contract)."""
    case = create_case(repo, prepare(NewCase(**{**MR.__dict__, "name": name})), allow_duplicates=True)
    casework.assess(
        repo, case, problems=["Konflik dengan keluarga", "Tidak memiliki tempat tinggal"],
        needs=["Tempat tinggal sementara"], strengths=["Sehat jasmani"],
        information_sources=["Wawancara klien"],
        context="MR terpaksa hidup di jalan karena konflik dengan keluarganya.", date=D(2024, 2, 20), **W,
    )  # fmt: skip
    casework.plan(repo, case, goals=[Goal(what="MR kembali tinggal bersama keluarganya",
                  target_date=D(2024, 4, 30))], strategies=["Mediasi keluarga"], date=D(2024, 2, 23), **W)  # fmt: skip
    casework.intervene(repo, case, activity="individual-counseling",
                       description="Konseling individu tentang hubungan dengan keluarga", date=D(2024, 3, 1), **W)  # fmt: skip
    casework.refer(repo, case, destination="UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai",
                   reason="Keluarga tidak dapat dihubungi", consent=True, date=D(2024, 6, 20), **W)  # fmt: skip
    casework.evaluate(repo, case, progress="Klien lebih menerima proses penanganan", decision="terminate",
                      date=D(2024, 6, 25), **W)  # fmt: skip
    casework.terminate(repo, case, reason="referred", outcome="Keluarga tidak dapat dihubungi; klien ditempatkan di UPT.",
                       placement="UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai", date=D(2024, 6, 30), **W)  # fmt: skip
    return case


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


# --- the contract -------------------------------------------------------------------------


def test_three_letters_for_the_papers_case(office, tmp_path):
    case = papers_case(office)
    cli = Cli(office.root)
    md = cli("letter", case.id, "assessment", "--issue", "--date", "2024-02-20")
    assert md.exit_code == 0, md.output
    assert (
        "MR" in md.stdout and "460/1/Dinsos/2024" in md.stdout and "20 Februari 2024" in md.stdout
    )
    assert "Konflik dengan keluarga" in md.stdout

    rujukan = tmp_path / "rujukan.pdf"
    result = cli("letter", case.id, "referral", "--issue", "--date", "2024-06-20",
                 "--format", "pdf", "-o", str(rujukan))  # fmt: skip
    assert result.exit_code == 0, result.output
    text = pdf_text(rujukan.read_bytes())
    for words in ("MR", "462/2/Dinsos/2024", "UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai",
                  "20 Juni 2024", "Nomor", "Sifat", "Lampiran", "Hal", "Yth.", "a.n. Kepala Dinas Sosial Kota Medan",
                  "NIP. 197502022005012002", "Pembina (IV/a)", "PEMERINTAH KOTA MEDAN"):  # fmt: skip
        assert words in text, words

    terminasi = tmp_path / "terminasi.pdf"
    assert (
        cli("letter", case.id, "termination", "--issue", "--date", "2024-06-30", "--format", "pdf",
            "-o", str(terminasi)).exit_code
        == 0
    )
    text = pdf_text(terminasi.read_bytes())
    assert (
        "Pada hari ini Minggu tanggal tiga puluh bulan Juni tahun dua ribu dua puluh empat" in text
    )
    for words in ("MR", "460/3/Dinsos/2024", "30 Juni 2024", "UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai",
                  "Mengetahui", "Pihak Penerima", "Demikian Berita Acara ini dibuat"):  # fmt: skip
        assert words in text, words
    assert len(PdfReader(io.BytesIO(terminasi.read_bytes())).pages) == 1

    issued = [r for r in office.find_case(case.id).records if r.kind == "letter"]
    assert [(r.letter, r.number, r.seq) for r in issued] == [
        ("assessment", "460/1/Dinsos/2024", 1), ("referral", "462/2/Dinsos/2024", 2),
        ("termination", "460/3/Dinsos/2024", 3),
    ]  # fmt: skip
    assert Cli(office.root)("check").exit_code == 0


def test_contract_from_the_installed_program(office, tmp_path):
    case = papers_case(office)
    out = tmp_path / "rujukan.pdf"
    result = run_ppks("letter", case.id, "referral", "--issue", "--format", "pdf", "-o", str(out), cwd=office.root,
                      env={"PPKS_WORKER": "Saskia"})  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF-")
    assert "UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai" in pdf_text(out.read_bytes())


def normalize(text: str) -> str:
    return text.replace("\u00a0", " ")


RECORD_DATES = {"assessment": D(2024, 2, 20), "referral": D(2024, 6, 20), "termination": D(2024, 6, 30)}


@pytest.mark.parametrize("kind", ["assessment", "referral", "termination"])
def test_markdown_matches_the_golden_file(office, kind):
    case = papers_case(office)
    made = letters.draft(office, case, kind, date=RECORD_DATES[kind])
    golden = GOLDEN / f"{kind}.md"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(made.markdown)
    assert made.markdown == golden.read_text()


# --- escaping -----------------------------------------------------------------------------


def test_markdown_escaping_round_trips_through_a_commonmark_renderer():
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").render(escape_markdown(HOSTILE))
    import html as html_lib

    assert html_lib.unescape(re.sub(r"<[^>]+>", "", html)).strip() == HOSTILE
    for line_start in ("- item", "1. item", "# judul", "> kutip", "+ x"):
        rendered = MarkdownIt("commonmark").render(escape_markdown(line_start))
        assert rendered.startswith("<p>"), line_start


def test_hostile_name_prints_literally_in_both_formats(office, tmp_path):
    case = papers_case(office, name=HOSTILE)
    made = letters.draft(office, case, "referral")
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("table").render(made.markdown)
    import html as html_lib

    assert HOSTILE in html_lib.unescape(re.sub(r"<[^>]+>", "", html))
    assert "49" not in made.markdown.split("Umur")[0]  # {{ 7*7 }} was not evaluated
    text = pdf_text(letters.to_pdf(office, made))
    assert HOSTILE in text
    for rendered in (made.markdown, made.texts["typ"]):
        assert "root:" not in rendered  # nothing read /etc/passwd


# --- refusals -----------------------------------------------------------------------------


def test_referral_letter_without_a_referral_is_one_clear_error(office, tmp_path):
    case = create_case(office, prepare(MR))
    casework.assess(office, case, problems=["x"], date=D(2024, 2, 20), **W)
    before = snapshot(office.root)
    target = tmp_path / "rujukan.pdf"
    result = Cli(office.root)("letter", case.id, "referral", "--format", "pdf", "-o", str(target))
    assert result.exit_code == 6
    assert result.stderr.strip().count("\n") == 0 and "ppks refer" in result.stderr
    assert not target.exists()
    assert snapshot(office.root) == before


def test_missing_signatory_names_the_field_and_template(repo):
    case = papers_case(repo)  # a repository with no [signatories]
    before = snapshot(repo.root)
    with pytest.raises(InvalidInput) as err:
        letters.draft(repo, case, "assessment")
    message = str(err.value)
    assert "signatories.division_head" in message and "assessment.md.j2" in message
    assert snapshot(repo.root) == before


def test_termination_letter_needs_a_terminated_case(office):
    case = create_case(office, prepare(MR))
    with pytest.raises(Refused) as err:
        letters.draft(office, case, "termination")
    assert "ppks terminate" in str(err.value)


# --- numbers ------------------------------------------------------------------------------


def test_letters_in_a_row_get_different_numbers_and_manual_numbers_are_kept(office):
    case = papers_case(office)
    on = D(2024, 7, 1)
    first = letters.draft(office, case, "referral", date=on)
    letters.issue(office, case, first, worker="Saskia")
    second = letters.draft(office, case, "referral", date=on, new=True)
    letters.issue(office, case, second, worker="Saskia")
    assert (first.number, second.number) == ("462/1/Dinsos/2024", "462/2/Dinsos/2024")
    assert second.earlier == ["462/1/Dinsos/2024"]
    manual = letters.draft(office, case, "termination", date=on, number="460/17/Dinsos/2024")
    letters.issue(office, case, manual, worker="Saskia")
    assert manual.seq == 17 and manual.code == "460"
    assert letters.draft(office, case, "assessment", date=on).number == "460/18/Dinsos/2024"
    with pytest.raises(Refused):
        letters.draft(office, case, "assessment", date=on, number="460/17/Dinsos/2024")
    other_pattern = letters.draft(office, case, "assessment", date=on, number="B-12/SEKRE/2024")
    assert other_pattern.seq is None and other_pattern.code is None


def test_a_new_year_starts_a_new_sequence(office):
    case = papers_case(office)
    letters.issue(office, case, letters.draft(office, case, "referral", date=D(2024, 7, 1)), worker="S")
    later = letters.draft(office, case, "referral", date=D(2025, 1, 3), new=True)
    assert later.number == "462/1/Dinsos/2025"


def test_drafts_are_not_numbered_or_recorded(office):
    case = papers_case(office)
    before = snapshot(office.root)
    result = Cli(office.root)("letter", case.id, "referral", "--draft")
    assert result.exit_code == 0 and "DRAF" in result.stdout
    assert snapshot(office.root) == before


# two clones that issued one number offline: tests/test_numbering.py


# --- provenance ---------------------------------------------------------------------------


def test_record_keeps_what_reissue_needs_and_reissue_is_identical(office, tmp_path):
    case = papers_case(office)
    cli = Cli(office.root)
    first = tmp_path / "a.pdf"
    assert cli("letter", case.id, "termination", "--issue", "--date", "2024-06-30", "--format", "pdf",
               "-o", str(first)).exit_code == 0  # fmt: skip
    (record,) = [r for r in office.find_case(case.id).records if r.kind == "letter"]
    assert record.number == "460/1/Dinsos/2024" and record.worker == "Saskia"
    assert len(record.template_sha256) == 64 and record.context["client"]["name"] == "MR"
    # the client's record changes later; the issued letter does not
    path = office.paths.case_file(case.id)
    path.write_text(path.read_text().replace('name = "MR"', 'name = "M. Rizal"'))
    again = tmp_path / "b.pdf"
    result = cli(
        "letter", case.id, "--reissue", "460/1/Dinsos/2024", "--format", "pdf", "-o", str(again)
    )
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == first.read_bytes()
    assert len([r for r in office.find_case(case.id).records if r.kind == "letter"]) == 1
    # a changed template is detected
    letters.export_templates(office)
    template = office.paths.templates / "termination.typ.j2"
    template.write_text(
        template.read_text().replace("Demikian Berita Acara", "Demikianlah Berita Acara")
    )
    refused = cli(
        "letter", case.id, "--reissue", "460/1/Dinsos/2024", "--format", "pdf", "-o", str(again)
    )
    assert refused.exit_code == 6 and "--force" in refused.stderr
    forced = cli(
        "letter",
        case.id,
        "--reissue",
        "460/1/Dinsos/2024",
        "--format",
        "pdf",
        "-o",
        str(again),
        "--force",
    )
    assert forced.exit_code == 0 and "Demikianlah" in pdf_text(again.read_bytes())
    assert cli("letter", case.id, "--reissue", "999/9").exit_code == 4


def test_edited_source_is_recorded_and_reissued(office, tmp_path, monkeypatch):
    case = papers_case(office)
    editor = tmp_path / "editor.sh"
    editor.write_text(
        "#!/bin/sh\nsed -i 's/Dengan hormat,/Dengan hormat dan salam sejahtera,/' \"$1\"\n"
    )
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)
    out = tmp_path / "r.pdf"
    result = Cli(office.root)(
        "letter", case.id, "referral", "--issue", "--date", "2024-06-20", "--format", "pdf", "--edit",
        "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "salam sejahtera" in pdf_text(out.read_bytes())
    again = tmp_path / "again.pdf"
    assert (
        Cli(office.root)(
            "letter", case.id, "--reissue", "462/1/Dinsos/2024", "--format", "pdf", "-o", str(again)
        ).exit_code
        == 0
    )
    assert again.read_bytes() == out.read_bytes()


def test_edit_with_an_unreadable_editor_variable_is_one_clear_error(office, tmp_path, monkeypatch):
    case = papers_case(office)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", "vi '")
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)
    out = tmp_path / "r.pdf"
    result = Cli(office.root)(
        "letter", case.id, "referral", "--format", "pdf", "--edit", "-o", str(out)
    )
    assert result.exit_code == InvalidInput.exit_code, result.output
    assert "$EDITOR" in result.output and not out.exists()


# --- templates ----------------------------------------------------------------------------


def test_override_template_is_used_and_listed(office):
    case = papers_case(office)
    (office.paths.templates).mkdir()
    (office.paths.templates / "referral.md.j2").write_text(
        '{% extends "base.md.j2" %}{% block body %}SURAT KHUSUS KANTOR untuk {{ client.name }}{% endblock %}\n'
    )
    made = letters.draft(office, case, "referral", preview=True)
    assert "SURAT KHUSUS KANTOR untuk MR" in made.markdown
    assert "DINAS SOSIAL KOTA MEDAN" in made.markdown  # the built-in base still serves
    listed = json.loads(Cli(office.root)("letter", "--list", "--json").stdout)
    overridden = {(e["kind"], e["format"]): e["overridden"] for e in listed}
    assert overridden[("referral", "md")] is True and overridden[("referral", "typ")] is False
    readable = Cli(office.root)("letter", "--list").stdout
    assert re.search(
        r"referral +SURAT RUJUKAN +md +milik kantor: templates/referral\.md\.j2", readable
    )
    assert re.search(r"referral +SURAT RUJUKAN +typ +bawaan: referral\.typ\.j2", readable)


def test_templates_export_copies_without_overwriting(office):
    cli = Cli(office.root)
    first = json.loads(cli("templates", "export", "--json").stdout)
    assert "templates/referral.typ.j2" in first["written"] and first["skipped"] == []
    again = json.loads(cli("templates", "export", "--json").stdout)
    assert again["written"] == [] and len(again["skipped"]) == len(first["written"])


@pytest.mark.parametrize(
    "body",
    [
        '{% include "../ppks.toml" %}',
        '{% include "/etc/passwd" %}',
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    ],
)
def test_templates_cannot_escape_their_folders_or_the_sandbox(office, body):
    case = papers_case(office)
    office.paths.templates.mkdir()
    (office.paths.templates / "referral.md.j2").write_text(body)
    with pytest.raises((InvalidInput, Refused, NotFound)) as err:
        letters.draft(office, case, "referral", preview=True)
    assert "root:" not in str(err.value)


def test_a_symlink_out_of_the_templates_folder_is_refused(office, tmp_path):
    case = papers_case(office)
    office.paths.templates.mkdir()
    secret = tmp_path / "secret.j2"
    secret.write_text("RAHASIA")
    (office.paths.templates / "referral.md.j2").symlink_to(secret)
    with pytest.raises(Refused) as err:
        letters.draft(office, case, "referral", preview=True)
    assert err.value.key == "error.template_refused"


def test_broken_template_is_reported_with_file_and_line(office):
    case = papers_case(office)
    office.paths.templates.mkdir()
    (office.paths.templates / "referral.md.j2").write_text("baris satu\n{% if %}\n")
    result = Cli(office.root)("letter", case.id, "referral", "--draft")
    assert result.exit_code == 7
    assert "referral.md.j2:2:" in result.stderr


def test_letter_is_dated_today_unless_date_and_the_record_date_is_in_the_data(office):
    case = papers_case(office)
    made = letters.draft(office, case, "referral", preview=True)
    assert made.date == dt.date.today() and made.data["letter"]["date"] == dt.date.today()
    assert made.data["record"]["date"] == D(2024, 6, 20) and made.data["record"]["kind"] == "referral"
    assert made.data["letter"]["draft"] is True
    dated = letters.draft(office, case, "referral", date=D(2024, 7, 1))
    assert dated.data["letter"]["date"] == D(2024, 7, 1) and dated.number.endswith("/2024")
    assert dated.data["letter"]["draft"] is False
    with pytest.raises(InvalidInput):  # never before the step it reports
        letters.draft(office, case, "referral", date=D(2024, 6, 19))


@pytest.mark.parametrize(
    "args, key",
    [
        (["--format", "md", "-o", "{folder}"], "berkas"),  # a folder, not a file
        (["--format", "pdf", "-o", "{folder}"], "berkas"),
        (["--format", "pdf", "-o", "-"], "PDF tidak dikirim ke layar"),
        (["--format", "md", "-o", "{missing}/surat.md"], "No such file"),
        (["--format", "md", "-o", ""], "berkas"),
    ],
)
def test_an_unusable_output_is_refused_before_a_number_is_taken(office, tmp_path, args, key):
    case = papers_case(office)
    cli = Cli(office.root)
    folder = tmp_path / "keluar"
    folder.mkdir()
    before = snapshot(office.root)
    filled = [a.format(folder=folder, missing=tmp_path / "tidak-ada") for a in args]
    result = cli("letter", case.id, "referral", "--issue", *filled)
    assert result.exit_code == 3, result.output
    assert key in result.stderr
    assert snapshot(office.root) == before  # no record, no number taken
    assert list(folder.iterdir()) == []
    issued = cli("letter", case.id, "referral", "--issue", "--json")
    assert json.loads(issued.stdout)["number"].split("/")[1] == "1"  # the first number

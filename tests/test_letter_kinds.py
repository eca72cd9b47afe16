"""The words and signatures of letters (Pemerlu PPKS, Yth. Kepala …, tembusan, the
worker's NIP), the date warnings, placeholder signatories, a fresh repository's first
letter, and the three further kinds: Laporan Sosial for Disdukcapil, Surat Pernyataan on
going home, Surat Pengantar Pemulangan (issue 13)."""

import datetime as dt
import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from test_letters import SIGNATORIES, papers_case

from ppks_cli import casework, letters
from ppks_cli.choices import LETTER_KIND
from ppks_cli.config import is_placeholder
from ppks_cli.dates import day_name
from ppks_cli.intake import NewCase, create_case, prepare
from ppks_cli.store import Repository

from conftest import Cli, snapshot

GOLDEN = Path(__file__).parent / "golden"
W = {"worker": "Saskia"}
D = dt.date

OFFICE_EXTRAS = """
[workers."Saskia"]
title = "Pekerja Sosial Ahli Pertama"
rank = "Penata Muda (III/a)"
nip = "199001012020122001"
phone = "0812-6000-1234"

[[resources]]
name = "Dinas Sosial Kabupaten Deli Serdang"
addressee = "Kepala Dinas Sosial Kabupaten Deli Serdang"
city = "Lubuk Pakam"
"""
TEMBUSAN = """[letters.tembusan]
referral = ["Kepala Dinas Sosial Provinsi Sumatera Utara", "Arsip"]
return-home = ["Kepala Dinas Sosial Provinsi Sumatera Utara", "Arsip"]
"""


def _office(repo, monkeypatch, extras: str = OFFICE_EXTRAS, tembusan: str = TEMBUSAN):
    monkeypatch.setenv("PPKS_WORKER", "Saskia")
    text = repo.paths.config.read_text().replace(
        'name = "Dinas Sosial Kota Medan"',
        'name = "Dinas Sosial Kota Medan"\naddress = "Jl. Pinang Baris No. 114, Lalang, Kec. Medan Sunggal"',
    )
    text = text.replace("[letters.tembusan]\n", tembusan)
    repo.paths.config.write_text(text + SIGNATORIES + extras)
    return Repository.open(repo.root)


@pytest.fixture
def office(repo, monkeypatch) -> Repository:
    """The test office with tembusan, the worker Saskia's NIP and phone, and the Dinas
    Sosial of Deli Serdang in the directory."""
    return _office(repo, monkeypatch)


@pytest.fixture
def plain_office(repo, monkeypatch) -> Repository:
    """The test office without [workers] and without tembusan."""
    return _office(repo, monkeypatch, extras="", tembusan="[letters.tembusan]\n")


def child_sent_home(repo, reason="returned-home", name="Budi Santoso"):
    """A 12-year-old street child caught in a raid in Medan and sent home to his parents
    in Deli Serdang four days later (FACTS.md: children go home once the parents sign a
    surat pernyataan)."""
    case = create_case(repo, prepare(NewCase(
        name=name, sex="L", birth_date="2012-05-04", category="anak-jalanan",
        intake_date="2025-03-10", source="street-raid", found_at="Simpang Aksara, Medan",
        worker="Saskia",
    )))  # fmt: skip
    casework.assess(repo, case, problems=["Mengamen di persimpangan jalan setelah pulang sekolah"],
                    needs=["Pengasuhan orang tua"], date=D(2025, 3, 11), **W)  # fmt: skip
    casework.terminate(repo, case, reason=reason, outcome="Anak diterima kembali oleh orang tuanya.",
                       placement="Orang tua di Kec. Percut Sei Tuan, Kabupaten Deli Serdang",
                       aftercare="kunjungan rumah sebulan sekali", date=D(2025, 3, 14), **W)  # fmt: skip
    return repo.find_case(case.id)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


# --- words and signatures -----------------------------------------------------------------


def test_referral_pdf_has_pemerlu_yth_kepala_the_tembusan_and_the_workers_nip(office, tmp_path):
    case = papers_case(office)
    out = tmp_path / "rujukan.pdf"
    result = Cli(office.root)("letter", case.id, "referral", "--format", "pdf", "-o", str(out),
                              "--cc", "Camat Medan Sunggal", "--cc", "Arsip")  # fmt: skip
    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes())
    for words in (
        "Pemerlu Pelayanan Kesejahteraan Sosial (PPKS)",
        "Yth. Kepala UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai",
        "Tembusan: 1. Kepala Dinas Sosial Provinsi Sumatera Utara 2. Arsip 3. Camat Medan Sunggal",
        "Saskia, NIP 199001012020122001 (telepon 0812-6000-1234)",
    ):
        assert words in text, words
    assert "Penerima Pelayanan" not in text and "Pimpinan" not in text
    assert text.count("Arsip") == 1  # --cc of a name already listed adds nothing
    # the street address is not the "di" line
    assert "Jl. Panti Karya" not in text
    # the worker signs the assessment report with jabatan, pangkat and NIP
    report = tmp_path / "asesmen.pdf"
    assert Cli(office.root)("letter", case.id, "assessment", "-f", "pdf", "-o", str(report)).exit_code == 0
    text = pdf_text(report.read_bytes())
    for words in ("Pekerja Sosial Ahli Pertama", "Penata Muda (III/a)", "NIP. 199001012020122001"):
        assert words in text, words


def test_without_worker_details_no_nip_and_no_tembusan(plain_office, tmp_path):
    case = papers_case(plain_office)
    made = letters.draft(plain_office, case, "referral", preview=True)
    assert "Tembusan" not in made.markdown and "#daftar-tembusan(" not in made.texts["typ"]
    assert "telepon" not in made.markdown
    report = letters.draft(plain_office, case, "assessment", preview=True)
    text = pdf_text(letters.to_pdf(plain_office, report))
    assert "Pekerja Sosial" in text and "199001012020122001" not in text
    assert "NIP. 197502022005012002" in text  # the division head's


def test_addressee_title_and_city_from_the_directory(office):
    office.paths.config.write_text(office.paths.config.read_text() + """
[[resources]]
name = "Rumah Sakit Jiwa Prof. Dr. Muhammad Ildrem"
addressee = "Direktur Rumah Sakit Jiwa Prof. Dr. Muhammad Ildrem"
address = "Jl. Tali Air No. 21, Kota Medan"
""")  # fmt: skip
    repo = Repository.open(office.root)
    case = create_case(repo, prepare(NewCase(name="AS", sex="P", birth_year="1980", category="gelandangan",
                                             intake_date="2024-02-16", source="street-raid", worker="Saskia")))  # fmt: skip
    casework.refer(repo, case, destination="Ildrem", reason="Perlu pemeriksaan jiwa", consent=True,
                   date=D(2024, 2, 19), **W)  # fmt: skip
    made = letters.draft(repo, repo.find_case(case.id), "referral", preview=True)
    assert "Yth. Direktur Rumah Sakit Jiwa Prof. Dr. Muhammad Ildrem  \ndi  \nMedan" in made.markdown


@pytest.mark.parametrize(
    ("address", "city"),
    [
        ("Jl. Panti Karya, Kel. Cengkeh Turi, Kec. Binjai Utara, Kota Binjai", "Binjai"),
        ("Kec. Medan Tuntungan, Kota Medan", "Medan"),
        ("Berastagi, Kabupaten Karo", "Kabupaten Karo"),
        ("Medan", "Medan"),
        ("Jl. Panti Karya, Kel. Cengkeh Turi", None),
        (None, None),
    ],
)
def test_city_of_an_address(address, city):
    assert letters.city_of(address) == city


def test_tembusan_of_hostile_text_prints_literally(office, tmp_path):
    case = papers_case(office)
    hostile = '#read("/etc/passwd") *x* 1. $y$'
    made = letters.draft(office, case, "referral", preview=True, cc=[hostile])
    assert hostile in pdf_text(letters.to_pdf(office, made))
    assert "3. \\#read" in made.markdown


def test_tembusan_settings_and_kinds_in_ppks_toml_are_checked(office):
    text = office.paths.config.read_text().replace(
        'return-home = ["Kepala', 'return-hom = ["Kepala'
    )
    office.paths.config.write_text(text)
    result = Cli(office.root)("check")
    assert result.exit_code == 1
    assert "ppks.toml" in result.output and "return-hom" in result.output


# --- dates --------------------------------------------------------------------------------


def test_berita_acara_day_is_computed_and_a_sunday_warns(office, tmp_path):
    case = papers_case(office)  # terminated on Sunday 30 June 2024
    out = tmp_path / "ba.pdf"
    result = Cli(office.root)("letter", case.id, "termination", "-f", "pdf", "-o", str(out),
                              "--date", "2024-06-30")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Pada hari ini Minggu tanggal tiga puluh bulan Juni" in pdf_text(out.read_bytes())
    assert "30 Juni 2024 jatuh pada hari Minggu" in result.stderr
    assert "Pemerlu Pelayanan Kesejahteraan Sosial" in pdf_text(out.read_bytes())
    # a weekday that is no holiday: no warning
    result = Cli(office.root)("letter", case.id, "termination", "--draft", "--date", "2024-07-01")
    assert result.exit_code == 0 and "Minggu" not in result.stderr and "libur" not in result.stderr
    # the berita acara tells the day of the termination, not the day it is signed
    assert "Pada hari Minggu tanggal tiga puluh bulan Juni" in result.stdout


def test_a_national_holiday_warns_with_its_name(office):
    case = papers_case(office)
    result = Cli(office.root)("letter", case.id, "termination", "--draft", "--date", "2024-08-17")
    assert result.exit_code == 0, result.output
    assert "17 Agustus 2024 adalah hari libur nasional (Hari Kemerdekaan" in result.stderr
    made = letters.draft(office, case, "termination", preview=True, date=D(2024, 8, 17))
    assert [w.key for w in made.warnings] == ["letter_words.holiday"]
    english = Cli(office.root)("letter", case.id, "termination", "--draft", "--date", "2024-08-17", lang="en")
    assert "is a national holiday" in english.stderr


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2030, 12, 31)))
def test_a_sunday_always_warns_and_a_working_day_never_does(date):
    keys = [w.key for w in letters.date_warnings(date)]
    assert ("letter_words.sunday" in keys) == (date.weekday() == 6)
    if date.weekday() != 6:
        assert keys in ([], ["letter_words.holiday"])
    assert day_name(date, "id") == ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")[date.weekday()]


# --- placeholders and a fresh repository --------------------------------------------------


def test_check_warns_about_placeholder_signatories_from_the_sample(repo):
    text = repo.paths.config.read_text()
    block = text[text.index("# [signatories.head]"):text.index("# [signatories.delegate]")]
    text = text.replace(block, "\n".join(line[2:] for line in block.splitlines()) + "\n")
    repo.paths.config.write_text(text)
    result = Cli(repo.root)("check")
    assert result.exit_code == 0, result.output  # a warning, not an error
    assert "[signatories.head]" in result.output
    assert "000000000000000000" in result.output and "Nama Kepala Dinas" in result.output
    line = text.splitlines().index('nip = "000000000000000000"') + 1
    assert f"ppks.toml:{line}:" in result.output


def test_placeholder_values():
    assert is_placeholder("000000000000000000") and is_placeholder("nama kepala dinas")
    assert not is_placeholder("197001012000031001") and not is_placeholder(None)


def test_a_fresh_repository_names_the_lines_to_fill_then_makes_its_first_letter(tmp_path):
    root = tmp_path / "kasus"
    cli = Cli(None)
    assert cli("init", str(root), "--worker", "Saskia", "--no-git").exit_code == 0
    cli = Cli(root)
    made = cli("new-case", "--name", "MR", "--sex", "L", "--birth-year", "1975", "--category", "pengemis",
               "--intake-date", "2024-02-16", "--source", "street-raid", "--worker", "Saskia")  # fmt: skip
    case_id = re.search(r"\d{4}-[0-9A-Z]{5}", made.stderr + made.stdout).group(0)
    assert cli("assess", case_id, "--problem", "Konflik dengan keluarga", "--date", "2024-02-20").exit_code == 0
    before = snapshot(root)
    for args in (["--draft"], ["--format", "pdf", "-o", str(tmp_path / "a.pdf")]):
        result = cli("letter", case_id, "assessment", *args)
        assert result.exit_code == 3, result.output
        assert "[signatories.division_head]" in result.stderr and 'name = "…"' in result.stderr
        assert 'title = "…"' in result.stderr
        if "pdf" in args:  # a PDF request names the Typst template, never the Markdown one
            assert "assessment.typ.j2" in result.stderr and ".md.j2" not in result.stderr
    assert snapshot(root) == before
    # filling in the lines the message names makes the first letter
    config = root / "ppks.toml"
    config.write_text(config.read_text() + '\n[signatories.division_head]\ntitle = "Kepala Bidang Rehabilitasi Sosial"\nname = "Kabid Fiktif"\n')
    result = cli("letter", case_id, "assessment", "--format", "pdf", "-o", str(tmp_path / "a.pdf"))
    assert result.exit_code == 0, result.output
    assert "Kabid Fiktif" in pdf_text((tmp_path / "a.pdf").read_bytes())


# --- the three further kinds --------------------------------------------------------------


def test_kinds_by_code_label_and_synonym():
    assert LETTER_KIND.parse("laporan sosial", "KIND") == "social-report"
    assert LETTER_KIND.parse("pernyataan", "KIND") == "statement"
    assert LETTER_KIND.parse("pemulangan", "KIND") == "return-home"
    assert LETTER_KIND.parse("asesmen", "KIND") == "assessment"


def test_social_report_for_the_papers_case(office, tmp_path):
    case = papers_case(office)
    out = tmp_path / "lapsos.pdf"
    result = Cli(office.root)("letter", case.id, "social-report", "--issue", "-f", "pdf", "-o", str(out),
                              "--date", "2024-02-20")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    text = pdf_text(data)
    for words in (
        "LAPORAN SOSIAL", "460/1/Dinsos/2024",
        "Yth. Kepala Dinas Kependudukan dan Pencatatan Sipil Kota Medan di Medan",
        "Identitas Klien (sebagaimana diketahui)", "MR", "perkiraan tahun 1975", "tidak diketahui",
        "Riwayat Penemuan", "16 Februari 2024", "razia / terjaring penertiban di Simpang Pos, Medan",
        "Konflik dengan keluarga", "Pernyataan Pekerja Sosial",
        "Saskia, NIP 199001012020122001, Pekerja Sosial Ahli Pertama",
        "penerbitan Nomor Induk Kependudukan (NIK)", "Mengetahui", "NIP. 197502022005012002",
    ):
        assert words in text, words
    assert pages(data) == 1


def test_the_three_kinds_for_a_child_sent_home_issue_and_reissue_identically(office, tmp_path):
    case = child_sent_home(office)
    cli = Cli(office.root)
    made = {}
    for kind, extra in (("social-report", []), ("statement", []),
                        ("return-home", ["--to", "Deli Serdang"])):  # fmt: skip
        out = tmp_path / f"{kind}.pdf"
        result = cli("letter", case.id, kind, "--issue", "-f", "pdf", "-o", str(out), "--date", "2025-03-14",
                     *extra)  # fmt: skip
        assert result.exit_code == 0, result.output
        made[kind] = out.read_bytes()
        # each fits one page, the cover letter with its tembusan too
        assert pages(made[kind]) == 1, kind
    last = PdfReader(io.BytesIO(made["return-home"])).pages[-1].extract_text()
    assert "Demikian surat pengantar" in last and "NIP. 197502022005012002" in last
    statement = pdf_text(made["statement"])
    for words in ("SURAT PERNYATAAN", "Yang bertanda tangan di bawah ini", "orang tua / wali",
                  "bertanggung jawab atas anak", "Budi Santoso", "12 tahun",
                  "Saya menerima kembali anak tersebut dari Dinas Sosial Kota Medan pada tanggal 14 Maret 2025",
                  "pengasuhan, pendidikan, kesehatan dan keselamatan anak tersebut",
                  "Orang tua di Kec. Percut Sei Tuan, Kabupaten Deli Serdang",
                  "Yang membuat pernyataan", "Saksi", "Mengetahui", "coret yang tidak perlu"):  # fmt: skip
        assert words in statement, words
    back = pdf_text(made["return-home"])
    for words in ("Pengantar Pemulangan Klien PPKS", "Yth. Kepala Dinas Sosial Kabupaten Deli Serdang di Lubuk Pakam",
                  "Pemerlu Pelayanan Kesejahteraan Sosial (PPKS)", "sejak 10 Maret 2025 sampai 14 Maret 2025 (5 hari)",
                  "Mengamen di persimpangan jalan", "bimbingan lanjut di daerah asal (kunjungan rumah sebulan sekali)",
                  "Saskia, NIP 199001012020122001 (telepon 0812-6000-1234)", "a.n. Kepala Dinas Sosial Kota Medan",
                  "Tembusan: 1. Kepala Dinas Sosial Provinsi Sumatera Utara 2. Arsip"):  # fmt: skip
        assert words in back, words
    social = pdf_text(made["social-report"])
    assert "Anak Jalanan" in social and "Budi Santoso" in social
    # each was issued with its own number, recorded with the data it was made from
    issued = [r for r in office.find_case(case.id).records if r.kind == "letter"]
    assert [r.letter for r in issued] == ["social-report", "statement", "return-home"]
    assert len({r.number for r in issued}) == 3
    assert issued[2].context["addressee"]["city"] == "Lubuk Pakam"
    # reissue: the identical PDF, even after the directory changed
    office.paths.config.write_text(office.paths.config.read_text().replace('city = "Lubuk Pakam"', 'city = "X"'))
    for record in issued:
        out = tmp_path / f"again-{record.letter}.pdf"
        result = cli("letter", case.id, "--reissue", record.number, "-f", "pdf", "-o", str(out))
        assert result.exit_code == 0, result.output
        assert out.read_bytes() == made[record.letter], record.letter


def test_statement_for_an_adult_going_home_is_signed_by_the_client_or_family(office):
    case = papers_case(office, name="RS")
    casework.reopen(office, case, reason="Keluarga ditemukan", date=D(2024, 7, 10), **W)
    casework.terminate(office, office.find_case(case.id), reason="reunified",
                       outcome="Klien kembali ke keluarganya.", date=D(2024, 7, 12), **W)  # fmt: skip
    made = letters.draft(office, office.find_case(case.id), "statement", preview=True, date=D(2024, 7, 12))
    assert "klien sendiri / keluarga" in made.markdown
    assert "kehidupan, kesehatan dan keselamatan klien tersebut" in made.markdown
    assert "anak tersebut" not in made.markdown


def test_statement_and_return_letter_need_a_client_going_home(office):
    mr = papers_case(office)  # terminated: placed at the UPT in Binjai, not home
    fresh = create_case(office, prepare(NewCase(name="X", sex="L", birth_year="1990", category="gelandangan",
                                                intake_date="2024-02-16", source="street-raid", worker="Saskia")))  # fmt: skip
    cli = Cli(office.root)
    before = snapshot(office.root)
    for kind, extra in (("statement", []), ("return-home", ["--to", "Deli Serdang"])):
        result = cli("letter", mr.id, kind, *extra)
        assert result.exit_code == 6, result.output
        assert "Dirujuk / ditempatkan di lembaga" in result.stderr
    result = cli("letter", fresh.id, "statement")
    assert result.exit_code == 6 and "belum diterminasi" in result.stderr
    assert "--reason reunified" in result.stderr
    assert snapshot(office.root) == before  # no number taken, nothing written


def test_return_letter_needs_its_destination(office):
    case = child_sent_home(office)
    cli = Cli(office.root)
    result = cli("letter", case.id, "return-home")
    assert result.exit_code == 3
    assert "--to" in result.stderr
    assert not [r for r in office.find_case(case.id).records if r.kind == "letter"]
    # a destination outside the directory: "Kepala <name>", "di Tempat"
    result = cli("letter", case.id, "return-home", "--draft", "--to", "Dinas Sosial Kabupaten Asahan")
    assert result.exit_code == 0, result.output
    assert "Yth. Kepala Dinas Sosial Kabupaten Asahan  \ndi Tempat" in result.stdout


@pytest.mark.parametrize("kind", ["social-report", "statement", "return-home"])
def test_markdown_of_the_further_kinds_matches_the_golden_file(office, kind):
    case = child_sent_home(office)
    made = letters.draft(office, case, kind, to="Deli Serdang", date=D(2025, 3, 14))
    golden = GOLDEN / f"{kind}.md"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(made.markdown)
    assert made.markdown == golden.read_text()


def test_further_kinds_are_listed_with_their_templates(office):
    result = Cli(office.root)("letter", "--list")
    assert result.exit_code == 0
    for title in ("LAPORAN SOSIAL", "SURAT PERNYATAAN", "SURAT PENGANTAR PEMULANGAN"):
        assert title in result.stdout


def test_generated_pdfs_are_clean_for_qpdf(office, tmp_path):
    import shutil

    if not shutil.which("qpdf"):
        pytest.skip("qpdf is not installed")
    case = child_sent_home(office)
    made = letters.draft(office, case, "statement", preview=True)
    out = tmp_path / "s.pdf"
    out.write_bytes(letters.to_pdf(office, made))
    done = subprocess.run(["qpdf", "--check", str(out)], capture_output=True, text=True)
    assert done.returncode in (0, 3), done.stdout + done.stderr  # 3: warnings only


def test_to_is_for_the_return_letter_and_a_reissue_takes_no_cc(office):
    case = child_sent_home(office)
    cli = Cli(office.root)
    result = cli("letter", case.id, "statement", "--to", "Deli Serdang", "--draft")
    assert result.exit_code == 3 and "return-home" in result.stderr
    issued = cli("letter", case.id, "pemulangan", "--issue", "--to", "Deli Serdang", "--date", "2025-03-14")
    assert issued.exit_code == 0, issued.output
    number = [r for r in office.find_case(case.id).records if r.kind == "letter"][0].number
    result = cli("letter", case.id, "--reissue", number, "--cc", "Arsip")
    assert result.exit_code == 3 and "--cc" in result.stderr and "--reissue" in result.stderr


@pytest.mark.parametrize("kind", ["social-report", "statement", "return-home"])
def test_hostile_values_print_literally_in_the_further_kinds(office, kind):
    hostile = '#read("/etc/passwd") {{ 7*7 }} *tebal* $x$ <b> @ref \\ [x]'
    case = child_sent_home(office, name=hostile)
    made = letters.draft(office, case, kind, preview=True, to="Deli Serdang", date=D(2025, 3, 14))
    assert hostile in pdf_text(letters.to_pdf(office, made))
    assert "49" not in made.markdown

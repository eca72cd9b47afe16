# ruff: noqa: F811  (the office fixture, imported from test_letters, is a parameter)
"""Letters that survive long content: page numbers, the signature never alone on a page,
left-aligned cells, missing values left out, Markdown escaping only what CommonMark
needs, the kop surat, the shipped font, and PDFs that pdfinfo and qpdf find clean."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from test_letters import office, papers_case  # noqa: F401  (a fixture and a helper)

from ppks_cli import casework, letters, paths
from ppks_cli.errors import PpksError
from ppks_cli.intake import NewCase, create_case, prepare
from ppks_cli.store import Repository
from ppks_cli.templating import build_environment, escape_markdown

D = dt.date
W = {"worker": "Saskia"}
STORY = (
    "Klien menceritakan bahwa ia meninggalkan rumah keluarganya setelah pertengkaran berulang "
    "dengan kakak iparnya tentang tempat tinggal, lalu hidup berpindah-pindah di sekitar "
    "terminal dan pasar. "
)
RECOMMENDATION = "Klien ditempatkan sementara di rumah perlindungan sosial, lalu dimediasi. " * 6
PAGE = re.compile(r"Halaman (\d+) dari (\d+)")


def pages(data: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def long_assessment(repo: Repository):
    """A case whose assessment report runs to three pages (long narrative fields)."""
    case = create_case(repo, prepare(NewCase(
        name="Budi", sex="L", birth_year="1975", birth_place="Tebing Tinggi",
        category="pengemis", intake_date="2024-02-16", source="street-raid",
        found_at="Simpang Pos, Medan", worker="Saskia",
    )), allow_duplicates=True)  # fmt: skip
    casework.assess(
        repo, case, problems=[f"Masalah {i}: " + STORY for i in range(1, 7)],
        needs=[f"Kebutuhan {i}: tempat tinggal, makanan dan pemeriksaan kesehatan" for i in range(1, 5)],
        strengths=["Sehat jasmani"], resources=["Adik kandung di Tebing Tinggi"],
        information_sources=["Wawancara klien"], context=STORY * 5 + "\n\n" + STORY * 5,
        priorities=["Tempat tinggal sementara"], risk="medium",
        recommendation=RECOMMENDATION, date=D(2024, 2, 20), **W,
    )  # fmt: skip
    return case


# --- long content ---------------------------------------------------------------------------


def test_a_three_page_report_numbers_every_page_and_keeps_text_above_the_signatures(office):
    case = long_assessment(office)
    made = letters.draft(office, case, "assessment", preview=True)
    data = letters.to_pdf(office, made)
    if os.environ.get("PPKS_LAYOUT_OUT"):  # to look at it: pdftoppm -png FILE
        Path(os.environ["PPKS_LAYOUT_OUT"], "long-assessment.pdf").write_bytes(data)
    text = pages(data)
    assert len(text) == 3
    for number, page in enumerate(text, 1):
        assert f"Halaman {number} dari 3" in page, page[-200:]
    last = text[-1]
    # the closing paragraph, and here the whole last section, stand above the signatures
    assert last.index("Rekomendasi") < last.index("Demikian laporan hasil asesmen")
    assert last.index("Demikian laporan hasil asesmen") < last.index("Mengetahui")
    assert last.index("dimediasi.") < last.index("Kabid Fiktif")
    assert "Demikian" not in text[1]


def test_a_long_last_paragraph_breaks_across_pages_with_its_end_above_the_signatures(office):
    case = long_assessment(office)
    made = letters.draft(office, case, "assessment", preview=True)
    made.data["assessment"]["recommendation"] = RECOMMENDATION * 8  # longer than a page
    made.texts, _ = letters._render(office, "assessment", made.data)
    text = pages(letters.to_pdf(office, made))
    last = text[-1]
    assert PAGE.search(last) and "Demikian laporan" in last and "Mengetahui" in last
    assert last.index("dimediasi") < last.index("Demikian laporan") < last.index("Mengetahui")
    # the paragraph was not moved whole: it starts on the page before
    assert "Rekomendasi" in text[-2] or "Rekomendasi" in text[-3]


@pytest.mark.parametrize("kind", ["assessment", "referral", "termination"])
def test_a_one_page_letter_has_no_page_number(office, kind):
    case = papers_case(office)
    text = pages(letters.to_pdf(office, letters.draft(office, case, kind, preview=True)))
    assert len(text) == 1 and not PAGE.search(text[0])


def test_table_cells_are_left_aligned_and_headings_kept_with_what_follows():
    source = (paths.default_templates_dir() / "base.typ.j2").read_text()
    assert "#show table.cell: set par(justify: false)" in source
    assert "#show grid.cell: set par(justify: false)" in source
    assert re.search(r"#let judul-bagian\(isi\) = block\(sticky: true", source)
    assert re.search(r"#let penutup\(isi\) = block\(sticky: true, breakable: false", source)


# --- missing values -------------------------------------------------------------------------


def test_missing_values_leave_out_the_line_not_a_dash(office):
    case = papers_case(office)  # no priorities, no risk, no aftercare, birth year only
    for kind in ("assessment", "termination", "referral"):
        made = letters.draft(office, case, kind, preview=True, date=D(2024, 7, 1))
        for text in (made.markdown, made.texts["typ"]):
            assert "Prioritas: -" not in text and "belum dinilai" not in text
            assert "Bimbingan lanjut" not in text and "Tingkat risiko" not in text
            assert "Tempat/tanggal lahir" not in text
        rows = [line for line in made.markdown.splitlines() if not line.startswith("| Lampiran")]
        assert not [row for row in rows if re.search(r"\| \\?- \|", row)]
        umur = next(line for line in made.markdown.splitlines() if line.startswith("| Umur"))
        assert "± 49 tahun (lahir perkiraan tahun 1975)" in umur
    report = letters.draft(office, case, "assessment", preview=True).markdown
    assert "### III. Konteks Sosial" in report and "### IV. Rekomendasi" in report


def test_sections_are_numbered_as_printed(office):
    case = create_case(office, prepare(NewCase(
        name="Siti", sex="P", birth_date="1990-05-01", birth_place="Medan",
        category="pengemis", intake_date="2024-02-16", source="street-raid", worker="Saskia",
    )), allow_duplicates=True)  # fmt: skip
    casework.assess(office, case, problems=["x"], risk="high", date=D(2024, 2, 20), **W)
    made = letters.draft(office, case, "assessment", preview=True, date=D(2024, 2, 20))
    headings = re.findall(r"^### (\S+)\. ", made.markdown, re.MULTILINE)
    assert headings == ["I", "II", "III", "IV"]
    assert "### III. Prioritas dan Tingkat Risiko" in made.markdown
    assert "Tingkat risiko: Tinggi." in made.markdown or "Tingkat risiko:" in made.markdown
    assert "| Tempat/tanggal lahir | Medan, 1 Mei 1990 |" in made.markdown
    assert "| Umur | 33 tahun |" in made.markdown


def test_nothing_known_of_the_birth_says_so_once(office):
    case = create_case(office, prepare(NewCase(
        name="Tanpa Nama", sex="L", category="pengemis", intake_date="2024-02-16",
        source="street-raid", worker="Saskia",
    )), allow_duplicates=True)  # fmt: skip
    casework.assess(office, case, problems=["x"], date=D(2024, 2, 20), **W)
    made = letters.draft(office, case, "assessment", preview=True)
    assert "| Tempat/tanggal lahir | tidak diketahui |" in made.markdown
    assert "| Umur" not in made.markdown


# --- Markdown escaping ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1. Klien menolak", "1\\. Klien menolak"),
        ("3) Mediasi", "3\\) Mediasi"),
        ("Biaya $5 {kira-kira} ~10 hari!", "Biaya $5 {kira-kira} ~10 hari!"),
        (
            "a_b *c* `d` [e](f) <g> h|i &amp; & j\\k",
            "a\\_b \\*c\\* \\`d\\` \\[e](f) \\<g> h\\|i \\&amp; & j\\\\k",
        ),
        ("# judul\n- butir\n> kutip", "\\# judul  \n\\- butir  \n\\> kutip"),
    ],
)
def test_markdown_escapes_what_commonmark_needs_and_nothing_else(value, expected):
    assert escape_markdown(value) == expected


def test_a_numbered_value_in_a_letter_has_no_stray_backslash(office):
    case = create_case(office, prepare(NewCase(
        name="Siti", sex="P", category="pengemis", intake_date="2024-02-16",
        source="street-raid", worker="Saskia",
    )), allow_duplicates=True)  # fmt: skip
    casework.assess(office, case, problems=["1. Klien tidur di emper toko", "3) Sakit"],
                    date=D(2024, 2, 20), **W)  # fmt: skip
    made = letters.draft(office, case, "assessment", preview=True)
    assert "1. 1\\. Klien tidur di emper toko" in made.markdown
    assert "2. 3\\) Sakit" in made.markdown
    assert "\\1" not in made.markdown and "\\3" not in made.markdown


def _rendered_text(markdown: str) -> str:
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    return html_lib.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab 1.)-+*_`[]()<>#|&;!~=\\$:", max_size=24))
def test_escaped_text_renders_back_to_itself(text):
    text = re.sub(r" +", " ", text).strip()
    assert _rendered_text(escape_markdown(text)) == text
    # inside a list item, as the letters print items
    assert _rendered_text("1. " + escape_markdown(text)) == text


# --- kop surat ------------------------------------------------------------------------------


def _with_office(repo: Repository, extra: str) -> Repository:
    text = repo.paths.config.read_text().replace(
        'name = "Dinas Sosial Kota Medan"', 'name = "Dinas Sosial Kota Medan"\n' + extra
    )
    repo.paths.config.write_text(text)
    return Repository.open(repo.root)


LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="120">'
    '<rect width="100" height="120" fill="#1f5fa8"/></svg>'
)
CONTACT = (
    'division = "Bidang Rehabilitasi Sosial"\nphone = "(061) 8452000"\n'
    'email = "dinsos@contoh.go.id"\nwebsite = "dinsos.pemkomedan.go.id"\n'
)


def _x_of(data: bytes, words: str) -> float:
    found = []

    def visit(text, cm, tm, font, size):
        if words in text:
            found.append(tm[4] * cm[0] + cm[4])

    PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    assert found, words
    return found[0]


def test_the_kop_prints_the_division_and_is_centred_with_or_without_a_logo(office):
    case = papers_case(office)
    plain = _with_office(office, CONTACT)
    without = letters.to_pdf(
        plain, letters.draft(plain, plain.find_case(case.id), "referral", preview=True)
    )
    (office.root / "logo.svg").write_text(LOGO)
    logo = _with_office(plain, 'logo = "logo.svg"')
    made = letters.draft(logo, logo.find_case(case.id), "referral", preview=True)
    with_logo = letters.to_pdf(logo, made)
    text = pages(with_logo)[0]
    assert "BIDANG REHABILITASI SOSIAL" in text and "DINAS SOSIAL KOTA MEDAN" in text
    assert "BIDANG REHABILITASI SOSIAL" in made.markdown
    # the same centre line with a logo as without: not pushed into the space beside it
    for words in ("PEMERINTAH KOTA MEDAN", "BIDANG REHABILITASI SOSIAL"):
        assert abs(_x_of(with_logo, words) - _x_of(without, words)) < 0.5
    # every contact item is one unbreakable box: a line breaks only between items
    source = made.texts["typ"]
    for item in ("Telepon", "Pos-el", "Laman"):
        assert re.search(rf"box\[{item} #\"", source), item
    for item in (
        "Telepon (061) 8452000",
        "Pos-el dinsos@contoh.go.id",
        "Laman dinsos.pemkomedan.go.id",
    ):
        assert item in text, item


# --- tembusan hook --------------------------------------------------------------------------


def test_a_tembusan_list_prints_numbered_under_the_signature(office):
    case = papers_case(office)
    made = letters.draft(office, case, "referral", preview=True)
    data = {**made.data, "tembusan": ["Wali Kota Medan", "Arsip"]}
    texts, _ = letters._render(office, "referral", data)
    assert texts["md"].index("NIP. 197502022005012002") < texts["md"].index("Tembusan:")
    assert "1. Wali Kota Medan\n2. Arsip" in texts["md"]
    made.texts = texts
    text = pages(letters.to_pdf(office, made))[-1]
    assert text.index("NIP. 197502022005012002") < text.index("Tembusan:")
    assert re.search(r"Tembusan: 1\. Wali Kota Medan 2\. Arsip", text)
    without = letters.draft(office, case, "referral", preview=True)
    assert "Tembusan:" not in without.markdown and "#daftar-tembusan(" not in without.texts["typ"]


# --- the font -------------------------------------------------------------------------------


def _fonts(data: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(data))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


def test_letters_print_in_the_shipped_sans_unless_the_office_asks_for_serif(office):
    case = papers_case(office)
    made = letters.draft(office, case, "referral", preview=True)
    assert made.data["letter"]["font"] == "sans"
    assert {f.split("-")[0] for f in _fonts(letters.to_pdf(office, made))} == {"LiberationSans"}
    config = office.paths.config
    config.write_text(config.read_text().replace('font = "sans"', 'font = "serif"'))
    serif = Repository.open(office.root)
    made = letters.draft(serif, serif.find_case(case.id), "referral", preview=True)
    assert all(f.startswith("Libertinus") for f in _fonts(letters.to_pdf(serif, made)))


def test_an_unknown_font_is_a_config_error(office):
    config = office.paths.config
    config.write_text(config.read_text().replace('font = "sans"', 'font = "Arial"'))
    with pytest.raises(PpksError):
        Repository.open(office.root).config  # noqa: B018


def test_the_shipped_font_comes_with_its_licence():
    folder = paths.fonts_dir()
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "LICENSE", "LiberationSans-Bold.ttf", "LiberationSans-BoldItalic.ttf",
        "LiberationSans-Italic.ttf", "LiberationSans-Regular.ttf", "README.md",
    ]  # fmt: skip
    assert "SIL Open Font License" in (folder / "LICENSE").read_text()
    assert sum(p.stat().st_size for p in folder.iterdir()) < 2_000_000


# --- clean PDFs -----------------------------------------------------------------------------


def test_the_catalog_is_quiet_for_poppler_and_offsets_stay(office):
    case = papers_case(office)
    data = letters.to_pdf(office, letters.draft(office, case, "referral", preview=True))
    assert b"/Suspects" not in data and b"/MarkInfo<</Marked true>>" in data
    reader = PdfReader(io.BytesIO(data), strict=True)  # the cross-reference table still fits
    assert bool(reader.trailer["/Root"]["/MarkInfo"]["/Marked"])
    assert letters.quiet_mark_info(b"%PDF-1.7 nothing to change") == b"%PDF-1.7 nothing to change"


@pytest.mark.skipif(not (shutil.which("pdfinfo") and shutil.which("qpdf")),
                    reason="poppler-utils and qpdf are not installed")  # fmt: skip
def test_pdfinfo_and_qpdf_report_no_error_on_any_letter(office, tmp_path):
    case = papers_case(office)
    made = [
        letters.draft(office, case, kind, preview=True)
        for kind in ("assessment", "referral", "termination")
    ]
    made.append(letters.draft(office, long_assessment(office), "assessment", preview=True))
    for number, letter in enumerate(made):
        path = tmp_path / f"{number}.pdf"
        path.write_bytes(letters.to_pdf(office, letter))
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True)
        assert info.returncode == 0 and info.stderr == "", info.stderr
        assert "Tagged:          yes" in info.stdout
        check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0 and "No syntax or stream encoding errors" in check.stdout
        assert check.stderr == "", check.stderr


def test_templates_compile_in_an_empty_root_with_only_the_shipped_fonts(office, monkeypatch):
    """The compile is given ppks's font folder and ignores the machine's fonts."""
    import typst

    seen = {}
    real = typst.compile

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(typst, "compile", spy)
    case = papers_case(office)
    letters.to_pdf(office, letters.draft(office, case, "referral", preview=True))
    assert seen["ignore_system_fonts"] is True
    assert seen["font_paths"] == [str(paths.fonts_dir())]
    assert sorted(Path(seen["root"]).iterdir()) == [] if Path(seen["root"]).exists() else True


def test_templates_render_in_every_format_with_the_base_hooks():
    env = build_environment([paths.default_templates_dir()], "md")
    assert "tembusan" in env.get_template("base.md.j2").blocks
    env = build_environment([paths.default_templates_dir()], "typ")
    assert "tembusan" in env.get_template("base.typ.j2").blocks

"""``ppks report --format html`` and ``--format pdf``: the numbers shown are the Report's
(read back from the HTML with html.parser, from the PDF with pypdf), every value from the
cases is escaped (a ``<script>`` or Typst markup in a name shows as text), the HTML loads
nothing, the PDF carries the kop and the signature and writes where a letter would, the
output guards hold, several repositories get a column each, and a table the renderers
have never heard of still renders. The real browser is tests/test_report_browser.py."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import stat
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_report import SASKIA, build_office, new, ok, terminate

from ppks_cli import report_html, report_pdf, report_render, reports
from ppks_cli.errors import ExitCode
from ppks_cli.store import Repository

from conftest import Cli

SIGNATORY = """
[signatories.division_head]
title = "Kepala Bidang Rehabilitasi Sosial"
name = "Contoh Kepala Bidang, S.Sos."
rank = "Pembina (IV/a)"
nip = "197502022005012002"
"""
# values a case file may hold that HTML or Typst would read as markup or code
WORKER = "Bu <script>alert('w')</script> & \"Ani\""
DESTINATION = 'RSJ <img src=x onerror=alert(1)> & "Dr. A" #set page(fill: red) ] *b* $x$ \\ @k'
PLACEMENT = "Panti </td></table><h1>x</h1> #emph[y] // z"


def sign(root) -> None:
    with open(root / "ppks.toml", "a", encoding="utf-8") as handle:
        handle.write(SIGNATORY)


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    root = tmp_path_factory.mktemp("formats") / "kota"
    Repository.create(root, "Dinas Sosial Kota Medan")
    sign(root)
    cli = Cli(root)
    build_office(root, cli)
    return root, cli


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile") / "kantor"
    Repository.create(root, 'Dinas <i>Sosial</i> & "Kota"')
    sign(root)
    cli = Cli(root)
    case = new(cli, "Joko", date="2024-06-02", worker=WORKER)
    ok(cli, "refer", case, "--to", DESTINATION, "--reason", "periksa", "--consent", "yes",
       "--date", "2024-06-03")  # fmt: skip
    other = new(cli, "Tono", date="2024-06-04", worker=SASKIA)
    terminate(cli, other, "2024-06-20", "reunified", PLACEMENT)
    return root, cli


# --- reading the outputs back ---------------------------------------------------------


class Page(HTMLParser):
    """The parts of a report page the tests read: every tag, the text, and each table's
    rows (``section id`` → list of ``[label, value, …]``)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.svg_text: list[str] = []
        self._section = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_body = False
        self._svg = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "section":
            self._section = attrs.get("id")
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = []
        elif tag == "svg":
            self._svg += 1

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "tr" and self._row is not None:
            self.tables.setdefault(self._section, []).append(self._row)
            self._row = None
        elif tag in ("th", "td") and self._cell is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "svg":
            self._svg -= 1

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._svg:
            self.svg_text.append(data)


def pdf_lines(data: bytes) -> list[str]:
    from pypdf import PdfReader

    lines = []
    for page in PdfReader(io.BytesIO(data)).pages:
        lines += [" ".join(line.split()) for line in page.extract_text().splitlines()]
    return [line for line in lines if line]


def expected_rows(report_json: dict, name: str) -> list[list[str]]:
    """The rows of table ``name`` as the renderers must show them: label, then the
    values (one per repository and the total when several, else the total)."""
    report = report_from_json(report_json)
    table = report.table(name)
    return [[label, *(report_render.number_text(v) for v in values)]
            for _key, label, values in report_render.row_values(report, table)]  # fmt: skip


def report_from_json(data: dict) -> reports.Report:
    """A :class:`~ppks_cli.reports.Report` rebuilt from ``--json`` (what the CLI counted)."""
    period = reports.Period(dt.date.fromisoformat(data["period"]["from"]),
                            dt.date.fromisoformat(data["period"]["to"]),
                            data["period"]["label"])  # fmt: skip
    tables = [reports.Table(t["name"], [(r["key"], r["values"]) for r in t["rows"]],
                            [r["total"] for r in t["rows"]]) for t in data["tables"]]  # fmt: skip
    bounds = tuple(int(k.split("-")[1]) + 1 for k in data["age_groups"][:-1])
    return reports.Report(period, reports.Filters(**data["filters"]), data["repositories"],
                          bounds, data["awaiting_days"], tables)  # fmt: skip


# --- HTML -------------------------------------------------------------------------------


def test_html_shows_every_number_of_the_report(office):
    _root, cli = office
    counted = ok(cli, "report", "--month", "2024-06")
    result = cli("report", "--month", "2024-06", "--format", "html")
    assert result.exit_code == 0, result.output
    page = Page(result.stdout)
    assert list(page.tables) == list(reports.TABLES)
    for name in reports.TABLES:
        assert page.tables[name] == expected_rows(counted, name), name
    # the June figures worked out by hand in test_report, as the page shows them
    rows = dict(page.tables["summary"])
    assert rows["Kasus baru"] == "2" and rows["Terminasi (tanpa duplikat)"] == "1"
    assert dict(page.tables["duration"])["Median (hari)"] == "44"


def test_html_draws_the_charts_as_inline_svg(office):
    _root, cli = office
    page = Page(cli("report", "--year", "2024", "--format", "html").stdout)
    charts = [attrs["data-table"] for tag, attrs in page.tags if tag == "svg"]
    assert "new_by_category" in charts and "new_by_month" in charts
    assert "summary" not in charts  # different measures: no picture
    assert sum(1 for tag, _a in page.tags if tag == "rect") >= 12  # a column a month at least
    # the month chart names the months and the year; the bars carry their numbers
    assert {"Jan", "Des", "2024"} <= set(page.svg_text)


def test_html_is_self_contained_and_runs_nothing(office):
    _root, cli = office
    text = cli("report", "--month", "2024-06", "--format", "html").stdout
    assert text.startswith("<!DOCTYPE html>")
    assert not re.search(r"https?://|//[a-z]|url\(|@import|@font-face", text, re.IGNORECASE)
    page = Page(text)
    tags = {tag for tag, _a in page.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert not [a for _t, attrs in page.tags for a in attrs if a in ("src", "href")
                or a.startswith("on")]  # fmt: skip
    policy = [a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy"]
    assert policy and "default-src 'none'" in policy[0] and "script" not in policy[0]
    assert "@page" in text and "size: A4" in text and "break-inside: avoid" in text


def test_html_speaks_the_users_language(office):
    _root, cli = office
    english = cli("report", "--month", "2024-06", "--format", "html", lang="en").stdout
    assert '<html lang="en">' in english and "New cases by category" in english
    assert "Kasus baru menurut" not in english and "June 2024" in english
    indonesian = cli("report", "--month", "2024-06", "--format", "html").stdout
    assert '<html lang="id">' in indonesian and "Juni 2024" in indonesian


def test_html_escapes_what_came_from_the_cases(hostile):
    _root, cli = hostile
    result = cli("report", "--month", "2024-06", "--format", "html")
    assert result.exit_code == 0, result.output
    page = Page(result.stdout)
    tags = {tag for tag, _a in page.tags}
    assert not tags & {"script", "img", "b", "i"}  # none of the names' tags is a tag
    assert [tag for tag, _a in page.tags].count("h1") == 1  # the page's own title only
    text = "".join(page.text)
    for value in (WORKER, DESTINATION, PLACEMENT, 'Dinas <i>Sosial</i> & "Kota"'):
        assert value in text, value  # shown exactly, as text
    assert [DESTINATION, "1"] in page.tables["referrals_by_destination"]
    assert [WORKER, "1"] in page.tables["caseload_by_worker"]
    assert "<script>" not in result.stdout and "&lt;script&gt;" in result.stdout


# --- PDF --------------------------------------------------------------------------------


def sections(lines: list[str], report: reports.Report) -> dict[str, list[list[str]]]:
    """The table rows of each numbered section of the PDF's text: the lines after the
    section's first header row, without repeated header rows and page footers."""
    titles = [f"{n}. {report_render.table_title(report, t)}"
              for n, t in enumerate(report.tables, start=1)]  # fmt: skip
    found, current, started = {}, None, False
    for line in lines:
        if line in titles:
            current, started = report.tables[titles.index(line)].name, False
            found[current] = []
        elif current is None or line.startswith("Halaman "):
            continue
        elif line.startswith("Uraian "):
            started = True
        elif line.startswith("Demikian laporan"):  # the closing and the signature
            current = None
        elif started:
            found[current].append(line)
    return found


def test_pdf_shows_every_number_with_the_kop_and_the_signature(office, tmp_path):
    root, cli = office
    counted = ok(cli, "report", "--month", "2024-06")
    out = tmp_path / "juni.pdf"
    result = cli("report", "--month", "2024-06", "--format", "pdf", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-") and stat.S_IMODE(out.stat().st_mode) == 0o600
    lines = pdf_lines(out.read_bytes())
    assert lines[:2] == ["PEMERINTAH KOTA MEDAN", "DINAS SOSIAL KOTA MEDAN"]  # the kop
    assert "LAPORAN PELAYANAN KASUS PPKS" in lines and "Juni 2024" in lines
    report = report_from_json(counted)
    found = sections(lines, report)
    assert list(found) == list(reports.TABLES)
    for name in reports.TABLES:
        want = [" ".join(row) for row in expected_rows(counted, name)]
        assert found[name] == want, name
    tail = lines[lines.index(next(x for x in lines if x.startswith("Medan, "))):]
    assert tail[:3] == [tail[0], "Mengetahui,", "Kepala Bidang Rehabilitasi Sosial,"]
    assert "Contoh Kepala Bidang, S.Sos." in tail and "NIP. 197502022005012002" in tail
    assert re.fullmatch(r"Medan, \d{1,2} \w+ \d{4}", tail[0])


def test_pdf_is_indonesian_whatever_the_interface_speaks(office, tmp_path):
    _root, cli = office
    out = tmp_path / "r.pdf"
    assert cli("report", "--month", "2024-06", "-o", str(out), lang="en").exit_code == 0
    lines = pdf_lines(out.read_bytes())
    assert "1. Ringkasan" in lines and "Mengetahui," in lines and "1. Summary" not in lines


def test_pdf_without_a_file_goes_to_out_like_a_letter(office):
    root, cli = office
    result = cli("report", "--quarter", "2024-Q2", "--format", "pdf")
    assert result.exit_code == 0, result.output
    target = root / "out" / "report-2024-Q2.pdf"
    assert str(target) in result.output
    assert target.read_bytes().startswith(b"%PDF-") and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert (root / "out" / ".gitignore").read_text().splitlines()[-1] == "*"
    result = cli("report", "--from", "2024-06-01", "--to", "2024-06-15", "--format", "pdf")
    assert result.exit_code == 0, result.output
    assert (root / "out" / "report-2024-06-01_2024-06-15.pdf").is_file()


def test_pdf_escapes_what_came_from_the_cases(hostile, tmp_path):
    _root, cli = hostile
    out = tmp_path / "r.pdf"
    result = cli("report", "--month", "2024-06", "--format", "pdf", "-o", str(out))
    assert result.exit_code == 0, result.output
    lines = pdf_lines(out.read_bytes())
    text = "\n".join(lines)
    assert f"{WORKER} 1" in lines  # the caseload table's row, the name exactly as written
    assert " ".join(DESTINATION.split()) in text and " ".join(PLACEMENT.split()) in text
    assert "DINAS <I>SOSIAL</I> & \"KOTA\"" in lines  # the kop, upper case as letters have it


def test_pdf_needs_the_signatory_and_says_which_lines(repo, cli, tmp_path):
    new(cli, "Joko", date="2024-06-02", worker=SASKIA)
    out = tmp_path / "r.pdf"
    result = cli("report", "--month", "2024-06", "--format", "pdf", "-o", str(out))
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "[signatories.division_head]" in result.output and "Traceback" not in result.output
    assert not out.exists() and not (repo.root / "out").exists()


@pytest.mark.parametrize("fmt", ["html", "pdf"])
@pytest.mark.parametrize("target", ["ppks.toml", "cases/x.pdf", "templates/base.typ.j2",
                                    ".git/config"])  # fmt: skip
def test_the_repositorys_own_files_are_never_written(office, fmt, target):
    root, cli = office
    before = (root / "ppks.toml").read_bytes()
    result = cli("report", "--month", "2024-06", "--format", fmt, "-o", str(root / target))
    assert result.exit_code == ExitCode.REFUSED, result.output
    assert (root / "ppks.toml").read_bytes() == before
    assert not (root / "cases" / "x.pdf").exists()


@pytest.mark.parametrize("fmt", ["html", "pdf", "md"])
def test_a_dash_is_no_file_name(office, fmt):
    root, cli = office
    result = cli("report", "--month", "2024-06", "--format", fmt, "-o", "-")
    assert result.exit_code == ExitCode.INVALID_INPUT and "'-'" in result.output
    assert not (root / "-").exists() and not os.path.lexists("-")


def test_the_format_follows_html_and_pdf_endings(office, tmp_path):
    _root, cli = office
    for name in ("r.html", "r.htm"):
        assert cli("report", "--month", "2024-06", "-o", str(tmp_path / name)).exit_code == 0
        assert (tmp_path / name).read_text().startswith("<!DOCTYPE html>")
    assert cli("report", "--month", "2024-06", "-o", str(tmp_path / "r.PDF")).exit_code == 0
    assert (tmp_path / "r.PDF").read_bytes().startswith(b"%PDF-")


# --- several repositories ---------------------------------------------------------------


@pytest.fixture(scope="module")
def two(office, tmp_path_factory):
    root, _cli = office
    other = tmp_path_factory.mktemp("two") / "shelter"
    Repository.create(other, "UPT Shelter")
    shelter = Cli(other)
    s1 = new(shelter, "Joko", date="2024-06-02", worker="Rina", source="walk-in")
    terminate(shelter, s1, "2024-06-28", "reunified", "Rumah keluarga")
    new(shelter, "Kartini", date="2024-06-15", worker="Rina", sex="P")
    return root, other


def test_several_repositories_in_html_have_a_column_each(two):
    root, other = two
    args = ["report", "--month", "2024-06", "--root", str(root), "--root", str(other)]
    counted = ok(Cli(None), *args)
    text = Cli(None)(*args, "--format", "html").stdout
    page = Page(text)
    for name in reports.TABLES:
        assert page.tables[name] == expected_rows(counted, name), name
    assert dict((r[0], r[1:]) for r in page.tables["summary"])["Kasus baru"] == ["2", "2", "4"]
    assert '<th scope="col" class="num">kota</th>' in text
    assert '<th scope="col" class="num">shelter</th>' in text
    assert "UPT Shelter" in "".join(page.text)
    # the charts stack the two offices, with a legend naming their columns
    svg = text[text.index('data-table="new_by_category"'):]
    svg = svg[: svg.index("</svg>")]
    assert ">kota</text>" in svg and ">shelter</text>" in svg


def test_several_repositories_in_pdf_have_a_column_each(two, tmp_path):
    root, other = two
    args = ["report", "--month", "2024-06", "--root", str(root), "--root", str(other)]
    counted = ok(Cli(None), *args)
    out = tmp_path / "both.pdf"
    result = Cli(None)(*args, "--format", "pdf", "-o", str(out))
    assert result.exit_code == 0, result.output
    lines = pdf_lines(out.read_bytes())
    assert "Uraian kota shelter Jumlah" in lines
    assert "Kolom kota : Dinas Sosial Kota Medan" in lines
    assert "Kolom shelter : UPT Shelter" in lines
    found = sections(lines, report_from_json(counted))
    for name in reports.TABLES:
        assert found[name] == [" ".join(r) for r in expected_rows(counted, name)], name


def test_several_repositories_pdf_without_a_file_goes_to_the_firsts_out(two):
    root, other = two
    result = Cli(None)("report", "--year", "2024", "--root", str(other), "--root", str(root),
                       "--format", "pdf")  # fmt: skip
    assert result.exit_code == ExitCode.INVALID_INPUT  # the shelter has no signatory
    assert "[signatories.division_head]" in result.output


# --- the renderers on any report ----------------------------------------------------------


def made_report(tables: list[reports.Table], offices=("Dinas Sosial Kota Medan",)):
    period = reports.parse_period(year="2024")
    repos = [{"root": f"/srv/{n}", "office": office} for n, office in enumerate(offices)]
    return reports.Report(period, reports.Filters(), repos, (18, 60), 14, tables)


def test_a_table_the_renderers_do_not_know_still_renders(repo, tmp_path):
    sign(repo.root)
    repo = Repository.open(repo.root)
    raids = reports.Table("raids_by_place", [("Simpang Pos", [3]), ("Pajak Sambu", [5])], [3, 5])
    report = made_report([raids])
    page = Page(report_html.to_html(report))
    assert page.tables["raids_by_place"] == [["Simpang Pos", "3"], ["Pajak Sambu", "5"]]
    lines = pdf_lines(report_pdf.to_pdf(report, repo))
    assert "1. raids_by_place" in lines and "Pajak Sambu 5" in lines


def test_a_long_table_runs_over_pages_with_its_header_repeated(repo):
    sign(repo.root)
    repo = Repository.open(repo.root)
    rows = [(f"Lembaga nomor {n:03d}", [n % 7]) for n in range(1, 121)]
    table = reports.Table("referrals_by_destination", rows, [v[0] for _k, v in rows])
    data = report_pdf.to_pdf(made_report([table]), repo)
    from pypdf import PdfReader

    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    assert len(pages) >= 3
    assert all("Uraian Jumlah" in page for page in pages[1:-1])  # the header on each page
    assert all(f"Halaman {n} dari {len(pages)}" in page for n, page in enumerate(pages, 1))
    text = " ".join(" ".join(pages).split())
    assert all(f"Lembaga nomor {n:03d} {n % 7}" in text for n in range(1, 121))


@pytest.mark.parametrize("rows", [83, 84])  # the signature fits after the table; it does not
def test_the_signature_never_stands_alone_on_its_page(repo, rows):
    from pypdf import PdfReader

    sign(repo.root)
    repo = Repository.open(repo.root)
    table = reports.Table("caseload_by_worker", [(f"Pekerja {n:02d}", [n]) for n in range(rows)],
                          list(range(rows)))  # fmt: skip
    data = report_pdf.to_pdf(made_report([table]), repo)
    last = PdfReader(io.BytesIO(data)).pages[-1].extract_text()
    assert "Demikian laporan ini dibuat" in last and "Mengetahui," in last
    assert "Contoh Kepala Bidang, S.Sos." in last


def test_the_typst_source_holds_no_value_unescaped(repo):
    sign(repo.root)
    repo = Repository.open(repo.root)
    nasty = ['#import "@preview/cetz:0.2.2"', "]; #panic()", '"); x("', "\\", "$", "@ref"]
    table = reports.Table("referrals_by_destination", [(n, [1]) for n in nasty], [1] * 6)
    source = report_pdf.source(made_report([table]), repo)
    for value in nasty:
        literal = '#"' + value.replace("\\", "\\\\").replace('"', '\\"') + '";'
        assert literal in source, value
    assert '#import "@' not in source.replace('#"#import \\"@', "")


def test_a_character_no_font_has_prints_as_a_replacement(repo):
    sign(repo.root)
    repo = Repository.open(repo.root)
    table = reports.Table("caseload_by_worker", [("Ani \U0001f600", [1]), ("Budi", [2])], [1, 2])
    lines = pdf_lines(report_pdf.to_pdf(made_report([table]), repo))
    assert "Ani \ufffd 1" in lines


@given(st.lists(st.integers(0, 50), min_size=2, max_size=40), st.integers(1, 3))
def test_a_chart_adds_up_to_its_table(counts, offices):
    rows = [(f"k{n}", [c + o for o in range(offices)] if offices > 1 else [c])
            for n, c in enumerate(counts)]  # fmt: skip
    table = reports.Table("caseload_by_worker", rows, [sum(v) for _k, v in rows])
    report = made_report([table], offices=[f"Kantor {n}" for n in range(offices)])
    found = report_render.chart(report, table)
    if found is None:
        assert not any(table.totals)
        return
    assert len(found.bars) <= report_render.MAX_BARS
    assert sum(sum(c) for _k, _l, c in found.bars) == sum(table.totals)
    totals = [sum(c) for key, _l, c in found.bars if key != report_render.OTHERS]
    assert totals == sorted(totals, reverse=True)  # a ranked table: largest first
    if len(rows) > report_render.MAX_BARS:
        assert found.bars[-1][0] == report_render.OTHERS
        kept = {key for key, _l, _c in found.bars}
        left = [sum(v) for key, v in rows if key not in kept]
        assert len(left) == len(rows) - report_render.MAX_BARS + 1
        assert max(left) <= min(totals)  # the rest are the smallest rows


def test_no_output_folder_is_made_on_a_failed_check(office, tmp_path):
    _root, cli = office
    result = cli("report", "--month", "2024-06", "--format", "html", "-o",
                 str(tmp_path / "missing" / "r.html"))  # fmt: skip
    assert result.exit_code == ExitCode.INVALID_INPUT and not (tmp_path / "missing").exists()

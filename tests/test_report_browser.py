"""``ppks report --format html`` opened in a real headless Chromium (Debian's package,
driven over the DevTools pipe by tests/chromium.py): the charts are there and drawn, the
page asks for nothing but itself and runs no script (not even one hidden in a worker's
name), nothing spills over the side, a screenshot is taken, and the page printed to PDF
is A4 with the report in it. Skipped, saying why, on a machine without Chromium (``apt-get
install chromium``, or ``PPKS_CHROMIUM=/path/to/chrome``). Set ``PPKS_SCREENSHOTS=DIR``
to keep the screenshot and the printed PDF there to look at."""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
from pathlib import Path

import chromium
import pytest
from test_report import build_office, new
from test_report_formats import report_from_json, sign

from ppks_cli import report_render
from ppks_cli.store import Repository

from conftest import Cli

SNEAKY = "Ani <script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\">"


@pytest.fixture(scope="module")
def browser():
    if chromium.find() is None:
        pytest.skip("no headless Chromium on this machine (apt-get install chromium, or "
                    "set PPKS_CHROMIUM)")  # fmt: skip
    try:
        with chromium.Browser() as opened:
            yield opened
    except chromium.BrowserError as exc:
        pytest.skip(f"Chromium did not start here: {exc}")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser") / "kota"
    Repository.create(root, "Dinas Sosial Kota Medan")
    sign(root)
    cli = Cli(root)
    build_office(root, cli)
    new(cli, "Joko", date="2024-08-02", worker=SNEAKY)
    out = root.parent / "laporan-2024.html"
    result = cli("report", "--year", "2024", "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.output
    counted = json.loads(cli("report", "--year", "2024", "--json").stdout)
    return out, counted


CHARTS = """(() => [...document.querySelectorAll('svg.chart')].map(svg => {
  const box = svg.getBoundingClientRect();
  const rects = [...svg.querySelectorAll('rect')].map(r => r.getBoundingClientRect());
  return {table: svg.dataset.table, width: box.width, height: box.height,
          rects: rects.length, painted: rects.filter(r => r.width > 0 && r.height > 0).length,
          texts: svg.querySelectorAll('text').length};
}))()"""


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def keep(*paths: Path) -> None:
    folder = os.environ.get("PPKS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for path in paths:
            shutil.copy(path, Path(folder) / path.name)


def test_the_report_page_in_a_real_browser(browser, page, tmp_path):
    out, counted = page
    url = out.resolve().as_uri()
    browser.open(url, width=900)
    report = report_from_json(counted)
    # every chart the renderer draws is on the page, laid out and painted
    want = [t.name for t in report.tables if report_render.chart(report, t) is not None]
    charts = browser.evaluate(CHARTS)
    assert [c["table"] for c in charts] == want
    assert "new_by_category" in want and "new_by_month" in want
    for found in charts:
        assert found["width"] > 400 and found["height"] > 30, found
        assert found["painted"] >= 1 and found["texts"] >= 2, found
    months = next(c for c in charts if c["table"] == "new_by_month")
    nonzero = sum(1 for r in report.table("new_by_month").totals if r)
    assert months["painted"] == nonzero  # a column for each month with new cases
    # the page asked for itself only, ran no script, and shows the sneaky name as text
    assert browser.requests == [url]
    assert browser.evaluate("document.scripts.length") == 0
    assert browser.evaluate("typeof window.pwned") == "undefined"
    assert SNEAKY in browser.evaluate("document.body.innerText")
    assert not [m for m in browser.messages if m.startswith(("error", "exception"))]
    # nothing wider than the window; the tables are there with their numbers
    assert browser.evaluate("document.documentElement.scrollWidth") <= 900
    assert browser.evaluate("document.querySelectorAll('section table').length") == len(
        report.tables)
    shot = browser.screenshot(tmp_path / "report-html.png")
    width, height = png_size(shot)
    assert width == 900 and height > 2000
    printed = tmp_path / "report-html-print.pdf"
    printed.write_bytes(browser.pdf())
    keep(shot, printed)
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(printed.read_bytes()))
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.3) < 2 and abs(float(box.height) - 841.9) < 2  # A4
    assert len(reader.pages) >= 3
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Laporan Pelayanan Kasus PPKS" in text and "Tahun 2024" in text

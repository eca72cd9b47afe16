"""``ppks export`` and ``ppks report`` report progress while they work (not only while the
index reads changed cases), so that a long export or report on a terminal shows a bar."""

from __future__ import annotations

import datetime as dt
import io
import shutil

import pytest

from ppks_cli import exports, reports
from ppks_cli.commands import _common
from ppks_cli.store import Repository
from ppks_cli.views import CaseFilter

from conftest import SAMPLE, run_ppks


@pytest.fixture
def office(tmp_path):
    root = tmp_path / "kasus"
    shutil.copytree(SAMPLE, root)
    return root


@pytest.mark.parametrize("table", ["cases", "records", "letters"])
def test_the_export_reports_each_case(office, tmp_path, table):
    calls: list[tuple[int, int]] = []
    repo = Repository.open(office)
    exports.export(repo, table, "xlsx", tmp_path / "x.xlsx", CaseFilter(),
                   progress=lambda done, total: calls.append((done, total)),
                   today=dt.date(2024, 7, 1))  # fmt: skip
    cases = len(repo.case_ids())
    assert calls[-cases:] == [(n, cases) for n in range(1, cases + 1)]


def test_the_report_reports_its_counting(office, tmp_path):
    calls: list[tuple[int, int]] = []
    # a second office (one repository given twice is refused: it would count twice)
    other = Repository.create(tmp_path / "shelter", "UPT Shelter")
    repos = [Repository.open(office), Repository.open(other.root)]
    reports.report(repos, reports.parse_period(year="2024"),
                   progress=lambda done, total: calls.append((done, total)))  # fmt: skip
    steps = reports.COUNT_STEPS
    counting = [c for c in calls if c[1] == 2 * steps]
    assert counting == [(n, 2 * steps) for n in (*range(0, steps + 1), *range(steps,
                                                                          2 * steps + 1))]


@pytest.mark.parametrize(("args", "label"), [
    (["export", "records", "-o", "OUT"], "Mengekspor"),
    (["report", "--year", "2024"], "Menyusun laporan"),
])  # fmt: skip
def test_a_bar_on_a_terminal_once_the_work_is_long(office, tmp_path, monkeypatch, args, label):
    """With the bar's delay at zero (as after a second of work), the bar is drawn on a
    terminal, from the work itself (the index is current: no case is read); on a pipe
    (the tests' stderr) nothing is."""
    from ppks_cli import index
    from ppks_cli.commands._common import _safe_console_class

    monkeypatch.setattr(index, "RACY_NS", -10**12)  # files just copied are trusted
    assert run_ppks("--root", str(office), "list").returncode == 0  # the index, current

    screen = io.StringIO()

    def terminal():
        return _safe_console_class()(file=screen, force_terminal=True, width=100)

    terminal.cache_clear = lambda: None
    monkeypatch.setattr(_common, "PROGRESS_AFTER", 0.0)
    args = [str(tmp_path / "out.csv") if a == "OUT" else a for a in args]
    done = run_ppks("--root", str(office), *args)
    assert done.returncode == 0, done.stderr
    assert label not in done.stderr  # not a terminal: no bar
    (tmp_path / "out.csv").unlink(missing_ok=True)
    monkeypatch.setattr(_common, "err_console", terminal)
    done = run_ppks("--root", str(office), *args)
    assert done.returncode == 0, done.stderr
    assert label in screen.getvalue()

"""Age groups: one definition (``[reports] age_groups`` in ``ppks.toml``, :mod:`ppks_cli.ages`)
for the report's ``new_by_age`` table and the export's ``age_group`` column; ``ppks check``
names the line of a bad setting."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ppks_cli import ages, exports, reports
from ppks_cli.errors import InvalidInput

from conftest import SAMPLE, run_ppks


def test_the_default_groups():
    assert ages.DEFAULT == (18, 60) == reports.DEFAULT_AGE_GROUPS
    assert ages.keys(ages.DEFAULT) == ["0-17", "18-59", "60+"]
    assert [ages.group(ages.DEFAULT, a) for a in (0, 17, 18, 59, 60, 101)] == [
        "0-17", "0-17", "18-59", "18-59", "60+", "60+"]  # fmt: skip
    assert ages.group(ages.DEFAULT, None) is None and ages.group(ages.DEFAULT, -1) is None
    assert ages.describe(ages.DEFAULT) == "0-17, 18-59 or 60+"
    assert ages.keys((65,)) == ["0-64", "65+"] and ages.describe((65,)) == "0-64 or 65+"


def test_ages_on_a_day():
    day = dt.date(2024, 6, 3)
    assert ages.age_on(day, dt.date(2006, 6, 3), None) == 18
    assert ages.age_on(day, dt.date(2006, 6, 4), None) == 17
    assert ages.age_on(day, None, 1964) == 60 and ages.age_on(day, None, None) is None
    assert ages.age_on(day, dt.date(2000, 2, 29), 1990) == 24  # the date wins


bounds_strategy = st.lists(st.integers(1, ages.OLDEST), min_size=1, max_size=6, unique=True).map(
    lambda b: tuple(sorted(b))
)


@given(bounds_strategy, st.integers(0, 200))
def test_every_age_falls_in_exactly_the_group_that_holds_it(bounds, age):
    assert ages.valid(bounds)
    name = ages.group(bounds, age)
    assert name in ages.keys(bounds)
    low, _, high = name.rstrip("+").partition("-")
    assert int(low) <= age and (not high or age <= int(high))
    assert len(ages.keys(bounds)) == len(bounds) + 1


@pytest.mark.parametrize("text", ["60,18", "0,18", "18,18", "151", "", "a,b", "18;60"])
def test_bad_bounds_are_refused(text):
    with pytest.raises(InvalidInput):
        ages.parse(text)


def test_bounds_typed_with_spaces():
    assert ages.parse(" 15, 65 ") == (15, 65) == reports.parse_age_groups("15,65")


# --- one setting, read by report and export; checked by ppks check ------------------------


@pytest.fixture
def office(tmp_path) -> Path:
    root = tmp_path / "kasus"
    shutil.copytree(SAMPLE, root)
    return root


def set_groups(root: Path, value: str) -> int:
    """Write ``[reports] age_groups = value`` at the end of ``ppks.toml``; its line."""
    config = root / "ppks.toml"
    text = config.read_text()
    assert "[reports]" not in text
    text += f"\n[reports]\nage_groups = {value}\n"
    config.write_text(text)
    return text.count("\n")


def exported_groups(root: Path, tmp_path: Path, *extra: str) -> list[dict]:
    out = tmp_path / f"c{len(list(tmp_path.iterdir()))}.jsonl"
    done = run_ppks("--root", str(root), "export", "cases", *extra, "-o", str(out))
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in out.read_text().splitlines()]


def report_groups(root: Path, *extra: str) -> dict[str, int]:
    done = run_ppks("--root", str(root), "report", "--year", "2024", "--json", *extra)
    assert done.returncode == 0, done.stderr
    table = next(t for t in json.loads(done.stdout)["tables"] if t["name"] == "new_by_age")
    return {row["key"]: row["total"] for row in table["rows"]}


@pytest.mark.parametrize(("setting", "bounds"), [(None, (18, 60)), ("[15, 65]", (15, 65)),
                                                 ("[5, 13, 18, 45, 60]", (5, 13, 18, 45, 60))])
def test_report_and_export_group_alike(office, tmp_path, setting, bounds):
    if setting is not None:
        set_groups(office, setting)
    for extra in ([], ["--anonymise"]):
        rows = exported_groups(office, tmp_path, *extra)
        assert {r["age_group"] for r in rows} <= {*ages.keys(bounds), None}
        new_in_2024 = Counter(r["age_group"] or "unknown" for r in rows
                              if r["intake_date"].startswith("2024"))  # fmt: skip
        counted = report_groups(office)
        assert list(counted)[: len(bounds) + 1] == ages.keys(bounds)
        assert {k: v for k, v in counted.items() if v} == dict(new_in_2024)
    if setting is not None:  # the sample's ages fall in more than one group, as set
        assert len({r["age_group"] for r in rows} - {None}) > 1


@pytest.mark.parametrize("value", ["[60, 18]", "[]", "[0, 18]", "[18, 18]", "[200]",
                                   '[18, "enam puluh"]', '"18,60"'])
def test_check_names_the_line_of_a_bad_setting(office, tmp_path, value):
    line = set_groups(office, value)
    done = run_ppks("--root", str(office), "check")
    assert done.returncode == 1
    assert f"ppks.toml:{line}:" in done.stdout + done.stderr
    assert "age_groups" in done.stdout + done.stderr
    # and report and export refuse it the same way, naming the line
    for args in (["report", "--year", "2024"], ["export", "cases", "-o", str(tmp_path / "x.csv")]):
        refused = run_ppks("--root", str(office), *args)
        assert refused.returncode != 0 and f"ppks.toml:{line}:" in refused.stderr, args


def test_init_writes_the_setting(tmp_path):
    root = tmp_path / "baru"
    done = run_ppks("--no-input", "init", str(root), "--office", "Dinas Sosial Kota Medan",
                    "--worker", "Saskia")  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = (root / "ppks.toml").read_text()
    assert "[reports]\n" in text and "age_groups = [18, 60]" in text
    assert "awaiting_days = 14" in text


def test_the_export_column_says_what_the_setting_groups():
    column = next(c for c in exports.CASE_COLUMNS if c.name == "age_group")
    assert "[reports] age_groups" in column.meaning
    assert ages.describe(ages.DEFAULT) in column.meaning

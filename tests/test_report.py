"""``ppks report``: every count of a monthly report on a hand-built repository, against
answers worked out by hand here (not by the report code); reopened, merged, transferred
cases and records dated in another month than they were written; filters; two
repositories together; the renderers (Markdown, CSV, XLSX read back with openpyxl)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ppks_cli import reports
from ppks_cli.errors import ExitCode, InvalidInput
from ppks_cli.store import Repository

from conftest import Cli

SASKIA, DEWI = "Saskia Pane", "Dewi Lubis"
RSJ = "RSJ Prof. Ildrem"


def ok(cli, *args):
    result = cli(*args, "--json")
    assert result.exit_code == 0, (args, result.output)
    return json.loads(result.stdout) if result.stdout.strip() else None


def new(cli, name, *, date, worker, category="pengemis", sex="L", source="street-raid",
        birth=()):  # fmt: skip
    data = ok(cli, "new-case", "--name", name, "--sex", sex, "--category", category,
              "--intake-date", date, "--source", source, "--found-at", "Medan",
              "--worker", worker, "--yes", *birth)  # fmt: skip
    return data["id"]


def assess(cli, case, date):
    ok(cli, "assess", case, "--problem", "Tidak punya rumah", "--date", date)


def plan(cli, case, date, *target):
    ok(cli, "plan", case, "--goal", "Kembali ke keluarga", *target, "--date", date)


def terminate(cli, case, date, reason, placement=None):
    more = ["--placement", placement] if placement else []
    ok(cli, "terminate", case, "--reason", reason, "--outcome", "selesai", *more, "--date", date)


def build_office(root, cli: Cli) -> dict[str, str]:
    """The hand-built office: each case and what it should count for in June 2024 is
    written beside it (default deadlines: assessment 7 days, evaluation 30, follow-up 30;
    a referral awaits an answer after 14 days)."""
    ids = {}
    # A: new in June, 74 years old, assessed, a plan whose goal was due 06-20 (overdue at
    # the end), a referral in June still unanswered after 18 days (awaiting)
    ids["A"] = a = new(cli, "Ahmad", date="2024-06-03", worker=SASKIA,
                       birth=("--birth-year", "1950"))  # fmt: skip
    assess(cli, a, "2024-06-05")
    plan(cli, a, "2024-06-10", "--target-date", "2024-06-20")
    ok(cli, "refer", a, "--to", RSJ, "--reason", "periksa", "--consent", "yes",
       "--date", "2024-06-12")  # fmt: skip
    # B: new in June, a girl of 14, never assessed (due 06-17: overdue), transferred to
    # Dewi on 06-20
    ids["B"] = b = new(cli, "Butet", date="2024-06-10", worker=SASKIA, category="anak-jalanan",
                       sex="P", source="outreach", birth=("--birth-date", "2010-01-01"))
    ok(cli, "transfer", b, "--to", DEWI, "--reason", "cuti", "--date", "2024-06-20")
    # C: taken in in May, closed in June (reunified, 44 days: 1-3 months)
    ids["C"] = c = new(cli, "Cahyo", date="2024-05-02", worker=DEWI, source="walk-in",
                       birth=("--birth-year", "1990"))  # fmt: skip
    assess(cli, c, "2024-05-03")
    plan(cli, c, "2024-05-04")
    ok(cli, "intervene", c, "--activity", "home-visit", "--note", "kunjungan",
       "--date", "2024-05-06")  # fmt: skip
    ok(cli, "evaluate", c, "--progress", "baik", "--decision", "terminate",
       "--date", "2024-05-20")  # fmt: skip
    terminate(cli, c, "2024-06-15", "reunified", "Rumah keluarga")
    # D: closed in February, its follow-up owed since 03-02, reopened in June (the
    # follow-up is owed no more), assessed again on 06-08
    ids["D"] = d = new(cli, "Dedi", date="2024-01-10", worker=SASKIA, sex="P",
                       source="community-report")  # fmt: skip
    terminate(cli, d, "2024-02-01", "contact-lost")
    ok(cli, "reopen", d, "--reason", "datang lagi", "--date", "2024-06-05")
    assess(cli, d, "2024-06-08")
    # E: closed in April, no follow-up (due 05-01: overdue at the end)
    ids["E"] = e = new(cli, "Erna", date="2024-03-01", worker=SASKIA, sex="P")
    terminate(cli, e, "2024-04-01", "goals-achieved")
    # F: closed in March, a follow-up in June that set the next for 06-25 (overdue)
    ids["F"] = f = new(cli, "Fajar", date="2024-02-01", worker=DEWI)
    terminate(cli, f, "2024-03-01", "returned-home", "Kampung halaman")
    ok(cli, "follow-up", f, "--findings", "sehat", "--next-date", "2024-06-25",
       "--date", "2024-06-10")  # fmt: skip
    # G: Ahmad again, taken in on 06-20 and merged into A on 06-21: no new case, no
    # closure; A came back as a new case (a repeat client)
    ids["G"] = g = new(cli, "Ahmad", date="2024-06-20", worker=SASKIA,
                       birth=("--birth-year", "1950"))  # fmt: skip
    ok(cli, "merge", a, g, "--reason", "orang yang sama", "--date", "2024-06-21")
    # H: taken in in May; closed on 07-02 (written first); then a referral dated in May
    # written after it, answered on 07-01: still only "sent" at the end of June
    ids["H"] = h = new(cli, "Hana", date="2024-05-25", worker=DEWI, sex="P")
    terminate(cli, h, "2024-07-02", "refused-or-left")
    ok(cli, "refer", h, "--to", RSJ, "--reason", "periksa", "--consent", "yes",
       "--date", "2024-05-28")  # fmt: skip
    ok(cli, "refer", h, "--status", "accepted", "--date", "2024-07-01")
    # I: taken in in July: in no count of June
    ids["I"] = new(cli, "Indra", date="2024-07-05", worker=SASKIA)
    return ids


# what June 2024 should give, worked out by hand from the cases above
JUNE = {
    "summary": {"new": 2, "open_at_end": 4, "closures": 1, "merged": 1, "reopened": 1,
                "transfers": 1, "referrals": 1, "follow_ups_done": 1},
    "new_by_category": {"pengemis": 1, "anak-jalanan": 1},
    "new_by_month": {"2024-06": 1 + 1},
    "new_by_sex": {"L": 1, "P": 1},
    "new_by_age": {"0-17": 1, "18-59": 0, "60+": 1},
    "new_by_source": {"street-raid": 1, "outreach": 1},
    "caseload_by_stage": {"intake": 2, "assessment": 1, "planning": 1},  # B, H; D; A
    "caseload_by_worker": {SASKIA: 2, DEWI: 2},  # A, D; B (transferred), H
    "closures_by_reason": {"reunified": 1},
    "closures_by_placement": {"Rumah keluarga": 1},
    "duration": {"median_days": 44.0, "1to3": 1},
    "referrals_by_destination": {RSJ: 1},
    "referrals_by_status": {"sent": 1},
    "referrals_awaiting": {"awaiting": 2},  # A (18 days), H (33 days, answered in July)
    "follow_ups": {"done": 1, "overdue": 2},  # F; E and F's next
    "overdue_at_end": {"assessment": 2, "evaluation": 0, "goal": 1, "follow_up": 2},
    "repeat_clients": {"reopened": 1, "returned_as_new_case": 1, "total": 2},
}


def nonzero(table: dict) -> dict:
    return {row["key"]: row["total"] for row in table["rows"] if row["total"]}


def by_name(data: dict) -> dict[str, dict]:
    return {table["name"]: table for table in data["tables"]}


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    root = tmp_path_factory.mktemp("report") / "kota"
    Repository.create(root, "Dinas Sosial Kota Medan")
    cli = Cli(root)
    ids = build_office(root, cli)
    return root, cli, ids


def test_every_count_of_june_is_right(office):
    _root, cli, _ids = office
    data = ok(cli, "report", "--month", "2024-06")
    assert data["period"] == {"label": "2024-06", "from": "2024-06-01", "to": "2024-06-30"}
    tables = by_name(data)
    assert list(tables) == list(reports.TABLES)
    for name, expected in JUNE.items():
        want = {k: v for k, v in expected.items() if v}
        assert nonzero(tables[name]) == want, name
    # every fixed row is there, zeros included, in a stable order
    stage_rows = [row["key"] for row in tables["caseload_by_stage"]["rows"]]
    assert stage_rows == ["intake", "assessment", "planning", "intervention", "evaluation"]
    assert [r["key"] for r in tables["new_by_age"]["rows"]] == ["0-17", "18-59", "60+"]


def test_may_counts_by_the_records_dates(office):
    _root, cli, _ids = office
    tables = by_name(ok(cli, "report", "--month", "2024-05"))
    # C, H new in May and open at its end (C closed in June, H in July)
    assert nonzero(tables["summary"]) == {"new": 2, "open_at_end": 2, "referrals": 1}
    assert nonzero(tables["caseload_by_worker"]) == {DEWI: 2}
    # H's referral, written after its July termination, counts in May, where it is dated
    assert nonzero(tables["referrals_by_destination"]) == {RSJ: 1}


def test_year_quarter_and_range_agree(office):
    _root, cli, _ids = office
    year = by_name(ok(cli, "report", "--year", "2024"))
    ranged = by_name(ok(cli, "report", "--from", "2024-01-01", "--to", "2024-12-31"))
    assert year["summary"] == ranged["summary"]
    # new in 2024: A B C D E F H I (G is a merged duplicate)
    assert nonzero(year["summary"])["new"] == 8
    assert sum(r["total"] for r in year["new_by_month"]["rows"]) == 8
    assert [r["key"] for r in year["new_by_month"]["rows"]] == [
        f"2024-{m:02d}" for m in range(1, 13)
    ]
    # closures in 2024: C D E F H (G merged): 44, 22, 31, 29, 38 days; only D's first
    # episode is shorter than a month (E and F end on the same day a month later)
    assert nonzero(year["summary"])["closures"] == 5
    assert nonzero(year["duration"]) == {"median_days": 31.0, "lt1": 1, "1to3": 4}
    q2 = by_name(ok(cli, "report", "--quarter", "2024-Q2"))
    months = [by_name(ok(cli, "report", "--month", f"2024-0{m}")) for m in (4, 5, 6)]
    for key in ("new", "closures", "merged", "reopened", "referrals", "follow_ups_done"):
        total = nonzero(q2["summary"]).get(key, 0)
        assert total == sum(nonzero(m["summary"]).get(key, 0) for m in months), key


def test_filters_keep_whole_cases(office):
    _root, cli, _ids = office
    dewi = by_name(ok(cli, "report", "--month", "2024-06", "--worker", "dewi"))
    # the cases with Dewi at the end of June: B (transferred), C, F, H
    assert nonzero(dewi["summary"]) == {"new": 1, "open_at_end": 2, "closures": 1,
                                        "transfers": 1, "follow_ups_done": 1}  # fmt: skip
    street = by_name(ok(cli, "report", "--month", "2024-06", "--category", "anak-jalanan"))
    assert nonzero(street["summary"]) == {"new": 1, "open_at_end": 1, "transfers": 1}


def test_two_repositories_sum_to_each_alone(office, tmp_path):
    root, _cli, _ids = office
    other = tmp_path / "shelter"
    Repository.create(other, "UPT Shelter")
    shelter = Cli(other)
    s1 = new(shelter, "Joko", date="2024-06-02", worker="Rina", source="walk-in")
    terminate(shelter, s1, "2024-06-28", "reunified", "Rumah keluarga")
    new(shelter, "Kartini", date="2024-06-15", worker="Rina", sex="P")
    alone = [by_name(ok(Cli(r), "report", "--month", "2024-06")) for r in (root, other)]
    both = ok(Cli(None), "report", "--month", "2024-06", "--root", str(root),
              "--root", str(other))  # fmt: skip
    assert [r["office"] for r in both["repositories"]] == ["Dinas Sosial Kota Medan",
                                                          "UPT Shelter"]  # fmt: skip
    for table in both["tables"]:
        singles = [{r["key"]: r["total"] for r in each[table["name"]]["rows"]} for each in alone]
        for row in table["rows"]:
            # not sums: the median, the average stay and the most in one night of all
            if row["key"] in ("median_days", "average_stay_days", "peak_occupancy"):
                continue
            assert row["values"] == [s.get(row["key"], 0) for s in singles], (table, row)
            assert row["total"] == sum(row["values"])
    summary = {r["key"]: r["values"] for r in by_name(both)["summary"]["rows"]}
    assert summary["new"] == [2, 2] and summary["closures"] == [1, 1]
    median = {r["key"]: r for r in by_name(both)["duration"]["rows"]}["median_days"]
    assert median["values"] == [44.0, 26.0] and median["total"] == 35.0


def test_xlsx_reads_back_with_sheets_headers_and_types(office, tmp_path):
    from openpyxl import load_workbook

    _root, cli, _ids = office
    out = tmp_path / "juni.xlsx"
    result = cli("report", "--month", "2024-06", "--format", "xlsx", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    book = load_workbook(out)
    assert book.sheetnames == ["report", *reports.TABLES]
    info = book["report"]
    assert info["B2"].value == dt.datetime(2024, 6, 1) and info["B3"].value == dt.datetime(
        2024, 6, 30
    )
    summary = book["summary"]
    assert summary.freeze_panes == "A2"
    assert [c.value for c in summary[1]] == ["key", "Uraian", "Jumlah"]
    rows = {row[0].value: row for row in summary.iter_rows(min_row=2)}
    assert rows["new"][2].value == 2 and rows["new"][2].data_type == "n"
    assert rows["new"][1].value == "Kasus baru"
    month = book["new_by_month"]["A2"]
    assert month.value == dt.datetime(2024, 6, 1) and month.number_format == "yyyy-mm"
    assert book["summary"].column_dimensions["B"].width > len("Kasus baru")
    median = {r[0].value: r[2].value for r in book["duration"].iter_rows(min_row=2)}
    assert median["median_days"] == 44


def test_csv_and_markdown_hold_the_same_counts(office):
    _root, cli, _ids = office
    text = cli("report", "--month", "2024-06", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    counts = {(r["table"], r["key"]): r["total"] for r in rows}
    for name, expected in JUNE.items():
        for key, value in expected.items():
            assert float(counts[(name, key)]) == value, (name, key)
    md = cli("report", "--month", "2024-06", "--format", "md", lang="en").stdout
    assert "## New cases by category" in md and "| Beggar | 1 |" in md
    assert "| Rujukan" not in md  # English


def test_terminal_tables_with_bars(office):
    _root, cli, _ids = office
    result = cli("report", "--month", "2024-06", lang="en")
    assert result.exit_code == 0, result.output
    assert "New cases by category" in result.stdout and "█" in result.stdout
    assert "Caseload at the end of the period by worker" in result.stdout


@pytest.mark.parametrize("args", [
    [], ["--month", "2024-13"], ["--month", "2024-06", "--year", "2024"], ["--quarter", "2024-Q5"],
    ["--from", "2024-06-01"], ["--from", "2024-06-30", "--to", "2024-06-01"], ["--year", "24"],
    ["--month", "2024-06", "--format", "docx"], ["--month", "2024-06", "--format", "xlsx"],
    ["--month", "2024-06", "--age-groups", "60,18"], ["--month", "2024-06", "--worker", " "],
])  # fmt: skip
def test_bad_input_is_one_clear_message(office, args):
    _root, cli, _ids = office
    result = cli("report", *args)
    assert result.exit_code == ExitCode.INVALID_INPUT, result.output
    assert "Traceback" not in result.output and result.output.strip().count("\n") <= 1


def test_age_groups_are_configurable(office):
    _root, cli, _ids = office
    tables = by_name(ok(cli, "report", "--month", "2024-06", "--age-groups", "15,65"))
    assert nonzero(tables["new_by_age"]) == {"0-14": 1, "65+": 1}


def test_periods():
    assert reports.parse_period(quarter="2024-Q4") == reports.Period(
        dt.date(2024, 10, 1), dt.date(2024, 12, 31), "2024-Q4"
    )
    assert reports.parse_period(month="2024-02").end == dt.date(2024, 2, 29)
    with pytest.raises(InvalidInput):
        reports.parse_period(month="2024-06", quarter="2024-Q2")


@pytest.mark.parametrize("opened, closed, bucket", [
    ("2024-01-31", "2024-02-28", "lt1"), ("2024-01-31", "2024-02-29", "1to3"),
    ("2024-01-15", "2024-04-14", "1to3"), ("2024-01-15", "2024-04-15", "3to6"),
    ("2024-01-15", "2024-07-14", "3to6"), ("2024-01-15", "2024-07-15", "gt6"),
])  # fmt: skip
def test_duration_buckets_by_calendar_month(opened, closed, bucket):
    day = dt.date.fromisoformat
    assert reports.duration_bucket(day(opened), day(closed)) == bucket


def test_text_that_looks_like_a_formula_stays_text(repo, cli, tmp_path):
    from openpyxl import load_workbook

    case = new(cli, "Joko", date="2024-06-02", worker=SASKIA)
    ok(cli, "refer", case, "--to", "=HYPERLINK(\"http://x.invalid\")", "--reason", "x",
       "--consent", "yes", "--date", "2024-06-03")  # fmt: skip
    text = cli("report", "--month", "2024-06", "--format", "csv").stdout
    assert "'=HYPERLINK" in text
    out = tmp_path / "r.xlsx"
    assert cli("report", "--month", "2024-06", "--format", "xlsx", "-o", str(out)).exit_code == 0
    cells = [row[1] for row in load_workbook(out)["referrals_by_destination"].iter_rows(min_row=2)]
    assert [(c.value, c.data_type) for c in cells] == [('=HYPERLINK("http://x.invalid")', "s")]


def test_an_output_file_is_owner_only_even_when_it_was_there(repo, cli, tmp_path):
    out = tmp_path / "laporan.md"
    out.write_text("lama")
    out.chmod(0o644)
    result = cli("report", "--month", "2024-06", "--format", "md", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600 and out.read_text().startswith("# ")


def test_a_new_record_is_counted_at_once(repo, cli):
    case = new(cli, "Joko", date="2024-06-02", worker=SASKIA)
    before = by_name(ok(cli, "report", "--month", "2024-06"))
    assert nonzero(before["summary"]) == {"new": 1, "open_at_end": 1}
    terminate(cli, case, "2024-06-20", "died")
    after = by_name(ok(cli, "report", "--month", "2024-06"))
    assert nonzero(after["summary"]) == {"new": 1, "closures": 1}
    assert nonzero(after["overdue_at_end"]) == {}  # the follow-up is due 07-20


@given(st.integers(1900, 9998), st.integers(1, 12))  # the day after 9999-12-31 is no date
def test_a_month_is_its_whole_calendar_month(year, month):
    period = reports.parse_period(month=f"{year}-{month:02d}")
    assert period.start == dt.date(year, month, 1) and period.months() == [period.label]
    following = period.end + dt.timedelta(days=1)
    assert following.day == 1 and following.month == month % 12 + 1


@given(st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1)), st.integers(0, 400))
def test_buckets_grow_with_the_days(opened, days):
    order = list(reports.DURATION_BUCKETS)
    first = reports.duration_bucket(opened, opened + dt.timedelta(days=days))
    later = reports.duration_bucket(opened, opened + dt.timedelta(days=days + 1))
    assert order.index(first) <= order.index(later)


def test_the_format_follows_the_files_ending(repo, cli, tmp_path):
    from openpyxl import load_workbook

    new(cli, "Joko", date="2024-06-02", worker=SASKIA)
    assert cli("report", "--month", "2024-06", "-o", str(tmp_path / "r.xlsx")).exit_code == 0
    assert load_workbook(tmp_path / "r.xlsx").sheetnames[1] == "summary"
    assert cli("report", "--month", "2024-06", "-o", str(tmp_path / "r.json")).exit_code == 0
    assert json.loads((tmp_path / "r.json").read_text())["period"]["label"] == "2024-06"
    assert cli("report", "--month", "2024-06", "-o", str(tmp_path / "r.txt")).exit_code == 0
    assert (tmp_path / "r.txt").read_text().startswith("# Laporan 2024-06")

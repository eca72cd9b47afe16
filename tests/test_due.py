"""``ppks due``: on a repository built here with known dates, exactly the expected items
(deadlines.due_items for each kind, then due_list across cases: worker, window, order),
the command in both languages and as JSON, and the count in ``ppks status``."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppks_cli import casework, deadlines
from ppks_cli.due import MAX_WITHIN, due_list, own_due, words, worker_matches
from ppks_cli.errors import InvalidInput
from ppks_cli.intake import NewCase, create_case, prepare
from ppks_cli.records import Goal, GoalProgress
from ppks_cli.store import Repository

from conftest import git, run_ppks

D = dt.date
TODAY = D(2024, 7, 1)  # the day every list below is made on
SASKIA = {"worker": "Saskia"}


def new(repo, name: str, intake: str, worker: str = "Saskia"):
    form = NewCase(
        name=name, sex="P", birth_year="1990", category="pengemis", intake_date=intake,
        source="street-raid", found_at="Pasar", worker=worker,
    )  # fmt: skip
    return create_case(repo, prepare(form), allow_duplicates=True)


def with_settings(repo: Repository, *changes: tuple[str, str]) -> Repository:
    text = repo.paths.config.read_text()
    for old, new_ in changes:
        assert old in text
        text = text.replace(old, new_)
    repo.paths.config.write_text(text)
    return Repository.open(repo.root)


def owed(repo, case) -> list[tuple[str, dt.date, str | None, dict]]:
    """deadlines.due_items of ``case`` as read back from disk."""
    case = repo.find_case(case.id)
    return [(i.kind, i.due, i.record, i.params) for i in deadlines.due_items(repo.config, case)]


# --- deadlines.due_items, kind by kind ---------------------------------------------------


def test_assessment_is_due_after_intake_and_gone_once_assessed(repo):
    case = new(repo, "AA", "2024-06-20")
    assert owed(repo, case) == [("assessment", D(2024, 6, 27), None, {})]
    casework.assess(repo, case, problems=["x"], date=D(2024, 6, 30), **SASKIA)
    assert owed(repo, case) == []


def test_evaluation_after_a_plan_and_goals_by_their_target_date(repo):
    case = new(repo, "AB", "2024-05-01")
    casework.assess(repo, case, problems=["x"], date=D(2024, 5, 2), **SASKIA)
    plan = casework.plan(repo, case, goals=[
        Goal(what="Sekolah", target_date=D(2024, 6, 20)), Goal(what="Tanpa target"),
        Goal(what="Rumah", target_date=D(2024, 7, 20)),
    ], date=D(2024, 6, 5), **SASKIA)  # fmt: skip
    assert owed(repo, case) == [
        ("goal", D(2024, 6, 20), plan.id, {"goal": 1, "what": "Sekolah"}),
        ("evaluation", D(2024, 7, 5), plan.id, {}),
        ("goal", D(2024, 7, 20), plan.id, {"goal": 3, "what": "Rumah"}),
    ]


def test_an_achieved_goal_is_no_longer_owed_nor_the_evaluation(repo):
    case = new(repo, "AC", "2024-04-01")
    casework.assess(repo, case, problems=["x"], date=D(2024, 4, 2), **SASKIA)
    plan = casework.plan(repo, case, goals=[
        Goal(what="Satu", target_date=D(2024, 6, 1)), Goal(what="Dua", target_date=D(2024, 6, 10)),
    ], date=D(2024, 5, 1), **SASKIA)  # fmt: skip
    casework.intervene(repo, case, activity="home-visit", description="d", date=D(2024, 5, 5),
                       **SASKIA)  # fmt: skip
    casework.evaluate(repo, case, progress="p", decision="continue", date=D(2024, 6, 15),
                      goal_status=[GoalProgress(goal=1, status="achieved"),
                                   GoalProgress(goal=2, status="partly")], **SASKIA)  # fmt: skip
    assert owed(repo, case) == [("goal", D(2024, 6, 10), plan.id, {"goal": 2, "what": "Dua"})]


def test_first_follow_up_after_termination_then_the_next_date_it_set(repo):
    case = new(repo, "AD", "2024-03-01")
    casework.assess(repo, case, problems=["x"], date=D(2024, 3, 2), **SASKIA)
    end = casework.terminate(repo, case, reason="reunified", outcome="o", date=D(2024, 4, 1),
                             **SASKIA)  # fmt: skip
    assert owed(repo, case) == [("follow_up", D(2024, 5, 1), end.id, {})]
    visit = casework.follow_up(repo, case, findings="baik", date=D(2024, 5, 1),
                               next_date=D(2024, 6, 15), **SASKIA)  # fmt: skip
    assert owed(repo, case) == [("next_follow_up", D(2024, 6, 15), visit.id, {})]
    casework.follow_up(repo, case, findings="baik", date=D(2024, 6, 16), **SASKIA)
    assert owed(repo, case) == []  # the last visit set no next date


def test_a_referral_is_owed_an_answer_until_it_gets_one(repo):
    case = new(repo, "AE", "2024-06-01")
    casework.assess(repo, case, problems=["x"], date=D(2024, 6, 2), **SASKIA)
    sent = casework.refer(repo, case, destination="RSJ", reason="r", consent=True,
                          date=D(2024, 6, 10), **SASKIA)  # fmt: skip
    assert owed(repo, case) == [("referral", D(2024, 6, 24), sent.id, {"destination": "RSJ"})]
    casework.update_referral(repo, case, status="accepted", referral=sent.id,
                             date=D(2024, 6, 12), **SASKIA)  # fmt: skip
    assert owed(repo, case) == []


def test_a_pending_approval_when_the_office_requires_one(repo):
    repo = with_settings(repo, ("require_approval = []", 'require_approval = ["assessment"]'))
    case = new(repo, "AF", "2024-06-01")
    done = casework.assess(repo, case, problems=["x"], date=D(2024, 6, 28), **SASKIA)
    assert owed(repo, case) == [("approval", D(2024, 6, 28), done.id, {"stage": "assessment"})]
    casework.approve(repo, case, stage="assessment", by="Kepala Seksi", date=D(2024, 6, 29))
    assert owed(repo, case) == []


def test_a_deadline_of_zero_is_off(repo):
    case = new(repo, "AG", "2024-06-20")
    repo = with_settings(repo, ("assessment_days = 7", "assessment_days = 0"))
    assert owed(repo, case) == []


def test_a_reopened_case_owes_a_new_assessment(repo):
    case = new(repo, "AH", "2024-03-01")
    casework.assess(repo, case, problems=["x"], date=D(2024, 3, 2), **SASKIA)
    casework.terminate(repo, case, reason="reunified", outcome="o", date=D(2024, 5, 1), **SASKIA)
    again = casework.reopen(repo, case, reason="kembali", date=D(2024, 6, 28), **SASKIA)
    # the new episode: its own assessment, no follow-up of the old termination
    assert owed(repo, case) == [("assessment", D(2024, 7, 5), again.id, {})]


# --- due_list across cases -----------------------------------------------------------------


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """Cases of two workers with known dates; ``ids`` by letter, ``records`` by purpose."""
    root = tmp_path_factory.mktemp("due") / "kasus"
    repo = Repository.create(root, "Dinas Sosial Kota Medan", "Saskia")
    ids: dict[str, str] = {}
    records: dict[str, str] = {}
    w = SASKIA

    a = new(repo, "Ani", "2024-06-20")  # assessment due 06-27: 4 days late
    b = new(repo, "Beni", "2024-06-01")  # assessed, no plan yet: owes nothing
    casework.assess(repo, b, problems=["x"], date=D(2024, 6, 5), **w)
    c = new(repo, "Cici", "2024-05-01")
    casework.assess(repo, c, problems=["x"], date=D(2024, 5, 2), **w)
    records["c_plan"] = casework.plan(repo, c, goals=[
        Goal(what="Sekolah", target_date=D(2024, 6, 20)),  # 11 days late
        Goal(what="Rumah", target_date=D(2024, 7, 20)),  # beyond the window
    ], date=D(2024, 6, 5), **w).id  # evaluation due 07-05: in 4 days  # fmt: skip
    d = new(repo, "Dedi", "2024-04-01")
    casework.assess(repo, d, problems=["x"], date=D(2024, 4, 2), **w)
    records["d_plan"] = casework.plan(repo, d, goals=[
        Goal(what="Satu", target_date=D(2024, 6, 1)),  # achieved: not owed
        Goal(what="Dua", target_date=D(2024, 6, 10)),  # 21 days late
    ], date=D(2024, 5, 1), **w).id  # fmt: skip
    casework.intervene(repo, d, activity="home-visit", description="d", date=D(2024, 5, 5), **w)
    casework.evaluate(repo, d, progress="p", decision="continue", date=D(2024, 6, 15),
                      goal_status=[GoalProgress(goal=1, status="achieved")], **w)  # fmt: skip
    e = new(repo, "Eka", "2024-05-01")
    casework.assess(repo, e, problems=["x"], date=D(2024, 5, 2), **w)
    records["e_end"] = casework.terminate(
        repo, e, reason="reunified", outcome="o", date=D(2024, 6, 5), **w
    ).id  # follow-up 07-05
    f = new(repo, "Fajar", "2024-03-01")
    casework.assess(repo, f, problems=["x"], date=D(2024, 3, 2), **w)
    casework.terminate(repo, f, reason="reunified", outcome="o", date=D(2024, 4, 1), **w)
    records["f_visit"] = casework.follow_up(
        repo, f, findings="baik", date=D(2024, 5, 1), next_date=D(2024, 6, 15), **w
    ).id  # 16 days late
    g = new(repo, "Gita", "2024-06-01")
    casework.assess(repo, g, problems=["x"], date=D(2024, 6, 2), **w)
    answered = casework.refer(repo, g, destination="RS Pirngadi", reason="r", consent=True,
                              date=D(2024, 6, 5), **w)  # fmt: skip
    casework.update_referral(repo, g, status="accepted", referral=answered.id,
                             date=D(2024, 6, 8), **w)  # fmt: skip
    records["g_referral"] = casework.refer(
        repo, g, destination="RSJ", reason="r", consent=True, date=D(2024, 6, 10), **w
    ).id  # due 06-24: 7 late
    i = new(repo, "Indah", "2024-03-01")
    casework.assess(repo, i, problems=["x"], date=D(2024, 3, 2), **w)
    casework.terminate(repo, i, reason="reunified", outcome="o", date=D(2024, 5, 1), **w)
    records["i_reopen"] = casework.reopen(
        repo, i, reason="kembali", date=D(2024, 6, 28), **w
    ).id  # assessment due 07-05
    j = new(repo, "Joko", "2024-06-25", worker="Budi Santoso")  # due 07-02: tomorrow
    k = new(repo, "Kiki", "2024-07-01")  # due 07-08 = today + 7: listed
    l_ = new(repo, "Lina", "2024-07-02")  # due 07-09 = today + 8: not listed
    m = new(repo, "Mega", "2024-06-24")  # due 07-01: today
    n = new(repo, "Nur", "2024-06-28", worker="Saskia Pane")  # due 07-05
    for key, case in zip("abcdefgijklmn", (a, b, c, d, e, f, g, i, j, k, l_, m, n), strict=True):
        ids[key] = case.id
    return repo, ids, records


def rows(found) -> list[tuple]:
    return [(e.case_id, e.item.kind, e.item.due, e.days_late) for e in found.entries]


def test_exactly_the_expected_items_for_one_worker_most_urgent_first(office):
    repo, ids, records = office
    found = due_list(repo, worker=None, everyone=False, today=TODAY)  # PPKS_WORKER unset
    assert found.worker == "Saskia"  # [defaults] worker
    assert rows(found) == [
        (ids["d"], "goal", D(2024, 6, 10), 21),
        (ids["f"], "next_follow_up", D(2024, 6, 15), 16),
        (ids["c"], "goal", D(2024, 6, 20), 11),
        (ids["c"], "evaluation", D(2024, 7, 5), -4),  # with its case, ranked by the goal
        (ids["g"], "referral", D(2024, 6, 24), 7),
        (ids["a"], "assessment", D(2024, 6, 27), 4),
        (ids["m"], "assessment", D(2024, 7, 1), 0),
        (ids["i"], "assessment", D(2024, 7, 5), -4),  # same day: assessment before follow-up
        (ids["e"], "follow_up", D(2024, 7, 5), -4),
        (ids["k"], "assessment", D(2024, 7, 8), -7),
    ]
    by_case = {e.case_id: e for e in found.entries}
    assert by_case[ids["i"]].item.record == records["i_reopen"]
    assert by_case[ids["f"]].item.record == records["f_visit"]
    assert by_case[ids["g"]].item.record == records["g_referral"]
    assert by_case[ids["g"]].item.params == {"destination": "RSJ"}
    assert by_case[ids["e"]].item.record == records["e_end"]
    assert [g.case_id for g in found.groups] == list(dict.fromkeys(r[0] for r in rows(found)))
    assert (found.overdue, found.due_soon) == (5, 5)
    assert found.problems == []


def test_the_window_includes_its_last_day_and_not_the_next(office):
    repo, ids, _ = office
    listed = {e.case_id for e in due_list(repo, worker="Saskia", within=7, today=TODAY).entries}
    assert ids["k"] in listed and ids["l"] not in listed
    listed = {e.case_id for e in due_list(repo, worker="Saskia", within=8, today=TODAY).entries}
    assert ids["l"] in listed
    only_late = due_list(repo, worker="Saskia", within=0, today=TODAY)
    assert all(e.days_late >= 0 for e in only_late.entries)
    assert ids["m"] in {e.case_id for e in only_late.entries}  # due today counts


def test_workers_by_whole_words(office):
    repo, ids, _ = office

    def cases(**kw):
        return {e.case_id for e in due_list(repo, today=TODAY, **kw).entries}

    assert cases(worker="budi") == {ids["j"]}
    assert cases(worker="SANTOSO") == {ids["j"]}
    assert cases(worker="Bud") == set()  # a part of a word is not the name
    assert ids["n"] in cases(worker="saskia")  # Saskia Pane: the word Saskia
    assert cases(worker="Saskia Pane") == {ids["n"]}
    own = cases()  # the user's own name, whole: Saskia, not Saskia Pane nor Budi
    assert ids["n"] not in own and ids["j"] not in own and ids["a"] in own
    everyone = cases(everyone=True)
    assert everyone == own | {ids["j"], ids["n"]}


def test_the_default_worker_comes_from_the_environment_then_the_settings(office, monkeypatch):
    repo, ids, _ = office
    monkeypatch.setenv("PPKS_WORKER", "budi santoso")
    assert {e.case_id for e in due_list(repo, today=TODAY).entries} == {ids["j"]}
    monkeypatch.setenv("PPKS_WORKER", "Budi")  # whole name: not Budi Santoso
    assert due_list(repo, today=TODAY).entries == []


def test_no_worker_known_is_one_clear_error(tmp_path):
    repo = Repository.create(tmp_path / "kasus", "Dinas Sosial Kota Medan")  # no worker
    with pytest.raises(InvalidInput) as err:
        due_list(repo, today=TODAY)
    assert err.value.key == "error.due_no_worker"
    assert "--worker" in err.value.message() and "--all" in err.value.message()
    assert own_due(repo) is None
    assert due_list(repo, everyone=True, today=TODAY).entries == []


@pytest.mark.parametrize("within", [-1, MAX_WITHIN + 1, 10**20])
def test_bad_within_is_refused_before_the_index_is_made(tmp_path, within):
    repo = Repository.create(tmp_path / "kasus", "Dinas Sosial Kota Medan", "Saskia")
    before = sorted(p.name for p in repo.root.iterdir())
    with pytest.raises(InvalidInput) as err:
        due_list(repo, within=within)
    assert err.value.key == "error.due_within"
    assert sorted(p.name for p in repo.root.iterdir()) == before


def test_worker_and_all_together_are_refused(office):
    repo, _, _ = office
    with pytest.raises(InvalidInput) as err:
        due_list(repo, worker="Saskia", everyone=True)
    assert err.value.key == "error.due_worker_and_all"


def test_settings_change_the_list_at_once(tmp_path):
    repo = Repository.create(tmp_path / "kasus", "Dinas Sosial Kota Medan", "Saskia")
    case = new(repo, "Ani", "2024-06-20")
    assert rows(due_list(repo, today=TODAY)) == [(case.id, "assessment", D(2024, 6, 27), 4)]
    repo = with_settings(repo, ("assessment_days = 7", "assessment_days = 0"))
    assert due_list(repo, today=TODAY).entries == []
    repo = with_settings(
        repo,
        ("assessment_days = 0", "assessment_days = 12"),
        ("require_approval = []", 'require_approval = ["assessment"]'),
    )
    assert rows(due_list(repo, today=TODAY)) == [(case.id, "assessment", D(2024, 7, 2), -1)]
    done = casework.assess(repo, case, problems=["x"], date=D(2024, 6, 29), **SASKIA)
    found = due_list(repo, today=TODAY)
    assert rows(found) == [(case.id, "approval", D(2024, 6, 29), 2)]
    assert found.entries[0].item.record == done.id


def test_an_unreadable_case_is_reported_not_dropped(tmp_path):
    repo = Repository.create(tmp_path / "kasus", "Dinas Sosial Kota Medan", "Saskia")
    good = new(repo, "Ani", "2024-06-20")
    bad = new(repo, "Beni", "2024-06-20")
    (repo.paths.cases / bad.id / "case.toml").write_text("schema = [\n")
    found = due_list(repo, today=TODAY)
    assert [e.case_id for e in found.entries] == [good.id]
    assert [p.file for p in found.problems] == [f"cases/{bad.id}/case.toml"]


def test_words_and_matching():
    assert words("  Saskia  Pané, S.Sos ") == ("saskia", "pane", "s", "sos")
    assert worker_matches(words("saskia"), "Saskia Pane", whole=False)
    assert not worker_matches(words("saskia"), "Saskia Pane", whole=True)
    assert worker_matches(words("SASKIA pane"), "Saskia Pané", whole=True)
    assert not worker_matches(words("pane saskia"), "Saskia Pane", whole=False)
    assert not worker_matches(words("sas"), "Saskia", whole=False)
    assert not worker_matches((), "Saskia", whole=False)
    assert not worker_matches(words("Saskia"), None, whole=True)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    today=st.dates(min_value=D(2024, 1, 1), max_value=D(2025, 1, 1)),
    within=st.integers(min_value=0, max_value=400),
)
def test_every_item_is_late_or_within_the_window_and_in_order(office, today, within):
    repo, _, _ = office
    found = due_list(repo, everyone=True, within=within, today=today)
    late = 0
    for entry in found.entries:
        assert entry.item.due <= today + dt.timedelta(days=within)
        assert entry.days_late == (today - entry.item.due).days
        assert entry.overdue == (entry.item.due < today) == (entry.days_late > 0)
        late += entry.overdue
    assert (found.overdue, found.due_soon) == (late, len(found.entries) - late)
    firsts = [g.entries[0].item.due for g in found.groups]
    assert firsts == sorted(firsts)
    for group in found.groups:
        dues = [e.item.due for e in group.entries]
        assert dues == sorted(dues)
    # a wider window only adds items
    wider = due_list(repo, everyone=True, within=within + 30, today=today)
    assert {(e.case_id, e.item.kind, e.item.due) for e in found.entries} <= {
        (e.case_id, e.item.kind, e.item.due) for e in wider.entries
    }


# --- the command -------------------------------------------------------------------------


@pytest.fixture
def small(tmp_path):
    """A repository with two late items of Saskia's and one of Budi's, dated from today
    (the command lists on the real date)."""
    repo = Repository.create(tmp_path / "kasus", "Dinas Sosial Kota Medan", "Saskia")
    today = dt.date.today()
    late = new(repo, "Ani", (today - dt.timedelta(days=10)).isoformat())  # 3 days late
    soon = new(repo, "Beni", (today - dt.timedelta(days=5)).isoformat())  # in 2 days
    now = new(repo, "Cici", (today - dt.timedelta(days=7)).isoformat())  # today
    other = new(repo, "Dodi", (today - dt.timedelta(days=8)).isoformat(), worker="Budi")
    return repo, {"late": late.id, "soon": soon.id, "now": now.id, "other": other.id}


def test_text_in_indonesian_grouped_by_case(small):
    repo, ids = small
    result = run_ppks("--root", str(repo.root), "due")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(ids["late"]) and "Ani" in lines[0] and "Saskia" in lines[0]
    assert "Penerimaan" in lines[0]
    assert lines[1].split() == ["terlambat", "3", "hari", lines[1].split()[3], "asesmen"]
    assert lines[3].startswith(ids["now"]) and "hari ini" in lines[4]
    assert lines[6].startswith(ids["soon"]) and "2 hari lagi" in lines[7]
    assert ids["other"] not in result.stdout
    assert "\x1b[" not in result.stdout  # no colours when not at a terminal


def test_colours_late_red_today_yellow_and_none_with_no_color(small):
    repo, _ = small
    result = run_ppks("--root", str(repo.root), "due", env={"FORCE_COLOR": "1"})
    late = next(line for line in result.stdout.splitlines() if "terlambat" in line)
    today = next(line for line in result.stdout.splitlines() if "hari ini" in line)
    soon = next(line for line in result.stdout.splitlines() if "hari lagi" in line)
    assert "\x1b[1;31m" in late and "\x1b[33m" in today and "\x1b[3" not in soon
    result = run_ppks("--root", str(repo.root), "due", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[1;31m" not in result.stdout and "\x1b[33m" not in result.stdout


def test_text_in_english_and_for_everyone(small):
    repo, ids = small
    result = run_ppks("--root", str(repo.root), "--lang", "en", "due", "--all")
    assert result.returncode == 0, result.stderr
    assert "3 days late" in result.stdout and "in 2 days" in result.stdout
    assert "today" in result.stdout and "1 day late" in result.stdout  # Budi's
    assert ids["other"] in result.stdout and "assessment" in result.stdout


def test_json_is_a_flat_list_of_items(small):
    repo, ids = small
    result = run_ppks("--root", str(repo.root), "due", "--worker", "budi", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [(d["case"], d["kind"], d["days_late"], d["overdue"]) for d in data] == [
        (ids["other"], "assessment", 1, True)
    ]
    assert data[0]["worker"] == "Budi" and data[0]["message"] == "asesmen"
    assert data[0]["due"] == (dt.date.today() - dt.timedelta(days=1)).isoformat()


def test_nothing_due_is_a_friendly_line(small):
    repo, _ = small
    result = run_ppks("--root", str(repo.root), "due", "--worker", "Nobody Here")
    assert result.returncode == 0 and result.stdout.startswith("Tidak ada tugas untuk Nobody")
    result = run_ppks("--root", str(repo.root), "--lang", "en", "due", "--worker", "Nobody")
    assert result.stdout.startswith("Nothing for Nobody is late or due within the next 7 days")
    result = run_ppks("--root", str(repo.root), "due", "--worker", "Nobody", "--json")
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize("args, words_", [
    (["--within", "-3"], ["--within", "3660", "-3"]),
    (["--within", "99999"], ["--within", "3660", "99999"]),
    (["--worker", "Saskia", "--all"], ["--worker", "--all"]),
    (["--worker", " "], ["--worker"]),
])  # fmt: skip
def test_bad_options_are_one_clear_message(small, args, words_):
    repo, _ = small
    result = run_ppks("--root", str(repo.root), "due", *args)
    assert result.returncode == 3, result.stdout
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    for word in words_:
        assert word in result.stderr


def test_no_worker_known_says_how_to_give_one(tmp_path):
    root = tmp_path / "kasus"
    Repository.create(root, "Dinas Sosial Kota Medan")
    result = run_ppks("--root", str(root), "--lang", "en", "due")
    assert result.returncode == 3
    assert "--worker NAME or --all" in result.stderr and "PPKS_WORKER" in result.stderr
    assert run_ppks("--root", str(root), "due", "--all").returncode == 0
    result = run_ppks("--root", str(root), "due", env={"PPKS_WORKER": "Saskia"})
    assert result.returncode == 0 and "Saskia" in result.stdout


def test_an_unreadable_case_is_a_warning(small):
    repo, ids = small
    (repo.paths.cases / ids["soon"] / "case.toml").write_text("schema = [\n")
    result = run_ppks("--root", str(repo.root), "due")
    assert result.returncode == 0
    assert ids["soon"] in result.stderr and "ppks check" in result.stderr
    assert ids["late"] in result.stdout and ids["soon"] not in result.stdout


# --- ppks status -------------------------------------------------------------------------


def test_status_counts_the_users_items(small):
    repo, _ = small
    git("init", "-q", cwd=repo.root)
    result = run_ppks("--root", str(repo.root), "status")
    assert result.returncode == 0, result.stderr
    assert "1 tugas terlambat, 2 jatuh tempo dalam 7 hari (ppks due)" in result.stdout
    result = run_ppks("--root", str(repo.root), "--lang", "en", "status",
                      env={"PPKS_WORKER": "Budi"})  # fmt: skip
    assert "1 overdue, 0 due within 7 days (ppks due)" in result.stdout
    data = json.loads(run_ppks("--root", str(repo.root), "status", "--json").stdout)
    assert (data["overdue"], data["due_soon"]) == (1, 2)


def test_status_says_nothing_of_due_items_without_a_name(tmp_path):
    root = tmp_path / "kasus"
    repo = Repository.create(root, "Dinas Sosial Kota Medan")
    new(repo, "Ani", "2024-06-20")
    git("init", "-q", cwd=root)
    result = run_ppks("--root", str(root), "status")
    assert result.returncode == 0, result.stderr
    assert "ppks due" not in result.stdout
    data = json.loads(run_ppks("--root", str(root), "status", "--json").stdout)
    assert data["overdue"] is None and data["due_soon"] is None

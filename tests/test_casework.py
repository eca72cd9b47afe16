"""The casework method: every step, the stage machine, supervision, deadlines."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppks_cli import casework
from ppks_cli.errors import InvalidInput, NotFound, Refused
from ppks_cli.intake import create_case, prepare
from ppks_cli.records import Goal, GoalProgress
from ppks_cli.store import Repository

from conftest import MR, snapshot

D = dt.date
W = {"worker": "Saskia"}


def fresh(repo):
    return create_case(repo, prepare(MR), allow_duplicates=True)


def to_planning(repo, case):
    casework.assess(repo, case, problems=["Konflik dengan keluarga"], date=D(2024, 2, 20), **W)
    casework.plan(repo, case, goals=[Goal(what="Kembali ke keluarga")], date=D(2024, 2, 23), **W)


def to_intervention(repo, case):
    to_planning(repo, case)
    casework.intervene(
        repo,
        case,
        activity="individual-counseling",
        description="Konseling",
        date=D(2024, 3, 1),
        **W,
    )


def stage(case):
    state = case.state
    return state.stage, state.closed


def test_main_path_in_order(repo):
    case = fresh(repo)
    assert stage(case) == ("intake", False)
    casework.assess(repo, case, problems=["x"], date=D(2024, 2, 20), **W)
    assert stage(case) == ("assessment", False)
    casework.plan(repo, case, goals=[Goal(what="g")], date=D(2024, 2, 23), **W)
    assert stage(case) == ("planning", False)
    casework.intervene(repo, case, activity="home-visit", description="d", date=D(2024, 3, 1), **W)
    assert stage(case) == ("intervention", False)
    casework.refer(repo, case, destination="RS", reason="r", consent=True, date=D(2024, 6, 20), **W)
    assert stage(case) == ("intervention", False)
    casework.evaluate(repo, case, progress="s", decision="terminate", date=D(2024, 6, 25), **W)
    assert stage(case) == ("evaluation", False)
    casework.terminate(repo, case, reason="referred", outcome="s", date=D(2024, 6, 30), **W)
    assert stage(case) == ("termination", True)
    casework.follow_up(repo, case, findings="baik", date=D(2024, 7, 30), **W)
    assert stage(case) == ("termination", True)
    # what is on disk derives the same state
    assert stage(repo.find_case(case.id)) == ("termination", True)


def test_evaluation_continue_goes_back_to_intervention(repo):
    case = fresh(repo)
    to_intervention(repo, case)
    casework.evaluate(repo, case, progress="s", decision="continue", date=D(2024, 4, 1), **W)
    assert stage(case) == ("intervention", False)
    casework.intervene(repo, case, activity="home-visit", description="d", date=D(2024, 4, 2), **W)
    casework.evaluate(repo, case, progress="s", decision="terminate", date=D(2024, 5, 1), **W)
    assert stage(case) == ("evaluation", False)


def test_evaluation_revise_needs_a_new_plan_before_intervening(repo):
    case = fresh(repo)
    to_intervention(repo, case)
    casework.evaluate(repo, case, progress="s", decision="revise", date=D(2024, 4, 1), **W)
    assert stage(case) == ("planning", False)
    with pytest.raises(Refused) as err:
        casework.intervene(
            repo, case, activity="home-visit", description="d", date=D(2024, 4, 2), **W
        )
    assert "ppks plan" in str(err.value)
    casework.plan(repo, case, goals=[Goal(what="baru")], date=D(2024, 4, 3), **W)
    casework.intervene(repo, case, activity="home-visit", description="d", date=D(2024, 4, 4), **W)
    assert case.state.current_plan.goals[0].what == "baru"


def test_reassessment_and_revised_plan_keep_history(repo):
    case = fresh(repo)
    to_planning(repo, case)
    casework.assess(repo, case, problems=["baru"], date=D(2024, 2, 24), **W)
    assert stage(case) == ("assessment", False)
    assert case.state.latest_assessment.problems == ["baru"]
    assert len([r for r in case.records if r.kind == "assessment"]) == 2


@pytest.mark.parametrize("steps", [0, 1, 2, 3])
def test_termination_from_any_open_stage(repo, steps):
    case = fresh(repo)
    if steps >= 1:
        casework.assess(repo, case, problems=["x"], date=D(2024, 2, 20), **W)
    if steps >= 2:
        casework.plan(repo, case, goals=[Goal(what="g")], date=D(2024, 2, 23), **W)
    if steps >= 3:
        casework.intervene(
            repo, case, activity="home-visit", description="d", date=D(2024, 3, 1), **W
        )
    casework.terminate(
        repo, case, reason="refused-or-left", outcome="Klien pergi", date=D(2024, 3, 5), **W
    )
    assert stage(case) == ("termination", True)


REFUSALS = [
    # (steps before, command, stage named, command suggested)
    ("new", lambda r, c: casework.plan(r, c, goals=[Goal(what="g")], date=D(2024, 3, 1), **W), "Penerimaan", "ppks assess"),
    ("planning", lambda r, c: casework.evaluate(r, c, progress="s", decision="continue", date=D(2024, 3, 1), **W), "Perencanaan", "ppks intervene"),
    ("closed", lambda r, c: casework.intervene(r, c, activity="home-visit", description="d", date=D(2024, 3, 9), **W), "ditutup", "ppks reopen"),
    ("new", lambda r, c: casework.follow_up(r, c, findings="s", date=D(2024, 3, 1), **W), "Penerimaan", "ppks assess"),
    ("planning", lambda r, c: casework.reopen(r, c, reason="x", date=D(2024, 3, 1), **W), "Perencanaan", "ppks intervene"),
    ("closed", lambda r, c: casework.refer(r, c, destination="RS", reason="r", consent=True, date=D(2024, 3, 9), **W), "ditutup", "ppks reopen"),
]  # fmt: skip


@pytest.mark.parametrize("before, step, stage_name, suggestion", REFUSALS)
def test_steps_out_of_order_are_refused_and_write_nothing(
    repo, before, step, stage_name, suggestion
):
    case = fresh(repo)
    if before in ("planning", "closed"):
        to_planning(repo, case)
    if before == "closed":
        casework.terminate(
            repo, case, reason="other", reason_note="x", outcome="s", date=D(2024, 3, 8), **W
        )
    files = snapshot(repo.root)
    with pytest.raises(Refused) as err:
        step(repo, repo.find_case(case.id))
    message = str(err.value)
    assert stage_name in message and suggestion in message and case.id in message
    assert message.count(".") >= 1 and "\n" not in message
    assert snapshot(repo.root) == files


def test_reopen_starts_a_second_episode_at_assessment(repo):
    case = fresh(repo)
    to_intervention(repo, case)
    casework.terminate(repo, case, reason="reunified", outcome="Pulang", date=D(2024, 3, 10), **W)
    casework.reopen(repo, case, reason="Kembali terjaring razia", date=D(2024, 5, 1), **W)
    state = case.state
    assert (state.stage, state.closed, state.episode) == ("assessment", False, 2)
    assert state.latest_assessment is None  # the old episode's assessment does not count
    with pytest.raises(Refused):
        casework.plan(repo, case, goals=[Goal(what="g")], date=D(2024, 5, 2), **W)
    casework.assess(repo, case, problems=["Kembali ke jalan"], date=D(2024, 5, 2), **W)
    casework.plan(repo, case, goals=[Goal(what="g2")], date=D(2024, 5, 3), **W)
    casework.intervene(repo, case, activity="home-visit", description="d", date=D(2024, 5, 4), **W)
    casework.evaluate(repo, case, progress="s", decision="terminate", date=D(2024, 5, 20), **W)
    casework.terminate(
        repo, case, reason="goals-achieved", outcome="Selesai", date=D(2024, 5, 30), **W
    )
    state = repo.find_case(case.id).state
    assert state.closed and state.episode == 2
    assert [len(e.records) for e in state.episodes] == [4, 6]


def test_approval_required_for_the_plan(repo):
    text = repo.paths.config.read_text().replace(
        "require_approval = []", 'require_approval = ["plan"]'
    )
    repo.paths.config.write_text(text)
    repo = Repository.open(repo.root)
    case = fresh(repo)
    to_planning(repo, case)
    files = snapshot(repo.root)
    with pytest.raises(Refused) as err:
        casework.intervene(
            repo, case, activity="home-visit", description="d", date=D(2024, 3, 1), **W
        )
    assert "ppks approve" in str(err.value) and "plan" in str(err.value)
    assert snapshot(repo.root) == files
    casework.approve(
        repo, case, stage="plan", by="Drs. Supervisor", comment="Setuju", date=D(2024, 2, 24)
    )
    casework.intervene(repo, case, activity="home-visit", description="d", date=D(2024, 3, 1), **W)
    # a revised plan needs a new approval
    casework.plan(repo, case, goals=[Goal(what="revisi")], date=D(2024, 3, 2), **W)
    with pytest.raises(Refused):
        casework.intervene(
            repo, case, activity="home-visit", description="d", date=D(2024, 3, 3), **W
        )


def test_approval_refusals(repo):
    case = fresh(repo)
    with pytest.raises(Refused):
        casework.approve(repo, case, stage="assessment", by="S")
    casework.assess(repo, case, problems=["x"], date=D(2024, 2, 20), **W)
    casework.approve(repo, case, stage="assessment", by="S")
    with pytest.raises(Refused):
        casework.approve(repo, case, stage="assessment", by="S")
    with pytest.raises(InvalidInput):
        casework.approve(repo, case, stage="intake", by="S")


def test_referral_directory_consent_and_status(repo):
    text = repo.paths.config.read_text() + (
        '\n[[resources]]\nname = "UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai"\n'
        'kind = "UPT provinsi"\naddress = "Jl. Panti Karya, Binjai"\n'
    )
    repo.paths.config.write_text(text)
    repo = Repository.open(repo.root)
    case = fresh(repo)
    with pytest.raises(InvalidInput) as err:
        casework.refer(repo, case, destination="binjai", reason="r", consent=False, **W)
    assert "--no-consent-reason" in str(err.value)
    referral = casework.refer(
        repo, case, destination="gepeng binjai".split()[1], reason="r", consent=True, **W
    )
    assert referral.destination == "UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai"
    assert referral.destination_address == "Jl. Panti Karya, Binjai"
    other = casework.refer(
        repo, case, destination="RSUD Dr. Pirngadi Medan", reason="r", consent=True, **W
    )
    assert other.destination_address is None
    with pytest.raises(NotFound) as err:  # two open referrals: which one?
        casework.update_referral(repo, case, status="accepted", **W)
    assert referral.id in str(err.value) and other.id in str(err.value)
    casework.update_referral(repo, case, status="accepted", referral="pirngadi", **W)
    casework.update_referral(repo, case, status="completed", referral=other.id[:3], **W)
    statuses = dict((r.id, s) for r, s in case.state.referrals())
    assert statuses == {referral.id: "sent", other.id: "completed"}
    assert [r.id for r, _ in case.state.referrals(open_only=True)] == [referral.id]


def test_goal_numbers_must_exist(repo):
    case = fresh(repo)
    to_planning(repo, case)
    with pytest.raises(InvalidInput) as err:
        casework.intervene(repo, case, activity="home-visit", description="d", goals=[2], **W)
    assert "--goal" in str(err.value)
    casework.intervene(repo, case, activity="home-visit", description="d", goals=[1], **W)
    with pytest.raises(InvalidInput):
        casework.evaluate(repo, case, progress="s", decision="continue",
                          goal_status=[GoalProgress(goal=3, status="achieved")], **W)  # fmt: skip


def test_dates_before_intake_or_in_the_future(repo):
    case = fresh(repo)
    with pytest.raises(Refused) as err:
        casework.assess(repo, case, problems=["x"], date=D(2024, 1, 1), **W)
    assert "2024-02-16" in str(err.value)
    with pytest.raises(InvalidInput):
        casework.assess(
            repo, case, problems=["x"], date=dt.date.today() + dt.timedelta(days=1), **W
        )


def test_a_backdated_step_that_would_reorder_later_records_is_refused(repo):
    case = fresh(repo)
    to_intervention(repo, case)  # assessment 02-20, plan 02-23, intervention 03-01
    with pytest.raises(Refused) as err:
        casework.terminate(repo, case, reason="died", outcome="s", date=D(2024, 2, 21), **W)
    assert "--date" in str(err.value)
    # an intervention entered late, dated between earlier ones, is fine
    casework.note(repo, case, text="catatan lama", date=D(2024, 2, 17), **W)
    casework.intervene(repo, case, activity="home-visit", description="d", date=D(2024, 2, 25), **W)


def test_overdue_items(repo):
    case = fresh(repo)  # intake 2024-02-16, no assessment: long overdue
    from ppks_cli.views import case_detail

    codes = [o["code"] for o in case_detail(case, repo.config)["overdue"]]
    assert codes == ["overdue.assessment"]
    to_planning(repo, case)  # target date none; evaluation due 30 days after the plan
    casework.plan(
        repo, case, goals=[Goal(what="g", target_date=D(2024, 3, 1))], date=D(2024, 2, 24), **W
    )
    codes = [o["code"] for o in case_detail(case, repo.config)["overdue"]]
    # the goal (target 2024-03-01) is older than the evaluation (due 2024-03-25): first
    assert codes == ["overdue.goal", "overdue.evaluation"]
    recent = dt.date.today()
    fresh_case = create_case(
        repo, prepare(type(MR)(**{**MR.__dict__, "intake_date": recent.isoformat(), "name": "Baru"})),
        allow_duplicates=True,
    )  # fmt: skip
    assert case_detail(fresh_case, repo.config)["overdue"] == []


# --- a reference model of the stage machine, written independently, as an oracle ---

ORACLE = {
    # state: {step: next state}
    "intake": {"assess": "assessment"},
    "assessment": {"assess": "assessment", "plan": "planning"},
    "reopened": {"assess": "assessment"},
    "planning": {"assess": "assessment", "plan": "planning", "intervene": "intervention"},
    "replan": {"assess": "assessment", "plan": "planning"},
    "intervention": {"assess": "assessment", "plan": "planning", "intervene": "intervention",
                     "continue": "intervention", "revise": "replan", "finish": "evaluation"},
    "evaluation": {"continue": "intervention", "revise": "replan", "finish": "evaluation"},
    "closed": {"follow-up": "closed", "reopen": "reopened"},
}  # fmt: skip
STAGE_NAME = {"reopened": "assessment", "replan": "planning", "closed": "termination"}


def do(repo, case, step, day):
    args = {"date": day, **W}
    if step == "assess":
        casework.assess(repo, case, problems=["x"], **args)
    elif step == "plan":
        casework.plan(repo, case, goals=[Goal(what="g")], **args)
    elif step == "intervene":
        casework.intervene(repo, case, activity="home-visit", description="d", **args)
    elif step in ("continue", "revise", "finish"):
        decision = {"finish": "terminate"}.get(step, step)
        casework.evaluate(repo, case, progress="s", decision=decision, **args)
    elif step == "terminate":
        casework.terminate(repo, case, reason="other", reason_note="n", outcome="s", **args)
    elif step == "follow-up":
        casework.follow_up(repo, case, findings="s", **args)
    elif step == "reopen":
        casework.reopen(repo, case, reason="r", **args)
    elif step == "note":
        casework.note(repo, case, text="n", **args)


STEPS = [
    "assess",
    "plan",
    "intervene",
    "continue",
    "revise",
    "finish",
    "terminate",
    "follow-up",
    "reopen",
    "note",
]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(STEPS), min_size=1, max_size=14))
def test_any_sequence_of_steps_follows_the_reference_model(tmp_path_factory, steps):
    repo = Repository.create(tmp_path_factory.mktemp("r") / "k", "Dinas Sosial Kota Medan")
    case = fresh(repo)
    expected = "intake"
    day = D(2024, 3, 1)
    for step in steps:
        day += dt.timedelta(days=1)
        if step == "note":
            allowed, after = True, expected
        elif step == "terminate":
            allowed, after = expected != "closed", "closed"
        else:
            after = ORACLE[expected].get(step)
            allowed = after is not None
        files = snapshot(repo.root)
        if allowed:
            do(repo, case, step, day)
            expected = after
        else:
            with pytest.raises(Refused):
                do(repo, case, step, day)
            assert snapshot(repo.root) == files
        state = repo.find_case(case.id).state
        assert state.stage == STAGE_NAME.get(expected, expected)
        assert state.closed == (expected == "closed")
        assert state.warnings == []

"""``ppks list`` through the index: every filter, the orders, the limit, the wider JSON,
the table at 80 columns, bad input, and an index that follows git (pull, rebase, sync,
bundle import) and the deadline settings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import pytest

from ppks_cli import casework, index
from ppks_cli.errors import InvalidInput
from ppks_cli.intake import create_case, prepare
from ppks_cli.records import Goal
from ppks_cli.views import CaseFilter, list_cases

from conftest import MR, fill_repo, git, run_ppks

D = dt.date
TODAY = D(2024, 7, 1)


def add(repo, name: str, **more):
    form = dataclasses.replace(MR, name=name, **more)
    return create_case(repo, prepare(form), allow_duplicates=True)


def _office(repo):
    """Five cases with known dates. On TODAY (2024-07-01):
    - Butet: intake 2024-06-28, assessment due 07-05 (upcoming), tag odgj, worker Dewi;
    - Rahmat: intake 2024-02-16, assessed, planned 02-23 with a goal due 03-01: overdue;
    - Sukarno: intake 2023-11-02, closed 2024-05-01, follow-up due 05-31: overdue;
    - Tiurma: intake 2024-04-10, born 1950-08-20 (age 73), assessment overdue;
    - Robert: intake 2024-06-30, assessment due 07-07."""
    cases = {}
    cases["butet"] = add(repo, "Butet Br. Sinaga", intake_date="2024-06-28", worker="Dewi Lestari",
                         tags=["odgj"], sex="P", category="gelandangan", birth_year="1990")
    cases["rahmat"] = add(repo, "Rahmat Siregar")
    casework.assess(repo, cases["rahmat"], problems=["x"], date=D(2024, 2, 20), worker="Saskia")
    casework.plan(repo, cases["rahmat"], goals=[Goal(what="g", target_date=D(2024, 3, 1))],
                  date=D(2024, 2, 23), worker="Saskia")
    cases["sukarno"] = add(repo, "Ir. Soekarno", intake_date="2023-11-02")
    casework.terminate(repo, cases["sukarno"], reason="died", outcome="-", date=D(2024, 5, 1),
                       worker="Saskia")
    cases["tiurma"] = add(repo, "Tiurma Simanjuntak", intake_date="2024-04-10", sex="P",
                          birth_year=None, birth_date="1950-08-20", category="lansia-terlantar")
    cases["robert"] = add(repo, "Robert", intake_date="2024-06-30", birth_year=None)
    return {key: case.id for key, case in cases.items()}


@pytest.fixture
def office(repo, tmp_path_factory):
    """Five cases with known dates. On TODAY (2024-07-01):
    - Butet: intake 2024-06-28, assessment due 07-05 (upcoming), tag odgj, worker Dewi;
    - Rahmat: intake 2024-02-16, assessed, planned 02-23 with a goal due 03-01: overdue;
    - Sukarno: intake 2023-11-02, closed 2024-05-01, follow-up due 05-31: overdue;
    - Tiurma: intake 2024-04-10, born 1950-08-20 (age 73), assessment overdue;
    - Robert: intake 2024-06-30, assessment due 07-07.
    Made once per test process, then copied into ``repo``."""
    return fill_repo(repo, "list-office", _office, tmp_path_factory)


def ids(repo, today=TODAY, sort="newest", limit=None, **wanted) -> list[str]:
    found = list_cases(repo, CaseFilter(**wanted), sort=sort, limit=limit, today=today)
    return [row.id for row in found.cases]


def test_newest_first_by_default(repo, office):
    o = office
    assert ids(repo) == [o["robert"], o["butet"], o["tiurma"], o["rahmat"], o["sukarno"]]
    assert ids(repo, sort="oldest") == ids(repo)[::-1]


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        ({"name": "Butet"}, ["butet"]),
        ({"name": "rahmat siregar"}, ["rahmat"]),
        ({"name": "Siregar"}, ["rahmat"]),  # a part of the name
        ({"name": "Sukarno"}, ["sukarno"]),  # old spelling, title
        ({"name": "Bobby"}, ["robert"]),  # nickname
        ({"name": "Simanjuntak Tiurma"}, ["tiurma"]),  # marga first
        ({"name": "Nobody Here"}, []),
        ({"tag": "odgj"}, ["butet"]),
        ({"since": D(2024, 6, 28)}, ["robert", "butet"]),
        ({"until": D(2024, 2, 16)}, ["rahmat", "sukarno"]),
        ({"since": D(2024, 2, 16), "until": D(2024, 4, 10)}, ["tiurma", "rahmat"]),
        ({"closed": True}, ["sukarno"]),
        ({"closed": False, "worker": "dewi"}, ["butet"]),
        ({"stage": "planning"}, ["rahmat"]),
        ({"category": "lansia-terlantar"}, ["tiurma"]),
        ({"overdue": True}, ["tiurma", "rahmat", "sukarno"]),
        # Butet's assessment is due 07-05: within 4 days, not within 3
        ({"due_within": 3}, ["tiurma", "rahmat", "sukarno"]),
        ({"due_within": 4}, ["butet", "tiurma", "rahmat", "sukarno"]),
        ({"due_within": 6, "tag": "odgj"}, ["butet"]),
    ],
)
def test_each_filter(repo, office, wanted, expected):
    assert ids(repo, **wanted) == [office[key] for key in expected]


def test_sort_by_due_name_stage_and_limit(repo, office):
    o = office
    # soonest due first: the goal 03-01, the follow-up 05-31, Tiurma 04-17, Butet 07-05, Robert
    assert ids(repo, sort="due") == [o["rahmat"], o["tiurma"], o["sukarno"], o["butet"], o["robert"]]
    # "Ir. Soekarno" sorts under S: titles do not count
    assert ids(repo, sort="name") == [o["butet"], o["rahmat"], o["robert"], o["sukarno"], o["tiurma"]]
    assert ids(repo, sort="stage")[-1] == o["sukarno"]  # closed cases last
    found = list_cases(repo, CaseFilter(), limit=2, today=TODAY)
    assert [r.id for r in found.cases] == [o["robert"], o["butet"]] and found.total == 5


def test_json_has_the_wider_fields(cli, office):
    result = run_ppks("--root", str(cli.root), "list", "--json", "--name", "Tiurma")
    assert result.returncode == 0, result.stderr
    [row] = json.loads(result.stdout)
    today = dt.date.today()
    assert row["age"] == today.year - 1950 - ((today.month, today.day) < (8, 20))
    assert row | {"age": None} == {
        "id": office["tiurma"], "name": "Tiurma Simanjuntak", "alias": None, "sex": "P",
        "age": None, "category": "lansia-terlantar", "tags": [], "stage": "intake",
        "closed": False, "episode": 1, "worker": "Saskia", "intake_worker": "Saskia",
        "source": "street-raid", "intake_date": "2024-04-10", "termination_date": None,
        "next_due": "2024-04-17", "overdue": 1, "damaged_records": 0,
    }  # fmt: skip
    result = run_ppks("--root", str(cli.root), "list", "--json", "--closed")
    [row] = json.loads(result.stdout)
    assert row["termination_date"] == "2024-05-01" and row["next_due"] == "2024-05-31"


def test_table_at_80_columns_keeps_ids_and_names_whole(cli, repo, office):
    long = "Perempuan tanpa identitas (Pasar Petisah, dekat pintu masuk)"
    case = add(repo, long, category="korban-tindak-kekerasan", worker="Dewi Lestari Panjaitan")
    result = run_ppks("--root", str(cli.root), "list", env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(len(line.rstrip()) <= 80 for line in lines)
    text = " ".join(" ".join(line.split()) for line in lines)
    for case_id in [*office.values(), case.id]:
        assert re.search(rf"(^|\n){case_id}\s", result.stdout)
    for word in long.split() + ["korban-tindak-kekerasan", "Panjaitan"]:
        assert word in text
    assert "…" not in result.stdout


def test_limit_says_how_many_more(cli, office):
    result = run_ppks("--root", str(cli.root), "list", "--limit", "2")
    assert "2 dari 5 kasus ditampilkan" in result.stdout
    result = run_ppks("--root", str(cli.root), "--lang", "en", "list", "--overdue")
    assert "* something is overdue" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--limit", "0"], "--limit"),
        (["--due-within", "-1"], "--due-within"),
        (["--due-within", "99999"], "--due-within"),
        (["--sort", "umur"], "--sort"),
        (["--since", "31-02-2024"], "--since"),
        (["--since", "2024-05-01", "--until", "2024-04-01"], "--since"),
        (["--tag", "odgj!"], "odgj!"),
        (["--stage", "selesai"], "--stage"),
    ],
)
def test_bad_filters_are_one_clear_error(cli, office, args, message):
    result = run_ppks("--root", str(cli.root), "list", *args)
    assert result.returncode == 3, result.stderr  # INVALID_INPUT
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_sort_accepts_the_words_shown_in_any_case(cli, office):
    result = run_ppks("--root", str(cli.root), "list", "--sort", "NAME", "--json")
    assert [r["name"] for r in json.loads(result.stdout)][0] == "Butet Br. Sinaga"


def test_core_refuses_bad_values(repo):
    with pytest.raises(InvalidInput):
        list_cases(repo, CaseFilter(), limit=0)
    with pytest.raises(InvalidInput):
        list_cases(repo, CaseFilter(), sort="sideways")


def test_a_deadline_setting_changed_by_hand_moves_the_due_dates(repo, office):
    assert office["butet"] not in ids(repo, overdue=True)
    config = repo.paths.config
    config.write_text(config.read_text().replace("assessment_days = 7", "assessment_days = 1"))
    from ppks_cli.store import Repository

    reopened = Repository.open(repo.root)
    assert office["butet"] in ids(reopened, overdue=True)  # due 06-29 now


def test_unreadable_case_is_reported_not_dropped(cli, repo, office):
    repo.paths.case_file(office["robert"]).write_text("name = \n")
    result = run_ppks("--root", str(cli.root), "list")
    assert result.returncode == 0
    assert "tidak dapat dibaca" in result.stderr and office["robert"] in result.stderr
    assert office["butet"] in result.stdout


# --- the index follows every way git changes the files ---------------------------------


def stage_of(root, case_id) -> str:
    result = run_ppks("--root", str(root), "list", "--json")
    assert result.returncode == 0, result.stderr
    return {row["id"]: row["stage"] for row in json.loads(result.stdout)}.get(case_id, "gone")


def test_pull_rebase_sync_and_bundle_import_are_seen(tmp_path):
    from ppks_cli.store import Repository

    git("init", "-q", "--bare", "-b", "main", str(tmp_path / "hub.git"), cwd=tmp_path)
    a = tmp_path / "a"
    made = run_ppks("init", str(a), "--office", "Dinas Sosial Kota Medan", "--worker", "Saskia")
    assert made.returncode == 0, made.stderr
    case = add(Repository.open(a), "Butet")
    git("add", "-A", cwd=a)
    git("commit", "-qm", "one", cwd=a)
    git("remote", "add", "origin", str(tmp_path / "hub.git"), cwd=a)
    git("push", "-qu", "origin", "HEAD:main", cwd=a)
    git("branch", "-q", "-u", "origin/main", cwd=a)
    b = tmp_path / "b"
    git("clone", "-q", str(tmp_path / "hub.git"), str(b), cwd=tmp_path)
    assert stage_of(b, case.id) == "intake"  # b's index is built now

    def record_in_a(step: str, *args: str) -> None:
        git("pull", "-q", "--rebase", cwd=a)
        result = run_ppks("--root", str(a), step, case.id, *args, "--worker", "Saskia")
        assert result.returncode == 0, result.stderr
        git("push", "-q", cwd=a)

    record_in_a("assess", "--problem", "x", "--date", "2024-02-20")
    git("pull", "-q", "--rebase", cwd=b)  # git pull
    assert stage_of(b, case.id) == "assessment"
    record_in_a("plan", "--goal", "g", "--date", "2024-02-23")
    note = run_ppks("--root", str(b), "note", case.id, "catatan", "--worker", "Dewi")
    assert note.returncode == 0, note.stderr
    git("fetch", "-q", cwd=b)
    git("rebase", "-q", "origin/main", cwd=b)  # git rebase
    assert stage_of(b, case.id) == "planning"
    record_in_a("intervene", "--activity", "home-visit", "--note", "d", "--date", "2024-03-01")
    synced = run_ppks("--root", str(b), "sync")  # ppks sync
    assert synced.returncode == 0, synced.stderr
    assert stage_of(b, case.id) == "intervention"
    git("checkout", "-q", "HEAD~2", cwd=b)  # git checkout of an older version: before
    # the intervention (HEAD is b's note, rebased onto it by sync)
    assert stage_of(b, case.id) == "planning"
    git("checkout", "-q", "main", cwd=b)
    # a bundle from a, imported into b
    record_in_a("evaluate", "--progress", "baik", "--decision", "terminate", "--date", "2024-04-01")
    bundle = tmp_path / "kasus.bundle"
    assert run_ppks("--root", str(a), "bundle", "export", str(bundle)).returncode == 0
    imported = run_ppks("--root", str(b), "bundle", "import", str(bundle))
    assert imported.returncode == 0, imported.stderr
    assert stage_of(b, case.id) == "evaluation"


def test_index_rows_match_a_full_read(repo, office):
    """The index says what reading every file says (a cross-check of the cache)."""
    with index.opened(repo) as (conn, _done):
        rows = {r.id: r for r in index.case_rows(conn, TODAY)}
    cases, _problems = repo.load_cases()
    for case in cases:
        row, state = rows[case.id], case.state
        assert (row.stage, row.closed, row.episode) == (state.stage, state.closed, state.episode)
        assert row.name == case.client.name and row.tags == tuple(case.file.tags)


def test_list_refuses_an_empty_filter_as_due_does(repo, cli):
    """`ppks due --worker ""` is refused (exit 3, "--worker tidak boleh kosong"), but
    `ppks list --worker ""`, `--name ""` and `--tag ""` silently list every case."""
    add(repo, "Rahmat Siregar")
    for option in ("--worker", "--name", "--tag"):
        result = cli("list", option, "")
        assert result.exit_code == 3, (option, result.output)

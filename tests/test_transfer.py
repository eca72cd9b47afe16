"""``ppks transfer``: one case, a worker's whole caseload, the current worker everywhere
(list --worker, due, the default worker of a step), refusals, and two clones offline."""

import dataclasses
import json

import pytest

from ppks_cli import transfers
from ppks_cli.errors import InvalidInput, NotFound, Refused
from ppks_cli.intake import create_case, prepare
from ppks_cli.store import Repository

from conftest import MR, damage_a_record, git, new_case, run_ppks, snapshot


def add(repo, name: str, worker: str = "Saskia Pane", **more):
    form = dataclasses.replace(MR, name=name, worker=worker, **more)
    return create_case(repo, prepare(form), allow_duplicates=True)


def listed(cli, *args: str) -> list[str]:
    result = cli("list", "--json", *args)
    assert result.exit_code == 0, result.output
    return sorted(row["id"] for row in json.loads(result.stdout))


def test_transfer_one_case_changes_the_current_worker_not_the_intake(repo, cli):
    case = add(repo, "Butet")
    result = cli("transfer", case.id[:7], "--to", "Dewi Lubis", "--reason", "magang selesai",
                 "--date", "2024-03-01", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["count"] == 1 and data["to"] == "Dewi Lubis"
    record = data["cases"][0]["record"]
    assert (record["from"], record["to"], record["reason"]) == (
        "Saskia Pane", "Dewi Lubis", "magang selesai",
    )  # fmt: skip
    assert record["worker"] == "Saskia Pane"  # recorded by the case's worker by default
    again = Repository.open(repo.root).load_case(case.id)
    assert again.file.intake.worker == "Saskia Pane"  # who did the intake stays
    assert again.state.current_worker == "Dewi Lubis"
    assert again.state.stage == "intake"  # a transfer never moves the stage
    shown = cli("show", case.id)
    assert "Dewi Lubis" in shown.stdout and "Saskia Pane" in shown.stdout
    assert "Saskia Pane → Dewi Lubis: magang" in shown.stdout  # the timeline
    # a chain: transferred again, the latest counts
    assert cli("transfer", case.id, "--to", "Rina", "--reason", "cuti",
               "--date", "2024-04-01").exit_code == 0  # fmt: skip
    assert Repository.open(repo.root).load_case(case.id).state.current_worker == "Rina"
    kinds = [r["kind"] for r in json.loads(cli("show", case.id, "--json").stdout)["records"]]
    assert kinds == ["transfer", "transfer"]


def test_list_due_and_the_default_step_worker_follow_the_current_worker(repo, cli):
    butet, rahmat = add(repo, "Butet"), add(repo, "Rahmat")
    assert listed(cli, "--worker", "Saskia Pane") == sorted([butet.id, rahmat.id])
    assert cli("transfer", butet.id, "--to", "Dewi Lubis", "--reason", "x").exit_code == 0
    assert listed(cli, "--worker", "Dewi Lubis") == [butet.id]
    assert listed(cli, "--worker", "Saskia Pane") == [rahmat.id]
    due = cli("due", "--worker", "Dewi Lubis", "--within", "3650", "--json")
    assert due.exit_code == 0, due.output
    assert {g["case"] for g in json.loads(due.stdout)} == {butet.id}
    # no --worker, no PPKS_WORKER, no [defaults] worker: the step is the current worker's
    step = cli("note", butet.id, "catatan", "--json")
    assert step.exit_code == 0, step.output
    assert json.loads(step.stdout)["record"]["worker"] == "Dewi Lubis"
    assert repo.step_worker(None, Repository.open(repo.root).load_case(butet.id)) == "Dewi Lubis"


def test_transfer_at_any_stage_even_closed(repo, cli):
    case = add(repo, "Butet")
    assert cli("terminate", case.id, "--reason", "contact-lost", "--outcome", "hilang",
               "--worker", "Saskia").exit_code == 0  # fmt: skip
    result = cli("transfer", case.id, "--to", "Dewi", "--reason", "bimbingan lanjut")
    assert result.exit_code == 0, result.output
    state = Repository.open(repo.root).load_case(case.id).state
    assert state.closed and state.current_worker == "Dewi"


def test_transfer_a_whole_caseload_moves_only_open_cases_of_that_worker(repo, cli):
    a, b = add(repo, "Butet"), add(repo, "Rahmat", worker="saskia  PANE")
    closed = add(repo, "Sukarno")
    other = add(repo, "Tiurma", worker="Saskia")  # not the same name: not moved
    assert cli("terminate", closed.id, "--reason", "died", "--outcome", "x").exit_code == 0
    result = cli("transfer", "--from", "Saskia Pane", "--to", "Dewi", "--reason", "pindah tugas",
                 "--worker", "Supervisor", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["count"] == 2 and data["from"] == "Saskia Pane"
    assert sorted(c["id"] for c in data["cases"]) == sorted([a.id, b.id])
    fresh = Repository.open(repo.root)
    assert fresh.load_case(closed.id).state.current_worker == "Saskia Pane"
    assert fresh.load_case(other.id).state.current_worker == "Saskia"
    assert listed(cli, "--worker", "Dewi") == sorted([a.id, b.id])
    text = cli("transfer", "--from", "Dewi", "--to", "Rina", "--reason", "x", "--worker", "S")
    assert text.exit_code == 0 and "2 kasus dipindahkan ke Rina" in text.stdout


@pytest.mark.parametrize(
    "args, code, key",
    [
        (["transfer", "{ID}", "--to", "Saskia pane", "--reason", "x"], 6, "sudah dipegang"),
        (["transfer", "2099-ZZ", "--to", "Dewi", "--reason", "x"], 4, None),
        (["transfer", "{ID}", "--to", "Dewi"], 3, "--reason"),
        (["transfer", "{ID}", "--reason", "x"], 3, "--to"),
        (["transfer", "--to", "Dewi", "--reason", "x"], 3, "--from"),
        (["transfer", "{ID}", "--from", "Saskia Pane", "--to", "Dewi", "--reason", "x"], 3, None),
        (["transfer", "--from", "Nobody", "--to", "Dewi", "--reason", "x", "--worker", "S"], 4,
         "Nobody"),
        (["transfer", "--from", "Saskia", "--to", "Dewi", "--reason", "x", "--worker", "S"], 4,
         None),  # not the whole name
        (["transfer", "--from", "Saskia Pane", "--to", "Dewi", "--reason", "x"], 3, "--worker"),
        (["transfer", "--from", "Dewi", "--to", "dewi", "--reason", "x", "--worker", "S"], 3,
         None),
        (["transfer", "{ID}", "--to", "Dewi", "--reason", "x", "--date", "2024-01-01"], 6, None),
        (["transfer", "--from", "Saskia Pane", "--to", "Dewi", "--reason", "x",
          "--date", "2024-01-01", "--worker", "S"], 6, None),
        (["transfer", "{ID}", "--to", "Dewi", "--reason", "x", "--date", "2999-01-01"], 3, None),
        (["transfer", "{ID}", "--to", "  ", "--reason", "x"], 3, "--to"),
    ],
)  # fmt: skip
def test_bad_transfers_exit_with_named_codes_and_write_nothing(repo, cli, args, code, key):
    case = add(repo, "Butet")
    before = snapshot(repo.root)
    result = cli(*[case.id if a == "{ID}" else a for a in args])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    if key:
        assert key in result.output
    assert snapshot(repo.root) == before


def test_core_refusals(repo):
    case = add(repo, "Butet")
    with pytest.raises(Refused):
        transfers.transfer(repo, case, worker="X", to="SASKIA PANE", reason="x")
    with pytest.raises(InvalidInput):
        transfers.transfer_caseload(repo, "A", worker="X", to="a", reason="x")
    with pytest.raises(NotFound):
        transfers.transfer_caseload(repo, "Nobody", worker="X", to="Dewi", reason="x")


def test_the_commit_names_no_one(tmp_path):
    root = tmp_path / "kasus"
    assert run_ppks("init", str(root), "--office", "Dinas Sosial", "--worker", "Saskia").returncode == 0
    made = run_ppks("--root", str(root), "new-case", "--name", "Butet Siregar", "--category",
                    "pengemis", "--sex", "P", "--source", "street-raid", "--worker", "Saskia", "--json")  # fmt: skip
    assert made.returncode == 0, made.stderr
    case_id = json.loads(made.stdout)["id"]
    moved = run_ppks("--root", str(root), "transfer", "--from", "Saskia", "--to", "Dewi Lubis",
                     "--reason", "Butet pindah", "--worker", "Saskia")  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    log = git("log", "--format=%s", cwd=root).splitlines()
    assert log[0] == "ppks: 1 case transferred"
    one = run_ppks("--root", str(root), "transfer", case_id, "--to", "Rina", "--reason", "Butet")
    assert one.returncode == 0, one.stderr
    assert git("log", "-1", "--format=%s %an", cwd=root).strip() == (
        # no --worker: the case's current worker (after the caseload transfer) signs it;
        # init --worker names this clone's git user, not a default that outranks the case's
        f"{case_id}: case transferred Dewi Lubis"
    )
    assert git("status", "--porcelain", cwd=root) == ""


def test_two_clones_transfer_and_add_records_offline_then_merge_without_conflict(tmp_path):
    git("init", "-q", "--bare", "-b", "main", str(tmp_path / "hub.git"), cwd=tmp_path)
    a = tmp_path / "a"
    assert run_ppks("init", str(a), "--office", "Dinas Sosial", "--worker", "Saskia").returncode == 0
    ids = []
    for name in ("Butet", "Rahmat"):
        made = run_ppks("--root", str(a), "new-case", "--name", name, "--category", "pengemis", "--sex", "P",
                        "--source", "street-raid", "--worker", "Saskia", "--json")  # fmt: skip
        assert made.returncode == 0, made.stderr
        ids.append(json.loads(made.stdout)["id"])
    git("remote", "add", "origin", str(tmp_path / "hub.git"), cwd=a)
    git("push", "-qu", "origin", "HEAD:main", cwd=a)
    git("branch", "-q", "-u", "origin/main", cwd=a)
    b = tmp_path / "b"
    git("clone", "-q", str(tmp_path / "hub.git"), str(b), cwd=tmp_path)
    # offline: a moves the caseload and notes; b notes, assesses and transfers one case
    assert run_ppks("--root", str(a), "transfer", "--from", "Saskia", "--to", "Dewi",
                    "--reason", "pindah").returncode == 0  # fmt: skip
    assert run_ppks("--root", str(a), "note", ids[0], "catatan a").returncode == 0
    assert run_ppks("--root", str(b), "note", ids[0], "catatan b", "--worker", "Rina").returncode == 0
    assert run_ppks("--root", str(b), "assess", ids[1], "--problem", "x",
                    "--worker", "Saskia").returncode == 0  # fmt: skip
    assert run_ppks("--root", str(b), "transfer", ids[1], "--to", "Rina", "--reason", "cuti",
                    "--worker", "Saskia").returncode == 0  # fmt: skip
    assert run_ppks("--root", str(a), "sync").returncode == 0
    synced = run_ppks("--root", str(b), "sync")
    assert synced.returncode == 0, synced.stderr
    assert run_ppks("--root", str(a), "sync").returncode == 0
    for root in (a, b):
        assert git("status", "--porcelain", cwd=root) == ""
        rows = json.loads(run_ppks("--root", str(root), "list", "--json").stdout)
        workers = {row["id"]: row["worker"] for row in rows}
        assert workers[ids[0]] == "Dewi"
        # both transfers of the second case survive; the later one (by entry time) counts
        kinds = [r["kind"] for r in json.loads(
            run_ppks("--root", str(root), "show", ids[1], "--json").stdout)["records"]]
        assert kinds.count("transfer") == 2 and "assessment" in kinds
        notes = [r for r in json.loads(
            run_ppks("--root", str(root), "show", ids[0], "--json").stdout)["records"]
            if r["kind"] == "note"]  # fmt: skip
        assert len(notes) == 2
        assert run_ppks("--root", str(root), "check").returncode == 0


# --- a refusal writes nothing; a transfer that would not take effect is refused ------------


@pytest.mark.parametrize("damaged", [0, -1])  # the first or the last in ID order
def test_bulk_transfer_with_one_damaged_case_writes_nothing(git_office_cli, damaged):
    root, cli, _ = git_office_cli
    ids = sorted(new_case(cli, f"Klien {n}") for n in "ABC")
    damage_a_record(root, cli, ids[damaged])
    before = snapshot(root)
    result = cli("transfer", "--from", "Wati Sembiring", "--to", "Dewi Lubis", "--reason", "x")
    assert result.exit_code == 6, result.output
    assert ids[damaged] in result.output
    assert snapshot(root) == before  # not one transfer written, committed or not


def test_bulk_transfer_refused_for_one_case_backdated_writes_nothing(git_office_cli):
    root, cli, _ = git_office_cli
    first, second = sorted(new_case(cli, f"Klien {n}") for n in "AB")
    assert cli("transfer", second, "--to", "Rina", "--reason", "a", "--date", "2024-07-01",
               "--worker", "S").exit_code == 0  # fmt: skip
    assert cli("transfer", second, "--to", "Wati Sembiring", "--reason", "b",
               "--date", "2024-08-01", "--worker", "S").exit_code == 0  # fmt: skip
    before = snapshot(root)
    result = cli("transfer", "--from", "Wati Sembiring", "--to", "Dewi Lubis", "--reason", "x",
                 "--date", "2024-07-15", "--worker", "S")  # fmt: skip
    assert result.exit_code == 6, result.output
    assert "2024-08-01" in result.output
    assert snapshot(root) == before


def test_a_backdated_transfer_is_refused(git_office_cli):
    root, cli, case_id = git_office_cli
    assert cli("transfer", case_id, "--to", "Dewi Lubis", "--reason", "a",
               "--date", "2024-06-01").exit_code == 0  # fmt: skip
    before = snapshot(root)
    result = cli("transfer", case_id, "--to", "Joko Tarigan", "--reason", "b",
                 "--date", "2024-05-01")  # fmt: skip
    assert result.exit_code == 6, result.output
    assert "2024-06-01" in result.output and "--date" in result.output  # what to do instead
    assert snapshot(root) == before
    [row] = json.loads(cli("list", "--json").stdout)
    assert row["worker"] == "Dewi Lubis"
    # the same day as the latest transfer is later (entered after it): it takes effect
    same_day = cli("transfer", case_id, "--to", "Joko Tarigan", "--reason", "b",
                   "--date", "2024-06-01")  # fmt: skip
    assert same_day.exit_code == 0, same_day.output
    [row] = json.loads(cli("list", "--json").stdout)
    assert row["worker"] == "Joko Tarigan"


def test_core_refuses_a_transfer_before_the_latest(repo):
    import datetime as dt

    case = add(repo, "Butet")
    transfers.transfer(repo, case, worker="X", to="Dewi", reason="x", date=dt.date(2024, 6, 1))
    with pytest.raises(Refused) as refused:
        transfers.transfer(repo, case, worker="X", to="Rina", reason="x", date=dt.date(2024, 5, 1))
    assert refused.value.key == "error.transfer_before_latest"
    assert case.state.current_worker == "Dewi"


def test_history_shows_from_whom_to_whom(git_office_cli):
    _, cli, case_id = git_office_cli
    assert cli("transfer", case_id, "--to", "Dewi Lubis", "--reason", "cuti").exit_code == 0
    text = cli("history", case_id)
    assert text.exit_code == 0, text.output
    assert "Saskia → Dewi Lubis: cuti" in text.stdout
    data = json.loads(cli("history", case_id, "--json").stdout)
    [moved] = [c["transfer"] for e in data for c in e["changes"] if "transfer" in c]
    assert (moved["from"], moved["to"], moved["reason"]) == ("Saskia", "Dewi Lubis", "cuti")


def test_a_reason_of_several_lines_stays_indented_under_its_change(git_office_cli):
    _, cli, case_id = git_office_cli
    reason = "pindah tugas\nke kecamatan lain\n\n  mulai Juni"
    assert cli("transfer", case_id, "--to", "Dewi Lubis", "--reason", reason).exit_code == 0
    text = cli("history", case_id).stdout
    at = text.index("Saskia → Dewi Lubis: pindah tugas")
    shown = text[at:].splitlines()[:3]
    assert shown[1:] == ["      ke kecamatan lain", "      mulai Juni"], shown

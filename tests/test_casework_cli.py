"""The casework commands from the command line: the paper's case (contract), refusals,
prompts, and two clones adding records to one case."""

import json
import subprocess

import pytest

from ppks_cli.commands import _common

from conftest import NEW_MR_ARGS, git, run_installed, run_ppks, snapshot

CONTRACT = [
    (["assess", "{ID}", "--problem", "Konflik dengan keluarga", "--problem", "Tidak memiliki tempat tinggal",
      "--need", "Tempat tinggal sementara", "--strength", "Sehat jasmani", "--source", "Wawancara klien",
      "--context", "MR terpaksa hidup di jalan karena konflik dengan keluarganya.", "--date", "2024-02-20"],
     "assessment"),
    (["plan", "{ID}", "--goal", "MR kembali tinggal bersama keluarganya", "--strategy", "Mediasi keluarga",
      "--target-date", "2024-04-30", "--date", "2024-02-23"], "planning"),
    (["intervene", "{ID}", "--kind", "individual-counseling", "--note",
      "Konseling individu tentang hubungan dengan keluarga", "--date", "2024-03-01"], "intervention"),
    (["refer", "{ID}", "--to", "UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai",
      "--reason", "Keluarga tidak dapat dihubungi", "--consent", "yes", "--date", "2024-06-20"], "intervention"),
    (["evaluate", "{ID}", "--progress", "Klien lebih menerima proses penanganan", "--decision", "terminate",
      "--date", "2024-06-25"], "evaluation"),
    (["terminate", "{ID}", "--reason", "referred", "--outcome",
      "Keluarga tidak dapat dihubungi; klien ditempatkan di UPT.",
      "--placement", "UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai", "--date", "2024-06-30"],
     "termination"),
]  # fmt: skip

NEW_MR = [*NEW_MR_ARGS, "--json"]


def fill(args, case_id):
    return [case_id if a == "{ID}" else a for a in args]


def test_the_papers_case_through_every_stage(cli):
    case_id = json.loads(cli(*NEW_MR).stdout)["id"]
    short = case_id[:7].lower()
    for args, expected in CONTRACT:
        result = cli(*fill(args, short), "--worker", "Saskia")
        assert result.exit_code == 0, result.output
        shown = json.loads(cli("show", case_id, "--json").stdout)
        assert shown["stage"] == expected, args[0]
    assert shown["closed"] is True
    kinds = [r["kind"] for r in shown["records"]]
    assert kinds == ["assessment", "plan", "intervention", "referral", "evaluation", "termination"]
    assert shown["latest_assessment"]["problems"] == [
        "Konflik dengan keluarga",
        "Tidak memiliki tempat tinggal",
    ]
    assert shown["current_plan"]["goals"][0]["target_date"] == "2024-04-30"
    assert (
        shown["referrals"][0]["destination"]
        == "UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai"
    )
    assert (
        shown["records"][-1]["placement"] == "UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai"
    )
    readable = cli("show", case_id).stdout
    for words in ("Terminasi", "Riwayat", "2024-06-25", "Asesmen terakhir", "Mediasi keluarga"):
        assert words in readable
    assert cli("check").exit_code == 0


def test_contract_as_installed_program(tmp_path):
    """Every casework step by the installed program; the stage after each read in-process
    (the same ``show --json``: the installed one reads the last). The repository and the
    intake are made in-process: test_e2e runs ``init`` and ``new-case`` installed."""
    kasus = tmp_path / "kasus"
    assert run_ppks("init", str(kasus)).returncode == 0
    case_id = json.loads(run_ppks(*NEW_MR, cwd=kasus).stdout)["id"]
    for args, expected in CONTRACT:
        result = run_installed(*fill(args, case_id), cwd=kasus, env={"PPKS_WORKER": "Saskia"})
        assert result.returncode == 0, result.stderr
        shown = json.loads(run_ppks("show", case_id, "--json", cwd=kasus).stdout)
        assert shown["stage"] == expected
    assert json.loads(run_installed("show", case_id, "--json", cwd=kasus).stdout) == shown
    assert shown["closed"] is True


@pytest.mark.parametrize(
    "prepare, args, words",
    [
        (0, ["plan", "{ID}", "--goal", "x"], ["Penerimaan", "ppks assess"]),
        (2, ["evaluate", "{ID}", "--progress", "x", "--decision", "continue"], ["Perencanaan", "ppks intervene"]),
        (6, ["intervene", "{ID}", "--kind", "home-visit", "--note", "x"], ["ditutup", "ppks reopen"]),
    ],
)  # fmt: skip
def test_out_of_order_commands_are_refused(cli, repo, prepare, args, words):
    case_id = json.loads(cli(*NEW_MR).stdout)["id"]
    for step, _ in CONTRACT[:prepare]:
        assert cli(*fill(step, case_id), "--worker", "Saskia").exit_code == 0
    before = snapshot(repo.root)
    result = cli(*fill(args, case_id), "--worker", "Saskia")
    assert result.exit_code == 6
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and all(w in lines[0] for w in words) and case_id in lines[0]
    assert "Traceback" not in result.output
    assert snapshot(repo.root) == before


def test_missing_required_values_without_a_terminal(cli):
    case_id = json.loads(cli(*NEW_MR).stdout)["id"]
    result = cli("assess", case_id, "--need", "x", "--worker", "S")
    assert result.exit_code == 3 and "--problem" in result.stderr
    result = cli("assess", case_id, "--problem", "x", "--json")  # no worker setting anywhere
    assert result.exit_code == 0 and json.loads(result.stdout)["record"]["worker"] == "Saskia"
    result = cli("refer", case_id, "--to", "RS", "--reason", "r", "--worker", "S")
    assert result.exit_code == 3 and "--consent" in result.stderr
    result = cli(
        "refer", case_id, "--to", "RS", "--reason", "r", "--consent", "no", "--worker", "S"
    )
    assert result.exit_code == 3 and "--no-consent-reason" in result.stderr
    result = cli("assess", case_id, "--problem", "x", "--worker", "S", "--date", "2024-13-01")
    assert result.exit_code == 3 and "--date" in result.stderr


def test_worker_from_environment(cli, monkeypatch):
    case_id = json.loads(cli(*NEW_MR).stdout)["id"]
    monkeypatch.setenv("PPKS_WORKER", "Dewi Lestari")
    result = cli("note", case_id, "Keluarga menelepon.", "--json")
    assert json.loads(result.stdout)["record"]["worker"] == "Dewi Lestari"


def test_reopen_and_both_episodes_shown(cli):
    case_id = json.loads(cli(*NEW_MR).stdout)["id"]
    for step, _ in CONTRACT:
        cli(*fill(step, case_id), "--worker", "Saskia")
    steps = [
        ["reopen", case_id, "--reason", "Klien kembali terjaring razia", "--date", "2024-09-01"],
        ["assess", case_id, "--problem", "Kembali mengemis", "--date", "2024-09-02"],
        ["plan", case_id, "--goal", "Tinggal di UPT", "--date", "2024-09-03"],
        ["intervene", case_id, "--kind", "accompaniment", "--note", "Pendampingan ke UPT", "--date", "2024-09-04"],
        ["evaluate", case_id, "--progress", "Menetap", "--decision", "terminate", "--date", "2024-09-20"],
        ["terminate", case_id, "--reason", "referred", "--summary", "Kembali ke UPT", "--date", "2024-09-21"],
    ]  # fmt: skip
    for step in steps:
        assert cli(*step, "--worker", "Saskia").exit_code == 0, step
    shown = json.loads(cli("show", case_id, "--json").stdout)
    assert shown["closed"] and shown["episode"] == 2
    assert [len(e["records"]) for e in shown["episodes"]] == [6, 6]
    readable = cli("show", case_id).stdout
    assert "Episode 1" in readable and "Episode 2" in readable


def test_approval_from_the_command_line(cli, repo):
    text = repo.paths.config.read_text().replace(
        "require_approval = []", 'require_approval = ["plan"]'
    )
    repo.paths.config.write_text(text)
    case_id = json.loads(cli(*NEW_MR).stdout)["id"]
    for step, _ in CONTRACT[:2]:
        cli(*fill(step, case_id), "--worker", "Saskia")
    refused = cli(*fill(CONTRACT[2][0], case_id), "--worker", "Saskia")
    assert refused.exit_code == 6 and f"ppks approve {case_id} plan" in refused.stderr
    shown = cli("show", case_id).stdout
    assert "menunggu persetujuan" in shown
    approved = cli("approve", case_id, "plan", "--by", "Drs. Supervisor", "--date", "2024-02-24")
    assert approved.exit_code == 0, approved.output
    assert cli(*fill(CONTRACT[2][0], case_id), "--worker", "Saskia").exit_code == 0


def test_referral_status_update_from_the_command_line(cli):
    case_id = json.loads(cli(*NEW_MR).stdout)["id"]
    cli(
        "refer",
        case_id,
        "--to",
        "RSUD Dr. Pirngadi Medan",
        "--reason",
        "r",
        "--consent",
        "ya",
        "--worker",
        "S",
    )
    result = cli("refer", case_id, "--status", "accepted", "--worker", "S", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(cli("show", case_id, "--json").stdout)
    assert shown["referrals"][0]["status"] == "accepted"
    again = cli("refer", case_id, "--status", "kabur", "--worker", "S")
    assert again.exit_code == 3 and "--status" in again.stderr


def test_interactive_assessment_asks_for_the_form(cli, monkeypatch):
    case_id = json.loads(cli(*NEW_MR).stdout)["id"]
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)
    answers = "\n".join([
        "Konflik dengan keluarga", "Tidak punya rumah", "",  # problems
        "Tempat tinggal", "",                               # needs
        "Sehat", "",                                        # strengths
        "",                                                 # resources
        "Wawancara klien", "",                              # information sources
        "MR hidup di jalan.",                               # context
        "",                                                 # priorities
        "3",                                                # risk: high
        "",                                                 # recommendation
    ]) + "\n"  # fmt: skip
    result = cli("assess", case_id, "--worker", "Saskia", "--json", input=answers)
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout[result.stdout.index("{") :])["record"]
    assert record["problems"] == ["Konflik dengan keluarga", "Tidak punya rumah"]
    assert record["risk"] == "high" and record["context"] == "MR hidup di jalan."


def test_hand_edited_record_is_reported_with_file_and_line(cli, repo):
    case_id = json.loads(cli(*NEW_MR).stdout)["id"]
    cli(*fill(CONTRACT[0][0], case_id), "--worker", "Saskia")
    (path,) = repo.paths.records_dir(case_id).glob("*-assessment-*.toml")
    text = path.read_text().replace(
        'worker = "Saskia"', 'worker = "Saskia"\nrisk = "sangat tinggi"'
    )
    path.write_text(text)
    line = text.splitlines().index('risk = "sangat tinggi"') + 1
    result = cli("check")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"cases/{case_id}/records/{path.name}:{line}: ")
    assert "risk" in result.stdout
    # the case still shows, with the damaged record named
    shown = cli("show", case_id)
    assert shown.exit_code == 0 and path.name in shown.stderr
    refused = cli("note", case_id, "x", "--worker", "S")
    assert refused.exit_code == 6 and path.name in refused.stderr


def clone_pair(tmp_path):
    """A shared repository with one case, cloned twice (two workers, two machines)."""
    origin = tmp_path / "origin.git"
    git("init", "--bare", "-b", "main", str(origin), cwd=tmp_path)
    first = tmp_path / "shelter"
    run_ppks("init", str(first))
    case_id = json.loads(run_ppks(*NEW_MR, cwd=first).stdout)["id"]
    for step, _ in CONTRACT[:3]:
        assert run_ppks(*fill(step, case_id), "--worker", "Saskia", cwd=first).returncode == 0
    git("remote", "add", "origin", str(origin), cwd=first)
    git("push", "-u", "origin", "main", cwd=first)
    second = tmp_path / "office"
    git("clone", str(origin), str(second), cwd=tmp_path)
    return first, second, case_id


def pull(clone):
    result = subprocess.run(
        ["git", "pull", "--no-rebase", "--no-edit"], cwd=clone, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "CONFLICT" not in result.stdout


def test_two_clones_add_records_to_one_case_and_merge(tmp_path):
    first, second, case_id = clone_pair(tmp_path)
    ppks = {"PPKS_WORKER": "Saskia"}
    assert (
        run_ppks(
            "note",
            case_id,
            "Catatan dari rumah singgah",
            "--date",
            "2024-03-05",
            cwd=first,
            env=ppks,
        ).returncode
        == 0
    )
    assert run_ppks("intervene", case_id, "--kind", "home-visit", "--note", "Kunjungan", "--date", "2024-03-06",
                    cwd=second, env={"PPKS_WORKER": "Dewi"}).returncode == 0  # fmt: skip
    git("push", cwd=first)
    pull(second)
    shown = json.loads(run_ppks("show", case_id, "--json", cwd=second).stdout)
    kinds = sorted(r["kind"] for r in shown["records"])
    assert kinds == ["assessment", "intervention", "intervention", "note", "plan"]
    assert run_ppks("check", cwd=second).returncode == 0


def test_two_clones_record_conflicting_stage_changes(tmp_path):
    first, second, case_id = clone_pair(tmp_path)
    env = {"PPKS_WORKER": "Saskia"}
    assert run_ppks("terminate", case_id, "--reason", "refused-or-left", "--summary", "Klien pergi",
                    "--date", "2024-03-10", cwd=first, env=env).returncode == 0  # fmt: skip
    assert run_ppks("intervene", case_id, "--kind", "home-visit", "--note", "Kunjungan", "--date", "2024-03-12",
                    cwd=second, env=env).returncode == 0  # fmt: skip
    git("push", cwd=first)
    pull(second)
    shown = json.loads(run_ppks("show", case_id, "--json", cwd=second).stdout)
    assert {"termination", "intervention"} <= {r["kind"] for r in shown["records"]}
    assert len(shown["warnings"]) == 1
    checked = run_ppks("check", cwd=second)
    assert checked.returncode == 0  # a warning, for a person to look at
    assert "peringatan" in checked.stdout and "intervention" in checked.stdout


def test_plan_goals_measures_target_dates_and_tasks(cli):
    case_id = json.loads(cli(*NEW_MR).stdout)["id"]
    assert cli("assess", case_id, "--problem", "x", "--worker", "S", "--date", "2024-02-20").exit_code == 0
    before = snapshot(cli.root)
    for bad, option in (
        (["--measure", "a", "--measure", "b", "--measure", "c"], "--measure"),  # 2 goals, 3 measures
        (["--task", "Hubungi keluarga;Saskia;minggu depan"], "--task"),
        (["--task", ";Saskia"], "--task"),
        (["--target-date", "2024-13-01"], "--target-date"),
    ):
        result = cli("plan", case_id, "--goal", "Pulang", "--goal", "Punya KTP", *bad,
                     "--worker", "S", "--date", "2024-02-23")  # fmt: skip
        assert result.exit_code == 3, (bad, result.output)
        assert option in result.stderr
        assert snapshot(cli.root) == before
    result = cli(
        "plan", case_id, "--goal", "Pulang", "--goal", "Punya KTP",
        "--measure", "Tinggal bersama keluarga", "--measure", "KTP terbit",
        "--target-date", "2024-04-30",  # one date for every goal
        "--task", "Hubungi keluarga;Saskia;2024-03-01", "--task", "Urus KTP ke Disdukcapil",
        "--worker", "S", "--date", "2024-02-23", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)["record"]
    assert record["goals"] == [
        {"what": "Pulang", "measure": "Tinggal bersama keluarga", "target_date": "2024-04-30"},
        {"what": "Punya KTP", "measure": "KTP terbit", "target_date": "2024-04-30"},
    ]
    assert record["tasks"] == [
        {"what": "Hubungi keluarga", "who": "Saskia", "when": "2024-03-01"},
        {"what": "Urus KTP ke Disdukcapil"},
    ]


def test_evaluate_goal_status_per_goal(cli):
    case_id = json.loads(cli(*NEW_MR).stdout)["id"]
    for step in (
        ["assess", case_id, "--problem", "x", "--date", "2024-02-20"],
        ["plan", case_id, "--goal", "Pulang", "--goal", "Punya KTP", "--date", "2024-02-23"],
        ["intervene", case_id, "--kind", "home-visit", "--note", "Kunjungan", "--date", "2024-03-01"],
    ):
        assert cli(*step, "--worker", "S").exit_code == 0
    before = snapshot(cli.root)
    for bad in ("3=achieved", "1=done", "achieved", "1"):
        result = cli("evaluate", case_id, "--progress", "p", "--decision", "continue",
                     "--goal-status", bad, "--worker", "S", "--date", "2024-03-10")  # fmt: skip
        assert result.exit_code == 3, (bad, result.output)
        assert "--goal-status" in result.stderr
        assert snapshot(cli.root) == before
    result = cli(
        "evaluate", case_id, "--progress", "Ada kemajuan", "--decision", "continue",
        "--goal-status", "2=partly:masih menunggu Disdukcapil", "--goal-status", "1=achieved",
        "--worker", "S", "--date", "2024-03-10", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)["record"]
    assert record["progress"] == "Ada kemajuan"
    assert record["goal_status"] == [
        {"goal": 1, "status": "achieved"},
        {"goal": 2, "status": "partly", "note": "masih menunggu Disdukcapil"},
    ]
    shown = json.loads(cli("show", case_id, "--json").stdout)
    assert shown["current_plan"]["goal_status"] == {"1": "achieved", "2": "partly"}

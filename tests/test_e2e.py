"""End-to-end: the installed ``ppks`` command in a subprocess, the way a user runs it
(``run_installed``), and whole scenarios run in-process the same way (``run_ppks``)."""

import json
import subprocess
import sys

import pytest

from conftest import NEW_MR_ARGS, SAMPLE, git, ppks_command, run_installed, run_ppks, snapshot

NEW_MR = NEW_MR_ARGS


def test_foundation_contract_as_a_user_types_it(tmp_path):
    kasus = tmp_path / "kasus"
    init = run_installed("init", str(kasus), "--office", "Dinas Sosial Kota Medan")
    assert init.returncode == 0, init.stderr
    created = run_installed(*NEW_MR, "--json", cwd=kasus)
    assert created.returncode == 0, created.stderr
    case_id = json.loads(created.stdout)["id"]
    listed = json.loads(run_installed("list", "--json", cwd=kasus).stdout)
    assert [(r["id"], r["name"], r["category"], r["stage"], r["worker"]) for r in listed] == [
        (case_id, "MR", "pengemis", "intake", "Saskia")
    ]
    shown = run_installed("show", case_id[:7], "--json", cwd=kasus / "cases")  # from a subfolder
    detail = json.loads(shown.stdout)
    assert (detail["id"], detail["stage"], detail["category"], detail["client"]["name"]) == (
        case_id, "intake", "pengemis", "MR",
    )  # fmt: skip
    checked = run_installed("check", cwd=kasus)
    assert checked.returncode == 0 and "0 kesalahan" in checked.stdout


@pytest.mark.parametrize(
    "args, code",
    [
        (["--category", "penyanyi"], 3),
        (["--intake-date", "2024-02-30"], 3),
        (["--nik", "127501160275000"], 3),
    ],
)
def test_bad_input_in_a_subprocess(tmp_path, args, code):
    run_ppks("init", str(tmp_path / "k"))
    before = snapshot(tmp_path / "k")
    result = run_ppks(*NEW_MR, *args, cwd=tmp_path / "k")
    assert result.returncode == code
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert snapshot(tmp_path / "k") == before


def test_missing_name_with_stdin_closed_is_an_error_not_a_hang(tmp_path):
    run_ppks("init", str(tmp_path / "k"))
    args = NEW_MR[:1] + NEW_MR[3:]
    result = subprocess.run(
        [*ppks_command(), *args],
        cwd=tmp_path / "k", stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 3
    assert "--name" in result.stderr
    assert list((tmp_path / "k" / "cases").iterdir()) == [tmp_path / "k" / "cases" / ".gitkeep"]


def test_show_unknown_and_outside_repository(tmp_path):
    run_ppks("init", str(tmp_path / "k"))
    unknown = run_ppks("show", "2024-XXXX", cwd=tmp_path / "k")
    assert unknown.returncode == 4 and "Traceback" not in unknown.stderr
    outside = run_ppks("list", cwd=tmp_path)
    assert outside.returncode == 5 and "ppks init" in outside.stderr


def test_a_bug_traceback_shows_no_local_variables(tmp_path):
    # a deliberately broken command: the traceback must not print local values
    code = (
        "import sys, typer\n"
        "from ppks_cli.commands.app import build_app\n"
        "app = build_app()\n"
        "@app.command('boom')\n"
        "def boom():\n"
        "    secret_client_name = 'RAHASIA' + '-KLIEN'\n"
        "    raise RuntimeError('bug')\n"
        "sys.argv = ['ppks', 'boom']\n"
        "app()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode != 0
    assert "RuntimeError" in result.stderr
    assert "RAHASIA-KLIEN" not in result.stderr


def test_help_does_not_import_jinja2_pydantic_or_sqlite3():
    code = (
        "import sys; sys.argv = ['ppks', '--help']\nfrom ppks_cli.commands.app import main\nmain()"
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True
    )
    assert result.returncode == 0
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "typer" in imported
    assert not {m for m in imported if m.split(".")[0] in ("jinja2", "pydantic", "rich", "sqlite3", "_sqlite3")}
    assert "ppks_cli.paths" in imported  # the names below are the full module names
    assert not {m for m in imported if m == "ppks_cli.git" or m.startswith("ppks_cli.git.")}


def test_sample_repository_lists_and_checks():
    listed = run_installed("--root", str(SAMPLE), "list", "--json")
    rows = json.loads(listed.stdout)
    assert "MR" in [r["name"] for r in rows]
    assert len({r["category"] for r in rows}) >= 3
    assert run_installed("--root", str(SAMPLE), "check").returncode == 0


def test_two_offline_clones_merge_new_cases_without_conflict(tmp_path):
    origin = tmp_path / "origin.git"
    git("init", "--bare", "-b", "main", str(origin), cwd=tmp_path)
    first = tmp_path / "shelter"
    run_ppks("init", str(first), "--office", "Dinas Sosial Kota Medan")
    git("remote", "add", "origin", str(origin), cwd=first)
    git("push", "-u", "origin", "main", cwd=first)
    second = tmp_path / "office"
    git("clone", str(origin), str(second), cwd=tmp_path)

    made = []
    for clone, names in ((first, ["MR", "Rizky"]), (second, ["Tiurma", "Rina"])):
        for name in names:
            args = [*NEW_MR, "--json", "--yes"]
            args[args.index("MR")] = name
            made.append(json.loads(run_ppks(*args, cwd=clone).stdout)["id"])
    git("push", cwd=first)
    pulled = subprocess.run(
        ["git", "pull", "--no-rebase", "--no-edit"], cwd=second, capture_output=True, text=True
    )
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    assert "CONFLICT" not in pulled.stdout
    listed = json.loads(run_ppks("list", "--json", cwd=second).stdout)
    assert sorted(r["id"] for r in listed) == sorted(made)
    assert len(set(made)) == 4
    assert run_ppks("check", cwd=second).returncode == 0

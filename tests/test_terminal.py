"""A person at a real terminal (a pty, through pexpect): ``new-case``, ``assess``,
``plan`` and ``evaluate`` with a wrong answer at every question. Each wrong answer is
refused with its reason (in words about the question, never a flag), the question is
asked again, and the form completes with everything typed before kept. Ctrl-C at a
prompt: one Indonesian line, exit 8."""

import json
import os
import re
import signal
from pathlib import Path

import pytest

from conftest import ppks_command, run_ppks

pexpect = pytest.importorskip("pexpect")

ESC = "\x1b"  # a control character: refused in any text answer

# (question shown, wrong answer or None, right answers): the right answers of a list
# question end with "" (the empty line that ends the list)
NEW_CASE = [
    ("Nama klien", "", ["Butet"]),
    ("Jenis kelamin", "X", ["P"]),
    ("Kategori PPKS", "27", ["anak-jalanan"]),
    ("Cara klien datang", "99", ["walk-in"]),
    ("Tanggal penerimaan", "minggu depan", ["16 Februari 2024"]),
    ("Tempat ditemukan", f"Pasar{ESC}", ["Pasar Petisah"]),
    ("NIK", "123", [""]),
    ("Nomor KK", "12", [""]),
    ("Tanggal lahir", "kemarin", ["sekitar 45 tahun"]),
    ("Tempat lahir", ESC, [""]),
    ("Agama", "dukun", [""]),
    ("Status perkawinan", "x", [""]),
    ("Pendidikan terakhir", "x", [""]),
    ("Pekerjaan", ESC, [""]),
    ("Nomor telepon", "0812-3456-78O9", ["0812-3456-7890"]),
    ("Alamat", ESC, [""]),
    ("Tambah anggota keluarga?", None, ["y"]),
    ("  Nama", "", ["Siti"]),
    ("  Hubungan", "27", ["1"]),
    ("  Nomor telepon", "abc", ["0813 1111 2222"]),
    ("  Alamat", ESC, ["Jl. Mawar 3"]),
    ("Tambah anggota keluarga lagi?", None, ["n"]),
]

ASSESS = [
    ("Masalah", "", ["Konflik dengan keluarga", ""]),
    ("Kebutuhan", ESC, ["Tempat tinggal", ""]),
    ("Kekuatan/potensi", ESC, ["Sehat", ""]),
    ("Sumber daya", ESC, [""]),
    ("Sumber informasi", ESC, ["Wawancara klien", ""]),
    ("Konteks sosial", ESC, ["Butet hidup di jalan."]),
    ("Prioritas", ESC, [""]),
    ("Tingkat risiko", "sangat", ["3"]),
    ("Rekomendasi", ESC, [""]),
]

PLAN = [
    ("Tujuan", "", ["Kembali ke keluarga", ""]),
    ("Ukuran keberhasilan tujuan 1", ESC, ["Tinggal di rumah"]),
    ("Target tanggal tujuan 1", "akhir bulan", ["30 April 2099"]),
    ("Strategi", ESC, ["Mediasi keluarga", ""]),
    ("Teknik/metode", ESC, [""]),
    ("Tugas", "Hubungi keluarga;Saskia;minggu depan", ["Hubungi keluarga;Saskia;1 Mei 2099", ""]),
    ("Sumber daya yang dilibatkan", ESC, [""]),
]

EVALUATE = [
    ("Kemajuan tujuan 1", "xyz", ["1"]),
    ("Narasi kemajuan", "", ["Butet kembali ke rumah."]),
    ("Keputusan", "xyz", ["1"]),
]


@pytest.fixture
def office(tmp_path):
    root = tmp_path / "kasus"  # the worker: [defaults] in ppks.toml, so not asked
    assert run_ppks("init", str(root), "--worker", "Saskia").returncode == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("PPKS_")}
    env.update(TERM="dumb", COLUMNS="200", LINES="50")
    return root, env


def answer_form(session, form) -> None:
    """Give each question of ``form`` its wrong answer, check the reason and that the
    same question comes again, then give the right answers."""
    for question, wrong, right in form:
        session.expect_exact(question)
        if wrong is not None:
            session.expect(r": $")
            session.sendline(wrong)
            session.expect(r"Galat: ([^\r\n]*)")
            reason = session.match.group(1)
            assert not re.search(r"--[a-z]", reason) and "Error" not in reason, (question, reason)
            session.expect_exact(question)  # asked again
        for typed in right:
            session.expect(r": $")
            session.sendline(typed)


def run_form(root, env, args, form) -> str:
    session = pexpect.spawn(
        ppks_command()[0], [*ppks_command()[1:], *args], cwd=str(root), env=env,
        encoding="utf-8", timeout=10, dimensions=(50, 200),
    )  # fmt: skip
    session.delaybeforesend = 0.005  # each answer is sent once its question is shown
    answer_form(session, form)
    session.expect(pexpect.EOF)
    session.close()
    assert session.exitstatus == 0, session.before
    return session.before


def test_every_question_asks_again_and_the_forms_complete(office):
    root, env = office
    run_form(root, env, ["new-case"], NEW_CASE)
    (case_id,) = [p.name for p in (root / "cases").iterdir() if p.is_dir()]
    run_form(root, env, ["assess", case_id, "--worker", "Saskia"], ASSESS)
    run_form(root, env, ["plan", case_id, "--worker", "Saskia"], PLAN)
    done = run_ppks(
        "intervene", case_id, "--kind", "home-visit", "--note", "Kunjungan", "--worker", "S",
        cwd=root,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    run_form(root, env, ["evaluate", case_id, "--worker", "Saskia"], EVALUATE)

    case = json.loads(run_ppks("show", case_id, "--json", cwd=root).stdout)
    client = case["client"]
    assert (client["name"], client["sex"], case["category"]) == ("Butet", "P", "anak-jalanan")
    assert case["intake"]["date"] == "2024-02-16"
    assert case["intake"]["found_at"] == "Pasar Petisah"
    assert client["birth_year"] == 1979 and client["phone"] == "081234567890"
    assert client["family"] == [
        {"name": "Siti", "relation": "ibu", "phone": "081311112222", "address": "Jl. Mawar 3"}
    ]
    kinds = [r["kind"] for r in case["records"]]
    assert kinds == ["assessment", "plan", "intervention", "evaluation"], kinds
    assessment, plan, _, evaluation = case["records"]
    assert assessment["problems"] == ["Konflik dengan keluarga"]
    assert assessment["needs"] == ["Tempat tinggal"] and assessment["risk"] == "high"
    assert assessment["context"] == "Butet hidup di jalan."
    assert plan["goals"][0]["target_date"] == "2099-04-30"
    assert plan["tasks"][0]["when"] == "2099-05-01"
    assert evaluation["decision"] == "continue"
    assert evaluation["goal_status"][0]["status"] == "achieved"


def test_ctrl_c_at_a_prompt_is_one_indonesian_line_and_exit_8(office):
    root, env = office
    before = sorted(p.relative_to(root) for p in root.rglob("*") if ".git" not in p.parts)
    session = pexpect.spawn(
        ppks_command()[0], [*ppks_command()[1:], "new-case"], cwd=str(root), env=env,
        encoding="utf-8", timeout=10, dimensions=(50, 200),
        # as a shell starts a program at a terminal: Ctrl-C at its default (a test
        # runner's worker may ignore it, and an ignored SIGINT is inherited)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    session.expect_exact("Nama klien")
    session.sendline("Butet")
    session.expect_exact("Jenis kelamin")
    session.sendintr()
    # a Ctrl-C that comes after the question is shown but before Python waits for the
    # answer is seen only at the next key (CPython's input(): the signal is noted, then
    # read() waits); pexpect can be that quick on a loaded machine, a person is not, and
    # a person presses Ctrl-C again: so does the test, and still one line is shown
    if session.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=3) == 1:
        session.sendintr()
        if session.expect([pexpect.EOF, pexpect.TIMEOUT]) == 1:
            state = Path(f"/proc/{session.pid}/status")
            found = state.read_text() if state.exists() else ""
            wanted = ("State", "SigBlk", "SigIgn", "SigCgt", "SigPnd", "ShdPnd")
            lines = [ln for ln in found.splitlines() if ln.split(":")[0] in wanted]
            session.kill(signal.SIGKILL)
            raise AssertionError(f"Ctrl-C twice, no end: {lines} {session.before!r}")
    session.close()
    assert session.exitstatus == 8
    shown = [line for line in session.before.splitlines() if line.strip()]
    assert shown[-1].strip() == "Galat: Dibatalkan; tidak ada yang ditulis."
    assert "Traceback" not in session.before and "Aborted" not in session.before
    after = sorted(p.relative_to(root) for p in root.rglob("*") if ".git" not in p.parts)
    assert after == before

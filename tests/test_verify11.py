"""Bugs found by verifying issue 11 as a new user would (each test fails until fixed)."""

import json
import re
import shutil
import subprocess
import sys

from ppks_cli.commands import _common

from conftest import Cli, git, new_case, ppks_command, run_ppks, snapshot


def _link(cli, case_id, other, word):
    result = cli("link", case_id, other, "--as", word, "--worker", "Saskia", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["record"]["id"]


def _offline_clone(root, tmp_path):
    """A copy of ``root``: a second worker's clone before either works offline."""
    other = tmp_path / "offline"
    shutil.copytree(root, other, symlinks=True)
    return other


def _bring_back(root, other, case_id, *args):
    """Run ``ppks *args`` in the offline clone ``other`` and bring the records it wrote in
    ``case_id``'s folder into ``root`` (what a sync brings), committed."""
    result = Cli(other)(*args)
    assert result.exit_code == 0, result.output
    records = root / "cases" / case_id / "records"
    records.mkdir(exist_ok=True)
    for path in (other / "cases" / case_id / "records").iterdir():
        if not (records / path.name).exists():
            shutil.copy2(path, records / path.name)
    git("add", "-A", cwd=root)
    git("commit", "-qm", f"{case_id}: from the other clone", cwd=root)


def _problems(cli) -> list[dict]:
    result = cli("check", "--json")
    return json.loads(result.stdout)["problems"]


# --- merge --------------------------------------------------------------------------------


def test_merged_duplicate_owes_no_follow_up(git_office_cli):
    """A duplicate closed by merge is no client who left the office: nobody visits it
    for a bimbingan lanjut. Today `due --all` lists "bimbingan lanjut pertama setelah
    terminasi" for it and `list` gives it a next_due."""
    _, cli, _ = git_office_cli
    keep, dup = new_case(cli, "Rahmat Siregar"), new_case(cli, "Ucok")
    assert cli("merge", keep, dup, "--reason", "orang yang sama").exit_code == 0
    due = cli("due", "--all", "--within", "60", "--json")
    assert due.exit_code == 0, due.output
    assert [item for item in json.loads(due.stdout) if item["case"] == dup] == []
    rows = {row["id"]: row for row in json.loads(cli("list", "--json").stdout)}
    assert rows[dup]["next_due"] is None


# --- attachments --------------------------------------------------------------------------


def test_attach_commits_the_scan_where_gitignore_ignores_pdf(tmp_path):
    """Every repository made before this issue has the old `.gitignore` (`*.pdf`,
    `*.png`), and many users have `*.pdf` in their global git ignore. Today attach then
    fails with exit 9 and git's English text, the advice it prints (`git add -- …`)
    fails for the same reason, and the record stays staged."""
    root = tmp_path / "kasus"
    assert Cli(None)("init", str(root), "--worker", "Saskia").exit_code == 0
    with (root / ".gitignore").open("a") as ignore:
        ignore.write("*.pdf\n*.png\n")
    git("commit", "-qam", "old ignore rules", cwd=root)
    cli = Cli(root)
    case_id = new_case(cli, "Rahmat")
    scan = tmp_path / "ktp.pdf"
    scan.write_bytes(b"%PDF-1.4 scan")
    result = cli("attach", case_id, str(scan), "--kind", "ktp", "--json")
    assert result.exit_code == 0, result.output
    stored = json.loads(result.stdout)["file"]
    assert git("ls-files", "--", stored, cwd=root).strip() == stored
    assert git("status", "--porcelain", cwd=root) == ""


# --- links --------------------------------------------------------------------------------


def test_check_flags_links_that_contradict_each_other_after_an_offline_merge(
    git_office_cli, tmp_path
):
    """Online, `link` refuses a relation that contradicts an earlier one. Two workers
    offline: A says B is A's mother, B says A is B's father. After the merge `show` says
    B is A's mother and A's child; `check` is silent."""
    root, cli, _ = git_office_cli
    a, b = new_case(cli, "Ani"), new_case(cli, "Bima")
    other = _offline_clone(root, tmp_path)
    first = _link(cli, a, b, "ibu")
    _bring_back(root, other, b, "link", b, a, "--as", "ayah", "--worker", "Dewi")
    problems = _problems(cli)
    assert any("-link-" in str(p["file"]) for p in problems), (first, problems)


def test_a_link_recorded_twice_offline_is_shown_once(git_office_cli, tmp_path):
    """Two workers link a child to its mother offline: the child's `show` lists the
    mother twice (the mother's `show` lists the child once)."""
    root, cli, _ = git_office_cli
    child, mother = new_case(cli, "Cici"), new_case(cli, "Ani")
    other = _offline_clone(root, tmp_path)
    _link(cli, child, mother, "ibu")
    _bring_back(root, other, child, "link", child, mother, "--as", "ibu", "--worker", "Dewi")
    links = json.loads(cli("show", child, "--json").stdout)["links"]
    assert [(x["case"], x["relation"]) for x in links] == [(mother, "mother")]


def test_check_flags_a_link_to_a_missing_case_or_to_itself(git_office_cli):
    """`link` refuses both; a hand edit (or a colleague's deleted case) makes them, and
    `check` says nothing while `show` lists a nameless case, or the client as its own
    mother."""
    root, cli, _ = git_office_cli
    a, b = new_case(cli, "Ani"), new_case(cli, "Bima")
    record = _link(cli, a, b, "ibu")
    [path] = (root / "cases" / a / "records").glob(f"*-link-{record}.toml")
    text = path.read_text()
    for target in ("2024-ZZZZZ", a):
        path.write_text(text.replace(f'other = "{b}"', f'other = "{target}"'))
        problems = _problems(cli)
        assert any(p["file"].endswith(path.name) for p in problems), (target, problems)


def test_link_prompt_asks_again_after_an_unknown_relation(git_office_cli, monkeypatch):
    """At a terminal, `attach` asks again after an unknown kind; `link` ends with exit 3
    after one wrong word (and shows no numbered choices)."""
    _, cli, _ = git_office_cli
    a, b = new_case(cli, "Ani"), new_case(cli, "Bima")
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)
    result = cli("link", a, b, "--worker", "Saskia", "--json", input="kakek\nibu\n")
    assert result.exit_code == 0, result.output
    answer = result.stdout[result.stdout.index("{"):]  # after the typed answers' echo
    assert json.loads(answer)["record"]["relation"] == "mother"
    assert "1) " in result.output and "Ibu" in result.output  # the choices, numbered


# --- Indonesian mode ----------------------------------------------------------------------


def test_check_messages_of_the_new_records_and_settings_are_not_english(git_office_cli):
    """`check` in Indonesian: a bad relation in a link record ends in "… 'other' or
    'duplicate'", and `[attachments] max_mb = 0` says "Input should be greater than or
    equal to 1"."""
    root, cli, _ = git_office_cli
    a, b = new_case(cli, "Ani"), new_case(cli, "Bima")
    record = _link(cli, a, b, "ibu")
    [path] = (root / "cases" / a / "records").glob(f"*-link-{record}.toml")
    path.write_text(path.read_text().replace('relation = "mother"', 'relation = "kakek"'))
    settings = root / "ppks.toml"
    settings.write_text(settings.read_text().replace("max_mb = 10", "max_mb = 0"))
    messages = " ".join(p["message"] for p in _problems(cli))
    assert "kakek" in messages and "max_mb" in messages, messages
    for english in (" or ", "Input should", "greater than"):
        assert english not in messages, messages


# --- edit ---------------------------------------------------------------------------------


def test_edit_corrects_the_intake_date_and_source_too(git_office_cli):
    """The issue: `ppks edit` takes "every identity and intake field". The intake date
    and how the client came (a street raid entered as walk-in) are intake fields that
    are mistyped as often as the others; edit has no option for them."""
    _, cli, case_id = git_office_cli
    result = cli("edit", case_id, "--intake-date", "2024-02-15", "--source", "walk-in",
                 "--reason", "salah ketik di penerimaan", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    shown = json.loads(cli("show", case_id, "--json").stdout)["intake"]
    assert (shown["date"], shown["source"]) == ("2024-02-15", "walk-in")


# --- clone and bundles --------------------------------------------------------------------


def test_clone_of_a_damaged_bundle_says_so_in_ppks_words(git_office, tmp_path):
    """`bundle import --into` says "not a valid git bundle" (exit 3) or "damaged"
    (exit 7); `ppks clone` of the same files fails with exit 9 and git's English
    ("and the repository exists.", "fatal: remote transport reported error")."""
    root, _ = git_office
    good = tmp_path / "kasus.bundle"
    assert run_ppks("bundle", "export", str(good), cwd=root).returncode == 0
    cut = tmp_path / "cut.bundle"
    cut.write_bytes(good.read_bytes()[:200])
    fake = tmp_path / "fake.bundle"
    fake.write_text("not a bundle\n")
    for source, code in ((cut, 7), (fake, 3)):
        result = run_ppks("clone", str(source), str(tmp_path / "stick"))
        assert result.returncode == code, (source.name, result.stderr)
        for english in ("fatal:", "repository exists", "transport"):
            assert english not in result.stderr, result.stderr
        assert not (tmp_path / "stick").exists()


def test_a_refused_bundle_import_leaves_no_partial_pack(git_office, tmp_path):
    """A truncated bundle is refused as damaged (exit 7), but git's half-written pack
    stays in .git/objects/pack (as large as the part copied) after each attempt."""
    root, case_id = git_office
    other = tmp_path / "other"
    shutil.copytree(root, other, symlinks=True)
    (tmp_path / "scan.bin").write_bytes(bytes(range(256)) * 4096)
    cli = Cli(other)
    assert cli("attach", case_id, str(tmp_path / "scan.bin"), "--kind", "foto").exit_code == 0
    bundle = tmp_path / "new.bundle"
    assert run_ppks("bundle", "export", str(bundle), cwd=other).returncode == 0
    cut = tmp_path / "cut.bundle"
    cut.write_bytes(bundle.read_bytes()[: bundle.stat().st_size // 2])
    before = snapshot(root)
    result = run_ppks("bundle", "import", str(cut), cwd=root)
    assert result.returncode == 7, result.stderr
    assert snapshot(root) == before
    assert list((root / ".git" / "objects" / "pack").glob("tmp_*")) == []


def test_check_flags_two_offline_corrections_of_one_field(git_office_cli, tmp_path):
    """Two workers correct the client's name offline to different values. After the
    merge the later silently wins, its old value ('MR') is not what it replaced ('Rahmat
    Siregar'), and `check` says nothing: a contradiction a person must settle, like two
    terminations (which `check` reports with the command that fixes it)."""
    root, cli, case_id = git_office_cli
    other = _offline_clone(root, tmp_path)
    mine = cli("edit", case_id, "--name", "Rahmat Siregar", "--reason", "KTP")
    assert mine.exit_code == 0, mine.output
    _bring_back(root, other, case_id, "edit", case_id, "--name", "Rahmat Simanjuntak",
                "--reason", "KK", "--worker", "Dewi")  # fmt: skip
    problems = _problems(cli)
    assert any("-correction-" in str(p["file"]) and p["fix"] for p in problems), problems


def test_new_case_duplicate_check_knows_a_former_name(git_office_cli):
    """A street client opened as "Ucok", then corrected to his real name: `search Ucok`
    finds him ("nama sebelumnya"), but when he is picked up again as "Ucok" `new-case`
    opens a second case without a word (in a script it should refuse without --yes)."""
    _, cli, _ = git_office_cli
    first = cli("new-case", "--name", "Ucok", "--sex", "L", "--birth-year", "1975",
                "--category", "pengemis", "--intake-date", "2024-02-16",
                "--source", "street-raid", "--json")  # fmt: skip
    assert first.exit_code == 0, first.output
    case_id = json.loads(first.stdout)["id"]
    edit = cli("edit", case_id, "--name", "Rahmat Siregar", "--reason", "Disdukcapil")
    assert edit.exit_code == 0, edit.output
    found = json.loads(cli("search", "Ucok", "--json").stdout)
    assert [row["id"] for row in found] == [case_id]
    listed = json.loads(cli("list", "--name", "Ucok", "--json").stdout)
    assert [row["id"] for row in listed] == [case_id]
    again = cli("new-case", "--name", "Ucok", "--sex", "L", "--birth-year", "1975",
                "--category", "pengemis", "--intake-date", "2024-05-16",
                "--source", "street-raid")  # fmt: skip
    assert again.exit_code == 6, again.output
    assert case_id in again.output


def test_sync_fixes_the_remote_head_of_an_office_that_pushed_with_plain_git(tmp_path):
    """The issue's own story: `git init --bare` (default branch master), `ppks init`,
    `git push`, and a plain `git clone` gives an empty folder. Such an office runs
    `ppks sync` from now on, but sync points the remote's HEAD to main only on the
    branch's very first push, so its remote stays broken for every plain clone."""
    shared = tmp_path / "shared.git"
    git("-c", "init.defaultBranch=master", "init", "-q", "--bare", str(shared), cwd=tmp_path)
    kasus = tmp_path / "kasus"
    assert run_ppks("init", str(kasus), "--worker", "Saskia").returncode == 0
    git("remote", "add", "origin", str(shared), cwd=kasus)
    git("push", "-qu", "origin", "main", cwd=kasus)  # as the office did before ppks sync
    cli = Cli(kasus)
    new_case(cli, "Rahmat")
    result = run_ppks("sync", cwd=kasus)
    assert result.returncode == 0, result.stderr
    assert git("symbolic-ref", "HEAD", cwd=shared).strip() == "refs/heads/main"


def test_the_fix_check_names_for_an_orphan_attachment_works(git_office_cli):
    """A scan copied into attachments/ by hand (untracked): `check` warns and names
    `git rm cases/…/scan.pdf` as the fix, which fails ("pathspec … did not match any
    files", exit 128) since git does not track the file. The fix named must work however
    git knows the file: untracked, staged only, or committed (then nothing is left for
    `sync` to refuse)."""
    root, cli, case_id = git_office_cli
    folder = root / "cases" / case_id / "attachments"
    for how in ("untracked", "staged", "committed"):
        folder.mkdir(exist_ok=True)  # git rm takes away the folder it leaves empty
        scan = folder / f"scan-{how}.pdf"
        scan.write_bytes(b"%PDF-1.4 scan")
        if how != "untracked":
            git("add", "--force", "--", str(scan), cwd=root)
        if how == "committed":
            git("commit", "-qm", f"{case_id}: a scan added by hand", cwd=root)
        [problem] = [p for p in _problems(cli) if p["file"].endswith(scan.name)]
        command = re.search(r"(?:git rm|rm) \S+.*$", problem["fix"]).group(0)
        done = subprocess.run(command, shell=True, cwd=root, capture_output=True, text=True)
        assert done.returncode == 0, (how, command, done.stderr)
        assert not scan.exists()
        assert [p for p in _problems(cli) if p["file"].endswith(scan.name)] == []
        assert git("status", "--porcelain", cwd=root) == "", how


def test_edit_in_the_editor_does_not_undo_a_correction_made_meanwhile(
    git_office_cli, tmp_path, monkeypatch
):
    """While a worker has the case open in $EDITOR (ppks holds no lock then), a
    colleague's correction lands (another terminal, or a sync): alias 'Ucok' -> 'Mamat'.
    The worker changes only the name and saves; the correction written also sets the
    alias back to 'Ucok' (the value shown when the editor opened), silently undoing the
    colleague's work."""
    root, cli, case_id = git_office_cli
    assert cli("edit", case_id, "--alias", "Ucok", "--reason", "di jalan").exit_code == 0
    colleague = [*ppks_command(), "--root", str(root), "edit", case_id, "--alias", "Mamat",
                 "--reason", "rekan", "--worker", "Dewi"]  # fmt: skip
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import pathlib, subprocess, sys\n"
        f"subprocess.run({colleague!r}, check=True, stdin=subprocess.DEVNULL)\n"
        "path = pathlib.Path(sys.argv[-1])\n"
        "text = path.read_text().replace('reason = \"\"', 'reason = \"KTP\"')\n"
        "path.write_text(text.replace('name = \"MR\"', 'name = \"Rahmat Siregar\"'))\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)
    result = cli("edit", case_id, "--worker", "Saskia")
    assert result.exit_code == 0, result.output
    client = json.loads(cli("show", case_id, "--json").stdout)["client"]
    assert client["name"] == "Rahmat Siregar"
    assert client["alias"] == "Mamat"  # the colleague's correction stands


def test_check_flags_two_offline_transfers_and_a_later_one_settles_it(git_office_cli, tmp_path):
    """MR moved to Dewi in one clone and to Wati in the other: the second transfer says
    "from Saskia" although Dewi held the case by then. `check` warns and names the
    command; a transfer recorded after both settles it."""
    root, cli, case_id = git_office_cli
    other = _offline_clone(root, tmp_path)
    assert cli("transfer", case_id, "--to", "Dewi", "--reason", "rotasi").exit_code == 0
    _bring_back(root, other, case_id, "transfer", case_id, "--to", "Wati",
                "--reason", "rotasi", "--worker", "Wati", "--date", "2026-12-01")  # fmt: skip
    warned = [p for p in _problems(cli) if "-transfer-" in p["file"]]
    assert len(warned) == 1 and "ppks transfer" in warned[0]["fix"], warned
    settled = cli("transfer", case_id, "--to", "Sari", "--reason", "disepakati")
    assert settled.exit_code == 0, settled.output
    assert [p for p in _problems(cli) if "-transfer-" in p["file"]] == []


# --- the smaller problems the verification found --------------------------------------


def test_a_file_just_over_the_limit_does_not_read_as_the_limit():
    from ppks_cli.attachments import MB, _mb

    assert _mb(10 * MB + 1, 10 * MB) != _mb(10 * MB)
    assert _mb(12 * MB, 10 * MB) == "12.0"


def test_transfer_without_case_or_from_asks_which(git_office_cli):
    _, cli, case_id = git_office_cli
    neither = cli("transfer", "--to", "Dewi", "--reason", "rotasi")
    assert neither.exit_code == 3 and "bukan keduanya" not in neither.output
    assert "--from" in neither.output
    both = cli("transfer", case_id, "--from", "Saskia", "--to", "Dewi", "--reason", "rotasi")
    assert both.exit_code == 3 and "bukan keduanya" in both.output


def test_toml_errors_speak_the_users_language(git_office_cli):
    """tomllib's English ("Invalid value") was passed through in check and in edit."""
    root, cli, case_id = git_office_cli
    case_toml = root / "cases" / case_id / "case.toml"
    case_toml.write_text(case_toml.read_text().replace('name = "MR"', "name = MR"))
    messages = " ".join(p["message"] for p in _problems(cli))
    assert "nilai tidak sah" in messages and "Invalid value" not in messages, messages

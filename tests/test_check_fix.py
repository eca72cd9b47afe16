"""Every problem of ``ppks check`` that needs a person names what fixes it (a command or a
hand action): on the line after the problem in text, as ``fix`` in ``--json``, in
Indonesian and in English; the cached result keeps it."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from ppks_cli.check import check_repository, with_fix
from ppks_cli.checkcache import CaseCheck
from ppks_cli.i18n import Msg, set_language
from ppks_cli.problems import Problem

from conftest import PROJECT, Cli, git


def records(root, case_id):
    return root / "cases" / case_id / "records"


def copy_record(source, folder, new_id, *, date=None, case=None):
    """A record another clone wrote: ``source`` again under ``new_id`` (and ``date``,
    ``case``), as if recorded offline."""
    text = source.read_text()
    old_id = re.search(r'^id = "(\w+)"', text, re.M)[1]
    old_date = re.search(r"^date = (\S+)", text, re.M)[1]
    kind = re.search(r'^kind = "([\w-]+)"', text, re.M)[1]
    text = text.replace(f'id = "{old_id}"', f'id = "{new_id}"')
    if date:
        text = text.replace(f"date = {old_date}", f"date = {date}")
    if case:
        text = re.sub(r'^case = ".*"', f'case = "{case}"', text, flags=re.M)
    target = folder / f"{date or old_date}-{kind}-{new_id}.toml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """A repository with one problem of each kind a person must fix."""
    base = tmp_path_factory.mktemp("fix")
    root = base / "kasus"
    cli = Cli(root)
    assert Cli(None)("init", str(root), "--worker", "Saskia").exit_code == 0
    (root / "ppks.toml").write_text((PROJECT / "cases" / "ppks.toml").read_text())
    git("add", "-A", cwd=root)
    git("commit", "-qm", "settings", cwd=root)
    args = ["--sex", "L", "--category", "pengemis", "--intake-date", "2024-02-16", "--source",
            "street-raid", "--found-at", "Medan", "--nik", "1275011602750001", "--json"]  # fmt: skip
    first = json.loads(cli("new-case", "--name", "MR", *args).stdout)["id"]
    made = cli("new-case", "--name", "Budi", "--yes", *args)
    assert made.exit_code == 0, made.output
    second = json.loads(made.stdout)["id"]
    for step, *more in [
        ("assess", "--problem", "Konflik", "--date", "2024-02-20"),
        ("plan", "--goal", "Pulang", "--date", "2024-02-23"),
        ("intervene", "--kind", "home-visit", "--note", "Kunjungan", "--date", "2024-03-01"),
        ("evaluate", "--progress", "Baik", "--decision", "terminate", "--date", "2024-06-25"),
        ("terminate", "--reason", "referred", "--outcome", "Di UPT", "--date", "2024-06-30"),
        ("letter", "termination", "--issue"),
    ]:
        done = cli(step, first, *more, *(() if step == "letter" else ("--worker", "Saskia")))
        assert done.exit_code == 0, done.output
    folder = records(root, first)
    termination = next(folder.glob("*-termination-*"))
    intervention = next(folder.glob("*-intervention-*"))
    letter = next(folder.glob("*-letter-*"))
    made = {
        "repeated_termination": copy_record(termination, folder, "TTTTTT"),
        "after_termination": copy_record(intervention, folder, "VVVVVV", date="2024-07-05"),
        # the same letter as another clone issued it, on another day: two letters, one number
        "letter_number": copy_record(letter, folder, "WWWWWW", date="2024-07-01"),
        "out_of_order": copy_record(intervention, records(root, second), "XXXXXX",
                                    case=second),
        "record_case": copy_record(intervention, records(root, second), "YYYYYY"),
    }  # fmt: skip
    (records(root, second) / "catatan.toml").write_text("x = 1\n")
    shutil.copytree(root / "cases" / second, root / "cases" / "2024-ZZZZZ")
    broken = root / "cases" / "2024-ZZZZZ" / "case.toml"
    broken.write_text(broken.read_text().replace("[intake]", "<<<<<<< HEAD\n[intake]", 1))
    return root, first, second, made


def by_code(problems):
    found: dict[str, list[dict]] = {}
    for problem in problems:
        found.setdefault(problem["code"], []).append(problem)
    return found


EXPECTED = {  # code: (words of the fix in Indonesian, in English)
    "check.duplicate_nik": ("ppks merge", "ppks merge"),
    "check.duplicate_letter_number": ("ppks letter renumber", "ppks letter renumber"),
    "check.record_case_mismatch": ("git mv", "git mv"),
    "check.bad_record_name": ("TANGGAL-JENIS-ID.toml", "DATE-KIND-ID.toml"),
    "toml.conflict_marker": ("git merge --abort", "git merge --abort"),
    "workflow.out_of_order": ("git rm", "git rm"),
}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_each_problem_names_its_fix_in_json(office, lang):
    root, first, second, made = office
    shown = Cli(root)("check", "--json", "--full", lang=lang)
    problems = json.loads(shown.stdout)["problems"]
    found = by_code(problems)
    assert set(EXPECTED) <= set(found), set(found)
    assert all(set(p) == {"file", "line", "severity", "code", "message", "fix"} for p in problems)
    for code, words in EXPECTED.items():
        for problem in found[code]:
            assert problem["fix"] and words[lang == "en"] in problem["fix"], problem
    # the fix of the letter number names the command that gives one letter a new number
    letters = found["check.duplicate_letter_number"]
    number = json.loads(Cli(root)("letters", "--json").stdout)[0]["number"]
    assert all(f"ppks letter renumber {number} --case {first}" in p["fix"] for p in letters)
    late = {p["file"]: p["fix"] for p in found["workflow.out_of_order"]}
    repeated = made["repeated_termination"].relative_to(root).as_posix()
    after = made["after_termination"].relative_to(root).as_posix()
    early = made["out_of_order"].relative_to(root).as_posix()
    # two terminations sort by ID: the later one is flagged, and its fix removes it
    flagged = [f for f in late if "-termination-" in f]
    assert len(flagged) == 1 and f"git rm {flagged[0]}" in late[flagged[0]]
    assert "2024-06-30" in late[flagged[0]] and repeated.endswith(("TTTTTT.toml",))
    assert f"ppks reopen {first}" in late[after] and "--date 2024-07-05" in late[after]
    assert f"ppks assess {second}" in late[early]  # the step that was missing
    merge = {p["file"]: p["fix"] for p in found["check.duplicate_nik"]}
    assert f"ppks merge {first} {second}" in merge[f"cases/{first}/case.toml"]
    assert f"ppks merge {second} {first}" in merge[f"cases/{second}/case.toml"]


@pytest.mark.parametrize(
    "lang, arrow", [("id", "→ jika orangnya sama: ppks merge"), ("en", "→ if it is the same")]
)
def test_the_fix_is_shown_under_the_problem_in_text(office, lang, arrow):
    root, first, second, _ = office
    shown = Cli(root)("check", lang=lang)
    assert shown.exit_code == 1
    lines = shown.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"cases/{first}/case.toml:"))
    assert lines[at + 1].startswith("  → ") and arrow in lines[at + 1]
    marker = next(i for i, line in enumerate(lines) if "2024-ZZZZZ/case.toml" in line)
    assert "git add cases/2024-ZZZZZ/case.toml" in lines[marker + 1]
    english = "finish the git merge" in shown.stdout
    assert english == (lang == "en")


def test_a_cached_result_keeps_its_fix(office):
    root, first, *_ = office
    cli = Cli(root)
    once = json.loads(cli("check", "--json", "--full").stdout)["problems"]
    again = json.loads(cli("check", "--json").stdout)["problems"]  # from the cache
    assert once == again and any(p["fix"] for p in again)


def test_the_cache_round_trips_a_fix():
    hint = Msg("fix.merge", file="a", line=1, case="2024-AAAAA", other="2024-BBBBB")
    check = CaseCheck([Problem("a", 1, Msg("check.duplicate_nik", cases="x"), "warning", hint)])
    assert CaseCheck.from_data(json.loads(json.dumps(check.to_data()))) == check


@pytest.mark.parametrize(
    "key, params, words",
    [
        ("check.old_schema", {"found": 1, "current": 2}, "ppks migrate"),
        ("toml.syntax", {"detail": "x"}, "sunting f.toml pada baris 3"),
        ("validation.missing", {"field": "kind"}, "sunting f.toml pada baris 3"),
        ("toml.conflict_marker", {}, "git add f.toml"),
        ("toml.symlink", {}, "git rm f.toml"),
        ("check.id_folder_mismatch", {"id": "2024-A", "folder": "2024-B"}, 'id = "2024-B"'),
        ("check.duplicate_case_id", {"id": "2024-A", "files": "x"}, 'id = "X"'),
        ("check.duplicate_record_id", {"id": "A", "other": "o.toml"}, "git rm f.toml"),
        ("check.correction_not_applied", {"detail": "d", "case": "C"}, "ppks edit C"),
        ("check.attachment_damaged", {"file": "a", "detail": "d"}, "ppks sync"),
        ("attachment.orphan", {}, "ppks attach C"),
        ("workflow.unknown_referral", {"referral": "R"}, "ppks sync"),
        ("workflow.unknown_approved", {"record": "R"}, "git rm f.toml"),
        ("warning.age_unusual", {"age": 130}, "ppks edit C"),
        ("check.logo", {"detail": "d"}, "[office] logo"),
        ("check.stray_entry", {}, "cases/"),
    ],
)
def test_every_kind_of_problem_has_a_fix(key, params, words):
    file = "cases/X/case.toml" if key == "check.duplicate_case_id" else "f.toml"
    fixed = with_fix(Problem(file, 3, Msg(key, params)), "C")
    assert fixed.hint is not None
    set_language("id")
    assert words in str(fixed.hint)
    set_language("en")
    assert str(fixed.hint) != "" and str(fixed.hint) != str(fixed.hint.key)
    assert "→" in fixed.render() and fixed.as_dict()["fix"] == str(fixed.hint)


def test_a_problem_without_a_fix_says_none(repo):
    assert check_repository(repo).problems == []
    plain = Problem("f.toml", 1, Msg("check.summary", cases=1, records=1, errors=0, warnings=0))
    assert with_fix(plain).hint is None and plain.as_dict()["fix"] is None
    assert "→" not in plain.render()


def test_the_fix_of_an_orphan_attachment_follows_git_even_from_the_cache(git_office_cli):
    """Whether git tracks a file is not part of a case folder's cached check: `git add`
    of an orphan scan changes the fix named although the folder's files did not."""
    root, cli, case_id = git_office_cli
    folder = root / "cases" / case_id / "attachments"
    folder.mkdir()
    (folder / "scan ktp.pdf").write_bytes(b"%PDF-1.4 scan")

    def fix() -> str:
        problems = json.loads(cli("check", "--json", lang="en").stdout)["problems"]
        [found] = [p["fix"] for p in problems if p["code"] == "attachment.orphan"]
        return found

    shown = f"'cases/{case_id}/attachments/scan ktp.pdf'"
    assert fix().endswith(f"remove this copy: rm {shown}")
    assert f"ppks attach {case_id} {shown} --kind KIND" in fix()
    git("add", "--", f"cases/{case_id}/attachments", cwd=root)
    assert fix().endswith(f"git rm -q -f {shown}")
    git("commit", "-qm", "scan", cwd=root)
    message = f"'{case_id}: unrecorded attachment file removed'"
    assert fix().endswith(f"git rm -q -f {shown} && git commit -q -m {message} -- {shown}")

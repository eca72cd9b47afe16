"""Schema 2 and ``ppks migrate``: a repository written by ppks 0.1 (schema 1, every record
kind, kept in tests/fixtures/schema1) is read, checked, shown and migrated with nothing
lost; a second migration changes nothing; a file from a newer ppks is refused."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest

from ppks_cli.errors import MigrationBlocked
from ppks_cli.migrate import migrate
from ppks_cli.store import Repository

from conftest import Cli, git, snapshot

FIXTURE = Path(__file__).parent / "fixtures" / "schema1"
KINDS = {
    "assessment", "plan", "approval", "intervention", "referral", "referral-update", "note",
    "evaluation", "termination", "letter", "follow-up", "reopen",
}  # fmt: skip


@pytest.fixture
def old(tmp_path) -> Path:
    """A copy of the schema 1 repository, as a git repository that commits."""
    root = tmp_path / "lama"
    shutil.copytree(FIXTURE, root)
    config = root / "ppks.toml"
    config.write_text(config.read_text().replace("auto_commit = false", "auto_commit = true"))
    git("init", "-q", "-b", "main", cwd=root)
    git("add", "-A", cwd=root)
    git("commit", "-qm", "ppks 0.1", cwd=root)
    return root


def toml_files(root: Path) -> dict[str, dict]:
    return {
        p.relative_to(root).as_posix(): tomllib.loads(p.read_text())
        for p in sorted(root.rglob("*.toml"))
        if ".git" not in p.parts
    }


# schema 2 names each "summary" for what it holds (written out here, independently)
RENAMED = {
    "assessment": {"summary": "context"},
    "evaluation": {"progress": "goal_status", "summary": "progress"},
    "termination": {"summary": "outcome"},
    "follow-up": {"summary": "findings"},
}


def test_the_fixture_holds_every_record_kind_on_schema_1():
    files = toml_files(FIXTURE)
    assert {d["kind"] for f, d in files.items() if "/records/" in f} == KINDS
    assert {d["schema"] for d in files.values()} == {1}


def test_an_old_repository_is_read_checked_and_shown_as_it_is(old):
    cli = Cli(old)
    checked = cli("check", "--json")
    assert checked.exit_code == 0, checked.output
    problems = json.loads(checked.stdout)["problems"]
    assert {p["severity"] for p in problems} == {"warning"}
    assert {p["code"] for p in problems} == {"check.old_schema"}
    assert len(problems) == len(toml_files(old))  # every file is named
    assert "ppks migrate" in problems[0]["message"]
    listed = json.loads(cli("list", "--json").stdout)
    assert len(listed) == 2
    shown = json.loads(cli("show", "2024-9ACVZ", "--json").stdout)
    assert {r["kind"] for r in shown["records"]} == KINDS
    assert shown["stage"] == "assessment" and shown["episode"] == 2
    # a new record in an old repository is written in the current schema
    added = cli("note", "2024-9ACVZ", "Catatan baru", "--worker", "Saskia")
    assert added.exit_code == 0, added.output
    notes = sorted((old / "cases/2024-9ACVZ/records").glob("*-note-*"))
    new = [p for p in notes if "D9QYJY" not in p.name][0]
    data = tomllib.loads(new.read_text())
    assert data["schema"] == 2 and data["case"] == "2024-9ACVZ"


def test_migrate_keeps_every_value_in_one_commit_and_twice_changes_nothing(old):
    cli = Cli(old)
    before = toml_files(old)
    shown_before = json.loads(cli("show", "2024-9ACVZ", "--json").stdout)
    commits = git("rev-list", "--count", "HEAD", cwd=old).strip()

    dry = cli("migrate", "--dry-run", "--json")
    assert dry.exit_code == 0
    assert len(json.loads(dry.stdout)["changed"]) == len(before)
    assert toml_files(old) == before  # a dry run writes nothing

    result = cli("migrate")
    assert result.exit_code == 0, result.output
    assert f"{len(before)} berkas diperbarui ke schema 2" in result.stdout
    after = toml_files(old)
    for name, data in before.items():
        new = after[name]
        assert new["schema"] == 2
        renamed = RENAMED.get(data.get("kind"), {})
        expected = {renamed.get(k, k): v for k, v in data.items() if k != "schema"}
        if data.get("kind") == "letter":  # the letter's snapshot uses the new names too
            for kind in ("assessment", "termination"):
                names = RENAMED[kind]
                expected["context"][kind] = {
                    names.get(k, k): v for k, v in data["context"][kind].items()
                }
        assert {k: v for k, v in new.items() if k not in ("schema", "case")} == expected, name
        if "/records/" in name:
            assert new["case"] == name.split("/")[1]
            assert list(new)[:4] == ["schema", "id", "case", "kind"]
    # comments of the hand-edited settings survive: only the schema line changed
    old_config = (FIXTURE / "ppks.toml").read_text().replace(
        "auto_commit = false", "auto_commit = true"
    )
    assert (old / "ppks.toml").read_text() == old_config.replace("schema = 1", "schema = 2", 1)
    assert git("status", "--porcelain", cwd=old) == ""
    assert int(git("rev-list", "--count", "HEAD", cwd=old)) == int(commits) + 1
    assert "schema 2" in git("log", "-1", "--format=%s", cwd=old)
    shown_after = json.loads(cli("show", "2024-9ACVZ", "--json").stdout)
    assert {r.get("case") for r in shown_after["records"]} == {"2024-9ACVZ"}
    # old files were read in the current shape before: what ppks shows has not changed
    assert shown_after == shown_before
    assert json.loads(cli("check", "--json").stdout)["problems"] == []

    letter = tomllib.loads(next((old / "cases/2024-9ACVZ/records").glob("*-letter-*")).read_text())
    assert letter["context"]["assessment"]["context"] == "Konteks sosial"
    assert letter["context"]["termination"]["outcome"] == "Ditempatkan di UPT"
    reissued = cli("letter", "2024-9ACVZ", "--reissue", "462.2/1/Dinsos-Resos/VI/2024", "--force")
    assert reissued.exit_code == 0, reissued.output
    assert "Konflik dengan keluarga" in reissued.stdout

    files = snapshot(old)
    again = cli("migrate")
    assert again.exit_code == 0 and "tidak ada yang diubah" in again.stdout
    assert snapshot(old) == files
    assert int(git("rev-list", "--count", "HEAD", cwd=old)) == int(commits) + 1


def test_migrate_touches_nothing_while_a_file_is_damaged(old):
    record = next((old / "cases/2024-9ACVZ/records").glob("*-note-*"))
    record.write_text(record.read_text() + "\ntext = ]\n")
    files = snapshot(old)
    with pytest.raises(MigrationBlocked) as caught:
        migrate(Repository.open(old))
    assert caught.value.exit_code == 7
    assert record.name in caught.value.message()
    assert snapshot(old) == files
    assert Cli(old)("migrate").exit_code == 7
    assert snapshot(old) == files


def test_a_file_from_a_newer_ppks_is_refused_with_the_upgrade_message(old):
    cli = Cli(old)
    record = next((old / "cases/2024-9ACVZ/records").glob("*-note-*"))
    record.write_text(record.read_text().replace("schema = 1", "schema = 3"))
    checked = cli("check")
    assert checked.exit_code == 1
    line = next(x for x in checked.stdout.splitlines() if record.name in x)
    assert ":1:" in line and "ppks yang lebih baru" in line and "perbarui ppks" in line
    # the case is shown without the record, and nothing is written to it
    shown = cli("show", "2024-9ACVZ", "--json")
    assert shown.exit_code == 0
    assert "D9QYJY" not in [r["id"] for r in json.loads(shown.stdout)["records"]]
    files = snapshot(old)
    assert cli("note", "2024-9ACVZ", "x", "--worker", "S").exit_code == 6
    assert snapshot(old) == files
    # migrate never counts a newer file as up to date, and then touches nothing
    refused = cli("migrate")
    assert refused.exit_code == 7 and "perbarui ppks" in refused.stderr
    assert snapshot(old) == files
    # a newer ppks.toml stops every command with the same advice
    config = old / "ppks.toml"
    config.write_text(config.read_text().replace("schema = 1", "schema = 3", 1))
    listed = cli("list")
    assert listed.exit_code == 7 and "perbarui ppks" in listed.stderr
    assert cli("migrate").exit_code == 7
    assert snapshot(old) == {**files, "ppks.toml": config.read_bytes()}

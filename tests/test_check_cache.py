"""``ppks check`` keeps the result of each case folder with a digest of its files: a
second check of an unchanged repository reads no TOML, any change is seen, and the
report is the same as a full check."""

from __future__ import annotations

import dataclasses
import os

import pytest

from ppks_cli import check, checkcache
from ppks_cli.intake import create_case, prepare

from conftest import MR


def add(repo, name: str):
    return create_case(repo, prepare(dataclasses.replace(MR, name=name)), allow_duplicates=True)


@pytest.fixture
def counted(monkeypatch):
    calls: list[str] = []
    real = check._check_case

    def counting(repo, case_id):
        calls.append(case_id)
        return real(repo, case_id)

    monkeypatch.setattr(check, "_check_case", counting)
    return calls


def rendered(report) -> list[str]:
    return [p.render() for p in report.problems]


def test_second_check_reads_only_what_changed(repo, counted):
    a, b, c = add(repo, "Butet"), add(repo, "Rahmat"), add(repo, "Tiurma")
    first = check.check_repository(repo)
    assert sorted(counted) == sorted([a.id, b.id, c.id])
    counted.clear()
    second = check.check_repository(repo)
    assert counted == [] and rendered(second) == rendered(first)
    assert (second.cases, second.records) == (first.cases, first.records)
    # a hand edit keeping the size and the time stamp is seen: the digest is of the bytes
    path = repo.paths.case_file(b.id)
    st = path.stat()
    path.write_text(path.read_text().replace('name = "Rahmat"', 'name = "Rahmaq"'))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    check.check_repository(repo)
    assert counted == [b.id]
    counted.clear()
    check.check_repository(repo, full=True)
    assert len(counted) == 3


def test_a_problem_found_is_found_again_from_the_cache_and_goes_when_fixed(repo, counted):
    case = add(repo, "Butet")
    path = repo.paths.case_file(case.id)
    good = path.read_text()
    path.write_text(good.replace('sex = "L"', 'sex = "X"'))
    first = check.check_repository(repo)
    assert not first.ok
    counted.clear()
    again = check.check_repository(repo)
    assert counted == [] and rendered(again) == rendered(first) and not again.ok
    assert [p.severity for p in again.problems] == [p.severity for p in first.problems]
    path.write_text(good)
    assert check.check_repository(repo).ok


def test_checks_across_cases_still_work_from_the_cache(repo):
    a = add(repo, "Butet")
    b = add(repo, "Rahmat")
    for case in (a, b):
        path = repo.paths.case_file(case.id)
        path.write_text(path.read_text().replace("[client]\n", '[client]\nnik = "1271011705750003"\n'))
    first = check.check_repository(repo)
    second = check.check_repository(repo)
    codes = [p.message.key for p in second.problems]
    assert codes.count("check.duplicate_nik") == 2
    assert rendered(first) == rendered(second)


def test_a_record_added_or_removed_and_a_deleted_case_are_seen(cli, repo, counted):
    case = add(repo, "Butet")
    other = add(repo, "Rahmat")
    check.check_repository(repo)
    assert cli("note", case.id, "catatan", "--worker", "Saskia").exit_code == 0
    counted.clear()
    report = check.check_repository(repo)
    assert counted == [case.id] and report.records == 1
    import shutil

    shutil.rmtree(repo.paths.case_dir(other.id))
    report = check.check_repository(repo)
    assert report.cases == 1


def test_a_linked_file_in_place_of_a_record_is_never_read(repo, tmp_path):
    case = add(repo, "Butet")
    secret = tmp_path / "secret.toml"
    secret.write_text('kind = "note"\n')
    folder = repo.paths.records_dir(case.id)
    folder.mkdir(exist_ok=True)
    (folder / "20240220-001-note.toml").symlink_to(secret)
    assert checkcache.digest(repo, case.id) is not None  # the link itself, not its target
    before = checkcache.digest(repo, case.id)
    secret.write_text('kind = "plan"\n')
    assert checkcache.digest(repo, case.id) == before
    report = check.check_repository(repo)
    assert not report.ok


def test_check_full_flag(cli, repo):
    add(repo, "Butet")
    assert cli("check").exit_code == 0
    result = cli("check", "--full")
    assert result.exit_code == 0 and "1 kasus" in result.stdout


def test_an_unusable_cache_only_makes_check_slower(repo, monkeypatch):
    add(repo, "Butet")
    import sqlite3

    def broken(_repo):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr("ppks_cli.index.connection", broken)
    assert check.check_repository(repo).ok


def test_status_checks_only_the_cases_with_uncommitted_files(tmp_path, counted):
    from ppks_cli.activity import repository_status
    from ppks_cli.store import Repository

    from conftest import run_ppks

    root = tmp_path / "kasus"
    assert run_ppks("init", str(root), "--office", "Dinas", "--worker", "Saskia").returncode == 0
    repo = Repository.open(root)
    done = [run_ppks("--root", str(root), "new-case", "--name", n, "--sex", "L",
                     "--category", "pengemis", "--intake-date", "2024-02-16", "--source",
                     "street-raid", "--worker", "Saskia", "--yes", "--json") for n in ("A", "B")]
    assert all(r.returncode == 0 for r in done)
    first = repo.case_ids()[0]
    path = repo.paths.case_file(first)
    path.write_text(path.read_text().replace('sex = "L"', 'sex = "X"'))
    counted.clear()
    status = repository_status(repo)
    assert counted == [first]
    assert [p.file for p in status.invalid] == [f"cases/{first}/case.toml"]


def test_a_touched_file_is_hashed_again_but_not_checked_again(repo, counted, monkeypatch):
    case = add(repo, "Butet")
    check.check_repository(repo)
    path = repo.paths.case_file(case.id)
    os.utime(path, ns=(10**18, 10**18))  # new stat data, same bytes
    hashed = []
    real = checkcache.digest
    monkeypatch.setattr(checkcache, "digest", lambda r, c: hashed.append(c) or real(r, c))
    counted.clear()
    check.check_repository(repo)
    assert counted == [] and hashed == [case.id]
    hashed.clear()
    os.utime(path, ns=(10**9, 10**9))  # and an old time stamp: no longer racy
    check.check_repository(repo)
    check.check_repository(repo)
    assert counted == [] and hashed == [case.id]  # once after the change, then stat only

"""The index (src/ppks_cli/index.py): where it lives, that it is never stale when files
change behind ppks's back, that damaged cases are kept as problems, and that a refresh is
one transaction."""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3

import pytest

from ppks_cli import index
from ppks_cli.intake import create_case, prepare

from conftest import MR, git

OLD_NS = 1_600_000_000 * 10**9  # 2020-09-13: long before any index was written


def add(repo, name: str, **more):
    form = dataclasses.replace(MR, name=name, **more)
    return create_case(repo, prepare(form), allow_duplicates=True)


def age(root) -> None:
    """Give every file under ``cases/`` an old mtime, so none is "racy"."""
    for path in (root / "cases").rglob("*"):
        os.utime(path, ns=(OLD_NS, OLD_NS), follow_symlinks=False)


def refresh(repo) -> index.Refresh:
    with index.opened(repo) as (_conn, done):
        return done


def names(repo) -> dict[str, str | None]:
    with index.opened(repo) as (conn, _done):
        return dict(conn.execute("SELECT id, name FROM cases"))


def test_fts5_is_detected():
    options = {row[0] for row in sqlite3.connect(":memory:").execute("PRAGMA compile_options")}
    assert index.fts5_available() is ("ENABLE_FTS5" in options)


def test_index_lives_in_cache_folder_without_git_and_in_git_dir_with_git(repo, tmp_path):
    add(repo, "Sukarno")
    refresh(repo)
    assert (repo.root / ".ppks-cache" / "index.sqlite").is_file()
    other = tmp_path / "git-repo"
    shutil.copytree(repo.root, other)
    shutil.rmtree(other / ".ppks-cache")
    git("init", "-q", cwd=other)
    from ppks_cli.store import Repository

    in_git = Repository.open(other)
    refresh(in_git)
    assert (other / ".git" / "ppks-index.sqlite").is_file()
    assert not (other / ".ppks-cache").exists()


def test_a_linked_cache_folder_is_never_written_through(repo, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo.root / ".ppks-cache").symlink_to(outside)
    add(repo, "Sukarno")
    assert list(names(repo).values()) == ["Sukarno"]  # answered from memory
    assert list(outside.iterdir()) == []


def test_unchanged_files_are_not_read_again(repo):
    for name in ("Sukarno", "Butet Br Siregar", "Rahmat"):
        add(repo, name)
    age(repo.root)
    first = refresh(repo)
    assert first.rebuilt and len(first.read) == 3
    again = refresh(repo)
    assert again.read == [] and again.dropped == [] and not again.rebuilt


def test_hand_edit_keeping_size_and_mtime_is_seen(repo):
    case = add(repo, "Sukarno")
    age(repo.root)
    assert names(repo) == {case.id: "Sukarno"}
    path = repo.paths.case_file(case.id)
    before = os.stat(path)
    with open(path, "r+b") as handle:  # in place: same inode, same size
        text = handle.read().replace(b'"Sukarno"', b'"Sukarna"')
        handle.seek(0)
        handle.write(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )
    assert names(repo) == {case.id: "Sukarna"}


def test_record_edited_in_place_and_record_added_are_seen(cli, repo):
    """The names of a records folder are reused while the folder is unchanged; each
    record file's own stat data is still read, so an edit in place is seen, and a file
    added changes the folder."""
    case = add(repo, "Sukarno")
    assert cli("note", case.id, "pertama", "--worker", "Saskia").exit_code == 0
    age(repo.root)
    refresh(repo)
    [record] = repo.record_files(case.id)
    before = os.stat(record)
    with open(record, "r+b") as handle:  # in place: same inode, same size
        text = handle.read().replace(b"pertama", b"PERTAMA")
        handle.seek(0)
        handle.write(text)
    os.utime(record, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.utime(record.parent, ns=(OLD_NS, OLD_NS))
    assert refresh(repo).read == [case.id]
    age(repo.root)
    refresh(repo)
    (record.parent / "2024-02-20-note-ZZZZZZ.toml").write_bytes(record.read_bytes())
    assert refresh(repo).read == [case.id]
    with index.opened(repo) as (conn, _done):
        stored = conn.execute("SELECT names FROM folders").fetchone()[0]
    assert "ZZZZZZ" in stored


def test_racy_file_is_read_again_even_when_every_stat_field_agrees(repo, monkeypatch):
    """A file edited in the same timestamp tick as the index was written: with ctime and
    inode left out of the comparison (a file system that keeps neither), only the racy
    rule can see the edit."""
    monkeypatch.setattr(index, "_stat_key", lambda st: (st.st_size, st.st_mtime_ns, 0, 0))
    case = add(repo, "Sukarno")  # just written: newer than the index will be
    path = repo.paths.case_file(case.id)
    stamp = os.stat(path).st_mtime_ns
    assert names(repo) == {case.id: "Sukarno"}
    path.write_bytes(path.read_bytes().replace(b'"Sukarno"', b'"Sukarna"'))
    os.utime(path, ns=(stamp, stamp))
    assert names(repo) == {case.id: "Sukarna"}
    age(repo.root)
    refresh(repo)  # read once more, now no longer racy
    assert refresh(repo).read == []


def test_restored_old_mtime_is_seen(repo):
    case = add(repo, "Sukarno")
    age(repo.root)
    assert names(repo) == {case.id: "Sukarno"}
    path = repo.paths.case_file(case.id)
    path.write_text(path.read_text().replace('"Sukarno"', '"Soekarno Djojo"'))
    os.utime(path, ns=(OLD_NS - 10**9, OLD_NS - 10**9))  # even older than before
    assert names(repo) == {case.id: "Soekarno Djojo"}


def test_deleted_record_and_deleted_case_are_seen(cli, repo):
    keep, gone = add(repo, "Sukarno"), add(repo, "Rahmat")
    assert (
        cli(
            "assess",
            keep.id,
            "--problem",
            "Tidak punya KTP",
            "--date",
            "2024-02-20",
            "--worker",
            "Saskia",
        ).exit_code
        == 0
    )
    age(repo.root)
    with index.opened(repo) as (conn, _done):
        assert conn.execute("SELECT stage FROM cases WHERE id = ?", (keep.id,)).fetchone() == (
            "assessment",
        )
    for record in repo.record_files(keep.id):
        record.unlink()
    shutil.rmtree(repo.paths.case_dir(gone.id))
    done = refresh(repo)
    assert done.read == [keep.id] and done.dropped == [gone.id]
    with index.opened(repo) as (conn, _done):
        assert conn.execute("SELECT id, stage FROM cases").fetchall() == [(keep.id, "intake")]
        assert conn.execute(
            "SELECT count(*) FROM folders WHERE case_id = ?", (gone.id,)
        ).fetchone() == (0,)


def test_a_case_folder_copied_in_by_hand_is_found(repo, tmp_path):
    case = add(repo, "Sukarno")
    age(repo.root)
    refresh(repo)
    other = tmp_path / "other"
    shutil.copytree(repo.paths.case_dir(case.id), other)
    new_id = "2024-ZZZZZ"
    toml = other / "case.toml"
    toml.write_text(toml.read_text().replace(case.id, new_id).replace("Sukarno", "Djoko"))
    shutil.move(other, repo.paths.case_dir(new_id))
    age(repo.root)  # even with an old mtime: the path is new
    assert names(repo) == {case.id: "Sukarno", new_id: "Djoko"}


def test_damaged_case_is_a_problem_not_dropped_and_is_read_again_when_fixed(repo):
    case = add(repo, "Sukarno")
    path = repo.paths.case_file(case.id)
    good = path.read_text()
    path.write_text(good + "\n[[broken\n")
    with index.opened(repo) as (conn, _done):
        found = index.problems(conn)
        assert [p.file for p in found] == [f"cases/{case.id}/case.toml"]
        assert found[0].line >= 1 and str(found[0].message)
        assert conn.execute("SELECT count(*) FROM cases").fetchone() == (1,)
    path.write_text(good)
    with index.opened(repo) as (conn, _done):
        assert index.problems(conn) == []
    assert names(repo) == {case.id: "Sukarno"}


def test_deleted_or_garbage_index_is_rebuilt(repo):
    case = add(repo, "Sukarno")
    refresh(repo)
    place = index.index_path(repo.root)
    place.unlink()
    done = refresh(repo)
    assert done.rebuilt and done.read == [case.id]
    place.write_bytes(b"not a database at all" * 100)
    assert names(repo) == {case.id: "Sukarno"}
    with sqlite3.connect(place) as conn:  # replaced by a real index
        assert conn.execute("SELECT value FROM meta WHERE key='version'").fetchone() == (
            index.STORED_VERSION,
        )


def test_an_index_with_other_tables_under_the_same_number_is_rebuilt(repo):
    case = add(repo, "Sukarno")
    refresh(repo)
    place = index.index_path(repo.root)
    with sqlite3.connect(place) as conn:  # as a branch that added a table made it
        conn.execute("UPDATE meta SET value = ? WHERE key = 'version'",
                     (f"{index.INDEX_VERSION}-000000000000",))
        conn.execute("DROP TABLE people")
    done = refresh(repo)
    assert done.rebuilt and done.read == [case.id]
    assert names(repo) == {case.id: "Sukarno"}


def test_a_failed_refresh_leaves_the_index_as_it_was(repo, monkeypatch):
    first = add(repo, "Sukarno")
    age(repo.root)
    assert names(repo) == {first.id: "Sukarno"}
    add(repo, "Rahmat")
    path = repo.paths.case_file(first.id)
    path.write_text(path.read_text().replace('"Sukarno"', '"Sukarna"'))
    real = index._store_case
    calls = []

    def fail_second(conn, data, fts):
        calls.append(data.case_id)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        real(conn, data, fts)

    monkeypatch.setattr(index, "_store_case", fail_second)
    with pytest.raises(RuntimeError):
        refresh(repo)
    monkeypatch.setattr(index, "_store_case", real)
    with sqlite3.connect(index.index_path(repo.root)) as conn:
        assert dict(conn.execute("SELECT id, name FROM cases")) == {first.id: "Sukarno"}
    assert len(names(repo)) == 2


def test_damaged_record_is_kept_as_a_problem(repo):
    case = add(repo, "Sukarno")
    records = repo.paths.records_dir(case.id)
    records.mkdir(exist_ok=True)
    (records / "2024-02-20-note-AAAAAA.toml").write_text("text = [unclosed\n")
    with index.opened(repo) as (conn, _done):
        damaged = index.damaged_records(conn)
        assert list(damaged) == [case.id]
        assert damaged[case.id][0].file == f"cases/{case.id}/records/2024-02-20-note-AAAAAA.toml"
        assert conn.execute("SELECT damaged_records FROM cases").fetchone() == (1,)
    (records / "2024-02-20-note-AAAAAA.toml").unlink()
    with index.opened(repo) as (conn, _done):
        assert index.damaged_records(conn) == {}


def test_an_index_copied_with_the_repository_is_not_trusted(repo, tmp_path):
    """A folder copied from a USB stick brings its index along; the copies have other
    inodes and ctimes, so every case is read again from the files (a planted index
    cannot make ppks show what the files do not say)."""
    case = add(repo, "Sukarno")
    age(repo.root)
    refresh(repo)
    with sqlite3.connect(index.index_path(repo.root)) as conn:
        conn.execute("UPDATE cases SET name = 'Planted'")
    copy = tmp_path / "usb"
    shutil.copytree(repo.root, copy)  # copy2: mtimes kept
    from ppks_cli.store import Repository

    copied = Repository.open(copy)
    assert refresh(copied).read == [case.id]
    assert names(copied) == {case.id: "Sukarno"}


def test_a_linked_records_folder_is_not_followed(repo, tmp_path):
    case = add(repo, "Sukarno")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "2024-02-20-note-AAAAAA.toml").write_text('kind = "note"\n')
    records = repo.paths.records_dir(case.id)
    if records.exists():
        records.rmdir()
    records.symlink_to(outside, target_is_directory=True)
    with index.opened(repo) as (conn, _done):
        names_seen = [row[0] for row in conn.execute("SELECT names FROM folders")]
        assert not any("AAAAAA" in p for p in names_seen)
        assert list(index.damaged_records(conn)) == [case.id]  # named, not followed


def test_an_unusable_index_place_still_answers(repo):
    """A file where the cache folder should be: the index is kept in memory."""
    (repo.root / ".ppks-cache").write_text("not a folder")
    case = add(repo, "Sukarno")
    assert names(repo) == {case.id: "Sukarno"}
    assert (repo.root / ".ppks-cache").read_text() == "not a folder"


def test_a_read_only_index_still_answers(repo, monkeypatch):
    case = add(repo, "Sukarno")
    refresh(repo)
    real = index.refresh
    calls = []

    def read_only_first(repo_, conn, progress=None):
        calls.append(1)
        if len(calls) == 1:
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return real(repo_, conn, progress)

    monkeypatch.setattr(index, "refresh", read_only_first)
    path = repo.paths.case_file(case.id)
    path.write_text(path.read_text().replace('"Sukarno"', '"Sukarna"'))
    assert names(repo) == {case.id: "Sukarna"}


def test_git_checkout_of_an_older_version_is_seen(repo):
    case = add(repo, "Sukarno")
    git("init", "-q", cwd=repo.root)
    git("add", "-A", cwd=repo.root)
    git("commit", "-qm", "one", cwd=repo.root)
    path = repo.paths.case_file(case.id)
    path.write_text(path.read_text().replace('"Sukarno"', '"Sukarna"'))  # same size
    git("commit", "-qam", "two", cwd=repo.root)
    assert names(repo) == {case.id: "Sukarna"}
    git("checkout", "-q", "HEAD~1", "--", "cases", cwd=repo.root)
    assert names(repo) == {case.id: "Sukarno"}
    assert (repo.root / ".git" / "ppks-index.sqlite").is_file()


def test_many_cases_are_read_by_worker_processes_with_the_same_result(repo, monkeypatch):
    """A large rebuild reads cases in other processes (one per core): the index holds
    exactly what reading them here gives."""
    for number in range(12):
        add(repo, f"Klien {number}", tags=["odgj"] if number % 3 == 0 else [])
    monkeypatch.setattr(index, "PARALLEL_FROM", 5)
    monkeypatch.setattr(index, "CHUNK", 4)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)

    def dump(conn):
        return [
            sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in ("cases", "people", "tags", "due")
        ] + [sorted(conn.execute("SELECT case_id, field, text FROM texts").fetchall())]

    with index.opened(repo) as (conn, done):
        assert len(done.read) == 12
        parallel = dump(conn)
    index.index_path(repo.root).unlink()
    monkeypatch.setattr(index, "PARALLEL_FROM", 10**9)
    with index.opened(repo) as (conn, done):
        assert len(done.read) == 12
        assert dump(conn) == parallel


def test_two_commands_refreshing_at_once_do_not_crash(repo, monkeypatch):
    """Two read commands started together (or one after a `git pull` brought new cases)
    both find the same cases missing from the index. The second one to take the write
    lock used to insert them again: sqlite3.IntegrityError (UNIQUE constraint failed:
    cases.id), a traceback and exit 1. Reproduce by hand: delete .git/ppks-index.sqlite
    and start three `ppks list &` at once."""
    add(repo, "Rahmat Siregar")
    add(repo, "Butet Simanjuntak")
    real_case_ids = index._case_ids

    def another_ppks_refreshes_meanwhile(r):
        monkeypatch.setattr(index, "_case_ids", real_case_ids)
        with index.opened(r):  # the other command reads every case and commits
            pass
        return real_case_ids(r)

    monkeypatch.setattr(index, "_case_ids", another_ppks_refreshes_meanwhile)
    with index.opened(repo) as (conn, _done):
        ids = [row[0] for row in conn.execute("SELECT id FROM cases")]
    assert len(ids) == 2

"""``ppks export`` reads the index, not the case folders: its rows are the rows the old
path made by reading every case folder (kept here as the oracle, :func:`oracle_rows`), for
each table, plain and anonymised, with and without ``--keep-text``, on a repository with
every kind of record (letters, a correction, a transfer, a link, a merge, a reopening, an
attachment, an approval); and once the index is current, no case file is read."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from ppks_cli import export_writers, exports, index
from ppks_cli.exports import Pseudonyms
from ppks_cli.store import Repository
from ppks_cli.views import CaseFilter, list_cases

from conftest import SAMPLE, run_ppks

KEY = bytes(range(32))


@pytest.fixture(scope="module")
def rich(tmp_path_factory) -> Path:
    """The sample repository with every kind of record added through the command line."""
    root = tmp_path_factory.mktemp("export-index") / "kasus"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".ppks-cache"))
    attachment = root.parent / "ktp.pdf"
    attachment.write_bytes(b"%PDF-1.4 fictional\n")
    cli = ["--root", str(root), "--no-commit"]
    steps = [
        ["letter", "2024-W07T4", "referral", "--issue", "--date", "2024-05-31",
         "-o", str(root.parent / "r.md")],
        ["letter", "2024-9EHTW", "termination", "--issue", "--date", "2024-06-30",
         "-o", str(root.parent / "t.md")],
        ["edit", "2024-5BQB1", "--name", "Rina Marpaung", "--reason", "sesuai KTP"],
        ["transfer", "2024-YF8SM", "--to", "Dewi Lubis", "--reason", "cuti", "--date",
         "2024-06-10"],
        ["link", "2024-YF8SM", "2024-9HYSE", "--as", "ibu"],
        ["reopen", "2024-9EHTW", "--reason", "Kembali ke Simpang Pos"],
        ["attach", "2024-9HYSE", str(attachment), "--kind", "ktp", "--note", "KTP Rizky S."],
        ["approve", "2024-9HYSE", "plan", "--by", "Drs. Supervisor", "--comment", "Setuju"],
        ["new-case", "--name", "Rina Marpaung", "--sex", "P", "--category", "pengemis",
         "--source", "outreach", "--intake-date", "2024-06-01", "--yes", "--phone",
         "0812-3456-7890", "--note", "Rina datang lagi, tinggal di Jl. Mawar No. 3"],
    ]  # fmt: skip
    for step in steps:
        worker = [] if step[0] == "approve" else ["--worker", "Saskia"]
        done = run_ppks(*cli, *step, *worker)
        assert done.returncode == 0, (step, done.stdout, done.stderr)
    repo = Repository.open(root)
    duplicate = next(c for c in repo.case_ids() if c not in {
        "2024-5BQB1", "2024-W07T4", "2024-YF8SM", "2024-9HYSE", "2024-9EHTW"})  # fmt: skip
    done = run_ppks(*cli, "merge", duplicate, "2024-5BQB1", "--reason", "orang yang sama",
                    "--worker", "Saskia")  # fmt: skip
    assert done.returncode == 0, done.stderr
    kinds = {r.kind for case_id in repo.case_ids() for r in repo.load_case(case_id).records}
    assert kinds >= {"assessment", "plan", "intervention", "referral", "referral-update",
                     "evaluation", "termination", "follow-up", "note", "letter", "correction",
                     "transfer", "link", "reopen", "attachment", "approval"}  # fmt: skip
    return root


# --- the oracle: the rows as the export made them by reading each case's files ----------


def oracle_scrubber(case) -> exports.Scrubber:
    found = exports.identity(case)
    for name in exports.workers(case):
        found.add("names", name)
    return exports.Scrubber(found)


def oracle_texts(case) -> dict[str, list[tuple[str, str]]]:
    texts: dict[str, list[tuple[str, str]]] = {}
    for _seq, record, _kind, field_, value in index.text_values(case):
        if record is not None:
            texts.setdefault(record, []).append((field_, value))
    return texts


def oracle_record(case, record, table, texts, episode_of, category) -> dict:
    common = {"case": case.id, "id": record.id, "date": record.date,
              "recorded_at": record.recorded_at, "worker": record.worker,
              "category": category}  # fmt: skip
    if table == "letters":
        return {**common, "letter": record.letter, "number": record.number,
                "year": record.year, "seq": record.seq, "about": record.about,
                "edited": record.edited_source is not None}  # fmt: skip
    kind = record.kind
    if kind == "correction":
        code = ", ".join(change.field for change in record.changes)
    else:
        field_ = exports.CODE_FIELD.get(kind)
        code = getattr(record, field_, None) if field_ else None
    related = exports.RELATED_FIELD.get(kind)
    text = "\n".join(f"{name}: {value}" for name, value in texts.get(record.id, ()))
    return {
        **common, "kind": kind, "episode": episode_of.get(record.id), "code": code,
        "destination": record.destination if kind == "referral" else None,
        "related": getattr(record, related, None) if related else None,
        "related_case": record.other if kind == "link" else None,
        "new_worker": record.to if kind == "transfer" else None,
        "text": text or None,
    }  # fmt: skip


def oracle_anonymised(data: dict, cols, pseudo, scrub, id_prefix: str) -> dict:
    prefixes = {"id": id_prefix, "case": "K", "related_case": "K", "related": "R",
                "about": "R", "worker": "W", "intake_worker": "W", "new_worker": "W"}  # fmt: skip
    out = {}
    for col in cols:
        value = data.get(col.name)
        if col.anonymised == exports.PSEUDONYM:
            out[col.name] = pseudo(prefixes[col.name], value)
        elif col.anonymised in (exports.SCRUBBED, exports.TEXT):
            out[col.name] = [scrub(v) for v in value] if isinstance(value, list) else scrub(value)
        elif col.anonymised == exports.KEPT:
            out[col.name] = value
    return out


def oracle_rows(repo, found, table: str, anonymise: bool, pseudo) -> list[dict]:
    """The records or letters export's rows as the export made them before it read the
    index: each case's files read, oldest record first."""
    rows = []
    for row in found.cases:
        case = repo.load_case(row.id)
        episode_of = {r.id: e.number for e in case.state.episodes for r in e.records}
        scrub = oracle_scrubber(case) if anonymise else None
        texts = oracle_texts(case) if table == "records" else {}
        for record in case.records:
            if table == "letters" and record.kind != "letter":
                continue
            data = oracle_record(case, record, table, texts, episode_of,
                                 case.current.category)  # fmt: skip
            if anonymise:
                cols = exports.TABLES[table]
                data = oracle_anonymised(data, cols, pseudo, scrub, "R")
            rows.append(data)
    return rows


def written(rows: list[dict], table: str, anonymise: bool, keep_text: bool) -> list[dict]:
    """The cells the export writes of ``rows``."""
    cols = exports.columns(table, anonymise=anonymise, keep_text=keep_text)
    return [{c.name: row.get(c.name) for c in cols} for row in rows]


def new_rows(repo, table: str, anonymise: bool, keep_text: bool, pseudo) -> list[dict]:
    with index.opened(repo) as (conn, _done):
        found = list_cases(repo, CaseFilter(), sort="oldest", conn=conn)
        if table == "cases":
            made = exports._case_rows(found, conn, anonymise, keep_text, pseudo, (18, 60),
                                      None)  # fmt: skip
        else:
            made = exports._record_rows(found, conn, table, anonymise, keep_text, pseudo, None)
        return list(made)


@pytest.mark.parametrize("table", ["records", "letters"])
@pytest.mark.parametrize(("anonymise", "keep_text"), [(False, False), (True, False),
                                                     (True, True)])  # fmt: skip
def test_rows_from_the_index_are_the_rows_from_the_files(rich, table, anonymise, keep_text):
    repo = Repository.open(rich)
    found = list_cases(repo, CaseFilter(), sort="oldest")
    old = oracle_rows(repo, found, table, anonymise, Pseudonyms(KEY))
    new = new_rows(repo, table, anonymise, keep_text, Pseudonyms(KEY))
    assert len(new) == len(old) == {"records": 37, "letters": 2}[table]  # with shelter, raid, child
    assert written(new, table, anonymise, keep_text) == written(old, table, anonymise,
                                                                keep_text)  # fmt: skip
    if table == "records" and keep_text:  # the text kept, scrubbed as before
        assert any("[nama]" in (row["text"] or "") for row in new)


def test_the_files_are_the_same_bytes(rich, tmp_path):
    """The whole file, through the writers, for a plain export (no random key)."""
    repo = Repository.open(rich)
    found = list_cases(repo, CaseFilter(), sort="oldest")
    for table in ("records", "letters"):
        for fmt in ("csv", "jsonl", "xlsx"):
            cols = exports.columns(table)
            old_file, new_file = tmp_path / f"old-{table}.{fmt}", tmp_path / f"new-{table}.{fmt}"
            export_writers.write(old_file, fmt, cols, oracle_rows(repo, found, table, False,
                                                                   None))  # fmt: skip
            exports.export(repo, table, fmt, new_file, CaseFilter())
            if fmt == "xlsx":  # a zip of the same sheets (its entries' stamps aside)
                import openpyxl

                def cells(path):
                    sheet = openpyxl.load_workbook(path).worksheets[0]
                    return [[c.value for c in row] for row in sheet.iter_rows()]

                assert cells(new_file) == cells(old_file), table
            else:
                assert new_file.read_bytes() == old_file.read_bytes(), (table, fmt)


def test_anonymised_cases_scrub_with_every_identity_value_the_files_hold(rich):
    """The cases export's kept text (note, tags) is scrubbed with the identity values of
    the case's files, as ``--keep-text`` of the records does (the index keeps them)."""
    repo = Repository.open(rich)
    new = new_rows(repo, "cases", True, True, Pseudonyms(KEY))
    found = list_cases(repo, CaseFilter(), sort="oldest")
    for row, case_row in zip(new, found.cases, strict=True):
        case = repo.load_case(case_row.id)
        scrub = oracle_scrubber(case)
        note = case.current.intake.note
        assert row["note"] == scrub(note)
        assert row["tags"] == [scrub(tag) for tag in case.current.tags]
        assert row["id"] == Pseudonyms(KEY)("K", case.id)
    assert any(row["note"] and "[alamat]" in row["note"] for row in new)


def test_no_case_file_is_read_once_the_index_is_current(rich, tmp_path, monkeypatch):
    root = tmp_path / "kasus"
    shutil.copytree(rich, root)
    # files written just now are "racy" (read again in case of an edit within the same
    # timestamp tick): here the index trusts every file's stat data at once
    monkeypatch.setattr(index, "RACY_NS", -10**12)
    repo = Repository.open(root)
    list_cases(repo, CaseFilter())  # the index, current

    def refuse(*_args, **_kwargs):
        raise AssertionError("a case file was read")

    monkeypatch.setattr(Repository, "load_case", refuse)
    monkeypatch.setattr(Repository, "load_cases", refuse)
    for table in ("cases", "records", "letters"):
        for extra in ({}, {"anonymise": True, "keep_text": True}):
            out = tmp_path / f"{table}-{len(extra)}.csv"
            done = exports.export(Repository.open(root), table, "csv", out, CaseFilter(),
                                  **extra)  # fmt: skip
            assert done.rows > 0


def test_a_record_written_since_is_exported(rich, tmp_path):
    """The index is brought up to date before the rows are read."""
    root = tmp_path / "kasus"
    shutil.copytree(rich, root)
    first = exports.export(Repository.open(root), "records", "jsonl", tmp_path / "a.jsonl",
                           CaseFilter())  # fmt: skip
    done = run_ppks("--root", str(root), "--no-commit", "note", "2024-YF8SM",
                    "Kunjungan rumah", "--worker", "Saskia", "--date", "2024-06-20")  # fmt: skip
    assert done.returncode == 0, done.stderr
    second = exports.export(Repository.open(root), "records", "jsonl", tmp_path / "b.jsonl",
                            CaseFilter())  # fmt: skip
    assert second.rows == first.rows + 1
    assert "text: Kunjungan rumah" in (tmp_path / "b.jsonl").read_text()


def test_progress_is_reported_for_each_case(rich, tmp_path):
    calls: list[tuple[int, int]] = []
    repo = Repository.open(rich)
    exports.export(repo, "records", "csv", tmp_path / "p.csv", CaseFilter(),
                   progress=lambda done, total: calls.append((done, total)),
                   today=dt.date(2024, 7, 1))  # fmt: skip
    total = len(repo.case_ids())
    assert calls[-total:] == [(n, total) for n in range(1, total + 1)]


@pytest.mark.parametrize("table", ["cases", "records", "letters"])
def test_the_xlsx_cells_are_the_json_values(rich, tmp_path, table):
    """Every cell of the XLSX (XlsxWriter) read back with openpyxl is the JSON Lines value:
    text as text, numbers as numbers, booleans as booleans, dates and moments as dates;
    and the same rows give the same bytes."""
    import json

    import openpyxl

    repo = Repository.open(rich)
    exports.export(repo, table, "jsonl", tmp_path / "t.jsonl", CaseFilter())
    exports.export(repo, table, "xlsx", tmp_path / "t.xlsx", CaseFilter())
    exports.export(repo, table, "xlsx", tmp_path / "again.xlsx", CaseFilter())
    assert (tmp_path / "t.xlsx").read_bytes() == (tmp_path / "again.xlsx").read_bytes()
    expected = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").worksheets[0]
    header, *rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert header == [c.name for c in exports.columns(table)]
    types = {c.name: c.type for c in exports.columns(table)}
    assert len(rows) == len(expected) > 0
    for row, want in zip(rows, expected, strict=True):
        for name, cell in zip(header, row, strict=True):
            value = want[name]
            if value in (None, "", []):
                assert cell is None, name
            elif types[name] == "date":
                assert cell == dt.datetime.fromisoformat(value), name
            elif types[name] == "datetime":
                moment = dt.datetime.fromisoformat(value).replace(tzinfo=None, second=0,
                                                                  microsecond=0)  # fmt: skip
                assert cell.replace(second=0, microsecond=0) == moment, name
            elif types[name] == "list":
                assert cell == ", ".join(value), name
            else:
                assert cell == value and type(cell) is type(value), name

"""``ppks search --text``: the free text of every record and of ``case.toml`` (assessments,
notes, follow-ups, the intake note …), case and diacritics ignored, the user's text never
read as query syntax, current after hand edits and deletions, the same with or without
SQLite's FTS5."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppks_cli import casework, index
from ppks_cli.errors import ExitCode, InvalidInput
from ppks_cli.intake import create_case, prepare
from ppks_cli.records import Goal, Task

from conftest import MR, fill_repo

W = {"worker": "Saskia"}
D = dt.date


def add(repo, name: str, **more):
    form = dataclasses.replace(MR, name=name, **more)
    return create_case(repo, prepare(form), allow_duplicates=True)


def found(cli, *args: str) -> list[dict]:
    result = cli("search", *args, "--text", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def ids(cli, *args: str) -> list[str]:
    return [hit["id"] for hit in found(cli, *args)]


def _office(repo):
    """Three clients with records of several kinds, each with words of its own."""
    butet = add(repo, "Butet", note="Tidur di bawah jembatan Sei Sikambing")
    casework.assess(
        repo, butet, problems=["Sering cemas", "Takut pulang ke rumah"],
        context="Ayah bekerja di Café Medan", date=D(2024, 2, 20), **W,
    )  # fmt: skip
    casework.note(repo, butet, text="Kunjungan ke rumah nenek di Binjai", date=D(2024, 2, 21), **W)
    ucok = add(repo, "Ucok")
    casework.assess(repo, ucok, problems=["Putus sekolah"], date=D(2024, 2, 20), **W)
    casework.plan(
        repo, ucok, goals=[Goal(what="Kembali bersekolah di SMP Negeri 7")],
        tasks=[Task(what="Urus surat pindah", who="Kepala lingkungan")], date=D(2024, 2, 23), **W,
    )  # fmt: skip
    casework.intervene(
        repo, ucok, activity="home-visit", description="Bertemu ibu di pasar Petisah",
        goals=[1], date=D(2024, 3, 1), **W,
    )  # fmt: skip
    casework.evaluate(
        repo, ucok, progress="Sudah masuk sekolah", decision="terminate", date=D(2024, 6, 1), **W
    )
    casework.terminate(
        repo, ucok, reason="reunified", outcome="Tinggal bersama ibu", date=D(2024, 6, 2), **W
    )
    casework.follow_up(
        repo, ucok, findings="Klien rajin mengaji di musala", date=D(2024, 7, 2), **W
    )
    mawar = add(repo, "Mawar", found_at="Lampu merah Jl. Gatot Subroto")
    return {"butet": butet.id, "ucok": ucok.id, "mawar": mawar.id}


@pytest.fixture
def office(repo, tmp_path_factory):
    """Three clients with records of several kinds, each with words of its own. Made once
    per test process, then copied into ``repo``."""
    return fill_repo(repo, "search-text-office", _office, tmp_path_factory)


@pytest.mark.parametrize(
    ("query", "client", "kind", "field"),
    [
        ("jembatan", "butet", "case", "intake.note"),  # the intake note
        ("takut pulang", "butet", "assessment", "problems[2]"),  # an assessment item
        ("Binjai", "butet", "note", "text"),  # a case note
        ("SMP Negeri", "ucok", "plan", "goals[1].what"),  # a goal of a plan
        ("kepala lingkungan", "ucok", "plan", "tasks[1].who"),
        ("petisah", "ucok", "intervention", "description"),
        ("masuk sekolah", "ucok", "evaluation", "progress"),
        ("bersama ibu", "ucok", "termination", "outcome"),
        ("mengaji", "ucok", "follow-up", "findings"),  # a follow-up
    ],
)
def test_a_word_of_any_record_finds_its_case(cli, office, query, client, kind, field):
    hits = found(cli, query)
    assert [h["id"] for h in hits] == [office[client]], (query, hits)
    hit = hits[0]
    assert hit["reasons"] == ["text"] and hit["score"] == index.TEXT_SCORE
    assert (hit["record_kind"], hit["field"]) == (kind, field)
    assert (hit["record"] is None) == (kind == "case")
    first = query.split()[0].casefold()
    assert first in hit["snippet"].casefold()


def test_without_text_the_records_are_not_searched(cli, office):
    assert cli("search", "mengaji", "--json").stdout.strip() == "[]"
    hits = json.loads(cli("search", "Mawar", "--json").stdout)
    assert "snippet" not in hits[0] and "record" not in hits[0]


@pytest.mark.parametrize(
    "query", ["CAFE", "cafe", "Café", "CAFÉ", "cafè", "café.", "BINJAI", "bînjâi", "JEMBATAN"]
)
def test_case_and_diacritics_are_ignored(cli, office, query):
    assert ids(cli, query) == [office["butet"]]


def test_words_are_whole_but_the_last_may_be_begun(cli, office):
    assert ids(cli, "jemba") == [office["butet"]]  # still being typed
    assert ids(cli, "jemba sei") == []  # not the last word: a whole word only
    assert ids(cli, "bawah jembatan") == [office["butet"]]
    assert ids(cli, "jembatan bawah") == [office["butet"]]  # any order within one text
    assert ids(cli, "jembatan cemas") == []  # two different texts


def test_a_name_hit_keeps_its_rank_and_gains_the_text(cli, repo, office):
    ucok = repo.load_case(office["ucok"])
    casework.note(repo, ucok, text="Butet datang menjenguk", date=D(2024, 7, 3), **W)
    hits = found(cli, "Butet")
    assert [h["id"] for h in hits] == [office["butet"], office["ucok"]]
    butet, other = hits
    assert butet["reasons"] == ["name"] and "snippet" not in butet  # her name is no text
    assert other["reasons"] == ["text"] and other["score"] < butet["score"]
    # a case found both ways: one hit, the name first, the text after it
    hits = found(cli, "Ucok")
    assert [h["id"] for h in hits] == [office["ucok"]]
    assert found(cli, "Mawar")[0]["reasons"] == ["name"]
    casework.note(repo, repo.load_case(office["mawar"]), text="Mawar tidur di emper toko",
                  date=D(2024, 3, 1), **W)  # fmt: skip
    mawar = found(cli, "Mawar")[0]
    assert mawar["reasons"] == ["name", "text"] and mawar["score"] > index.TEXT_SCORE
    assert (mawar["record_kind"], mawar["field"]) == ("note", "text")
    assert "emper toko" in mawar["snippet"]


def test_the_newest_record_that_matches_is_shown(cli, repo, office):
    butet = repo.load_case(office["butet"])
    casework.note(repo, butet, text="Nenek pindah ke Binjai Timur", date=D(2024, 3, 9), **W)
    hit = found(cli, "binjai")[0]
    assert "Timur" in hit["snippet"]


def test_text_output_shows_the_snippet_under_the_hit(cli, office):
    result = cli("search", "mengaji", "--text", lang="en")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert office["ucok"] in lines[1] and "Aftercare follow-up" in lines[1]
    assert "mengaji di musala" in result.stdout and "text" in lines[1]
    result = cli("search", "jembatan", "--text")
    assert "Berkas kasus · intake.note" in result.stdout


HOSTILE = [
    '"kutip"', '"kutip', 'kutip"', "OR", "NEAR(", "near(jalan", "col:x", "-x", "x*", "^kutip",
    "kutip AND", "{plain}: kutip", "kutip NOT", "jalan + x", "(jalan)", "kutip'", "\\kutip",
    "%kutip%", "_utip",
]  # fmt: skip


@pytest.mark.parametrize("fts", [True, False], ids=["fts5", "plain"])
def test_hostile_text_is_taken_literally(repo, monkeypatch, fts):
    if fts and not index.fts5_available():
        pytest.skip("this SQLite has no FTS5")
    _use_fts(monkeypatch, fts)
    case = add(repo, "Butet")
    text = 'Ia bilang "kutip" OR NEAR(jalan) AND NOT * col:x -x + {plain}: ^ (ok)'
    casework.note(repo, case, text=text, **W)
    other = add(repo, "Ucok")
    casework.note(repo, other, text="Ada AND di sini, zebra", **W)
    for query in HOSTILE:
        expected = [] if query == "_utip" else [case.id]  # "_" is no wildcard either
        got = [h.id for h in index.search_text(repo, query, None).hits]
        assert got == expected, query
    for query in ("jalan OR zebra", "kutip NOT zebra", "zebra AND kutip", "NEAR(jalan zebra)"):
        assert index.search_text(repo, query, None).hits == [], query  # no operator works
    for query in ("*", '"', "()", ":", "^", " - "):
        with pytest.raises(InvalidInput):
            index.search_text(repo, query)
    long = index.search_text(repo, "kutip " * 5000 + "jalan", None)
    assert [h.id for h in long.hits] == [case.id]
    assert index.search_text(repo, "x" * 100_000, None).hits == []
    assert index.search_text(repo, '"' * 3000 + "zebra" + "(" * 3000, None).hits[0].id == other.id


def test_hostile_text_on_the_command_line(cli, office):
    for query in ('"bawah', "NEAR(", "col:jembatan", "sei*", "'sei"):
        result = cli("search", "--text", "--json", "--", query)
        assert result.exit_code == 0, (query, result.output)
    refused = cli("search", "--text", "--", "*", lang="en")
    assert refused.exit_code == ExitCode.INVALID_INPUT and "Traceback" not in refused.output
    result = cli("search", "--text", "--json", "--", "-jembatan")
    assert [h["id"] for h in json.loads(result.stdout)] == [office["butet"]]


def _record_file(repo, case_id: str, record_id: str):
    (path,) = repo.paths.records_dir(case_id).glob(f"*{record_id}*.toml")
    return path


def test_a_hand_edited_record_is_found_by_its_new_text(cli, repo, office):
    butet = repo.load_case(office["butet"])
    note = next(r for r in butet.records if r.kind == "note")
    assert ids(cli, "binjai") == [office["butet"]]
    path = _record_file(repo, office["butet"], note.id)
    text = path.read_text()
    path.write_text(text.replace("Binjai", "Tebing Tinggi"))
    assert ids(cli, "binjai") == []
    assert ids(cli, "tebing tinggi") == [office["butet"]]
    # and again, within the same second (a racy edit)
    path.write_text(text.replace("Binjai", "Pematangsiantar"))
    assert ids(cli, "tebing") == []
    assert ids(cli, "pematangsiantar") == [office["butet"]]
    case_file = repo.paths.case_file(office["mawar"])
    case_file.write_text(case_file.read_text().replace("Lampu merah", "Lampu hijau"))
    assert ids(cli, "hijau") == [office["mawar"]]
    _integrity(repo)


def test_deleted_records_and_cases_are_no_longer_found(cli, repo, office):
    ucok = repo.load_case(office["ucok"])
    follow = next(r for r in ucok.records if r.kind == "follow-up")
    assert ids(cli, "mengaji") == [office["ucok"]]
    _record_file(repo, office["ucok"], follow.id).unlink()
    assert ids(cli, "mengaji") == []
    assert ids(cli, "petisah") == [office["ucok"]]
    shutil.rmtree(repo.paths.case_dir(office["ucok"]))
    assert ids(cli, "petisah") == []
    assert ids(cli, "binjai") == [office["butet"]]  # the others are still there
    _integrity(repo)


def test_a_damaged_case_is_not_searched_but_named(cli, repo, office):
    repo.paths.case_file(office["butet"]).write_text("[[[ not toml")
    result = cli("search", "binjai", "--text", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    assert office["butet"] in result.stderr


def _use_fts(monkeypatch, on: bool) -> None:
    monkeypatch.setattr(index, "fts5_available", lambda: on)
    monkeypatch.setattr(index, "_FTS5", [])


def _integrity(repo) -> None:
    """FTS5's own check that its index holds exactly the rows of ``texts``."""
    if not index.fts5_available():
        return
    conn = sqlite3.connect(index.index_path(repo.root))
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("INSERT INTO texts_fts (texts_fts, rank) VALUES ('integrity-check', 1)")
    finally:
        conn.close()


QUERIES = ["jembatan", "CAFE", "rumah", "sekolah", "ibu", "bin", "Butet", "Mawar", "Lampu",
           "takut pulang", "s", "ke", "klien rajin"]  # fmt: skip


def test_without_fts5_the_hits_are_the_same(cli, repo, office, monkeypatch):
    if not index.fts5_available():
        pytest.skip("this SQLite has no FTS5")
    with_fts = {query: found(cli, query, "--limit", "100") for query in QUERIES}
    assert any(with_fts.values())
    place = index.index_path(repo.root)
    place.unlink()
    _use_fts(monkeypatch, False)
    without = {query: found(cli, query, "--limit", "100") for query in QUERIES}
    assert without == with_fts
    conn = sqlite3.connect(place)
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'texts_fts'").fetchone()
    conn.close()


def test_an_index_kept_without_fts5_is_rebuilt_with_it(cli, repo, office, monkeypatch):
    """One repository, two Pythons: the full-text index is marked stale while one without
    FTS5 keeps the texts, and rebuilt by the next one with it."""
    if not index.fts5_available():
        pytest.skip("this SQLite has no FTS5")
    assert ids(cli, "binjai") == [office["butet"]]
    _use_fts(monkeypatch, False)
    butet = repo.load_case(office["butet"])
    note = next(r for r in butet.records if r.kind == "note")
    path = _record_file(repo, office["butet"], note.id)
    path.write_text(path.read_text().replace("Binjai", "Kabanjahe"))
    assert ids(cli, "kabanjahe") == [office["butet"]]
    monkeypatch.undo()
    _use_fts(monkeypatch, True)
    casework.note(repo, repo.load_case(office["mawar"]), text="Pindah ke Kabanjahe", **W)
    assert sorted(ids(cli, "kabanjahe")) == sorted([office["butet"], office["mawar"]])
    assert ids(cli, "binjai") == []
    _integrity(repo)


def test_the_index_works_with_trusted_schema_off(cli, repo, office):
    """The index is opened with ``trusted_schema`` off; FTS5 still answers (it is not used
    from a trigger, which that setting would refuse)."""
    if not index.fts5_available():
        pytest.skip("this SQLite has no FTS5")
    assert ids(cli, "binjai") == [office["butet"]]
    conn = sqlite3.connect(index.index_path(repo.root))
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        rows = conn.execute(
            "SELECT count(*) FROM texts_fts WHERE texts_fts MATCH ?",
            (index._fts_query(["binjai"]),),
        ).fetchone()
        assert rows == (1,)
    finally:
        conn.close()


def test_every_text_field_is_kept_and_nothing_else(repo, office):
    ucok = repo.load_case(office["ucok"])
    values = index.text_values(ucok)
    fields = {(kind, field) for _seq, _record, kind, field, _text in values}
    assert ("plan", "goals[1].what") in fields and ("plan", "tasks[1].who") in fields
    assert ("case", "intake.found_at") in fields  # a Line
    names = {field for _kind, field in fields}
    for never in ("id", "case", "kind", "date", "worker", "recorded_at", "activity", "decision",
                  "reason", "client.name", "client.sex", "intake.worker", "intake.source",
                  "category", "tags"):  # fmt: skip
        assert never not in names, never
    texts = {text for *_rest, text in values}
    assert "Saskia" not in texts and "Ucok" not in texts
    assert [seq for seq, *_rest in values] == sorted(seq for seq, *_rest in values)


def test_snippet_is_short_one_line_and_neutral():
    text = "awal " * 40 + "klien\ttidur di bawah\njembatan Sei Sikambing " + "akhir " * 40
    cut = index.snippet(text, ["jembatan"])
    assert cut.startswith("…") and cut.endswith("…") and "jembatan Sei" in cut
    assert "\n" not in cut and "\t" not in cut and len(cut) < 2 * index.SNIPPET_CONTEXT + 20
    assert index.snippet("Café\x1b[31m Medan", ["cafe"]) == "Café\\x1b[31m Medan"
    assert index.snippet("Ayah bekerja di Café", ["cafe"]) == "Ayah bekerja di Café"
    assert index.snippet("x" * 200, ["zzz"]).startswith("xxx")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    words=st.lists(
        st.text(st.characters(categories=("Lu", "Ll", "Lt", "Lo", "Nd")), min_size=1, max_size=12),
        min_size=1, max_size=8,
    ),
    which=st.integers(min_value=0),
    glue=st.sampled_from([" ", ", ", ". ", " - ", "\n", " (", "/"]),
    upper=st.booleans(),
)  # fmt: skip
def test_any_word_of_a_text_finds_it(repo, words, which, glue, upper):
    case = _property_case(repo)
    casework.note(repo, case, text=glue.join(words), **W)
    word = words[which % len(words)]
    # in upper case when that is the same word (not so for a Turkish dotless "ı": "I")
    query = word.upper() if upper and word.upper().casefold() == word.casefold() else word
    if not index.plain(query):
        return  # nothing to search for (refused as such)
    hits = index.search_text(repo, query, None).hits
    assert case.id in [hit.id for hit in hits], (words, query)


_PROPERTY_CASES: dict[str, object] = {}


def _property_case(repo):
    key = str(repo.root)
    if key not in _PROPERTY_CASES:
        _PROPERTY_CASES.clear()
        _PROPERTY_CASES[key] = add(repo, "Butet")
    return repo.load_case(_PROPERTY_CASES[key].id)

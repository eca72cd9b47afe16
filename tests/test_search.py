"""``ppks search``: names however written, numbers however typed, family names and
places, ranked with reasons; always up to date with the files."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppks_cli import index
from ppks_cli.errors import ExitCode
from ppks_cli.intake import create_case, prepare

from conftest import MR

NIK = "1275011602750001"  # fictional: Medan, male, born 16-02-1975
KK = "1275010101200003"


def add(repo, name: str, **more):
    form = dataclasses.replace(MR, name=name, **more)
    return create_case(repo, prepare(form), allow_duplicates=True)


def found(cli, *args: str) -> list[dict]:
    result = cli("search", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def office(repo):
    """A few clients, each written one way."""
    cases = {
        "sukarno": add(repo, "Sukarno", birth_year="1975"),
        "mr": add(repo, "MR", found_at="Lampu merah Jl. Gatot Subroto"),
        "rahmat": add(repo, "Rahmat Siregar", nik=NIK, kk=KK,
                      phone="0812 3456 7890"),
        "butet": add(repo, "Butet", alias="Tiur", family=["Jonggi Sitorus;ayah;081200000009"]),
    }  # fmt: skip
    return {key: case.id for key, case in cases.items()}


@pytest.mark.parametrize(
    ("query", "client", "reason"),
    [
        ("Soekarno", "sukarno", "name"),  # old spelling
        ("Ir. Soekarno", "sukarno", "name"),  # a title
        ("M. R.", "mr", "name"),  # initials with dots
        ("Siregar Rahmat", "rahmat", "name"),  # the marga written first
        ("Rahmat", "rahmat", "name"),  # a part of the name
        ("Rahmad Siregar", "rahmat", "name"),  # a typo
        ("1275 0116 0275 0001", "rahmat", "nik"),  # NIK with spaces
        ("1275.0101.0120.0003", "rahmat", "kk"),  # No. KK with dots
        ("+62 812-3456-7890", "rahmat", "phone"),  # phone with +62
        ("6281234567890", "rahmat", "phone"),
        ("Tiur", "butet", "alias"),
        ("Jonggi Sitorus", "butet", "family"),
        ("gatot subroto", "mr", "found_at"),
    ],
)
def test_each_way_of_writing_finds_the_client(cli, office, query, client, reason):
    hits = found(cli, query)
    assert hits, query
    assert hits[0]["id"] == office[client], (query, hits)
    assert reason in hits[0]["reasons"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Joko", []),  # nobody of that name
        ("1275011602750009", []),  # one digit off Rahmat's NIK
        ("0811 0000 0000", []),  # nobody's phone
        ("Butet Siregar", ["butet"]),  # Butet (a part left out), not Rahmat Siregar
        ("Siregar", ["rahmat"]),  # the marga alone
    ],
)
def test_only_the_right_clients_are_found(cli, office, query, expected):
    assert [hit["id"] for hit in found(cli, query)] == [office[key] for key in expected]


def test_results_are_ranked_and_limited(cli, repo, office):
    add(repo, "Sukarna")  # a typo of the same name: below the exact spelling
    hits = found(cli, "Soekarno")
    assert [h["name"] for h in hits[:2]] == ["Sukarno", "Sukarna"]
    assert hits[0]["score"] > hits[1]["score"]
    assert len(found(cli, "Soekarno", "--limit", "1")) == 1
    text = cli("search", "Soekarno", "--limit", "1", lang="en")
    assert text.exit_code == 0
    assert office["sukarno"] in text.stdout and "1 of 2 matches shown" in text.stdout


def test_text_output_names_the_reason(cli, office):
    result = cli("search", "+62 812 3456 7890", lang="en")
    assert result.exit_code == 0
    assert office["rahmat"] in result.stdout and "phone" in result.stdout


def test_alias_after_a_hand_edit_is_found(cli, repo, office):
    assert found(cli, "Ucok") == []
    path = repo.paths.case_file(office["rahmat"])
    text = path.read_text()
    assert 'name = "Rahmat Siregar"' in text
    path.write_text(
        text.replace('name = "Rahmat Siregar"', 'name = "Rahmat Siregar"\nalias = "Ucok"', 1)
    )
    hits = found(cli, "Ucok")
    assert [h["id"] for h in hits] == [office["rahmat"]] and hits[0]["reasons"] == ["alias"]


def test_search_rebuilds_a_deleted_index(cli, repo, office):
    assert found(cli, "Soekarno")[0]["id"] == office["sukarno"]
    place = index.index_path(repo.root)
    assert place.is_file()
    place.unlink()
    assert found(cli, "Soekarno")[0]["id"] == office["sukarno"]
    assert place.is_file()


def test_damaged_case_is_named_not_hidden(cli, repo, office):
    path = repo.paths.case_file(office["butet"])
    path.write_text("[[[ not toml")
    result = cli("search", "Soekarno", lang="en")
    assert result.exit_code == 0
    assert office["butet"] in result.stderr and "cannot be read" in result.stderr


def test_nothing_to_search_or_bad_limit_is_refused(cli, office):
    empty = cli("search", " .,- ", lang="en")
    assert empty.exit_code == ExitCode.INVALID_INPUT
    assert "Nothing to search for" in empty.stderr and "Traceback" not in empty.output
    bad = cli("search", "Butet", "--limit", "0", lang="en")
    assert bad.exit_code == ExitCode.INVALID_INPUT and "--limit" in bad.stderr


def test_no_match_says_so(cli, office):
    result = cli("search", "Zulkarnaen", lang="en")
    assert result.exit_code == 0 and "No client matches 'Zulkarnaen'" in result.stdout


NAMES = ["Rahmat Siregar", "Butet", "Sukarno", "Muhammad Rizky", "Tiurma Br Sitorus"]


@pytest.fixture(scope="module")
def named(tmp_path_factory):
    from ppks_cli.store import Repository

    repo = Repository.create(tmp_path_factory.mktemp("named") / "kasus", "Dinas Sosial")
    return repo, {name: add(repo, name).id for name in NAMES}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    which=st.sampled_from(NAMES),
    upper=st.lists(st.booleans(), min_size=1, max_size=30),
    dots=st.sampled_from(["", ".", ",", " -"]),
    reverse=st.booleans(),
)
def test_case_punctuation_and_order_do_not_matter(named, which, upper, dots, reverse):
    repo, ids = named
    words = which.split()
    if reverse:
        words.reverse()
    text = (dots + " ").join(words)
    text = "".join(c.upper() if upper[i % len(upper)] else c.lower() for i, c in enumerate(text))
    hits = index.search(repo, text).hits
    assert hits and hits[0].id == ids[which], (text, hits[:2])


def test_search_for_a_common_first_name_finds_its_clients(repo, cli):
    """`ppks search Muhammad` (or Mohammad, Mhd) answers "no client matches" though
    "Muhammad Rizky" has a case: a common word alone never counts as a missing part of
    the name. A worker typing the first name they heard gets nothing."""
    case = add(repo, "Muhammad Rizky Nasution")
    for query in ("Muhammad", "Mohammad", "Mhd."):
        result = cli("search", query, "--json")
        assert result.exit_code == 0, result.output
        assert case.id in result.output, query

"""The matcher (ppks_cli.matching): Indonesian names as people write them, NIK, KK and
phone numbers; and the duplicate check at intake that uses it. All names are fictional
or common given names."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppks_cli import index, matching
from ppks_cli.duplicates import REASONS, find_duplicates
from ppks_cli.errors import PossibleDuplicates
from ppks_cli.i18n import catalog
from ppks_cli.intake import NewCase, create_case, prepare
from ppks_cli.matching import (
    NAME_THRESHOLD,
    match_client,
    name_key,
    name_score,
    number_key,
    phone_key,
)
from ppks_cli.models import Client

from conftest import MR, NEW_MR_ARGS, snapshot

# (written one way, written another way, what kind of variant)
MUST_MATCH = [
    ("MR", "M. R.", "punctuation: initials"),
    ("mr", "M.R.", "case and punctuation"),
    ("José Manurung", "JOSE MANURUNG", "case and diacritics"),
    ("Ma'ruf Amin", "Maruf Amin", "apostrophe"),
    ("H. Ahmad Fauzi", "Ahmad Fauzi", "title before"),
    ("Hj. Siti Aminah", "Siti Aminah", "title before"),
    ("Dr. Budi Santoso", "Budi Santoso", "title before"),
    ("Dra. Rosmawati", "Rosmawati", "title before"),
    ("Ir. Joko Widodo", "Joko Widodo", "title before"),
    ("Budi Santoso, S.Pd", "Budi Santoso", "degree after"),
    ("Budi Santoso S. Pd.", "Budi Santoso", "degree after, written apart"),
    ("Rina Wati, S.Sos", "Rina Wati", "degree after"),
    ("Dra. Hj. Siti Aminah, M.Si", "Siti Aminah", "titles before and degree after"),
    ("Rahmat bin Yusuf", "Rahmat", "patronymic left out"),
    ("Aisyah binti Harun", "Aisyah", "patronymic left out"),
    ("Rahmat bin Yusuf", "Rahmat Yusuf", "bin left out"),
    ("Tiurma Br. Simanjuntak", "Tiurma Simanjuntak", "br"),
    ("Tiurma boru Simanjuntak", "Tiurma Br Simanjuntak", "boru = br"),
    ("Muhammad Rizky", "Mohammad Rizky", "variant"),
    ("Muhammad Rizky", "Mhd. Rizky", "abbreviation"),
    ("Muhammad Rizky", "Muh. Rizky", "abbreviation"),
    ("Muhammad Rizky", "M. Rizky", "initial of Muhammad"),
    ("Achmad Fauzi", "Ahmad Fauzi", "variant"),
    ("Soekarno", "Sukarno", "old spelling oe"),
    ("Rizky", "Rizki", "final y written i"),
    ("Andy Saputra", "Andi Saputra", "final y written i"),
    ("Hendry Sitompul", "Hendri Sitompul", "final y written i"),
    ("Djoko Susilo", "Joko Susilo", "old spelling dj"),
    ("Tjahjo Kumolo", "Cahyo Kumolo", "old spelling tj and j/y"),
    ("Soerjadi", "Suryadi", "old spelling j/y"),
    ("Chairul Tanjung", "Khairul Tanjung", "old spelling ch"),
    ("Sjahrir", "Syahrir", "old spelling sj"),
    ("Rahmat Siregar", "Siregar Rahmat", "marga written first"),
    ("Butet Siregar", "Butet", "a part missing"),
    ("Budi Santoso", "Budi", "a part missing"),
    ("Budi S.", "Budi Santoso", "initial of the surname"),
    ("Budi M.", "Budi Maulana", "initial M. of a name that is not Muhammad"),
    ("Rahmat Siregar", "Rahmad Siregar", "typo"),
    ("Rahmat Siregar", "Rahmat Siregr", "typo"),
    ("Rosmawati", "Rosmawaty", "typo"),
    ("Robert", "Bobby", "nickname"),
]

# pairs a worker would call different people
MUST_NOT_MATCH = [
    # one shared given name, a different second name: common in Indonesia
    ("Siti Aminah", "Siti Rahmah", "different second name"),
    # Santoso and Susanto are two distinct, both very common, Javanese names; a worker
    # would not take one for a typo of the other
    ("Budi Santoso", "Budi Susanto", "different surname"),
    ("Rahmat Siregar", "Rahmat Nasution", "different marga"),
    ("Rahmat Siregar", "Butet Siregar", "same marga, different given name"),
    # "Muhammad" alone names too many people to stand for one of them
    ("Muhammad", "Muhammad Rizky", "only a very common name shared"),
    ("Siti", "Siti Aminah", "only a very common name shared"),
    ("Budi", "Rudi", "different short names"),
    ("Joko", "Eko", "different short names"),
    ("Dewi Lestari", "Dewi Sartika", "different second name"),
    # initials alone are a hint for search, not a match
    ("MR", "Muhammad Rizky", "initials against a full name"),
    ("MR", "RM", "different initials"),
]


@pytest.mark.parametrize(("a", "b", "kind"), MUST_MATCH)
def test_names_written_differently_match(a, b, kind):
    assert name_score(a, b) >= NAME_THRESHOLD, kind
    assert name_score(b, a) == name_score(a, b)


@pytest.mark.parametrize(("a", "b", "kind"), MUST_NOT_MATCH)
def test_different_names_do_not_match(a, b, kind):
    assert name_score(a, b) < NAME_THRESHOLD, kind


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("M. R.", "MR"),
        ("Soekarno", "sukarno"),
        ("Siregar Rahmat", "Rahmat Siregar"),
        ("Dra. Hj. Siti Aminah, M.Si", "siti aminah"),
        ("Mhd. Rizky", "Muhammad Rizky"),
        ("Tiurma Br. Simanjuntak", "Simanjuntak Tiurma"),
    ],
)
def test_same_name_however_written_has_one_key_and_full_score(a, b):
    assert name_key(a) == name_key(b) != ""
    assert name_score(a, b) == 1.0


def test_weaker_evidence_scores_lower_than_the_same_name():
    same = name_score("Rahmat Siregar", "Siregar Rahmat")
    assert same == 1.0
    assert NAME_THRESHOLD <= name_score("Robert", "Bobby") < same
    assert NAME_THRESHOLD <= name_score("Budi", "Budi Santoso") < same
    assert NAME_THRESHOLD <= name_score("Rahmat bin Yusuf", "Rahmat") < same
    assert name_score("MR", "Muhammad Rizky") > name_score("MR", "Budi Santoso")


def test_initials_are_not_titles_and_titles_are_dropped_only_at_the_ends():
    # "H. R." are initials, not the title Haji
    assert name_key("H. R.") == "hr"
    assert name_key("Hj. Siti Aminah") == name_key("Siti Aminah")
    # "Ir" in the middle is part of the name, not a degree
    assert name_key("Budi Ir Santoso") != name_key("Budi Santoso")


def test_a_name_of_only_joining_words_is_kept():
    # found by hypothesis: "Br Br" lost every word
    assert name_key("BR BR") == "br br" and name_score("BR BR", "br br") == 1.0


def test_names_without_letters_match_nothing():
    assert name_key("...") == ""
    assert name_score("...", "...") == 0.0
    assert name_score("", "Budi") == 0.0


NAME_WORDS = st.text(alphabet="abcdefghijklmnoprstuwyéèüABCDJKMRST", min_size=1, max_size=9)
NAMES = st.lists(NAME_WORDS, min_size=1, max_size=4).map(" ".join)
DECORATED = st.builds(
    lambda title, name, degree: f"{title}{name}{degree}",
    st.sampled_from(["", "H. ", "Hj. ", "Dr. ", "Dra. "]),
    NAMES,
    st.sampled_from(["", ", S.Pd", " M.Si", ", S. Sos"]),
)


@settings(max_examples=150, deadline=None)
@given(DECORATED)
def test_a_name_matches_itself_with_full_score(name):
    assert name_score(name, name) == 1.0
    assert name_score(name, name.upper()) == 1.0


@settings(max_examples=150, deadline=None)
@given(DECORATED, DECORATED)
def test_name_score_is_symmetric_and_in_range(a, b):
    score = name_score(a, b)
    assert 0.0 <= score <= 1.0
    assert score == name_score(b, a)
    if name_key(a) == name_key(b):
        assert score == 1.0


@settings(max_examples=100, deadline=None)
@given(
    DECORATED, DECORATED,
    st.none() | st.integers(1950, 2010), st.none() | st.integers(1950, 2010),
    st.none() | st.sampled_from(["0812 3456 7890", "+62 812-3456-7890", "0813 1111 2222"]),
    st.none() | st.sampled_from(["0812.3456.7890", "0813 1111 2222"]),
)  # fmt: skip
def test_match_client_is_symmetric(a, b, year_a, year_b, phone_a, phone_b):
    left = Client(name=a, sex="L", birth_year=year_a, phone=phone_a)
    right = Client(name=b, sex="P", birth_year=year_b, alias="Butet", phone=phone_b)
    assert match_client(left, right) == match_client(right, left)


# --- numbers ---------------------------------------------------------------------------

NIK = "1275011602750001"


@pytest.mark.parametrize(
    "typed", [NIK, "1275 0116 0275 0001", "1275.0116.0275.0001", "12750116-02750001",
              "\u00a01275011602750001\u200b", "１２７５０１１６０２７５０００１"],
)  # fmt: skip
def test_nik_and_kk_match_after_spaces_dots_and_full_width_digits(typed):
    assert number_key(typed) == NIK


@pytest.mark.parametrize(
    "typed",
    ["081234567890", "0812 3456 7890", "0812-3456-7890", "+62 812 3456 7890",
     "+62-812.3456.7890", "62 812 3456 7890", "０８１２３４５６７８９０"],
)  # fmt: skip
def test_phones_match_after_spaces_dots_and_country_code(typed):
    assert phone_key(typed) == "081234567890"


def test_short_or_empty_numbers_match_nothing():
    assert phone_key("123") is None and phone_key(None) is None and phone_key("") is None
    assert number_key("tidak ada") is None and number_key(None) is None


# --- match_client ----------------------------------------------------------------------


def client(name: str, **kw) -> Client:
    return Client(name=name, sex=kw.pop("sex", "L"), **kw)


def test_match_client_gives_reasons():
    known = client("Muhammad Rizky", alias="Iki", birth_year=1990, phone="0812 3456 7890")
    by_nik = match_client(client("Orang Lain", nik=NIK), client("Rizky", nik="1275 0116 0275 0001"))
    assert by_nik is not None and by_nik.certain and by_nik.score == 1.0
    assert by_nik.reasons == ("nik",)
    by_name = match_client(client("Mhd. Rizky", birth_year=1991), known)
    assert by_name.reasons == ("name", "birth year") and by_name.score == 1.0
    by_alias = match_client(client("Iki", birth_year=1990), known)
    assert by_alias.reasons == ("alias", "birth year")
    by_phone = match_client(client("Ahmad", phone="+62 812-3456-7890"), known)
    assert by_phone.reasons == ("phone",)
    no_year = match_client(client("M. Rizky"), known)
    assert no_year.reasons == ("name",) and no_year.score < by_name.score
    assert match_client(client("Budi Santoso", birth_year=1990), known) is None


def test_birth_years_clearly_apart_rule_a_name_out():
    known = client("Rahmat Siregar", birth_year=1980)
    assert match_client(client("Rahmat Siregar", birth_year=1982), known) is not None
    assert match_client(client("Rahmat Siregar", birth_year=1983), known) is None
    # the NIK's year counts as a birth year (16-02-75 -> 1975)
    assert match_client(client("Rahmat Siregar", nik=NIK), known) is None
    assert match_client(client("Rahmat Siregar", nik=NIK), client("Siregar Rahmat", birth_year=1976))


# --- the duplicate check at intake -----------------------------------------------------


def form(name: str, **kw) -> NewCase:
    return NewCase(**{**MR.__dict__, "name": name, "birth_year": None, **kw})


def refused(repo, new: NewCase) -> list:
    before = repo.case_ids()
    with pytest.raises(PossibleDuplicates) as err:
        create_case(repo, prepare(new))
    assert repo.case_ids() == before
    return err.value.matches


def test_robert_and_bobby_without_birth_year_or_nik_are_compared(repo):
    first = create_case(repo, prepare(form("Robert Simatupang", alias="Bobby")))
    # an exact name match, neither side with a birth year: a question
    matches = refused(repo, form("Robert Simatupang"))
    assert [(m.case.id, m.reason) for m in matches] == [(first.id, "name_only")]
    # the new client's name is the known client's alias
    assert [m.reason for m in refused(repo, form("Bobby"))] == ["alias_only"]
    # the alias with the surname: closest to the alias
    assert [m.reason for m in refused(repo, form("Bobby Simatupang"))] == ["alias_only"]


def test_a_nickname_for_a_known_name(repo):
    create_case(repo, prepare(form("Robert Simatupang")))
    assert [m.reason for m in refused(repo, form("Bobby Simatupang"))] == ["name_only"]

def test_initials_with_and_without_dots_and_same_birth_year(repo):
    create_case(repo, prepare(MR))  # "MR", born 1975
    matches = refused(repo, form("M. R.", birth_year="1975"))
    assert [m.reason for m in matches] == ["name"]
    assert matches[0].match.score == 1.0


def test_degrees_before_and_after_the_name(repo):
    create_case(repo, prepare(form("Dra. Hj. Siti Aminah, M.Si", sex="P", birth_year="1970")))
    assert [m.reason for m in refused(repo, form("Siti Aminah", sex="P", birth_year="1971"))] == ["name"]


def test_a_dropped_bin(repo):
    create_case(repo, prepare(form("Rahmat bin Yusuf", birth_year="1988")))
    assert [m.reason for m in refused(repo, form("Rahmat", birth_year="1988"))] == ["name"]


def test_surname_first(repo):
    create_case(repo, prepare(form("Rahmat Siregar", birth_year="1990")))
    assert [m.reason for m in refused(repo, form("Siregar Rahmat", birth_year="1990"))] == ["name"]


def test_same_phone_is_worth_a_question(repo):
    create_case(repo, prepare(form("Butet", sex="P", phone="0812-3456-7890")))
    matches = refused(repo, form("Tiurma Simanjuntak", sex="P", phone="+62 812 3456 7890"))
    assert [m.reason for m in matches] == ["phone"]


def test_nik_stays_certain_and_comes_first(repo):
    namesake = create_case(repo, prepare(form("Budi Santoso", birth_year="1975")))
    same_nik = create_case(repo, prepare(form("Orang Lain", nik=NIK)), allow_duplicates=True)
    matches = refused(repo, form("Budi Santoso", nik=NIK))
    assert [(m.case.id, m.reason) for m in matches] == [(same_nik.id, "nik"), (namesake.id, "name")]


def test_different_people_open_without_a_question(repo):
    create_case(repo, prepare(form("Siti Aminah", sex="P", birth_year="1980")))
    create_case(repo, prepare(form("Siti Rahmah", sex="P", birth_year="1980")))
    create_case(repo, prepare(form("Budi Santoso", birth_year="1980")))
    create_case(repo, prepare(form("Budi Susanto", birth_year="1980")))
    # the same name, born clearly apart: another person
    create_case(repo, prepare(form("Budi Santoso", birth_year="1960")))
    assert len(repo.case_ids()) == 5


def test_find_duplicates_ranks_most_likely_first(repo):
    weak = create_case(repo, prepare(form("Budi")), allow_duplicates=True)
    strong = create_case(repo, prepare(form("Budi Santoso", birth_year="1980")), allow_duplicates=True)
    query = prepare(form("Budi Santoso", birth_year="1981")).client
    found = find_duplicates(repo.load_case_files(), query)
    assert [(d.case.id, d.reason) for d in found] == [(strong.id, "name"), (weak.id, "name_only")]


def test_every_reason_has_a_message_in_both_catalogs():
    for lang in ("id", "en"):
        assert {f"duplicate.{r}" for r in REASONS} <= set(catalog(lang)), lang


def test_new_case_refuses_a_possible_duplicate_without_yes(cli, repo):
    create_case(repo, prepare(form("Robert Simatupang", alias="Bobby")))
    args = [a if a != "MR" else "Bobby" for a in NEW_MR_ARGS]
    args = [a for a in args if a not in ("--birth-year", "1975")]
    result = cli(*args)
    assert result.exit_code == 6
    assert "--yes" in result.stderr and "Robert Simatupang" in result.stderr
    assert "nama cocok dengan nama panggilan" in result.stderr
    assert len(repo.case_ids()) == 1
    english = cli(*args, lang="en")
    assert english.exit_code == 6 and "name matches an alias; birth year unknown" in english.stderr
    assert cli(*args, "--yes").exit_code == 0
    assert len(repo.case_ids()) == 2



def test_tables_are_read_once():
    assert matching._tables() is matching._tables()


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30))
def test_any_text_scores_in_range_symmetrically_and_itself_fully(a, b):
    # names typed in any script, or pasted with stray symbols, never break the matcher
    assert 0.0 <= name_score(a, b) == name_score(b, a) <= 1.0
    if name_key(a):
        assert name_score(a, a) == 1.0


def test_names_in_other_scripts_match_themselves():
    assert name_score("王小明", "王小明") == 1.0
    assert name_score("王小明", "Budi") < NAME_THRESHOLD


SUKARNO = ["new-case", "--name", "Sukarno", "--sex", "L", "--birth-year", "1976",
           "--category", "pengemis", "--intake-date", "2024-03-01", "--source", "street-raid",
           "--worker", "Saskia"]  # fmt: skip


@pytest.fixture
def soekarno(repo, monkeypatch):
    from ppks_cli.commands import _common

    case = create_case(repo, prepare(dataclasses.replace(MR, name="Ir. Soekarno")))
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)
    return case


@pytest.mark.parametrize("answer", ["1", "{id}", "{id_lower}"])
def test_at_a_terminal_the_user_can_take_the_existing_case_instead(cli, repo, soekarno, answer):
    before = snapshot(repo.root)
    typed = answer.format(id=soekarno.id, id_lower=soekarno.id.lower())
    result = cli(*SUKARNO, input=f"bukan\n{typed}\n")
    assert result.exit_code == 0, result.output
    assert "bukan' bukan salah satu pilihan" in result.stderr  # asked again
    assert f"Tidak ada kasus baru dibuka. Klien ini: kasus {soekarno.id}" in result.stdout
    assert snapshot(repo.root) == before


@pytest.mark.parametrize(("answer", "lang"), [("2", None), ("baru", None), ("new", "en")])
def test_at_a_terminal_the_user_can_open_a_new_case_anyway(cli, repo, soekarno, answer, lang):
    result = cli(*SUKARNO, input=f"{answer}\n", lang=lang)
    assert result.exit_code == 0, result.output
    assert len(repo.case_ids()) == 2


@pytest.mark.parametrize("answer", ["3", "batal", "BATAL", "cancel"])
def test_at_a_terminal_the_user_can_cancel(cli, repo, soekarno, answer):
    before = snapshot(repo.root)
    result = cli(*SUKARNO, input=f"{answer}\n")
    assert result.exit_code == 8
    assert snapshot(repo.root) == before


def test_many_possible_duplicates_name_the_most_likely_and_count_the_rest(cli, repo):
    for number in range(8):
        create_case(repo, prepare(form("Rahmat Siregar", birth_year=str(1973 + number % 5))),
                    allow_duplicates=True)
    result = cli(*[a if a != "MR" else "Rahmat Siregar" for a in NEW_MR_ARGS])
    assert result.exit_code == 6
    assert result.stderr.count("(Rahmat Siregar,") == 5
    assert "dan 3 kasus lain yang kurang mirip" in result.stderr


def test_a_bare_initial_does_not_make_a_duplicate(repo):
    """'Andi S' (born 1961) shares nothing with 'Sukarno' (born 1961) but one initial,
    yet new-case refuses it as a possible duplicate of Sukarno (exit 6)."""
    create_case(repo, prepare(form("Sukarno", birth_year="1961")))
    new = prepare(dataclasses.replace(MR, name="Andi S", birth_year="1961")).client
    matches = find_duplicates(index.client_cases(repo), new)
    assert matches == []


def test_clients_of_another_sex_are_not_possible_duplicates_by_name(repo):
    create_case(repo, prepare(form("Butet Sinaga", sex="P", birth_year="1990")))
    same = prepare(form("Butet Sinaga", sex="P", birth_year="1990")).client
    other = prepare(form("Butet Sinaga", sex="L", birth_year="1990")).client
    assert len(find_duplicates(index.client_cases(repo), same)) == 1
    assert find_duplicates(index.client_cases(repo), other) == []


@pytest.mark.parametrize("name", ["R", "S.", "Andi S", "Joko S"])
def test_an_initial_alone_is_not_a_name(repo, name):
    create_case(repo, prepare(form("Rahmat Siregar", birth_year="1961")))
    create_case(repo, prepare(form("Sukarno", birth_year="1961")), allow_duplicates=True)
    new = prepare(form(name, birth_year="1961")).client
    assert find_duplicates(index.client_cases(repo), new) == []

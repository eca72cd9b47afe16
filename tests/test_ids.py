import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ppks_cli import ids
from ppks_cli.errors import NotFound


def test_new_case_id_is_year_and_five_crockford_characters():
    case_id = ids.new_case_id(2024)
    assert re.fullmatch(r"2024-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{5}", case_id)
    assert ids.CASE_ID_RE.match(case_id)


def test_new_case_id_avoids_taken_ids(monkeypatch):
    codes = iter(["AAAAA", "AAAAA", "BBBBB"])
    monkeypatch.setattr(ids, "random_code", lambda length: next(codes))
    assert ids.new_case_id(2024, taken={"2024-AAAAA"}) == "2024-BBBBB"


def test_suffixes_use_the_whole_alphabet_and_no_ambiguous_letters():
    # 32**5 = 33.5 million IDs a year: two clones each opening 200 cases offline
    # collide with a chance of about 1 in 800; only a uniform draw gives that
    seen = "".join(ids.new_case_id(2024)[5:] for _ in range(2000))
    assert set(seen) == set(ids.ALPHABET)
    assert not set("ILOU") & set(seen)


CASES = ["2024-K7Q3M", "2024-K7Q9A", "2023-ABCDE"]


@pytest.mark.parametrize(
    "typed", ["2024-K7Q3M", "2024-k7q3", "2024k7q3", "2024-K7Q3", " 2024-k7q3m ", "2024-K7Q3m"]
)
def test_resolve_accepts_unique_prefixes_in_any_case(typed):
    assert ids.resolve_prefix(typed, CASES) == "2024-K7Q3M"


def test_resolve_reads_o_and_i_as_digits():
    assert ids.resolve_prefix("2024-1O", ["2024-10ABC", "2024-2ABCD"]) == "2024-10ABC"


def test_ambiguous_prefix_lists_candidates():
    with pytest.raises(NotFound) as err:
        ids.resolve_prefix("2024-K7", CASES)
    assert err.value.key == "error.case_ambiguous"
    assert "2024-K7Q3M" in str(err.value) and "2024-K7Q9A" in str(err.value)
    assert "2023-ABCDE" not in str(err.value)


@pytest.mark.parametrize("typed", ["2025", "ZZZ", "", "2024-K7Q3MX"])
def test_unknown_prefix_is_not_found(typed):
    with pytest.raises(NotFound) as err:
        ids.resolve_prefix(typed, CASES)
    assert err.value.key == "error.case_not_found"


@given(st.integers(min_value=1990, max_value=2100), st.data())
def test_any_generated_id_resolves_from_lower_case_without_dash(year, data):
    case_id = ids.new_case_id(year)
    cut = data.draw(st.integers(min_value=6, max_value=len(case_id)))
    typed = case_id[:cut].lower().replace("-", "")
    assert ids.resolve_prefix(typed, [case_id, "1989-00000"]) == case_id

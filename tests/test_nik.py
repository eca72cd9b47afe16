import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ppks_cli import nik


def test_male_nik_decodes_region_sex_and_birth_date():
    info = nik.parse_nik("1275011602750001")
    assert info.region == "127501"
    assert info.sex == "L"
    assert dt.date(1975, 2, 16) in info.possible_birth_dates()


def test_female_nik_adds_forty_to_the_day():
    info = nik.parse_nik("1275995602750001")
    assert info.sex == "P"
    assert dt.date(1975, 2, 16) in info.possible_birth_dates()


def test_spaces_and_dots_are_ignored():
    assert nik.parse_nik("1275 0116 0275 0001").sex == "L"
    assert nik.clean_number("1275.0116.0275.0001") == "1275011602750001"


@pytest.mark.parametrize(
    "value, key",
    [
        ("127501160275000", "validation.nik_length"),
        ("12750116027500011", "validation.nik_length"),
        ("12750116027500AB", "validation.nik_not_digits"),
        ("9975011602750001", "validation.nik_province"),
        ("1200011602750001", "validation.nik_region"),
        ("1275013202750001", "validation.nik_date"),  # 32 February
        ("1275013002750001", "validation.nik_date"),  # 30 February
        ("1275011613750001", "validation.nik_date"),  # month 13
        ("1275011602750000", "validation.nik_serial"),
    ],
)
def test_implausible_niks_are_rejected(value, key):
    with pytest.raises(nik.NikError) as err:
        nik.parse_nik(value)
    assert err.value.key == key


def test_mismatches_are_warnings_with_their_reason():
    number = "1275011602750001"
    assert nik.nik_mismatches(number, "L", dt.date(1975, 2, 16), None) == []
    found = dict(nik.nik_mismatches(number, "P", dt.date(1976, 2, 16), None))
    assert set(found) == {"warning.nik_sex", "warning.nik_birth_date"}
    assert dict(nik.nik_mismatches(number, "L", None, 1980)) == {
        "warning.nik_birth_year": {"part": "160275", "year": 1980}
    }


def test_kk_number():
    assert nik.parse_kk("1275 0100 0000 1234") == "1275010000001234"
    with pytest.raises(nik.NikError) as err:
        nik.parse_kk("12750100000012")
    assert err.value.key == "validation.kk_length"


@given(
    st.sampled_from(sorted(nik.PROVINCES)),
    st.integers(1, 99),
    st.integers(1, 99),
    st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2020, 12, 31)),
    st.sampled_from("LP"),
    st.integers(1, 9999),
)
def test_every_well_formed_nik_round_trips(province, city, district, born, sex, serial):
    day = born.day + (40 if sex == "P" else 0)
    birth = f"{day:02d}{born.month:02d}{born.year % 100:02d}"
    number = f"{province}{city:02d}{district:02d}{birth}{serial:04d}"
    info = nik.parse_nik(number)
    assert info.sex == sex
    assert born in info.possible_birth_dates()
    assert nik.nik_mismatches(number, sex, born, None) == []

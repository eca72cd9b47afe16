import pytest
from hypothesis import given
from hypothesis import strategies as st

from ppks_cli.terbilang import terbilang


@pytest.mark.parametrize(
    "number, words",
    [
        (0, "nol"), (1, "satu"), (10, "sepuluh"), (11, "sebelas"), (12, "dua belas"),
        (19, "sembilan belas"), (20, "dua puluh"), (30, "tiga puluh"), (45, "empat puluh lima"),
        (100, "seratus"), (101, "seratus satu"), (111, "seratus sebelas"), (250, "dua ratus lima puluh"),
        (1000, "seribu"), (1001, "seribu satu"), (1975, "seribu sembilan ratus tujuh puluh lima"),
        (2000, "dua ribu"), (2024, "dua ribu dua puluh empat"), (10000, "sepuluh ribu"),
        (11000, "sebelas ribu"), (100000, "seratus ribu"), (1000000, "satu juta"),
        (2500000, "dua juta lima ratus ribu"), (1000000000, "satu miliar"), (-5, "minus lima"),
    ],
)  # fmt: skip
def test_known_numbers(number, words):
    assert terbilang(number) == words


def parse(words: str) -> int:
    """An independent reader of the words, to check terbilang round-trips."""
    units = {"nol": 0, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6,
             "tujuh": 7, "delapan": 8, "sembilan": 9, "sepuluh": 10, "sebelas": 11,
             "seratus": 100, "seribu": 1000}  # fmt: skip
    total, group, current = 0, 0, 0
    for word in words.split():
        if word in ("seratus",):
            current += 100
        elif word == "seribu":
            group += current + 1000
            current = 0
        elif word in units:
            current += units[word]
        elif word == "belas":
            current = current - (current % 10) + 10 + current % 10
        elif word == "puluh":
            current = current - (current % 10) + (current % 10) * 10
        elif word == "ratus":
            current = current - (current % 10) + (current % 10) * 100
        elif word == "ribu":
            group += current * 1000
            current = 0
        elif word in ("juta", "miliar", "triliun"):
            scale = {"juta": 10**6, "miliar": 10**9, "triliun": 10**12}[word]
            total += (group + current) * scale
            group, current = 0, 0
    return total + group + current


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_words_read_back_as_the_number(number):
    words = terbilang(number)
    assert "  " not in words and words == words.strip()
    assert parse(words) == number


def test_rejects_non_numbers():
    with pytest.raises(TypeError):
        terbilang(True)

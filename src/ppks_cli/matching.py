"""Matching a client the way Indonesians write names and numbers.

One matcher serves every place that looks for a person across cases (the duplicate
check at intake; later the index, ``ppks search`` and ``list --name``):

- :func:`name_key` -- a name reduced to a comparable key (same key, same name);
- :func:`name_score` -- how alike two names are, in [0, 1], symmetric, 1 for a name
  against itself; :data:`NAME_THRESHOLD` and above is "the same name";
- :func:`number_key` / :func:`phone_key` -- NIK, No. KK and phone numbers as digits;
- :func:`match_client` -- whether a client may be a known one, with the score and the
  reasons (``nik``, ``name``, ``alias``, ``phone``, ``birth year``) to show a worker.

What counts as the same name -- titles and degrees, ``bin``/``boru``, variants such as
Muhammad/Mhd., nicknames, the old spelling (oe/u, dj/j, tj/c, j/y, ch/kh, sj/sy) -- is
data, in ``data/names.toml``, read once. Typos are scored by rapidfuzz.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Protocol

from rapidfuzz import fuzz

from ppks_cli import nik, paths
from ppks_cli.errors import NikError

NAME_THRESHOLD = 0.85  # name_score at or above this: the same name, worth a question
NICKNAME_SCORE = 0.9  # "Bobby" for "Robert": usual, but two people may be called so
INITIAL_SCORE = 0.9  # "S." for "Santoso", within a name that otherwise agrees
MISSING_PART_SCORE = 0.95  # "Budi" for "Budi Santoso": one name, a part left out
DROPPED_PATRONYMIC_SCORE = 0.95  # "Rahmat" for "Rahmat bin Yusuf"
INITIALS_SCORE = 0.8  # "MR" for "Muhammad Rizky": a hint for search, too weak alone
YEAR_TOLERANCE = 2  # estimated birth years this far apart may be the same person
UNKNOWN_YEAR_FACTOR = 0.95  # a name match with no birth year to confirm it ranks lower


@dataclass(frozen=True)
class _Tables:
    titles: frozenset[str]
    patronymic: frozenset[str]
    connectors: frozenset[str]
    spelling: tuple[tuple[str, str], ...]
    common: frozenset[str]
    variants: dict[str, str]  # respelled word -> respelled usual form
    nicknames: dict[str, str]


_DOUBLED = re.compile(r"(.)\1+")


# a name ending in "y" after a consonant is as often written with "i" ("Rizky"/"Rizki",
# "Andy"/"Andi", "Hendry"/"Hendri"); the "y" of "Ray" or "Yusuf" stays
_FINAL_Y = re.compile(r"(?<=[b-df-hj-np-tv-z])y$")


def _respell(word: str, spelling: Iterable[tuple[str, str]]) -> str:
    word = _FINAL_Y.sub("i", word)
    for old, new in spelling:
        word = word.replace(old, new)
    return _DOUBLED.sub(r"\1", word)


@cache
def _tables() -> _Tables:
    with paths.package_file("data", "names.toml").open("rb") as fh:
        data = tomllib.load(fh)
    spelling = tuple((old, new) for old, new in data["spelling"])

    def groups(table: dict[str, list[str]]) -> dict[str, str]:
        out: dict[str, str] = {}
        for usual, others in table.items():
            for word in (usual, *others):
                out[_respell(word, spelling)] = _respell(usual, spelling)
        return out

    variants = groups(data["variants"])
    common = (_respell(word, spelling) for word in data["common"])
    return _Tables(
        titles=frozenset(data["titles"]),
        patronymic=frozenset(data["patronymic"]),
        connectors=frozenset(data["connectors"]),
        spelling=spelling,
        common=frozenset(variants.get(word, word) for word in common),
        variants=variants,
        nicknames=groups(data["nicknames"]),
    )


_NOT_LETTERS = re.compile(r"[^\w.]+|_")


def _words(name: str) -> list[str]:
    """Lower-case words without diacritics (letters of other scripts are kept); a dotted
    word of short parts is one word ("S.Pd" -> "spd", "M.R." -> "mr"), one with a longer
    part is several ("Hj.Siti" -> "hj", "siti")."""
    decomposed = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"['`\u2019\u02bc]", "", text)  # "Ma'ruf" is one word
    words: list[str] = []
    for raw in _NOT_LETTERS.sub(" ", text).split():
        parts = [p for p in raw.split(".") if p]
        if all(len(p) <= 3 for p in parts):
            words.append("".join(parts))
        else:
            words.extend(parts)
    return [w for w in words if w]


def _strip_titles(words: list[str], titles: frozenset[str]) -> list[str]:
    """Drop titles and degrees from both ends, as long as a word of two or more letters
    remains (so the initials "H. R." stay)."""

    def keeps_a_name(rest: list[str]) -> bool:
        return any(len(w) > 1 for w in rest)

    while words and words[0] in titles and keeps_a_name(words[1:]):
        words = words[1:]
    while words:
        if words[-1] in titles and keeps_a_name(words[:-1]):
            words = words[:-1]
        elif len(words) > 2 and words[-2] + words[-1] in titles and keeps_a_name(words[:-2]):
            words = words[:-2]  # "S. Pd"
        else:
            break
    return words


@dataclass(frozen=True)
class _Parsed:
    words: tuple[str, ...]  # in written order, respelled, usual forms
    given: tuple[str, ...] | None  # the words before "bin"/"binti", when there is one
    initials: frozenset[str]  # words that are initials written together ("mr")


_VOWELS = frozenset("aeiou")


def _join_initials(words: list[str]) -> tuple[list[str], set[str]]:
    """Initials typed apart ("m", "r") joined as typed together ("mr")."""
    out: list[str] = []
    joined: set[str] = set()
    for word in words:
        if len(word) == 1 and out and (len(out[-1]) == 1 or out[-1] in joined):
            joined.discard(out[-1])
            out[-1] += word
            joined.add(out[-1])
        else:
            out.append(word)
    return out, joined


@lru_cache(maxsize=65536)
def _parse(name: str) -> _Parsed:
    tables = _tables()
    words = _strip_titles(_words(name), tables.titles)
    kept: list[str] = []
    cut: int | None = None  # where a patronymic ("bin Yusuf") starts
    for word in words:
        if word in tables.patronymic and kept and cut is None:
            cut = len(kept)
        elif word in tables.connectors and not all(w in tables.connectors for w in words):
            continue
        else:
            kept.append(word)
    if cut == len(kept):
        cut = None  # "bin" with nothing after it
    given, joined = _join_initials(kept[:cut])
    parent, joined_parent = _join_initials(kept[cut:] if cut is not None else [])
    joined |= joined_parent

    def usual(position: int, word: str) -> str:
        # a lone letter is a variant ("M." for Muhammad) only where such names are
        # written, first; elsewhere it is the initial of any name ("Budi M.")
        if word in joined or (len(word) == 1 and position > 0):
            return word
        spelled = _respell(word, tables.spelling)
        return tables.variants.get(spelled, spelled)

    out = tuple(usual(i, w) for i, w in enumerate(given + parent))
    # initials typed without dots are short words without a vowel ("MR")
    initials = joined | {w for w in out if 2 <= len(w) <= 3 and not _VOWELS & set(w)}
    return _Parsed(out, out[: len(given)] if cut is not None else None, frozenset(initials))


def words_within(part: str, name: str) -> bool:
    """Whether every word of ``part`` is a word of ``name``, as :func:`name_key` reduces
    them (titles dropped, old spelling, usual forms: "Mhd." is "Muhammad"): what search
    and ``list --name`` accept as a part of a name, even one word many people bear."""
    wanted = _parse(part).words
    return bool(wanted) and set(wanted) <= set(_parse(name).words)


def sort_key(name: str) -> str:
    """``name`` for sorting a list by name: lower-case words without diacritics,
    punctuation, or the titles and degrees before and after it ("Ir. Soekarno" sorts
    under S, as written, not respelled)."""
    return " ".join(_strip_titles(_words(name), _tables().titles))


def name_key(name: str) -> str:
    """``name`` reduced for comparison: lower-case words without diacritics, titles, degrees,
    punctuation and ``bin``/``boru``, respelled in today's spelling and with the usual
    form of each variant, sorted (so word order does not count). Names with the same key
    are the same name (``name_score`` 1.0); ``""`` when nothing of a name is left."""
    return " ".join(sorted(_parse(name).words))


def _nick(words: Iterable[str]) -> tuple[str, ...]:
    table = _tables().nicknames
    return tuple(table.get(w, w) for w in words)


def _word_score(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:
        return INITIAL_SCORE if a[0] == b[0] else 0.0
    return fuzz.ratio(a, b) / 100


def _aligned(short: tuple[str, ...], long: tuple[str, ...]) -> list[tuple[float, str, str]]:
    """For each word of ``short``, its best score against a still unused word of
    ``long``, with the two words."""
    unused = list(long)
    pairs = []
    for word in short:
        best = max(range(len(unused)), key=lambda i: _word_score(word, unused[i]))
        other = unused.pop(best)
        pairs.append((_word_score(word, other), word, other))
    return pairs


def _directed(a: tuple[str, ...], b: tuple[str, ...], initials: frozenset[str]) -> float:
    """How well the words ``a`` are found in ``b`` (``len(a) <= len(b)``)."""
    if sorted(a) == sorted(b):
        return 1.0
    na, nb = _nick(a), _nick(b)
    if sorted(na) == sorted(nb):
        return NICKNAME_SCORE
    best = fuzz.token_sort_ratio(" ".join(na), " ".join(nb)) / 100
    pairs = _aligned(na, nb)
    scores = [score for score, _, _ in pairs]
    # a part left out: what is left must agree, and hold a whole word that is no
    # initial and not one of the names too many people bear ("S." alone is no name)
    named = any(
        len(word) > 1 and len(other) > 1 and word not in _tables().common
        for _, word, other in pairs
    )
    if len(na) == len(nb):
        # word for word; initials alone ("S." for "Sukarno") are no name
        if any(len(word) > 1 and len(other) > 1 for _, word, other in pairs):
            best = max(best, min(scores))
    elif min(scores) >= NAME_THRESHOLD and named:
        best = max(best, MISSING_PART_SCORE * min(scores))
    if len(a) == 1 and a[0] in initials and len(b) > 1 and a[0] == "".join(w[0] for w in b):
        best = max(best, INITIALS_SCORE)
    return best


def _words_score(a: tuple[str, ...], b: tuple[str, ...], initials: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b) or (len(a) == len(b) and a > b):
        a, b = b, a
    return _directed(a, b, initials)


@lru_cache(maxsize=65536)  # names repeat across an office's cases
def name_score(a: str, b: str) -> float:
    """How alike the names ``a`` and ``b`` are, in [0, 1]: 1.0 for the same name however
    written (see :func:`name_key`); a nickname, an initial, a missing part or a dropped
    ``bin ...`` a little less; otherwise rapidfuzz's similarity of the words in any order.
    Symmetric; 0.0 when either name has no letters or digits. Same name from
    :data:`NAME_THRESHOLD` up."""
    pa, pb = _parse(a), _parse(b)
    initials = pa.initials | pb.initials
    best = _words_score(pa.words, pb.words, initials)
    if best < 1.0 and (pa.given is None) != (pb.given is None):
        given, other = (pa.given, pb.words) if pa.given is not None else (pb.given, pa.words)
        best = max(best, DROPPED_PATRONYMIC_SCORE * _words_score(given, other, initials))
    return round(best, 6)


def number_key(value: str | None) -> str | None:
    """A NIK or No. KK as its digits (spaces of any kind, dots and dashes dropped, any
    digits made ASCII); ``None`` for nothing or a value without digits."""
    if not value:
        return None
    digits = nik.clean_number(value)
    return digits if nik.is_ascii_digits(digits) else None


def phone_key(value: str | None) -> str | None:
    """A phone number in its national form ``0...``: ``+62 812-3456-7890``,
    ``62812.3456.7890`` and ``0812 3456 7890`` all give ``081234567890``; ``None`` for
    a value with fewer than 6 digits."""
    if not value:
        return None
    text = nik.normalize_digits(value)
    digits = "".join(ch for ch in text if ch.isascii() and ch.isdigit())
    if digits.startswith("62"):  # Indonesia's country code, with or without "+"
        digits = "0" + digits[2:]
    return digits if len(digits) >= 6 else None


class ClientLike(Protocol):
    """What :func:`match_client` reads of a client (a :class:`ppks_cli.models.Client`,
    or a query built by a command); every field may be ``None``."""

    name: str
    alias: str | None
    nik: str | None
    phone: str | None
    birth_date: Any
    birth_year: int | None


@dataclass(frozen=True)
class Match:
    """Why a candidate may be the client asked about. ``score`` in [0, 1] ranks matches
    (1.0 for the same NIK); ``reasons`` name what agreed, strongest first: ``"nik"``,
    ``"name"`` (name to name), ``"alias"`` (a name to an alias), ``"phone"``,
    ``"birth year"`` (both known, within :data:`YEAR_TOLERANCE`)."""

    score: float
    reasons: tuple[str, ...]

    @property
    def certain(self) -> bool:
        """The same NIK: the same person, unless a number was mistyped."""
        return "nik" in self.reasons


def birth_years(client: ClientLike) -> set[int]:
    """Every birth year the client's record suggests: the date or the estimate, and the
    years the NIK may encode (its two-digit year in either century)."""
    years: set[int] = set()
    born = getattr(client, "birth_date", None)
    if born is not None:
        years.add(born.year)
    elif getattr(client, "birth_year", None):
        years.add(client.birth_year)
    number = number_key(getattr(client, "nik", None))
    if number and len(number) == 16:
        years.update(_nik_years(number))
    return years


@lru_cache(maxsize=65536)
def _nik_years(number: str) -> frozenset[int]:
    """The birth years a 16-digit NIK may encode (none for a mistyped one)."""
    try:
        return frozenset(d.year for d in nik.parse_nik(number).possible_birth_dates())
    except NikError:  # a query's NIK may be mistyped
        return frozenset()


def year_gap(a: ClientLike, b: ClientLike) -> int | None:
    """The smallest distance in years between the birth years of ``a`` and ``b``;
    ``None`` when either has none."""
    ya, yb = birth_years(a), birth_years(b)
    if not ya or not yb:
        return None
    return min(abs(x - y) for x in ya for y in yb)


def _names(client: ClientLike) -> list[tuple[str, bool]]:
    alias = getattr(client, "alias", None)
    return [(client.name, False), *([(alias, True)] if alias else [])]


def match_client(
    query: ClientLike, candidate: ClientLike, *, threshold: float = NAME_THRESHOLD
) -> Match | None:
    """Whether ``candidate`` may be the person ``query`` describes, or ``None``.

    - The same NIK matches whatever else differs (score 1.0).
    - A name or alias of one scoring ``threshold`` or more against a name or alias of
      the other matches, unless both birth years are known and more than
      :data:`YEAR_TOLERANCE` apart, or both sexes are known and differ; with no birth
      year on one side the score is lowered by :data:`UNKNOWN_YEAR_FACTOR`.
    - The same phone number matches (score at least 0.9).
    Symmetric in ``query`` and ``candidate``."""
    reasons: list[str] = []
    score = 0.0
    qn, cn = number_key(query.nik), number_key(candidate.nik)
    if qn and qn == cn:
        reasons.append("nik")
        score = 1.0
    gap = year_gap(query, candidate)
    sexes = getattr(query, "sex", None), getattr(candidate, "sex", None)
    other_sex = None not in sexes and sexes[0] != sexes[1]
    best, via_alias = 0.0, False
    # the names are scored only when they could count (the slow part, over many cases)
    if not other_sex and (gap is None or gap <= YEAR_TOLERANCE):
        for qname, q_alias in _names(query):
            for cname, c_alias in _names(candidate):
                s = name_score(qname, cname)
                alias = q_alias or c_alias
                if s > best or (s == best and via_alias and not alias):
                    best, via_alias = s, alias
    if best >= threshold:
        reasons.append("alias" if via_alias else "name")
        if gap is not None:
            reasons.append("birth year")
        score = max(score, best if gap is not None else best * UNKNOWN_YEAR_FACTOR)
    qp, cp = phone_key(getattr(query, "phone", None)), phone_key(getattr(candidate, "phone", None))
    if qp and qp == cp:
        reasons.append("phone")
        score = max(score, 0.9)
    if not reasons:
        return None
    return Match(round(score, 6), tuple(reasons))

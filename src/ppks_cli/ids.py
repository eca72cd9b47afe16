"""Case and record IDs.

A case ID is the intake year and five random Crockford base32 characters, e.g.
``2024-K7Q3M``: short enough to read aloud over the phone (the alphabet has no I, L, O
or U), and with 33 million values a year, two offline clones will practically never
pick the same one. Record IDs are six random characters; they only need to be unique
within one case. Users may type any unique prefix of a case ID, or its suffix alone as it
is read over the phone ("YZ492"), in any letter case, with or without the dash (or an en
dash, or spaces), and with O/I/L for 0/1/1.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable

from ppks_cli.errors import NotFound

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CASE_SUFFIX_LENGTH = 5
RECORD_ID_LENGTH = 6
CASE_ID_RE = re.compile(r"^\d{4}-[0-9A-HJKMNP-TV-Z]{4,8}$")
RECORD_ID_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{6,10}$")
# a street raid: "R", the raid's year and five random characters (``R2024-K7Q3M``); its
# folder is ``raids/<ID>/`` beside ``cases/``
RAID_ID_RE = re.compile(r"^R\d{4}-[0-9A-HJKMNP-TV-Z]{4,8}$")

_CROCKFORD_FIXES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def random_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_case_id(
    year: int, taken: Iterable[str] = (), length: int = CASE_SUFFIX_LENGTH,
    exists: Callable[[str], bool] | None = None,
) -> str:  # fmt: skip
    """A random case ID of ``year`` that is not in ``taken`` and (when given) for which
    ``exists`` is false."""
    existing = set(taken)
    while True:
        candidate = f"{year:04d}-{random_code(length)}"
        if candidate not in existing and not (exists is not None and exists(candidate)):
            return candidate


def new_raid_id(year: int, taken: Iterable[str] = (), length: int = CASE_SUFFIX_LENGTH) -> str:
    """A fresh raid ID for a raid of ``year``: ``R2024-K7Q3M`` (see :data:`RAID_ID_RE`),
    none of ``taken``."""
    existing = set(taken)
    while True:
        candidate = f"R{year:04d}-{random_code(length)}"
        if candidate not in existing:
            return candidate


def new_record_id(taken: Iterable[str] = ()) -> str:
    existing = set(taken)
    while True:
        candidate = random_code(RECORD_ID_LENGTH)
        if candidate not in existing:
            return candidate


# what people type for the dash: en and em dashes, minus signs, hyphens of word processors
_DASHES = str.maketrans(
    dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-")
)
SUFFIX_MIN = 3
"""The fewest characters of a case ID's suffix that find it without the year ("YZ4")."""
_CANDIDATES_SHOWN = 10


def normalize_case_ref(text: str) -> str:
    """What the user typed, in the canonical form of a (partial) case ID: upper case,
    without spaces, any dash (en dash, minus …) as ``-``, full-width characters as ASCII,
    and O/I/L read as 0/1/1 (Crockford). ``2024 – yz4o2`` → ``2024-YZ402``."""
    import unicodedata

    ref = unicodedata.normalize("NFKC", text).translate(_DASHES)
    ref = re.sub(r"\s+", "", ref).upper().translate(_CROCKFORD_FIXES)
    if "-" not in ref and len(ref) > 4 and ref[:4].isdigit():
        return f"{ref[:4]}-{ref[4:]}"
    return ref


def resolve_prefix(text: str, ids: Iterable[str]) -> str:
    """The one ID in ``ids`` that ``text`` names: the whole ID or a prefix of it
    (``2024-K7``), or, without the year, the suffix or its start (``YZ492``, at least
    :data:`SUFFIX_MIN` characters, as read over the phone) when only one case of any
    year has it. Typing is forgiving, see :func:`normalize_case_ref`.

    Raises :class:`NotFound` when there is none, or when there are several (the message
    then lists the candidates, at most ten).
    """
    ref = normalize_case_ref(text)
    if not ref or ref == "-":
        raise NotFound("error.case_not_found", ref=text)
    all_ids = sorted(set(ids))
    if ref in all_ids:
        return ref
    matches = [case_id for case_id in all_ids if case_id.startswith(ref)]
    bare = ref.replace("-", "")
    typed_dash = "-" in text.translate(_DASHES)
    if not typed_dash and len(bare) >= SUFFIX_MIN:  # the suffix alone, of any year
        suffixes = {case_id: case_id.partition("-")[2] for case_id in all_ids}
        exact = [case_id for case_id, suffix in suffixes.items() if suffix == bare]
        if len(exact) == 1 and set(matches) <= set(exact):  # no ID starts so either
            return exact[0]
        matches += [c for c, suffix in suffixes.items() if suffix.startswith(bare)]
        matches = sorted(set(matches))
    if not matches:
        raise NotFound("error.case_not_found", ref=text)
    if len(matches) > 1:
        shown = ", ".join(matches[:_CANDIDATES_SHOWN])
        if len(matches) > _CANDIDATES_SHOWN:
            shown += ", …"
        raise NotFound("error.case_ambiguous", ref=text, candidates=shown, example=matches[0])
    return matches[0]

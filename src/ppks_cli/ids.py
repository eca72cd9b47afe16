"""Case and record IDs.

A case ID is the intake year and five random Crockford base32 characters, e.g.
``2024-K7Q3M``: short enough to read aloud over the phone (the alphabet has no I, L, O
or U), and with 33 million values a year, two offline clones will practically never
pick the same one. Record IDs are six random characters; they only need to be unique
within one case. Users may type any unique prefix of a case ID, in any letter case, with
or without the dash, and with O/I/L for 0/1/1.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from ppks_cli.errors import NotFound

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CASE_SUFFIX_LENGTH = 5
RECORD_ID_LENGTH = 6
CASE_ID_RE = re.compile(r"^\d{4}-[0-9A-HJKMNP-TV-Z]{4,8}$")
RECORD_ID_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{6,10}$")

_CROCKFORD_FIXES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def random_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_case_id(year: int, taken: Iterable[str] = (), length: int = CASE_SUFFIX_LENGTH) -> str:
    existing = set(taken)
    while True:
        candidate = f"{year:04d}-{random_code(length)}"
        if candidate not in existing:
            return candidate


def new_record_id(taken: Iterable[str] = ()) -> str:
    existing = set(taken)
    while True:
        candidate = random_code(RECORD_ID_LENGTH)
        if candidate not in existing:
            return candidate


def normalize_case_ref(text: str) -> str:
    """What the user typed, in the canonical form of a (partial) case ID."""
    ref = re.sub(r"\s+", "", text).upper()
    if "-" in ref:
        year, _, rest = ref.partition("-")
        return f"{year}-{rest.translate(_CROCKFORD_FIXES)}"
    if len(ref) > 4 and ref[:4].isdigit():
        return f"{ref[:4]}-{ref[4:].translate(_CROCKFORD_FIXES)}"
    return ref


def resolve_prefix(text: str, ids: Iterable[str]) -> str:
    """The one ID in ``ids`` that ``text`` is a prefix of.

    Raises :class:`NotFound` when there is none, or when there are several (the message
    then lists the candidates).
    """
    ref = normalize_case_ref(text)
    if not ref:
        raise NotFound("error.case_not_found", ref=text)
    all_ids = sorted(set(ids))
    if ref in all_ids:
        return ref
    matches = [case_id for case_id in all_ids if case_id.startswith(ref)]
    if not matches:
        raise NotFound("error.case_not_found", ref=text)
    if len(matches) > 1:
        raise NotFound("error.case_ambiguous", ref=text, candidates=", ".join(matches))
    return matches[0]

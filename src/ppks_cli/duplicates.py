"""Finding a client the office may already know, before a new case is opened.

Street clients are often caught in several raids; opening a second case for the same
person splits their history. A match on NIK is certain; a very similar name with the
same (or an adjacent, since it is often estimated) birth year is worth a question.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from ppks_cli import nik
from ppks_cli.models import CaseFile, Client

NAME_SIMILARITY = 0.85


@dataclass(frozen=True)
class PossibleDuplicate:
    case: CaseFile
    reason: str  # "nik" or "name"


def normalize_name(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    # "M.R." and "MR" are the same initials; "Tiurma Br. S." keeps its words
    return " ".join(re.sub(r"[^a-z0-9 ]+", "", text.lower()).split())


def similar_names(a: str, b: str) -> bool:
    left, right = normalize_name(a), normalize_name(b)
    if not left or not right:
        return False
    if left == right:
        return True
    return difflib.SequenceMatcher(None, left, right).ratio() >= NAME_SIMILARITY


def birth_years(client: Client) -> set[int]:
    """Every birth year the record suggests: the date, the estimate, the NIK."""
    years = {client.year_of_birth} if client.year_of_birth else set()
    if client.nik:
        years.update(d.year for d in nik.parse_nik(client.nik).possible_birth_dates())
    return years


def names_of(client: Client) -> list[str]:
    return [client.name, *([client.alias] if client.alias else [])]


def find_duplicates(cases: Iterable[CaseFile], client: Client) -> list[PossibleDuplicate]:
    found: list[PossibleDuplicate] = []
    years = birth_years(client)
    for case in cases:
        other = case.client
        if client.nik and other.nik == client.nik:
            found.append(PossibleDuplicate(case, "nik"))
            continue
        close_years = any(abs(a - b) <= 1 for a in years for b in birth_years(other))
        if close_years and any(
            similar_names(a, b) for a in names_of(client) for b in names_of(other)
        ):
            found.append(PossibleDuplicate(case, "name"))
    return found

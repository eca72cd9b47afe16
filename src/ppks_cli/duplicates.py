"""Finding a client the office may already know, before a new case is opened.

Street clients are often caught in several raids; opening a second case for the same
person splits their history. A match on NIK is certain; the same name as Indonesians
write it (:mod:`ppks_cli.matching`: titles, variants, old spelling, word order, a part
left out, a typo), an alias or a phone number is worth a question -- unless both birth
years are known and clearly apart (estimated years are often a year or two off).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ppks_cli.matching import ClientLike, Match, match_client

# the reason keys, strongest first; each is a message key "duplicate.<reason>"
REASONS = ("nik", "name", "alias", "name_only", "alias_only", "phone")


@dataclass(frozen=True)
class PossibleDuplicate:
    """A case whose client may be the new one: ``case`` has an ``id`` and a ``client``
    (a :class:`ppks_cli.index.IndexedCase`, or a :class:`~ppks_cli.models.CaseFile`).
    ``reason`` is one of :data:`REASONS` (``"name_only"``: a similar name, with no birth
    year on one side to compare); ``match`` has the score and every reason."""

    case: Any
    reason: str
    match: Match | None = None


def reason_of(match: Match) -> str:
    """The one reason key (see :data:`REASONS`) a worker is shown for ``match``."""
    if match.certain:
        return "nik"
    for kind in ("name", "alias"):
        if kind in match.reasons:
            return kind if "birth year" in match.reasons else f"{kind}_only"
    return "phone"


def find_duplicates(cases: Iterable[Any], client: ClientLike) -> list[PossibleDuplicate]:
    """The cases whose client may be ``client``, most likely first (same NIK, then by
    :attr:`Match.score`, then case ID). A case's ``former_names`` (names and aliases
    before a correction, when it has them) are compared as its client's name too: a
    street client opened as "Ucok" and corrected to his real name is still found when
    he is picked up as "Ucok" again."""
    found: list[PossibleDuplicate] = []
    for case in cases:
        match = match_client(client, case.client)
        for name in getattr(case, "former_names", ()):
            earlier = match_client(client, _named(case.client, name))
            if earlier is not None and (match is None or earlier.score > match.score):
                match = earlier
        if match is not None:
            found.append(PossibleDuplicate(case, reason_of(match), match))
    found.sort(key=lambda d: (not d.match.certain, -d.match.score, d.case.id))
    return found


def _named(client: Any, name: str) -> Any:
    """``client`` under the name ``name`` (and no alias): a dataclass or a pydantic model."""
    if hasattr(client, "model_copy"):
        return client.model_copy(update={"name": name, "alias": None})
    from dataclasses import replace

    return replace(client, name=name, alias=None)

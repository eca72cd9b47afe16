"""The casework stage of a case, derived from its records (never stored)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ppks_cli.store import Case

STAGES = ("intake",)


@dataclass
class CaseState:
    stage: str = "intake"
    closed: bool = False
    episode: int = 1
    notes: list[str] = field(default_factory=list)


def derive(case: Case) -> CaseState:
    return CaseState()


def check_case(repo, case) -> list:
    """Problems with the sequence of records of a case (none yet)."""
    return []

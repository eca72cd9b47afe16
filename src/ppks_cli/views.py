"""Plain-data views of cases (dicts of JSON types), shared by ``--json`` output, tables
and, later, letters and reports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ppks_cli import categories
from ppks_cli.store import Case


def case_summary(case: Case) -> dict[str, Any]:
    """One row of ``ppks list``."""
    state = case.state
    return {
        "id": case.id,
        "name": case.client.name,
        "category": case.file.category,
        "tags": list(case.file.tags),
        "stage": state.stage,
        "closed": state.closed,
        "worker": case.file.intake.worker,
        "intake_date": case.file.intake.date.isoformat(),
        "damaged_records": len(case.problems),
    }


def case_detail(case: Case) -> dict[str, Any]:
    """Everything ``ppks show --json`` gives."""
    state = case.state
    category = categories.categories()[case.file.category]
    data = case.file.model_dump(mode="json", by_alias=True, exclude_none=True)
    data.pop("schema", None)
    return {
        "id": case.id,
        "stage": state.stage,
        "closed": state.closed,
        "episode": state.episode,
        "category": case.file.category,
        "category_name": category.name,
        **{k: v for k, v in data.items() if k not in ("id", "category")},
        "records": [record_view(r) for r in case.records],
        "damaged_records": [p.as_dict() for p in case.problems],
    }


def record_view(record) -> dict[str, Any]:
    data = record.model_dump(mode="json", by_alias=True, exclude_none=True)
    data.pop("schema", None)
    return data


@dataclass(frozen=True)
class CaseFilter:
    stage: str | None = None
    category: str | None = None
    worker: str | None = None
    closed: bool | None = None  # None: both

    def matches(self, case: Case) -> bool:
        state = case.state
        if self.stage and state.stage != self.stage:
            return False
        if self.category and case.file.category != self.category:
            return False
        if self.worker and self.worker.casefold() not in case.file.intake.worker.casefold():
            return False
        if self.closed is not None and state.closed != self.closed:
            return False
        return True


def newest_first(cases: Iterable[Case]) -> list[Case]:
    return sorted(cases, key=lambda c: (c.file.intake.date, c.file.created_at, c.id), reverse=True)

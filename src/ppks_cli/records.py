"""The records kept in a case folder, one file each: assessments, plans, interventions,
referrals, evaluations, terminations, follow-ups, notes and the like.

Every record has a random ID, the date the work was done, the worker who did it and the
moment it was entered. Records are never rewritten by another command: a revision is a
new record, so the history stays and two clones never edit the same file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import field_validator

from ppks_cli import ids
from ppks_cli.i18n import Msg
from ppks_cli.models import Text, VersionedFile, custom_error
from ppks_cli.validation import Problem, validate


class RecordBase(VersionedFile):
    id: str
    kind: str
    date: dt.date
    worker: Text
    recorded_at: dt.datetime

    @field_validator("id")
    @classmethod
    def _record_id(cls, value: str) -> str:
        if not ids.RECORD_ID_RE.match(value):
            raise custom_error("validation.record_id", value=value)
        return value

    @field_validator("recorded_at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise custom_error("validation.naive_datetime")
        return value

    def sort_key(self) -> tuple[dt.date, dt.datetime, str]:
        return (self.date, self.recorded_at, self.id)


class Note(RecordBase):
    """A free-text case note, at any stage."""

    kind: Literal["note"] = "note"
    text: Text


RECORD_TYPES: dict[str, type[RecordBase]] = {
    "note": Note,
}

Record = RecordBase


def parse_record(
    data: dict[str, Any], text: str, file: str
) -> tuple[RecordBase | None, list[Problem]]:
    """Validate the data of one record file as the model its ``kind`` names."""
    from ppks_cli.tomlio import KeyLocator

    kind = data.get("kind")
    model = RECORD_TYPES.get(kind) if isinstance(kind, str) else None
    if model is None:
        line = KeyLocator(text).line(("kind",))
        if kind is None:
            return None, [Problem(file, line, Msg("validation.missing", {"field": "kind"}))]
        return None, [
            Problem(
                file,
                line,
                Msg("validation.record_kind", {"value": kind, "expected": ", ".join(RECORD_TYPES)}),
            )
        ]
    return validate(model, data, text, file)

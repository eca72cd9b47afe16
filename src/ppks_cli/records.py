"""The records kept in a case folder, one file each: assessments, plans, interventions,
referrals, evaluations, terminations, follow-ups, notes and the like.

Every record has a random ID, the date the work was done, the worker who did it and the
moment it was entered. Records are never rewritten by another command: a revision is a
new record, so the history stays and two clones never edit the same file.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from ppks_cli import ids

# the fixed lists: one definition, with their labels and the words accepted for them
from ppks_cli.choices import (
    ACTIVITIES,
    APPROVAL_STAGES,
    ATTACHMENT_KINDS,
    CLOSING_REASONS,
    DECISIONS,
    DISCHARGE_DESTINATIONS,
    DISPOSITIONS,
    GOAL_STATUSES,
    LETTER_KINDS,
    LINK_RELATIONS,
    REFERRAL_STATUSES,
    RISK_LEVELS,
)
from ppks_cli.i18n import Msg
from ppks_cli.models import (
    Date,
    DateTime,
    Line,
    Model,
    Name,
    Text,
    VersionedFile,
    Worker,
    custom_error,
)
from ppks_cli.validation import Problem, validate


class Record(VersionedFile):
    """What every record file holds: its ID, the case it belongs to (from schema 2 on),
    its kind, the date the work was done, the worker and the moment it was entered."""

    id: str
    case: str | None = None  # the case ID; required from schema 2 on
    kind: str
    date: Date
    worker: Worker
    recorded_at: DateTime

    @field_validator("id")
    @classmethod
    def _record_id(cls, value: str) -> str:
        if not ids.RECORD_ID_RE.match(value):
            raise custom_error("validation.record_id", value=value)
        return value

    @field_validator("case")
    @classmethod
    def _case_id(cls, value: str | None) -> str | None:
        if value is not None and not ids.CASE_ID_RE.match(value):
            raise custom_error("validation.case_id", value=value)
        return value

    @model_validator(mode="after")
    def _names_its_case(self):
        if self.case is None and self.schema_version >= 2:
            raise custom_error("validation.record_case_missing")
        return self

    @field_validator("recorded_at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise custom_error("validation.naive_datetime")
        return value

    def sort_key(self) -> tuple[dt.date, dt.datetime, str]:
        return (self.date, self.recorded_at, self.id)


Items = list[Text]
GoalNumber = Annotated[int, Field(ge=1, le=999)]  # goals of the current plan, from 1


def _record_ref(value: str) -> str:
    if not ids.RECORD_ID_RE.match(value):
        raise custom_error("validation.record_id", value=value)
    return value


# the ID of another record of the case (a referral, an approved record)
RecordRef = Annotated[str, AfterValidator(_record_ref)]

# a reason only ``ppks merge`` records (the case was a duplicate of another): reports do
# not count it as a closed case, and ``ppks terminate`` does not offer it
DUPLICATE = "duplicate"
TERMINATION_REASONS = (*CLOSING_REASONS, DUPLICATE)


class ApprovalStage(StrEnum):
    """The steps a supervisor can be asked to approve (``[supervision]``); each value is
    also the kind of the record that is approved."""

    ASSESSMENT = "assessment"
    PLAN = "plan"
    TERMINATION = "termination"


def _non_empty(value: list[str], field: str) -> list[str]:
    if not value:
        raise custom_error("validation.need_one", field=field)
    return value


class Assessment(Record):
    """Asesmen: what the worker learned about the client's situation."""

    kind: Literal["assessment"] = "assessment"
    problems: Items
    needs: Items = []
    strengths: Items = []
    resources: Items = []
    information_sources: Items = []
    context: Text | None = None  # the social and psychological context, as a narrative
    priorities: Items = []
    risk: Literal[RISK_LEVELS] | None = None
    recommendation: Text | None = None

    @field_validator("problems")
    @classmethod
    def _some_problem(cls, value: list[str]) -> list[str]:
        return _non_empty(value, "problems")


class Goal(Model):
    """A SMART goal: what, how it is measured, by when."""

    what: Text
    measure: Text | None = None
    target_date: Date | None = None


class Task(Model):
    what: Text
    who: Text | None = None
    when: Date | None = None


class Plan(Record):
    """Rencana intervensi. A revision is a new plan record; the latest one counts."""

    kind: Literal["plan"] = "plan"
    goals: list[Goal]
    strategies: Items = []
    techniques: Items = []
    tasks: list[Task] = []
    resources: Items = []

    @field_validator("goals")
    @classmethod
    def _some_goal(cls, value: list[Goal]) -> list[Goal]:
        return _non_empty(value, "goals")


class Intervention(Record):
    """One intervention activity, serving goals of the current plan (numbered from 1)."""

    kind: Literal["intervention"] = "intervention"
    activity: Literal[ACTIVITIES]
    goals: list[GoalNumber] = []
    description: Text
    outcome: Text | None = None


class Referral(Record):
    """Rujukan to another institution. Its status changes with referral-update records."""

    kind: Literal["referral"] = "referral"
    destination: Name
    destination_kind: Line | None = None
    destination_address: Line | None = None
    destination_contact: Line | None = None
    reason: Text
    request: Text | None = None  # what the office asks the destination to do
    consent: bool
    no_consent_reason: Text | None = None

    @model_validator(mode="after")
    def _consent_or_reason(self) -> Referral:
        if not self.consent and not self.no_consent_reason:
            raise custom_error("validation.no_consent_reason")
        return self


class ReferralUpdate(Record):
    """A change of a referral's status: accepted, rejected, completed or revoked."""

    kind: Literal["referral-update"] = "referral-update"
    referral: RecordRef  # the referral's record ID
    status: Literal[REFERRAL_STATUSES[1:]]
    note: Text | None = None


class GoalProgress(Model):
    goal: GoalNumber
    status: Literal[GOAL_STATUSES]
    note: Text | None = None


class Evaluation(Record):
    """Evaluasi: the status of each goal, the progress in words, and what happens next."""

    kind: Literal["evaluation"] = "evaluation"
    goal_status: list[GoalProgress] = []
    progress: Text
    decision: Literal[DECISIONS]


class Termination(Record):
    """Terminasi: the end of the working relationship for this episode."""

    kind: Literal["termination"] = "termination"
    reason: Literal[TERMINATION_REASONS]
    reason_note: Text | None = None
    outcome: Text  # what was achieved in this episode
    placement: Text | None = None
    aftercare: Text | None = None

    @model_validator(mode="after")
    def _other_needs_a_note(self) -> Termination:
        if self.reason == "other" and not self.reason_note:
            raise custom_error("validation.other_reason_note")
        return self


class FollowUp(Record):
    """Bimbingan lanjut: an aftercare visit or call after termination."""

    kind: Literal["follow-up"] = "follow-up"
    findings: Text  # what the visit or call found
    place: Text | None = None
    next_date: Date | None = None


class Reopen(Record):
    """A closed case opened again: a new episode starts at assessment."""

    kind: Literal["reopen"] = "reopen"
    reason: Text


class Note(Record):
    """A free-text case note, at any stage."""

    kind: Literal["note"] = "note"
    text: Text


class Approval(Record):
    """A supervisor's approval of the latest assessment, plan or termination."""

    kind: Literal["approval"] = "approval"
    stage: Literal[APPROVAL_STAGES]
    record: RecordRef  # the approved record's ID
    by: Worker
    comment: Text | None = None


# The fields of a case a correction may change: the record's field name → (the part of
# ``case.toml`` it lives in, the attribute there). ``client``: the identity; ``intake``:
# how the client came; ``case``: the case itself.
CORRECTABLE: dict[str, tuple[str, str]] = {
    **{name: ("client", name) for name in (
        "name", "alias", "sex", "nik", "kk_number", "birth_place", "birth_date", "birth_year",
        "religion", "marital_status", "education", "occupation", "phone", "address",
        "last_known_address",
    )},
    "intake_date": ("intake", "date"),
    "source": ("intake", "source"),
    "found_at": ("intake", "found_at"),
    "referred_by": ("intake", "referred_by"),
    "category": ("case", "category"),
}  # fmt: skip

# a value as TOML holds it: text, a whole number (a birth year) or a date (a birth date)
FieldValue = str | int | dt.date


def check_field_value(field: str, value: Any) -> Any:
    """``value`` checked as the field ``field`` (a key of :data:`CORRECTABLE`) of
    ``case.toml`` would be, and returned as stored (a NIK without spaces, say). ``None``
    (the field left empty) passes for every field but ``name`` and ``sex``. Raises
    :class:`~pydantic_core.PydanticCustomError` (``validation.correction_value``) naming
    what is wrong."""
    from pydantic import ValidationError

    from ppks_cli import categories
    from ppks_cli.models import Client, Intake
    from ppks_cli.validation import describe

    section, attr = CORRECTABLE[field]
    if value is None:
        if field in ("name", "sex"):
            raise custom_error("validation.correction_required", field=field)
        return None
    try:
        if section == "client":
            return getattr(Client.model_validate({"name": "x", "sex": "L", attr: value}), attr)
        if section == "intake":
            base = {"date": dt.date(2000, 1, 1), "source": "walk-in", "worker": "x"}
            return getattr(Intake.model_validate({**base, attr: value}), attr)
    except ValidationError as exc:
        raise custom_error(
            "validation.correction_value", field=field, detail=describe(exc)[0][1]
        ) from None
    if not isinstance(value, str) or value not in categories.categories():
        raise custom_error(
            "validation.correction_value", field=field,
            detail=Msg("validation.category", {"value": value}),
        )  # fmt: skip
    return value


class FieldChange(Model):
    """One field a correction changed: its name (a key of :data:`CORRECTABLE`), the
    value before and the value after (left out: empty)."""

    field: str
    old: FieldValue | None = None
    new: FieldValue | None = None

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str) -> str:
        if value not in CORRECTABLE:
            raise custom_error(
                "validation.correction_field", value=value, expected=", ".join(CORRECTABLE)
            )
        return value

    @model_validator(mode="after")
    def _valid_new_value(self) -> FieldChange:
        check_field_value(self.field, self.new)
        return self


class Correction(Record):
    """A correction of the client's identity or intake data (``ppks edit``): the reason
    and, for each field changed, the old and the new value. ``case.toml`` keeps the data
    of the intake; the client's current data is that with the corrections applied in
    record order (:attr:`ppks_cli.store.Case.current`)."""

    kind: Literal["correction"] = "correction"
    reason: Text
    changes: list[FieldChange]

    @field_validator("changes")
    @classmethod
    def _some_change(cls, value: list[FieldChange]) -> list[FieldChange]:
        _non_empty(value, "changes")
        fields = [c.field for c in value]
        if len(set(fields)) != len(fields):
            raise custom_error("validation.correction_twice")
        return value


class Letter(Record):
    """An issued official letter: its number, and everything needed to render the same
    letter again (the data it was made from, the template checksum, and the Typst source
    when it was edited by hand before printing)."""

    kind: Literal["letter"] = "letter"
    letter: Literal[LETTER_KINDS]
    number: Line
    year: int = Field(ge=1900, le=9999)
    # the office sequence, when the number follows the pattern
    seq: int | None = Field(None, ge=1, le=999_999_999)
    about: str | None = None  # the record the letter is about (referral, termination …)
    # the classification code the number was taken under (a per-code sequence counts by it)
    code: Line | None = None
    # ``ppks letter renumber``: the letter record this one gives a new number, and why
    renumbers: RecordRef | None = None
    reason: Text | None = None
    # ``--issue --new``: the standing numbers of the same document it was issued after (a
    # second letter of one document without them came from another clone: ``ppks check``)
    follows: list[Line] | None = None
    template_sha256: str
    edited_source: str | None = None
    context: dict[str, Any]

    @field_validator("context", "edited_source")
    @classmethod
    def _plain_text_only(cls, value: Any) -> Any:
        """The data a letter was made from holds text as every other field does: no
        control or bidirectional characters (it is printed again on reissue)."""
        from ppks_cli.models import char_name, forbidden_character

        def walk(node: Any) -> None:
            if isinstance(node, str):
                bad = forbidden_character(node, multiline=True)
                if bad is not None:
                    raise custom_error("validation.control_character", char=char_name(bad))
            elif isinstance(node, dict):
                for key, item in node.items():
                    walk(key)
                    walk(item)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(value)
        return value


# --- the team's records: transfers and links between cases ------------------------------


class Transfer(Record):
    """The case passes to another worker (interns rotate, a worker leaves). The case's
    current worker is the ``to`` of its latest transfer; ``worker`` is who recorded it."""

    kind: Literal["transfer"] = "transfer"
    from_: Worker = Field(alias="from")  # the current worker before the transfer
    to: Worker
    reason: Text


# What the case linked to (``other``) is to this case. The first seven can be given to
# ``ppks link``; ``parent`` and ``ward`` are only seen from the other side (the inverse
# of child and guardian), ``duplicate`` is written by ``ppks merge``.
DUPLICATE_OF = "duplicate"
INVERSE_RELATION = {
    "mother": "child", "father": "child", "child": "parent", "parent": "child",
    "sibling": "sibling", "spouse": "spouse", "guardian": "ward", "ward": "guardian",
    "other": "other", DUPLICATE_OF: DUPLICATE_OF,
}  # fmt: skip


class Link(Record):
    """A relation to another case (``other``: its ID), kept in this case's folder only:
    the other case shows the inverse, read from the index, so two workers linking
    offline never edit the same file."""

    kind: Literal["link"] = "link"
    other: str
    relation: Literal[(*LINK_RELATIONS, DUPLICATE_OF)]
    reason: Text | None = None

    @field_validator("other")
    @classmethod
    def _other_case_id(cls, value: str) -> str:
        if not ids.CASE_ID_RE.match(value):
            raise custom_error("validation.case_id", value=value)
        return value


# What a file attached to a case is (``ppks attach --kind``): a scanned KTP, a KK (family
# card), a birth certificate (akta), a photo, a signed consent (persetujuan), a letter or
# statement (surat), anything else (lainnya).
_STORED_NAME_RE = re.compile(r"^([0-9A-Z]{6,10})\.[a-z0-9]{1,8}$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class Attachment(Record):
    """A file kept with the case (``ppks attach``), stored as ``attachments/<file>`` in
    the case folder. ``file`` is ``<record ID>.<ext>`` (no personal data in a file name);
    ``original_name`` is the name the file had (it may be personal: it stays in the case
    folder); ``size`` in bytes and ``sha256`` (lowercase hex) are of the bytes stored."""

    kind: Literal["attachment"] = "attachment"
    document: Literal[ATTACHMENT_KINDS]
    original_name: Line
    size: int = Field(ge=0)
    sha256: str
    file: str
    note: Text | None = None

    @field_validator("sha256")
    @classmethod
    def _hex_digest(cls, value: str) -> str:
        if not _SHA256_RE.match(value):
            raise custom_error("validation.sha256", value=value)
        return value

    @model_validator(mode="after")
    def _named_after_the_record(self) -> Attachment:
        match = _STORED_NAME_RE.match(self.file)
        if not match or match.group(1) != self.id:
            raise custom_error("validation.attachment_file", value=self.file, id=self.id)
        return self


def _raid_id(value: str | None) -> str | None:
    if value is not None and not ids.RAID_ID_RE.match(value):
        raise custom_error("validation.raid_id", value=value)
    return value


class RaidCatch(Record):
    """The client picked up in a street raid (*razia*, *penjangkauan*): the first catch or
    a repeat one, with what was done with the person (``disposition``). ``raid`` is the
    raid's ID (``raids/<ID>/raid.toml``); ``place`` where the person was found;
    ``destination`` the hospital, institution or address the disposition names."""

    kind: Literal["raid-catch"] = "raid-catch"
    raid: str
    place: Line | None = None
    disposition: Literal[DISPOSITIONS]
    destination: Line | None = None
    note: Text | None = None

    @field_validator("raid")
    @classmethod
    def _raid(cls, value: str) -> str:
        return _raid_id(value)


class ShelterAdmission(Record):
    """The client placed in the office's rumah singgah (a placement, not a referral) on
    ``date``: ``shelter`` names one of the shelters of ``ppks.toml`` (``None``: the only
    one), ``bed`` is the bed's label, ``raid`` the raid the client came from."""

    kind: Literal["shelter-admission"] = "shelter-admission"
    shelter: Line | None = None
    bed: Line | None = None
    raid: str | None = None
    note: Text | None = None

    @field_validator("raid")
    @classmethod
    def _raid(cls, value: str | None) -> str | None:
        return _raid_id(value)


class ShelterDischarge(Record):
    """The client left the rumah singgah on ``date``, to ``to``."""

    kind: Literal["shelter-discharge"] = "shelter-discharge"
    to: Literal[DISCHARGE_DESTINATIONS]
    shelter: Line | None = None
    note: Text | None = None


RECORD_TYPES: dict[str, type[Record]] = {
    model.model_fields["kind"].default: model
    for model in (
        Assessment, Plan, Intervention, Referral, ReferralUpdate, Evaluation, Termination,
        FollowUp, Reopen, Note, Approval, Letter, Correction,
        Transfer, Link, Attachment, RaidCatch, ShelterAdmission, ShelterDischarge,
    )
}  # fmt: skip



def parse_record(
    data: dict[str, Any], text: str, file: str, case: str | None = None
) -> tuple[Record | None, list[Problem]]:
    """Validate the data of one record file (lying in the folder of ``case``) as the
    model its ``kind`` names; a file of an older schema is upgraded in memory first."""
    from ppks_cli.schema import RECORD, upgrade_data
    from ppks_cli.tomlio import KeyLocator

    data = upgrade_data(RECORD, data, case)
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

"""Correcting a client's data (``ppks edit``): a correction is a record, never a rewrite
of ``case.toml``.

Real names and NIKs often arrive weeks after a street intake. ``case.toml`` keeps what
was known at intake; each correction record names the reason and, per field, the old
and the new value. The client's current data is the intake data with the corrections
applied in record order (:func:`apply_corrections`, :attr:`ppks_cli.store.Case.current`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ppks_cli.errors import InvalidInput
from ppks_cli.i18n import Msg
from ppks_cli.records import CORRECTABLE, Correction, FieldChange, Record
from ppks_cli.results import Result

if TYPE_CHECKING:
    from ppks_cli.changes import WriteOptions
    from ppks_cli.models import CaseFile
    from ppks_cli.store import Case, Repository

# the command-line option of each correctable field
OPTION_OF_FIELD = {
    name: "--" + {"kk_number": "kk"}.get(name, name).replace("_", "-") for name in CORRECTABLE
}


# the correctable fields a case cannot be without: an "unknown" word is refused, not emptied
REQUIRED_FIELDS = ("name", "sex", "category", "intake_date", "source")


def field_value(file: CaseFile, name: str) -> Any:
    """The value of the correctable field ``name`` in ``file`` (None: empty)."""
    section, attr = CORRECTABLE[name]
    if section == "case":
        return getattr(file, attr)
    return getattr(getattr(file, section), attr)


def _with_changes(file: CaseFile, changes: Iterable[tuple[str, Any]]) -> CaseFile:
    """``file`` with the fields ``changes`` names set to their new values, validated
    whole (a birth date after the intake, say, raises ``ValidationError``)."""
    from ppks_cli.models import CaseFile

    data = file.model_dump(mode="python", by_alias=True)
    for name, value in changes:
        section, attr = CORRECTABLE[name]
        (data if section == "case" else data[section])[attr] = value
    return CaseFile.model_validate(data)


def apply_corrections(
    file: CaseFile, records: Iterable[Record]
) -> tuple[CaseFile, list[tuple[Record, Msg]]]:
    """``file`` (``case.toml`` as written at intake) with every correction among
    ``records`` applied in their order. A correction that would make the data invalid
    (two clones correcting birth date and year offline, a hand edit) is left out, and
    returned with the reason as ``(record, message)``."""
    from ppks_cli.validation import describe

    skipped: list[tuple[Record, Msg]] = []
    for record in records:
        if record.kind != "correction":
            continue
        try:
            file = _with_changes(file, ((c.field, c.new) for c in record.changes))
        except ValidationError as exc:
            skipped.append((record, describe(exc)[0][1]))
    return file, skipped


def describe_change(change: FieldChange) -> str:
    """``nama: 'Tanpa Nama 1' → 'Rahmat Siregar'``: one changed field, in the user's
    language (an empty value is shown as ``—``)."""
    from ppks_cli.i18n import t

    def shown(value: Any) -> str:
        if value is None:
            return "—"
        if isinstance(value, dt.date):
            value = value.isoformat()
        return f"'{value}'"

    return f"{t('correction_field.' + change.field)}: {shown(change.old)} → {shown(change.new)}"


def describe_correction(record: Correction) -> str:
    """``nama: 'A' → 'B'; NIK: — → '…' (alasan: …)``: a correction on one line."""
    from ppks_cli.i18n import t

    changes = "; ".join(describe_change(c) for c in record.changes)
    return t("correction.line", changes=changes, reason=record.reason)


# --- what a worker typed -----------------------------------------------------------------


def parse_value(name: str, text: str) -> Any:
    """The value of the correctable field ``name`` from what a worker typed (a flag, the
    editor), by the same rules and messages as ``ppks new-case``: an "unknown" word
    (``-``, ``tidak tahu``) empties the field (None). Raises :class:`InvalidInput`
    naming the option."""
    from ppks_cli import categories, intake
    from ppks_cli.choices import EDUCATION, MARITAL_STATUS, RELIGION, SOURCE
    from ppks_cli.dates import parse_date

    option = OPTION_OF_FIELD[name]
    if name in REQUIRED_FIELDS:
        if intake.is_unknown(text):
            raise InvalidInput("error.empty_value", option=option)
    elif intake.is_unknown(text):
        return None
    choices = {"religion": RELIGION, "marital_status": MARITAL_STATUS, "education": EDUCATION,
               "source": SOURCE}  # fmt: skip
    if name == "sex":
        return intake.parse_sex_option(text, option)
    if name == "nik":
        return intake.parse_nik_option(text, option)
    if name == "kk_number":
        return intake.parse_kk_option(text, option)
    if name in ("birth_date", "intake_date"):
        return parse_date(text, option=option)
    if name == "birth_year":
        return intake.parse_year(text, option)
    if name in choices:
        return choices[name].parse(text, option)
    if name == "category":
        return categories.resolve_category(text, option)
    value = intake.stored_phone(text) if name == "phone" else text.strip()  # 08… / +62…
    _check(name, value)
    return value


def _check(name: str, value: Any) -> Any:
    """``value`` checked as field ``name`` (see :func:`ppks_cli.records.check_field_value`),
    a problem as :class:`InvalidInput` naming the option."""
    from pydantic_core import PydanticCustomError

    from ppks_cli.records import check_field_value

    try:
        return check_field_value(name, value)
    except PydanticCustomError as exc:
        detail = (exc.context or {}).get("detail") or Msg(exc.type, exc.context or {})
        raise InvalidInput(
            "error.invalid_option", option=OPTION_OF_FIELD[name], detail=detail
        ) from None


def parse_values(given: Mapping[str, str | None]) -> dict[str, Any]:
    """:func:`parse_value` for each field given (``None``: not given), by field name."""
    return {name: parse_value(name, text) for name, text in given.items() if text is not None}


# --- the edit ------------------------------------------------------------------------------


@dataclass
class EditResult(Result):
    """``ppks edit``: the case as it stands now and the correction written (``None``:
    nothing changed, nothing written), with what the new data should make a worker
    look at (``warnings``: a NIK that disagrees with the birth date, say)."""

    case: Case
    record: Correction | None
    warnings: list[Msg] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        from ppks_cli.views import record_view

        return {
            "id": self.case.id,
            "changed": self.record is not None,
            "record": record_view(self.record) if self.record is not None else None,
            "client": self.case.client.model_dump(mode="json", exclude_none=True),
            "warnings": [{"code": m.key, "message": str(m)} for m in self.warnings],
        }


def plan_changes(case: Case, values: Mapping[str, Any]) -> list[FieldChange]:
    """The fields of ``values`` (field name → new value, None: empty) that differ from
    the case's current data, as :class:`FieldChange` objects, in the order of
    :data:`ppks_cli.records.CORRECTABLE`. A real birth date given without a birth year
    empties the estimated year. Raises :class:`InvalidInput` when the data would not be
    valid as a whole (a birth date after the intake, a year that disagrees with the
    date)."""
    values = dict(values)
    current = case.current
    if values.get("birth_date") is not None and "birth_year" not in values:
        values["birth_year"] = None  # the date says it all
    changes = [
        FieldChange(field=name, old=field_value(current, name), new=values[name])
        for name in CORRECTABLE
        if name in values and values[name] != field_value(current, name)
    ]
    moved = next((c.new for c in changes if c.field == "intake_date"), None)
    if moved is not None:
        work = [r for r in case.records if r.kind != "correction" and r.date < moved]
        if work:  # the casework cannot have begun before the client came
            first = min(work, key=lambda r: r.date)
            raise InvalidInput(
                "error.invalid_option", option=OPTION_OF_FIELD["intake_date"],
                detail=Msg("validation.intake_after_record", date=first.date.isoformat(),
                           record=first.id),
            )  # fmt: skip
    try:
        _with_changes(current, ((c.field, c.new) for c in changes))
    except ValidationError as exc:
        from ppks_cli.validation import describe

        loc, msg = describe(exc)[0]
        name = next((str(p) for p in reversed(loc) if str(p) in CORRECTABLE), None)
        if name is not None:
            option = OPTION_OF_FIELD[name]
        else:  # a rule across fields: birth date and year, birth date and intake
            option = "--birth-date" if "birth_date" in values else "--birth-year"
            if msg.key == "validation.field":  # not "'client': …": the rule alone
                msg = msg.params.get("detail", msg)
        raise InvalidInput("error.invalid_option", option=option, detail=msg) from None
    return changes


def check_not_backdated(case: Case, date: dt.date) -> None:
    """Refuse a correction dated ``date`` before the case's latest correction: corrections
    apply in date order, so an earlier one would be undone at once by the later one while
    its old value (the current one) says otherwise. Raises
    :class:`~ppks_cli.errors.Refused` (exit 6) naming the latest correction's date."""
    from ppks_cli.errors import Refused

    dates = [r.date for r in case.records if r.kind == "correction"]
    if dates and date < max(dates):
        raise Refused(
            "error.correction_backdated", date=date.isoformat(), latest=max(dates).isoformat()
        )


def correct(
    repo: Repository, case: Case, values: Mapping[str, Any], *, reason: str | None,
    worker: str, date: dt.date | None = None,
) -> Correction | None:  # fmt: skip
    """Write a correction of ``case`` (no commit): the fields of ``values`` that differ
    from its current data. None when nothing differs (nothing written). Raises
    :class:`InvalidInput` for an invalid value or a missing ``reason``,
    :class:`~ppks_cli.errors.Refused` for a ``date`` before the latest correction."""
    from ppks_cli.casework import _write

    changes = plan_changes(case, values)
    if not changes:
        return None
    if reason is None or not reason.strip():
        raise InvalidInput("error.missing_option", option="--reason")
    check_not_backdated(case, date or dt.date.today())
    return _write(repo, case, Correction, date=date, worker=worker, reason=reason,
                  changes=changes)  # fmt: skip


def edit_case(
    repo: Repository, case_ref: str, values: Mapping[str, Any], *, reason: str | None,
    worker: str, date: dt.date | None = None, options: WriteOptions | None = None,
) -> EditResult:  # fmt: skip
    """Correct the client's data of the case ``case_ref`` (any unique prefix of its ID)
    the whole way: hold the repository, read the case, write a correction record of the
    fields of ``values`` (field name, a key of :data:`ppks_cli.records.CORRECTABLE` →
    new value as :func:`parse_value` gives it, None: empty) that differ from the current
    data, and commit it (a message without personal data). Nothing is written when
    nothing differs (``EditResult.record`` is None). A birth date given without a birth
    year empties the estimated year, with a warning saying so. Raises :class:`InvalidInput` (exit
    3) for an invalid value, reason or date, :class:`~ppks_cli.errors.Refused` for a case
    that cannot be written to, with nothing written."""
    from ppks_cli.changes import WriteOptions, commit_message

    with (options or WriteOptions()).writer(repo) as writer:
        case = repo.find_case(case_ref)
        record = correct(repo, case, values, reason=reason, worker=worker, date=date)
        if record is not None:
            writer.commit(commit_message(case.id, "correction"), record.worker)
    warnings: list[Msg] = []
    if record is not None:
        warnings = [Msg(key, params) for _, key, params in case.client.warnings()]
        cleared = [c for c in record.changes if c.field == "birth_year" and c.new is None]
        if cleared and "birth_year" not in values:  # said, not done silently
            warnings.append(Msg("edit.birth_year_cleared", {"year": cleared[0].old}))
        nik = next((c.new for c in record.changes if c.field == "nik" and c.new), None)
        others = cases_with_nik(repo, nik, but=case.id) if nik else []
        if others:  # as new-case's duplicate check: said, not refused (merge decides)
            warnings.append(
                Msg("edit.nik_elsewhere", {"cases": ", ".join(others), "case": case.id})
            )
    return EditResult(case, record, warnings)


def cases_with_nik(repo: Repository, nik: str, *, but: str) -> list[str]:
    """The IDs of the readable cases (other than ``but``) whose client's current NIK is
    ``nik``, sorted, from the index (brought up to date first)."""
    from ppks_cli import index

    with index.opened(repo) as (conn, _done):
        rows = conn.execute(
            "SELECT id FROM cases WHERE nik = ? AND id != ? AND problem IS NULL ORDER BY id",
            (nik, but),
        ).fetchall()
    return [case_id for (case_id,) in rows]


# --- the editor --------------------------------------------------------------------------

EDITOR_FIELDS = tuple(CORRECTABLE)


def editor_text(case: Case) -> str:
    """The TOML snippet ``ppks edit`` opens in ``$EDITOR``: every correctable field with
    its current value (an empty one commented out), a ``reason`` line, and comments that
    say how. (After a save that fails, the command puts the problem on top of what was
    typed, as comments.)"""
    from ppks_cli.i18n import t
    from ppks_cli.tomlio import dumps

    lines = [f"# {line}" for line in t("edit.editor_help", case=case.id).splitlines()]
    lines.append("")
    lines.append('reason = ""')
    lines.append("")
    from ppks_cli.models import EDUCATION_LEVELS, MARITAL_STATUSES, RELIGIONS, SEXES, SOURCES

    choices = {"sex": SEXES, "religion": RELIGIONS, "marital_status": MARITAL_STATUSES,
               "education": EDUCATION_LEVELS, "source": SOURCES}  # fmt: skip
    current = case.current
    for name in EDITOR_FIELDS:
        value = field_value(current, name)
        line = f'# {name} = ""' if value is None else dumps({name: value}).strip()
        if name in choices:
            line += "  # " + ", ".join(choices[name])
        lines.append(line)
    return "\n".join(lines) + "\n"


def _editor_type_fits(name: str, value: Any) -> bool:
    """Whether ``value`` (as TOML read it) can be the field ``name`` typed in the editor:
    text always; a whole number for the birth year and for the digits of a NIK or KK
    number typed without quotes; a date (without a time) for the birth date. A table, a
    list, a boolean, a fraction or a time never."""
    if isinstance(value, str):
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return name in ("birth_year", "nik", "kk_number")
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return name in ("birth_date", "intake_date")
    return False


@dataclass
class EditorAnswer:
    """What a worker saved in the editor: the field values (field name → text, an
    emptied or removed field: ``-``) and the reason (None when not given)."""

    values: dict[str, str]
    reason: str | None


def read_editor_text(case: Case, text: str) -> EditorAnswer | None:
    """Parse what was saved in the editor (see :func:`editor_text`). Every field is
    given as text again (a date or a year as written), so that :func:`parse_value`
    checks it by the same rules as a flag; a field that was taken out (or commented
    out) empties it. None for a text with no value at all (emptied: abandoned). Raises
    :class:`InvalidInput` for text that is not TOML or a key that is no field."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        from ppks_cli.tomlio import toml_error_line, toml_error_reason

        message = str(exc)
        reason = toml_error_reason(message.split(" (at ")[0])
        raise InvalidInput(
            "error.edit_not_toml", detail=reason, line=toml_error_line(message, text)
        ) from None
    if not data:
        return None
    reason = data.pop("reason", None)
    if reason is not None and not isinstance(reason, str):
        wrong = Msg("validation.wrong_type", {"field": "reason", "expected": Msg("type.str")})
        raise InvalidInput("error.invalid_option", option="reason", detail=wrong)
    unknown = [k for k in data if k not in CORRECTABLE]
    if unknown:
        raise InvalidInput(
            "error.edit_unknown_field", field=unknown[0], expected=", ".join(EDITOR_FIELDS)
        )
    values: dict[str, str] = {}
    for name in EDITOR_FIELDS:
        if name in data:
            value = data[name]
            if not _editor_type_fits(name, value):
                expected = Msg("type.int" if name == "birth_year" else
                               "type.date" if name == "birth_date" else "type.str")  # fmt: skip
                wrong = Msg("validation.wrong_type", {"field": name, "expected": expected})
                raise InvalidInput("error.invalid_option", option=name, detail=wrong)
            values[name] = value.isoformat() if isinstance(value, dt.date) else str(value)
        elif field_value(case.current, name) is not None:
            values[name] = "-"  # taken out: emptied
    current = case.current
    if (
        data.get("birth_date") not in (None, current.client.birth_date)
        and data.get("birth_year") == current.client.birth_year
    ):  # a new birth date, the estimated year left as it was: as --birth-date alone
        values.pop("birth_year", None)
    return EditorAnswer(values, reason.strip() if reason and reason.strip() else None)

"""Validation problems as data: ``file:line: message`` reports for ``ppks check`` and
for the errors raised when a damaged file is read."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ppks_cli.errors import DamagedFile
from ppks_cli.i18n import Msg
from ppks_cli.problems import Problem, Severity
from ppks_cli.tomlio import KeyLocator

__all__ = ["Problem", "Severity", "build", "describe", "validate", "validate_or_raise"]

M = TypeVar("M", bound=BaseModel)


# pydantic error types that mean "this value has the wrong type", and the name of the
# type that was expected (a key of the ``type`` section of the catalog)
_TYPE_ERRORS = {
    "int_type": "int", "int_parsing": "int", "int_from_float": "int",
    "float_type": "float", "string_type": "str", "bool_type": "bool",
    "date_type": "date", "date_parsing": "date", "date_from_datetime_inexact": "date",
    "date_from_datetime_parsing": "date", "datetime_type": "datetime",
    "datetime_parsing": "datetime", "list_type": "list", "dict_type": "table",
    "model_type": "table", "model_attributes_type": "table",
}  # fmt: skip


# pydantic's bounds, as the catalog words them
_LIMITS = {
    "greater_than_equal": "at_least", "less_than_equal": "at_most",
    "greater_than": "above", "less_than": "below",
}  # fmt: skip


def _field_name(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part + 1}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts) or "-"


def describe(exc: ValidationError) -> list[tuple[tuple[Any, ...], Msg]]:
    """Each error of ``exc`` as ``(location, message)``, translated through the catalog."""
    found: list[tuple[tuple[Any, ...], Msg]] = []
    for error in exc.errors(include_url=False):
        loc = tuple(part for part in error["loc"] if not _is_union_tag(part))
        kind = error["type"]
        ctx = dict(error.get("ctx") or {})
        name = _field_name(loc)
        if kind == "missing":
            msg = Msg("validation.missing", {"field": name})
        elif kind == "extra_forbidden":
            msg = Msg("validation.unknown_key", {"field": name})
        elif kind in ("literal_error", "enum"):
            # pydantic's "'a', 'b' or 'c'" is English: the values alone, comma-separated
            values = re.findall(r"'((?:[^'\\]|\\.)*)'", str(ctx.get("expected", "")))
            expected = ", ".join(values) or str(ctx.get("expected", ""))
            msg = Msg("validation.choice",
                      {"field": name, "value": error.get("input"), "expected": expected})
        elif kind in _TYPE_ERRORS:
            msg = Msg(
                "validation.wrong_type",
                {"field": name, "expected": Msg(f"type.{_TYPE_ERRORS[kind]}")},
            )
        elif kind == "string_too_short":
            msg = Msg("validation.empty", {"field": name})
        elif kind in _LIMITS:
            limit = next(iter(v for k, v in ctx.items() if k in ("ge", "le", "gt", "lt")), "")
            msg = Msg(f"validation.{_LIMITS[kind]}", {"field": name, "limit": limit})
        elif kind in ("string_too_long", "too_long"):
            limit = ctx.get("max_length", "")
            msg = Msg("validation.max_length", {"field": name, "limit": limit})
        elif kind == "string_pattern_mismatch":
            msg = Msg("validation.pattern", {"field": name, "value": error.get("input")})
        elif kind.startswith("validation."):
            msg = Msg("validation.field", {"field": name, "detail": Msg(kind, ctx)})
        else:
            msg = Msg("validation.other", {"field": name, "detail": error["msg"]})
        found.append((loc, msg))
    return found


def _is_union_tag(part: Any) -> bool:
    # pydantic puts the chosen member of a tagged union into the location; users
    # never see that level in their files
    return isinstance(part, str) and part.startswith("tagged-union[")


def validate(
    model: type[M], data: dict[str, Any], text: str, file: str
) -> tuple[M | None, list[Problem]]:
    """Validate ``data`` (parsed from ``text``) as ``model``; problems point at lines.

    A file written by a newer ppks (a ``schema`` above :data:`models.SCHEMA_VERSION`) is
    one problem, "upgrade ppks", and is never half-read."""
    from ppks_cli.models import SCHEMA_VERSION, VersionedFile

    found = data.get("schema")
    if issubclass(model, VersionedFile) and type(found) is int and found > SCHEMA_VERSION:
        line = KeyLocator(text).line(("schema",))
        detail = Msg("validation.schema_newer", found=found, supported=SCHEMA_VERSION)
        return None, [Problem(file, line, Msg("validation.field", field="schema", detail=detail))]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        locator = KeyLocator(text)
        return None, [Problem(file, locator.line(loc), msg) for loc, msg in describe(exc)]


def build(model: type[M], option: str | dict[str, str], /, **fields: Any) -> M:
    """``model(**fields)`` for a value typed by a user; a validation error becomes one
    :class:`InvalidInput` naming the option it came from (``option``, or the option of
    the failing field in a ``{field: option}`` mapping)."""
    from ppks_cli.errors import InvalidInput

    try:
        return model(**fields)
    except ValidationError as exc:
        loc, msg = describe(exc)[0]
        if isinstance(option, dict):
            option = option.get(str(loc[0]) if loc else "", next(iter(option.values())))
        raise InvalidInput("error.invalid_option", option=option, detail=msg) from None


def validate_or_raise(model: type[M], data: dict[str, Any], text: str, file: str) -> M:
    """Like :func:`validate`, but the first problem becomes a :class:`DamagedFile`."""
    result, problems = validate(model, data, text, file)
    if result is None:
        first = problems[0]
        raise DamagedFile("error.damaged", file=first.file, line=first.line, detail=first.message)
    return result

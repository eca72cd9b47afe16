"""The one place the Jinja environment for letters is built.

- A :class:`SandboxedEnvironment`: an office's own template cannot reach into Python.
- :class:`MissingValue` (a ``StrictUndefined``): a value the letter needs but the case or
  ``ppks.toml`` does not have is an error naming the field and the template, never a
  blank in an official letter.
- :class:`ConfinedLoader`: templates come only from the repository's ``templates/`` and
  the built-in folder; a name or link that leads outside them is refused.
- Every ``{{ value }}`` is escaped for the output format by ``finalize``, so a client
  named ``*tebal* #read(...)`` prints exactly so. Template authors cannot forget it.
- Filters for Indonesian dates and numbers in words, registered here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, TemplateNotFound, UndefinedError
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import missing

from ppks_cli.dates import MONTHS_ID, day_name, long_date
from ppks_cli.terbilang import terbilang

FORMATS = ("md", "typ")


class Raw(str):
    """Text that is already in the output format and must not be escaped again."""


class Fields(dict):
    """A dict that knows its dotted path in the letter data, for error messages."""

    def __init__(self, path: str, data: dict[str, Any]) -> None:
        super().__init__()
        self.path = path
        for key, value in data.items():
            self[key] = wrap(f"{path}.{key}" if path else key, value)


def wrap(path: str, value: Any) -> Any:
    if isinstance(value, Fields):
        return value
    if isinstance(value, dict):
        return Fields(path, value)
    if isinstance(value, list | tuple):
        return [wrap(f"{path}[{i + 1}]", v) for i, v in enumerate(value)]
    return value


class MissingField(UndefinedError):
    """Raised when a template uses a value the letter data does not have; its message is
    the dotted path of the value (``signatories.head.nip``)."""


class MissingValue(StrictUndefined):
    """A value the template asks for and the data does not have."""

    __slots__ = ()

    def __init__(self, hint=None, obj=missing, name=None, exc=MissingField) -> None:
        super().__init__(hint, obj, name, MissingField)

    @property
    def _undefined_message(self) -> str:
        owner, name = self._undefined_obj, self._undefined_name
        if isinstance(owner, Fields) and owner.path:
            return f"{owner.path}.{name}"
        if self._undefined_hint:
            return self._undefined_hint
        return str(name)


class ConfinedLoader(BaseLoader):
    """Loads ``NAME`` from the first of ``roots`` that has it, and refuses any name or
    symbolic link that resolves outside the root it was found in."""

    def __init__(self, roots: Iterable[Path]) -> None:
        self.roots = [Path(r) for r in roots]
        self.loaded: dict[str, str] = {}  # name → source, for the checksum

    def find(self, template: str) -> Path | None:
        pieces = split_template_path(template)  # refuses "..", absolute names
        for root in self.roots:
            candidate = root.joinpath(*pieces)
            if not candidate.is_file():
                continue
            resolved = candidate.resolve()
            if not resolved.is_relative_to(root.resolve()):
                raise TemplateNotFound(template)
            return candidate
        return None

    def get_source(self, environment, template: str):
        path = self.find(template)
        if path is None:
            raise TemplateNotFound(template)
        source = path.read_text(encoding="utf-8")
        self.loaded[template] = source
        mtime = path.stat().st_mtime
        return source, str(path), lambda: path.is_file() and path.stat().st_mtime == mtime

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        for root in self.roots:
            if root.is_dir():
                names.update(p.name for p in root.iterdir() if p.suffix == ".j2")
        return sorted(names)

    def checksum(self) -> str:
        """sha256 over every template loaded so far (a letter and what it extends)."""
        digest = hashlib.sha256()
        for name in sorted(self.loaded):
            digest.update(name.encode() + b"\0" + self.loaded[name].encode() + b"\0")
        return digest.hexdigest()


# --- escaping --------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$&{}!])")
_MD_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+[.)])", re.MULTILINE)


def escape_markdown(text: str) -> str:
    """Backslash-escape what CommonMark would read as formatting, HTML or a list."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    escaped = _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
    return escaped.replace("\n", "  \n")  # keep the writer's line breaks


def typst_string(text: str) -> str:
    """A Typst string literal holding ``text``."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "")
    return f'"{body}"'


def escape_typst(text: str) -> str:
    """Text as a Typst string shown in markup: nothing in it is markup or code. The
    semicolon ends the embedded expression, so any character may follow."""
    return f"#{typst_string(text)};"


ESCAPERS: dict[str, Callable[[str], str]] = {"md": escape_markdown, "typ": escape_typst}


def _as_text(value: Any) -> str:
    if isinstance(value, dt.date):
        return long_date(value)
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    return str(value)


# --- filters ---------------------------------------------------------------------------


def _date_filter(value: dt.date) -> str:
    return long_date(value)


def _month_filter(value: dt.date) -> str:
    return MONTHS_ID[value.month - 1]


def _words_filter(value: int | str) -> str:
    return terbilang(int(value))


def build_environment(roots: Iterable[Path], fmt: str) -> SandboxedEnvironment:
    """The Jinja environment for letters in ``fmt`` (``md`` or ``typ``)."""
    escape = ESCAPERS[fmt]

    def finalize(value: Any) -> Any:
        if isinstance(value, Raw):
            return value
        return escape(_as_text(value))

    env = SandboxedEnvironment(
        loader=ConfinedLoader(roots),
        undefined=MissingValue,
        finalize=finalize,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        tanggal=_date_filter,  # 30 Juni 2024
        hari=day_name,  # Minggu
        bulan=_month_filter,  # Juni
        terbilang=_words_filter,  # dua ribu dua puluh empat
        typst_str=lambda v: Raw(typst_string(_as_text(v))),  # a string in Typst code
    )
    return env

"""Message catalogs: every user-facing string, one TOML catalog per language.

Keys are dotted (``error.no_repository``); values are ``str.format`` templates. The
language is Bahasa Indonesia unless the command line chooses another one with
:func:`set_language`.
"""

from __future__ import annotations

import tomllib
from functools import cache
from typing import Any

from ppks_cli import paths

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"

_current = DEFAULT_LANGUAGE


def normalize_language(value: str | None) -> str | None:
    """Map ``id``/``ID``/``id_ID.UTF-8``/``en``/``EN`` to a supported code, else None."""
    if not value:
        return None
    code = value.strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    return code if code in LANGUAGES else None


def set_language(lang: str) -> None:
    global _current
    code = normalize_language(lang)
    if code is None:
        raise ValueError(f"unsupported language: {lang!r}")
    _current = code


def get_language() -> str:
    return _current


@cache
def catalog(lang: str) -> dict[str, str]:
    """The flattened catalog of one language."""
    with paths.package_file("messages", f"{lang}.toml").open("rb") as fh:
        data = tomllib.load(fh)
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for key, value in node.items():
            full = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(full + ".", value)
            else:
                flat[full] = value

    walk("", data)
    return flat


def t(key: str, /, **params: Any) -> str:
    """The message ``key`` in the current language, filled with ``params``.

    A key missing from a non-default catalog falls back to Indonesian; a key missing
    everywhere is a bug and raises KeyError.
    """
    text = catalog(_current).get(key)
    if text is None:
        text = catalog(DEFAULT_LANGUAGE)[key]
    return text.format(**params)


def template(key: str, /) -> str:
    """The message ``key`` in the current language, unfilled (its ``{placeholders}``
    left for the caller), with the same fallback as :func:`t`."""
    text = catalog(_current).get(key)
    return text if text is not None else catalog(DEFAULT_LANGUAGE)[key]


class Msg:
    """A message to be rendered later, in whatever language is current then. It can be
    a parameter of another message (``t("error.damaged", detail=Msg(...))``)."""

    __slots__ = ("key", "params")

    def __init__(self, key: str, params: dict[str, Any] | None = None, /, **more: Any) -> None:
        self.key = key
        self.params = {**(params or {}), **more}

    def __str__(self) -> str:
        return t(self.key, **self.params)

    def __repr__(self) -> str:
        return f"Msg({self.key!r}, {self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Msg) and (self.key, self.params) == (other.key, other.params)

    __hash__ = None  # type: ignore[assignment]


def label(group: str, value: str) -> str:
    """The display name of an enumerated value, e.g. ``label("stage", "intake")``."""
    return t(f"{group}.{value}")


def choose_language(explicit: str | None = None, root: str | None = None) -> str:
    """The interface language: ``--lang``, else ``$PPKS_LANG``, else the repository's
    ``[defaults] language``, else Indonesian. A damaged ``ppks.toml`` is ignored here;
    the command that needs it reports it."""
    import os

    for candidate in (explicit, os.environ.get("PPKS_LANG")):
        code = normalize_language(candidate)
        if code:
            return code
    from ppks_cli.errors import PpksError

    try:
        found = paths.find_root(root)
    except PpksError:  # the command reports it
        found = None
    if found is not None:
        try:
            with (found / paths.CONFIG_FILE).open("rb") as fh:
                code = normalize_language(str(tomllib.load(fh).get("defaults", {}).get("language")))
        except (OSError, ValueError, RecursionError, AttributeError):
            code = None
        if code:
            return code
    return DEFAULT_LANGUAGE

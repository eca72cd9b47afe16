"""Message catalogs: every user-facing string, one TOML catalog per language.

Keys are dotted (``error.no_repository``); values are ``str.format`` templates. The
language is Bahasa Indonesia unless the command line chooses another one with
:func:`set_language`.

A number that names a count takes its noun with it in a *plural field*: the format spec
lists the forms, ``one|other`` in CLDR's order, and the language's plural rule picks one::

    summary = "{cases} {cases:case|cases} checked"      # en: 1 case, 2 cases, 0 cases
    summary = "{cases} kasus diperiksa"                 # id: no inflection

The rules are CLDR's (English: ``one`` for exactly 1, else ``other``; Indonesian: always
``other``): two lines of code, where Babel would add a dependency and its locale data to
every start-up for the same answer.
"""

from __future__ import annotations

import string
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
def _load(lang: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """One language's catalog, flattened to dotted keys: the messages (strings) and the
    word lists (TOML arrays of strings, such as ``[synonyms.risk] high = [...]``).

    Reading the TOML of a catalog took a third of ppks's start-up: the flattened catalog
    is kept in the user's cache (:func:`ppks_cli.paths.user_cache_dir`, Python's
    ``marshal`` format: plain strings, checked when read), under ppks's version and the
    stat data of the catalog file, and read from there while the file is the same."""
    import os

    from ppks_cli import __version__

    source = paths.package_file("messages", f"{lang}.toml")
    st = os.stat(source)
    folder = paths.user_cache_dir("catalogs")
    key = f"{lang}-{__version__}-{st.st_size}-{st.st_mtime_ns}-{st.st_ino}"
    cached = folder / f"{key}.marshal" if folder is not None else None
    found = _read_cached(cached) if cached is not None else None
    if found is not None:
        return found
    import tomllib

    data = tomllib.loads(source.read_text(encoding="utf-8"))
    flat: dict[str, str] = {}
    lists: dict[str, tuple[str, ...]] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for key, value in node.items():
            full = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(full + ".", value)
            elif isinstance(value, list):
                lists[full] = tuple(str(item) for item in value)
            else:
                flat[full] = value

    walk("", data)
    if cached is not None:
        import marshal

        from ppks_cli.tomlio import atomic_write_bytes

        try:
            atomic_write_bytes(cached, marshal.dumps({"messages": flat, "lists": lists}))
        except Exception:  # noqa: BLE001 (a cache: best effort, WriteFailed included)
            pass
    return flat, lists


def _read_cached(path) -> tuple[dict[str, str], dict[str, tuple[str, ...]]] | None:
    """A catalog :func:`_load` kept, when it is there and whole (else None)."""
    import marshal

    try:
        data = marshal.loads(path.read_bytes())
        flat, lists = data["messages"], data["lists"]
    except (OSError, ValueError, EOFError, KeyError, TypeError):
        return None
    if not (isinstance(flat, dict) and isinstance(lists, dict)):
        return None
    if not all(isinstance(v, str) for v in flat.values()):
        return None
    if not all(isinstance(v, tuple) and all(isinstance(w, str) for w in v) for v in lists.values()):
        return None
    return flat, lists


def catalog(lang: str) -> dict[str, str]:
    """The flattened catalog of one language: every message (a string) by dotted key.
    Word lists are not messages; see :func:`word_lists`."""
    return _load(lang)[0]


def word_lists(lang: str) -> dict[str, tuple[str, ...]]:
    """The word lists of one language's catalog by dotted key, e.g.
    ``word_lists("id")["synonyms.risk.high"] == ("berat", ...)`` (the words staff use
    for a choice besides its code and label; see :mod:`ppks_cli.choices`)."""
    return _load(lang)[1]


def plural_category(count: int, lang: str) -> str:
    """CLDR's plural category of the whole number ``count`` in ``lang``: ``"one"`` or
    ``"other"`` (Indonesian has no plural inflection: always ``"other"``)."""
    if lang == "en" and count == 1:
        return "one"
    return "other"


class _PluralFormatter(string.Formatter):
    """``str.format`` plus plural fields: ``{n:case|cases}`` is the form of ``n``'s plural
    category (``one|other``; a single form serves every count)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if "|" not in format_spec:
            return super().format_field(value, format_spec)
        forms = format_spec.split("|")
        try:
            count = int(value)
        except (TypeError, ValueError):  # not a count after all: the general form
            return forms[-1]
        return forms[0] if plural_category(count, self.lang) == "one" else forms[-1]


_ARGUMENT_NAME = None  # re.Pattern of an argument's name (``KIND``, ``16-DIGITS``), compiled once


def argument_name(name: str, lang: str | None = None) -> str:
    """How an argument named by its code word (``KIND``, ``CASE``: the words of the
    ``metavar`` section, as ``--help`` shows them) is written in ``lang`` (default: the
    current language): ``JENIS``, ``KASUS``. An option (``--date``), or a word the
    catalog does not know, is returned as it is."""
    global _ARGUMENT_NAME
    if _ARGUMENT_NAME is None:
        import re

        _ARGUMENT_NAME = re.compile(r"[0-9A-Z]+(?:-[0-9A-Z]+)*")
    if not _ARGUMENT_NAME.fullmatch(name):
        return name
    return catalog(lang or _current).get(f"metavar.{name}", name)


def fill(text: str, lang: str, /, **params: Any) -> str:
    """``text`` (a catalog template) filled with ``params``, plural fields chosen by the
    plural rule of ``lang`` (a value that is no whole number takes the ``other`` form).
    An ``option`` parameter that names an argument by its code word (``KIND``) is written
    as ``--help`` writes it in ``lang`` (:func:`argument_name`)."""
    option = params.get("option")
    if isinstance(option, str):
        params["option"] = argument_name(option, lang)
    if "|" not in text:
        return text.format(**params)
    return _PluralFormatter(lang).format(text, **params)


def t(key: str, /, **params: Any) -> str:
    """The message ``key`` in the current language, filled with ``params``.

    A key missing from a non-default catalog falls back to Indonesian; a key missing
    everywhere is a bug and raises KeyError.
    """
    lang = _current
    text = catalog(lang).get(key)
    if text is None:
        lang = DEFAULT_LANGUAGE
        text = catalog(lang)[key]
    return fill(text, lang, **params)


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
        code = normalize_language(_repository_language(found / paths.CONFIG_FILE))
        if code:
            return code
    return DEFAULT_LANGUAGE


_DEFAULTS_TABLE = None


def _repository_language(config) -> str | None:
    """``[defaults] language`` of the ``ppks.toml`` at ``config`` (None when unset or the
    file cannot be read). The usual file, one plain ``language = "en"`` line in the
    ``[defaults]`` table, is read without parsing the whole TOML (start-up time); any
    other shape is parsed."""
    import re

    global _DEFAULTS_TABLE
    try:
        text = config.read_text(encoding="utf-8-sig")
    except (OSError, ValueError):
        return None
    if "language" not in text:
        return None
    if _DEFAULTS_TABLE is None:
        _DEFAULTS_TABLE = (
            re.compile(r"^\[defaults\][ \t]*(?:#[^\n]*)?\n(.*?)(?=^[ \t]*\[|\Z)", re.M | re.S),
            re.compile(r"^[ \t]*language[ \t]*=[ \t]*\"([a-zA-Z_.-]*)\"[ \t]*(?:#[^\n]*)?$", re.M),
            re.compile(r"^[^#\n]*\blanguage\b", re.M),
        )
    table, line, anywhere = _DEFAULTS_TABLE
    section = table.search(text)
    if section is not None and len(anywhere.findall(text)) == 1:
        found = line.findall(section.group(1))
        if len(found) == 1:
            return found[0]
    import tomllib

    try:
        value = tomllib.loads(text).get("defaults", {}).get("language")
    except (ValueError, RecursionError, AttributeError):
        return None
    return value if isinstance(value, str) else None

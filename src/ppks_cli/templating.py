"""The one place the Jinja environment for letters is built.

- A sandbox (:class:`BoundedEnvironment`, an ``ImmutableSandboxedEnvironment``): an
  office's own template cannot reach into Python nor change the data it is given.
- :class:`MissingValue` (a ``StrictUndefined``): a value the letter needs but the case or
  ``ppks.toml`` does not have is an error naming the field and the template, never a
  blank in an official letter.
- :class:`ConfinedLoader`: templates come only from the repository's ``templates/`` and
  the built-in folder, and only as regular files: a name that leads outside them, or a
  symbolic link anywhere on the way, is refused.
- Rendering is bounded: ``*``, ``**`` and ``%`` are intercepted (:data:`MAX_SIZE`), ``range``
  and every loop over it share one budget (:data:`MAX_STEPS`), calls with huge numbers
  are refused, the output may not exceed :data:`MAX_OUTPUT` characters, and
  :func:`render_bounded` stops a render that takes longer than :data:`MAX_SECONDS`.
- Bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C) in data are
  removed from every printed value, so data cannot reorder the letter's text.
- Every ``{{ value }}`` is escaped for the output format by ``finalize``, so a client
  named ``*tebal* #read(...)`` prints exactly so. Template authors cannot forget it.
- Filters for Indonesian dates and numbers in words, registered here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, TemplateNotFound, UndefinedError
from jinja2.compiler import CodeGenerator
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing

from ppks_cli.dates import day_name, long_date, month_name
from ppks_cli.errors import InvalidInput, Refused
from ppks_cli.terbilang import terbilang

FORMATS = ("md", "typ")

MAX_SIZE = 100_000  # characters or items one expression may build
MAX_NUMBER_BITS = 256  # an integer a template computes (10**77 fits; 10**9**9 does not)
MAX_ARGUMENT = 10_000  # an integer handed to a method or filter (a width, a count)
MAX_STEPS = 200_000  # loop steps over range() in one render
MAX_OUTPUT = 1_000_000  # characters of one rendered letter
MAX_SECONDS = 10.0  # wall time of one render

# bidirectional embeddings, overrides, isolates and marks, and the control characters
# (C0 but tab and newline, DEL, C1): removed from printed data
BIDI_CONTROLS = dict.fromkeys(
    [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A),
     *(c for c in range(0x20) if c not in (0x09, 0x0A)), *range(0x7F, 0xA0)]
)  # fmt: skip


def strip_bidi(text: str) -> str:
    """``text`` without bidirectional and other control characters (see
    :data:`BIDI_CONTROLS`): a letter never carries a character that reorders or hides
    text, or that a terminal would act on."""
    return text.translate(BIDI_CONTROLS)


class TemplateLimit(Exception):
    """A template went beyond a rendering bound; ``key`` is the catalog key saying which."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


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

    def __init__(self, hint=None, obj=missing, name=None, exc=UndefinedError) -> None:
        # the sandbox reports an unsafe attribute as an undefined value raising
        # SecurityError: that stays a SecurityError ("unsafe template"), never "missing"
        super().__init__(hint, obj, name, MissingField if exc is UndefinedError else exc)

    @property
    def _undefined_message(self) -> str:
        owner, name = self._undefined_obj, self._undefined_name
        if isinstance(owner, Fields) and owner.path:
            return f"{owner.path}.{name}"
        if self._undefined_hint:
            return self._undefined_hint
        return str(name)


class ConfinedLoader(BaseLoader):
    """Loads ``NAME`` from the first of ``roots`` that has it. Each root is a pair
    ``(folder, base)``: the template must be a regular file inside ``folder``, and no
    path component from ``base`` down to the file (``folder`` itself included) may be a
    symbolic link. Raises :class:`Refused` (``error.template_refused``) for a link or a
    file that is not regular, :class:`InvalidInput` (``error.template_not_utf8``) for a
    file that is not UTF-8, and ``TemplateNotFound`` when no root has ``NAME``."""

    def __init__(self, roots: Iterable[tuple[Path, Path] | Path]) -> None:
        self.roots = [(Path(r), Path(r)) if isinstance(r, str | Path) else (Path(r[0]), Path(r[1]))
                      for r in roots]  # fmt: skip
        self.loaded: dict[str, str] = {}  # name → source, for the checksum

    def find(self, template: str) -> Path | None:
        pieces = split_template_path(template)  # refuses "..", absolute names
        for folder, base in self.roots:
            candidate = folder.joinpath(*pieces)
            try:
                rel = Path(os.path.normpath(candidate)).relative_to(os.path.normpath(base))
            except ValueError:
                raise Refused("error.template_refused", template=template) from None
            node = Path(os.path.normpath(base))
            found = True
            for part in rel.parts:
                node = node / part
                try:
                    mode = node.lstat().st_mode
                except OSError:
                    found = False
                    break
                if stat.S_ISLNK(mode):
                    raise Refused("error.template_refused", template=template)
            if not found:
                continue
            if not stat.S_ISREG(mode):
                if stat.S_ISDIR(mode):
                    continue
                raise Refused("error.template_refused", template=template)
            return candidate
        return None

    def get_source(self, environment, template: str):
        path = self.find(template)
        if path is None:
            raise TemplateNotFound(template)
        try:  # the last component was checked; O_NOFOLLOW keeps it so until the read
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, "rb") as handle:
                raw = handle.read()
        except OSError:
            raise Refused("error.template_refused", template=template) from None
        try:
            source = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise InvalidInput("error.template_not_utf8", template=template, line=line) from None
        self.loaded[template] = source
        return source, str(path), lambda: True  # one environment per render

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        for folder, _ in self.roots:
            if folder.is_dir():
                names.update(p.name for p in folder.iterdir() if p.suffix == ".j2")
        return sorted(names)

    def checksum(self) -> str:
        """sha256 over every template loaded so far (a letter and what it extends)."""
        digest = hashlib.sha256()
        for name in sorted(self.loaded):
            digest.update(name.encode() + b"\0" + self.loaded[name].encode() + b"\0")
        return digest.hexdigest()


# --- escaping --------------------------------------------------------------------------

# Anywhere in a line: backslash, code spans, emphasis, links and images, HTML and
# autolinks, table cells (a GFM table's pipe), and an entity or character reference.
_MD_SPECIAL = re.compile(r"([\\`*_\[<|])|&(?=#?[0-9A-Za-z]+;)")
# At the start of a line: a heading, a block quote, a list item (its punctuation is escaped:
# "1\. ", never "\1. "), a thematic break or setext underline, a code fence.
_MD_LINE_START = re.compile(r"^([ \t]*)(?:([0-9]{1,9})([.)])|([-+=>#~]))", re.MULTILINE)
# Leading blanks of a line: Markdown drops them, and four of them start a code block.
_MD_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, digits, punct, mark = match.groups()
    if digits is not None:
        return f"{indent}{digits}\\{punct}"
    return f"{indent}\\{mark}"


def escape_markdown(text: str) -> str:
    """Backslash-escape what CommonMark (and a GFM table) would read as formatting, HTML, a
    link, an entity or a block, and nothing else, so the Markdown stays readable as
    text: ``*`` becomes ``\\*``, a line starting ``1.`` becomes ``1\\.``, ``$`` or ``!``
    stay as they are. The writer's line breaks are kept (as hard breaks); blanks at the
    start of a line, which Markdown would drop or read as code, are removed."""
    return finish_markdown(_escape_markdown_marked(text))


def _escape_markdown_marked(text: str) -> str:
    """:func:`escape_markdown` with the writer's line breaks marked (:data:`_MD_BREAK`)
    until :func:`finish_markdown` sees the line of the letter they end up in."""
    text = _MD_INDENT.sub("", text.replace(_MD_BREAK, ""))
    escaped = _MD_SPECIAL.sub(lambda m: "\\" + (m.group(1) or "&"), text)
    escaped = _MD_LINE_START.sub(_escape_line_start, escaped)
    return escaped.replace("\n", _MD_BREAK)


# A line break inside a value, until the rendered letter is finished: a hard break in
# running text, ``<br>`` inside a GFM table row (a row is one line: a break would end the
# table). A private-use character, removed from the data first.
_MD_BREAK = "\ue000"


def finish_markdown(text: str) -> str:
    """A rendered Markdown letter with the line breaks of its values made: ``<br>`` in a
    table row (a line starting with ``|``), else a hard break (two spaces, newline)."""
    lines = []
    for line in text.split("\n"):
        if _MD_BREAK in line:
            cut = "<br>" if line.lstrip().startswith("|") else "  \n"
            line = line.replace(_MD_BREAK, cut)
        lines.append(line)
    return "\n".join(lines)


def typst_string(text: str) -> str:
    """A Typst string literal holding ``text``."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "")
    return f'"{body}"'


def escape_typst(text: str) -> str:
    """Text as a Typst string shown in markup: nothing in it is markup or code. The
    semicolon ends the embedded expression, so any character may follow."""
    return f"#{typst_string(text)};"


ESCAPERS: dict[str, Callable[[str], str]] = {"md": _escape_markdown_marked, "typ": escape_typst}


def _as_text(value: Any) -> str:
    if isinstance(value, dt.date):
        text = long_date(value, "id")  # letters are Indonesian documents
    elif isinstance(value, bool):
        text = "ya" if value else "tidak"
    else:
        text = str(value)
    return strip_bidi(text)


# --- filters ---------------------------------------------------------------------------


def _date_filter(value: dt.date) -> str:
    return long_date(value, "id")


def _day_filter(value: dt.date) -> str:
    return day_name(value, "id")


def _month_filter(value: dt.date) -> str:
    return month_name(value.month, "id")


def _sentence_filter(value: Any) -> str:
    """``value`` as the end of a sentence: a full stop added unless it already ends in
    one (or in ``!``, ``?``, ``…``), so that "alasan: {{ x|titik }}" never prints ".."."""
    text = _as_text(value).rstrip()
    return text if not text or text[-1] in ".!?…" else text + "."


def _words_filter(value: int | str) -> str:
    number = int(value)
    if abs(number) >= 10**15:  # beyond "ribu triliun": not an amount a letter spells
        raise TemplateLimit("letters.limit_number")
    return terbilang(number)


# --- bounds ----------------------------------------------------------------------------


def _size(value: Any) -> int | None:
    """Characters or items in ``value`` and, for a list, in the strings it holds."""
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, list | tuple):
        return len(value) + sum(len(v) for v in value if isinstance(v, str | bytes))
    return None


def _check_size(*values: Any) -> None:
    if sum(_size(v) or 0 for v in values) > MAX_SIZE:
        raise TemplateLimit("letters.limit_size")


def _check_growth(name: str, value: Any, given: list[Any]) -> None:
    """Refuse a ``replace`` or ``indent`` whose result would pass :data:`MAX_SIZE`."""
    if not isinstance(value, str):
        return
    if name in ("replace", "do_replace") and len(given) >= 2:
        old, new = str(given[0]), str(given[1])
        hits = len(value) + 1 if old == "" else value.count(old)
        if len(value) + hits * len(new) > MAX_SIZE:
            raise TemplateLimit("letters.limit_size")
    if name == "do_indent":
        width = given[0] if given and isinstance(given[0], int | str) else 4
        lines = value.count("\n") + 1
        if len(value) + lines * (width if isinstance(width, int) else len(width)) > MAX_SIZE:
            raise TemplateLimit("letters.limit_size")


def _check_number(value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_NUMBER_BITS:
            raise TemplateLimit("letters.limit_number")


def _check_arguments(args: Iterable[Any]) -> None:
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_ARGUMENT:
            raise TemplateLimit("letters.limit_number")


_PERCENT_WIDTH = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(\*|\d*)(?:\.(\*|\d*))?")
_FORMAT_WIDTH = re.compile(r"\{[^{}]*:[^{}\d]*\d{5,}[^{}]*\}")  # {:>99999}
_NESTED_SPEC = re.compile(r"\{[^{}]*:[^{}]*\{")  # a width given as an argument: {:{w}}


def _check_format(text: Any) -> None:
    """Refuse ``%`` or ``{}`` format specifications with a width beyond the bound, or a
    width taken from an argument (``%*d``, ``{:{w}}``)."""
    if not isinstance(text, str):
        return
    for width, precision in _PERCENT_WIDTH.findall(text):
        if "*" in (width, precision):
            raise TemplateLimit("letters.limit_size")
        if int(width or 0) > MAX_ARGUMENT or int(precision or 0) > MAX_ARGUMENT:
            raise TemplateLimit("letters.limit_size")
    if _FORMAT_WIDTH.search(text) or _NESTED_SPEC.search(text):
        raise TemplateLimit("letters.limit_size")


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to a join that refuses to build more than :data:`MAX_SIZE`."""

    def visit_Concat(self, node, frame) -> None:  # noqa: N802
        self.write("environment.bounded_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


# methods and filters whose integer arguments are widths or counts (the size they build)
_SIZED = {"center", "ljust", "rjust", "zfill", "expandtabs", "do_center", "do_indent",
          "do_wordwrap", "do_truncate", "do_batch", "do_slice"}  # fmt: skip
_JOINING = {"format", "format_map", "replace", "join", "do_format", "do_replace", "do_join",
            "sync_do_join", "do_wordwrap", "do_indent"}  # fmt: skip


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, with every way of building something huge cut short
    (:class:`TemplateLimit`)."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+", "//"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.steps = 0
        self.globals["range"] = self.bounded_range
        self.globals.pop("lipsum", None)
        for name, function in list(self.filters.items()):
            self.filters[name] = _bounded_filter(function)

    def bounded_join(self, parts: tuple) -> str:
        """``str.join`` of the parts of a ``~`` expression, bounded."""
        texts = [str(p) for p in parts]
        _check_size(*texts)
        return "".join(texts)

    def bounded_range(self, *args: int) -> Iterable[int]:
        """``range``, with at most :data:`MAX_SIZE` numbers, every step counted."""
        _check_arguments(args)
        numbers = range(*args)
        if len(numbers) > MAX_SIZE:
            raise TemplateLimit("letters.limit_size")
        return self._count(numbers)

    def _count(self, numbers: range):
        for number in numbers:
            self.steps += 1
            if self.steps > MAX_STEPS:
                raise TemplateLimit("letters.limit_time")
            yield number

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """The sandbox's ``str.format``, refusing huge widths and huge results."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        _check_format(value.__self__)

        def bounded(*args: Any, **kwargs: Any) -> str:
            _check_size(value.__self__, *args, *kwargs.values())
            result = wrapped(*args, **kwargs)
            _check_size(result)
            return result

        return bounded

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if _size(seq) is not None and isinstance(times, int):
                    if (_size(seq) or 0) * max(times, 0) > MAX_SIZE:
                        raise TemplateLimit("letters.limit_size")
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0:
                if max(abs(left).bit_length(), 1) * right > MAX_NUMBER_BITS * 4:
                    raise TemplateLimit("letters.limit_number")
        elif operator == "%":
            _check_format(left)
        elif operator == "+":
            _check_size(left, right)
        result = super().call_binop(context, operator, left, right)
        _check_number(result)
        _check_size(result)
        return result

    def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        name = getattr(__obj, "__name__", "")
        if name in _SIZED:
            _check_arguments([*args, *kwargs.values()])
        if name in _JOINING:
            owner = getattr(__obj, "__self__", None)
            _check_size(owner, *args, *kwargs.values())
            _check_growth(name, owner, [*args, *kwargs.values()])
        result = super().call(__context, __obj, *args, **kwargs)
        _check_size(result)
        return result


def _bounded_filter(function: Callable) -> Callable:
    """``function`` (a Jinja filter) refusing huge widths and counts, and huge results."""
    import functools

    from jinja2 import Environment
    from jinja2.nodes import EvalContext
    from jinja2.runtime import Context

    name = getattr(function, "__name__", "")

    @functools.wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        values = [a for a in args if not isinstance(a, Environment | EvalContext | Context)]
        given = [*values[1:], *kwargs.values()]
        if name in _SIZED:
            _check_arguments(given)
        if name == "do_format":
            _check_format(values[0] if values else None)
        if name in _JOINING:
            _check_size(*values, *kwargs.values())
            _check_growth(name, values[0] if values else None, given)
        result = function(*args, **kwargs)
        _check_size(result)
        return result

    return bounded


def render_bounded(template, data: dict[str, Any]) -> str:
    """Render ``template`` with ``data``, stopping with :class:`TemplateLimit` when the
    output passes :data:`MAX_OUTPUT` characters or the render takes longer than
    :data:`MAX_SECONDS` (measured with a timer signal in the main thread; elsewhere only
    the step and size bounds apply)."""
    import signal
    import threading

    env = template.environment
    if isinstance(env, BoundedEnvironment):
        env.steps = 0
    timed = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")

    def on_alarm(signum, frame):
        raise TemplateLimit("letters.limit_time")

    if timed:
        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, MAX_SECONDS)
    try:
        pieces, size = [], 0
        for piece in template.generate(**data):
            size += len(piece)
            if size > MAX_OUTPUT:
                raise TemplateLimit("letters.limit_size")
            pieces.append(piece)
        return "".join(pieces)
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _typst_str_filter(value: Any) -> Raw:
    return Raw(typst_string(_as_text(value)))


def compiled_cache(fmt: str):
    """Where the templates this environment compiles are kept compiled (Jinja's
    bytecode cache), or None: compiling the letter templates cost more than Typst's
    whole PDF. A compiled template is code, so the cache lives only in the user's own
    cache folder (:func:`ppks_cli.paths.user_cache_dir`, never in a repository, which
    could then plant one); its folder is named by ppks's version and the checksum of
    this module (which decides how templates compile: the sandbox's bounds), and Jinja
    uses an entry only for the very source it was compiled from (its checksum), with
    the same Jinja and Python versions."""
    from jinja2 import FileSystemBytecodeCache

    from ppks_cli import __version__, paths

    try:
        this = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    except OSError:
        return None
    folder = paths.user_cache_dir(f"templates-{__version__}-{this}-{fmt}")
    return FileSystemBytecodeCache(str(folder), "%s.cache") if folder is not None else None


def build_environment(roots: Iterable[tuple[Path, Path] | Path], fmt: str) -> BoundedEnvironment:
    """The Jinja environment for letters in ``fmt`` (``md`` or ``typ``); ``roots`` as for
    :class:`ConfinedLoader`. Compiled templates are kept in :func:`compiled_cache`."""
    escape = ESCAPERS[fmt]

    def finalize(value: Any) -> Any:
        if isinstance(value, Raw):
            return value
        return escape(_as_text(value))

    env = BoundedEnvironment(
        loader=ConfinedLoader(roots),
        bytecode_cache=compiled_cache(fmt),
        undefined=MissingValue,
        finalize=finalize,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        {
            name: _bounded_filter(function)
            for name, function in {
                "tanggal": _date_filter,  # 30 Juni 2024
                "hari": _day_filter,  # Minggu
                "bulan": _month_filter,  # Juni
                "terbilang": _words_filter,  # dua ribu dua puluh empat
                "titik": _sentence_filter,  # a sentence's end: "… keluarga."
                "typst_str": _typst_str_filter,  # a string in Typst code
            }.items()
        }
    )
    return env

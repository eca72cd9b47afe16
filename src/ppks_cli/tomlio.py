"""Reading and writing TOML files safely and deterministically.

Writes are atomic (temporary file in the same folder, flush, fsync, rename) and skipped
when the bytes would not change, so an unchanged case never shows a diff. Reads turn a
damaged file into a :class:`DamagedFile` that names the file and the line.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ppks_cli.errors import DamagedFile, Refused, WriteFailed
from ppks_cli.i18n import Msg

CONFLICT_MARKER_RE = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(\s|$)")
_TOML_ERROR_LINE_RE = re.compile(r"\(at line (\d+), column \d+\)")

# Python's TOML reader (tomllib) speaks English: what each of its messages means, as a
# key of the ``toml_error`` catalog section (an unknown message is shown as it is)
_TOML_REASONS = (
    ("Invalid value", "value"),
    ("Cannot overwrite a value", "overwrite"),
    ("Cannot declare", "twice"),
    ("Unclosed array", "array"),
    ("Unclosed inline table", "inline_table"),
    ("Unterminated string", "string"),
    ("Unescaped", "escape"),
    ("Expected ']' at the end of a table declaration", "table"),
    ("Expected '=' after a key", "equals"),
    ("Expected newline or end of document after a statement", "newline"),
    ("Invalid statement", "statement"),
    ("Illegal character", "character"),
    ("Invalid date or datetime", "date"),
)


def toml_error_reason(message: str) -> Msg | str:
    """What tomllib's English ``message`` (without its "(at line …)" part) says, in the
    user's language (a :class:`~ppks_cli.i18n.Msg` of the ``toml_error`` section); an
    unknown message as it is."""
    for start, key in _TOML_REASONS:
        if message.startswith(start):
            return Msg(f"toml_error.{key}")
    return message


def toml_error_line(message: str, text: str) -> int:
    """The line tomllib's ``message`` about ``text`` names: its "(at line N" part, the
    last line for "(at end of document)" (a file cut short), else 1."""
    match = _TOML_ERROR_LINE_RE.search(message)
    if match:
        return int(match.group(1))
    if "end of document" in message:
        return max(1, len(text.splitlines()))
    return 1


def dumps(data: dict[str, Any]) -> str:
    """Serialise ``data`` in its own key order; long text becomes multi-line strings."""
    import tomli_w

    return tomli_w.dumps(data, multiline_strings=True)


def atomic_write_text(path: Path, text: str, *, root: Path | None = None) -> bool:
    """Write ``text`` to ``path`` atomically. Returns False when the file already held
    exactly this text (nothing is touched then). See :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"), root=root)


def check_no_symlinks(path: Path, root: Path | None = None) -> None:
    """Refuse a write target reached through a symbolic link.

    With ``root`` (the case repository), ``path`` must lie inside it and no folder
    between ``root`` and ``path``, nor ``path`` itself, may be a symbolic link: a
    repository from a USB stick could otherwise carry ``templates -> /home/you`` and make
    ppks write outside it. Without ``root`` only ``path`` itself is checked.
    Raises :class:`Refused` (``error.symlink_refused``)."""
    shown = str(path)
    if root is not None:
        try:
            rel = Path(os.path.normpath(path)).relative_to(os.path.normpath(root))
        except ValueError:
            raise Refused("error.outside_repository", path=shown) from None
        shown = rel.as_posix()
        node = Path(os.path.normpath(root))
        for part in rel.parts:
            node = node / part
            if node.is_symlink():
                raise Refused("error.symlink_refused", path=shown, link=str(node))
    elif path.is_symlink():
        raise Refused("error.symlink_refused", path=shown, link=shown)


def output_path(text: str | None, option: str = "--output") -> Path | None:
    """The output file ``text`` names on the command line (``-o``), as a path; None for
    None. A name ending in a slash names a folder, never a file (``-o out/`` would
    otherwise write a file named ``out`` where the folder is missing): refused with
    :class:`~ppks_cli.errors.InvalidInput` (``error.output.folder``), whether the folder
    exists or not; so is a name with a NUL character (``error.output.nul``). Call it with
    the text as typed: a :class:`Path` has lost the slash."""
    if text is None:
        return None
    from ppks_cli.errors import InvalidInput

    if "\0" in text:  # no file system takes it
        raise InvalidInput("error.output.nul", option=option)
    if text.endswith(("/", os.sep)) or (os.altsep and text.endswith(os.altsep)):
        raise InvalidInput("error.output.folder", option=option, path=text)
    return Path(text)


def refuse_special_file(path: Path) -> None:
    """Refuse (:class:`~ppks_cli.errors.InvalidInput`, ``error.not_a_regular_file``) to
    write over ``path`` when it is there and is neither a regular file nor a link (the
    link is refused elsewhere): a device such as ``/dev/null``, a pipe, a socket. A
    rename over it would replace the device itself, which as root breaks the machine."""
    import stat

    from ppks_cli.errors import InvalidInput

    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode) or stat.S_ISDIR(mode)):
        raise InvalidInput("error.not_a_regular_file", path=str(path))


def refuse_repository_data(path: Path, root: Path) -> None:
    """Refuse (:class:`Refused`, ``error.output_is_data``) an output ``path`` (a letter,
    an export, a report) that is one of the own files of the repository at ``root``:
    ``ppks.toml``, anything under ``cases/``, ``raids/``, ``templates/`` or git's folder, which it
    would replace (a client's case, the office's settings). Its ``out/`` folder and any
    other place are fine."""
    real = Path(os.path.realpath(root))
    full = Path(os.path.realpath(os.path.abspath(path)))
    if not full.is_relative_to(real):
        return
    inside = full.relative_to(real).parts
    if inside and (
        inside[0] in ("cases", "raids", "templates", ".git") or inside == ("ppks.toml",)
    ):
        raise Refused("error.output_is_data", path=str(path))


def atomic_write_bytes(path: Path, data: bytes, *, root: Path | None = None) -> bool:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, flush,
    fsync, rename); False when the file already held exactly these bytes.

    Never follows a symbolic link (see :func:`check_no_symlinks`; ``root`` is the
    repository the file belongs to, if any). A failure of the file system (no
    permission, disk full, read-only) raises :class:`WriteFailed` naming the file, and
    leaves no temporary file behind."""
    check_no_symlinks(path, root)
    refuse_special_file(path)
    try:
        if path.is_file() and path.read_bytes() == data:
            return False
    except OSError:
        pass
    tmp_name = None
    try:
        _make_folders(path.parent, root)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise WriteFailed(
            "error.write_failed", path=str(path), reason=exc.strerror or str(exc)
        ) from None
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
    _fsync_dir(path.parent)
    return True


def _make_folders(folder: Path, root: Path | None) -> None:
    """``mkdir -p`` that never creates a folder through a symbolic link."""
    if folder.is_dir():
        return
    missing = []
    node = folder
    while not node.exists() and node != node.parent:
        if node.is_symlink():  # a dangling link
            raise Refused("error.symlink_refused", path=str(folder), link=str(node))
        missing.append(node)
        node = node.parent
    for part in reversed(missing):
        part.mkdir()
    if root is not None:
        check_no_symlinks(folder, root)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not possible on every platform; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_toml(path: Path, data: dict[str, Any], *, root: Path | None = None) -> bool:
    """Write ``data`` as TOML, atomically and never through a symbolic link."""
    return atomic_write_text(path, dumps(data), root=root)


def conflict_marker_line(text: str) -> int | None:
    """The first line (1-based) holding a git conflict marker, if any."""
    for number, line in enumerate(text.splitlines(), start=1):
        if CONFLICT_MARKER_RE.match(line):
            return number
    return None


BOM = "\ufeff"


def read_toml(path: Path, display: str | None = None) -> tuple[dict[str, Any], str]:
    """Parse ``path`` and return ``(data, text)``.

    Raises :class:`DamagedFile` (with ``file`` and ``line`` parameters) when the file
    cannot be read (missing, a symbolic link, no permission, a folder), is not UTF-8, holds a git
    conflict marker, is not valid TOML, or is nested too deeply to parse. A UTF-8 byte
    order mark (as Notepad writes) is accepted and ignored.
    """
    shown = display or str(path)
    if path.is_symlink():  # a committed link could point anywhere on the machine
        raise DamagedFile("error.damaged", file=shown, line=1, detail=Msg("toml.symlink"))
    try:
        if path.exists() and not stat.S_ISREG(path.stat().st_mode):
            # a FIFO would block forever, a device could be anything: never opened
            raise DamagedFile("error.damaged", file=shown, line=1, detail=Msg("toml.not_regular"))
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DamagedFile("error.damaged", file=shown, line=1, detail=Msg("toml.missing")) from None
    except OSError as exc:
        raise DamagedFile(
            "error.damaged", file=shown, line=1,
            detail=Msg("toml.unreadable", reason=exc.strerror or type(exc).__name__),
        ) from None  # fmt: skip
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DamagedFile(
            "error.damaged", file=shown, line=line, detail=Msg("toml.not_utf8")
        ) from None
    text = text.removeprefix(BOM)
    return parse_toml_text(text, shown), text


def parse_toml_text(text: str, shown: str) -> dict[str, Any]:
    """Parse TOML ``text`` read from the file ``shown``; see :func:`read_toml`."""
    marker = conflict_marker_line(text)
    if marker is not None:
        raise DamagedFile(
            "error.damaged", file=shown, line=marker, detail=Msg("toml.conflict_marker")
        )
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line = toml_error_line(message, text)  # a truncated file: the problem is at its end
        detail = _TOML_ERROR_LINE_RE.sub("", message).replace("(at end of document)", "")
        reason = toml_error_reason(detail.strip())
        raise DamagedFile(
            "error.damaged", file=shown, line=line, detail=Msg("toml.syntax", detail=reason)
        ) from None
    except RecursionError:  # x = [[[[…]]]] thousands deep
        raise DamagedFile(
            "error.damaged", file=shown, line=_deepest_line(text), detail=Msg("toml.too_deep")
        ) from None


def _deepest_line(text: str) -> int:
    """The line where brackets are nested deepest (a file too deep to parse)."""
    depth = best = 0
    best_line = 1
    for number, line in enumerate(text.splitlines(), start=1):
        for char in line:
            if char in "[{":
                depth += 1
                if depth > best:
                    best, best_line = depth, number
            elif char in "]}":
                depth -= 1
    return best_line


# --- locating keys -------------------------------------------------------------------

_HEADER_RE = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY_RE = re.compile(r'^\s*([A-Za-z0-9_.\-"\' ]+?)\s*=')


def _split_key(raw: str) -> tuple[str, ...]:
    return tuple(part.strip().strip('"').strip("'") for part in raw.split("."))


class KeyLocator:
    """Maps a key path such as ``("client", "nik")`` or ``("family", 1, "name")`` to
    the line that holds it, for ``path:line: message`` reports.

    It understands what ppks and a human editor write: tables, arrays of tables,
    dotted keys, multi-line strings and multi-line arrays. It is not a full parser;
    when a path cannot be found, :meth:`line` falls back to its nearest ancestor.
    """

    def __init__(self, text: str) -> None:
        self.lines: dict[tuple[Any, ...], int] = {}
        counters: dict[tuple[Any, ...], int] = {}
        table: tuple[Any, ...] = ()
        in_string: str | None = None
        array_key: tuple[Any, ...] | None = None
        array_index = 0
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if in_string:
                if stripped.count(in_string) % 2 == 1 or stripped.endswith(in_string):
                    in_string = None
                continue
            if array_key is not None:
                if stripped.startswith("]"):
                    array_key = None
                elif stripped and not stripped.startswith("#"):
                    self.lines.setdefault(array_key + (array_index,), number)
                    array_index += 1
                continue
            if not stripped or stripped.startswith("#"):
                continue
            header = _HEADER_RE.match(line)
            if header and not _KEY_RE.match(line):
                name = _split_key(header.group(2))
                if header.group(1) == "[[":
                    index = counters.get(name, 0)
                    counters[name] = index + 1
                    table = name + (index,)
                    self.lines.setdefault(name, number)
                else:
                    table = name
                self.lines.setdefault(table, number)
                continue
            key = _KEY_RE.match(line)
            if not key:
                continue
            path = table + _split_key(key.group(1))
            self.lines.setdefault(path, number)
            value = line[key.end() :].strip()
            for quote in ('"""', "'''"):
                if value.startswith(quote) and value.count(quote) == 1:
                    in_string = quote
            if value.startswith("[") and not _balanced(value):
                array_key, array_index = path, 0

    def line(self, path: Iterable[Any]) -> int:
        parts = tuple(path)
        while parts:
            if parts in self.lines:
                return self.lines[parts]
            parts = parts[:-1]
        return 1


def _balanced(value: str) -> bool:
    depth = 0
    quote: str | None = None
    for char in value:
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
    return depth <= 0

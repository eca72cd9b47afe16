"""A plain table for long listings (``ppks list`` prints thousands of rows): the same
look as a rich table without borders, written straight to stdout, about a hundred times
faster than rich's layout engine for that many rows.

Cells are data from the repository: each is neutralised (:mod:`ppks_cli.neutral`) before
it is written; the only escape sequences written are the header's bold and a column's dim
style, and only at a terminal that allows colour (rich's own decision: ``NO_COLOR``, a
pipe or a file give plain text).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

GAP = 2  # spaces between columns
SHORT = 16  # a column this narrow is not wrapped while the others can give way
BOLD, DIM, RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


class Dim(str):
    """A part of a cell shown dim (a detail under a name)."""


@dataclass(frozen=True)
class Column:
    """One column: its ``header``; ``whole`` columns are never wrapped (an ID, a date);
    the others share what is left by ``ratio`` and wrap at word boundaries, never
    losing a character; ``min_width`` is the narrowest such a column may be."""

    header: str
    whole: bool = False
    ratio: int = 1
    min_width: int = 6


def _width(text: str) -> int:
    from rich.cells import cell_len

    return len(text) if text.isascii() else cell_len(text)


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` terminal cells: broken between words, and
    inside a word only when the word alone is wider."""
    if _width(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if _width(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while _width(word) > width:
            cut = width
            while cut > 1 and _width(word[:cut]) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines or [""]


def widths(columns: Sequence[Column], cells: Sequence[Sequence[str]], room: int) -> list[int]:
    """The width of each column so that the table fits ``room`` cells when it can:
    whole columns at their natural width, the others sharing the rest by ratio (and
    never wider than they need)."""
    natural = [_width(col.header) for col in columns]
    for row in cells:
        for i, cell in enumerate(row):
            size = len(cell) if cell.isascii() else _width(cell)
            if size > natural[i]:
                natural[i] = size
    if sum(natural) + GAP * (len(columns) - 1) <= room:
        return natural
    fixed = sum(n for n, col in zip(natural, columns, strict=True) if col.whole)
    left = room - fixed - GAP * (len(columns) - 1)
    flexible = [i for i, col in enumerate(columns) if not col.whole]
    out = list(natural)
    # a short column (a worker's name) keeps its width while the others still get their
    # narrowest; then each column gets its share, and what one does not need goes on
    pending = sorted(flexible, key=lambda i: natural[i])
    while pending and natural[pending[0]] <= SHORT:
        rest = sum(columns[i].min_width for i in pending[1:])
        if natural[pending[0]] + rest > left:
            break
        i = pending.pop(0)
        left -= natural[i]
    while pending:
        total_ratio = sum(columns[i].ratio for i in pending)
        i = pending.pop(0)
        share = left * columns[i].ratio // total_ratio if total_ratio else left
        out[i] = max(min(natural[i], columns[i].min_width), min(natural[i], share))
        left -= out[i]
    return out


def render(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str | tuple[str, ...]]],
    room: int,
    *,
    styled: bool,
) -> str:
    """The table as text, ``room`` cells wide where it can be. A cell is a string, or
    a tuple of strings shown one under the other (a :class:`Dim` one dim: a detail under
    a name). Lines end without trailing spaces."""
    from ppks_cli.neutral import neutralise

    sized = [[max(c, key=_width) if isinstance(c, tuple) else c for c in row] for row in rows]
    sized = [[max(c.split("\n"), key=_width) for c in row] for row in sized]
    cols = widths(columns, sized, room)
    out: list[str] = []
    header = (" " * GAP).join(
        col.header.ljust(w) if i < len(columns) - 1 else col.header
        for i, (col, w) in enumerate(zip(columns, cols, strict=True))
    ).rstrip()
    out.append(f"{BOLD}{neutralise(header)}{RESET}" if styled else neutralise(header))
    last = len(columns) - 1
    for row in rows:
        blocks: list[list[tuple[str, bool]]] = []
        for cell, col, w in zip(row, columns, cols, strict=True):
            parts = cell if isinstance(cell, tuple) else (cell,)
            lines: list[tuple[str, bool]] = []
            for part in parts:
                dim = isinstance(part, Dim)
                part = neutralise(part)
                for line in part.split("\n"):
                    if col.whole or (line.isascii() and len(line) <= w):
                        lines.append((line, dim))
                    else:
                        lines.extend((piece, dim) for piece in wrap(line, w))
            blocks.append(lines)
        height = max(len(b) for b in blocks)
        for k in range(height):
            segments = []
            for i, (block, w) in enumerate(zip(blocks, cols, strict=True)):
                text, dim = block[k] if k < len(block) else ("", False)
                size = len(text) if text.isascii() else _width(text)
                pad = " " * (w - size) if i < last and w > size else ""
                segments.append((f"{DIM}{text}{RESET}" if styled and dim and text else text) + pad)
            out.append((" " * GAP).join(segments).rstrip())
    return "\n".join(out) + "\n"


def wants_style(console) -> bool:
    """Whether output to ``console`` (a rich Console) may carry colour and bold: a
    terminal that allows colour (``NO_COLOR``, a pipe or a file give plain text)."""
    return console.is_terminal and not console.no_color


def paint(text: str, codes: str, styled: bool) -> str:
    """``text`` in the SGR style ``codes`` (``"1;31"``: bold red) when ``styled``."""
    return f"\x1b[{codes}m{text}{RESET}" if styled and codes and text else text


def write(text: str) -> None:
    """Write a rendered table to stdout."""
    sys.stdout.write(text)
    sys.stdout.flush()

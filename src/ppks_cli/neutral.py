"""Neutralising data before it reaches a terminal.

A case repository is untrusted input: a name, a note or a file name may hold terminal
escape sequences (ESC, BEL, backspace, carriage return, other C0 and C1 controls) or
bidirectional-override characters that reorder what a worker sees. Everything ppks prints
goes through :func:`neutralise`, which replaces each such character by a visible escape
(``\\x1b``, ``\\u202e``), so it can be seen and never acts.
"""

from __future__ import annotations

import unicodedata

# bidirectional embeddings, overrides and isolates, and Unicode line/paragraph separators
_FORMAT_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _needs_escape(ch: str) -> bool:
    return ch in _FORMAT_CONTROLS or unicodedata.category(ch) == "Cc"


def neutralise(text: str, *, keep: str = "\n\t") -> str:
    """``text`` with every control character (C0, DEL, C1) and every bidirectional
    control replaced by a visible escape such as ``\\x1b`` or ``\\u202e``; the characters
    in ``keep`` (by default newline and tab) stay. Idempotent: the result holds no
    control character, so neutralising it again changes nothing."""
    if text.isascii() and text.isprintable():
        return text  # the common case, fast
    return "".join(_escape(ch) if ch not in keep and _needs_escape(ch) else ch for ch in text)


def has_control(text: str, *, keep: str = "\n\t") -> bool:
    """True when :func:`neutralise` would change ``text``."""
    return any(ch not in keep and _needs_escape(ch) for ch in text)

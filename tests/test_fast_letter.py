"""One PDF letter from the shell, fast (issue 16): a line on stderr without rich. Each
gives exactly what it replaces."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ppks_cli.commands import _common

# --- a line on stderr (or stdout) without rich ------------------------------------------


def rich_prints(message: str, **console) -> str:
    """What the safe console prints for ``message`` as info_line/say print it."""
    out = io.StringIO()
    _common._safe_console_class()(file=out, **console).print(
        message, markup=False, highlight=False, emoji=False, soft_wrap=True
    )
    return out.getvalue()


TEXT = st.text(
    st.characters(codec="utf-8", categories=None, exclude_categories=("Cs",)), max_size=60
) | st.text("ab \n\t\r\x1b\x07\x08\x0b\x0c\x7f\x85\u202e\u2028é漢😀\ufeff[]:", max_size=30)


@given(TEXT)
@example("Ditulis ke /tmp/surat [bold]x[/bold] :pile_of_poo: file:100:")
@example("")
@example("a\n")
@example("\x1b[31mmerah\n\u202ekiri")
def test_a_plain_line_is_what_rich_prints(message):
    plain = _common.plain_line(message)
    if plain is None:  # rich would change it: it is printed by rich
        assert _common._RICH_CHANGES & set(message)
        return
    assert plain == rich_prints(message)
    # at a terminal, in colour or not, a text without a style has no colour code
    assert plain == rich_prints(message, force_terminal=True, color_system="truecolor")
    assert plain == rich_prints(message, force_terminal=True, no_color=True)


def test_a_tab_or_carriage_return_is_left_to_rich():
    for message in ("a\tb", "a\rb", "bel\x07", "\x0c"):
        assert _common.plain_line(message) is None


def test_lines_go_through_rich_once_it_is_loaded(capsys):
    """Once rich is loaded (a table, a prompt), every line is printed by the console, so
    lines and tables keep their order on one stream."""
    import rich.console  # noqa: F401

    shown = []

    class Console:
        def print(self, text, **_):
            shown.append(text)

    real = _common.err_console
    try:
        _common.err_console = lambda: Console()
        _common.info_line("satu")
    finally:
        _common.err_console = real
    assert shown == ["satu"] and capsys.readouterr().err == ""


LINES = """
import sys
from ppks_cli.commands import _common
_common.info_line("satu \\x1b[31m" + sys.argv[1])
_common.warn_line("dua")
_common.error_line("tiga")
_common.say("empat \\u202e")
print("rich" if "rich.console" in sys.modules else "no rich", file=sys.stderr)
"""


@pytest.mark.parametrize("argument", ["kata", "tab\there"])
def test_a_command_that_says_a_line_does_not_import_rich(argument):
    """In a process of its own (as from the shell): the lines are rich's, byte for byte,
    and rich is imported only for the line that needs it."""
    done = subprocess.run([sys.executable, "-c", LINES, argument], capture_output=True,
                          text=True, env={**os.environ, "PPKS_LANG": "id"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    expected = rich_prints("satu \x1b[31m" + argument) + rich_prints("Peringatan: dua")
    expected += rich_prints("Galat: tiga")
    assert done.stderr.startswith(expected), done.stderr
    assert done.stdout == rich_prints("empat \u202e")
    assert done.stderr.endswith("rich\n" if "\t" in argument else "no rich\n")


def test_a_closed_pipe_ends_the_command_as_rich_does():
    """``ppks ... | head -0``: the line that cannot be written ends the command with exit
    status 1 and no traceback, as rich's console does."""
    code = (
        "import os, sys\nr, w = os.pipe()\nos.close(r)\nsys.stdout = os.fdopen(w, 'w')\n"
        "from ppks_cli.commands import _common\n_common.say('x' * 100000)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr

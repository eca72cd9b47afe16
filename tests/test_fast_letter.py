"""One PDF letter from the shell, fast (issue 16): a line on stderr without rich, the
glyph table searched instead of built, no git process for the letter numbers after
ppks's own commits. Each gives exactly what it replaces."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_letters import papers_case

from ppks_cli import glyphs
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


@settings(deadline=None)  # four rich consoles an example: slow on a busy machine
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


CLOSED = """
import sys
from ppks_cli.commands import _common
_common.error_line("tiga")
_common.info_line("satu")
_common.say("empat")
sys.exit(4)
"""


@pytest.mark.parametrize("closed", ["2", "1"])
def test_a_closed_stream_swallows_the_line_as_rich_does(closed):
    """``ppks show X 2>&-``: Python has no sys.stderr (None); rich's console wrote
    nowhere and the command kept its exit status (4, not found), the direct line must too
    (it raised AttributeError: exit status 1)."""
    done = subprocess.run(["sh", "-c", f'"$0" -c "$1" {closed}>&-', sys.executable, CLOSED],
                          capture_output=True, text=True,
                          env={**os.environ, "PPKS_LANG": "id"})  # fmt: skip
    assert done.returncode == 4, done
    assert "Traceback" not in done.stderr + done.stdout
    assert (done.stdout if closed == "2" else done.stderr) == {"2": "empat\n",
                                                              "1": "Galat: tiga\nsatu\n"}[closed]


# --- the glyph table ---------------------------------------------------------------------


def test_the_glyph_search_agrees_with_the_table():
    have = glyphs.covered()
    assert all(glyphs.printable(point) == (point in have) for point in range(0x110000))


@settings(deadline=None)
@given(st.text(max_size=40))
def test_missing_glyphs_as_before(text):
    have = glyphs.covered()
    import unicodedata

    before = list(dict.fromkeys(c for c in text if ord(c) not in have
                                and unicodedata.category(c) != "Cc"))  # fmt: skip
    assert glyphs.missing(text) == before


# --- the table of letter numbers follows ppks's own commits ---------------------------------


@pytest.fixture
def committing(tmp_path, monkeypatch):
    """A repository whose writes are committed, with signatories, and the papers case."""
    from test_letters import SIGNATORIES

    from ppks_cli.store import Repository

    from conftest import Cli

    monkeypatch.setenv("PPKS_WORKER", "Saskia")
    root = tmp_path / "kasus"
    assert Cli(None)("init", str(root), "--worker", "Saskia").exit_code == 0
    config = root / "ppks.toml"
    config.write_text(config.read_text() + SIGNATORIES)
    subprocess.run(["git", "commit", "-qam", "signatories"], cwd=root, check=True)
    repo = Repository.open(root)
    case = papers_case(repo)
    from ppks_cli import git

    assert git.commit_paths(root, repo.written, f"{case.id}: case opened").committed
    return root, case.id


def git_diffs(monkeypatch) -> list:
    """The ``git diff`` runs of ppks from now on (what the letter numbers ask git)."""
    from ppks_cli import git

    seen = []
    real = git.run

    def spy(root, *args, **kwargs):
        if "diff" in args:
            seen.append(args)
        return real(root, *args, **kwargs)

    monkeypatch.setattr(git, "run", spy)
    return seen


def issue_letter(root, case_id: str, *before: str) -> str:
    import json

    from conftest import Cli

    done = Cli(root)(*before, "letter", case_id, "referral", "--issue", "--new", "--date",
                     "2024-06-20", "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)["number"]


def test_after_ppks_commits_the_next_number_asks_git_nothing(committing, monkeypatch):
    from conftest import Cli

    root, case_id = committing
    assert issue_letter(root, case_id) == "462/1/Dinsos/2024"
    diffs = git_diffs(monkeypatch)
    assert issue_letter(root, case_id) == "462/2/Dinsos/2024"
    assert Cli(root)("note", case_id, "catatan").exit_code == 0  # any commit of ppks
    assert issue_letter(root, case_id) == "462/3/Dinsos/2024"
    assert diffs == []


def test_a_commit_made_otherwise_is_still_asked_of_git(committing, monkeypatch):
    root, case_id = committing
    assert issue_letter(root, case_id) == "462/1/Dinsos/2024"
    records = root / "cases" / case_id / "records"
    (letter,) = records.glob("*-letter-*.toml")
    copy = records / letter.name.replace("-letter-", "-letter-X")
    copy.write_text(letter.read_text().replace("462/1/Dinsos/2024", "462/7/Dinsos/2024")
                    .replace("seq = 1", "seq = 7"))  # fmt: skip
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-qm", "by hand"], cwd=root, check=True)
    diffs = git_diffs(monkeypatch)
    assert issue_letter(root, case_id) == "462/8/Dinsos/2024"
    assert len(diffs) == 1


def test_a_ppks_commit_with_a_letter_not_entered_is_asked_of_git(committing, monkeypatch):
    """A letter file among the files ppks commits that the table does not hold as it is
    (written some other way than a letter being issued) keeps the table where it was."""
    from ppks_cli import index, ledger
    from ppks_cli.store import Repository

    root, case_id = committing
    assert issue_letter(root, case_id) == "462/1/Dinsos/2024"
    repo = Repository.open(root)
    (letter,) = repo.paths.records_dir(case_id).glob("*-letter-*.toml")
    letter.write_text(letter.read_text().replace("462/1/Dinsos/2024", "462/5/Dinsos/2024")
                      .replace("seq = 1", "seq = 5"))  # fmt: skip
    with index.connection(repo) as conn:
        head = ledger._letters_head(conn)
        conn.execute("BEGIN IMMEDIATE")
        ledger.committed(conn, repo, head, "f" * 40, [letter])
        conn.execute("COMMIT")
        assert ledger._letters_head(conn) == head  # not moved on: git will be asked
        conn.execute("BEGIN IMMEDIATE")
        ledger.committed(conn, repo, head, "f" * 40, [repo.paths.case_file(case_id)])
        conn.execute("COMMIT")
        assert ledger._letters_head(conn) == "f" * 40  # no letter among the files


# --- the garbage collector paused while ppks starts ----------------------------------------

WATCH_GC = """
import gc, sys
from ppks_cli import cli
from ppks_cli.commands import _common

seen = []
real = _common.open_repo


def spy(ctx):
    seen.append((gc.isenabled(), gc.get_freeze_count() > 0))
    return real(ctx)


_common.open_repo = spy
from ppks_cli.commands import app

build = app.build_app


def building(*args, **kwargs):
    seen.append(("building", gc.isenabled()))
    return build(*args, **kwargs)


app.build_app = building
seen.append(("at start", gc.isenabled()))
sys.argv = ["ppks", *sys.argv[1:]]
try:
    cli.main()
finally:
    print(seen, file=sys.stderr)
"""


def test_the_console_script_pauses_the_collector_while_ppks_starts(committing):
    root, case_id = committing
    done = subprocess.run([sys.executable, "-c", WATCH_GC, "--root", str(root), "show", case_id],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    # off while the command is built, on while it runs with what start-up made frozen
    expected = "[('at start', True), ('building', False), (True, True)]"
    assert done.stderr.strip().endswith(expected), done.stderr
    import gc

    assert gc.isenabled()


def test_the_console_script_is_the_launcher():
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["ppks"] == "ppks_cli.cli:main"


def test_in_process_the_collector_is_left_alone(committing):
    """ppks run in-process (the tests, a program using it) never touches the collector."""
    import gc

    from conftest import Cli

    root, case_id = committing
    frozen = gc.get_freeze_count()
    assert Cli(root)("show", case_id).exit_code == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_a_collector_turned_off_by_the_caller_stays_off():
    code = ("import gc, sys\ngc.disable()\nsys.argv = ['ppks', '--version']\n"
            "from ppks_cli import cli\ntry:\n    cli.main()\nexcept SystemExit:\n    pass\n"
            "cli.resume()\nprint(gc.isenabled(), gc.get_freeze_count())\n")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.splitlines()[-1] == "False 0", done.stdout + done.stderr

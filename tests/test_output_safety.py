"""Issue 8: data printed to a terminal is never interpreted (no emoji shortcodes, no rich
markup) and never acts (control characters, escape sequences and bidirectional
overrides are shown as visible escapes)."""

from __future__ import annotations

import io
import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.table import Table
from rich.text import Text

from ppks_cli.commands import _common
from ppks_cli.intake import NewCase, create_case, prepare
from ppks_cli.neutral import has_control, neutralise

from conftest import MR

ESC_PAYLOADS = [
    "\x1b[2J",
    "\x1b]0;pwned\x07",
    "\x9b31m",
    "\u202eevil",
    "\u2066x\u2069",
    "a\x08b",
    "\x00",
]
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def assert_inert(text: str) -> None:
    """No character that a terminal would act on: C0 except newline and tab, DEL, C1,
    bidirectional controls."""
    bad = [
        ch for ch in text
        if ch not in "\n\t" and (unicodedata.category(ch) == "Cc" or ch in BIDI)
    ]  # fmt: skip
    assert not bad, f"raw control characters reached the output: {bad!r}"


# --- the one function ------------------------------------------------------------------------


def test_neutralise_shows_escapes_visibly():
    assert neutralise("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert neutralise("\u202eabc") == "\\u202eabc"
    assert neutralise("x\x9by") == "x\\x9by"
    assert neutralise("line\n\tnext") == "line\n\tnext"
    assert neutralise("Medan — Sumatera Utara ✓") == "Medan — Sumatera Utara ✓"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_neutralise_leaves_nothing_that_acts_and_is_idempotent(text):
    once = neutralise(text)
    assert_inert(once)
    assert neutralise(once) == once
    assert not has_control(once)


def test_consoles_neutralise_plain_text_rich_text_and_table_cells(monkeypatch):
    buffer = io.StringIO()
    monkeypatch.setattr("sys.stdout", buffer)
    _common.reset_consoles()
    out = _common.console()
    table = Table(title="judul \x1b[31m [bold]x[/bold]")
    table.add_column("kolom \u202e")
    table.add_row("sel \x1b]0;x\x07 :pile_of_poo:")
    table.add_row(Text("teks \x9b2J"))
    out.print("polos \x1b[2J :100: [red]merah[/red]")
    out.print(table)
    _common.say("say \x1b[1m")
    printed = buffer.getvalue()
    assert_inert(printed)
    assert ":pile_of_poo:" in printed and ":100:" in printed and "[red]merah[/red]" in printed
    assert "[bold]x[/bold]" in printed
    assert "\\x1b" in printed and "\\u202e" in printed
    assert "💩" not in printed and "💯" not in printed


def test_json_output_escapes_what_a_terminal_would_act_on(capsys):
    data = {"name": "a\x1b[2J\x9b\u202eb", "n": 1}
    _common.print_json(data)
    printed = capsys.readouterr().out
    assert_inert(printed)
    assert json.loads(printed) == data


def test_letters_printed_to_the_screen_are_neutralised(capsys):
    _common.write_out("# Surat\n\nNama: X\x1b[2J\u202e\n")
    printed = capsys.readouterr().out
    assert_inert(printed)
    assert printed.startswith("# Surat\n\nNama: X\\x1b[2J")


# --- through the commands ----------------------------------------------------------------------


def test_check_keeps_line_numbers_and_prints_names_literally(repo, cli):
    case = create_case(
        repo, prepare(NewCase(**{**MR.__dict__, "name": ":pile_of_poo: [bold]X[/bold]"}))
    )
    file = case.folder / "case.toml"
    lines = file.read_text(encoding="utf-8").splitlines()
    lines += ["# padding"] * (99 - len(lines)) + ["unknown_key = 1"]
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("check")
    assert result.exit_code == 1
    assert f"cases/{case.id}/case.toml:100:" in result.output
    assert "💯" not in result.output
    file.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    for args in (["show", case.id], ["list"], ["check"]):
        result = cli(*args)
        assert result.exit_code == 0, result.output
        if args[0] == "show":
            assert ":pile_of_poo: [bold]X[/bold]" in result.output
        if args[0] == "list":  # the column may be cut short, never interpreted
            assert ":pile_of_poo: [bo" in result.output
        assert "💩" not in result.output


@pytest.mark.parametrize("payload", ESC_PAYLOADS)
def test_escape_sequences_in_files_never_reach_the_terminal(repo, cli, payload):
    case = create_case(repo, prepare(MR))
    file = case.folder / "case.toml"
    escaped = json.dumps(payload)[1:-1]  # a TOML basic string takes JSON's \u escapes
    text = file.read_text(encoding="utf-8").replace('name = "MR"', f'name = "MR{escaped}"')
    file.write_text(text + f'"key{escaped}" = 1\n', encoding="utf-8")
    if "\x00" not in payload:  # no file system takes NUL in a name
        (repo.paths.cases / f"stray{payload}").mkdir()
    for args in (["check"], ["check", "--json"], ["show", case.id], ["list"], ["list", "--json"],
                 ["status"], ["show", f"x{payload}"], ["note", case.id, f"t{payload}", "--worker", "W"]):  # fmt: skip
        result = cli(*args)
        assert result.exit_code != 0 or args[0] in ("list", "status"), (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), args
        assert_inert(result.output)


def test_error_messages_quoting_values_are_neutralised(repo, cli):
    result = cli("new-case", "--name", "MR", "--sex", "L", "--category", "peng\x1b[2Jemis",
                 "--source", "walk-in", "--worker", "W", "--birth-date", "\u202e2024-01-01", "--yes")  # fmt: skip
    assert result.exit_code == 3
    assert_inert(result.output)
    assert "\\u202e" in result.output or "\\x1b" in result.output

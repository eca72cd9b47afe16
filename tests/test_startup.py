"""The entry point builds only what a command line needs (start-up time, issue 10): the
help and the behaviour must be exactly those of the whole command tree."""

import sys

import pytest
import typer
from typer.testing import CliRunner

from ppks_cli import i18n
from ppks_cli.commands import app as app_module
from ppks_cli.commands.app import COMMAND_MODULES, build_app, command_word, module_for


def registered(app: typer.Typer) -> list[str]:
    return sorted(typer.main.get_command(app).commands)


def test_every_command_is_found_in_its_own_module():
    everything = registered(build_app())
    found = []
    for module in COMMAND_MODULES:
        names = registered(build_app(module))
        for name in names:
            assert module_for(name) == module, name
        found += names
    assert sorted(found) == everything


def test_words_that_are_no_command():
    assert module_for("nosuch") is None
    assert module_for("_common") is None
    assert module_for("list_cases") is None  # typed as "list"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], (None, False)),
        (["--help"], (None, True)),
        (["-h", "list"], (None, True)),
        (["list", "--help"], ("list", False)),
        (["--root", "list", "show", "X"], ("show", False)),  # a folder called "list"
        (["-C", "/tmp/k", "--lang", "en", "--no-input", "new-case"], ("new-case", False)),
        (["--lang=en", "--no-commit", "note"], ("note", False)),
        (["-C/tmp/k", "status"], ("status", False)),
        (["--version"], (None, False)),
        (["--", "list"], ("list", False)),
    ],
)
def test_command_word(args, expected):
    assert command_word(args) == expected


@pytest.mark.parametrize("lang", ["id", "en"])
def test_listing_shows_the_same_help(lang):
    i18n.set_language(lang)
    try:
        runner = CliRunner()
        full = runner.invoke(build_app(), ["--help"], prog_name="ppks")
        listed = runner.invoke(build_app(listing=True), ["--help"], prog_name="ppks")
    finally:
        i18n.set_language("id")
    assert full.exit_code == listed.exit_code == 0
    assert listed.output == full.output
    assert "new-case" in listed.output and "templates" in listed.output


@pytest.mark.parametrize(
    "args",
    [["--help"], [], ["--no-input"], ["nosuch"], ["--help", "list"], ["list", "--help"],
     ["bundle"], ["templates", "--help"], ["--version"], ["new_case"], ["list_cases"]],
)  # fmt: skip
def test_main_behaves_as_the_whole_tree(args, monkeypatch, capsys, tmp_path):
    """``main`` (the console script) against the whole tree, same output and exit code."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PPKS_ROOT", raising=False)
    monkeypatch.delenv("PPKS_LANG", raising=False)

    def run(entry) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["ppks", *args])
        with pytest.raises(SystemExit) as stopped:
            entry()
        out = capsys.readouterr()
        return stopped.value.code, out.out, out.err

    lazy = run(app_module.main)
    whole = run(lambda: build_app()(prog_name="ppks"))
    assert lazy == whole

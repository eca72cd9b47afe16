"""The docs stay true: every command is in the README and has help with an example, in
both languages; the two message catalogs have the same keys and placeholders."""

import re
import string

import pytest
import typer

from ppks_cli import i18n
from ppks_cli.commands.app import build_app

from conftest import PROJECT

README = (PROJECT / "README.md").read_text()


def commands(app):
    group = typer.main.get_command(app)
    return group.commands


def test_quick_start_has_exactly_two_commands():
    block = README.split("<!-- quickstart:begin")[1].split("<!-- quickstart:end -->")[0]
    lines = [line for line in block.splitlines()[1:] if line and not line.startswith("```")]
    assert len(lines) == 2
    assert "pip install ." in lines[0] and "ppks" in lines[0] and "cases" in lines[0]
    assert ".[test]" in lines[1] and "pytest" in lines[1]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_command_has_help_and_an_example_and_is_in_the_readme(lang):
    i18n.set_language(lang)
    for name, command in commands(build_app()).items():
        assert f"ppks {name}" in README, name
        assert command.help and len(command.help) > 20, name
        assert f"ppks {name}" in (command.epilog or ""), name
        for param in command.params:
            if param.name not in ("help",) and getattr(param, "param_type_name", "") == "option":
                assert param.help, f"{name} {param.opts}"


def placeholders(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_catalogs_have_the_same_keys_and_placeholders():
    ids, ens = i18n.catalog("id"), i18n.catalog("en")
    assert set(ids) == set(ens)
    for key in ids:
        assert placeholders(ids[key]) == placeholders(ens[key]), key


def test_every_key_used_in_the_code_exists():
    source = "\n".join(p.read_text() for p in (PROJECT / "src").rglob("*.py"))
    # every top-level section of the catalog is a prefix a key in the code may start with
    sections = sorted({key.split(".")[0] for key in i18n.catalog("id")})
    assert len(sections) > 30
    names = "|".join(map(re.escape, sections))
    pattern = r'(?<!key=)["\']((?:' + names + r')\.[a-z_][a-z0-9_.]*)["\']'
    used = set(re.findall(pattern, source))
    # option(..., key="sync.remote") names the help text help.sync.remote
    used |= {
        f"help.{key}"
        for key in re.findall(r'(?<![_a-z])option\([^\n]*?key="([a-z_][a-z0-9_.]*)"', source)
    }
    used |= {
        f"help.new_case.{key}" for key in re.findall(r'_opt\([^\n]*?key="([a-z_]+)"', source)
    }
    assert len(used) > 200  # the pattern still finds the keys
    missing = {key for key in used if key not in i18n.catalog("id") and not key.endswith(".")}
    assert not missing

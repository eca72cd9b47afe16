"""Ctrl-C or closed input at a prompt: one line in the user's language, exit 8
(cancelled), and nothing written."""

import pytest

from ppks_cli.commands import _common

from conftest import snapshot


@pytest.mark.parametrize(
    "args",
    [
        ["new-case"],
        ["note", "{ID}"],
        ["assess", "{ID}"],
        # plan and evaluate need a case at their stage: test_forms closes the input at
        # every prompt of every command
    ],
)
def test_closed_input_at_a_prompt_is_cancelled(cli, repo, mr_case, monkeypatch, args):
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)
    before = snapshot(repo.root)
    result = cli(*[mr_case.id if a == "{ID}" else a for a in args], input="")
    assert result.exit_code == 8, result.output
    assert "Dibatalkan; tidak ada yang ditulis." in result.stderr
    assert "Aborted" not in result.output and "Traceback" not in result.output
    assert snapshot(repo.root) == before


def test_ctrl_c_at_a_prompt_is_cancelled_in_english(cli, repo, mr_case, monkeypatch):
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("typer.prompt", interrupted)
    result = cli("note", mr_case.id, lang="en")
    assert result.exit_code == 8
    assert "Cancelled" in result.stderr and "Dibatalkan" not in result.stderr

"""No command replaces, truncates or re-modes a device, a pipe or a socket given as its
output (``-o /dev/null``): as root, a rename over /dev/null replaced the machine's
/dev/null with a regular file, and every program that read it afterwards (git's own
children among them) read what others had written there."""

import os
import stat

import pytest

from ppks_cli.errors import InvalidInput
from ppks_cli.tomlio import atomic_write_bytes, refuse_special_file


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipa"
    os.mkfifo(path)
    return path


def test_the_write_primitives_refuse_a_special_file(fifo):
    with pytest.raises(InvalidInput):
        refuse_special_file(fifo)
    with pytest.raises(InvalidInput):
        atomic_write_bytes(fifo, b"x")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize(
    "args",
    [
        ["letters", "--format", "csv", "-o"],
        ["export", "cases", "--format", "csv", "--force", "-o"],
        ["report", "--year", "2024", "--format", "csv", "-o"],
    ],
)
def test_no_output_option_replaces_a_special_file(git_office_cli, fifo, args):
    _, cli, _ = git_office_cli
    done = cli(*args, str(fifo))
    assert done.exit_code != 0, done.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert "Traceback" not in done.output

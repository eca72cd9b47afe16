"""A non-editable install must find everything it reads at run time inside the package."""

import subprocess
import sys
import zipfile

import pytest

from conftest import PROJECT

NEEDED = [
    "ppks_cli/messages/id.toml",
    "ppks_cli/messages/en.toml",
    "ppks_cli/data/ppks-categories.toml",
    "ppks_cli/data/fonts/LiberationSans-Regular.ttf",
    "ppks_cli/data/fonts/LiberationSans-Bold.ttf",
    "ppks_cli/data/fonts/LICENSE",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel, built by the build backend's PEP 517 hook (what ``pip wheel`` calls,
    without pip's own second of start-up); with pip in isolation where hatchling is not
    installed."""
    out = tmp_path_factory.mktemp("wheel")
    hook = "import sys; from hatchling.build import build_wheel; build_wheel(sys.argv[1])"
    built = subprocess.run([sys.executable, "-c", hook, str(out)], cwd=PROJECT,
                           capture_output=True, text=True)  # fmt: skip
    if built.returncode != 0:  # no hatchling in this environment: build in isolation
        built = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(PROJECT)],
            capture_output=True,
            text=True,
        )
    assert built.returncode == 0, built.stderr
    (path,) = out.glob("ppks-*.whl")
    return path


def test_wheel_carries_runtime_files_and_templates(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for needed in NEEDED:
        assert needed in names
    assert any(n.startswith("ppks_cli/templates/") for n in names)
    assert not any(n.startswith(("tests/", "cases/")) for n in names)


def test_unpacked_wheel_runs_away_from_the_source_tree(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import ppks_cli, sys\n"
        "from ppks_cli import paths\n"
        "assert ppks_cli.__file__.startswith(sys.argv[1]), ppks_cli.__file__\n"
        "assert str(paths.default_templates_dir()).startswith(sys.argv[1])\n"
        "sys.argv = ['ppks', 'init', 'k', '--worker', 'Saskia']\n"  # no git identity here
        "from ppks_cli.commands.app import main\n"
        "main()\n"
    )
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code, str(site)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "Repositori kasus dibuat" in result.stdout
    listed = subprocess.run(
        [sys.executable, "-m", "ppks_cli", "--root", "k", "categories"],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert listed.returncode == 0 and "pengemis" in listed.stdout

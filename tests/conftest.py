"""Shared fixtures: repositories in temporary folders, built through the library, and
helpers to run the command line in-process (CliRunner) or as a subprocess."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.testing as _typer_testing
from hypothesis import settings as _hypothesis_settings
from typer.testing import CliRunner

from ppks_cli import i18n
from ppks_cli.commands import _common
from ppks_cli.commands.app import build_app
from ppks_cli.intake import NewCase, create_case, prepare
from ppks_cli.store import Repository


def _temporary_files_in_memory() -> None:
    """Temporary folders (``tmp_path``: repositories, clones, remotes) in memory, in
    /dev/shm, where it is a roomy tmpfs that allows programs (tests run git hooks and
    editors made there): the suite writes, commits and removes tens of thousands of
    small files, and on a disk their metadata and git's fsyncs took as much time again
    as the tests (more when other jobs write to it too). Not when the user chose where
    temporary files go ($TMPDIR, $PYTEST_DEBUG_TEMPROOT, --basetemp)."""
    if "TMPDIR" in os.environ or "PYTEST_DEBUG_TEMPROOT" in os.environ:
        return
    shm = "/dev/shm"
    try:
        with open("/proc/mounts", encoding="utf-8") as mounts:
            options = [line.split()[3].split(",") for line in mounts
                       if line.split()[1:3] == [shm, "tmpfs"]]  # fmt: skip
        free = os.statvfs(shm)
    except (OSError, IndexError):
        return
    if (options and "noexec" not in options[-1] and os.access(shm, os.W_OK)
            and free.f_bavail * free.f_frsize >= 4 << 30):  # fmt: skip
        os.environ["PYTEST_DEBUG_TEMPROOT"] = shm  # read by pytest's tmp_path_factory


_temporary_files_in_memory()

# Property tests: 30 examples each by default, to keep the suite fast on a 2-core machine
# (a test that needs more says so with @settings); HYPOTHESIS_PROFILE=thorough runs 500.
_hypothesis_settings.register_profile("default", max_examples=30)
_hypothesis_settings.register_profile("thorough", max_examples=500)
_hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT / "cases"

MR = NewCase(
    name="MR",
    sex="L",
    birth_year="1975",
    category="pengemis",
    intake_date="2024-02-16",
    source="street-raid",
    found_at="Simpang Pos, Medan",
    worker="Saskia",
)


# the foundation contract's intake of MR, as typed on the command line
NEW_MR_ARGS = [
    "new-case", "--name", "MR", "--sex", "L", "--birth-year", "1975", "--category", "pengemis",
    "--intake-date", "2024-02-16", "--source", "street-raid", "--found-at", "Simpang Pos, Medan",
    "--worker", "Saskia",
]  # fmt: skip


_CLEAN_ENV = {
    "GIT_AUTHOR_NAME": "Test Worker", "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test Worker", "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}  # fmt: skip


_HOMES = itertools.count()


def new_home(tmp_path_factory) -> Path:
    """A new empty folder for $HOME, in a folder of the test process's own (numbered
    here: ``mktemp`` looks through every folder made before, a few thousand by the end)."""
    folder = tmp_path_factory.getbasetemp() / "homes" / str(next(_HOMES))
    folder.mkdir(parents=True)
    return folder


def user_cache(tmp_path_factory) -> Path:
    """ppks's user cache (compiled letter templates, the year's holidays, the message
    catalogs), one per test process: kept from test to test as on a worker's own
    machine, where it is made once (compiling the letter templates again in every test
    took a fifth of a second each). Tests of the cache itself set their own."""
    folder = tmp_path_factory.getbasetemp() / "user-cache"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path_factory):
    """Every test starts in Indonesian with no ppks or git settings from the machine: an
    empty home folder (no ~/.gitconfig), and git's identity from the environment only;
    ppks's cache is the test process's (:func:`user_cache`)."""
    monkeypatch.setenv("HOME", str(new_home(tmp_path_factory)))
    monkeypatch.setenv("XDG_CACHE_HOME", str(user_cache(tmp_path_factory)))
    for name in ("PPKS_ROOT", "PPKS_LANG", "PPKS_WORKER", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in _CLEAN_ENV.items():
        monkeypatch.setenv(name, value)
    i18n.set_language("id")
    _common.reset_consoles()
    yield
    i18n.set_language("id")
    _common.reset_consoles()


@pytest.fixture
def repo(tmp_path) -> Repository:
    return Repository.create(tmp_path / "kasus", "Dinas Sosial Kota Medan")


@pytest.fixture
def mr_case(repo):
    return create_case(repo, prepare(MR))


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` and its bytes, to prove that nothing was written: not in
    ``.git`` (nor in ``.ppks-cache``: the index, a cache ignored by git, may be brought up
    to date by any command), which is not even walked."""
    skip = {".git", ".ppks-cache"}
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skip]
        for name in files:
            path = Path(folder, name)
            if name not in skip and path.is_file():
                found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


_APPS: dict[str, object] = {}
_TREES: dict[int, object] = {}


def ppks_app():
    """The ``ppks`` app in the current language, built once per language and test
    process, with typer's conversion of it to a click command tree kept too (about
    40 ms, which every in-process run would otherwise pay again; the tree holds no state
    of its own: each run gets a new context)."""
    language = i18n.get_language()
    if language not in _APPS:
        _APPS[language] = build_app()
    return _APPS[language]


def _tree_once(app):
    if id(app) not in _TREES:
        _TREES[id(app)] = _convert(app)
    return _TREES[id(app)]


_convert = _typer_testing._get_command
_typer_testing._get_command = _tree_once


def invoke(runner: CliRunner, args: list[str], **kwargs):
    """``runner.invoke`` of :func:`ppks_app`."""
    return runner.invoke(ppks_app(), args, **kwargs)


class Cli:
    """Runs ``ppks`` in-process against one repository."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, lang: str | None = None):
        prefix = ["--root", str(self.root)] if self.root else []
        if lang:
            prefix += ["--lang", lang]
        from ppks_cli.commands.app import _argv_value

        # the command tree is built in the language of this command line, as the entry
        # point builds it (not in the language a previous run left behind)
        argv = [*prefix, *args]
        i18n.set_language(
            i18n.choose_language(_argv_value(argv, "--lang"), _argv_value(argv, "--root", "-C"))
        )
        _common.reset_consoles()
        return invoke(self.runner, argv, input=input)


@pytest.fixture
def cli(repo) -> Cli:
    return Cli(repo.root)


def ppks_command() -> list[str]:
    """The installed ``ppks`` script (next to the interpreter running the tests)."""
    script = Path(sys.executable).with_name("ppks")
    if script.exists():
        return [str(script)]
    found = shutil.which("ppks")
    if found:
        return [found]
    return [sys.executable, "-m", "ppks_cli"]


def run_installed(
    *args: str,
    cwd: Path | None = None,
    env: dict | None = None,
    input: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess:
    """The installed ``ppks`` in a subprocess, exactly as a user runs it. Slow (a new
    interpreter each time): kept for the few true end-to-end tests."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PPKS_")}
    full_env.update(env or {})
    return subprocess.run(
        [*ppks_command(), *args],
        cwd=cwd,
        env=full_env,
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_ppks(
    *args: str,
    cwd: Path | None = None,
    env: dict | None = None,
    input: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess:
    """``ppks args`` run in-process, as the entry point would run it (language chosen from
    the arguments, working directory ``cwd``, extra environment ``env``, no terminal), with
    the result shaped like a finished subprocess. An unexpected exception is printed to
    stderr as a traceback, as the real program would."""
    import traceback

    from ppks_cli.commands.app import _argv_value

    old_cwd = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        clean = {k: None for k in os.environ if k.startswith("PPKS_")}
        with pytest.MonkeyPatch.context() as patch:
            for key, value in {**clean, **(env or {})}.items():
                if value is None:
                    patch.delenv(key, raising=False)
                else:
                    patch.setenv(key, value)
            i18n.set_language(
                i18n.choose_language(
                    _argv_value(list(args), "--lang"), _argv_value(list(args), "--root", "-C")
                )
            )
            _common.reset_consoles()
            result = invoke(CliRunner(), list(args), input=input, prog_name="ppks")
    finally:
        os.chdir(old_cwd)
        i18n.set_language("id")
        _common.reset_consoles()
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, stderr)


def git(*args: str, cwd: Path) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


TODAY = dt.date.today()


_BUILT: dict[str, tuple[Path, object]] = {}


def built_once(key: str, build, into: Path, tmp_path_factory) -> object:
    """A copy at ``into`` of the folder ``build(folder)`` fills, built once per test
    process and key; returns what ``build`` returned for it (IDs and such).

    Copying a ready folder is a fraction of the time of making it again through the
    commands (each commit runs several gits). ``build`` gets an empty folder of its own and
    must keep to it; git repositories in it (the folder itself, or a folder directly in
    it) may name each other as remotes by absolute path: in the copy those remotes name
    the copies. The copy keeps the files' times (a copy has new inodes: ppks's index sees
    every file as changed and reads them again). git's sample hooks (inert examples) are
    left out."""
    if key not in _BUILT:
        folder = tmp_path_factory.mktemp(f"built-{key}")
        with pytest.MonkeyPatch.context() as patch:  # as clean_environment leaves it,
            for name, value in _CLEAN_ENV.items():  # whichever test asks first
                patch.setenv(name, value)
            patch.setenv("HOME", str(new_home(tmp_path_factory)))
            patch.setenv("XDG_CACHE_HOME", str(user_cache(tmp_path_factory)))
            for name in ("PPKS_ROOT", "PPKS_LANG", "PPKS_WORKER", "NO_COLOR", "PPKS_EMAIL",
                         "EMAIL", "GIT_CONFIG_GLOBAL"):  # fmt: skip
                patch.delenv(name, raising=False)
            language = i18n.get_language()
            i18n.set_language("id")
            _common.reset_consoles()
            try:
                value = build(folder)
                # git's inert example hooks (a dozen files a repository), not copied
                for sample in (*folder.glob("*/hooks/*.sample"), *folder.glob("*/*/hooks/*.sample")):
                    sample.unlink()
                _BUILT[key] = (folder, value)
            finally:
                i18n.set_language(language)
                _common.reset_consoles()
    folder, value = _BUILT[key]
    shutil.copytree(folder, into, symlinks=True, dirs_exist_ok=True)
    for git_dir in (into / ".git", into, *(p for d in into.iterdir() for p in (d / ".git", d))):
        config = git_dir / "config"
        if (git_dir / "HEAD").is_file() and config.is_file():
            text = config.read_text(encoding="utf-8")
            if str(folder) in text:
                config.write_text(text.replace(str(folder), str(into)), encoding="utf-8")
    return value


def fill_repo(repo: Repository, key: str, build, tmp_path_factory) -> object:
    """:func:`built_once` for a fixture that fills the ``repo`` fixture's repository (no
    git) through the library: ``build(Repository)`` fills one made the same way once
    per test process; its files are copied into ``repo``; returns what it returned."""

    def made(folder: Path) -> object:
        return build(Repository.create(folder / repo.root.name, "Dinas Sosial Kota Medan"))

    return built_once(key, made, repo.root.parent, tmp_path_factory)


def _office(folder: Path) -> str:
    root = folder / "kasus"
    assert Cli(None)("init", str(root), "--worker", "Saskia").exit_code == 0
    result = Cli(root)(*NEW_MR_ARGS, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["id"]


@pytest.fixture
def git_office(tmp_path, tmp_path_factory) -> tuple[Path, str]:
    """A case repository in git (committing) with MR's case opened by the command line,
    as ``(root, case id)``: made once per test process, then copied for each test (a
    copy is a tenth of the time of ``init`` and ``new-case``)."""
    case_id = built_once("office", _office, tmp_path, tmp_path_factory)
    return tmp_path / "kasus", case_id


@pytest.fixture
def git_office_cli(git_office) -> tuple[Path, Cli, str]:
    """:func:`git_office` with a runner for it: ``(root, cli, case id)``."""
    root, case_id = git_office
    return root, Cli(root), case_id


def new_case(cli, name: str, worker: str = "Wati Sembiring") -> str:
    """Open a case for ``name`` through ``cli`` (duplicates allowed); its ID."""
    result = cli(
        "new-case", "--name", name, "--sex", "L", "--category", "pengemis",
        "--birth-year", "1970", "--source", "walk-in", "--intake-date", "2024-06-01",
        "--worker", worker, "--yes", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["id"]


def damage_a_record(root, cli, case_id: str) -> None:
    """A note whose worker is a number: the case refuses new records (exit 6)."""
    assert cli("note", case_id, "kunjungan", "--worker", "Wati Sembiring").exit_code == 0
    [note] = (root / "cases" / case_id / "records").glob("*-note-*.toml")
    note.write_text(note.read_text().replace('worker = "Wati Sembiring"', "worker = 5"))

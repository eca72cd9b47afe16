"""Running git safely: the one place a ``git`` process is started.

No git library: the ``git`` program is run with subprocess, with a fixed environment, a
short list of allowed protocols and settings that a repository's own ``.git/config``
cannot override. Values that come from a user or a repository always go after
``--end-of-options`` or ``--`` so git never reads them as options.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

from ppks_cli.errors import ExternalToolError, GitMissing, Refused

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's tree with nothing in it

# Transports git may use: no `ext::` (runs a command) and no `fd::`, whatever a remote
# URL or a setting says.
ALLOWED_PROTOCOLS = "file:git:http:https:ssh"

# Settings forced on every git that ppks runs: a repository folder copied from a USB stick
# brings its own .git/config, and these would run a program of its choosing. Hooks stay:
# they are the user's own, and the README promises a refusing pre-commit hook is respected.
SAFE_CONFIG = (
    "core.fsmonitor=false",  # a program run by `git status`
    "submodule.recurse=false",  # .gitmodules is committed: its URLs are the others'
    "fetch.recurseSubmodules=false",
    "protocol.ext.allow=never",
    "protocol.fd.allow=never",
)


def git_available() -> bool:
    """Whether the ``git`` program is on ``PATH``."""
    return shutil.which("git") is not None


def run(root: Path, *args: str, check: bool = True, env: dict[str, str] | None = None,
        input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:  # fmt: skip
    """Run ``git args`` in ``root``. A failure raises :class:`ExternalToolError` with
    git's own first line, unless ``check`` is false; a missing git raises
    :class:`GitMissing`.

    git runs with the protocols of :data:`ALLOWED_PROTOCOLS` only and the settings of
    :data:`SAFE_CONFIG`; callers put every value that comes from a user or a repository
    after ``--end-of-options`` or ``--``, so it is never read as an option."""
    if not git_available():
        raise GitMissing("error.git_missing")
    full_env = {
        **os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C",
        "GIT_ALLOW_PROTOCOL": ALLOWED_PROTOCOLS, **(env or {}),
    }  # fmt: skip
    forced = [part for setting in SAFE_CONFIG for part in ("-c", setting)]
    # git never reads the user's input: a repack that `git gc --auto` starts would take
    # revisions from it, and a form's answers typed ahead must stay for ppks
    stdin = {"input": input} if input is not None else {"stdin": subprocess.DEVNULL}
    result = subprocess.run(
        ["git", *forced, *args], cwd=root, env=full_env, capture_output=True, **stdin
    )
    if check and result.returncode != 0:
        raise ExternalToolError("error.git_failed", command=f"git {args[0]}",
                                detail=last_line(result.stderr))  # fmt: skip
    return result


# what git's index-pack writes while a pack comes in, renamed once it is whole
_PARTIAL_PACK = re.compile(r"^tmp_(pack|idx|rev)_[A-Za-z0-9]+$")


def fetch(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """``git fetch args`` (see :func:`run`). When it fails, the half-written pack files
    that this fetch left in ``objects/pack`` (``tmp_pack_*``, ``tmp_idx_*``, as large as
    what came before the transfer broke: a bundle cut short, a network gone) are
    removed: only files of those names that were not there before it started and were
    written since, never a link. Then :class:`ExternalToolError` as for :func:`run`,
    unless ``check`` is false."""
    import time

    where = run(root, "rev-parse", "--git-path", "objects/pack").stdout.strip()
    pack_dir = root / os.fsdecode(where)  # relative to root, or absolute
    before = _partial_packs(pack_dir)
    started = time.time() - 1  # file times may be a little coarse
    result = run(root, "fetch", *args, check=False)
    if result.returncode != 0:
        for name in _partial_packs(pack_dir) - before:
            path = pack_dir / name
            try:
                st = os.lstat(path)
                if stat.S_ISREG(st.st_mode) and st.st_mtime >= started:
                    path.unlink()
            except OSError:
                pass
        if check:
            raise ExternalToolError("error.git_failed", command="git fetch",
                                    detail=last_line(result.stderr))  # fmt: skip
    return result


def _partial_packs(pack_dir: Path) -> set[str]:
    try:
        return {name for name in os.listdir(pack_dir) if _PARTIAL_PACK.match(name)}
    except OSError:
        return set()


def last_line(output: bytes) -> str:
    """The last line of git's output (its own summary of a failure), or ""."""
    lines = output.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else ""


def out(root: Path, *args: str, check: bool = True) -> str:
    """git's standard output for ``git args``, decoded and stripped (see :func:`run`)."""
    return run(root, *args, check=check).stdout.decode("utf-8", "replace").strip()


def is_repository(root: Path) -> bool:
    """Whether ``root`` is inside a git work tree (False when git is missing)."""
    if not git_available():
        return False
    result = run(root, "rev-parse", "--is-inside-work-tree", check=False)
    return result.returncode == 0 and result.stdout.strip() == b"true"


def require_repository(root: Path) -> None:
    """For commands that need git: :class:`GitMissing` when git is missing,
    :class:`Refused` (``error.not_git``) when ``root`` is not in a repository."""
    if not git_available():
        raise GitMissing("error.git_missing")
    if not is_repository(root):
        raise Refused("error.not_git")


def has_commits(root: Path) -> bool:
    """Whether the repository of ``root`` has a first commit."""
    return run(root, "rev-parse", "--verify", "-q", "HEAD", check=False).returncode == 0


def prefix(root: Path) -> str:
    """The path of ``root`` inside its git work tree ("" at the top, else "a/b/")."""
    return out(root, "rev-parse", "--show-prefix")


def below(path: str, here: str) -> str:
    """A path git printed relative to the top of its work tree, made relative to the
    repository root whose :func:`prefix` is ``here``."""
    return path[len(here) :] if path.startswith(here) else path


def ref(root: Path, name: str) -> str | None:
    """The commit the ref ``name`` points to, or None when it does not exist."""
    result = run(root, "rev-parse", "--verify", "-q", "--end-of-options", name, check=False)
    return result.stdout.decode().strip() or None if result.returncode == 0 else None


def current_branch(root: Path) -> str:
    """The branch checked out; :class:`Refused` (``error.detached_head``) when none is."""
    branch = out(root, "symbolic-ref", "--short", "-q", "HEAD", check=False)
    if not branch:
        raise Refused("error.detached_head")
    return branch


def git_command(root: Path, *args: str) -> str:
    """A git command line to print for the user: it works as printed from any folder
    (``git -C ROOT ...`` unless the working directory is ``root`` itself)."""
    import shlex

    try:
        here = Path.cwd().resolve() == Path(root).resolve()
    except OSError:
        here = False
    where = [] if here else ["-C", str(root)]
    return shlex.join(["git", *where, *args])

"""Joining a team: a new clone of the office's repository (a path, a URL, or a bundle
file), on the branch that holds the cases whatever the remote's HEAD names, and the
remote's HEAD set by ``sync`` when it names no branch, so a plain ``git clone`` works
too."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ppks_cli import paths
from ppks_cli.errors import ExternalToolError, GitMissing, InvalidInput, Refused
from ppks_cli.git.runner import git_available, last_line, out, run

PREFERRED_BRANCH = "main"  # the branch `ppks init` makes
_BRANCH = re.compile(r"[\w.][\w./-]*")
# a remote helper (`ext::cmd`, `fd::3`, `x::...`): never, whatever GIT_ALLOW_PROTOCOL says
_HELPER = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*::")


@dataclass
class Cloned:
    """What :func:`clone` made: the new repository's ``root``, the ``branch`` checked
    out (tracking ``origin/branch``), and whether the source was a bundle file."""

    root: Path
    branch: str
    bundle: bool


def check_source(source: str) -> str:
    """``source`` as git is to be given it: an existing local path made absolute (so it
    never starts with "-"), else a URL git accepts. A value that starts with "-", holds
    a control character or names a remote helper (``ext::``, ``fd::``) raises
    :class:`InvalidInput` (``error.bad_clone_source``)."""
    from ppks_cli.config import escaped

    bad = (
        not source.strip() or source.startswith("-") or _HELPER.match(source)
        or any(ord(c) < 32 or ord(c) == 127 for c in source) or len(source) > 4096
    )  # fmt: skip
    if bad:
        raise InvalidInput("error.bad_clone_source", value=escaped(source[:200]))
    try:
        local = paths.usable_path(Path(source))
        if local.exists():
            return str(local.resolve())
    except (InvalidInput, OSError, ValueError):
        pass
    return source


def default_folder(source: str) -> str:
    """The folder name ``git clone`` would pick: the source's last part without
    ``.git`` or ``.bundle`` ("kasus" when nothing usable is left)."""
    name = re.split(r"[/\\:]", source.rstrip("/\\"))[-1]
    for suffix in (".git", ".bundle"):
        name = name.removesuffix(suffix)
    return name if re.fullmatch(r"[\w][\w.-]*", name) else "kasus"


def clone(source: str, target: Path) -> Cloned:
    """Clone ``source`` (see :func:`check_source`) into ``target`` (new, or an empty
    folder) and check out the branch holding ``ppks.toml``: the remote's HEAD branch if
    it holds one, else ``main``, else the only such branch; it tracks ``origin``.

    Raises :class:`InvalidInput` (a bad source; a file that is no git bundle),
    :class:`DamagedFile` (``error.bundle_damaged``: a bundle file cut short or
    corrupted), :class:`Refused` (``error.target_not_empty``; ``error.clone_not_ppks``
    when no branch holds ``ppks.toml``), :class:`GitMissing`, and
    :class:`ExternalToolError` (``error.clone_failed``: git could not reach or read it).
    Whatever fails, nothing is left behind in ``target``."""
    given = source
    source = check_source(source)
    target = paths.usable_path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise Refused("error.target_not_empty", path=str(target))
    if not git_available():
        raise GitMissing("error.git_missing")
    target = target.resolve()
    existed = target.exists()
    where = next(folder for folder in target.parents if folder.is_dir())
    result = run(where, "clone", "--quiet", "--no-checkout", "--origin", "origin",
                 "--end-of-options", source, str(target), check=False)  # fmt: skip
    if result.returncode != 0:
        _remove(target, existed)
        if Path(source).is_file():  # a bundle file: git's reason is about its contents
            from ppks_cli.git.bundle import unusable_bundle

            raise unusable_bundle(Path(source))
        raise ExternalToolError("error.clone_failed", source=given,
                                detail=last_line(result.stderr))  # fmt: skip
    try:
        branch = _case_branch(target)
        if branch is None:
            raise Refused("error.clone_not_ppks", source=given)
        run(target, "checkout", "--quiet", "-B", branch, "--track", f"origin/{branch}")
        run(target, "remote", "set-head", "origin", branch, check=False)
    except BaseException:
        _remove(target, existed)
        raise
    is_bundle = Path(source).is_file()
    return Cloned(target, branch, is_bundle)


def _remove(target: Path, existed: bool) -> None:
    """Take away what a failed clone left: the folder, or its contents when it was
    there (empty) before."""
    if not target.exists():
        return
    if not existed:
        shutil.rmtree(target, ignore_errors=True)
        return
    for item in target.iterdir():
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item, ignore_errors=True)
        else:
            item.unlink(missing_ok=True)


def _case_branch(root: Path) -> str | None:
    """The remote branch of a fresh clone that holds ``ppks.toml`` (see :func:`clone`)."""
    listed = out(root, "for-each-ref", "--format=%(refname)", "refs/remotes/origin/")
    branches = [
        name.removeprefix("refs/remotes/origin/") for name in listed.splitlines()
        if name != "refs/remotes/origin/HEAD"
    ]  # fmt: skip
    # a branch name from the remote is the others' data: plain names only
    branches = [b for b in branches if _BRANCH.fullmatch(b) and ".." not in b]
    holding = [
        b for b in branches
        if run(root, "cat-file", "-e", f"refs/remotes/origin/{b}:{paths.CONFIG_FILE}",
               check=False).returncode == 0
    ]  # fmt: skip
    head = out(root, "symbolic-ref", "-q", "HEAD", check=False).removeprefix("refs/heads/")
    for wanted in (head, PREFERRED_BRANCH):
        if wanted in holding:
            return wanted
    return holding[0] if len(holding) == 1 else None


def local_bare_path(root: Path, remote: str) -> Path | None:
    """The folder of ``remote`` (a configured remote's name) when it is a bare
    repository on this machine (a path or a ``file://`` URL), else None."""
    url = out(root, "remote", "get-url", "--push", "--end-of-options", remote, check=False)
    local = url.removeprefix("file://")
    if not url or local.startswith("-") or re.match(r"^[\w+.-]+://", local):
        return None
    if ":" in local.split("/", 1)[0]:  # scp-like ssh: host:path
        return None
    path = Path(local) if Path(local).is_absolute() else root / local
    if not path.is_dir():
        return None
    path = path.resolve()
    bare = run(path, f"--git-dir={path}", "rev-parse", "--is-bare-repository", check=False)
    return path if bare.returncode == 0 and bare.stdout.strip() == b"true" else None


def fix_remote_head(root: Path, remote: str, branch: str, *, elsewhere: bool = True) -> str:
    """After a sync of ``branch``: make the remote's HEAD name it when HEAD names a
    branch the remote does not have (a bare repository made by ``git init --bare`` where
    git's default branch is another, pushed to with ppks or plain git), so a plain
    ``git clone`` checks the cases out. A bare repository on this machine is looked at
    directly (a few local git calls); a remote elsewhere is asked (``git ls-remote``, one
    round trip over the network) only when ``elsewhere``.

    Returns "ok" (HEAD names an existing branch, or a remote elsewhere not asked), "set"
    (ppks set it: a bare repository on this machine) or "missing" (a remote elsewhere
    whose HEAD names no branch; the office fixes it there, see
    ``sync.remote_head_missing``)."""
    bare = local_bare_path(root, remote)
    if bare is not None:
        git_dir = f"--git-dir={bare}"
        head = out(bare, git_dir, "symbolic-ref", "-q", "HEAD", check=False)
        if head and run(bare, git_dir, "rev-parse", "--verify", "-q", "--end-of-options",
                        head, check=False).returncode == 0:  # fmt: skip
            return "ok"
        if run(bare, git_dir, "rev-parse", "--verify", "-q", "--end-of-options",
               f"refs/heads/{branch}", check=False).returncode != 0:  # fmt: skip
            return "ok"  # never point HEAD at a branch the remote lacks too
        run(bare, git_dir, "symbolic-ref", "HEAD", f"refs/heads/{branch}")
        return "set"
    if not elsewhere:
        return "ok"
    listed = run(root, "ls-remote", "--symref", "--end-of-options", remote, "HEAD", check=False)
    if listed.returncode != 0:
        return "ok"  # cannot tell; the push itself worked
    lines = listed.stdout.decode("utf-8", "replace").splitlines()
    # a HEAD that names an existing branch is listed with its commit
    return "ok" if any(line.endswith("\tHEAD") and not line.startswith("ref:")
                       for line in lines) else "missing"  # fmt: skip

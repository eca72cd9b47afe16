"""Committing what ppks wrote: exactly the given files, retried past a busy
``index.lock``, and a command to finish by hand when git refuses; the first commit of
a new case repository.

Commit messages never carry personal data: they name the case ID and what happened."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ppks_cli import paths
from ppks_cli.errors import ExternalToolError, GitMissing
from ppks_cli.git.runner import (
    below,
    git_available,
    git_command,
    has_commits,
    is_repository,
    out,
    prefix,
    run,
)
from ppks_cli.git.state import GitState, git_state, index_lock, remove_stale_index_lock
from ppks_cli.i18n import Msg

# Only what ppks itself renders or keeps for itself: a logo, a scan or a signed form
# (PNG, PDF) anywhere else is committed and reaches every colleague.
GITIGNORE = """\
# ppks: what ppks renders (out/), its lock and caches stay out of git
/out/
__pycache__/
.ppks-cache/
.ppks.lock
"""
GITATTRIBUTES = """\
# ppks: case files are text with LF line ends on every machine
*.toml text eol=lf
*.j2 text eol=lf
*.md text eol=lf
# lampiran (pindaian, foto) tidak pernah digabung atau dibandingkan sebagai teks
# attachments (scans, photos) are never merged or diffed as text
cases/*/attachments/* binary
"""

COMMIT_ATTEMPTS = 4  # a commit that meets a busy index.lock is tried again


@dataclass
class CommitResult:
    """What :func:`commit_paths` did: ``committed`` with the short ``sha``, or not, with
    the ``problem`` to tell the user (None when there was simply nothing to commit).
    ``paths`` are the files, relative to the repository root; ``commit`` and ``parent``
    the whole IDs, when known."""

    committed: bool
    sha: str | None = None
    problem: Msg | None = None  # why it did not commit, for the user
    paths: list[str] = field(default_factory=list)
    # the whole ID of the commit and of its parent, when it was made from HEAD's trees
    commit: str | None = None
    parent: str | None = None


def commit_paths(
    root: Path, files: Sequence[Path], message: str, worker: str | None = None, *,
    state: GitState | None = None,
) -> CommitResult:  # fmt: skip
    """Commit exactly ``files`` (and nothing else that is staged or edited) with
    ``message``. A commit that meets git's ``index.lock`` is retried (a stale lock left by
    a killed git is removed first). A failure leaves the files written but none of them
    staged, and says how to finish by hand, with a command that works as printed from any
    folder. Never raises for a refused commit: the result carries the problem. ``state``
    (:func:`~ppks_cli.git.state.git_state` of ``root``) saves looking it up.

    The commit is made from HEAD's trees, without git's index (:mod:`ppks_cli.git.plumbing`:
    the same few git processes at 50,000 cases as at 10); where that cannot be done
    exactly as ``git commit`` would (a commit hook, signed commits, the first commit),
    ``git add`` and ``git commit`` make it, without ``--only`` when nothing else is staged
    (``--only`` rebuilds and rehashes a whole index: half a minute at 50,000 cases).

    The files are added with ``--force``: they are exactly what ppks wrote to be shared
    (a case, a record, a stored scan), and an ignore rule (the ``*.pdf`` of an old
    ``.gitignore``, a user's global excludes) must not keep them from every colleague."""
    from ppks_cli.git import plumbing
    from ppks_cli.git.identity import commit_settings

    rel = sorted({os.path.relpath(f, root) for f in files})
    if not rel:
        return CommitResult(False)
    manual = manual_commit_command(root, rel, message)
    detail = ""
    try:
        env, settings = commit_settings(root, worker)
        state = state or git_state(root)
    except ExternalToolError as exc:
        return CommitResult(
            False, problem=Msg("git.commit_failed", detail=exc.message(), manual=manual),
            paths=rel,
        )  # fmt: skip
    use_plumbing = state is not None
    for attempt in range(COMMIT_ATTEMPTS):
        lines: list[str] = []
        try:
            if use_plumbing:
                try:
                    made = plumbing.commit_files(
                        root, state.top, state.git_dir, [root / r for r in rel], message, env,
                        settings,
                    )  # fmt: skip
                except plumbing.Unsupported:
                    use_plumbing = False
                except plumbing.Failed as exc:
                    if exc.step == "update-index":  # git's index.lock: try again below
                        lines = exc.lines or [str(exc)]
                    else:  # the branch moved meanwhile, or git refused: as git commit does
                        use_plumbing = False
                else:
                    if made is None:
                        return CommitResult(False, paths=rel)
                    _committed(root, state.git_dir)
                    commit, parent = made
                    return CommitResult(True, commit[:7], paths=rel, commit=commit, parent=parent)
            if not use_plumbing:
                result = _porcelain(root, rel, message, env)
                if result.returncode == 0:
                    if state is not None:
                        _committed(root, state.git_dir)
                    return CommitResult(True, out(root, "rev-parse", "--short", "HEAD"), paths=rel)
                stdout = result.stdout.decode("utf-8", "replace")
                if "nothing to commit" in stdout or "nothing added to commit" in stdout:
                    return CommitResult(False, paths=rel)
                text = (result.stderr or result.stdout).decode("utf-8", "replace")
                lines = text.strip().splitlines()
        except ExternalToolError as exc:
            _unstage(root, rel)
            return CommitResult(
                False, problem=Msg("git.commit_failed", detail=exc.message(), manual=manual),
                paths=rel,
            )  # fmt: skip
        detail = next((ln for ln in lines if ln.strip()), "")
        if not any("index.lock" in ln for ln in lines):
            break
        lock = index_lock(root)
        if lock is not None and remove_stale_index_lock(root) is None:
            detail = Msg("git.index_locked", file=str(lock))
        if attempt + 1 < COMMIT_ATTEMPTS:
            time.sleep(0.2 * (attempt + 1))
    _unstage(root, rel)
    return CommitResult(
        False, problem=Msg("git.commit_failed", detail=detail, manual=manual), paths=rel
    )


def _porcelain(root: Path, rel: Sequence[str], message: str, env: dict[str, str]):
    """``git add --force`` and ``git commit`` of ``rel``: the commit that runs the user's
    hooks. Without ``--only`` when nothing but these files is staged (one ``git
    diff-index``), which spares git rebuilding the whole index from HEAD."""
    added = run(root, "add", "--force", "--", *rel, check=False)
    if added.returncode != 0:
        return added
    only = ["--only", "--", *rel]
    staged = run(root, "diff-index", "--cached", "--name-only", "-z", "--no-renames", "HEAD",
                 "--", check=False)  # fmt: skip
    if staged.returncode == 0:
        here = prefix(root)
        names = {below(n, here) for n in staged.stdout.decode("utf-8", "replace").split("\0") if n}
        mine = {r.replace(os.sep, "/") for r in rel}
        if names <= mine and all(not n.startswith("../") for n in names):
            only = []
    return run(root, "commit", "--quiet", "--no-edit", "-m", message, *only, check=False, env=env)


def _committed(root: Path, git_dir: Path) -> None:
    """A commit was made: git's housekeeping, now and then (see
    :func:`ppks_cli.git.maintenance.after_commit`)."""
    from ppks_cli.git import maintenance

    maintenance.after_commit(root, git_dir)


def _unstage(root: Path, rel: Sequence[str]) -> None:
    """Take ``rel`` out of git's index again after a commit that did not happen (the
    index as at the last commit; a file new to git is simply untracked again), so that
    nothing ppks staged is left for the user's next ``git commit``. Best effort: a busy
    ``index.lock`` leaves the index as it is."""
    try:
        if has_commits(root):
            run(root, "reset", "--quiet", "--", *rel, check=False)
        else:
            run(root, "rm", "--cached", "--quiet", "-r", "--ignore-unmatch", "--", *rel,
                check=False)  # fmt: skip
    except ExternalToolError:
        pass


def manual_commit_command(root: Path, rel: Sequence[str], message: str) -> str:
    """``git add --force`` and ``git commit`` of exactly ``rel`` (paths relative to
    ``root``): what :func:`commit_paths` runs, so it works where an ignore rule matches."""
    return (
        git_command(root, "add", "--force", "--", *rel)
        + " && "
        + git_command(root, "commit", "-m", message, "--", *rel)
    )


def commit_identity_known(where: Path) -> bool:
    """Whether git can name the author and committer of a commit made in ``where`` (an
    existing folder) by itself: from its ``user.name`` and ``user.email``, its
    ``GIT_AUTHOR_*``/``GIT_COMMITTER_*`` variables, or what it can guess. Two git calls."""
    return all(
        run(where, "var", name, check=False).returncode == 0
        for name in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT")
    )


def init_repository(
    root: Path, worker: str | None, message: str, local_name: str | None = None
) -> CommitResult:
    """Make ``root`` (a new case repository) a git repository, or add it to the one it is
    inside, with a .gitignore, a .gitattributes and a first commit (``message``) by
    ``worker`` (None: git's own identity). ``local_name`` (a name already validated by
    :func:`ppks_cli.models.parse_worker`) becomes ``user.name`` of the new repository's
    own ``.git/config``: this clone's worker, never a shared setting; nothing is set when
    ``root`` is added to a repository it is inside. Raises :class:`GitMissing`
    (``error.git_missing_init``) without git."""
    from ppks_cli.tomlio import atomic_write_text

    if not git_available():
        raise GitMissing("error.git_missing_init")
    if not is_repository(root):
        run(root, "init", "--quiet")
        run(root, "symbolic-ref", "HEAD", "refs/heads/main")
        if local_name:
            run(root, "config", "--local", "--end-of-options", "user.name", local_name)
    written = []
    for name, text in ((".gitignore", GITIGNORE), (".gitattributes", GITATTRIBUTES)):
        path = root / name
        if not path.exists():
            atomic_write_text(path, text, root=root)
            written.append(path)
    repo = paths.RepoPaths(root)
    written += [repo.config, repo.cases / ".gitkeep"]
    return commit_paths(root, written, message, worker)

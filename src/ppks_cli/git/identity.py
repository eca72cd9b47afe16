"""Who a commit is by: the worker as author, git's own identity as committer."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ppks_cli.git.runner import run


@dataclass(frozen=True)
class Identity:
    """A git author or committer."""

    name: str
    email: str


def configured_identity(root: Path) -> tuple[str | None, str | None]:
    """git's own ``user.name`` and ``user.email`` (one git call for both); None for
    either that is not set. Values are read NUL-separated, so any character survives."""
    found = _commit_config(root)
    return found["user.name"], found["user.email"]


# settings that change how git writes its index and objects: with any of them set, ppks
# leaves staging and writing trees to git (ppks_cli.git.dircache, plumbing.store_loose);
# listed with the values that leave it as plain as git's default
WRITE_SETTINGS = {
    "core.splitindex": ("false",),
    "core.untrackedcache": ("false", "keep"),
    "core.ignorecase": ("false",),
    "core.precomposeunicode": ("false",),
    "core.sharedrepository": ("false", "umask"),
    "feature.manyfiles": ("false",),
    "index.threads": None,  # any: how git reads, not what it writes
}
_FALSE = ("false", "no", "off", "0")


def _commit_config(root: Path) -> dict[str, str | None]:
    """The settings a commit depends on, in one git call: ``user.name``,
    ``user.email``, ``core.hookspath``, ``commit.gpgsign``, and those that change how
    git writes its index (:data:`WRITE_SETTINGS`, and every ``index.*``). None when not
    set; the last value when set several times, as git reads it; ``"true"`` for a key
    given without a value."""
    found: dict[str, str | None] = dict.fromkeys(
        ("user.name", "user.email", "core.hookspath", "commit.gpgsign")
    )
    listing = run(root, "config", "-z", "--get-regexp",
                  r"^(user\.(name|email)|core\.(hookspath|splitindex|untrackedcache|ignorecase"
                  r"|precomposeunicode|sharedrepository)|commit\.gpgsign|feature\.manyfiles"
                  r"|index\..*)$",
                  check=False)  # fmt: skip
    for entry in listing.stdout.decode("utf-8", "replace").split("\0"):
        key, given, value = entry.partition("\n")
        if not key:
            continue
        if not given and not key.startswith("user."):  # a key without a value is true
            value = "true"
        found[key] = value or None
    return found


def _plain_writes(found: dict[str, str | None]) -> bool:
    """Whether no setting in ``found`` changes how git writes its index and objects."""
    for key, value in found.items():
        if value is None or not (key in WRITE_SETTINGS or key.startswith("index.")):
            continue
        plain = WRITE_SETTINGS.get(key, ())
        if plain is not None and value.strip().lower() not in plain + _FALSE:
            return False
    return True


def commit_settings(root: Path, worker: str | None):
    """The environment of :func:`identity_env` and the
    :class:`~ppks_cli.git.plumbing.Settings` a commit in ``root`` depends on (its hooks
    folder, whether commits are signed, whether git's index may be written in-process),
    from one git call."""
    from ppks_cli.git.plumbing import Settings

    found = _commit_config(root)
    sign = (found["commit.gpgsign"] or "false").strip().lower() not in _FALSE
    settings = Settings(
        hooks_path=found["core.hookspath"], gpg_sign=sign, plain_writes=_plain_writes(found)
    )
    return _identity(found["user.name"], found["user.email"], worker), settings


def identity_env(root: Path, worker: str | None) -> dict[str, str]:
    """The environment for a git command that makes commits (``GIT_AUTHOR_*`` and,
    when needed, ``GIT_COMMITTER_*`` variables; empty when git's own identity applies
    unchanged or no identity is known).

    The author is the worker (e-mail from ``$PPKS_EMAIL``, else git's own, else a
    placeholder), or git's own identity when no worker is known. The committer is git's
    own identity; on a machine that has none, the worker."""
    name, email = configured_identity(root)
    return _identity(name, email, worker)


def _identity(name: str | None, email: str | None, worker: str | None) -> dict[str, str]:
    if worker:
        slug = re.sub(r"[^a-z0-9]+", ".", worker.lower()).strip(".") or "pekerja"
        author = Identity(worker, os.environ.get("PPKS_EMAIL") or email or f"{slug}@ppks.invalid")
    elif name and email:
        author = Identity(name, email)
    else:
        return {}
    env = {"GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email}
    if not (name and email) and "GIT_COMMITTER_NAME" not in os.environ:
        env.update(GIT_COMMITTER_NAME=author.name, GIT_COMMITTER_EMAIL=author.email)
    return env

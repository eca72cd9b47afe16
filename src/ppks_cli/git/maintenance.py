"""git's housekeeping as a repository grows: the commit-graph with changed-path Bloom
filters, and ``git maintenance run --auto``.

``git log -- cases/ID`` (``ppks history``) looks at every commit of the history and, for
each, compares its ``cases/`` folder with its parent's: at 50,000 cases that folder is a
tree of 50,000 entries, and a long history took minutes. git's commit-graph with
*changed-path Bloom filters* (``git commit-graph write --changed-paths``) lets it skip,
without reading a tree, every commit that did not touch the case (25 times faster at
10,000 cases). Once a graph has the filters, every later write keeps them (git's own
``gc`` included).

ppks keeps the graph up to date:

- after every :data:`EVERY` commits it makes (:func:`after_commit`), and after a sync or
  a bundle import that brought commits (:func:`update`): a new layer holding the new
  commits (``--split``; git merges the layers as they grow), a few milliseconds;
- when a repository has no graph with filters yet and a long history (an older
  repository, a clone made by git itself), the first graph is written by a git process
  left running in the background (a long history takes a while; nothing waits for it):
  ``ppks history`` starts it when it finds none. A short history gets its graph at once.

ppks's own commits are made without ``git commit`` (:mod:`ppks_cli.git.plumbing`), which
would run ``git maintenance run --auto`` (git's ``gc --auto``: packing loose objects now
and then); :func:`update` runs it instead, and git's ``loose-objects`` task: every commit
writes the ``cases/`` tree anew (1.8 MB at 50,000 cases, stored uncompressed), and
``gc --auto`` waits for 6,700 loose objects (about 1,100 commits, 2 GB there); the task
packs the loose objects of the last commits once more than 100 lie loose (about 1 s of
CPU at 50,000 cases, every 32 commits) and removes those packed before. Everything here
is best effort: a failure leaves git as it was and never fails the command.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from ppks_cli.errors import PpksError
from ppks_cli.git.plumbing import common_dir
from ppks_cli.git.runner import ALLOWED_PROTOCOLS, SAFE_CONFIG, git_available, run

EVERY = 32  # commits made by ppks between two updates of the commit-graph
SHORT_HISTORY = 2000  # commits: a first graph this small is written at once
STATE_FILE = "ppks-maintenance.json"  # in .git/: commits since the last update, background git
BACKGROUND_SECONDS = 3600  # a background write older than this is not waited for


def graph_files(git_dir: Path) -> list[Path]:
    """The files of the repository's commit-graph, the newest layer last (none when
    it has no graph)."""
    info = common_dir(git_dir) / "objects" / "info"
    single = info / "commit-graph"
    chain = info / "commit-graphs" / "commit-graph-chain"
    try:
        layers = chain.read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        layers = []
    found = [info / "commit-graphs" / f"graph-{layer}.graph" for layer in layers]
    if not found and single.is_file():
        found = [single]
    return found


def _chunks(path: Path) -> set[bytes]:
    """The chunk IDs of a commit-graph file (``BIDX``/``BDAT``: the Bloom filters)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
            if len(head) < 8 or head[:4] != b"CGPH":
                return set()
            table = handle.read((head[6] + 1) * 12)
    except OSError:
        return set()
    return {table[i : i + 4] for i in range(0, len(table) - 11, 12)} - {b"\0\0\0\0"}


def has_changed_paths(git_dir: Path) -> bool:
    """Whether the repository has a commit-graph whose newest layer holds changed-path
    Bloom filters (read from the file's chunk table; no git process)."""
    files = graph_files(git_dir)
    return bool(files) and b"BIDX" in _chunks(files[-1])


def _state(git_dir: Path) -> dict:
    try:
        data = json.loads((git_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save(git_dir: Path, data: dict) -> None:
    """Write the state file: whole or not at all (a temporary file renamed), without
    waiting for the disk (a count lost to a power cut costs nothing)."""
    target = git_dir / STATE_FILE
    temporary = git_dir / f".{STATE_FILE}.{os.getpid()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        temporary.unlink(missing_ok=True)  # a killed command's (a link: the link itself)
        fd = os.open(temporary, flags, 0o600)  # never through a link planted there
    except OSError:  # a read-only .git, a leftover: never fails the command
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(data))
        os.replace(temporary, target)
    except OSError:
        temporary.unlink(missing_ok=True)


def after_commit(root: Path, git_dir: Path) -> None:
    """Count a commit ppks made; every :data:`EVERY` commits, :func:`update`."""
    data = _state(git_dir)
    count = data.get("commits", 0)
    count = count + 1 if isinstance(count, int) else 1
    if count < EVERY:
        data["commits"] = count
        _save(git_dir, data)
        return
    data["commits"] = 0
    _save(git_dir, data)
    update(root, git_dir)


def update(root: Path, git_dir: Path, *, auto_maintenance: bool = True) -> str:
    """Bring the commit-graph up to date (see the module's description) and, with
    ``auto_maintenance``, run ``git maintenance run --auto``. Returns what was done:
    ``"layer"`` (a new layer written), ``"written"`` (a first graph, at once),
    ``"background"`` (a first graph being written by a git left running), ``"running"``
    (one is being written already), or ``""`` (nothing: no git, no commit, a failure)."""
    if not git_available():
        return ""
    try:
        done = _update_graph(root, git_dir)
        if auto_maintenance:
            run(root, "maintenance", "run", "--auto", "--quiet", check=False)
            # the loose objects of the last commits go into a pack of their own, and
            # those packed before are removed (git's "loose-objects" task, when more than
            # 100 lie loose): each commit writes the whole cases/ tree again, 1.8 MB at
            # 50,000 cases, and gc --auto waits for 6,700 loose objects (2 GB there)
            run(root, "maintenance", "run", "--auto", "--task=loose-objects", "--quiet",
                check=False)  # fmt: skip
    except (OSError, PpksError):
        return ""
    return done


def _update_graph(root: Path, git_dir: Path) -> str:
    write = ["commit-graph", "write", "--reachable", "--changed-paths", "--no-progress"]
    if has_changed_paths(git_dir):
        done = run(root, *write, "--split", check=False)
        return "layer" if done.returncode == 0 else ""
    if running(git_dir, "commit_graph"):
        return "running"
    counted = run(root, "rev-list", "--count", f"--max-count={SHORT_HISTORY + 1}", "HEAD",
                  check=False)  # fmt: skip
    if counted.returncode != 0:
        return ""
    if int(counted.stdout.strip() or 0) <= SHORT_HISTORY:
        done = run(root, *write, check=False)
        return "written" if done.returncode == 0 else ""
    _start_background(root, git_dir, write)
    return "background"


def running(git_dir: Path, job: str) -> bool:
    """Whether the background ``job`` (``"commit_graph"``, ``"commit_index"``) noted by
    :func:`started` still runs (and began less than :data:`BACKGROUND_SECONDS` ago)."""
    data = _state(git_dir).get(job)
    if not isinstance(data, dict):
        return False
    pid, since = data.get("pid"), data.get("since")
    if not isinstance(pid, int) or not isinstance(since, (int, float)):
        return False
    if time.time() - since > BACKGROUND_SECONDS:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, owned by another user
    return True


def started(git_dir: Path, job: str, pid: int) -> None:
    """Note that the process ``pid`` runs the background ``job`` (see :func:`running`)."""
    data = _state(git_dir)
    data[job] = {"pid": pid, "since": time.time()}
    _save(git_dir, data)


def _start_background(root: Path, git_dir: Path, write: list[str]) -> None:
    """Start ``git WRITE...`` in a session of its own, its output nowhere, not waited
    for (git's lock on the graph keeps two writes apart)."""
    forced = [part for setting in SAFE_CONFIG for part in ("-c", setting)]
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C",
           "GIT_ALLOW_PROTOCOL": ALLOWED_PROTOCOLS}  # fmt: skip
    process = subprocess.Popen(
        ["git", *forced, *write], cwd=root, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    started(git_dir, "commit_graph", process.pid)

"""The commits that touched each case, kept in the index: what ``ppks history`` asks git
about instead of walking the whole history.

``git log -- cases/ID`` reads every commit of the history. git's changed-path Bloom
filters (:mod:`ppks_cli.git.maintenance`) let it skip most of them, but about one
commit in a hundred is a false positive, and at 50,000 cases each costs a comparison
of two ``cases/`` trees of 50,000 entries: with a long history that alone took
seconds. So the index keeps, for every commit reachable from HEAD, the cases whose
files it changed (table ``case_commits``; merges, whose changes git judges against
each parent, in ``merge_commits``), up to the commit in meta ``commits_head``:

- a commit ppks makes is entered as it is made (:func:`noted`);
- commits that came otherwise (a sync, ``git pull``, a commit by hand) are entered the
  next time the list is asked for: ``git log --name-only`` of the commits since
  ``commits_head`` (a history rewritten since, by a rebase or a reset, drops the
  commits no longer reachable first);
- a repository whose index has no list yet (an older one, a new clone) gets it from
  one pass over its whole history: at once when the history is short, else by a
  process left running in the background (``python -m ppks_cli.commit_index ROOT``),
  while ``ppks history`` asks git the usual way.

:func:`case_commits` gives the commits that may have touched a case; git then shows
exactly those of them that did (``git log --no-walk`` with the case's folder as
pathspec), newest first. Only a commit on a merged branch whose change to the case the
merge discarded is shown where ``git log -- cases/ID`` would have simplified it away.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from ppks_cli import paths

SHORT_RANGE = 2000  # commits: a pass this long is made at once, a longer one in the background
BATCH = 2000  # commits entered per transaction of a background pass
_MARK = "ppks-commit\x01"  # starts each commit in the log; never a path

# ``seq`` orders the commits as they were entered: a pass enters the oldest first, a
# commit ppks makes comes after everything entered, so the highest is the newest
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS case_commits (case_id TEXT NOT NULL, sha TEXT NOT NULL, "
    "seq INTEGER NOT NULL, PRIMARY KEY (case_id, sha)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS case_commits_sha ON case_commits (sha)",
    "CREATE TABLE IF NOT EXISTS merge_commits (sha TEXT PRIMARY KEY, seq INTEGER NOT NULL) "
    "WITHOUT ROWID",
)


def _tables(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA busy_timeout = 5000")
    for statement in _SCHEMA:
        conn.execute(statement)


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def cases_of(paths_changed: Iterable[str]) -> set[str]:
    """The case IDs whose folders the paths (relative to the repository root) are in."""
    from ppks_cli import ids

    found = set()
    for path in paths_changed:
        parts = path.split("/")
        if len(parts) >= 3 and parts[0] == paths.CASES_DIR and ids.CASE_ID_RE.match(parts[1]):
            found.add(parts[1])
    return found


def noted(repo, parent: str | None, commit: str, files: Iterable[Path]) -> None:
    """The commit ``commit`` (on top of ``parent``) that ppks made of ``files``: entered
    at once when the list is complete up to ``parent``. Best effort: otherwise the next
    :func:`case_commits` enters it. The table of letter numbers is moved on with it when
    it can be (:func:`ppks_cli.ledger.committed`)."""
    from ppks_cli import index_db, ledger

    files = list(files)
    cases = cases_of(repo.rel(Path(f)) for f in files)
    try:
        with index_db.connection(repo) as conn:
            _tables(conn)
            conn.execute("BEGIN IMMEDIATE")
            try:
                if parent is not None:  # the letter numbers' table, in the same transaction
                    ledger.committed(conn, repo, parent, commit, files)
                if parent is None or _meta(conn, "commits_head") != parent:
                    conn.execute("COMMIT")
                    return
                seq = _last_seq(conn) + 1
                _enter(conn, commit, cases, False, seq)
                _listed_to(conn, commit, seq)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
    except sqlite3.Error:
        pass


def case_commits(repo, case_id: str) -> list[str] | None:
    """The commits that may have touched the case ``case_id`` (every commit that changed
    a file in its folder, and every merge), newest first, the list first brought up to
    HEAD; None when the index cannot say yet (no list, or a long pass under way in the
    background): then ask git for the whole history. Raises nothing."""
    from ppks_cli import git, index_db

    if not git.git_available():
        return None
    found = git.run(repo.root, "rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
    head = found.stdout.decode().strip() if found.returncode == 0 else ""
    if not head:
        return None
    try:
        with index_db.connection(repo) as conn:
            _tables(conn)
            if not _up_to_date(repo, conn, head):
                return None
            rows = conn.execute(
                "SELECT sha, seq FROM case_commits WHERE case_id = ? "
                "UNION SELECT sha, seq FROM merge_commits ORDER BY seq DESC",
                (case_id,),
            ).fetchall()
    except sqlite3.Error:
        return None
    return [row[0] for row in rows]


def _up_to_date(repo, conn: sqlite3.Connection, head: str) -> bool:
    """Bring the list up to ``head`` (see the module's description); False when it
    cannot be done now."""
    from ppks_cli import git

    known = _meta(conn, "commits_head")
    if known == head:
        return True
    if known is None:
        return _whole_history(repo, conn, head)
    root = repo.root
    gone: list[str] = []
    if git.run(root, "merge-base", "--is-ancestor", known, head, check=False).returncode == 0:
        since = known
    else:  # a rebase or a reset: the commits no longer reachable leave the list first
        base = git.run(root, "merge-base", known, head, check=False).stdout.decode().strip()
        if not base:
            return _whole_history(repo, conn, head)
        gone = git.out(root, "rev-list", f"{base}..{known}", check=False).split()
        since = base
    count = git.out(root, "rev-list", "--count", f"{since}..{head}", check=False)
    if not count.isdigit() or int(count) > SHORT_RANGE:
        return _whole_history(repo, conn, head)
    conn.execute("BEGIN IMMEDIATE")
    try:
        if _meta(conn, "commits_head") != known:  # another ppks brought it up meanwhile
            conn.execute("ROLLBACK")
            return _meta(conn, "commits_head") == head
        conn.executemany("DELETE FROM case_commits WHERE sha = ?", [(sha,) for sha in gone])
        conn.executemany("DELETE FROM merge_commits WHERE sha = ?", [(sha,) for sha in gone])
        seq = _last_seq(conn)
        for commit, cases, merge in _commits(root, f"{since}..{head}"):
            seq += 1
            _enter(conn, commit, cases, merge, seq)
        _listed_to(conn, head, seq)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return True


def _last_seq(conn: sqlite3.Connection) -> int:
    return int(_meta(conn, "commits_seq") or 0)


def _listed_to(conn: sqlite3.Connection, head: str, seq: int) -> None:
    """Note that the commits up to ``head`` are entered, the last of them as ``seq``
    (inside the transaction that entered them)."""
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('commits_seq', ?)", (str(seq),))
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('commits_head', ?)", (head,))


def _enter(conn: sqlite3.Connection, commit: str, cases: set[str], merge: bool, seq: int) -> None:
    """Enter ``commit`` as the ``seq``-th (inside a transaction; the caller stores the
    last ``seq`` in meta ``commits_seq`` before it commits)."""
    if merge:
        conn.execute("INSERT OR IGNORE INTO merge_commits VALUES (?, ?)", (commit, seq))
    conn.executemany("INSERT OR IGNORE INTO case_commits VALUES (?, ?, ?)",
                     [(case, commit, seq) for case in cases])  # fmt: skip


def _commits(root: Path, revisions: str) -> Iterator[tuple[str, set[str], bool]]:
    """(commit, cases whose files it changed against its first parent, whether it is a
    merge) for every commit of ``revisions``, oldest first, read from one ``git log
    --name-only`` as it comes (no commit left out by a pathspec: every one is looked at)."""
    from ppks_cli.git.runner import ALLOWED_PROTOCOLS, SAFE_CONFIG

    forced = [part for setting in SAFE_CONFIG for part in ("-c", setting)]
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C",
           "GIT_ALLOW_PROTOCOL": ALLOWED_PROTOCOLS}  # fmt: skip
    command = ["git", *forced, "log", "-z", "--format=ppks-commit%x01%x00%H%x00%P", "--name-only",
               "--no-renames", "--relative", "--reverse", "--end-of-options", revisions,
               "--"]  # fmt: skip
    quiet = {"stdin": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    with subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, **quiet) as process:
        assert process.stdout is not None
        commit, parents, changed, step = "", "", [], -1
        pending = b""
        while chunk := process.stdout.read(1 << 16):
            tokens = (pending + chunk).split(b"\0")
            pending = tokens.pop()
            for raw in tokens:
                token = raw.decode("utf-8", "replace").lstrip("\n")
                if token == _MARK:  # a commit starts: its ID, its parents, its files
                    if commit:
                        yield commit, cases_of(changed), len(parents.split()) > 1
                    commit, parents, changed, step = "", "", [], 0
                elif step == 0:
                    commit, step = token, 1
                elif step == 1:
                    parents, step = token, 2
                elif step == 2 and token:
                    changed.append(token)
        if commit:
            yield commit, cases_of(changed), len(parents.split()) > 1
    if process.returncode not in (0, None):
        raise sqlite3.OperationalError(f"git log failed ({process.returncode})")


def _whole_history(repo, conn: sqlite3.Connection, head: str) -> bool:
    """Make the list from the whole history: at once when it is short, else in the
    background (False: not ready now)."""
    from ppks_cli import git

    counted = git.out(repo.root, "rev-list", "--count", f"--max-count={SHORT_RANGE + 1}", head,
                      check=False)  # fmt: skip
    if counted.isdigit() and int(counted) <= SHORT_RANGE:
        build(repo, head)
        return _meta(conn, "commits_head") == head
    _start_background(repo)
    return False


def build(repo, head: str | None = None) -> str | None:
    """Make the list from the whole history up to ``head`` (HEAD when None), in
    transactions of :data:`BATCH` commits (other commands may use the index meanwhile);
    ``commits_head`` is set last. Returns the commit it reached (None: no commit)."""
    from ppks_cli import git, index_db

    if head is None:
        found = git.run(repo.root, "rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
        head = found.stdout.decode().strip() if found.returncode == 0 else None
        if not head:
            return None
    with index_db.connection(repo) as conn:
        _tables(conn)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM meta WHERE key IN ('commits_head', 'commits_seq')")
        conn.execute("DELETE FROM case_commits")
        conn.execute("DELETE FROM merge_commits")
        conn.execute("COMMIT")
        seq = 0
        conn.execute("BEGIN IMMEDIATE")
        try:
            for commit, cases, merge in _commits(repo.root, head):
                seq += 1
                _enter(conn, commit, cases, merge, seq)
                if seq % BATCH == 0:
                    conn.execute("COMMIT")
                    conn.execute("BEGIN IMMEDIATE")
            _listed_to(conn, head, seq)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return head


def _start_background(repo) -> None:
    """Start ``python -m ppks_cli.commit_index ROOT`` in a session of its own, not waited
    for; not when one is running already (noted in git's folder, see
    :mod:`ppks_cli.git.maintenance`)."""
    from ppks_cli import git
    from ppks_cli.git import maintenance

    state = git.git_state(repo.root)
    if state is None or maintenance.running(state.git_dir, "commit_index"):
        return
    process = subprocess.Popen(
        [sys.executable, "-m", "ppks_cli.commit_index", os.fspath(repo.root)],
        cwd=repo.root, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    maintenance.started(state.git_dir, "commit_index", process.pid)


def main(argv: list[str]) -> int:
    """``python -m ppks_cli.commit_index ROOT``: make the list of ROOT's repository."""
    from ppks_cli.store import Repository

    try:
        build(Repository(Path(argv[0]).resolve()))
    except (OSError, sqlite3.Error):
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

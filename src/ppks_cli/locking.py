"""One writer at a time on a case repository.

Every command that writes (a record, a case, a letter number, a sync) holds the
repository's lock for its whole run: write and commit. Two commands started together
therefore run one after the other — the second waits a short, bounded time — so a letter
number is never issued twice and two commits never collide on git's index.

The lock is an operating-system lock (``flock``; ``msvcrt.locking`` on Windows) on a
small file: ``.git/ppks.lock`` in a git repository, else ``.ppks.lock`` in the
repository's root (listed in ``.gitignore``, never committed). The operating system
releases it when its process ends, however it ends, so a lock left by a killed command
never blocks the next one; the file then still names the dead holder, which tells the
next command to clean up after it (see :attr:`RepoLock.previous_died`). The holder
writes who it is (pid, host, command, start time) into the file, so a waiting command
can say who holds it. A normal release removes the file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ppks_cli.errors import Refused, WriteFailed

LOCK_NAME = "ppks.lock"  # inside .git/
ROOT_LOCK_NAME = ".ppks.lock"  # in the root of a repository without git
WAIT_SECONDS = 10.0  # how long a writer waits for another one before giving up
POLL_SECONDS = 0.05

# locks this process holds, by path: a command may ask twice (re-entrant)
_held: dict[str, RepoLock] = {}


class RepositoryBusy(Refused):
    """Another live command holds the repository's lock (exit 6)."""


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) a lock, as written in the lock file."""

    pid: int | None
    host: str | None
    command: str
    since: str

    @classmethod
    def read(cls, path: Path) -> Holder | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                int(data["pid"]), str(data.get("host", "")), str(data.get("command", "")),
                str(data.get("since", "")),
            )  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def alive(self) -> bool:
        """Whether the holder's process still runs (only knowable on this host)."""
        if self.host != host_name() or self.pid is None:
            return True
        return pid_alive(self.pid)


def host_name() -> str:
    """This machine's name, as ``socket.gethostname()`` gives it: from ``os.uname()``
    where there is one (the same system call, without importing ``socket``: a few
    milliseconds of every writing command)."""
    uname = getattr(os, "uname", None)
    if uname is not None:
        return uname().nodename
    import socket

    return socket.gethostname()


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this machine."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, belongs to someone else
        return True
    except OSError:
        return False
    return True


def lock_path(root: Path, git_dir: Path | None) -> Path:
    """Where the lock of the repository at ``root`` lives."""
    return git_dir / LOCK_NAME if git_dir is not None else root / ROOT_LOCK_NAME


class RepoLock:
    """The writer's lock of one repository. Use :func:`acquire`; call :meth:`release`
    when the command is done (the operating system releases it anyway at exit)."""

    def __init__(self, path: Path, fd: int, previous: Holder | None) -> None:
        self.path = path
        self._fd: int | None = fd
        self._depth = 1
        # the holder recorded by a command that died holding the lock, if any
        self.previous = previous

    @property
    def previous_died(self) -> bool:
        return self.previous is not None

    def release(self) -> None:
        self._depth -= 1
        if self._depth > 0 or self._fd is None:
            return
        _held.pop(str(self.path), None)
        try:
            os.unlink(self.path)  # while still locked: nobody can take a stale inode
        except OSError:
            pass
        _unlock(self._fd)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> RepoLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire(
    path: Path,
    command: str = "",
    *,
    wait: float | None = None,
    on_wait: Callable[[Holder | None], None] | None = None,
) -> RepoLock:
    """Take the lock file ``path``, waiting up to ``wait`` seconds (default
    :data:`WAIT_SECONDS`) while another live command holds it. ``on_wait`` is called
    once, with the holder, when the lock is not free at once.

    Raises :class:`RepositoryBusy` (``error.repository_busy``, exit 6) when still held
    after the wait, and :class:`WriteFailed` when the lock file cannot be made."""
    held = _held.get(str(path))
    if held is not None:
        held._depth += 1
        return held
    limit = WAIT_SECONDS if wait is None else wait
    deadline = time.monotonic() + limit
    told = False
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError as exc:
            raise WriteFailed(
                "error.write_failed", path=str(path), reason=exc.strerror or str(exc)
            ) from None
        if _try_lock(fd):
            try:
                same = os.fstat(fd).st_ino == os.stat(path).st_ino
            except OSError:
                same = False
            if same:
                previous = Holder.read(path)  # a file left with a holder: it was killed
                _write_holder(fd, command)
                died = previous is not None and not previous.alive()
                lock = RepoLock(path, fd, previous if died else None)
                _held[str(path)] = lock
                return lock
            # the file was removed by the holder that just released it: start again
            _unlock(fd)
            os.close(fd)
            continue
        os.close(fd)
        holder = Holder.read(path)
        if not told and on_wait is not None:
            on_wait(holder)
            told = True
        if time.monotonic() >= deadline:
            raise RepositoryBusy(
                "error.repository_busy",
                pid=holder.pid if holder else "?",
                command=holder.command if holder and holder.command else "ppks",
                since=holder.since if holder else "?",
                seconds=int(limit),
                file=str(path),
            )
        time.sleep(POLL_SECONDS)


def _write_holder(fd: int, command: str) -> None:
    info = {
        "pid": os.getpid(),
        "host": host_name(),
        "command": command,
        "since": dt.datetime.now().astimezone().replace(microsecond=0).isoformat(),
    }
    data = json.dumps(info).encode("utf-8")
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0) if hasattr(os, "pwrite") else _seek_write(fd, data)
    os.fsync(fd)


def _seek_write(fd: int, data: bytes) -> None:
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, data)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

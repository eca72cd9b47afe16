"""Give a generated repository a long history: one commit per note, as ppks makes them.

    python bench/history.py --cases 50000 [--commits 50000] [--seed 11]

``bench/generate.py`` writes every case in one commit; an office that used ppks for
years has one commit per record instead. This adds ``--commits`` commits on top of the
generated repository (``$PPKS_BENCH_DIR``/<cases>, default ``/tmp/ppks-bench``), each
adding one note to a random case: the note is written by ppks's core
(:func:`ppks_cli.casework.note`), the commit carries ppks's own message
(``2024-K7Q3M: note added``), the worker as author, and dates running through the last
year. The commits are made with ``git fast-import`` (one process for all of them: making
each with ``git commit`` would take hours at 50,000 cases), then git's index is told
about the new files (``git update-index --add``), so the work tree, the index and HEAD
agree as after any ppks command.

Done once per repository (``.git/ppks-bench-history`` remembers it). Progress goes to
stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402

MARKER = "ppks-bench-history"


def _slug(worker: str) -> str:
    return "".join(c if c.isalnum() else "." for c in worker.lower()).strip(".")


def lengthen(root: Path, commits: int, seed: int = 11) -> int:
    """Add ``commits`` note commits to the repository at ``root`` (see the module's
    description). Returns the number of commits added (0 when done before)."""
    from ppks_cli import casework
    from ppks_cli.changes import WriteOptions, commit_message
    from ppks_cli.store import Repository

    marker = root / ".git" / MARKER
    if marker.exists():
        print(f"history already long: {marker.read_text().strip()}", file=sys.stderr)
        return 0
    rng = random.Random(seed)
    repo = Repository.open(root)
    case_ids = repo.case_ids()
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, check=True,
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    importer = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=root,
                                stdin=subprocess.PIPE)  # fmt: skip
    assert importer.stdin is not None
    feed = importer.stdin
    start = int(time.time()) - 365 * 86400
    step = max(1, 365 * 86400 // max(commits, 1))
    written: list[str] = []
    started = time.monotonic()
    today = dt.date.today()
    with WriteOptions(commit=False, command="bench/history.py").writer(repo):
        for number in range(commits):
            case = repo.load_case(rng.choice(case_ids))
            when = start + number * step
            worker = rng.choice(generate.WORKERS)
            day = max(dt.date.fromtimestamp(when), case.file.intake.date)
            if case.damaged or case.id_mismatch or day > today:
                continue
            casework.note(repo, case, worker=worker, date=day,
                          text=f"Kontak ke-{number}: klien dihubungi via telepon.")  # fmt: skip
            (path,) = repo.written
            repo.written.clear()
            rel = repo.rel(path)
            data = path.read_bytes()
            message = commit_message(case.id, "note").encode()
            who = f"{worker} <{_slug(worker)}@ppks.invalid> {when} +0700".encode()
            feed.write(b"commit refs/heads/main\nauthor " + who + b"\ncommitter " + who + b"\n")
            feed.write(b"data %d\n%s\n" % (len(message), message))
            if number == 0:
                feed.write(f"from {head}\n".encode())
            feed.write(f"M 100644 inline {rel}\n".encode() + b"data %d\n" % len(data) + data)
            feed.write(b"\n")
            written.append(rel)
            if (number + 1) % 1000 == 0 or number + 1 == commits:
                rate = (number + 1) / (time.monotonic() - started)
                print(f"\r{number + 1}/{commits} commits, {rate:.0f}/s", end="", file=sys.stderr,
                      flush=True)  # fmt: skip
    print(file=sys.stderr)
    feed.close()
    if importer.wait() != 0:
        sys.exit("git fast-import failed")
    subprocess.run(["git", "update-index", "--add", "-z", "--stdin"], cwd=root, check=True,
                   input="".join(f"{p}\0" for p in written).encode())  # fmt: skip
    left = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                          check=True, capture_output=True, text=True).stdout  # fmt: skip
    if left.strip():
        sys.exit(f"the index does not match HEAD after the import:\n{left[:2000]}")
    marker.write_text(f"{len(written)} note commits, seed {seed}\n")
    return len(written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--commits", type=int, help="default: as many as cases")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    root = generate.ensure(args.cases)
    started = time.monotonic()
    made = lengthen(root, args.commits or args.cases, args.seed)
    if made:
        print(f"{made} commits added in {time.monotonic() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()

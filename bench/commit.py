"""Committing one record in a repository of 1,000 cases.

Every command that changes a case stages and commits only the files it wrote, so the
cost should not grow with the size of the repository. This builds a git-tracked case
repository with N cases (one commit), then times ``ppks note`` (write + commit) and
``ppks --no-commit note`` (write only) several times, and prints the medians: the
difference is the cost of the commit.

Run: python bench/commit.py [--cases 1000] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import make_repository, ppks  # noqa: E402


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = {**os.environ, "PPKS_WORKER": "Saskia", "GIT_AUTHOR_NAME": "Bench",
           "GIT_AUTHOR_EMAIL": "bench@example.invalid", "GIT_COMMITTER_NAME": "Bench",
           "GIT_COMMITTER_EMAIL": "bench@example.invalid"}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "kasus"
        make_repository(root, args.cases)
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        subprocess.run(["git", "commit", "-qm", "cases"], cwd=root, env=env, check=True)
        case_id = sorted((root / "cases").iterdir())[-1].name
        files = sum(1 for _ in (root / "cases").rglob("*.toml"))

        def timed(extra: list[str]) -> float:
            times = []
            for run in range(args.runs):
                start = time.perf_counter()
                subprocess.run([*ppks(), *extra, "note", case_id, f"catatan {run}"], cwd=root,
                               env=env, check=True, capture_output=True)  # fmt: skip
                times.append(time.perf_counter() - start)
            return statistics.median(times)

        with_commit = timed([])
        without = timed(["--no-commit"])
        print(f"{args.cases} cases, {files} files")
        print(f"ppks note (write + commit)  median {with_commit:.3f} s")
        print(f"ppks --no-commit note       median {without:.3f} s")
        print(f"cost of the commit          {with_commit - without:.3f} s")


if __name__ == "__main__":
    main()

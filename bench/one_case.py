"""Work on one case costs the same however large the repository is (issue 16).

    python bench/one_case.py [--sizes 1000,10000,50000] [--runs 7] [--rows ROWS]

For each size, the repository of ``bench/generate.py`` (``$PPKS_BENCH_DIR``/<size>, made
when missing) with a long history (``bench/history.py``: as many note commits as cases,
one per commit as ppks makes them), then, pair by pair in one run, each command that
touches one case against a reference:

- ``note`` (with its commit), ``new-case --yes`` (with its commit) and
  ``letter ID termination --issue --format pdf`` (with its commit; each run a case of
  its own) against a plain ``git add`` + ``git commit`` of one file in the same repository;
- ``history ID`` against ``git log -- cases/ID``; ``show ID`` and ``--help`` against
  ``python -c "import typer"``.

A writing command is measured twice a round: right after the reference (git has just
written its index: ppks reads the index whole, as ``git update-index`` would) and right
after that, when another ppks command came last (what a worker's day mostly is: ppks
then finds its places in git's index from the hints it keeps, see
``ppks_cli.git.dircache``). The verdicts use the second; the first is printed beside.

Every figure is the median of ``--runs`` runs (after one warm-up) of the CPU time of
the command and of every process it waited for (git), read with ``os.wait4`` (see
``bench/scale.py``), so that it says little about the other programs of a busy machine;
wall times are printed too. The verdicts are ratios measured in this run: a command at
the largest size against the same command at the smallest (goal: at most 1.5), the
letter's wall time on its own (goal 0.3 s on a quiet machine), ``--help`` against
``import typer`` (goal 1.5), ``history`` at the largest size (goal: under 1 s). The load
average of the machine is printed before and after.

Run it against a NON-editable install, as ``bench/scale.py`` says::

    python3 -m venv /tmp/ppks-bench/venv && /tmp/ppks-bench/venv/bin/pip install .
    PPKS_BENCH_DIR=/tmp/ppks-bench /tmp/ppks-bench/venv/bin/python bench/one_case.py
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402
import history  # noqa: E402
from scale import ENV, Run, installed_ppks, run_once  # noqa: E402

ROWS = ("note", "new-case", "letter", "history", "show", "help")
WRITES = ("note", "new-case", "letter")
SIGNATORY = (
    '\n[signatories.division_head]\ntitle = "Kepala Bidang Rehabilitasi Sosial"\n'
    'name = "Kabid Fiktif"\nnip = "197001012000031001"\n'
)
BENCH_ENV = {
    **ENV, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}  # fmt: skip


@dataclass
class Row:
    name: str
    reference_name: str
    ppks: dict[int, list[Run]] = field(default_factory=dict)  # size → runs
    reference: dict[int, list[Run]] = field(default_factory=dict)
    after_git: dict[int, list[Run]] = field(default_factory=dict)  # writes, git last


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, env=BENCH_ENV, capture_output=True,
                          text=True, check=True)  # fmt: skip
    return done.stdout


def median(runs: list[Run], attr: str = "cpu") -> float:
    return statistics.median(getattr(r, attr) for r in runs)


def prepare(size: int) -> Path:
    """The repository of ``size`` cases, ready: a long history, signatories for the
    letters, the index built, git's commit-graph with changed paths."""
    from ppks_cli.git import maintenance

    root = generate.ensure(size)
    history.lengthen(root, size)
    config = root / "ppks.toml"
    if not re.search(r"^\[signatories\.division_head\]", config.read_text(), re.MULTILINE):
        config.write_text(config.read_text() + SIGNATORY)
        git(root, "commit", "-q", "-m", "bench: signatories", "--", "ppks.toml")
    if not maintenance.has_changed_paths(root / ".git"):
        print(f"{size}: writing git's commit-graph with changed paths ...", file=sys.stderr)
        git(root, "commit-graph", "write", "--reachable", "--changed-paths")
    started = time.monotonic()
    subprocess.run([*installed_ppks(), "list", "--stage", "intake"], cwd=root, env=ENV,
                   capture_output=True, check=True)  # fmt: skip
    print(f"{size}: index up to date in {time.monotonic() - started:.0f} s", file=sys.stderr)
    # the commits of each case, as ppks lists them once for a history it did not make
    # (in the background; here waited for): the commits ppks makes are entered as made
    python = Path(installed_ppks()[0]).with_name("python")
    listed = subprocess.run([str(python), "-c", LISTED, str(root)], env=ENV,
                            capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    if listed != "yes":
        started = time.monotonic()
        subprocess.run([str(python), "-m", "ppks_cli.commit_index", str(root)], env=ENV,
                       check=True)  # fmt: skip
        print(f"{size}: the commits of each case listed in {time.monotonic() - started:.0f} s",
              file=sys.stderr)  # fmt: skip
    return root


# whether the index lists the commits of each case up to HEAD already
LISTED = """
import sys
from pathlib import Path
from ppks_cli import index
from ppks_cli.store import Repository
repo = Repository(Path(sys.argv[1]))
with index.connection(repo) as conn:
    row = conn.execute("SELECT value FROM meta WHERE key = 'commits_head'").fetchone()
print("yes" if row else "no")
"""


def terminated_cases(root: Path, ppks: list[str], wanted: int) -> list[str]:
    """``wanted`` cases whose termination letter can be drafted (nothing is written)."""
    listed = git(root, "ls-files", "--", "cases/*/records/*-termination-*.toml").split()
    found: list[str] = []
    for path in sorted({p.split("/")[1] for p in listed}, reverse=True):
        done = subprocess.run([*ppks, "--no-input", "letter", path, "termination"], cwd=root,
                              env=ENV, capture_output=True)  # fmt: skip
        if done.returncode == 0:
            found.append(path)
        if len(found) == wanted:
            return found
    raise SystemExit(f"{root}: fewer than {wanted} cases can have a termination letter")


@dataclass
class Plan:
    """How one row is run at one size: the ppks command of run ``i`` and the reference."""

    command: object  # (i) -> argv
    reference: object  # () -> argv


def plans(name: str, size: int, root: Path, runs: int, ppks: list[str]) -> Plan:
    typer = [sys.executable, "-c", "import typer"]
    case_ids = sorted(p.name for p in (root / "cases").iterdir() if p.name[:1].isdigit())
    busy = git(root, "log", "-1", "--format=%s").split(":")[0]  # a case of the long history
    one = busy if busy in case_ids else case_ids[len(case_ids) // 2]
    reference_file = root / "bench-reference.txt"

    def git_commit() -> list[str]:
        reference_file.write_text(f"{time.time_ns()}\n")
        return ["sh", "-c", "git add -- bench-reference.txt && git commit -q -m 'bench: reference'"]

    if name == "note":
        return Plan(lambda i: [*ppks, "note", one, f"catatan bench {i}"], git_commit)
    if name == "new-case":
        form = ["--sex", "L", "--category", "pengemis", "--source", "walk-in", "--birth-year",
                "1980", "--yes"]  # fmt: skip
        return Plan(lambda i: [*ppks, "--no-input", "new-case", "--name", f"Bench {i}", *form],
                    git_commit)  # fmt: skip
    if name == "letter":
        letters = terminated_cases(root, ppks, runs + 1)
        out = root.parent / f"bench-letter-{size}.pdf"
        return Plan(lambda i: [*ppks, "letter", letters[i], "termination", "--issue", "--new",
                               "--format", "pdf", "-o", str(out)], git_commit)  # fmt: skip
    if name == "history":
        log = ["git", "log", "--format=%H", "--name-status", "--", f"cases/{one}"]
        return Plan(lambda i: [*ppks, "history", one], lambda: log)
    if name == "show":
        return Plan(lambda i: [*ppks, "show", one], lambda: typer)
    return Plan(lambda i: [*ppks, "--help"], lambda: typer)  # help


def measure(rows: dict[str, Row], roots: dict[int, Path], runs: int, ppks: list[str]) -> None:
    """Each row in turn; within a row, run by run, every size one after the other (a
    command, then its reference), so that a change in the machine's load meets every
    size alike. One warm-up round first."""
    for name, row in rows.items():
        count = max(runs, 11) if name == "help" else runs
        writes = name in WRITES
        planned = {size: plans(name, size, root, 2 * count + 2 if writes else count, ppks)
                   for size, root in roots.items()}  # fmt: skip
        for size in roots:
            row.ppks[size], row.reference[size], row.after_git[size] = [], [], []
        for index in range(count + 1):
            for size, root in roots.items():
                plan = planned[size]
                done = []
                for attempt in (2 * index, 2 * index + 1) if writes else (index,):
                    done.append(run_once(plan.command(attempt), root, BENCH_ENV))
                    if done[-1].code != 0:
                        raise SystemExit(f"{name} at {size}: exit {done[-1].code}: "
                                         f"{plan.command(attempt)}")  # fmt: skip
                other = run_once(plan.reference(), root, BENCH_ENV)
                if index:
                    row.ppks[size].append(done[-1])
                    row.reference[size].append(other)
                    if writes:
                        row.after_git[size].append(done[0])
        for size in roots:
            print(f"{size:>6} {name:<9} {median(row.ppks[size]):.3f} s CPU  (reference "
                  f"{median(row.reference[size]):.3f} s)", file=sys.stderr)  # fmt: skip


def report(rows: dict[str, Row], sizes: list[int], loads: tuple) -> None:
    small, large = sizes[0], sizes[-1]
    print(f"\nwork on one case: medians of CPU seconds (the command and the git it ran), "
          f"{len(next(iter(rows.values())).ppks.get(small, []))} runs; load average "
          f"{loads[0]:.1f} before, {loads[1]:.1f} after\n")  # fmt: skip
    head = ["command", *(f"{s // 1000}k" for s in sizes), f"{large // 1000}k/{small // 1000}k",
            "reference", *(f"ref {s // 1000}k" for s in sizes), f"vs ref {large // 1000}k",
            "wall " + f"{large // 1000}k", f"git last: {small // 1000}k", f"{large // 1000}k",
            "ratio"]  # fmt: skip
    lines = [head]
    for row in rows.values():
        if not row.ppks:
            continue
        cpu = [median(row.ppks[s]) for s in sizes]
        ref = [median(row.reference[s]) for s in sizes]
        lines.append([
            row.name, *(f"{c:.3f}" for c in cpu), f"{cpu[-1] / cpu[0]:.2f}x",
            row.reference_name, *(f"{r:.3f}" for r in ref), f"{cpu[-1] / max(ref[-1], 1e-3):.2f}x",
            f"{median(row.ppks[large], 'wall'):.3f}",
            *((f"{median(row.after_git[small]):.3f}", f"{median(row.after_git[large]):.3f}",
               f"{median(row.after_git[large]) / median(row.after_git[small]):.2f}x")
              if row.after_git.get(small) else ("", "", "")),
        ])  # fmt: skip
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
    print()
    for row in rows.values():
        if not row.ppks:
            continue
        ratio = median(row.ppks[large]) / median(row.ppks[small])
        if row.name in ("note", "new-case", "letter"):
            print(f"{row.name}: {large} cases / {small} cases = {ratio:.2f}x (goal <= 1.5x): "
                  f"{'pass' if ratio <= 1.5 else 'FAIL'}")  # fmt: skip
        if row.name == "letter":
            wall = median(row.ppks[small], "wall")
            print(f"letter: {wall:.3f} s wall at {small} cases (goal <= 0.3 s on a quiet "
                  f"machine; this one's load is above)")  # fmt: skip
        if row.name == "history":
            wall = median(row.ppks[large], "wall")
            print(f"history: {wall:.3f} s wall at {large} cases (goal < 1 s): "
                  f"{'pass' if wall < 1 else 'FAIL'}")  # fmt: skip
        if row.name == "help":
            vs = median(row.ppks[large]) / median(row.reference[large])
            print(f"--help: {vs:.2f}x python -c 'import typer' (goal <= 1.5x): "
                  f"{'pass' if vs <= 1.5 else 'FAIL'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rows", default=",".join(ROWS), help="of: " + ", ".join(ROWS))
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    ppks = installed_ppks()
    references = {"note": "git add+commit", "new-case": "git add+commit",
                  "letter": "git add+commit", "history": "git log -- case",
                  "show": "import typer", "help": "import typer"}  # fmt: skip
    rows = {name: Row(name, references[name]) for name in ROWS if name in args.rows.split(",")}
    roots = {size: prepare(size) for size in sizes}
    before = os.getloadavg()[0]
    measure(rows, roots, args.runs, ppks)
    report(rows, sizes, (before, os.getloadavg()[0]))


if __name__ == "__main__":
    main()

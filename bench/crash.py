"""Crash and concurrency: kill writing commands at random moments, run pairs at once.

Each *kill trial* starts one writing command of the installed ``ppks`` (``note``,
``new-case``, ``letter``, or ``sync`` with a local record not yet pushed and a
colleague's record to receive) and sends it SIGKILL after a random delay. Then the next
command must work, and the repository is checked: every record that existed before is
still there with the same bytes (lost), no temporary file or empty case folder is left,
git is in no unfinished rebase and has no ``index.lock``, and nothing is left
uncommitted (stuck). Each *pair trial* starts two writing commands together on one
repository: both must end with exit 0 (or one refused with exit 6), both records
committed, no letter number issued twice, nothing stuck.

Run: python bench/crash.py [--kills 300] [--pairs 60] [--seed 1]
Columns: failures (a command that should have worked did not), refused (one of a pair
said clearly that the repository was busy), lost records, duplicate letter numbers,
stuck (the next command failed or something was left after it), repaired (a kill left
something that the next command repaired), mid-rebase (a sync killed inside its rebase).
The test suite runs a few dozen of these trials (tests/test_crash.py,
tests/test_concurrency.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CASE_ARGS = ["--sex", "L", "--birth-year", "1975", "--category", "pengemis",
             "--intake-date", "2024-02-16", "--source", "street-raid", "--found-at", "Simpang Pos",
             "--yes"]  # fmt: skip
SIGNATORIES = """
[signatories.head]
title = "Kepala Dinas Sosial Kota Medan"
name = "Drs. Kepala Fiktif"
rank = "Pembina Utama Muda (IV/c)"
nip = "196801011990031001"

[signatories.division_head]
title = "Kepala Bidang Rehabilitasi Sosial"
name = "Kabid Fiktif, S.Sos."
rank = "Pembina (IV/a)"
nip = "197502022005012002"
"""
ENV = {"PPKS_WORKER": "Saskia", "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@example.invalid",
       "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@example.invalid",
       "GIT_CONFIG_NOSYSTEM": "1", "PPKS_LANG": "en"}  # fmt: skip


def ppks_command() -> list[str]:
    script = Path(sys.executable).with_name("ppks")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ppks_cli"]


def env() -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("PPKS_")}, **ENV}


def start(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([*ppks_command(), *args], cwd=root, env=env(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*ppks_command(), *args], cwd=root, env=env(), capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=120)  # fmt: skip


def git(root: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(["git", *args], cwd=root, env=env(), capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {result.stderr}")
    return result.stdout


def make_repo(root: Path, with_remote: bool = False,
              ppks: Callable[..., subprocess.CompletedProcess] | None = None) -> str:  # fmt: skip
    """A git case repository with one assessed case (letters can be issued); with
    ``with_remote``, also a bare ``origin`` it is pushed to. Returns the case ID.
    ``ppks(where, *args)`` runs the commands that make it (default :func:`run`, the
    installed program; the tests pass one that runs them in-process, with :data:`ENV`)."""
    ppks = ppks or run
    assert ppks(root.parent, "init", str(root), "--worker", "Saskia").returncode == 0
    config = root / "ppks.toml"
    config.write_text(config.read_text() + SIGNATORIES)
    git(root, "commit", "-qam", "signatories")
    made = ppks(root, "new-case", "--name", "MR", *CASE_ARGS, "--json")
    case = json.loads(made.stdout)["id"]
    assert ppks(root, "assess", case, "--problem", "a", "--need", "b", "--summary", "c",
                "--date", "2024-02-20").returncode == 0  # fmt: skip
    if with_remote:
        origin = root.parent / "origin.git"
        git(root.parent, "init", "-q", "--bare", "-b", "main", str(origin))
        git(root, "remote", "add", "origin", str(origin))
        git(root, "push", "-q", "-u", "origin", "main")
    return case


@dataclass
class Figures:
    trials: int = 0
    failures: int = 0  # a command that should have worked did not (not a refusal)
    refused: int = 0  # one of a pair clearly refused (exit 6, message), nothing written
    lost: int = 0  # records that existed before a trial and are gone or changed after
    duplicates: int = 0  # letter numbers issued twice
    stuck: int = 0  # the next command fails, or a lock, temp file or half-done git remains
    mid_rebase: int = 0  # kills that left a sync's rebase half done (then repaired)
    leftover: int = 0  # kills that left something to repair (temp file, commit not made, ...)
    notes: list[str] = field(default_factory=list)

    def add(self, other: Figures) -> None:
        for name in ("trials", "failures", "refused", "lost", "duplicates", "stuck",
                     "mid_rebase", "leftover"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.notes += other.notes


def records(root: Path) -> dict[str, bytes]:
    """Every record and case file in the working tree, by path."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in (root / "cases").glob("*/**/*.toml")}  # fmt: skip


def letter_numbers(root: Path) -> list[str]:
    found = []
    for path in (root / "cases").glob("*/records/*-letter-*.toml"):
        try:
            found.append(tomllib.loads(path.read_text())["number"])
        except (OSError, ValueError, KeyError):
            pass
    return found


def leftovers(root: Path) -> list[str]:
    """What a clean repository never holds after a command has run."""
    bad = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if d != ".git"]  # git may still be at work there
        here = Path(folder).relative_to(root)
        bad += [(here / f).as_posix() for f in files if f.endswith(".tmp")]
    bad += [p.relative_to(root).as_posix() for p in (root / "cases").iterdir()
            if p.is_dir() and not any(p.rglob("*"))]  # fmt: skip
    git_dir = root / ".git"
    bad += [name for name in ("index.lock", "rebase-merge", "rebase-apply", "MERGE_HEAD",
                              "ppks-sync.json", "ppks-commit.json")
            if (git_dir / name).exists()]  # fmt: skip
    status = git(root, "status", "--porcelain", "--untracked-files=all")
    bad += [f"uncommitted {line[3:]}" for line in status.splitlines()]
    if not git(root, "symbolic-ref", "-q", "HEAD", check=False).strip():
        bad.append("detached HEAD")
    return bad


def compare(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    return [path for path, data in before.items() if after.get(path) != data]


def next_note(root: Path, case: str) -> tuple[int, str]:
    """The next command after a trial: `ppks note` (exit code, stderr)."""
    result = run(root, "note", case, "sesudah")
    return result.returncode, result.stderr


def check_after(root: Path, case: str, before: dict[str, bytes], figures: Figures, what: str,
                after: Callable[[Path, str], tuple[int, str]] = next_note) -> None:  # fmt: skip
    """The next command (``after``) works and the repository is whole and clean."""
    code, err = after(root, case)
    if code != 0:
        figures.stuck += 1
        figures.notes.append(f"{what}: next command failed: {err.strip()[:200]}")
    lost = compare(before, records(root))
    figures.lost += len(lost)
    if lost:
        figures.notes.append(f"{what}: lost {lost}")
    bad = leftovers(root)
    if bad:
        figures.stuck += 1
        figures.notes.append(f"{what}: left {bad}")
    numbers = letter_numbers(root)
    figures.duplicates += len(numbers) - len(set(numbers))


WRITERS = {
    "note": lambda case, i: ["note", case, f"catatan {i}"],
    "new-case": lambda case, i: ["new-case", "--name", f"Klien {i}", *CASE_ARGS],
    "letter": lambda case, i: ["letter", case, "assessment", "--issue", "--new", "-o", "-"],
}


def kill_after(process: subprocess.Popen, delay: float) -> None:
    """SIGKILL ``process`` once ``delay`` seconds have passed, unless it ended before
    (then nothing is left to kill, and there is no need to wait the rest)."""
    try:
        process.communicate(timeout=delay)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.communicate()


def kill_trial(root: Path, case: str, rng: random.Random, index: int, kind: str,
               max_delay: float = 1.2, after=next_note) -> Figures:  # fmt: skip
    """One command killed after a random delay, then the check."""
    figures = Figures(trials=1)
    before = records(root)
    process = start(root, *WRITERS[kind](case, index))
    kill_after(process, rng.uniform(0, max_delay))
    figures.leftover += bool(leftovers(root))
    check_after(root, case, before, figures, f"kill {kind} #{index}", after)
    return figures


def sync_kill_trial(work: Path, index: int, rng: random.Random, max_delay: float = 1.5) -> Figures:
    """A colleague pushed a record; we have one of our own, not pushed; `ppks sync` is
    killed at a random moment. Our record must survive and the next sync must work."""
    figures = Figures(trials=1)
    root, colleague = work / "kasus", work / "rekan"
    case = sorted(p.name for p in (root / "cases").iterdir() if p.is_dir())[0]
    assert run(colleague, "note", case, f"dari rekan {index}").returncode == 0
    assert run(colleague, "sync").returncode == 0
    assert run(root, "note", case, f"milik saya {index}").returncode == 0
    before = records(root)
    process = start(root, "sync")
    kill_after(process, rng.uniform(0, max_delay))
    figures.mid_rebase += (root / ".git" / "rebase-merge").exists()
    figures.leftover += bool(leftovers(root))
    check_after(root, case, before, figures, f"kill sync #{index}")
    again = run(root, "sync")
    if again.returncode != 0:
        figures.stuck += 1
        figures.notes.append(f"kill sync #{index}: next sync failed: {again.stderr.strip()[:200]}")
    lost = compare(before, records(root))
    figures.lost += len(lost)
    return figures


def time_sync(work: Path) -> float:
    """Seconds one whole `ppks sync` takes (with a record each way)."""
    root, colleague = work / "kasus", work / "rekan"
    case = sorted(p.name for p in (root / "cases").iterdir() if p.is_dir())[0]
    assert run(colleague, "note", case, "dari rekan").returncode == 0
    assert run(colleague, "sync").returncode == 0
    assert run(root, "note", case, "milik saya").returncode == 0
    began = time.monotonic()
    assert run(root, "sync").returncode == 0
    return time.monotonic() - began


def make_sync_pair(work: Path) -> None:
    root = work / "kasus"
    make_repo(root, with_remote=True)
    clone = subprocess.run(["git", "clone", "-q", str(work / "origin.git"), str(work / "rekan")],
                           capture_output=True, env=env())  # fmt: skip
    assert clone.returncode == 0, clone.stderr


def pair_trial(root: Path, case: str, kind: str, index: int, after=next_note) -> Figures:
    """Two commands of ``kind`` started together, then the check (``after``: the next
    command, as for :func:`kill_trial`)."""
    figures = Figures(trials=1)
    before = records(root)
    head = git(root, "rev-list", "--count", "HEAD").strip()
    first = start(root, *WRITERS[kind](case, f"{index}a"))
    second = start(root, *WRITERS[kind](case, f"{index}b"))
    results = [(p, *p.communicate()) for p in (first, second)]
    ok = 0
    for process, _out, err in results:
        if process.returncode == 0:
            ok += 1
        elif process.returncode == 6 and err.strip():
            figures.refused += 1
        else:
            figures.failures += 1
            figures.notes.append(
                f"pair {kind} #{index}: exit {process.returncode}: {err.strip()[:200]}"
            )
    commits = int(git(root, "rev-list", "--count", "HEAD").strip()) - int(head)
    if commits != ok:
        figures.failures += 1
        figures.notes.append(f"pair {kind} #{index}: {ok} succeeded, {commits} commits")
    check_after(root, case, before, figures, f"pair {kind} #{index}", after)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=300, help="kill trials (a quarter are syncs)")
    parser.add_argument("--pairs", type=int, default=60, help="concurrent pairs")
    parser.add_argument("--syncs", type=int, default=None,
                        help="sync kill trials (default: a quarter of --kills)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    by_kind: dict[str, Figures] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        root = work / "kasus"
        case = make_repo(root)
        syncs = args.kills // 4 if args.syncs is None else args.syncs
        for index in range(max(0, args.kills - syncs) if args.syncs is None else args.kills):
            kind = ("note", "new-case", "letter")[index % 3]
            trial = kill_trial(root, case, rng, index, kind)
            by_kind.setdefault(f"kill {kind}", Figures()).add(trial)
        for index in range(args.pairs):
            kind = ("note", "new-case", "letter")[index % 3]
            by_kind.setdefault(f"pair {kind}", Figures()).add(pair_trial(root, case, kind, index))
        sync_work = work / "sync"
        sync_work.mkdir()
        make_sync_pair(sync_work)
        # kill anywhere within how long one sync takes here (measured once)
        took = time_sync(sync_work)
        for index in range(syncs):
            by_kind.setdefault("kill sync", Figures()).add(
                sync_kill_trial(sync_work, index, rng, max_delay=took)
            )
        shutil.rmtree(sync_work, ignore_errors=True)
    total = Figures()
    print(f"{'trials':<14}{'n':>6}{'failures':>10}{'refused':>9}{'lost':>6}{'dup.nos':>9}"
          f"{'stuck':>7}{'repaired':>10}{'mid-rebase':>12}")  # fmt: skip
    for name, fig in sorted(by_kind.items()):
        total.add(fig)
        print(f"{name:<14}{fig.trials:>6}{fig.failures:>10}{fig.refused:>9}{fig.lost:>6}"
              f"{fig.duplicates:>9}{fig.stuck:>7}{fig.leftover:>10}"
              f"{fig.mid_rebase:>12}")  # fmt: skip
    print(f"{'total':<14}{total.trials:>6}{total.failures:>10}{total.refused:>9}{total.lost:>6}"
          f"{total.duplicates:>9}{total.stuck:>7}{total.leftover:>10}{total.mid_rebase:>12}"
          f"   ({time.monotonic() - started:.0f} s)")  # fmt: skip
    for note in total.notes[:20]:
        print("  " + note)


if __name__ == "__main__":
    main()

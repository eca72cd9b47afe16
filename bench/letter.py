"""One PDF letter from the command line (issue 16: at most 0.3 s wall on a quiet machine).

Builds a git repository holding the paper's case MR through termination, as an office
has it: committed, its index built, the letter templates compiled into the user's cache,
a letter issued before. Then, round by round (the order turning each round), runs:

- ``python -c "import typer"``: the yardstick of the machine's speed in that round;
- a draft: ``ppks letter ID termination --format pdf -o FILE``;
- an issued letter: the same with ``--issue`` (numbered, recorded and committed), each
  run on a case of its own (the same case MR, made once for each run), so that no case
  gathers a letter a run.

For each, the median of the wall time and of the CPU time (user + system, of the command
and of every git it ran), and the median ratio to ``import typer`` in the same round:
on a busy machine every figure grows, the ratios much less. The load average is printed
before and after.

Run it against a NON-editable install (an editable one reads ppks from the source
checkout)::

    python3 -m venv /tmp/ppks-bench/venv && /tmp/ppks-bench/venv/bin/pip install .
    /tmp/ppks-bench/venv/bin/python bench/letter.py [--runs N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import run_once  # noqa: E402
from startup import ppks  # noqa: E402

ENV = {
    **os.environ, "PPKS_WORKER": "Saskia", "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid", "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}  # fmt: skip
RACY_SECONDS = 2.5  # files younger than this are read again by the index (index.RACY_NS)


def make_case(root: Path, count: int = 1) -> str | list[str]:
    """A repository in ``root`` with ``count`` copies of the paper's case MR through
    termination; its ID (``count`` 1) or their IDs."""
    from ppks_cli import casework
    from ppks_cli.intake import NewCase, create_case, prepare
    from ppks_cli.records import Goal
    from ppks_cli.store import Repository

    repo = Repository.create(root, "Dinas Sosial Kota Medan")
    (root / "ppks.toml").write_text(
        (root / "ppks.toml").read_text()
        + '\n[signatories.division_head]\ntitle = "Kepala Bidang"\nname = "Kabid Fiktif"\n'
    )
    repo = Repository.open(root)
    made = []
    for _ in range(count):
        case = create_case(repo, prepare(NewCase(
            name="MR", sex="L", birth_year="1975", category="pengemis", source="street-raid",
            intake_date="2024-02-16", worker="Saskia",
        )), allow_duplicates=True)  # fmt: skip
        w = {"worker": "Saskia"}
        casework.assess(
            repo, case, problems=["Konflik dengan keluarga"], date=dt.date(2024, 2, 20), **w
        )
        casework.plan(
            repo, case, goals=[Goal(what="Kembali ke keluarga")], date=dt.date(2024, 2, 23), **w
        )
        casework.terminate(repo, case, reason="referred", outcome="Ditempatkan di UPT.",
                           placement="UPT Binjai", date=dt.date(2024, 6, 30), **w)  # fmt: skip
        made.append(case.id)
    return made[0] if count == 1 else made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    print("load average before:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "kasus"
        # a case for the draft and one for each issued letter (warm-up included): a
        # letter is issued on a case with the records an office's case has, not on one
        # that has gathered a letter a run
        cases = make_case(root, args.runs + 2)
        case_id, issued_on = cases[0], cases[1:]
        for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "kasus"]):
            subprocess.run(["git", *command], cwd=root, env=ENV, check=True)
        time.sleep(RACY_SECONDS)
        letter = [*ppks(), "letter", case_id, "termination", "--format", "pdf"]

        def issue(case: str) -> list[str]:
            return [*ppks(), "letter", case, "termination", "--format", "pdf", "--issue"]

        for warm in (["list"], [*letter[1:], "-o", f"{tmp}/warm.pdf"],
                     [*issue(issued_on[-1])[1:], "-o", f"{tmp}/warm.pdf"]):
            subprocess.run([*ppks(), *warm], cwd=root, env=ENV, check=True, capture_output=True)
        python = str(Path(sys.executable).with_name("python"))
        rows = {
            "python -c 'import typer'": lambda run: [python, "-c", "import typer"],
            "ppks letter ... --format pdf (draft)":
                lambda run: [*letter, "-o", f"{tmp}/draft-{run}.pdf"],
            "ppks letter ... --format pdf --issue":
                lambda run: [*issue(issued_on[run]), "-o", f"{tmp}/issued-{run}.pdf"],
        }  # fmt: skip
        names = list(rows)
        found: dict[str, list] = {name: [] for name in names}
        for run in range(args.runs):
            turn = run % len(names)
            got = {}
            for name in names[turn:] + names[:turn]:
                got[name] = run_once(rows[name](run), root, ENV)
                if got[name].code != 0:
                    sys.exit(f"{name} failed (exit {got[name].code})")
            yardstick = got[names[0]]
            for name in names:
                found[name].append((got[name], got[name].wall / yardstick.wall,
                                    got[name].cpu / yardstick.cpu))  # fmt: skip
        print(f"medians of {args.runs} runs:")
        for name in names:
            runs = found[name]
            wall = statistics.median(r.wall for r, _, _ in runs)
            cpu = statistics.median(r.cpu for r, _, _ in runs)
            ratio = statistics.median(w for _, w, _ in runs)
            cpu_ratio = statistics.median(c for _, _, c in runs)
            print(f"  {name:44s} wall {wall:.3f} s (min {min(r.wall for r, _, _ in runs):.3f})"
                  f"  CPU {cpu:.3f} s   x import typer: wall {ratio:.2f}, CPU {cpu_ratio:.2f}")
    print("load average after:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print("goal: one PDF letter at most 0.3 s wall on a quiet machine")


if __name__ == "__main__":
    main()

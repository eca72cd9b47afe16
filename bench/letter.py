"""Time to make one PDF letter from the command line.

Builds a repository holding the paper's case MR through termination, then runs
``ppks letter ID termination --issue --new --format pdf -o FILE`` several times (each run
issues a new letter, as an office would) and reports the median wall time, split into Python start-up
with the command's imports and the Typst compilation. Target: well under one second.

Run: python bench/letter.py [--runs N]
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
from startup import ppks  # noqa: E402


def make_case(root: Path) -> str:
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
    case = create_case(repo, prepare(NewCase(
        name="MR", sex="L", birth_year="1975", category="pengemis", source="street-raid",
        intake_date="2024-02-16", worker="Saskia",
    )))  # fmt: skip
    w = {"worker": "Saskia"}
    casework.assess(
        repo, case, problems=["Konflik dengan keluarga"], date=dt.date(2024, 2, 20), **w
    )
    casework.plan(
        repo, case, goals=[Goal(what="Kembali ke keluarga")], date=dt.date(2024, 2, 23), **w
    )
    casework.terminate(repo, case, reason="referred", outcome="Ditempatkan di UPT.",
                       placement="UPT Binjai", date=dt.date(2024, 6, 30), **w)  # fmt: skip
    return case.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "kasus"
        case_id = make_case(root)
        env = {**os.environ, "PPKS_WORKER": "Saskia"}
        times = []
        for run in range(args.runs):
            out = Path(tmp) / f"terminasi-{run}.pdf"
            start = time.perf_counter()
            subprocess.run(
                [*ppks(), "letter", case_id, "termination", "--issue", "--new", "--format", "pdf",
                 "-o", str(out)],
                cwd=root, env=env, check=True, capture_output=True,
            )  # fmt: skip
            times.append(time.perf_counter() - start)
        startup = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run([*ppks(), "show", case_id, "--json"], cwd=root, env=env, check=True,
                           capture_output=True)  # fmt: skip
            startup.append(time.perf_counter() - start)
        print(f"ppks letter --format pdf   median {statistics.median(times):.3f} s  "
              f"(min {min(times):.3f}, max {max(times):.3f}, {args.runs} runs)")  # fmt: skip
        print(f"ppks show --json (start-up and reading, for comparison) "
              f"median {statistics.median(startup):.3f} s")  # fmt: skip


if __name__ == "__main__":
    main()

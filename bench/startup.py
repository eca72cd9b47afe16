"""Start-up and listing speed of the installed ``ppks``.

Measures ``ppks --help``, and ``ppks list --json`` / ``ppks check`` on a generated
repository of 1,000 fictional cases. Targets: ``--help`` under 0.3 s, listing 1,000 cases
under 3 s on an office laptop. Run: python bench/startup.py [--cases N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def ppks() -> list[str]:
    script = Path(sys.executable).with_name("ppks")
    return [str(script)] if script.exists() else [shutil.which("ppks") or "ppks"]


def timed(args: list[str], cwd: Path, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([*ppks(), *args], cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def make_repository(root: Path, count: int) -> None:
    from ppks_cli.intake import NewCase, create_case, prepare
    from ppks_cli.store import Repository

    repo = Repository.create(root, "Dinas Sosial Kota Medan")
    for number in range(count):
        form = NewCase(
            name=f"Klien {number}", sex="LP"[number % 2], category="pengemis",
            source="street-raid", intake_date="2024-02-16", worker="Saskia",
            birth_year=str(1950 + number % 60),
        )  # fmt: skip
        create_case(repo, prepare(form), allow_duplicates=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "kasus"
        make_repository(root, args.cases)
        print(f"ppks --help                 {timed(['--help'], root):.3f} s")
        print(f"ppks list --json ({args.cases} cases) {timed(['list', '--json'], root, 3):.3f} s")
        print(f"ppks check       ({args.cases} cases) {timed(['check'], root, 3):.3f} s")


if __name__ == "__main__":
    main()

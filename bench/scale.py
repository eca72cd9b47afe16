"""ppks at office scale, against references, measured pair by pair in one run (issue 10).

    python bench/scale.py --cases 10000 [--runs 5] [--stage intervention]

Benches must run against a NON-editable install (an editable one reads the sources
through an import hook and is slower to start), in a venv of its own, e.g.::

    python3 -m venv /tmp/ppks-bench/venv && /tmp/ppks-bench/venv/bin/pip install .
    /tmp/ppks-bench/venv/bin/python bench/scale.py --cases 10000

The ``ppks`` measured is the one next to ``sys.executable``; ``python -c "import typer"``
runs with that same interpreter. The repository comes from ``bench/generate.py`` (made
when missing, kept under ``/tmp/ppks-bench/<N>``, ``$PPKS_BENCH_DIR`` to move it).

Each row runs its two commands alternately (one warm-up each, then ``--runs`` pairs) and
reports the medians of wall time (and of CPU time for ppks); peak memory is the largest
``ru_maxrss`` over the runs, read with ``os.wait4`` by a small trampoline process (see
:data:`TRAMPOLINE`; it covers the children the command waited for, e.g. git). Output
goes to a pipe, with ``COLUMNS=80``. ``--rows`` picks measurements (at 50k cases,
``--rows list`` is the one with a goal, and ``--rows report,export`` issue 14's).

Issue 14's rows (``report``, ``export``): ``report --year``, ``export cases --format
xlsx``, ``export records --format csv`` and ``export letters`` (CSV), each against
``ppks list`` of every case in the same run (a report and an export read every case
too), within 3x; peak memory under 150 MiB. The exports are written with ``--force`` to
one file beside the repository (``<N>-export.*``), removed at the end.

Taskwarrior (the reference for ``list``): Debian's ``taskwarrior`` 2.6. Found as
``$PPKS_BENCH_TASK``, ``task`` on PATH, or ``/tmp/ppks-bench/taskwarrior/usr/bin/task``;
to get it without root: ``cd /tmp/ppks-bench && apt-get download taskwarrior &&
dpkg -x taskwarrior_*.deb taskwarrior``. Its data set holds the same N cases as N
*pending* tasks (so that all N are read, as the issue's "over 10,000 tasks" says), one
per case, with the case's stage as ``project``, its category as a tag, the client's name
and case ID as description and the intake date as ``entry``; imported once with
``task import`` into ``/tmp/ppks-bench/<N>-taskwarrior`` (TASKRC/TASKDATA point there).
Settings: ``confirmation=off``, ``verbose=nothing``, ``hooks=off``, ``color=off``,
``news.version`` set (no "news" nag); garbage collection is left at its default (on),
as a user has it: with nothing completed or deleted it finds nothing to move.

Skipped with a note: ``ppks due`` when the installed ppks has no such command, and the
Taskwarrior row when ``task`` is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402

MiB = 1024 * 1024
ROWS = ("list", "search", "due", "new-case", "status", "report", "export", "cold", "startup")
TASK_HINT = (
    "taskwarrior not found: cd /tmp/ppks-bench && apt-get download taskwarrior && "
    "dpkg -x taskwarrior_*.deb taskwarrior   (or set $PPKS_BENCH_TASK)"
)
ENV = {**os.environ, "COLUMNS": "80", "LC_ALL": "C.UTF-8", "PPKS_WORKER": "Saskia Harahap"}


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds
    rss: int  # bytes
    code: int


# Each command runs under this trampoline: a fresh small process that forks, execs the
# command and reports the child's own rusage on the file descriptor it is given. (A child
# spawned straight from the bench inherits the bench's peak RSS across exec, so its
# ru_maxrss would read at least the bench's own; here the floor is the trampoline's,
# about 5 MiB.)
TRAMPOLINE = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
code = os.waitstatus_to_exitcode(status)
cpu = usage.ru_utime + usage.ru_stime
os.write(int(sys.argv[1]), f"{wall} {cpu} {usage.ru_maxrss} {code}".encode())
"""


def run_once(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run ``cmd`` once: wall time, CPU time and peak RSS of that process alone."""
    read, write = os.pipe()
    try:
        subprocess.run(
            [sys.executable, "-I", "-S", "-c", TRAMPOLINE, str(write), *cmd],
            cwd=cwd, env=env or ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(write,), check=False,
        )  # fmt: skip
        os.close(write)
        write = -1
        report = b""
        while chunk := os.read(read, 4096):
            report += chunk
    finally:
        os.close(read)
        if write != -1:
            os.close(write)
    wall, cpu, rss, code = report.split()
    return Run(float(wall), float(cpu), int(rss) * 1024, int(code))


@dataclass
class Row:
    name: str
    ppks: list[Run]
    reference: list[Run] | None
    reference_name: str
    goal: float | None  # ratio ppks / reference at most
    note: str = ""
    memory: int = 100  # MiB: the peak RSS of the ppks command stays below it

    @staticmethod
    def median(runs: list[Run], attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in runs)

    @property
    def ratio(self) -> float | None:
        if not self.reference:
            return None
        return self.median(self.ppks, "wall") / self.median(self.reference, "wall")

    @property
    def cpu_ratio(self) -> float | None:
        """The same ratio in CPU time: steadier than wall time on a busy machine."""
        if not self.reference:
            return None
        return self.median(self.ppks, "cpu") / max(self.median(self.reference, "cpu"), 1e-3)


def pair(
    name: str, first: list[str], second: list[str] | None, cwd: Path, runs: int,
    reference_name: str, goal: float | None, *, between=None, env2=None,
) -> Row:  # fmt: skip
    """Run ``first`` (ppks) and ``second`` (the reference) alternately: one warm-up each,
    then ``runs`` pairs. ``between`` is called after every run of ``first``."""
    a: list[Run] = []
    b: list[Run] = []
    for index in range(runs + 1):
        got = run_once(first, cwd)
        if between:
            between(got)
        if index:
            a.append(got)
        if second is not None:
            other = run_once(second, cwd, env2)
            if index:
                b.append(other)
    return Row(name, a, b or None, reference_name, goal)


def find_task() -> str | None:
    for candidate in (
        os.environ.get("PPKS_BENCH_TASK"),
        shutil.which("task"),
        str(generate.DEFAULT_ROOT / "taskwarrior" / "usr" / "bin" / "task"),
    ):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def taskwarrior_data(task: str, repo: Path, ppks: list[str]) -> tuple[dict[str, str], Path]:
    """The Taskwarrior environment (TASKRC, TASKDATA) holding one pending task per case of
    ``repo``, imported when missing."""
    folder = repo.with_name(repo.name + "-taskwarrior")
    rc = folder / "taskrc"
    data = folder / "data"
    env = {**ENV, "TASKRC": str(rc), "TASKDATA": str(data)}
    done = folder / "imported"
    if done.exists():
        return env, folder
    shutil.rmtree(folder, ignore_errors=True)
    data.mkdir(parents=True)
    rc.write_text(
        f"data.location={data}\nconfirmation=off\nverbose=nothing\nhooks=off\ncolor=off\n"
        "news.version=2.6.0\n"
    )
    listed = subprocess.run(
        [*ppks, "list", "--json"], cwd=repo, env=ENV, capture_output=True, check=True
    )
    cases = json.loads(listed.stdout)
    tasks = [
        {
            "description": f"{c['name']} ({c['id']})",
            "project": c["stage"],
            "tags": [c["category"]],
            "entry": c["intake_date"].replace("-", "") + "T080000Z",
            "status": "pending",
        }
        for c in cases
    ]
    source = folder / "tasks.json"
    source.write_text("\n".join(json.dumps(t) for t in tasks) + "\n")
    print(f"importing {len(tasks)} tasks into Taskwarrior ...", file=sys.stderr)
    started = time.monotonic()
    subprocess.run([task, "rc.verbose=nothing", "import", str(source)], env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    print(f"imported in {time.monotonic() - started:.0f} s", file=sys.stderr)
    done.write_text(f"{len(tasks)}\n")
    return env, folder


def installed_ppks() -> list[str]:
    script = Path(sys.executable).with_name("ppks")
    if not script.exists():
        sys.exit(f"no ppks next to {sys.executable}: pip install . into this venv first")
    return [str(script)]


def has_command(ppks: list[str], name: str, cwd: Path) -> bool:
    return subprocess.run([*ppks, name, "--help"], cwd=cwd, env=ENV,
                          capture_output=True).returncode == 0  # fmt: skip


def duplicate_form(repo: Path, name: str) -> list[str]:
    """``new-case`` options for a client that repeats the case of ``name`` (same name, sex,
    birth year), so that the duplicate check refuses it and nothing is written."""
    found = subprocess.run(["git", "grep", "-l", f'name = "{name}"', "--", "cases/*/case.toml"],
                           cwd=repo, capture_output=True, text=True, check=True)  # fmt: skip
    data = tomllib.loads((repo / found.stdout.split()[0]).read_text())
    client = data["client"]
    options = ["--name", client["name"], "--sex", client["sex"], "--category", data["category"],
               "--source", "street-raid", "--worker", "Saskia Harahap"]  # fmt: skip
    if client.get("birth_date"):
        options += ["--birth-date", str(client["birth_date"])]
    elif client.get("birth_year"):
        options += ["--birth-year", str(client["birth_year"])]
    if client.get("nik"):
        options += ["--nik", client["nik"]]
    return options


def fmt_time(runs: list[Run] | None) -> str:
    return f"{Row.median(runs, 'wall'):.3f} s" if runs else "-"


def fmt_rss(runs: list[Run] | None) -> str:
    return f"{max(r.rss for r in runs) / MiB:.0f} MiB" if runs else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stage", default="intervention")
    parser.add_argument("--name", default="Butet", help="the name searched for")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--year", default=str(time.localtime().tm_year - 1),
                        help="the year `ppks report` counts (default: last year)")
    parser.add_argument("--rows", default=",".join(ROWS), help="of: " + ", ".join(ROWS))
    args = parser.parse_args()
    want = set(args.rows.split(","))
    repo = generate.ensure(args.cases, seed=args.seed)
    ppks = installed_ppks()
    runs = args.runs
    rows: list[Row] = []
    listing = [*ppks, "list", "--stage", args.stage]
    subprocess.run(listing, cwd=repo, env=ENV, capture_output=True)  # the index, warm

    task = find_task()
    if "list" not in want:
        pass
    elif task is None:
        print(TASK_HINT, file=sys.stderr)
        rows.append(Row(f"list --stage {args.stage}", [run_once(listing, repo)], None,
                        "task (missing)", 1.0, "taskwarrior missing"))  # fmt: skip
    else:
        env, _ = taskwarrior_data(task, repo, ppks)
        goal = 1.0 if args.cases <= 10000 else 1.5
        rows.append(pair(f"list --stage {args.stage} (warm)", listing,
                         [task, f"project:{args.stage}", "list"], repo, runs,
                         f"task project:{args.stage} list", goal, env2=env))  # fmt: skip

    if "search" in want:
        rows.append(pair(f"search {args.name}", [*ppks, "search", args.name],
                         ["git", "grep", "-l", args.name], repo, runs,
                         f"git grep -l {args.name}", 1.5))  # fmt: skip

    if "due" not in want:
        pass
    elif has_command(ppks, "due", repo):
        rows.append(pair("due --all", [*ppks, "due", "--all"], listing, repo, runs,
                         "ppks list (warm)", 1.5))  # fmt: skip
    else:
        rows.append(Row("due --all", [], None, "ppks list (warm)", 1.5, "skipped: no `ppks due`"))

    if "new-case" in want:
        rows.append(new_case_row(ppks, repo, listing, runs))
    if "status" in want:
        rows.append(pair("status", [*ppks, "status"], listing, repo, runs, "ppks list (warm)",
                         1.5))  # fmt: skip
    everything = [*ppks, "list"]  # every case: what a report or an export reads too
    if "report" not in want:
        pass
    elif has_command(ppks, "report", repo):
        row = pair(f"report --year {args.year}", [*ppks, "report", "--year", args.year],
                   everything, repo, runs, "ppks list (warm, every case)", 3.0)  # fmt: skip
        row.memory = 150
        rows.append(row)
    else:
        rows.append(Row("report", [], None, "ppks list (warm)", 3.0, "skipped: no `ppks report`"))
    if "export" not in want:
        pass
    elif has_command(ppks, "export", repo):
        rows += export_rows(ppks, repo, everything, runs)
    else:
        rows.append(Row("export", [], None, "ppks list (warm)", 3.0, "skipped: no `ppks export`"))
    if "cold" in want:
        rows += cold_rows(ppks, repo, listing, runs, args.name)
    if "startup" in want:
        typer = [sys.executable, "-c", "import typer"]
        rows.append(pair("start-up: --help", [*ppks, "--help"], typer, repo, max(runs, 10),
                         "python -c 'import typer'", 1.5))  # fmt: skip
    print_table(rows, args.cases, repo)


def export_rows(ppks: list[str], repo: Path, everything: list[str], runs: int) -> list[Row]:
    """Issue 14: each export of every case against ``ppks list`` of every case, written
    with ``--force`` to one file beside the repository (removed at the end)."""
    rows = []
    for what, fmt in (("cases", "xlsx"), ("records", "csv"), ("letters", "csv")):
        out = repo.with_name(f"{repo.name}-export.{fmt}")
        command = [*ppks, "export", what, "--format", fmt, "-o", str(out), "--force"]
        row = pair(f"export {what} --format {fmt}", command, everything, repo, runs,
                   "ppks list (warm, every case)", 3.0)  # fmt: skip
        row.memory = 150
        codes = sorted({r.code for r in row.ppks})
        if codes != [0]:
            row.note = f"exit {codes}"
        rows.append(row)
        out.unlink(missing_ok=True)
    return rows


def new_case_row(ppks: list[str], repo: Path, listing: list[str], runs: int) -> Row:
    """``new-case`` refused as a duplicate of an existing client (exit 6, nothing written)."""
    written: list[int] = []

    def undo(got: Run) -> None:  # a check that let the duplicate through wrote a case
        if got.code == 0:
            written.append(1)
            subprocess.run(["git", "clean", "-fdq", "cases"], cwd=repo, check=True)
            subprocess.run(["git", "checkout", "-q", "--", "."], cwd=repo, check=True)

    new_case = [*ppks, "--no-input", "--no-commit", "new-case",
                *duplicate_form(repo, "Rahmat Siregar")]  # fmt: skip
    row = pair("new-case (duplicate refused)", new_case, listing, repo, runs,
               "ppks list (warm)", 1.5, between=undo)  # fmt: skip
    codes = sorted({r.code for r in row.ppks})
    row.note = f"exit {codes}" + (f"; duplicate NOT caught {len(written)}x" if written else "")
    return row


def cold_rows(ppks: list[str], repo: Path, listing: list[str], runs: int, name: str) -> list[Row]:
    """The first run with no index (deleted before each run) against the warm ``list``."""
    index_file = repo / ".git" / "ppks-index.sqlite"
    rows = []

    def cold_run(_: Run | None = None) -> None:
        index_file.unlink(missing_ok=True)

    cold = []
    warm = []
    for index in range(runs + 1):
        cold_run()
        got = run_once(listing, repo)
        again = run_once(listing, repo)
        if index:
            cold.append(got)
            warm.append(again)
    rows.append(Row("first run, no index: list", cold, warm, "ppks list (warm)", 15.0))

    # the command that builds the index today (``list`` may not use it yet)
    cold = []
    for index in range(min(runs, 2) + 1):
        cold_run()
        got = run_once([*ppks, "search", name], repo)
        if index:
            cold.append(got)
    warm = [run_once(listing, repo) for _ in range(min(runs, 2))]
    rows.append(Row(f"first run, no index: search {name}", cold, warm,
                    "ppks list (warm)", 15.0))  # fmt: skip
    return rows


def print_table(rows: list[Row], cases: int, repo: Path) -> None:
    marker = repo / ".git" / "ppks-bench-generated"
    about = marker.read_text().strip() if marker.exists() else f"{cases} cases"
    print(f"\nppks at scale: {about}; medians of wall (and CPU) time, peak RSS over runs\n")
    head = ("measurement", "ppks", "CPU", "RSS", "reference", "ref time", "ref RSS", "ratio",
            "CPU ratio", "goal", "RSS goal", "")  # fmt: skip
    lines = [head]
    memory_ok = True
    for row in rows:
        if not row.ppks:
            lines.append((row.name, "-", "-", "-", row.reference_name, "-", "-", "-", "-",
                          f"<= {row.goal}x", f"< {row.memory} MiB", row.note))  # fmt: skip
            continue
        ratio = row.ratio
        passed = ratio is not None and row.goal is not None and ratio <= row.goal
        rss = max(r.rss for r in row.ppks)
        memory_ok &= rss < row.memory * MiB
        verdict = ("pass" if passed else "FAIL") if ratio is not None else ""
        if rss >= row.memory * MiB:
            verdict += " (memory FAIL)"
        lines.append((
            row.name, fmt_time(row.ppks), f"{Row.median(row.ppks, 'cpu'):.2f} s",
            fmt_rss(row.ppks), row.reference_name,
            fmt_time(row.reference), fmt_rss(row.reference),
            f"{ratio:.2f}x" if ratio is not None else "-",
            f"{row.cpu_ratio:.2f}x" if ratio is not None else "-", f"<= {row.goal}x",
            f"< {row.memory} MiB", verdict + (f" ({row.note})" if row.note else ""),
        ))  # fmt: skip
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    for line in lines:
        cells = zip(line, widths, strict=True)
        print("  ".join(str(cell).ljust(width) for cell, width in cells).rstrip())
    print(f"\npeak memory of every ppks command below its goal: {'pass' if memory_ok else 'FAIL'}")
    print("pass/fail is on the wall-time ratio; CPU ratio for a busy machine")


if __name__ == "__main__":
    main()

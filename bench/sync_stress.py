"""Sync under load: several workers, each in a clone of their own, work and sync at once.

A bare remote made with plain ``git init --bare`` (git's default branch, or
``--remote-branch master`` for ``-b``), ``ppks init`` and a first ``ppks sync`` by the
first worker, then the others join with ``ppks clone``, as in the README's "Working
together". Then every worker, in a thread of its own, runs a seeded random sequence of
real operations through the installed ``ppks`` (``new-case --yes`` with fictional names,
``note``, ``assess``, ``plan``, ``transfer``, ``link``, ``attach`` of a small file,
``edit --reason``, ``terminate``, ``reopen``), and ``ppks sync`` often: the workers' syncs
collide on the remote. At the end every worker syncs, in turn, until a whole round
brings and sends nothing; then:

- every file any command created (a ledger kept from git after each command: the files
  the command's commit added, with their content) is in every clone and in the remote,
  with the same content;
- every clone, the remote and a plain ``git clone`` of it hold the same tree;
- ``ppks check`` passes in every clone; no conflict markers; ``git status`` is clean,
  no rebase or merge is left half done;
- the sync summaries tell the truth: a worker's ``records_sent`` over all its syncs is
  the number of records it created (each sent exactly once), its ``records_received``
  the number the others created (a failed sync may integrate work it then never reports,
  so after one only "not more than" is required); the same for cases;
- a sync that fails says, in ppks's words, that nothing was lost: no raw git text
  ("fatal:", "error:", "git push failed: …"), no traceback.

Pushes are counted by a ``git`` wrapper put first on ``PATH``, so the table shows how
often ppks tried again after a colleague pushed first (retries).

Run: python bench/sync_stress.py [--workers 4] [--ops 200] [--seed 1] [--sync-rate 0.25]
     [--remote-branch master] [--keep DIR]
``--ops`` is per worker. Exits 1 on any loss or failed verification, and lists it.
The test suite runs a tiny one (tests/test_bench.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

WORKERS = ["Saskia Pane", "Budi Nasution", "Dewi Lubis", "Rina Sitepu", "Andi Harahap",
           "Maya Ginting", "Yusuf Tarigan", "Lina Sembiring"]  # fmt: skip
FIRST = ["Rahmat", "Siti", "Ucok", "Butet", "Poltak", "Rini", "Agus", "Wati", "Joko", "Tiur",
         "Herman", "Nur", "Ani", "Bonar", "Lestari", "Darwin"]  # fmt: skip
LAST = ["Siregar", "Simanjuntak", "Lubis", "Nasution", "Hutapea", "Sinaga", "Purba", "Fiktif",
        "Saragih", "Manurung", "Damanik", "Pohan"]  # fmt: skip
CATEGORIES = ["pengemis", "gelandangan", "anak-jalanan"]
SOURCES = ["street-raid", "outreach", "community-report", "walk-in"]
RELATIONS = ["ibu", "ayah", "anak", "saudara", "pasangan", "wali", "lainnya"]
KINDS = ["ktp", "kk", "akta", "foto", "persetujuan", "surat", "lainnya"]
REASONS = ["goals-achieved", "reunified", "returned-home", "refused-or-left", "contact-lost"]

# the operations and their weights (sync's share is --sync-rate)
OPERATIONS = {"new-case": 12, "note": 15, "assess": 10, "plan": 8, "transfer": 7, "link": 7,
              "attach": 7, "edit": 10, "terminate": 6, "reopen": 5}  # fmt: skip

# text in a failed sync's message that is git's, not ppks's
RAW_GIT = ("fatal:", "error:", "hint:", "[rejected]", "[remote rejected]", "! [", "remote:",
           "failed to push", "non-fast-forward", "git push failed", "git fetch failed",
           "git rebase failed", "git merge failed", "Traceback")  # fmt: skip
NOTHING_LOST = ("nothing was lost", "tidak ada yang hilang")

GIT_WRAPPER = """#!/bin/sh
# counts the pushes of one ppks sync (see bench/sync_stress.py), then runs git
if [ -n "$STRESS_PUSH_LOG" ]; then
  for arg in "$@"; do
    if [ "$arg" = push ]; then echo push >> "$STRESS_PUSH_LOG"; break; fi
  done
fi
exec {git} "$@"
"""


def ppks_command() -> list[str]:
    script = Path(sys.executable).with_name("ppks")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ppks_cli"]


def real_git() -> str:
    found = shutil.which("git")
    if found is None:
        raise SystemExit("git is not installed")
    return found


@dataclass
class Sync:
    """One ``ppks sync``."""

    worker: str
    phase: str  # "work" (while the others work too) or "final" (in turn, at the end)
    code: int
    seconds: float
    pushes: int  # git push attempts (more than one: ppks tried again)
    message: str = ""  # what a failed sync said
    data: dict = field(default_factory=dict)  # its --json when it worked

    @property
    def quiet(self) -> bool:
        d = self.data
        return self.code == 0 and not d.get("pushed") and not any(
            d.get(k) for k in ("cases_received", "records_received", "cases_sent",
                               "records_sent", "deleted")  # fmt: skip
        )


@dataclass
class Created:
    """A file a command's commit added (or changed)."""

    path: str
    blob: str
    worker: str
    op: str
    added: bool


@dataclass
class Worker:
    name: str
    root: Path
    env: dict[str, str]
    rng: random.Random
    scratch: Path
    git: str
    ops: Counter = field(default_factory=Counter)  # op -> runs
    outcome: Counter = field(default_factory=Counter)  # "ok" / "refused" / "error" / "crash"
    refusals: Counter = field(default_factory=Counter)  # (op, exit code) -> n
    problems: list[str] = field(default_factory=list)
    created: list[Created] = field(default_factory=list)
    syncs: list[Sync] = field(default_factory=list)
    cases: dict[str, dict] = field(default_factory=dict)  # id -> {"stage", "closed"}
    op_seconds: list[float] = field(default_factory=list)
    warnings: Counter = field(default_factory=Counter)  # ppks check's warnings at the end
    counter: int = 0

    # --- running things ----------------------------------------------------------------

    def ppks(self, *args: str, push_log: Path | None = None) -> tuple[int, str, str, float]:
        env = dict(self.env)
        if push_log is not None:
            env["STRESS_PUSH_LOG"] = str(push_log)
        return run_ppks(self.root, env, *args)

    def head(self) -> str:
        return git_out(self.git, self.root, "rev-parse", "HEAD")

    # --- choosing ----------------------------------------------------------------------

    def pick(self, wanted=None) -> str | None:
        ids = sorted(c for c, s in self.cases.items() if wanted is None or wanted(s))
        return self.rng.choice(ids) if ids else None

    def choose(self, others: list[str]) -> tuple[str, list[str]] | None:
        """An operation that fits what this worker knows of its cases: (op, args)."""
        rng = self.rng
        self.counter += 1
        n = self.counter
        op = rng.choices(list(OPERATIONS), weights=list(OPERATIONS.values()))[0]
        if len(self.cases) < 2:
            op = "new-case"
        if op == "new-case":
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}" if rng.random() < 0.8 else \
                f"Tanpa Nama {rng.randint(1, 999)}"  # fmt: skip
            args = ["new-case", "--name", name, "--sex", rng.choice("LP"),
                    "--birth-year", str(rng.randint(1950, 2012)),
                    "--category", rng.choice(CATEGORIES), "--source", rng.choice(SOURCES),
                    "--found-at", f"Simpang {rng.choice(LAST)}", "--yes"]  # fmt: skip
            if rng.random() < 0.3:
                args += ["--alias", rng.choice(["Ucok", "Butet", "Si Kecil", "Pak Tua"])]
            return op, args
        is_open = lambda s: not s.get("closed")  # noqa: E731
        if op == "assess":
            case = self.pick(lambda s: is_open(s) and s.get("stage") in ("intake", "assessment"))
            case = case or self.pick(is_open)
            risk = rng.choice(["low", "medium", "high"])
            return (op, ["assess", case, "--problem", f"Masalah {n}", "--need", "Tempat tinggal",
                         "--risk", risk]) if case else None  # fmt: skip
        if op == "plan":
            case = self.pick(lambda s: is_open(s) and s.get("stage") in ("assessment", "planning"))
            case = case or self.pick(is_open)
            return (op, ["plan", case, "--goal", f"Tujuan {n}", "--measure", "Terukur",
                         "--target-date", "2027-06-30"]) if case else None  # fmt: skip
        if op == "terminate":
            case = self.pick(is_open)
            return (op, ["terminate", case, "--reason", rng.choice(REASONS),
                         "--outcome", f"Ringkasan {n}"]) if case else None  # fmt: skip
        if op == "reopen":
            case = self.pick(lambda s: s.get("closed"))
            return (op, ["reopen", case, "--reason", f"Kembali terjaring {n}"]) if case else None
        case = self.pick()
        if op == "note":
            return op, ["note", case, f"Catatan kunjungan {n} oleh {self.name}"]
        if op == "transfer":
            return op, ["transfer", case, "--to", rng.choice(others), "--reason", f"Rotasi {n}"]
        if op == "link":
            other = self.pick(lambda s: True)
            if other == case:
                return None
            return op, ["link", case, other, "--as", rng.choice(RELATIONS)]
        if op == "attach":
            scan = self.scratch / f"scan-{n}.bin"
            scan.write_bytes(rng.randbytes(rng.randint(200, 20_000)))
            return op, ["attach", case, str(scan), "--kind", rng.choice(KINDS)]
        if op == "edit":
            field_, value = rng.choice([
                ("--address", f"Jl. Fiktif No. {n}, Medan"), ("--occupation", f"Juru parkir {n}"),
                ("--phone", f"0812{rng.randint(10_000_000, 99_999_999)}"),
                ("--birth-place", rng.choice(["Medan", "Binjai", "Tebing Tinggi"])),
            ])  # fmt: skip
            return op, ["edit", case, field_, value, "--reason", f"Data keluarga {n}"]
        return None

    # --- doing -------------------------------------------------------------------------

    def operate(self, others: list[str]) -> None:
        chosen = self.choose(others)
        if chosen is None:
            return
        op, args = chosen
        self.ops[op] += 1
        before = self.head()
        code, out, err, seconds = self.ppks(*args, "--json")
        self.op_seconds.append(seconds)
        if "Traceback" in err:
            self.outcome["crash"] += 1
            self.problems.append(f"{self.name}: ppks {op} crashed: {err.strip()[-300:]}")
            return
        if code in (3, 4, 6):  # refused: the case's stage did not fit (known only roughly)
            self.outcome["refused"] += 1
            self.refusals[(op, code)] += 1
            return
        if code != 0:
            self.outcome["error"] += 1
            self.problems.append(f"{self.name}: ppks {op} exit {code}: {err.strip()[:300]}")
            return
        self.outcome["ok"] += 1
        data = json.loads(out)
        after = self.head()
        if after == before:
            if data.get("changed") is not False:
                self.problems.append(f"{self.name}: ppks {op} said it worked, nothing committed")
            return
        for code_, path in diff_names(self.git, self.root, before, after):
            blob = git_out(self.git, self.root, "rev-parse", f"{after}:{path}")
            self.created.append(Created(path, blob, self.name, op, code_ == "A"))
        if op == "new-case":
            self.cases[data["id"]] = {"stage": data.get("stage"), "closed": False}
        elif op == "transfer":
            for case in data.get("cases", []):
                self.cases.setdefault(case["id"], {})["stage"] = case.get("stage")
        elif "stage" in data and "id" in data:
            self.cases[data["id"]] = {"stage": data["stage"], "closed": data.get("closed")}

    def sync(self, phase: str) -> Sync:
        log = self.scratch / f"pushes-{len(self.syncs)}.log"
        code, out, err, seconds = self.ppks("sync", "--json", push_log=log)
        pushes = len(log.read_text().splitlines()) if log.exists() else 0
        result = Sync(self.name, phase, code, seconds, pushes)
        if code == 0:
            result.data = json.loads(out)
            if phase == "work":  # what came in, for choosing the next operations
                self.refresh()
        else:
            result.message = (err.strip() + "\n" + out.strip()).strip()
        self.syncs.append(result)
        return result

    def refresh(self) -> None:
        """What this worker knows of the cases: all of them, after a sync."""
        code, out, err, _ = self.ppks("list", "--json")
        if code != 0:
            self.problems.append(f"{self.name}: ppks list exit {code}: {err.strip()[:300]}")
            return
        self.cases = {c["id"]: {"stage": c["stage"], "closed": c["closed"]}
                      for c in json.loads(out)}  # fmt: skip

    def work(self, ops: int, sync_rate: float, others: list[str], start: threading.Event) -> None:
        start.wait()
        for _ in range(ops):
            try:
                if self.rng.random() < sync_rate:
                    self.sync("work")
                else:
                    self.operate(others)
            except Exception as exc:  # noqa: BLE001 - the bench reports it, and goes on
                self.problems.append(f"{self.name}: bench error {type(exc).__name__}: {exc}")


def run_ppks(where: Path, env: dict[str, str], *args: str) -> tuple[int, str, str, float]:
    """The installed ppks in ``where``: (exit code, stdout, stderr, seconds)."""
    started = time.perf_counter()
    try:
        done = subprocess.run([*ppks_command(), *args], cwd=where, env=env, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=300)  # fmt: skip
    except subprocess.TimeoutExpired:
        return 124, "", f"timed out: ppks {' '.join(args)}", time.perf_counter() - started
    return done.returncode, done.stdout, done.stderr, time.perf_counter() - started


# --- git helpers (the real git, outside ppks) --------------------------------------------


def git_run(git: str, where: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "LC_ALL": "C", "GIT_CONFIG_NOSYSTEM": "1"}
    result = subprocess.run([git, *args], cwd=where, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result


def git_out(git: str, where: Path, *args: str) -> str:
    return git_run(git, where, *args).stdout.strip()


def diff_names(git: str, where: Path, before: str, after: str) -> list[tuple[str, str]]:
    listed = git_out(git, where, "diff", "--no-renames", "--name-status", before, after)
    return [(line[0], line.split("\t", 1)[1]) for line in listed.splitlines() if line]


def tree_files(git: str, where: Path, rev: str) -> dict[str, str]:
    """path -> blob of every file at ``rev``."""
    listed = git_out(git, where, "ls-tree", "-r", rev)
    found = {}
    for line in listed.splitlines():
        meta, path = line.split("\t", 1)
        found[path] = meta.split()[2]
    return found


def counted(created: Created) -> str | None:
    """What ppks's sync summary counts the file as: "case" (a new case.toml), "record"
    (a record file, or a changed case.toml), None (an attachment's file)."""
    parts = created.path.split("/")
    if len(parts) == 3 and parts[0] == "cases" and parts[2] == "case.toml":
        return "case" if created.added else "record"
    if len(parts) == 4 and parts[0] == "cases" and parts[2] == "records":
        return "record"
    return None


# --- the run -----------------------------------------------------------------------------


@dataclass
class Outcome:
    workers: list[Worker]
    problems: list[str]
    seconds: float
    files: int
    rounds: int
    remote_branch: str

    @property
    def ok(self) -> bool:
        return not self.problems


def setup(base: Path, names: list[str], seed: int, remote_branch: str | None) -> list[Worker]:
    """The remote, the first worker's repository and the others' clones."""
    git = real_git()
    home = base / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("")
    bindir = base / "bin"
    bindir.mkdir()
    wrapper = bindir / "git"
    wrapper.write_text(GIT_WRAPPER.format(git=git))
    wrapper.chmod(0o755)
    remote = base / "remote.git"
    git_run(git, base, "init", "-q", "--bare", *(["-b", remote_branch] if remote_branch else []),
            str(remote))  # fmt: skip
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PPKS_", "GIT_"))}
    workers = []
    for i, name in enumerate(names):
        scratch = base / f"scratch-{i + 1}"
        scratch.mkdir()
        path = f"{bindir}{os.pathsep}{clean.get('PATH', '')}"  # the git that counts pushes
        env = {**clean, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
               "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"), "PPKS_LANG": "en",
               "PPKS_WORKER": name, "PATH": path}  # fmt: skip
        worker = Worker(name, base / f"worker-{i + 1}", env, random.Random(f"{seed}-{i}"),
                        scratch, git)  # fmt: skip
        workers.append(worker)
    first = workers[0]
    code, _, err, _ = run_ppks(base, first.env, "init", str(first.root))
    if code != 0:
        raise RuntimeError(f"ppks init: {err}")
    git_run(git, first.root, "remote", "add", "origin", str(remote))
    if first.sync("setup").code != 0:
        raise RuntimeError(f"first ppks sync: {first.syncs[-1].message}")
    for worker in workers[1:]:
        code, _, err, _ = run_ppks(base, worker.env, "clone", str(remote), str(worker.root))
        if code != 0:
            raise RuntimeError(f"ppks clone for {worker.name}: {err}")
    return workers


def verify(base: Path, workers: list[Worker]) -> tuple[list[str], int]:
    """Everything the module docstring promises; returns (problems, files in the ledger)."""
    git = workers[0].git
    remote = base / "remote.git"
    problems: list[str] = []
    branch = "main"
    remote_files = tree_files(git, remote, f"refs/heads/{branch}")
    # the ledger: every file a command created, last content per path (a path changed by
    # a later command of anyone keeps no claim on its first content)
    ledger: dict[str, Created] = {}
    changed_later: set[str] = set()
    for worker in workers:
        for item in worker.created:
            if item.path in ledger and ledger[item.path].blob != item.blob:
                changed_later.add(item.path)
            ledger.setdefault(item.path, item)
    trees = {}
    plain = base / "plain-clone"
    cloned = git_run(git, base, "clone", "-q", str(remote), str(plain), check=False)
    places = [(w.name, w.root, "HEAD") for w in workers]
    places.append(("remote", remote, f"refs/heads/{branch}"))
    if cloned.returncode != 0 or not (plain / "cases").is_dir():
        problems.append(f"a plain git clone of the remote has no cases: {cloned.stderr.strip()}")
    else:
        places.append(("plain git clone", plain, "HEAD"))
    for label, where, rev in places:
        files = tree_files(git, where, rev) if label != "remote" else remote_files
        trees[label] = git_out(git, where, "rev-parse", f"{rev}^{{tree}}")
        missing = [p for p in ledger if p not in files]
        altered = [p for p, c in ledger.items()
                   if p in files and p not in changed_later and files[p] != c.blob]  # fmt: skip
        if missing:
            problems.append(f"LOST in {label}: {len(missing)} files, e.g. {missing[:3]}")
        if altered:
            problems.append(f"CHANGED in {label}: {len(altered)} files, e.g. {altered[:3]}")
    if len(set(trees.values())) != 1:
        problems.append(f"trees differ: {trees}")
    for worker in workers:
        where = worker.root
        on = git_out(git, where, "symbolic-ref", "-q", "--short", "HEAD")
        if on != branch:
            problems.append(f"{worker.name}: on branch {on!r}, not {branch}")
        status = git_out(git, where, "status", "--porcelain", "--untracked-files=all")
        if status:
            problems.append(f"{worker.name}: git status not clean: {status.splitlines()[:3]}")
        git_dir = where / ".git"
        left = [n for n in ("rebase-merge", "rebase-apply", "MERGE_HEAD", "index.lock",
                            "ppks-sync.json") if (git_dir / n).exists()]  # fmt: skip
        if left:
            problems.append(f"{worker.name}: left in .git: {left}")
        markers = git_run(git, where, "grep", "-n", "-E", "^(<<<<<<<|>>>>>>>|=======$)",
                          check=False).stdout.strip()  # fmt: skip
        if markers:
            problems.append(f"{worker.name}: conflict markers: {markers.splitlines()[:3]}")
        code, out, err, _ = worker.ppks("check", "--json")
        found = json.loads(out).get("problems", []) if out.strip().startswith("{") else err
        if code != 0:
            problems.append(f"{worker.name}: ppks check exit {code}: {str(found)[:400]}")
        elif isinstance(found, list):  # warnings: records two clones made at once, say
            worker.warnings = Counter(p["code"] for p in found)
            unfixed = [p["file"] for p in found if not p.get("fix")]
            if unfixed:
                problems.append(f"{worker.name}: check warnings name no fix: {unfixed[:3]}")
    problems += truthful_counts(workers)
    return problems, len(ledger)


def truthful_counts(workers: list[Worker]) -> list[str]:
    """Each record is sent once by the worker who made it and received once by each of
    the others (see the module docstring)."""
    problems = []
    made = {w.name: Counter(counted(c) for c in w.created) for w in workers}
    for worker in workers:
        worked = [s for s in worker.syncs if s.code == 0 and s.phase != "setup"]
        failed = any(s.code != 0 for s in worker.syncs)
        for kind in ("case", "record"):
            sent = sum(len(s.data.get(f"{kind}s_sent", [])) for s in worked)
            received = sum(len(s.data.get(f"{kind}s_received", [])) for s in worked)
            own = made[worker.name][kind]
            theirs = sum(made[w.name][kind] for w in workers if w is not worker)
            if sent != own:
                problems.append(f"{worker.name}: {kind}s sent says {sent}, made {own}")
            if received > theirs or (received != theirs and not failed):
                problems.append(f"{worker.name}: {kind}s received says {received}, "
                                f"the others made {theirs}")  # fmt: skip
    return problems


def failed_sync_problems(workers: list[Worker]) -> list[str]:
    """A failed sync must say nothing was lost, in ppks's words."""
    problems = []
    for worker in workers:
        for s in worker.syncs:
            if s.code == 0:
                continue
            text = s.message.lower()
            raw = [p for p in RAW_GIT if p.lower() in text]
            if raw:
                problems.append(f"{worker.name}: sync exit {s.code} shows git's text {raw}: "
                                f"{s.message[:300]!r}")  # fmt: skip
            if not any(w in text for w in NOTHING_LOST):
                problems.append(f"{worker.name}: sync exit {s.code} does not say nothing was "
                                f"lost: {s.message[:300]!r}")  # fmt: skip
    return problems


def stress(base: Path, workers_n: int = 4, ops: int = 200, seed: int = 1,
           sync_rate: float = 0.25, remote_branch: str | None = None,
           max_rounds: int = 12) -> Outcome:  # fmt: skip
    """Run the whole test in ``base`` (an empty folder); see the module docstring."""
    names = (WORKERS + [f"Pekerja {i}" for i in range(1, workers_n + 1)])[:workers_n]
    started = time.perf_counter()
    workers = setup(base, names, seed, remote_branch)  # no cases yet: each starts with new-case
    go = threading.Event()
    threads = [threading.Thread(target=w.work, args=(ops, sync_rate,
                                [n for n in names if n != w.name] or names, go))
               for w in workers]  # fmt: skip
    for thread in threads:
        thread.start()
    go.set()
    for thread in threads:
        thread.join()
    rounds, quiet = 0, 0
    while rounds < max_rounds and quiet < len(workers):  # in turn, until each was quiet once
        rounds += 1  # in a row: then nobody has anything the others lack
        for worker in workers:
            quiet = quiet + 1 if worker.sync("final").quiet else 0
            if quiet == len(workers):
                break
    problems = [p for w in workers for p in w.problems]
    if quiet < len(workers):
        problems.append(f"the workers' syncs were still not quiet after {max_rounds} rounds")
    found, files = verify(base, workers)
    problems += found + failed_sync_problems(workers)
    branch = git_out(workers[0].git, base / "remote.git", "symbolic-ref", "HEAD")
    return Outcome(workers, problems, time.perf_counter() - started, files, rounds, branch)


def table(outcome: Outcome) -> str:
    head = ["worker", "ops", "ok", "refused", "errors", "files", "syncs", "failed", "exit codes",
            "pushes", "retries", "cases s/r", "records s/r"]  # fmt: skip
    rows = []
    totals = Counter()
    for w in outcome.workers:
        syncs = [s for s in w.syncs if s.phase != "setup"]
        failed = [s for s in syncs if s.code != 0]
        pushes = sum(s.pushes for s in syncs)
        retries = sum(max(0, s.pushes - 1) for s in syncs)
        codes = Counter(s.code for s in failed)
        ok = [s for s in syncs if s.code == 0]
        cs = sum(len(s.data["cases_sent"]) for s in ok)
        cr = sum(len(s.data["cases_received"]) for s in ok)
        rs = sum(len(s.data["records_sent"]) for s in ok)
        rr = sum(len(s.data["records_received"]) for s in ok)
        nops = sum(w.ops.values())
        row = {"ops": nops, "ok": w.outcome["ok"], "refused": w.outcome["refused"],
               "errors": w.outcome["error"] + w.outcome["crash"], "files": len(w.created),
               "syncs": len(syncs), "failed": len(failed), "pushes": pushes,
               "retries": retries, "cs": cs, "cr": cr, "rs": rs, "rr": rr}  # fmt: skip
        totals.update(row)
        rows.append([w.name] + [str(row[k]) for k in ("ops", "ok", "refused", "errors", "files",
                                                      "syncs", "failed")] +
                    [",".join(f"{c}x{n}" for c, n in sorted(codes.items())) or "-",
                     str(pushes), str(retries), f"{cs}/{cr}", f"{rs}/{rr}"])  # fmt: skip
    rows.append(["all"] + [str(totals[k]) for k in ("ops", "ok", "refused", "errors", "files",
                                                     "syncs", "failed")] +
                ["", str(totals["pushes"]), str(totals["retries"]),
                 f"{totals['cs']}/{totals['cr']}", f"{totals['rs']}/{totals['rr']}"])  # fmt: skip
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                               for i, (c, w) in enumerate(zip(r, widths, strict=True)))
    return "\n".join([line(head), *map(line, rows)])


def report(outcome: Outcome) -> str:
    workers = outcome.workers
    syncs = [s for w in workers for s in w.syncs if s.phase != "setup"]
    op_times = [t for w in workers for t in w.op_seconds]
    sync_times = [s.seconds for s in syncs if s.code == 0]
    refusals = Counter()
    for w in workers:
        refusals.update(w.refusals)
    messages = Counter(s.message.splitlines()[0][:160] for s in syncs if s.code != 0)
    lines = [table(outcome), "",
             f"{len(syncs)} syncs ({sum(s.phase == 'work' for s in syncs)} while working, "
             f"{outcome.rounds} final rounds), {sum(s.code != 0 for s in syncs)} failed; "
             f"{outcome.files} files in the ledger; remote HEAD {outcome.remote_branch}; "
             f"{outcome.seconds:.0f} s",
             f"median op {statistics.median(op_times):.2f} s, median sync "
             f"{statistics.median(sync_times):.2f} s, slowest sync {max(sync_times):.2f} s"
             if op_times and sync_times else ""]  # fmt: skip
    if refusals:
        lines.append("refused (the stage did not fit; expected): " + ", ".join(
            f"{op} exit {code} x{n}" for (op, code), n in sorted(refusals.items())))
    warned = workers[0].warnings  # the same in every clone: the trees are identical
    if warned:
        lines.append("check warnings at the end (each names its fix): " + ", ".join(
            f"{code} x{n}" for code, n in warned.most_common()))  # fmt: skip
    for message, n in messages.most_common():
        lines.append(f"failed sync x{n}: {message}")
    lines.append("")
    if outcome.problems:
        lines.append(f"PROBLEMS ({len(outcome.problems)}):")
        lines += [f"- {p}" for p in outcome.problems[:40]]
    else:
        lines.append("OK: nothing lost, all clones and the remote identical, check passes, "
                     "sync summaries match what was made")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--ops", type=int, default=200, help="operations per worker")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sync-rate", type=float, default=0.25,
                        help="the share of operations that are a sync")  # fmt: skip
    parser.add_argument("--remote-branch", default=None,
                        help="git init --bare -b BRANCH (default: git's own default)")  # fmt: skip
    parser.add_argument("--keep", type=Path, default=None,
                        help="work in this (new) folder and keep it")  # fmt: skip
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True)
        base, cleanup = args.keep, None
    else:
        cleanup = tempfile.TemporaryDirectory(prefix="ppks-sync-stress-")
        base = Path(cleanup.name)
    try:
        branch = f" -b {args.remote_branch}" if args.remote_branch else ""
        print(f"sync stress: {args.workers} workers x {args.ops} ops, seed {args.seed}, "
              f"sync rate {args.sync_rate}, remote: git init --bare{branch}",
              flush=True)  # fmt: skip
        outcome = stress(base, args.workers, args.ops, args.seed, args.sync_rate,
                         args.remote_branch)  # fmt: skip
        print(report(outcome))
    finally:
        if cleanup is not None:
            cleanup.cleanup()
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())

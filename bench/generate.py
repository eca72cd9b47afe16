"""Generate a realistic fictional case repository for the benches, through ppks's own writer.

    python bench/generate.py --cases 10000 [--seed 10] [--out /tmp/ppks-bench/10000] [--reuse]

Every case and record is written by the core (``intake.prepare`` / ``intake.create_case``,
the ``casework`` step functions, each checked by the stage machine), never by hand: the
repository is exactly what a city office would build with the command line. One
``git add -A && git commit`` at the end (the repository starts with
``store.init_repository``).

The mix, per case: one of the 26 categories (all of them, street categories more often);
about 40 % of cases with 3-12 records and the rest with 0-2, which gives about 3.6
records a case (issue 10: "10,000 cases and ~35,666 records"); stages reached by a random
walk over the stage machine, so every stage appears (intake only, assessed, planned,
intervening, referred, evaluated, terminated, followed up, reopened); Indonesian names
(Batak margas, Javanese and Malay names, titles and degrees, "bin"/"binti", "br."), some
aliases, NIKs, No. KK, phones, family members; tags (``odgj``, ...); intake dates spread
over about four years; eight workers. A few known names are planted for the search
bench (``Butet``, ``Rahmat Siregar``).

Speed, within the rules (nothing but ppks writes a file):

- the duplicate check is skipped (``allow_duplicates=True``, a public option);
- the whole run holds the repository once (one :class:`ppks_cli.changes.Writer` with
  ``commit=False``) instead of taking the lock per write;
- ``Repository.case_ids`` is answered from the list of cases this run made instead of
  rescanning ``cases/`` for every new ID (the rescan makes generation quadratic);
- with ``--seed`` the content is deterministic: the random source of ``ppks_cli.ids``
  is replaced by a seeded one for the run, so case and record IDs repeat too. Only the
  ``created_at``/``recorded_at`` timestamps (the moment of writing) differ between runs.

``--reuse``: keep an existing repository at ``--out`` (made with the same ``--cases``)
and only generate when it is missing. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_ROOT = Path(os.environ.get("PPKS_BENCH_DIR", "/tmp/ppks-bench"))
TODAY = dt.date.today()
START = TODAY - dt.timedelta(days=4 * 365)

WORKERS = (
    "Saskia Harahap", "Rina Simanjuntak", "Budi Santoso", "Dewi Lestari Nasution",
    "Hendra Sitepu", "Fitri Lubis", "Yohana Sinaga", "Agus Salim",
)  # fmt: skip

MARGAS = (
    "Siregar", "Nasution", "Harahap", "Lubis", "Simanjuntak", "Sitompul", "Situmorang",
    "Sinaga", "Simatupang", "Hutagalung", "Pardede", "Panjaitan", "Sihombing", "Tambunan",
    "Manurung", "Sirait", "Tampubolon", "Ginting", "Sembiring", "Tarigan", "Karo-Karo",
    "Sitepu", "Pohan", "Daulay", "Batubara", "Hasibuan", "Rangkuti", "Pane", "Damanik",
    "Saragih", "Purba", "Napitupulu", "Hutapea", "Silalahi", "Marpaung", "Pasaribu",
)  # fmt: skip
MALE = (
    "Rahmat", "Muhammad", "Ahmad", "Budi", "Andi", "Rizky", "Joko", "Slamet", "Agus",
    "Hendra", "Darwin", "Robert", "Yohanes", "Fransiskus", "Tigor", "Poltak", "Togar",
    "Sahat", "Bonar", "Ucok", "Zainal", "Syamsul", "Ismail", "Hasan", "Husein", "Yusuf",
    "Abdul Rahman", "Sulaiman", "Dedi", "Irwan", "Fajar", "Bayu", "Eko", "Wahyu", "Dimas",
    "Arif", "Herman", "Johan", "William", "Sutrisno", "Suparman", "Sukarno", "Djoko",
)  # fmt: skip
FEMALE = (
    "Siti", "Nur", "Dewi", "Sri", "Putri", "Fatimah", "Butet", "Rina", "Maria", "Yohana",
    "Debora", "Lasma", "Rosmawati", "Tiurma", "Nurhayati", "Sumiati", "Wati", "Ani",
    "Fitri", "Lestari", "Ayu", "Indah", "Rahma", "Aisyah", "Nurul", "Sari", "Mega",
    "Ratna", "Erna", "Juliana", "Melati", "Intan", "Kartini", "Suryani", "Romauli",
)  # fmt: skip
SECOND = (
    "Pratama", "Saputra", "Hidayat", "Setiawan", "Kurniawan", "Wijaya", "Santoso",
    "Lestari", "Wulandari", "Rahmawati", "Handayani", "Permata", "Sari", "Utami",
)  # fmt: skip
TITLES_BEFORE = ("H.", "Hj.", "Dr.", "Dra.", "Ir.", "Drs.")
DEGREES_AFTER = ("S.Pd", "S.Sos", "M.Si", "S.E.", "S.H.", "A.Md")
ALIASES = ("Ucok", "Butet", "Tigor", "Atok", "Kak Ros", "Mak Ijah", "Bang Jago", "Acong",
           "Si Botak", "Opung", "Inang", "Amang", "Pak De", "Bu Lek")  # fmt: skip
STREETS = (
    "Jl. Sisingamangaraja", "Jl. Gatot Subroto", "Jl. Brigjend Katamso", "Jl. Sutomo",
    "Jl. Aksara", "Jl. Pancing", "Jl. Mawar", "Jl. Jamin Ginting", "Jl. Setia Budi",
    "Jl. Asia", "Jl. Thamrin", "Jl. Krakatau", "Jl. Medan Area Selatan", "Jl. Marelan Raya",
)  # fmt: skip
PLACES = (
    "Simpang Pos", "Pasar Petisah", "Lapangan Merdeka", "Terminal Amplas", "Pajak Sore",
    "Simpang Aksara", "Stasiun Medan", "Pasar Sambu", "Bundaran Majestik", "Titi Kuning",
)  # fmt: skip
KECAMATAN = ("127101", "127102", "127103", "127104", "127105", "127106", "127107",
             "127108", "127109", "127110", "127111", "127112")  # fmt: skip
CATEGORY_WEIGHTS = {  # street work dominates a city office's caseload
    "gelandangan": 12, "pengemis": 14, "anak-jalanan": 10, "pemulung": 6, "lansia-terlantar": 7,
    "penyandang-disabilitas": 5, "fakir-miskin": 6, "korban-napza": 4, "anak-terlantar": 4,
    "tuna-susila": 3, "korban-tindak-kekerasan": 3, "perempuan-rawan-sosial-ekonomi": 3,
}  # fmt: skip
DESTINATIONS = (
    "UPT Pelayanan Sosial Lanjut Usia Binjai", "RSJ Prof. M. Ildrem",
    "Panti Sosial Bina Karya Medan", "LKSA Yayasan Harapan", "Dinas Dukcapil Kota Medan",
    "Puskesmas Padang Bulan", "BNN Kota Medan",
)  # fmt: skip


class SeededChoice:
    """Stands in for the ``secrets`` module inside ``ppks_cli.ids`` (only ``choice`` is used)."""

    def __init__(self, rng: random.Random) -> None:
        self.choice = rng.choice


def person_name(rng: random.Random, sex: str) -> str:
    given = rng.choice(MALE if sex == "L" else FEMALE)
    shape = rng.random()
    if shape < 0.45:  # Batak: given name + marga (women sometimes "br.")
        marga = rng.choice(MARGAS)
        if sex == "P" and rng.random() < 0.3:
            name = f"{given} br. {marga}"
        elif rng.random() < 0.08:  # marga written first
            name = f"{marga} {given}"
        else:
            name = f"{given} {marga}"
    elif shape < 0.65:
        name = f"{given} {rng.choice(SECOND)}"
    elif shape < 0.75:
        parent = rng.choice(MALE)
        name = f"{given} {'bin' if sex == 'L' else 'binti'} {parent}"
    elif shape < 0.85 and sex == "L":
        name = f"M. {given}" if rng.random() < 0.5 else f"Mhd. {given}"
    else:
        name = given
    if rng.random() < 0.04:
        name = f"{rng.choice(TITLES_BEFORE)} {name}"
    if rng.random() < 0.03:
        name = f"{name}, {rng.choice(DEGREES_AFTER)}"
    return name


def phone(rng: random.Random) -> str:
    return (
        rng.choice(("0812", "0813", "0821", "0852", "+62 811"))
        + " "
        + "".join(rng.choice("0123456789") for _ in range(7))
    )


def make_nik(rng: random.Random, sex: str, birth: dt.date) -> str:
    day = birth.day + (40 if sex == "P" else 0)
    serial = rng.randint(1, 9999)
    return f"{rng.choice(KECAMATAN)}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def address(rng: random.Random) -> str:
    return f"{rng.choice(STREETS)} No. {rng.randint(1, 250)}, Medan"


def new_case_form(rng: random.Random, number: int, intake: dt.date, categories: list[str]):
    from ppks_cli.intake import NewCase

    sex = "L" if rng.random() < 0.6 else "P"
    category = categories[number % 26] if number < 26 else rng.choices(
        categories, weights=[CATEGORY_WEIGHTS.get(c, 1) for c in categories]
    )[0]  # fmt: skip
    name = person_name(rng, sex)
    if number == 7:
        name, sex = "Rahmat Siregar", "L"
    elif number == 11:
        name, sex = "Butet", "P"
    age = rng.randint(6, 80)
    form = NewCase(
        name=name, sex=sex, category=category,
        source=rng.choices(("street-raid", "outreach", "agency-referral", "community-report",
                            "walk-in"), weights=(5, 2, 2, 2, 1))[0],
        intake_date=intake.isoformat(), worker=rng.choice(WORKERS),
        found_at=rng.choice(PLACES) if rng.random() < 0.6 else None,
    )  # fmt: skip
    if rng.random() < 0.25:
        form.alias = rng.choice(ALIASES)
    if rng.random() < 0.2:  # documents: a NIK, with the birth date it encodes
        birth = dt.date(intake.year - age, rng.randint(1, 12), rng.randint(1, 28))
        form.nik = make_nik(rng, sex, birth)
        form.birth_date = birth.isoformat()
        if rng.random() < 0.5:
            form.kk = (
                f"{rng.choice(KECAMATAN)}{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}"
                f"{rng.randint(0, 99):02d}{rng.randint(1, 9999):04d}"
            )
    elif rng.random() < 0.5:
        form.birth_year = str(intake.year - age)
    elif rng.random() < 0.5:
        form.age = str(age)
    if rng.random() < 0.3:
        form.phone = phone(rng)
    if rng.random() < 0.4:
        form.address = address(rng)
    if rng.random() < 0.3:
        relation = rng.choice(("ibu", "ayah", "abang", "kakak", "adik", "anak", "istri", "suami"))
        member = person_name(rng, "P" if relation in ("ibu", "kakak", "istri") else "L")
        form.family = [f"{member};{relation};{phone(rng) if rng.random() < 0.5 else ''}"]
    if rng.random() < 0.1:
        form.tags = ["odgj"]
    if rng.random() < 0.3:
        form.note = "Ditemukan saat razia, tidak membawa identitas."
    return form


# How each open phase moves on, as weights of the next step (a random walk over the stage
# machine). "stop" ends the case where it stands.
NEXT = {
    "intake": {"assessment": 8, "termination": 1, "note": 1},
    "assessed": {"plan": 7, "referral": 2, "assessment": 0.3, "termination": 1, "note": 1},
    "reopened": {"assessment": 1},
    "planned": {"intervention": 8, "plan": 0.3, "referral": 1, "note": 0.5},
    "replan": {"plan": 1},
    "intervening": {"intervention": 4, "evaluation": 3, "referral": 1, "note": 1,
                    "termination": 0.5},
    "to-terminate": {"termination": 1},
    "closed": {"follow-up": 3, "reopen": 1, "note": 0.5},
}  # fmt: skip


def record_count(rng: random.Random) -> int:
    if rng.random() < 0.4:
        return rng.randint(3, 12)
    return rng.choices((0, 1, 2), weights=(4, 4, 2))[0]


def take_step(repo, case, rng: random.Random, step: str, when: dt.date, worker: str):
    """Record ``step`` (a record kind) on ``case`` with made-up content; returns the record
    when it is a referral (its status may be updated next)."""
    from ppks_cli import casework
    from ppks_cli.records import Goal, GoalProgress, Task

    state = case.state
    if step == "assessment":
        casework.assess(
            repo, case, worker=worker, date=when,
            problems=rng.sample(["tidak punya tempat tinggal", "tidak punya identitas",
                                 "putus sekolah", "sakit tidak berobat", "terpisah dari keluarga",
                                 "mengemis di lampu merah", "kekerasan dalam rumah tangga"], 2),
            needs=["tempat tinggal sementara", "dokumen kependudukan"],
            strengths=["sehat jasmani"] if rng.random() < 0.5 else [],
            risk=rng.choice(("low", "medium", "high")),
            recommendation="Rujuk ke panti dan telusuri keluarga.",
        )  # fmt: skip
    elif step == "plan":
        goals = [
            Goal(what="Klien memiliki KTP dan KK", measure="dokumen terbit",
                 target_date=when + dt.timedelta(days=rng.randint(30, 120))),
            Goal(what="Klien kembali ke keluarga", target_date=when + dt.timedelta(days=90)),
        ][: rng.randint(1, 2)]  # fmt: skip
        casework.plan(
            repo, case, worker=worker, date=when, goals=goals,
            strategies=["penelusuran keluarga", "pendampingan"],
            tasks=[Task(what="Urus dokumen ke Dukcapil", who=worker,
                        when=when + dt.timedelta(days=14))],
        )  # fmt: skip
    elif step == "intervention":
        goals = len(state.current_plan.goals) if state.current_plan else 0
        casework.intervene(
            repo, case, worker=worker, date=when,
            activity=rng.choice(("home-visit", "family-tracing", "id-documents",
                                 "individual-counseling", "material-help", "accompaniment")),
            description="Kunjungan dan pendampingan klien.",
            goals=[rng.randint(1, goals)] if goals else [],
            outcome="Klien kooperatif." if rng.random() < 0.5 else None,
        )  # fmt: skip
    elif step == "evaluation":
        goals = len(state.current_plan.goals) if state.current_plan else 0
        decision = rng.choices(("continue", "revise", "terminate"), weights=(3, 1, 3))[0]
        casework.evaluate(
            repo, case, worker=worker, date=when, decision=decision,
            progress="Ada kemajuan, dokumen sedang diurus.",
            goal_status=[GoalProgress(goal=g, status=rng.choice(("achieved", "partly", "not-yet")))
                         for g in range(1, goals + 1)],
        )  # fmt: skip
    elif step == "referral":
        return casework.refer(
            repo, case, worker=worker, date=when, destination=rng.choice(DESTINATIONS),
            reason="Membutuhkan layanan lanjutan.", consent=True,
        )  # fmt: skip
    elif step == "termination":
        reason = rng.choice(("goals-achieved", "referred", "reunified", "returned-home",
                             "refused-or-left", "contact-lost"))  # fmt: skip
        casework.terminate(
            repo, case, worker=worker, date=when, reason=reason, outcome="Kasus ditutup.",
            aftercare="Kunjungan rumah tiga bulan sekali." if rng.random() < 0.5 else None,
        )  # fmt: skip
    elif step == "follow-up":
        casework.follow_up(
            repo, case, worker=worker, date=when, findings="Klien tinggal bersama keluarga.",
            place=address(rng), next_date=when + dt.timedelta(days=rng.randint(30, 120)),
        )  # fmt: skip
    elif step == "reopen":
        casework.reopen(repo, case, worker=worker, date=when, reason="Klien kembali ke jalan.")
    elif step == "note":
        casework.note(repo, case, worker=worker, date=when, text="Klien dihubungi via telepon.")
    else:  # pragma: no cover
        raise ValueError(step)


def casework_for(repo, case, rng: random.Random, count: int, intake: dt.date) -> int:
    """Take up to ``count`` steps on ``case`` from its intake; returns the number taken."""
    from ppks_cli import casework

    if not count:
        return 0
    span = (TODAY - intake).days
    days = sorted(rng.randint(0, min(span, count * rng.randint(10, 45))) for _ in range(count))
    worker = case.file.intake.worker
    done = 0
    for offset in days:
        phase = case.state.phase
        choices = NEXT[phase]
        step = rng.choices(list(choices), weights=list(choices.values()))[0]
        if rng.random() < 0.1:
            worker = rng.choice(WORKERS)  # the case changes hands
        made = take_step(repo, case, rng, step, intake + dt.timedelta(days=offset), worker)
        done += 1
        if step == "referral" and rng.random() < 0.5:
            status = rng.choice(("accepted", "completed", "rejected"))
            casework.update_referral(repo, case, worker=worker, status=status, referral=made.id,
                                     date=intake + dt.timedelta(days=offset))  # fmt: skip
            done += 1
    return done


def generate(out: Path, count: int, seed: int) -> tuple[int, int]:
    """Write a repository of ``count`` cases at ``out`` (must not exist). Returns
    (cases, records)."""
    from ppks_cli import categories, ids
    from ppks_cli.changes import WriteOptions
    from ppks_cli.intake import create_case, prepare
    from ppks_cli.store import Repository, init_repository

    rng = random.Random(seed)
    ids.secrets = SeededChoice(random.Random(seed + 1))
    init_repository(out, "Dinas Sosial Kota Medan", "Saskia Harahap")
    repo = Repository.open(out)
    made: list[str] = []
    repo.case_ids = lambda: made  # see the module's description
    slugs = list(categories.categories())
    records = 0
    started = time.monotonic()
    span = (TODAY - START).days
    with WriteOptions(commit=False, command="bench/generate.py").writer(repo):
        for number in range(count):
            intake = START + dt.timedelta(days=int(span * (number + rng.random()) / count))
            prepared = prepare(new_case_form(rng, number, intake, slugs))
            case = create_case(repo, prepared, allow_duplicates=True)
            made.append(case.id)
            records += casework_for(repo, case, rng, record_count(rng), intake)
            repo.written.clear()
            if (number + 1) % 500 == 0 or number + 1 == count:
                rate = (number + 1) / (time.monotonic() - started)
                print(f"\r{number + 1}/{count} cases, {records} records, {rate:.0f} cases/s",
                      end="", file=sys.stderr, flush=True)  # fmt: skip
    print(file=sys.stderr)
    who = {"NAME": "Saskia Harahap", "EMAIL": "bench@example.org"}
    env = {**os.environ, **{f"GIT_{role}_{key}": value for role in ("AUTHOR", "COMMITTER")
                            for key, value in who.items()}}  # fmt: skip
    subprocess.run(["git", "add", "-A"], cwd=out, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", "bench: generated cases"], cwd=out, check=True,
                   env=env)  # fmt: skip
    return count, records


def ensure(count: int, out: Path | None = None, seed: int = 10, reuse: bool = True) -> Path:
    """The generated repository of ``count`` cases (made when missing or not ``reuse``)."""
    out = out or DEFAULT_ROOT / str(count)
    marker = out / ".git" / "ppks-bench-generated"
    if reuse and marker.exists():
        print(f"reusing {out} ({marker.read_text().strip()})", file=sys.stderr)
        return out
    if out.exists():
        if not marker.exists():  # never delete a folder this script did not make
            sys.exit(f"{out} exists and was not made by bench/generate.py: choose another --out")
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    cases, records = generate(out, count, seed)
    took = time.monotonic() - started
    marker.write_text(f"{cases} cases, {records} records, seed {seed}, {took:.0f} s\n")
    print(f"generated {out}: {cases} cases, {records} records in {took:.0f} s", file=sys.stderr)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--out", type=Path, help="default: /tmp/ppks-bench/<cases>")
    parser.add_argument("--reuse", action="store_true", help="keep an existing repository")
    args = parser.parse_args()
    ensure(args.cases, args.out, args.seed, args.reuse)


if __name__ == "__main__":
    main()

"""Street raids (*razia*, *penjangkauan*, *operasi penertiban*): the raid as a record of
its own, and the people it picked up, entered in one sitting.

A raid lives in ``raids/<ID>/raid.toml`` beside ``cases/`` (:class:`RaidFile`: date,
places, team, agencies, note); a correction of its own fields is a later file in
``raids/<ID>/corrections/`` (:class:`RaidCorrection`), never a rewrite, so two clones
merge without conflicts. The people are not kept in the raid's folder: each person is a
case, and the catch is a ``raid-catch`` record on that case
(:class:`ppks_cli.records.RaidCatch`) naming the raid. A person caught again is not a
new case: the catch goes to the existing case (reopened first when it was closed on the
raid's date).

:func:`add_people` enters everyone of one raid the whole way, in one commit: each entry
(:class:`PersonEntry`, what the field team knows, as typed or read from a spreadsheet by
:func:`read_people_file`) is checked completely (:func:`check_people`), searched for
among the office's clients with the matcher of ``new-case``
(:func:`ppks_cli.duplicates.find_duplicates`), and only when every entry is valid (or
with ``skip_invalid``, the valid ones) are the cases and records written. What each
disposition becomes:

- every person: a ``raid-catch`` record (raid, place, disposition, destination);
- ``shelter``: also a ``shelter-admission`` (the raid's ID and date), which the shelter
  commands read;
- ``hospital`` and ``institution``: also a ``referral`` to the destination named, so that
  its answer is followed up (``ppks refer --status``, ``ppks due``) and a surat rujukan
  can be made (``ppks letter CASE referral``): the casework method records a hand-over
  to another institution as a referral. Consent was not asked in the street: the record
  says so (``consent = false`` with the reason);
- ``home``: a surat pernyataan is due once the worker closes the case as reunified
  (``ppks terminate``, then ``ppks letter CASE statement``): said in the result;
- ``satpol-pp``, ``released``: the catch alone.

The berita acara of a raid is :func:`berita_acara` (the letter machinery of
:mod:`ppks_cli.letters`, template ``raid-report``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import field_validator, model_validator

from ppks_cli import ids, paths
from ppks_cli.errors import DamagedFile, InvalidInput, NotFound, PpksError, Refused
from ppks_cli.i18n import Msg
from ppks_cli.models import (
    Date,
    DateTime,
    Line,
    Model,
    Name,
    Text,
    VersionedFile,
    Worker,
    custom_error,
)
from ppks_cli.results import Result

if TYPE_CHECKING:
    from ppks_cli.changes import WriteOptions
    from ppks_cli.store import Case, Repository

NO_NAME = "Tanpa Nama"  # the name of a person whose name and alias are unknown
NEW_WORDS = ("baru", "new")  # the word in column ``case`` (or at the question) for a new case
REFERRAL_DISPOSITIONS = ("hospital", "institution")  # a referral record, to a destination
NEEDS_DESTINATION = REFERRAL_DISPOSITIONS


# --- the raid's own files -------------------------------------------------------------------


def _raid_id(value: str) -> str:
    if not ids.RAID_ID_RE.match(value):
        raise custom_error("validation.raid_id", value=value)
    return value


def _some(value: list, field_name: str) -> list:
    if not value:
        raise custom_error("validation.need_one", field=field_name)
    return value


def _not_future(value: dt.date) -> dt.date:
    if value > dt.date.today():
        raise custom_error("validation.date_future", date=value.isoformat())
    return value


class RaidFile(VersionedFile):
    """``raids/<ID>/raid.toml``: one street raid. ``places`` where it was held (at least
    one), ``team`` the workers of the office who took part (at least one; the first
    signs the berita acara as coordinator), ``agencies`` the other agencies (Satpol PP,
    Disdukcapil …, as written), ``worker`` who recorded it and ``recorded_at`` when."""

    id: str
    date: Date
    places: list[Line]
    team: list[Worker]
    agencies: list[Name] = []
    note: Text | None = None
    worker: Worker
    recorded_at: DateTime

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _raid_id(value)

    @field_validator("date")
    @classmethod
    def _date(cls, value: dt.date) -> dt.date:
        return _not_future(value)

    @field_validator("places")
    @classmethod
    def _places(cls, value: list[str]) -> list[str]:
        return _some(value, "places")

    @field_validator("team")
    @classmethod
    def _team(cls, value: list[str]) -> list[str]:
        return _some(value, "team")

    @field_validator("recorded_at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise custom_error("validation.naive_datetime")
        return value


# the fields of a raid a correction may give a new value (the date is not one of them:
# every catch carries it; a raid entered under a wrong date is entered again)
CORRECTABLE = ("places", "team", "agencies", "note")


class RaidCorrection(VersionedFile):
    """``raids/<ID>/corrections/<date>-correction-<record>.toml``: new values for some of
    the raid's own fields (:data:`CORRECTABLE`; a field given replaces the value whole),
    with the reason. Corrections apply in the order of their date and entry time."""

    id: str
    raid: str
    date: Date
    worker: Worker
    recorded_at: DateTime
    reason: Text
    places: list[Line] | None = None
    team: list[Worker] | None = None
    agencies: list[Name] | None = None
    note: Text | None = None

    @field_validator("id")
    @classmethod
    def _record_id(cls, value: str) -> str:
        if not ids.RECORD_ID_RE.match(value):
            raise custom_error("validation.record_id", value=value)
        return value

    @field_validator("raid")
    @classmethod
    def _raid(cls, value: str) -> str:
        return _raid_id(value)

    @field_validator("places", "team")
    @classmethod
    def _not_empty(cls, value: list[str] | None, info) -> list[str] | None:
        return None if value is None else _some(value, info.field_name)

    @model_validator(mode="after")
    def _changes_something(self) -> RaidCorrection:
        if all(getattr(self, name) is None for name in CORRECTABLE):
            raise custom_error("validation.need_one", field="places, team, agencies, note")
        return self

    def sort_key(self) -> tuple[dt.date, dt.datetime, str]:
        return (self.date, self.recorded_at, self.id)


@dataclass
class Raid:
    """A raid as it stands: its file with the corrections applied in order. The fields
    are those of :class:`RaidFile`; ``folder`` its folder, ``file`` as on disk."""

    file: RaidFile
    folder: Path
    corrections: list[RaidCorrection] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.folder.name

    @property
    def date(self) -> dt.date:
        return self.file.date

    def _current(self, name: str) -> Any:
        value = getattr(self.file, name)
        for correction in self.corrections:
            new = getattr(correction, name)
            if new is not None:
                value = new
        return value

    @property
    def places(self) -> list[str]:
        return list(self._current("places"))

    @property
    def team(self) -> list[str]:
        return list(self._current("team"))

    @property
    def agencies(self) -> list[str]:
        return list(self._current("agencies"))

    @property
    def note(self) -> str | None:
        return self._current("note")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "date": self.date.isoformat(), "places": self.places,
            "team": self.team, "agencies": self.agencies, "note": self.note,
            "worker": self.file.worker,
            "corrections": [
                {"record": c.id, "date": c.date.isoformat(), "worker": c.worker,
                 "reason": c.reason,
                 "fields": [n for n in CORRECTABLE if getattr(c, n) is not None]}
                for c in self.corrections
            ],
        }  # fmt: skip


def raid_ids(repo: Repository) -> list[str]:
    """The IDs of the raid folders of ``repo`` (``raids/<ID>/``), sorted; a linked folder
    is never one (``ppks check`` names it)."""
    folder = repo.paths.raids
    if folder.is_symlink():
        return []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    return sorted(
        e.name for e in entries
        if ids.RAID_ID_RE.match(e.name) and e.is_dir() and not e.is_symlink()
    )  # fmt: skip


_DASHES = str.maketrans(
    dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-")
)


def normalize_raid_ref(text: str) -> str:
    """What a user typed for a raid, in the form of a (partial) raid ID: upper case, no
    spaces, any dash as ``-``, O/I/L in the random part read as 0/1/1, and the ``R``
    added when the year was typed without it (``2024-k7q3m`` → ``R2024-K7Q3M``)."""
    import unicodedata

    ref = unicodedata.normalize("NFKC", text).translate(_DASHES)
    ref = re.sub(r"\s+", "", ref).upper()
    if ref[:1].isdigit():
        ref = "R" + ref
    if ref.startswith("R") and len(ref) > 5 and ref[1:5].isdigit() and ref[5:6] != "-":
        ref = f"{ref[:5]}-{ref[5:]}"
    head, dash, tail = ref.partition("-")
    return head + dash + tail.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def resolve_raid(repo: Repository, ref: str) -> str:
    """The ID of the raid ``ref`` names: the whole ID or a unique prefix
    (:func:`normalize_raid_ref`), or the random part alone (three characters or more)
    when one raid has it. Raises :class:`NotFound` (``error.raid_not_found``,
    ``error.raid_ambiguous`` listing the candidates)."""
    wanted = normalize_raid_ref(ref)
    known = raid_ids(repo)
    if not wanted or wanted == "R":
        raise NotFound("error.raid.not_found", ref=ref)
    if wanted in known:
        return wanted
    found = [r for r in known if r.startswith(wanted)]
    bare = ref.strip().upper()
    if not found and len(bare) >= ids.SUFFIX_MIN and "-" not in bare:
        fixed = bare.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
        found = [r for r in known if r.partition("-")[2].startswith(fixed)]
    if not found:
        raise NotFound("error.raid.not_found", ref=ref)
    if len(found) > 1:
        raise NotFound("error.raid.ambiguous", ref=ref, candidates=", ".join(found[:10]))
    return found[0]


def read_raid(repo: Repository, raid_id: str) -> Raid:
    """The raid ``raid_id`` (a full ID) with its corrections. Raises :class:`NotFound`
    when its folder is missing, :class:`DamagedFile` naming the file and line when
    ``raid.toml`` or a correction cannot be read or is not valid, or names another raid
    than its folder."""
    from ppks_cli.tomlio import read_toml
    from ppks_cli.validation import validate_or_raise

    path = repo.paths.raid_file(raid_id)
    shown = repo.rel(path)
    if not repo.paths.raid_dir(raid_id).is_dir() or repo.paths.raid_dir(raid_id).is_symlink():
        raise NotFound("error.raid.not_found", ref=raid_id)
    data, text = read_toml(path, shown)
    file = validate_or_raise(RaidFile, data, text, shown)
    if file.id != raid_id:
        from ppks_cli.tomlio import KeyLocator

        raise DamagedFile(
            "error.damaged", file=shown, line=KeyLocator(text).line(("id",)),
            detail=Msg("raids.id_folder_mismatch", id=file.id, folder=raid_id),
        )  # fmt: skip
    raid = Raid(file, repo.paths.raid_dir(raid_id))
    folder = repo.paths.raid_corrections_dir(raid_id)
    if folder.is_symlink():  # its corrections could be anyone's: never read, never ignored
        raise DamagedFile("error.damaged", file=repo.rel(folder), line=1,
                          detail=Msg("toml.symlink"))  # fmt: skip
    for path in correction_files(repo, raid_id):
        shown = repo.rel(path)
        data, text = read_toml(path, shown)
        correction = validate_or_raise(RaidCorrection, data, text, shown)
        if correction.raid != raid_id:
            raise DamagedFile(
                "error.damaged", file=shown, line=1,
                detail=Msg("raids.id_folder_mismatch", id=correction.raid, folder=raid_id),
            )  # fmt: skip
        raid.corrections.append(correction)
    raid.corrections.sort(key=lambda c: c.sort_key())
    return raid


def correction_files(repo: Repository, raid_id: str) -> list[Path]:
    """The correction files of a raid, sorted (a linked one too: reading it reports it)."""
    folder = repo.paths.raid_corrections_dir(raid_id)
    if folder.is_symlink() or not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir()
        if p.suffix == ".toml" and not p.name.startswith(".") and (p.is_symlink() or p.is_file())
    )  # fmt: skip


def find_raid(repo: Repository, ref: str) -> Raid:
    """:func:`read_raid` of the raid ``ref`` names (:func:`resolve_raid`)."""
    return read_raid(repo, resolve_raid(repo, ref))


# --- a new raid --------------------------------------------------------------------------------


@dataclass
class NewRaid:
    """What ``ppks raid new`` is given, as typed: the ``date`` (default today),
    ``places`` and ``team`` (at least one each), ``agencies``, a ``note``, and the
    ``worker`` recording it."""

    date: str | None = None
    places: list[str] = field(default_factory=list)
    team: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    note: str | None = None
    worker: str | None = None


def parse_place(value: str, option: str = "--place") -> str:
    """A place of a raid (a street, a crossing, a market), checked as the file keeps it.
    Raises :class:`InvalidInput` naming ``option``."""
    from ppks_cli.validation import build

    return build(_PlaceCheck, option, value=value).value


def parse_agency(value: str, suggested: Sequence[str] = (), option: str = "--agency") -> str:
    """An agency taking part: one of ``suggested`` (``[raids] agencies``) by its number
    (from 1, as the prompt shows them), its name in any letter case and spacing or the
    beginning of one name only (three letters or more: ``satpol``), else the name as
    typed. Raises :class:`InvalidInput` naming ``option`` for a number not
    shown or a name a file cannot keep."""
    from ppks_cli import nik
    from ppks_cli.choices import normalize
    from ppks_cli.models import parse_name

    text = value.strip()
    digits = nik.normalize_digits(text)
    if nik.is_ascii_digits(digits) and len(digits) <= 3:
        number = int(digits)
        if 1 <= number <= len(suggested):
            return suggested[number - 1]
        detail = Msg("choice.number", value=text, last=len(suggested))
        raise InvalidInput("error.invalid_option", option=option, detail=detail)
    wanted = normalize(text)
    for name in suggested:
        if normalize(name) == wanted:
            return name
    starting = [name for name in suggested if normalize(name).startswith(wanted)]
    if len(wanted) >= 3 and len(starting) == 1:  # "satpol" for "Satpol PP"
        return starting[0]
    return parse_name(text, option)


def parse_team_member(value: str, option: str = "--team") -> str:
    """A worker of the team, as a worker's name is checked. Raises :class:`InvalidInput`."""
    from ppks_cli.models import parse_worker

    return parse_worker(value, option)


def parse_raid_date(value: str, option: str = "--date") -> dt.date:
    """The raid's date: any form :func:`ppks_cli.dates.parse_date` reads, not after today.
    Raises :class:`InvalidInput`."""
    from ppks_cli.dates import parse_date

    return parse_date(value, option=option)


def prepare_raid(repo: Repository, form: NewRaid) -> RaidFile:
    """The raid ``form`` describes, validated completely (its ID is a placeholder until
    it is written). Raises :class:`InvalidInput` naming the option of the first wrong or
    missing value."""
    from ppks_cli.models import parse_worker
    from ppks_cli.store import now
    from ppks_cli.validation import build

    if not form.worker or not form.worker.strip():
        raise InvalidInput("error.missing_worker")
    worker = parse_worker(form.worker, "--worker")
    date = parse_raid_date(form.date) if form.date and form.date.strip() else dt.date.today()
    places = [parse_place(p) for p in form.places if p and p.strip()]
    if not places:
        raise InvalidInput("error.missing_option", option="--place")
    team = list(dict.fromkeys(parse_team_member(m) for m in form.team if m and m.strip()))
    if not team:
        raise InvalidInput("error.missing_option", option="--team")
    suggested = repo.config.raids.agencies
    agencies = list(
        dict.fromkeys(parse_agency(a, suggested) for a in form.agencies if a and a.strip())
    )
    note = form.note.strip() if form.note and form.note.strip() else None
    return build(
        RaidFile, {"note": "--note", "date": "--date", "": "--note"},
        id="R2000-00000", date=date, places=places, team=team, agencies=agencies, note=note,
        worker=worker, recorded_at=now(),
    )  # fmt: skip


@dataclass
class RaidResult(Result):
    """``ppks raid new`` / ``ppks raid edit``: the raid as written, and the file."""

    raid: Raid
    file: str

    def to_json(self) -> dict[str, Any]:
        return {**self.raid.to_json(), "file": self.file}


def _write(repo: Repository, path: Path, data: dict[str, Any]) -> None:
    """Write one file of a raid through ``repo`` (noted first, for a kill; listed in
    ``repo.written`` for the commit). Never overwrites."""
    from ppks_cli.tomlio import write_toml

    if path.exists() or path.is_symlink():
        raise Refused("error.record_exists", file=repo.rel(path))
    repo._will_write(path)
    write_toml(path, data, root=repo.root)
    repo.written.append(path)


def new_raid(
    repo: Repository, form: NewRaid, *, options: WriteOptions | None = None
) -> RaidResult:
    """Record a new raid the whole way: validate ``form`` (:func:`prepare_raid`), hold
    the repository, pick a fresh ID (``R<year>-XXXXX``), write ``raids/<ID>/raid.toml``
    and commit it (``ppks: raid <ID> recorded``). Raises :class:`InvalidInput` with
    nothing written."""
    from ppks_cli.changes import WriteOptions, commit_message

    prepared = prepare_raid(repo, form)
    with (options or WriteOptions()).writer(repo) as writer:
        raid_id = ids.new_raid_id(prepared.date.year, raid_ids(repo))
        file = prepared.model_copy(update={"id": raid_id})
        path = repo.paths.raid_file(raid_id)
        _write(repo, path, file.to_toml_dict())
        writer.commit(commit_message(None, "raid", raid=raid_id), file.worker)
    return RaidResult(Raid(file, repo.paths.raid_dir(raid_id)), repo.rel(path))


def correct_raid(
    repo: Repository, ref: str, *, reason: str, worker: str, places: Sequence[str] = (),
    team: Sequence[str] = (), agencies: Sequence[str] = (), note: str | None = None,
    options: WriteOptions | None = None,
) -> RaidResult:  # fmt: skip
    """Correct the raid's own fields (``ppks raid edit``): a correction file with the
    new values of the fields given (``places``, ``team``, ``agencies``: the whole new
    list; ``note``) and the ``reason``, dated today, committed. Nothing is rewritten.
    Raises :class:`InvalidInput` (nothing given, a wrong value), :class:`NotFound`."""
    from ppks_cli.changes import WriteOptions, commit_message
    from ppks_cli.models import parse_worker
    from ppks_cli.store import now
    from ppks_cli.validation import build

    who = parse_worker(worker, "--worker")
    if not reason or not reason.strip():
        raise InvalidInput("error.missing_option", option="--reason")
    with (options or WriteOptions()).writer(repo) as writer:
        raid = find_raid(repo, ref)
        suggested = repo.config.raids.agencies
        values: dict[str, Any] = {
            "places": [parse_place(p) for p in places if p.strip()] or None,
            "team": list(dict.fromkeys(parse_team_member(m) for m in team if m.strip())) or None,
            "agencies": list(dict.fromkeys(parse_agency(a, suggested) for a in agencies
                                           if a.strip())) or None,
            "note": note.strip() if note and note.strip() else None,
        }  # fmt: skip
        if all(v is None for v in values.values()):
            raise InvalidInput("error.raid.nothing_to_correct")
        taken = [c.id for c in raid.corrections]
        when = now()
        if raid.corrections and when <= raid.corrections[-1].recorded_at:
            when = raid.corrections[-1].recorded_at + dt.timedelta(seconds=1)
        correction = build(
            RaidCorrection,
            {"places": "--place", "team": "--team", "agencies": "--agency", "note": "--note",
             "reason": "--reason", "": "--reason"},
            id=ids.new_record_id(taken), raid=raid.id, date=dt.date.today(), worker=who,
            recorded_at=when, reason=reason.strip(), **values,
        )  # fmt: skip
        path = repo.paths.raid_correction_file(raid.id, correction.date.isoformat(), correction.id)
        _write(repo, path, correction.to_toml_dict())
        raid.corrections.append(correction)
        writer.commit(commit_message(None, "raid-correction", raid=raid.id), who)
    return RaidResult(raid, repo.rel(path))


class _PlaceCheck(Model):
    value: Line


class _TextCheck(Model):
    value: Text


def parse_note(value: str, option: str = "--note") -> str:
    """Free text (a note), checked as a record keeps it. Raises :class:`InvalidInput`."""
    from ppks_cli.validation import build

    return build(_TextCheck, option, value=value).value


# --- the people of a raid ----------------------------------------------------------------------

# the columns of a spreadsheet of people (``ppks raid add --from FILE``): each column's
# code (the header in English) and the other headers accepted for it (Indonesian first);
# the header is compared in any letter case, with spaces, hyphens, underscores and a
# final "*" or "(…)" ignored
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("nama", "nama/alias", "nama atau alias"),
    "alias": ("alias", "nama panggilan", "panggilan"),
    "sex": ("jenis kelamin", "jk", "l/p", "kelamin", "gender"),
    "age": ("umur", "usia", "perkiraan umur", "umur perkiraan"),
    "category": ("kategori", "kategori ppks", "jenis ppks"),
    "found_at": ("tempat ditemukan", "lokasi", "tempat", "found at", "place"),
    "disposition": ("tindak lanjut", "disposisi", "penanganan"),
    "destination": ("tujuan", "rumah sakit/panti", "tujuan rujukan"),
    "case": ("kasus", "id kasus", "case id", "nomor kasus"),
    "nik": ("nik",),
    "note": ("catatan", "keterangan"),
}
REQUIRED_COLUMNS = ("name", "sex", "category", "disposition")
# what a column is called in a message: its Indonesian header (the team's spreadsheet)
COLUMN_SHOWN = {code: names[0] for code, names in COLUMNS.items()}
NO_NAME_WORDS = frozenset({
    "tanpa nama", "tidak ada nama", "tidak diketahui", "tidak tahu", "tdk tahu", "tt", "tn",
    "t.n.", "no name", "unknown", "anonim", "anonymous", "mr x", "mr. x", "nn", "-", "?",
    "n/a", "x",
})  # fmt: skip


@dataclass
class PersonEntry:
    """One person picked up, as the field team knows them, as typed (``None``: left
    empty): ``name`` (or an alias, or a word for no name: :data:`NO_NAME_WORDS`),
    ``alias``, ``sex``, ``age`` (an estimate: ``40``, ``sekitar 40 tahun``; a birth
    year or date also do), ``category``, ``found_at``, ``disposition`` and its
    ``destination``, ``nik``, ``note``, and ``case``: the decision about a likely
    match (an existing case's ID, or ``baru``/``new`` for a new case; ``None``: search).
    ``row`` is the spreadsheet's row number (``None`` at a terminal: the person's number
    in the sitting is used)."""

    name: str | None = None
    sex: str | None = None
    age: str | None = None
    category: str | None = None
    disposition: str | None = None
    destination: str | None = None
    found_at: str | None = None
    alias: str | None = None
    nik: str | None = None
    case: str | None = None
    note: str | None = None
    row: int | None = None


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one entry: its ``row`` (spreadsheet row, or the person's
    number at a terminal; ``None`` for the file as a whole), the ``column`` code (a key
    of :data:`COLUMNS`, ``None`` for the row) and the ``message``."""

    row: int | None
    column: str | None
    message: Msg
    person: bool = False  # ``row`` numbers a person entered at a terminal, not a row

    def render(self) -> str:
        from ppks_cli.i18n import t

        column = COLUMN_SHOWN.get(self.column, self.column) if self.column else None
        if self.row is None:
            where = t("raids.where_column", column=column) if column else ""
        elif self.person:
            where = t("raids.where_person", number=self.row)
        elif column:
            where = t("raids.where_row_column", row=self.row, column=column)
        else:
            where = t("raids.where_row", row=self.row)
        return f"{where}: {self.message}" if where else str(self.message)

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.message.key,
                "message": str(self.message)}  # fmt: skip


def _mark_people(plan: PersonPlan) -> PersonPlan:
    """``plan``'s problems said of the person's number when it was entered at a
    terminal (no spreadsheet row)."""
    from dataclasses import replace

    if plan.entry.row is None:
        plan.problems = [replace(p, person=True) for p in plan.problems]
    return plan


def _blank(value: str | None) -> bool:
    return value is None or not str(value).strip()


def is_no_name(value: str | None) -> bool:
    """Whether ``value`` says the name is not known: empty, ``tanpa nama``, ``-`` …"""
    if _blank(value):
        return True
    from ppks_cli.choices import normalize

    return normalize(value) in {normalize(w) for w in NO_NAME_WORDS} or value.strip() in (
        "-", "?",
    )  # fmt: skip


# the option ``intake.prepare`` names in an error, and the column it came from
_COLUMN_OF_OPTION = {
    "--name": "name", "--alias": "alias", "--sex": "sex", "--category": "category",
    "--nik": "nik", "--birth-date": "age", "--birth-year": "age", "--age": "age",
    "--found-at": "found_at", "--note": "note", "--intake-date": "age",
}  # fmt: skip


def _problem_of(exc: PpksError, row: int | None, column: str | None) -> RowProblem:
    """An error raised for one value as a problem of its row (and column: the one the
    option names, else ``column``), with the reason alone when it names an option."""
    option = exc.params.get("option")
    if option in _COLUMN_OF_OPTION:
        column = _COLUMN_OF_OPTION[option]
    if exc.key == "error.before_intake":  # the raid's date, not a --date of this command
        return RowProblem(row, column, Msg("raids.problem.before_intake", **exc.params))
    if exc.key == "error.invalid_option" and "detail" in exc.params:
        detail = exc.params["detail"]
        message = detail if isinstance(detail, Msg) else Msg("raids.detail", detail=str(detail))
    elif exc.key == "error.missing_option":
        message = Msg("raids.missing_value")
    else:
        message = Msg(exc.key, exc.params)
    return RowProblem(row, column, message)


@dataclass
class PersonPlan:
    """One entry, checked: what will be written for it, or its ``problems``. ``new``:
    a new case is opened (``prepared``: its intake); else ``case_id`` names the existing
    case. ``matches``: the office's clients the person may be (when no decision was
    given, they are a problem). ``number``: the catch's number on the case (1: the
    first); ``reopen``: the case is closed on the raid's date and is reopened first."""

    entry: PersonEntry
    row: int
    disposition: str | None = None
    destination: str | None = None
    place: str | None = None
    note: str | None = None
    new: bool = False
    prepared: Any = None  # intake.Prepared for a new case
    case_id: str | None = None
    name: str | None = None  # the client's name (a new case's, or the existing case's)
    matches: list = field(default_factory=list)  # duplicates.PossibleDuplicate
    problems: list[RowProblem] = field(default_factory=list)
    number: int = 1
    reopen: bool = False
    warnings: list[Msg] = field(default_factory=list)
    # the case was opened for this very entry by a run of this raid that was cut off
    # before its catch was written: the catch completes it (the person is new all the same)
    resumed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_disposition(value: str, option: str = "disposition") -> str:
    """The disposition code ``value`` names (:data:`ppks_cli.choices.DISPOSITION`: the
    number shown, the code, a label or a synonym). Raises :class:`InvalidInput`."""
    from ppks_cli.choices import DISPOSITION

    return DISPOSITION.parse(value, option)


def _field_check(plan: PersonPlan, column: str, parse, value):
    try:
        return parse(value)
    except PpksError as exc:
        plan.problems.append(_problem_of(exc, plan.row, column))
        return None


def _client_query(prepared, entry: PersonEntry):
    """What the matcher compares of a new person: the client, under the alias when the
    name is not known; None when nothing identifies the person (no name, no alias, no
    NIK): such a person is never taken for another nameless one."""
    client = prepared.client
    if client.name != NO_NAME:
        return client
    if client.alias:
        return client.model_copy(update={"name": client.alias, "alias": None})
    if client.nik:
        return client
    return None


_SAME_FIELDS = ("name", "alias", "nik", "sex", "birth_date", "birth_year")


def _same_client(one: Any, other: Any) -> bool:
    """Whether two clients (a model or the index's) are written the same way: the same
    name, alias, NIK, sex and birth date or year (the same row of a spreadsheet)."""

    def key(client: Any) -> tuple:
        return tuple(str(getattr(client, name, None) or "") for name in _SAME_FIELDS)

    return key(one) == key(other)


def _unfinished_case(
    repo: Repository, raid: Raid, prepared: Any, found: Sequence[Any], in_raid: set[str],
) -> str | None:  # fmt: skip
    """The case a run of ``raid`` opened for this very person and was cut off (killed)
    before writing its catch, among the likely matches ``found``: a case with no catch at
    all, taken in from a street raid on the raid's day, entered after the raid was, whose
    client and category are written exactly as ``prepared`` would write them. Its ID
    when there is exactly one, else None."""
    own = []
    for match in found[:5]:
        if match.case.id in in_raid or not _same_client(match.case.client, prepared.client):
            continue
        try:
            case = repo.load_case(match.case.id)
        except PpksError:
            continue
        intake = case.file.intake
        if (
            intake.source == "street-raid" and intake.date == raid.date
            and case.file.category == prepared.category
            and case.file.created_at >= raid.file.recorded_at
            and not any(r.kind == "raid-catch" for r in case.records)
        ):  # fmt: skip
            own.append(case.id)
    return own[0] if len(own) == 1 else None


def already_caught(repo: Repository, raid_id: str) -> set[str]:
    """The cases with a catch of the raid ``raid_id`` already (from the index)."""
    from ppks_cli import index

    with index.opened(repo) as (conn, _done):
        return {row["case_id"] for row in index.raid_catches(conn, raid_id)}


def _check_entry(
    repo: Repository, raid: Raid, entry: PersonEntry, number: int, *, worker: str,
    clients: Sequence[Any] | None = None, in_raid: set[str] | frozenset = frozenset(),
) -> PersonPlan:  # fmt: skip
    """Check one person of ``raid`` completely, writing nothing: every value (each wrong
    one is a :class:`RowProblem` of its column), the intake of a new case as
    ``new-case`` checks it (source ``street-raid``, intake date the raid's, an estimated
    age as a birth year from that date, no name as :data:`NO_NAME`), the office's
    clients the person may be (``clients``: :func:`ppks_cli.index.client_cases`; a
    likely match with no decision in ``entry.case`` is a problem naming the cases; a
    match among ``in_raid``, the cases this raid caught already, says so), and for an
    existing case whether it can take the catch (its records, its date, a reopening).
    ``number`` is the row reported when ``entry.row`` is None."""
    from ppks_cli import categories, intake
    from ppks_cli.duplicates import find_duplicates

    row = entry.row if entry.row is not None else number
    plan = PersonPlan(entry, row)
    if _blank(entry.disposition):
        plan.problems.append(RowProblem(row, "disposition", Msg("raids.missing_value")))
    else:
        plan.disposition = _field_check(plan, "disposition", parse_disposition,
                                        entry.disposition)  # fmt: skip
    if plan.disposition in NEEDS_DESTINATION and _blank(entry.destination):
        plan.problems.append(
            RowProblem(row, "destination", Msg("raids.destination_needed",
                                                 disposition=Msg(f"disposition.{plan.disposition}")))
        )  # fmt: skip
    elif not _blank(entry.destination):
        if plan.disposition in REFERRAL_DISPOSITIONS:
            from ppks_cli.casework import resolve_destination

            plan.destination = _field_check(
                plan, "destination", lambda v: resolve_destination(repo, v, "destination"),
                entry.destination,
            )  # fmt: skip
        else:
            plan.destination = _field_check(plan, "destination", parse_place, entry.destination)
    places = raid.places
    if not _blank(entry.found_at):
        plan.place = _field_check(plan, "found_at", parse_place, entry.found_at)
    elif len(places) == 1:
        plan.place = places[0]
    if not _blank(entry.note):
        plan.note = _field_check(plan, "note", parse_note, entry.note)
    for column in ("sex", "category"):
        if _blank(getattr(entry, column)):
            plan.problems.append(RowProblem(row, column, Msg("raids.missing_value")))
    decision = None if _blank(entry.case) else entry.case.strip()
    forced_new = decision is not None and decision.casefold() in NEW_WORDS
    # the intake the person would get: checked for every entry, so that a wrong value is
    # reported whatever the decision
    named = not is_no_name(entry.name)
    form = intake.NewCase(
        name=entry.name.strip() if named else NO_NAME,
        alias=None if _blank(entry.alias) else entry.alias,
        sex=entry.sex, category=entry.category, source="street-raid",
        intake_date=raid.date.isoformat(), worker=worker,
        nik=None if _blank(entry.nik) else entry.nik, found_at=plan.place,
        note=plan.note,
    )  # fmt: skip
    if not _blank(entry.age):
        try:
            kind, text = intake.parse_birth(entry.age, raid.date)
            setattr(form, kind, text)
        except PpksError as exc:
            plan.problems.append(_problem_of(exc, row, "age"))
    if not _blank(entry.category):
        _field_check(plan, "category", categories.resolve_category, entry.category)
    if not _blank(entry.sex):
        _field_check(plan, "sex", intake.parse_sex_option, entry.sex)
    if plan.problems:  # the intake would name the same value again
        return plan
    try:
        plan.prepared = intake.prepare(form)
    except PpksError as exc:
        plan.problems.append(_problem_of(exc, row, "name"))
        return plan
    if decision is not None and not forced_new:
        try:
            plan.case_id = repo.resolve(decision)
        except NotFound as exc:
            plan.problems.append(RowProblem(row, "case", Msg(exc.key, exc.params)))
            return plan
    else:
        query = _client_query(plan.prepared, entry)
        found = find_duplicates(clients or (), query) if query is not None else []
        own = _unfinished_case(repo, raid, plan.prepared, found, in_raid)
        if own is not None:  # this very entry, from a run of this raid that was cut off
            plan.case_id, plan.resumed = own, True
            plan.warnings.append(Msg("raids.warning.resumed", case=own))
            return plan
        again = [m.case.id for m in found if m.case.id in in_raid
                 and _same_client(m.case.client, plan.prepared.client)]  # fmt: skip
        if again:  # the same row entered twice ("baru" or not): the same person again
            plan.problems.append(RowProblem(row, "case", Msg(
                "raids.already_in_raid", case=again[0], raid=raid.id)))  # fmt: skip
            return plan
        if found and not forced_new:
            plan.matches = found
            listing = "; ".join(
                f"{m.case.id} ({m.case.client.name}, {Msg('duplicate.' + m.reason)}"
                + (f", {Msg('raids.in_this_raid')})" if m.case.id in in_raid else ")")
                for m in found[:5]
            )
            plan.problems.append(RowProblem(row, "case", Msg(
                "raids.likely_match", matches=listing, first=found[0].case.id,
            )))  # fmt: skip
            return plan
    if plan.case_id is None:
        plan.new = True
        plan.name = plan.prepared.client.name
        plan.warnings = list(plan.prepared.warnings)  # about the new case's intake
    return plan


def check_entry(
    repo: Repository, raid: Raid, entry: PersonEntry, number: int, *, worker: str,
    clients: Sequence[Any] | None = None, in_raid: set[str] | frozenset = frozenset(),
) -> PersonPlan:  # fmt: skip
    """Check one person of ``raid`` completely, writing nothing (see
    :func:`_check_entry`); a person entered at a terminal has their problems said of
    their number."""
    return _mark_people(_check_entry(repo, raid, entry, number, worker=worker,
                                     clients=clients, in_raid=in_raid))  # fmt: skip


def _catch_records(
    repo: Repository, raid: Raid, plan: PersonPlan, case: Case, worker: str,
    shelter: str | None = None,
) -> list:  # fmt: skip
    """The records the catch of ``plan`` writes on ``case``, prepared in order (each
    checked as a casework step is, against the case with the ones before it): a reopening
    when the case is closed on the raid's date, what the disposition adds (an admission
    to the shelter named ``shelter``, None: the first; a referral), and the catch, last.
    Raises :class:`Refused` or :class:`InvalidInput` as a step would."""
    from ppks_cli import workflow
    from ppks_cli.casework import _prepare, find_resource
    from ppks_cli.i18n import fill
    from ppks_cli.records import RaidCatch, Referral, Reopen, ShelterAdmission
    from ppks_cli.store import Case as CaseClass

    def said(key: str, **params: Any) -> str:  # records are kept in the office's language
        from ppks_cli.i18n import catalog

        return fill(catalog("id")[key], "id", **params)

    made: list = []

    def add(model, **fields: Any) -> None:
        virtual = CaseClass(case.file, case.folder, [*case.records, *made])
        made.append(_prepare(repo, virtual, model, pending=(), date=raid.date, worker=worker,
                             **fields))  # fmt: skip

    earlier = [r for r in case.records if r.date <= raid.date]
    if workflow.derive(case, earlier).closed:
        plan.reopen = True
        add(Reopen, reason=said("raids.reopen_reason", raid=raid.id))
    # what the disposition adds, then the catch itself, last: a run cut off (killed)
    # between them leaves no catch, so the same entry entered again completes the
    # person, skipping what the cut-off run wrote already for this raid
    if plan.disposition == "shelter":
        if not any(r.kind == "shelter-admission" and r.raid == raid.id for r in case.records):
            add(ShelterAdmission, raid=raid.id, shelter=shelter)
    elif plan.disposition in REFERRAL_DISPOSITIONS:
        entry = find_resource(repo, plan.destination)
        label = said(f"disposition.{plan.disposition}")
        reason = said("raids.referral_reason", raid=raid.id, disposition=label)
        if not any(r.kind == "referral" and r.date == raid.date and r.reason == reason
                   for r in case.records):  # fmt: skip
            add(
                Referral, destination=entry.name if entry else plan.destination,
                destination_kind=entry.kind if entry else None,
                destination_address=entry.address if entry else None,
                destination_contact=entry.contact if entry else None,
                reason=reason, consent=False,
                no_consent_reason=said("raids.no_consent", raid=raid.id),
            )  # fmt: skip
    add(RaidCatch, raid=raid.id, place=plan.place, disposition=plan.disposition,
        destination=plan.destination, note=plan.note)  # fmt: skip
    return made


def _check_existing(
    repo: Repository, raid: Raid, plan: PersonPlan, worker: str, shelter: str | None = None,
) -> tuple[Any, list]:  # fmt: skip
    """For an entry going to an existing case: the case and the records it would get, or
    problems on ``plan`` (a damaged case, a merged duplicate, a client of the other sex,
    the raid before its intake, a person already recorded in this raid, a client still in
    the shelter placed there again, a step the case refuses). A name the case's client
    does not have is a warning (a case ID typed wrong?)."""
    row = plan.row
    try:
        case = repo.load_case(plan.case_id)
    except DamagedFile as exc:
        plan.problems.append(RowProblem(row, "case", Msg(exc.key, exc.params)))
        return None, []
    plan.name = case.client.name
    merged = case.state.merged_into
    if merged:
        plan.problems.append(RowProblem(row, "case", Msg("raids.merged_case", case=case.id,
                                                          kept=merged)))  # fmt: skip
        return None, []
    catches = [r for r in case.records if r.kind == "raid-catch"]
    if any(r.raid == raid.id for r in catches):
        plan.problems.append(RowProblem(row, "case", Msg("raids.already_in_raid", case=case.id,
                                                          raid=raid.id)))  # fmt: skip
        return None, []
    given = plan.prepared.client if plan.prepared is not None else None
    client = case.current.client
    if given is not None and given.sex and client.sex and given.sex != client.sex:
        plan.problems.append(RowProblem(row, "case", Msg(
            "raids.problem.other_sex", case=case.id, name=client.name, sex=client.sex,
            typed=given.sex)))  # fmt: skip
        return None, []
    if given is not None and not plan.resumed and given.name != NO_NAME:
        from ppks_cli.duplicates import find_duplicates

        query = _client_query(plan.prepared, plan.entry)
        if query is not None and not find_duplicates([case], query):
            plan.warnings.append(Msg("raids.warning.other_name", case=case.id,
                                     name=client.name, typed=given.name))  # fmt: skip
    plan.number = next_catch_number(case, raid.date)
    if plan.disposition == "shelter" and not any(
        r.kind == "shelter-admission" and r.raid == raid.id for r in case.records
    ):  # fmt: skip
        from ppks_cli import shelter as shelters

        stays = shelters.case_stays(case)
        inside = shelters._stay_over(stays, raid.date)
        if inside is not None:
            place = shelters.Places(repo.config).of(inside.shelter)
            plan.problems.append(RowProblem(row, "disposition", Msg(
                "raids.problem.in_shelter", case=case.id, date=inside.admitted.isoformat(),
                shelter=shelters._shown(place), day=inside.days_on(raid.date),
                raid_date=raid.date.isoformat())))  # fmt: skip
            return None, []
        later = [stay for stay in stays if stay.admitted > raid.date]
        if later:
            plan.warnings.append(Msg("shelter.warning.later_stay", case=case.id,
                                     later=later[0].admitted.isoformat()))  # fmt: skip
    try:
        records = _catch_records(repo, raid, plan, case, worker, shelter)
    except PpksError as exc:
        plan.problems.append(_problem_of(exc, row, "case"))
        return None, []
    return case, records


@dataclass
class PersonOutcome:
    """What was (or, in a dry run, would be) written for one person: the case, whether
    it is new, reopened, the catch's number on the case and whether it reached
    ``[raids] repeat_threshold``, the disposition and destination, and the records
    (``(kind, record ID)``)."""

    row: int
    case: str | None
    name: str
    new: bool
    reopened: bool
    number: int
    threshold_reached: bool
    disposition: str
    destination: str | None
    records: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[Msg] = field(default_factory=list)
    from_file: bool = True  # ``row`` is a spreadsheet's row (else the person's number)

    @property
    def statement_due(self) -> bool:
        """A surat pernyataan is to be signed (the person was sent home)."""
        return self.disposition == "home"

    def to_json(self) -> dict[str, Any]:
        return {
            "row": self.row, "case": self.case, "new": self.new, "reopened": self.reopened,
            "catches": self.number, "threshold_reached": self.threshold_reached,
            "disposition": self.disposition, "destination": self.destination,
            "records": [{"kind": k, "id": i} for k, i in self.records],
            "statement_due": self.statement_due,
            "warnings": [{"code": m.key, "message": str(m)} for m in self.warnings],
        }  # fmt: skip


@dataclass
class AddResult(Result):
    """``ppks raid add``: the raid, what was written for each person (:class:`PersonOutcome`,
    in the order given), the entries left out with their problems (``skipped``, with
    ``skip_invalid``), whether it was a ``dry_run`` (nothing written), the repeat
    threshold, the commit (None: not committed) and the ``warnings`` of the run as a whole
    (:class:`Msg`: the shelter over its beds that night)."""

    raid: Raid
    people: list[PersonOutcome]
    skipped: list[tuple[int, list[RowProblem]]]
    threshold: int
    dry_run: bool = False
    commit: str | None = None
    warnings: list[Msg] = field(default_factory=list)  # of the run: the shelter over its beds

    @property
    def new_cases(self) -> int:
        return sum(1 for p in self.people if p.new)

    @property
    def repeat_catches(self) -> int:
        return sum(1 for p in self.people if not p.new)

    def to_json(self) -> dict[str, Any]:
        return {
            "raid": self.raid.id, "date": self.raid.date.isoformat(), "dry_run": self.dry_run,
            "written": 0 if self.dry_run else len(self.people),
            "new_cases": self.new_cases, "repeat_catches": self.repeat_catches,
            "reopened": sum(1 for p in self.people if p.reopened),
            "repeat_threshold": self.threshold, "commit": self.commit,
            "people": [p.to_json() for p in self.people],
            "skipped": [{"row": row, "problems": [p.to_json() for p in problems]}
                        for row, problems in self.skipped],
            "warnings": [{"code": m.key, "message": str(m)} for m in self.warnings],
        }  # fmt: skip


class RowsRefused(InvalidInput):
    """Entries of a raid are not valid: nothing was written. ``problems`` are every
    :class:`RowProblem`, in row order (exit 3)."""

    def __init__(self, problems: list[RowProblem], rows: int) -> None:
        super().__init__("error.raid.rows_refused", rows=rows, problems=len(problems))
        self.problems = sorted(problems, key=problem_order)


_COLUMN_ORDER = {code: number for number, code in enumerate(COLUMNS)}


def problem_order(problem: RowProblem) -> tuple[int, int]:
    """Problems in row order, and within a row in the order of :data:`COLUMNS`."""
    return (problem.row or 0, _COLUMN_ORDER.get(problem.column, -1))


def check_one(repo: Repository, raid: Raid, plan: PersonPlan, worker: str) -> PersonPlan:
    """For a ``plan`` of :func:`check_entry` without problems: whether its case can
    take the catch (an existing case: :func:`_check_existing`; a new one: its records on
    a stand-in), adding problems to ``plan`` (returned). Writes nothing."""
    if plan.ok and plan.new:
        _check_new(repo, raid, plan, worker)
    elif plan.ok:
        _check_existing(repo, raid, plan, worker)
    return _mark_people(plan)


def check_people(
    repo: Repository, raid: Raid, entries: Sequence[PersonEntry], *, worker: str,
    progress=None,
) -> list[PersonPlan]:  # fmt: skip
    """:func:`check_entry` for every entry, against the office's clients as the index
    knows them now (read once), then the checks across entries: one existing case named
    twice, and a new person who may be the one of an earlier entry (the same person on
    two rows: a decision is needed, ``baru`` for someone else). Writes nothing."""
    from ppks_cli import index

    clients = index.client_cases(repo, progress)
    in_raid = already_caught(repo, raid.id)
    plans = [
        check_entry(repo, raid, entry, number, worker=worker, clients=clients, in_raid=in_raid)
        for number, entry in enumerate(entries, start=1)
    ]
    seen: dict[str, int] = {}
    for plan in plans:
        if plan.case_id is None or plan.problems:
            continue
        if plan.case_id in seen:
            plan.problems.append(RowProblem(plan.row, "case", Msg(
                "raids.case_twice", case=plan.case_id, other=seen[plan.case_id])))  # fmt: skip
        else:
            seen[plan.case_id] = plan.row
    _same_person_twice(plans)
    return plans


@dataclass(frozen=True)
class _EarlierEntry:
    """A new person of an earlier entry, as the matcher compares a case."""

    id: str
    client: Any
    former_names: tuple[str, ...] = ()


def earlier_matches(plan: PersonPlan, earlier: Sequence[PersonPlan]) -> list[PersonPlan]:
    """The new people of ``earlier`` entries the new person of ``plan`` may be (the
    matcher of ``new-case``; a person with no name, alias or NIK is nobody's double)."""
    from ppks_cli.duplicates import find_duplicates

    if not plan.new or plan.prepared is None:
        return []
    query = _client_query(plan.prepared, plan.entry)
    if query is None:
        return []
    by_id = {str(number): other for number, other in enumerate(earlier)
             if other.new and other.prepared is not None}  # fmt: skip
    stand_ins = []
    for key, other in by_id.items():
        client = _client_query(other.prepared, other.entry)
        if client is not None:
            stand_ins.append(_EarlierEntry(key, client))
    return [by_id[m.case.id] for m in find_duplicates(stand_ins, query)]


def _same_person_twice(plans: Sequence[PersonPlan]) -> None:
    """A new person with no decision (``kasus`` empty) who may be the new person of an
    earlier entry is a problem naming that row: the same person listed twice (two team
    members' lists put together) would become two cases."""
    for number, plan in enumerate(plans):
        if plan.problems or not plan.new or not _blank(plan.entry.case):
            continue
        found = earlier_matches(plan, [p for p in plans[:number] if not p.problems])
        if found:
            plan.problems.append(RowProblem(plan.row, "case", Msg(
                "raids.problem.same_as_row", other=found[0].row, name=found[0].name or "")))


def add_people(
    repo: Repository, raid_ref: str, entries: Sequence[PersonEntry], *, worker: str,
    skip_invalid: bool = False, dry_run: bool = False, shelter: str | None = None,
    options: WriteOptions | None = None, progress=None,
) -> AddResult:  # fmt: skip
    """Enter the people of the raid ``raid_ref`` the whole way, in one commit: hold the
    repository, check every entry (:func:`check_people`; for an existing case, also the
    records it would get), and only then write: a new case for each new person (through
    :func:`ppks_cli.intake.create_case`, as ``new-case`` writes it) and the records of
    each catch (see the module's description), then commit them all
    (``ppks: N people caught in raid <ID>``) with ``worker`` as author. The catches are
    entered in the order of ``entries`` (each one's entry time after the one before),
    so ``raid show`` and the berita acara list the people as they were given.

    ``shelter`` names the shelter the people placed there go to (as ``--shelter`` of
    ``ppks shelter admit``: a name, part of one or its number; None: the first of
    ``ppks.toml``); more people than its free beds that night is a warning in the result
    (the people are there: they are recorded).

    An entry with a problem refuses the whole run with :class:`RowsRefused` (every
    problem, nothing written) unless ``skip_invalid``: then the valid entries are written
    and the others listed in the result. ``dry_run``: everything checked, nothing
    written. No entry at all is :class:`InvalidInput`, and so is an unknown shelter. A
    failure while writing removes what this run wrote before it is raised, so the
    repository is as it was."""
    from ppks_cli.changes import WriteOptions, commit_message
    from ppks_cli.models import parse_worker
    from ppks_cli.shelter import Places

    who = parse_worker(worker, "--worker")
    if not entries:
        raise InvalidInput("error.raid.no_people")
    places = Places(repo.config)
    place = places.choose(shelter) if shelter is not None else places.of(None)
    with (options or WriteOptions()).writer(repo) as writer:
        raid = find_raid(repo, raid_ref)
        threshold = repo.config.raids.repeat_threshold
        plans = check_people(repo, raid, entries, worker=who, progress=progress)
        existing: dict[int, tuple[Any, list]] = {}
        for number, plan in enumerate(plans):
            if plan.ok and not plan.new:
                existing[number] = _check_existing(repo, raid, plan, who, place.name)
            elif plan.ok:  # a new case: its records checked on a case opened that day
                _check_new(repo, raid, plan, who)
        problems = [p for plan in plans for p in _mark_people(plan).problems]
        if problems and not skip_invalid:
            raise RowsRefused(problems, len({p.row for p in problems}))
        valid = [(n, plan) for n, plan in enumerate(plans) if plan.ok]
        if not valid and not dry_run:
            raise RowsRefused(problems, len({p.row for p in problems}))
        skipped = [(plan.row, sorted(plan.problems, key=problem_order))
                   for plan in plans if not plan.ok]  # fmt: skip
        outcomes = [_outcome(plan, threshold) for _, plan in valid]
        warnings = _shelter_warnings(repo, raid, places, place,
                                     [plan for _, plan in valid])  # fmt: skip
        if dry_run:
            return AddResult(raid, outcomes, skipped, threshold, dry_run=True,
                             warnings=warnings)  # fmt: skip
        start = len(repo.written)
        created: list[Path] = []
        last = None  # the entry time of the catch before: each one is entered after it
        try:
            for (number, plan), outcome in zip(valid, outcomes, strict=True):
                if plan.new:
                    case = _open_case(repo, plan, created)
                    records = _catch_records(repo, raid, plan, case, who, place.name)
                else:
                    case, records = existing[number]
                records = _after(records, last)
                for record in records:
                    repo.add_record(case, record)
                last = records[-1].recorded_at
                outcome.case = case.id
                outcome.records = [(r.kind, r.id) for r in records]
        except BaseException:
            _undo(repo, start, created)
            raise
        message = commit_message(None, "raid-people", raid=raid.id, count=len(outcomes))
        done = writer.commit(message, who)
    sha = getattr(done, "sha", None) if done is not None else None
    return AddResult(raid, outcomes, skipped, threshold, commit=sha, warnings=warnings)


def _after(records: list, last: dt.datetime | None) -> list:
    """``records`` (of one person, in order) moved later as a whole when the first is not
    after ``last`` (the previous person's catch), keeping their own order."""
    if last is None or not records or records[0].recorded_at > last:
        return records
    shift = last - records[0].recorded_at + dt.timedelta(seconds=1)
    return [r.model_copy(update={"recorded_at": r.recorded_at + shift}) for r in records]


def _shelter_warnings(
    repo: Repository, raid: Raid, places: Any, place: Any, plans: Sequence[PersonPlan],
) -> list[Msg]:  # fmt: skip
    """A warning when the people placed in the shelter ``place`` by ``plans`` make it
    hold more clients than its beds the night of the raid."""
    from ppks_cli import index
    from ppks_cli.shelter import _shown, indexed_stays

    placed = sum(1 for plan in plans if plan.disposition == "shelter")
    if not placed or place.beds is None:
        return []
    with index.opened(repo) as (conn, _done):
        stays = indexed_stays(conn)
    coming = {plan.case_id for plan in plans if plan.case_id}
    there = sum(1 for stay in stays if stay.in_on(raid.date) and stay.case not in coming
                and places.of(stay.shelter) == place)  # fmt: skip
    if there + placed <= place.beds:
        return []
    return [Msg("shelter.warning.full", shelter=_shown(place), occupied=there + placed,
                beds=place.beds, date=raid.date.isoformat())]  # fmt: skip


def _check_new(repo: Repository, raid: Raid, plan: PersonPlan, worker: str) -> None:
    """The records of a new person checked on a stand-in for the case it would open
    (nothing written): a problem on ``plan`` if one of them could not be written."""
    from ppks_cli.models import CaseFile
    from ppks_cli.store import Case as CaseClass
    from ppks_cli.store import now

    prepared = plan.prepared
    file = CaseFile(
        id=f"{raid.date.year:04d}-00000", created_at=now(), category=prepared.category,
        tags=prepared.tags, client=prepared.client, intake=prepared.intake,
    )  # fmt: skip
    stand_in = CaseClass(file, repo.paths.case_dir(file.id))
    try:
        _catch_records(repo, raid, plan, stand_in, worker)
    except PpksError as exc:
        plan.problems.append(_problem_of(exc, plan.row, None))


def _open_case(repo: Repository, plan: PersonPlan, created: list[Path]):
    from ppks_cli.intake import create_case

    case = create_case(repo, plan.prepared, allow_duplicates=True)
    created.append(case.folder)
    return case


def _undo(repo: Repository, start: int, created: list[Path]) -> None:
    """Remove what this run wrote (files from ``repo.written[start:]`` and the case
    folders it created), after a failure while writing."""
    import shutil

    for path in repo.written[start:]:
        try:
            path.unlink()
        except OSError:
            pass
    del repo.written[start:]
    for folder in created:
        shutil.rmtree(folder, ignore_errors=True)


def _outcome(plan: PersonPlan, threshold: int) -> PersonOutcome:
    return PersonOutcome(
        row=plan.row, case=plan.case_id, name=plan.name or "", new=plan.new or plan.resumed,
        reopened=plan.reopen, number=plan.number, threshold_reached=plan.number >= threshold,
        disposition=plan.disposition, destination=plan.destination, warnings=plan.warnings,
        from_file=plan.entry.row is not None,
    )  # fmt: skip


# --- reading a spreadsheet of people ---------------------------------------------------------


def _header_key(text: str) -> str:
    from ppks_cli.choices import normalize

    bare = re.sub(r"\([^)]*\)", "", str(text)).replace("*", "")
    return normalize(bare)


def column_of(header: str) -> str | None:
    """The column code (a key of :data:`COLUMNS`) a spreadsheet header names: the code
    itself or one of its other headers, in any letter case and spacing, with a final
    ``*`` or a remark in brackets ignored (``Umur (perkiraan)``); None for another."""
    key = _header_key(header)
    for code, names in COLUMNS.items():
        if key in {_header_key(code), *(_header_key(n) for n in names)}:
            return code
    return None


@dataclass(frozen=True)
class UncomputedFormula:
    """An XLSX cell holding a formula whose value the file does not carry (a workbook
    written by a program, never opened and saved in a spreadsheet): its value cannot be
    known, so it is a problem, never an empty cell."""

    formula: str


def _cell_text(value: Any) -> str | None:
    """A spreadsheet cell as the text a person typed: a whole number without ``.0``, a
    date as ``YYYY-MM-DD``, empty as None."""
    if value is None or isinstance(value, UncomputedFormula):
        return None
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def rows_to_entries(
    rows: Iterable[tuple[int, Sequence[Any]]],
) -> tuple[list[PersonEntry], list[RowProblem]]:
    """The entries of a table given as ``(row number, cells)``, the first row the
    header (:func:`column_of`); rows with no value at all are left out. Returns the
    entries and the problems that make the file unusable: of the header (an unknown or
    repeated column, a required column missing: :data:`REQUIRED_COLUMNS`), a value in a
    column without a header (it would be lost), a formula whose value the file does not
    hold (:class:`UncomputedFormula`)."""
    problems: list[RowProblem] = []
    entries: list[PersonEntry] = []
    header: list[str | None] | None = None
    for number, cells in rows:
        texts = [_cell_text(c) for c in cells]
        if header is None:
            if not any(texts):
                continue  # blank lines above the header
            header = []
            for text in texts:
                code = column_of(text) if text else None
                if text and code is None:
                    problems.append(RowProblem(number, None, Msg(
                        "raids.unknown_column", column=text.strip(),
                        known=", ".join(COLUMN_SHOWN.values()))))  # fmt: skip
                elif code is not None and code in header:
                    problems.append(RowProblem(number, code, Msg("raids.column_twice")))
                header.append(code)
            for code in REQUIRED_COLUMNS:
                if code not in header:
                    problems.append(RowProblem(None, code, Msg("raids.column_missing")))
            continue
        formulas = [(header[n] if n < len(header) else None, c.formula)
                    for n, c in enumerate(cells) if isinstance(c, UncomputedFormula)]
        for code, formula in formulas:
            problems.append(RowProblem(number, code, Msg("raids.problem.formula",
                                                         formula=formula[:60])))  # fmt: skip
        if not any(texts):
            continue
        values: dict[str, str | None] = {}
        outside = any(texts[len(header):])
        for code, text in zip(header, texts, strict=False):
            if code is not None:
                values[code] = text
            elif text:  # under an empty header cell: no column to put it in
                outside = True
        if outside:
            problems.append(RowProblem(number, None, Msg("raids.cells_outside_header")))
        entries.append(PersonEntry(row=number, **values))
    if header is None:
        problems.append(RowProblem(None, None, Msg("raids.empty_file")))
    return entries, problems


# the largest spreadsheet read: a raid of 14 days caught about 220 people
MAX_ROWS = 5_000
MAX_FILE_BYTES = 20 * 1024 * 1024


def read_people_file(path: Path) -> tuple[list[PersonEntry], list[RowProblem]]:
    """The people in a CSV or XLSX file (by its ending; a CSV separated by commas or
    semicolons, UTF-8 with or without a byte-order mark, or Windows-1252), its first
    sheet; see :func:`rows_to_entries`. Raises :class:`InvalidInput` for a file that
    cannot be read as either (naming it), more than :data:`MAX_ROWS` rows."""
    from ppks_cli.tomlio import refuse_special_file

    if not path.is_file():
        raise InvalidInput("error.raid.file_unreadable", file=str(path),
                           reason=Msg("raids.not_a_file"))  # fmt: skip
    refuse_special_file(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InvalidInput("error.raid.file_unreadable", file=str(path),
                               reason=Msg("raids.file_too_large", mb=MAX_FILE_BYTES // 2**20))
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput("error.raid.file_unreadable", file=str(path),
                           reason=exc.strerror or type(exc).__name__) from None  # fmt: skip
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path, data)
    elif suffix in (".csv", ".txt"):
        rows = _csv_rows(path, data)
    else:
        raise InvalidInput("error.raid.file_kind", file=str(path))
    if len(rows) > MAX_ROWS + 1:
        raise InvalidInput("error.raid.file_unreadable", file=str(path),
                           reason=Msg("raids.too_many_rows", rows=MAX_ROWS))  # fmt: skip
    return rows_to_entries(rows)


def _csv_rows(path: Path, data: bytes) -> list[tuple[int, list[str]]]:
    import csv
    import io

    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if "\x00" in text:
        raise InvalidInput("error.raid.file_unreadable", file=str(path),
                           reason=Msg("raids.not_text"))  # fmt: skip
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count)  # a tie (none at all): the comma
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:  # numbered as a spreadsheet shows them: a quoted cell may hold a line break
        for number, cells in enumerate(reader, start=1):
            rows.append((number, cells))
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error as exc:
        raise InvalidInput("error.raid.file_unreadable", file=str(path),
                           reason=str(exc)) from None  # fmt: skip
    return rows


def _xlsx_rows(path: Path, data: bytes) -> list[tuple[int, list[Any]]]:
    import io
    import zipfile

    from openpyxl import load_workbook

    def first_sheet(values: bool) -> list[tuple[int, list[Any]]]:
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=values)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
            raise InvalidInput("error.raid.file_unreadable", file=str(path),
                               reason=type(exc).__name__) from None  # fmt: skip
        try:
            sheet = book.worksheets[0]
            rows = []
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                rows.append((number, list(cells)))
                if len(rows) > MAX_ROWS + 1:
                    break
            return rows
        except Exception as exc:  # a damaged sheet: openpyxl raises many kinds
            raise InvalidInput("error.raid.file_unreadable", file=str(path),
                               reason=type(exc).__name__) from None  # fmt: skip
        finally:
            book.close()

    # the formulas first: a formula's cell is its value as the file last saved it, and a
    # formula the file holds no value for is marked (never read as an empty cell)
    formulas = first_sheet(values=False)
    if not any(isinstance(c, str) and c.startswith("=") for _, row in formulas for c in row):
        return formulas
    found = []
    for (number, typed), (_, saved) in zip(formulas, first_sheet(values=True), strict=False):
        saved = saved + [None] * (len(typed) - len(saved))
        found.append((number, [
            UncomputedFormula(t) if v is None and isinstance(t, str) and t.startswith("=")
            else v
            for t, v in zip(typed, saved, strict=False)
        ]))  # fmt: skip
    return found


# --- listing and showing ------------------------------------------------------------------


@dataclass(frozen=True)
class RaidRow:
    """One raid as the index knows it, for ``ppks raid list``: its fields and the counts
    of the people recorded (``people``, ``new_cases``, ``repeat_catches``). ``problem``:
    why its file could not be read (the other fields are then empty)."""

    id: str
    date: str | None
    places: tuple[str, ...]
    team: tuple[str, ...]
    agencies: tuple[str, ...]
    people: int
    new_cases: int
    repeat_catches: int
    problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "date": self.date, "places": list(self.places),
            "team": list(self.team), "agencies": list(self.agencies), "people": self.people,
            "new_cases": self.new_cases, "repeat_catches": self.repeat_catches,
        }  # fmt: skip


@dataclass
class RaidList(Result):
    """``ppks raid list``: the raids, newest first, and those that could not be read."""

    raids: list[RaidRow]
    problems: list = field(default_factory=list)

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self.raids]


def list_raids(repo: Repository, year: int | None = None, *, progress=None) -> RaidList:
    """The raids of ``repo`` (of ``year`` when given), newest first, from the index."""
    from ppks_cli import index

    with index.opened(repo, progress) as (conn, _done):
        rows = index.raid_rows(conn, year)
        problems = index.raid_problems(conn)
    return RaidList([RaidRow(**row) for row in rows], problems)


@dataclass(frozen=True)
class CaughtPerson:
    """One person of a raid, for ``ppks raid show`` and the berita acara: the case, the
    client's name, sex, age on the raid's date (estimated from the birth year when there
    is no birth date), category, where found, the disposition and destination, the
    catch's number on the case and whether it opened the case (``new``)."""

    case: str
    record: str
    name: str
    sex: str | None
    age: int | None
    age_estimated: bool
    category: str | None
    place: str | None
    disposition: str
    destination: str | None
    number: int
    new: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case, "record": self.record, "name": self.name, "sex": self.sex,
            "age": self.age, "category": self.category, "place": self.place,
            "disposition": self.disposition, "destination": self.destination,
            "catches": self.number, "new": self.new,
        }  # fmt: skip


SUMMARY_GROUPS = ("category", "sex", "age_group", "disposition", "new_or_repeat")


def summarise(people: Sequence[CaughtPerson], age_groups: Sequence[int]) -> dict[str, Counter]:
    """The counts of a raid's people: by ``category``, ``sex``, ``age_group`` (the
    groups of ``[reports] age_groups``, ``unknown`` without an age), ``disposition`` and
    ``new_or_repeat`` (``new``: the catch opened the case; ``repeat``: the person had a
    case)."""
    from ppks_cli.reports import UNKNOWN, _age_group

    found: dict[str, Counter] = {name: Counter() for name in SUMMARY_GROUPS}
    for person in people:
        found["category"][person.category or UNKNOWN] += 1
        found["sex"][person.sex or UNKNOWN] += 1
        found["age_group"][_age_group(tuple(age_groups), person.age)] += 1
        found["disposition"][person.disposition] += 1
        found["new_or_repeat"]["new" if person.new else "repeat"] += 1
    return found


def summary_rows(summary: dict[str, Counter], age_groups: Sequence[int]) -> dict[str, list]:
    """The rows of each group of :func:`summarise` in their fixed order (zeros of the
    fixed codes included; other keys after), as ``[(code, count)]``."""
    from ppks_cli import choices
    from ppks_cli.reports import UNKNOWN, age_group_keys

    fixed = {
        "sex": choices.SEXES, "age_group": tuple(age_group_keys(tuple(age_groups))),
        "disposition": choices.DISPOSITIONS, "new_or_repeat": ("new", "repeat"),
    }  # fmt: skip
    rows: dict[str, list] = {}
    for name, counts in summary.items():
        order = list(fixed.get(name, ()))
        order += sorted((k for k in counts if k not in order), key=lambda k: (k == UNKNOWN, k))
        rows[name] = [(key, counts.get(key, 0)) for key in order]
    return rows


@dataclass
class RaidView(Result):
    """``ppks raid show``: the raid, its people in the order they were entered, the
    counts (:func:`summarise`) and the settings used (age groups, repeat threshold)."""

    raid: Raid
    people: list[CaughtPerson]
    age_groups: tuple[int, ...]
    threshold: int

    @property
    def summary(self) -> dict[str, Counter]:
        return summarise(self.people, self.age_groups)

    def to_json(self) -> dict[str, Any]:
        rows = summary_rows(self.summary, self.age_groups)
        return {
            **self.raid.to_json(),
            "people": [p.to_json() for p in self.people],
            "summary": {name: {key: count for key, count in found}
                        for name, found in rows.items()},
            "total": len(self.people),
            "repeat_threshold": self.threshold,
        }  # fmt: skip


def show_raid(repo: Repository, ref: str, *, progress=None) -> RaidView:
    """The raid ``ref`` names with its people (from the index: the ``raid-catch`` records
    naming it) and their counts. Raises :class:`NotFound`, :class:`DamagedFile`."""
    from ppks_cli import index

    raid = find_raid(repo, ref)
    with index.opened(repo, progress) as (conn, _done):
        rows = index.raid_catches(conn, raid.id)
    people = []
    for row in rows:
        age, estimated = _age_on(raid.date, row["birth_date"], row["birth_year"])
        people.append(CaughtPerson(
            case=row["case_id"], record=row["record"], name=row["name"] or "",
            sex=row["sex"], age=age, age_estimated=estimated, category=row["category"],
            place=row["place"], disposition=row["disposition"],
            destination=row["destination"], number=row["number"], new=bool(row["new"]),
        ))  # fmt: skip
    config = repo.config
    return RaidView(raid, people, tuple(config.reports.age_groups), config.raids.repeat_threshold)


def _age_on(day: dt.date, birth_date: str | None, birth_year: int | None):
    if birth_date:
        born = dt.date.fromisoformat(birth_date)
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day)), False
    if birth_year:
        return day.year - birth_year, True
    return None, False


# --- catches on one case (ppks show) --------------------------------------------------------


def intake_catch(case: Case) -> dt.date | None:
    """The intake date of ``case`` when the intake is a catch of its own: a case taken
    in from a street raid (intake source ``street-raid``, as ``new-case`` records it, or
    as cases were entered before ``ppks raid``) with no ``raid-catch`` record dated that
    day. Such a person was caught once already: a later catch is their second. None
    otherwise (the intake's catch is then a record of its own, or the intake was no
    raid)."""
    intake = case.current.intake
    if intake.source != "street-raid":
        return None
    if any(r.kind == "raid-catch" and r.date == intake.date for r in case.records):
        return None
    return intake.date


def catch_count(case: Case, day: dt.date | None = None) -> int:
    """How many times the client of ``case`` was caught up to ``day`` (every day when
    None): the ``raid-catch`` records dated then, and the intake when it is a catch of its
    own (:func:`intake_catch`)."""
    counted = sum(1 for r in case.records if r.kind == "raid-catch" and (day is None
                                                                           or r.date <= day))
    intake = intake_catch(case)
    return counted + (1 if intake is not None and (day is None or intake <= day) else 0)


def next_catch_number(case: Case, day: dt.date) -> int:
    """The number a new catch of ``case`` dated ``day`` gets (1: the first): the catches
    up to that day, plus one; a catch on the day of a street-raid intake that has no
    catch record is that intake's own catch, not one more."""
    intake = intake_catch(case)
    own = intake is not None and intake == day
    return catch_count(case, day) + (0 if own else 1)


def case_catches(case: Case, threshold: int) -> dict[str, Any]:
    """What ``ppks show`` says of a case's raid catches: ``count`` (the catch records,
    and the intake when it is a catch of its own: :func:`intake_catch`), the
    ``threshold`` (``[raids] repeat_threshold``), whether it is ``reached``, ``intake``
    (that intake's date, else None) and each catch (record, raid, date, disposition,
    destination, place), oldest first."""
    catches = [r for r in case.records if r.kind == "raid-catch"]
    count = catch_count(case)
    intake = intake_catch(case)
    return {
        "count": count, "threshold": threshold, "reached": count >= threshold,
        "intake": intake.isoformat() if intake is not None else None,
        "catches": [
            {"record": r.id, "raid": r.raid, "date": r.date.isoformat(),
             "disposition": r.disposition, "destination": r.destination, "place": r.place}
            for r in catches
        ],
    }  # fmt: skip


# --- checking the raids (ppks check) ----------------------------------------------------------


def check_raids(repo: Repository, known_cases: set[str] | None = None) -> list:
    """Every problem of ``raids/``: a ``raid.toml`` or correction that cannot be read
    or is not valid (``file:line``), a folder whose file names another raid, stray
    entries and links; and, with ``known_cases`` (every readable case), catches naming
    a raid that does not exist (a warning at the record). Returns
    :class:`~ppks_cli.validation.Problem` objects."""
    from ppks_cli.problems import Problem
    from ppks_cli.tomlio import KeyLocator, read_toml
    from ppks_cli.validation import validate

    found: list = []
    folder = repo.paths.raids
    if folder.is_symlink():
        return [Problem(paths.RAIDS_DIR, 1, Msg("toml.symlink"))]
    if not folder.is_dir():
        entries = []
    else:
        try:
            entries = sorted(folder.iterdir())
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            return [Problem(paths.RAIDS_DIR, 1, Msg("toml.unreadable", reason=reason))]
    valid: set[str] = set()
    for entry in entries:
        if entry.name.startswith("."):
            continue
        shown = repo.rel(entry)
        if entry.is_symlink():
            found.append(Problem(shown, 1, Msg("toml.symlink")))
            continue
        if not entry.is_dir() or not ids.RAID_ID_RE.match(entry.name):
            found.append(Problem(shown, 1, Msg("check.stray_entry"), "warning"))
            continue
        valid.add(entry.name)  # it exists: its catches name no missing raid, even if damaged
        path = repo.paths.raid_file(entry.name)
        shown = repo.rel(path)
        try:
            data, text = read_toml(path, shown)
        except DamagedFile as exc:
            found.append(Problem(exc.params["file"], exc.params["line"], exc.params["detail"]))
            continue
        file, problems = validate(RaidFile, data, text, shown)
        found += problems
        if file is None:
            continue
        if file.id != entry.name:
            line = KeyLocator(text).line(("id",))
            found.append(Problem(shown, line, Msg("raids.id_folder_mismatch", id=file.id,
                                                  folder=entry.name)))  # fmt: skip
            continue
        corrections = repo.paths.raid_corrections_dir(entry.name)
        if corrections.is_symlink():
            found.append(Problem(repo.rel(corrections), 1, Msg("toml.symlink")))
        for correction in correction_files(repo, entry.name):
            shown = repo.rel(correction)
            try:
                data, text = read_toml(correction, shown)
            except DamagedFile as exc:
                found.append(Problem(exc.params["file"], exc.params["line"],
                                     exc.params["detail"]))  # fmt: skip
                continue
            made, problems = validate(RaidCorrection, data, text, shown)
            found += problems
            if made is not None and made.raid != entry.name:
                line = KeyLocator(text).line(("raid",))
                found.append(Problem(shown, line, Msg("raids.id_folder_mismatch", id=made.raid,
                                                      folder=entry.name)))  # fmt: skip
    if known_cases is not None:
        from ppks_cli import index

        with index.opened(repo) as (conn, _done):
            rows = conn.execute(
                "SELECT case_id, record, raid, date FROM catches ORDER BY case_id, record"
            ).fetchall()
        for case_id, record, raid, date in rows:
            if raid in valid or case_id not in known_cases:
                continue
            path = repo.paths.record_file(case_id, date, "raid-catch", record)
            where = repo.rel(path)
            line = 1
            try:
                line = KeyLocator(path.read_text(encoding="utf-8")).line(("raid",))
            except (OSError, ValueError):
                pass
            found.append(Problem(where, line, Msg("raids.unknown_raid", raid=raid), "warning"))
    return found


# --- the berita acara ---------------------------------------------------------------------------

REPORT_KIND = "raid-report"  # the template: templates/raid-report.{md,typ}.j2
REPORT_TITLE = "BERITA ACARA PELAKSANAAN RAZIA / PENJANGKAUAN"


@dataclass
class BeritaAcara(Result):
    """``ppks raid print``: the raid's berita acara, rendered (``texts``: ``md`` and
    ``typ``), the bytes made in ``fmt`` and the file written (None: the screen)."""

    raid: Raid
    fmt: str
    number: str | None
    texts: dict[str, str]
    data: bytes
    target: Path | None

    def to_json(self) -> dict[str, Any]:
        return {
            "raid": self.raid.id, "format": self.fmt, "number": self.number,
            "file": str(self.target) if self.target else None,
            **({"text": self.texts["md"]} if self.target is None else {}),
        }  # fmt: skip


def report_data(repo: Repository, view: RaidView, *, number: str | None,
                date: dt.date) -> dict[str, Any]:  # fmt: skip
    """The data the berita acara is rendered from: ``office``, ``signatories``,
    ``letter`` (title, number, date signed, place, day, font), ``raid`` (id, date, day,
    places, agencies, note), ``team`` (each worker's name and their ``[workers]``
    details: title, rank, NIP), ``people`` (no names: the case ID, sex, age, category,
    where found, disposition, destination, catch number, new) and ``summary`` (the
    counts with their Indonesian labels)."""
    from ppks_cli import categories, i18n
    from ppks_cli.dates import day_name
    from ppks_cli.letters import read_logo, worker_data
    from ppks_cli.models import prune

    config = repo.config
    lang = i18n.get_language()
    i18n.set_language("id")  # a berita acara is in Indonesian whatever the interface speaks
    try:
        raid = view.raid
        if config.office.logo:
            read_logo(repo, config.office.logo)
        names = categories.categories()
        people = [
            {
                "case": p.case, "sex": p.sex, "age": p.age, "age_estimated": p.age_estimated,
                "category": names[p.category].name if p.category in names else p.category,
                "place": p.place, "disposition": i18n.t(f"disposition_short.{p.disposition}"),
                # an institution's name, never a family's address (a person sent home)
                "destination": p.destination if p.disposition in REFERRAL_DISPOSITIONS else None,
                "catches": p.number, "new": p.new,
            }
            for p in view.people
        ]  # fmt: skip
        rows = summary_rows(view.summary, view.age_groups)

        def label(group: str, key: str) -> str:
            if key == "unknown":
                return i18n.t("report.unknown")
            if group == "category":
                return names[key].name if key in names else key
            if group == "sex":
                return i18n.t(f"sex.{key}")
            if group == "disposition":
                return i18n.t(f"disposition_short.{key}")
            if group == "new_or_repeat":
                return i18n.t(f"raids.summary_{key}")
            return key

        summary = {
            group: [{"key": k, "label": label(group, k), "count": c} for k, c in found]
            for group, found in rows.items()
        }
        data = {
            "office": config.office.model_dump(mode="python", exclude_none=True),
            "signatories": config.signatories.model_dump(mode="python", exclude_none=True),
            "letter": {
                "kind": REPORT_KIND, "title": REPORT_TITLE,
                "number": number or "", "date": date, "place": config.office.city,
                "day": day_name(date, "id"), "font": config.letters.font, "tembusan": [],
            },  # fmt: skip
            "raid": {
                "id": raid.id, "date": raid.date, "day": day_name(raid.date, "id"),
                "places": raid.places, "agencies": raid.agencies, "note": raid.note,
            },  # fmt: skip
            "team": [worker_data(repo, name) for name in raid.team],
            "people": people,
            "summary": summary,
            "total": len(view.people),
            "new_cases": sum(1 for p in view.people if p.new),
            "repeat_catches": sum(1 for p in view.people if not p.new),
            "threshold": view.threshold,
            "threshold_reached": sum(1 for p in view.people if p.number >= view.threshold),
        }
        return {key: prune(value) for key, value in data.items()}
    finally:
        i18n.set_language(lang)


def berita_acara(
    repo: Repository, ref: str, *, fmt: str = "md", output: Path | None = None,
    number: str | None = None, date: dt.date | None = None, progress=None,
) -> BeritaAcara:  # fmt: skip
    """The berita acara of the raid ``ref`` names, rendered with the letter machinery
    (the office's kop surat, templates ``raid-report.md.j2`` / ``.typ.j2``, which the
    office may override in ``templates/``): Markdown (``fmt`` ``md``: the screen, or
    ``output``) or PDF (``output``, default ``out/<RAID>-berita-acara.pdf``). ``number``
    is printed as given (the berita acara is not entered in the agenda book); ``date``
    is the day it is signed (default today). Nothing in the repository is written.
    Raises :class:`InvalidInput` (a format, a value the template needs), :class:`Refused`
    (an output that is the repository's data), what :func:`ppks_cli.letters.to_pdf`
    raises."""
    from ppks_cli import letters

    if fmt not in ("md", "pdf"):
        raise InvalidInput("error.invalid_option", option="--format", detail=Msg("letters.formats"))
    if number is not None:
        from ppks_cli.models import parse_name

        number = parse_name(number, "--number")
    target = output
    if target is not None and str(target) == "-":
        if fmt == "pdf":
            raise InvalidInput("error.pdf_to_stdout")
        target = None
    if target is not None:  # a file that cannot be written: refused before anything is read
        letters.check_output(target, repo)
    raid = find_raid(repo, ref)
    view = show_raid(repo, raid.id, progress=progress)
    when = date or dt.date.today()
    data = report_data(repo, view, number=number, date=when)
    first = "typ" if fmt == "pdf" else "md"
    texts, checksum = letters._render(repo, REPORT_KIND, data, first=first)
    made = letters.Draft(kind=REPORT_KIND, number=number or "", seq=None, date=when, data=data,
                         texts=texts, checksum=checksum)  # fmt: skip
    content = letters.to_pdf(repo, made) if fmt == "pdf" else made.markdown.encode("utf-8")
    if target is None and fmt == "pdf":
        target = _default_report_path(repo, view.raid)
        letters.check_output(target, repo)
    if target is not None:
        letters.write_output(target, content, repo)
    return BeritaAcara(view.raid, fmt, number, texts, content, target)


def _default_report_path(repo: Repository, raid: Raid) -> Path:
    """``out/<RAID>-berita-acara.pdf``: the folder of rendered letters, made as
    :func:`ppks_cli.letters.default_output_path` makes it (ignored by git)."""
    from types import SimpleNamespace

    from ppks_cli import letters

    # what default_output_path reads of a case and a letter: only to name the folder
    stand_in = SimpleNamespace(id=raid.id, kind="berita-acara", seq=None, number="")
    folder = letters.default_output_path(repo, stand_in, stand_in, "pdf").parent
    return folder / f"{raid.id}-berita-acara.pdf"


__all__ = [
    "AddResult", "BeritaAcara", "CaughtPerson", "NewRaid", "PersonEntry", "PersonOutcome",
    "Raid", "RaidCorrection", "RaidFile", "RaidList", "RaidRow", "RaidView", "RowProblem",
    "RowsRefused", "add_people", "berita_acara", "check_people", "check_raids",
    "correct_raid", "find_raid", "list_raids", "new_raid", "read_people_file", "read_raid",
    "resolve_raid", "show_raid",
]

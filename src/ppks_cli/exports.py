"""``ppks export``: the cases, records or issued letters of a repository as rows of a table
(CSV, XLSX or JSON lines), with the filters of ``ppks list``, and their anonymised form.

The columns of each table are fixed (:data:`TABLES`: name, type, what it holds and what
``--anonymise`` makes of it) and documented in the README; a new release may add columns at
the end, never rename or remove one without saying so.

Anonymised (for research and for sharing under UU No. 27 Tahun 2022, PDP): case, record and
worker IDs become pseudonyms, a keyed hash (HMAC-SHA256) of the ID under a random key made
for this one export and never stored, so the same case has the same pseudonym everywhere in
one export and a different one in the next, and nobody (the office included) can turn a
pseudonym back into the case; names, aliases, NIK, No. KK, phone numbers, addresses, birth
date and place, family and contacts are left out; the age becomes an age group
(:mod:`ppks_cli.ages`: the groups of ``[reports] age_groups``); the place where the client
was found becomes its kecamatan (:func:`kecamatan`); free text is left out, or with
``keep_text`` kept with every identity value of the case replaced (:class:`Scrubber`).

Nothing here prints; :func:`export` returns an :class:`ExportResult`. The file is written by
:mod:`ppks_cli.export_writers` (owner-only, atomically, never through a link).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ppks_cli import ages, choices
from ppks_cli.ages import age_on
from ppks_cli.results import Result

FORMATS = ("csv", "xlsx", "jsonl")

# --- the columns ---------------------------------------------------------------------------

# what --anonymise makes of a column
KEPT = "kept"  # the same value
PSEUDONYM = "pseudonym"  # a keyed hash of the value (K-…, R-…, W-…)
LEFT_OUT = "left out"  # not in the file
TEXT = "text"  # left out; with --keep-text kept, the case's identity values replaced
SCRUBBED = "scrubbed"  # kept, the case's identity values replaced

TYPES = ("text", "integer", "date", "datetime", "boolean", "list")


@dataclass(frozen=True)
class Column:
    """One column of an export: its ``name`` (the header), its ``type`` (one of
    :data:`TYPES`: ``list`` is a list of text, joined with ``", "`` in CSV and XLSX), what
    it holds (``meaning``, English, for the README) and what ``--anonymise`` makes of it
    (``anonymised``: :data:`KEPT`, :data:`PSEUDONYM`, :data:`LEFT_OUT`, :data:`TEXT` or
    :data:`SCRUBBED`)."""

    name: str
    type: str
    meaning: str
    anonymised: str


def _one_of(codes: tuple[str, ...]) -> str:
    """``a, b or c``: a column's values named in its description from the list the code
    takes them from, so that the two cannot drift apart."""
    return codes[0] if len(codes) == 1 else ", ".join(codes[:-1]) + " or " + codes[-1]


CASE_COLUMNS = (
    Column("id", "text", "case ID", PSEUDONYM),
    Column("name", "text", "client's name (with corrections applied)", LEFT_OUT),
    Column("alias", "text", "client's alias", LEFT_OUT),
    Column("sex", "text", "L or P", KEPT),
    Column("birth_date", "date", "birth date", LEFT_OUT),
    Column("birth_year", "integer", "birth year, given or estimated", LEFT_OUT),
    Column("age_at_intake", "integer", "age in whole years on the intake date", LEFT_OUT),
    Column("age_group", "text", f"age group at intake, by [reports] age_groups: "
           f"{ages.describe(ages.DEFAULT)} by default", KEPT),
    Column("nik", "text", "NIK", LEFT_OUT),
    Column("kk_number", "text", "No. KK (family card)", LEFT_OUT),
    Column("phone", "text", "client's phone", LEFT_OUT),
    Column("has_nik", "boolean", "whether a NIK is recorded", KEPT),
    Column("category", "text", "PPKS category (slug)", KEPT),
    Column("tags", "list", "tags", SCRUBBED),
    Column("stage", "text", "current stage (intake … termination)", KEPT),
    Column("closed", "boolean", "whether the case is closed", KEPT),
    Column("episode", "integer", "episode number (1, then 2 after a reopening …)", KEPT),
    Column("worker", "text", "current worker", PSEUDONYM),
    Column("intake_worker", "text", "worker who did the intake", PSEUDONYM),
    Column("source", "text", "intake source (street-raid, outreach …)", KEPT),
    Column("found_at", "text", "where the client was found, as written", LEFT_OUT),
    Column("kecamatan", "text", "kecamatan of Kota Medan named in found_at", KEPT),
    Column("intake_date", "date", "intake date", KEPT),
    Column("created_at", "datetime", "when the case was entered", LEFT_OUT),
    Column("termination_date", "date", "date of the latest termination (closed cases)", KEPT),
    Column("next_due", "date", "earliest date something is due (late items included)", KEPT),
    Column("overdue", "integer", "items late on the day of the export", KEPT),
    Column("damaged_records", "integer", "record files that could not be read", KEPT),
    Column("note", "text", "the intake note", TEXT),
)

RECORD_COLUMNS = (
    Column("case", "text", "case ID", PSEUDONYM),
    Column("id", "text", "record ID", PSEUDONYM),
    Column("kind", "text", "record kind (assessment, plan, intervention …)", KEPT),
    Column("date", "date", "date the work was done", KEPT),
    Column("recorded_at", "datetime", "when the record was entered", LEFT_OUT),
    Column("worker", "text", "worker who recorded it", PSEUDONYM),
    Column("episode", "integer", "episode of the case the record belongs to", KEPT),
    Column("category", "text", "the case's current category", KEPT),
    Column("code", "text", "the record's coded value (see below)", KEPT),
    Column("destination", "text", "referral: the institution referred to", SCRUBBED),
    Column("related", "text", "the record this one is about (see below)", PSEUDONYM),
    Column("related_case", "text", "link: the other case", PSEUDONYM),
    Column("new_worker", "text", "transfer: the worker the case passed to", PSEUDONYM),
    Column("text", "text", "the record's free text, one 'field: value' a line", TEXT),
)

LETTER_COLUMNS = (
    Column("case", "text", "case ID", PSEUDONYM),
    Column("id", "text", "record ID of the issued letter", PSEUDONYM),
    Column("letter", "text", f"kind of letter: {_one_of(choices.LETTER_KINDS)}", KEPT),
    Column("number", "text", "letter number", LEFT_OUT),
    Column("year", "integer", "year of the number", KEPT),
    Column("seq", "integer", "office sequence number", LEFT_OUT),
    Column("date", "date", "date of the letter", KEPT),
    Column("recorded_at", "datetime", "when it was issued", LEFT_OUT),
    Column("worker", "text", "worker who issued it", PSEUDONYM),
    Column("about", "text", "record the letter is about (referral, termination …)", PSEUDONYM),
    Column("edited", "boolean", "whether its Typst source was edited by hand", KEPT),
    Column("category", "text", "the case's current category", KEPT),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "cases": CASE_COLUMNS,
    "records": RECORD_COLUMNS,
    "letters": LETTER_COLUMNS,
}

# the record's coded value (column ``code``) and the record it is about (``related``)
CODE_FIELD = {
    "assessment": "risk", "intervention": "activity", "referral-update": "status",
    "evaluation": "decision", "termination": "reason", "approval": "stage",
    "letter": "letter", "link": "relation", "attachment": "document",
}  # fmt: skip
RELATED_FIELD = {"referral-update": "referral", "approval": "record", "letter": "about"}

# the personal data (keys of export.data.*) each table holds when not anonymised
PERSONAL_DATA = {
    "cases": ("names", "nik", "phones", "birth_dates", "places", "free_text", "workers"),
    "records": ("free_text", "workers"),
    "letters": ("letter_numbers", "workers"),
}


def columns(table: str, *, anonymise: bool = False, keep_text: bool = False) -> list[Column]:
    """The columns of ``table`` (a key of :data:`TABLES`) in the order written: all of
    them, or, anonymised, those :data:`KEPT`, :data:`PSEUDONYM` or :data:`SCRUBBED` (and
    :data:`TEXT` with ``keep_text``)."""
    wanted = {KEPT, PSEUDONYM, SCRUBBED} | ({TEXT} if keep_text else set())
    return [c for c in TABLES[table] if not anonymise or c.anonymised in wanted]


# --- kecamatan ----------------------------------------------------------------------------

# the 21 kecamatan of Kota Medan
KECAMATAN = (
    "Medan Amplas", "Medan Area", "Medan Barat", "Medan Baru", "Medan Belawan", "Medan Deli",
    "Medan Denai", "Medan Helvetia", "Medan Johor", "Medan Kota", "Medan Labuhan",
    "Medan Maimun", "Medan Marelan", "Medan Perjuangan", "Medan Petisah", "Medan Polonia",
    "Medan Selayang", "Medan Sunggal", "Medan Tembung", "Medan Timur", "Medan Tuntungan",
)  # fmt: skip
_SEGMENTS = re.compile(r"[,;/()\n]+")
_STREET_WORDS = frozenset({"jl", "jln", "jalan", "gg", "gang"})


@functools.lru_cache(maxsize=4096)  # places repeat: a city office names a few hundred
def kecamatan(found_at: str | None) -> str | None:
    """The kecamatan of Kota Medan that ``found_at`` names, else ``None``. The text is cut
    at commas, semicolons, slashes and brackets; a part names a kecamatan by its whole
    name as words ("Medan Sunggal", any case and punctuation: "Kec. Medan Sunggal") or by
    the name without "Medan" after "Kec."/"Kecamatan" ("Kec. Sunggal"), but not as part of
    a street's name ("Jl. Medan Area Selatan"). "Medan, Kota Medan" names none. When the
    text names two different kecamatan, ``None``: a guess would be worse than nothing."""
    from ppks_cli.index import plain

    if not found_at:
        return None
    found = set()
    for segment in _SEGMENTS.split(found_at):
        words = plain(segment).split()
        for start in range(len(words)):
            if start and words[start - 1] in _STREET_WORDS:
                continue
            for name in KECAMATAN:
                parts = name.lower().split()
                if words[start : start + len(parts)] == parts:
                    found.add(name)
                elif (start and words[start - 1] in ("kec", "kecamatan")
                      and words[start : start + len(parts) - 1] == parts[1:]):  # fmt: skip
                    found.add(name)
    return found.pop() if len(found) == 1 else None


# --- pseudonyms ----------------------------------------------------------------------------


class Pseudonyms:
    """Pseudonyms for one export: ``prefix-`` and 16 hex digits of HMAC-SHA256 of the value
    under a random 256-bit key made here and kept only in memory (never written, never
    shown). Within one export the same value always gets the same pseudonym; another
    export, another key, other pseudonyms. 64 bits: two cases of a 50,000-case repository
    share one with a chance of about 1 in 7 million."""

    def __init__(self, key: bytes | None = None) -> None:
        import secrets

        self._key = key if key is not None else secrets.token_bytes(32)

    def __call__(self, prefix: str, value: str | None) -> str | None:
        import hashlib
        import hmac

        if value is None:
            return None
        digest = hmac.new(self._key, f"{prefix}:{value}".encode(), hashlib.sha256)
        return f"{prefix}-{digest.hexdigest()[:16]}"


# --- identity values and the scrubber ------------------------------------------------------

NAME_MARK, NUMBER_MARK, PLACE_MARK = "[nama]", "[nomor]", "[alamat]"

# words of a name that are not a name (titles, particles), never replaced on their own
_NOT_NAMES = frozenset(
    "br boru bin binti bt bapak bpk pak ibu bu ny nn sdr sdri h hj haji hajjah dr drs ir "
    "st sh se spd ssos msi mr mrs tn tanpa dan yang di ke dari nama identitas alias "
    "kepala lingkungan keluarga".split()
)
# places every client of the office shares: not an identity value
PUBLIC_PLACES = frozenset(
    {"medan", "kota medan", "sumatera utara", "sumut", "indonesia"}
    | {k.lower() for k in KECAMATAN}
)
# the kecamatan of Kota Medan as "Kec. Sunggal" names them: public as their whole names are
_KECAMATAN_SHORT = frozenset(k.lower().removeprefix("medan ") for k in KECAMATAN)
# what an address part starts with before the name of the place: the unit (Desa, Kel.,
# Kec., Kab., Kota, Dusun, Lingkungan …) and its number (Dusun III, Lingkungan 4)
_ADMINISTRATIVE = re.compile(
    r"^(?:(?:desa|ds|kelurahan|kel|kecamatan|kec|kabupaten|kab|kota|dusun|dsn|lingkungan"
    r"|lingk|ling|lk|kampung|kp|gampong|nagari|jorong|provinsi|prov|rt|rw)\b\.?\s*"
    r"(?:(?:\d+|(?-i:[IVXLC]+))\b\.?\s*)?)+",
    re.IGNORECASE,
)
# any run of 9 or more digits (with spaces, dots, dashes between): a NIK, No. KK or phone
_LONG_NUMBER = re.compile(r"\+?(?<![0-9])\d(?:[ .\-/]?\d){8,}(?![0-9])")
# a street address: Jl./Jalan/Gg./Gang and the capitalised words and numbers after it
_STREET = re.compile(
    r"\b(?:Jl|Jln|Jalan|Gg|Gang)\b\.?\s*(?:(?:[A-Z0-9][\w'.-]*|No\.?)\s*)+"
)


@dataclass
class Identity:
    """The identity values of one case: ``names`` (the client's names and aliases, now and
    before a correction, family members' and contacts' names), ``numbers`` (NIK, No. KK,
    phones) and ``places`` (addresses, birth place, where found)."""

    names: set[str] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)
    places: set[str] = field(default_factory=set)

    def add(self, kind: str, value: Any) -> None:
        if isinstance(value, str) and value.strip():
            getattr(self, kind).add(value.strip())


_CLIENT_FIELDS = {
    "name": "names", "alias": "names", "nik": "numbers", "kk_number": "numbers",
    "phone": "numbers", "birth_place": "places", "address": "places",
    "last_known_address": "places",
}  # fmt: skip
_CORRECTED = {**_CLIENT_FIELDS, "found_at": "places"}


def identity(case) -> Identity:
    """Every identity value ``case`` (a loaded :class:`~ppks_cli.store.Case`) holds or
    held: of ``case.toml`` as written and as corrected, the old and new values of each
    correction, the family members and contacts (name, phone, address)."""
    found = Identity()
    for file in (case.file, case.current):
        client = file.client
        for attr, kind in _CLIENT_FIELDS.items():
            found.add(kind, getattr(client, attr))
        found.add("places", file.intake.found_at)
        for person in (*client.family, *client.contacts):
            found.add("names", person.name)
            found.add("numbers", person.phone)
            found.add("places", person.address)
    return _corrected(case, found)


def workers(case) -> set[str]:
    """Every worker's name ``case`` holds: the intake's, each record's, a transfer's
    ``from`` and ``to``, an approval's ``by`` (pseudonyms in an anonymised export, so
    replaced in its kept text too)."""
    found = {case.file.intake.worker, case.current.intake.worker}
    for record in case.records:
        found.add(record.worker)
        for attr in ("from_", "to", "by"):
            value = getattr(record, attr, None)
            if isinstance(value, str):
                found.add(value)
    return found


def _corrected(case, found: Identity) -> Identity:
    for record in case.records:
        if record.kind == "correction":
            for change in record.changes:
                kind = _CORRECTED.get(change.field)
                if kind:
                    found.add(kind, change.old)
                    found.add(kind, change.new)
    return found


def scrubber(case) -> Scrubber:
    """The :class:`Scrubber` of ``case``: its identity values and its workers' names."""
    found = identity(case)
    for name in workers(case):
        found.add("names", name)
    return Scrubber(found)


def _name_pattern(value: str) -> str:
    words = [re.escape(w) for w in value.split()]
    return r"\s+".join(words)


def _bounded(alternatives: Iterable[str]) -> re.Pattern | None:
    ordered = sorted(set(alternatives), key=len, reverse=True)
    if not ordered:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(ordered) + r")(?!\w)", re.IGNORECASE)


class Scrubber:
    """Replaces the identity values of one case in a text: each name whole and each word
    of it (but titles and particles: ``Br.``, ``binti``, ``Bapak`` …) with ``[nama]``;
    each address, birth place and place found whole and each comma-separated part of it
    (but the city and its kecamatan) with ``[alamat]``; the NIK, No. KK and phones (and any
    other run of 9 or more digits) with ``[nomor]``, and any street address (``Jl. Mawar
    No. 3``) with ``[alamat]``. Case, spacing and punctuation around a word do not hide it.
    A name the case does not hold (a neighbour's) cannot be known and stays."""

    def __init__(self, found: Identity) -> None:
        import unicodedata

        def norm(value: str) -> str:
            return unicodedata.normalize("NFKC", value)

        names: set[str] = set()
        for name in found.names:
            name = norm(name)
            names.add(_name_pattern(name))
            for word in re.findall(r"\w+", name):
                if len(word) >= 2 and word.lower() not in _NOT_NAMES and not word.isdigit():
                    names.add(re.escape(word))
        places: set[str] = set()
        for place in found.places:
            place = norm(place)
            if place.lower() not in PUBLIC_PLACES:
                places.add(_name_pattern(place))
            for part in _SEGMENTS.split(place):
                part = part.strip(" .")
                # the part as written (Desa Bandar Klippa) and the place it names (Bandar
                # Klippa): a text says "tinggal di Bandar Klippa"
                for named in {part, _ADMINISTRATIVE.sub("", part).strip(" .")}:
                    key = " ".join(named.lower().split())
                    if len(named) >= 3 and key not in PUBLIC_PLACES | _KECAMATAN_SHORT:
                        places.add(_name_pattern(named))
        self._numbers = {d for v in found.numbers if len(d := re.sub(r"\D", "", v)) >= 4}
        self._names = _bounded(names)
        self._places = _bounded(places)

    def __call__(self, text: str | None) -> str | None:
        import unicodedata

        if not text:
            return text
        text = unicodedata.normalize("NFKC", text)
        text = _LONG_NUMBER.sub(NUMBER_MARK, text)
        for digits in self._numbers:
            text = re.sub(r"[ .\-/]?".join(digits), NUMBER_MARK, text)
        if self._places is not None:
            text = self._places.sub(PLACE_MARK, text)
        text = _STREET.sub(PLACE_MARK + " ", text).replace(PLACE_MARK + " ,", PLACE_MARK + ",")
        if self._names is not None:
            text = self._names.sub(NAME_MARK, text)
        return text.rstrip() if text.endswith(" ") else text


# --- the rows ------------------------------------------------------------------------------


@dataclass
class ExportResult(Result):
    """``ppks export``: what was written (``table``, ``format``, ``path``), how many
    ``rows``, its ``columns``, whether ``anonymised`` (and ``keep_text``), the kinds of
    personal data the file holds (keys of the ``export.data`` messages; empty when
    anonymised without free text), and the case folders that could not be read (left
    out, as ``list`` does)."""

    table: str
    format: str
    path: Path
    rows: int
    columns: list[str]
    anonymised: bool
    keep_text: bool
    personal_data: list[str]
    problems: list = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "what": self.table, "format": self.format, "file": str(self.path),
            "rows": self.rows, "columns": self.columns, "anonymised": self.anonymised,
            "keep_text": self.keep_text, "personal_data": self.personal_data,
            "mode": "0600",
        }  # fmt: skip


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


# cases whose rows are read from the index at a time (bounded memory, few queries)
BATCH = 500


def _batches(found) -> Iterator[list]:
    """The rows of the :class:`~ppks_cli.views.CaseList` ``found``, :data:`BATCH` at a
    time, in order."""
    cases = found.cases
    for start in range(0, len(cases), BATCH):
        yield cases[start : start + BATCH]


def _marks(ids: list[str]) -> str:
    return ", ".join("?" * len(ids))


def _identities(conn, ids: list[str]) -> dict[str, Identity]:
    """The identity values the index keeps of each of the cases ``ids``
    (:func:`ppks_cli.index.identity_rows`), by case ID."""
    found: dict[str, Identity] = {case_id: Identity() for case_id in ids}
    for case_id, kind, value in conn.execute(
        f"SELECT case_id, kind, value FROM identities WHERE case_id IN ({_marks(ids)})", ids
    ):
        found[case_id].add(kind, value)
    return found


def _scrubbers(conn, ids: list[str], anonymise: bool) -> dict[str, Scrub]:
    """For an anonymised export, the :class:`Scrubber` of each of the cases ``ids``, made
    only when there is something to scrub; else none."""
    if not anonymise:
        return {}
    return {case_id: _Lazy(lambda found=found: Scrubber(found))
            for case_id, found in _identities(conn, ids).items()}  # fmt: skip


def _case_rows(found, conn, anonymise: bool, keep_text: bool, pseudo: Pseudonyms,
               age_groups: tuple[int, ...], progress) -> Iterator[dict[str, Any]]:  # fmt: skip
    """The rows of the cases export, for the :class:`~ppks_cli.views.CaseList` ``found``,
    from the index ``conn``, :data:`BATCH` cases at a time; ages in the groups of
    ``age_groups`` (bounds, :mod:`ppks_cli.ages`)."""
    total, number = len(found.cases), 0
    for batch in _batches(found):
        ids = [row.id for row in batch]
        extra = {case_id: (nik, kk, phone) for case_id, nik, kk, phone in conn.execute(
            f"SELECT id, nik, kk, phone FROM cases WHERE id IN ({_marks(ids)})", ids)}  # fmt: skip
        notes = dict(conn.execute(
            "SELECT case_id, text FROM texts WHERE record IS NULL AND field = 'intake.note' "
            f"AND case_id IN ({_marks(ids)})", ids))  # fmt: skip
        scrubbers = _scrubbers(conn, ids, anonymise)
        for row in batch:
            nik, kk, phone = extra.get(row.id, (None, None, None))
            intake = dt.date.fromisoformat(row.intake_date)
            birth_date = _date(row.birth_date)
            age = age_on(intake, birth_date, row.birth_year)
            data = {
                "id": row.id, "name": row.name, "alias": row.alias, "sex": row.sex,
                "birth_date": birth_date, "birth_year": row.birth_year, "age_at_intake": age,
                "age_group": ages.group(age_groups, age), "nik": nik, "kk_number": kk,
                "phone": phone, "has_nik": bool(nik), "category": row.category,
                "tags": list(row.tags), "stage": row.stage, "closed": row.closed,
                "episode": row.episode, "worker": row.worker,
                "intake_worker": row.intake_worker, "source": row.source,
                "found_at": row.found_at, "kecamatan": kecamatan(row.found_at),
                "intake_date": intake, "created_at": dt.datetime.fromisoformat(row.created_at),
                "termination_date": _date(row.termination_date),
                "next_due": _date(row.next_due), "overdue": row.overdue,
                "damaged_records": row.damaged_records, "note": notes.get(row.id),
            }  # fmt: skip
            if anonymise:
                data = _anonymised(data, CASE_COLUMNS, pseudo, scrubbers[row.id], "K",
                                   keep_text)  # fmt: skip
            number += 1
            if progress is not None:
                progress(number, total)
            yield data


class _Lazy:
    """A :class:`Scrubber` made only when there is something to scrub (most cases of an
    export without free text have no tags)."""

    def __init__(self, make: Callable[[], Scrubber]) -> None:
        self._make, self._made = make, None

    def __call__(self, text: str | None) -> str | None:
        if not text:
            return text
        if self._made is None:
            self._made = self._make()
        return self._made(text)


Scrub = Callable[[str | None], str | None]


def _anonymised(data: dict[str, Any], cols: tuple[Column, ...], pseudo: Pseudonyms,
                scrub: Scrub, id_prefix: str, keep_text: bool) -> dict[str, Any]:  # fmt: skip
    prefixes = {"id": id_prefix, "case": "K", "related_case": "K", "related": "R",
                "about": "R", "worker": "W", "intake_worker": "W", "new_worker": "W"}  # fmt: skip
    out: dict[str, Any] = {}
    for col in cols:
        value = data.get(col.name)
        if col.anonymised == PSEUDONYM:
            out[col.name] = pseudo(prefixes[col.name], value)
        elif col.anonymised == SCRUBBED or (col.anonymised == TEXT and keep_text):
            if isinstance(value, list):
                out[col.name] = [scrub(v) for v in value]
            else:
                out[col.name] = scrub(value)
        elif col.anonymised == KEPT:
            out[col.name] = value
    return out


_RECORD_ROW = (
    "case_id, seq, id, kind, date, recorded_at, worker, episode, code, destination, related, "
    "related_case, new_worker, number, year, letter_seq, edited"
)


def _record_rows(found, conn, table: str, anonymise: bool, keep_text: bool,
                 pseudo: Pseudonyms, progress) -> Iterator[dict[str, Any]]:  # fmt: skip
    """The rows of the records or letters export: the records of each case of ``found``
    (in each case oldest first, as :func:`ppks_cli.index.record_rows` keeps them), from the
    index ``conn``, :data:`BATCH` cases at a time."""
    letters = table == "letters"
    cols = LETTER_COLUMNS if letters else RECORD_COLUMNS
    want_text = not letters and (not anonymise or keep_text)
    total, number = len(found.cases), 0
    for batch in _batches(found):
        ids = [row.id for row in batch]
        records: dict[str, list[tuple]] = {}
        only = " AND kind = 'letter'" if letters else ""
        for row in conn.execute(
            f"SELECT {_RECORD_ROW} FROM record_rows WHERE case_id IN ({_marks(ids)}){only} "
            "ORDER BY case_id, seq", ids
        ):  # fmt: skip
            records.setdefault(row[0], []).append(row)
        texts: dict[tuple[str, str], list[str]] = {}
        if want_text:
            for case_id, record, name, text in conn.execute(
                "SELECT case_id, record, field, text FROM texts WHERE record IS NOT NULL "
                f"AND case_id IN ({_marks(ids)}) ORDER BY id", ids
            ):  # fmt: skip
                texts.setdefault((case_id, record), []).append(f"{name}: {text}")
        scrubbers = _scrubbers(conn, ids, anonymise)
        for case in batch:
            for row in records.get(case.id, ()):
                data = _record_data(row, letters, case.category, texts)
                if anonymise:
                    data = _anonymised(data, cols, pseudo, scrubbers[case.id], "R", keep_text)
                yield data
            number += 1
            if progress is not None:
                progress(number, total)


def _record_data(row: tuple, letters: bool, category: str,
                 texts: dict[tuple[str, str], list[str]]) -> dict[str, Any]:  # fmt: skip
    (case_id, _seq, record_id, kind, date, recorded_at, worker, episode, code, destination,
     related, related_case, new_worker, number, year, letter_seq, edited) = row  # fmt: skip
    common = {"case": case_id, "id": record_id, "date": dt.date.fromisoformat(date),
              "recorded_at": dt.datetime.fromisoformat(recorded_at), "worker": worker,
              "category": category}  # fmt: skip
    if letters:
        return {**common, "letter": code, "number": number, "year": year, "seq": letter_seq,
                "about": related, "edited": bool(edited)}  # fmt: skip
    text = texts.get((case_id, record_id))
    return {
        **common, "kind": kind, "episode": episode, "code": code, "destination": destination,
        "related": related, "related_case": related_case, "new_worker": new_worker,
        "text": "\n".join(text) if text else None,
    }  # fmt: skip


def export(
    repo,
    table: str,
    fmt: str | None,
    path: Path,
    wanted,
    *,
    anonymise: bool = False,
    keep_text: bool = False,
    force: bool = False,
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ExportResult:
    """Write the ``table`` (``cases``, ``records`` or ``letters``) of the cases of ``repo``
    that match ``wanted`` (a :class:`~ppks_cli.views.CaseFilter`, as ``ppks list``) to
    ``path`` as ``fmt`` (one of :data:`FORMATS`; ``None``: from the ending of ``path``,
    ``.csv``, ``.xlsx`` or ``.jsonl``): one row per case (oldest intake first),
    per record of those cases (in each case oldest first) or per issued letter, with the
    columns of :func:`columns`. Every row comes from the index (brought up to date first),
    :data:`BATCH` cases at a time; ages are grouped by ``[reports] age_groups``.
    ``anonymise``/``keep_text``: see the module. ``today`` is the day ages and overdue
    items are reckoned on (default: the system date); ``progress(done, total)`` is called
    while the index is refreshed and for each case whose rows are made. The file is
    owner-only and written atomically (:mod:`ppks_cli.export_writers`).

    Raises :class:`~ppks_cli.errors.InvalidInput` for an unknown table or format (or none
    given with a ``path`` whose ending names none),
    ``keep_text`` without ``anonymise``, or a filter ``ppks list`` refuses (before the
    index is touched); :class:`~ppks_cli.errors.DamagedFile` for a ``ppks.toml`` whose
    settings cannot be read (naming the line);
    :class:`~ppks_cli.errors.Refused` when ``path`` exists and ``force`` is not given, or
    is a symbolic link or a folder; :class:`~ppks_cli.errors.WriteFailed` when it cannot
    be written."""
    from ppks_cli import export_writers, index
    from ppks_cli.errors import InvalidInput
    from ppks_cli.views import check_filter, list_cases

    if table not in TABLES:
        raise InvalidInput("error.export.table", value=table, expected=", ".join(TABLES))
    if fmt is None:
        fmt = path.suffix.lower().removeprefix(".")
        if fmt not in FORMATS:
            raise InvalidInput(
                "error.export.format_needed", file=str(path), expected=", ".join(FORMATS)
            )
    fmt = fmt.strip().lower()
    if fmt not in FORMATS:
        raise InvalidInput("error.export.format", value=fmt, expected=", ".join(FORMATS))
    if keep_text and not anonymise:
        raise InvalidInput("error.export.keep_text")
    from ppks_cli.tomlio import refuse_repository_data

    refuse_repository_data(path, repo.root)  # never over ppks.toml or a case, even --force
    export_writers.check_target(path, force=force)
    check_filter(wanted, sort="oldest")  # a refused filter leaves even the index as it was
    age_groups = tuple(repo.config.reports.age_groups)
    pseudo = Pseudonyms()
    cols = columns(table, anonymise=anonymise, keep_text=keep_text)
    with index.opened(repo, progress) as (conn, _done):
        found = list_cases(repo, wanted, sort="oldest", today=today, conn=conn)
        if table == "cases":
            rows: Iterable[dict[str, Any]] = _case_rows(
                found, conn, anonymise, keep_text, pseudo, age_groups, progress
            )
        else:
            rows = _record_rows(found, conn, table, anonymise, keep_text, pseudo, progress)
        written = export_writers.write(path, fmt, cols, rows, force=force, title=table)
    if anonymise:
        personal = ["free_text"] if keep_text else []
    else:
        personal = list(PERSONAL_DATA[table])
    return ExportResult(
        table, fmt, path, written, [c.name for c in cols], anonymise, keep_text, personal,
        found.problems,
    )  # fmt: skip

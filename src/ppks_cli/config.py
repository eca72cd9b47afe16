"""``ppks.toml``: the settings of one case repository (office, defaults, IDs).

The file is written once by ``ppks init`` with comments for a human to edit; ppks only
reads it afterwards. Later features add their own sections here.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from ppks_cli import ages
from ppks_cli.choices import MAX_DAYS_AHEAD
from ppks_cli.models import (
    SCHEMA_VERSION,
    Line,
    Model,
    Name,
    Phone,
    Text,
    VersionedFile,
    Worker,
    custom_error,
)
from ppks_cli.records import APPROVAL_STAGES


class Office(Model):
    """The office, also the letterhead (kop surat) of its letters."""

    name: Name
    government: Name = "PEMERINTAH KOTA MEDAN"
    division: Name | None = None
    city: Name = "Medan"
    address: Line | None = None
    phone: Phone | None = None
    email: Line | None = None
    website: Line | None = None
    logo: Line | None = None  # an image path relative to the repository root


class Defaults(Model):
    worker: Worker | None = None
    language: Literal["id", "en"] = "id"


class IdSettings(Model):
    suffix_length: int = Field(5, ge=4, le=8)




class Supervision(Model):
    """Which casework steps an intern's supervisor must approve before the next one."""

    require_approval: list[Literal[APPROVAL_STAGES]] = []

    def requires(self, stage: str | None) -> str | None:
        return stage if stage in self.require_approval else None


class Deadlines(Model):
    """Days allowed before a step is overdue (0 turns a deadline off)."""

    assessment_days: int = Field(7, ge=0, le=MAX_DAYS_AHEAD)  # after intake (or reopening)
    evaluation_days: int = Field(30, ge=0, le=MAX_DAYS_AHEAD)  # after the current plan
    follow_up_days: int = Field(30, ge=0, le=MAX_DAYS_AHEAD)  # after termination
    # an answer to a referral still only "sent"
    referral_days: int = Field(14, ge=0, le=MAX_DAYS_AHEAD)


class Reports(Model):
    """``[reports]``: how ``ppks report`` groups and flags (README, "What a report
    counts"): the age-group boundaries (``[18, 60]``: 0–17, 18–59, 60+; the groups of
    ``ppks export``'s ``age_group`` column too, :mod:`ppks_cli.ages`) and the days after
    which a referral still only "sent" counts as awaiting an answer."""

    age_groups: list[int] = list(ages.DEFAULT)
    awaiting_days: int = Field(14, ge=0, le=MAX_DAYS_AHEAD)

    @field_validator("age_groups")
    @classmethod
    def _rising(cls, value: list[int]) -> list[int]:
        if not ages.valid(value):
            raise custom_error("validation.report.age_groups")
        return value


class RaidSettings(Model):
    """``[raids]``: street raids (``ppks raid``). ``repeat_threshold``: the catch at
    which a person is flagged (Medan practice: the third catch is sent to a provincial
    panti), in ``ppks raid add`` and ``ppks show``; ``agencies``: the agencies
    ``ppks raid new`` suggests (any other may be typed)."""

    repeat_threshold: int = Field(3, ge=2, le=99)
    agencies: list[Name] = [
        "Satpol PP", "Disdukcapil", "Kepolisian", "Dinas Kesehatan", "DP3APMPPKB",
    ]  # fmt: skip


class Resource(Model):
    """An institution in the referral directory (``[[resources]]``). ``addressee`` is the
    title letters are addressed to ("Kepala UPT …"; default: "Kepala " and the name),
    ``city`` what follows "di" under it (default: the city named in the address)."""

    name: Name
    kind: Line | None = None
    addressee: Line | None = None
    city: Name | None = None
    address: Line | None = None
    contact: Line | None = None


class WorkerProfile(Model):
    """A social worker's official details (``[workers."Saskia"]``), printed under the
    worker's signature: jabatan (``title``, default "Pekerja Sosial"), pangkat/golongan
    (``rank``), ``nip``; ``phone`` is printed in referral and return letters so that the
    receiving institution can call."""

    title: Line | None = None
    rank: Line | None = None
    nip: Line | None = None
    phone: Phone | None = None


NUMBER_FIELDS = ("code", "seq", "year", "month", "month_roman")


class LetterCodes(Model):
    """The classification code of each kind of letter (Kemendagri: 460 Sosial, 462 Tuna
    Sosial …; which scheme Medan uses today is not verified, so it is a setting)."""

    assessment: Name = "460"
    referral: Name = "462"
    termination: Name = "460"
    social_report: Name = Field("460", alias="social-report")
    statement: Name = "460"
    return_home: Name = Field("460", alias="return-home")

    model_config = {**Model.model_config, "populate_by_name": True}

    def code_for(self, kind: str) -> str:
        """The code of the letter kind ``kind`` (a code of ``LETTER_KINDS``)."""
        return getattr(self, kind.replace("-", "_"))


class Tembusan(Model):
    """``[letters.tembusan]``: who receives a copy of each kind of letter, printed under
    the signature as a numbered list (``--cc`` adds to it for one letter)."""

    assessment: list[Line] = []
    referral: list[Line] = []
    termination: list[Line] = []
    social_report: list[Line] = Field([], alias="social-report")
    statement: list[Line] = []
    return_home: list[Line] = Field([], alias="return-home")

    model_config = {**Model.model_config, "populate_by_name": True}

    def for_kind(self, kind: str) -> list[str]:
        return list(getattr(self, kind.replace("-", "_")))


# the only format a number field may carry: zero-padding of a number, e.g. {seq:03d}
_NUMBER_SPEC = re.compile(r"0?[1-9]d", re.ASCII)
_NUMERIC_FIELDS = ("seq", "year", "month")


def check_number_pattern(value: str) -> str:
    """``value`` when it is a valid letter number pattern: plain fields of
    :data:`NUMBER_FIELDS` (``{seq}`` required), no conversion (``!r``), no format except
    zero-padding of a numeric field (``{seq:03d}``, at most 9 wide). Anything else
    (``{seq:q}``, ``{seq:>99999999999}``, ``{seq.real}``, ``{0}``) raises the pydantic
    error ``validation.number_pattern``, so ``check`` and loading refuse it alike."""
    import string

    def refuse() -> PydanticCustomError:
        return custom_error(
            "validation.number_pattern",
            value=value,
            fields=", ".join(f"{{{n}}}" for n in NUMBER_FIELDS),
        )

    try:
        parts = list(string.Formatter().parse(value))
    except ValueError:  # unbalanced braces
        raise refuse() from None
    names = set()
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in NUMBER_FIELDS or conversion is not None:
            raise refuse()
        if spec and not (name in _NUMERIC_FIELDS and _NUMBER_SPEC.fullmatch(spec)):
            raise refuse()
        names.add(name)
    if "seq" not in names:
        raise refuse()
    return value


SEQUENCES = ("shared", "per-code")
"""How the serial of letter numbers runs within a year: ``shared``, one running number for
every letter of the office (the *buku agenda surat keluar*: "nomor urut dalam satu tahun
takwim"), or ``per-code``, a serial of its own for each classification code."""


class Letters(Model):
    number_pattern: Line = "{code}/{seq}/Dinsos/{year}"
    codes: LetterCodes = LetterCodes()
    sifat: Name = "Biasa"
    # the face of the PDF letters: "sans" is Liberation Sans (Arial's metrics, shipped in
    # ppks_cli/data/fonts), "serif" Libertinus Serif (built into Typst)
    font: Literal["sans", "serif"] = "sans"
    tembusan: Tembusan = Tembusan()
    # where a Laporan Sosial for an identity (NIK) goes
    civil_registry: Name = "Dinas Kependudukan dan Pencatatan Sipil Kota Medan"
    sequence: Literal[SEQUENCES] = "shared"

    @field_validator("number_pattern")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        return check_number_pattern(value)


class Official(Model):
    """A signatory: jabatan, name, pangkat/golongan and NIP."""

    title: Line
    name: Name
    rank: Line | None = None
    nip: Line | None = None


class Signatories(Model):
    head: Official | None = None  # the head of the office (Kepala Dinas)
    delegate: Official | None = None  # signs "a.n." the head when set
    division_head: Official | None = None  # "Mengetahui" on reports and records


_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//")


def is_remote_name(value: str) -> bool:
    """Whether ``value`` can be the name of a git remote: git's rules for a name inside
    ``refs/remotes/`` (no space, control character, ``: ~ ^ ? * [`` or backslash, ``..``,
    ``@{``, no component starting with a dot or ending in ``.lock``), and, stricter than
    git, it never starts with ``-`` and is at most 100 characters. So a URL
    (``https://…``, ``ext::…``, ``host:path``) or an option (``--upload-pack=…``) is never
    a remote name."""
    if not value or len(value) > 100 or value.startswith("-") or value == "@":
        return False
    if _REF_FORBIDDEN.search(value) or value.startswith("/") or value.endswith(("/", ".")):
        return False
    return not any(part.startswith(".") or part.endswith(".lock") for part in value.split("/"))


def escaped(value: str, limit: int = 100) -> str:
    """``value`` shortened and with control and non-ASCII characters as escapes, to name
    a hostile value in a message without letting it steer the terminal."""
    shown = value[:limit].encode("unicode_escape").decode("ascii")
    return shown + ("…" if len(value) > limit else "")


class GitSettings(Model):
    """How ppks uses git in this repository. ``ppks.toml`` is committed, so these settings
    travel with every sync: they are checked like any other input."""

    auto_commit: bool = True  # every command that changes a case commits what it wrote
    # the remote `ppks sync` uses (default: the upstream, or the only one): a *name* of a
    # remote configured in this clone, never a URL
    remote: Text | None = None
    # sync and bundle import stop before applying deletions received from others until
    # confirmed with --accept-deletions
    confirm_deletions: bool = False

    @field_validator("remote")
    @classmethod
    def _remote_name(cls, value: str | None) -> str | None:
        if value is not None and not is_remote_name(value):
            raise custom_error("validation.remote_name", value=escaped(value))
        return value


class AttachmentSettings(Model):
    """``[attachments]``: the largest file ``ppks attach`` takes, in MB (1 MB = 2^20
    bytes); every clone gets every file, so scans should stay small."""

    max_mb: int = Field(10, ge=1, le=1024)


DEFAULT_SHELTER_BEDS = 30
"""The beds of the one shelter when ``ppks.toml`` does not say (``[shelter] beds``)."""
DEFAULT_SHELTER_MAX_DAYS = 7
"""The basic-service limit of a stay in the shelter, in days: the city's minimum-service
rule (SPM, PP 2/2018) gives basic service (meals) for at most 7 days."""


class ShelterPlace(Model):
    """One shelter of ``[[shelters]]`` (several shelters): its ``name`` (as admissions
    name it, any letter case) and its ``beds``."""

    name: Name
    beds: int = Field(ge=1, le=100_000)


class ShelterSettings(Model):
    """``[shelter]``: ``max_days``, the days a stay may last before ``ppks shelter`` warns
    (day 1 is the day of admission; the warning shows from day ``max_days + 1``); and,
    for an office with one shelter, its ``beds`` (default :data:`DEFAULT_SHELTER_BEDS`)
    and optional ``name``. An office with several shelters lists them as
    ``[[shelters]]`` instead and sets neither here."""

    name: Name | None = None
    beds: int | None = Field(None, ge=1, le=100_000)
    max_days: int = Field(DEFAULT_SHELTER_MAX_DAYS, ge=1, le=MAX_DAYS_AHEAD)


class UnnamedShelter(Model):
    """The one shelter of ``[shelter]``: a name only when ``ppks.toml`` gives one."""

    name: Name | None = None
    beds: int


REPOSITORY_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # a UUID


class RepoConfig(VersionedFile):
    # written once by `ppks init` (a random UUID): tells two offices' repositories apart
    # even when both were made in the same second with the same settings
    repository: str | None = None
    office: Office
    defaults: Defaults = Defaults()
    ids: IdSettings = IdSettings()
    supervision: Supervision = Supervision()
    deadlines: Deadlines = Deadlines()
    raids: RaidSettings = RaidSettings()
    resources: list[Resource] = []
    letters: Letters = Letters()
    signatories: Signatories = Signatories()
    workers: dict[Name, WorkerProfile] = {}
    git: GitSettings = GitSettings()
    attachments: AttachmentSettings = AttachmentSettings()
    reports: Reports = Reports()
    # the rumah singgah: [shelter] (one shelter, and the settings of all), [[shelters]]
    shelter: ShelterSettings = ShelterSettings()
    shelters: list[ShelterPlace] = []

    @field_validator("shelters")
    @classmethod
    def _one_way_to_name_shelters(cls, value: list[ShelterPlace], info) -> list[ShelterPlace]:
        """Several shelters are listed as ``[[shelters]]``, each name once; the one
        shelter's ``[shelter] beds`` and ``name`` are then left out (else which one
        would an admission naming no shelter go to?)."""
        single = info.data.get("shelter")
        if value and single is not None and (single.beds is not None or single.name):
            raise custom_error("validation.shelter.both")
        seen: dict[str, int] = {}
        for number, place in enumerate(value, start=1):
            key = " ".join(place.name.split()).casefold()  # as admissions are matched
            if key in seen:
                raise custom_error(
                    "validation.shelter.same_name", name=place.name, first=seen[key],
                    second=number,
                )  # fmt: skip
            seen[key] = number
        return value

    def shelter_places(self) -> list[ShelterPlace | UnnamedShelter]:
        """The shelters of the office, in the order of ``ppks.toml``: the ``[[shelters]]``,
        else the one shelter of ``[shelter]`` (its name may be ``None``)."""
        if self.shelters:
            return list(self.shelters)
        beds = self.shelter.beds if self.shelter.beds is not None else DEFAULT_SHELTER_BEDS
        return [UnnamedShelter(name=self.shelter.name, beds=beds)]

    @field_validator("repository")
    @classmethod
    def _repository_id(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(REPOSITORY_ID, value):
            raise custom_error("validation.repository_id", value=escaped(value))
        return value


# what the sample ppks.toml and its comments hold in place of a real signatory
PLACEHOLDER_NAMES = ("Nama Kepala Dinas", "Nama Kepala Bidang", "Nama Pekerja Sosial")


def is_placeholder(value: str | None) -> bool:
    """Whether ``value`` (a name or a NIP) is the sample's placeholder: a NIP of zeros
    only, or one of :data:`PLACEHOLDER_NAMES` (any letter case)."""
    if not value:
        return False
    text = value.replace(" ", "")
    if text and set(text) == {"0"}:
        return True
    return value.strip().casefold() in {n.casefold() for n in PLACEHOLDER_NAMES}


def placeholders(config: RepoConfig) -> list[tuple[tuple[str, ...], str, str, str]]:
    """The placeholder values left from the sample in ``config``: for each, its key path
    in ``ppks.toml``, the group (``signatory`` or ``worker``), whose it is
    (``head``, ``delegate``, ``division_head`` or the worker's name) and the value."""
    found = []
    for who in ("head", "delegate", "division_head"):
        official = getattr(config.signatories, who)
        if official is None:
            continue
        for key in ("name", "nip"):
            value = getattr(official, key)
            if is_placeholder(value):
                found.append((("signatories", who, key), "signatory", who, value))
    for name, profile in config.workers.items():
        if is_placeholder(profile.nip):
            found.append((("workers", name, "nip"), "worker", name, profile.nip))
    return found


def render_new_config(office: str, worker: str | None, language: str) -> str:
    """The text of a new ``ppks.toml``, with comments explaining each setting."""
    import uuid

    from ppks_cli.tomlio import dumps

    def value(text: str) -> str:
        # tomli-w gives a correctly quoted and escaped TOML string
        return dumps({"v": text}).split("=", 1)[1].strip()

    worker_line = f"worker = {value(worker)}" if worker else '# worker = "Nama Pekerja Sosial"'
    return f"""\
# Pengaturan repositori kasus ppks. / Settings of this ppks case repository.
schema = {SCHEMA_VERSION}
# Tanda pengenal repositori ini (jangan diubah). / This repository's identity (keep it).
repository = "{uuid.uuid4()}"

[office]
# Kop surat / letterhead
government = "PEMERINTAH KOTA MEDAN"
name = {value(office)}
# division = "Bidang Rehabilitasi Sosial"
city = "Medan"
# address = "Jl. Pinang Baris No. 114, Lalang, Kec. Medan Sunggal, Kota Medan 20127"
# phone = "(061) 0000000"
# email = "dinsos@pemkomedan.go.id"
# website = "dinsos.pemkomedan.go.id"
# logo = "templates/logo.png"

[defaults]
# Nama pekerja sosial bawaan untuk perintah yang mencatat pekerjaan.
# Default worker name; each worker can also set PPKS_WORKER in their own shell.
{worker_line}
# Bahasa antarmuka: "id" (Bahasa Indonesia) atau "en" (English).
language = "{language}"

[ids]
# Panjang akhiran acak ID kasus (2024-K7Q3M). / Length of the random case-ID suffix.
suffix_length = 5

[git]
# Setiap perintah yang mengubah kasus membuat commit berisi berkas yang ditulisnya.
# Every command that changes a case commits exactly the files it wrote.
auto_commit = true
# Nama remote git (bukan alamat URL) untuk 'ppks sync'. / The git remote *name* for sync.
# remote = "origin"
# Hentikan sync dan bundle import sebelum menerapkan penghapusan dari rekan, sampai
# --accept-deletions. / Stop before applying deletions received, until --accept-deletions.
# confirm_deletions = false

[attachments]
# Ukuran terbesar satu lampiran (ppks attach), dalam MB; setiap klon menerima semua berkas.
# The largest file ppks attach takes, in MB; every clone receives every file.
max_mb = 10

[shelter]
# Rumah singgah: batas layanan dasar dalam hari (SPM: paling lama 7 hari; peringatan mulai
# hari ke-8) dan jumlah tempat tidur. / The shelter: the basic-service limit in days (SPM:
# at most 7; the warning shows from day 8) and its beds.
max_days = 7
# beds = 30
# name = "Rumah Singgah Dinas Sosial Kota Medan"
# Beberapa rumah singgah: biarkan beds dan name di atas sebagai komentar, lalu satu
# [[shelters]] untuk setiap rumah singgah. / Several shelters: leave beds and name above
# out, and add one [[shelters]] each:
# [[shelters]]
# name = "RPS Kota Medan"
# beds = 30

[supervision]
# Tahap yang harus disetujui supervisor sebelum tahap berikutnya (untuk mahasiswa magang):
# "assessment", "plan", "termination". Kosong = tidak perlu persetujuan.
# Steps a supervisor must approve before the next one. Empty: no approval needed.
require_approval = []

[deadlines]
# Batas hari: asesmen setelah penerimaan, evaluasi setelah rencana, bimbingan lanjut
# setelah terminasi, jawaban atas rujukan (0 = tidak dipantau).
# Days until a step is overdue: assessment, evaluation, follow-up, referral answer (0 = off).
assessment_days = 7
evaluation_days = 30
follow_up_days = 30
referral_days = 14

[raids]
# Razia: orang yang terjaring sebanyak ini ditandai (praktik Medan: ketiga kalinya dikirim
# ke panti provinsi). / Street raids: a person caught this many times is flagged.
repeat_threshold = 3

[reports]
# Kelompok umur ppks report dan ppks export (kolom age_group): batas bawah setiap kelompok
# sesudah yang pertama, dalam tahun. [18, 60]: 0-17 (anak), 18-59 (dewasa), 60+ (lansia).
# Age groups of ppks report and ppks export: the lower bound of each group after the first.
age_groups = [18, 60]
# Rujukan yang masih "sent" lebih dari sekian hari dihitung menunggu jawaban.
# Days after which a referral still only "sent" counts as awaiting an answer.
awaiting_days = 14

[letters]
# Pola nomor surat: {{code}} kode klasifikasi, {{seq}} nomor urut, {{year}} tahun,
# {{month}} bulan, {{month_roman}} bulan romawi. / Letter number pattern.
number_pattern = "{{code}}/{{seq}}/Dinsos/{{year}}"
sifat = "Biasa"
# Huruf surat PDF: "sans" (Liberation Sans, ukuran hurufnya sama dengan Arial) atau
# "serif" (Libertinus Serif). / Letter face: "sans" (Arial's metrics) or "serif".
font = "sans"

# Tujuan Laporan Sosial untuk penerbitan NIK. / Where a social report for a NIK goes.
# civil_registry = "Dinas Kependudukan dan Pencatatan Sipil Kota Medan"

# Nomor urut: "shared" (satu nomor urut untuk semua surat kantor per tahun, seperti buku
# agenda) atau "per-code" (nomor urut sendiri per kode klasifikasi).
# Serial: one for all letters of the year ("shared") or one per classification code.
sequence = "shared"

[letters.codes]
# Kode klasifikasi per jenis surat (belum diverifikasi; sesuaikan dengan kantor).
assessment = "460"
referral = "462"
termination = "460"
social-report = "460"
statement = "460"
return-home = "460"

[letters.tembusan]
# Tembusan per jenis surat, dicetak bernomor di bawah tanda tangan (--cc menambah).
# Copies per kind of letter, numbered under the signature (--cc adds one).
# referral = ["Kepala Dinas Sosial Provinsi Sumatera Utara", "Arsip"]
# return-home = ["Kepala Dinas Sosial Provinsi Sumatera Utara", "Arsip"]

# Surat perlu penandatangan: isi bagian di bawah (hapus tanda # di depan baris [..],
# title, name, rank, nip) sebelum membuat surat pertama.
# Letters need signatories: fill in (uncomment) the sections below before the first letter.
# [signatories.head]
# title = "Kepala Dinas Sosial Kota Medan"
# name = "Nama Kepala Dinas"
# rank = "Pembina Utama Muda (IV/c)"
# nip = "000000000000000000"
# [signatories.delegate]       # menandatangani a.n. Kepala Dinas
# title = "Kepala Bidang Rehabilitasi Sosial"
# name = "Nama Kepala Bidang"
# rank = "Pembina (IV/a)"
# nip = "000000000000000000"
# [signatories.division_head]  # "Mengetahui" pada laporan asesmen dan berita acara
# title = "Kepala Bidang Rehabilitasi Sosial"
# name = "Nama Kepala Bidang"
# rank = "Pembina (IV/a)"
# nip = "000000000000000000"

# Data pekerja sosial untuk tanda tangan (jabatan, pangkat/golongan, NIP; telepon
# dicetak pada surat rujukan). / Workers' details printed under their signature.
# [workers."Nama Pekerja Sosial"]
# title = "Pekerja Sosial Ahli Pertama"
# rank = "Penata Muda (III/a)"
# nip = "000000000000000000"
# phone = "0812-0000-0000"

# Direktori lembaga rujukan; addressee: jabatan yang dituju (Yth. ...), city: kota
# setelah "di". / Referral directory; addressee: the title letters go to.
# [[resources]]
# name = "UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai"
# kind = "UPT provinsi"
# addressee = "Kepala UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai"
# city = "Binjai"
# address = "Jl. Panti Karya, Kel. Cengkeh Turi, Kec. Binjai Utara, Kota Binjai"
# contact = ""
"""


def parse_config(data: dict, text: str) -> RepoConfig:
    """The settings in ``ppks.toml`` as read (``data``, and its ``text`` for line numbers),
    upgraded from an older schema and validated. Raises DamagedFile naming the line."""
    from ppks_cli.paths import CONFIG_FILE
    from ppks_cli.schema import CONFIG, upgrade_data
    from ppks_cli.validation import validate_or_raise

    return validate_or_raise(RepoConfig, upgrade_data(CONFIG, data), text, CONFIG_FILE)

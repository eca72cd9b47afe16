"""``ppks.toml``: the settings of one case repository (office, defaults, IDs).

The file is written once by ``ppks init`` with comments for a human to edit; ppks only
reads it afterwards. Later features add their own sections here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from ppks_cli.models import Model, Text, VersionedFile


class Office(Model):
    """The office, also the letterhead (kop surat) of its letters."""

    name: Text
    government: Text = "PEMERINTAH KOTA MEDAN"
    division: Text | None = None
    city: Text = "Medan"
    address: Text | None = None
    phone: Text | None = None
    email: Text | None = None
    website: Text | None = None
    logo: Text | None = None  # an image path relative to the repository root


class Defaults(Model):
    worker: Text | None = None
    language: Literal["id", "en"] = "id"


class IdSettings(Model):
    suffix_length: int = Field(5, ge=4, le=8)


class RepoConfig(VersionedFile):
    office: Office
    defaults: Defaults = Defaults()
    ids: IdSettings = IdSettings()


def render_new_config(office: str, worker: str | None, language: str) -> str:
    """The text of a new ``ppks.toml``, with comments explaining each setting."""
    from ppks_cli.tomlio import dumps

    def value(text: str) -> str:
        # tomli-w gives a correctly quoted and escaped TOML string
        return dumps({"v": text}).split("=", 1)[1].strip()

    worker_line = f"worker = {value(worker)}" if worker else '# worker = "Nama Pekerja Sosial"'
    return f"""\
# Pengaturan repositori kasus ppks. / Settings of this ppks case repository.
schema = 1

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
"""


def load_config(path: Path, display: str | None = None) -> RepoConfig:
    """Read and validate ``ppks.toml``. Raises DamagedFile naming the file and line."""
    from ppks_cli.tomlio import read_toml
    from ppks_cli.validation import validate_or_raise

    data, text = read_toml(path, display)
    return validate_or_raise(RepoConfig, data, text, display or str(path))

"""Where things live: the package's own data, the case repository and the files in it.

No other module builds these paths by hand. Tests point a repository anywhere with
``--root``/``PPKS_ROOT``; the package data is found next to this file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

CONFIG_FILE = "ppks.toml"
CASES_DIR = "cases"
CASE_FILE = "case.toml"
RECORDS_DIR = "records"
ATTACHMENTS_DIR = "attachments"  # files kept with a case (scans, photos)
CASE_SUBFOLDERS = (RECORDS_DIR, ATTACHMENTS_DIR)  # what ppks writes in a case folder
RAIDS_DIR = "raids"  # street raids, beside cases/: raids/<RAID-ID>/raid.toml
RAID_FILE = "raid.toml"
RAID_CORRECTIONS_DIR = "corrections"  # raids/<RAID-ID>/corrections/<date>-correction-<id>.toml
TEMPLATES_DIR = "templates"
OUT_DIR = "out"  # rendered letters; ignored by git (the .gitignore `init` writes, and its own)
ROOT_ENV = "PPKS_ROOT"

_PACKAGE = Path(__file__).parent


def package_file(*parts: str) -> Path:
    """A file shipped inside the ppks_cli package (catalogs, category list), next to this
    module. (Not through ``importlib.resources``: importing it costs a few milliseconds
    of every start-up, and ppks is always installed as files, never run from a zip.)"""
    return _PACKAGE.joinpath(*parts)


CACHE_ENV = "XDG_CACHE_HOME"


def user_cache_dir(*parts: str) -> Path | None:
    """A folder of ppks's own in the user's cache (``$XDG_CACHE_HOME/ppks/PARTS``, else
    ``~/.cache/ppks/PARTS``), made when missing, readable and writable by the user
    alone. ``None`` when it cannot be made, or when it (or ``ppks/``) is not a folder the
    user owns that nobody else may write to: what is cached there (compiled letter
    templates, the parsed message catalogs) is trusted, so nothing that another user or
    a copied repository could have put there is ever read. Never inside a repository."""
    base = os.environ.get(CACHE_ENV) or ""
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    folder = os.path.join(base, "ppks")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if not _private_folder(folder):
            return None
        for part in parts:
            folder = os.path.join(folder, part)
            try:
                os.mkdir(folder, 0o700)
            except FileExistsError:
                pass
            if not _private_folder(folder):
                return None
    except OSError:
        return None
    return Path(folder)


def _private_folder(folder: str) -> bool:
    """A real folder (no link) the user owns, that group and others cannot write to."""
    import stat

    st = os.lstat(folder)
    owner = os.getuid() if hasattr(os, "getuid") else st.st_uid
    return stat.S_ISDIR(st.st_mode) and st.st_uid == owner and not st.st_mode & 0o022


def fonts_dir() -> Path:
    """The fonts ppks ships for its letters (``ppks_cli/data/fonts``: Liberation Sans and
    its licence); Typst is given this folder and its own built-in fonts, nothing else."""
    return Path(__file__).resolve().parent / "data" / "fonts"


def default_templates_dir() -> Path:
    """The built-in letter templates.

    A wheel carries them in ``ppks_cli/templates``; an editable install from a source
    checkout reads them from the repository's top-level ``templates/`` folder.
    """
    here = Path(__file__).resolve().parent
    packaged = here / TEMPLATES_DIR
    if packaged.is_dir():
        return packaged
    return here.parent.parent / TEMPLATES_DIR


def find_root(
    explicit: str | os.PathLike[str] | None = None, cwd: Path | None = None
) -> Path | None:
    """The case repository to use: ``explicit``, else ``$PPKS_ROOT``, else the nearest
    ancestor of ``cwd`` holding ``ppks.toml``. ``None`` when there is none.

    An explicit or environment root is returned as given (resolved) even when it holds
    no ``ppks.toml``, so the caller can say exactly which folder is wrong. A value that is
    no usable path (a NUL byte, ``~nosuchuser``, a name too long for the system) raises
    :class:`~ppks_cli.errors.InvalidInput`.
    """
    chosen = explicit or os.environ.get(ROOT_ENV)
    if chosen:
        return usable_path(Path(chosen), resolve=True)
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    return None


def usable_path(path: Path, *, resolve: bool = False) -> Path:
    """``path`` made absolute (with ``resolve``, its links resolved too), after checking
    that the system can use it at all (no NUL byte, no unknown ``~user``, no link loop,
    no name too long). Raises :class:`~ppks_cli.errors.InvalidInput` (``error.bad_path``)."""
    try:
        expanded = Path(path).expanduser()
        found = expanded.resolve() if resolve else Path(os.path.abspath(expanded))
        (found / CONFIG_FILE).exists()  # a name too long fails here, not later
    except (OSError, ValueError, RuntimeError) as exc:
        from ppks_cli.errors import InvalidInput

        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise InvalidInput("error.bad_path", value=repr(str(path)[:80]), reason=reason) from None
    return found


class RepoPaths:
    """The layout of one case repository::

        ROOT/ppks.toml
        ROOT/templates/                 office overrides of the letter templates
        ROOT/out/                       rendered letters (ignored by git, never committed)
        ROOT/cases/<CASE-ID>/case.toml  client identity and intake
        ROOT/cases/<CASE-ID>/records/<date>-<kind>-<record-id>.toml
        ROOT/raids/<RAID-ID>/raid.toml  a street raid (date, places, team, agencies)
        ROOT/raids/<RAID-ID>/corrections/<date>-correction-<record-id>.toml

    One file per record, named by a random ID, so that two offline clones adding
    records to the same case never touch the same file.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def config(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def cases(self) -> Path:
        return self.root / CASES_DIR

    @property
    def templates(self) -> Path:
        return self.root / TEMPLATES_DIR

    @property
    def out(self) -> Path:
        """Where rendered letters go when no file is named: ``ROOT/out/``, ignored by git."""
        return self.root / OUT_DIR

    def case_dir(self, case_id: str) -> Path:
        return self.cases / case_id

    @property
    def raids(self) -> Path:
        """``ROOT/raids/``: one folder per street raid (:mod:`ppks_cli.raids`)."""
        return self.root / RAIDS_DIR

    def raid_dir(self, raid_id: str) -> Path:
        return self.raids / raid_id

    def raid_file(self, raid_id: str) -> Path:
        return self.raid_dir(raid_id) / RAID_FILE

    def raid_corrections_dir(self, raid_id: str) -> Path:
        return self.raid_dir(raid_id) / RAID_CORRECTIONS_DIR

    def raid_correction_file(self, raid_id: str, date: str, record_id: str) -> Path:
        return self.raid_corrections_dir(raid_id) / f"{date}-correction-{record_id}.toml"

    def case_file(self, case_id: str) -> Path:
        return self.case_dir(case_id) / CASE_FILE

    def records_dir(self, case_id: str) -> Path:
        return self.case_dir(case_id) / RECORDS_DIR

    def attachments_dir(self, case_id: str) -> Path:
        return self.case_dir(case_id) / ATTACHMENTS_DIR

    def record_file(self, case_id: str, date: str, kind: str, record_id: str) -> Path:
        return self.records_dir(case_id) / f"{date}-{kind}-{record_id}.toml"

    def relative(self, path: Path) -> str:
        """``path`` relative to the root, with forward slashes, for messages."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


RECORD_FILE_RE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})-(?P<kind>[a-z][a-z-]*[a-z])-(?P<id>[0-9A-Z]+)\.toml$"
)


def case_folder_rel(case_id: str) -> str:
    """The case's folder relative to the repository root, with forward slashes (the form
    git takes and prints): ``cases/<CASE-ID>``."""
    return f"{CASES_DIR}/{case_id}"


def case_file_rel(case_id: str) -> str:
    """The case's ``case.toml`` relative to the repository root: ``cases/<ID>/case.toml``."""
    return f"{case_folder_rel(case_id)}/{CASE_FILE}"


class CasePath(NamedTuple):
    """What a repository-relative path is, in the layout of :class:`RepoPaths`."""

    case_id: str
    kind: str | None  # "case" for case.toml, the record kind for a record, else None
    record_id: str | None  # the record ID of a record file, else None


def describe(relpath: str) -> CasePath | None:
    """Which case (and record) the repository-relative path ``relpath`` (forward
    slashes, as git prints it) belongs to; None when it is not inside a case folder.

    ``cases/C/case.toml`` is ``(C, "case", None)``; ``cases/C/records/<date>-<kind>-<id>.toml``
    is ``(C, kind, id)``; any other file inside ``cases/C/`` is ``(C, None, None)``."""
    parts = relpath.split("/")
    if len(parts) < 3 or parts[0] != CASES_DIR or not parts[1]:
        return None
    if len(parts) == 3 and parts[2] == CASE_FILE:
        return CasePath(parts[1], "case", None)
    if len(parts) == 4 and parts[2] == RECORDS_DIR:
        match = RECORD_FILE_RE.match(parts[3])
        if match:
            return CasePath(parts[1], match["kind"], match["id"])
    return CasePath(parts[1], None, None)

"""The case repository on disk: finding it, reading cases, writing cases and records.

This is the one place where case files are written. Every write goes through
:func:`ppks_cli.tomlio.write_toml` (atomic, skipped when unchanged).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ppks_cli import ids, paths
from ppks_cli.errors import DamagedFile, InvalidInput, NoRepository, Refused
from ppks_cli.problems import Problem
from ppks_cli.results import Result
from ppks_cli.tomlio import atomic_write_text, read_toml, write_toml

if TYPE_CHECKING:  # the models need pydantic: imported where a case is read or written
    from ppks_cli.config import RepoConfig
    from ppks_cli.models import CaseFile, Client, Intake
    from ppks_cli.records import Record

WORKER_ENV = "PPKS_WORKER"


def git_user_name(where: Path) -> str | None:
    """git's ``user.name`` as seen from ``where`` (an existing folder); None when it is
    not set or git is not installed."""
    from ppks_cli.git import git_available
    from ppks_cli.git.identity import configured_identity

    if not git_available():
        return None
    name = configured_identity(where)[0]
    return name if name and name.strip() else None


def now() -> dt.datetime:
    """The current local time with its UTC offset, to the second."""
    return dt.datetime.now().astimezone().replace(microsecond=0)


class LinkedFolder(Exception):
    """A folder of the repository that is a symbolic link (never followed)."""


@dataclass
class Case:
    """A case as read from its folder: ``case.toml`` plus its records, oldest first."""

    file: CaseFile
    folder: Path
    records: list[Record] = field(default_factory=list)
    # records that could not be read; the case is shown, but not written to
    damaged: list[Problem] = field(default_factory=list)
    _state: Any = field(default=None, init=False, repr=False, compare=False)
    _current: Any = field(default=None, init=False, repr=False, compare=False)

    @property
    def id(self) -> str:
        """The case ID: the name of its folder. Writes always go by folder, so a
        ``case.toml`` whose ``id`` was edited to another case's can never make ppks write
        into that other client's folder (see :attr:`id_mismatch`)."""
        return self.folder.name

    @property
    def id_mismatch(self) -> bool:
        """``case.toml`` names another ID than its folder: ``ppks check`` reports it,
        and nothing is written to the case until it is fixed."""
        return self.file.id != self.folder.name

    @property
    def current(self) -> CaseFile:
        """``case.toml`` as it stands now: the data of the intake (:attr:`file`, as on
        disk) with the corrections (``ppks edit``) applied in record order. Everything
        that shows or searches the client reads this; only writes of ``case.toml`` use
        :attr:`file`. See :func:`ppks_cli.corrections.apply_corrections`."""
        if self._current is None:
            if not any(r.kind == "correction" for r in self.records):
                return self.file
            from ppks_cli.corrections import apply_corrections

            self._current = apply_corrections(self.file, self.records)[0]
        return self._current

    @property
    def client(self) -> Client:
        """The client's current identity (:attr:`current`)."""
        return self.current.client

    @property
    def former_names(self) -> list[str]:
        """Every name and alias the client was ever given (at intake, or as the old or
        the new value of a correction) that is neither the current name nor the alias, so
        that a street name stays searchable, and so does a name another worker gave in a
        correction that a later one (made offline, in another clone) superseded; in
        record order."""
        client = self.client
        now = {client.name, client.alias}
        found: list[str] = []

        def add(value: object) -> None:
            if isinstance(value, str) and value and value not in now and value not in found:
                found.append(value)

        add(self.file.client.name)
        add(self.file.client.alias)
        for record in self.records:
            if record.kind == "correction":
                for change in record.changes:
                    if change.field in ("name", "alias"):
                        add(change.old)
                        add(change.new)
        return found

    @property
    def state(self):  # -> workflow.CaseState
        """The stage and everything else derived from the records, derived once and
        again only after :meth:`Repository.add_record` changed them."""
        if self._state is None:
            from ppks_cli.workflow import derive

            self._state = derive(self)
        return self._state


def _require_text_path(path: Path) -> None:
    """Refuse a path that cannot be written as UTF-8 text (bytes from argv that are not
    UTF-8 arrive as surrogate escapes) with :class:`InvalidInput`."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        raise InvalidInput("error.path_not_text", path=shown) from None


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or type(exc).__name__


def _remove_created(first_missing: Path | None, repo_paths: paths.RepoPaths) -> None:
    """Undo a failed :meth:`Repository.create`: the folders it made (``first_missing``
    and below) or, in a folder that existed, the files and ``cases/`` it added."""
    try:
        if first_missing is not None:
            shutil.rmtree(first_missing, ignore_errors=True)
            return
        for leftover in (repo_paths.config, repo_paths.cases / ".gitkeep"):
            leftover.unlink(missing_ok=True)
        repo_paths.cases.rmdir()
    except OSError:
        pass


class Repository:
    """One case repository: a folder with ``ppks.toml`` and a ``cases/`` folder."""

    def __init__(self, root: Path, config: RepoConfig | None = None, *,
                 lenient: bool = False) -> None:  # fmt: skip
        self.root = root
        self.paths = paths.RepoPaths(root)
        self._config = config
        self._lenient = lenient
        self._raw_config: tuple[dict[str, Any], str] | None = None  # as read by open()
        # the files this Repository object wrote, so a command can commit exactly them
        self.written: list[Path] = []
        # called with each file's path just before it is written (a writing command
        # notes it, so that a commit killed before it ran is made by the next command)
        self.before_write: Callable[[Path], None] | None = None
        self.git_dir: Path | None = None  # set by a writing command in a git repository

    @property
    def config(self) -> RepoConfig:
        """The settings in ``ppks.toml``, read and validated when first needed (a
        command that only reads the index never needs them). A damaged ``ppks.toml``
        raises :class:`DamagedFile`, unless the repository was opened ``lenient``: then
        the default settings are used."""
        if self._config is None:
            from ppks_cli.config import Office, RepoConfig, parse_config

            try:
                data, text = self._raw_config or read_toml(self.paths.config, paths.CONFIG_FILE)
                self._config = parse_config(data, text)
            except DamagedFile:
                if not self._lenient:
                    raise
                self._config = RepoConfig(office=Office(name="?"))
        return self._config

    def _will_write(self, path: Path) -> None:
        if self.before_write is not None:
            self.before_write(path)

    # --- opening and creating ---------------------------------------------------------

    @classmethod
    def open(
        cls, root: str | os.PathLike[str] | None = None, cwd: Path | None = None, *,
        lenient: bool = False,
    ) -> Repository:  # fmt: skip
        """The repository named by ``root``, ``$PPKS_ROOT`` or the working directory.
        A ``ppks.toml`` that is not TOML raises :class:`DamagedFile` at once; its settings
        are validated when first used (:attr:`config`), and a value that is wrong then
        raises :class:`DamagedFile`. With ``lenient`` (for ``ppks check``, which reports
        it) the default settings are used instead, so that the cases can be checked all
        the same."""
        found = paths.find_root(root, cwd)
        if found is None:
            raise NoRepository("error.no_repository", cwd=str(cwd or Path.cwd()))
        config_file = found / paths.CONFIG_FILE
        if not config_file.is_file():
            raise NoRepository("error.not_a_repository", path=str(found))
        repo = cls(found, lenient=lenient)
        if not lenient:  # a ppks.toml that is not even TOML is refused at once, cheaply
            repo._raw_config = read_toml(config_file, paths.CONFIG_FILE)
        return repo

    @classmethod
    def create(
        cls, path: Path, office: str, worker: str | None = None, language: str = "id"
    ) -> Repository:
        """Make ``path`` a new case repository. Refuses to touch an existing one.

        Everything is validated before anything is created: a path that is not text
        (argv bytes that are not UTF-8), a path under a file, an office or worker name
        that is empty, too long or holds control characters raise :class:`InvalidInput`
        (exit 3); an existing repository raises :class:`Refused`. A failure while
        creating (permissions, disk full) removes the folders this call made and raises
        :class:`InvalidInput` or :class:`WriteFailed`, so nothing is left behind."""
        from ppks_cli.config import RepoConfig, render_new_config
        from ppks_cli.models import parse_name, parse_worker
        from ppks_cli.validation import validate_or_raise

        _require_text_path(path)
        office = parse_name(office, "--office")
        if worker is not None:
            worker = parse_worker(worker, "--worker")
        try:
            root = path.expanduser().resolve()
            (root / paths.CONFIG_FILE).exists()  # a name too long fails here
        except (OSError, RuntimeError) as exc:  # a symlink loop, an unreadable folder
            raise InvalidInput("error.cannot_create", path=str(path), reason=_reason(exc)) from None
        if (root / paths.CONFIG_FILE).exists():
            raise Refused("error.repository_exists", path=str(root))
        if root.exists() and not root.is_dir():
            raise InvalidInput("error.not_a_folder", path=str(root))
        first_missing = None
        for folder in (root, *root.parents):
            if folder.exists():
                if not folder.is_dir():
                    raise InvalidInput(
                        "error.parent_not_a_folder", path=str(root), parent=str(folder)
                    )
                break
            first_missing = folder
        repo_paths = paths.RepoPaths(root)
        text = render_new_config(office, worker, language)
        # validate before writing, so a bad value never lands in a file
        import tomllib

        config = validate_or_raise(RepoConfig, tomllib.loads(text), text, paths.CONFIG_FILE)
        try:
            root.mkdir(parents=True, exist_ok=True)
            repo_paths.cases.mkdir(exist_ok=True)
            atomic_write_text(repo_paths.cases / ".gitkeep", "", root=root)
            atomic_write_text(repo_paths.config, text, root=root)
        except OSError as exc:
            _remove_created(first_missing, repo_paths)
            raise InvalidInput("error.cannot_create", path=str(root), reason=_reason(exc)) from None
        except BaseException:
            _remove_created(first_missing, repo_paths)
            raise
        return cls(root, config)

    # --- finding cases ----------------------------------------------------------------

    def case_ids(self) -> list[str]:
        """The IDs of all case folders, sorted."""
        if self.paths.cases.is_symlink():  # `ppks check` names it; nothing is read through it
            return []
        try:
            entries = list(self.paths.cases.iterdir())
        except OSError:  # missing or unreadable; `ppks check` names the problem
            return []
        return sorted(
            entry.name
            for entry in entries
            if ids.CASE_ID_RE.match(entry.name) and entry.is_dir() and not entry.is_symlink()
        )

    def resolve(self, ref: str) -> str:
        """The full ID of the case ``ref`` names (a unique prefix is enough; see
        :func:`ppks_cli.ids.resolve_prefix`). A whole ID is looked up as its folder (one
        ``lstat``); anything else among the IDs the index keeps
        (:func:`ppks_cli.index.case_ids_for`, which lists ``cases/`` again whenever it
        changed), so the cost does not grow with the number of cases."""
        wanted = ids.normalize_case_ref(ref)
        if ids.CASE_ID_RE.match(wanted) and self._is_case_folder(wanted):
            return wanted
        if not wanted or wanted == "-":
            return ids.resolve_prefix(ref, ())
        from ppks_cli import index

        return ids.resolve_prefix(ref, index.case_ids_for(self, ref))

    def _is_case_folder(self, case_id: str) -> bool:
        """Whether ``cases/<case_id>`` is a case folder :meth:`case_ids` lists: a real
        folder (no link), in a ``cases/`` that is no link either."""
        import stat

        try:
            if stat.S_ISLNK(os.lstat(self.paths.cases).st_mode):
                return False
            return stat.S_ISDIR(os.lstat(self.paths.case_dir(case_id)).st_mode)
        except OSError:
            return False

    # --- reading ----------------------------------------------------------------------

    def rel(self, path: Path) -> str:
        return self.paths.relative(path)

    def read_case_file(self, case_id: str) -> CaseFile:
        path = self.paths.case_file(case_id)
        from ppks_cli.models import CaseFile
        from ppks_cli.schema import CASE, upgrade_data
        from ppks_cli.validation import validate_or_raise

        data, text = read_toml(path, self.rel(path))
        return validate_or_raise(CaseFile, upgrade_data(CASE, data), text, self.rel(path))

    def load_case(self, case_id: str) -> Case:
        """Read a case and all its records. A damaged ``case.toml`` raises
        :class:`DamagedFile`; damaged records, and records that name another case (copied
        or moved here by hand), are left out of the casework and listed in ``damaged``."""
        from ppks_cli.i18n import Msg

        case = Case(self.read_case_file(case_id), self.paths.case_dir(case_id))
        records_dir = self.paths.records_dir(case_id)
        try:
            if records_dir.is_symlink():  # it could lead anywhere on the machine
                raise LinkedFolder(records_dir)
            files = self.record_files(case_id)
        except LinkedFolder:
            case.damaged.append(Problem(self.rel(records_dir), 1, Msg("toml.symlink")))
            files = []
        except OSError as exc:
            folder = self.rel(self.paths.records_dir(case_id))
            reason = exc.strerror or type(exc).__name__
            case.damaged.append(Problem(folder, 1, Msg("toml.unreadable", reason=reason)))
            files = []
        for path in files:
            record, problems = self.read_record(path)
            if record is None:
                case.damaged.extend(problems)
            elif record.case is not None and record.case != case_id:
                message = Msg("check.record_case_mismatch", case=record.case, folder=case_id)
                case.damaged.append(Problem(self.rel(path), 1, message))
            else:
                case.records.append(record)
        case.records.sort(key=lambda r: r.sort_key())
        return case

    def record_files(self, case_id: str) -> list[Path]:
        """The record files of a case, sorted. A linked file, or anything that is not a
        plain file (a FIFO, a device), is listed too, so that reading it reports it: links
        are never followed and only regular files are ever opened."""
        folder = self.paths.records_dir(case_id)
        if folder.is_symlink() or not folder.is_dir():
            return []
        return sorted(
            p for p in folder.iterdir()
            if p.suffix == ".toml" and not p.name.startswith(".")
            and (p.is_symlink() or not p.is_dir())
        )  # fmt: skip

    def read_record(self, path: Path) -> tuple[Record | None, list[Problem]]:
        from ppks_cli.records import parse_record

        shown = self.rel(path)
        try:
            data, text = read_toml(path, shown)
        except DamagedFile as exc:
            return None, [Problem(shown, exc.params["line"], exc.params["detail"])]
        return parse_record(data, text, shown, path.parent.parent.name)

    def load_cases(self) -> tuple[list[Case], list[Problem]]:
        """Every case that can be read, and a problem for each one that cannot."""
        cases: list[Case] = []
        problems: list[Problem] = []
        for case_id in self.case_ids():
            try:
                cases.append(self.load_case(case_id))
            except DamagedFile as exc:
                problems.append(
                    Problem(exc.params["file"], exc.params["line"], exc.params["detail"])
                )
        return cases, problems

    def load_case_files(self) -> list[CaseFile]:
        """Every readable ``case.toml`` (without records): enough to search clients."""
        files = []
        for case_id in self.case_ids():
            try:
                files.append(self.read_case_file(case_id))
            except DamagedFile:
                continue
        return files

    def find_case(self, ref: str) -> Case:
        """The case ``ref`` names (any unique prefix of its ID), read whole. Raises
        :class:`~ppks_cli.errors.NotFound` and what :meth:`load_case` raises."""
        return self.load_case(self.resolve(ref))

    # --- writing ----------------------------------------------------------------------

    def default_worker(self, explicit: str | None = None) -> str | None:
        """The worker recording something: given, ``$PPKS_WORKER``, else ``ppks.toml``.
        Raises :class:`InvalidInput` naming where the name came from when it is not a
        valid name (control characters, too long), before anything is written."""
        from ppks_cli.models import parse_worker

        for candidate, source in (
            (explicit, "--worker"),
            (os.environ.get(WORKER_ENV), WORKER_ENV),
            (self.config.defaults.worker, "ppks.toml [defaults] worker"),
        ):
            if candidate and candidate.strip():
                return parse_worker(candidate, source)
        return None

    def step_worker(self, explicit: str | None = None, case: Case | None = None) -> str | None:
        """Who records a step, the first that is set of: ``explicit`` (``--worker``),
        ``$PPKS_WORKER``, ``[defaults] worker`` in ``ppks.toml``, the current worker of
        ``case`` (:attr:`ppks_cli.workflow.CaseState.current_worker`; skipped without a
        case, as for a new case), git's ``user.name``. None when all are empty: the
        caller asks at a terminal or raises ``error.missing_worker``. Raises
        :class:`InvalidInput` naming the setting whose value is not a valid name."""
        from ppks_cli.models import parse_worker

        found = self.default_worker(explicit)
        if found:
            return found
        if case is not None and case.state.current_worker:
            return case.state.current_worker
        name = git_user_name(self.root)
        return parse_worker(name, "git config user.name") if name else None

    def create_case(
        self,
        client: Client,
        intake: Intake,
        category: str,
        tags: Iterable[str] = (),
        created_at: dt.datetime | None = None,
    ) -> Case:
        """Open a new case: pick a fresh ID and write ``case.toml``."""
        from ppks_cli.models import CaseFile

        # a fresh ID is one no folder has (one lstat per try, not a listing of every case)
        case_id = ids.new_case_id(
            intake.date.year, (), self.config.ids.suffix_length,
            exists=lambda candidate: os.path.lexists(self.paths.case_dir(candidate)),
        )  # fmt: skip
        file = CaseFile(
            id=case_id,
            created_at=created_at or now(),
            category=category,
            tags=sorted(set(tags)),
            client=client,
            intake=intake,
        )
        folder = self.paths.case_dir(case_id)
        self._will_write(self.paths.case_file(case_id))
        folder.mkdir(parents=True, exist_ok=False)
        try:
            write_toml(self.paths.case_file(case_id), file.to_toml_dict(), root=self.root)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self.written.append(self.paths.case_file(case_id))
        return Case(file, folder)

    def save_case_file(self, case: Case) -> bool:
        """Rewrite ``case.toml`` (after a change to the client). False when unchanged."""
        if case.id_mismatch:
            raise Refused("error.case_id_mismatch", folder=case.id, file_id=case.file.id)
        self._will_write(self.paths.case_file(case.id))
        changed = write_toml(
            self.paths.case_file(case.id), case.file.to_toml_dict(), root=self.root
        )
        if changed:
            self.written.append(self.paths.case_file(case.id))
        return changed

    def add_record(self, case: Case, record: Record) -> Path:
        """Write a new record file into the case folder and add it to ``case``. Refused
        while the case has a damaged file or a ``case.toml`` naming another case."""
        self.check_writable(case)
        path = self.paths.record_file(case.id, record.date.isoformat(), record.kind, record.id)
        if path.exists():  # practically impossible with random IDs; never overwrite
            raise Refused("error.record_exists", file=self.rel(path))
        self._will_write(path)
        write_toml(path, record.to_toml_dict(), root=self.root)
        self.written.append(path)
        if record.kind == "letter":  # its number is taken: the index's list has it at once
            from ppks_cli import ledger

            ledger.written(self, path)
        case.records.append(record)
        case.records.sort(key=lambda r: r.sort_key())
        case._state = None
        case._current = None
        return path

    def check_writable(self, case: Case) -> None:
        """Raise :class:`Refused` (``error.case_id_mismatch``,
        ``error.case_has_damaged_records``) when :meth:`add_record` would refuse a new
        record of ``case``: a command writing several records checks every case first."""
        if case.id_mismatch:
            raise Refused("error.case_id_mismatch", folder=case.id, file_id=case.file.id)
        if case.damaged:
            first = case.damaged[0]
            raise Refused("error.case_has_damaged_records", case=case.id, file=first.file)

    def new_record_id(self, case: Case) -> str:
        return ids.new_record_id(r.id for r in case.records)


# --- cleaning up after a killed command ------------------------------------------------------

# the temporary files of tomlio's atomic writes: ".<name>.<8 random characters>.tmp"
_TEMP_RE = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")


def clean_after_crash(repo: Repository) -> list[Path]:
    """Remove what a killed ppks leaves behind: the temporary files of its atomic writes
    (they may hold client data; the real file is either fully written or untouched), and
    a new case folder that holds nothing else (the case was never written). Returns the
    paths removed, relative to the root. Only call this while holding the repository's
    lock (no other ppks is writing then); never follows a symbolic link."""
    removed: list[Path] = []
    folders = [repo.root, repo.paths.cases, repo.root / "templates"]
    if repo.paths.cases.is_dir() and not repo.paths.cases.is_symlink():
        for case_dir in repo.paths.cases.iterdir():
            if case_dir.is_dir() and not case_dir.is_symlink():
                folders += [case_dir, *(case_dir / sub for sub in paths.CASE_SUBFOLDERS)]
    templates = repo.paths.templates
    if templates.is_dir() and not templates.is_symlink():
        folders += [p for p in templates.rglob("*") if p.is_dir() and not p.is_symlink()]
    raids = repo.paths.raids  # street raids: raids/<ID>/ and its corrections/
    if raids.is_dir() and not raids.is_symlink():
        for raid_dir in raids.iterdir():
            if raid_dir.is_dir() and not raid_dir.is_symlink():
                folders += [raid_dir, raid_dir / paths.RAID_CORRECTIONS_DIR]
        folders.append(raids)
    for folder in folders:
        if not folder.is_dir() or folder.is_symlink():
            continue
        for entry in folder.iterdir():
            if _TEMP_RE.match(entry.name) and entry.is_file() and not entry.is_symlink():
                try:
                    entry.unlink()
                    removed.append(entry)
                except OSError:
                    pass
    if repo.paths.cases.is_dir() and not repo.paths.cases.is_symlink():
        for case_dir in repo.paths.cases.iterdir():
            if (
                case_dir.is_dir()
                and not case_dir.is_symlink()
                and ids.CASE_ID_RE.match(case_dir.name)
                and _holds_nothing(case_dir)
            ):
                shutil.rmtree(case_dir, ignore_errors=True)
                removed.append(case_dir)
    if raids.is_dir() and not raids.is_symlink():  # a raid folder whose file was never written
        for raid_dir in raids.iterdir():
            if (
                raid_dir.is_dir()
                and not raid_dir.is_symlink()
                and ids.RAID_ID_RE.match(raid_dir.name)
                and _holds_nothing(raid_dir)
            ):
                shutil.rmtree(raid_dir, ignore_errors=True)
                removed.append(raid_dir)
    return [Path(repo.rel(p)) for p in removed]


def _holds_nothing(folder: Path) -> bool:
    """A folder with no file anywhere under it (empty folders only)."""
    for entry in folder.iterdir():
        if entry.is_symlink() or not entry.is_dir() or not _holds_nothing(entry):
            return False
    return True


@dataclass
class InitResult(Result):
    """``ppks init``: the new repository, the first commit (None without git), and the
    problem that kept git from committing, if any (:class:`~ppks_cli.i18n.Msg`)."""

    repo: Repository
    commit: str | None
    git_problem: Any = None
    without_git: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "root": str(self.repo.root),
            "office": self.repo.config.office.name,
            "commit": self.commit,
        }


def init_repository(
    path: Path, office: str, worker: str | None = None, language: str = "id", *,
    git: bool = True, command: str = "ppks init",
) -> InitResult:  # fmt: skip
    """Make ``path`` a new case repository (:meth:`Repository.create`) and, with ``git``,
    a git repository with its first commit (the worker as author). Without git on the
    machine the repository is made all the same (``without_git``).

    The first commit is by ``worker`` (``--worker``), else ``$PPKS_WORKER``, else git's
    own identity; where git has none, by git's ``user.name`` alone. With no name at all,
    :class:`InvalidInput` (``error.missing_worker_init``) is raised before anything is
    written. ``worker`` is this clone's worker, not the team's: with git it becomes
    ``user.name`` in the new repository's own ``.git/config`` (nothing is set when the
    repository is added to a git repository it is inside), and ``ppks.toml``, which every
    clone shares, keeps ``[defaults] worker`` commented out; only without git is it
    written there."""
    from ppks_cli import locking
    from ppks_cli.git import git_available
    from ppks_cli.git import init_repository as init_git
    from ppks_cli.models import parse_worker

    with_git = git and git_available()
    author = _init_author(path, worker) if with_git else None
    local = parse_worker(worker, "--worker") if with_git and worker is not None else None
    repo = Repository.create(path, office, None if with_git else worker, language)
    lock = locking.acquire(locking.lock_path(repo.root, None), command)
    try:
        if not git:
            return InitResult(repo, None)
        if not git_available():
            return InitResult(repo, None, without_git=True)
        from ppks_cli.changes import commit_message

        result = init_git(repo.root, author, commit_message(None, "repository"), local)
        return InitResult(repo, result.sha, result.problem)
    finally:
        lock.release()


def init_needs_worker(path: Path, worker: str | None = None, *, git: bool = True) -> bool:
    """Whether :func:`init_repository` of ``path`` with ``worker`` (and ``git``) would
    raise ``error.missing_worker_init`` for want of a name: git is used and neither
    ``worker``, ``$PPKS_WORKER``, git's identity nor its ``user.name`` gives one. Lets
    ``ppks init`` at a terminal ask the name together with its other questions, before
    anything is answered in vain. Raises nothing (a ``worker`` that is no valid name is
    reported by :func:`init_repository`)."""
    from ppks_cli.git import git_available

    if not (git and git_available()):
        return False
    try:
        _init_author(path, worker)
    except InvalidInput as exc:
        return exc.key == "error.missing_worker_init"
    return False


def _init_author(path: Path, worker: str | None) -> str | None:
    """The author of a new repository's first commit (see :func:`init_repository`):
    None when git's own identity will do."""
    from ppks_cli.git.commit import commit_identity_known
    from ppks_cli.models import parse_worker

    for candidate, source in ((worker, "--worker"), (os.environ.get(WORKER_ENV), WORKER_ENV)):
        if candidate and candidate.strip():
            return parse_worker(candidate, source)
    where = next((p for p in (path.absolute(), *path.absolute().parents) if p.is_dir()), None)
    if where is None or commit_identity_known(where):
        return None
    name = git_user_name(where)
    if name is None:
        raise InvalidInput("error.missing_worker_init")
    return name

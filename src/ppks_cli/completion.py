"""Shell completion: the values a word on the command line may take, with a short help
text each (shown by zsh, fish and PowerShell next to the value).

Used only while the shell asks for completions (``ppks show 2024-<TAB>``): nothing here
is imported when a command runs. Every function answers quickly and never raises: a
problem (no repository, a damaged file, an index that is locked or would take long to
build) gives fewer values or none, never an error, as anything printed would land in
the user's command line. Nothing is written except the index (a cache, see
:mod:`ppks_cli.index`), and only when bringing it up to date is quick.

Values are matched against what was typed (``incomplete``), case-insensitively: by the
start of the value, and by the start of a word of its help text (a client's name, a
category's official name, a stage's label), so ``ppks show siti<TAB>`` finds Siti's case
ID where the shell allows it (bash and PowerShell replace the word; zsh and fish keep only
the values that start with the typed text).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from ppks_cli.i18n import label, t

T = TypeVar("T")

Pair = tuple[str, str]  # (value, help text; "" when there is none)

# the longest a completion waits for the index (seconds): a locked index or one that is
# being built by another command gives the case IDs without names rather than a wait
INDEX_SECONDS = 1.0
# a completion brings the index up to date when at most this many cases must be read
# (a few changed cases); more (a fresh clone) and it answers from the index as it is
MAX_READ = 50
HELP_WIDTH = 60  # characters of help text at most

KINDS = (
    "case", "category", "worker", "stage", "letter_kind", "destination", "attachment_kind",
    "relation",
)  # fmt: skip


def candidates(
    kind: str, incomplete: str, root: str | os.PathLike[str] | None = None, *,
    cwd: Path | None = None,
) -> list[Pair]:  # fmt: skip
    """The completions of a word of ``kind`` (one of :data:`KINDS`) that starts as
    ``incomplete``: ``(value, help)`` pairs, sorted by value, no value twice. The
    repository is ``root`` (``--root`` as typed, relative to ``cwd``), else
    ``$PPKS_ROOT``, else the one found from ``cwd`` (default: the working directory).
    Never raises: an unknown kind, no repository or any problem reading it gives ``[]``
    (or the values that need no repository)."""
    try:
        found = _SOURCES[kind](incomplete, _Repo(root, cwd))
    except Exception:  # a completion must never fail in the user's shell
        return []
    unique: dict[str, str] = {}
    for value, help_text in found:
        if value and value not in unique:
            unique[value] = _clean(help_text)
    return sorted(unique.items())


class _Repo:
    """The repository of a completion, opened on first use (``None`` when there is none
    or it cannot be opened)."""

    def __init__(self, root: str | os.PathLike[str] | None, cwd: Path | None) -> None:
        self.root, self.cwd = root, cwd
        self._repo: Any = False

    def get(self):
        if self._repo is False:
            from ppks_cli.store import Repository

            root = self.root
            if root is not None and self.cwd is not None:
                root = self.cwd / Path(root).expanduser()
            try:
                self._repo = Repository.open(root, self.cwd, lenient=True)
            except Exception:
                self._repo = None
        return self._repo


# --- matching ---------------------------------------------------------------------------


def _plain(text: str | None) -> str:
    from ppks_cli.index import plain

    return plain(text)


def matches(incomplete: str, value: str, *texts: str | None) -> bool:
    """Whether ``value`` completes ``incomplete``: the value starts with it (letter case
    ignored), or one of ``texts`` has a word sequence that does (punctuation and
    diacritics ignored: ``lanjut us`` matches "Lanjut Usia Telantar"). Everything
    matches an empty ``incomplete``."""
    typed = incomplete.strip()
    if not typed or value.casefold().startswith(typed.casefold()):
        return True
    flat = _plain(typed)
    return bool(flat) and any(f" {flat}" in f" {_plain(text)}" for text in texts if text)


def _clean(text: str) -> str:
    """A help text as a shell can show it: one line, no control characters, at most
    :data:`HELP_WIDTH` characters."""
    from ppks_cli.neutral import neutralise

    line = neutralise(" ".join((text or "").split()), keep="")
    return line if len(line) <= HELP_WIDTH else line[: HELP_WIDTH - 1].rstrip() + "…"


def _choices(incomplete: str, values: Iterable[str], group: str) -> list[Pair]:
    """The ``values`` of a fixed list, labelled from the catalog ``group``."""
    pairs = [(value, label(group, value)) for value in values]
    return [(v, h) for v, h in pairs if matches(incomplete, v, h)]


# --- the index, within a time limit ---------------------------------------------------------


class _Late(Exception):
    """The completion stopped waiting: the index refresh gives up (and rolls back)."""


def from_index(repo, read: Callable[[Any], T], seconds: float | None = None) -> T | None:
    """``read(conn)`` on the index of ``repo``, brought up to date first when at most
    :data:`MAX_READ` cases must be read (else as it is). ``None`` when that takes longer
    than ``seconds`` (default :data:`INDEX_SECONDS`; a locked index, a slow disk) or
    fails: the work is stopped (a refresh rolls back) and the caller answers without the
    index. Runs in a daemon thread, so a wait never outlives the completion."""
    from ppks_cli import index

    answer: list[T] = []
    late = threading.Event()

    def progress(_done: int, _total: int) -> None:
        if late.is_set():
            raise _Late

    def work() -> None:
        try:
            with index.opened(repo, progress, max_read=MAX_READ) as (conn, _refresh):
                answer.append(read(conn))
        except BaseException:  # noqa: BLE001 (nothing may reach the shell)
            pass

    thread = threading.Thread(target=work, name="ppks-completion", daemon=True)
    thread.start()
    thread.join(INDEX_SECONDS if seconds is None else seconds)
    if thread.is_alive():
        late.set()
        return None
    return answer[0] if answer else None


# --- the sources --------------------------------------------------------------------------


def _normalized_ref(typed: str) -> str:
    """A typed case ID (or its start) in the form IDs are written: upper case, O/I/L read
    as 0/1/1 after the year, the dash added after a year."""
    from ppks_cli.ids import normalize_case_ref

    return normalize_case_ref(typed)


def _id_matches(typed: str, case_id: str) -> bool:
    """Whether ``typed`` is the start of ``case_id`` (as :func:`_normalized_ref` reads it)
    or of the part after its year (``K7Q`` for ``2024-K7Q3M``, as read over the phone)."""
    ref = _normalized_ref(typed)
    if case_id.startswith(ref):
        return True
    suffix = case_id.partition("-")[2]
    fixed = ref.translate(str.maketrans("OIL", "011"))
    return "-" not in ref and bool(fixed) and suffix.startswith(fixed)


def case_ids(incomplete: str, repo: _Repo) -> list[Pair]:
    """Case IDs, each with its client's name (and alias) as help: those whose ID (or the
    part after the year) starts with ``incomplete``, and those whose client's name or
    alias has a word starting with it. Every case folder is offered even when the index
    cannot tell its name in time (then without help)."""
    opened = repo.get()
    if opened is None:
        return []

    def read(conn) -> dict[str, tuple[str | None, str | None]]:
        return {
            case_id: (name, alias)
            for case_id, name, alias in conn.execute(
                "SELECT id, name, alias FROM cases WHERE problem IS NULL"
            )
        }

    names = from_index(opened, read) or {}
    typed = incomplete.strip()
    # a name is matched word by word, as typed without digits (those are an ID's)
    flat = "" if any(ch.isdigit() for ch in typed) else _plain(typed)
    found = []
    for case_id in _case_folders(opened):
        name, alias = names.get(case_id, (None, None))
        shown = f"{name} ({alias})" if name and alias else name or ""
        if (
            not typed
            or _id_matches(typed, case_id)
            or flat and any(f" {flat}" in f" {_plain(text)}" for text in (name, alias) if text)
        ):
            found.append((case_id, shown))
    return found


def _case_folders(repo) -> list[str]:
    """The case folders of ``repo`` (as :meth:`~ppks_cli.store.Repository.case_ids`
    finds them), with one ``scandir``: no link is followed."""
    from ppks_cli.ids import CASE_ID_RE

    cases = repo.paths.cases
    if cases.is_symlink():
        return []
    try:
        with os.scandir(cases) as entries:
            return [
                entry.name for entry in entries
                if CASE_ID_RE.match(entry.name) and entry.is_dir(follow_symlinks=False)
            ]  # fmt: skip
    except OSError:
        return []


def workers(incomplete: str, repo: _Repo) -> list[Pair]:
    """The current workers of the cases (from the index), with how many open cases each
    holds as help."""
    opened = repo.get()
    if opened is None:
        return []

    def read(conn) -> list[tuple[str, int]]:
        return conn.execute(
            "SELECT worker, SUM(closed = 0) FROM cases "
            "WHERE problem IS NULL AND worker IS NOT NULL GROUP BY worker"
        ).fetchall()

    rows = from_index(opened, read) or []
    return [
        (worker, t("completion.open_cases", count=count or 0))
        for worker, count in rows
        if matches(incomplete, worker, worker)
    ]


def _raw_config(repo) -> dict[str, Any]:
    """``ppks.toml`` as read, not validated (fast; ``{}`` when it cannot be read)."""
    import tomllib

    try:
        data = tomllib.loads(repo.paths.config.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def destinations(incomplete: str, repo: _Repo) -> list[Pair]:
    """Where a client may be referred: the institutions of the referral directory
    (``[[resources]]`` in ``ppks.toml``, their kind as help) and the destinations of
    earlier referrals (from the index, with how often)."""
    opened = repo.get()
    if opened is None:
        return []
    found: list[Pair] = []
    resources = _raw_config(opened).get("resources")
    for entry in resources if isinstance(resources, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            kind = entry.get("kind")
            found.append((entry["name"].strip(), kind if isinstance(kind, str) else ""))

    def read(conn) -> list[tuple[str, int]]:
        return conn.execute(
            "SELECT text, COUNT(*) FROM texts WHERE kind = 'referral' "
            "AND field = 'destination' GROUP BY text"
        ).fetchall()

    for text, count in from_index(opened, read) or []:
        found.append((text.strip(), t("completion.earlier_referrals", count=count)))
    return [(value, h) for value, h in found if matches(incomplete, value, value, h)]


def categories(incomplete: str, _repo: _Repo | None = None) -> list[Pair]:
    """The official PPKS categories (slugs), their name in the interface language as
    help; typed words match the official Indonesian name and the English one too."""
    from ppks_cli.categories import categories as official
    from ppks_cli.i18n import get_language

    lang = get_language()
    return [
        (slug, cat.display(lang))
        for slug, cat in official().items()
        if matches(incomplete, slug, cat.name, cat.en)
    ]


def stages(incomplete: str, _repo: _Repo | None = None) -> list[Pair]:
    """The stages of the casework method, their label as help."""
    from ppks_cli.choices import STAGES

    return _choices(incomplete, STAGES, "stage")


def letter_kinds(incomplete: str, _repo: _Repo | None = None) -> list[Pair]:
    """The kinds of letter ``ppks letter`` makes."""
    from ppks_cli.choices import LETTER_KINDS

    return _choices(incomplete, LETTER_KINDS, "letter_kind")


def attachment_kinds(incomplete: str, _repo: _Repo | None = None) -> list[Pair]:
    """The kinds of document ``ppks attach --kind`` takes."""
    from ppks_cli.choices import ATTACHMENT_KINDS

    return _choices(incomplete, ATTACHMENT_KINDS, "attachment_kind")


def relations(incomplete: str, _repo: _Repo | None = None) -> list[Pair]:
    """The relations ``ppks link --as`` takes (``mother`` …), the relation's label in the
    interface language as help (``Ibu``: typed words match it too)."""
    from ppks_cli.choices import LINK_RELATIONS

    return _choices(incomplete, LINK_RELATIONS, "relation")


_SOURCES: dict[str, Callable[[str, _Repo], list[Pair]]] = {
    "case": case_ids,
    "category": categories,
    "worker": workers,
    "stage": stages,
    "letter_kind": letter_kinds,
    "destination": destinations,
    "attachment_kind": attachment_kinds,
    "relation": relations,
}

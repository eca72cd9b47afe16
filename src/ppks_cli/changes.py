"""Changing a case repository: the one place that decides how a writing command holds
the repository and commits what it wrote.

A :class:`Writer` is used around every write::

    with Writer(repo, "records", commit=True, command="ppks note") as writer:
        record = casework.note(repo, case, ...)     # writes through ``repo``
        writer.commit(commit_message(case.id, "note"), record.worker)

On entering it

1. takes the repository's lock (:mod:`ppks_cli.locking`) for the whole operation, waiting
   a few seconds while another ppks writes;
2. repairs what a killed command left behind (temporary files, an empty new case folder,
   a stale git ``index.lock``, a sync stopped mid-rebase, an unmade commit);
3. refuses (:class:`~ppks_cli.errors.Refused`, nothing written) while git is in a state
   where a commit would be dropped later (an unfinished rebase, merge, cherry-pick or
   revert; a detached HEAD), unless nothing is to be committed.

:meth:`Writer.commit` commits exactly the files written through the repository, with a
message from :func:`commit_message` that never carries personal data. What the user
should be told along the way (waiting for the lock, a repair) is passed to ``notify`` as
:class:`Notice` objects: the core never prints.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ppks_cli.errors import ExternalToolError
from ppks_cli.i18n import Msg

MODES = ("records", "git", "files")
"""``records``: files to commit (cases, records, letters); ``git``: commands that move git
itself (sync, bundle import); ``files``: files ppks writes but does not commit."""

# What each event says in a commit message: the case ID and what happened, never who
# the client is (a test greps the log for names, NIKs and addresses). The words are a
# stable English code (plural fields as in the catalogs, always English): ``ppks history``
# reads them back (:func:`parse_commit_message`) and shows the event in the user's
# language (``history.event.*``). Change a wording only with the old one still read.
COMMIT_WORDS = {
    "case": "case opened",
    "assessment": "assessment recorded",
    "plan": "plan recorded",
    "intervention": "intervention recorded",
    "referral": "referral recorded",
    "referral-update": "referral status updated",
    "evaluation": "evaluation recorded",
    "termination": "case terminated",
    "follow-up": "follow-up recorded",
    "reopen": "case reopened",
    "note": "note added",
    "approval": "approval recorded",
    "correction": "client data corrected",
    "letter": "letter {number} issued",
    "letter-renumbered": "letter {old} renumbered {number}",
    "repository": "case repository created",
    "templates": "letter templates exported ({count} {count:file|files})",
    "migration": "repository migrated to schema {schema}",
    "finished": "finish an interrupted commit",
    "bundle": "work from a bundle merged",
    "sync": "colleagues' work merged",
    # the team's records
    "transfer": "case transferred",
    "transfer-caseload": "{count} {count:case|cases} transferred",
    "link": "link recorded",
    "merge": "duplicate {duplicate} merged",
    "attachment": "attachment added",
    # the rumah singgah (ppks shelter)
    "shelter-admission": "admitted to the shelter",
    "shelter-readmission": "case reopened, admitted to the shelter",
    "shelter-discharge": "discharged from the shelter",
    # street raids (``ppks raid``): the raid itself, the people caught, a correction
    "raid": "raid {raid} recorded",
    "raid-people": "{count} {count:person|people} caught in raid {raid}",
    "raid-correction": "raid {raid} corrected",
}


def commit_message(case_id: str | None, event: str, **params: Any) -> str:
    """The commit message for ``event`` (a record kind, ``case``, ``letter`` …, see
    :data:`COMMIT_WORDS`) on the case ``case_id`` (``None``: the repository as a whole,
    written as ``ppks:``). ``params`` fill the event's words (a letter's number)."""
    from ppks_cli.i18n import fill

    return f"{case_id or 'ppks'}: {fill(COMMIT_WORDS[event], 'en', **params)}"


@dataclass(frozen=True)
class CommitEvent:
    """What a commit message made by :func:`commit_message` says: the case (``None`` for
    ``ppks:``, the repository as a whole), the event (a key of :data:`COMMIT_WORDS`) and
    the values in its words (strings: ``{"number": "462/17/Dinsos/2024"}``)."""

    case_id: str | None
    event: str
    params: dict[str, str]


def _word_pattern(words: str) -> re.Pattern[str]:
    """A regular expression matching what ``words`` (a COMMIT_WORDS template) gives:
    ``{name}`` is any text (a group), ``{name:one|other}`` either form (no group when
    the value also stands on its own)."""
    import string

    pattern, seen = "", set()
    for literal, name, spec, _ in string.Formatter().parse(words):
        pattern += re.escape(literal)
        if name is None:
            continue
        if spec and "|" in spec:
            pattern += "(?:" + "|".join(map(re.escape, spec.split("|"))) + ")"
        elif name in seen:
            pattern += f"(?P={name})"
        else:
            seen.add(name)
            pattern += f"(?P<{name}>.+?)"
    return re.compile(pattern + r"\Z", re.DOTALL)


_COMMIT_RE = re.compile(r"(?P<case>[0-9]{4}-[0-9A-Z]+|ppks): (?P<words>.+)\Z", re.DOTALL)


def parse_commit_message(subject: str) -> CommitEvent | None:
    """The event a commit message of :func:`commit_message` records (older wordings
    such as ``1 cases transferred`` included), or None for any other message (a commit
    made by hand, a merge git named itself)."""
    found = _COMMIT_RE.match(subject.strip())
    if not found:
        return None
    case_id = None if found["case"] == "ppks" else found["case"]
    for event, pattern in _patterns().items():
        matched = pattern.match(found["words"])
        if matched:
            return CommitEvent(case_id, event, matched.groupdict())
    return None


_compiled: dict[str, re.Pattern[str]] = {}


def _patterns() -> dict[str, re.Pattern[str]]:
    if not _compiled:
        _compiled.update({event: _word_pattern(words) for event, words in COMMIT_WORDS.items()})
    return _compiled


@dataclass(frozen=True)
class Notice:
    """Something a writing operation tells the user (``warning`` for what needs a look)."""

    message: Msg
    warning: bool = False


def _ignore(notice: Notice) -> None:
    pass


class Writer:
    """One writing operation on ``repo`` (see the module's description).

    ``mode`` is one of :data:`MODES`; ``commit`` is what the user asked (False for
    ``--no-commit``); ``command`` names the operation in the lock file, for a colleague
    who has to wait; ``notify`` receives :class:`Notice` objects."""

    def __init__(
        self,
        repo,
        mode: str = "records",
        *,
        commit: bool = True,
        command: str = "ppks",
        notify: Callable[[Notice], None] = _ignore,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown write mode: {mode!r}")
        self.repo = repo
        self.mode = mode
        self.wants_commit = commit
        self.command = command
        self.notify = notify
        self._lock = None
        self._git = None  # git's state when the operation began (None: no git)

    @property
    def committing(self) -> bool:
        """Whether this operation ends in a commit (git settings and the user's choice)."""
        if self.mode == "git":
            return True
        return self.mode == "records" and self.wants_commit and self.repo.config.git.auto_commit

    def __enter__(self) -> Writer:
        from ppks_cli import git, locking
        from ppks_cli.store import clean_after_crash

        repo = self.repo
        current = git.git_state(repo.root)
        path = locking.lock_path(repo.root, current.git_dir if current else None)

        def waiting(holder) -> None:
            self.notify(Notice(Msg(
                "lock.waiting", pid=holder.pid if holder else "?",
                command=holder.command if holder and holder.command else "ppks",
                since=holder.since if holder else "?",
            )))  # fmt: skip

        self._lock = locking.acquire(path, self.command, on_wait=waiting)
        try:
            if self._lock.previous_died:
                removed = clean_after_crash(repo)
                if removed:
                    files = ", ".join(p.as_posix() for p in removed)
                    self.notify(Notice(Msg("lock.cleaned", files=files)))
            if current is not None:
                self._git = self._prepare_git(current)
        except BaseException:
            self._lock.release()
            raise
        return self

    def _prepare_git(self, current):
        from ppks_cli import git

        repo = self.repo
        found = git.recover(repo.root, commit=self.committing, state=current)
        if found.index_lock is not None:
            self.notify(Notice(Msg("git.stale_index_lock_removed", file=str(found.index_lock))))
        if found.sync_rolled_back:
            self.notify(Notice(Msg("git.sync_rolled_back")))
        if found.committed:
            files = ", ".join(found.committed)
            self.notify(Notice(Msg("git.pending_committed", files=files)))
        if found.problem is not None:
            self.notify(Notice(found.problem, warning=True))
        if found.sync_rolled_back or found.committed:  # git moved: look again
            current = git.git_state(repo.root) or current
        if self.committing:
            git.refuse_unsafe_state(repo.root, current)
            noted: list = []

            def note(path) -> None:  # before each write: a kill from here on is finished later
                noted.append(path)
                git.note_pending_commit(repo.root, noted, None, None, current.git_dir)

            repo.before_write = note
            repo.git_dir = current.git_dir
        elif self.mode == "records" and (current.operation or current.branch is None):
            self.notify(Notice(Msg("git.writing_without_commit")))
        return current

    def __exit__(self, *exc_info: object) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def commit(self, message: str, worker: str | None):
        """Commit exactly the files written through the repository since the last
        commit, with ``message`` (see :func:`commit_message`) and ``worker`` as author.
        Returns the :class:`ppks_cli.git.commit.CommitResult`, or None when nothing is
        committed (nothing written, committing off, no git). A failed commit leaves the
        files written and raises :class:`ExternalToolError` (exit 9: git's reason, the
        files, and the commands that finish it by hand)."""
        repo = self.repo
        if not repo.written:
            return None
        if self.mode != "git" and not (self.wants_commit and repo.config.git.auto_commit):
            if not self.wants_commit:
                files = ", ".join(repo.rel(p) for p in repo.written)
                self.notify(Notice(Msg("git.not_committed_option", files=files)))
            return None
        from ppks_cli import git

        if self._git is None:  # not in git when the operation began (or git moved away)
            if not git.git_available():
                self.notify(Notice(Msg("git.not_committed_no_git"), warning=True))
                return None
            if not git.is_repository(repo.root):
                return None
        git_dir = repo.git_dir
        git.note_pending_commit(repo.root, repo.written, message, worker, git_dir)
        result = git.commit_paths(repo.root, repo.written, message, worker, state=self._git)
        git.done_pending_commit(repo.root, git_dir)
        if result.commit is not None:  # the cases' commits in the index (ppks history)
            from ppks_cli import commit_index

            commit_index.noted(repo, result.parent, result.commit, repo.written)
        repo.written.clear()
        if result.problem is not None:
            raise ExternalToolError(result.problem.key, **result.problem.params)
        return result


@dataclass
class WriteOptions:
    """How a core operation that writes should behave, as the command line chose:
    ``commit`` (False for ``--no-commit``), the command's name for the lock, and where
    :class:`Notice` objects go."""

    commit: bool = True
    command: str = "ppks"
    notify: Callable[[Notice], None] = _ignore

    def writer(self, repo, mode: str = "records") -> Writer:
        return Writer(repo, mode, commit=self.commit, command=self.command, notify=self.notify)

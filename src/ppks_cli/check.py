"""``ppks check``: validate every file of a case repository and report each problem as
``file:line: message``, the way ``hledger check`` and ``bean-check`` do."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from ppks_cli import ids, paths
from ppks_cli.errors import DamagedFile
from ppks_cli.i18n import Msg
from ppks_cli.models import CaseFile
from ppks_cli.records import Record
from ppks_cli.store import Case, Repository
from ppks_cli.tomlio import KeyLocator, read_toml
from ppks_cli.validation import Problem, validate


@dataclass
class CheckReport:
    problems: list[Problem] = field(default_factory=list)
    cases: int = 0
    records: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "cases": self.cases,
            "records": self.records,
            "problems": [p.as_dict() for p in self.problems],
        }


_EDIT = ("toml.syntax", "toml.not_utf8", "toml.too_deep", "toml.unreadable", "toml.missing")


def with_fix(problem: Problem, case_id: str | None = None) -> Problem:
    """``problem`` with its ``hint`` (what a person does to fix it: a command or a hand
    action, as a :class:`Msg` of the ``fix`` group) when it has none yet. ``case_id`` is
    the case whose folder holds the file, if any."""
    if problem.hint is not None:
        return problem
    key, params = problem.message.key, problem.message.params
    where = {"file": problem.file, "line": problem.line}
    case = case_id or Msg("placeholder.case")
    hint: Msg | None = None
    if key.startswith("validation.") or key in _EDIT:
        hint = Msg("fix.edit", where)
    elif key == "toml.conflict_marker":
        hint = Msg("fix.conflict", where)
    elif key in ("toml.symlink", "toml.not_regular"):
        hint = Msg("fix.plain_file", where)
    elif key == "check.stray_entry":
        hint = Msg("fix.stray", where)
    elif key in ("check.id_folder_mismatch", "check.duplicate_case_id"):
        folder = params.get("folder") or problem.file.split("/")[1]
        hint = Msg("fix.id_folder", where, folder=folder)
    elif key == "check.duplicate_nik":
        other = str(params["cases"]).split(", ")[0]
        hint = Msg("fix.merge", where, case=case, other=other)
    elif key in ("warning.child_age", "warning.toddler_age", "warning.elderly_age"):
        hint = Msg("fix.edit_category", where, case=case)
    elif key == "warning.phone_implausible":
        hint = Msg("fix.edit_phone", where, case=case)
    elif key.startswith("warning."):  # the client's data: an unusual age, a NIK
        hint = Msg("fix.edit_client", where, case=case)
    elif key == "check.bad_record_name":
        hint = Msg("fix.record_name", where)
    elif key == "check.duplicate_record_id":
        hint = Msg("fix.duplicate_record", where, other=params["other"])
    elif key == "check.record_case_mismatch":
        hint = Msg("fix.record_case", where, case=params["case"])
    elif key == "check.old_schema":
        hint = Msg("fix.migrate")
    elif key == "check.logo":
        hint = Msg("fix.logo", where)
    elif key == "check.correction_not_applied":
        hint = Msg("fix.correction", where, case=case)
    elif key == "check.attachment_damaged":
        hint = Msg("fix.attachment_damaged", where)
    elif key == "attachment.orphan":  # a file copied in by hand: git does not know it
        hint = orphan_fix(problem.file, case, "untracked")
    elif key in ("workflow.unknown_referral", "workflow.unknown_approved"):
        hint = Msg("fix.unknown_target", where)
    if hint is None:
        return problem
    return replace(problem, hint=hint)


def orphan_fix(file: str, case: str, tracked: str) -> Msg:
    """The fix for ``file``, a file in a case's ``attachments/`` that no record names:
    attach it if the case needs it, then remove this copy with a command that works as
    git knows the file (``tracked``): "committed" (``git rm`` and a commit, so that no
    change is left for ``sync`` to refuse), "staged" (``git rm -f``: git has it only in
    its index) or "untracked" (a plain ``rm``)."""
    import shlex

    quoted = shlex.quote(file)
    if tracked == "committed":
        message = shlex.quote(f"{case}: unrecorded attachment file removed")
        remove = f"git rm -q -f {quoted} && git commit -q -m {message} -- {quoted}"
    elif tracked == "staged":
        remove = f"git rm -q -f {quoted}"
    else:
        remove = f"rm {quoted}"
    return Msg("fix.attachment_orphan", file=quoted, case=case, remove=remove)


def _orphan_fixes(repo: Repository, problems: list[Problem]) -> list[Problem]:
    """``problems`` with the fix of each file in ``attachments/`` that no record names
    made to fit how git knows it now (see :func:`orphan_fix`; a checked case folder is
    cached, whether git tracks a file is not). Two git calls, only when there is such a
    file; without git (or outside a repository) each is taken as untracked."""
    orphans = [p.file for p in problems if p.message.key == "attachment.orphan"]
    if not orphans:
        return problems
    from ppks_cli import git

    committed: set[str] = set()
    staged: set[str] = set()
    if git.git_available():
        listed = git.run(repo.root, "ls-files", "-z", "--", *orphans, check=False)
        if listed.returncode == 0:
            staged = set(listed.stdout.decode("utf-8", "replace").split("\0"))
        in_head = git.run(repo.root, "ls-tree", "-r", "-z", "--name-only", "HEAD", "--",
                          *orphans, check=False)  # fmt: skip
        if in_head.returncode == 0:
            committed = set(in_head.stdout.decode("utf-8", "replace").split("\0"))
    fixed = []
    for problem in problems:
        if problem.message.key == "attachment.orphan":
            case = problem.file.split("/")[1]
            known = "committed" if problem.file in committed else (
                "staged" if problem.file in staged else "untracked")  # fmt: skip
            problem = replace(problem, hint=orphan_fix(problem.file, case, known))
        fixed.append(problem)
    return fixed


def _damaged(exc: DamagedFile) -> Problem:
    return Problem(exc.params["file"], exc.params["line"], exc.params["detail"])


def check_repository(
    repo: Repository, *, full: bool = False, cases: set[str] | None = None
) -> CheckReport:
    """Validate ``ppks.toml`` and every case folder of ``repo`` (only those in ``cases``
    when given; the checks across cases -- the same case ID or NIK twice -- then see only
    those, and letter numbers are not compared). The result of a case folder is cached
    (:mod:`ppks_cli.checkcache`) and used again while its files are the same, unless
    ``full``. Never raises for a damaged file: it is a problem reported."""
    from ppks_cli import checkcache

    with checkcache.Cache(repo, full=full, partial=cases is not None) as cache:
        return _check_repository(repo, cache, cases)


def _check_repository(repo: Repository, cache, only: set[str] | None) -> CheckReport:
    report = CheckReport()
    report.problems.extend(with_fix(p) for p in _check_config(repo))
    if not repo.paths.cases.is_dir():
        return report

    nik_owners: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    id_owners: dict[str, list[tuple[str, int]]] = defaultdict(list)
    folders: set[str] = set()  # every case folder, readable or not
    if repo.paths.cases.is_symlink():
        report.problems.append(with_fix(Problem(paths.CASES_DIR, 1, Msg("toml.symlink"))))
        return report
    try:
        entries = sorted(repo.paths.cases.iterdir())
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        unreadable = Problem(paths.CASES_DIR, 1, Msg("toml.unreadable", reason=reason))
        report.problems.append(with_fix(unreadable))
        entries = []
    for entry in entries:
        if entry.name.startswith(".") or (only is not None and entry.name not in only):
            continue
        shown = repo.rel(entry)
        if entry.is_symlink():
            report.problems.append(with_fix(Problem(shown, 1, Msg("toml.symlink"))))
            continue
        if not entry.is_dir() or not ids.CASE_ID_RE.match(entry.name):
            stray = Problem(shown, 1, Msg("check.stray_entry"), "warning")
            report.problems.append(with_fix(stray))
            continue
        report.cases += 1
        folders.add(entry.name)
        result = cache.get(entry.name)
        if result is None:
            result = _check_case(repo, entry.name)
            cache.put(entry.name, result)
        report.problems.extend(result.problems)
        report.records += result.records
        case_file = repo.rel(repo.paths.case_file(entry.name))
        if result.id is not None:
            id_owners[result.id].append((case_file, result.id_line))
        if result.nik:
            nik_owners[result.nik].append((result.id, case_file, result.nik_line))

    for case_id, owners in id_owners.items():
        if len(owners) > 1:
            others = ", ".join(f for f, _ in owners)
            for file_name, line in owners:
                message = Msg("check.duplicate_case_id", {"id": case_id, "files": others})
                report.problems.append(with_fix(Problem(file_name, line, message)))
    for owners in nik_owners.values():
        if len(owners) > 1:
            for case_id, file_name, line in owners:
                others = ", ".join(c for c, _, _ in owners if c != case_id)
                message = Msg("check.duplicate_nik", {"cases": others})
                problem = Problem(file_name, line, message, "warning")
                report.problems.append(with_fix(problem, case_id))
    if only is None:  # across the whole repository: not for a check of some cases
        report.problems.extend(_duplicate_letter_numbers(repo))
        report.problems.extend(_check_links(repo, folders))
        report.problems.extend(_check_shelters(repo))
        report.problems.extend(with_fix(p) for p in _check_raids(repo, folders))
    report.problems = _orphan_fixes(repo, report.problems)
    report.problems.sort(key=lambda p: (p.file, p.line))
    return report


def _duplicate_letter_numbers(repo: Repository) -> list[Problem]:
    """Letter numbers two clones made clash over, once their work is merged:

    - two standing letters with one number (an error), or with one number written two
      ways (``462/01`` and ``462/1``, ``DINSOS`` and ``Dinsos``: one code, serial and
      year, :func:`ppks_cli.letters.number_key`; an error);
    - with ``[letters] sequence = "shared"``, one serial of a year under two codes (a
      warning);
    - one document (a kind of letter about one record) with two standing numbers: a
      letter renumbered in both clones, or issued in both without ``--new``
      (:func:`ppks_cli.agenda.two_numbers`; an error).

    A renumbered letter no longer counts. The fix of a clash is ``ppks letter renumber
    NUMBER --case CASE``; of one document with two numbers, ``ppks letter renumber OTHER
    --case CASE --number KEPT``."""
    from ppks_cli.agenda import two_numbers
    from ppks_cli.letters import issued_key, issued_numbers, same_number

    everything = issued_numbers(repo)
    issued = [i for i in everything if i.active]
    by_number: dict[str, list] = defaultdict(list)
    for one in issued:
        by_number[one.number].append(one)
    problems = []
    for number, letters in by_number.items():
        if len(letters) > 1:
            # one document (two clones issued it): it keeps the number, once
            document = len({(i.case, i.kind, i.about) for i in letters}) == 1
            for one in letters:
                file = one.file
                others = ", ".join(i.file for i in letters if i.file != file)
                line = _line_of(repo.root / file, ("number",))
                hint = (
                    Msg("fix.letter_two_numbers", number=number, case=one.case, kept=number)
                    if document and one.about
                    else Msg("fix.letter_number", number=number, case=one.case)
                )  # fmt: skip
                problems.append(
                    Problem(
                        file, line,
                        Msg("check.duplicate_letter_number", {"number": number, "others": others}),
                        hint=hint,
                    )  # fmt: skip
                )
    keys = {one.file: issued_key(repo, one) for one in issued}
    by_serial: dict[tuple[int, int], list] = defaultdict(list)
    for one in issued:
        if keys[one.file] is not None:
            by_serial[(keys[one.file].year, keys[one.file].seq)].append(one)
    for (year, seq), letters in by_serial.items():
        for one in letters:
            clashing = [
                (i, same_number(repo, keys[one.file], keys[i.file]))
                for i in letters if i.number != one.number
            ]  # fmt: skip
            line = _line_of(repo.root / one.file, ("number",))
            hint = Msg("fix.letter_number", number=one.number, case=one.case)
            spelled = [i for i, how in clashing if how == "same"]
            if spelled:
                others = ", ".join(f"{i.number} ({i.file})" for i in spelled)
                message = Msg("check.letter_number.spelled", number=one.number, others=others)
                problems.append(Problem(one.file, line, message, hint=hint))
            coded = [i for i, how in clashing if how == "serial"]
            if coded:
                others = ", ".join(f"{i.number} ({i.file})" for i in coded)
                message = Msg("check.numbering.same_serial", seq=seq, year=year, others=others)
                problems.append(Problem(one.file, line, message, "warning", hint=hint))
    for clash in two_numbers(everything):
        other, kept = clash.other, clash.keep
        message = Msg(
            f"check.letter_number.two_numbers_{clash.how}", number=other.number,
            kept=kept.number, case=other.case, kind=other.kind, about=other.about,
            file=kept.file,
        )  # fmt: skip
        hint = Msg("fix.letter_two_numbers", number=other.number, case=other.case,
                   kept=kept.number)  # fmt: skip
        line = _line_of(repo.root / other.file, ("number",))
        problems.append(Problem(other.file, line, message, hint=hint))
    return problems


def _check_links(repo: Repository, known: set[str]) -> list[Problem]:
    """Links between cases that no single folder shows wrong: a link to a case that
    exists nowhere (a hand edit, a case deleted in a colleague's clone), to the case
    itself, and two links of one pair that contradict each other (two workers linked
    them offline: "B is A's mother" here, "A is B's father" there). ``known`` holds the
    IDs of every case folder that could be read; the links come from the index."""
    from ppks_cli import index
    from ppks_cli.i18n import label
    from ppks_cli.links import agree
    from ppks_cli.records import DUPLICATE_OF, INVERSE_RELATION

    with index.opened(repo) as (conn, _done):
        rows = conn.execute(
            "SELECT case_id, other, relation, record FROM links ORDER BY case_id, record"
        ).fetchall()
    problems: list[Problem] = []
    # what the second case of each pair is to the first, as each link record says it
    said: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for case_id, other, relation, record in rows:
        file = _record_file(repo, case_id, "link", record)
        if file is None:
            continue
        where = repo.rel(file)
        line = _line_of(file, ("other",))
        remove = Msg("fix.link_remove", file=where)
        if other == case_id:
            problems.append(Problem(where, line, Msg("check.link_to_itself"), hint=remove))
        elif other not in known:
            message = Msg("check.link_missing_case", other=other)
            problems.append(Problem(where, line, message, hint=remove))
        elif relation != DUPLICATE_OF:
            if case_id < other:
                said[(case_id, other)].append((relation, where, case_id))
            else:
                said[(other, case_id)].append((INVERSE_RELATION[relation], where, case_id))
    for (first, second), statements in said.items():
        for relation, where, holder in statements:
            against = [(r, w) for r, w, _ in statements if not agree(relation, r)]
            if not against:
                continue
            # as the holder of this record reads it: what the other case is to it
            shown = relation if holder == first else INVERSE_RELATION[relation]
            message = Msg(
                "check.link_contradicts", case=holder, other=second if holder == first else first,
                relation=label("relation", shown), others=", ".join(w for _, w in against),
            )  # fmt: skip
            file = repo.root / where
            problems.append(
                Problem(where, _line_of(file, ("relation",)), message, "warning",
                        hint=Msg("fix.link_remove", file=where))  # fmt: skip
            )
    return problems


def _check_raids(repo: Repository, known: set[str]) -> list[Problem]:
    """The street raids' files (``raids/``) and the catches naming a raid that does not
    exist (:func:`ppks_cli.raids.check_raids`)."""
    from ppks_cli.raids import check_raids

    return check_raids(repo, known)


def _record_file(repo: Repository, case_id: str, kind: str, record: str):
    """The file of the record ``record`` (of ``kind``) in ``case_id``'s folder, or None."""
    found = sorted(repo.paths.records_dir(case_id).glob(f"*-{kind}-{record}.toml"))
    return found[0] if found else None


def _line_of(path, key: tuple[str, ...]) -> int:
    try:
        return KeyLocator(path.read_text(encoding="utf-8")).line(key)
    except (OSError, ValueError):
        return 1


def _check_config(repo: Repository) -> list[Problem]:
    from ppks_cli.config import RepoConfig
    from ppks_cli.migrate import old_schema_warning
    from ppks_cli.schema import CONFIG, upgrade_data

    try:
        data, text = read_toml(repo.paths.config, paths.CONFIG_FILE)
    except DamagedFile as exc:
        return [_damaged(exc)]
    config, found = validate(RepoConfig, upgrade_data(CONFIG, data), text, paths.CONFIG_FILE)
    if config is None:
        return found
    old = old_schema_warning(paths.CONFIG_FILE, data, text)
    if old:
        found.append(old)
    if config.office.logo:  # every letter reads it: check it as a letter would
        from ppks_cli.errors import PpksError
        from ppks_cli.letters import read_logo

        try:
            read_logo(repo, config.office.logo)
        except PpksError as exc:
            line = KeyLocator(text).line(("office", "logo"))
            found.append(Problem(paths.CONFIG_FILE, line, Msg("check.logo", detail=exc.message())))
    found.extend(_placeholder_signatories(config, text))
    return found


def _placeholder_signatories(config, text: str) -> list[Problem]:
    """A warning for each signatory name or NIP still holding the sample's placeholder
    (``NIP 000000000000000000``, "Nama Kepala Dinas"): a letter would print it."""
    from ppks_cli.config import placeholders

    locator = KeyLocator(text)
    found = []
    for key, group, who, value in placeholders(config):
        message = Msg(f"letter_words.placeholder_{group}", who=who, value=value)
        found.append(Problem(paths.CONFIG_FILE, locator.line(key), message, "warning"))
    return found


def _check_case(repo: Repository, case_id: str):
    """Everything checked within one case folder, as a
    :class:`ppks_cli.checkcache.CaseCheck`."""
    from ppks_cli.checkcache import CaseCheck

    file, text, problems = _check_case_file(repo, case_id)
    record_problems, count, case = _check_records(repo, case_id, file)
    if file is not None:  # the client's data as it stands now (the intake's if unreadable)
        current = case.current if case is not None else file
        problems += _client_warnings(repo.rel(repo.paths.case_file(case_id)), text, current)
    problems = [with_fix(p, case_id) for p in problems + record_problems]
    if file is None or case is None:
        return CaseCheck(problems, count)
    locator = KeyLocator(text)
    nik = case.client.nik  # the NIK now: a correction may have given or changed it
    nik_line = locator.line(("client", "nik")) if nik and nik == file.client.nik else 1
    return CaseCheck(
        problems, count, file.id, locator.line(("id",)),
        nik, nik_line if nik else 0,
    )  # fmt: skip


def _check_case_file(repo: Repository, case_id: str) -> tuple[CaseFile | None, str, list[Problem]]:
    path = repo.paths.case_file(case_id)
    shown = repo.rel(path)
    try:
        data, text = read_toml(path, shown)
    except DamagedFile as exc:
        return None, "", [_damaged(exc)]
    from ppks_cli.migrate import old_schema_warning
    from ppks_cli.schema import CASE, upgrade_data

    file, problems = validate(CaseFile, upgrade_data(CASE, data), text, shown)
    if file is None:
        return None, text, problems
    old = old_schema_warning(shown, data, text)
    if old:
        problems.append(old)
    locator = KeyLocator(text)
    if file.id != case_id:
        problems.append(
            Problem(
                shown,
                locator.line(("id",)),
                Msg("check.id_folder_mismatch", {"id": file.id, "folder": case_id}),
            )
        )
    return file, text, problems


def _client_warnings(shown: str, text: str, current: CaseFile) -> list[Problem]:
    """The warnings about the client's data (an unusual age, a NIK that does not fit, an
    age that does not fit the category, an implausible phone) of ``current``: the case
    as it stands now, corrections (``ppks edit``) applied, so that a warning ends once
    the fix it names was made. Lines are those of the fields in ``case.toml`` (``text``)."""
    from ppks_cli.plausibility import client_warnings

    locator = KeyLocator(text)
    problems = [
        Problem(shown, locator.line(("client", *loc)), Msg(key, params), "warning")
        for loc, key, params in current.client.warnings()
    ]
    for loc, key, params in client_warnings(
        current.client, current.category, current.intake.date
    ):
        where = ("category",) if key != "warning.phone_implausible" else ("client", *loc)
        problems.append(Problem(shown, locator.line(where), Msg(key, params), "warning"))
    return problems


def _check_records(
    repo: Repository, case_id: str, file: CaseFile | None
) -> tuple[list[Problem], int, Case | None]:
    from ppks_cli.migrate import old_schema_warning
    from ppks_cli.records import parse_record

    problems: list[Problem] = []
    records: list[Record] = []
    seen: dict[str, str] = {}
    folder = repo.paths.records_dir(case_id)
    if folder.is_symlink():  # never followed: it could lead anywhere on the machine
        problems.append(Problem(repo.rel(folder), 1, Msg("toml.symlink")))
    elif folder.is_dir():
        try:
            entries = sorted(folder.iterdir())
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            entries = []
            problems.append(Problem(repo.rel(folder), 1, Msg("toml.unreadable", reason=reason)))
        for entry in entries:
            if entry.name.startswith(".") or entry.is_dir():
                continue
            shown = repo.rel(entry)
            match = paths.RECORD_FILE_RE.match(entry.name)
            if not match:
                problems.append(
                    Problem(
                        shown,
                        1,
                        Msg("check.bad_record_name"),
                        "warning" if entry.suffix != ".toml" else "error",
                    )
                )
                continue
            try:
                data, text = read_toml(entry, shown)
            except DamagedFile as exc:
                problems.append(_damaged(exc))
                continue
            record, found = parse_record(data, text, shown, case_id)
            problems.extend(found)
            if record is None:
                continue
            old = old_schema_warning(shown, data, text)
            if old:
                problems.append(old)
            if record.case is not None and record.case != case_id:
                line = KeyLocator(text).line(("case",))
                message = Msg(
                    "check.record_case_mismatch", {"case": record.case, "folder": case_id}
                )
                problems.append(Problem(shown, line, message))
                continue
            records.append(record)
            if record.id != match["id"] or record.kind != match["kind"]:
                right = repo.paths.record_file(
                    case_id, record.date.isoformat(), record.kind, record.id
                )
                problems.append(
                    Problem(
                        shown, 1,
                        Msg("check.record_name_mismatch", {"id": record.id, "kind": record.kind}),
                        hint=Msg("fix.rename_record", file=shown, right=repo.rel(right)),
                    )  # fmt: skip
                )
            if record.id in seen:
                problems.append(
                    Problem(
                        shown,
                        1,
                        Msg(
                            "check.duplicate_record_id", {"id": record.id, "other": seen[record.id]}
                        ),
                    )
                )
            seen.setdefault(record.id, shown)
    if file is not None:
        from ppks_cli.workflow import check_case

        case = Case(file, repo.paths.case_dir(case_id), sorted(records, key=lambda r: r.sort_key()))
        problems.extend(check_case(case, seen))
        problems.extend(_check_corrections(repo, case))
        problems.extend(_check_offline_changes(repo, case))
        problems.extend(_check_shelter_records(repo, case, seen))
        problems.extend(_check_attachments(repo, case))
        return problems, len(records), case
    return problems, len(records), None


def _check_attachments(repo: Repository, case: Case) -> list[Problem]:
    """Each attachment record's stored file: missing, not a regular file, or not the
    size and SHA-256 the record names is an error at the record's ``file`` line; a file
    in ``attachments/`` that no record names is a warning."""
    from ppks_cli.attachments import attachment_path, stored_problem
    from ppks_cli.paths import ATTACHMENTS_DIR

    found: list[Problem] = []
    named: set[str] = set()
    for record in case.records:
        if record.kind != "attachment":
            continue
        named.add(record.file)
        problem = stored_problem(attachment_path(repo, case.id, record.file), record)
        if problem is not None:
            path = repo.paths.record_file(case.id, record.date.isoformat(), record.kind, record.id)
            shown = f"{ATTACHMENTS_DIR}/{record.file}"
            found.append(
                Problem(
                    repo.rel(path), _line_of(path, ("file",)),
                    Msg("check.attachment_damaged", file=shown, detail=problem),
                )  # fmt: skip
            )
    folder = repo.paths.attachments_dir(case.id)
    if folder.is_symlink():
        found.append(Problem(repo.rel(folder), 1, Msg("toml.symlink")))
    elif folder.is_dir():
        try:
            entries = sorted(folder.iterdir())
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            return [*found, Problem(repo.rel(folder), 1, Msg("toml.unreadable", reason=reason))]
        for entry in entries:
            if entry.name not in named and not entry.name.startswith("."):
                found.append(Problem(repo.rel(entry), 1, Msg("attachment.orphan"), "warning"))
    return found


def _check_offline_changes(repo: Repository, case: Case) -> list[Problem]:
    """Two workers who changed the same thing offline, each without seeing the other:
    a correction whose old value is not what the field held by then (another
    correction had changed it), a transfer from a worker who no longer had the case.
    The later record silently wins, so a person must confirm it; a later correction (or
    transfer) made after both settles it. Warnings, each naming the command to settle."""
    from ppks_cli.corrections import OPTION_OF_FIELD, field_value

    value = {}  # field -> (its value by now, the correction that set it)
    open_: dict[str, Problem] = {}  # field -> the unsettled disagreement
    worker, transfer, moved = case.file.intake.worker, None, None
    for record in case.records:
        path = repo.paths.record_file(case.id, record.date.isoformat(), record.kind, record.id)
        if record.kind == "correction":
            for change in record.changes:
                start = (field_value(case.file, change.field), None)
                before, setter = value.get(change.field, start)
                if change.old != before and setter is not None:
                    shown = "—" if before is None else str(before)
                    open_[change.field] = Problem(
                        repo.rel(path), _line_of(path, ("changes",)),
                        Msg("check.correction_offline", other=setter, value=shown,
                            field=Msg(f"correction_field.{change.field}")),
                        "warning",
                        hint=Msg("fix.correction_offline", case=case.id,
                                 option=OPTION_OF_FIELD[change.field]),
                    )  # fmt: skip
                else:
                    open_.pop(change.field, None)
                value[change.field] = (change.new, record.id)
        elif record.kind == "transfer":
            if record.from_ != worker and transfer is not None:
                moved = Problem(
                    repo.rel(path), _line_of(path, ("from",)),
                    Msg("check.transfer_offline", other=transfer, worker=worker),
                    "warning", hint=Msg("fix.transfer_offline", case=case.id),
                )  # fmt: skip
            else:
                moved = None
            worker, transfer = record.to, record.id
    return [*open_.values(), *([moved] if moved else [])]


def _check_shelter_records(repo: Repository, case: Case, file_of: dict[str, str]) -> list[Problem]:
    """The shelter records of ``case`` that do not make stays (two admissions without a
    discharge between them, a discharge before the admission, without one, or twice) and
    a stay still open on a closed case (:func:`ppks_cli.shelter.sequence_problems`):
    warnings at the record's ``date`` line, each with its way out."""
    if not any(r.kind in ("shelter-admission", "shelter-discharge") for r in case.records):
        return []
    from ppks_cli.shelter import sequence_problems

    found = []
    for record_id, _kind, message, hint in sequence_problems(case, file_of):
        shown = file_of.get(record_id)
        if shown is None:
            continue
        line = _line_of(repo.root / shown, ("date",))
        found.append(Problem(shown, line, message, "warning", hint))
    return found


def _check_shelters(repo: Repository) -> list[Problem]:
    """What no single case folder shows of the shelter (from the index, with the
    shelters of ``ppks.toml``): an admission naming a shelter ``ppks.toml`` does not have
    (renamed, or typed by hand), and one bed of a shelter held by two clients on the same
    night. Warnings at the record's line, each with its way out."""
    from ppks_cli import index, shelter
    from ppks_cli.errors import PpksError

    try:
        places = shelter.Places(repo.config)
    except PpksError:  # a damaged ppks.toml: reported on its own
        return []
    with index.opened(repo) as (conn, _done):
        stays = shelter.indexed_stays(conn)
    problems: list[Problem] = []
    beds: dict[tuple, list] = defaultdict(list)
    for stay in stays:
        place = places.of(stay.shelter)
        file = _record_file(repo, stay.case, "shelter-admission", stay.admission)
        if file is None:
            continue
        where = repo.rel(file)
        if not place.known:
            message = Msg("shelter.check.unknown_shelter", name=stay.shelter,
                          names=places.names() or "-")  # fmt: skip
            hint = Msg("shelter.fix.unknown_shelter", file=where)
            problems.append(
                Problem(where, _line_of(file, ("shelter",)), message, "warning", hint)
            )
        if stay.bed is not None and stay.length != 0:
            beds[(place, " ".join(stay.bed.split()).casefold())].append((stay, file, where))
    for held in beds.values():
        held.sort(key=lambda item: (item[0].admitted, item[0].case))
        for number, (stay, file, where) in enumerate(held):
            for other, _other_file, other_where in held[:number]:
                if other.discharged is None or other.discharged > stay.admitted:
                    message = Msg(
                        "shelter.check.bed_shared", bed=stay.bed, case=other.case,
                        since=other.admitted.isoformat(), file=other_where,
                    )  # fmt: skip
                    hint = Msg("shelter.fix.bed_shared", file=where, case=other.case)
                    problems.append(
                        Problem(where, _line_of(file, ("bed",)), message, "warning", hint)
                    )
                    break
    return problems


def _check_corrections(repo: Repository, case: Case) -> list[Problem]:
    """A correction that cannot be applied (the data would not be valid with it: two
    clones corrected the birth date and the year offline, a hand edit), and what the
    client's corrected data should make a worker look at (a NIK that disagrees with the
    birth date)."""
    if not any(r.kind == "correction" for r in case.records):
        return []
    from ppks_cli.corrections import apply_corrections

    current, skipped = apply_corrections(case.file, case.records)
    found = []
    for record, message in skipped:
        path = repo.paths.record_file(case.id, record.date.isoformat(), record.kind, record.id)
        found.append(
            Problem(
                repo.rel(path), 1,
                Msg("check.correction_not_applied", detail=message, case=case.id), "warning",
            )  # fmt: skip
        )
    if current.client != case.file.client:
        shown = repo.rel(repo.paths.case_file(case.id))
        warned = {(key, str(params)) for _, key, params in case.file.client.warnings()}
        for _, key, params in current.client.warnings():
            if (key, str(params)) not in warned:
                found.append(Problem(shown, 1, Msg(key, params), "warning"))
    return found

"""Official letters: the assessment report (*laporan hasil asesmen*), the referral letter
(*surat rujukan*), the termination record (*berita acara terminasi*), the social report
for Disdukcapil (*laporan sosial*, the basis for a new NIK), the statement the client or
the family signs when the client goes home (*surat pernyataan*) and the cover letter for a
return to the home region (*surat pengantar pemulangan*, to that region's Dinas Sosial).

A letter is made in three steps: :func:`draft` gathers the data from the case and
``ppks.toml``, numbers it (or not: a preview is ``DRAF``) and renders it (Markdown and
Typst); :func:`issue` records it in the case; :func:`to_pdf` compiles the Typst source
in-process. :func:`reissue` renders an issued letter again from what its record kept.
:func:`make_letter` does it the whole way for ``ppks letter``: only ``--issue`` takes a
number, one document (a kind of letter about one record) keeps one number, and a number
is taken only while the repository is held (:func:`next_number`). The agenda book and
renumbering are in :mod:`ppks_cli.agenda`.

Letters read only what they are given: templates are regular files inside the template
folders (no symbolic link on the way), the logo a regular file inside the repository, and
Typst compiles in a fresh temporary folder holding the source and a copy of the logo,
with no package folder and no network.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import stat
import string
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ppks_cli import categories, paths
from ppks_cli.dates import day_name
from ppks_cli.errors import (
    DamagedFile,
    ExternalToolError,
    InvalidInput,
    NotFound,
    PpksError,
    Refused,
)
from ppks_cli.i18n import Msg, t
from ppks_cli.models import Client, parse_name, prune
from ppks_cli.records import LETTER_KINDS, Letter, Referral
from ppks_cli.results import Result
from ppks_cli.store import Case, Repository
from ppks_cli.templating import FORMATS, MissingField, build_environment, wrap

TITLES = {
    "assessment": "LAPORAN HASIL ASESMEN",
    "referral": "SURAT RUJUKAN",
    "termination": "BERITA ACARA TERMINASI",
    "social-report": "LAPORAN SOSIAL",
    "statement": "SURAT PERNYATAAN",
    "return-home": "SURAT PENGANTAR PEMULANGAN",
}
# the termination reasons that send a client home: the statement and the return letter
# are about such a termination (FACTS.md: children sent home after a raid once the
# parents sign a surat pernyataan; people sent back to their home region)
HOME_REASONS = ("reunified", "returned-home")
# what each kind is about: the latest assessment, a referral, or the termination
ABOUT = {
    "assessment": "assessment", "referral": "referral", "termination": "termination",
    "social-report": "assessment", "statement": "termination", "return-home": "termination",
}  # fmt: skip
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
DRAFT_NUMBER = "DRAF"


@dataclass
class Draft:
    """A rendered letter that is not recorded yet."""

    kind: str
    number: str
    seq: int | None
    date: dt.date
    data: dict[str, Any]
    texts: dict[str, str]  # format → rendered source
    checksum: str
    about: str | None = None
    edited_source: str | None = None
    warnings: list[Msg] = field(default_factory=list)
    code: str | None = None  # the classification code the number was taken under
    earlier: list[str] = field(default_factory=list)  # standing numbers of this document
    renumbers: str | None = None  # a renumbering: the letter record it gives a new number
    reason: str | None = None
    logo: bytes | None = None  # a reissue: the logo as issued, when the file changed since

    @property
    def markdown(self) -> str:
        return self.texts["md"]

    @property
    def typst_source(self) -> str:
        return self.edited_source or self.texts["typ"]


# --- templates ---------------------------------------------------------------------------


def template_roots(repo: Repository) -> list[tuple[Path, Path]]:
    """Where templates are looked up, as ``(folder, base)`` pairs for
    :class:`~ppks_cli.templating.ConfinedLoader`: the repository's own first (no link
    from the repository root down), then the built-ins."""
    builtin = paths.default_templates_dir()
    return [(repo.paths.templates, repo.root), (builtin, builtin)]


def template_name(kind: str, fmt: str) -> str:
    return f"{kind}.{fmt}.j2"


@dataclass(frozen=True)
class TemplateSource:
    kind: str
    fmt: str
    path: Path
    overridden: bool


def list_templates(repo: Repository) -> list[TemplateSource]:
    """Each kind and format, with the file it comes from."""
    found = []
    for kind in LETTER_KINDS:
        for fmt in FORMATS:
            name = template_name(kind, fmt)
            override = repo.paths.templates / name
            if override.is_file() and not override.is_symlink():
                found.append(TemplateSource(kind, fmt, override, True))
            else:
                found.append(TemplateSource(kind, fmt, paths.default_templates_dir() / name, False))
    return found


def export_templates(repo: Repository, force: bool = False) -> tuple[list[Path], list[Path]]:
    """Copy the built-in templates into the repository's ``templates/`` folder for the
    office to customise. Returns (written, skipped because they exist). Never writes
    through a symbolic link: a linked ``templates/`` folder or a linked template file is
    refused (:class:`Refused`, ``error.symlink_refused``) before anything is written; each
    file is written atomically (:class:`~ppks_cli.errors.WriteFailed` on an OS error)."""
    from ppks_cli.tomlio import atomic_write_bytes, check_no_symlinks

    target = repo.paths.templates
    plan: list[tuple[Path, Path]] = []
    written, skipped = [], []
    for source in sorted(paths.default_templates_dir().glob("*.j2")):
        destination = target / source.name
        check_no_symlinks(destination, repo.root)
        if os.path.lexists(destination) and not force:
            skipped.append(destination)
            continue
        plan.append((source, destination))
    for source, destination in plan:
        repo._will_write(destination)  # a kill from here on is committed by the next command
        atomic_write_bytes(destination, source.read_bytes(), root=repo.root)
        written.append(destination)
        repo.written.append(destination)
    return written, skipped


def _render(
    repo: Repository, kind: str, data: dict[str, Any], first: str = "md"
) -> tuple[dict[str, str], str]:
    """Render ``kind`` in every format, ``first`` (``md`` or ``typ``) first, so that an
    error names the template of the format asked for. Returns the texts and one checksum
    over all the templates used (in the order of :data:`FORMATS`). Every failure inside a
    template is one :class:`PpksError` naming the template and line: a missing value or
    an error (:class:`InvalidInput`, exit 3; :func:`missing_value_error`), a sandbox
    violation or a refused file (:class:`Refused`, exit 6), a syntax error
    (:class:`DamagedFile`)."""
    import hashlib

    from jinja2 import TemplateError, TemplateSyntaxError
    from jinja2.exceptions import SecurityError

    from ppks_cli.templating import TemplateLimit, finish_markdown, render_bounded

    texts: dict[str, str] = {}
    checksums: dict[str, str] = {}
    for fmt in sorted(FORMATS, key=lambda f: f != first):
        env = build_environment(template_roots(repo), fmt)
        name = template_name(kind, fmt)
        try:
            template = env.get_template(name)
            texts[fmt] = render_bounded(template, wrap("", data)).rstrip() + "\n"
            if fmt == "md":
                texts[fmt] = finish_markdown(texts[fmt])
        except PpksError:
            raise
        except MissingField as exc:
            where, line = _template_frame(exc, name)
            raise missing_value_error(str(exc), where, line) from None
        except TemplateSyntaxError as exc:
            raise DamagedFile(
                "error.damaged", file=exc.filename or name, line=exc.lineno,
                detail=Msg("letters.template_syntax", detail=exc.message or ""),
            ) from None  # fmt: skip
        except SecurityError as exc:
            where, line = _template_frame(exc, name)
            raise Refused(
                "error.template_unsafe", template=where, line=line, detail=str(exc)
            ) from None
        except TemplateLimit as exc:
            where, line = _template_frame(exc, name)
            raise InvalidInput(
                "error.template_limit", template=where, line=line, detail=Msg(exc.key)
            ) from None
        except TemplateError as exc:
            where, line = _template_frame(exc, name)
            detail = exc.message or type(exc).__name__
            raise InvalidInput(
                "error.template_failed", template=where, line=line, detail=detail
            ) from None
        except (Exception, RecursionError, MemoryError) as exc:
            # a filter given the wrong type, 1/0, recursion through include or macros:
            # the kind of error only, never its text (it may quote a client's data)
            where, line = _template_frame(exc, name)
            raise InvalidInput(
                "error.template_failed", template=where, line=line, detail=type(exc).__name__
            ) from None
        checksums[fmt] = env.loader.checksum()
    joined = "".join(checksums[fmt] for fmt in FORMATS)
    return {fmt: texts[fmt] for fmt in FORMATS}, hashlib.sha256(joined.encode()).hexdigest()


# the lines of ppks.toml that give each setting a letter may need
_SIGNATORY_LINES = (
    '[signatories.{who}]\ntitle = "…"\nname = "…"\nrank = "…"   # pangkat/golongan, bila ada\n'
    'nip = "…"'
)


def missing_value_error(field: str, template: str, line: int) -> PpksError:
    """The error for a value a template needs and the letter data lacks: for a
    signatory or a setting of the office, the exact ``ppks.toml`` lines to fill in
    (``letter_words.missing_setting``); anything else ``error.letter_missing_value``."""
    parts = field.split(".")
    if parts[0] == "signatories" and len(parts) >= 2:
        lines = _SIGNATORY_LINES.format(who=parts[1])
        return InvalidInput(
            "letter_words.missing_setting", field=field, template=template, line=line,
            lines=lines,
        )  # fmt: skip
    if parts[0] == "office" and len(parts) == 2:
        lines = f'[office]\n{parts[1]} = "…"'
        return InvalidInput(
            "letter_words.missing_setting", field=field, template=template, line=line,
            lines=lines,
        )  # fmt: skip
    return InvalidInput("error.letter_missing_value", field=field, template=template, line=line)


def _template_frame(exc: BaseException, default: str) -> tuple[str, int]:
    """The template file and line where rendering failed (Jinja rewrites tracebacks so
    that template frames carry the template's file name)."""
    tb = exc.__traceback__
    found = (default, 0)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = (Path(filename).name, tb.tb_lineno)
        tb = tb.tb_next
    return found


# --- the data a letter is made from -------------------------------------------------------


def _labelled(group: str, value: str | None) -> str | None:
    return t(f"{group}.{value}") if value else None


def _age(client: Client, on: dt.date) -> int | None:
    if client.birth_date:
        born = client.birth_date
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if client.birth_year:
        return on.year - client.birth_year
    return None


def _client_data(case: Case, on: dt.date) -> dict[str, Any]:
    client = case.client
    data = client.model_dump(mode="python", exclude_none=True)
    data.update(
        sex_label=_labelled("sex", client.sex),
        religion_label=_labelled("religion", client.religion),
        marital_status_label=_labelled("marital", client.marital_status),
        education_label=_labelled("education", client.education),
        age=_age(client, on),
        age_estimated=client.birth_date is None and client.birth_year is not None,
    )
    return data


def _record_data(record) -> dict[str, Any] | None:
    if record is None:
        return None
    data = record.model_dump(mode="python", exclude_none=True, by_alias=False)
    for key in ("schema_version", "recorded_at", "kind"):
        data.pop(key, None)
    return data


def subject(case: Case, kind: str, referral: str | None = None):
    """The record a letter of ``kind`` is about: the latest assessment, the referral
    ``referral`` names (or the only one), or the termination. Raises :class:`Refused`
    when the case does not have it yet."""
    if kind not in LETTER_KINDS:
        raise InvalidInput(
            "error.invalid_option", option="KIND",
            detail=Msg("validation.not_a_choice", value=kind, expected=", ".join(LETTER_KINDS)),
        )  # fmt: skip
    if ABOUT[kind] == "referral":
        from ppks_cli.casework import find_referral

        try:
            return find_referral(case, referral)
        except NotFound as exc:
            if exc.key == "error.no_referral" and not referral:
                raise Refused("error.letter_needs_referral", case=case.id) from None
            raise
    state = case.state
    about = ABOUT[kind]
    found = state.latest_assessment if about == "assessment" else state.termination
    if kind in ("statement", "return-home"):
        if found is None:
            raise Refused("letter_words.needs_home", case=case.id, kind=Msg(f"letter_kind.{kind}"))
        if found.reason not in HOME_REASONS:
            raise Refused(
                "letter_words.not_home", case=case.id, kind=Msg(f"letter_kind.{kind}"),
                reason=Msg(f"termination_reason.{found.reason}"),
            )  # fmt: skip
    if found is None:
        raise Refused(f"error.letter_needs_{about}", case=case.id)
    return found


_CITY_IN_ADDRESS = re.compile(r"\b(?:Kota|Kabupaten|Kab\.)\s+([^,]+?)\s*(?:,|\d|$)")


def city_of(address: str | None) -> str | None:
    """The city an address names, for the "di …" line under an addressee: the name after
    "Kota" ("…, Kota Binjai" → "Binjai"), "Kabupaten Karo" for a regency, or a
    one-part address as it is ("Medan"); None when none can be told."""
    if not address:
        return None
    match = _CITY_IN_ADDRESS.search(address)
    if match:
        name = match.group(1).strip()
        return name if "Kota" in match.group(0) else f"Kabupaten {name}"
    if "," not in address and not any(ch.isdigit() for ch in address):
        return address.strip()
    return None


def addressee(repo: Repository, institution: str, address: str | None = None) -> dict[str, str]:
    """Whom a letter to ``institution`` is addressed to: ``title`` ("Kepala UPT …", or the
    title its ``[[resources]]`` entry gives) and ``city`` (the entry's ``city``, else the
    city named in its address or in ``address``; "Tempat" when none is known)."""
    from ppks_cli.casework import find_resource

    entry = find_resource(repo, institution)
    title = (entry.addressee if entry else None) or f"Kepala {institution}"
    city = (
        (entry.city if entry else None)
        or city_of(entry.address if entry else None)
        or city_of(address)
        or "Tempat"
    )
    return {"title": title, "institution": entry.name if entry else institution, "city": city}


def worker_data(repo: Repository, name: str) -> dict[str, Any]:
    """The worker ``name`` with the details ``[workers."NAME"]`` gives (``title``,
    ``rank``, ``nip``, ``phone``; matched by name, any letter case)."""
    profiles = repo.config.workers
    profile = profiles.get(name) or next(
        (p for key, p in profiles.items() if key.casefold() == name.strip().casefold()), None
    )
    details = profile.model_dump(mode="python", exclude_none=True) if profile else {}
    return {"name": name, **details}


def tembusan(repo: Repository, kind: str, cc: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Who receives a copy of a letter of ``kind``: ``[letters.tembusan]`` for the kind,
    then each ``--cc`` name (each name once, as first written, in that order: "arsip"
    and "ARSIP " are "Arsip"; blank names left out)."""
    from ppks_cli.models import parse_name

    names: list[str] = []
    seen: set[str] = set()
    for name in [*repo.config.letters.tembusan.for_kind(kind), *cc]:
        name = parse_name(name.strip(), "--cc") if name.strip() else ""
        same = " ".join(name.split()).casefold()
        if name and same not in seen:
            seen.add(same)
            names.append(name)
    return names


def letter_data(
    repo: Repository, case: Case, kind: str, about, *, number: str, date: dt.date,
    cc: list[str] | tuple[str, ...] = (), to: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The data a letter of ``kind`` about the record ``about`` is rendered from: the
    template context, stored whole in the letter's record so that a reissue prints the
    same letter. Top-level keys: ``office``, ``signatories``, ``letter`` (``kind``,
    ``title``, ``number``, ``date``: the day the letter is signed, ``place``, ``sifat``,
    ``lampiran``, ``draft``: true for a preview numbered ``DRAF``, ``tembusan``), ``record``
    (the record the letter is about, its fields with ``date``: the day of the step, and
    ``kind``), ``case``, ``client``, ``intake``, ``worker``, and ``assessment``, ``plan``,
    ``referral``, ``termination`` when the case has them. ``cc``: more names for the
    *tembusan*; ``to``: the destination's Dinas Sosial of a return letter (default: the
    termination's placement when the directory has it). Raises :class:`InvalidInput`
    (``letter_words.return_needs_to``) for a return letter with no destination."""
    from ppks_cli import i18n

    lang = i18n.get_language()
    i18n.set_language("id")  # letters are in Indonesian, whatever the interface speaks
    try:
        state = case.state
        assessment, termination = state.latest_assessment, state.termination
        referral = about if isinstance(about, Referral) else None
        config = repo.config
        office = config.office.model_dump(mode="python", exclude_none=True)
        if config.office.logo:  # the logo as printed, so a reissue prints that one
            office["logo_blob"] = git_blob_id(read_logo(repo, config.office.logo)[1])
        category = categories.categories()[case.current.category]
        intake = case.current.intake
        data = {
            "office": office,
            "signatories": config.signatories.model_dump(mode="python", exclude_none=True),
            "letter": {
                "kind": kind,
                "title": TITLES[kind],
                "number": number,
                "date": date,
                "place": config.office.city,
                "sifat": config.letters.sifat,
                "font": config.letters.font,
                "lampiran": "-",
                "day": day_name(date, "id"),
                "tembusan": tembusan(repo, kind, cc),
                "draft": number == DRAFT_NUMBER,  # a preview: no number, not to be signed
            },
            # the record the letter is about (its ``date`` is the day of the step, while
            # ``letter.date`` is the day the letter is signed)
            "record": {**(_record_data(about) or {}), "kind": about.kind},
            "case": {
                "id": case.id,
                "category": category.slug,
                "category_name": category.name,
                "tags": list(case.file.tags),
            },  # fmt: skip
            "client": _client_data(case, date),
            "intake": {
                **intake.model_dump(mode="python", exclude_none=True),
                "source_label": t(f"source.{intake.source}"),
            },
            "worker": worker_data(repo, about.worker),
            "assessment": _record_data(assessment),
            "plan": _record_data(state.current_plan),
            "referral": _record_data(referral),
            "termination": (
                {
                    **_record_data(termination),
                    "reason_label": t(f"termination_reason.{termination.reason}"),
                }
                if termination
                else None
            ),
        }
        if assessment is not None and assessment.risk:
            data["assessment"]["risk_label"] = t(f"risk.{assessment.risk}")
        age = data["client"].get("age")
        data["client"]["child"] = age is not None and age < 18
        if referral is not None:
            data["addressee"] = addressee(
                repo, referral.destination, referral.destination_address
            )
        elif kind == "social-report":  # Disdukcapil of the office's own city
            data["addressee"] = addressee(repo, config.letters.civil_registry)
            if data["addressee"]["city"] == "Tempat":
                data["addressee"]["city"] = config.office.city
        elif kind == "return-home":
            destination = (to or "").strip() or _placement_in_directory(repo, termination)
            if not destination:
                raise InvalidInput("letter_words.return_needs_to", case=case.id)
            data["addressee"] = addressee(repo, destination)
        if kind in ("statement", "return-home"):
            data["stay"] = {
                "from": intake.date, "to": termination.date,
                "days": (termination.date - intake.date).days + 1,
            }  # fmt: skip
        # sections stay even when empty, so a template asking for a missing value gets
        # its full name ("signatories.head.nip"); records the case lacks are left out
        return {key: prune(value) for key, value in data.items() if value is not None}
    finally:
        i18n.set_language(lang)


def _placement_in_directory(repo: Repository, termination) -> str | None:
    """The termination's placement when the referral directory has it (a Dinas Sosial
    listed there), else None."""
    from ppks_cli.casework import find_resource

    placement = getattr(termination, "placement", None)
    entry = find_resource(repo, placement) if placement else None
    return entry.name if entry else None


def date_warnings(date: dt.date) -> list[Msg]:
    """Warnings for a letter dated on a day the office is closed: a Sunday
    (``letter_words.sunday``) or a national holiday of Indonesia
    (``letter_words.holiday``, naming it; from the ``holidays`` package, which follows
    the government's decrees and estimates the years not decreed yet). Never an error:
    a letter may be signed on such a day."""
    found = []
    if date.weekday() == 6:
        found.append(Msg("letter_words.sunday", date=long_date_id(date)))
    name = holiday_name(date)
    if name:
        found.append(Msg("letter_words.holiday", date=long_date_id(date), name=name))
    return found


def holiday_name(date: dt.date) -> str | None:
    """The name (in Indonesian) of the national holiday of Indonesia on ``date``, or None
    (:func:`ppks_cli.holidays_id.holiday_name`: worked out once a year, then cached)."""
    from ppks_cli.holidays_id import holiday_name as cached_holiday_name

    return cached_holiday_name(date)


def long_date_id(date: dt.date) -> str:
    from ppks_cli.dates import long_date

    return long_date(date, "id")


# --- numbers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedNumber:
    """One letter number in the repository, as its record file says it: the number, its
    year and serial (``seq``, None for a number outside the office pattern), the record
    file (relative to the repository) and case, the letter's kind, classification code,
    record ID, date, worker, the record it is about, and, for a renumbering, the letter
    record it gives a new number (``renumbers``) and why. ``replaced_by`` is the number a
    later renumbering gave this letter instead (None: the number stands)."""

    number: str
    year: int
    seq: int | None
    file: str
    case: str
    kind: str | None = None
    code: str | None = None
    record: str | None = None
    date: dt.date | None = None
    worker: str | None = None
    about: str | None = None
    renumbers: str | None = None
    reason: str | None = None
    recorded_at: str = ""
    replaced_by: str | None = None
    follows: tuple[str, ...] = ()  # a letter issued with --new: the numbers it followed
    content: str = ""  # what it prints: a digest of its date, data and edited source

    @property
    def active(self) -> bool:
        """Whether the number still stands (no renumbering replaced it)."""
        return self.replaced_by is None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def issued_numbers(repo: Repository) -> list[IssuedNumber]:
    """Every letter number recorded in the repository, in file order (read straight from
    the letter files, which is fast even with thousands of cases). A renumbered letter
    stays in the list with ``replaced_by`` set: its number was used once and is never
    handed out again. Unreadable files are left out (``ppks check`` reports them)."""
    import dataclasses

    regex = _number_regex(repo.config.letters.number_pattern)
    found = []
    for path in sorted(repo.paths.cases.glob("*/records/*-letter-*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            continue  # `ppks check` reports it
        number, year, seq = data.get("number"), data.get("year"), data.get("seq")
        if not (isinstance(number, str) and isinstance(year, int)):
            continue
        code = _text(data.get("code"))
        if code is None:
            match = regex.match(number)
            code = match.groupdict().get("code") if match else None
        date, recorded = data.get("date"), data.get("recorded_at")
        found.append(
            IssuedNumber(
                number, year, seq if isinstance(seq, int) else None,
                repo.rel(path), path.parent.parent.name, kind=_text(data.get("letter")),
                code=code, record=_text(data.get("id")),
                date=date if isinstance(date, dt.date) else None,
                worker=_text(data.get("worker")), about=_text(data.get("about")),
                renumbers=_text(data.get("renumbers")), reason=_text(data.get("reason")),
                recorded_at=recorded.isoformat() if isinstance(recorded, dt.datetime) else "",
                follows=_follows(data.get("follows")), content=_content(data),
            )
        )  # fmt: skip
    replaced = {(i.case, i.renumbers): i.number for i in found if i.renumbers}
    return _one_entry_per_number(
        [
            dataclasses.replace(i, replaced_by=replaced[(i.case, i.record)])
            if (i.case, i.record) in replaced
            else i
            for i in found
        ]
    )


def _content(data: dict[str, Any]) -> str:
    """A digest of what a letter record prints: its date, the data it was made from and
    its edited source (two records with it print the same letter)."""
    import hashlib
    import json

    shown = [data.get(key) for key in ("date", "context", "edited_source", "template_sha256")]
    return hashlib.sha256(json.dumps(shown, sort_keys=True, default=str).encode()).hexdigest()


def _follows(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def first_of(issued: list[IssuedNumber], one: IssuedNumber) -> IssuedNumber:
    """The letter ``one`` was before any renumbering (itself when it renumbers nothing),
    found among ``issued``."""
    by_record = {(i.case, i.record): i for i in issued}
    seen = set()
    while one.renumbers and (one.case, one.renumbers) in by_record and one.record not in seen:
        seen.add(one.record)
        one = by_record[(one.case, one.renumbers)]
    return one


def _one_entry_per_number(found: list[IssuedNumber]) -> list[IssuedNumber]:
    """``found`` with one entry for one number of one document (case, kind, record it is
    about), the one recorded first, where the later entry adds no letter: the same letter
    renumbered to the same number in two clones, the same letter (the same date and data)
    issued in two clones with the same number (neither with ``--new``), or a renumbering
    that gives a letter the number the document already has
    (:func:`ppks_cli.agenda.renumber` settling two numbers: it follows that number). Two
    letters issued with ``--new``, or printing differently, are two letters."""
    first: dict[tuple, IssuedNumber] = {}
    dropped = set()
    for i in sorted(found, key=lambda i: (i.recorded_at, i.file)):
        if not (i.kind and i.about):
            continue
        key = (i.case, i.kind, i.about, i.number)
        if key not in first:
            first[key] = i
            continue
        before, root, kept_root = first[key], first_of(found, i), first_of(found, first[key])
        if (
            root.record == kept_root.record
            or (i.renumbers and i.number in i.follows)
            or (not (root.follows or kept_root.follows) and i.content == before.content)
        ) and before.file != i.file:
            dropped.add(i.file)
    return [i for i in found if i.file not in dropped]


def format_number(
    repo: Repository, kind: str, seq: int, date: dt.date, code: str | None = None
) -> str:
    """The number of serial ``seq`` for a letter of ``kind`` dated ``date``, by
    ``[letters] number_pattern`` (``code``: instead of the kind's ``[letters.codes]``)."""
    return repo.config.letters.number_pattern.format(
        code=code if code is not None else kind_code(repo, kind), seq=seq, year=date.year,
        month=date.month, month_roman=ROMAN[date.month - 1],
    )  # fmt: skip


def kind_code(repo: Repository, kind: str) -> str:
    """The classification code of ``kind`` (``[letters.codes]``)."""
    return repo.config.letters.codes.code_for(kind)


def _number_regex(pattern: str) -> re.Pattern[str]:
    parts = {
        # ASCII digits only, and a sequence that fits the record's bounds (a longer
        # serial is kept as a number from the agenda book, outside the sequence)
        "code": r"(?P<code>.+?)", "seq": r"(?P<seq>[0-9]{1,9})",
        "year": r"(?P<year>[0-9]{4})", "month": r"[0-9]{1,2}", "month_roman": r"[IVX]+",
    }  # fmt: skip
    regex, seen = "", set()
    for literal, name, _, _ in string.Formatter().parse(pattern):
        regex += re.escape(literal)
        if name:  # a field used twice can only be captured once
            regex += parts[name] if name not in seen else r".+?"
            seen.add(name)
    return re.compile(f"^{regex}$")


_LOOSE_FIELDS = {
    "code": r"(?P<code>.+?)", "seq": r"0*(?P<seq>[0-9]{1,9})",
    "year": r"0*(?P<year>[0-9]{4}|[0-9]{2})",  # "24" is 2024, "02024" too
    "month": r"[0-9]{1,2}", "month_roman": r"[IVXivx]+",
}  # fmt: skip
_ESSENTIAL = ("code", "seq", "year")


def typed_number(number: str) -> str:
    """A letter number as typed, in the form it is compared and kept: Unicode NFKC (the
    full-width digits and letters of a phone keyboard, "Ⅻ", become ASCII), stripped, no
    spaces around a separator ("462 / 1" is "462/1")."""
    text = unicodedata.normalize("NFKC", number).strip()
    return re.sub(r"\s*([^\w\s])\s*", r"\1", text)


def _separators(text: str, *, leading: bool) -> str:
    """The separator characters (no letter or digit) at the start (``leading``) or the
    end of a literal of a number pattern."""
    found = re.match(r"^[^0-9A-Za-z]*", text) if leading else re.search(r"[^0-9A-Za-z]*$", text)
    return found.group(0) if found else ""


@functools.lru_cache(maxsize=8)
def _loose_regex(pattern: str) -> re.Pattern[str]:
    """A regex that reads a number written by ``pattern`` however it was spelled: any
    letter case, leading zeros in the serial, and any text between two of the fields that
    identify a number (code, serial, year) in place of the pattern's words and month
    ("462.2/1/Dinsos/2024" read by ``{code}/{seq}/Dinsos-Resos/{month_roman}/{year}``)."""
    tokens: list[tuple[str, str]] = []
    for literal, name, _, _ in string.Formatter().parse(pattern):
        if literal:
            tokens.append(("text", literal))
        if name:
            tokens.append(("field", name))
    essential = [
        i for i, (what, name) in enumerate(tokens) if what == "field" and name in _ESSENTIAL
    ]
    regex, seen, i = "", set(), 0
    while i < len(tokens):
        what, value = tokens[i]
        if what == "field" and value in _ESSENTIAL:
            regex += _LOOSE_FIELDS[value] if value not in seen else r".+?"
            seen.add(value)
            i += 1
            continue
        # a run of words and months between two fields that identify the number
        end = i
        while end < len(tokens) and not (
            tokens[end][0] == "field" and tokens[end][1] in _ESSENTIAL
        ):
            end += 1
        run = tokens[i:end]
        inside = essential and essential[0] < i and end <= essential[-1]
        plain = all(w == "text" and not re.search(r"[0-9A-Za-z]", v) for w, v in run)
        if inside and not plain:
            first, last = run[0], run[-1]
            head = _separators(first[1], leading=True) if first[0] == "text" else ""
            tail = _separators(last[1], leading=False) if last[0] == "text" else ""
            regex += re.escape(head) + (f"(?:.*{re.escape(tail)})?" if tail else ".*?")
        else:
            for w, v in run:
                regex += re.escape(v) if w == "text" else _LOOSE_FIELDS[v]
        i = end
    return re.compile(f"^{regex}$", re.IGNORECASE)


@functools.lru_cache(maxsize=8)
def _yearless_regex(pattern: str) -> re.Pattern[str] | None:
    """A regex for a number written by ``pattern`` up to its serial and no year after it
    ("462/1", "462/01/Dinsos" by ``{code}/{seq}/Dinsos/{year}``), or None when the
    pattern has no serial before its year."""
    regex = ""
    for literal, name, _, _ in string.Formatter().parse(pattern):
        regex += re.escape(literal)
        if name == "year":
            return None
        if name == "seq":
            # after the serial: nothing, or a separator and words without a digit
            return re.compile(f"^{regex}{_LOOSE_FIELDS['seq']}(?:[^0-9A-Za-z][^0-9]*)?$",
                              re.IGNORECASE)  # fmt: skip
        if name == "code":  # one part: "B-12/SEKRE/2024" is no code with serial 2024
            regex += r"(?P<code>[^/]+?)"
        elif name:
            regex += _LOOSE_FIELDS[name] if name in _LOOSE_FIELDS else ".+?"
    return None


@dataclass(frozen=True)
class NumberKey:
    """What identifies a letter number whatever its spelling: the classification code
    (letter case and spaces ignored; "" when the pattern has none), the serial as an
    integer (leading zeros ignored) and the year."""

    code: str
    seq: int
    year: int


def number_key(
    repo: Repository, number: str, year: int | None = None, *, yearless: bool = False
) -> NumberKey | None:
    """The :class:`NumberKey` of ``number`` read by ``[letters] number_pattern`` however
    it is spelled (:func:`typed_number`, :func:`_loose_regex`: a two-digit year is of this
    century, separators after the number are ignored); ``year``
    when the pattern has no year, and with ``yearless`` (a number typed at ``--number``)
    when the number stops without one ("462/1" is serial 1 of ``year``). None when the
    number does not follow the pattern (a number outside the sequence)."""
    pattern = repo.config.letters.number_pattern
    text = typed_number(number)
    match = _loose_regex(pattern).match(text)
    trimmed = re.sub(r"[^0-9A-Za-z]+$", "", text)  # "462/1/Dinsos/2024/" is that number
    if match is None and trimmed != text:
        text = trimmed
        match = _loose_regex(pattern).match(text)
    if match is None and yearless:
        short = _yearless_regex(pattern)
        match = short.match(text) if short is not None else None
    if match is None:
        return None
    found = match.groupdict()
    written = found.get("year")
    if written is None and year is None:
        return None
    code = re.sub(r"\s+", "", found.get("code") or "").casefold()
    shown = int(written) + (2000 if len(written) == 2 else 0) if written else year
    return NumberKey(code, int(found["seq"]), shown)


def issued_key(repo: Repository, issued: IssuedNumber) -> NumberKey | None:
    """The :class:`NumberKey` of an issued letter: read from its number, else from what
    its record says (its code, serial and year)."""
    key = number_key(repo, issued.number, issued.year)
    if key is None and issued.seq:
        code = re.sub(r"\s+", "", issued.code or "").casefold()
        key = NumberKey(code, issued.seq, issued.year)
    return key


def same_number(repo: Repository, one: NumberKey | None, other: NumberKey | None) -> str | None:
    """How the numbers with the keys ``one`` and ``other`` clash: ``"same"`` (one code,
    serial and year: one number however written), ``"serial"`` (the serial of the year
    under another code, with ``[letters] sequence = "shared"``), or None."""
    if one is None or other is None or (one.seq, one.year) != (other.seq, other.year):
        return None
    if one.code == other.code:
        return "same"
    return "serial" if repo.config.letters.sequence == "shared" else None


def next_number(
    repo: Repository, kind: str, date: dt.date, code: str | None = None
) -> tuple[str, int]:
    """The next free number for a letter of ``kind`` (classification ``code``, default the
    kind's) dated ``date``, and its serial. The serial runs per year: across every letter
    of the office (``[letters] sequence = "shared"``, the agenda book's way) or per
    classification code (``"per-code"``). A number ever used, renumbered ones included,
    is never handed out again. Call it while holding the repository
    (:class:`ppks_cli.changes.Writer`), so two commands never take one number."""
    from ppks_cli import ledger

    code = code if code is not None else kind_code(repo, kind)
    issued = ledger.used_numbers(repo)  # from the index: not every case folder read
    used = {i.number for i in issued}
    same = [i for i in issued if i.year == date.year and i.seq]
    if repo.config.letters.sequence == "per-code":
        same = [i for i in same if i.code == code]
    seq = max((i.seq for i in same), default=0) + 1
    number = format_number(repo, kind, seq, date, code)
    while number in used:  # a hand-given number may have taken it
        seq += 1
        number = format_number(repo, kind, seq, date, code)
    return number, seq


_AGENDA_NUMBER = re.compile(r"[0-9A-Za-z][0-9A-Za-z./-]*[0-9][0-9A-Za-z./-]*|[0-9]")


def given_number(repo: Repository, number: str, date: dt.date) -> tuple[str, int | None]:
    """A number from the office's agenda book for a letter dated ``date``, and its serial
    (None for a number outside the sequence). Refused (:class:`InvalidInput`) when it
    does not look like a letter number (it starts with a letter or digit, holds only
    letters, digits, ``.``, ``/`` and ``-``, has a digit, ends with a letter or digit, and
    no ``..``), or names another year or month (by a pattern with ``{month}`` or
    ``{month_roman}``) than the letter's date (``error.letter_number.other_year``,
    ``error.letter_number.other_month``); refused
    (:class:`Refused`, naming the letter that has it) when it is taken: by any letter ever
    issued, compared by :class:`NumberKey` (one code, serial and year however written:
    ``462/01`` is ``462/1``, ``DINSOS`` is ``Dinsos``; with ``[letters] sequence =
    "shared"`` the serial of the year under any code), or word for word for a number
    outside the pattern."""
    number = number.strip()
    if not number:
        raise InvalidInput("error.empty_value", option="--number")
    number = typed_number(parse_name(number, "--number"))
    pattern = repo.config.letters.number_pattern
    zero = number.isdigit() and not int(number)
    loose_end = not number[-1:].isalnum() and not pattern.endswith(number[-1:])
    if not _AGENDA_NUMBER.fullmatch(number) or ".." in number or zero:
        detail = Msg("letters.bad_number", value=number)
        raise InvalidInput("error.invalid_option", option="--number", detail=detail)
    key = number_key(repo, number, date.year, yearless=True)
    if key is not None and key.year != date.year:
        raise InvalidInput(
            "error.letter_number.other_year", number=number, year=key.year,
            date=date.isoformat(), letter_year=date.year,
        )  # fmt: skip
    month = _month_of(pattern, number)
    if month is not None and month != date.month:
        raise InvalidInput(
            "error.letter_number.other_month", number=number, month=month,
            date=date.isoformat(), letter_month=date.month,
        )  # fmt: skip
    for issued in issued_numbers(repo):
        how = "exact" if issued.number == number else None
        if how is None and issued.number.casefold() == number.casefold():
            how = "same"
        how = how or same_number(repo, key, issued_key(repo, issued))
        if how is not None:
            raise Refused(
                f"error.letter_number.taken_{how}", number=number, existing=issued.number,
                case=issued.case, seq=key.seq if key else "", year=key.year if key else "",
            )  # fmt: skip
    if loose_end:  # after the check for a taken number, which names the letter
        detail = Msg("letters.bad_number", value=number)
        raise InvalidInput("error.invalid_option", option="--number", detail=detail)
    if key is None:
        return number, None
    return number, key.seq


_ROMAN_MONTHS = {roman: month for month, roman in enumerate(ROMAN, start=1)}


def _month_of(pattern: str, number: str) -> int | None:
    """The month (1-12) ``number`` names by ``pattern``'s ``{month}`` or
    ``{month_roman}``, or None (no month in the pattern, the number does not follow it,
    or its month is no month: "XIII")."""
    regex, seen = "", set()
    for literal, name, _, _ in string.Formatter().parse(pattern):
        regex += re.escape(literal)
        if name in ("month", "month_roman") and not seen & {"month", "month_roman"}:
            regex += r"0*(?P<month>[0-9]{1,2})" if name == "month" else r"(?P<roman>[IVX]+)"
        elif name:
            regex += ".+?" if name in seen or name not in _LOOSE_FIELDS else _LOOSE_FIELDS[name]
        seen.add(name)
    match = re.match(f"^{regex}$", number, re.IGNORECASE)
    if match is None:
        return None
    if match.groupdict().get("roman"):
        return _ROMAN_MONTHS.get(match.group("roman").upper())
    return int(match.group("month")) if match.groupdict().get("month") else None


def code_of(repo: Repository, number: str) -> str | None:
    """The classification code in ``number`` by ``[letters] number_pattern``, however
    the number is spelled (:func:`_loose_regex`; None when the number does not follow the
    pattern or the pattern has no ``{code}``)."""
    match = _number_regex(repo.config.letters.number_pattern).match(number)
    match = match or _loose_regex(repo.config.letters.number_pattern).match(number.strip())
    return match.groupdict().get("code") if match else None


def active_letters(case: Case) -> list[Letter]:
    """The letters of ``case`` whose number stands (a renumbered letter is left out: the
    record that renumbered it stands in its place), in the order they were recorded; one
    letter for one number of one document (as :func:`issued_numbers` lists them)."""
    records = [r for r in case.records if isinstance(r, Letter)]
    replaced = {r.renumbers for r in records if r.renumbers}
    found, seen = [], set()
    for r in sorted(records, key=lambda r: r.recorded_at):
        key = (r.letter, r.about, r.number)
        if r.id in replaced or (r.about and key in seen):
            continue
        seen.add(key)
        found.append(r)
    return found


def issued_for(case: Case, kind: str, about: str | None) -> list[Letter]:
    """The standing letters of ``kind`` about the record ``about`` (one document), in the
    order they were recorded (the latest last)."""
    if about is None:
        return []
    return [r for r in active_letters(case) if r.letter == kind and r.about == about]


# --- making letters ------------------------------------------------------------------------


def draft(
    repo: Repository, case: Case, kind: str, *, date: dt.date | None = None,
    number: str | None = None, referral: str | None = None, preview: bool = False,
    fmt: str = "md", cc: list[str] | tuple[str, ...] = (), to: str | None = None,
    new: bool = False,
) -> Draft:  # fmt: skip
    """Gather, number and render a letter of ``kind`` about its record (:func:`subject`),
    without recording it. ``fmt`` (``md`` or ``pdf``) is rendered first (an error names
    its template); ``cc`` and ``to`` as for :func:`letter_data`.

    The letter is dated ``date``, or today (the day it is signed); never in the future,
    never before its record. A ``preview`` takes no number (``DRAF``); otherwise the number
    is ``number`` (from the agenda book, :func:`given_number`) or the next of the sequence
    (:func:`next_number`: call it holding the repository). One document keeps one number:
    a standing letter of ``kind`` about the same record refuses (:class:`Refused`,
    ``error.numbering.already_issued``, naming its number) unless ``new``. The draft's
    ``warnings`` say when the date is a Sunday or a national holiday
    (:func:`date_warnings`). Raises :class:`InvalidInput`, :class:`Refused`,
    :class:`NotFound`."""
    about = subject(case, kind, referral)
    when = date or dt.date.today()
    if when > dt.date.today():
        raise InvalidInput(
            "error.invalid_option", option="--date",
            detail=Msg("validation.date_future", date=when.isoformat()),
        )  # fmt: skip
    if when < about.date:  # a letter cannot report a step before it happened
        raise InvalidInput(
            "error.letter_before_event", date=when.isoformat(),
            kind=Msg(f"kind_in_text.{about.kind}"), event=about.date.isoformat(),
        )  # fmt: skip
    earlier = list(dict.fromkeys(r.number for r in issued_for(case, kind, about.id)))
    if earlier and not preview and not new:
        raise Refused(
            "error.numbering.already_issued", number=earlier[-1], case=case.id, kind=kind
        )
    code: str | None = kind_code(repo, kind)
    if preview:
        number_text, seq = DRAFT_NUMBER, None
    elif number is not None:  # "" too: refused as empty, never the next serial instead
        number_text, seq = given_number(repo, number, when)
        code = code_of(repo, number_text)
    else:
        number_text, seq = next_number(repo, kind, when)
    data = letter_data(repo, case, kind, about, number=number_text, date=when, cc=cc, to=to)
    texts, checksum = _render(repo, kind, data, first="typ" if fmt == "pdf" else "md")
    warnings = date_warnings(when)
    if not preview:  # about to be signed: a placeholder from the sample must not be
        warnings += placeholder_warnings(repo, texts)
    made = Draft(
        kind, number_text, seq, when, data, texts, checksum, about.id, warnings=warnings,
    )  # fmt: skip
    made.code, made.earlier = code, earlier
    return made


def placeholder_warnings(repo: Repository, texts: dict[str, str]) -> list[Msg]:
    """One warning (``letter_checks.placeholder_printed``) naming the placeholders left
    from the sample ``ppks.toml`` (:func:`ppks_cli.config.placeholders`: a NIP of zeros,
    "Nama Kepala Dinas" …) that the rendered ``texts`` of a letter print, each with the
    line of ``ppks.toml`` to fill in; none when it prints none. A placeholder NIP counts
    when the letter prints its holder (the signatory's or worker's name)."""
    from ppks_cli.config import placeholders
    from ppks_cli.tomlio import KeyLocator

    def printed(value: str | None) -> bool:
        return bool(value) and any(value in text for text in texts.values())

    def holder(key: tuple[str, ...]) -> str | None:
        if key[0] == "workers":
            return key[1]
        official = getattr(repo.config.signatories, key[1], None)
        return official.name if official is not None else None

    found = [
        (key, value) for key, _group, _who, value in placeholders(repo.config)
        if printed(value) and (key[-1] == "name" or printed(holder(key)))
    ]  # fmt: skip
    if not found:
        return []
    try:
        locator = KeyLocator(repo.paths.config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        locator = None
    items = []
    for key, value in found:
        table = ".".join(k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else f'"{k}"' for k in key[:-1])
        line = locator.line(key) if locator is not None else 1
        items.append(Msg("letter_checks.placeholder_item", value=value, table=table,
                         key=key[-1], line=line))  # fmt: skip
    return [Msg("letter_checks.placeholder_printed", items="; ".join(str(i) for i in items))]


def issue(repo: Repository, case: Case, letter: Draft, *, worker: str) -> Letter:
    """Record ``letter`` as issued, in its own record file (:class:`Refused` for a draft)."""
    from ppks_cli import casework

    if letter.number == DRAFT_NUMBER:
        raise Refused("error.draft_not_issued")
    return casework._write(
        repo, case, Letter, date=letter.date, worker=worker, letter=letter.kind,
        number=letter.number, year=letter.date.year, seq=letter.seq, about=letter.about,
        code=letter.code, renumbers=letter.renumbers, reason=letter.reason,
        follows=list(dict.fromkeys(letter.earlier)) or None,
        template_sha256=letter.checksum, edited_source=letter.edited_source,
        context=letter.data,
    )  # fmt: skip


def find_issued(case: Case, number: str, repo: Repository | None = None) -> Letter:
    """The letter numbered ``number`` in ``case`` (the standing one when a renumbering
    left the old number in the case too), the number written as issued or in another
    spelling of it (:func:`number_key`, with ``repo``). Raises :class:`Refused`
    (``letter_checks.reissue_other_case``) when the number is another case's letter,
    :class:`NotFound` when no letter has it."""
    wanted = typed_number(number)
    records = [r for r in case.records if isinstance(r, Letter)]
    found = [r for r in records if r.number == wanted]
    if not found and repo is not None:
        key = number_key(repo, wanted)
        found = [
            r for r in records
            if same_number(repo, key, number_key(repo, r.number, r.year)) == "same"
        ]  # fmt: skip
    numbers = {r.number for r in found}
    standing = [r for r in active_letters(case) if r.number in numbers]
    if standing:
        return standing[0]
    if found:
        return found[-1]
    if repo is not None:
        elsewhere = sorted({(i.case, i.kind or "") for i in issued_letters(repo, wanted)})
        if elsewhere:
            other, kind = elsewhere[0]
            raise Refused(
                "letter_checks.reissue_other_case", number=wanted, case=case.id, other=other,
                kind=Msg(f"letter_kind.{kind}") if kind in LETTER_KINDS else kind,
            )  # fmt: skip
    raise NotFound("error.letter_not_found", case=case.id, number=number)


def issued_letters(repo: Repository, number: str) -> list[IssuedNumber]:
    """The letters of the repository numbered ``number``, as issued or in another
    spelling of it (:func:`number_key`: one code, serial and year)."""
    wanted = typed_number(number)
    issued = issued_numbers(repo)
    exact = [i for i in issued if i.number == wanted]
    if exact:
        return exact
    key = number_key(repo, wanted)
    return [i for i in issued if same_number(repo, key, issued_key(repo, i)) == "same"]


def reissue(repo: Repository, case: Case, number: str, *, force: bool = False) -> Draft:
    """Render an issued letter again from its record: the same number, date and data,
    so the same bytes (the logo as issued: :func:`logo_as_issued`). Refuses (unless
    ``force``) when the templates changed since, or the logo did and the history does not
    hold the one printed, because the letter would not be identical
    (``error.template_changed``, ``error.logo_changed``), and a number
    a renumbering replaced (``error.numbering.renumbered``, naming the new number)."""
    record = find_issued(case, number, repo)
    newer = [r for r in case.records if isinstance(r, Letter) and r.renumbers == record.id]
    if newer:
        raise Refused(
            "error.numbering.renumbered", number=record.number, new=newer[-1].number,
            case=case.id,
        )  # fmt: skip
    texts, checksum = _render(repo, record.letter, record.context)  # the order is moot here
    if checksum != record.template_sha256 and not record.edited_source and not force:
        raise Refused("error.template_changed", number=record.number)
    made = Draft(
        record.letter, record.number, record.seq, record.date, record.context, texts,
        record.template_sha256, record.about, record.edited_source,
    )  # fmt: skip
    made.code = record.code
    try:
        made.logo = logo_as_issued(repo, made)
    except Refused:
        if not force:
            raise
    return made


def read_logo(repo: Repository, logo: str) -> tuple[str, bytes]:
    """The logo at ``logo`` (a path relative to the repository root): its normalised
    relative path and its bytes. Raises :class:`InvalidInput` (``error.logo_missing``)
    when it is not found inside the repository, :class:`Refused` (``error.logo_refused``)
    when a symbolic link is on the way or it is not a regular file."""
    text = str(logo)
    relative = os.path.normpath(text) if text and "\0" not in text else ".."
    if os.path.isabs(relative) or relative == ".." or relative.startswith(("../", "./")):
        raise InvalidInput("error.logo_missing", path=text)
    node = repo.root
    for part in Path(relative).parts:
        node = node / part
        try:
            mode = node.lstat().st_mode
        except OSError:
            raise InvalidInput("error.logo_missing", path=text) from None
        if stat.S_ISLNK(mode):
            raise Refused("error.logo_refused", path=text)
    if not stat.S_ISREG(mode):
        raise Refused("error.logo_refused", path=text)
    try:
        fd = os.open(node, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            return Path(relative).as_posix(), handle.read()
    except OSError:
        raise Refused("error.logo_refused", path=text) from None


def git_blob_id(data: bytes) -> str:
    """The id git gives a file of bytes ``data`` (hex SHA-1 of its blob): what a letter
    records of its logo, and how a reissue finds that logo again in the history."""
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def logo_as_issued(repo: Repository, letter: Draft) -> bytes | None:
    """The logo a recorded letter was printed with, when the file at its path is another
    now: read from the repository's git history by the blob id the letter recorded
    (``office.logo_blob``). None when the file is that logo still, or the letter recorded
    no logo. Raises :class:`Refused` (``error.logo_changed``) when that logo is nowhere:
    neither the file nor the history holds it."""
    from ppks_cli.git.runner import git_available, run

    office = letter.data.get("office") if isinstance(letter.data, dict) else None
    wanted = office.get("logo_blob") if isinstance(office, dict) else None
    logo = office.get("logo") if isinstance(office, dict) else None
    if not (isinstance(wanted, str) and isinstance(logo, str) and logo):
        return None
    try:
        if git_blob_id(read_logo(repo, logo)[1]) == wanted:
            return None
    except PpksError:
        pass  # gone or refused: perhaps the history has it
    if re.fullmatch(r"[0-9a-f]{40}", wanted) and git_available() and (repo.root / ".git").exists():
        found = run(repo.root, "cat-file", "blob", wanted, check=False)
        if found.returncode == 0 and git_blob_id(found.stdout) == wanted:
            return found.stdout
    raise Refused("error.logo_changed", number=letter.number, path=logo)


# an import of a package ("@preview/cetz:0.2.2"); one built at run time fails offline
_PACKAGE = re.compile(r"\b(?:import|include)\s*\(?\s*\"@")
_PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy",
                    "all_proxy")  # fmt: skip
_NOWHERE = "http://127.0.0.1:9"  # the discard port: a download attempt fails at once


class _Offline:
    """For the duration of a Typst compile, every proxy variable points at a closed local
    port and no host is exempt, so a package spec built at run time cannot download."""

    def __enter__(self) -> None:
        names = (*_PROXY_VARIABLES, "NO_PROXY", "no_proxy")
        self.saved = {name: os.environ.get(name) for name in names}
        for name in _PROXY_VARIABLES:
            os.environ[name] = _NOWHERE
        os.environ.pop("NO_PROXY", None)
        os.environ.pop("no_proxy", None)

    def __exit__(self, *exc) -> None:
        for name, value in self.saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


MAX_TYPST_SECONDS = 30.0  # one PDF compile (a letter takes about half a second)


def _compile_bounded(compile_, *args: Any, **kwargs: Any) -> bytes:
    """``compile_(*args, **kwargs)`` in a daemon thread (Typst releases the GIL), waiting at
    most :data:`MAX_TYPST_SECONDS`; raises ``TimeoutError`` after that (the command then
    ends, and the thread with the process), or what the compile raised."""
    import threading

    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = compile_(*args, **kwargs)
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="ppks-typst", daemon=True)
    worker.start()
    worker.join(MAX_TYPST_SECONDS)
    if worker.is_alive():
        raise TimeoutError
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def check_printable(source: str) -> None:
    """Refuse (:class:`InvalidInput`, ``error.letter_glyph_missing``) a Typst source with a
    character no font of the PDF can print, naming the first such character."""
    from ppks_cli.glyphs import missing

    absent = missing(source)
    if absent:
        char = absent[0]
        raise InvalidInput(
            "error.letter_glyph_missing",
            char=char if char.isprintable() else "",
            code=f"U+{ord(char):04X}",
            count=len(absent),
        )


_MARK_INFO = b"/MarkInfo<</Marked true/Suspects false>>"


def quiet_mark_info(pdf: bytes) -> bytes:
    """``pdf`` (from Typst) without ``/Suspects false`` in its catalog's ``/MarkInfo``.

    The entry is valid PDF and says what its absence says (false is the default), but
    poppler up to 25.11 reports it as "Syntax Error: Suspects object is wrong type
    (boolean)", so ``pdfinfo`` complains about every letter. The entry is blanked with
    spaces, keeping every byte offset (and so the cross-reference table) as it was. A PDF
    without exactly one such entry is returned unchanged."""
    if pdf.count(_MARK_INFO) != 1:
        return pdf
    quiet = b"/MarkInfo<</Marked true>>"
    return pdf.replace(_MARK_INFO, quiet + b" " * (len(_MARK_INFO) - len(quiet)))


def to_pdf(repo: Repository, letter: Draft) -> bytes:
    """Compile the letter's Typst source to PDF, in-process, with the fonts ppks ships
    (:func:`ppks_cli.paths.fonts_dir`) and those built into the typst package (the
    system's fonts are ignored, so every machine prints the same); the PDF is made quiet
    for poppler (:func:`quiet_mark_info`).

    The compile sees a fresh temporary root holding only the source and a copy of the
    logo the letter's data names (read as :func:`read_logo` allows), an empty package
    folder, and no network. Raises :class:`InvalidInput` for a character the fonts lack
    (:func:`check_printable`), :class:`Refused` (``error.typst_package``) for a Typst
    package, :class:`ExternalToolError` when Typst fails."""
    import tempfile

    import typst

    source = letter.typst_source
    check_printable(source)
    if _PACKAGE.search(source):
        raise Refused("error.typst_package")
    office = letter.data.get("office") if isinstance(letter.data, dict) else None
    logo = office.get("logo") if isinstance(office, dict) else None
    moment = dt.datetime.combine(letter.date, dt.time(12, 0), tzinfo=dt.UTC)
    with tempfile.TemporaryDirectory(prefix="ppks-typst-") as folder:
        root, packages = Path(folder) / "root", Path(folder) / "packages"
        root.mkdir()
        packages.mkdir()
        if isinstance(logo, str) and logo:
            if letter.logo is not None:  # the logo a reissue prints (:func:`reissue`)
                relative, data = Path(os.path.normpath(logo)).as_posix(), letter.logo
            else:
                relative, data = read_logo(repo, logo)
            copy = root / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(data)
        try:
            offline = _Offline()
            offline.__enter__()
            try:
                done = _compile_bounded(
                    typst.compile, source.encode("utf-8"), root=str(root), format="pdf",
                    ignore_system_fonts=True, font_paths=[str(paths.fonts_dir())],
                    timestamp=moment, package_path=str(packages),
                    package_cache_path=str(packages),
                )  # fmt: skip
            except TimeoutError:
                # the compile still runs: the dead-end proxy stays for the rest of the process
                raise ExternalToolError(
                    "error.typst_failed", detail=Msg("letters.limit_time")
                ) from None
            except BaseException:
                offline.__exit__()
                raise
            offline.__exit__()
            return quiet_mark_info(done)
        except typst.TypstError as exc:
            detail = getattr(exc, "message", "") or str(exc)
            if "package" in detail:
                raise Refused("error.typst_package") from None
            detail = detail.replace(str(root), "").splitlines()[0] if detail else ""
            raise ExternalToolError("error.typst_failed", detail=detail) from None


def write_output(path: Path, data: bytes, repo: Repository | None = None) -> None:
    """Write a rendered letter atomically (never half a PDF) and never through a symbolic
    link (:class:`Refused`, ``error.symlink_refused``); inside ``repo`` no folder on the
    way may be a link either. Raises :class:`InvalidInput` for a folder,
    :class:`~ppks_cli.errors.WriteFailed` when the system refuses the write."""
    from ppks_cli.tomlio import atomic_write_bytes, refuse_repository_data

    if repo is not None:
        refuse_repository_data(path, repo.root)
    if path.is_dir() and not path.is_symlink():
        raise InvalidInput("error.not_a_file", path=str(path))
    root = None
    if repo is not None:
        full = Path(os.path.abspath(path))
        if full.is_relative_to(Path(os.path.abspath(repo.root))):
            root = Path(os.path.abspath(repo.root))
            path = full
    atomic_write_bytes(path, data, root=root)


def check_output(
    path: Path, repo: Repository | None = None, *, unusable: str = "error.output_unusable"
) -> None:
    """Refuse an output target that :func:`write_output` could not write, before anything
    is recorded: an empty name, a folder, a symbolic link, a missing or read-only folder,
    a name the system refuses. Raises :class:`InvalidInput` (``unusable``, with ``path``
    and ``reason``, for a place the system refuses: a letter says no number was taken) or
    :class:`Refused`."""
    import tempfile

    from ppks_cli.tomlio import check_no_symlinks, refuse_repository_data

    text = str(path)
    if not text.strip() or text.strip() == ".":
        raise InvalidInput("error.not_a_file", path=text)
    if text.strip() == "-":  # most tools read "-" as the screen: never a file named "-"
        raise InvalidInput("error.output_dash")
    if repo is not None:
        refuse_repository_data(path, repo.root)
    try:
        if path.is_dir() and not path.is_symlink():
            raise InvalidInput("error.not_a_file", path=text)
        check_no_symlinks(path)
        full = Path(os.path.abspath(path))
        if repo is not None and full.is_relative_to(Path(os.path.abspath(repo.root))):
            check_no_symlinks(full, Path(os.path.abspath(repo.root)))
        with tempfile.NamedTemporaryFile(dir=full.parent, prefix=".ppks-", suffix=".tmp"):
            pass
        if len(full.name.encode()) > 255:
            raise OSError(36, "File name too long")
    except OSError as exc:
        raise InvalidInput(unusable, path=text, reason=exc.strerror or type(exc).__name__) from None


def default_output_name(case: Case, letter: Draft, fmt: str) -> str:
    """A file name with no personal data: the case ID, the kind and the sequence."""
    tail = (
        f"{letter.seq:04d}"
        if letter.seq
        else re.sub(r"[^0-9A-Za-z]+", "-", letter.number).strip("-")
    )
    return f"{case.id}-{letter.kind}-{tail}.{fmt}"


def default_output_path(repo: Repository, case: Case, letter: Draft, fmt: str) -> Path:
    """Where a letter goes when no file is named: ``out/`` of the repository
    (:func:`out_folder`), named by :func:`default_output_name`."""
    return out_folder(repo) / default_output_name(case, letter, fmt)


def out_folder(repo: Repository) -> Path:
    """``out/`` of the repository (:attr:`ppks_cli.paths.RepoPaths.out`), where rendered
    letters and reports go when no file is named. The folder is made when missing, with
    its own ``.gitignore`` (``*``) so that git ignores it even in a repository whose
    ``.gitignore`` does not list it; a linked ``out/`` is refused (:class:`Refused`,
    ``error.symlink_refused``), an OS error raises :class:`InvalidInput`
    ``error.output_unusable``."""
    from ppks_cli.tomlio import atomic_write_text, check_no_symlinks

    folder = repo.paths.out
    check_no_symlinks(folder / ".gitignore", repo.root)
    try:
        folder.mkdir(exist_ok=True)
        ignore = folder / ".gitignore"
        if not os.path.lexists(ignore):
            atomic_write_text(ignore, "# ppks: rendered letters are never committed\n*\n",
                              root=repo.root)  # fmt: skip
    except OSError as exc:
        raise InvalidInput(
            "error.output_unusable", path=str(folder), reason=exc.strerror or type(exc).__name__
        ) from None
    return folder


# --- one letter, the whole way -------------------------------------------------------------


@dataclass
class LetterRequest:
    """What ``ppks letter`` asks for. By default a draft: rendered with no number,
    nothing recorded (looking at a letter never takes a number). ``issue``: take the next
    number (or ``number``, from the agenda book), record the letter and commit it; a
    document already issued is refused unless ``new`` (a genuinely new letter about the
    same record). ``reissue``: the issued letter with that number again, byte for byte.
    ``fmt`` is ``md`` or ``pdf``; ``output`` a file (``-`` or None: the screen; a PDF
    without ``output`` goes to the repository's ``out/`` folder, ignored by git, with a
    file name with no personal data: :func:`default_output_path`). ``edit``, when given,
    is called with the Typst source and returns the edited source (``--edit``).
    ``draft`` is the explicit form of the default (``--draft``); with ``issue`` it is a
    contradiction and refused."""

    kind: str | None = None
    fmt: str = "md"
    output: Path | None = None
    date: dt.date | None = None
    number: str | None = None
    referral: str | None = None
    draft: bool = False
    reissue: str | None = None
    force: bool = False
    worker: str | None = None
    edit: Callable[[str], str] | None = None
    cc: list[str] = field(default_factory=list)  # more names for the tembusan (--cc)
    to: str | None = None  # a return letter's destination Dinas Sosial (--to)
    issue: bool = False
    new: bool = False


@dataclass
class LetterResult(Result):
    """What ``ppks letter`` made: the letter (:class:`Draft`), its record when it was
    issued now, the bytes made, and the file written (None: for the screen).
    ``reissued``: an issued letter printed again; ``renumbered``: the number a
    renumbering replaced; ``earlier``: the standing numbers of the same document (for
    a draft: it was issued already; for ``--new``: the letters before this one)."""

    case: Case
    letter: Draft
    record: Letter | None
    data: bytes
    target: Path | None
    reissued: bool = False
    renumbered: str | None = None

    @property
    def to_screen(self) -> bool:
        return self.target is None

    @property
    def issued(self) -> bool:
        return self.record is not None

    @property
    def earlier(self) -> list[str]:
        return list(self.letter.earlier)

    def to_json(self) -> dict[str, Any]:
        draft = self.letter.number == DRAFT_NUMBER
        return {
            "case": self.case.id,
            "kind": self.letter.kind,
            "number": None if draft else self.letter.number,
            "draft": draft,
            "issued": self.issued,
            "reissued": self.reissued,
            "date": self.letter.date.isoformat(),
            "record": self.record.id if self.record else None,
            "about": self.letter.about,
            "earlier": self.earlier,
            "renumbered": self.renumbered,
            "file": str(self.target) if self.target else None,
            "warnings": [str(w) for w in self.letter.warnings],
            **({"text": self.letter.markdown} if self.target is None else {}),
        }


def _render_output(
    repo: Repository, case: Case, made: Draft, fmt: str, output: Path | None
) -> tuple[bytes, Path | None]:
    """The bytes of ``made`` in ``fmt`` and the file they go to (None: the screen),
    checked (:func:`check_output`) but not written."""
    data = to_pdf(repo, made) if fmt == "pdf" else made.markdown.encode("utf-8")
    target = output
    if target is not None and str(target) == "-":
        target = None
    if target is None and fmt == "pdf":
        if output is not None:  # -o -: a PDF is never sent to the terminal
            raise InvalidInput("error.pdf_to_stdout")
        target = default_output_path(repo, case, made, "pdf")
    if target is not None:
        check_output(target, repo)
    return data, target


def make_letter(
    repo: Repository, case_ref: str | None, request: LetterRequest, *, options=None
) -> LetterResult:
    """Make the letter ``request`` asks for on the case ``case_ref``, the whole way
    (``case_ref`` None: the case of the letter ``request.reissue`` names, when one case
    has it).

    Only ``request.issue`` takes a number. Everything that can be checked is checked
    before a number is taken: the flags, the kind, the format, the record the letter is
    about and whether it was issued already, the values it needs, the glyphs of the PDF,
    and the output file (:func:`check_output`). Issuing then holds the repository
    (:class:`ppks_cli.changes.Writer`), so two letters never get one number, records the
    letter and commits it; the file is written last. A draft or a reissue records
    nothing. Raises :class:`InvalidInput`, :class:`Refused`, :class:`NotFound`."""
    if request.fmt not in ("md", "pdf"):
        raise InvalidInput("error.invalid_option", option="--format", detail=Msg("letters.formats"))
    if request.reissue is not None and not request.reissue.strip():
        raise InvalidInput("error.empty_value", option="--reissue")
    if request.issue and (request.draft or request.reissue):
        other = "--draft" if request.draft else "--reissue"
        raise InvalidInput("error.numbering.contradiction", first="--issue", second=other)
    if request.reissue and (request.new or request.number):
        other = "--new" if request.new else "--number"
        raise InvalidInput("error.numbering.contradiction", first="--reissue", second=other)
    for flag, given in (("--new", request.new), ("--number", request.number)):
        if given and not request.issue:
            raise InvalidInput("error.numbering.needs_issue", option=flag)
    if request.issue and not request.worker:
        raise InvalidInput("error.missing_option", option="--worker")
    if not request.reissue and request.kind is None:
        raise InvalidInput("error.missing_option", option="KIND")
    if request.reissue:  # a reissue is the letter as issued: nothing of it can change
        ignored = (
            ("--date", request.date), ("--referral", request.referral), ("--cc", request.cc),
            ("--to", request.to), ("--edit", request.edit), ("--draft", request.draft),
        )  # fmt: skip
        for option, given in ignored:
            if given:
                raise InvalidInput("letter_words.reissue_as_issued", option=option)
    if request.to and request.kind and request.kind.strip().lower() != "return-home":
        raise InvalidInput("letter_words.to_only_return")
    if case_ref is None:  # `ppks letter --reissue NUMBER`: the number names its case
        if not request.reissue:
            raise InvalidInput("error.missing_option", option="CASE")
        wanted = request.reissue.strip()
        cases = sorted({i.case for i in issued_letters(repo, wanted)})
        if not cases:
            raise NotFound("error.numbering.not_issued", number=wanted)
        if len(cases) > 1:
            raise InvalidInput(
                "error.numbering.reissue_ambiguous", number=wanted, where=", ".join(cases)
            )
        case_ref = cases[0]

    def prepare(case: Case) -> tuple[Draft, bytes, Path | None]:
        if request.reissue:
            made = reissue(repo, case, request.reissue, force=request.force)
            if request.kind is not None and request.kind.strip().lower() != made.kind:
                raise Refused(
                    "letter_checks.reissue_other_kind", number=made.number, case=case.id,
                    kind=Msg(f"letter_kind.{made.kind}"), asked=request.kind.strip(),
                )  # fmt: skip
        else:
            made = draft(
                repo, case, request.kind.strip().lower(), date=request.date,
                number=request.number, referral=request.referral,
                preview=not request.issue, new=request.new,
                fmt=request.fmt, cc=request.cc, to=request.to,
            )  # fmt: skip
            if request.edit is not None:
                if request.fmt != "pdf":
                    raise InvalidInput("error.edit_needs_pdf")
                made.edited_source = request.edit(made.texts["typ"])
        data, target = _render_output(repo, case, made, request.fmt, request.output)
        return made, data, target

    if not request.issue:
        case = repo.find_case(case_ref)
        made, data, target = prepare(case)
        record = None
    else:
        from ppks_cli.changes import WriteOptions, commit_message  # only an issue writes

        with (options or WriteOptions()).writer(repo) as writer:
            case = repo.find_case(case_ref)
            made, data, target = prepare(case)
            record = issue(repo, case, made, worker=request.worker)
            message = commit_message(case.id, "letter", number=made.number)
            writer.commit(message, record.worker)
    if target is not None:
        write_output(target, data, repo)
    return LetterResult(case, made, record, data, target, reissued=bool(request.reissue))


@dataclass
class TemplatesExport(Result):
    """``ppks templates export``: the template files written, and those skipped because
    the office already has them (paths relative to the repository)."""

    written: list[str]
    skipped: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"written": self.written, "skipped": self.skipped}


def export_templates_to(repo: Repository, *, force: bool = False, options=None) -> TemplatesExport:
    """:func:`export_templates` holding the repository, then committed like any other
    change (``ppks: letter templates exported (N files)``; not with ``--no-commit`` or
    ``auto_commit = false``), so that nothing ppks wrote is left untracked to stop a
    ``sync``. Raises what :func:`export_templates` and
    :meth:`ppks_cli.changes.Writer.commit` raise."""
    from ppks_cli.changes import WriteOptions, commit_message

    with (options or WriteOptions()).writer(repo) as writer:
        written, skipped = export_templates(repo, force=force)
        if written:
            worker = repo.step_worker(None)
            writer.commit(commit_message(None, "templates", count=len(written)), worker)
    return TemplatesExport([repo.rel(p) for p in written], [repo.rel(p) for p in skipped])


@dataclass
class TemplateList(Result):
    """``ppks letter --list``: each kind and format with the template it comes from."""

    sources: list[TemplateSource]

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {
                "kind": s.kind, "format": s.fmt, "title": TITLES[s.kind],
                "template": str(s.path), "overridden": s.overridden,
            }
            for s in self.sources
        ]  # fmt: skip

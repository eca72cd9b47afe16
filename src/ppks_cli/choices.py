"""Every value chosen from a fixed list (a client's sex, the intake source, the risk of an
assessment, a stage, yes or no, a category …) and the one parser that reads what a person
typed for one of them, on the command line and at a prompt alike.

Kept light (no pydantic, no typer): commands import it at start-up, and the record models
(:mod:`ppks_cli.models`, :mod:`ppks_cli.records`) take their codes from here.

A :class:`ChoiceList` is the codes (stored in files, always English-like and stable), the
labels a person sees (the catalog section named like the list: ``[risk] high = "Tinggi"``;
the categories' names come from ``data/ppks-categories.toml``), and the other words staff
use for a choice (the catalogs' ``[synonyms.<list>]`` sections, in both languages).
:meth:`ChoiceList.parse` accepts, whatever the interface language:

1. the number the prompt shows next to the choice (for categories, the number in
   ``ppks categories``);
2. the code (``high``, ``lansia-terlantar``);
3. a label as displayed, in Indonesian or English (``Tercapai sebagian``);
4. a part of a label (``Razia`` of "Razia / terjaring penertiban", ``ABH`` of "Anak yang
   Berhadapan dengan Hukum (ABH)") or a synonym (``sebagian``, ``lansia telantar``);
5. the beginning of any of those, three letters or more, when it names one choice only
   (but a whole word is no beginning of a synonym: ``janda`` alone is not the synonym
   "janda mati"; it is listed under both "cerai hidup" and "cerai mati").

Letter case, spaces, hyphens and underscores do not matter (``belum kawin`` is
``belum-kawin``), nor do spaces around a slash (``SMA / sederajat``). The first of these
steps that finds something decides; when it finds two choices the answer is refused
naming them (``cerai`` is "cerai hidup" or "cerai mati"). Anything else is refused with
the closest choices, when some are close.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from ppks_cli.errors import InvalidInput
from ppks_cli.i18n import LANGUAGES, Msg, get_language, word_lists

# the furthest ahead, in days, a deadline setting or a "due within" window may reach:
# ten years (a larger number is a typo, and a date that far ahead does not exist)
MAX_DAYS_AHEAD = 3660

# --- the codes ----------------------------------------------------------------------------

# the six stages of the casework method, in order (FACTS.md: intake, assessment,
# planning, intervention, evaluation, termination)
STAGES = ("intake", "assessment", "planning", "intervention", "evaluation", "termination")

# the client (models.Client, models.Intake)
SEXES = ("L", "P")
SOURCES = ("street-raid", "outreach", "agency-referral", "community-report", "walk-in")
RELIGIONS = ("islam", "kristen", "katolik", "hindu", "buddha", "konghucu", "lainnya")
MARITAL_STATUSES = ("belum-kawin", "kawin", "cerai-hidup", "cerai-mati")
EDUCATION_LEVELS = (
    "tidak-sekolah", "belum-tamat-sd", "sd", "smp", "sma", "diploma", "s1", "s2", "s3",
)  # fmt: skip

# the records (records.py)
RISK_LEVELS = ("low", "medium", "high")
ACTIVITIES = (
    "individual-counseling", "family-counseling", "family-mediation", "home-visit",
    "accompaniment", "emotional-support", "material-help", "id-documents", "family-tracing",
    "reunification", "return-home", "skills-training", "health-service", "other",
)  # fmt: skip
REFERRAL_STATUSES = ("sent", "accepted", "rejected", "completed", "revoked")
GOAL_STATUSES = ("achieved", "partly", "not-yet")
DECISIONS = ("continue", "revise", "terminate")
# the reasons ``ppks terminate`` takes (records.TERMINATION_REASONS adds "duplicate",
# which only ``ppks merge`` records)
CLOSING_REASONS = (
    "goals-achieved", "referred", "reunified", "returned-home", "refused-or-left", "died",
    "contact-lost", "other",
)  # fmt: skip
APPROVAL_STAGES = ("assessment", "plan", "termination")
LETTER_KINDS = (
    "assessment", "referral", "termination", "social-report", "statement", "return-home",
)  # fmt: skip
LETTER_FORMATS = ("md", "pdf")
# what the case linked to is to this case, as ``ppks link --as`` takes it
# (records.LINK_RELATIONS; the inverse ones and "duplicate" are written by ppks itself)
LINK_RELATIONS = ("mother", "father", "child", "sibling", "spouse", "guardian", "other")
# a family member's relation to the client, as a prompt lists it and files store it (the
# Indonesian word, as in existing files); intake takes any other word too
FAMILY_RELATIONS = (
    "ibu", "ayah", "suami", "istri", "anak", "kakak", "adik", "kakek", "nenek", "paman",
    "bibi", "wali", "kerabat",
)  # fmt: skip
# the kinds of document `ppks attach --kind` takes (records.Attachment.document)
ATTACHMENT_KINDS = ("ktp", "kk", "akta", "foto", "persetujuan", "surat", "lainnya")
# the orders of `ppks list --sort` (views.list_cases)
# what happens to a person picked up in a street raid (records.RaidCatch; FACTS.md "Street
# raids and the shelter"): placed in the city's rumah singgah, sent home with a signed surat
# pernyataan, handed to Satpol PP, taken to hospital (RSUD; ODGJ), referred to an
# institution, released
DISPOSITIONS = ("shelter", "home", "satpol-pp", "hospital", "institution", "released")
# where a client leaving the rumah singgah goes (records.ShelterDischarge)
DISCHARGE_DESTINATIONS = ("home", "institution", "hospital", "ran-away", "other")
SORTS = ("newest", "oldest", "name", "id", "stage", "due", "worker")
YES_NO = ("yes", "no")

# a beginning shorter than this is never taken for a whole answer ("s" is too many things)
MIN_PREFIX = 3
# how close (rapidfuzz ratio, 0–100) an unknown answer must be to a word to be suggested
SUGGEST_SCORE = 70
SUGGESTIONS = 3
# a list this long is not spelled out in an error; its ``expected`` message says where to
# see it
LIST_IN_ERROR = 15


def normalize(text: str) -> str:
    """``text`` as answers are compared: Unicode-normalised (NFKC), case-folded, with every
    run of spaces, hyphens, dashes and underscores made one space, and no surrounding
    spaces or full stop (``" Belum_Kawin. "`` → ``"belum kawin"``); no space either side
    of a slash (``"SMA / sederajat"`` is ``"sma/sederajat"``)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    spaced = re.sub(r"[\s_\-\u2010-\u2015]+", " ", folded)
    return re.sub(r" ?/ ?", "/", spaced).strip(" .")


def _label_variants(label: str) -> list[str]:
    """The parts of a displayed label a person may type for it: the label without what
    is in brackets, what is in brackets (an abbreviation: "ABH"), and each side of a
    slash ("Razia / terjaring penertiban" → "Razia", "terjaring penertiban")."""
    bare = re.sub(r"\s*\([^)]*\)", "", label).strip()
    found = [bare, *re.findall(r"\(([^)]*)\)", label)]
    found += [part for part in re.split(r"\s*/\s*", bare) if part]
    return found


@dataclass(frozen=True)
class ChoiceList:
    """One fixed list: its ``group`` (the catalog section of its labels, and of its
    synonyms under ``[synonyms.<group>]``), its ``codes`` in the order a prompt numbers
    them, and ``expected``: a catalog key describing the list in an error when it is too
    long to name every code (None: the codes are named)."""

    group: str
    codes: tuple[str, ...]
    expected: str | None = None

    def subset(self, codes: tuple[str, ...]) -> ChoiceList:
        """The same list offering only ``codes`` (numbered in that order)."""
        return ChoiceList(self.group, tuple(codes), self.expected)

    def label(self, code: str, lang: str | None = None) -> str:
        """The label of ``code`` in ``lang`` (default: the interface language), as a
        prompt shows it."""
        lang = lang or get_language()
        if self.group == "category":
            from ppks_cli import categories

            return categories.categories()[code].display(lang)
        from ppks_cli.i18n import catalog

        return catalog(lang).get(f"{self.group}.{code}") or code

    def shown(self) -> list[tuple[str, str]]:
        """``(code, label)`` for each choice, in the order (and so with the numbers) a
        prompt shows them."""
        return [(code, self.label(code)) for code in self.codes]

    def synonyms(self, code: str) -> tuple[str, ...]:
        """The other words for ``code`` in every language's catalog."""
        key = f"synonyms.{self.group}.{code}"
        return tuple(word for lang in LANGUAGES for word in word_lists(lang).get(key, ()))

    def words(self, code: str) -> tuple[str, ...]:
        """Every word accepted for ``code`` besides its number: the code, the labels in
        every language, their parts and the synonyms."""
        labels = [self.label(code, lang) for lang in LANGUAGES]
        parts = [part for label in labels for part in _label_variants(label)]
        return (code, *labels, *parts, *self.synonyms(code))

    def parse(self, value: str, option: str) -> str:
        """The code ``value`` names (see the module's docstring for what is accepted).
        Raises :class:`~ppks_cli.errors.InvalidInput` (``error.invalid_option`` naming
        ``option``, with a ``detail`` :class:`~ppks_cli.i18n.Msg` a prompt can show on
        its own): for an unknown answer (with the closest choices, when some are close),
        an ambiguous one (naming the choices it fits) or a number that is not shown."""
        found = self.lookup(value, option)
        if found is not None:
            return found
        text = normalize(value)
        close = self._closest(text)
        if close:
            detail = Msg(
                "choice.unknown", value=value, suggestion=self._names(close),
                expected=self._expected(),
            )  # fmt: skip
        else:
            detail = Msg("validation.not_a_choice", value=value, expected=self._expected())
        raise InvalidInput("error.invalid_option", option=option, detail=detail)

    def lookup(self, value: str, option: str) -> str | None:
        """The code ``value`` names, as :meth:`parse` reads it, or None when it names
        none (for a list that also takes other words: a family member's relation).
        Raises :class:`~ppks_cli.errors.InvalidInput` naming ``option`` for an answer
        that fits two choices or more (naming them) and for a number not shown."""
        text = normalize(value)
        number = _number(unicodedata.normalize("NFKC", value).strip())  # "-1" is no number
        if number is not None and 1 <= number <= len(self.codes):
            return self.codes[number - 1]
        exact, parts, prefixes = _index(self)
        for table in (exact, parts):
            found = table.get(text, ())
            if len(found) == 1:
                return found[0]
            if found:
                raise self._ambiguous(value, option, found)
        if len(text) >= MIN_PREFIX:
            found = tuple(
                dict.fromkeys(
                    c for word, codes, whole in prefixes
                    if word.startswith(text) and (whole or not _whole_words(text, word))
                    for c in codes
                )
            )  # fmt: skip
            if len(found) == 1:
                return found[0]
            if found:
                raise self._ambiguous(value, option, found)
        if number is not None:
            detail = Msg("choice.number", value=value.strip(), last=len(self.codes))
            raise InvalidInput("error.invalid_option", option=option, detail=detail)
        return None

    # --- what an error says -----------------------------------------------------------

    def _expected(self) -> _Named | Msg:
        if self.expected and len(self.codes) > LIST_IN_ERROR:
            return Msg(self.expected, last=len(self.codes))
        return self._names(self.codes)

    def _names(self, codes: tuple[str, ...]) -> _Named:
        return _Named(self, tuple(codes))

    def _ambiguous(self, value: str, option: str, codes: tuple[str, ...]) -> InvalidInput:
        detail = Msg("choice.ambiguous", value=value, candidates=self._names(codes))
        return InvalidInput("error.invalid_option", option=option, detail=detail)

    def _closest(self, text: str) -> tuple[str, ...]:
        """The codes whose words are close to ``text`` (a typo), closest first."""
        if not text:
            return ()
        from rapidfuzz import fuzz, process

        exact, parts, _ = _index(self)
        words = {**parts, **exact}
        found: dict[str, None] = {}
        for word, _score, _ in process.extract(
            text, list(words), scorer=fuzz.ratio, limit=None, score_cutoff=SUGGEST_SCORE
        ):
            for code in words[word]:
                found.setdefault(code)
        return tuple(found)[:SUGGESTIONS]


class _Named:
    """``code (Label), …`` of some choices, in the language current when it is shown
    (a parameter of a :class:`~ppks_cli.i18n.Msg`, rendered later)."""

    __slots__ = ("choices", "codes")

    def __init__(self, choices: ChoiceList, codes: tuple[str, ...]) -> None:
        self.choices, self.codes = choices, codes

    def __str__(self) -> str:
        named = []
        for code in self.codes:
            label = self.choices.label(code)
            named.append(code if normalize(label) == normalize(code) else f"{code} ({label})")
        return ", ".join(named)

    def __repr__(self) -> str:
        return f"_Named({self.choices.group!r}, {self.codes!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Named) and (self.choices, self.codes) == (
            other.choices, other.codes,
        )  # fmt: skip

    __hash__ = None  # type: ignore[assignment]


def _whole_words(text: str, word: str) -> bool:
    """True when ``text`` is the first whole word(s) of the longer ``word`` (``janda`` of
    "janda mati"), not the beginning of one of its words (``jan``)."""
    return len(word) > len(text) and word[len(text)] in " /"


def _number(text: str) -> int | None:
    """The number ``text`` is, in any script's digits (``２``), else None."""
    if text.isdecimal() and len(text) <= 4:
        return int(text)
    return None


_Words = dict[str, tuple[str, ...]]  # a normalised word → the codes it names
# every word, the codes it names, and whether it is a code or a whole label
_Prefixes = list[tuple[str, tuple[str, ...], bool]]


@cache
def _index(choices: ChoiceList) -> tuple[_Words, _Words, _Prefixes]:
    """The words of ``choices`` (normalised) and the codes each names: codes and whole
    labels (``exact``); parts of labels and synonyms (``parts``); and every word with
    its codes, for beginnings (``prefixes``), marked True for a code or whole label. A
    word naming two codes stays ambiguous.

    The first whole word of a synonym or of a part of a label is no beginning of it:
    "janda" (a woman once married) is not taken for the synonym "janda mati" (cerai-mati)
    when the tables lack "janda cerai"; a word that names a choice on its own is listed
    as a synonym itself, under each choice it may mean."""

    def add(table: _Words, word: str, code: str) -> None:
        key = normalize(word)
        if key and code not in table.get(key, ()):
            table[key] = (*table.get(key, ()), code)

    exact: _Words = {}
    for code in choices.codes:
        add(exact, code, code)
    # a code is never taken for another choice's label
    labels: _Words = {}
    for code in choices.codes:
        for lang in LANGUAGES:
            add(labels, choices.label(code, lang), code)
    for word, codes in labels.items():
        exact.setdefault(word, codes)
    parts: _Words = {}
    for code in choices.codes:
        for word in choices.words(code)[1 + len(LANGUAGES) :]:
            add(parts, word, code)
    merged: _Words = {}
    for table in (exact, parts):
        for word, codes in table.items():
            for code in codes:
                add(merged, word, code)
    return exact, parts, [(word, codes, word in exact) for word, codes in merged.items()]


# --- the lists ------------------------------------------------------------------------------

SEX = ChoiceList("sex", SEXES)
SOURCE = ChoiceList("source", SOURCES)
RELIGION = ChoiceList("religion", RELIGIONS)
MARITAL_STATUS = ChoiceList("marital", MARITAL_STATUSES)
EDUCATION = ChoiceList("education", EDUCATION_LEVELS)
RISK = ChoiceList("risk", RISK_LEVELS)
ACTIVITY = ChoiceList("activity", ACTIVITIES)
# what ``ppks refer --status`` sets (a referral is "sent" when it is made)
REFERRAL_STATUS = ChoiceList("referral_status", REFERRAL_STATUSES[1:])
GOAL_STATUS = ChoiceList("goal_status", GOAL_STATUSES)
DECISION = ChoiceList("decision", DECISIONS)
TERMINATION_REASON = ChoiceList("termination_reason", CLOSING_REASONS)
STAGE = ChoiceList("stage", STAGES)
APPROVAL_STAGE = ChoiceList("approval_stage", APPROVAL_STAGES)
LETTER_KIND = ChoiceList("letter_kind", LETTER_KINDS)
LETTER_FORMAT = ChoiceList("letter_format", LETTER_FORMATS)
LINK_RELATION = ChoiceList("relation", LINK_RELATIONS)
FAMILY_RELATION = ChoiceList("family_relation", FAMILY_RELATIONS)
ATTACHMENT_KIND = ChoiceList("attachment_kind", ATTACHMENT_KINDS)
DISPOSITION = ChoiceList("disposition", DISPOSITIONS)
DISCHARGE_DESTINATION = ChoiceList("discharge_destination", DISCHARGE_DESTINATIONS)
SORT = ChoiceList("sort", SORTS)
YES_OR_NO = ChoiceList("yes_no", YES_NO)


@cache
def category_list() -> ChoiceList:
    """The official categories (numbered as ``ppks categories`` numbers them), labelled
    with their names from ``data/ppks-categories.toml``."""
    from ppks_cli import categories

    return ChoiceList("category", tuple(categories.categories()), "choice.category_list")


def all_lists() -> dict[str, ChoiceList]:
    """Every fixed list by name (for tests and documentation)."""
    lists = {
        name.lower(): value for name, value in globals().items()
        if isinstance(value, ChoiceList) and name.isupper()
    }  # fmt: skip
    lists["category"] = category_list()
    return lists


def parse_choice(value: str, choices: ChoiceList | tuple[str, ...], option: str) -> str:
    """The code of ``choices`` that ``value`` names (:meth:`ChoiceList.parse`); a plain
    tuple of codes is the registered list with those codes, if any, else a list with no
    labels. Raises :class:`~ppks_cli.errors.InvalidInput` naming ``option``."""
    if not isinstance(choices, ChoiceList):
        choices = _registered(tuple(choices))
    return choices.parse(value, option)


def _registered(codes: tuple[str, ...]) -> ChoiceList:
    for found in all_lists().values():
        if found.codes == codes:
            return found
    return ChoiceList("", codes)


def parse_yes_no(value: str, option: str) -> bool:
    """True for yes (``ya``, ``y``, ``iya``, ``yes`` …), False for no (``tidak``,
    ``t``, ``n``, ``no`` …). Raises :class:`~ppks_cli.errors.InvalidInput` naming
    ``option``."""
    try:
        return YES_OR_NO.parse(value, option) == "yes"
    except InvalidInput:
        detail = Msg("validation.yes_no", value=value)
        raise InvalidInput("error.invalid_option", option=option, detail=detail) from None

"""Values chosen from a fixed list on the command line, and the stages of the casework
method (kept apart from :mod:`ppks_cli.workflow`, which needs the record models, so that
reading commands start fast)."""

from __future__ import annotations

from ppks_cli.errors import InvalidInput
from ppks_cli.i18n import Msg

# the six stages of the casework method, in order (FACTS.md: intake, assessment,
# planning, intervention, evaluation, termination)
# the furthest ahead, in days, a deadline setting or a "due within" window may reach:
# ten years (a larger number is a typo, and a date that far ahead does not exist)
MAX_DAYS_AHEAD = 3660

# the kinds of document `ppks attach --kind` takes (records.Attachment.document)
ATTACHMENT_KINDS = ("ktp", "kk", "akta", "foto", "persetujuan", "surat", "lainnya")

# the kinds of letter `ppks letter` makes (records.Letter.letter)
LETTER_KINDS = ("assessment", "referral", "termination")

STAGES = ("intake", "assessment", "planning", "intervention", "evaluation", "termination")


def parse_choice(value: str, choices: tuple[str, ...], option: str) -> str:
    """The one of ``choices`` that ``value`` names, ignoring case and surrounding spaces.
    Raises :class:`~ppks_cli.errors.InvalidInput` naming ``option`` and the choices."""
    wanted = value.strip().lower()
    for choice in choices:
        if wanted == choice.lower():
            return choice
    raise InvalidInput(
        "error.invalid_option", option=option,
        detail=Msg("validation.not_a_choice", value=value, expected=", ".join(choices)),
    )  # fmt: skip

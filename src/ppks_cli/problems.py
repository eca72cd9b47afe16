"""A problem found in a file of the repository, as data: what ``ppks check`` reports as
``file:line: message``. Kept apart from :mod:`ppks_cli.validation` (which needs
pydantic) so that the commands that only show problems start fast."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ppks_cli.i18n import Msg, t

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a look) in one file of the repository."""

    file: str  # relative to the repository root, forward slashes
    line: int
    message: Msg
    severity: Severity = "error"
    hint: Msg | None = None  # what a person does to fix it: a command or a hand action

    def render(self) -> str:
        """``file:line: message``, and the fix on the next line (``  → ppks migrate``)."""
        prefix = t("check.warning_prefix") if self.severity == "warning" else ""
        shown = f"{self.file}:{self.line}: {prefix}{self.message}"
        return shown if self.hint is None else f"{shown}\n  → {self.hint}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "severity": self.severity,
            "code": self.message.key,
            "message": str(self.message),
            "fix": None if self.hint is None else str(self.hint),
        }

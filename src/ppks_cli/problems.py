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

    def render(self) -> str:
        prefix = t("check.warning_prefix") if self.severity == "warning" else ""
        return f"{self.file}:{self.line}: {prefix}{self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "severity": self.severity,
            "code": self.message.key,
            "message": str(self.message),
        }

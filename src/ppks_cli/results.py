"""What core operations return: one object per command, rendered by the command line as
text or, with ``--json``, as its :meth:`Result.to_json` form, so the two never disagree
and no command builds JSON by hand.

The JSON forms are part of ppks's interface for scripts: their keys are listed in the
README ("JSON output") and a test runs every command with ``--json`` against that list.
"""

from __future__ import annotations

from typing import Any


class Result:
    """Base of every result object. Subclasses are dataclasses holding plain data (and
    model objects); :meth:`to_json` gives JSON types only (dates as ISO text)."""

    def to_json(self) -> Any:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

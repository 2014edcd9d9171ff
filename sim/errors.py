"""User-facing errors.

Every mistake a user can make in a scenario file or on the command line raises a
:class:`CurtainError` whose message is one line naming the file, the field and what was
expected. The command line prints that line and exits with status 2; it never shows a
traceback for a user's mistake.
"""

from __future__ import annotations


class CurtainError(Exception):
    """A user's mistake, reported as one line (exit status 2 on the command line)."""

    exit_code = 2


class ScenarioError(CurtainError):
    """A scenario or experiment file that cannot be used as written."""

    def __init__(self, source: str, field: str | None, expected: str):
        self.source = source
        self.field = field
        self.expected = expected
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {expected}")

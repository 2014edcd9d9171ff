""" "Did you mean ...?" for a misspelt name: a subcommand, a scenario key or a policy."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` naming the closest choice, or ``""`` when none is close.

    Closeness is difflib's ratio (at least 0.6), the cut-off its own documentation suggests.
    """
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""

"""Where a scenario value was set, and what its comment says it rests on.

Scenario files comment every value as ``evidence`` (with the paper's section) or
``assumption``. The ODD tables show that label beside each value, and calibration refuses
to fit a value labelled evidence. The comment is read from the file that sets the value
last along the ``extends`` chain.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.]+)\s*\]\]?")
_KEY = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=")
_COMMENT = re.compile(r"""^[^#"']*(?:(?:"[^"]*"|'[^']*')[^#"']*)*#\s?(.*)$""")


def chain(path: str | Path) -> list[Path]:
    """The file and its ``extends`` ancestors, child first."""
    path = Path(path)
    files = []
    while path is not None and path not in files:
        files.append(path)
        parent = tomllib.loads(path.read_text(encoding="utf-8")).get("extends")
        path = path.parent / parent if isinstance(parent, str) else None
    return files


def _lines_setting(path: Path, dotted: str) -> str | None:
    """The line of ``path`` that sets ``dotted`` (or the inline table holding it)."""
    parts = dotted.split(".")
    if len(parts) > 2:  # under a [a.b] header, or in an inline table b = { ... } under [a]
        own = _lines_setting_in(path, ".".join(parts[:-1]), parts[-1])
        return own if own is not None else _lines_setting_in(path, parts[0], parts[1])
    return _lines_setting_in(path, ".".join(parts[:-1]), parts[-1])


def _lines_setting_in(path: Path, table: str, key: str) -> str | None:
    current = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        header = _HEADER.match(line)
        if header:
            current = (
                header.group(1) if not line.lstrip().startswith("[[") else "[[" + header.group(1)
            )
            continue
        match = _KEY.match(line)
        if match and current == table and match.group(1) == key:
            return line
    return None


def value_note(path: str | Path, dotted: str) -> tuple[Path | None, str]:
    """(file that sets ``dotted`` last along the chain, that line's comment or '')."""
    for file in chain(path):
        line = _lines_setting(file, dotted)
        if line is not None:
            comment = _COMMENT.match(line)
            return file, comment.group(1).strip() if comment else ""
    return None, ""


def label(comment: str) -> str:
    """'evidence', 'assumption', 'calibrated' or '' from a value's comment."""
    text = comment.lower()
    for word in ("calibrated", "evidence", "assumption"):
        if text.startswith(word):
            return word
    return ""

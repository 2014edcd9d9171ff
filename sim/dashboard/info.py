"""The Info panel's text, read from ``docs/teaching.md`` (one source for the page and the docs).

Like NetLogo's Info tab: what the model is, things to notice, things to try. The page shows
the sections of ``docs/teaching.md`` named in :data:`SECTIONS`, so a teacher who edits the
guide edits the panel too. No Solara here.
"""

from __future__ import annotations

import re
from pathlib import Path

TEACHING = Path(__file__).resolve().parents[2] / "docs" / "teaching.md"
#: The level-2 headings of docs/teaching.md the Info panel shows, in this order.
SECTIONS = ("What the model is", "Things to notice", "Things to try")


def sections(text: str) -> dict[str, str]:
    """Level-2 sections of a Markdown text by heading (the text under each, to the next)."""
    parts = re.split(r"^## +(.+?)\s*$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


def info_markdown(path: Path = TEACHING) -> list[tuple[str, str]]:
    """(heading, Markdown) of each Info section; a sentence saying where to look if the
    guide is not beside the code (an installed copy without the docs folder)."""
    if not path.exists():
        return [("Info", f"The teaching guide is not here ({path}); see docs/teaching.md.")]
    found = sections(path.read_text(encoding="utf-8"))
    return [(name, found[name]) for name in SECTIONS if name in found]


def info_html(path: Path = TEACHING) -> str:
    """The Info sections as HTML (the ``markdown`` package comes with Solara)."""
    import markdown

    parts = []
    for heading, body in info_markdown(path):
        html = markdown.markdown(body, extensions=["tables", "fenced_code"])
        parts.append(f'<section class="info-section"><h3>{heading}</h3>{html}</section>')
    return "".join(parts)

"""MkDocs hook: links from a docs page to a repository file outside ``docs/`` (such as
``../validation/patterns.toml``) are written for reading on the repository; on the site they
become the file's path in code, so ``mkdocs build --strict`` still fails on any broken link
between pages."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent
LINK = re.compile(r"(?<!!)\[([^\]]+)\]\((\.\./[^)\s#]+)(#[^)]*)?\)")


def on_page_markdown(markdown: str, page, config, files) -> str:
    here = (Path(config["docs_dir"]) / page.file.src_path).parent

    def replace(match: re.Match) -> str:
        text, target = match.group(1), match.group(2)
        path = (here / target).resolve()
        try:
            inside_docs = path.is_relative_to(Path(config["docs_dir"]).resolve())
        except ValueError:
            inside_docs = False
        if inside_docs or not path.exists():
            return match.group(0)  # a page link, or broken: leave it for the strict check
        shown = path.relative_to(ROOT).as_posix()
        if text.strip("`") == shown or text.strip("`") == path.name:
            return f"`{shown}`"
        return f"{text} (`{shown}`)"

    return LINK.sub(replace, markdown)

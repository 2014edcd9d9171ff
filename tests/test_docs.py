"""The documentation site builds with `mkdocs build --strict` (every page in the nav, no
broken link between pages, API reference from the docstrings), offline, and the README
stays short and points to it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT

pytest.importorskip("mkdocs")
pytest.importorskip("material")
pytest.importorskip("mkdocstrings")


def test_docs_site_builds_strictly_and_offline(tmp_path):
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        # any fetch at build time goes to a closed port and fails the build
        env={
            "NO_MKDOCS_2_WARNING": "1",
            "HOME": str(tmp_path),
            "HTTP_PROXY": "http://127.0.0.1:9",
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "http_proxy": "http://127.0.0.1:9",
            "https_proxy": "http://127.0.0.1:9",
        },
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    pages = {p.relative_to(site).parts[0] for p in site.glob("*/index.html")}
    assert {
        "getting-started",
        "ODD",
        "scenarios",
        "experiments",
        "discovery",
        "validation",
        "teaching",
        "gallery",
        "api",
        "developer",
    } <= pages
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert "run_experiment" in api and "find_boxes" in api and "load_scenario" in api
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in html, page  # nothing fetched from a CDN
    # benchmark tables live on the developer page, not in the user pages
    assert "speed-up per pair" in (site / "developer" / "index.html").read_text()
    assert "speed-up per pair" not in (site / "experiments" / "index.html").read_text()


def test_readme_is_short_and_links_to_the_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.split()) < 700
    for page in ("docs/getting-started.md", "docs/experiments.md", "docs/discovery.md"):
        assert page in readme and (ROOT / page).exists()
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "cff-version" in (ROOT / "CITATION.cff").read_text()

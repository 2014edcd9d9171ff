"""National validation: Table 1's shares and the organisation-level patterns.

``validation/national.toml`` lists the patterns (``kind``: calibrated or independent) and
names the system file; :func:`measures` reads the national measures of one run;
:func:`validate_national` runs the system for ``reps`` seeds and checks each pattern's mean.
From the command line::

    python -m sim.national.validate [validation/national.toml] --reps 2 [--workers 2] [--json]

`curtain validate` reads its patterns per site from one organisation's run, so a system run
has its own reader here rather than a site in that table.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.scenario import read_toml

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PATTERNS = ROOT / "validation" / "national.toml"
KINDS = ("structural", "calibrated", "independent")


def _orgs_under_5pct(summary, orgs) -> float:
    return float((orgs["response_rate"].fillna(0.0) < 0.05).mean())


def _orgs_all_generic(summary, orgs) -> float:
    stories = orgs["stories"].where(orgs["stories"] > 0)
    return float(((orgs["stories_generic"] / stories).fillna(0.0) >= 0.9).mean())


#: Measure name -> function of (national summary, organisations frame).
MEASURES: dict[str, Callable[[dict[str, Any], Any], float]] = {
    "share_none": lambda s, o: s["share_none"],
    "share_generic": lambda s, o: s["share_generic"],
    "share_personalised": lambda s, o: s["share_personalised"],
    "share_conversational": lambda s, o: s["share_conversational"],
    "share_organisations_answering_under_5pct": _orgs_under_5pct,
    "share_organisations_nearly_all_generic": _orgs_all_generic,
}


def load_patterns(path: str | Path = DEFAULT_PATTERNS) -> tuple[Path, list[dict[str, Any]]]:
    path = Path(path)
    data = read_toml(path)
    system = data.get("system")
    if not isinstance(system, str):
        raise ScenarioError(str(path), "system", "expected a system file name in quotes")
    patterns = data.get("pattern", [])
    for i, p in enumerate(patterns):
        where = f"pattern[{i}]"
        for key in ("id", "kind", "name", "measure"):
            if not isinstance(p.get(key), str):
                raise ScenarioError(str(path), f"{where}.{key}", "expected text in quotes")
        if p["kind"] not in KINDS:
            raise ScenarioError(str(path), f"{where}.kind", f"expected one of {', '.join(KINDS)}")
        if p["measure"] not in MEASURES:
            raise ScenarioError(
                str(path), f"{where}.measure", f"expected one of {', '.join(MEASURES)}"
            )
        if "low" not in p and "high" not in p:
            raise ScenarioError(str(path), where, "expected low, high or both")
    return path.parent / system, patterns


def measures(summary: dict[str, Any], organisations) -> dict[str, float]:
    return {name: float(fn(summary, organisations)) for name, fn in MEASURES.items()}


def check(patterns: list[dict[str, Any]], runs: list[dict[str, float]]) -> list[dict[str, Any]]:
    rows = []
    for p in patterns:
        values = [r[p["measure"]] for r in runs]
        mean = sum(values) / len(values)
        ok = (p.get("low") is None or mean >= p["low"]) and (
            p.get("high") is None or mean <= p["high"]
        )
        rows.append(
            {
                "id": p["id"],
                "kind": p["kind"],
                "name": p["name"],
                "measure": p["measure"],
                "low": p.get("low"),
                "high": p.get("high"),
                "mean": mean,
                "runs": values,
                "passed": ok,
                "calibrated_by": p.get("calibrated_by", []),
            }
        )
    return rows


def validate_national(
    patterns_path: str | Path = DEFAULT_PATTERNS,
    reps: int = 1,
    workers: int = 1,
    days: int | None = None,
    system_path: str | Path | None = None,
) -> list[dict[str, Any]]:
    from sim.national.runner import run_system
    from sim.national.system import load_system

    default_system, patterns = load_patterns(patterns_path)
    runs = []
    for seed in range(1, reps + 1):
        system = load_system(system_path or default_system, seed=seed, days=days)
        result = run_system(system, workers=workers)
        runs.append(measures(result.summary, result.organisations))
    return check(patterns, runs)


def format_rows(rows: list[dict[str, Any]]) -> str:
    lines = []
    for r in rows:
        low = "-" if r["low"] is None else r["low"]
        high = "-" if r["high"] is None else r["high"]
        band = f"[{low}, {high}]"
        lines.append(
            f"{'PASS' if r['passed'] else 'FAIL'}  {r['id']:<26} {r['kind']:<12} "
            f"{r['mean']:.4f} in {band:<16} {r['name']}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the national evidence patterns.")
    parser.add_argument("patterns", nargs="?", default=str(DEFAULT_PATTERNS))
    parser.add_argument("--system", help="system file (default: the patterns file's)")
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        rows = validate_national(args.patterns, args.reps, args.workers, system_path=args.system)
    except ScenarioError as err:
        print(f"curtain: error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(rows, indent=2) if args.json else format_rows(rows))
    return 0 if all(r["passed"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())

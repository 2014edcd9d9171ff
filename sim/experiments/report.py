"""The Markdown report an experiment leaves in its output directory: ``report.md``.

It holds what was run (design, replications, seeds, hash, commit), the table of means with
95% CIs per scenario (and design point), the pairwise differences with effect sizes for
comparisons, sensitivity indices for Morris / Sobol designs, and the figures (PNG files in
``figures/``). The tables are also written as CSV in ``tables/`` for further use.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments import figures, sensitivity
from sim.experiments.analysis import pairwise, summary_table
from sim.experiments.outcomes import OUTCOMES, label
from sim.experiments.spec import OWN_DAYS
from sim.experiments.store import DAILY, MANIFEST


def _fmt(value: float, outcome: str) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    if outcome.startswith("share") or outcome.endswith("_rate") or outcome == "negative_share":
        return f"{value:.1%}"
    if OUTCOMES.get(outcome, (False,))[0] or abs(value) >= 10:
        return f"{value:,.1f}"
    return f"{value:.3f}"


def _cell(row: pd.Series) -> str:
    o = row["outcome"]
    if not np.isfinite(row["ci_low"]):
        return _fmt(row["mean"], o)
    return f"{_fmt(row['mean'], o)} [{_fmt(row['ci_low'], o)}, {_fmt(row['ci_high'], o)}]"


def _markdown(frame: pd.DataFrame) -> str:
    cols = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)


def _daily(out: Path) -> pd.DataFrame:
    """The per-day columns the comparison figures draw (only comparisons read daily data)."""
    columns = ["scenario", "day", *figures.DAILY_FIGURE_COLUMNS]
    return pd.read_parquet(out / DAILY, columns=columns)


def write_report(result) -> Path:
    """Analyse the consolidated results in ``result.out`` and write report.md."""
    exp = result.experiment
    spec = exp.spec
    out = Path(result.out)
    fig_dir = out / "figures"
    tab_dir = out / "tables"
    tab_dir.mkdir(exist_ok=True)
    runs = result.runs
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    outcomes = list(spec.outcomes)
    kind = spec.design.kind
    params = exp.parameter_paths()

    lines = [f"# {spec.name}", ""]
    if spec.description:
        lines += [spec.description, ""]
    counts = manifest["runs"]
    lines += [
        f"- design: **{kind}**; {spec.replications} replications x "
        f"{spec.days or OWN_DAYS} days; "
        f"base seed {spec.base_seed} (replication seeds: `SeedSequence({spec.base_seed})"
        f".spawn({spec.replications})`, the same for every scenario and point)",
        "- scenarios: "
        + ", ".join(f"{lab} (`{s.digest()[:12]}`)" for lab, s in exp.scenarios.items()),
        f"- runs: {counts['total']} ({counts['succeeded']} succeeded, {counts['failed']} failed)",
        f"- experiment sha256 `{manifest['experiment_sha256'][:16]}`, git commit "
        f"`{manifest.get('git_commit')}`",
        "- files: `runs.parquet` (one row per run), `daily.parquet` (per run per day), "
        "`manifest.json`, `tables/*.csv`",
        "",
    ]
    if counts["failed"]:
        failed = [s for s in manifest["status"] if s["status"] == "failed"]
        lines += ["## Failed runs", ""]
        for s in failed[:20]:
            lines.append(
                f"- run {s['run']} ({s['scenario']}, replication {s['replication']}): {s['error']}"
            )
        if len(failed) > 20:
            lines.append(f"- ... and {len(failed) - 20} more (see manifest.json)")
        lines.append("")

    if kind == "compare":
        by = ["scenario"]
    else:  # a sweep over one scenario needs no scenario column
        by = [*(["scenario"] if len(exp.labels) > 1 else []), *params]
    table = summary_table(runs, outcomes, by)
    table.to_csv(tab_dir / "summary.csv", index=False)
    made: list[tuple[str, Path]] = []
    if len(table):
        table["cell"] = table.apply(_cell, axis=1)
        lines += ["## Outcomes: mean [95% CI]", ""]
        if kind == "compare":
            wide = table.pivot(index="outcome", columns="scenario", values="cell")
            wide = wide.reindex(index=outcomes, columns=[c for c in exp.labels if c in wide])
            wide.index = [label(o) for o in wide.index]
            wide.insert(0, "outcome", wide.index)
            lines += [_markdown(wide), ""]
        elif kind in ("factorial",) or len(table) <= 40 * len(outcomes):
            wide = table.pivot_table(
                index=by, columns="outcome", values="cell", aggfunc="first", sort=False
            ).reset_index()
            wide = wide[[*by, *[o for o in outcomes if o in wide]]]
            wide.columns = [*by, *[label(o) for o in outcomes if o in wide]]
            lines += [_markdown(wide), ""]
        else:
            lines += ["(one row per design point: see `tables/summary.csv`)", ""]

    if kind == "compare" and len(exp.labels) > 1:
        diffs = pairwise(runs, outcomes)
        diffs.to_csv(tab_dir / "differences.csv", index=False)
        if len(diffs):
            lines += [
                "## Pairwise differences",
                "",
                "b minus a; Welch 95% CI and p-value; Hedges' g (|g| 0.2 small, 0.5 medium, "
                "0.8 large).",
                "",
            ]
            shown = pd.DataFrame(
                {
                    "outcome": [label(o) for o in diffs["outcome"]],
                    "b - a": [f"{b} - {a}" for a, b in zip(diffs["a"], diffs["b"], strict=True)],
                    "difference [95% CI]": [
                        f"{_fmt(d, o)} [{_fmt(lo, o)}, {_fmt(hi, o)}]"
                        for d, lo, hi, o in zip(
                            diffs["difference"],
                            diffs["ci_low"],
                            diffs["ci_high"],
                            diffs["outcome"],
                            strict=True,
                        )
                    ],
                    "p": [("n/a" if not np.isfinite(p) else f"{p:.2g}") for p in diffs["p"]],
                    "Hedges' g": [
                        ("n/a" if not np.isfinite(g) else f"{g:+.2f}") for g in diffs["hedges_g"]
                    ],
                }
            )
            lines += [_markdown(shown), ""]
        made = figures.compare_figures(exp, runs, _daily(out), fig_dir)
    elif kind == "compare":
        made = figures.compare_figures(exp, runs, _daily(out), fig_dir)
    elif kind == "factorial":
        made = figures.factorial_figures(exp, runs, fig_dir)
    elif kind == "lhs":
        made = figures.sample_figures(exp, runs, fig_dir)
    else:
        sens = sensitivity.indices(exp, runs)
        sens.to_csv(tab_dir / f"sensitivity_{kind}.csv", index=False)
        lines += [f"## Sensitivity ({'Morris' if kind == 'morris' else 'Sobol'})", ""]
        if len(sens):
            shown = sens.copy()
            shown["outcome"] = [label(o) for o in shown["outcome"]]
            for col in shown.columns[3:]:
                shown[col] = [f"{v:.3g}" for v in shown[col]]
            lines += [_markdown(shown), ""]
        path = sensitivity.figure(exp, sens, fig_dir)
        if path is not None:
            made.append(("Sensitivity indices", path))
        made += figures.sample_figures(exp, runs, fig_dir)

    if made:
        lines += ["## Figures", ""]
        for title, path in made:
            lines += [f"### {title}", "", f"![{title}]({path.relative_to(out).as_posix()})", ""]
    report = out / "report.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    return report

"""The Markdown report an experiment leaves in its output directory: ``report.md``.

It leads with the answer: a few sentences generated from the results (which culture or
setting is highest on each key outcome, by how much, with its 95% interval; for sweeps and
sensitivity designs, which parameters matter most, in words, or that the intervals are too
wide to rank them), a key-outcomes table of at most eight rows and the two most telling
figures. Then the caveats (a theoretical model, not a forecast; which outcomes the evidence
patterns check), what was run, and an appendix with the full tables. Every table is also
written as CSV in ``tables/``.

Formatting rules: shares of stories print as percentages; p-values below 0.001 print as
"< 0.001"; no effect size where a group has no spread; an outcome equal to another in every
run is left out of the tables (and named once).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.experiments import figures, sensitivity
from sim.experiments.analysis import (
    duplicate_outcomes,
    format_p,
    pairwise,
    succeeded,
    summary_table,
    welch,
)
from sim.experiments.outcomes import (
    HEADLINE_OUTCOMES,
    KEY_OUTCOMES,
    OUTCOMES,
    axis_label,
    is_share,
    label,
    parameter_label,
    unit,
)
from sim.experiments.spec import OWN_DAYS
from sim.experiments.store import DAILY, MANIFEST


def run_length(spec) -> str:
    """How long each run was, in words."""
    if spec.days:
        return f"{spec.days} days each"
    return (
        f"each scenario over {OWN_DAYS} length (a site file: its history to the end of fieldwork)"
    )


#: Rows of the key-outcomes table at most, and outcomes the lead sentences speak of.
KEY_ROWS = 8
LEAD_SENTENCES = 4

#: The evidence patterns `curtain validate` checks (read to say which outcomes they touch).
PATTERNS = Path(__file__).resolve().parents[2] / "validation" / "patterns.toml"


# ----------------------------------------------------------------------------- formatting


def _decimals(value: float, outcome: str) -> int:
    """Decimals for an outcome of about this size (shares: of the percentage)."""
    if is_share(outcome):
        return 1
    size = abs(value) if np.isfinite(value) else 0.0
    if size >= 1000:
        return 0
    if size >= 10 or OUTCOMES.get(outcome, (False,))[0]:
        return 1
    return 2 if size >= 1 else 3


def fmt(value: float | None, outcome: str, like: float | None = None) -> str:
    """One value of an outcome: shares as percentages, counts and others by magnitude (of
    ``like``, when given, so an interval's ends keep its mean's decimals)."""
    if value is None or not np.isfinite(value):
        return "n/a"
    d = _decimals(value if like is None else like, outcome)
    if is_share(outcome):
        return f"{value:.{d}%}"
    return f"{value:,.{d}f}"


def _bare(value: float, outcome: str, like: float) -> str:
    """A value inside an interval: a share without its % sign."""
    return fmt(value, outcome, like).rstrip("%")


def cell(mean: float, sd: float, lo: float, hi: float, outcome: str) -> str:
    """ "mean [low, high]"; "mean (every run)" when the runs do not differ."""
    if not np.isfinite(mean):
        return "n/a"
    if np.isfinite(sd) and sd == 0:
        return f"{fmt(mean, outcome)} (every run)"
    if not np.isfinite(lo):
        return fmt(mean, outcome)
    return f"{fmt(mean, outcome)} [{_bare(lo, outcome, mean)}, {_bare(hi, outcome, mean)}]"


def difference(value: float, outcome: str) -> str:
    """A difference in the outcome's unit: percentage points for shares."""
    if is_share(outcome):
        return f"{abs(value) * 100:.1f} percentage points"
    if OUTCOMES.get(outcome, (False,))[0] and unit(outcome):
        return f"{fmt(abs(value), outcome)} {unit(outcome)}"
    return fmt(abs(value), outcome)


def _interval(lo: float, hi: float, outcome: str) -> str:
    if is_share(outcome):
        return f"[{lo * 100:.1f}, {hi * 100:.1f}]"
    like = max(abs(lo), abs(hi)) if np.isfinite(lo) and np.isfinite(hi) else None
    return f"[{fmt(lo, outcome, like)}, {fmt(hi, outcome, like)}]"


def markdown(frame: pd.DataFrame) -> str:
    cols = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)


def headline(outcomes: list[str]) -> list[str]:
    """The outcomes the opening sentences speak of: the headline ones reported, or else the
    first key outcomes."""
    chosen = [o for o in HEADLINE_OUTCOMES if o in outcomes]
    return chosen if len(chosen) >= 2 else key_outcomes(outcomes, LEAD_SENTENCES)


def key_outcomes(outcomes: list[str], limit: int = KEY_ROWS) -> list[str]:
    """At most ``limit`` outcomes: the key ones a reader asks about first, then the rest in
    the experiment file's order."""
    first = [o for o in KEY_OUTCOMES if o in outcomes]
    return (first + [o for o in outcomes if o not in first])[:limit]


# ----------------------------------------------------------------------------- caveats


def checked_outcomes(outcomes: list[str], patterns: Path = PATTERNS) -> tuple[int, list[str]]:
    """(number of evidence patterns, the outcomes among ``outcomes`` their expressions read)."""
    import tomllib

    try:
        data = tomllib.loads(patterns.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return 0, []
    found = data.get("pattern", [])
    text = " ".join(str(p.get("expression", "")) for p in found)
    return len(found), [o for o in outcomes if re.search(rf"\b{re.escape(o)}\b", text)]


def caveats(outcomes: list[str]) -> list[str]:
    n, checked = checked_outcomes(outcomes)
    lines = [
        "## Caveats",
        "",
        "- **A theoretical model, not a forecast.** Curtain turns an ethnography of three NHS "
        "Trusts (Ramsey et al. 2023) into rules; its numbers show what those rules imply, "
        "not what a particular Trust will see. Differences between cultures are the "
        "robust part; absolute levels depend on assumed parameters.",
        "- **Intervals are over model runs.** A 95% CI says how precisely the runs pin down "
        "the model's mean, not how uncertain the real world is; with many runs it becomes "
        "narrow whatever the model's assumptions.",
    ]
    if n:
        read = ", ".join(label(o) for o in checked) if checked else "none of these outcomes"
        rest = [label(o) for o in outcomes if o not in checked]
        line = (
            f"- **What is checked against evidence.** `curtain validate` checks {n} evidence "
            f"patterns (`validation/patterns.toml`); among the outcomes here they read {read}."
        )
        if rest:
            line += f" The others ({', '.join(rest)}) are the model's theory, not fitted figures."
        lines.append(line + " See docs/validation.md.")
    return [*lines, ""]


# ----------------------------------------------------------------------------- comparisons


def compare_sentences(runs: pd.DataFrame, table: pd.DataFrame, outcomes: list[str]) -> list[str]:
    """One sentence per key outcome: who is highest, by how much over the next, lowest."""
    ok = succeeded(runs)
    sentences = []
    for outcome in outcomes:
        rows = table[table["outcome"] == outcome].dropna(subset=["mean"])
        if len(rows) < 2:
            continue
        rows = rows.sort_values("mean", ascending=False)
        top, second, low = rows.iloc[0], rows.iloc[1], rows.iloc[-1]
        name = label(outcome)
        name = name[0].upper() + name[1:]
        values = {
            r["scenario"]: ok.loc[ok["scenario"] == r["scenario"], outcome].to_numpy(float)
            for _, r in rows.iterrows()
        }
        diff = welch(values[second["scenario"]], values[top["scenario"]])
        top_cell = cell(top["mean"], top["sd"], top["ci_low"], top["ci_high"], outcome)
        second_cell = cell(
            second["mean"], second["sd"], second["ci_low"], second["ci_high"], outcome
        )
        if top["mean"] == low["mean"]:
            sentences.append(f"**{name}**: the same everywhere, {fmt(top['mean'], outcome)}.")
            continue
        lo, hi = diff["ci_low"], diff["ci_high"]
        if not (np.isfinite(lo) and lo > 0):
            sentence = (
                f"**{name}**: {top['scenario']} ({top_cell}) and {second['scenario']} "
                f"({second_cell}) cannot be told apart (difference "
                f"{_interval(lo, hi, outcome)})"
            )
        else:
            level = rows[rows["mean"] == second["mean"]]["scenario"].tolist()
            both = "both " if len(level) == 2 else "all " if len(level) > 2 else ""
            sentence = (
                f"**{name}**: {top['scenario']} is highest, {top_cell}, "
                f"{difference(diff['difference'], outcome)} above {' and '.join(level)} "
                f"({both}{fmt(second['mean'], outcome)}; difference "
                f"{_interval(lo, hi, outcome)})"
            )
            if len(rows) > 1 + len(level):
                sentence += f"; {low['scenario']} is lowest, {fmt(low['mean'], outcome)}"
        if not (np.isfinite(lo) and lo > 0) and len(rows) > 2:
            sentence += f"; {low['scenario']} is lowest, {fmt(low['mean'], outcome)}"
        sentences.append(sentence + ".")
    return sentences


def overall_sentence(table: pd.DataFrame, outcomes: list[str]) -> str:
    """ "Site C is highest on all four headline outcomes." when one group is, for the
    headline outcomes (on each of which more is better); "" otherwise."""
    if not outcomes or any(o not in HEADLINE_OUTCOMES for o in outcomes):
        return ""
    tops = []
    for outcome in outcomes:
        rows = table[table["outcome"] == outcome].dropna(subset=["mean"])
        if len(rows) < 2 or rows["mean"].nunique() == 1:
            return ""
        best = rows["mean"].max()
        leaders = rows.loc[rows["mean"] == best, "scenario"].tolist()
        if len(leaders) > 1:
            return ""
        tops.append(leaders[0])
    if len(set(tops)) != 1:
        return ""
    words = {2: "both", 3: "all three", 4: "all four"}.get(len(outcomes), f"all {len(outcomes)}")
    names = ", ".join(label(o) for o in outcomes[:-1]) + f" and {label(outcomes[-1])}"
    return f"**{tops[0]} is highest on {words} headline outcomes** ({names})."


def _compare_sections(exp, runs, table, outcomes, dupes, tab_dir) -> tuple[list, list]:
    """(lead lines, appendix lines) of a comparison."""
    labels = [c for c in exp.labels if c in set(table["scenario"])]
    key = key_outcomes(outcomes)
    lead = ["## In short", ""]
    chosen = headline(outcomes)
    sentences = compare_sentences(runs, table, chosen)
    overall = overall_sentence(table, chosen)
    if overall:
        lead += [overall, ""]
    lead += [f"- {s}" for s in sentences] or ["- Fewer than two groups ran: nothing to compare."]
    n = int(table["n"].max()) if len(table) else 0
    lead += ["", f"Mean [95% CI] over {n} runs per culture, {run_length(exp.spec)}.", ""]

    def wide(rows: list[str]) -> pd.DataFrame:
        shown = table[table["outcome"].isin(rows)].copy()
        shown["cell"] = [
            cell(r.mean, r.sd, r.ci_low, r.ci_high, r.outcome) for r in shown.itertuples()
        ]
        frame = shown.pivot(index="outcome", columns="scenario", values="cell")
        frame = frame.reindex(index=rows, columns=labels)
        frame.insert(0, "outcome", [axis_label(o) for o in frame.index])
        return frame

    lead += ["## Key outcomes", "", markdown(wide(key)), ""]
    appendix = ["## All outcomes: mean [95% CI]", "", markdown(wide(outcomes)), ""]
    if dupes:
        appendix += [
            "Left out as equal to another outcome in every run: "
            + "; ".join(f"{label(d)} (= {label(o)})" for d, o in dupes.items())
            + ".",
            "",
        ]
    if len(labels) > 1:
        diffs = pairwise(runs, outcomes)
        diffs.to_csv(tab_dir / "differences.csv", index=False)
        shown = pd.DataFrame(
            {
                "outcome": [axis_label(o) for o in diffs["outcome"]],
                "b - a": [f"{b} - {a}" for a, b in zip(diffs["a"], diffs["b"], strict=True)],
                "difference [95% CI]": [
                    "n/a"
                    if not np.isfinite(d)
                    else f"{'+' if d >= 0 else '-'}{difference(d, o)} {_interval(lo, hi, o)}"
                    for d, lo, hi, o in zip(
                        diffs["difference"],
                        diffs["ci_low"],
                        diffs["ci_high"],
                        diffs["outcome"],
                        strict=True,
                    )
                ],
                "p": [format_p(p) for p in diffs["p"]],
                "Hedges' g": [
                    ("-" if not np.isfinite(g) else f"{g:+.2f}") for g in diffs["hedges_g"]
                ],
            }
        )
        appendix += [
            "## Pairwise differences",
            "",
            "b minus a; Welch 95% CI and p-value; Hedges' g (|g| 0.2 small, 0.5 medium, 0.8 "
            "large), shown only when both groups vary from run to run. With "
            f"{exp.spec.replications} runs a group, small differences reach p < 0.001: read "
            "the size of the difference, not the p-value.",
            "",
            markdown(shown),
            "",
        ]
    return lead, appendix


# ----------------------------------------------------------------------------- sweeps


def _span(outcome: str, lo: float, hi: float) -> str:
    return f"from {fmt(lo, outcome)} to {fmt(hi, outcome)}"


def sweep_sentences(
    runs: pd.DataFrame, table: pd.DataFrame, params: list[str], outcomes: list[str]
) -> list[str]:
    """Per outcome: the factors ranked by how far the outcome's mean moves across their
    values (averaged over the other factors), and where it is highest. Says when the gap
    between the first two is smaller than a typical 95% CI width, too close to rank."""
    sentences = []
    for outcome in outcomes:
        rows = table[table["outcome"] == outcome].dropna(subset=["mean"])
        if rows.empty:
            continue
        name = label(outcome)
        name = name[0].upper() + name[1:]
        moves = []
        for p in params:
            marginal = rows.groupby(p)["mean"].mean()
            moves.append((float(marginal.max() - marginal.min()), p, marginal))
        moves.sort(key=lambda m: -m[0])
        width = float(np.nanmedian(rows["ci_high"] - rows["ci_low"]))
        best = rows.loc[rows["mean"].idxmax()]
        where = ", ".join(f"{parameter_label(p)} = {best[p]}" for p in params)
        best_cell = cell(best["mean"], best["sd"], best["ci_low"], best["ci_high"], outcome)
        first = moves[0]
        text = (
            f"**{name}** moves most with {parameter_label(first[1])} "
            f"({_span(outcome, first[2].min(), first[2].max())} across its values)"
        )
        if len(moves) > 1:
            second = moves[1]
            text += (
                f", then {parameter_label(second[1])} "
                f"({_span(outcome, second[2].min(), second[2].max())})"
            )
            if np.isfinite(width) and first[0] - second[0] < width:
                text += "; the two are too close to rank (their gap is within a typical 95% CI)"
        text += f". Highest at {where}: {best_cell}."
        sentences.append(text)
    return sentences


def sample_sentences(runs: pd.DataFrame, params: list[str], outcomes: list[str]) -> list[str]:
    """Per outcome: parameters ranked by |Spearman rho| between each design point's mean and
    the parameter, with a Fisher-z 95% interval; too wide to rank when the first two
    intervals overlap."""
    ok = succeeded(runs)
    means = ok.groupby(["scenario", "point", *params], sort=False)[outcomes].mean().reset_index()
    n = len(means)
    sentences = []
    if n < 5:
        return ["Too few design points (fewer than 5) to rank the parameters."]
    half = 1.96 / np.sqrt(n - 3)
    for outcome in outcomes:
        y = means[outcome].to_numpy(float)
        if not np.isfinite(y).all() or np.ptp(y) == 0:
            continue
        ranked = []
        for p in params:
            rho = float(stats.spearmanr(means[p], y).statistic)
            if np.isfinite(rho):
                z = np.arctanh(np.clip(abs(rho), 0, 0.999999))
                ranked.append((abs(rho), rho, np.tanh(z - half), np.tanh(z + half), p))
        if not ranked:
            continue
        ranked.sort(key=lambda r: -r[0])
        name = label(outcome)
        name = name[0].upper() + name[1:]
        words = [f"{parameter_label(p)} (rho {rho:+.2f})" for _, rho, _, _, p in ranked[:3]]
        text = f"**{name}** follows " + ", then ".join(words)
        if len(ranked) > 1 and ranked[0][2] <= ranked[1][3]:
            text += "; the first two cannot be ranked (their 95% intervals overlap)"
        if means["scenario"].nunique() > 1:
            by = means.groupby("scenario", sort=False)[outcome].mean()
            text += "; mean by scenario: " + ", ".join(
                f"{lab} {fmt(v, outcome)}" for lab, v in by.items()
            )
        sentences.append(text + ".")
    return sentences


def sensitivity_sentences(kind: str, sens: pd.DataFrame) -> list[str]:
    """Per outcome: parameters ranked by Morris mu* or Sobol ST, in words, flagging an index
    whose interval reaches zero (mu_star_conf >= mu_star, or ST_conf >= ST) and a ranking
    the intervals cannot support."""
    sentences = []
    value, conf = ("mu_star", "mu_star_conf") if kind == "morris" else ("ST", "ST_conf")
    for (scenario, outcome), rows in sens.groupby(["scenario", "outcome"], sort=False):
        rows = rows.sort_values(value, ascending=False)
        name = label(outcome)
        name = name[0].upper() + name[1:]
        if sens["scenario"].nunique() > 1:
            name += f" ({scenario})"
        if rows[value].max() <= 0:
            sentences.append(f"**{name}**: no parameter moves it over these ranges.")
            continue
        top = rows.iloc[0]
        unsure = rows[rows[conf] >= rows[value]]

        def index(v: float, outcome: str = outcome) -> str:
            if kind == "morris" and is_share(outcome):  # mu* is in the outcome's unit
                return f"{v * 100:.2g} points"
            return f"{v:.3g}" if kind == "morris" else f"{v:.2f}"

        shown = [
            f"{parameter_label(r.parameter)} ({index(getattr(r, value))} +/- "
            f"{index(getattr(r, conf))})"
            for r in rows.head(3).itertuples()
        ]
        text = f"**{name}** depends most on " + ", then ".join(shown)
        if len(rows) > 1:
            nxt = rows.iloc[1]
            if top[value] - top[conf] <= nxt[value] + nxt[conf]:
                text += "; the intervals are too wide to rank the first two"
        if len(unsure):
            who = ", ".join(parameter_label(p) for p in unsure["parameter"])
            text += f". Not distinguishable from no effect: {who} (interval reaches zero)"
        sentences.append(text + ".")
    return sentences


def _design_table(table: pd.DataFrame, outcomes: list[str], by: list[str]) -> pd.DataFrame:
    rows = []
    for outcome in outcomes:
        sel = table[table["outcome"] == outcome]
        if sel.empty:
            continue
        rows.append(
            {
                "outcome": axis_label(outcome),
                "lowest point mean": fmt(sel["mean"].min(), outcome),
                "median point mean": fmt(sel["mean"].median(), outcome),
                "highest point mean": fmt(sel["mean"].max(), outcome),
            }
        )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- report


def _daily(out: Path) -> pd.DataFrame:
    """The per-day columns the comparison figures draw (only comparisons read daily data)."""
    import pyarrow.parquet as pq

    stored = set(pq.read_schema(out / DAILY).names)
    columns = ["scenario", "day", *(c for c in figures.DAILY_FIGURE_COLUMNS if c in stored)]
    return pd.read_parquet(out / DAILY, columns=columns)


def _figure_lines(made: list[figures.Figure], out: Path) -> list[str]:
    lines = []
    for fig in made:
        rel = fig.path.relative_to(out).as_posix()
        others = [p.relative_to(out).as_posix() for p in fig.others]
        lines += [f"**{fig.title}.** {fig.caption}", "", f"![{fig.title}]({rel})", ""]
        if others:
            lines += ["Also as " + ", ".join(f"[{Path(o).suffix[1:]}]({o})" for o in others), ""]
    return lines


def write_report(result, formats: tuple[str, ...] = figures.FORMATS) -> Path:
    """Analyse the consolidated results in ``result.out`` and write report.md."""
    exp = result.experiment
    spec = exp.spec
    out = Path(result.out)
    fig_dir = out / "figures"
    tab_dir = out / "tables"
    tab_dir.mkdir(exist_ok=True)
    runs = result.runs
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    kind = spec.design.kind
    params = exp.parameter_paths()
    dupes = duplicate_outcomes(runs, list(spec.outcomes))
    outcomes = [o for o in spec.outcomes if o not in dupes]
    counts = manifest["runs"]

    if kind == "compare":
        by = ["scenario"]
    else:  # a sweep over one scenario needs no scenario column
        by = [*(["scenario"] if len(exp.labels) > 1 else []), *params]
    table = summary_table(runs, list(spec.outcomes), by)
    table.to_csv(tab_dir / "summary.csv", index=False)
    table = table[table["outcome"].isin(outcomes)] if len(table) else table

    lines = [f"# {spec.name}", ""]
    if spec.description:
        lines += [spec.description, ""]
    if counts["failed"]:
        lines += [
            f"**{counts['failed']} of {counts['total']} runs failed** (listed under Failed "
            "runs below); the figures use the runs that succeeded.",
            "",
        ]

    appendix: list[str] = []
    made: list[figures.Figure] = []
    lead_keys: tuple[str, ...] = ()
    if not len(table):
        lines += ["No run succeeded: there is nothing to summarise.", ""]
    elif kind == "compare":
        lead, appendix = _compare_sections(exp, runs, table, outcomes, dupes, tab_dir)
        lines += lead
        made = figures.compare_figures(exp, runs, _daily(out), fig_dir, formats)
        lead_keys = ("response_rate", "changes")
    else:
        lead = ["## In short", ""]
        key = key_outcomes(outcomes)
        if kind == "factorial":
            sentences = sweep_sentences(runs, table, params, headline(outcomes))
            made = figures.factorial_figures(exp, runs, fig_dir, formats)
            lead_keys = ("sweep",)
        elif kind == "lhs":
            sentences = sample_sentences(runs, params, headline(outcomes))
            made = figures.sample_figures(exp, runs, fig_dir, formats)
            lead_keys = ("samples",)
        else:
            sens = sensitivity.indices(exp, runs)
            sens.to_csv(tab_dir / f"sensitivity_{kind}.csv", index=False)
            sentences = sensitivity_sentences(kind, sens)
            made = figures.sensitivity_figure(exp, sens, fig_dir, formats)
            made += figures.sample_figures(exp, runs, fig_dir, formats)
            lead_keys = (f"sensitivity_{kind}", "samples")
            method = "Morris" if kind == "morris" else "Sobol"
            what = (
                "mu* (mean absolute elementary effect: the outcome's change, in its own unit, "
                "over a parameter's whole sampled range) +/- its bootstrap 95% half-width"
                if kind == "morris"
                else "total-order index ST +/- its bootstrap 95% half-width"
            )
            appendix += [f"## Sensitivity ({method})", "", f"Ranked by {what}.", ""]
            if len(sens):
                shown = sens.copy()
                shown["outcome"] = [label(o) for o in shown["outcome"]]
                shown["parameter"] = [parameter_label(p) for p in shown["parameter"]]
                for col in shown.columns[3:]:
                    shown[col] = [f"{v:.3g}" for v in shown[col]]
                if len(exp.labels) == 1:
                    shown = shown.drop(columns="scenario")
                appendix += [markdown(shown), ""]
        n_points = len(table[by].drop_duplicates()) if by else 1
        lead += [f"- {s}" for s in sentences]
        lead += [
            "",
            f"{n_points} design points x {spec.replications} "
            f"replication{'s' if spec.replications != 1 else ''}, {run_length(spec)}"
            + (
                "; each point's value is the mean over its replications."
                if spec.replications > 1
                else "."
            ),
            "",
            "## Key outcomes across the design",
            "",
            markdown(_design_table(table, key, by)),
            "",
        ]
        lines += lead
        summary = table.copy()
        summary["cell"] = [
            cell(r.mean, r.sd, r.ci_low, r.ci_high, r.outcome) for r in summary.itertuples()
        ]
        if kind == "factorial" or len(summary) <= 40 * len(outcomes):
            wide = summary.pivot_table(
                index=by, columns="outcome", values="cell", aggfunc="first", sort=False
            ).reset_index()
            wide = wide[[*by, *[o for o in outcomes if o in wide]]]
            wide.columns = [
                *[parameter_label(b) if b != "scenario" else b for b in by],
                *[axis_label(o) for o in outcomes if o in wide],
            ]
            appendix = [
                "## Every design point: mean [95% CI]",
                "",
                markdown(wide),
                "",
                *appendix,
            ]
        else:
            appendix = [
                "## Every design point",
                "",
                "One row per design point and outcome in `tables/summary.csv`.",
                "",
                *appendix,
            ]

    lead_figs = [f for k in lead_keys for f in made if f.key == k][:2]
    if lead_figs:
        lines += ["## What it looks like", "", *_figure_lines(lead_figs, out)]
    lines += caveats(outcomes)

    lines += [
        "## What was run",
        "",
        f"- design: **{kind}**; {counts['total']} runs ({counts['succeeded']} succeeded, "
        f"{counts['failed']} failed); {spec.replications} replications, {run_length(spec)}",
        f"- seeds: base seed {spec.base_seed}; replication seeds `SeedSequence("
        f"{spec.base_seed}).spawn({spec.replications})`, the same for every scenario and point",
        "- scenarios: "
        + ", ".join(f"{lab} (`{s.digest()[:12]}`)" for lab, s in exp.scenarios.items()),
        f"- experiment sha256 `{manifest['experiment_sha256'][:16]}`, git commit "
        f"`{manifest.get('git_commit')}`",
        "- files: `runs.parquet` (one row per run), `daily.parquet` (per run per day), "
        "`manifest.json`, `tables/*.csv`, `figures/` (" + ", ".join(formats) + ")",
        "",
        "# Appendix",
        "",
        *appendix,
    ]
    rest = [f for f in made if f not in lead_figs]
    if rest:
        lines += ["## More figures", "", *_figure_lines(rest, out)]
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
    report = out / "report.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    return report

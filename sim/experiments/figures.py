"""Figures for an experiment's report (matplotlib, PNG, 150 dpi).

Comparisons get time series of the mean over replications with 95% CI bands (response rate,
response-type mix, changes, reputation) and end-of-run distributions by culture. Factorial
sweeps get each outcome's mean and 95% CI against the first numeric factor, one line per
combination of the others. Latin hypercube samples get each outcome against each parameter.
Days on which a scenario's interventions switch levers are marked with a dotted line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.analysis import daily_bands, succeeded, summary_table
from sim.experiments.outcomes import label
from sim.experiments.spec import LoadedExperiment

DPI = 150

#: Daily columns the comparison figures draw.
DAILY_FIGURE_COLUMNS = (
    "response_rate",
    "response_rate_30d",
    "share_none",
    "share_generic",
    "share_conversational",
    "changes_made",
    "changes_planned",
    "reputation",
)


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "figure.dpi": DPI,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "font.size": 9,
            "axes.titlesize": 10,
            "legend.frameon": False,
        }
    )
    return plt


def _colours(labels: list[str]) -> dict[str, tuple]:
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    return {lab: cmap(i % 10) for i, lab in enumerate(labels)}


def _save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def _interventions(ax, experiment: LoadedExperiment, labels: list[str], colours) -> None:
    for lab in labels:
        for item in experiment.scenarios[lab].interventions:
            if 0 < item.day < (experiment.spec.days or experiment.scenarios[lab].days):
                ax.axvline(item.day, color=colours[lab], linestyle=":", linewidth=1)


def _band(ax, bands: pd.DataFrame, column: str, colour, name: str, style: str = "-") -> None:
    ax.plot(bands["day"], bands[f"{column}_mean"], style, color=colour, label=name, lw=1.5)
    ax.fill_between(
        bands["day"],
        bands[f"{column}_low"],
        bands[f"{column}_high"],
        color=colour,
        alpha=0.2,
        lw=0,
    )


def compare_figures(
    experiment: LoadedExperiment, runs: pd.DataFrame, daily: pd.DataFrame, out: Path
) -> list[tuple[str, Path]]:
    """Time series with CI bands and end-of-run distributions, one colour per scenario."""
    plt = _plt()
    out.mkdir(parents=True, exist_ok=True)
    labels = [lab for lab in experiment.labels if lab in set(runs["scenario"])]
    colours = _colours(experiment.labels)
    n = experiment.spec.replications
    cols = list(DAILY_FIGURE_COLUMNS)
    bands = daily_bands(daily, cols, ["scenario"]) if len(daily) else pd.DataFrame()
    per = {lab: bands[bands["scenario"] == lab] for lab in labels} if len(bands) else {}
    made: list[tuple[str, Path]] = []
    if not per:
        return made
    note = f"mean of {n} runs per scenario, shaded: 95% CI"
    if any(experiment.scenarios[lab].interventions for lab in labels):
        note += "; dotted: intervention days"

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
    for lab in labels:
        _band(axes[0], per[lab], "response_rate", colours[lab], lab)
        _band(axes[1], per[lab], "response_rate_30d", colours[lab], lab)
    axes[0].set_title("Response rate, all stories so far")
    axes[1].set_title("Response rate, stories of the last 30 days")
    for ax in axes:
        ax.set_xlabel("day")
        ax.set_ylim(-0.02, 1.02)
        ax.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
        _interventions(ax, experiment, labels, colours)
    axes[0].set_ylabel("stories answered at least once")
    axes[1].legend(loc="best")
    fig.suptitle(f"Response rate ({note})", fontsize=10)
    made.append(("Response rate", _save(fig, out / "response_rate.png")))

    fig, axes = plt.subplots(1, len(labels), figsize=(3.2 * len(labels), 3.2), sharey=True)
    axes = np.atleast_1d(axes)
    mix = (("share_none", "none", "0.45"), ("share_generic", "generic", "tab:orange"))
    mix += (("share_conversational", "conversational", "tab:blue"),)
    for ax, lab in zip(axes, labels, strict=True):
        for column, name, colour in mix:
            _band(ax, per[lab], column, colour, name)
        ax.set_title(lab)
        ax.set_xlabel("day")
        ax.set_ylim(-0.02, 1.02)
        ax.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
        _interventions(ax, experiment, [lab], {lab: "k"})
    axes[0].set_ylabel("share of stories by best reply")
    axes[-1].legend(loc="best")
    fig.suptitle(f"Response-type mix ({note})", fontsize=10)
    made.append(("Response-type mix", _save(fig, out / "response_mix.png")))

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for lab in labels:
        _band(axes[0], per[lab], "changes_made", colours[lab], lab)
        _band(axes[1], per[lab], "changes_planned", colours[lab], lab)
    axes[0].set_title("Changes made (cumulative)")
    axes[1].set_title("Changes planned, not yet made")
    for ax in axes:
        ax.set_xlabel("day")
        _interventions(ax, experiment, labels, colours)
    axes[0].set_ylabel("changes")
    axes[0].legend(loc="best")
    fig.suptitle(f"Changes from feedback ({note})", fontsize=10)
    made.append(("Changes", _save(fig, out / "changes.png")))

    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    for lab in labels:
        _band(ax, per[lab], "reputation", colours[lab], lab)
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set_xlabel("day")
    ax.set_ylabel("reputation (-1 damning .. +1 favourable)")
    ax.set_title(f"Reputation ({note})")
    _interventions(ax, experiment, labels, colours)
    ax.legend(loc="best")
    made.append(("Reputation", _save(fig, out / "reputation.png")))

    made.append(("End-of-run distributions", distributions(experiment, runs, labels, out)))
    return made


def distributions(
    experiment: LoadedExperiment, runs: pd.DataFrame, labels: list[str], out: Path
) -> Path:
    """Box plots with every run's value, one panel per outcome."""
    plt = _plt()
    ok = succeeded(runs)
    outcomes = list(experiment.spec.outcomes)
    ncol = min(4, len(outcomes))
    nrow = int(np.ceil(len(outcomes) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(2.6 * ncol, 2.5 * nrow), squeeze=False)
    colours = _colours(experiment.labels)
    rng = np.random.default_rng(0)  # jitter only, not a model draw
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        data = [
            ok.loc[ok["scenario"] == lab, outcome].dropna().to_numpy(dtype=float) for lab in labels
        ]
        ax.boxplot(data, widths=0.55, showfliers=False, medianprops={"color": "k"})
        for i, (lab, values) in enumerate(zip(labels, data, strict=True)):
            x = i + 1 + rng.uniform(-0.18, 0.18, len(values))
            ax.plot(x, values, ".", ms=2.5, alpha=0.5, color=colours[lab])
        ax.set_xticks(range(1, len(labels) + 1), labels, rotation=20 if len(labels) > 3 else 0)
        ax.set_title(label(outcome))
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"End-of-run outcomes by culture ({experiment.spec.replications} runs each; "
        "boxes: quartiles, whiskers: 1.5 IQR)",
        fontsize=10,
    )
    fig.tight_layout()
    return _save(fig, out / "distributions.png")


def factorial_figures(
    experiment: LoadedExperiment, runs: pd.DataFrame, out: Path
) -> list[tuple[str, Path]]:
    """Each outcome against the first numeric factor; one line per other combination."""
    plt = _plt()
    out.mkdir(parents=True, exist_ok=True)
    design = experiment.spec.design
    paths = list(design.factors)
    numeric = [p for p in paths if pd.api.types.is_numeric_dtype(runs[p])]
    x = numeric[0] if numeric else paths[0]
    others = [p for p in paths if p != x]
    group_cols = ["scenario", *others]
    table = summary_table(runs, list(experiment.spec.outcomes), [*group_cols, x])
    factor = design.factors[x]
    log_x = getattr(factor, "scale", "linear") == "log"
    outcomes = list(experiment.spec.outcomes)
    ncol = min(3, len(outcomes))
    nrow = int(np.ceil(len(outcomes) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.6 * ncol, 2.9 * nrow), squeeze=False)
    combos = list(dict.fromkeys(map(tuple, table[group_cols].to_numpy())))
    cmap = plt.matplotlib.colormaps["tab10"]
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        rows = table[table["outcome"] == outcome]
        for i, combo in enumerate(combos):
            mask = np.ones(len(rows), dtype=bool)
            for col, value in zip(group_cols, combo, strict=True):
                mask &= (rows[col] == value).to_numpy()
            sel = rows[mask].sort_values(x)
            name = ", ".join(str(v) for v in (combo[1:] if len(experiment.labels) == 1 else combo))
            ax.plot(sel[x], sel["mean"], "o-", ms=3, color=cmap(i % 10), label=name or x)
            ax.fill_between(sel[x], sel["ci_low"], sel["ci_high"], color=cmap(i % 10), alpha=0.2)
        if log_x:
            ax.set_xscale("log")
        ax.set_xlabel(x)
        ax.set_title(label(outcome))
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=min(4, len(names)), title=", ".join(others))
    fig.suptitle(
        f"{experiment.spec.name}: mean of {experiment.spec.replications} runs per point, "
        "shaded: 95% CI",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return [("Outcomes across the sweep", _save(fig, out / "sweep.png"))]


def sample_figures(
    experiment: LoadedExperiment, runs: pd.DataFrame, out: Path
) -> list[tuple[str, Path]]:
    """Each outcome (mean over replications per point) against each sampled parameter."""
    plt = _plt()
    out.mkdir(parents=True, exist_ok=True)
    ok = succeeded(runs)
    params = list(experiment.spec.design.parameters)
    outcomes = list(experiment.spec.outcomes)
    means = ok.groupby(["scenario", "point", *params], sort=False)[outcomes].mean().reset_index()
    fig, axes = plt.subplots(
        len(outcomes),
        len(params),
        figsize=(2.6 * len(params), 2.2 * len(outcomes)),
        squeeze=False,
    )
    colours = _colours(experiment.labels)
    for i, outcome in enumerate(outcomes):
        for j, param in enumerate(params):
            ax = axes[i, j]
            for lab in experiment.labels:
                sel = means[means["scenario"] == lab]
                ax.plot(
                    sel[param], sel[outcome], ".", ms=3, alpha=0.6, color=colours[lab], label=lab
                )
            if experiment.spec.design.parameters[param].scale == "log":
                ax.set_xscale("log")
            if i == len(outcomes) - 1:
                ax.set_xlabel(param)
            if j == 0:
                ax.set_ylabel(label(outcome))
    if len(experiment.labels) > 1:
        axes[0, -1].legend(loc="best")
    fig.suptitle(f"{experiment.spec.name}: each point's mean over its replications", fontsize=10)
    fig.tight_layout()
    return [("Outcomes against each parameter", _save(fig, out / "samples.png"))]

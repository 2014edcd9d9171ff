"""Figures for an experiment's report, drawn once each and saved as PNG (300 dpi) and vector
(SVG by default; ``--figure-format png,svg,pdf``).

House style, the same in every figure:

- one colour-blind-safe palette, Okabe & Ito (2008), with one fixed colour, line style and
  marker per culture: Site A black dotted squares, Site B orange dashed triangles, Site C blue
  solid circles; other scenarios take the remaining colours and styles in order. Response
  types (none / generic / personalised / conversational) and parameters likewise have one
  colour and style each. Markers are spaced and offset per line, so lines that overlap stay
  readable.
- axis labels in words with units; shares of stories as percentages; parameters named by the
  scenario schema's descriptions, not their field names; log axes with plain tick labels at
  1-2-5 steps.
- intervention days drawn in the colour and style of the scenario that has them, with a
  legend entry ("Site A: intervention, day 120").
- widths of a journal column: 3.5 in (single) or 7.2 in (double), 8 pt text.

Comparisons: ``response_rate`` (all stories so far, and the last 30 days), ``response_mix``
(one panel per scenario), ``changes`` (made, and planned not yet made), ``reputation``, and
``distributions`` (key outcomes only, every run's value over a box). Factorial sweeps:
``sweep`` (key outcomes against the first numeric factor, one line per value of the others).
LHS, Morris and Sobol: ``samples`` (key outcomes against each parameter); Morris and Sobol:
``sensitivity_morris`` / ``sensitivity_sobol``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.analysis import daily_bands, succeeded, summary_table
from sim.experiments.outcomes import axis_label, is_share, parameter_label
from sim.experiments.spec import LoadedExperiment
from sim.story import RESPONSE_TYPES

__all__ = ["FORMATS", "Figure", "parameter_label"]

DPI = 300
#: Written by default: a bitmap for quick viewing and a vector file for print.
FORMATS = ("png", "svg")
KNOWN_FORMATS = ("png", "svg", "pdf")
#: Journal column widths, inches.
SINGLE = 3.5
DOUBLE = 7.2
#: Panels in a figure at most (outcomes beyond the key ones go to the tables).
MAX_PANELS = 6

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}

#: (colour, line style, marker) per slot; slots 0-2 belong to Sites A, B and C.
STYLES = (
    (OKABE_ITO["black"], ":", "s"),
    (OKABE_ITO["orange"], "--", "^"),
    (OKABE_ITO["blue"], "-", "o"),
    (OKABE_ITO["vermillion"], "-.", "D"),
    (OKABE_ITO["bluish green"], (0, (5, 1, 1, 1, 1, 1)), "v"),
    (OKABE_ITO["reddish purple"], (0, (1, 1)), "P"),
    (OKABE_ITO["sky blue"], (0, (8, 2)), "X"),
    ("#777777", (0, (3, 1, 3, 3)), "*"),
)
SITE_SLOTS = {"Site A": 0, "Site B": 1, "Site C": 2}

#: Response types: colour and line style (grey for no reply, as in the dashboard).
RESPONSE_STYLES = {
    "none": ("#999999", ":"),
    "generic": (OKABE_ITO["orange"], "--"),
    "personalised": (OKABE_ITO["bluish green"], "-."),
    "conversational": (OKABE_ITO["blue"], "-"),
}

#: Daily columns the comparison figures draw.
DAILY_FIGURE_COLUMNS = (
    "response_rate",
    "response_rate_30d",
    *(f"share_{kind}" for kind in RESPONSE_TYPES),
    "changes_made",
    "changes_planned",
    "reputation",
)


@dataclass(frozen=True)
class Figure:
    """One figure written in one or more formats: ``path`` is the one a report embeds."""

    key: str
    title: str
    caption: str
    path: Path
    others: tuple[Path, ...] = field(default=())


def parse_formats(text: str) -> tuple[str, ...]:
    """``"png,svg"`` -> ("png", "svg"), refusing unknown formats (a user's flag)."""
    from sim.errors import CurtainError

    chosen = tuple(dict.fromkeys(f.strip().lower().lstrip(".") for f in text.split(",") if f))
    bad = [f for f in chosen if f not in KNOWN_FORMATS]
    if bad or not chosen:
        raise CurtainError(
            f"--figure-format: expected a comma-separated list of {', '.join(KNOWN_FORMATS)}, "
            f"got {text!r}"
        )
    return chosen


def styles(labels: list[str]) -> dict[str, tuple]:
    """Each scenario's (colour, line style, marker): Sites A, B and C keep theirs everywhere."""
    taken = {SITE_SLOTS[lab] for lab in labels if lab in SITE_SLOTS}
    free = (i for i in range(len(STYLES) * 4) if i not in taken)
    out = {}
    for lab in labels:
        slot = SITE_SLOTS[lab] if lab in SITE_SLOTS else next(free)
        out[lab] = STYLES[slot % len(STYLES)]
    return out


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": DPI,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "grid.linewidth": 0.5,
            "font.size": 8,
            "axes.titlesize": 8.5,
            "axes.labelsize": 8,
            "legend.fontsize": 7.5,
            "xtick.labelsize": 7.5,
            "ytick.labelsize": 7.5,
            "legend.frameon": False,
            "svg.fonttype": "none",  # text stays text in SVG (editable, searchable)
            "pdf.fonttype": 42,
            "lines.linewidth": 1.4,
        }
    )
    return plt


def _save(fig, out: Path, key: str, formats: tuple[str, ...], title: str, caption: str) -> Figure:
    import matplotlib.pyplot as plt

    paths = []
    for fmt in formats:
        path = out / f"{key}.{fmt}"
        fig.savefig(path, bbox_inches="tight", metadata=_metadata(fmt, title))
        paths.append(path)
    plt.close(fig)
    shown = next((p for p in paths if p.suffix == ".png"), paths[0])
    return Figure(key, title, caption, shown, tuple(p for p in paths if p != shown))


def _metadata(fmt: str, title: str) -> dict:
    if fmt == "png":
        return {"Title": title, "Software": "Curtain (matplotlib)"}
    if fmt == "svg":
        return {"Title": title}
    return {"Title": title, "Creator": "Curtain (matplotlib)"}


def _percent(ax, axis: str = "y") -> None:
    from matplotlib.ticker import PercentFormatter

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(PercentFormatter(1.0, decimals=0))


def _log_axis(ax, axis: str = "x") -> None:
    """A log axis with plain labels at 1-2-5 steps, no labels on minor ticks."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    target = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    low, high = ax.get_xlim() if axis == "x" else ax.get_ylim()
    decades = np.log10(high / low) if low > 0 and high > 0 else 3.0
    # 1-2-5 steps over two decades or less; only powers of ten beyond, so labels never crowd
    subs = (1.0, 2.0, 5.0) if decades <= 2.2 else (1.0,)
    target.set_major_locator(LogLocator(base=10, subs=subs))
    target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.10g}"))
    target.set_minor_formatter(NullFormatter())


def _band(ax, x, mean, low, high, colour, style, marker, name, offset: int = 0) -> None:
    n = len(x)
    every = max(1, n // 8)
    ax.plot(
        x,
        mean,
        linestyle=style,
        color=colour,
        label=name,
        marker=marker,
        ms=3.5,
        markevery=(min(offset * every // 4, max(n - 1, 0)), every),
    )
    ax.fill_between(x, low, high, color=colour, alpha=0.18, lw=0)


def _interventions(ax, experiment: LoadedExperiment, labels: list[str], look) -> bool:
    """Vertical lines at each scenario's intervention days, labelled once; True if any."""
    drawn: dict[int, str] = {}  # day -> the scenario whose line marks it
    for lab in labels:
        days = sorted(
            {
                item.day
                for item in experiment.scenarios[lab].interventions
                if 0 < item.day < (experiment.spec.days or experiment.scenarios[lab].days)
            }
        )
        colour, style, _ = look[lab]
        own = [d for d in days if d not in drawn]  # a shared day keeps the first line only
        shared = [d for d in days if d in drawn]
        for i, day in enumerate(own):
            name = f"{lab}: intervention, day {', '.join(map(str, own))}"
            if shared:
                name += f" (also day {', '.join(map(str, shared))}, as {drawn[shared[0]]})"
            ax.axvline(
                day,
                color=colour,
                linestyle=style,
                lw=0.9,
                alpha=0.8,
                label=name if i == 0 else None,
            )
            drawn[day] = lab
    return bool(drawn)


def _legend_below(fig, axes, ncol: int | None = None) -> None:
    """One legend for the figure, below the panels, from the first axes' entries."""
    handles, names = [], []
    for ax in np.atleast_1d(axes).flat:
        for h, n in zip(*ax.get_legend_handles_labels(), strict=True):
            if n not in names:
                handles.append(h)
                names.append(n)
    # intervention markers after the lines they belong to
    order = sorted(range(len(names)), key=lambda i: ": intervention" in names[i])
    handles, names = [handles[i] for i in order], [names[i] for i in order]
    if handles:
        # as many columns as fit the figure's width (about 13 characters an inch at 7.5 pt)
        room = int(fig.get_figwidth() * 13) - 8
        names = [_wrap(n, room) for n in names]  # a long entry wraps within the figure
        widest = max(len(line) for n in names for line in n.splitlines())
        fits = int((room + 8) // (widest + 8))
        fig.legend(
            handles,
            names,
            loc="outside lower center",
            ncol=max(1, min(ncol or 4, len(names), fits)),
            handlelength=3,
        )


# ----------------------------------------------------------------------------- comparisons


def compare_figures(
    experiment: LoadedExperiment,
    runs: pd.DataFrame,
    daily: pd.DataFrame,
    out: Path,
    formats: tuple[str, ...] = FORMATS,
) -> list[Figure]:
    """Time series (mean over replications, 95% CI band) and end-of-run distributions."""
    plt = _plt()
    out.mkdir(parents=True, exist_ok=True)
    labels = [lab for lab in experiment.labels if lab in set(runs["scenario"])]
    look = styles(experiment.labels)
    n = experiment.spec.replications
    cols = [c for c in DAILY_FIGURE_COLUMNS if c in daily.columns]
    bands = daily_bands(daily, cols, ["scenario"]) if len(daily) else pd.DataFrame()
    per = {lab: bands[bands["scenario"] == lab] for lab in labels} if len(bands) else {}
    made: list[Figure] = []
    if not per:
        return made
    note = f"Lines: mean of {n} runs per scenario; shaded: 95% CI."

    def series(ax, column: str) -> None:
        for i, lab in enumerate(labels):
            b = per[lab]
            colour, style, marker = look[lab]
            _band(
                ax,
                b["day"],
                b[f"{column}_mean"],
                b[f"{column}_low"],
                b[f"{column}_high"],
                colour,
                style,
                marker,
                lab,
                offset=i,
            )

    fig, axes = plt.subplots(1, 2, figsize=(DOUBLE, 2.9), sharey=True, layout="constrained")
    series(axes[0], "response_rate")
    series(axes[1], "response_rate_30d")
    axes[0].set_title("All stories so far")
    axes[1].set_title("Stories of the last 30 days")
    marked = False
    for ax in axes:
        ax.set_xlabel("day of the run")
        ax.set_ylim(-0.02, 1.02)
        _percent(ax)
        marked = _interventions(ax, experiment, labels, look) or marked
    axes[0].set_ylabel("stories answered (%)")
    _legend_below(fig, axes[0])
    extra = " Vertical lines: intervention days." if marked else ""
    made.append(
        _save(
            fig,
            out,
            "response_rate",
            formats,
            "Response rate",
            "Share of stories with at least one reply. " + note + extra,
        )
    )

    kinds = [k for k in RESPONSE_TYPES if f"share_{k}_mean" in bands]
    ncol = min(3, len(labels))
    nrow = int(np.ceil(len(labels) / ncol))
    fig, axes = plt.subplots(
        nrow,
        ncol,
        figsize=(DOUBLE if ncol > 1 else SINGLE, 2.4 * nrow + 0.5),
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    for ax, lab in zip(axes.flat, labels, strict=False):
        for i, kind in enumerate(kinds):
            colour, style = RESPONSE_STYLES.get(kind, ("#777777", "-"))
            b = per[lab]
            col = f"share_{kind}"
            if b[f"{col}_mean"].max() < 0.005:  # a type this scenario never uses: no flat line
                continue
            _band(
                ax,
                b["day"],
                b[f"{col}_mean"],
                b[f"{col}_low"],
                b[f"{col}_high"],
                colour,
                style,
                None,
                "no reply" if kind == "none" else kind,
                offset=i,
            )
        ax.set_title(lab)
        ax.set_xlabel("day of the run")
        ax.set_ylim(-0.02, 1.02)
        _percent(ax)
        _interventions(ax, experiment, [lab], look)
    for ax in list(axes.flat)[len(labels) :]:
        ax.set_visible(False)
    for row in axes:
        row[0].set_ylabel("stories by best reply (%)")
    _legend_below(fig, axes, ncol=5)
    made.append(
        _save(
            fig,
            out,
            "response_mix",
            formats,
            "Response-type mix",
            "Share of stories by the best reply they received so far, per scenario (types a "
            "scenario never uses, below 0.5% throughout, are not drawn). " + note,
        )
    )

    fig, axes = plt.subplots(1, 2, figsize=(DOUBLE, 2.9), layout="constrained")
    series(axes[0], "changes_made")
    series(axes[1], "changes_planned")
    axes[0].set_title("Changes made (cumulative)")
    axes[1].set_title("Changes planned, not yet made")
    for ax in axes:
        ax.set_xlabel("day of the run")
        ax.set_ylabel("changes")
        _interventions(ax, experiment, labels, look)
    _legend_below(fig, axes[0])
    made.append(
        _save(
            fig,
            out,
            "changes",
            formats,
            "Changes from feedback",
            "Service changes that came from online stories. " + note + extra,
        )
    )

    fig, ax = plt.subplots(figsize=(SINGLE, 3.0), layout="constrained")
    series(ax, "reputation")
    ax.set_xlabel("day of the run")
    ax.set_ylim(-0.02, 1.02)
    _percent(ax)
    ax.set_ylabel(axis_label("reputation"))
    _interventions(ax, experiment, labels, look)
    _legend_below(fig, ax, ncol=2)
    made.append(
        _save(
            fig,
            out,
            "reputation",
            formats,
            "Reputation",
            "The audience's judgement of the organisation from what it sees. " + note + extra,
        )
    )
    made.append(distributions(experiment, runs, labels, out, formats))
    return made


def distributions(
    experiment: LoadedExperiment,
    runs: pd.DataFrame,
    labels: list[str],
    out: Path,
    formats: tuple[str, ...] = FORMATS,
) -> Figure:
    """Every run's end value over a box (quartiles), key outcomes only."""
    from sim.experiments.report import key_outcomes

    plt = _plt()
    ok = succeeded(runs)
    outcomes = key_outcomes(list(experiment.spec.outcomes), MAX_PANELS)
    ncol = min(3, len(outcomes))
    nrow = int(np.ceil(len(outcomes) / ncol))
    fig, axes = plt.subplots(
        nrow, ncol, figsize=(DOUBLE, 2.2 * nrow + 0.3), squeeze=False, layout="constrained"
    )
    look = styles(experiment.labels)
    rng = np.random.default_rng(0)  # jitter only, not a model draw
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        data = [
            ok.loc[ok["scenario"] == lab, outcome].dropna().to_numpy(dtype=float) for lab in labels
        ]
        ax.boxplot(
            data,
            widths=0.55,
            showfliers=False,
            medianprops={"color": "k"},
            whis=(0, 100),
        )
        for i, (lab, values) in enumerate(zip(labels, data, strict=True)):
            colour, _, marker = look[lab]
            x = i + 1 + rng.uniform(-0.18, 0.18, len(values))
            ax.plot(x, values, marker, ms=2.2, alpha=0.45, color=colour, ls="none")
        ax.set_xticks(range(1, len(labels) + 1), labels, rotation=20 if len(labels) > 3 else 0)
        ax.set_ylabel(axis_label(outcome))
        ax.grid(axis="x", visible=False)
        if is_share(outcome):
            _percent(ax)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    return _save(
        fig,
        out,
        "distributions",
        formats,
        "End-of-run outcomes",
        f"Every run's value at the end ({experiment.spec.replications} runs per scenario); "
        "boxes: quartiles and median, whiskers: the full range.",
    )


# ----------------------------------------------------------------------------- sweeps


def factorial_figures(
    experiment: LoadedExperiment,
    runs: pd.DataFrame,
    out: Path,
    formats: tuple[str, ...] = FORMATS,
) -> list[Figure]:
    """Key outcomes against the first numeric factor; one line per other combination."""
    from sim.experiments.report import key_outcomes

    plt = _plt()
    out.mkdir(parents=True, exist_ok=True)
    design = experiment.spec.design
    paths = list(design.factors)
    numeric = [p for p in paths if pd.api.types.is_numeric_dtype(runs[p])]
    x = numeric[0] if numeric else paths[0]
    others = [p for p in paths if p != x]
    many = len(experiment.labels) > 1
    group_cols = [*(["scenario"] if many else []), *others]
    outcomes = key_outcomes(list(experiment.spec.outcomes), MAX_PANELS)
    table = summary_table(runs, outcomes, [*group_cols, x] if group_cols else [x])
    factor = design.factors[x]
    log_x = getattr(factor, "scale", "linear") == "log"
    ncol = min(3, len(outcomes))
    nrow = int(np.ceil(len(outcomes) / ncol))
    fig, axes = plt.subplots(
        nrow, ncol, figsize=(DOUBLE, 2.3 * nrow + 0.6), squeeze=False, layout="constrained"
    )
    combos = list(dict.fromkeys(map(tuple, table[group_cols].to_numpy()))) if group_cols else [()]
    look = styles([", ".join(map(str, c)) for c in combos])
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        rows = table[table["outcome"] == outcome]
        for combo in combos:
            mask = np.ones(len(rows), dtype=bool)
            for col, value in zip(group_cols, combo, strict=True):
                mask &= (rows[col] == value).to_numpy()
            sel = rows[mask].sort_values(x)
            key = ", ".join(map(str, combo))
            colour, style, marker = look[key]
            name = ", ".join(_words(v) for v in combo)
            ax.plot(
                sel[x],
                sel["mean"],
                linestyle=style,
                marker=marker,
                ms=3.5,
                color=colour,
                label=name or "mean",
            )
            ax.fill_between(sel[x], sel["ci_low"], sel["ci_high"], color=colour, alpha=0.18, lw=0)
        if log_x:
            _log_axis(ax, "x")
        ax.set_xlabel(parameter_label(x))
        ax.set_ylabel(axis_label(outcome))
        if is_share(outcome):
            _percent(ax)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    handles, names = axes.flat[0].get_legend_handles_labels()
    if group_cols:
        fig.legend(
            handles,
            names,
            loc="outside lower center",
            ncol=min(4, len(names)),
            title=", ".join(c if c == "scenario" else parameter_label(c) for c in group_cols),
            handlelength=3,
        )
    return [
        _save(
            fig,
            out,
            "sweep",
            formats,
            "Outcomes across the sweep",
            f"Mean of {experiment.spec.replications} runs per design point; shaded: 95% CI.",
        )
    ]


def sample_figures(
    experiment: LoadedExperiment,
    runs: pd.DataFrame,
    out: Path,
    formats: tuple[str, ...] = FORMATS,
) -> list[Figure]:
    """Key outcomes (each point's mean over its replications) against each parameter."""
    from sim.experiments.report import key_outcomes

    plt = _plt()
    out.mkdir(parents=True, exist_ok=True)
    ok = succeeded(runs)
    params = list(experiment.spec.design.parameters)
    outcomes = key_outcomes(list(experiment.spec.outcomes), 4)
    means = ok.groupby(["scenario", "point", *params], sort=False)[outcomes].mean().reset_index()
    fig, axes = plt.subplots(
        len(outcomes),
        len(params),
        figsize=(DOUBLE, 1.5 * len(outcomes) + 0.6),
        squeeze=False,
        sharey="row",
        layout="constrained",
    )
    look = styles(experiment.labels)
    for i, outcome in enumerate(outcomes):
        for j, param in enumerate(params):
            ax = axes[i, j]
            for lab in experiment.labels:
                sel = means[means["scenario"] == lab]
                colour, _, marker = look[lab]
                ax.plot(
                    sel[param],
                    sel[outcome],
                    marker,
                    ms=2.5,
                    alpha=0.6,
                    color=colour,
                    label=lab,
                    ls="none",
                )
            if experiment.spec.design.parameters[param].scale == "log":
                _log_axis(ax, "x")
            if is_share(outcome):
                _percent(ax)
            if i == len(outcomes) - 1:
                ax.set_xlabel(_wrap(parameter_label(param), 90 // len(params) + 2), fontsize=6.5)
            if j == 0:
                ax.set_ylabel(_wrap(axis_label(outcome), 22))
    if len(experiment.labels) > 1:
        _legend_below(fig, axes[0, 0])
    return [
        _save(
            fig,
            out,
            "samples",
            formats,
            "Outcomes against each parameter",
            "Each dot is one design point's mean over its replications.",
        )
    ]


def _words(value) -> str:
    """A design value for a legend: policy names without underscores."""
    return str(value).replace("_", " ") if isinstance(value, str) else f"{value:g}"


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def sensitivity_figure(
    experiment: LoadedExperiment,
    table: pd.DataFrame,
    out: Path,
    formats: tuple[str, ...] = FORMATS,
) -> list[Figure]:
    """Morris: mu* against sigma per outcome. Sobol: S1 and ST bars with 95% CIs."""
    if table.empty:
        return []
    plt = _plt()
    out.mkdir(parents=True, exist_ok=True)
    keys = list(dict.fromkeys(map(tuple, table[["scenario", "outcome"]].to_numpy())))[:MAX_PANELS]
    ncol = 2 if len(keys) == 4 else min(3, len(keys))
    nrow = int(np.ceil(len(keys) / ncol))
    kind = experiment.spec.design.kind
    fig, axes = plt.subplots(
        nrow,
        ncol,
        figsize=(DOUBLE, 2.5 * nrow + 0.8),
        squeeze=False,
        layout="constrained",
        sharey=kind == "sobol",  # the parameters' names once, on the left
    )
    many = len(experiment.labels) > 1
    params = list(dict.fromkeys(table["parameter"]))
    look = {p: STYLES[(i + 3) % len(STYLES)] for i, p in enumerate(params)}
    for ax, (lab, outcome) in zip(axes.flat, keys, strict=False):
        sel = table[(table["scenario"] == lab) & (table["outcome"] == outcome)]
        ax.set_title(_wrap(axis_label(outcome) + (f" ({lab})" if many else ""), 40))
        if kind == "morris":
            for row in sel.itertuples():
                colour, _, marker = look[row.parameter]
                ax.errorbar(
                    row.mu_star,
                    row.sigma,
                    xerr=row.mu_star_conf,
                    fmt=marker,
                    ms=4,
                    color=colour,
                    label=parameter_label(row.parameter),
                    capsize=2,
                    lw=0.8,
                )
            top = float(max(sel["mu_star"].max(), sel["sigma"].max(), 1e-12)) * 1.1
            ax.plot([0, top], [0, top], ":", color="0.5", lw=0.8)
            ax.set_xlabel("mu*: overall influence")
            ax.set_ylabel("sigma: interaction")
            if is_share(outcome):
                _percent(ax, "x")
                _percent(ax, "y")
        else:
            # horizontal bars, one row per parameter (in the same order in every panel), so
            # the parameters' names have room on the left of the first column
            pos = np.arange(len(params))
            sel = sel.set_index("parameter").reindex(params)
            ax.barh(
                pos - 0.18,
                sel["S1"],
                0.36,
                xerr=sel["S1_conf"],
                label="S1 (first order)",
                capsize=2,
                color=OKABE_ITO["sky blue"],
            )
            ax.barh(
                pos + 0.18,
                sel["ST"],
                0.36,
                xerr=sel["ST_conf"],
                label="ST (total)",
                capsize=2,
                color=OKABE_ITO["blue"],
                hatch="//",
                edgecolor="white",
            )
            ax.set_yticks(pos, [_wrap(parameter_label(p), 28) for p in params], fontsize=6.5)
            ax.set_ylim(len(params) - 0.5, -0.5)  # first parameter on top (axes are shared)
            ax.set_xlabel("Sobol index (share of variance)")
            ax.axvline(0, color="0.5", lw=0.6)
            ax.grid(axis="y", visible=False)
    for ax in list(axes.flat)[len(keys) :]:
        ax.set_visible(False)
    _legend_below(fig, axes.flat[0], ncol=2)
    if kind == "morris":
        caption = (
            "Morris screening: mu* (horizontal, with its bootstrap 95% interval) is a "
            "parameter's overall influence, sigma its interactions or non-linearity; "
            "dotted: sigma = mu*."
        )
    else:
        caption = "Sobol indices with bootstrap 95% intervals: S1 alone, ST with interactions."
    return [_save(fig, out, f"sensitivity_{kind}", formats, "Sensitivity indices", caption)]

"""Global sensitivity analysis with SALib, on an experiment's Morris or Sobol design.

Each design point's outcome is the mean over its replications (so the model's own noise is
averaged before the indices are estimated). Per outcome and scenario:

- Morris elementary effects (Morris 1991; mu* after Campolongo et al. 2007): ``mu_star``
  (mean absolute effect: overall influence), ``sigma`` (spread of the effects: interactions
  or non-linearity), with ``mu_star_conf`` (bootstrap 95% half-width). SALib
  ``SALib.analyze.morris.analyze`` on the design's own trajectories.
- Sobol indices (Sobol 2001; Saltelli 2002 and Saltelli et al. 2010 estimators): first-order
  ``S1`` and total ``ST`` with bootstrap 95% half-widths. SALib ``SALib.analyze.sobol.analyze``.

Log-scaled parameters are analysed in log10 units, as they were sampled.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.analysis import succeeded
from sim.experiments.design import salib_problem, salib_sample, sampler_seed
from sim.experiments.outcomes import label
from sim.experiments.spec import LoadedExperiment


def indices(experiment: LoadedExperiment, runs: pd.DataFrame) -> pd.DataFrame:
    """A tidy table: scenario, outcome, parameter and the method's indices."""
    design = experiment.spec.design
    problem = salib_problem(design.parameters)
    x = salib_sample(experiment)
    seed = sampler_seed(experiment.spec.base_seed)
    ok = succeeded(runs)
    rows = []
    for lab in experiment.labels:
        sel = ok[ok["scenario"] == lab]
        for outcome in experiment.spec.outcomes:
            y = sel.groupby("point")[outcome].mean().reindex(range(len(x))).to_numpy(float)
            if not np.isfinite(y).all():
                continue  # a point without a successful run (or an undefined outcome)
            if design.kind == "morris":
                from SALib.analyze import morris

                res = morris.analyze(problem, x, y, num_levels=design.levels, seed=seed)
                for i, name in enumerate(problem["names"]):
                    rows.append(
                        {
                            "scenario": lab,
                            "outcome": outcome,
                            "parameter": name,
                            "mu_star": float(res["mu_star"][i]),
                            "mu_star_conf": float(res["mu_star_conf"][i]),
                            "sigma": float(res["sigma"][i]),
                            "mu": float(res["mu"][i]),
                        }
                    )
            else:
                from SALib.analyze import sobol

                res = sobol.analyze(problem, y, calc_second_order=design.second_order, seed=seed)
                for i, name in enumerate(problem["names"]):
                    rows.append(
                        {
                            "scenario": lab,
                            "outcome": outcome,
                            "parameter": name,
                            "S1": float(res["S1"][i]),
                            "S1_conf": float(res["S1_conf"][i]),
                            "ST": float(res["ST"][i]),
                            "ST_conf": float(res["ST_conf"][i]),
                        }
                    )
    return pd.DataFrame(rows)


def figure(experiment: LoadedExperiment, table: pd.DataFrame, out: Path) -> Path | None:
    """Morris: mu* against sigma per outcome. Sobol: S1 and ST bars with 95% CIs."""
    if table.empty:
        return None
    from sim.experiments.figures import _plt, _save

    plt = _plt()
    out.mkdir(parents=True, exist_ok=True)
    keys = list(dict.fromkeys(map(tuple, table[["scenario", "outcome"]].to_numpy())))
    ncol = min(3, len(keys))
    nrow = int(np.ceil(len(keys) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.8 * ncol, 3.2 * nrow), squeeze=False)
    kind = experiment.spec.design.kind
    many = len(experiment.labels) > 1
    cmap = plt.matplotlib.colormaps["tab10"]
    for ax, (lab, outcome) in zip(axes.flat, keys, strict=False):
        sel = table[(table["scenario"] == lab) & (table["outcome"] == outcome)]
        title = f"{label(outcome)}" + (f" ({lab})" if many else "")
        if kind == "morris":
            # one colour per parameter and a shared legend: labels on the points overlap
            for i, row in enumerate(sel.itertuples()):
                ax.errorbar(
                    row.mu_star,
                    row.sigma,
                    xerr=row.mu_star_conf,
                    fmt="o",
                    ms=5,
                    color=cmap(i % 10),
                    label=row.parameter,
                    capsize=2,
                )
            top = float(max(sel["mu_star"].max(), sel["sigma"].max(), 1e-12)) * 1.1
            ax.plot([0, top], [0, top], ":", color="0.5", lw=0.8)
            ax.set_xlabel("mu* (overall influence)")
            ax.set_ylabel("sigma (interaction / non-linearity)")
        else:
            pos = np.arange(len(sel))
            ax.bar(
                pos - 0.18,
                sel["S1"],
                0.36,
                yerr=sel["S1_conf"],
                label="S1 (first order)",
                capsize=2,
            )
            ax.bar(pos + 0.18, sel["ST"], 0.36, yerr=sel["ST_conf"], label="ST (total)", capsize=2)
            ax.set_xticks(pos, sel["parameter"], rotation=30, ha="right", fontsize=7)
            ax.set_ylabel("Sobol index")
            ax.axhline(0, color="0.5", lw=0.8)
        ax.set_title(title)
    for ax in list(axes.flat)[len(keys) :]:
        ax.set_visible(False)
    if kind == "sobol":
        axes.flat[0].legend(loc="best")
    what = "Morris mu* / sigma" if kind == "morris" else "Sobol indices, bars: 95% CI"
    fig.suptitle(f"{experiment.spec.name}: {what}", fontsize=10)
    if kind == "morris":
        handles, names = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, names, loc="lower center", ncol=min(3, len(names)))
        fig.tight_layout(rect=(0, 0.1, 1, 1))
    else:
        fig.tight_layout()
    return _save(fig, out / f"sensitivity_{kind}.png")

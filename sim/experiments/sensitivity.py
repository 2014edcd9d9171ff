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

import numpy as np
import pandas as pd

from sim.experiments.analysis import succeeded
from sim.experiments.design import salib_problem, salib_sample, sampler_seed
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

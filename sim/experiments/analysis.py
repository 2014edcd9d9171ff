"""What replicated runs say: means with 95% confidence intervals, and pairwise differences.

- Confidence intervals are t-based: mean +/- t(0.975, n - 1) * sd / sqrt(n) over the
  replications (runs are independent given their seeds).
- Pairwise differences between scenarios use Welch's t-test (unequal variances; Welch 1947)
  with the Welch-Satterthwaite degrees of freedom for the interval, and Hedges' g as the
  effect size: the difference over the pooled standard deviation, times the small-sample
  correction J = 1 - 3 / (4 (n1 + n2) - 9) (Hedges 1981). It is left out (NaN) when either
  group has no spread: a standardised difference over a near-zero SD is not a size.
- p-values print as "< 0.001" below one in a thousand (:func:`format_p`).

Only runs that succeeded enter; failed runs are listed in the manifest.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy import stats

from sim.experiments.task import SUCCEEDED


def succeeded(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"] == SUCCEEDED]


def mean_ci(values: np.ndarray) -> tuple[int, float, float, float, float]:
    """(n, mean, sd, ci_low, ci_high) of the finite values, 95% t interval."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return 0, np.nan, np.nan, np.nan, np.nan
    mean = float(x.mean())
    if n == 1:
        return 1, mean, np.nan, np.nan, np.nan
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n))
    return n, mean, sd, mean - half, mean + half


def summary_table(runs: pd.DataFrame, outcomes: list[str], by: list[str]) -> pd.DataFrame:
    """One row per group and outcome: n, mean, sd and the 95% CI."""
    rows = []
    ok = succeeded(runs)
    for key, group in ok.groupby(by, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        for outcome in outcomes:
            n, mean, sd, lo, hi = mean_ci(group[outcome].to_numpy(dtype=float, na_value=np.nan))
            rows.append(
                {
                    **dict(zip(by, key, strict=True)),
                    "outcome": outcome,
                    "n": n,
                    "mean": mean,
                    "sd": sd,
                    "ci_low": lo,
                    "ci_high": hi,
                }
            )
    return pd.DataFrame(rows)


def welch(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Difference b - a: mean, Welch 95% CI, p-value, and Hedges' g."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    n1, n2 = len(a), len(b)
    out = {
        "difference": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "p": np.nan,
        "hedges_g": np.nan,
    }
    if n1 < 2 or n2 < 2:
        return out
    m1, m2 = a.mean(), b.mean()
    v1, v2 = a.var(ddof=1), b.var(ddof=1)
    diff = m2 - m1
    out["difference"] = float(diff)
    se2 = v1 / n1 + v2 / n2
    pooled = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
    if se2 > 0:
        df = se2**2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
        half = stats.t.ppf(0.975, df) * np.sqrt(se2)
        out["ci_low"], out["ci_high"] = float(diff - half), float(diff + half)
        out["p"] = float(2 * stats.t.sf(abs(diff) / np.sqrt(se2), df))
    else:  # no spread in either group: the difference is known exactly
        out["ci_low"] = out["ci_high"] = float(diff)
        out["p"] = 1.0 if diff == 0 else 0.0
    if v1 > 0 and v2 > 0:  # an effect size needs spread in both groups
        j = 1 - 3 / (4 * (n1 + n2) - 9)
        out["hedges_g"] = float(j * diff / pooled)
    return out


def format_p(p: float) -> str:
    """A p-value for a reader: "< 0.001" when below it, else two significant figures."""
    if p is None or not np.isfinite(p):
        return "n/a"
    if p < 0.001:
        return "< 0.001"
    return f"{p:.2g}" if p < 0.1 else f"{p:.2f}"


def duplicate_outcomes(runs: pd.DataFrame, outcomes: list[str]) -> dict[str, str]:
    """Outcomes equal to an earlier one in every successful run: {duplicate: original}.

    Such a row says nothing new (in a run where every reply is generic, the share answered
    generically is the response rate), so reports leave it out and say so.
    """
    ok = succeeded(runs)
    found: dict[str, str] = {}
    kept: list[str] = []
    for outcome in outcomes:
        values = ok[outcome].to_numpy(dtype=float, na_value=np.nan)
        twin = next(
            (
                k
                for k in kept
                if np.allclose(
                    values,
                    ok[k].to_numpy(float, na_value=np.nan),
                    equal_nan=True,
                    rtol=0,
                    atol=1e-12,
                )
            ),
            None,
        )
        if twin is None or len(ok) == 0:
            kept.append(outcome)
        else:
            found[outcome] = twin
    return found


def pairwise(runs: pd.DataFrame, outcomes: list[str], by: str = "scenario") -> pd.DataFrame:
    """Every pair of groups (in order of appearance), every outcome: b minus a."""
    ok = succeeded(runs)
    groups = list(dict.fromkeys(ok[by]))
    rows = []
    for a, b in itertools.combinations(groups, 2):
        for outcome in outcomes:
            xa = ok.loc[ok[by] == a, outcome].to_numpy(dtype=float, na_value=np.nan)
            xb = ok.loc[ok[by] == b, outcome].to_numpy(dtype=float, na_value=np.nan)
            rows.append({"a": a, "b": b, "outcome": outcome, **welch(xa, xb)})
    return pd.DataFrame(rows)


def daily_bands(daily: pd.DataFrame, columns: list[str], by: list[str]) -> pd.DataFrame:
    """Per group and day: mean and 95% CI of each column over the runs."""
    grouped = daily.groupby([*by, "day"], sort=False)[columns]
    mean = grouped.mean()
    sd = grouped.std(ddof=1)
    n = grouped.count()
    t = pd.DataFrame(
        stats.t.ppf(0.975, np.maximum(n.to_numpy() - 1, 1)), index=n.index, columns=columns
    )
    half = t * sd / np.sqrt(n)
    out = mean.add_suffix("_mean")
    out = out.join((mean - half).add_suffix("_low")).join((mean + half).add_suffix("_high"))
    return out.reset_index()

"""Scenario discovery: which ranges of the levers lead to the outcome you want?

``curtain discover RESULTS_DIR --where "EXPRESSION"`` reads a finished sweep (a factorial,
Latin hypercube, Morris or Sobol design), marks each successful run as a case of interest
when the expression holds for it (for instance ``changes_made / stories > 0.02 and
response_rate > 0.8``), and runs PRIM, the Patient Rule Induction Method (Friedman & Fisher
1999), as used for scenario discovery by Bryant & Lempert (2010) and Kwakkel & Jaxa-Rozen
(2016). PRIM peels thin slices off a box in the space of the design's inputs, each time the
slice whose removal raises the share of cases of interest inside the box most, until the box
holds too few runs; then it pastes back slices that help. Each step of the peeling is a box
with a

- **coverage**: the share of all cases of interest that fall inside the box;
- **density**: the share of runs inside the box that are cases of interest;
- **mass**: the share of all runs inside the box.

Tighter boxes are denser but cover less: the peeling trajectory is that trade-off. The box
reported is the one with the highest coverage among those with density at least
``--density`` (default 0.8), or the densest when none reaches it. Each restricted input gets
PRIM's quasi-p value (a one-sided binomial test of whether the restriction adds density by
chance; Bryant & Lempert 2010). Further boxes (``--boxes N``) are found after removing the
runs in the earlier ones.

The PRIM used is EMA Workbench's (``ema_workbench.analysis.prim``, Kwakkel 2017), installed
with ``pip install 'curtain[discovery]'``. Inputs are the design's fields (dotted names, as
in ``runs.parquet``) and, when the sweep ran more than one scenario, the scenario label (a
categorical input). Each run is one case (replications are separate cases: a box that holds
only for some seeds shows it in its density).

Writes ``discovery/`` in the results directory (or ``--out``): ``boxes.csv`` (box, input,
low, high or the categories kept, quasi-p, coverage, density, mass, runs), ``peeling.csv``,
``peeling.png`` / ``.svg`` (the trade-off, the chosen box marked), ``box.png`` / ``.svg``
(each box's ranges within the design's ranges) and ``discovery.md``; and a section in the
experiment's ``report.md`` (replaced when run again).
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import CurtainError
from sim.experiments.outcomes import OUTCOMES, parameter_label
from sim.experiments.task import RUN_COLUMNS, SUCCEEDED
from sim.suggest import did_you_mean

#: The scenario as a PRIM input: EMA Workbench drops a column named "scenario" (its own
#: bookkeeping), so it goes in under another name and comes back as "scenario".
SCENARIO = "scenario"
SCENARIO_INPUT = "scenario label"
#: Columns of runs.parquet that are bookkeeping, not design inputs.
BOOKKEEPING = {*RUN_COLUMNS, "seed", "status", "error"}
SECTION_START = "<!-- curtain discover: start -->"
SECTION_END = "<!-- curtain discover: end -->"

#: Operators an expression may use: arithmetic, comparisons, and / or / not.
_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Compare,
    ast.Gt,
    ast.GtE,
    ast.Lt,
    ast.LtE,
    ast.Eq,
    ast.NotEq,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Attribute,
)


@dataclass
class Box:
    """One box: its limits per restricted input and its statistics."""

    number: int
    limits: pd.DataFrame  # input, low, high, categories, qp
    coverage: float
    density: float
    mass: float
    runs: int
    trajectory: pd.DataFrame  # coverage, density, mass, res_dim per peeling step
    chosen: int  # the step reported


def design_inputs(runs: pd.DataFrame) -> list[str]:
    """The columns a sweep varied: design fields, and the scenario when there are several."""
    inputs = [c for c in runs.columns if c not in BOOKKEEPING and c not in OUTCOMES]
    if runs["scenario"].nunique() > 1:
        inputs.insert(0, "scenario")
    return [c for c in inputs if runs[c].nunique(dropna=False) > 1]


def cases_of_interest(runs: pd.DataFrame, expression: str) -> np.ndarray:
    """Evaluate ``expression`` for every run: True where it holds.

    Names are the run's outcomes (``curtain run`` prints them) and design fields (dotted);
    only arithmetic, comparisons, ``and``, ``or`` and ``not`` are allowed. A division by zero
    gives no case of interest for that run.
    """
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as err:
        raise CurtainError(
            f"--where: cannot read {expression!r} ({err.msg}); expected e.g. "
            '"changes_made / stories > 0.02 and response_rate > 0.8"'
        ) from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise CurtainError(
                f"--where: {type(node).__name__.lower()} is not allowed in {expression!r}; "
                "expected arithmetic, comparisons, and / or / not over outcome names"
            )
    names = set(runs.columns) - BOOKKEEPING

    def name_of(node: ast.AST) -> str:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            return f"{name_of(node.value)}.{node.attr}"
        raise CurtainError(f"--where: unexpected {ast.dump(node)} in {expression!r}")

    def ev(node: ast.AST):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool | int | float | str):
                return node.value
            raise CurtainError(f"--where: unexpected constant {node.value!r}")
        if isinstance(node, ast.Name | ast.Attribute):
            name = name_of(node)
            if name not in names:
                hint = did_you_mean(name, names)
                raise CurtainError(
                    f"--where: unknown name {name!r}{hint} (names: the outcomes of "
                    "`curtain run` and the design's fields)"
                )
            column = runs[name]
            if pd.api.types.is_numeric_dtype(column):
                return column.to_numpy(dtype=float, na_value=np.nan)
            return column.to_numpy()
        if isinstance(node, ast.BoolOp):
            values = [np.asarray(ev(v), dtype=bool) for v in node.values]
            combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            out = values[0]
            for v in values[1:]:
                out = combine(out, v)
            return out
        if isinstance(node, ast.UnaryOp):
            value = ev(node.operand)
            if isinstance(node.op, ast.Not):
                return np.logical_not(np.asarray(value, dtype=bool))
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            with np.errstate(divide="ignore", invalid="ignore"):
                if isinstance(node.op, ast.Add):
                    return np.add(a, b)
                if isinstance(node.op, ast.Sub):
                    return np.subtract(a, b)
                if isinstance(node.op, ast.Mult):
                    return np.multiply(a, b)
                return np.divide(np.asarray(a, dtype=float), b)
        if isinstance(node, ast.Compare):
            left = ev(node.left)
            out = np.ones(len(runs), dtype=bool)
            ops = {
                ast.Gt: np.greater,
                ast.GtE: np.greater_equal,
                ast.Lt: np.less,
                ast.LtE: np.less_equal,
                ast.Eq: np.equal,
                ast.NotEq: np.not_equal,
            }
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                right = ev(comparator)
                with np.errstate(invalid="ignore"):
                    out &= np.asarray(ops[type(op)](left, right), dtype=bool)
                left = right
            return out
        raise CurtainError(f"--where: cannot evaluate {expression!r}")

    result = ev(tree)
    if np.ndim(result) == 0 or np.asarray(result).dtype != bool:
        raise CurtainError(
            f"--where: {expression!r} is not a condition; expected a comparison such as "
            '"changes_made > 10"'
        )
    return np.asarray(result, dtype=bool)


def _prim_module():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "ipyparallel not installed" and the like
            from ema_workbench.analysis import prim
    except ImportError:
        raise CurtainError(
            "discover: scenario discovery needs EMA Workbench; install it with "
            "pip install 'curtain[discovery]'"
        ) from None
    return prim


def find_boxes(
    x: pd.DataFrame,
    y: np.ndarray,
    density: float = 0.8,
    boxes: int = 1,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> list[Box]:
    """PRIM boxes for the cases ``y`` among inputs ``x`` (see the module's docstring)."""
    prim = _prim_module()
    found: list[Box] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        engine = prim.Prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min)
        for number in range(1, boxes + 1):
            if engine.yi_remaining is not None and not np.any(y[engine.yi_remaining]):
                break
            box = engine.find_box()
            if box is None:
                break
            trajectory = box.peeling_trajectory[["coverage", "density", "mass", "res_dim", "n"]]
            dense = trajectory[trajectory["density"] >= density]
            chosen = (
                int(dense["coverage"].idxmax())
                if len(dense)
                else int(trajectory["density"].idxmax())
            )
            box.select(chosen)
            found.append(_describe(box, x, number, trajectory.reset_index(drop=True), chosen))
    return found


def _inside(x: pd.DataFrame, limits: pd.DataFrame) -> np.ndarray:
    """Runs inside a box: within [low, high] for numbers, among the kept categories."""
    mask = np.ones(len(x), dtype=bool)
    for column in limits.columns:
        lo, hi = limits[column].iloc[0], limits[column].iloc[1]
        if isinstance(lo, set):
            mask &= x[column].astype(str).isin({str(v) for v in lo}).to_numpy()
        else:
            values = x[column].to_numpy(dtype=float)
            mask &= (values >= lo) & (values <= hi)
    return mask


def quasi_p(x: pd.DataFrame, y: np.ndarray, limits: pd.DataFrame, full: pd.DataFrame) -> dict:
    """Quasi-p value of each restriction (Bryant & Lempert 2010): with that one restriction
    lifted, the box's density is p; the chance of seeing at least the box's cases of interest
    among its runs, Binomial(n, p), one-sided. Small: the restriction adds density not by
    chance. (Computed here: EMA Workbench 3.0's ``inspect`` fails on categorical inputs.)"""
    from scipy.stats import binomtest

    inside = _inside(x, limits)
    n, k = int(inside.sum()), int(y[inside].sum())
    out = {}
    for column in limits.columns:
        if limits[column].iloc[0] == full[column].iloc[0] and (
            limits[column].iloc[1] == full[column].iloc[1]
        ):
            continue
        lifted = limits.copy()
        lifted[column] = full[column]
        wider = _inside(x, lifted)
        p = float(y[wider].mean()) if wider.any() else 0.0
        out[column] = float(binomtest(k, n, p, alternative="greater").pvalue) if n else np.nan
    return out


def _describe(box, x: pd.DataFrame, number: int, trajectory: pd.DataFrame, chosen: int) -> Box:
    limits = box.box_lims[chosen]
    full = box.prim.box_init
    qp = quasi_p(x, np.asarray(box.prim.y, dtype=bool), limits, full)
    rows = []
    for column in x.columns:
        lo, hi = limits[column].iloc[0], limits[column].iloc[1]
        name = SCENARIO if column == SCENARIO_INPUT else column
        if isinstance(lo, set):
            kept = sorted(map(str, lo))
            if set(kept) == set(map(str, full[column].iloc[0])):
                continue
            rows.append(
                {"input": name, "low": np.nan, "high": np.nan, "categories": " | ".join(kept)}
            )
        else:
            if lo == full[column].iloc[0] and hi == full[column].iloc[1]:
                continue
            rows.append({"input": name, "low": float(lo), "high": float(hi), "categories": ""})
        rows[-1]["qp"] = qp.get(column, np.nan)
    stats = trajectory.iloc[chosen]
    return Box(
        number=number,
        limits=pd.DataFrame(rows, columns=["input", "low", "high", "categories", "qp"]),
        coverage=float(stats["coverage"]),
        density=float(stats["density"]),
        mass=float(stats["mass"]),
        runs=int(stats["n"]),
        trajectory=trajectory,
        chosen=chosen,
    )


def _value(v: float, column: str) -> str:
    if not np.isfinite(v):
        return "n/a"
    if abs(v) >= 100 or float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:.3g}"


def box_sentence(box: Box, x: pd.DataFrame) -> str:
    """The box in words: each restricted input's range, then coverage and density."""
    parts = []
    for row in box.limits.itertuples():
        name = "scenario" if row.input == "scenario" else parameter_label(row.input)
        if row.categories:
            parts.append(f"{name} is {' or '.join(row.categories.split(' | '))}")
            continue
        lo_full, hi_full = float(x[row.input].min()), float(x[row.input].max())
        if row.low > lo_full and row.high < hi_full:
            parts.append(
                f"{name} between {_value(row.low, row.input)} and {_value(row.high, row.input)}"
            )
        elif row.low > lo_full:
            parts.append(f"{name} at least {_value(row.low, row.input)}")
        else:
            parts.append(f"{name} at most {_value(row.high, row.input)}")
    where = "; ".join(parts) if parts else "anywhere in the design (no restriction helps)"
    return (
        f"Box {box.number}: {where}. It holds {box.coverage:.0%} of the runs that meet the "
        f"condition (coverage) and {box.density:.0%} of the runs inside it meet it (density; "
        f"{box.runs} runs, {box.mass:.0%} of all)."
    )


def discover(
    results: Path,
    where: str,
    out: Path | None = None,
    density: float = 0.8,
    boxes: int = 1,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    formats: tuple[str, ...] = ("png", "svg"),
) -> Path:
    """Run scenario discovery on a results directory and write its files; return discovery.md."""
    results = Path(results)
    runs_file = results / "runs.parquet"
    if not runs_file.is_file():
        raise CurtainError(
            f"{results}: expected a results directory holding runs.parquet (made by "
            "`curtain experiment`)"
        )
    runs = pd.read_parquet(runs_file)
    runs = runs[runs["status"] == SUCCEEDED].reset_index(drop=True)
    inputs = design_inputs(runs)
    if not inputs:
        raise CurtainError(
            f"{results}: the experiment varied nothing (a comparison of one scenario?); "
            "discovery needs a sweep: a factorial, lhs, morris or sobol design"
        )
    y = cases_of_interest(runs, where)
    if y.sum() == 0:
        raise CurtainError(f"--where: no run meets {where!r}; nothing to discover")
    if y.all():
        raise CurtainError(f"--where: every run meets {where!r}; nothing to tell apart")
    x = runs[inputs].rename(columns={SCENARIO: SCENARIO_INPUT})
    for column in x.columns:
        if not pd.api.types.is_numeric_dtype(x[column]):
            x[column] = x[column].astype("category")
        else:
            x[column] = x[column].astype(float)
    found = find_boxes(x, y, density=density, boxes=boxes, peel_alpha=peel_alpha, mass_min=mass_min)
    out = Path(out) if out else results / "discovery"
    out.mkdir(parents=True, exist_ok=True)
    _tables(found, out)
    x = x.rename(columns={SCENARIO_INPUT: SCENARIO})  # inputs by the names the boxes use
    figs = _figures(found, x, out, formats)
    text = _section(found, x, y, where, figs, out, out, len(runs))
    (out / "discovery.md").write_text(text, encoding="utf-8")
    report = results / "report.md"
    if report.is_file():  # the same section, its links relative to the report
        _into_report(report, _section(found, x, y, where, figs, out, results, len(runs)))
    return out / "discovery.md"


def _tables(found: list[Box], out: Path) -> None:
    rows, steps = [], []
    for box in found:
        for row in box.limits.to_dict("records"):
            rows.append(
                {
                    "box": box.number,
                    **row,
                    "coverage": box.coverage,
                    "density": box.density,
                    "mass": box.mass,
                    "runs": box.runs,
                }
            )
        t = box.trajectory.copy()
        t.insert(0, "step", range(len(t)))
        t.insert(0, "box", box.number)
        t["chosen"] = t["step"] == box.chosen
        steps.append(t)
    columns = ["box", "input", "low", "high", "categories", "qp"]
    pd.DataFrame(rows, columns=[*columns, "coverage", "density", "mass", "runs"]).to_csv(
        out / "boxes.csv", index=False
    )
    if steps:
        pd.concat(steps).to_csv(out / "peeling.csv", index=False)


def _figures(found: list[Box], x: pd.DataFrame, out: Path, formats) -> list:
    from sim.experiments import figures as fg

    plt = fg._plt()
    made = []
    fig, ax = plt.subplots(figsize=(fg.SINGLE, 3.0), layout="constrained")
    for i, box in enumerate(found):
        colour, style, marker = fg.STYLES[(i + 2) % len(fg.STYLES)]
        t = box.trajectory
        ax.plot(
            t["coverage"],
            t["density"],
            linestyle=style,
            color=colour,
            marker=marker,
            ms=2.5,
            lw=1,
            label=f"box {box.number}: peeling steps",
        )
        ax.plot(
            box.coverage,
            box.density,
            "o",
            ms=8,
            mfc="none",
            mec=fg.OKABE_ITO["vermillion"],
            mew=1.5,
            label=f"box {box.number}: reported",
        )
    ax.set_xlabel("coverage (% of cases of interest inside)")
    ax.set_ylabel("density (% of runs inside that are cases)")
    fg._percent(ax, "x")
    fg._percent(ax, "y")
    fg._legend_below(fig, ax, ncol=1)
    made.append(
        fg._save(
            fig,
            out,
            "peeling",
            formats,
            "PRIM peeling trajectory",
            "Each point is one step of PRIM's peeling: tighter boxes (up and to the left) "
            "are denser but cover fewer of the cases of interest; the ring marks the box "
            "reported.",
        )
    )

    restricted = list(dict.fromkeys(r for b in found for r in b.limits["input"]))
    if restricted:
        fig, ax = plt.subplots(
            figsize=(fg.SINGLE, 0.45 * len(restricted) + 1.2), layout="constrained"
        )
        for i, box in enumerate(found):
            colour, _, _ = fg.STYLES[(i + 2) % len(fg.STYLES)]
            limits = box.limits.set_index("input")
            for j, column in enumerate(restricted):
                if column not in limits.index:
                    continue
                row = limits.loc[column]
                y = j + 0.15 * i
                if row["categories"]:
                    cats = list(x[column].cat.categories)
                    kept = row["categories"].split(" | ")
                    for k, cat in enumerate(cats):
                        if str(cat) in kept:
                            lo = k / len(cats)
                            ax.text(
                                lo,
                                y + 0.22,
                                fg._wrap(str(cat), 30),
                                fontsize=6.5,
                                ha="left",
                                va="top",
                            )
                            ax.plot(
                                [lo, lo + 1 / len(cats)],
                                [y, y],
                                color=colour,
                                lw=4,
                                solid_capstyle="butt",
                            )
                    continue
                lo_full, hi_full = float(x[column].min()), float(x[column].max())
                span = hi_full - lo_full or 1.0
                a, b = (row["low"] - lo_full) / span, (row["high"] - lo_full) / span
                ax.plot(
                    [a, b],
                    [y, y],
                    color=colour,
                    lw=4,
                    solid_capstyle="butt",
                    label=f"box {box.number}" if j == 0 or column == restricted[0] else None,
                )
                ax.text(a, y + 0.22, _value(row["low"], column), fontsize=6.5, ha="left")
                ax.text(b, y + 0.22, _value(row["high"], column), fontsize=6.5, ha="right")
        ax.set_yticks(
            range(len(restricted)),
            [
                fg._wrap("scenario" if c == "scenario" else parameter_label(c), 30)
                for c in restricted
            ],
        )
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.6, len(restricted) - 0.2)
        ax.invert_yaxis()
        ax.set_xlabel("position within the design's range (%)")
        fg._percent(ax, "x")
        ax.grid(axis="y", visible=False)
        made.append(
            fg._save(
                fig,
                out,
                "box",
                formats,
                "The box's ranges",
                "Each bar is the range a box keeps of one input, drawn within the range the "
                "design sampled (0% its lowest value, 100% its highest, on a linear scale), "
                "with the values at its ends; for a categorical input (the scenario), the "
                "categories kept.",
            )
        )
    return made


def _section(found, x, y, where, figs, out: Path, base: Path, n_runs: int) -> str:
    """The Markdown section, its links relative to ``base`` (the folder of the file)."""
    import os

    def rel(path) -> str:
        return Path(os.path.relpath(Path(path).resolve(), Path(base).resolve())).as_posix()

    lines = [
        "## Scenario discovery",
        "",
        f"Which ranges of the design's inputs lead to runs where `{where}`? "
        f"{int(y.sum())} of {n_runs} runs ({y.mean():.0%}) meet it. PRIM (EMA Workbench) "
        "peeled the input space into the boxes below.",
        "",
    ]
    lines += [f"- {box_sentence(b, x)}" for b in found]
    if not found:
        lines.append("- PRIM found no box.")
    lines += [""]
    for b in found:
        shown = b.limits.copy()
        shown["input"] = [
            "scenario" if c == "scenario" else parameter_label(c) for c in shown["input"]
        ]
        shown["range kept"] = [
            r.categories if r.categories else f"{_value(r.low, '')} to {_value(r.high, '')}"
            for r in b.limits.itertuples()
        ]
        shown["quasi-p"] = [
            "< 0.001"
            if np.isfinite(q) and q < 0.001
            else ("n/a" if not np.isfinite(q) else f"{q:.2g}")
            for q in b.limits["qp"]
        ]
        lines += [
            f"Box {b.number} (coverage {b.coverage:.0%}, density {b.density:.0%}, {b.runs} runs):",
            "",
            "| input | range kept | quasi-p |",
            "|---|---|---|",
            *[
                f"| {r['input']} | {r['range kept']} | {r['quasi-p']} |"
                for r in shown.to_dict("records")
            ],
            "",
        ]
    for f in figs:
        lines += [f"**{f.title}.** {f.caption}", "", f"![{f.title}]({rel(f.path)})", ""]
    lines += [
        "Coverage: share of the runs meeting the condition that lie inside the box; density: "
        "share of the runs inside the box that meet it; quasi-p: whether a restriction "
        "adds density by chance (small is good). Files: "
        f"`{rel(out / 'boxes.csv')}`, `{rel(out / 'peeling.csv')}`.",
        "",
    ]
    return "\n".join(lines)


def _into_report(report: Path, text: str) -> None:
    """Put the section into report.md before its appendix, replacing an earlier one."""
    old = report.read_text(encoding="utf-8")
    block = f"{SECTION_START}\n{text}\n{SECTION_END}\n"
    if SECTION_START in old and SECTION_END in old:
        pattern = re.escape(SECTION_START) + r".*?" + re.escape(SECTION_END) + r"\n?"
        new = re.sub(pattern, lambda _: block, old, flags=re.S)
    else:
        marker = "\n# Appendix"
        new = old.replace(marker, f"\n{block}{marker}", 1) if marker in old else old + "\n" + block
    report.write_text(new, encoding="utf-8")

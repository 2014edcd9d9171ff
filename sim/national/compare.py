"""National policy experiments: arms of national policies against no policy, replicated.

    curtain experiment experiments/national_policies.toml --out DIR
        [--workers 2 | --scheduler local|tcp://host:port]
    python -m sim.national.compare experiments/national_policies.toml --out DIR [--reps N]

The experiment file names a system file, the replications and a base seed, and lists
``[[arms]]``, each with its ``[[arms.policies]]`` (the system file's ``[[policies]]`` form)
added to the system's own. Replication ``r`` draws the same organisations with the same
seeds in every arm (seeds from ``SeedSequence(base_seed).spawn(replications)``), so arms are
paired: an organisation's class with and without a policy is compared run for run.

Every organisation of every arm and replication is one task on one executor (serial, a
process pool or Dask), so the results are the same whichever runs them. The folder ``DIR``
receives, all or nothing:

- ``runs.parquet``: one row per arm and replication, the national measures and class counts;
- ``organisations.parquet``: one row per arm, replication and organisation: group, class,
  its class in the no-policy arm of the same replication, outcomes;
- ``transitions.csv``: per arm, organisations moving from each no-policy class to each class
  (summed over replications);
- ``summary.json``: per arm, means over replications and the paired differences from the
  baseline arm with a 95% interval;
- ``classes.png``: organisations per class in each arm, and ``transitions.png``, the share
  of each no-policy class that each policy moves to each class.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.errors import CurtainError, ScenarioError
from sim.national.runner import assemble, job, map_tasks, run_organisation
from sim.national.system import Policy, _error, load_system
from sim.national.typology import CLASSES
from sim.scenario import read_toml
from sim.story import RESPONSE_TYPES

MEASURES = (
    "stories",
    "response_rate",
    *(f"share_{t}" for t in RESPONSE_TYPES),
    "responses_per_story",
    "changes_per_story",
    "median_days_to_first_response",
)
FILES = (
    "runs.parquet",
    "organisations.parquet",
    "transitions.csv",
    "summary.json",
    "classes.png",
    "transitions.png",
)


class Arm(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    description: str = ""
    policies: list[Policy] = Field(default_factory=list)


class PolicyExperiment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    description: str = ""
    system: str
    days: Annotated[int, Field(ge=1)] | None = None
    replications: Annotated[int, Field(ge=1, le=1000)]
    base_seed: Annotated[int, Field(ge=0)]
    baseline: str = Field(description="The arm the others are compared with.")
    arms: list[Arm]


def load_policy_experiment(path: str | Path) -> PolicyExperiment:
    path = Path(path)
    try:
        exp = PolicyExperiment.model_validate(read_toml(path))
    except ValidationError as exc:
        raise _error(exc, str(path)) from None
    names = [a.name for a in exp.arms]
    if exp.baseline not in names:
        raise ScenarioError(str(path), "baseline", f"expected one of {', '.join(names)}")
    if len(set(names)) != len(names):
        raise ScenarioError(str(path), "arms", "expected arms with distinct names")
    if not (path.parent / exp.system).exists():
        raise ScenarioError(str(path), "system", f"file not found: {path.parent / exp.system}")
    return exp


def run_policy_experiment(
    path: str | Path,
    workers: int = 1,
    scheduler: str | None = None,
    replications: int | None = None,
    scratch: str | Path | None = None,
) -> dict[str, Any]:
    """Run every arm and replication; returns the tables (see the module docstring)."""
    path = Path(path)
    exp = load_policy_experiment(path)
    reps = replications or exp.replications
    children = np.random.SeedSequence(exp.base_seed).spawn(reps)
    seeds = [int(c.generate_state(1)[0]) for c in children]
    systems = {}
    for a, arm in enumerate(exp.arms):
        extra = [p.model_dump(by_alias=True) for p in arm.policies]
        for r, seed in enumerate(seeds):
            systems[(a, r)] = load_system(path.parent / exp.system, seed, exp.days, None, extra)

    def tasks():
        for key, system in systems.items():
            for org in system.organisations:
                task = job(system, org, light=True)
                task["key"] = key
                yield task

    collected: dict[tuple[int, int], list] = defaultdict(list)
    for result in map_tasks(run_organisation, tasks(), workers, scheduler, scratch):
        collected[result.key].append(result)
    runs, orgs = [], []
    for (a, r), system in systems.items():
        results = sorted(collected[(a, r)], key=lambda x: x.index)
        if len(results) != len(system.organisations):
            raise CurtainError(f"{path}: arm {exp.arms[a].name} replication {r} is incomplete")
        national = assemble(system, results, 0.0)
        row = {"arm": exp.arms[a].name, "replication": r, "seed": seeds[r]}
        row.update({m: national.summary.get(m) for m in MEASURES})
        for k, v in national.summary["classes"].items():
            row[f"organisations_{k}"] = v["count"]
        runs.append(row)
        frame = national.organisations.copy()
        frame.insert(0, "replication", r)
        frame.insert(0, "arm", exp.arms[a].name)
        orgs.append(frame)
    runs_frame = pd.DataFrame(runs)
    org_frame = pd.concat(orgs, ignore_index=True)
    base = org_frame[org_frame["arm"] == exp.baseline].set_index(["replication", "organisation"])
    org_frame["baseline_class"] = [
        base.loc[(r, o), "class"]
        for r, o in zip(org_frame["replication"], org_frame["organisation"], strict=True)
    ]
    org_frame["baseline_class"] = pd.Categorical(
        org_frame["baseline_class"], categories=list(CLASSES)
    )
    transitions = (
        org_frame.groupby(["arm", "baseline_class", "class"], observed=False, sort=False)
        .size()
        .rename("organisations")
        .reset_index()
    )
    order = {a.name: i for i, a in enumerate(exp.arms)}
    transitions = transitions.sort_values(
        ["arm", "baseline_class", "class"], key=lambda s: s.map(order) if s.name == "arm" else s
    ).reset_index(drop=True)
    summary = _summary(exp, runs_frame, reps)
    return {
        "experiment": exp,
        "runs": runs_frame,
        "organisations": org_frame,
        "transitions": transitions,
        "summary": summary,
    }


def _summary(exp: PolicyExperiment, runs: pd.DataFrame, reps: int) -> dict[str, Any]:
    columns = [*MEASURES, *(f"organisations_{k}" for k in CLASSES)]
    base = runs[runs["arm"] == exp.baseline].set_index("replication")
    out: dict[str, Any] = {
        "name": exp.name,
        "system": exp.system,
        "replications": reps,
        "baseline": exp.baseline,
        "arms": {},
    }
    for arm in exp.arms:
        mine = runs[runs["arm"] == arm.name].set_index("replication")
        entry: dict[str, Any] = {"description": arm.description, "mean": {}, "vs_baseline": {}}
        for col in columns:
            values = mine[col].astype(float)
            entry["mean"][col] = _num(values.mean())
            if arm.name != exp.baseline:
                diff = values - base[col].astype(float)
                half = (
                    1.96 * float(diff.std(ddof=1)) / math.sqrt(len(diff)) if len(diff) > 1 else None
                )
                entry["vs_baseline"][col] = {
                    "mean_difference": _num(diff.mean()),
                    "ci95_half_width": _num(half),
                }
        out["arms"][arm.name] = entry
    return out


def _num(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def write_policy_experiment(result: dict[str, Any], out_dir: str | Path) -> Path:
    """Write the experiment's folder, all or nothing (staged beside it, then renamed)."""
    out = Path(os.path.abspath(out_dir))
    if out.exists() and (not out.is_dir() or set(os.listdir(out)) - set(FILES)):
        raise CurtainError(f"--out {out}: expected a new folder or a previous one of these runs")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        result["runs"].to_parquet(staging / "runs.parquet", index=False)
        result["organisations"].to_parquet(staging / "organisations.parquet", index=False)
        result["transitions"].to_csv(staging / "transitions.csv", index=False)
        (staging / "summary.json").write_text(json.dumps(result["summary"], indent=2) + "\n")
        _figures(result, staging)
        if out.exists():
            shutil.rmtree(out)
        os.rename(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


#: Class names on a figure's axes, broken to fit a small panel.
CLASS_LABELS = {"non-responder": "non-\nresponder", "conversational": "conver-\nsational"}


def _arm_label(name: str) -> str:
    """An arm's name in words for a figure: "response_standard" -> "Response standard"."""
    return name.replace("_", " ").capitalize()


def _figures(result: dict[str, Any], folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    exp = result["experiment"]
    arms = [a.name for a in exp.arms]
    runs = result["runs"]
    means = runs.groupby("arm")[[f"organisations_{k}" for k in CLASSES]].mean().reindex(arms)
    colours = ("#999999", "#E69F00", "#56B4E9", "#009E73")  # Okabe-Ito
    labels = [_arm_label(a) for a in arms]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    left = np.zeros(len(arms))
    for k, colour in zip(CLASSES, colours, strict=True):
        values = means[f"organisations_{k}"].to_numpy()
        ax.barh(labels, values, left=left, color=colour, label=k)
        left += values
    ax.invert_yaxis()
    ax.set_xlabel(f"organisations (mean of {result['summary']['replications']} replications)")
    ax.set_title("Trusts by response typology class, under each national policy")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.32), ncol=4, frameon=False)
    fig.tight_layout()
    fig.savefig(folder / "classes.png", dpi=120)
    plt.close(fig)

    others = [a for a in arms if a != exp.baseline]
    t = result["transitions"]
    fig, axes = plt.subplots(1, max(len(others), 1), figsize=(3.2 * max(len(others), 1), 3.4))
    axes = np.atleast_1d(axes)
    for ax, arm in zip(axes, others, strict=False):
        table = (
            t[t["arm"] == arm]
            .pivot_table(
                index="baseline_class",
                columns="class",
                values="organisations",
                observed=False,
                aggfunc="sum",
            )
            .reindex(index=list(CLASSES), columns=list(CLASSES))
            .fillna(0)
        )
        shares = table.div(table.sum(axis=1).replace(0, np.nan), axis=0)
        ax.imshow(shares.fillna(0).to_numpy(), vmin=0, vmax=1, cmap="Blues")
        for i in range(len(CLASSES)):
            for j in range(len(CLASSES)):
                n = int(table.iloc[i, j])
                if n:
                    dark = shares.iloc[i, j] > 0.6
                    colour = "white" if dark else "black"
                    ax.text(j, i, str(n), ha="center", va="center", fontsize=8, color=colour)
        names = [CLASS_LABELS.get(c, c) for c in CLASSES]
        ax.set_xticks(range(len(CLASSES)), names, fontsize=7)
        ax.set_yticks(range(len(CLASSES)), names, fontsize=7)
        ax.set_title(_arm_label(arm), fontsize=9)
        ax.set_xlabel("class under the policy", fontsize=8)
    axes[0].set_ylabel("class with no policy", fontsize=8)
    fig.suptitle(
        "Where each policy moves Trusts between classes (Trusts, summed over replications; "
        "shade: share of the row)",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(folder / "transitions.png", dpi=120)
    plt.close(fig)


def format_result(result: dict[str, Any]) -> str:
    summary = result["summary"]
    lines = [
        f"{summary['name']}: {summary['replications']} replications, baseline {summary['baseline']}"
    ]
    head = f"{'arm':<22}{'unanswered':>11}{'generic':>9}{'personal':>9}{'convers':>9}" + "".join(
        f"{c[:9]:>10}" for c in CLASSES
    )
    lines.append(head)
    for name, entry in summary["arms"].items():
        m = entry["mean"]
        lines.append(
            f"{name:<22}"
            + "".join(
                f"{m[f'share_{t}']:>{w}.1%}"
                for t, w in zip(RESPONSE_TYPES, (11, 9, 9, 9), strict=True)
            )
            + "".join(f"{m[f'organisations_{c}']:>10.1f}" for c in CLASSES)
        )
    return "\n".join(lines)


def run_and_write(
    path: str | Path,
    out: str | Path,
    workers: int = 1,
    scheduler: str | None = None,
    replications: int | None = None,
) -> dict[str, Any]:
    """Run a policy experiment and write its files to ``out``; its Dask scratch space sits
    beside ``out``. Returns the result (for :func:`format_result`)."""
    out = Path(out)
    result = run_policy_experiment(
        path, workers, scheduler, replications, scratch=out.parent / f".{out.name}.dask-scratch"
    )
    write_policy_experiment(result, out)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compare national policies (arms) with none.")
    parser.add_argument("experiment")
    parser.add_argument("--out", required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--scheduler", default=None)
    parser.add_argument("--reps", type=int, default=None, help="override the replications")
    args = parser.parse_args(argv)
    out = Path(args.out)
    try:
        result = run_and_write(args.experiment, out, args.workers, args.scheduler, args.reps)
    except CurtainError as err:
        print(f"curtain: error: {err}", file=sys.stderr)
        return 2
    print(format_result(result))
    print(f"\nwrote {', '.join(FILES)} to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

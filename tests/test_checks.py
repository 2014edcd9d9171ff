"""Discrimination and robustness checks (sim/validation/checks.py), and the daily columns.

The bookkeeping is tested on known answers with a stand-in for the runs (``run_many``), so
these tests do not depend on the model's figures; a few reduced real runs show the commands
work end to end.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.metrics import DAILY_COLUMNS
from sim.scenario import LEVERS, schema_fields
from sim.validation.checks import (
    Assumption,
    discrimination,
    discrimination_summary,
    factors,
    find_assumptions,
    perturb,
    robustness,
    with_levers,
)
from sim.validation.patterns import load_patterns
from sim.validation.provenance import label, value_note
from sim.validation.validate import load_sites

from .conftest import SCENARIOS, cached_run

SITE_FILES = {s: SCENARIOS / f"site_{s.lower()}.toml" for s in "ABC"}


def _pattern(pid, site, expression, rule, kind="structural"):
    return (
        f'[[pattern]]\nid = "{pid}"\nkind = "{kind}"\nsite = "{site}"\nname = "{pid}"\n'
        f'expression = "{expression}"\nevidence = "e"\nsource = "s"\nreason = "r"\n{rule}\n'
    )


def _pattern_file(tmp_path: Path, *blocks: str) -> Path:
    path = tmp_path / "patterns.toml"
    sites = "".join(f'{s} = "{f}"\n' for s, f in SITE_FILES.items())
    path.write_text("[sites]\n" + sites + "".join(blocks), encoding="utf-8")
    return path


def _figure_from(getter):
    """A stand-in for replicate: every expression of every run reads ``getter(scenario)``."""

    def run_many(scenario, seeds, texts, days=None, workers=1):
        return np.full((len(seeds), len(texts)), float(getter(scenario)))

    return run_many


# ----------------------------------------------------------------------------- daily columns


def test_daily_columns_are_the_daily_tables():
    """sim.metrics.DAILY_COLUMNS must follow daily_table: pattern files are checked with it."""
    assert tuple(cached_run("site_b", seed=1).daily.columns) == DAILY_COLUMNS


# ----------------------------------------------------------------------------- discrimination


def test_with_levers_takes_every_lever_and_the_interventions_only():
    sites = {s: load_sites(load_patterns())[s] for s in ("A", "C")}
    a_with_c = with_levers(sites["A"], sites["C"])
    for section in LEVERS:
        assert getattr(a_with_c, section) == getattr(sites["C"], section), section
    assert a_with_c.interventions == sites["C"].interventions
    assert a_with_c.interventions != sites["A"].interventions
    kept = [f for f in type(a_with_c).model_fields if f not in (*LEVERS, "interventions")]
    assert kept and all(getattr(a_with_c, f) == getattr(sites["A"], f) for f in kept)


def test_discrimination_known_answer(tmp_path):
    """A pattern on the cast size (a lever) tells A from C but not from B, whose cast is
    also two; a pattern on story volume (not a lever) passes whatever levers it is given."""
    path = _pattern_file(
        tmp_path,
        _pattern("A.cast", "A", "cast_size", "high = 2"),
        _pattern("A.volume", "A", "stories", "low = 0", kind="independent"),
        _pattern("A.off", "A", "stories", "low = 0\ngate = false"),
        _pattern("order", "C", "stories", 'than = "A"'),
    )
    patterns = load_patterns(path)
    scenarios = load_sites(patterns)
    cells = discrimination(
        patterns, scenarios, reps=3, run_many=_figure_from(lambda s: s.cast.size)
    )
    by = {(c.site, c.levers_of): c for c in cells}
    assert set(by) == {("A", "A"), ("A", "B"), ("A", "C")}  # only A has band patterns
    assert by[("A", "A")].failed == [] and by[("A", "B")].failed == []
    assert by[("A", "C")].failed == ["A.cast"]
    assert [o.pattern.id for o in by[("A", "C")].outcomes] == ["A.cast", "A.volume"]
    summary = discrimination_summary(cells)
    assert summary["cross_assignments"] == 2 and summary["failing_assignments"] == 1
    assert summary["share_failing"] == 0.5
    assert summary["passing_assignments"] == [["A", "B"]]
    assert summary["never_fail"] == ["A.volume"]
    assert summary["failing_by_kind"] == {"structural": 1, "calibrated": 0, "independent": 0}


def test_discrimination_command_reduced(tmp_path, capsys):
    path = _pattern_file(
        tmp_path,
        _pattern("B.templates", "B", "share_conversational", "high = 0.0"),
        _pattern("C.talks", "C", "share_conversational", "low = 0.5"),
    )
    args = ["validate", "--patterns", str(path), "--discrimination", "--reps", "2"]
    code = main([*args, "--days", "40", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["check"] == "discrimination" and len(out["cells"]) == 6
    assert code == (1 if out["passing_assignments"] else 0)
    assert {c["patterns_of"] for c in out["cells"]} == {"B", "C"}
    main([*args, "--days", "40"])
    text = capsys.readouterr().out
    assert "patterns of \\ levers of" in text and "cross-assignments failing" in text


# ----------------------------------------------------------------------------- robustness


def test_find_assumptions_takes_only_values_labelled_assumption():
    found = {a.path: a for a in find_assumptions(SITE_FILES)}
    numeric = [r["path"] for r in schema_fields() if r["kind"] in ("float", "int")]
    assert found and set(found) <= set(numeric)
    assert "days" not in found  # the run's length, which dated patterns read by day number
    for path in numeric:
        if "." not in path:
            continue
        for site, file in SITE_FILES.items():
            labelled = label(value_note(file, path)[1]) in ("assumption", "calibrated")
            assert labelled == (path in found and site in found[path].sites), (path, site)
    assert any(len(a.sites) < len(SITE_FILES) for a in found.values())  # evidence somewhere


def test_factors_are_seeded_stratified_and_in_range():
    grid = factors(5, 10, 0.2, seed=3)
    assert grid.shape == (10, 5)
    assert np.all((grid >= 0.8) & (grid <= 1.2))
    np.testing.assert_array_equal(grid, factors(5, 10, 0.2, seed=3))
    assert not np.array_equal(grid, factors(5, 10, 0.2, seed=4))
    for column in grid.T:  # Latin hypercube: one point in each tenth of the range
        bins = np.floor((column - 0.8) / 0.04).astype(int)
        assert sorted(bins) == list(range(10))


def test_perturb_multiplies_clips_rounds_and_keeps_shares():
    c = load_sites(load_patterns())["C"]
    roles = [f"cast.roles.{k}" for k in type(c.cast.roles).model_fields]
    assumptions = [
        Assumption("staff.legitimacy_mean", False, 0.0, 1.0, ("C",)),
        Assumption("leadership.priority", False, 0.0, 1.0, ("C",)),
        Assumption("cast.size", True, 0, None, ("C",)),
        Assumption("stories.per_day", False, 0.0, None, ("A",)),  # not an assumption at C
        *(Assumption(r, False, 0.0, 1.0, ("C",)) for r in roles),
    ]
    row = [1.1, 1.5, 0.9, 1.2, 1.2, 0.8, 1.0, 1.0]
    p = perturb(c, "C", assumptions, row)
    assert p.staff.legitimacy_mean == pytest.approx(c.staff.legitimacy_mean * 1.1)
    assert p.leadership.priority == 1.0  # 0.7 x 1.5 clipped to the bound
    assert p.cast.size == round(c.cast.size * 0.9)
    assert p.stories.per_day == c.stories.per_day
    shares = [getattr(p.cast.roles, k) for k in type(c.cast.roles).model_fields]
    assert sum(shares) == pytest.approx(1.0)
    names = list(type(c.cast.roles).model_fields)
    raw = [getattr(c.cast.roles, k) * f for k, f in zip(names, row[4:], strict=True)]
    assert shares == pytest.approx([r / sum(raw) for r in raw])
    assert p.organisation == c.organisation and p.scripting.policy == c.scripting.policy


def _order_file(tmp_path):
    return _pattern_file(
        tmp_path,
        _pattern("size.C>B", "C", "cast_size", 'than = "B"'),
        _pattern("mix.B>C", "B", "stories", 'than = "C"'),
        _pattern("C.band", "C", "stories", "low = 0"),  # not an ordering: not checked
    )


def test_robustness_known_answer(tmp_path):
    """Stand-in figures: C's cast size (an assumption at C, 820; evidence at B, 2) always
    orders C above B. B's leadership priority against C's legitimacy, scaled to be equal
    before the factors, holds exactly where B's factor (clipped at 1) beats C's, which the
    grid tells in advance."""
    patterns = load_patterns(_order_file(tmp_path))
    scenarios = load_sites(patterns)
    scale = scenarios["B"].leadership.priority / scenarios["C"].staff.legitimacy_mean

    def run_many(scenario, seeds, texts, days=None, workers=1):
        table = []
        for i in range(len(seeds)):
            row = []
            for t in texts:
                if t == "cast_size":
                    row.append(float(scenario.cast.size))
                elif scenario.name == scenarios["C"].name:
                    row.append(scale * scenario.staff.legitimacy_mean)
                else:
                    row.append(float(scenario.leadership.priority))
            table.append([v + 1e-9 * i for v in row])
        return np.array(table)

    result = robustness(patterns, scenarios, SITE_FILES, samples=40, reps=3, run_many=run_many)
    assert [p.id for p in result.orderings] == ["size.C>B", "mix.B>C"]
    assert len(result.evaluated) == 40 and not result.refused
    assert result.count(["size.C>B"]) == (40, 40)
    assert all(result.baseline[pid].passed is (pid == "size.C>B") for pid in result.baseline)
    paths = [a.path for a in result.assumptions]
    f_priority = result.factors[:, paths.index("leadership.priority")]
    f_legit = result.factors[:, paths.index("staff.legitimacy_mean")]
    b = np.minimum(scenarios["B"].leadership.priority * f_priority, 1.0)
    c = scale * scenarios["C"].staff.legitimacy_mean * f_legit
    expected = int(np.sum(b > c))
    assert 0 < expected < 40  # the grid gives a partial answer to check against
    assert result.count(["mix.B>C"]) == (expected, expected)
    assert result.count(["size.C>B", "mix.B>C"])[0] == expected
    out = result.to_dict()
    assert out["all"]["held"] == expected and out["groups"]["cast_size"]["held"] == 40
    assert len(out["per_sample"]) == 40
    top = {k for k, _ in out["orderings"][1]["correlates"][:2]}
    assert top == {"leadership.priority", "staff.legitimacy_mean"}


def test_robustness_command_reduced_and_pool_gives_serial(tmp_path, capsys):
    path = _order_file(tmp_path)
    args = ["validate", "--patterns", str(path), "--robustness", "--samples", "2"]
    args += ["--reps", "2", "--days", "20", "--json"]
    assert main(args) == 0
    serial = json.loads(capsys.readouterr().out)
    assert main([*args, "--workers", "2"]) == 0
    pooled = json.loads(capsys.readouterr().out)
    assert serial == pooled
    assert serial["check"] == "robustness" and serial["samples"] == 2
    assert {o["id"] for o in serial["orderings"]} == {"size.C>B", "mix.B>C"}
    assert main(args[:-1]) == 0
    text = capsys.readouterr().out
    assert "all orderings together" in text and "unperturbed:" in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--samples", "3"], "--samples: only with --robustness"),
        (["--robustness", "--spread", "1.5"], "expected a fraction between 0 and 1"),
        (["--robustness", "--discrimination"], "not allowed with"),
    ],
)
def test_check_flags_refused_in_one_line(extra, message, capsys):
    assert main(["validate", *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and message in err


def test_robustness_needs_orderings(tmp_path, capsys):
    path = _pattern_file(tmp_path, _pattern("C.band", "C", "stories", "low = 0"))
    assert main(["validate", "--patterns", str(path), "--robustness"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "no gating ordering patterns" in err


def test_labels_are_read_under_nested_table_headers_too(tmp_path):
    """A nested table written as [a.b] with one line per value is read by its own labels,
    not its parent file's."""
    site = tmp_path / "site.toml"
    site.write_text(
        f'extends = "{SITE_FILES["B"]}"\n[patients.motive_shares]\n'
        "other_patients = 0.4  # evidence: a survey\nstaff = 0.3  # evidence: a survey\n"
        "service = 0.3  # assumption\n",
        encoding="utf-8",
    )
    found = {a.path for a in find_assumptions({"B": site})}
    before = {a.path for a in find_assumptions({"B": SITE_FILES["B"]})}
    assert "patients.motive_shares.service" in found
    relabelled = {"patients.motive_shares.other_patients", "patients.motive_shares.staff"}
    assert found == (before - relabelled) | {"patients.motive_shares.service"}


def test_perturbed_shares_keep_their_own_total():
    """Two of three motive shares perturbed: those two keep their sum, the third its value."""
    b = load_sites(load_patterns())["B"]
    m = b.patients.motive_shares
    assumptions = [
        Assumption("patients.motive_shares.other_patients", False, 0.0, 1.0, ("B",)),
        Assumption("patients.motive_shares.staff", False, 0.0, 1.0, ("B",)),
    ]
    p = perturb(b, "B", assumptions, [1.2, 0.8]).patients.motive_shares
    assert p.service == m.service
    assert p.other_patients + p.staff == pytest.approx(m.other_patients + m.staff)
    assert p.other_patients / p.staff == pytest.approx(1.2 * m.other_patients / (0.8 * m.staff))


def test_given_interventions_keep_their_distance_from_the_end():
    """Every history ends with fieldwork: a change on the donor's fieldwork day lands on the
    receiver's, and one before the receiver's first day is dropped."""
    base = load_sites(load_patterns())["B"]
    donor = base.with_overrides(
        {
            "days": base.days + 100,
            "interventions": [
                {"day": 50, "set": {"leadership.priority": 0.5}},
                {"day": base.days, "set": {"leadership.priority": 0.6}},
            ],
        }
    )
    given = with_levers(base, donor)
    assert [(i.day, i.set) for i in given.interventions] == [
        (base.days - 100, {"leadership.priority": 0.6})
    ]
    assert given.days == base.days

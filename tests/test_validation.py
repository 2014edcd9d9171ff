"""`curtain validate`: declared patterns, the statistics, and a reduced run that can fail."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from sim.cli import main
from sim.errors import CurtainError
from sim.scenario import schema_fields
from sim.validation.patterns import (
    DEFAULT_PATTERNS,
    KINDS,
    MAX_EXPRESSION_DEPTH,
    Expression,
    load_patterns,
)
from sim.validation.validate import (
    difference_ci,
    failed,
    load_sites,
    mean_ci,
    replicate,
    replication_seeds,
    validate,
)

from .conftest import SCENARIOS, cached_run

REPS = 3


@pytest.fixture(scope="module")
def patterns():
    return load_patterns()


@pytest.fixture(scope="module")
def outcomes(patterns):
    return {o.pattern.id: o for o in validate(patterns, REPS, seed=0)}


def test_pattern_file_covers_every_site_and_the_orderings(patterns):
    sites = {p.site for p in patterns.patterns if not p.is_order}
    assert sites == {"A", "B", "C"}
    orders = [p for p in patterns.patterns if p.is_order]
    assert {p.expression.text for p in orders} == {
        "changes_made / stories",
        "response_rate",
        "reputation_end",
    }
    for p in patterns.patterns:
        assert p.reason and p.source and p.evidence


def test_reduced_validate_on_the_sites(outcomes):
    """B, C and the orderings pass (their gating rows); each outcome has a mean, an interval
    and a verdict."""
    for pid, o in outcomes.items():
        assert not math.isnan(o.simulated), pid
        assert len(o.values) == REPS
        if o.pattern.gate and pid.startswith(("B.", "C.", "order.")):
            assert o.passed, (pid, o.simulated)


def test_a_broken_culture_fails_its_patterns(patterns):
    """Site C given Site B's templates must fail 'nearly all bespoke'."""
    scenarios = load_sites(patterns)
    scenarios["C"] = scenarios["C"].with_overrides({"scripting.policy": "generic_templates"})
    only_c = [p for p in patterns.patterns if p.site == "C" and not p.is_order]
    results = validate(
        type(patterns)(patterns.path, patterns.sites, tuple(only_c)),
        2,
        scenarios={"C": scenarios["C"]},
    )
    bad = {o.pattern.id for o in failed(results)}
    assert "C.bespoke" in bad


def test_cli_exit_1_and_json_when_a_pattern_fails(tmp_path, capsys):
    broken = tmp_path / "broken_b.toml"
    broken.write_text(
        f'extends = "{SCENARIOS / "site_b.toml"}"\nname = "B answering conversationally"\n'
        '[scripting]\npolicy = "stage_directions"\n',
        encoding="utf-8",
    )
    only_b = tmp_path / "patterns.toml"
    text = DEFAULT_PATTERNS.read_text(encoding="utf-8")
    keep = [block for block in text.split("[[pattern]]")[1:] if 'site = "B"' in block]
    sites = f'[sites]\nB = "{SCENARIOS / "site_b.toml"}"\n'
    only_b.write_text(sites + "".join("[[pattern]]" + b for b in keep if "than" not in b))
    args = ["validate", "--reps", "2", "--patterns", str(only_b)]
    code = main([*args, "--json", "--site", f"B={broken}"])
    rows = json.loads(capsys.readouterr().out)
    assert code == 1
    assert {"pattern", "evidence", "simulated", "ci", "pass", "tolerance"} <= set(rows[0])
    assert not next(r for r in rows if r["id"] == "B.templates")["pass"]
    assert all(r["kind"] in KINDS and isinstance(r["calibrated_by"], list) for r in rows)
    assert main(args) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0].split()[:2] == ["pattern", "kind"]
    counts = re.search(
        r"(\d+) structural, (\d+) calibrated, (\d+) independent; (\d+) of (\d+)", text
    )
    gating = [r for r in rows if r["gate"]]
    assert counts and [int(g) for g in counts.groups()] == [
        *(sum(r["kind"] == k for r in gating) for k in KINDS),
        len(gating),
        len(gating),
    ]
    assert "gating passes by kind: structural" in text


def test_bad_pattern_file_is_one_line_exit_2(tmp_path, capsys):
    bad = tmp_path / "p.toml"
    bad.write_text(
        f'[sites]\nA = "{SCENARIOS / "site_a.toml"}"\n[[pattern]]\nid = "x"\nsite = "A"\n'
        'name = "n"\nexpression = "respons_rate"\nevidence = "e"\nsource = "s"\nreason = "r"\n'
        'low = 0.1\nkind = "independent"\n'
    )
    assert main(["validate", "--patterns", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "p.toml" in err and "expression" in err and "respons_rate" in err
    with pytest.raises(CurtainError, match="--site D"):
        load_sites(load_patterns(), {"D": "x.toml"})


@pytest.mark.parametrize(
    "text", ["__import__('os')", "stories ** 2", "daily('response_rate', -1)", "open", "x.y"]
)
def test_expressions_refuse_anything_but_arithmetic(text):
    with pytest.raises(ValueError):
        Expression(text)


def test_every_pattern_states_what_a_pass_can_tell(patterns):
    fields = {row["path"] for row in schema_fields()}
    tables = {f.rsplit(".", 1)[0] for f in fields if f.count(".") >= 2}  # e.g. patients.p_reply
    for p in patterns.patterns:
        assert p.kind in KINDS, p.id
        if p.kind == "calibrated":
            assert p.calibrated_by and set(p.calibrated_by) <= fields | tables, p.id
        else:
            assert p.calibrated_by == (), p.id


PATTERN = (
    '[sites]\nA = "{site}"\n[[pattern]]\nid = "x"\nsite = "A"\nname = "n"\n'
    'expression = "stories"\nevidence = "e"\nsource = "s"\nreason = "r"\nlow = 0\n{extra}\n'
)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("", "x'.kind: required key is missing; expected one of structural, calibrated"),
        ('kind = "tested"', "expected one of structural, calibrated, independent, got 'tested'"),
        ('kind = "calibrated"', "calibrated_by: expected a list of the scenario fields"),
        ('kind = "calibrated"\ncalibrated_by = []', "expected a list of the scenario fields"),
        ('kind = "calibrated"\ncalibrated_by = "cast.size"', "expected a list"),
        (
            'kind = "calibrated"\ncalibrated_by = ["leadership.priorty"]',
            "unknown scenario field 'leadership.priorty' (did you mean 'leadership.priority'?)",
        ),
        (
            'kind = "independent"\ncalibrated_by = ["cast.size"]',
            'only a kind = "calibrated" pattern names the values',
        ),
        ('kind = "structural"\nexpression2 = "x"', "expression2: unknown key"),
        (
            'kind = "calibrated"\ncalibrated_by = ["backstage"]',
            "unknown scenario field 'backstage'",
        ),
    ],
)
def test_kind_mistakes_are_one_line_errors(tmp_path, capsys, extra, message):
    bad = tmp_path / "p.toml"
    bad.write_text(PATTERN.format(site=SCENARIOS / "site_a.toml", extra=extra))
    assert main(["validate", "--patterns", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "p.toml" in err and message in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (" + ".join(["stories"] * 20_000), "at most 1000 characters"),
        ("+".join(["1"] * 400), f"nested at most {MAX_EXPRESSION_DEPTH} operations deep, got"),
        ("-" * 900 + "1", "operations deep"),
        ("(" * 300 + "1" + ")" * 300, "expected an arithmetic expression"),
        ("daily('bogus', 3)", "unknown daily column 'bogus'; expected one of: stories_posted"),
        ("daily('response_rate', true)", "expected numbers, figure names"),
    ],
)
def test_expressions_too_big_or_reading_unknown_columns_fail_at_load(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Expression(text)


def test_deep_expression_in_a_file_is_one_line(tmp_path, capsys):
    bad = tmp_path / "p.toml"
    text = PATTERN.format(site=SCENARIOS / "site_a.toml", extra='kind = "structural"')
    bad.write_text(text.replace('"stories"', '"' + "+".join(["1"] * 499) + '"'))
    assert main(["validate", "--patterns", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "x'.expression: expected an expression nested" in err
    assert Expression(" + ".join(["stories"] * 40)).text  # a long flat sum is fine


def test_expressions_read_summary_measures_and_daily():
    result = cached_run("site_b", seed=1)
    s = result.summary
    assert Expression("responses / stories").evaluate(result) == s["responses"] / s["stories"]
    last = len(result.daily) - 1
    assert Expression(f"daily('response_rate', {last})").evaluate(result) == pytest.approx(
        s["response_rate"]
    )
    assert math.isnan(Expression("daily('response_rate', 9999)").evaluate(result))
    assert Expression("share_responses_by_communications").evaluate(result) == 1.0


def test_mean_ci_known_answer():
    mean, lo, hi = mean_ci(np.array([1.0, 2.0, 3.0, 4.0]))
    # sd = 1.291, se = 0.6455, t(0.975, 3) = 3.182
    assert mean == 2.5 and lo == pytest.approx(2.5 - 2.0540, abs=1e-3)
    assert hi == pytest.approx(2.5 + 2.0540, abs=1e-3)
    assert math.isnan(mean_ci(np.array([1.0]))[1])
    d, lo, hi = difference_ci(np.array([5.0, 6.0, 7.0]), np.array([1.0, 2.0, 3.0]))
    assert d == 4.0 and lo > 0 and hi > d


def test_seeds_are_reproducible_and_independent():
    assert replication_seeds(0, 5) == replication_seeds(0, 5)
    assert replication_seeds(0, 5) != replication_seeds(1, 5)
    assert len(set(replication_seeds(0, 50))) == 50


def test_process_pool_gives_the_serial_figures():
    scenario = load_sites(load_patterns())["B"]
    seeds = replication_seeds(3, 2)
    texts = ["response_rate", "reputation_end"]
    serial = replicate(scenario, seeds, texts, days=60)
    pooled = replicate(scenario, seeds, texts, days=60, workers=2)
    np.testing.assert_array_equal(serial, pooled)


def test_reps_below_two_are_refused(capsys):
    assert main(["validate", "--reps", "1"]) == 2
    assert "confidence interval needs two runs" in capsys.readouterr().err


def test_parser_recursion_is_caught_even_without_the_length_limit(monkeypatch):
    """The length limit comes first; were it raised, the parser's RecursionError is still
    turned into the one-line message."""
    from sim.validation import patterns as module

    monkeypatch.setattr(module, "MAX_EXPRESSION_CHARS", 10**6)
    with pytest.raises(ValueError, match="got one too deep to parse"):
        Expression("+".join(["1"] * 20_000))

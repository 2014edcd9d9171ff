"""Reports that lead with the answer, and figures a journal would accept: each figure file is
opened and its format, size, labels, legend and colours checked."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.experiments.analysis import duplicate_outcomes, format_p, welch
from sim.experiments.figures import DOUBLE, OKABE_ITO, SINGLE, styles
from sim.experiments.outcomes import OUTCOMES, UNITS, axis_label, parameter_label
from sim.experiments.report import cell, fmt
from sim.experiments.task import SUCCEEDED

from .conftest import SCENARIOS

COMPARE = f"""
name = "three_sites"
description = "Three sites, to Site A's fieldwork day 180."
days = 1640
replications = 4
base_seed = 5
outcomes = ["response_rate", "share_generic", "share_conversational", "responses_per_story",
            "median_days_to_first_response", "active_responders", "issues_backstage",
            "changes_made", "care_quality_end", "reputation_end", "mean_confidence_end"]
[[scenarios]]
file = "{SCENARIOS / "site_a.toml"}"
[[scenarios]]
file = "{SCENARIOS / "site_b.toml"}"
[[scenarios]]
file = "{SCENARIOS / "site_c.toml"}"
set = {{ "cast.size" = 60 }}
[design]
kind = "compare"
"""

SWEEP = f"""
name = "small_sweep"
days = 40
replications = 2
base_seed = 3
outcomes = ["response_rate", "changes_made", "reputation_end"]
[[scenarios]]
file = "{SCENARIOS / "site_c.toml"}"
set = {{ "cast.recruits_per_month" = 0.0, "cast.max_size" = 1000 }}
[design]
kind = "factorial"
[design.factors]
"cast.size" = {{ low = 1, high = 100, num = 3, scale = "log", integer = true }}
"scripting.policy" = ["generic_templates", "stage_directions"]
"""


def _run(tmp_path: Path, text: str, name: str, *flags: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / name
    code = main(["experiment", str(path), "--out", str(out), "--quiet", "--workers", "1", *flags])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> Path:
    return _run(
        tmp_path_factory.mktemp("cmp"), COMPARE, "three_sites", "--figure-format", "png,svg,pdf"
    )


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Path:
    return _run(tmp_path_factory.mktemp("sweep"), SWEEP, "small_sweep")


# ----------------------------------------------------------------------------- numbers


def test_p_values_and_effect_sizes_are_printed_for_readers():
    assert format_p(9e-305) == "< 0.001"
    assert format_p(0.0004) == "< 0.001"
    assert format_p(0.0123) == "0.012"
    assert format_p(0.5) == "0.50"
    assert format_p(float("nan")) == "n/a"
    spread = np.array([1.0, 2.0, 3.0, 4.0])
    flat = np.array([5.0, 5.0, 5.0, 5.0])
    assert np.isnan(welch(flat, spread)["hedges_g"])  # one group has no spread: no size
    assert np.isfinite(welch(spread, spread + 1)["hedges_g"])
    assert cell(5.0, 0.0, 5.0, 5.0, "changes_made") == "5.0 (every run)"
    assert cell(0.5, 0.1, 0.45, 0.55, "response_rate") == "50.0% [45.0, 55.0]"
    assert fmt(0.858, "reputation_end") == "85.8%"


def test_an_outcome_equal_to_another_in_every_run_is_a_duplicate():
    runs = pd.DataFrame(
        {
            "status": SUCCEEDED,
            "response_rate": [0.1, 0.5, 0.9],
            "share_generic": [0.1, 0.5, 0.9],  # every reply generic: the same figure
            "share_conversational": [0.0, 0.0, 0.1],
        }
    )
    outcomes = ["response_rate", "share_generic", "share_conversational"]
    assert duplicate_outcomes(runs, outcomes) == {"share_generic": "response_rate"}
    runs.loc[2, "share_generic"] = 0.8
    assert duplicate_outcomes(runs, outcomes) == {}


def test_labels_have_units_and_parameters_read_as_words():
    assert set(UNITS) >= set(OUTCOMES)  # every outcome has a unit
    assert axis_label("response_rate") == "response rate (any reply, %)"
    assert axis_label("reputation_end") == "reputation at the end (readers left favourable, %)"
    assert parameter_label("cast.size") == "registered responders at the start"
    assert parameter_label("scripting.policy") == "scripting policy"
    assert "." not in parameter_label("staff_time.hours_per_week")


# ----------------------------------------------------------------------------- reports


def test_comparison_report_leads_with_the_answer(compared):
    report = (compared / "report.md").read_text()
    first_screen = report.split("## What it looks like")[0]
    assert first_screen.index("## In short") < first_screen.index("## Key outcomes")
    sentences = re.findall(r"^- \*\*(.+?)\*\*: (.+)$", first_screen, flags=re.M)
    assert len(sentences) >= 3
    assert any("Site C is highest" in s for _, s in sentences)
    assert all(re.search(r"\[[-\d.,]+, [-\d.,]+\]", s) for _, s in sentences)  # intervals
    key_table = first_screen.split("## Key outcomes")[1]
    rows = [r for r in key_table.splitlines() if r.startswith("| ") and "outcome |" not in r]
    assert 0 < len(rows) <= 8
    # the two most telling figures, then the caveats, then the appendix
    assert report.index("figures/response_rate.png") < report.index("## Caveats")
    assert "not a forecast" in report and "docs/validation.md" in report
    assert report.index("## Caveats") < report.index("# Appendix")
    assert "e-" not in report.split("## Pairwise differences")[1].split("##")[0]
    assert "< 0.001" in report
    for table in ("summary", "differences"):
        assert (compared / "tables" / f"{table}.csv").exists()


def test_sweep_report_ranks_the_factors_in_words(swept):
    report = (swept / "report.md").read_text()
    lead = report.split("## Key outcomes")[0]
    assert "moves most with" in lead
    assert "cast.size" not in lead and "registered responders at the start" in lead
    assert "figures/sweep.png" in report


def test_morris_report_says_when_intervals_are_too_wide(tmp_path):
    from sim.experiments.report import sensitivity_sentences

    table = pd.DataFrame(
        {
            "scenario": "x",
            "outcome": "changes_made",
            "parameter": ["cast.size", "backstage.p_take_up", "staff.legitimacy_mean"],
            "mu_star": [10.0, 9.0, 1.0],
            "mu_star_conf": [3.0, 3.0, 1.5],
            "sigma": [1.0, 1.0, 1.0],
            "mu": [1.0, 1.0, 1.0],
        }
    )
    (text,) = sensitivity_sentences("morris", table)
    assert text.startswith("**Changes made** depends most on registered responders")
    assert "too wide to rank the first two" in text
    assert "Not distinguishable from no effect: mean normative legitimacy" in text
    table["mu_star"] = [10.0, 8.0, 1.0]
    table["mu_star_conf"] = [0.5, 0.5, 0.5]
    (text,) = sensitivity_sentences("morris", table)
    assert "too wide" not in text and "no effect" not in text


# ----------------------------------------------------------------------------- figures


def _svg_text(path: Path) -> str:
    root = ET.parse(path).getroot()
    return " ".join(t.strip() for t in root.itertext() if t.strip())


def _png_inches(path: Path) -> tuple[float, float]:
    from PIL import Image

    with Image.open(path) as image:
        dpi = image.info["dpi"]
        assert dpi[0] == pytest.approx(300, abs=1)
        return image.width / dpi[0], image.height / dpi[1]


FIGURE_TEXT = {
    "response_rate": ["stories answered (%)", "day of the run", "Site A", "Site B", "Site C"],
    "response_mix": ["stories by best reply (%)", "generic", "conversational", "no reply"],
    "changes": ["changes", "Changes made (cumulative)", "Site C"],
    "reputation": ["readers left favourable", "Site A"],
    "distributions": ["response rate (any reply, %)", "changes made", "Site B"],
}


@pytest.mark.parametrize("name", list(FIGURE_TEXT))
def test_each_comparison_figure_has_labels_legend_format_and_size(compared, name):
    figures = compared / "figures"
    for fmt_ in ("png", "svg", "pdf"):
        assert (figures / f"{name}.{fmt_}").stat().st_size > 5_000
    assert (figures / f"{name}.pdf").read_bytes().startswith(b"%PDF")
    width, _ = _png_inches(figures / f"{name}.png")
    column = SINGLE if name == "reputation" else DOUBLE
    assert column * 0.85 <= width <= column * 1.05  # a journal column, once trimmed
    text = _svg_text(figures / f"{name}.svg")
    for expected in FIGURE_TEXT[name]:
        assert expected in text, (name, expected)
    assert "response_rate" not in text and "share_" not in text  # no field names
    svg = (figures / f"{name}.svg").read_text().lower()
    assert "#1f77b4" not in svg and "#ff7f0e" not in svg  # not matplotlib's default colours
    assert OKABE_ITO["blue"].lower() in svg or OKABE_ITO["orange"].lower() in svg


def test_interventions_have_a_legend_entry_in_their_scenarios_style(compared):
    text = _svg_text(compared / "figures" / "response_rate.svg")
    assert "Site A: intervention, day 1580" in text  # site_a.toml's fieldwork day 120
    look = styles(["Site C", "Site A", "x", "Site B"])
    assert look["Site A"][0] == OKABE_ITO["black"] and look["Site C"][0] == OKABE_ITO["blue"]
    assert len({v[:2] for v in look.values()}) == 4  # colour and line style differ


def test_sweep_figure_uses_words_and_readable_log_ticks(swept):
    text = _svg_text(swept / "figures" / "sweep.svg")
    assert "registered responders at the start" in text and "scripting policy" in text
    assert "cast.size" not in text
    assert "10^" not in text and "×10" not in text  # plain 1-2-5 tick labels
    assert re.search(r"\b1\b.*\b10\b.*\b100\b", text)
    assert (swept / "figures" / "sweep.png").exists() and not (
        swept / "figures" / "sweep.pdf"
    ).exists()


def test_a_bad_figure_format_is_one_line(tmp_path, capsys):
    path = tmp_path / "x.toml"
    path.write_text(SWEEP, encoding="utf-8")
    code = main(["experiment", str(path), "--out", str(tmp_path / "o"), "--figure-format", "gif"])
    assert code == 2
    assert "--figure-format: expected a comma-separated list of png, svg, pdf" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "o").exists()


def test_shared_intervention_days_and_long_legends_stay_in_the_column(tmp_path):
    # Site A's intervention (fieldwork day 120) is inherited by the new chief nurse scenario,
    # which adds fieldwork day 180: the shared day is drawn once, and the long legend wraps.
    text = f"""
name = "chief_nurse"
days = 1700
replications = 2
base_seed = 1
outcomes = ["response_rate", "changes_made", "reputation_end"]
[[scenarios]]
file = "{SCENARIOS / "site_a.toml"}"
[[scenarios]]
file = "{SCENARIOS.parent / "experiments" / "scenarios" / "site_a_new_chief_nurse.toml"}"
[design]
kind = "compare"
"""
    out = _run(tmp_path, text, "chief_nurse")
    legend = _svg_text(out / "figures" / "reputation.svg")
    assert "Site A: intervention, day 1580" in legend and "also day 1580" in legend
    for name in FIGURE_TEXT:
        width, _ = _png_inches(out / "figures" / f"{name}.png")
        column = SINGLE if name == "reputation" else DOUBLE
        assert width <= column * 1.05, name


def test_sensitivity_figure_and_report_use_words(tmp_path):
    text = f"""
name = "morris_small"
days = 20
replications = 1
base_seed = 4
outcomes = ["stories", "response_rate"]
[[scenarios]]
file = "{SCENARIOS / "site_a.toml"}"
[design]
kind = "morris"
samples = 4
[design.parameters]
"stories.per_day" = {{ low = 1, high = 10 }}
"audience.credit_change_made" = {{ low = 0.0, high = 0.5 }}
"""
    out = _run(tmp_path, text, "morris_small")
    svg = _svg_text(out / "figures" / "sensitivity_morris.svg")
    assert "mu*: overall influence" in svg and "sigma: interaction" in svg
    assert "first-time stories posted per day" in svg and "stories.per_day" not in svg
    report = (out / "report.md").read_text()
    lead = report.split("## Key outcomes across the design")[0]
    assert "**Stories posted** depends most on first-time stories posted per day" in lead
    # the credit for a change made cannot move Site A's stories: its mu* is zero
    assert "log-odds gained when a change made is reported" in lead
    assert "| stories posted |" in report.split("## Key outcomes across the design")[1]


def test_one_sentence_names_a_culture_that_leads_every_headline_outcome():
    from sim.experiments.report import overall_sentence

    rows = []
    for outcome, values in {
        "response_rate": (0.04, 0.99, 0.995),
        "changes_made": (0.0, 0.2, 232.8),
    }.items():
        for scenario, mean in zip(("Site A", "Site B", "Site C"), values, strict=True):
            rows.append({"scenario": scenario, "outcome": outcome, "mean": mean})
    table = pd.DataFrame(rows)
    assert overall_sentence(table, ["response_rate", "changes_made"]) == (
        "**Site C is highest on both headline outcomes** (response rate (any reply) and "
        "changes made)."
    )
    table.loc[table["scenario"] == "Site B", "mean"] = [0.999, 0.2]  # B answers most
    assert overall_sentence(table, ["response_rate", "changes_made"]) == ""
    assert overall_sentence(table, ["response_rate", "care_quality_end"]) == ""  # not headline

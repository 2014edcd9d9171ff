"""The national system (issue 10): system files, sampling, the typology, the national run
on every executor, policies, outputs and national validation."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.errors import ScenarioError
from sim.national.runner import run_system
from sim.national.sampling import Distribution
from sim.national.system import is_system_file, load_system
from sim.national.typology import CLASSES, classify
from sim.national.validate import DEFAULT_PATTERNS, check, load_patterns, measures

ROOT = Path(__file__).resolve().parents[1]
ENGLAND = ROOT / "scenarios" / "national" / "england.toml"
SCEN = ROOT / "scenarios"

SMALL = f"""
name = "Small nation"
days = 90

[platform]
stories_per_year = 2500
shared = {{ "audience.views_per_story" = 250 }}

[typology]
non_responder_below = 0.20
generic_at_least = 0.70
conversational_at_least = 0.30

[[groups]]
name = "silent"
extends = "{SCEN / "site_a.toml"}"
count = 2
[groups.values]
"stories.per_day" = {{ dist = "loguniform", low = 0.5, high = 2.0 }}

[[groups]]
name = "templates"
extends = "{SCEN / "site_b.toml"}"
count = 2

[[groups]]
name = "tailored"
extends = "{SCEN / "national" / "personalised.toml"}"
count = 4
[groups.values]
"confidence.initial_mean" = {{ dist = "beta", mean = 0.75, concentration = 60 }}
"staff_time.central_hours_per_week" = {{ dist = "uniform", low = 1.0, high = 2.5 }}

[[groups]]
name = "open"
extends = "{SCEN / "site_c.toml"}"
count = 2
[groups.values]
"cast.size" = {{ dist = "loguniform", low = 20, high = 200 }}
"""


def small_file(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL + extra, encoding="utf-8")
    return path


@cache
def small_run(workers: int = 1, scheduler: str | None = None, policies: str = ""):
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="national-test-"))
    system = load_system(small_file(folder, policies), seed=3)
    return run_system(system, workers=workers, scheduler=scheduler)


# ----------------------------------------------------------------------------- files


def test_england_has_about_200_organisations_with_distinct_seeds():
    system = load_system(ENGLAND, seed=1)
    assert 180 <= len(system.organisations) <= 220
    ids = [o.id for o in system.organisations]
    assert len(set(ids)) == len(ids)
    assert len({o.seed for o in system.organisations}) == len(ids)
    # Each organisation is an ordinary scenario for one year as it stands, no history.
    for org in system.organisations:
        assert org.scenario.days == 365 and org.scenario.fieldwork_start_day == 0
        assert org.scenario.interventions == []
    # The national volume is the platform's assumption.
    total = sum(o.scenario.stories.per_day for o in system.organisations) * 365
    assert total == pytest.approx(system.system.platform.stories_per_year)
    assert is_system_file(ENGLAND) and not is_system_file(SCEN / "site_c.toml")


def test_draws_follow_the_seed():
    a, b, c = (load_system(ENGLAND, seed=s) for s in (1, 1, 2))
    assert [o.values for o in a.organisations] == [o.values for o in b.organisations]
    assert [o.values for o in a.organisations] != [o.values for o in c.organisations]
    sizes = [o.scenario.cast.size for o in a.organisations if o.group == "conversational"]
    assert all(isinstance(s, int) and 20 <= s <= 900 for s in sizes)
    assert len(set(sizes)) > 1


@pytest.mark.parametrize(
    "spec, expected",
    [
        ({"dist": "uniform", "low": 1.0, "high": 0.5}, "low <= high"),
        ({"dist": "loguniform", "low": 0.0, "high": 2.0}, "above 0"),
        ({"dist": "beta", "mean": 1.2, "concentration": 5}, "between 0 and 1"),
        ({"dist": "poisson", "mean": 3}, "expected one of"),
        ({"dist": "normal", "mean": 3}, "mean, sd"),
    ],
)
def test_a_bad_distribution_is_one_line_naming_file_and_field(tmp_path, spec, expected):
    extra = (
        '\n[[groups]]\nname = "bad"\nextends = "'
        + str(SCEN / "site_b.toml")
        + '"\ncount = 1\n[groups.values]\n"cast.size" = '
        + "{ "
        + ", ".join(f"{k} = {json.dumps(v)}" for k, v in spec.items())
        + " }\n"
    )
    with pytest.raises(ScenarioError) as err:
        load_system(small_file(tmp_path, extra))
    message = str(err.value)
    assert "small.toml" in message and "groups[4].values.cast.size" in message
    assert expected in message and "\n" not in message


@pytest.mark.parametrize(
    "extra, field, expected",
    [
        (
            '\n[[groups]]\nname = "x"\nextends = "nowhere.toml"\ncount = 1\n',
            "groups[4].extends",
            "file not found",
        ),
        (
            '\n[[groups]]\nname = "x"\nextends = "' + str(SCEN / "site_b.toml") + '"\ncount = 0\n',
            "groups[4].count",
            "at least 1",
        ),
        (
            '\n[[groups]]\nname = "x"\nextends = "'
            + str(SCEN / "site_b.toml")
            + '"\ncount = 1\n[groups.values]\n"cast.sise" = 3\n',
            "cast.sise",
            "unknown field",
        ),
        (
            '\n[[policies]]\nname = "p"\nday = 10\nset = { "organisation.services" = 3 }\n',
            "policies[0].set.organisation.services",
            "cannot change mid-run",
        ),
        (
            '\n[[policies]]\nname = "p"\nday = 10\nset = { "leadership.priority" = 2 }\n',
            "policies[0]",
            "between 0 and 1",
        ),
        (
            '\n[[policies]]\nname = "p"\nday = 10\nset = { "leadership.priority" = 1 }\n'
            'where = { group = "nobody" }\n',
            "policies[0].where.group",
            "expected one of",
        ),
        (
            '\n[[policies]]\nname = "p"\nday = 10\nset = { "leadership.priority" = 1 }\n'
            'where = { class = "heroic" }\n',
            "policies[0].where.class",
            "expected one of",
        ),
    ],
)
def test_system_mistakes_are_one_line(tmp_path, extra, field, expected):
    with pytest.raises(ScenarioError) as err:
        load_system(small_file(tmp_path, extra))
    message = str(err.value)
    assert field in message and expected in message and "\n" not in message


def test_typology_thresholds_in_the_file_are_applied():
    class Rule:
        non_responder_below = 0.2
        generic_at_least = 0.7
        conversational_at_least = 0.3

    assert classify([0, 0, 0, 0], Rule) == "non-responder"
    assert classify([90, 10, 0, 0], Rule) == "non-responder"
    assert classify([10, 80, 10, 0], Rule) == "generic"
    assert classify([10, 10, 50, 30], Rule) == "conversational"
    assert classify([10, 30, 40, 20], Rule) == "mixed"
    Rule.generic_at_least = 0.2
    assert classify([10, 30, 40, 20], Rule) == "generic"


def test_distributions_draw_in_their_ranges():
    rng = np.random.default_rng(0)
    for spec, low, high in [
        ({"dist": "uniform", "low": 2, "high": 3}, 2, 3),
        ({"dist": "loguniform", "low": 1, "high": 100}, 1, 100),
        ({"dist": "normal", "mean": 0, "sd": 5, "low": -1, "high": 1}, -1, 1),
        ({"dist": "beta", "mean": 0.3, "concentration": 10}, 0, 1),
    ]:
        d = Distribution.model_validate(spec)
        xs = [d.draw(rng) for _ in range(200)]
        assert min(xs) >= low and max(xs) <= high and len(set(xs)) > 1
    d = Distribution.model_validate({"dist": "choice", "values": ["a", "b"], "weights": [0, 1]})
    assert {d.draw(rng) for _ in range(20)} == {"b"}


# ----------------------------------------------------------------------------- the run


def test_national_run_tables_and_summary():
    result = small_run()
    orgs = result.organisations
    assert len(orgs) == 10
    assert set(orgs["class"].astype(str)) <= set(CLASSES)
    # National story ids are unique and the tables carry the organisation.
    assert result.stories["story_id"].is_unique
    assert list(result.stories["story_id"]) == list(range(len(result.stories)))
    assert (result.stories["organisation"].astype(str).str.len() > 0).all()
    assert len(result.daily) == 10 * 90
    s = result.summary
    shares = [s[f"share_{t}"] for t in ("none", "generic", "personalised", "conversational")]
    assert sum(shares) == pytest.approx(1.0)
    assert s["stories"] == len(result.stories) == int(orgs["stories"].sum())
    assert sum(c["count"] for c in s["classes"].values()) == 10
    # The silent group answers (almost) nothing; the template group is generic.
    by_group = orgs.groupby("group", observed=True)
    assert by_group["response_rate"].mean()["silent"] < 0.2
    assert set(orgs.loc[orgs.group == "templates", "class"].astype(str)) == {"generic"}
    # Each organisation's shares agree with its story table.
    first = orgs.iloc[0]
    mine = result.stories[result.stories["organisation"] == first["organisation"]]
    assert len(mine) == first["stories"]


def test_pool_and_dask_give_identical_results():
    serial = small_run()
    pool = small_run(workers=2)
    for name in ("daily", "stories", "events", "organisations"):
        pd.testing.assert_frame_equal(getattr(serial, name), getattr(pool, name))
    assert serial.summary == pool.summary
    dask = small_run(workers=2, scheduler="local")
    for name in ("daily", "stories", "events", "organisations"):
        pd.testing.assert_frame_equal(getattr(serial, name), getattr(dask, name))
    assert serial.summary == dask.summary


POLICY = """
[[policies]]
name = "time_for_all_silent"
day = 30
set = { "staff_time.central_hours_per_week" = 6.0, "staff_time.p_squeezed_week" = 0.0 }
where = { class = "non-responder" }

[[policies]]
name = "templates_priority"
day = 45
set = { "leadership.priority" = 1.0 }
where = { group = "templates" }
"""


def test_policies_reach_only_the_organisations_matching_their_condition():
    result = small_run(policies=POLICY)
    orgs = result.organisations
    applied = orgs["policy.time_for_all_silent.applied"]
    on_day = orgs["policy.time_for_all_silent.class_on_day"]
    assert (applied == (on_day == "non-responder")).all()
    assert applied.any() and not applied.all()
    assert (orgs["policy.templates_priority.applied"] == (orgs["group"] == "templates")).all()
    # The policy shows in the ledger of the organisations it reached, and it works: an
    # organisation that was silent answers stories after day 30.
    notes = result.events[result.events["event"].astype(str) == "intervention"]
    reached = set(notes["organisation"].astype(str))
    assert reached == set(
        orgs.loc[applied | orgs["policy.templates_priority.applied"], "organisation"]
    )
    before = small_run()
    silent = orgs.loc[applied, "organisation"]
    after_rate = orgs.set_index("organisation").loc[silent, "response_rate"]
    before_rate = before.organisations.set_index("organisation").loc[silent, "response_rate"]
    assert (after_rate > before_rate).all()


def test_curtain_run_on_a_system_file_writes_the_national_folder(tmp_path, capsys):
    path = small_file(tmp_path)
    out = tmp_path / "nation"
    assert (
        main(["run", str(path), "--days", "60", "--seed", "2", "--out", str(out), "--workers", "1"])
        == 0
    )
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            "daily.parquet",
            "stories.parquet",
            "events.parquet",
            "organisations.parquet",
            "manifest.json",
            "summary.json",
        ]
    )
    orgs = pd.read_parquet(out / "organisations.parquet")
    assert len(orgs) == 10 and {"group", "class", "cast.policy", "response_rate"} <= set(orgs)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["organisations"] == 10 and "classes" in summary
    manifest = json.loads((out / "manifest.json").read_text())
    assert (
        manifest["kind"] == "national system" and len(manifest["scenario"]["organisations"]) == 10
    )
    # `curtain story` tells a story of the last organisation by its national id.
    stories = pd.read_parquet(out / "stories.parquet")
    last = int(stories["story_id"].max())
    capsys.readouterr()
    assert main(["story", str(last), "--run", str(out)]) == 0
    assert f"Story {last}" in capsys.readouterr().out
    # Running again replaces the national folder; a folder of other files is refused.
    assert main(["run", str(path), "--days", "30", "--out", str(out), "--workers", "1"]) == 2
    assert (
        main(["run", str(path), "--days", "30", "--out", str(out), "--workers", "1", "--overwrite"])
        == 0
    )
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    assert main(["run", str(path), "--days", "30", "--out", str(tmp_path / "other")]) == 2
    assert (tmp_path / "other" / "notes.txt").read_text() == "mine"


def test_national_validation_patterns_have_kinds_and_measures():
    system, patterns = load_patterns(DEFAULT_PATTERNS)
    assert system.resolve() == ENGLAND.resolve()
    kinds = {p["kind"] for p in patterns}
    assert {"calibrated", "independent"} <= kinds
    assert all(p.get("calibrated_by") for p in patterns if p["kind"] == "calibrated")
    result = small_run()
    values = measures(result.summary, result.organisations)
    rows = check(patterns, [values])
    assert {r["id"] for r in rows} == {p["id"] for p in patterns}
    # The measures read the run: the silent group makes overall non-responders.
    assert values["share_organisations_answering_under_5pct"] > 0
    assert values["share_none"] == result.summary["share_none"]


def test_policy_experiment_is_paired_and_the_same_on_every_executor(tmp_path):
    from sim.national.compare import FILES, run_policy_experiment, write_policy_experiment

    system = small_file(tmp_path)
    exp = tmp_path / "policies.toml"
    exp.write_text(
        f'name = "p"\nsystem = "{system}"\ndays = 40\nreplications = 2\nbase_seed = 5\n'
        'baseline = "none"\n[[arms]]\nname = "none"\n[[arms]]\nname = "time"\n'
        '[[arms.policies]]\nname = "time"\nday = 10\n'
        'set = { "staff_time.central_hours_per_week" = 6.0 }\n'
        'where = { group = "silent" }\n',
        encoding="utf-8",
    )
    serial = run_policy_experiment(exp, workers=1)
    pool = run_policy_experiment(exp, workers=2)
    for name in ("runs", "organisations", "transitions"):
        pd.testing.assert_frame_equal(serial[name], pool[name])
    orgs = serial["organisations"]
    # Paired: the baseline arm's organisations keep their class; both arms hold the same
    # organisations with the same seeds in each replication.
    base = orgs[orgs["arm"] == "none"]
    assert (base["class"] == base["baseline_class"]).all()
    arm = orgs[orgs["arm"] == "time"]
    assert list(arm["seed"]) == list(base["seed"])
    assert (
        arm.loc[arm.group != "silent", "class"].values
        == base.loc[base.group != "silent", "class"].values
    ).all()
    t = serial["transitions"]
    assert t.groupby("arm")["organisations"].sum().tolist() == [20, 20]
    summary = serial["summary"]
    assert summary["arms"]["time"]["vs_baseline"]["share_none"]["mean_difference"] < 0
    out = write_policy_experiment(serial, tmp_path / "out")
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)


def test_a_dask_scheduler_address_on_loopback_gives_the_same_results(tmp_path):
    """The multi-machine path: a scheduler reached by its tcp:// address (here a loopback
    cluster started by the test; on several machines, `dask scheduler` and `dask worker`)."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        local_directory=str(tmp_path / "scratch"),
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        remote = run_system(load_system(small_file(tmp_path), seed=3), scheduler=address)
    serial = small_run()
    for name in ("daily", "stories", "events", "organisations"):
        pd.testing.assert_frame_equal(getattr(serial, name), getattr(remote, name))
    assert serial.summary == remote.summary


def test_curtain_experiment_runs_a_national_policy_file_the_same_serially_and_pooled(tmp_path):
    from sim.cli import main
    from sim.national.compare import FILES

    system = small_file(tmp_path)
    exp = tmp_path / "policies.toml"
    exp.write_text(
        f'name = "p"\nsystem = "{system}"\ndays = 30\nreplications = 1\nbase_seed = 5\n'
        'baseline = "none"\n[[arms]]\nname = "none"\n[[arms]]\nname = "time"\n'
        '[[arms.policies]]\nname = "time"\nday = 10\n'
        'set = { "staff_time.central_hours_per_week" = 6.0 }\n',
        encoding="utf-8",
    )
    outs = []
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        assert (
            main(["experiment", str(exp), "--out", str(out), "--workers", workers, "--quiet"]) == 0
        )
        assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
        outs.append(out)
    pd.testing.assert_frame_equal(
        pd.read_parquet(outs[0] / "runs.parquet"), pd.read_parquet(outs[1] / "runs.parquet")
    )


def test_curtain_validate_reads_a_national_pattern_file(tmp_path, capsys):
    from sim.cli import main

    system = small_file(tmp_path)
    patterns = tmp_path / "national.toml"
    patterns.write_text(
        f'system = "{system}"\n[[pattern]]\nid = "N.x"\nkind = "independent"\n'
        'name = "n"\nmeasure = "share_none"\nevidence = "e"\nsource = "s"\nlow = 0.0\n'
        'high = 1.0\nreason = "r"\n',
        encoding="utf-8",
    )
    args = ["validate", "--patterns", str(patterns), "--reps", "2", "--days", "20"]
    assert main([*args, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["id"] == "N.x" and rows[0]["kind"] == "independent" and rows[0]["passed"]
    assert main([*args, "--discrimination"]) == 2
    assert "national pattern file" in capsys.readouterr().err

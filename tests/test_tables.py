"""The tables built from a columnar read of a run (sim.metrics.Reads) say what the stories
and the ledger say, row by row, read here the slow way: one story, one ledger row at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.lifecycle import (
    ANSWERED,
    CHALLENGED,
    CHANGE_MADE,
    CHANGE_PLANNED,
    DROPPED_AT_WORK,
    EVENTS,
    ISSUE_DROPPED,
    LEFT_UNANSWERED,
    PASS_REASONS,
    PASSED_OVER,
    PATIENT_JUDGED,
    POSTED,
    REMINDER_SENT,
    TAKEN_BACKSTAGE,
)
from sim.metrics import Reads, daily_table, event_table, roles_by_id, story_table
from sim.runner import simulate, tables, write
from sim.story import RESPONSE_TYPES, ROUTES

from .conftest import site

#: Site B offers redirects (accepted and declined), Site A leaves stories waiting, Site C
#: takes issues backstage and makes changes: between them every text column takes values.
CASES = [("site_a", 3, 400), ("site_b", 2, 400), ("site_c", 1, 500)]


@pytest.fixture(scope="module", params=CASES, ids=[c[0] for c in CASES])
def model(request):
    name, seed, days = request.param
    return simulate(site(name), seed=seed, days=days)


def _values(column: pd.Series) -> list:
    """A column's values as plain Python objects, None for every kind of missing."""
    return [None if pd.isna(v) else v for v in column.astype(object)]


def _optional(day: int) -> int | None:
    return day if day >= 0 else None


def test_story_table_says_what_each_story_says(model):
    stories = model.lifecycle.stories
    frame = story_table(model)
    share = model.audience.generic_share()
    expected = {
        "story_id": [s.id for s in stories],
        "day_posted": [s.day for s in stories],
        "posted_at": [s.posted_at for s in stories],
        "sentiment": ["negative" if s.negative else "positive" for s in stories],
        "author_id": [s.author.unique_id for s in stories],
        "repeat_author": [s.repeat for s in stories],
        "responses": [s.n_responses for s in stories],
        "first_response_day": [_optional(s.first_response_day) for s in stories],
        "days_to_first_response": [
            s.first_response_time - s.posted_at if s.n_responses else None for s in stories
        ],
        "first_response_type": [RESPONSE_TYPES[s.first_type] for s in stories],
        "best_response_type": [RESPONSE_TYPES[s.best_type] for s in stories],
        "first_responder_id": [
            s.first_responder.unique_id if s.first_responder else None for s in stories
        ],
        "first_responder_role": [
            s.first_responder.role if s.first_responder else None for s in stories
        ],
        "redirect_outcome": [
            (None, "declined", "accepted")[s.redirect_accepted + 1] for s in stories
        ],
        "backstage_route": [ROUTES[s.route] for s in stories],
        "change_made_day": [_optional(s.change_made_day) for s in stories],
        "waiting_reason": [
            PASS_REASONS[s.pass_reason] if s.pass_reason >= 0 and not s.n_responses else None
            for s in stories
        ],
        "favourable": [model.audience.favourable(s.seen_state, share) for s in stories],
    }
    for column, values in expected.items():
        assert _values(frame[column]) == values, column
    assert frame["stage"].notna().all()
    made = frame["change_made_day"].notna()
    assert (frame.loc[made, "stage"] == "change made").all()


def test_event_table_says_what_each_ledger_row_says(model):
    ledger = model.lifecycle.ledger
    frame = event_table(model)
    roles = roles_by_id(model)

    def words(event: int, detail: int) -> str | None:
        if event in (ANSWERED, CHALLENGED, PATIENT_JUDGED):
            return RESPONSE_TYPES[detail]
        if event in (PASSED_OVER, LEFT_UNANSWERED):
            return PASS_REASONS[detail]
        if event in (TAKEN_BACKSTAGE, CHANGE_PLANNED, CHANGE_MADE):
            return ROUTES[detail]
        if event == ISSUE_DROPPED:
            return "abandoned in work" if detail == DROPPED_AT_WORK else "not planned"
        if event == POSTED and detail == 1:
            return "returning author"
        if event == REMINDER_SENT:
            return f"reminder {detail}"
        return None

    assert _values(frame["day"]) == [row[0] for row in ledger]
    assert _values(frame["event"]) == [EVENTS[row[1]] for row in ledger]
    assert _values(frame["story_id"]) == [row[2] if row[2] >= 0 else None for row in ledger]
    assert _values(frame["actor_role"]) == [roles.get(row[3]) for row in ledger]
    assert _values(frame["detail"]) == [words(row[1], row[4]) for row in ledger]
    assert frame["value"].tolist() == [row[5] for row in ledger]
    assert {"returning author", "did not take it up"} & set(frame["detail"].dropna())


def test_tables_share_one_read_and_match_tables_built_alone(model):
    result = tables(model)
    pd.testing.assert_frame_equal(result.daily, daily_table(model))
    pd.testing.assert_frame_equal(result.stories, story_table(model))
    pd.testing.assert_frame_equal(result.events, event_table(model))


def test_one_pass_read_equals_one_field_at_a_time(model):
    together, alone = Reads(model), Reads(model)
    fields = ("posted_at", "negative", "views", "first_response_time", "seen_state")
    together.read_stories(fields)
    for field in fields:
        a, b = together.story(field), alone.story(field)
        assert a.dtype == b.dtype and np.array_equal(a, b), field
        assert b.tolist() == [getattr(s, field) for s in model.lifecycle.stories], field


def test_journey_read_from_the_ledger_is_the_stories_own(model):
    """The journey fields come from the ledger (sim.metrics.JOURNEY): each equals what the
    lifecycle wrote on every story."""
    from sim.metrics import JOURNEY, _journey

    found = _journey(Reads(model))
    assert found is not None and set(found) == {*JOURNEY, "first_responder"}
    stories = model.lifecycle.stories
    for field in JOURNEY:
        assert found[field].tolist() == [getattr(s, field) for s in stories], field
    responders = [s.first_responder.unique_id if s.first_responder else -1 for s in stories]
    assert found["first_responder"].tolist() == responders
    answers = sum(1 for row in model.lifecycle.ledger if row[1] == ANSWERED)
    assert found["n_responses"].sum() == answers


def test_a_ledger_that_is_not_the_stories_falls_back_to_asking_them(model):
    from sim.metrics import _journey

    reads = Reads(model)
    reads._ledger = reads.ledger[reads.ledger["event"] != POSTED]  # no posted rows
    assert _journey(reads) is None
    reads.read_stories(("first_response_day", "best_type"))
    stories = model.lifecycle.stories
    assert reads.story("best_type").tolist() == [s.best_type for s in stories]


def test_files_read_back_as_the_tables(model, tmp_path):
    result = tables(model)
    out = write(result, tmp_path / "run")
    for name in ("daily", "stories", "events"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(out / f"{name}.parquet"), getattr(result, name)
        )
    stories = pd.read_parquet(out / "stories.parquet")
    assert isinstance(stories["stage"].dtype, pd.CategoricalDtype)
    assert str(stories["first_response_day"].dtype) == "Int64"


@pytest.mark.parametrize("name", ["daily", "stories", "events"])
def test_arrow_form_is_described_as_pyarrow_describes_the_dataframe(model, name):
    """The file `curtain run` writes without pandas carries the schema and pandas metadata
    pyarrow gives the DataFrame of the same columns, so it reads back as that DataFrame."""
    import pyarrow as pa

    from sim.columnar import to_arrow, to_frame

    columns = tables(model).columns[name]
    ours = to_arrow(columns)
    theirs = pa.Table.from_pandas(to_frame(columns), preserve_index=False)
    assert ours.schema.remove_metadata() == theirs.schema.remove_metadata()
    assert ours.schema.pandas_metadata == theirs.schema.pandas_metadata
    assert ours.equals(theirs)


def test_empty_and_noted_columns_take_pandas_forms():
    """No stories (object columns, null in Arrow) and an intervention's note (text)."""
    import pyarrow as pa

    from sim.columnar import to_arrow, to_frame
    from sim.metrics import story_columns

    empty = simulate(site("site_c").with_overrides({"stories.per_day": 0.0}), seed=1, days=3)
    noted = simulate(site("site_a"), seed=1)  # its history includes an intervention
    assert len(noted.lifecycle.notes) >= 1
    for columns in (story_columns(empty), tables(noted).columns["events"]):
        frame = to_frame(columns)
        theirs = pa.Table.from_pandas(frame, preserve_index=False)
        assert to_arrow(columns).schema == theirs.schema
        assert to_arrow(columns).schema.pandas_metadata == theirs.schema.pandas_metadata

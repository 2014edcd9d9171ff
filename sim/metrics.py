"""Outputs: the daily state recorder and the tidy tables built after a run.

Data collection sits outside the model's rules. While running, the :class:`Recorder` notes
only what cannot be rebuilt later (reputation, care quality, cast size, mean confidence,
board pressure, communications' openness): a few floats a day. Everything else is derived
after the run from the stories' day-stamped journeys and the event ledger, with numpy, so
the daily loop never builds a frame.

Definitions (all "as of the end of day t"):

- ``response_rate``: stories answered at least once / stories posted.
- ``response_rate_30d``: of the stories posted in the last 30 days, the share answered so far
  (a "recent" rate, as a platform's page might show it).
- ``share_none`` / ``share_generic`` / ``share_personalised`` / ``share_conversational``: share
  of all stories posted whose most engaged reply so far is none / generic / personalised /
  conversational (see :data:`sim.story.RESPONSE_TYPES`).
- ``responses_per_story``: staff responses / stories answered.
- ``active_responders``: distinct staff who have answered at least once in the run;
  ``active_responders_30d``: distinct staff who answered in the last 30 days.
- ``changes_planned``: changes planned and not yet made or abandoned (the paper's "180
  planned changes" alongside "210 changes made"); ``changes_planned_total`` counts every plan.
- ``days_to_first_response``: time from posting to the first reply, in days with their
  fraction (a story posted at 10pm and answered at 9am the next day waited 0.46 days).
- ``reputation``: the share of the audience's recent reading that leaves a favourable
  impression of the organisation, 0 to 1 (see :mod:`sim.audience`).
- ``worth``: the share of recent attention on stories showing posting was worthwhile (a
  bespoke reply or a change made); ``story_rate``: the day's mean rate of first-time stories.
- ``waiting``: items waiting in the inboxes at the end of the day.
- ``staff_hours``: staff hours spent on the inboxes that day, reading and replying;
  ``reply_hours`` the part spent writing replies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

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
    PATIENT_INVOLVED,
    PATIENT_JUDGED,
    POSTED,
    REDIRECT_ACCEPTED,
    REDIRECT_DECLINED,
    REDIRECT_OFFERED,
    REMINDER_SENT,
    TAKEN_BACKSTAGE,
)
from sim.story import CONVERSATIONAL, GENERIC, PERSONALISED, RESPONSE_TYPES, ROUTES

if TYPE_CHECKING:
    from sim.model import CurtainModel


class Recorder:
    """Per-day state the tables cannot rebuild: a few floats a day."""

    COLUMNS = (
        "reputation",
        "worth",
        "story_rate",
        "waiting",
        "hours_spent",
        "care_quality",
        "cast_size",
        "mean_confidence",
        "board_pressure",
        "comms_openness",
    )

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def record(self, model: CurtainModel) -> None:
        self.rows.append(
            (
                model.audience.reputation(),
                model.audience.worth(),
                model.story_rate(),
                model.frontstage.waiting(),
                model.frontstage.hours_spent,
                model.services.mean(),
                len(model.castlist),
                model.castlist.mean_confidence(),
                model.frontstage.pressure,
                model.comms_openness,
            )
        )

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=list(self.COLUMNS))


def _ledger_columns(model: CurtainModel) -> dict[str, np.ndarray]:
    ledger = model.lifecycle.ledger
    if not ledger:
        return {
            k: np.zeros(0, dtype=t)
            for k, t in (
                ("day", int),
                ("event", int),
                ("story", int),
                ("actor", int),
                ("detail", int),
                ("value", float),
            )
        }
    day, event, story, actor, detail, value = zip(*ledger, strict=True)
    return {
        "day": np.asarray(day, dtype=np.int64),
        "event": np.asarray(event, dtype=np.int64),
        "story": np.asarray(story, dtype=np.int64),
        "actor": np.asarray(actor, dtype=np.int64),
        "detail": np.asarray(detail, dtype=np.int64),
        "value": np.asarray(value, dtype=np.float64),
    }


def _count_by_day(days: np.ndarray, n_days: int, weights: np.ndarray | None = None) -> np.ndarray:
    days = np.asarray(days)
    keep = (days >= 0) & (days < n_days)
    w = None if weights is None else np.asarray(weights)[keep]
    return np.bincount(days[keep], weights=w, minlength=n_days)[:n_days]


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def roles_by_id(model: CurtainModel) -> dict[int, str]:
    return {a.unique_id: getattr(a, "role", "patient") for a in model.agents}


def story_table(model: CurtainModel) -> pd.DataFrame:
    """One row per story: its whole journey."""
    stories = model.lifecycle.stories
    if not stories:
        return pd.DataFrame(columns=_STORY_COLUMNS)
    days = np.array([s.day for s in stories])
    first = np.array([s.first_response_day for s in stories])
    posted_at = np.array([s.posted_at for s in stories])
    first_time = np.array([s.first_response_time for s in stories])
    rows = {
        "story_id": [s.id for s in stories],
        "day_posted": days,
        "posted_at": posted_at,
        "service": [s.service for s in stories],
        "sentiment": ["negative" if s.negative else "positive" for s in stories],
        "hostility": [s.hostility for s in stories],
        "actionable": [s.actionable for s in stories],
        "author_id": [s.author.unique_id for s in stories],
        "repeat_author": [s.repeat for s in stories],
        "views": [s.views for s in stories],
        "responses": [s.n_responses for s in stories],
        "first_response_day": first,
        "days_to_first_response": np.where(first >= 0, first_time - posted_at, np.nan),
        "first_response_type": [RESPONSE_TYPES[s.first_type] for s in stories],
        "best_response_type": [RESPONSE_TYPES[s.best_type] for s in stories],
        "first_responder_id": [
            s.first_responder.unique_id if s.first_responder else -1 for s in stories
        ],
        "first_responder_role": [
            s.first_responder.role if s.first_responder else None for s in stories
        ],
        "identified": [s.identified for s in stories],
        "redirect_offered_day": [s.redirect_day for s in stories],
        "redirect_outcome": [
            (None, "declined", "accepted")[s.redirect_accepted + 1] for s in stories
        ],
        "backstage_day": [s.backstage_day for s in stories],
        "backstage_route": [ROUTES[s.route] for s in stories],
        "change_planned_day": [s.change_planned_day for s in stories],
        "change_made_day": [s.change_made_day for s in stories],
        "issue_dropped_day": [s.dropped_day for s in stories],
        "reminders": [s.reminders for s in stories],
        "waiting_reason": [
            PASS_REASONS[s.pass_reason] if s.pass_reason >= 0 and not s.n_responses else None
            for s in stories
        ],
        "favourable": _favourable(model, stories),
    }
    frame = pd.DataFrame(rows)
    frame["stage"] = _stage(frame)
    for col in (
        "first_response_day",
        "first_responder_id",
        "redirect_offered_day",
        "backstage_day",
        "change_planned_day",
        "change_made_day",
        "issue_dropped_day",
    ):
        frame[col] = frame[col].astype("Int64").where(frame[col] >= 0)
    return frame


_STORY_COLUMNS = [
    "story_id",
    "day_posted",
    "posted_at",
    "service",
    "sentiment",
    "hostility",
    "actionable",
    "author_id",
    "repeat_author",
    "views",
    "responses",
    "first_response_day",
    "days_to_first_response",
    "first_response_type",
    "best_response_type",
    "first_responder_id",
    "first_responder_role",
    "identified",
    "redirect_offered_day",
    "redirect_outcome",
    "backstage_day",
    "backstage_route",
    "change_planned_day",
    "change_made_day",
    "issue_dropped_day",
    "reminders",
    "waiting_reason",
    "favourable",
    "stage",
]


def _favourable(model: CurtainModel, stories: list) -> list[float]:
    """Each story's chance of leaving a reader favourable, as the audience sees it now."""
    audience = model.audience
    share = audience.generic_share()
    return [audience.favourable(s.seen_state, share) for s in stories]


def _stage(frame: pd.DataFrame) -> np.ndarray:
    """The furthest point each story's journey reached."""
    stage = np.where(frame["responses"] > 0, "answered", "unanswered").astype(object)
    stage = np.where(frame["redirect_outcome"] == "declined", "redirect declined", stage)
    stage = np.where(frame["redirect_outcome"] == "accepted", "redirect accepted", stage)
    stage = np.where(frame["backstage_day"] >= 0, "taken backstage", stage)
    stage = np.where(frame["issue_dropped_day"] >= 0, "issue dropped", stage)
    made, planned = frame["change_made_day"] >= 0, frame["change_planned_day"] >= 0
    stage = np.where(planned & (frame["issue_dropped_day"] < 0), "change planned", stage)
    return np.where(made, "change made", stage)


def event_table(model: CurtainModel) -> pd.DataFrame:
    """The ledger: one row per state change or organisation event."""
    cols = _ledger_columns(model)
    roles = roles_by_id(model)
    event = cols["event"]
    detail = cols["detail"]
    text = np.full(len(event), None, dtype=object)
    for code in (ANSWERED, CHALLENGED):
        mask = event == code
        text[mask] = np.asarray(RESPONSE_TYPES, dtype=object)[detail[mask]]
    mask = (event == PASSED_OVER) | (event == LEFT_UNANSWERED)
    text[mask] = np.asarray(PASS_REASONS, dtype=object)[detail[mask]]
    for code in (TAKEN_BACKSTAGE, CHANGE_PLANNED, CHANGE_MADE):
        mask = event == code
        text[mask] = [ROUTES[int(d)] for d in detail[mask]]
    mask = event == ISSUE_DROPPED
    text[mask] = np.where(detail[mask] == DROPPED_AT_WORK, "abandoned in work", "not planned")
    mask = event == PATIENT_JUDGED
    text[mask] = np.asarray(RESPONSE_TYPES, dtype=object)[detail[mask]]
    mask = (event == POSTED) & (detail == 1)
    text[mask] = "returning author"
    mask = event == REMINDER_SENT
    text[mask] = [f"reminder {int(d)}" for d in detail[mask]]
    notes = np.full(len(event), None, dtype=object)
    for i, note in model.lifecycle.notes.items():
        notes[i] = note
    actor = cols["actor"]
    frame = pd.DataFrame(
        {
            "day": cols["day"],
            "event": pd.Categorical.from_codes(event, categories=list(EVENTS)),
            "story_id": pd.array(np.where(cols["story"] >= 0, cols["story"], 0), dtype="Int64"),
            "actor_id": pd.array(np.where(actor >= 0, actor, 0), dtype="Int64"),
            "actor_role": [roles.get(int(a)) if a >= 0 else None for a in actor],
            "detail": text,
            "value": cols["value"],
            "note": notes,
        }
    )
    frame.loc[cols["story"] < 0, "story_id"] = pd.NA
    frame.loc[actor < 0, "actor_id"] = pd.NA
    return frame


#: The daily table's columns, in order (pattern expressions are checked against them when
#: loaded; tests/test_checks.py fails when daily_table's columns drift from this).
DAILY_COLUMNS = (
    "day",
    "stories_posted",
    "stories",
    "negative_share",
    "negative_share_total",
    "response_rate",
    "response_rate_30d",
    "share_none",
    "share_generic",
    "share_personalised",
    "share_conversational",
    "responses",
    "generic_responses",
    "personalised_responses",
    "conversational_responses",
    "responses_per_story",
    "mean_days_to_first_response",
    "active_responders",
    "active_responders_30d",
    "reply_hours",
    "redirects_offered",
    "redirects_accepted",
    "redirects_declined",
    "issues_backstage",
    "changes_planned_total",
    "changes_planned",
    "changes_made",
    "reminders_sent",
    "challenges",
    "patients_involved",
    "repeat_stories",
    "reputation",
    "worth",
    "story_rate",
    "waiting",
    "staff_hours",
    "care_quality",
    "cast_size",
    "mean_confidence",
    "board_pressure",
    "comms_openness",
)


def daily_table(model: CurtainModel) -> pd.DataFrame:
    """One row per day, every output of the brief."""
    n = model.day
    stories = model.lifecycle.stories
    posted_day = np.array([s.day for s in stories], dtype=np.int64)
    negative = np.array([s.negative for s in stories], dtype=bool)
    first = np.array([s.first_response_day for s in stories], dtype=np.int64)
    conv = np.array([s.conversational_day for s in stories], dtype=np.int64)
    led = _ledger_columns(model)
    ev, day, actor = led["event"], led["day"], led["actor"]

    posted = _count_by_day(posted_day, n)
    stories_total = np.cumsum(posted)
    negative_posted = _count_by_day(posted_day[negative], n)
    answered_total = np.cumsum(_count_by_day(first, n))
    conversational_total = np.cumsum(_count_by_day(conv, n))
    pers = np.array([s.personalised_day for s in stories], dtype=np.int64)
    # Personalised is a story's best type from its personalised day until (if ever) a
    # conversational reply: count the starts, less those already overtaken.
    overtaken = (pers >= 0) & (conv >= 0)
    personalised_total = np.cumsum(_count_by_day(pers, n)) - np.cumsum(
        _count_by_day(np.maximum(pers, conv)[overtaken], n)
    )

    answers = ev == ANSWERED
    responses = _count_by_day(day[answers], n)
    responses_total = np.cumsum(responses)
    resp_type = led["detail"][answers]
    posted_at = np.array([s.posted_at for s in stories], dtype=np.float64)
    first_time = np.array([s.first_response_time for s in stories], dtype=np.float64)
    delays = np.where(first >= 0, first_time - posted_at, 0.0)
    first_count = _count_by_day(first, n)
    first_delay = _count_by_day(first, n, weights=delays)

    frame = pd.DataFrame(
        {
            "day": np.arange(n),
            "stories_posted": posted,
            "stories": stories_total,
            "negative_share": _ratio(negative_posted, posted),
            "negative_share_total": _ratio(np.cumsum(negative_posted), stories_total),
            "response_rate": _ratio(answered_total, stories_total),
            "response_rate_30d": _recent_response_rate(posted_day, first, n, 30),
            "share_none": _ratio(stories_total - answered_total, stories_total),
            "share_generic": _ratio(
                answered_total - conversational_total - personalised_total, stories_total
            ),
            "share_personalised": _ratio(personalised_total, stories_total),
            "share_conversational": _ratio(conversational_total, stories_total),
            "responses": responses,
            "generic_responses": _count_by_day(day[answers][resp_type == GENERIC], n),
            "personalised_responses": _count_by_day(day[answers][resp_type == PERSONALISED], n),
            "conversational_responses": _count_by_day(day[answers][resp_type == CONVERSATIONAL], n),
            "responses_per_story": _ratio(responses_total, answered_total),
            "mean_days_to_first_response": _ratio(first_delay, first_count),
            "active_responders": np.cumsum(
                _count_by_day(_first_days(actor[answers], day[answers]), n)
            ),
            "active_responders_30d": _active_in_window(actor[answers], day[answers], n, 30),
            "reply_hours": _count_by_day(day[answers], n, weights=led["value"][answers]),
            "redirects_offered": np.cumsum(_count_by_day(day[ev == REDIRECT_OFFERED], n)),
            "redirects_accepted": np.cumsum(_count_by_day(day[ev == REDIRECT_ACCEPTED], n)),
            "redirects_declined": np.cumsum(_count_by_day(day[ev == REDIRECT_DECLINED], n)),
            "issues_backstage": np.cumsum(_count_by_day(day[ev == TAKEN_BACKSTAGE], n)),
            "changes_planned_total": np.cumsum(_count_by_day(day[ev == CHANGE_PLANNED], n)),
            "changes_made": np.cumsum(_count_by_day(day[ev == CHANGE_MADE], n)),
            "reminders_sent": np.cumsum(_count_by_day(day[ev == REMINDER_SENT], n)),
            "challenges": np.cumsum(_count_by_day(day[ev == CHALLENGED], n)),
            "patients_involved": np.cumsum(_count_by_day(day[ev == PATIENT_INVOLVED], n)),
            "repeat_stories": np.cumsum(
                _count_by_day(day[(ev == POSTED) & (led["detail"] == 1)], n)
            ),
        }
    )
    abandoned = np.cumsum(
        _count_by_day(day[(ev == ISSUE_DROPPED) & (led["detail"] == DROPPED_AT_WORK)], n)
    )
    frame.insert(
        frame.columns.get_loc("changes_made"),
        "changes_planned",
        frame["changes_planned_total"] - frame["changes_made"] - abandoned,
    )
    recorded = model.recorder.frame()
    for col in Recorder.COLUMNS:
        if col == "hours_spent":
            # Staff hours on the inboxes that day: reading and replying.
            frame["staff_hours"] = np.diff(recorded[col].to_numpy()[:n], prepend=0.0)
        else:
            frame[col] = recorded[col].to_numpy()[:n]
    return frame


def _recent_response_rate(posted: np.ndarray, first: np.ndarray, n: int, window: int):
    """Per day t: of the stories posted in (t - window, t], the share answered by t."""
    ends = posted + window
    in_window = np.zeros(n + window + 1)
    np.add.at(in_window, posted, 1)
    np.add.at(in_window, ends, -1)
    answered = first >= 0
    counted = answered & (first < ends)
    answered_window = np.zeros(n + window + 1)
    np.add.at(answered_window, first[counted], 1)
    np.add.at(answered_window, ends[counted], -1)
    return _ratio(np.cumsum(answered_window)[:n], np.cumsum(in_window)[:n])


def _first_days(actors: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Day of each distinct actor's first appearance."""
    if len(actors) == 0:
        return np.zeros(0, dtype=np.int64)
    _, idx = np.unique(actors, return_index=True)
    return days[idx]


def _active_in_window(actors: np.ndarray, days: np.ndarray, n: int, window: int) -> np.ndarray:
    """Distinct actors with at least one event in the last ``window`` days, per day.

    An event on day ``d`` keeps its actor active on days ``d .. d + window - 1``. With the
    events sorted by actor and day, each event's stretch is cut where the same actor's next
    event begins, so one actor's stretches never overlap, and a difference array over the
    days counts every active actor once: memory linear in events plus days (a responders x
    days matrix would reach gigabytes over decades), time dominated by one sort.
    """
    if len(actors) == 0 or n == 0:
        return np.zeros(n, dtype=np.int64)
    order = np.lexsort((days, actors))
    actor = actors[order]
    start = days[order].astype(np.int64)
    end = start + window
    same = actor[1:] == actor[:-1]  # the next event is the same actor's
    end[:-1][same] = np.minimum(end[:-1][same], start[1:][same])
    start, end = np.clip(start, 0, n), np.clip(end, 0, n)
    change = np.bincount(start, minlength=n + 1) - np.bincount(end, minlength=n + 1)
    return np.cumsum(change[:n])


def first_response_delays(model: CurtainModel) -> np.ndarray:
    """Days (with their fraction) from posting to the first reply, of every answered story."""
    return np.array(
        [s.first_response_time - s.posted_at for s in model.lifecycle.stories if s.n_responses],
        dtype=np.float64,
    )


def summary(
    model: CurtainModel, daily: pd.DataFrame, stories: pd.DataFrame | None = None
) -> dict[str, Any]:
    """End-of-run figures: the last daily row plus whole-run medians (``stories`` is not
    needed; it is accepted for callers that have the table)."""
    last = daily.iloc[-1] if len(daily) else None

    def end(col: str) -> Any:
        if last is None:
            return None
        value = last[col]
        if pd.isna(value):
            return None
        return int(value) if pd.api.types.is_integer_dtype(daily[col]) else float(value)

    delays = first_response_delays(model)
    return {
        "scenario": model.initial_scenario.name,
        "seed": model.seed,
        "days": model.day,
        "stories": end("stories"),
        "response_rate": end("response_rate"),
        "share_none": end("share_none"),
        "share_generic": end("share_generic"),
        "share_personalised": end("share_personalised"),
        "share_conversational": end("share_conversational"),
        "responses": int(daily["responses"].sum()) if len(daily) else 0,
        "responses_per_story": end("responses_per_story"),
        "median_days_to_first_response": float(np.median(delays)) if len(delays) else None,
        "active_responders": end("active_responders"),
        "cast_size": end("cast_size"),
        "redirects_offered": end("redirects_offered"),
        "redirects_accepted": end("redirects_accepted"),
        "issues_backstage": end("issues_backstage"),
        "changes_planned": end("changes_planned"),
        "changes_planned_total": end("changes_planned_total"),
        "changes_made": end("changes_made"),
        "negative_share": end("negative_share_total"),
        "care_quality_end": end("care_quality"),
        "reputation_end": end("reputation"),
        "mean_confidence_end": end("mean_confidence"),
        "staff_hours": float(daily["staff_hours"].sum()) if len(daily) else 0.0,
        "reminders_sent": end("reminders_sent"),
        "patients_involved": end("patients_involved"),
        "repeat_stories": end("repeat_stories"),
    }

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

from collections.abc import Iterable
from itertools import chain
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.agents import ROLES
from sim.columnar import Coded, Columns, Maybe, rows, to_frame
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
    import pandas as pd

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

    def columns(self) -> dict[str, np.ndarray]:
        """Each recorded quantity as an array over the days (ints stay ints)."""
        if not self.rows:
            return {name: np.zeros(0) for name in self.COLUMNS}
        return {
            name: np.asarray(values)
            for name, values in zip(self.COLUMNS, zip(*self.rows, strict=True), strict=True)
        }

    def frame(self) -> pd.DataFrame:
        return to_frame(self.columns())


class Reads:
    """A columnar read of one finished run: the ledger and the stories' fields as numpy
    arrays, each read once however many tables use it.

    The ledger (a list of 6-tuples) becomes one structured array in a single pass; a story
    field becomes one array the first time a table asks for it (``reads.story("day")``).
    Built after the run, so the daily loop never pays for it.
    """

    LEDGER_DTYPE = np.dtype(
        [
            ("day", np.int64),
            ("event", np.int64),
            ("story", np.int64),
            ("actor", np.int64),
            ("detail", np.int64),
            ("value", np.float64),
        ]
    )
    #: Story fields and the dtype each is read as (anything else is read as int64).
    STORY_DTYPES: ClassVar[dict[str, type]] = {
        "posted_at": np.float64,
        "first_response_time": np.float64,
        "hostility": np.float64,
        "negative": bool,
        "actionable": bool,
        "repeat": bool,
        "identified": bool,
    }

    def __init__(self, model: CurtainModel) -> None:
        self.model = model
        self.stories = model.lifecycle.stories
        self._story: dict[str, np.ndarray] = {}
        self._ledger: np.ndarray | None = None
        self._roles: tuple[np.ndarray, list[str]] | None = None

    @property
    def ledger(self) -> np.ndarray:
        if self._ledger is None:
            rows = self.model.lifecycle.ledger
            self._ledger = np.fromiter(rows, dtype=self.LEDGER_DTYPE, count=len(rows))
        return self._ledger

    @property
    def roles(self) -> tuple[np.ndarray, list[str]]:
        """Each agent's role code by ``unique_id``, and the role names (see :func:`_role_codes`)."""
        if self._roles is None:
            self._roles = _role_codes(self.model)
        return self._roles

    def story(self, field: str) -> np.ndarray:
        """One field of every story, in posting order."""
        if field not in self._story:
            self.read_stories((field,))
        return self._story[field]

    def first_responders(self) -> np.ndarray:
        """The id of each story's first responder (-1: none): the actor of its first
        ``answered`` row, or each story's ``first_responder`` if the ledger is not the
        stories'."""
        if "first_responder" not in self._story:
            found = _journey(self)
            if found is not None:
                self._story["first_responder"] = found["first_responder"]
            else:
                firsts = (s.first_responder for s in self.stories)
                self._story["first_responder"] = np.fromiter(
                    (-1 if f is None else f.unique_id for f in firsts),
                    dtype=np.int64,
                    count=len(self.stories),
                )
        return self._story["first_responder"]

    def read_stories(self, fields: Iterable[str]) -> None:
        """Read these story fields (those not read yet).

        The fields of a story's journey that the lifecycle also writes to the ledger
        (:data:`JOURNEY`) come from the ledger's columns (:func:`_journey`); the others from
        the stories, in one pass that touches each story once, so a long run's stories pass
        through the processor's caches once, not once per field.
        """
        todo = [f for f in dict.fromkeys(fields) if f not in self._story]
        journey = [f for f in todo if f in JOURNEY]
        if not journey:
            self._read_objects(todo)
            return
        self._read_objects([f for f in todo if f not in JOURNEY] + ["id"])
        found = _journey(self)
        if found is None:  # the ledger and the stories disagree: ask every story
            self._read_objects(journey)
        else:
            self._story.update({f: v for f, v in found.items() if f not in self._story})

    def _read_objects(self, fields: list[str]) -> None:
        """Fields read from the stories themselves, in one pass; every value goes through
        float64 on the way, exact for these fields (whole numbers below 2**53, flags,
        times)."""
        todo = [f for f in dict.fromkeys(fields) if f not in self._story]
        if not todo:
            return
        n = len(self.stories)
        if len(todo) == 1:
            values = np.fromiter(map(attrgetter(todo[0]), self.stories), np.float64, count=n)
            table = values.reshape(n, 1)
        else:
            rows = map(attrgetter(*todo), self.stories)
            table = np.fromiter(chain.from_iterable(rows), np.float64, count=n * len(todo))
            table = table.reshape(n, len(todo))
        for i, field in enumerate(todo):
            self._story[field] = table[:, i].astype(self.STORY_DTYPES.get(field, np.int64))


#: A story's journey as :mod:`sim.lifecycle` writes it on the story and, row by row, in the
#: ledger (the lifecycle is the only code that changes these fields, and records every
#: change): read from the ledger's columns by :func:`_journey`.
JOURNEY = (
    "repeat",
    "n_responses",
    "first_response_day",
    "first_type",
    "best_type",
    "conversational_day",
    "personalised_day",
    "redirect_day",
    "redirect_accepted",
    "backstage_day",
    "route",
    "change_planned_day",
    "change_made_day",
    "dropped_day",
    "reminders",
    "pass_reason",
)


def _journey(r: Reads) -> dict[str, np.ndarray] | None:
    """Every story's :data:`JOURNEY` fields from the ledger, as :mod:`sim.lifecycle` sets
    them: counts of replies and reminders; the first reply's day, type and responder
    (``first_responder``, an id) and the first of each bespoke type; the best type; the first
    redirect offered; the last decision on it, and the last of each backstage step and of
    each reason staff passed it over.

    None when the ledger's ``posted`` rows are not the stories, in order, with rising ids
    (then the stories are asked)."""
    led, ids, n = r.ledger, r.story("id"), len(r.stories)
    event, story, day, detail = led["event"], led["story"], led["day"], led["detail"]
    posted = event == POSTED
    if (
        posted.sum() != n
        or not np.array_equal(story[posted], ids)
        or (n and ids[0] < 0)
        or not np.all(ids[1:] > ids[:-1])
    ):
        return None
    at = np.searchsorted(ids, story)  # each row's story, as a position in the stories
    mine = (story >= 0) & (at < n)
    mine[mine] = ids[at[mine]] == story[mine]

    def of(*events: int) -> np.ndarray:
        return mine & np.isin(event, events)

    def first(rows: np.ndarray, values: np.ndarray, default: int) -> np.ndarray:
        out = np.full(n, default, dtype=np.int64)
        who, where = np.unique(at[rows], return_index=True)  # first occurrences
        out[who] = values[rows][where]
        return out

    def last(rows: np.ndarray, values: np.ndarray, default: int) -> np.ndarray:
        out = np.full(n, default, dtype=np.int64)
        who, where = np.unique(at[rows][::-1], return_index=True)
        out[who] = values[rows][::-1][where]
        return out

    answered = of(ANSWERED)
    best = np.zeros(n, dtype=np.int64)  # NONE until a reply
    np.maximum.at(best, at[answered], detail[answered])
    decided = of(REDIRECT_ACCEPTED, REDIRECT_DECLINED)
    backstage = of(TAKEN_BACKSTAGE)
    return {
        "repeat": detail[posted] == 1,
        "n_responses": np.bincount(at[answered], minlength=n),
        "first_response_day": first(answered, day, -1),
        "first_type": first(answered, detail, 0),
        "first_responder": first(answered, led["actor"], -1),
        "best_type": best,
        "conversational_day": first(answered & (detail == CONVERSATIONAL), day, -1),
        "personalised_day": first(answered & (detail == PERSONALISED), day, -1),
        "redirect_day": first(of(REDIRECT_OFFERED), day, -1),
        "redirect_accepted": last(decided, (event == REDIRECT_ACCEPTED).astype(np.int64), -1),
        "backstage_day": last(backstage, day, -1),
        "route": last(backstage, detail, 0),
        "change_planned_day": last(of(CHANGE_PLANNED), day, -1),
        "change_made_day": last(of(CHANGE_MADE), day, -1),
        "dropped_day": last(of(ISSUE_DROPPED), day, -1),
        "reminders": np.bincount(at[of(REMINDER_SENT)], minlength=n),
        "pass_reason": last(of(PASSED_OVER, LEFT_UNANSWERED), detail, -1),
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


#: Every agent role, as the ``actor_role`` and ``first_responder_role`` categories (a role
#: not listed here is added after these, so a run never loses one).
ROLE_NAMES = ("patient", *ROLES)


def _role_codes(model: CurtainModel) -> tuple[np.ndarray, list[str]]:
    """Each agent's role as a code into the returned categories, indexed by ``unique_id``
    (-1 for an id no agent has).

    An agent without a ``role`` is a patient. When no agent has left the model (every id
    Mesa issued, 1 to ``agent_id_counter - 1``, is a live agent) and the kinds without a
    role are plainly role-less, only the staff are visited and every other id is a patient's:
    a long run has tens of thousands of patients to skip. Otherwise every agent is asked.
    """
    kinds = model.agents_by_type
    issued = getattr(model, "agent_id_counter", None)
    roleless = [group for kind, group in kinds.items() if not hasattr(kind, "role")]
    if (
        not isinstance(issued, int)
        or len(model.agents) != issued - 1
        or any(hasattr(next(iter(group), None), "role") for group in roleless)
    ):
        return _role_codes_of(list(model.agents), 0, -1)
    staff = [a for kind, group in kinds.items() if hasattr(kind, "role") for a in group]
    return _role_codes_of(staff, issued, ROLE_NAMES.index("patient"))


def _role_codes_of(agents: list, ids: int, default: int) -> tuple[np.ndarray, list[str]]:
    """Role codes of ``agents`` by id, in a table of at least ``ids`` entries whose other
    entries are ``default``."""
    found = np.fromiter(map(attrgetter("unique_id"), agents), dtype=np.int64, count=len(agents))
    names = [getattr(a, "role", "patient") for a in agents]
    categories = list(ROLE_NAMES) + sorted(set(names) - set(ROLE_NAMES))
    index = {name: i for i, name in enumerate(categories)}
    size = max(ids, int(found.max()) + 1 if len(found) else 0)
    by_id = np.full(size, default, dtype=np.int64)
    if ids:
        by_id[0] = -1  # Mesa's ids start at 1
    by_id[found] = [index[name] for name in names]
    return by_id, categories


def _lookup(codes_by_id: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """``codes_by_id[ids]``, -1 where an id is negative or beyond the table."""
    found = (ids >= 0) & (ids < len(codes_by_id))
    out = np.full(len(ids), -1, dtype=np.int64)
    out[found] = codes_by_id[ids[found]]
    return out


#: The story fields each table reads (:meth:`Reads.read_stories` reads them in one pass).
DAILY_STORY_FIELDS = (
    "day",
    "negative",
    "first_response_day",
    "first_response_time",
    "posted_at",
    "conversational_day",
    "personalised_day",
)
STORY_FIELDS = (
    "id",
    "day",
    "posted_at",
    "service",
    "negative",
    "hostility",
    "actionable",
    "repeat",
    "views",
    "n_responses",
    "first_response_day",
    "first_response_time",
    "first_type",
    "best_type",
    "identified",
    "redirect_day",
    "redirect_accepted",
    "backstage_day",
    "route",
    "change_planned_day",
    "change_made_day",
    "dropped_day",
    "reminders",
    "pass_reason",
    "seen_state",
)


def _author_ids(r: Reads) -> np.ndarray:
    """Each story's author: the actor of its ``posted`` row, which the lifecycle writes as
    it appends the story (read from the ledger, not from each author, which in a long run
    means a trip to memory per story); read from the stories if the two ever disagree."""
    led = r.ledger
    posted = led["event"] == POSTED
    if posted.sum() == len(r.stories) and np.array_equal(led["story"][posted], r.story("id")):
        return led["actor"][posted]
    return np.fromiter(
        map(attrgetter("author.unique_id"), r.stories), dtype=np.int64, count=len(r.stories)
    )


#: Where a story's journey ended (``stage``), in the order a journey can go.
STAGES = (
    "unanswered",
    "answered",
    "redirect declined",
    "redirect accepted",
    "taken backstage",
    "issue dropped",
    "change planned",
    "change made",
)
#: ``redirect_outcome``: a story's ``redirect_accepted`` (0 or 1) indexes these.
REDIRECT_OUTCOMES = ("declined", "accepted")
SENTIMENTS = ("positive", "negative")


def _route_codes() -> tuple[np.ndarray, list[str]]:
    """Route number -> code into the route names (0, "no route", is missing)."""
    names = [name for _, name in sorted(ROUTES.items()) if name is not None]
    codes = np.full(max(ROUTES) + 1, -1, dtype=np.int64)
    for route, name in ROUTES.items():
        if name is not None:
            codes[route] = names.index(name)
    return codes, names


def story_table(model: CurtainModel, reads: Reads | None = None) -> pd.DataFrame:
    """One row per story: its whole journey."""
    return to_frame(story_columns(model, reads))


def story_columns(model: CurtainModel, reads: Reads | None = None) -> Columns:
    """The story table's columns (see :func:`story_table`)."""
    stories = model.lifecycle.stories
    if not stories:
        return {name: np.empty(0, dtype=object) for name in _STORY_COLUMNS}
    r = reads or Reads(model)
    r.read_stories(STORY_FIELDS)
    first = r.story("first_response_day")
    posted_at = r.story("posted_at")
    n_responses = r.story("n_responses")
    pass_reason = r.story("pass_reason")
    route_codes, route_names = _route_codes()
    role_by_id, roles = r.roles
    responder_id = r.first_responders()
    waiting = np.where((pass_reason >= 0) & (n_responses == 0), pass_reason, -1)
    columns = {
        "story_id": r.story("id"),
        "day_posted": r.story("day"),
        "posted_at": posted_at,
        "service": r.story("service"),
        "sentiment": Coded(r.story("negative").astype(np.int64), SENTIMENTS),
        "hostility": r.story("hostility"),
        "actionable": r.story("actionable"),
        "author_id": _author_ids(r),
        "repeat_author": r.story("repeat"),
        "views": r.story("views"),
        "responses": n_responses,
        "first_response_day": Maybe.where_negative(first),
        "days_to_first_response": np.where(
            first >= 0, r.story("first_response_time") - posted_at, np.nan
        ),
        "first_response_type": Coded(r.story("first_type"), RESPONSE_TYPES),
        "best_response_type": Coded(r.story("best_type"), RESPONSE_TYPES),
        "first_responder_id": Maybe.where_negative(responder_id),
        "first_responder_role": Coded(_lookup(role_by_id, responder_id), roles),
        "identified": r.story("identified"),
        "redirect_offered_day": Maybe.where_negative(r.story("redirect_day")),
        "redirect_outcome": Coded(r.story("redirect_accepted"), REDIRECT_OUTCOMES),
        "backstage_day": Maybe.where_negative(r.story("backstage_day")),
        "backstage_route": Coded(_lookup(route_codes, r.story("route")), route_names),
        "change_planned_day": Maybe.where_negative(r.story("change_planned_day")),
        "change_made_day": Maybe.where_negative(r.story("change_made_day")),
        "issue_dropped_day": Maybe.where_negative(r.story("dropped_day")),
        "reminders": r.story("reminders"),
        "waiting_reason": Coded(waiting, PASS_REASONS),
        "favourable": _favourable(model, r.story("seen_state")),
        "stage": Coded(_stage(r), STAGES),
    }
    return columns


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


def _favourable(model: CurtainModel, seen_state: np.ndarray) -> np.ndarray:
    """Each story's chance of leaving a reader favourable, as the audience sees it now."""
    audience = model.audience
    share = audience.generic_share()
    states = int(seen_state.max()) + 1 if len(seen_state) else 0
    chance = np.array([audience.favourable(k, share) for k in range(states)], dtype=np.float64)
    return chance[seen_state]


def _stage(r: Reads) -> np.ndarray:
    """The furthest point each story's journey reached, as a code into :data:`STAGES`."""
    code = {name: i for i, name in enumerate(STAGES)}
    accepted = r.story("redirect_accepted")
    dropped = r.story("dropped_day") >= 0
    stage = np.where(r.story("n_responses") > 0, code["answered"], code["unanswered"])
    stage = np.where(accepted == 0, code["redirect declined"], stage)
    stage = np.where(accepted == 1, code["redirect accepted"], stage)
    stage = np.where(r.story("backstage_day") >= 0, code["taken backstage"], stage)
    stage = np.where(dropped, code["issue dropped"], stage)
    planned = (r.story("change_planned_day") >= 0) & ~dropped
    stage = np.where(planned, code["change planned"], stage)
    return np.where(r.story("change_made_day") >= 0, code["change made"], stage)


def _detail_codes(reminders: int) -> tuple[np.ndarray, list[str]]:
    """(event, detail) -> code into the ``detail`` words of the events table (-1: none)."""
    words: dict[str, int] = {}

    def code(word: str) -> int:
        return words.setdefault(word, len(words))

    route_codes, route_names = _route_codes()
    width = max(len(RESPONSE_TYPES), len(PASS_REASONS), len(route_codes), 2, reminders + 1)
    table = np.full((len(EVENTS), width), -1, dtype=np.int64)
    for event in (ANSWERED, CHALLENGED, PATIENT_JUDGED):
        table[event, : len(RESPONSE_TYPES)] = [code(w) for w in RESPONSE_TYPES]
    for event in (PASSED_OVER, LEFT_UNANSWERED):
        table[event, : len(PASS_REASONS)] = [code(w) for w in PASS_REASONS]
    named = [code(n) for n in route_names]
    for event in (TAKEN_BACKSTAGE, CHANGE_PLANNED, CHANGE_MADE):
        table[event, : len(route_codes)] = [-1 if c < 0 else named[c] for c in route_codes]
    table[ISSUE_DROPPED, :] = code("not planned")
    table[ISSUE_DROPPED, DROPPED_AT_WORK] = code("abandoned in work")
    table[POSTED, 1] = code("returning author")
    for d in range(1, reminders + 1):
        table[REMINDER_SENT, d] = code(f"reminder {d}")
    return table, list(words)


def event_table(model: CurtainModel, reads: Reads | None = None) -> pd.DataFrame:
    """The ledger: one row per state change or organisation event."""
    return to_frame(event_columns(model, reads))


def event_columns(model: CurtainModel, reads: Reads | None = None) -> Columns:
    """The event table's columns (see :func:`event_table`)."""
    r = reads or Reads(model)
    led = r.ledger
    event, detail, story, actor = led["event"], led["detail"], led["story"], led["actor"]
    reminders = detail[event == REMINDER_SENT]
    table, words = _detail_codes(int(reminders.max()) if len(reminders) else 0)
    known = (detail >= 0) & (detail < table.shape[1])
    text = np.full(len(event), -1, dtype=np.int64)
    text[known] = table[event[known], detail[known]]
    notes = np.full(len(event), None, dtype=object)
    for i, note in model.lifecycle.notes.items():
        notes[i] = note
    role_by_id, roles = r.roles
    return {
        "day": led["day"],
        "event": Coded(event, EVENTS),
        "story_id": Maybe.where_negative(story),
        "actor_id": Maybe.where_negative(actor),
        "actor_role": Coded(_lookup(role_by_id, actor), roles),
        "detail": Coded(text, words),
        "value": led["value"],
        "note": notes,
    }


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


def daily_table(model: CurtainModel, reads: Reads | None = None) -> pd.DataFrame:
    """One row per day, every output of the brief (see :func:`daily_columns`)."""
    return to_frame(daily_columns(model, reads))


def daily_columns(model: CurtainModel, reads: Reads | None = None) -> Columns:
    """The daily table's columns, one row per day.

    Counts come from one pass over the ledger: a ``bincount`` over (event, day) gives every
    event's count per day at once (likewise replies by (type, day)).
    """
    n = model.day
    r = reads or Reads(model)
    r.read_stories(DAILY_STORY_FIELDS)
    posted_day = r.story("day")
    negative = r.story("negative")
    first = r.story("first_response_day")
    conv = r.story("conversational_day")
    led = r.ledger
    ev, day, actor, detail = led["event"], led["day"], led["actor"], led["detail"]
    in_run = (day >= 0) & (day < n)
    per_event = np.bincount(ev[in_run] * n + day[in_run], minlength=len(EVENTS) * n)
    per_event = per_event[: len(EVENTS) * n].reshape(len(EVENTS), n)

    def total(event: int) -> np.ndarray:
        return np.cumsum(per_event[event])

    posted = _count_by_day(posted_day, n)
    stories_total = np.cumsum(posted)
    negative_posted = _count_by_day(posted_day[negative], n)
    answered_total = np.cumsum(_count_by_day(first, n))
    conversational_total = np.cumsum(_count_by_day(conv, n))
    pers = r.story("personalised_day")
    # Personalised is a story's best type from its personalised day until (if ever) a
    # conversational reply: count the starts, less those already overtaken.
    overtaken = (pers >= 0) & (conv >= 0)
    personalised_total = np.cumsum(_count_by_day(pers, n)) - np.cumsum(
        _count_by_day(np.maximum(pers, conv)[overtaken], n)
    )

    answers = ev == ANSWERED
    answer_day, resp_type = day[answers], detail[answers]
    responses = per_event[ANSWERED]
    responses_total = np.cumsum(responses)
    kept = in_run[answers]
    types = len(RESPONSE_TYPES)
    by_type = np.bincount(resp_type[kept] * n + answer_day[kept], minlength=types * n)[
        : types * n
    ].reshape(types, n)
    posted_at = r.story("posted_at")
    first_time = r.story("first_response_time")
    delays = np.where(first >= 0, first_time - posted_at, 0.0)
    first_count = _count_by_day(first, n)
    first_delay = _count_by_day(first, n, weights=delays)
    changes_planned_total = total(CHANGE_PLANNED)
    changes_made = total(CHANGE_MADE)
    abandoned = np.cumsum(
        _count_by_day(day[(ev == ISSUE_DROPPED) & (detail == DROPPED_AT_WORK)], n)
    )

    columns = {
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
        "generic_responses": by_type[GENERIC],
        "personalised_responses": by_type[PERSONALISED],
        "conversational_responses": by_type[CONVERSATIONAL],
        "responses_per_story": _ratio(responses_total, answered_total),
        "mean_days_to_first_response": _ratio(first_delay, first_count),
        "active_responders": np.cumsum(_count_by_day(_first_days(actor[answers], answer_day), n)),
        "active_responders_30d": _active_in_window(actor[answers], answer_day, n, 30),
        "reply_hours": _count_by_day(answer_day, n, weights=led["value"][answers]),
        "redirects_offered": total(REDIRECT_OFFERED),
        "redirects_accepted": total(REDIRECT_ACCEPTED),
        "redirects_declined": total(REDIRECT_DECLINED),
        "issues_backstage": total(TAKEN_BACKSTAGE),
        "changes_planned_total": changes_planned_total,
        "changes_planned": changes_planned_total - changes_made - abandoned,
        "changes_made": changes_made,
        "reminders_sent": total(REMINDER_SENT),
        "challenges": total(CHALLENGED),
        "patients_involved": total(PATIENT_INVOLVED),
        "repeat_stories": np.cumsum(_count_by_day(day[(ev == POSTED) & (detail == 1)], n)),
    }
    for name, values in model.recorder.columns().items():
        if name == "hours_spent":
            # Staff hours on the inboxes that day: reading and replying.
            columns["staff_hours"] = np.diff(values[:n], prepend=0.0)
        else:
            columns[name] = values[:n]
    return columns


def _recent_response_rate(posted: np.ndarray, first: np.ndarray, n: int, window: int):
    """Per day t: of the stories posted in (t - window, t], the share answered by t."""
    ends = posted + window
    size = n + window + 1
    in_window = np.bincount(posted, minlength=size) - np.bincount(ends, minlength=size)
    counted = (first >= 0) & (first < ends)
    answered_window = np.bincount(first[counted], minlength=size) - np.bincount(
        ends[counted], minlength=size
    )
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


def first_response_delays(model: CurtainModel, reads: Reads | None = None) -> np.ndarray:
    """Days (with their fraction) from posting to the first reply, of every answered story."""
    r = reads or Reads(model)
    answered = r.story("n_responses") > 0
    return (r.story("first_response_time") - r.story("posted_at"))[answered]


def summary(
    model: CurtainModel,
    daily: pd.DataFrame | Columns,
    stories: pd.DataFrame | None = None,
    reads: Reads | None = None,
) -> dict[str, Any]:
    """End-of-run figures: the last daily row plus whole-run medians. ``daily`` is the
    daily table or its columns (:func:`daily_columns`); ``stories`` is not needed (it is
    accepted for callers that have the table)."""
    last = (len(daily) if hasattr(daily, "iloc") else rows(daily)) - 1

    def values(col: str) -> np.ndarray:
        return np.asarray(daily[col])

    def end(col: str) -> Any:
        if last < 0:
            return None
        column = values(col)
        value = column[last]
        if np.issubdtype(column.dtype, np.integer):
            return int(value)
        return None if np.isnan(value) else float(value)

    delays = first_response_delays(model, reads)
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
        "responses": int(values("responses").sum()) if last >= 0 else 0,
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
        "staff_hours": float(values("staff_hours").sum()) if last >= 0 else 0.0,
        "reminders_sent": end("reminders_sent"),
        "patients_involved": end("patients_involved"),
        "repeat_stories": end("repeat_stories"),
    }

"""The outcomes an experiment can report, by the names :func:`sim.metrics.summary` gives them,
and the per-day columns an experiment keeps for its figures.

The names are the summary's own (a test checks they stay in step); an experiment file lists
the ones it reports under ``outcomes``. Every run row in ``runs.parquet`` holds all of them.
"""

from __future__ import annotations

import functools
import re

#: End-of-run outcomes from :func:`sim.metrics.summary`: name -> (is a count, label).
OUTCOMES: dict[str, tuple[bool, str]] = {
    "stories": (True, "stories posted"),
    "response_rate": (False, "response rate (any reply)"),
    "share_none": (False, "share unanswered"),
    "share_generic": (False, "share answered generically"),
    "share_personalised": (False, "share answered with a personalised reply"),
    "share_conversational": (False, "share answered conversationally"),
    "responses": (True, "staff responses"),
    "responses_per_story": (False, "responses per answered story"),
    "median_days_to_first_response": (False, "median days to first reply"),
    "active_responders": (True, "active responders"),
    "cast_size": (True, "cast list at the end"),
    "redirects_offered": (True, "offline redirects offered"),
    "redirects_accepted": (True, "offline redirects accepted"),
    "issues_backstage": (True, "issues taken backstage"),
    "changes_planned": (True, "changes planned (not yet made)"),
    "changes_planned_total": (True, "changes planned (all)"),
    "changes_made": (True, "changes made"),
    "negative_share": (False, "share of negative stories"),
    "care_quality_end": (False, "care quality at the end"),
    "reputation_end": (False, "reputation at the end (readers left favourable)"),
    "mean_confidence_end": (False, "mean responder confidence"),
    "staff_hours": (False, "staff hours on the inboxes (reading and replying)"),
    "reminders_sent": (True, "reminders sent"),
    "patients_involved": (True, "authors who got involved"),
    "repeat_stories": (True, "stories from returning authors"),
}

#: Outcomes reported when an experiment file names none.
DEFAULT_OUTCOMES = (
    "response_rate",
    "share_generic",
    "share_conversational",
    "responses_per_story",
    "active_responders",
    "changes_made",
    "reputation_end",
    "care_quality_end",
)

#: Per-day columns of :func:`sim.metrics.daily_table` kept in ``daily.parquet``: the ones
#: the figures draw, so a large sweep's daily file stays small.
DAILY_COLUMNS = (
    "stories",
    "response_rate",
    "response_rate_30d",
    "share_none",
    "share_generic",
    "share_personalised",
    "share_conversational",
    "responses_per_story",
    "active_responders",
    "changes_planned",
    "changes_made",
    "care_quality",
    "reputation",
    "cast_size",
    "mean_confidence",
)


#: The unit of each outcome (and daily column), shown on axes and in tables. "%" marks a
#: share of stories (stored as a fraction 0..1, printed as a percentage).
UNITS: dict[str, str] = {
    "stories": "stories",
    "response_rate": "%",
    "share_none": "%",
    "share_generic": "%",
    "share_personalised": "%",
    "share_conversational": "%",
    "responses": "responses",
    "responses_per_story": "responses per story",
    "median_days_to_first_response": "days",
    "active_responders": "staff",
    "cast_size": "staff",
    "redirects_offered": "redirects",
    "redirects_accepted": "redirects",
    "issues_backstage": "issues",
    "changes_planned": "changes",
    "changes_planned_total": "changes",
    "changes_made": "changes",
    "negative_share": "%",
    "care_quality_end": "0 to 1",
    "reputation_end": "%",
    "mean_confidence_end": "0 to 1",
    "staff_hours": "hours",
    "reminders_sent": "reminders",
    "patients_involved": "authors",
    "repeat_stories": "stories",
    # daily columns
    "response_rate_30d": "%",
    "care_quality": "0 to 1",
    "reputation": "%",
    "mean_confidence": "0 to 1",
}

#: The outcomes a report leads with, in this order, when an experiment reports them: what a
#: policy team asks first (is feedback answered, how, does anything change, what does the
#: public see).
KEY_OUTCOMES = (
    "response_rate",
    "share_conversational",
    "share_personalised",
    "share_generic",
    "changes_made",
    "reputation_end",
    "care_quality_end",
    "median_days_to_first_response",
    "active_responders",
    "issues_backstage",
)

#: The outcomes a report's opening sentences speak of, when reported: is feedback answered,
#: is it a conversation, does anything change, what does the public see.
HEADLINE_OUTCOMES = ("response_rate", "share_conversational", "changes_made", "reputation_end")


#: Labels of daily columns that are not end-of-run outcomes by the same name.
DAILY_LABELS = {"reputation": "reputation (readers left favourable)"}


def label(outcome: str) -> str:
    """A plain-words label for an outcome or a daily column."""
    if outcome in OUTCOMES:
        return OUTCOMES[outcome][1]
    return DAILY_LABELS.get(outcome, outcome.replace("_", " "))


def unit(outcome: str) -> str:
    """The outcome's unit ("%" for shares of stories), or "" when it has none. A name not in
    :data:`UNITS` that reads as a share (``share_*``, ``*_rate``) is a percentage."""
    if outcome in UNITS:
        return UNITS[outcome]
    return "%" if outcome.startswith("share_") or outcome.endswith("_rate") else ""


def is_share(outcome: str) -> bool:
    """A share of stories, stored as a fraction and shown as a percentage."""
    return unit(outcome) == "%"


def axis_label(outcome: str) -> str:
    """A label with its unit for an axis or a table row: "share unanswered (%)"; the unit is
    left out when the label already names it ("changes made", not "changes made (changes)")."""
    text, u = label(outcome), unit(outcome)
    if not u or u.split()[0] in text:
        return text
    if text.endswith(")"):  # "response rate (any reply)" -> "response rate (any reply, %)"
        return f"{text[:-1]}, {u})"
    return f"{text} ({u})"


@functools.cache
def _descriptions() -> dict[str, str]:
    from sim.scenario import schema_fields

    return {row["path"]: row["description"] for row in schema_fields()}


def parameter_label(path: str) -> str:
    """A scenario field in words, from the schema's description: "cast.size" ->
    "registered responders at the start"; a lever's policy -> "scripting policy". Unknown
    paths (a scenario column, say) come back as they are."""
    if path.endswith(".policy"):
        return f"{path.rsplit('.', 2)[-2].replace('_', ' ')} policy"
    text = _descriptions().get(path)
    if not text:
        return path
    text = text.split(": ")[0].split("; ")[0]
    text = re.sub(r"\s*\([^)]*\)", "", text).rstrip(".").strip()
    if len(text) > 60 and " and " in text:  # "raises the chance of a plan and speeds ..."
        text = text.split(" and ")[0]
    if len(text) > 80:
        text = text[:77].rsplit(" ", 1)[0] + "..."
    return text[0].lower() + text[1:] if text[:2] != text[:2].upper() else text

"""The outcomes an experiment can report, by the names :func:`sim.metrics.summary` gives them,
and the per-day columns an experiment keeps for its figures.

The names are the summary's own (a test checks they stay in step); an experiment file lists
the ones it reports under ``outcomes``. Every run row in ``runs.parquet`` holds all of them.
"""

from __future__ import annotations

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
    "reputation_end": (False, "reputation at the end"),
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


def label(outcome: str) -> str:
    """A plain-words label for an outcome or a daily column."""
    if outcome in OUTCOMES:
        return OUTCOMES[outcome][1]
    return outcome.replace("_", " ")

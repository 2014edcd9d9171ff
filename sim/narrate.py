"""One story's journey in plain words, for teaching (`curtain story ID --run DIR`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.errors import CurtainError

ROLE_WORDS = {
    "frontline_clinical": "a frontline clinical staff member",
    "frontline_non_clinical": "a frontline non-clinical staff member",
    "patient_experience": "a patient experience staff member",
    "communications": "a communications officer",
    "manager": "the service's manager",
    "patient": "the author",
}
TYPE_WORDS = {
    "generic": "with a generic reply",
    "personalised": "with a personalised reply (tailored, but not a conversation)",
    "conversational": "conversationally, in their own words",
}


#: Columns the narration reads.
STORY_COLUMNS = (
    "story_id",
    "repeat_author",
    "sentiment",
    "hostility",
    "actionable",
    "day_posted",
    "author_id",
    "service",
    "views",
    "stage",
    "responses",
)
EVENT_COLUMNS = ("story_id", "day", "event", "actor_role", "actor_id", "detail", "value")


def load_run(run_dir: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """A run folder's stories, events and manifest; a missing, incomplete or corrupt folder
    is a one-line error (a folder without its manifest was never finished)."""
    import json

    import pyarrow as pa

    run = Path(run_dir)
    needed = [run / "stories.parquet", run / "events.parquet", run / "manifest.json"]
    if not run.is_dir() or not all(p.exists() for p in needed):
        raise CurtainError(
            f"--run {run}: expected a run directory holding stories.parquet, events.parquet "
            "and manifest.json (a complete one, made by `curtain run`)"
        )
    frames = []
    for path, columns in zip(needed, (STORY_COLUMNS, EVENT_COLUMNS), strict=False):
        try:
            frame = pd.read_parquet(path)
        except (OSError, ValueError, pa.ArrowException) as exc:
            raise CurtainError(
                f"--run {run}: {path.name} cannot be read ({_first_line(exc)}); the folder is "
                "damaged: make it again with `curtain run ... --overwrite`"
            ) from None
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise CurtainError(
                f"--run {run}: {path.name} lacks the columns {', '.join(missing)}; expected "
                "a folder made by `curtain run`"
            )
        frames.append(frame)
    try:
        manifest = json.loads(needed[2].read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CurtainError(
            f"--run {run}: manifest.json cannot be read ({_first_line(exc)}); make the run "
            "again with `curtain run ... --overwrite`"
        ) from None
    if not isinstance(manifest, dict):
        raise CurtainError(f"--run {run}: manifest.json is not a run's manifest")
    return frames[0], frames[1], manifest


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def _who(role: str | None, actor) -> str:
    words = ROLE_WORDS.get(role or "", "a staff member")
    return f"{words} (#{actor})" if role != "patient" else words


def narrate(story_id: int, run_dir: str | Path) -> str:
    stories, events, manifest = load_run(run_dir)
    match = stories[stories["story_id"] == story_id]
    if match.empty:
        last = int(stories["story_id"].max()) if len(stories) else -1
        raise CurtainError(
            f"story {story_id}: not in {run_dir} (its stories are numbered 0 to {last})"
        )
    s = match.iloc[0]
    lines = []
    title = f"Story {story_id}"
    if manifest:
        title += f" ({manifest.get('scenario_name')}, seed {manifest.get('seed')})"
    lines.append(title)
    lines.append("=" * len(title))
    returning = "a returning author" if s["repeat_author"] else "a first-time author"
    tone = (
        f"negative (hostility {s['hostility']:.2f})" if s["sentiment"] == "negative" else "positive"
    )
    issue = " It raises an issue staff could act on." if s["actionable"] else ""
    lines.append(
        f"Posted on day {s['day_posted']} at {_clock(s.get('posted_at'))} by {returning} "
        f"(#{s['author_id']}) about service {s['service']}: {tone}.{issue}"
    )
    lines.append(f"The public read it {s['views']} times.")

    mine = events[events["story_id"] == story_id].sort_values("day", kind="stable")
    for e in mine.itertuples(index=False):
        lines.append(f"Day {e.day}: {_event_words(e)}")

    stage = s["stage"]
    lines.append(f"Where its journey ended: {stage}.")
    wait = s.get("days_to_first_response")
    if s["responses"] > 0 and wait is not None and wait == wait:
        lines.append(f"The first reply came {_duration(float(wait))} after it was posted.")
    if s["responses"] == 0:
        why = s.get("waiting_reason")
        reason = f" Why: staff who read it {why}." if isinstance(why, str) and why else ""
        if isinstance(why, str) and why.startswith("waited so long"):
            reason = f" It {why}."
        lines.append("Nobody answered it in public." + reason)
    return "\n".join(lines)


def _clock(posted_at) -> str:
    """The time of day of a posting time (a day with its fraction)."""
    if posted_at is None or posted_at != posted_at:
        return "an unknown time"
    minutes = round((float(posted_at) % 1.0) * 24 * 60) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _duration(days: float) -> str:
    if days < 1.0:
        return f"{days * 24:.0f} hours"
    return f"{days:.1f} days"


def _event_words(e) -> str:
    who = _who(e.actor_role, e.actor_id)
    kind = str(e.event)
    if kind == "posted":
        return "posted on the public platform."
    if kind == "passed_over":
        return f"{who} read it but {e.detail}."
    if kind == "left_unanswered":
        return "it had waited so long in the inbox that nobody looks at it any more."
    if kind == "answered":
        how = TYPE_WORDS.get(e.detail, e.detail)
        return f"{who} answered {how} ({e.value:.2f} staff hours)."
    if kind == "redirect_offered":
        return "the reply invited the author to take it offline (contact PALS)."
    if kind == "redirect_accepted":
        return "the author took up the invitation and contacted PALS."
    if kind == "redirect_declined":
        return "the author declined to take it offline; the issue stays unheard backstage."
    if kind == "taken_backstage":
        return f"the issue was taken backstage, by the {e.detail} route."
    if kind == "change_planned":
        return "a change was planned."
    if kind == "change_started":
        return "improvement work on the change started."
    if kind == "change_made":
        return "the change was made."
    if kind == "issue_dropped":
        return f"the issue was dropped ({e.detail})."
    if kind == "reminder_sent":
        return f"{e.detail}: unanswered, so {who} was reminded."
    if kind == "challenged":
        return f"{who}'s {e.detail} reply was challenged against the guidelines."
    if kind == "patient_replied":
        return "the author replied to the conversation."
    if kind == "patient_judged":
        return (
            f"the author judged how they were answered ({e.detail}); their willingness "
            f"to post again is now {e.value:.2f}."
        )
    if kind == "patient_involved":
        return "the author got involved (volunteering with the service)."
    return kind.replace("_", " ") + "."

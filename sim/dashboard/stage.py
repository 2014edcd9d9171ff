"""The stage and backstage in plain words: view data as records of short strings (no Solara).

The words follow the study's vocabulary (Ramsey et al. 2023): a reply is *generic* (a
template) or *conversational* (bespoke); it is signed by a *named* responder with their role
or *anonymously* by the organisation; it may *redirect* the author offline (to PALS).
"""

from __future__ import annotations

from typing import Any

from sim.dashboard.classroom import Culture, StoryCard

ROLE_WORDS = {
    "frontline_clinical": "frontline clinical staff",
    "frontline_non_clinical": "frontline non-clinical staff",
    "patient_experience": "patient experience staff",
    "communications": "communications officer",
    "manager": "service manager",
}


def _ago(day: int, today: int) -> str:
    days = today - day
    return "today" if days <= 0 else ("yesterday" if days == 1 else f"{days} days ago")


def story_record(card: StoryCard, today: int) -> dict[str, Any]:
    """One story on the public stage as strings ready to show."""
    if card.negative:
        sentiment = "negative"
        tone = f"negative (hostility {card.hostility:.2f})"
    else:
        sentiment = tone = "positive"
    replies = []
    for reply in card.replies:
        who = ROLE_WORDS.get(reply.role, reply.role.replace("_", " "))
        signed = f"named {who}" if reply.identified else f"anonymous (a {who}, signed by the Trust)"
        words = [f"day {reply.day}", reply.kind, signed]
        if reply.redirected:
            words.append("redirected offline to PALS")
        replies.append({"kind": reply.kind, "text": " · ".join(words)})
    if card.redirect == "accepted":
        status = "the author took it offline"
    elif card.redirect == "declined":
        status = "the author declined to go offline"
    elif card.replies:
        status = "answered in public"
    else:
        status = "no reply yet"
    if card.author_replied:
        status += "; the author replied"
    if card.backstage:
        status += f"; backstage: {card.backstage}"
    return {
        "id": card.id,
        "title": f"Story {card.id}, service {card.service}",
        "posted": f"posted day {card.day} ({_ago(card.day, today)})"
        + (", a returning author" if card.repeat else ""),
        "sentiment": sentiment,
        "tone": tone,
        "replies": replies,
        "status": status,
    }


def stage_records(culture: Culture) -> list[dict[str, Any]]:
    """The public stage: the newest story of each recent day, newest first."""
    today = max(culture.day - 1, 0)
    return [story_record(card, today) for card in culture.stage()]


def backstage_records(culture: Culture) -> dict[str, Any]:
    """The backstage: counts so far and the latest happenings in words."""
    events = [
        f"day {day}: {what} (story {story}" + (f", via {route})" if route else ")")
        for day, what, story, route in culture.backstage_events()
    ]
    return {"counts": culture.backstage_counts(), "events": events}

"""The stage and backstage in plain words: view data as records of short strings (no Solara).

The words follow the study's vocabulary (Ramsey et al. 2023): a reply is *generic* (a
template), *personalised* (tailored to the story) or *conversational* (a transparent,
bespoke conversation), one of :data:`sim.story.RESPONSE_TYPES`; it is signed by a *named*
responder with their role or *anonymously* by the organisation; it may *redirect* the author
offline (to PALS). A story nobody has answered says why it is waiting, in the words staff
gave when they last passed it over (:data:`sim.lifecycle.PASS_REASONS`, put in classroom
words here, or shown as they are when the model has a reason this module does not know).
"""

from __future__ import annotations

from typing import Any

from sim.dashboard.classroom import NOT_LOOKED_AT, Culture, StoryCard

ROLE_WORDS = {
    "frontline_clinical": "frontline clinical staff",
    "frontline_non_clinical": "frontline non-clinical staff",
    "patient_experience": "patient experience staff",
    "communications": "communications officer",
    "manager": "service manager",
}


#: The model's reasons for passing a story over (sim.lifecycle.PASS_REASONS), in classroom
#: words. A reason missing here is shown in the model's own words.
WAITING_WORDS = {
    NOT_LOOKED_AT: "not looked at yet",
    "did not take it up": "staff saw it but did not take it up",
    "did not feel able to answer": "staff did not feel able to answer it",
    "had no time left that week": "staff had no time left that week",
    "waited so long in the inbox that nobody looks at it any more": (
        "it waited so long that nobody looks at it any more"
    ),
}

#: How a negative story reads, by its hostility (0 to 1): the upper end of each band.
HOSTILITY_WORDS = ((0.25, "mildly critical"), (0.5, "upset"), (0.75, "angry"), (1.01, "hostile"))

#: A reply's kind (sim.story.RESPONSE_TYPES) in words; an unknown kind is shown as it is.
REPLY_WORDS = {
    "generic": "generic template",
    "personalised": "personalised reply",
    "conversational": "conversational reply",
}


def waiting_words(reason: str) -> str:
    """Why a story is waiting, in classroom words (the model's text when not translated)."""
    return WAITING_WORDS.get(reason, reason)


def hostility_words(hostility: float) -> str:
    return next(words for top, words in HOSTILITY_WORDS if hostility < top)


def _ago(day: int, today: int) -> str:
    days = today - day
    return "today" if days <= 0 else ("yesterday" if days == 1 else f"{days} days ago")


def story_record(card: StoryCard, today: int) -> dict[str, Any]:
    """One story on the public stage as strings ready to show."""
    if card.negative:
        sentiment = "negative"
        tone = f"negative, {hostility_words(card.hostility)}"
    else:
        sentiment = tone = "positive"
    replies = []
    for reply in card.replies:
        who = ROLE_WORDS.get(reply.role, reply.role.replace("_", " "))
        signed = f"named {who}" if reply.identified else f"anonymous (a {who}, signed by the Trust)"
        words = [f"day {reply.day}", REPLY_WORDS.get(reply.kind, reply.kind), signed]
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
    waiting = card.waiting
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
        "waiting": waiting_words(waiting) if waiting is not None else None,
    }


def stage_records(culture: Culture) -> list[dict[str, Any]]:
    """The public stage: the newest story of each recent day, newest first."""
    today = culture.today if culture.today is not None else 0
    return [story_record(card, today) for card in culture.stage()]


def waiting_records(culture: Culture) -> list[dict[str, Any]]:
    """Why the stories with no reply so far are waiting: every reason with its count."""
    return [
        {"reason": reason, "words": waiting_words(reason), "count": count}
        for reason, count in culture.waiting_tally()
    ]


def backstage_records(culture: Culture) -> dict[str, Any]:
    """The backstage: counts so far and the latest happenings in words."""
    events = [
        f"day {day}: {what} (story {story}" + (f", via {route})" if route else ")")
        for day, what, story, route in culture.backstage_events()
    ]
    return {"counts": culture.backstage_counts(), "events": events}

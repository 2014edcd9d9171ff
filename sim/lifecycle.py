"""The story lifecycle: the only code that changes a story's state.

Every change is one method here, and every method appends one row to the event ledger:
``(day, event, story_id, actor_id, detail, value)``. Organisation-level happenings
(interventions, board reviews, recruitment) go in the same ledger with ``story_id = -1`` so a
run's whole history is one table. The audience is told whenever what it can see changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.story import CONVERSATIONAL, GENERIC, PERSONALISED, Story

if TYPE_CHECKING:
    from sim.audience import Audience

# Ledger event codes. Names are what events.parquet shows.
EVENTS = (
    "posted",
    "passed_over",
    "answered",
    "redirect_offered",
    "redirect_accepted",
    "redirect_declined",
    "taken_backstage",
    "change_planned",
    "change_started",
    "change_made",
    "issue_dropped",
    "reminder_sent",
    "challenged",
    "patient_replied",
    "patient_judged",
    "patient_involved",
    "left_unanswered",
    "intervention",
    "board_review",
    "recruited",
)
(
    POSTED,
    PASSED_OVER,
    ANSWERED,
    REDIRECT_OFFERED,
    REDIRECT_ACCEPTED,
    REDIRECT_DECLINED,
    TAKEN_BACKSTAGE,
    CHANGE_PLANNED,
    CHANGE_STARTED,
    CHANGE_MADE,
    ISSUE_DROPPED,
    REMINDER_SENT,
    CHALLENGED,
    PATIENT_REPLIED,
    PATIENT_JUDGED,
    PATIENT_INVOLVED,
    LEFT_UNANSWERED,
    INTERVENTION,
    BOARD_REVIEW,
    RECRUITED,
) = range(len(EVENTS))

# Why staff passed a story over (detail of PASSED_OVER), in plain words; the last one is why
# a story left the inboxes unanswered (LEFT_UNANSWERED).
NOT_ENGAGED, STAGE_FRIGHT, NO_TIME, SANK = 0, 1, 2, 3
PASS_REASONS = (
    "did not take it up",
    "did not feel able to answer",
    "had no time left that week",
    "waited so long in the inbox that nobody looks at it any more",
)

# Where an issue was dropped (detail of ISSUE_DROPPED).
DROPPED_AT_PLAN, DROPPED_AT_WORK = 0, 1


class Lifecycle:
    """Applies and records every story state change."""

    def __init__(self, audience: Audience):
        self.audience = audience
        self.ledger: list[tuple] = []
        self.notes: dict[int, str] = {}
        self.stories: list[Story] = []
        self.days: list[int] = []  # each story's posting day, in the same order

    # ------------------------------------------------------------------ frontstage
    def post(self, story: Story, day: int) -> None:
        self.stories.append(story)
        self.days.append(story.day)
        self.ledger.append((day, POSTED, story.id, story.author.unique_id, int(story.repeat), 0.0))
        self.audience.add(story, day)

    def pass_over(self, story: Story, staff, reason: int, day: int) -> None:
        story.pass_reason = reason
        self.ledger.append((day, PASSED_OVER, story.id, staff.unique_id, reason, 0.0))

    def answer(
        self, story: Story, staff, response_type: int, identified: bool, hours: float, time: float
    ) -> None:
        """A staff member posts a public reply at ``time`` (a day with its fraction)."""
        day = int(time)
        story.n_responses += 1
        if story.first_response_day < 0:
            story.first_response_day = day
            story.first_response_time = time
            story.first_type = response_type
            story.first_responder = staff
            story.identified = identified
        elif identified:
            story.identified = True
        if response_type > story.best_type:
            story.best_type = response_type
        if response_type == CONVERSATIONAL and story.conversational_day < 0:
            story.conversational_day = day
        elif response_type == PERSONALISED and story.personalised_day < 0:
            story.personalised_day = day
        story.last_responder = staff
        self.ledger.append((day, ANSWERED, story.id, staff.unique_id, response_type, hours))
        self.audience.restage(story)

    def offer_redirect(self, story: Story, staff, day: int) -> None:
        """The reply invites the author to take the conversation offline."""
        if story.redirect_day < 0:
            story.redirect_day = day
        story.public = False
        self.ledger.append((day, REDIRECT_OFFERED, story.id, staff.unique_id, 0, 0.0))
        self.audience.restage(story)

    def decide_redirect(self, story: Story, accepted: bool, day: int) -> None:
        story.redirect_accepted = int(accepted)
        event = REDIRECT_ACCEPTED if accepted else REDIRECT_DECLINED
        self.ledger.append((day, event, story.id, story.author.unique_id, 0, 0.0))

    def patient_replies(self, story: Story, day: int) -> None:
        self.ledger.append((day, PATIENT_REPLIED, story.id, story.author.unique_id, 0, 0.0))

    def patient_judges(self, story: Story, willingness: float, day: int) -> None:
        self.ledger.append(
            (day, PATIENT_JUDGED, story.id, story.author.unique_id, story.best_type, willingness)
        )

    def patient_involved(self, story: Story, day: int) -> None:
        self.ledger.append((day, PATIENT_INVOLVED, story.id, story.author.unique_id, 0, 0.0))

    def leave_unanswered(self, story: Story, day: int) -> None:
        """The story has waited past the inbox's limit: nobody looks at it unprompted now."""
        story.pass_reason = SANK
        self.ledger.append((day, LEFT_UNANSWERED, story.id, -1, SANK, 0.0))

    def remind(self, story: Story, manager, day: int) -> None:
        story.reminders += 1
        self.ledger.append((day, REMINDER_SENT, story.id, manager.unique_id, story.reminders, 0.0))

    def challenge(self, story: Story, staff, day: int) -> None:
        self.ledger.append((day, CHALLENGED, story.id, staff.unique_id, GENERIC, 0.0))

    # ------------------------------------------------------------------ backstage
    def take_backstage(self, story: Story, route: int, day: int) -> None:
        story.backstage_day = day
        story.route = route
        self.ledger.append((day, TAKEN_BACKSTAGE, story.id, -1, route, 0.0))

    def plan_change(self, story: Story, day: int) -> None:
        story.change_planned_day = day
        self.ledger.append((day, CHANGE_PLANNED, story.id, -1, story.route, 0.0))

    def start_change(self, story: Story, day: int) -> None:
        self.ledger.append((day, CHANGE_STARTED, story.id, -1, story.route, 0.0))

    def make_change(self, story: Story, day: int) -> None:
        story.change_made_day = day
        self.ledger.append((day, CHANGE_MADE, story.id, -1, story.route, 0.0))
        if story.public and story.n_responses:
            self.audience.restage(story)  # the change can be reported on the public story

    def drop_issue(self, story: Story, where: int, day: int) -> None:
        story.dropped_day = day
        self.ledger.append((day, ISSUE_DROPPED, story.id, -1, where, 0.0))

    def read_by_public(self, views) -> None:
        """Tally each story's views (counts, not events: no ledger rows)."""
        for story, count in zip(self.stories, views, strict=True):
            story.views = int(count)

    # ------------------------------------------------------------------ organisation
    def organisation_event(
        self, event: int, day: int, actor_id: int = -1, value: float = 0.0, note: str = ""
    ) -> None:
        if note:
            self.notes[len(self.ledger)] = note
        self.ledger.append((day, event, -1, actor_id, 0, value))

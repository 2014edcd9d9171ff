"""Agents: one class per role. Agents hold state and make their own personal decisions.

- :class:`Patient`: posts stories, judges how they were answered, may take an invitation
  offline, post again or get involved (mechanisms 4 and 8).
- :class:`Responder`: frontline clinical / non-clinical and patient experience staff on the
  cast list; time, confidence and belief that feedback matters (mechanisms 1 and 2).
- :class:`Manager`: a general manager or head of service; receives reminders and steps in
  (mechanism 3).
- :class:`CommunicationsStaff`: guards reputation; may own the replies (Site B) and keeps the
  gate on the cast list, opening it as fears ease (mechanism 9).

Patients join the model when they first post and are never stepped: their decisions happen
at the moments the story's journey reaches them. Staff are not stepped either: the
frontstage asks them when a story alerts them. Randomness reaches agents as uniform draws
from the model's generator. Every agent is a :class:`mesa.Agent` in the model's registry;
each day's new authors, and each hiring's staff, are registered in one batch
(:func:`sim.mesa_core.register`) rather than one by one through ``Agent.__init__``.
"""

from __future__ import annotations

import mesa

from sim.story import CONVERSATIONAL, GENERIC, PERSONALISED

MOTIVES = ("other_patients", "staff", "service")


class Patient(mesa.Agent):
    """A service user or family member who posts stories, "caring for care".

    Motives follow Mazanderani et al. (2021): care for other patients, for staff, for the
    service. Authors value anonymity; being answered well makes them more willing to post
    again and to get involved, while silence and templates discourage them.
    """

    stories_posted = 0
    involved = False

    def __init__(
        self, model, service: int, motive: int, values_anonymity: bool, willingness: float
    ):
        # Thousands join a year: the model registers each day's new authors with Mesa in one
        # batch (sim.mesa_core.register) rather than one by one through Agent.__init__.
        self.model = model
        self.unique_id = None
        self.pos = None
        self.service = service  # the service they use; later stories are about it too
        self.motive = motive
        self.values_anonymity = values_anonymity
        self.willingness = willingness

    def accepts_redirect(self, rules, u: float) -> bool:
        """Take up an invitation to contact PALS? Mostly not (mechanism 4).

        Site B: "a disgruntled viewing audience who often declined invitations to contact
        staff in other ways"; accepting means giving up anonymity.
        """
        if self.values_anonymity:
            return u < rules.p_accept_redirect_anonymous
        return u < rules.p_accept_redirect_open

    def replies(self, rules, response_type: int, u: float) -> bool:
        """Answer back to a staff response, by its type (``patients.p_reply``).

        "Caring for care" needs a conversation partner (Mazanderani 2021): an invitation to
        talk draws replies, a template hardly any (Table 1: a conversational first response
        "was most often in receipt of multiple responses").
        """
        p = rules.p_reply
        if response_type == CONVERSATIONAL:
            return u < p.conversational
        if response_type == PERSONALISED:
            return u < p.personalised
        return u < p.generic

    def reflect(
        self, rules, best_type: int, redirected: bool, u_involve: float, u_post: float
    ) -> tuple[bool, bool]:
        """Judge how the story was answered; return (got involved now, will post again).

        Willingness to post again moves by ``willingness_change`` for the best reply received
        (and ``willingness_change_redirected`` if sent offline): "caring for care" needs a
        conversation partner (mechanism 8). After a conversation an author may volunteer
        ("would you like to get involved?", Site C), more so when caring for the service.
        """
        change = rules.willingness_change
        if best_type == CONVERSATIONAL:
            delta = change.conversational
        elif best_type == PERSONALISED:
            delta = change.personalised
        elif best_type == GENERIC:
            delta = change.generic
        else:
            delta = change.none
        if redirected:
            delta += rules.willingness_change_redirected
        willingness = self.willingness + delta
        self.willingness = 1.0 if willingness > 1.0 else (0.0 if willingness < 0.0 else willingness)
        involved_now = False
        if best_type == CONVERSATIONAL and not self.involved:
            involved_now = u_involve < getattr(rules.p_get_involved, MOTIVES[self.motive])
            self.involved = involved_now
        if self.involved:
            # An involved author (a volunteer) stays in the conversation: they keep posting.
            self.willingness = 1.0
        return involved_now, u_post < rules.p_post_again * self.willingness


class StaffMember(mesa.Agent):
    """Someone who may answer stories: weekly time, confidence on stage, belief it matters."""

    role = "staff"

    def __init__(self, model, service: int, confidence: float, legitimacy: float):
        # Registered with Mesa by whoever hires, in one batch (sim.mesa_core.register).
        self.model = model
        self.unique_id = None
        self.pos = None
        self.service = service  # -1: a central team, not one service
        self.confidence = confidence
        self.legitimacy = legitimacy
        self.week = -1
        self.hours_left = 0.0
        self.hours_spent = 0.0
        self.responses = 0
        self.cast = None  # the CastList this member is registered on, if any

    # -- engagement -------------------------------------------------------------
    def takes_up(self, expectation: float, u: float) -> bool:
        """Take up an alerted story? Belief, or else the expectation others place on them.

        Normative legitimacy (Sheard et al. 2017) moves staff unprompted; leadership and
        reminders supply the rest ("nudging hesitant actors onstage", Site C).
        """
        # The same as min(1.0, expectation), without a builtin call: asked ~10,000 times a year.
        capped = expectation if expectation < 1.0 else 1.0
        p = self.legitimacy + (1.0 - self.legitimacy) * capped
        return u < p

    # -- time (mechanism 1) -----------------------------------------------------
    def hours_available(self, week: int, refill) -> float:
        """Hours left this week; the allowance is refilled lazily at the first ask of a week."""
        if week != self.week:
            self.week = week
            self.hours_left = refill(self)
        return self.hours_left

    def read(self, hours: float) -> None:
        """Use ``hours`` of this week's allowance reading an inbox item."""
        self.hours_left -= hours
        self.hours_spent += hours

    def spend(self, hours: float) -> None:
        """Use ``hours`` of this week's allowance writing a reply."""
        self.hours_left -= hours
        self.hours_spent += hours
        self.responses += 1

    # -- confidence (mechanism 2) -----------------------------------------------
    def _set_confidence(self, value: float) -> None:
        old = self.confidence
        self.confidence = value
        if self.cast is not None:
            self.cast.confidence_changed(self, old, value)

    def practise(self, rules, with_wings: bool) -> None:
        """Confidence grows with practice, faster with experienced colleagues on the wings.

        Only bespoke (personalised or conversational) replies count as practice on stage:
        "Not everybody is comfortable with a conversational style... it takes a bit of
        practice" (Site C patient experience
        staff); newcomers "were reassured that experienced colleagues would be on the wings
        to give cues". Copy-pasting a template is "re-enacting the same 'non-performance'".
        """
        gain = rules.practice_gain + (rules.wings_gain if with_wings else 0.0)
        self._set_confidence(self.confidence + gain * (1.0 - self.confidence))

    def shaken(self, rules) -> None:
        """Facing a hostile story without support costs confidence: stage fright (Site A)."""
        self._set_confidence(self.confidence * (1.0 - rules.hostile_loss))

    def learn(self, gain: float) -> None:
        """Being challenged against the guidelines teaches (Site C)."""
        self._set_confidence(self.confidence + gain * (1.0 - self.confidence))


class Responder(StaffMember):
    """Frontline clinical / non-clinical or patient experience staff on the cast list."""

    def __init__(self, model, role: str, service: int, confidence: float, legitimacy: float):
        super().__init__(model, service, confidence, legitimacy)
        self.role = role


class Manager(StaffMember):
    """A general manager or head of service for one service.

    Receives reminders about unanswered stories and may answer themselves: "I just think it
    is more important for them to get a response, so then I will get involved" (Site C).
    """

    role = "manager"


class CommunicationsStaff(StaffMember):
    """Communications staff: guard the organisation's reputation (mechanism 9).

    ``openness`` is their willingness to let others on stage. It follows the reputation they
    see, month by month, where leadership lets fears ease: Site C's communications manager,
    "originally ... against using online patient feedback", limited replies "to three
    people ... This has grown steadily as we have learnt the value".
    """

    role = "communications"

    def __init__(self, model, service: int, confidence, legitimacy, openness: float):
        super().__init__(model, service, confidence, legitimacy)
        self.openness = openness

    def reconsider(self, reputation: float, rate: float, reassuring: float) -> None:
        """Fears ease when the audience reads favourably, beyond ``reassuring``; grow below."""
        if reputation != reputation:  # NaN: nothing posted yet, nothing learnt
            return
        if reputation >= reassuring:
            self.openness += (
                rate
                * (1.0 - self.openness)
                * (reputation - reassuring)
                / (1.0 - reassuring if reassuring < 1.0 else 1.0)
            )
        else:
            self.openness -= (
                rate
                * self.openness
                * (reassuring - reputation)
                / (reassuring if reassuring > 0.0 else 1.0)
            )


ROLE_CLASSES = {
    "frontline_clinical": Responder,
    "frontline_non_clinical": Responder,
    "patient_experience": Responder,
    "communications": CommunicationsStaff,
}
ROLES = (*ROLE_CLASSES, "manager")

"""The frontstage: how a posted story gets (or does not get) answered in public.

Rules, in the order a story meets them:

1. **Alert.** A new story alerts ``cast.alerts_per_story`` cast members, chosen by the cast
   policy (staff in the story's service first, where the cast is distributed). They look at
   it after an exponential delay of mean ``cast.look_delay_days_mean`` days, and again every
   ``cast.relook_after_days`` while it stays unanswered, ``cast.looks_per_story`` times in all.
2. **Take-up.** An alerted staff member with no time left this week for even a generic reply
   passes it by unread. Otherwise they take the story up with probability
   legitimacy + (1 - legitimacy) x expectation, where expectation comes from leadership, the
   last board review, and a reminder (mechanism 3).
3. **Stage fright.** Facing a hostile story (hostility >= ``confidence.hostile_at``) with
   neither a script's cue nor an experienced colleague on the wings costs confidence, unless
   the script is a template that exposes nobody. A
   bespoke reply needs confidence ``threshold_conversational + threshold_per_hostility x
   hostility`` (+ ``identification.exposure`` when named); the scripting policy turns
   effective confidence (own + cue + wings) into a reply type or a pass (mechanism 2).
4. **Time.** The reply costs ``effort.hours_*`` from the responder's weekly allowance; the
   first bespoke reply from outside the story's service costs ``hours_liaison`` more (later
   ones build on a conversation whose facts are already public). Without the
   time the responder passes, or, if the script allows, posts a quick generic reply
   (mechanism 1).
5. **Reply.** The reply is posted; a bespoke reply is practice for the responder. Under a
   redirecting staging policy the reply invites the author offline, and the author accepts
   or declines; an accepted invitation can reach improvement work by the offline route, a
   public conversation by the public route (mechanisms 4 and 5).
6. **Follow-ups.** After a conversational reply the author may reply (and is answered
   again), and a colleague may add a response; a reply the script counts as poor may be
   challenged, and the challenged responder learns and follows up.
7. **Escalation.** Under a reminding policy, a story unanswered after
   ``reminder_after_days`` sends a reminder to its service's manager, who may answer
   themselves or nudge the alerted staff (mechanism 3). Reminders and judgements run after
   the day's agenda.
8. **Judgement.** ``patients.reflect_after_days`` after posting, the author judges how they
   were answered, and may get involved or post again later (mechanism 8).
"""

from __future__ import annotations

from sim.calendar import Cursor
from sim.lifecycle import NO_TIME, NOT_ENGAGED, STAGE_FRIGHT
from sim.story import CONVERSATIONAL, GENERIC, ROUTE_OFFLINE, ROUTE_PUBLIC


class Frontstage:
    def __init__(
        self, culture, clock, rng, cast, managers, lifecycle, agenda, backstage, repost_on
    ):
        self.culture = culture
        self.clock = clock
        self.rng = rng  # the model's random.Random (seeded with the model)
        # Bound once: a story takes about ten uniform draws on its way through the rules.
        self.uniform = rng.random
        self.cast = cast
        self.managers = managers
        self.lifecycle = lifecycle
        self.agenda = agenda
        self.backstage = backstage
        self.repost_on = repost_on  # (day, author): the author posts again that day
        self.pressure = 0.0  # expectation added by the last board review
        self._to_review = Cursor(lifecycle.stories)
        self._to_remind = Cursor(lifecycle.stories)
        self._to_judge = Cursor(lifecycle.stories)

    # ------------------------------------------------------------------ scheduling
    def _delay(self, mean: float) -> int:
        return int(self.rng.expovariate(1.0 / mean)) if mean > 0 else 0

    def _later(self) -> int:
        """A follow-up's day: after the same delay as a first look."""
        return self.clock.day + self._delay(self.culture.scenario.cast.look_delay_days_mean)

    def story_posted(self, story, look_delay: int) -> None:
        self.agenda.at(self.clock.day + look_delay, self.look, (story, 0))

    def after_agenda(self) -> None:
        """Rules that fall due a fixed number of days after posting: 7 and 8."""
        scenario = self.culture.scenario
        day = self.clock.day
        if self.culture.escalation.reminds:
            for story in self._to_remind.due(day - scenario.escalation.reminder_after_days):
                if not story.n_responses:
                    self.remind(story)
        else:
            self._to_remind.position = len(self._to_remind.stories)
        for story in self._to_judge.due(day - scenario.patients.reflect_after_days):
            self.judge(story)

    # ------------------------------------------------------------------ rules 1-5
    def look(self, arg) -> None:
        story, attempt = arg
        if story.n_responses:
            return
        for staff in self.culture.cast.candidates(self.cast, story.service, self.uniform()):
            if self.consider(staff, story):
                return
        cast = self.culture.scenario.cast
        if attempt + 1 < cast.looks_per_story:
            self.agenda.at(self.clock.day + cast.relook_after_days, self.look, (story, attempt + 1))

    def _refill(self, staff) -> float:
        times = self.culture.scenario.staff_time
        if staff.role == "manager":
            hours = times.manager_hours_per_week
        elif staff.service < 0:
            hours = times.central_hours_per_week
        else:
            hours = times.hours_per_week
        return self.culture.staff_time.weekly_hours(self.uniform(), hours)

    def consider(self, staff, story, nudge: float = 0.0, followup: bool = False) -> bool:
        """One staff member considers one story; True if they answered it."""
        culture = self.culture
        rules = culture.confidence
        effort = culture.effort
        day = self.clock.day
        hours = staff.hours_available(day // 7, self._refill)
        if hours < effort.hours_generic:  # no time this week for even the quickest reply
            self.lifecycle.pass_over(story, staff, NO_TIME, day)
            return False
        expectation = culture.expectation[staff.role] + self.pressure + nudge
        if not staff.takes_up(expectation, self.uniform()):
            self.lifecycle.pass_over(story, staff, NOT_ENGAGED, day)
            return False

        script = culture.scripting
        wings = self.cast.wings(staff)
        if culture.stage_fright and not wings and story.hostility >= rules.hostile_at:
            staff.shaken(rules)
        effective = staff.confidence + culture.cue + (rules.wings_support if wings else 0.0)
        needs_bespoke = culture.bespoke_threshold + rules.threshold_per_hostility * story.hostility
        response_type = script.choose(effective, needs_bespoke, rules.threshold_generic)
        if response_type is None:
            self.lifecycle.pass_over(story, staff, STAGE_FRIGHT, day)
            return False

        cost = effort.hours_generic
        if response_type == CONVERSATIONAL:
            cost = effort.hours_conversational
            if staff.service != story.service and story.conversational_day < 0:
                cost += effort.hours_liaison
            if hours < cost:
                if script.when_short_of_time(self.uniform()):
                    response_type, cost = GENERIC, effort.hours_generic
                else:
                    self.lifecycle.pass_over(story, staff, NO_TIME, day)
                    return False
        self.reply(story, staff, response_type, cost, wings, followup, day)
        return True

    def reply(self, story, staff, response_type, hours, wings, followup, day) -> None:
        culture = self.culture
        lifecycle = self.lifecycle
        staff.spend(hours)
        lifecycle.answer(story, staff, response_type, culture.named, hours, day)
        conversational = response_type == CONVERSATIONAL
        if conversational:
            staff.practise(culture.confidence, wings)

        if story.redirect_day < 0 and culture.redirects[story.negative]:
            lifecycle.offer_redirect(story, staff, day)
            accepted = story.author.accepts_redirect(culture.patients, self.uniform())
            lifecycle.decide_redirect(story, accepted, day)
            if accepted and story.actionable:
                self.backstage.receive(story, ROUTE_OFFLINE)
        elif conversational and story.public and story.actionable and story.route == 0:
            self.backstage.receive(story, ROUTE_PUBLIC)

        if followup:
            return
        if conversational:
            if story.author.replies(culture.patients, self.uniform()):
                self.agenda.at(day + 1, self.patient_reply, story)
            if self.uniform() < culture.scenario.cast.p_colleague_adds:
                self.agenda.at(self._later(), self.colleague_adds, story)
        if response_type in culture.challengeable and culture.challenge.challenges(self.uniform()):
            self.agenda.at(self._later(), self.challenge, (story, staff))

    # ------------------------------------------------------------------ rule 6
    def patient_reply(self, story) -> None:
        self.lifecycle.patient_replies(story, self.clock.day)
        self.agenda.at(self._later(), self._answer_reply, story)

    def _answer_reply(self, story) -> None:
        self.consider(story.last_responder, story, followup=True)

    def colleague_adds(self, story) -> None:
        """Another member of the cast adds a response (Site C's four replies to one story)."""
        pool = self.cast.central or self.cast.members
        if len(pool) < 2 and (not pool or pool[0] is story.last_responder):
            return
        i = int(self.uniform() * len(pool))
        if pool[i] is story.last_responder:
            i = (i + 1) % len(pool)
        self.consider(pool[i], story, followup=True)

    def challenge(self, arg) -> None:
        story, staff = arg
        self.lifecycle.challenge(story, staff, self.clock.day)
        staff.learn(self.culture.scenario.challenge.learning_gain)
        self.consider(staff, story, nudge=1.0, followup=True)

    # ------------------------------------------------------------------ rule 7
    def remind(self, story) -> None:
        escalation = self.culture.escalation
        if story.n_responses or not escalation.reminds:
            return
        rules = self.culture.scenario.escalation
        manager = self.managers[story.service]
        self.lifecycle.remind(story, manager, self.clock.day)
        if self.uniform() < rules.p_manager_steps_in and self.consider(manager, story, 1.0):
            return
        for staff in self.culture.cast.candidates(self.cast, story.service, self.uniform()):
            if self.consider(staff, story, nudge=1.0):
                return
        if story.reminders < rules.max_reminders:
            self.agenda.at(self.clock.day + rules.reminder_after_days, self.remind, story)

    def board_review(self) -> float:
        """The board reviews response times of the stories old enough to judge.

        A story is late if it was not answered within ``reminder_after_days``. The share late
        among stories posted since the last review sets the pressure on every responder until
        the next review.
        """
        rules = self.culture.scenario.escalation
        late = total = 0
        for story in self._to_review.due(self.clock.day - rules.reminder_after_days):
            total += 1
            first = story.first_response_day
            if first < 0 or first - story.day > rules.reminder_after_days:
                late += 1
        share = late / total if total else 0.0
        self.pressure = self.culture.escalation.pressure(share)
        return share

    # ------------------------------------------------------------------ rule 8
    def judge(self, story) -> None:
        rules = self.culture.scenario.patients
        author = story.author
        day = self.clock.day
        involved, again = author.reflect(
            rules, story.best_type, story.redirect_day >= 0, self.uniform(), self.uniform()
        )
        self.lifecycle.patient_judges(story, author.willingness, day)
        if involved:
            self.lifecycle.patient_involved(story, day)
        if again:
            self.repost_on(day + 1 + self._delay(rules.post_again_delay_days_mean), author)

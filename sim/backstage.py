"""The backstage: improvement work fed by stories (mechanisms 5, 6 and 10).

Rules:

1. **Routes.** An issue (a negative story, or a positive one with a suggestion) reaches
   improvement work by one of four routes: a responder carries it from a conversational
   reply kept in public (each such reply is a fresh chance); an author who accepted an
   offline invitation; an author who also raised it through PALS or complaints
   (``patients.p_raise_with_pals``, negative stories, a week after posting); an improvement
   team reading the feed (the day after posting). Each route has its own take-up rate,
   scaled by the backstage link policy (:mod:`sim.policies.backstage`); an issue is taken up
   at most once.
2. **Plan.** After an exponential delay (mean ``plan_delay_days_mean``) the issue becomes a
   planned change with probability ``p_plan x (1 + authority) x leverage``, capped at 1,
   where authority comes from leadership and leverage is ``1 + public_leverage`` for a story
   with a conversational reply in public: "publicising negative feedback helped known issues
   to be emphasised to management, meaning that staff could gain leverage" (Site C).
   Otherwise it is dropped ("half of the action plans are crap", Site B).
3. **Headspace.** Planned changes wait, first come first served, for improvement time:
   ``staff_time.headspace_hours_per_month`` accrues daily (unused time is not banked beyond
   one change or one month's worth) and each change takes ``hours_per_change``.
4. **Work.** A started change is finished with probability ``p_make`` after an exponential
   delay of mean ``make_delay_days_mean / leverage``; otherwise abandoned after the same delay
   ("we're only implementing half of those crap actions").
5. **Journey.** When a change is planned, and again when it is made, staff post an update on
   the public story with probability ``p_update`` ("staff tended to communicate the journey
   that the patient feedback had taken, or more often, would take", Table 1). The update
   waits in an inbox like any reply (:mod:`sim.frontstage`).
6. **Care.** A change made raises its service's care quality (mechanism 6).
"""

from __future__ import annotations

from collections import deque

from sim.calendar import MONTH_DAYS
from sim.lifecycle import DROPPED_AT_PLAN, DROPPED_AT_WORK
from sim.story import ROUTE_FEED, ROUTE_PALS

PALS_AFTER_DAYS = 7  # an author who also uses PALS does so about a week after posting


class Backstage:
    def __init__(self, culture, clock, rng, lifecycle, agenda, services):
        self.culture = culture
        self.clock = clock
        self.rng = rng
        self.lifecycle = lifecycle
        self.agenda = agenda
        self.services = services
        self.waiting: deque = deque()  # planned changes waiting for headspace
        self.headspace = 0.0  # improvement hours available now
        self.post_update = None  # set by the model: the frontstage's update rule

    def _leverage(self, story) -> float:
        if story.conversational_day >= 0 and story.public:
            return 1.0 + self.culture.scenario.backstage.public_leverage
        return 1.0

    def _delay(self, mean: float) -> int:
        return int(self.rng.expovariate(1.0 / mean))

    def receive(self, story, route: int) -> None:
        """Rule 1: an issue arrives by ``route``; taken up or lost."""
        if not story.route and self.rng.random() < self.culture.backstage.take_up_chance(route):
            self._take_up(story, route)

    def _take_up(self, story, route: int) -> None:
        if story.route:  # taken up by another route meanwhile
            return
        day = self.clock.day
        self.lifecycle.take_backstage(story, route, day)
        delay = self._delay(self.culture.scenario.backstage.plan_delay_days_mean)
        self.agenda.at(day + delay, self.decide_plan, story)

    def story_posted(self, story, raises_with_pals: bool) -> None:
        """Schedule the routes that do not depend on the online reply (rule 1).

        Whether the feed's readers (the next day) or PALS (a week on) would take the issue up
        is drawn now, at the rates in force today, and only a take-up is scheduled: most
        stories' feed route ends here (``p_take_up_feed`` is small), without an event. An
        issue taken up meanwhile by another route stays with it.
        """
        if not story.actionable:
            return
        day = self.clock.day
        chance = self.culture.backstage.take_up_chance
        if self.rng.random() < chance(ROUTE_FEED):
            self.agenda.at(day + 1, self.via_feed, story)
        if raises_with_pals and self.rng.random() < chance(ROUTE_PALS):
            self.agenda.at(day + PALS_AFTER_DAYS, self.via_pals, story)

    def via_feed(self, story) -> None:
        self._take_up(story, ROUTE_FEED)

    def via_pals(self, story) -> None:
        self._take_up(story, ROUTE_PALS)

    def decide_plan(self, story) -> None:
        """Rule 2."""
        rules = self.culture.scenario.backstage
        authority = self.culture.leadership.authority()
        p = min(1.0, rules.p_plan * (1.0 + authority) * self._leverage(story))
        if self.rng.random() < p:
            self.lifecycle.plan_change(story, self.clock.day)
            self.waiting.append(story)
            self._tell_the_journey(story)
        else:
            self.lifecycle.drop_issue(story, DROPPED_AT_PLAN, self.clock.day)

    def daily(self) -> None:
        """Rules 3 and 4: today's headspace starts waiting changes."""
        rules = self.culture.scenario.backstage
        monthly = self.culture.scenario.staff_time.headspace_hours_per_month
        cap = max(rules.hours_per_change, monthly)
        self.headspace = min(self.headspace + monthly / MONTH_DAYS, cap)
        while self.waiting and self.headspace >= rules.hours_per_change:
            story = self.waiting.popleft()
            self.headspace -= rules.hours_per_change
            day = self.clock.day
            self.lifecycle.start_change(story, day)
            delay = self._delay(rules.make_delay_days_mean / self._leverage(story))
            done = self.finish if self.rng.random() < rules.p_make else self.abandon
            self.agenda.at(day + delay, done, story)

    def finish(self, story) -> None:
        """Rules 5 and 6."""
        self.lifecycle.make_change(story, self.clock.day)
        self.services.improve(story.service, self.culture.scenario.care.quality_gain_per_change)
        self._tell_the_journey(story)

    def abandon(self, story) -> None:
        self.lifecycle.drop_issue(story, DROPPED_AT_WORK, self.clock.day)

    def _tell_the_journey(self, story) -> None:
        """Rule 5: an update on a story still discussed in public."""
        if story.public and story.n_responses and self.post_update is not None:
            if self.rng.random() < self.culture.scenario.backstage.p_update:
                self.post_update(story)

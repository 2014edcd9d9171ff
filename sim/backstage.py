"""The backstage: improvement work fed by stories (mechanisms 5 and 6).

Rules:

1. **Take-up.** An issue arrives by the public route (a conversational reply kept in public)
   or the offline route (an author who accepted an invitation to PALS). The backstage link
   policy gives the chance it is taken up; unlinked routes lose it. Every conversational
   reply is a fresh chance until the issue is taken up: another responder in the
   conversation may be the one who carries it to the improvement team.
2. **Plan.** After an exponential delay (mean ``plan_delay_days_mean``) the issue becomes a
   planned change with probability ``p_plan x (1 + authority) x leverage``, capped at 1,
   where authority comes from leadership and leverage is ``1 + public_leverage`` for an
   issue raised in public: "publicising negative feedback helped known issues to be
   emphasised to management, meaning that staff could gain leverage" (Site C). Otherwise it
   is dropped ("half of the action plans are crap", Site B).
3. **Headspace.** Planned changes wait, first come first served, for improvement time:
   ``staff_time.headspace_hours_per_month`` accrues daily (unused time is not banked beyond
   one change or one month's worth) and each change takes ``hours_per_change``.
4. **Work.** A started change is finished with probability ``p_make`` after an exponential
   delay of mean ``make_delay_days_mean / leverage``; otherwise abandoned after the same delay
   ("we're only implementing half of those crap actions").
5. **Care.** A change made raises its service's care quality (mechanism 6).
"""

from __future__ import annotations

from collections import deque

from sim.calendar import MONTH_DAYS
from sim.lifecycle import DROPPED_AT_PLAN, DROPPED_AT_WORK
from sim.story import ROUTE_PUBLIC


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

    def _leverage(self, story) -> float:
        if story.route == ROUTE_PUBLIC:
            return 1.0 + self.culture.scenario.backstage.public_leverage
        return 1.0

    def _delay(self, mean: float) -> int:
        return int(self.rng.expovariate(1.0 / mean))

    def receive(self, story, route: int) -> None:
        """Rule 1: an issue arrives by ``route``; taken up or lost."""
        chance = self.culture.backstage.take_up_chance(
            public_conversation=route == ROUTE_PUBLIC, offline_contact=route != ROUTE_PUBLIC
        )
        if chance > 0 and self.rng.random() < chance:
            day = self.clock.day
            self.lifecycle.take_backstage(story, route, day)
            delay = self._delay(self.culture.scenario.backstage.plan_delay_days_mean)
            self.agenda.at(day + delay, self.decide_plan, story)

    def decide_plan(self, story) -> None:
        """Rule 2."""
        rules = self.culture.scenario.backstage
        authority = self.culture.leadership.authority()
        p = min(1.0, rules.p_plan * (1.0 + authority) * self._leverage(story))
        if self.rng.random() < p:
            self.lifecycle.plan_change(story, self.clock.day)
            self.waiting.append(story)
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
        """Rule 5."""
        self.lifecycle.make_change(story, self.clock.day)
        self.services.improve(story.service, self.culture.scenario.care.quality_gain_per_change)

    def abandon(self, story) -> None:
        self.lifecycle.drop_issue(story, DROPPED_AT_WORK, self.clock.day)

"""The organisation as a Mesa model: wiring and the order of a day.

One tick is one day. A day runs, in order:

1. interventions due today switch levers (a new chief nurse, sporadic engagement);
2. the board reviews response times, if the escalation policy has it do so today;
3. on the first day of each 30-day month, communications staff reconsider their openness and
   the cast policy recruits;
4. stories arrive, each at its own time of day: authors returning today, then first-time
   stories (Poisson), each from a new patient, into the inboxes;
5. the agenda runs today's events (authors' replies, challenges, plans, changes finished);
6. on a working day, the teams sit down to their inboxes (the frontstage's sessions);
7. rules due a fixed time after posting: the central team's inbox, reminders, judgements;
8. the backstage starts waiting changes as headspace allows;
9. the recorder notes the day's state.

First-time stories arrive at ``stories.per_day`` x (1 + ``growth_per_year``)^(years) x
(1 + ``worth_effect`` x worth), where worth is the audience's sense that posting is worthwhile
(:meth:`sim.audience.Audience.worth`): volume answers back to how the organisation answers.

The model holds no rules of its own: those live in the frontstage, the backstage, the agents
and the policies. The culture (scenario and the policies built from it) is one object the
parts share, so an intervention swaps it everywhere at once.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.agents import ROLE_CLASSES, ROLES, CommunicationsStaff, Manager, Patient
from sim.audience import Audience
from sim.backstage import Backstage
from sim.calendar import MONTH_DAYS, Agenda, Clock
from sim.care import Services
from sim.castlist import CastList
from sim.frontstage import Frontstage
from sim.lifecycle import BOARD_REVIEW, INTERVENTION, RECRUITED, Lifecycle
from sim.mesa_core import register
from sim.metrics import Recorder
from sim.policies.registry import REGISTRIES
from sim.scenario import LEVERS, Intervention, Scenario
from sim.story import CONVERSATIONAL, GENERIC, PERSONALISED, Story

FRONTLINE = ("frontline_clinical", "frontline_non_clinical")


class DrawnAhead:
    """Random draws made ahead in blocks and handed out in order.

    ``draw(k)`` makes ``k`` draws from the model's generator (a method of the model, so a
    copied or pickled model draws from its own); a new block is drawn when the last is used
    up, so what is handed out follows from the seed alone. A day's stories need a few draws
    each: drawing them a block at a time costs one numpy call per ``block`` stories rather
    than one a day. :meth:`discard` drops what is left when the draws' parameters change (an
    intervention).
    """

    def __init__(self, draw, block: int = 256):
        self.draw = draw
        self.block = block
        self.values: list = []
        self.next = 0

    def take(self, n: int) -> list:
        start = self.next
        if start + n > len(self.values):
            self.values = self.values[start:] + self.draw(max(n, self.block))
            start = 0
        self.next = start + n
        return self.values[start : start + n]

    def discard(self) -> None:
        self.values = []
        self.next = 0


class Culture:
    """The scenario in force and the policy objects built from it."""

    def __init__(self, scenario: Scenario):
        self.apply(scenario)

    def apply(self, scenario: Scenario) -> None:
        self.scenario = scenario
        for lever in LEVERS:
            setattr(self, lever, REGISTRIES[lever].build(getattr(scenario, lever)))
        # Derived once per culture rather than once per consideration of a story.
        self.cue = self.scripting.cue
        self.named = self.identification.named
        self.exposure = self.identification.exposure
        self.costs = (
            0.0,
            scenario.effort.hours_generic,
            scenario.effort.hours_personalised,
            scenario.effort.hours_conversational,
        )
        # The rule sections the frontstage reads for every story it considers.
        self.confidence = scenario.confidence
        self.effort = scenario.effort
        self.patients = scenario.patients
        self.redirects = (self.staging.redirects(False), self.staging.redirects(True))
        self.expectation = {role: self.leadership.expectation(role) for role in ROLES}
        # Reply types a challenge could act on: those the script counts as poor.
        self.challengeable = frozenset(
            t for t in (GENERIC, PERSONALISED, CONVERSATIONAL) if self.scripting.poor(t)
        )


def _beta(rng: np.random.Generator, mean: float, concentration: float, n: int) -> np.ndarray:
    """Beta draws with the given mean; degenerate means give constants."""
    if mean <= 0.0 or mean >= 1.0:
        return np.full(n, float(mean))
    return rng.beta(mean * concentration, (1.0 - mean) * concentration, n)


def _allocate(shares: dict[str, float], n: int) -> list[str]:
    """Split ``n`` places by ``shares`` (largest remainder), so small casts match exactly."""
    exact = {k: v * n for k, v in shares.items()}
    counts = {k: int(v) for k, v in exact.items()}
    left = n - sum(counts.values())
    for k in sorted(exact, key=lambda k: (exact[k] - counts[k], k), reverse=True)[:left]:
        counts[k] += 1
    return [k for k in shares for _ in range(counts[k])]


class CurtainModel(mesa.Model):
    """One organisation (a Trust) answering online patient feedback under a culture."""

    def __init__(self, scenario: Scenario, seed: int | None = None):
        super().__init__(rng=seed)
        self.seed = seed
        # Mesa's Model has a `scenario` attribute of its own (a flat, fixed parameter set);
        # ours changes mid-run, so the one in force is `culture.scenario`.
        self.initial_scenario = scenario  # as given, interventions included
        self.culture = Culture(scenario)
        self.clock = Clock()
        self.agenda = Agenda()
        self.audience = Audience(scenario.audience)
        self.lifecycle = Lifecycle(self.audience)
        self.services = Services.draw(
            scenario.organisation.services,
            scenario.care.quality_initial,
            scenario.care.quality_spread,
            self.rng,
        )
        self.castlist = CastList(len(self.services), scenario.confidence.experienced_at)
        n_services = len(self.services)
        self.managers = self._hire(["manager"] * n_services, services=list(range(n_services)))
        self.backstage = Backstage(
            self.culture, self.clock, self.random, self.lifecycle, self.agenda, self.services
        )
        self.frontstage = Frontstage(
            self.culture,
            self.clock,
            self.random,
            self.castlist,
            self.managers,
            self.lifecycle,
            self.agenda,
            self.backstage,
            self.repost_on,
        )
        self.backstage.post_update = self.frontstage.post_update
        self.recorder = Recorder()
        self._interventions: dict[int, list[Intervention]] = {}
        for intervention in scenario.interventions:
            self._interventions.setdefault(intervention.day, []).append(intervention)
        self._next_story = 0
        # Per-story draws made ahead in blocks (one numpy call per few weeks, not one a day).
        self._rows = DrawnAhead(self._uniform_rows)
        self._hostilities = DrawnAhead(self._hostilities_of)
        self._returning: dict[int, list[Patient]] = {}  # day -> authors posting again
        starting = scenario.cast.initial_roles.model_dump()
        self._recruit(_allocate(starting, scenario.cast.size), False)
        self.comms_openness = self.openness()  # reconsidered monthly

    # ------------------------------------------------------------------ staff
    def _hire(
        self, roles: list[str], newcomer: bool = False, services: list[int] | None = None
    ) -> list:
        """New staff of the given roles, their personal traits drawn in one batch.

        Confidence is Beta around ``confidence.initial_mean`` (``newcomer_mean`` for staff who
        join during the run) and legitimacy Beta around ``staff.legitimacy_mean``. Unless
        ``services`` places them, frontline staff work in a uniformly drawn service and
        everyone else in a central team (service -1).
        """
        scenario = self.culture.scenario
        rules = scenario.confidence
        n = len(roles)
        if n == 0:
            return []
        mean = rules.newcomer_mean if newcomer else rules.initial_mean
        confidence = _beta(self.rng, mean, rules.initial_concentration, n).tolist()
        staff_rules = scenario.staff
        legitimacy = _beta(
            self.rng, staff_rules.legitimacy_mean, staff_rules.legitimacy_concentration, n
        ).tolist()
        if services is None:
            drawn = self.rng.integers(len(self.services), size=n).tolist()
            services = [
                service if role in FRONTLINE else -1
                for role, service in zip(roles, drawn, strict=True)
            ]
        hired = []
        for role, service, own_confidence, own_legitimacy in zip(
            roles, services, confidence, legitimacy, strict=True
        ):
            if role == "manager":
                staff = Manager(self, service, own_confidence, own_legitimacy)
            elif role == "communications":
                staff = CommunicationsStaff(
                    self, service, own_confidence, own_legitimacy, scenario.cast.openness_initial
                )
            else:
                staff = ROLE_CLASSES[role](self, role, service, own_confidence, own_legitimacy)
            hired.append(staff)
        register(self, hired)
        return hired

    def _recruit(self, roles: list[str], newcomer: bool) -> None:
        for staff in self._hire(roles, newcomer):
            self.castlist.add(staff)
            if newcomer:
                self.lifecycle.organisation_event(RECRUITED, self.clock.day, staff.unique_id)

    def _gatekeepers(self) -> list[CommunicationsStaff]:
        return [s for s in self.castlist.central if s.role == "communications"]

    def openness(self) -> float:
        """Communications' openness to a wider cast; 1 where nobody keeps the gate."""
        comms = self._gatekeepers()
        return sum(c.openness for c in comms) / len(comms) if comms else 1.0

    def _monthly(self) -> None:
        culture = self.culture
        if culture.leadership.fears_can_ease():
            reputation = self.audience.reputation()
            rate = culture.scenario.cast.openness_learning
            reassuring = culture.scenario.cast.reassuring_reputation
            for staff in self._gatekeepers():
                staff.reconsider(reputation, rate, reassuring)
        self.comms_openness = self.openness()
        cast = culture.scenario.cast
        n = culture.cast.recruits(
            culture.leadership.recruitment_drive(),
            self.comms_openness,
            cast.max_size - len(self.castlist),
            self.rng.poisson,
        )
        if n:
            roles = list(cast.roles.model_dump())
            shares = list(cast.roles.model_dump().values())
            drawn = self.rng.choice(len(roles), size=n, p=shares)
            self._recruit([roles[i] for i in drawn], True)

    def _resize_cast(self, size: int) -> None:
        while len(self.castlist) > size:
            self.castlist.remove(self.castlist.members[-1])
        missing = size - len(self.castlist)
        if missing > 0:
            self._recruit(_allocate(self.culture.scenario.cast.roles.model_dump(), missing), True)

    # ------------------------------------------------------------------ stories
    def story_rate(self) -> float:
        """Today's mean number of first-time stories (see the module docstring)."""
        rules = self.culture.scenario.stories
        rate = rules.per_day
        if rules.growth_per_year:
            rate *= (1.0 + rules.growth_per_year) ** (self.clock.day / 365.0)
        if rules.worth_effect:
            rate *= 1.0 + rules.worth_effect * self.audience.worth()
        return rate

    def post_stories(self) -> None:
        """Today's stories: authors returning today, then Poisson first-time stories.

        Each story is posted at a uniformly drawn time of the day; the day's stories are
        numbered in time order. A returning author writes about the service they use; each
        first-time story comes from a new patient, who uses a uniformly drawn service. A story
        is negative with probability 1 - quality of its service; a negative story carries an
        issue staff could act on, a positive one with probability ``p_actionable_positive``.
        Hostility (Beta) applies to negative stories; the author of a negative story also
        raises it through PALS with probability ``patients.p_raise_with_pals``. The day's
        draws are made for all its stories at once.
        """
        scenario = self.culture.scenario
        day = self.clock.day
        authors = self._returning.pop(day, [])
        n_returning = len(authors)
        n = n_returning + int(self.rng.poisson(self.story_rate()))
        if n == 0:
            return
        # One row of uniforms per story: sentiment, actionable, PALS, time of day, and for a
        # new author their service, motive and whether they value anonymity.
        draws = self._rows.take(n)
        hostility = self._hostilities.take(n)

        patients = scenario.patients
        motives = patients.motive_shares
        first, second = motives.other_patients, motives.other_patients + motives.staff
        p_anonymity = patients.share_valuing_anonymity
        willingness = patients.willingness_initial
        n_services = len(self.services)
        newcomers = [
            Patient(
                self,
                int(row[4] * n_services),
                0 if row[5] < first else (1 if row[5] < second else 2),  # motive
                row[6] < p_anonymity,
                willingness,
            )
            for row in draws[n_returning:]
        ]
        register(self, newcomers)
        authors += newcomers

        quality = self.services.quality
        p_actionable_positive = scenario.stories.p_actionable_positive
        p_pals = patients.p_raise_with_pals
        order = sorted(range(n), key=[row[3] for row in draws].__getitem__)  # by time of day
        # Bound once: the loop below runs for every story of the run.
        post = self.lifecycle.post
        story_posted, issue_posted = self.frontstage.story_posted, self.backstage.story_posted
        first_id = self._next_story
        self._next_story = first_id + n
        for k, i in enumerate(order):
            author = authors[i]
            draw = draws[i]
            negative = draw[0] < 1.0 - quality[author.service]
            story = Story(
                first_id + k,
                day + draw[3],
                author.service,
                negative,
                hostility[i] if negative else 0.0,
                negative or draw[1] < p_actionable_positive,
                author,
                i < n_returning,
            )
            author.stories_posted += 1
            post(story, day)
            story_posted(story)
            issue_posted(story, negative and draw[2] < p_pals)

    def _uniform_rows(self, n: int) -> list[list[float]]:
        return self.rng.random((n, 7)).tolist()

    def _hostilities_of(self, n: int) -> list[float]:
        rules = self.culture.scenario.stories
        return _beta(self.rng, rules.hostility_mean, rules.hostility_concentration, n).tolist()

    def repost_on(self, day: int, author: Patient) -> None:
        """A returning author will post another story on ``day`` (a later day)."""
        self._returning.setdefault(day, []).append(author)

    # ------------------------------------------------------------------ interventions
    def intervene(self, intervention: Intervention) -> None:
        scenario = self.culture.scenario.with_overrides(intervention.set)
        self.culture.apply(scenario)
        self.audience.reconfigure(scenario.audience)
        self._hostilities.discard()  # drawn under the old parameters
        if "cast.size" in intervention.set:
            self._resize_cast(scenario.cast.size)
            self.comms_openness = self.openness()
        changes = ", ".join(f"{k} = {v!r}" for k, v in intervention.set.items())
        note = f"{intervention.note} ({changes})" if intervention.note else changes
        self.lifecycle.organisation_event(INTERVENTION, self.clock.day, note=note)

    # ------------------------------------------------------------------ the day
    def step(self) -> None:
        day = self.clock.day
        for intervention in self._interventions.get(day, ()):
            self.intervene(intervention)
        if self.culture.escalation.board_reviews(day):
            late = self.frontstage.board_review()
            self.lifecycle.organisation_event(BOARD_REVIEW, day, value=late)
        if day > 0 and day % MONTH_DAYS == 0:
            self._monthly()
        self.post_stories()
        self.agenda.run(day)
        self.frontstage.work()
        self.frontstage.after_sessions()
        self.backstage.daily()
        self.recorder.record(self)
        self.clock.day = day + 1

    def run(self, days: int) -> CurtainModel:
        for _ in range(days):
            self.step()
        return self

    def tally_views(self) -> None:
        """At the end of a run, count how often the public read each story."""
        posted = np.array([s.day for s in self.lifecycle.stories], dtype=np.int64)
        self.lifecycle.read_by_public(self.audience.views(posted, self.clock.day - 1, self.rng))

    @property
    def day(self) -> int:
        """Days simulated so far."""
        return self.clock.day

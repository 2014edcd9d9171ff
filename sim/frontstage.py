"""The frontstage: how a posted story gets (or does not get) answered in public.

Rules, in the order a story meets them:

1. **Inboxes.** A new story waits in an inbox: its service's, under a distributed cast, or
   the central team's. Under a distributed cast a story still unanswered after
   ``cast.central_after_days`` also enters the central inbox ("Monitor, track and respond to
   ALL stories posted", Site C guidelines); a service with nobody on the cast sends its
   stories there at once. Replies from authors, colleagues' additions and updates on changes
   wait in the inboxes too.
2. **Sessions.** On each working day (``staff_time.working_days_per_week``), at
   ``staff_time.session_hour``, each team sits down to its inbox. Members take turns (from a
   drawn start); each reads waiting items in the queue policy's order while their weekly time
   lasts. Reading costs ``effort.hours_read`` whether or not they answer. Stories posted after
   the session wait for the next working day. An item older than
   ``queue.give_up_after_days`` leaves the inbox unanswered. So response rate, time to first
   response and the fall-back to quick replies all follow from volume against hours and
   confidence: no delay parameter sets them.
3. **Take-up.** A reader takes the story up with probability legitimacy + (1 - legitimacy) x
   expectation, where expectation comes from leadership, the last board review and a
   manager's reminder (mechanism 3). Otherwise it stays for someone else.
4. **Confidence and stage fright.** The scripting policy turns effective confidence (own +
   the script's cue + an experienced colleague on the wings) into the most engaged reply
   type it reaches: a bespoke reply needs ``threshold_personalised`` or
   ``threshold_conversational`` plus ``threshold_per_hostility x hostility`` (plus
   ``identification.exposure`` when named). A reader about to go on stage in their own words
   to a hostile story (hostility >= ``hostile_at``) with neither cue nor wings is shaken and
   chooses again; one who cannot even post a template is shaken and retreats. A template
   exposes nobody (mechanism 2).
5. **Time.** The reply costs ``effort.hours_*``; a conversational reply from outside the
   story's service costs ``hours_liaison`` more the first time (telling a story's journey
   needs the team that gave the care). Short of time, the script decides whether the reply
   shrinks to a cheaper type or the reader stops for the week (mechanism 1).
6. **Reply.** The reply is posted; a bespoke reply is practice. Under a redirecting staging
   policy the reply invites the author offline, who accepts or declines (mechanism 4). A
   conversational reply kept in public is a chance for the responder to carry the issue to
   improvement work (mechanism 5).
7. **Follow-ups.** The author may answer back (``patients.p_reply`` by reply type); a
   colleague from the story's own service may add a response after a conversational reply
   by someone else; a reply the script counts as poor may be challenged, and the challenged
   responder learns and follows up. Updates on planned and made changes come from the
   backstage (:mod:`sim.backstage`).
8. **Escalation.** Under a reminding policy, a story unanswered after ``reminder_after_days``
   sends a reminder to its service's manager, who may answer themselves or nudge the team
   (mechanism 3).
9. **Judgement.** ``patients.reflect_after_days`` after posting the author judges how they
   were answered, and may get involved or post again later (mechanism 8).
"""

from __future__ import annotations

from sim.calendar import Cursor
from sim.lifecycle import NO_TIME, NOT_ENGAGED, SANK, STAGE_FRIGHT
from sim.story import CONVERSATIONAL, GENERIC, NONE, PERSONALISED, ROUTE_OFFLINE, ROUTE_PUBLIC

#: What an inbox item asks of staff.
FIRST, AUTHOR_REPLIED, COLLEAGUE, UPDATE = 0, 1, 2, 3
#: The central team's inbox.
CENTRAL = -1


class Item:
    """Something waiting in an inbox: a story to answer, or a follow-up on one."""

    __slots__ = ("done", "exclude", "kind", "ready", "story")

    def __init__(self, ready: float, story, kind: int, exclude=None):
        self.ready = ready  # time it entered the inbox
        self.story = story
        self.kind = kind
        self.exclude = exclude  # a staff member who should not take it (the colleague rule)
        self.done = False


class Frontstage:
    def __init__(
        self, culture, clock, rng, cast, managers, lifecycle, agenda, backstage, repost_on
    ):
        self.culture = culture
        self.clock = clock
        self.rng = rng  # the model's random.Random (seeded with the model)
        self.uniform = rng.random
        self.cast = cast
        self.managers = managers
        self.lifecycle = lifecycle
        self.agenda = agenda
        self.backstage = backstage
        self.repost_on = repost_on  # (day, author): the author posts again that day
        self.pressure = 0.0  # expectation added by the last board review
        self.hours_spent = 0.0  # every staff hour spent on the inboxes: reading and replying
        self.inboxes: dict[int, list[Item]] = {}  # service (or CENTRAL) -> waiting items
        self._to_review = Cursor(lifecycle.stories, lifecycle.days)
        self._to_remind = Cursor(lifecycle.stories, lifecycle.days)
        self._to_judge = Cursor(lifecycle.stories, lifecycle.days)
        self._to_centre = Cursor(lifecycle.stories, lifecycle.days)

    # ------------------------------------------------------------------ rule 1
    def _inbox_of(self, service: int) -> int:
        """The inbox a story about ``service`` first waits in."""
        if self.culture.cast.central_only or not self.cast.local[service]:
            return CENTRAL
        return service

    def enqueue(self, inbox: int, item: Item) -> None:
        items = self.inboxes.get(inbox)
        if items is None:
            self.inboxes[inbox] = [item]
        else:
            items.append(item)

    def story_posted(self, story) -> None:
        self.enqueue(self._inbox_of(story.service), Item(story.posted_at, story, FIRST))

    def _team(self, inbox: int) -> list:
        if self.culture.cast.central_only:
            return self.cast.members
        return self.cast.central if inbox == CENTRAL else self.cast.local[inbox]

    # ------------------------------------------------------------------ rule 2
    def work(self) -> None:
        """Today's sessions: every team with waiting items works through its inbox."""
        day = self.clock.day
        times = self.culture.scenario.staff_time
        if day % 7 >= times.working_days_per_week:
            return
        now = day + times.session_hour / 24.0
        limit = self.culture.scenario.queue.give_up_after_days
        order = self.culture.queue.order
        for inbox, items in sorted(self.inboxes.items()):
            if not items:
                continue
            known = len(items)  # a session may add items to its own inbox (a colleague's)
            waiting, later = [], []
            for item in items[:known]:
                if item.done or (item.kind == FIRST and item.story.n_responses):
                    continue
                if item.ready > now:
                    later.append(item)
                elif now - item.ready > limit:
                    if item.kind == FIRST and item.story.pass_reason != SANK:
                        self.lifecycle.leave_unanswered(item.story, day)
                else:
                    waiting.append(item)
            if waiting:
                self._session(inbox, order(waiting), now)
                # What is left keeps its arrival order: the queue policy orders a copy.
                waiting = [
                    item
                    for item in waiting
                    if not item.done and not (item.kind == FIRST and item.story.n_responses)
                ]
            items[:] = waiting + later + items[known:]

    def _session(self, inbox: int, items: list[Item], now: float) -> None:
        """One team's sitting: members take turns reading ``items`` in the given order while
        their time lasts; an item a member answers is marked done."""
        team = self._team(inbox)
        n = len(team)
        if not n:
            return
        read_cost = self.culture.effort.hours_read
        week = self.clock.day // 7
        refill = self._refill
        consider = self.consider
        start = int(self.uniform() * n)
        left = items
        for k in range(n):
            staff = team[(start + k) % n]
            if staff.hours_available(week, refill) < read_cost:
                continue
            elapsed = 0.0
            still = []
            for i, item in enumerate(left):
                if item.done or (item.kind == FIRST and item.story.n_responses):
                    continue
                if item.exclude is staff:
                    still.append(item)
                    continue
                if staff.hours_left < read_cost:
                    still.extend(left[i:])
                    break
                staff.read(read_cost)
                self.hours_spent += read_cost
                elapsed += read_cost
                spent = consider(staff, item, now + elapsed / 24.0)
                if spent < 0:  # no time for any reply: this member is done for the week
                    still.extend(left[i:])
                    break
                elapsed += spent
                if not item.done:
                    still.append(item)
            left = still
            if not left:
                break

    def _refill(self, staff) -> float:
        times = self.culture.scenario.staff_time
        if staff.role == "manager":
            hours = times.manager_hours_per_week
        elif staff.service < 0:
            hours = times.central_hours_per_week
        else:
            hours = times.hours_per_week
        return self.culture.staff_time.weekly_hours(self.uniform(), hours)

    # ------------------------------------------------------------------ rules 3-5
    def consider(self, staff, item: Item, time: float, nudge: float = 0.0) -> float:
        """A staff member who has read ``item`` decides; returns hours spent replying (0 if
        they passed it over, -1 if they had no time left for any reply)."""
        culture = self.culture
        story = item.story
        day = int(time)
        expectation = culture.expectation[staff.role] + self.pressure + story.nudge + nudge
        if not staff.takes_up(expectation, self.uniform()):
            self.lifecycle.pass_over(story, staff, NOT_ENGAGED, day)
            return 0.0

        rules = culture.confidence
        script = culture.scripting
        wings = self.cast.wings(staff)
        cue = culture.cue + (rules.wings_support if wings else 0.0)
        hostility = story.hostility
        extra = rules.threshold_per_hostility * hostility + culture.exposure
        needs = (
            rules.threshold_generic,
            rules.threshold_personalised + extra,
            rules.threshold_conversational + extra,
        )
        response_type = script.choose(staff.confidence + cue, needs)
        if hostility >= rules.hostile_at and not wings and not culture.cue:
            if response_type != GENERIC:  # on stage in their own words, or unable to answer
                staff.shaken(rules)
                response_type = script.choose(staff.confidence + cue, needs)
        if response_type == NONE:
            self.lifecycle.pass_over(story, staff, STAGE_FRIGHT, day)
            return 0.0
        if item.kind == UPDATE and response_type != CONVERSATIONAL:
            # An update tells the journey: only someone able to converse posts it.
            self.lifecycle.pass_over(story, staff, STAGE_FRIGHT, day)
            return 0.0

        effort = culture.effort
        hours = staff.hours_left
        while True:
            cost = culture.costs[response_type]
            if (
                response_type == CONVERSATIONAL
                and staff.service != story.service
                and story.conversational_day < 0
            ):
                cost += effort.hours_liaison
            if cost <= hours:
                break
            response_type = script.when_short_of_time(response_type, self.uniform())
            if response_type == NONE or (item.kind == UPDATE and response_type != CONVERSATIONAL):
                self.lifecycle.pass_over(story, staff, NO_TIME, day)
                return -1.0
        self.reply(item, staff, response_type, cost, wings, time)
        return cost

    def reply(self, item: Item, staff, response_type: int, hours: float, wings, time) -> None:
        culture = self.culture
        lifecycle = self.lifecycle
        story = item.story
        day = int(time)
        item.done = True
        staff.spend(hours)
        self.hours_spent += hours
        lifecycle.answer(story, staff, response_type, culture.named, hours, time)
        bespoke = response_type >= PERSONALISED
        if bespoke:
            staff.practise(culture.confidence, wings)

        if story.redirect_day < 0 and culture.redirects[story.negative]:
            lifecycle.offer_redirect(story, staff, day)
            accepted = story.author.accepts_redirect(culture.patients, self.uniform())
            lifecycle.decide_redirect(story, accepted, day)
            if accepted and story.actionable:
                self.backstage.receive(story, ROUTE_OFFLINE)
        elif response_type == CONVERSATIONAL and story.public and story.actionable:
            self.backstage.receive(story, ROUTE_PUBLIC)

        if item.kind == UPDATE:
            return
        # Rule 7: follow-ups.
        if story.public and story.author.replies(culture.patients, response_type, self.uniform()):
            self.agenda.at(day + 1, self.author_replies, story)
        if (
            response_type == CONVERSATIONAL
            and item.kind != COLLEAGUE
            and story.service >= 0
            and self.uniform() < culture.scenario.cast.p_colleague_adds
        ):
            colleagues = self.cast.local[story.service]
            if len(colleagues) > (1 if staff in colleagues else 0):
                self.enqueue(story.service, Item(time, story, COLLEAGUE, exclude=staff))
        if response_type in culture.challengeable and culture.challenge.challenges(self.uniform()):
            self.agenda.at(day + 1, self.challenge, (story, staff))

    # ------------------------------------------------------------------ rule 7
    def author_replies(self, story) -> None:
        """The author answers back; their reply waits for the team that answered them."""
        day = self.clock.day
        self.lifecycle.patient_replies(story, day)
        last = story.last_responder
        inbox = last.service if last is not None and last.service >= 0 else CENTRAL
        if inbox == CENTRAL and not self.culture.cast.central_only and not self.cast.central:
            inbox = self._inbox_of(story.service)
        self.enqueue(inbox, Item(day + self.uniform(), story, AUTHOR_REPLIED))

    def post_update(self, story) -> None:
        """The backstage has news on a public story: an update waits to be posted."""
        self.enqueue(self._inbox_of(story.service), Item(self.clock.day + 0.5, story, UPDATE))

    def challenge(self, arg) -> None:
        story, staff = arg
        day = self.clock.day
        self.lifecycle.challenge(story, staff, day)
        staff.learn(self.culture.scenario.challenge.learning_gain)
        if staff.hours_available(day // 7, self._refill) >= self.culture.effort.hours_read:
            item = Item(day, story, AUTHOR_REPLIED)
            self.consider(staff, item, day + 0.5, nudge=1.0)

    # ------------------------------------------------------------------ rule 1 (cont.), 8, 9
    def after_sessions(self) -> None:
        """Rules that fall due a fixed number of days after posting."""
        scenario = self.culture.scenario
        day = self.clock.day
        culture = self.culture
        if culture.cast.central_only:
            self._to_centre.position = len(self._to_centre.stories)
        else:
            for story in self._to_centre.due(day - scenario.cast.central_after_days):
                if not story.n_responses and self._inbox_of(story.service) != CENTRAL:
                    self.enqueue(CENTRAL, Item(day + 0.99, story, FIRST))
        if culture.escalation.reminds:
            for story in self._to_remind.due(day - scenario.escalation.reminder_after_days):
                if not story.n_responses:
                    self.remind(story)
        else:
            self._to_remind.position = len(self._to_remind.stories)
        for story in self._to_judge.due(day - scenario.patients.reflect_after_days):
            self.judge(story)

    def remind(self, story) -> None:
        escalation = self.culture.escalation
        if story.n_responses or not escalation.reminds:
            return
        rules = self.culture.scenario.escalation
        day = self.clock.day
        manager = self.managers[story.service]
        self.lifecycle.remind(story, manager, day)
        steps_in = self.uniform() < rules.p_manager_steps_in
        if (
            steps_in
            and manager.hours_available(day // 7, self._refill) >= self.culture.effort.hours_read
        ):
            manager.read(self.culture.effort.hours_read)
            self.hours_spent += self.culture.effort.hours_read
            if self.consider(manager, Item(day, story, FIRST), day + 0.75, nudge=1.0) > 0:
                return
        story.nudge = 1.0  # the team is told to look again
        if story.reminders < rules.max_reminders:
            self.agenda.at(day + rules.reminder_after_days, self.remind, story)

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
            first = story.first_response_time
            if first < 0 or first - story.posted_at > rules.reminder_after_days:
                late += 1
        share = late / total if total else 0.0
        self.pressure = self.culture.escalation.pressure(share)
        return share

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
            mean = rules.post_again_delay_days_mean
            self.repost_on(day + 1 + int(self.rng.expovariate(1.0 / mean)), author)

    def waiting(self) -> int:
        """Items waiting in every inbox (for the daily record)."""
        return sum(map(len, self.inboxes.values()))

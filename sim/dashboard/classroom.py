"""The classroom: one or two cultures stepped together, levers flipped mid-run. No Solara here.

A :class:`Culture` run holds one :class:`~sim.model.CurtainModel` and reads, after every
simulated day, the new rows of the model's event ledger, so that the dashboard can show the
latest stories with their replies (who answered, how, signed or not, sent offline or not) and
the backstage work, without scanning the whole ledger each time. Time series come from
:func:`sim.metrics.daily_table`, the same definitions a `curtain run` writes.

A lever changed during a run is applied the way a scenario's own ``[[interventions]]`` are:
through :meth:`CurtainModel.intervene` at the start of the next day, recorded in the ledger
as an intervention. Fields fixed for a run (:data:`sim.scenario.FIXED_FOR_A_RUN`: the number
of services, starting values, the audience's memory) cannot change mid-run; they are kept
for the next Reset. Reset starts again from day 0 with the same seed and every lever as the
controls show it.

The :class:`Classroom` steps its cultures together, on the same seed, so a class can compare
Site A beside Site C, or a culture beside itself with one lever flipped. Either culture's
levers can be changed (``side`` 0 is the left-hand one, 1 the one beside it).

Why a story is waiting: every unanswered story remembers why staff last passed it over
(``Story.pass_reason``, an index into :data:`sim.lifecycle.PASS_REASONS`, or -1 when nobody
has passed it over yet). The reasons are read from that tuple at run time, never by index
here, so reasons the model adds show up without a change to the dashboard.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import CurtainError, ScenarioError
from sim.lifecycle import (
    ANSWERED,
    CHANGE_MADE,
    CHANGE_PLANNED,
    INTERVENTION,
    ISSUE_DROPPED,
    PASS_REASONS,
    PASSED_OVER,
    PATIENT_REPLIED,
    POSTED,
    REDIRECT_ACCEPTED,
    REDIRECT_DECLINED,
    REDIRECT_OFFERED,
    TAKEN_BACKSTAGE,
)
from sim.metrics import daily_table
from sim.model import CurtainModel
from sim.scenario import FIXED_FOR_A_RUN, Intervention, Scenario, load_scenario
from sim.story import RESPONSE_TYPES, ROUTES

#: Days of stories the public stage shows: the newest story of each, newest first, so a
#: class sees replies arrive over the days after posting (at Site C's volume the newest eight
#: stories are all from today, still unanswered).
STAGE_DAYS = 8
#: Backstage happenings kept for the backstage view, newest first.
BACKSTAGE_EVENTS = 8
#: Why an unanswered story nobody has passed over yet is waiting.
NOT_LOOKED_AT = "not looked at yet"


@dataclass
class Reply:
    """One public reply to a story, as the stage shows it."""

    day: int
    role: str
    kind: str  # "generic" or "conversational"
    identified: bool
    redirected: bool = False


@dataclass
class StoryCard:
    """A story on the public stage, with its replies and where its journey has got to."""

    id: int
    day: int
    service: int
    negative: bool
    hostility: float
    repeat: bool
    replies: list[Reply] = field(default_factory=list)
    redirect: str | None = None  # None, "offered", "accepted", "declined"
    author_replied: bool = False
    backstage: str | None = None  # None, "taken up", "change planned", "change made", "dropped"
    pass_reason: int = -1  # why staff last passed it over (PASS_REASONS), -1 not yet

    @property
    def waiting(self) -> str | None:
        """Why it is still unanswered, as the model's reason text; None once answered."""
        if self.replies:
            return None
        return NOT_LOOKED_AT if self.pass_reason < 0 else PASS_REASONS[self.pass_reason]


def fixed_reason(path: str) -> str | None:
    """Why ``path`` cannot change mid-run (it or a table holding it is fixed), or None."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        reason = FIXED_FOR_A_RUN.get(".".join(parts[:i]))
        if reason:
            return reason
    return None


class Culture:
    """One culture's run in the classroom: a model plus what the views need from it."""

    def __init__(self, label: str, scenario: Scenario, seed: int):
        self.label = label
        self.scenario = scenario  # what Reset starts from (levers as the controls show them)
        self.seed = seed
        self.pending: dict[str, Any] = {}  # changes to fields fixed for a run, for Reset
        self.staged: dict[str, Any] = {}  # lever changes for the start of the next day
        self.model = CurtainModel(scenario, seed=seed)
        self._cursor = 0  # ledger rows already read
        self._cards: dict[int, StoryCard] = {}
        self._stage: deque[tuple[int, list[int]]] = deque(maxlen=STAGE_DAYS)
        self._backstage: deque[tuple[int, str, int, str | None]] = deque(maxlen=BACKSTAGE_EVENTS)
        self._roles: dict[int, str] = {}
        self.interventions: list[tuple[int, str]] = []
        self._daily: pd.DataFrame | None = None
        self._tally: list[tuple[str, int]] | None = None

    @property
    def day(self) -> int:
        """Days simulated so far (the next day to simulate)."""
        return self.model.day

    @property
    def today(self) -> int | None:
        """The last day simulated (what the stage calls "today"), or None before the first."""
        return self.model.day - 1 if self.model.day > 0 else None

    @property
    def in_force(self) -> Scenario:
        """The scenario in force today (the scenario's own interventions included)."""
        return self.model.culture.scenario

    def step(self) -> None:
        self.model.step()
        self._read_ledger()
        self._daily = None
        self._tally = None

    # ------------------------------------------------------------------ ledger
    def _role(self, actor: int) -> str:
        if actor not in self._roles:
            for staff in (*self.model.castlist.members, *self.model.managers):
                self._roles[staff.unique_id] = staff.role
        return self._roles.get(actor, "staff")

    def _read_ledger(self) -> None:
        """Fold the day's new ledger rows into the story cards and the backstage list.

        Called after every single day, so the identification in force is the one the day's
        replies were signed under (interventions apply only at the start of a day).
        """
        ledger = self.model.lifecycle.ledger
        named = self.model.culture.identification.named
        stories = self.model.lifecycle.stories
        for index in range(self._cursor, len(ledger)):
            day, event, story_id, actor, detail, _ = ledger[index]
            if event == INTERVENTION:
                self.interventions.append((day, self.model.lifecycle.notes.get(index, "")))
                continue
            if story_id < 0:
                continue
            if event == POSTED:
                story = stories[story_id]
                self._cards[story_id] = StoryCard(
                    story_id, day, story.service, story.negative, story.hostility, story.repeat
                )
                if not self._stage or self._stage[-1][0] != day:
                    if len(self._stage) == self._stage.maxlen:
                        for old in self._stage[0][1]:
                            del self._cards[old]
                    self._stage.append((day, []))
                self._stage[-1][1].append(story_id)
                continue
            if event in (TAKEN_BACKSTAGE, CHANGE_PLANNED, CHANGE_MADE, ISSUE_DROPPED):
                what = {
                    TAKEN_BACKSTAGE: "issue taken up",
                    CHANGE_PLANNED: "change planned",
                    CHANGE_MADE: "change made",
                    ISSUE_DROPPED: "issue dropped",
                }[event]
                route = ROUTES.get(int(detail)) if event != ISSUE_DROPPED else None
                self._backstage.append((day, what, story_id, route))
            card = self._cards.get(story_id)
            if card is None:  # an older story, no longer on the stage
                continue
            if event == ANSWERED:
                card.replies.append(Reply(day, self._role(actor), RESPONSE_TYPES[detail], named))
            elif event == REDIRECT_OFFERED:
                card.redirect = "offered"
                if card.replies:
                    card.replies[-1].redirected = True
            elif event == REDIRECT_ACCEPTED:
                card.redirect = "accepted"
            elif event == REDIRECT_DECLINED:
                card.redirect = "declined"
            elif event == PASSED_OVER:
                card.pass_reason = int(detail)
            elif event == PATIENT_REPLIED:
                card.author_replied = True
            elif event == TAKEN_BACKSTAGE:
                card.backstage = "taken up"
            elif event == CHANGE_PLANNED:
                card.backstage = "change planned"
            elif event == CHANGE_MADE:
                card.backstage = "change made"
            elif event == ISSUE_DROPPED:
                card.backstage = "dropped"
        self._cursor = len(ledger)

    # ------------------------------------------------------------------ views
    def stage(self) -> list[StoryCard]:
        """The newest story of each of the last days with stories, newest first."""
        return [self._cards[ids[-1]] for _, ids in reversed(self._stage)]

    def posted_on(self, day: int) -> int:
        """Stories posted on ``day`` (one of the days the stage holds; else 0)."""
        return next((len(ids) for d, ids in self._stage if d == day), 0)

    def backstage_events(self) -> list[tuple[int, str, int, str | None]]:
        """The latest backstage happenings (day, what, story, route), newest first."""
        return list(reversed(self._backstage))

    def daily(self) -> pd.DataFrame:
        """The run so far, one row per day (see :mod:`sim.metrics`); cached until the next day."""
        if self._daily is None:
            self._daily = daily_table(self.model)
        return self._daily

    def waiting_tally(self) -> list[tuple[str, int]]:
        """Why the stories with no reply so far are waiting: (reason text, count), every
        reason listed (not looked at yet first, then :data:`PASS_REASONS` in order)."""
        if self._tally is None:
            counts = [0] * (len(PASS_REASONS) + 1)  # the last slot: nobody passed it over
            for story in self.model.lifecycle.stories:
                if story.n_responses == 0:
                    counts[story.pass_reason] += 1  # -1 lands in the last slot
            self._tally = [
                (NOT_LOOKED_AT, counts[-1]),
                *zip(PASS_REASONS, counts[:-1], strict=True),
            ]
        return self._tally

    def backstage_counts(self) -> dict[str, int]:
        """Issues taken up, changes planned (not yet made) and changes made so far."""
        daily = self.daily()
        if daily.empty:
            return {"issues_backstage": 0, "changes_planned": 0, "changes_made": 0}
        last = daily.iloc[-1]
        return {k: int(last[k]) for k in ("issues_backstage", "changes_planned", "changes_made")}


class Classroom:
    """One or two cultures stepped together on one seed; either one's levers can change.

    ``presets`` maps a label to a scenario file. ``main`` and ``compare`` are labels (or
    None for no comparison). ``side`` 0 is the main (left-hand) culture, 1 the one beside it.
    """

    def __init__(
        self,
        presets: dict[str, Path],
        main: str,
        compare: str | None = None,
        seed: int = 1,
    ):
        if main not in presets:
            raise CurtainError(f"unknown preset {main!r}; expected one of {', '.join(presets)}")
        if compare is not None and compare not in presets:
            raise CurtainError(
                f"unknown preset {compare!r}; expected one of {', '.join(presets)} or none"
            )
        self.presets = presets
        self.seed = seed
        self.main_label = main
        self.compare_label = compare
        self.main = self._start(main, load_scenario(presets[main]))
        self.compare = self._start(compare, load_scenario(presets[compare])) if compare else None

    def _start(self, label: str, scenario: Scenario) -> Culture:
        return Culture(label, scenario, self.seed)

    @property
    def cultures(self) -> list[Culture]:
        return [c for c in (self.main, self.compare) if c is not None]

    def culture(self, side: int = 0) -> Culture:
        """The culture on ``side`` (0 main, 1 beside it); the main one when there is no other."""
        cultures = self.cultures
        return cultures[side] if 0 <= side < len(cultures) else cultures[0]

    @property
    def pending(self) -> dict[str, Any]:
        """The main culture's changes waiting for Reset."""
        return self.main.pending

    @property
    def staged(self) -> dict[str, Any]:
        """The main culture's changes for the start of the next day."""
        return self.main.staged

    @property
    def day(self) -> int:
        """Days simulated so far."""
        return self.main.day

    @property
    def today(self) -> int | None:
        """The last day simulated, or None before the first (see :attr:`Culture.today`)."""
        return self.main.today

    @property
    def days(self) -> int:
        """The run's length: the main scenario's ``days``."""
        return self.main.scenario.days

    @property
    def finished(self) -> bool:
        return self.day >= self.days

    def step(self, days: int = 1) -> int:
        """Step every culture ``days`` days (not past the run's length); return days stepped."""
        stepped = 0
        if not self.finished:
            for culture in self.cultures:
                self._apply_staged(culture)
        while stepped < days and not self.finished:
            for culture in self.cultures:
                culture.step()
            stepped += 1
        return stepped

    def reset(self) -> None:
        """Day 0 again, same seed, levers as they are now (pending changes included)."""
        restarted = []
        for culture in self.cultures:
            scenario = culture.scenario  # staged changes are already in it
            if culture.pending:
                scenario = scenario.with_overrides(culture.pending, source="dashboard")
            restarted.append(self._start(culture.label, scenario))
        self.main = restarted[0]
        self.compare = restarted[1] if len(restarted) > 1 else None

    def choose(self, main: str, compare: str | None) -> None:
        """Pick the presets (``compare=None``: no comparison) and start again from day 0."""
        for label in (main, compare):
            if label is not None and label not in self.presets:
                raise CurtainError(
                    f"unknown preset {label!r}; expected one of {', '.join(self.presets)}"
                )
        self.main_label, self.compare_label = main, compare
        self.main = self._start(main, load_scenario(self.presets[main]))
        self.compare = (
            self._start(compare, load_scenario(self.presets[compare])) if compare else None
        )

    def value(self, path: str, side: int = 0) -> Any:
        """A lever's value as the controls should show it (changes not yet in force first)."""
        culture = self.culture(side)
        if path in culture.pending:
            return culture.pending[path]
        if path in culture.staged:
            return culture.staged[path]
        return self._get(culture.in_force, path)

    def set_lever(self, path: str, value: Any, side: int = 0) -> str | None:
        """Change a lever of the culture on ``side``; return what happened, in words, or None
        when ``value`` is what the controls already show (nothing to do, nothing to say: a
        control redrawn with a new value in force echoes it back).

        A field an intervention may change is staged, and all changes staged during one day
        apply together as one intervention at the start of the next day (so dragging a slider
        leaves one intervention, not one per pixel). A field fixed for a run waits for Reset.
        A value the schema refuses raises :class:`~sim.errors.ScenarioError` and changes
        nothing.
        """
        culture = self.culture(side)
        if self.value(path, side) == value:
            return None
        reason = fixed_reason(path)
        if reason:
            # Validate against the scenario Reset will use, then keep it for Reset.
            culture.scenario.with_overrides({**culture.pending, path: value}, source="dashboard")
            culture.pending[path] = value
            return f"{path} = {value!r} applies on Reset ({reason})"
        staged = {**culture.staged, path: value}
        # Validate first: a refused value must leave the run untouched.
        culture.in_force.with_overrides(staged, source="dashboard")
        culture.staged = staged
        culture.scenario = culture.scenario.with_overrides({path: value}, source="dashboard")
        return f"{path} = {value!r} from day {self.day}"

    def _apply_staged(self, culture: Culture) -> None:
        if not culture.staged:
            return
        in_force = culture.in_force
        changes = {k: v for k, v in culture.staged.items() if self._get(in_force, k) != v}
        culture.staged = {}
        if changes:
            culture.model.intervene(Intervention(day=culture.day, set=changes, note="dashboard"))

    @staticmethod
    def _get(scenario: Scenario, path: str) -> Any:
        node: Any = scenario
        for part in path.split("."):
            node = getattr(node, part)
        return node


def presets_beside(scenario_path: Path) -> dict[str, Path]:
    """Runnable scenario files in the folder of ``scenario_path`` (and that file), by stem.

    Files that do not load on their own (``base.toml`` chooses no policies) are left out.
    """
    found: dict[str, Path] = {}
    folder = scenario_path.parent
    for path in sorted(folder.glob("*.toml")):
        try:
            load_scenario(path)
        except ScenarioError:
            continue
        found[path.stem] = path
    found.setdefault(scenario_path.stem, scenario_path)
    return found

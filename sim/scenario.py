"""Scenario files: the schema every number of a run lives in, and how files are loaded.

A scenario is a TOML file validated against :class:`Scenario` (unknown keys are rejected).
The schema holds types, bounds, units and meanings; it holds no numbers that describe a
culture. Values come from the files: ``scenarios/base.toml`` sets the shared mechanism
parameters (each commented as evidence or assumption) and the site files extend it and set
the culture levers::

    extends = "base.toml"      # path relative to this file
    name = "Site C"
    [scripting]
    policy = "stage_directions"

``extends`` chains are merged parent first; tables merge key by key, and a child's
``[[interventions]]`` are appended to its parent's unless it sets
``inherit_interventions = false``.

Errors are :class:`~sim.errors.ScenarioError`: one line naming the file that set the value,
the dotted field and what was expected.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import stat
import tomllib
from functools import cache
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from annotated_types import Ge, Gt, Le
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sim import policies  # noqa: F401  (importing registers every policy)
from sim.errors import ScenarioError
from sim.policies.registry import REGISTRIES
from sim.suggest import did_you_mean

# Numbers are strict (no true/false, no "3" in quotes; a whole number is fine where a number
# is expected) and finite (inf and nan are refused). Upper bounds on the unbounded ones live
# in sim.limits and are applied by _validate, so a field added later inherits them.
_NUMBER = {"strict": True, "allow_inf_nan": False}
Probability = Annotated[float, Field(ge=0.0, le=1.0, **_NUMBER)]
Signed = Annotated[float, Field(ge=-1.0, le=1.0, **_NUMBER)]
NonNegative = Annotated[float, Field(ge=0.0, **_NUMBER)]
Positive = Annotated[float, Field(gt=0.0, **_NUMBER)]
Count = Annotated[int, Field(ge=0, strict=True)]
PositiveCount = Annotated[int, Field(ge=1, strict=True)]
#: Log-odds of a reader's favourable impression, and weights added to them (sim/audience.py).
LogOdds = Annotated[float, Field(ge=-10.0, le=10.0, **_NUMBER)]
LogWeight = Annotated[float, Field(ge=0.0, le=10.0, **_NUMBER)]

#: Culture levers: the sections chosen by policy name.
LEVERS = (
    "scripting",
    "staging",
    "cast",
    "queue",
    "identification",
    "escalation",
    "backstage",
    "challenge",
    "leadership",
    "staff_time",
)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LeverSection(Section):
    """A culture lever: a named policy plus the parameters it reads."""

    lever: ClassVar[str]

    policy: str = Field(description="Policy name (see `curtain policies`).")

    @field_validator("policy")
    @classmethod
    def _known_policy(cls, value: str) -> str:
        registry = REGISTRIES[cls.lever]
        if value not in registry.names():
            choices = ", ".join(repr(n) for n in registry.names())
            hint = did_you_mean(value, registry.names())
            raise ValueError(f"expected one of {choices}, got {value!r}{hint}")
        return value


def _shares_sum_to_one(section: BaseModel, what: str) -> None:
    total = sum(getattr(section, k) for k in type(section).model_fields)
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"expected {what} that sum to 1, got a total of {total:.4g}")


# ----------------------------------------------------------------------------- mechanisms


class Organisation(Section):
    services: PositiveCount = Field(
        description="Services (teams, wards) the stories are about; the cast is spread across "
        "them and each has a manager."
    )


class Stories(Section):
    per_day: NonNegative = Field(
        description="First-time stories posted per day on day 0 by a public that sees no "
        "reply (Poisson mean); growth and the public's sense that posting is worthwhile "
        "raise it."
    )
    growth_per_year: NonNegative = Field(
        description="Yearly growth of the platform's use by the population served "
        "(0.2: 20% more stories a year, compounded daily)."
    )
    worth_effect: NonNegative = Field(
        description="How much more the public posts when it sees posting is worthwhile: the "
        "rate is multiplied by 1 + worth_effect x the attention-weighted share of visible "
        "stories with a bespoke reply or a change made (mechanism 8, 'volume that answers "
        "back')."
    )
    p_actionable_positive: Probability = Field(
        description="Share of positive stories that still carry a suggestion staff could act on "
        "(every negative story carries an issue)."
    )
    hostility_mean: Probability = Field(
        description="Mean hostility of a negative story, 0 mild to 1 hostile (Beta distributed)."
    )
    hostility_concentration: Positive = Field(
        description="Beta concentration of hostility: higher means less varied."
    )


class Care(Section):
    quality_initial: Probability = Field(
        description="Mean initial care quality; a story is negative with probability "
        "1 - quality of its service (mechanism 6)."
    )
    quality_spread: NonNegative = Field(
        description="Standard deviation of initial care quality across services."
    )
    quality_gain_per_change: Probability = Field(
        description="Share of the gap to perfect quality that one made change closes."
    )


class ByResponse(Section):
    none: Signed = Field(description="Story left unanswered.")
    generic: Signed = Field(description="Answered with a generic (template) reply.")
    personalised: Signed = Field(
        description="Answered with a personalised reply: tailored, but telling no journey and "
        "inviting no conversation."
    )
    conversational: Signed = Field(description="Answered with a transparent, conversational reply.")


class ByReply(Section):
    generic: Probability = Field(description="After a generic (template) reply.")
    personalised: Probability = Field(description="After a personalised reply.")
    conversational: Probability = Field(
        description="After a transparent, conversational reply (an invitation to talk)."
    )


class Motives(Section):
    """'Caring for care' motives (Mazanderani et al. 2021)."""

    other_patients: Probability = Field(description="Posting to care for other patients.")
    staff: Probability = Field(description="Posting to care for staff.")
    service: Probability = Field(description="Posting to care for the service (the NHS).")


class Patients(Section):
    motive_shares: Motives = Field(description="Share of authors posting for each motive.")

    @field_validator("motive_shares")
    @classmethod
    def _motives_sum(cls, v: Motives) -> Motives:
        _shares_sum_to_one(v, "motive shares")
        return v

    willingness_initial: Probability = Field(
        description="A new author's willingness to post again, before being answered."
    )
    willingness_change: ByResponse = Field(
        description="Change in willingness after being answered this way (mechanism 8)."
    )
    willingness_change_redirected: Signed = Field(
        description="Further change when the answer redirected them offline."
    )
    p_post_again: Probability = Field(
        description="Chance a fully willing patient posts another story (scaled by willingness)."
    )
    post_again_delay_days_mean: Positive = Field(
        description="Mean days from judging the answer to posting again (exponential)."
    )
    reflect_after_days: PositiveCount = Field(
        description="Days after posting at which the author judges how they were answered."
    )
    share_valuing_anonymity: Probability = Field(
        description="Share of authors who value their anonymity."
    )
    p_accept_redirect_anonymous: Probability = Field(
        description="Chance an author who values anonymity takes up an offline invitation."
    )
    p_accept_redirect_open: Probability = Field(
        description="Chance any other author takes up an offline invitation."
    )
    p_reply: ByReply = Field(
        description="Chance the author replies to a staff response, by its type; a reply waits "
        "in the inbox for staff to answer (Table 1: conversational replies draw more "
        "responses)."
    )
    p_raise_with_pals: Probability = Field(
        description="Chance the author of a negative story also raises it through PALS or "
        "complaints, whatever happens online (the complaints route to improvement work)."
    )
    p_get_involved: Motives = Field(
        description="Chance of getting involved (volunteering) after a conversational answer, "
        "by motive."
    )


class Staff(Section):
    legitimacy_mean: Probability = Field(
        description="Mean normative legitimacy: a staff member's belief that online feedback "
        "matters (Sheard et al. 2017); the chance they take up a story unprompted."
    )
    legitimacy_concentration: Positive = Field(description="Beta concentration of legitimacy.")


class Confidence(Section):
    initial_mean: Probability = Field(description="Mean confidence of the starting cast.")
    initial_concentration: Positive = Field(description="Beta concentration of confidence.")
    newcomer_mean: Probability = Field(description="Mean confidence of staff recruited mid-run.")
    practice_gain: Probability = Field(
        description="Share of the gap to full confidence closed by each reply given (practice)."
    )
    wings_gain: Probability = Field(
        description="Further share closed when an experienced colleague is on the wings."
    )
    wings_support: Probability = Field(
        description="Cue an experienced colleague on the wings adds to effective confidence."
    )
    experienced_at: Probability = Field(
        description="Confidence from which a responder counts as experienced."
    )
    hostile_at: Probability = Field(
        description="Hostility from which facing a story unsupported costs confidence."
    )
    hostile_loss: Probability = Field(
        description="Share of confidence lost facing a hostile story without support."
    )
    threshold_generic: Probability = Field(description="Confidence needed to post a generic reply.")
    threshold_personalised: Probability = Field(
        description="Confidence needed for a personalised (bespoke, not conversational) reply "
        "to a mild story."
    )
    threshold_conversational: Probability = Field(
        description="Confidence needed for a transparent, conversational reply to a mild story."
    )
    threshold_per_hostility: NonNegative = Field(
        description="Extra confidence a conversational reply needs per unit of hostility."
    )


class Effort(Section):
    hours_read: Positive = Field(
        description="Staff hours to read a story waiting in the inbox and decide what to do."
    )
    hours_generic: Positive = Field(description="Staff hours to post a generic reply.")
    hours_personalised: Positive = Field(
        description="Staff hours for a personalised reply (tailored, no journey told)."
    )
    hours_conversational: Positive = Field(
        description="Staff hours for a transparent, conversational reply by someone close to "
        "the care."
    )
    hours_liaison: NonNegative = Field(
        description="Extra hours for the first conversational reply to a story by someone "
        "outside its service, who must liaise with the team to tell its journey (mechanism 1)."
    )


class Audience(Section):
    attention_days: Positive = Field(
        description="Time constant of public attention to a story: its weight in the "
        "audience's judgement decays as exp(-age / attention_days)."
    )
    views_per_story: NonNegative = Field(description="Views a story collects over its life.")
    logit_positive: LogOdds = Field(
        description="Log-odds that a reader of an unanswered positive story is left with a "
        "favourable impression of the organisation."
    )
    logit_negative: LogOdds = Field(
        description="Log-odds that a reader of an unanswered negative story is left with a "
        "favourable impression."
    )
    silence_penalty: LogWeight = Field(
        description="Log-odds lost while a story stands unanswered for more than a week."
    )
    credit_generic: LogWeight = Field(description="Log-odds a generic reply gains on its own.")
    credit_personalised: LogWeight = Field(description="Log-odds a personalised reply gains.")
    credit_conversational: LogWeight = Field(
        description="Log-odds a transparent, conversational reply gains."
    )
    credit_identified: LogWeight = Field(
        description="Further log-odds when the responder is named with their role."
    )
    redirect_penalty: LogWeight = Field(
        description="Log-odds lost when the reply sends the author offline."
    )
    contrived_penalty: LogWeight = Field(
        description="Log-odds of generic credit lost per unit share of generic replies in "
        "view: identical replies seen in a list look contrived (mechanism 7)."
    )
    credit_change_made: LogWeight = Field(
        description="Log-odds gained when a change made is reported on the public story."
    )


# ----------------------------------------------------------------------------- levers


class Scripting(LeverSection):
    lever: ClassVar[str] = "scripting"
    support: Probability = Field(
        description="Cue that stage directions add to effective confidence (stage_directions)."
    )
    p_knee_jerk: Probability = Field(
        description="Chance a responder short of time for a bespoke reply posts a quick "
        "generic one instead (stage_directions)."
    )
    improvisation_penalty: NonNegative = Field(
        description="Extra confidence an unscripted bespoke reply needs (none)."
    )


class Staging(LeverSection):
    lever: ClassVar[str] = "staging"
    redirect_sentiment: Literal["negative", "all"] = Field(
        description="Which stories a redirect_offline policy invites offline."
    )


class Roles(Section):
    frontline_clinical: Probability = Field(description="Frontline clinical staff.")
    frontline_non_clinical: Probability = Field(description="Frontline non-clinical staff.")
    patient_experience: Probability = Field(
        description="Central patient experience / involvement (and PALS) staff."
    )
    communications: Probability = Field(description="Communications staff.")


class Cast(LeverSection):
    lever: ClassVar[str] = "cast"
    size: Count = Field(description="Registered responders at the start (the cast list).")
    max_size: Count = Field(description="Accounts available: the cast cannot grow past this.")
    roles: Roles = Field(description="Share of each role among staff who join the cast.")
    initial_roles: Roles = Field(description="Share of each role in the starting cast.")

    @field_validator("roles", "initial_roles")
    @classmethod
    def _roles_sum(cls, v: Roles) -> Roles:
        _shares_sum_to_one(v, "role shares")
        return v

    recruits_per_month: NonNegative = Field(
        description="Keen staff a central team recruits per month at full drive and full "
        "openness (distributed)."
    )
    openness_initial: Probability = Field(
        description="Communications staff's initial openness to a wider cast (gatekeeping)."
    )
    openness_learning: Probability = Field(
        description="Monthly rate at which communications staff's openness follows reputation."
    )
    reassuring_reputation: Probability = Field(
        description="Reputation (share of readers left favourable) above which communications' "
        "fears ease and below which they grow."
    )
    central_after_days: NonNegative = Field(
        description="Days a story waits unanswered in its service's inbox before it also "
        "enters the central team's inbox (distributed)."
    )
    p_colleague_adds: Probability = Field(
        description="Chance a colleague from the story's own service adds a response after a "
        "conversational reply by someone else."
    )

    @model_validator(mode="after")
    def _room_for_cast(self) -> Cast:
        if self.max_size < self.size:
            raise ValueError(
                f"expected max_size >= size, got max_size {self.max_size} < size {self.size}"
            )
        return self


class Queue(LeverSection):
    lever: ClassVar[str] = "queue"
    give_up_after_days: PositiveCount = Field(
        description="Days after which a story still waiting in an inbox is no longer looked at "
        "unprompted (reminders may still reach it)."
    )


class Identification(LeverSection):
    lever: ClassVar[str] = "identification"
    exposure: NonNegative = Field(
        description="Extra confidence a named responder needs for a bespoke reply."
    )


class Escalation(LeverSection):
    lever: ClassVar[str] = "escalation"
    reminder_after_days: PositiveCount = Field(
        description="Days unanswered before a reminder goes to the service's manager."
    )
    max_reminders: Count = Field(description="Reminders sent per story at most.")
    p_manager_steps_in: Probability = Field(
        description="Chance a reminded manager answers the story themselves."
    )
    board_review_interval_days: Count = Field(
        description="Days between board reviews of response times (0: no board review)."
    )
    board_pressure_gain: NonNegative = Field(
        description="Expectation added per unit share of late stories at a board review."
    )


class Backstage(LeverSection):
    lever: ClassVar[str] = "backstage"
    p_take_up_public: Probability = Field(
        description="Chance an issue raised in a public conversation is carried to improvement "
        "work by the responders (the public route)."
    )
    p_take_up_offline: Probability = Field(
        description="Chance an issue from an author who accepted an offline invitation is "
        "taken up (the offline route)."
    )
    p_take_up_pals: Probability = Field(
        description="Chance an issue the author also raised through PALS or complaints is "
        "taken up (the complaints route)."
    )
    p_take_up_feed: Probability = Field(
        description="Chance an improvement team reading the feed takes up an actionable story "
        "on its own (the improvement-team route)."
    )
    separate_team_factor: Probability = Field(
        description="Share of the public and feed routes' take-up left when the improvement "
        "team works apart from the responders (separate_team)."
    )
    detached_factor: Probability = Field(
        description="Share of every route's take-up left when improvement work has no link to "
        "online feedback (detached)."
    )
    p_update: Probability = Field(
        description="Chance staff post an update on a public story when its change is planned "
        "and again when made ('communicate the journey', Table 1)."
    )
    p_plan: Probability = Field(
        description="Chance an issue taken up becomes a planned change (before leverage)."
    )
    plan_delay_days_mean: Positive = Field(description="Mean days from take-up to a plan.")
    make_delay_days_mean: Positive = Field(
        description="Mean days from starting work to a change made (before leverage)."
    )
    p_make: Probability = Field(description="Chance a started change is completed.")
    public_leverage: NonNegative = Field(
        description="How much public visibility raises the chance of a plan and speeds the "
        "work (mechanism 5)."
    )
    hours_per_change: Positive = Field(description="Headspace hours one change takes.")


class Challenge(LeverSection):
    lever: ClassVar[str] = "challenge"
    p_challenge: Probability = Field(
        description="Chance a poor reply is noticed and challenged against the guidelines."
    )
    learning_gain: Probability = Field(
        description="Share of the gap to full confidence a challenged responder closes."
    )


class Leadership(LeverSection):
    lever: ClassVar[str] = "leadership"
    priority: Probability = Field(
        description="How strongly leaders expect feedback work (0 none, 1 top priority)."
    )


class StaffTime(LeverSection):
    lever: ClassVar[str] = "staff_time"
    hours_per_week: NonNegative = Field(
        description="Hours a week each frontline responder may spend on online feedback."
    )
    central_hours_per_week: NonNegative = Field(
        description="Hours a week each central-team responder (patient experience, "
        "communications) may spend on online feedback."
    )
    p_squeezed_week: Probability = Field(
        description="Chance a week's feedback time is lost to other work (squeezed)."
    )
    manager_hours_per_week: NonNegative = Field(
        description="Hours a week a manager may spend answering escalated stories."
    )
    headspace_hours_per_month: NonNegative = Field(
        description="Improvement ('headspace') hours a month for changes from feedback."
    )
    working_days_per_week: Annotated[int, Field(ge=1, le=7, strict=True)] = Field(
        description="Days a week staff work on the inboxes (the first N days of each week)."
    )
    session_hour: Annotated[float, Field(ge=0.0, lt=24.0, **_NUMBER)] = Field(
        description="Hour of the day at which staff sit down to the inboxes; stories posted "
        "later wait for the next working day."
    )


def at_least_one_change(changes: dict[str, Any]) -> dict[str, Any]:
    """A ``set`` table of an intervention (or a national policy) must change something."""
    if not changes:
        raise ValueError("expected at least one field to change")
    return changes


class Intervention(Section):
    day: Count = Field(description="Day (from 0) at the start of which the change applies.")
    set: dict[str, Any] = Field(description="Dotted scenario fields and their new values.")
    note: str = Field("", description="What happened, in words (for the ledger).")

    _changes = field_validator("set")(at_least_one_change)


class Scenario(Section):
    name: str = Field(description="Short name shown in tables and plots.")
    description: str = Field("", description="What this scenario represents.")
    days: PositiveCount = Field(description="Default run length in days (one tick is a day).")
    fieldwork_start_day: Count = Field(
        0,
        description="Day on which the fieldwork year begins, for a scenario that runs a "
        "history first (patterns read the fieldwork year from here).",
    )

    organisation: Organisation
    stories: Stories
    care: Care
    patients: Patients
    staff: Staff
    confidence: Confidence
    effort: Effort
    audience: Audience

    scripting: Scripting
    staging: Staging
    cast: Cast
    queue: Queue
    identification: Identification
    escalation: Escalation
    backstage: Backstage
    challenge: Challenge
    leadership: Leadership
    staff_time: StaffTime

    interventions: list[Intervention] = Field(
        default_factory=list, description="Lever changes on given days."
    )

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def digest(self) -> str:
        """SHA-256 of the resolved scenario: equal digests, equal inputs."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def with_overrides(self, overrides: dict[str, Any], source: str = "override") -> Scenario:
        """A copy with dotted fields replaced, validated like a file."""
        data = self.to_dict()
        for key, value in overrides.items():
            _set_dotted(data, key, value, source)
        return _validate(data, {}, source)


#: Fields an intervention cannot change, and why.
FIXED_FOR_A_RUN = {
    "name": "the run's identity",
    "description": "the run's identity",
    "days": "the run's length",
    "fieldwork_start_day": "the run's calendar",
    "interventions": "the run's schedule",
    "organisation": "the organisation's structure",
    "care.quality_initial": "a starting value",
    "care.quality_spread": "a starting value",
    "confidence.initial_mean": "a starting value (recruits use confidence.newcomer_mean)",
    "audience.attention_days": "the audience's memory, which weights every story already seen",
}


def _fixed_reason(key: str) -> str | None:
    parts = key.split(".")
    for i in range(len(parts), 0, -1):
        reason = FIXED_FOR_A_RUN.get(".".join(parts[:i]))
        if reason:
            return reason
    return None


# ----------------------------------------------------------------------------- loading


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, merge (``extends``), override and validate a scenario file."""
    path = Path(path)
    provenance: dict[str, str] = {}
    data = _resolve(path, provenance, chain=())
    source = str(path)
    for key, value in (overrides or {}).items():
        _set_dotted(data, key, value, "--set")
        provenance[key] = "--set"
    return _validate(data, provenance, source)


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as a dict; a missing, unreadable, oversized or malformed file is a one-line
    error. Only regular files are read (a device such as /dev/zero would never end, a FIFO
    would block), at most ``--limit file_bytes`` of them, nested at most ``--limit depth``."""
    from sim import limits

    source = str(path)
    cap = int(limits.get("file_bytes"))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ScenarioError(source, None, "file not found") from None
    except IsADirectoryError:
        raise ScenarioError(source, None, "expected a TOML file, got a directory") from None
    except OSError as exc:
        raise ScenarioError(source, None, f"cannot read: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ScenarioError(source, None, "expected a TOML file, got a directory")
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError(source, None, f"expected a regular TOML file, got {_kind(info)}")
        raw = b""
        while len(raw) <= cap:
            chunk = os.read(fd, cap + 1 - len(raw))
            if not chunk:
                break
            raw += chunk
    except OSError as exc:
        raise ScenarioError(source, None, f"cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(raw) > cap:
        raise ScenarioError(source, None, limits.refusal("file_bytes", info.st_size or len(raw)))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(source, None, "expected UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, None, f"malformed TOML: {exc}") from None
    except RecursionError:  # tomllib recurses into nested arrays and inline tables
        raise ScenarioError(source, None, limits.refusal("depth", math.inf)) from None
    depth = _depth(data)
    if depth > limits.get("depth"):
        raise ScenarioError(source, None, limits.refusal("depth", depth))
    return data


def _kind(info: os.stat_result) -> str:
    mode = info.st_mode
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _depth(data: Any) -> int:
    """Levels of nested tables and arrays in ``data``, counted without recursion."""
    deepest = 0
    stack = [(data, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level + 1)
        stack.extend((child, level + 1) for child in children)
    return deepest


def _resolve(path: Path, provenance: dict[str, str], chain: tuple[Path, ...]) -> dict[str, Any]:
    from sim import limits

    resolved = path.resolve()
    if len(chain) >= limits.get("extends"):
        raise ScenarioError(
            str(path), "extends", limits.refusal("extends", len(chain) + 1, "files chained")
        )
    if resolved in chain:
        names = " -> ".join(p.name for p in (*chain, resolved))
        raise ScenarioError(str(path), "extends", f"expected a chain without loops, got {names}")
    data = read_toml(path)
    parent_name = data.pop("extends", None)
    inherit = data.pop("inherit_interventions", True)
    if not isinstance(inherit, bool):
        raise ScenarioError(str(path), "inherit_interventions", "expected true or false")
    if parent_name is None:
        _note_provenance(data, str(path), provenance, "")
        return data
    if not isinstance(parent_name, str):
        raise ScenarioError(str(path), "extends", "expected a file name in quotes")
    parent_path = path.parent / parent_name
    if not parent_path.exists():
        raise ScenarioError(str(path), "extends", f"file not found: {parent_path}")
    merged = _resolve(parent_path, provenance, (*chain, resolved))
    if not inherit:
        merged.pop("interventions", None)
    _merge(merged, data, str(path), provenance, "")
    return merged


def _note_provenance(data: dict, source: str, provenance: dict[str, str], prefix: str) -> None:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        provenance[dotted] = source
        if isinstance(value, dict):
            _note_provenance(value, source, provenance, dotted + ".")


def _merge(base: dict, child: dict, source: str, provenance: dict[str, str], prefix: str) -> None:
    for key, value in child.items():
        dotted = f"{prefix}{key}"
        if key == "interventions" and not prefix and isinstance(value, list):
            base[key] = list(base.get(key, [])) + value
            provenance[dotted] = source
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            provenance[dotted] = source  # the table's latest writer answers for the whole
            _merge(base[key], value, source, provenance, dotted + ".")
        else:
            base[key] = copy.deepcopy(value)
            provenance[dotted] = source
            if isinstance(value, dict):
                _note_provenance(value, source, provenance, dotted + ".")


def _set_dotted(data: dict, key: str, value: Any, source: str) -> None:
    """Set ``a.b.c`` in nested dicts, refusing paths the schema does not have."""
    from sim import limits

    if not isinstance(key, str):
        raise ScenarioError(source, str(key), "expected a dotted field name in quotes")
    parts = key.split(".")
    if len(parts) > limits.get("depth"):
        raise ScenarioError(source, key[:60] + "...", limits.refusal("depth", len(parts)))
    model: type[BaseModel] = Scenario
    node = data
    for i, part in enumerate(parts):
        fields = model.model_fields
        if part not in fields:
            where = ".".join(parts[:i]) or "the scenario"
            known = ", ".join(sorted(fields))
            hint = did_you_mean(part, fields)
            raise ScenarioError(source, key, f"unknown field{hint or ';'} {where} has: {known}")
        if i == len(parts) - 1:
            node[part] = value
            return
        annotation = fields[part].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            raise ScenarioError(source, key, f"{'.'.join(parts[: i + 1])} is not a table")
        model = annotation
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ScenarioError(source, key, f"{'.'.join(parts[: i + 1])} is not a table")


def _validate(data: dict[str, Any], provenance: dict[str, str], source: str) -> Scenario:
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _scenario_error(exc, provenance, source, prefix=()) from None
    _check_limits(scenario.to_dict(), provenance, source, prefix="")
    for i, intervention in enumerate(scenario.interventions):
        where = f"interventions[{i}].set"
        changed = scenario.to_dict()
        changed.pop("interventions")
        for key, value in intervention.set.items():
            reason = _fixed_reason(key)
            if reason:
                raise ScenarioError(
                    provenance.get("interventions", source),
                    f"{where}.{key}",
                    f"cannot change mid-run ({reason}); expected a lever or mechanism field",
                )
            try:
                _set_dotted(changed, key, value, source)
            except ScenarioError as err:
                raise ScenarioError(
                    provenance.get("interventions", source), f"{where}.{key}", err.expected
                ) from None
        try:
            Scenario.model_validate(changed)
        except ValidationError as exc:
            raise _scenario_error(
                exc, provenance, provenance.get("interventions", source), prefix=(where,)
            ) from None
        _check_limits(changed, {}, provenance.get("interventions", source), prefix=where + ".")
    return scenario


@cache
def _numbers() -> tuple[tuple[str, str | None], ...]:
    """(dotted path, limit name) of every number in the schema; the name is None where the
    schema itself bounds the number above."""
    from sim import limits

    return tuple(
        (row["path"], limits.field_limit(row["path"]) if row["max"] is None else None)
        for row in schema_fields()
        if row["kind"] in ("int", "float")
    )


def _check_limits(data: dict[str, Any], provenance: dict[str, str], source: str, prefix: str):
    """Refuse a number above its limit (sim.limits), or so small it would underflow: one line
    naming the field (and the flag that raises the limit)."""
    from sim import limits

    for path, name in _numbers():
        node: Any = data
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, int | float):
            continue
        problem = None
        if name is not None and node > limits.get(name):
            problem = limits.refusal(name, node)
        elif node != 0 and abs(node) < limits.SMALLEST:
            smallest = f"{limits.SMALLEST:g}"
            problem = f"expected 0 or a number of at least {smallest} in size, got {node!r}"
        if problem:
            origin = provenance.get(path) or _nearest_source(path, provenance) or source
            raise ScenarioError(origin, prefix + path, problem)


def _scenario_error(
    exc: ValidationError, provenance: dict[str, str], source: str, prefix: tuple[str, ...]
) -> ScenarioError:
    err = exc.errors(include_url=False)[0]
    loc = tuple(str(p) if not isinstance(p, int) else f"[{p}]" for p in err["loc"])
    dotted = ".".join(loc).replace(".[", "[")
    field = ".".join((*prefix, dotted)) if prefix else dotted
    if prefix or err["type"] == "missing":
        origin = source  # a missing field is the file being loaded's to set
    else:
        origin = provenance.get(dotted) or _nearest_source(dotted, provenance) or source
    return ScenarioError(origin, field or None, _expectation(err))


def _nearest_source(dotted: str, provenance: dict[str, str]) -> str | None:
    parts = dotted.replace("[", ".[").split(".")
    while parts:
        parts.pop()
        hit = provenance.get(".".join(parts).replace(".[", "["))
        if hit:
            return hit
    return None


def _field_info(loc: tuple[Any, ...]):
    """The schema's FieldInfo for ``loc`` (list indices skipped), or None."""
    model: Any = Scenario
    info = None
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return None
        info = fields[part]
        model = info.annotation
        if getattr(model, "__origin__", None) is list:  # list[Intervention] and the like
            model = model.__args__[0]
    return info


def _field_bounds(loc: tuple[Any, ...]) -> tuple[float | None, float | None, bool]:
    """(lower, upper, lower_is_strict) of the field at ``loc``, from the schema."""
    info = _field_info(loc)
    lower = upper = None
    strict = False
    for meta in info.metadata if info else ():
        if isinstance(meta, Ge):
            lower = meta.ge
        elif isinstance(meta, Gt):
            lower, strict = meta.gt, True
        elif isinstance(meta, Le):
            upper = meta.le
    return lower, upper, strict


def _expectation(err: dict[str, Any]) -> str:
    kind = err["type"]
    got = err.get("input")
    shown = f", got {got!r}" if not isinstance(got, dict | list) else ""
    if kind == "missing":
        return (
            "required field is missing (set it, or extend a site scenario that sets it, "
            'e.g. extends = "site_c.toml")'
        )
    if kind == "extra_forbidden":
        parent = _field_info(tuple(err["loc"])[:-1]) if len(err["loc"]) > 1 else None
        model = parent.annotation if parent is not None else Scenario
        hint = did_you_mean(err["loc"][-1], getattr(model, "model_fields", ()))
        return f"unknown key{hint} (check the spelling against the schema: `curtain schema`)"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        loc = tuple(err["loc"])
        lower, upper, strict = _field_bounds(loc)
        info = _field_info(loc)
        noun = "whole number" if info is not None and info.annotation is int else "number"
        if lower == 0.0 and upper == 1.0:
            return f"expected a probability between 0 and 1{shown}"
        if lower is not None and upper is not None:
            return f"expected a {noun} between {lower:g} and {upper:g}{shown}"
        if lower is not None:
            word = "above" if strict else "at least"
            return f"expected a {noun} {word} {lower:g}{shown}"
        if upper is not None:
            return f"expected a {noun} at most {upper:g}{shown}"
        return f"{err['msg']}{shown}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number{shown}"
    if kind in ("float_type", "float_parsing"):
        return f"expected a number{shown}"
    if kind == "finite_number":
        return f"expected a finite number{shown}"
    if kind in ("string_type",):
        return f"expected text in quotes{shown}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a table{shown}"
    if kind in ("list_type",):
        return f"expected a list{shown}"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"expected one of {expected}{shown}"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    return f"{err['msg']}{shown}"


def schema_fields(model: type[BaseModel] = Scenario, prefix: str = "") -> list[dict[str, Any]]:
    """Every leaf field of the schema, flattened: path, type, bounds, description.

    The dashboard builds its controls from this and the ODD builds its parameter tables.
    """
    rows = []
    for name, info in model.model_fields.items():
        if name == "interventions":
            continue
        path = f"{prefix}{name}"
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            rows.extend(schema_fields(annotation, path + "."))
            continue
        lower, upper, _ = _field_bounds(tuple(path.split(".")))
        if name == "policy":
            lever = prefix.rstrip(".")
            kind = "choice"
            choices = REGISTRIES[lever].names()
        elif getattr(annotation, "__origin__", None) is Literal:
            kind, choices = "choice", annotation.__args__
        elif annotation is int:
            kind, choices = "int", None
        elif annotation is float:
            kind, choices = "float", None
        else:
            kind, choices = "text", None
        rows.append(
            {
                "path": path,
                "kind": kind,
                "choices": choices,
                "min": lower,
                "max": upper,
                "description": info.description or "",
                "lever": prefix.rstrip(".").split(".")[0] in LEVERS,
            }
        )
    return rows

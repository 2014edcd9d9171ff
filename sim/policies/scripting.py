"""Scripting: what kind of reply a responder can write (mechanisms 1 and 2).

Ramsey et al. 2023, "Crafting the script or directing the stage": responding styles were
"largely predetermined by organisational 'scripts' or detailed 'stage directions'". Site B
copy-pastes two templates; Site A improvises sporadic generic replies; Site C's guidelines
give "the most freedom to improvise" but "extensive support was required".

A policy turns a responder's effective confidence and the confidence the story demands into
a reply type, or None when the responder will not go on stage for this story.
"""

from __future__ import annotations

from sim.policies.registry import SCRIPTING
from sim.story import CONVERSATIONAL, GENERIC


class Script:
    name = ""

    def __init__(self, config):
        self.config = config

    #: Whether replies under this script leave the responder personally exposed on stage.
    exposes = True

    @property
    def cue(self) -> float:
        """Confidence the script itself lends (a prompt on what to say)."""
        return 0.0

    def choose(self, confidence: float, needs_bespoke: float, needs_generic: float) -> int | None:
        raise NotImplementedError

    def when_short_of_time(self, u: float) -> bool:
        """Whether a responder without time for a bespoke reply posts a generic one."""
        return False

    def poor(self, response_type: int) -> bool:
        """Whether a reply of this type falls short of the script (what a challenge flags)."""
        return False


@SCRIPTING.register("none")
class NoScript(Script):
    """No organisational script: staff improvise, unsupported (Site A).

    A bespoke reply needs the story's confidence plus ``improvisation_penalty``; otherwise a
    responder who clears the generic threshold writes boilerplate ("they just get a generic
    response but unfortunately that's all that we can do", Site A PALS staff).
    """

    label = "No script: staff improvise"

    def choose(self, confidence, needs_bespoke, needs_generic):
        if confidence >= needs_bespoke + self.config.improvisation_penalty:
            return CONVERSATIONAL
        if confidence >= needs_generic:
            return GENERIC
        return None

    def when_short_of_time(self, u):
        return True

    def poor(self, response_type):
        return response_type == GENERIC


@SCRIPTING.register("generic_templates")
class GenericTemplates(Script):
    """Two fixed templates, one per sentiment (Site B: "copied and pasted the same response").

    Templates feel safe: only the generic threshold applies, every reply is generic whatever
    the responder could do, and nobody is exposed, so hostile stories do not shake them
    ("repeatedly re-enacting the same 'non-performance'").
    """

    label = "Generic templates"
    exposes = False

    def choose(self, confidence, needs_bespoke, needs_generic):
        return GENERIC if confidence >= needs_generic else None


@SCRIPTING.register("stage_directions")
class StageDirections(Script):
    """Guidelines for conversational replies, with cues (Site C's Care Opinion guidelines).

    The guidelines lend ``support`` to effective confidence; a responder who still falls
    short defers rather than posting a template. Short of time, a responder may post a
    "knee-jerk" generic reply with probability ``p_knee_jerk`` (a Site C concern), which the
    guidelines count as poor.
    """

    label = "Stage directions for conversations"

    @property
    def cue(self):
        return self.config.support

    def choose(self, confidence, needs_bespoke, needs_generic):
        return CONVERSATIONAL if confidence >= needs_bespoke else None

    def when_short_of_time(self, u):
        return u < self.config.p_knee_jerk

    def poor(self, response_type):
        return response_type == GENERIC

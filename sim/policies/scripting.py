"""Scripting: what kind of reply a responder can write (mechanisms 1 and 2).

Ramsey et al. 2023, "Crafting the script or directing the stage": responding styles were
"largely predetermined by organisational 'scripts' or detailed 'stage directions'". Site B
copy-pastes two templates; Site A improvises sporadic generic replies; Site C's guidelines
give "the most freedom to improvise" but "extensive support was required".

A policy turns a responder's effective confidence and the confidence each reply type needs
for this story (``needs``: generic, personalised, conversational) into the most engaged type
the responder will write, or ``NONE`` when they will not go on stage for this story; and says
what a responder short of time does instead.
"""

from __future__ import annotations

from sim.policies.registry import SCRIPTING
from sim.story import CONVERSATIONAL, GENERIC, NONE, PERSONALISED


def _most_engaged(confidence: float, needs: tuple[float, float, float], penalty: float) -> int:
    """The most engaged type whose threshold ``confidence`` clears (bespoke ones + penalty)."""
    if confidence >= needs[2] + penalty:
        return CONVERSATIONAL
    if confidence >= needs[1] + penalty:
        return PERSONALISED
    if confidence >= needs[0]:
        return GENERIC
    return NONE


class Script:
    name = ""

    def __init__(self, config):
        self.config = config

    @property
    def cue(self) -> float:
        """Confidence the script itself lends (a prompt on what to say)."""
        return 0.0

    def choose(self, confidence: float, needs: tuple[float, float, float]) -> int:
        raise NotImplementedError

    def when_short_of_time(self, response_type: int, u: float) -> int:
        """The reply a responder without time for ``response_type`` writes instead (or NONE)."""
        return NONE

    def poor(self, response_type: int) -> bool:
        """Whether a reply of this type falls short of the script (what a challenge flags)."""
        return False


@SCRIPTING.register("none")
class NoScript(Script):
    """No organisational script: staff improvise, unsupported (Site A).

    A bespoke reply needs its confidence plus ``improvisation_penalty``; a responder who
    clears only the generic threshold posts boilerplate ("they just get a generic response
    but unfortunately that's all that we can do", Site A PALS staff), and so does one short of
    time for anything better.
    """

    label = "No script: staff improvise"

    def choose(self, confidence, needs):
        return _most_engaged(confidence, needs, self.config.improvisation_penalty)

    def when_short_of_time(self, response_type, u):
        return response_type - 1

    def poor(self, response_type):
        return response_type == GENERIC


@SCRIPTING.register("generic_templates")
class GenericTemplates(Script):
    """Two fixed templates, one per sentiment (Site B: "copied and pasted the same response").

    Every reply is generic whatever the responder could do; templates expose nobody.
    """

    label = "Generic templates"

    def choose(self, confidence, needs):
        return GENERIC if confidence >= needs[0] else NONE


@SCRIPTING.register("stage_directions")
class StageDirections(Script):
    """Guidelines for conversational replies, with cues (Site C's Care Opinion guidelines).

    The guidelines lend ``support`` to effective confidence; a responder who falls short of
    any bespoke reply defers rather than posting a template. Short of time for a
    conversation, a responder writes a shorter personalised reply; short of time even for
    that, a "knee-jerk" generic one with probability ``p_knee_jerk`` (a Site C concern),
    which the guidelines count as poor.
    """

    label = "Stage directions for conversations"

    @property
    def cue(self):
        return self.config.support

    def choose(self, confidence, needs):
        response_type = _most_engaged(confidence, needs, 0.0)
        return response_type if response_type != GENERIC else NONE

    def when_short_of_time(self, response_type, u):
        if response_type == CONVERSATIONAL:
            return PERSONALISED
        if response_type == PERSONALISED and u < self.config.p_knee_jerk:
            return GENERIC
        return NONE

    def poor(self, response_type):
        return response_type == GENERIC

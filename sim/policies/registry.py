"""Name -> policy class registries, one per culture lever.

A scenario chooses each policy by name (``scripting.policy = "stage_directions"``). Adding a
policy means writing one class in its lever's module and decorating it with
``@SCRIPTING.register("name")``; the schema, the command line and the dashboard all read the
available names from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Registry:
    """Policies of one lever, by name."""

    def __init__(self, lever: str):
        self.lever = lever
        self._classes: dict[str, type] = {}

    def register(self, name: str) -> Callable[[type], type]:
        def decorate(cls: type) -> type:
            if name in self._classes:
                raise ValueError(f"{self.lever} policy {name!r} is registered twice")
            cls.name = name
            self._classes[name] = cls
            return cls

        return decorate

    def names(self) -> tuple[str, ...]:
        return tuple(self._classes)

    def get(self, name: str) -> type:
        return self._classes[name]

    def build(self, config: Any) -> Any:
        """Construct the policy named by ``config.policy`` from its lever's config section."""
        return self._classes[config.policy](config)

    def describe(self, name: str) -> str:
        doc = self._classes[name].__doc__ or ""
        return doc.strip().splitlines()[0] if doc.strip() else ""

    def label(self, name: str) -> str:
        """A short human label: the class's ``label`` attribute, else the name made readable."""
        label = vars(self._classes[name]).get("label")  # its own, not a parent's
        return label if isinstance(label, str) and label else name.replace("_", " ").capitalize()


SCRIPTING = Registry("scripting")
STAGING = Registry("staging")
CAST = Registry("cast")
QUEUE = Registry("queue")
IDENTIFICATION = Registry("identification")
ESCALATION = Registry("escalation")
BACKSTAGE = Registry("backstage")
CHALLENGE = Registry("challenge")
LEADERSHIP = Registry("leadership")
STAFF_TIME = Registry("staff_time")

REGISTRIES: dict[str, Registry] = {
    r.lever: r
    for r in (
        SCRIPTING,
        STAGING,
        CAST,
        QUEUE,
        IDENTIFICATION,
        ESCALATION,
        BACKSTAGE,
        CHALLENGE,
        LEADERSHIP,
        STAFF_TIME,
    )
}

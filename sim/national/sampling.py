"""The declared distributions a system file may put over an organisation's values.

A value in a group's ``values`` table is either a plain value (fixed) or a table naming one
of these distributions::

    "cast.size" = { dist = "loguniform", low = 20, high = 900 }

- ``fixed``: ``value``;
- ``uniform``: ``low``, ``high``;
- ``loguniform``: ``low``, ``high`` (both above 0): uniform on the log scale;
- ``normal``: ``mean``, ``sd``, optional ``low`` / ``high`` (draws are clipped to them);
- ``beta``: ``mean`` (between 0 and 1, exclusive) and ``concentration``, the Beta with
  that mean and a + b = concentration;
- ``choice``: ``values`` (a list) and optional ``weights`` (normalised).

A draw lands on a whole number when the culture file's value is a whole number (a count).
Every draw comes from the generator the caller passes (seeded from the run seed).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

Finite = Annotated[float, Field(allow_inf_nan=False)]


class Distribution(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dist: Literal["fixed", "uniform", "loguniform", "normal", "beta", "choice"]
    value: Any = None
    low: Finite | None = None
    high: Finite | None = None
    mean: Finite | None = None
    sd: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] | None = None
    concentration: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] | None = None
    values: list[Any] | None = None
    weights: list[Annotated[float, Field(ge=0.0, allow_inf_nan=False)]] | None = None

    @model_validator(mode="after")
    def _parameters(self) -> Distribution:
        need = {
            "fixed": ("value",),
            "uniform": ("low", "high"),
            "loguniform": ("low", "high"),
            "normal": ("mean", "sd"),
            "beta": ("mean", "concentration"),
            "choice": ("values",),
        }[self.dist]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"expected {', '.join(need)} for dist = {self.dist!r}")
        if self.dist in ("uniform", "loguniform") and self.low > self.high:
            raise ValueError(f"expected low <= high, got low {self.low:g} > high {self.high:g}")
        if self.dist == "loguniform" and self.low <= 0.0:
            raise ValueError(f"expected low above 0 for loguniform, got {self.low:g}")
        if self.dist == "beta" and not 0.0 < self.mean < 1.0:
            raise ValueError(f"expected a beta mean between 0 and 1 (exclusive), got {self.mean:g}")
        if self.dist == "choice":
            if not self.values:
                raise ValueError("expected at least one value to choose from")
            if self.weights is not None and (
                len(self.weights) != len(self.values) or sum(self.weights) <= 0.0
            ):
                raise ValueError("expected one non-negative weight per value, not all zero")
        return self

    def draw(self, rng: np.random.Generator, whole: bool = False) -> Any:
        if self.dist == "fixed":
            return self.value
        if self.dist == "choice":
            p = None
            if self.weights is not None:
                total = sum(self.weights)
                p = [w / total for w in self.weights]
            return self.values[int(rng.choice(len(self.values), p=p))]
        if self.dist == "uniform":
            x = float(rng.uniform(self.low, self.high))
        elif self.dist == "loguniform":
            x = math.exp(float(rng.uniform(math.log(self.low), math.log(self.high))))
        elif self.dist == "normal":
            x = float(rng.normal(self.mean, self.sd))
            if self.low is not None:
                x = max(x, self.low)
            if self.high is not None:
                x = min(x, self.high)
        else:  # beta
            c = self.concentration
            x = float(rng.beta(self.mean * c, (1.0 - self.mean) * c))
        return round(x) if whole else x


def as_distribution(value: Any) -> Distribution:
    """A group's value as a distribution: a table is validated, anything else is fixed."""
    if isinstance(value, dict):
        return Distribution.model_validate(value)
    return Distribution(dist="fixed", value=value)

"""Evidence patterns declared as data, and the expressions they read a run with.

A pattern file (``validation/patterns.toml``) names the site scenarios (``[sites]``, paths
relative to the file) and lists ``[[pattern]]`` tables; see that file's header for the keys.
An expression is arithmetic (``+ - * /``, numbers, parentheses) over a run's figures: the
keys of the run summary, the figures in :data:`sim.validation.measures.MEASURES`, and
``daily('column', day)``. It is parsed once and checked against those names (and the daily
table's columns, :data:`sim.metrics.DAILY_COLUMNS`) when the file is loaded, so a misspelt
figure is a one-line error, not a failed pattern; so is an expression too long or nested
too deep to parse safely.

Every pattern states its ``kind``, what a pass can tell (see :data:`KINDS`): a consistency
check true by construction, a figure the scenario values were set to reach (naming them in
``calibrated_by``), or a figure never used to set any value. Only the last tests the model.
"""

from __future__ import annotations

import ast
import difflib
import math
import operator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import ScenarioError
from sim.metrics import DAILY_COLUMNS
from sim.scenario import read_toml, schema_fields
from sim.validation.measures import MEASURES

if TYPE_CHECKING:
    from sim.runner import RunResult

#: What a pattern's pass can tell, by ``kind``.
KINDS = {
    "structural": "true by construction (a policy switch, a head count): a consistency check",
    "calibrated": "a figure scenario values were set to reach (named in calibrated_by)",
    "independent": "never used to set any value: a test of the model",
}

#: Limits on an expression's text and nesting, checked before it is parsed or walked.
MAX_EXPRESSION_CHARS = 1000
MAX_EXPRESSION_DEPTH = 50

#: The default pattern file, beside the scenarios in the project checkout.
DEFAULT_PATTERNS = Path(__file__).resolve().parents[2] / "validation" / "patterns.toml"

#: Summary keys a pattern may read (sim.metrics.summary).
SUMMARY_KEYS = (
    "stories",
    "response_rate",
    "share_none",
    "share_generic",
    "share_personalised",
    "share_conversational",
    "responses",
    "responses_per_story",
    "median_days_to_first_response",
    "active_responders",
    "cast_size",
    "redirects_offered",
    "redirects_accepted",
    "issues_backstage",
    "changes_planned",
    "changes_planned_total",
    "changes_made",
    "negative_share",
    "care_quality_end",
    "reputation_end",
    "mean_confidence_end",
    "staff_hours",
    "reminders_sent",
    "patients_involved",
    "repeat_stories",
)

_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: lambda a, b: a / b if b else math.nan,
}


class Expression:
    """A parsed, checked pattern expression; ``evaluate(result)`` gives one float."""

    def __init__(self, text: str):
        self.text = text
        if len(text) > MAX_EXPRESSION_CHARS:
            raise ValueError(
                f"expected an expression of at most {MAX_EXPRESSION_CHARS} characters, "
                f"got {len(text):,}"
            )
        try:
            self._tree = ast.parse(text, mode="eval").body
        except SyntaxError:
            raise ValueError(f"expected an arithmetic expression, got {text!r}") from None
        except (RecursionError, MemoryError):
            raise ValueError(_too_deep(None)) from None
        depth = _depth(self._tree)
        if depth > MAX_EXPRESSION_DEPTH:
            raise ValueError(_too_deep(depth))
        self._check(self._tree)

    def _check(self, node: ast.AST) -> None:
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            self._check(node.left)
            self._check(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            self._check(node.operand)
        elif isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            pass
        elif isinstance(node, ast.Name):
            if node.id not in SUMMARY_KEYS and node.id not in MEASURES:
                known = ", ".join((*SUMMARY_KEYS, *MEASURES))
                raise ValueError(f"unknown figure {node.id!r}; expected one of: {known}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "daily"
            and len(node.args) == 2
            and not node.keywords
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, int)
            and not isinstance(node.args[1].value, bool)
            and node.args[1].value >= 0
        ):
            column = node.args[0].value
            if column not in DAILY_COLUMNS:
                known = ", ".join(c for c in DAILY_COLUMNS if c != "day")
                raise ValueError(f"unknown daily column {column!r}; expected one of: {known}")
        else:
            raise ValueError(
                f"expected numbers, figure names, + - * / and daily('column', day) in "
                f"{self.text!r}, got {ast.unparse(node)!r}"
            )

    def evaluate(self, result: RunResult) -> float:
        return float(self._eval(self._tree, result))

    def _eval(self, node: ast.AST, result: RunResult) -> float:
        if isinstance(node, ast.BinOp):
            return _OPS[type(node.op)](
                self._eval(node.left, result), self._eval(node.right, result)
            )
        if isinstance(node, ast.UnaryOp):
            return -self._eval(node.operand, result)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id in MEASURES:
                return MEASURES[node.id](result)
            value = result.summary.get(node.id)
            return math.nan if value is None else float(value)
        column, day = node.args[0].value, node.args[1].value  # type: ignore[attr-defined]
        daily = result.daily
        if column not in daily.columns:
            raise KeyError(f"daily table has no column {column!r}")
        if day >= len(daily):
            return math.nan
        value = daily[column].iloc[day]
        return math.nan if value is None else float(value)


def _depth(tree: ast.AST) -> int:
    """How deeply ``tree`` nests, walked without recursion (a deep tree must not crash us)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_EXPRESSION_DEPTH:
            break
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _too_deep(depth: int | None) -> str:
    got = f", got {depth}" if depth else ", got one too deep to parse"
    return f"expected an expression nested at most {MAX_EXPRESSION_DEPTH} operations deep{got}"


@dataclass(frozen=True)
class Pattern:
    id: str
    site: str
    name: str
    expression: Expression
    evidence: str
    source: str
    reason: str
    kind: str
    calibrated_by: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    every_run: bool = False
    than: str | None = None
    gate: bool = True

    @property
    def is_order(self) -> bool:
        return self.than is not None

    def tolerance(self) -> str:
        """The pass rule in a few characters."""
        if self.is_order:
            return f"CI of {self.site}-{self.than} > 0"
        if self.low is not None and self.high is not None:
            same = self.low == self.high
            rule = f"= {self.low:g}" if same else f"{self.low:g} to {self.high:g}"
        elif self.low is not None:
            rule = f">= {self.low:g}"
        else:
            rule = f"<= {self.high:g}"
        return rule + (", every run" if self.every_run else "")

    def in_band(self, value: float) -> bool:
        if math.isnan(value):
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


@dataclass(frozen=True)
class PatternSet:
    path: Path
    sites: dict[str, Path]
    patterns: tuple[Pattern, ...]

    def for_site(self, site: str) -> list[Pattern]:
        """Patterns that read runs of ``site`` (orderings included)."""
        return [p for p in self.patterns if site in (p.site, p.than)]


_REQUIRED = ("id", "site", "name", "expression", "evidence", "source", "reason", "kind")
_OPTIONAL = ("low", "high", "every_run", "than", "gate", "calibrated_by")


def load_patterns(path: str | Path = DEFAULT_PATTERNS) -> PatternSet:
    """Read and check a pattern file; errors name the file, the pattern and the key."""
    path = Path(path)
    data = read_toml(path)
    unknown = set(data) - {"sites", "pattern"}
    if unknown:
        raise ScenarioError(str(path), sorted(unknown)[0], "unknown key; expected sites, pattern")
    sites = data.get("sites")
    if not isinstance(sites, dict) or not sites:
        raise ScenarioError(str(path), "sites", "expected a table of site = scenario file")
    site_paths = {}
    for name, file in sites.items():
        if not isinstance(file, str):
            raise ScenarioError(str(path), f"sites.{name}", "expected a file name in quotes")
        site_paths[name] = path.parent / file
    raw = data.get("pattern")
    if not isinstance(raw, list) or not raw:
        raise ScenarioError(str(path), "pattern", "expected one or more [[pattern]] tables")
    patterns, seen = [], set()
    for i, entry in enumerate(raw):
        patterns.append(_pattern(entry, f"pattern[{i}]", str(path), site_paths))
        if patterns[-1].id in seen:
            raise ScenarioError(str(path), f"pattern[{i}].id", f"duplicate id {entry['id']!r}")
        seen.add(patterns[-1].id)
    return PatternSet(path, site_paths, tuple(patterns))


def _pattern(entry: dict[str, Any], where: str, source: str, sites: dict[str, Path]) -> Pattern:
    for key in entry:
        if key not in _REQUIRED and key not in _OPTIONAL:
            raise ScenarioError(source, f"{where}.{key}", "unknown key")
    for key in _REQUIRED:
        if not isinstance(entry.get(key), str) or not entry[key]:
            if isinstance(entry.get("id"), str) and entry["id"]:
                where = f"pattern {entry['id']!r}"
            expected = "expected text in quotes"
            if key == "kind":
                expected = f"expected one of {', '.join(KINDS)} (what a pass can tell)"
            if key not in entry:
                expected = f"required key is missing; {expected}"
            raise ScenarioError(source, f"{where}.{key}", expected)
    where = f"pattern {entry['id']!r}"
    for key in ("site", "than"):
        if key in entry and entry[key] not in sites:
            raise ScenarioError(
                source, f"{where}.{key}", f"expected one of the sites {sorted(sites)}"
            )
    for key in ("low", "high"):
        value = entry.get(key)
        if value is not None and (not isinstance(value, int | float) or isinstance(value, bool)):
            raise ScenarioError(source, f"{where}.{key}", f"expected a number, got {value!r}")
    for key in ("every_run", "gate"):
        if key in entry and not isinstance(entry[key], bool):
            raise ScenarioError(source, f"{where}.{key}", "expected true or false")
    has_band = "low" in entry or "high" in entry
    if "than" in entry and has_band:
        raise ScenarioError(source, where, "expected either than (an ordering) or low/high")
    if "than" not in entry and not has_band:
        raise ScenarioError(source, where, "expected low and/or high, or than")
    if has_band and entry.get("low", -math.inf) > entry.get("high", math.inf):
        raise ScenarioError(source, f"{where}.low", "expected low <= high")
    calibrated_by = _kind(entry, where, source)
    try:
        expression = Expression(entry["expression"])
    except ValueError as exc:
        raise ScenarioError(source, f"{where}.expression", str(exc)) from None
    return Pattern(
        id=entry["id"],
        site=entry["site"],
        name=entry["name"],
        expression=expression,
        evidence=entry["evidence"],
        source=entry["source"],
        reason=entry["reason"],
        kind=entry["kind"],
        calibrated_by=calibrated_by,
        low=entry.get("low"),
        high=entry.get("high"),
        every_run=entry.get("every_run", False),
        than=entry.get("than"),
        gate=entry.get("gate", True),
    )


def _kind(entry: dict[str, Any], where: str, source: str) -> tuple[str, ...]:
    """Check ``kind`` and ``calibrated_by``; return the scenario fields it names."""
    kind = entry["kind"]
    if kind not in KINDS:
        raise ScenarioError(
            source, f"{where}.kind", f"expected one of {', '.join(KINDS)}, got {kind!r}"
        )
    named = entry.get("calibrated_by")
    if kind != "calibrated":
        if named is not None:
            raise ScenarioError(
                source, f"{where}.calibrated_by", f'only a kind = "calibrated" pattern names '
                f"the values set to reach it; this one is {kind!r}"
            )  # fmt: skip
        return ()
    if not isinstance(named, list) or not named or not all(isinstance(n, str) and n for n in named):
        raise ScenarioError(
            source,
            f"{where}.calibrated_by",
            'expected a list of the scenario fields set to reach it, e.g. ["leadership.priority"]',
        )
    fields = _scenario_fields()
    for name in named:
        if name not in fields:
            close = difflib.get_close_matches(name, fields, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else " (see `curtain schema`)"
            raise ScenarioError(
                source, f"{where}.calibrated_by", f"unknown scenario field {name!r}{hint}"
            )
    return tuple(named)


def _scenario_fields() -> list[str]:
    """Every leaf field of the schema, and every table below a section (``patients.p_reply``
    names all of its values); a whole section is too broad to name what was set."""
    leaves = [row["path"] for row in schema_fields()]
    tables = {
        ".".join(parts[:i])
        for parts in (p.split(".") for p in leaves)
        for i in range(2, len(parts))
    }
    return leaves + sorted(tables)

"""Charts as inline SVG text: nothing to fetch, nothing to render in a browser library.

Each function takes plain sequences (days and values) and returns one ``<svg>`` element. The
element carries ``data-chart`` (its name) and ``data-days`` (days drawn) so that tests and
curious users can tell what it shows; every line is a ``<polyline>`` with a ``data-series``
name and a ``<title>`` giving its latest value. Missing values (NaN, e.g. a response rate
before the first story) break the line rather than draw it at zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

import pandas as pd

WIDTH, HEIGHT = 300, 150
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 32, 20

#: Colours for the response types and the lines: colour-blind safe (Okabe-Ito).
COLOURS = {
    "none": "#999999",
    "generic": "#E69F00",
    "conversational": "#0072B2",
    "rate": "#0072B2",
    "rate_30d": "#56B4E9",
    "issues": "#999999",
    "planned": "#E69F00",
    "made": "#009E73",
    "reputation": "#CC79A7",
}


def _fmt(value: float, percent: bool) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.0%}" if percent else f"{value:,.3g}"


def _frame(name: str, title: str, days: int, body: list[str], legend: list[tuple[str, str]]):
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" data-chart="{name}" data-days="{days}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" style="font-family: sans-serif; font-size: 10px">',
        f'<text x="4" y="12" font-size="11" font-weight="bold">{escape(title)}</text>',
    ]
    parts.extend(body)
    x = LEFT
    for label, colour in legend:  # a second line under the title
        parts.append(f'<rect x="{x}" y="17" width="7" height="7" fill="{colour}"/>')
        parts.append(f'<text x="{x + 9}" y="24">{escape(label)}</text>')
        x += 16 + 6 * len(label)
    parts.append("</svg>")
    return "".join(parts)


def _axes(n_days: int, y_min: float, y_max: float, percent: bool) -> list[str]:
    x0, x1, y0, y1 = LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM, TOP
    out = [
        f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#444"/>',
        f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#444"/>',
    ]
    for value in (y_min, (y_min + y_max) / 2, y_max):
        y = _y(value, y_min, y_max)
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(
            f'<text x="{x0 - 3}" y="{y + 3:.1f}" text-anchor="end">{_fmt(value, percent)}</text>'
        )
    last = max(n_days - 1, 0)
    out.append(f'<text x="{x0}" y="{HEIGHT - 6}">day 0</text>')
    out.append(f'<text x="{x1}" y="{HEIGHT - 6}" text-anchor="end">day {last}</text>')
    return out


def _x(day: int, n_days: int) -> float:
    span = max(n_days - 1, 1)
    return LEFT + (WIDTH - LEFT - RIGHT) * day / span


def _y(value: float, y_min: float, y_max: float) -> float:
    span = (y_max - y_min) or 1.0
    return (HEIGHT - BOTTOM) - (HEIGHT - BOTTOM - TOP) * (value - y_min) / span


def _polylines(
    values: Sequence[float], n_days: int, y_min: float, y_max: float, style: str, name: str
) -> list[str]:
    """One polyline per unbroken run of values (NaN breaks the line)."""
    out, run = [], []
    for day, value in enumerate(values):
        if value is None or math.isnan(value):
            if run:
                out.append(run)
            run = []
            continue
        run.append(f"{_x(day, n_days):.1f},{_y(value, y_min, y_max):.1f}")
    if run:
        out.append(run)
    return [
        f'<polyline data-series="{name}" points="{" ".join(points)}" fill="none" {style}/>'
        for points in out
    ]


def line_chart(
    name: str,
    title: str,
    series: Sequence[tuple[str, Sequence[float], str]],
    y_min: float,
    y_max: float,
    percent: bool = False,
    n_days: int | None = None,
) -> str:
    """Lines (label, values by day, colour) on one set of axes from ``y_min`` to ``y_max``."""
    days = n_days if n_days is not None else max((len(v) for _, v, _ in series), default=0)
    body = _axes(days, y_min, y_max, percent)
    if y_min < 0 < y_max:
        y = _y(0.0, y_min, y_max)
        body.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#888" '
            'stroke-dasharray="3,3"/>'
        )
    for label, values, colour in series:
        last = next((v for v in reversed(values) if not math.isnan(v)), float("nan"))
        lines = _polylines(values, days, y_min, y_max, f'stroke="{colour}" stroke-width="2"', label)
        body.extend(
            line.replace("/>", f"><title>{escape(label)}: {_fmt(last, percent)}</title></polyline>")
            for line in lines
        )
    return _frame(name, title, days, body, [(label, colour) for label, _, colour in series])


def stacked_chart(name: str, title: str, layers: Sequence[tuple[str, Sequence[float], str]]) -> str:
    """Shares that sum to 1 (label, values by day, colour), stacked bottom to top."""
    days = max((len(v) for _, v, _ in layers), default=0)
    body = _axes(days, 0.0, 1.0, True)
    base = [0.0] * days
    for label, values, colour in layers:
        top = [b + (0.0 if math.isnan(v) else v) for b, v in zip(base, values, strict=True)]
        if days:
            upper = [f"{_x(d, days):.1f},{_y(top[d], 0, 1):.1f}" for d in range(days)]
            lower = [f"{_x(d, days):.1f},{_y(base[d], 0, 1):.1f}" for d in reversed(range(days))]
            if days == 1:  # one day: draw a thin band so it shows
                upper.append(f"{_x(0, days) + 4:.1f},{_y(top[0], 0, 1):.1f}")
                lower.insert(0, f"{_x(0, days) + 4:.1f},{_y(base[0], 0, 1):.1f}")
            last = values[-1]
            body.append(
                f'<polygon data-series="{escape(label)}" points="{" ".join(upper + lower)}" '
                f'fill="{colour}" fill-opacity="0.85"><title>{escape(label)}: '
                f"{_fmt(last, True)}</title></polygon>"
            )
        base = top
    return _frame(name, title, days, body, [(label, colour) for label, _, colour in layers])


def culture_charts(daily: pd.DataFrame, scales: dict[str, tuple[float, float]]) -> dict[str, str]:
    """The four live charts of one culture from its daily table.

    ``scales`` gives the y range of the charts whose range is shared between the cultures on
    screen (``changes``, ``reputation``), so side-by-side charts can be read against each other.
    """
    rate = daily["response_rate"].tolist()
    rate_30d = daily["response_rate_30d"].tolist()
    return {
        "response_rate": line_chart(
            "response_rate",
            "Response rate",
            [
                ("all stories", rate, COLOURS["rate"]),
                ("last 30 days", rate_30d, COLOURS["rate_30d"]),
            ],
            0.0,
            1.0,
            percent=True,
        ),
        "response_mix": stacked_chart(
            "response_mix",
            "Best reply each story got",
            [
                (
                    "conversational",
                    daily["share_conversational"].tolist(),
                    COLOURS["conversational"],
                ),
                ("generic", daily["share_generic"].tolist(), COLOURS["generic"]),
                ("none", daily["share_none"].tolist(), COLOURS["none"]),
            ],
        ),
        "changes": line_chart(
            "changes",
            "Backstage (cumulative)",
            [
                ("taken up", [float(v) for v in daily["issues_backstage"]], COLOURS["issues"]),
                ("planned", [float(v) for v in daily["changes_planned"]], COLOURS["planned"]),
                ("made", [float(v) for v in daily["changes_made"]], COLOURS["made"]),
            ],
            *scales["changes"],
        ),
        "reputation": line_chart(
            "reputation",
            "Reputation (-1 damning to +1 favourable)",
            [("reputation", daily["reputation"].tolist(), COLOURS["reputation"])],
            *scales["reputation"],
        ),
    }


def shared_scales(dailies: Sequence[pd.DataFrame]) -> dict[str, tuple[float, float]]:
    """Y ranges shared by the cultures on screen: counts from 0, reputation symmetric."""
    top = 1.0
    rep = 0.1
    for daily in dailies:
        if len(daily):
            top = max(top, float(daily["issues_backstage"].max()))
            top = max(top, float(daily["changes_planned_total"].max()))
            peak = daily["reputation"].abs().max()
            if not math.isnan(peak):
                rep = max(rep, float(peak))
    rep = min(1.0, math.ceil(rep * 10) / 10)
    return {"changes": (0.0, _nice(top)), "reputation": (-rep, rep)}


def _nice(value: float) -> float:
    """The next 1, 2 or 5 times a power of ten at or above ``value``."""
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)

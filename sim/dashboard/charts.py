"""Charts as inline SVG text: nothing to fetch, nothing to render in a browser library.

Made to be read on a projector: a 600 x 300 drawing (twice the old charts) whose text is
:data:`FONT` units high, so that even drawn at :data:`MIN_WIDTH` pixels wide (a culture's card
at 1280 x 720) every label is at least 14 px; every line has a colour from the Okabe-Ito
palette (safe for colour-blind readers) *and* a line style, and a legend drawing both. The x
axis spans the whole run, with a tick a year for runs of over three years, else a month
(:data:`sim.calendar.MONTH_DAYS` days), else a week, so the lines grow across the chart as the
run goes on.

Each function takes plain sequences (values by day from day 0) and returns one ``<svg>``
element. The element carries ``data-chart`` (its name) and ``data-days`` (days drawn) so that
tests and curious users can tell what it shows; every line is a ``<polyline>`` with a
``data-series`` name and a ``<title>`` giving its latest value. Missing values (NaN, e.g. a
response rate before the first story) break the line rather than draw it at zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

import pandas as pd

from sim.calendar import MONTH_DAYS
from sim.story import RESPONSE_TYPES

WIDTH, HEIGHT = 600, 300
LEFT, RIGHT, BOTTOM = 66, 16, 50
#: Text size in drawing units; the drawing is never shown narrower than MIN_WIDTH pixels.
FONT, TITLE_FONT = 20, 22
MIN_WIDTH = 440
#: Most ticks on the x axis, so a long run gets a tick every 2, 3 ... months or years.
MAX_TICKS = 13
#: Most points drawn per line: about one per drawing unit (a long run is thinned evenly,
#: keeping the last day, so the page stays light).
MAX_POINTS = WIDTH - LEFT - RIGHT
YEAR_DAYS = 365

#: A line's look: colour (Okabe-Ito) and dash pattern ("" is solid).
Style = tuple[str, str]

#: The response types, by name (sim.story.RESPONSE_TYPES): none is a dotted black line, the
#: more engaged a reply the more solid its line.
RESPONSE_STYLES: dict[str, Style] = {
    "none": ("#000000", "2,6"),
    "generic": ("#E69F00", "12,6"),
    "personalised": ("#009E73", "14,5,3,5"),
    "conversational": ("#0072B2", ""),
}
#: For response types the model may add later: Okabe-Ito colours not used above.
SPARE_STYLES: tuple[Style, ...] = (("#CC79A7", "4,4"), ("#D55E00", "8,3,2,3"), ("#56B4E9", "1,3"))

STYLES: dict[str, Style] = {
    "rate": ("#0072B2", ""),
    "rate_30d": ("#D55E00", "12,6"),
    "issues": ("#56B4E9", "3,5"),
    "planned": ("#E69F00", "12,6"),
    "made": ("#009E73", ""),
    "reputation": ("#CC79A7", ""),
}


#: A response type as the legend names it (others by their own name).
KIND_WORDS = {"none": "no reply"}


def response_style(kind: str) -> Style:
    """The colour and dash of a response type (a spare one for a type not listed above)."""
    if kind in RESPONSE_STYLES:
        return RESPONSE_STYLES[kind]
    extra = [k for k in RESPONSE_TYPES if k not in RESPONSE_STYLES]
    index = extra.index(kind) if kind in extra else 0
    return SPARE_STYLES[index % len(SPARE_STYLES)]


def _fmt(value: float, percent: bool, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if percent:
        return f"{value:.0%}"
    if signed:
        return f"{value:+.1f}" if value else "0"
    if float(value).is_integer() or abs(value) >= 10:
        return f"{value:,.0f}"
    return f"{value:.2g}"


def _text_width(text: str, size: float = FONT) -> float:
    """A generous estimate of a label's width in drawing units (sans-serif)."""
    return 0.54 * size * len(text)


def _legend(legend: Sequence[tuple[str, Style]]) -> tuple[list[str], int]:
    """Legend entries (a line sample in its style, then the label), wrapped into rows under
    the title; returns the SVG parts and the number of rows."""
    parts, x, row = [], float(LEFT), 0
    for label, (colour, dash) in legend:
        width = 34 + _text_width(label) + 18
        if x + width > WIDTH - RIGHT and x > LEFT:
            row, x = row + 1, float(LEFT)
        y = 30 + 26 * (row + 1)
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line class="legend" x1="{x:.0f}" y1="{y - 6}" x2="{x + 28:.0f}" y2="{y - 6}" '
            f'stroke="{colour}" stroke-width="4"{dashes}/>'
        )
        parts.append(f'<text x="{x + 34:.0f}" y="{y}">{escape(label)}</text>')
        x += width
    return parts, row + 1 if legend else 0


def _frame(
    name: str, title: str, days: int, body: list[str], legend: Sequence[tuple[str, Style]]
) -> str:
    legend_parts, _ = _legend(legend)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" data-chart="{name}" data-days="{days}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'style="font-family: sans-serif; font-size: {FONT}px">',
        f'<text x="4" y="24" font-size="{TITLE_FONT}" font-weight="bold">{escape(title)}</text>',
        *legend_parts,
        *body,
        "</svg>",
    ]
    return "".join(parts)


def _top(legend: Sequence[tuple[str, Style]]) -> int:
    """Where the plot starts: under the title and the legend's rows."""
    return 30 + 26 * _legend(legend)[1] + 14


def _ticks(span: int) -> tuple[list[int], str]:
    """X ticks for a run of ``span`` days: every year for runs over three years, every month
    for runs over two months, else every week; fewer when there would be more than
    :data:`MAX_TICKS`. Returns the tick days, the unit's name and its length in days."""
    if span > 3 * YEAR_DAYS:
        unit, name = YEAR_DAYS, "year"
    elif span > 2 * MONTH_DAYS:
        unit, name = MONTH_DAYS, "month"
    else:
        unit, name = 7, "week"
    count = span // unit
    stride = max(1, math.ceil((count + 1) / MAX_TICKS))
    return [k * unit for k in range(0, count + 1, stride)], name, unit


def _axes(
    span: int, y_min: float, y_max: float, top: int, percent: bool, signed: bool = False
) -> list[str]:
    x0, x1, y0, y1 = LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM, top
    out = []
    for i in range(5 if percent else 3):
        value = y_min + (y_max - y_min) * i / (4 if percent else 2)
        y = _y(value, y_min, y_max, top)
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(
            f'<text x="{x0 - 6}" y="{y + 6:.1f}" text-anchor="end">'
            f"{_fmt(value, percent, signed)}</text>"
        )
    ticks, unit, unit_days = _ticks(span)
    for day in ticks:
        x = _x(day, span)
        out.append(f'<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y0 + 6}" stroke="#444"/>')
        out.append(
            f'<text x="{x:.1f}" y="{y0 + 24}" text-anchor="middle">{day // unit_days}</text>'
        )
    out.append(
        f'<text class="axis-title" x="{(x0 + x1) / 2:.0f}" y="{HEIGHT - 4}" '
        f'text-anchor="middle">{unit}s from the start</text>'
    )
    out.append(f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#444"/>')
    out.append(f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#444"/>')
    return out


def _x(day: int, span: int) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * day / max(span - 1, 1)


def _y(value: float, y_min: float, y_max: float, top: int) -> float:
    extent = (y_max - y_min) or 1.0
    return (HEIGHT - BOTTOM) - (HEIGHT - BOTTOM - top) * (value - y_min) / extent


def _polylines(
    values: Sequence[float], span: int, y_min: float, y_max: float, top: int, style: str, name: str
) -> list[str]:
    """One polyline per unbroken run of values (NaN breaks the line), at most
    :data:`MAX_POINTS` points in all (every k-th day, and the last)."""
    out, run = [], []
    stride = max(1, math.ceil(len(values) / MAX_POINTS))
    days = [*range(0, len(values), stride)]
    if days and days[-1] != len(values) - 1:
        days.append(len(values) - 1)
    for day in days:
        value = values[day]
        if value is None or math.isnan(value):
            if run:
                out.append(run)
            run = []
            continue
        run.append(f"{_x(day, span):.1f},{_y(value, y_min, y_max, top):.1f}")
    if run:
        out.append(run)
    return [
        f'<polyline data-series="{escape(name)}" points="{" ".join(points)}" fill="none" '
        f'stroke-linejoin="round" {style}/>'
        for points in out
    ]


def line_chart(
    name: str,
    title: str,
    series: Sequence[tuple[str, Sequence[float], Style]],
    y_min: float,
    y_max: float,
    percent: bool = False,
    n_days: int | None = None,
    signed: bool = False,
) -> str:
    """Lines (label, values by day, (colour, dash)) on one set of axes from ``y_min`` to
    ``y_max``; the x axis spans ``n_days`` (the run's length; default: the days drawn)."""
    drawn = max((len(v) for _, v, _ in series), default=0)
    span = max(n_days if n_days is not None else drawn, drawn, 1)
    legend = [(label, style) for label, _, style in series]
    top = _top(legend)
    body = _axes(span, y_min, y_max, top, percent, signed)
    if y_min < 0 < y_max:
        y = _y(0.0, y_min, y_max, top)
        body.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#888"/>'
        )
    for label, values, (colour, dash) in series:
        last = next((v for v in reversed(values) if not math.isnan(v)), float("nan"))
        look = f'stroke="{colour}" stroke-width="3.5"' + (
            f' stroke-dasharray="{dash}"' if dash else ""
        )
        lines = _polylines(values, span, y_min, y_max, top, look, label)
        if len(values) == 1 and lines:  # one day: a dot, so it shows
            x, y = lines[0].split('points="')[1].split('"')[0].split(",")
            body.append(f'<circle cx="{x}" cy="{y}" r="3.5" fill="{colour}"/>')
        body.extend(
            line.replace(
                "/>",
                f"><title>{escape(label)}: {_fmt(last, percent, signed)}</title></polyline>",
            )
            for line in lines
        )
    return _frame(name, title, drawn, body, legend)


def culture_charts(
    daily: pd.DataFrame, scales: dict[str, tuple[float, float]], days: int | None = None
) -> dict[str, str]:
    """The four live charts of one culture from its daily table; the x axes span ``days``.

    ``scales`` gives the y range of the chart whose range is shared between the cultures on
    screen (``changes``), so side-by-side charts can be read against each other.
    """
    rate = daily["response_rate"].tolist()
    rate_30d = daily["response_rate_30d"].tolist()
    return {
        "response_rate": line_chart(
            "response_rate",
            "Stories answered",
            [
                ("of all stories so far", rate, STYLES["rate"]),
                ("of the last 30 days' stories", rate_30d, STYLES["rate_30d"]),
            ],
            0.0,
            1.0,
            percent=True,
            n_days=days,
        ),
        "response_mix": line_chart(
            "response_mix",
            "Best reply each story got so far",
            [
                (KIND_WORDS.get(kind, kind), daily[f"share_{kind}"].tolist(), response_style(kind))
                for kind in RESPONSE_TYPES
                if f"share_{kind}" in daily
            ],
            0.0,
            1.0,
            percent=True,
            n_days=days,
        ),
        "changes": line_chart(
            "changes",
            "Backstage: issues and changes so far",
            [
                ("taken up", [float(v) for v in daily["issues_backstage"]], STYLES["issues"]),
                (
                    "planned, not yet made",
                    [float(v) for v in daily["changes_planned"]],
                    STYLES["planned"],
                ),
                ("made", [float(v) for v in daily["changes_made"]], STYLES["made"]),
            ],
            *scales["changes"],
            n_days=days,
        ),
        "reputation": line_chart(
            "reputation",
            "Reputation: readers left favourable",
            [("share of recent readers", daily["reputation"].tolist(), STYLES["reputation"])],
            0.0,
            1.0,
            percent=True,
            n_days=days,
        ),
    }


def shared_scales(dailies: Sequence[pd.DataFrame]) -> dict[str, tuple[float, float]]:
    """Y ranges shared by the cultures on screen: backstage counts from 0 to a round number
    at or above the larger culture's (the shares and reputation always run 0 to 100%)."""
    top = 2.0
    for daily in dailies:
        if len(daily):
            top = max(top, float(daily["issues_backstage"].max()))
            top = max(top, float(daily["changes_planned_total"].max()))
    return {"changes": (0.0, _nice(top))}


def _nice(value: float) -> float:
    """The next 1, 2 or 5 times a power of ten at or above ``value``."""
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)

"""The dashboard page (Solara): controls on the left, one or two cultures side by side.

Everything shown is computed by the Solara-free modules: :mod:`sim.dashboard.classroom`
(the runs), :mod:`sim.dashboard.stage` (the stage and backstage in words),
:mod:`sim.dashboard.charts` (inline SVG) and :mod:`sim.dashboard.controls` (the levers, from
the schema). This module only lays them out and wires the buttons.

Each browser tab gets its own classroom. The Play loop runs in a thread; a lock keeps a lever
change from landing in the middle of a simulated day.
"""

from __future__ import annotations

import os
import threading
import time
from html import escape
from pathlib import Path

import solara

from sim.dashboard.charts import culture_charts, shared_scales
from sim.dashboard.classroom import Classroom, Culture, presets_beside
from sim.dashboard.controls import ControlSpec, lever_controls
from sim.dashboard.server import ENV_COMPARE, ENV_SCENARIO, ENV_SEED, NO_COMPARISON
from sim.dashboard.stage import backstage_records, stage_records
from sim.errors import CurtainError
from sim.scenario import LEVERS

SPEEDS = ["1", "7", "30"]  # days per Step / per Play tick
PLAY_INTERVAL_S = 0.4

CSS = """
.curtain-story { border-left: 4px solid #56B4E9; padding: 2px 8px; margin: 4px 0;
  background: #fafafa; font-size: 13px; }
.curtain-story.negative { border-left-color: #D55E00; }
.curtain-story .meta { color: #555; font-size: 12px; }
.curtain-reply { margin-left: 12px; font-size: 12px; }
.curtain-reply.generic::before { content: "▪ "; color: #E69F00; }
.curtain-reply.conversational::before { content: "▪ "; color: #0072B2; }
.curtain-none { margin-left: 12px; font-size: 12px; color: #999; }
.curtain-counts { display: flex; gap: 18px; font-size: 14px; }
.curtain-counts b { font-size: 20px; display: block; }
.curtain-charts { display: flex; flex-wrap: wrap; gap: 4px; }
.curtain-charts svg { width: calc(50% - 4px); height: auto; }
.curtain-small { font-size: 12px; color: #555; }
"""


def _config() -> tuple[dict[str, Path], str, str | None, int]:
    scenario = Path(os.environ.get(ENV_SCENARIO, "scenarios/site_a.toml"))
    compare_env = os.environ.get(ENV_COMPARE, NO_COMPARISON)
    compare = None if compare_env in ("", NO_COMPARISON) else Path(compare_env)
    seed = int(os.environ.get(ENV_SEED, "1"))
    presets = presets_beside(scenario)
    if compare is not None:
        for label, path in presets_beside(compare).items():
            presets.setdefault(label, path)
    return presets, scenario.stem, compare.stem if compare else None, seed


def _slug(path: str) -> str:
    return "lever-" + path.replace(".", "-").replace("_", "-")


def stage_html(culture: Culture) -> str:
    if culture.day == 0:
        return '<div class="curtain-none">no stories yet: press Step or Play</div>'
    parts = [
        f'<div class="curtain-small">{culture.posted_on(culture.day - 1)} stories posted on day '
        f"{max(culture.day - 1, 0)}; the newest story of each recent day:</div>"
    ]
    for record in stage_records(culture):
        parts.append(
            f'<div class="curtain-story {record["sentiment"]}" data-story="{record["id"]}">'
            f"<b>{escape(record['title'])}</b>: {escape(record['tone'])} "
            f'<span class="meta">{escape(record["posted"])}</span>'
        )
        for reply in record["replies"]:
            parts.append(
                f'<div class="curtain-reply {reply["kind"]}">{escape(reply["text"])}</div>'
            )
        parts.append(f'<div class="meta">{escape(record["status"])}</div></div>')
    return "".join(parts)


def backstage_html(culture: Culture) -> str:
    data = backstage_records(culture)
    counts = data["counts"]
    parts = [f'<div class="curtain-counts" data-days="{culture.day}">']
    for key, label in (
        ("issues_backstage", "issues taken up"),
        ("changes_planned", "changes planned (not yet made)"),
        ("changes_made", "changes made"),
    ):
        parts.append(f'<div data-count="{key}"><b>{counts[key]:,}</b>{label}</div>')
    parts.append("</div>")
    for line in data["events"]:
        parts.append(f'<div class="curtain-small">{escape(line)}</div>')
    if not data["events"]:
        parts.append('<div class="curtain-small">nothing has reached the backstage yet</div>')
    return "".join(parts)


def levers_line(culture: Culture) -> str:
    scenario = culture.in_force
    words = []
    for lever in LEVERS:
        section = getattr(scenario, lever)
        text = f"{lever.replace('_', ' ')}: {section.policy}"
        if lever == "cast":
            text += f" ({culture.model.castlist.__len__()} on the list)"
        words.append(text)
    return " · ".join(words)


@solara.component
def LeverControl(spec: ControlSpec, value, on_change):
    """One lever's control; ``on_change(spec, new)`` returns False when the value was refused,
    and the control then shows the value in force again."""
    if spec.widget == "select":
        value = str(value)
    elif spec.widget == "int":
        value = int(value)
    else:
        value = float(value)
    shown = solara.use_reactive(value)  # follows ``value`` when it changes between renders

    def changed(new):
        if new is None or new == value:  # also the echo of putting a refused value back
            return
        if not on_change(spec, new):
            shown.set(value)

    with solara.Div(classes=[_slug(spec.path)], style={"margin": "0 0 2px 0"}):
        if spec.widget == "select":
            solara.Select(
                label=spec.label,
                values=list(spec.choices or ()),
                value=shown,
                on_value=changed,
                dense=True,
            )
        elif spec.widget == "slider":
            solara.SliderFloat(
                label=f"{spec.label}: {value:.2f}",
                value=shown,
                min=spec.min,
                max=spec.max,
                step=0.01,
                on_value=changed,
            )
        elif spec.widget == "int":
            solara.InputInt(label=spec.label, value=shown, on_value=changed, dense=True)
        else:
            solara.InputFloat(label=spec.label, value=shown, on_value=changed, dense=True)


@solara.component
def CultureView(culture: Culture, charts: dict[str, str], live: bool, version: int):
    """One culture's card. ``version`` changes whenever the culture may have (a step, a lever
    change), so the card redraws even when its other arguments compare equal."""
    name = culture.in_force.name
    role = "levers live: the controls change this culture" if live else "for comparison"
    side = "culture-main" if live else "culture-compare"
    with solara.Card(
        title=f"{name} ({culture.label})", subtitle=role, classes=[side, f"culture-{culture.label}"]
    ):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f'<div class="curtain-small">{escape(levers_line(culture))}</div>',
        )
        solara.HTML(
            tag="div",
            unsafe_innerHTML='<div class="curtain-charts">' + "".join(charts.values()) + "</div>",
            classes=["charts"],
        )
        solara.HTML(tag="h4", unsafe_innerHTML="Public stage")
        solara.HTML(tag="div", unsafe_innerHTML=stage_html(culture), classes=["stage"])
        solara.HTML(tag="h4", unsafe_innerHTML="Backstage")
        solara.HTML(tag="div", unsafe_innerHTML=backstage_html(culture), classes=["backstage"])
        if culture.interventions:
            lines = "".join(
                f'<div class="curtain-small">day {day}: {escape(note)}</div>'
                for day, note in culture.interventions
            )
            solara.HTML(tag="h4", unsafe_innerHTML="Levers changed during this run")
            solara.HTML(tag="div", unsafe_innerHTML=lines, classes=["interventions"])


@solara.component
def Page():
    presets, main, compare, seed = solara.use_memo(_config, [])
    room: Classroom = solara.use_memo(lambda: Classroom(presets, main, compare, seed), [])
    lock = solara.use_memo(threading.Lock, [])
    version, set_version = solara.use_state(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(SPEEDS[0])
    message = solara.use_reactive("")

    def refresh():
        set_version(lambda v: v + 1)

    def step():
        with lock:
            stepped = room.step(int(speed.value))
        if not stepped:
            message.value = f"the run has reached day {room.days}: press Reset to start again"
        refresh()
        return stepped

    def play(cancel: threading.Event):
        while playing.value and not cancel.is_set():
            time.sleep(PLAY_INTERVAL_S)
            if not playing.value or cancel.is_set():
                break
            if not step():
                playing.value = False

    solara.use_thread(play, dependencies=[playing.value])

    def reset():
        playing.value = False
        with lock:
            pending = bool(room.pending)
            room.reset()
        message.value = "back to day 0, same seed" + (
            ", with the changes that waited for Reset" if pending else ""
        )
        refresh()

    def choose(new_main: str | None = None, new_compare: str | None = None):
        playing.value = False
        target_main = new_main or room.main_label
        target_compare = room.compare_label if new_main else new_compare
        if target_compare == NO_COMPARISON:
            target_compare = None
        with lock:
            room.choose(target_main, target_compare)
        message.value = f"day 0: {room.main.in_force.name}" + (
            f" beside {room.compare.in_force.name}" if room.compare else ""
        )
        refresh()

    def change_lever(spec: ControlSpec, value) -> bool:
        accepted = True
        try:
            with lock:
                message.value = room.set_lever(spec.path, spec.parse(value))
        except (CurtainError, ValueError) as err:
            message.value = f"not changed: {err}"
            accepted = False
        refresh()
        return accepted

    solara.Style(CSS)
    solara.Title("Curtain: the stage and the backstage")
    specs = lever_controls()
    labels = list(presets)
    with solara.Column(style={"padding": "8px"}):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.HTML(tag="h2", unsafe_innerHTML="Curtain: the stage and the backstage")
            with solara.Div(classes=["preset-main"], style={"width": "170px"}):
                solara.Select(
                    label="culture (levers live)",
                    values=labels,
                    value=room.main_label,
                    on_value=lambda v: choose(new_main=v),
                )
            with solara.Div(classes=["preset-compare"], style={"width": "170px"}):
                solara.Select(
                    label="beside it",
                    values=[NO_COMPARISON, *labels],
                    value=room.compare_label or NO_COMPARISON,
                    on_value=lambda v: choose(new_compare=v),
                )
            solara.Button("Step", on_click=step, disabled=playing.value, classes=["step"])
            solara.Button(
                "Pause" if playing.value else "Play",
                on_click=lambda: playing.set(not playing.value),
                classes=["play"],
                color="primary",
            )
            solara.Button("Reset", on_click=reset, classes=["reset"])
            with solara.Div(classes=["speed"]):
                solara.Text("days per step ")
                solara.ToggleButtonsSingle(value=speed, values=SPEEDS)
            solara.HTML(
                tag="div",
                unsafe_innerHTML=f'<b data-day="{room.day}">day {room.day} of {room.days}</b>'
                f' <span class="curtain-small">seed {room.seed}</span>',
                classes=["day"],
            )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f'<div class="curtain-small">{escape(message.value)}</div>',
            classes=["message"],
        )
        with solara.Columns([1, 5]):
            with solara.Column(classes=["levers"]):
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML="<b>Levers</b> (change mid-run, as an intervention; "
                    "fields fixed for a run wait for Reset)",
                )
                for spec in specs:
                    if spec.primary:
                        LeverControl(spec, room.value(spec.path), change_lever)
                with solara.Details("More levers"):
                    for spec in specs:
                        if not spec.primary:
                            LeverControl(spec, room.value(spec.path), change_lever)
            cultures = room.cultures
            scales = shared_scales([c.daily() for c in cultures])
            with solara.Columns([1] * len(cultures)):
                for i, culture in enumerate(cultures):
                    CultureView(culture, culture_charts(culture.daily(), scales), i == 0, version)

"""The dashboard page (Solara): levers on the left, one or two cultures side by side.

Everything shown is computed by the Solara-free modules: :mod:`sim.dashboard.classroom`
(the runs), :mod:`sim.dashboard.stage` (the stage and backstage in words),
:mod:`sim.dashboard.charts` (inline SVG), :mod:`sim.dashboard.controls` (the levers, from
the schema and the policy registries) and :mod:`sim.dashboard.info` (the Info panel, from
docs/teaching.md). This module only lays them out and wires the buttons.

Made for a projector: text of 15 px and more, charts whose text is at least 14 px, and at
1280 x 720 the public stage starts on the first screen. Each browser tab gets its own
classroom. The Play loop runs in a thread; a lock keeps a lever change from landing in the
middle of a simulated day.
"""

from __future__ import annotations

import os
import threading
import time
from html import escape
from pathlib import Path

import solara

from sim.dashboard.charts import MIN_WIDTH, culture_charts, response_style, shared_scales
from sim.dashboard.classroom import Classroom, Culture, fixed_reason, presets_beside
from sim.dashboard.controls import (
    ControlSpec,
    change_words,
    lever_controls,
    lever_words,
    refusal,
    short_label,
)
from sim.dashboard.info import info_html
from sim.dashboard.server import ENV_COMPARE, ENV_SCENARIO, ENV_SEED, NO_COMPARISON
from sim.dashboard.stage import REPLY_WORDS, backstage_records, stage_records, waiting_records
from sim.errors import CurtainError
from sim.policies.registry import REGISTRIES
from sim.scenario import LEVERS, load_scenario
from sim.story import RESPONSE_TYPES

SPEEDS = ["1", "7", "30", "365"]  # days per Step / per Play tick
PLAY_INTERVAL_S = 0.4
NEGATIVE, POSITIVE = "#D55E00", "#56B4E9"  # Okabe-Ito vermillion and sky blue

CSS = f"""
.curtain-page {{ font-size: 15px; }}
.curtain-page .v-btn {{ font-size: 15px; }}
.curtain-top {{ display: flex; flex-wrap: wrap; align-items: center; gap: 8px 12px;
  position: sticky; top: 0; z-index: 5; background: white; padding: 4px 0;
  border-bottom: 1px solid #ddd; }}
.curtain-top .title {{ font-size: 22px; font-weight: bold; margin-right: 4px; }}
.curtain-top .preset {{ width: 140px; padding-top: 10px; }}
.curtain-top .v-input {{ margin-top: 0; padding-top: 0; }}
.curtain-top .speed {{ display: flex; align-items: center; gap: 6px; }}
.curtain-top .speed .v-btn {{ min-width: 46px; padding: 0 6px; }}
.curtain-top .day {{ font-size: 17px; line-height: 1.15; }}
.message {{ min-height: 22px; font-size: 15px; margin: 2px 0; }}
.message .refused {{ color: #8a2b00; background: #fde8dc; padding: 2px 8px;
  border-radius: 4px; }}
.curtain-body {{ display: flex; align-items: flex-start; gap: 12px; }}
.curtain-levers {{ flex: 0 0 270px; width: 270px; }}
.curtain-levers .control {{ margin: 0 0 10px 0; }}
.control-label {{ font-size: 14px; line-height: 1.25; color: #222; }}
.control-label b {{ font-size: 15px; }}
.control-help {{ font-size: 14px; color: #444; line-height: 1.25; }}
.curtain-levers .v-input {{ margin-top: 0; padding-top: 0; }}
.curtain-levers .v-input__slot {{ margin-bottom: 0; }}
.curtain-cultures {{ flex: 1 1 auto; min-width: 0; display: flex; gap: 12px;
  align-items: flex-start; }}
.curtain-cultures > * {{ flex: 1 1 0; min-width: 0; }}
.culture .v-card__text, .culture .v-card {{ padding: 8px 10px; }}
.culture-head {{ font-size: 22px; font-weight: bold; color: #111; }}
.culture-about {{ font-size: 15px; color: #333; }}
.culture-role {{ font-size: 14px; color: #555; }}
.curtain-page h4 {{ font-size: 18px; margin: 10px 0 4px 0; }}
.curtain-story {{ border-left: 8px solid {POSITIVE}; padding: 3px 8px; margin: 5px 0;
  background: #f7f7f7; font-size: 15px; }}
.curtain-story.negative {{ border-left-color: {NEGATIVE}; }}
.curtain-story .meta {{ color: #444; }}
.curtain-reply {{ margin-left: 12px; }}
.curtain-waiting {{ margin-left: 12px; font-weight: bold; color: #333; }}
.curtain-legend {{ font-size: 14px; display: flex; flex-wrap: wrap; gap: 4px 14px;
  align-items: center; }}
.curtain-legend .swatch {{ display: inline-block; width: 14px; height: 14px;
  vertical-align: -2px; margin-right: 4px; }}
.curtain-tally {{ font-size: 15px; }}
.curtain-tally td {{ padding: 0 8px 0 0; }}
.curtain-tally td.count {{ text-align: right; font-weight: bold; }}
.curtain-counts {{ display: flex; gap: 18px; font-size: 15px; }}
.curtain-counts b {{ font-size: 22px; display: block; }}
.curtain-charts {{ display: grid; gap: 8px;
  grid-template-columns: repeat(auto-fill, minmax({MIN_WIDTH}px, 1fr)); }}
.curtain-charts svg {{ width: 100%; min-width: {MIN_WIDTH}px; max-width: 640px;
  height: auto; }}
.curtain-small {{ font-size: 14px; color: #444; }}
/* A wide screen (1920 px): each card puts its charts beside its stage, both on the first screen. */
@media (min-width: 1700px) {{
  .culture-body {{ display: grid; grid-template-columns: minmax(0, 1fr) {MIN_WIDTH + 10}px;
    gap: 12px; align-items: start; }}
  .curtain-charts {{ grid-template-columns: 1fr; }}
}}
.info-panel {{ font-size: 16px; max-width: 1100px; background: #fffbea;
  border: 1px solid #e6d9a8; padding: 6px 14px; margin: 6px 0; }}
.info-panel table {{ border-collapse: collapse; }}
.info-panel strong, .info-panel b {{ font-weight: bold; }}
.info-panel td, .info-panel th {{ border: 1px solid #ccc; padding: 2px 6px; }}
""" + "".join(
    f'.curtain-reply.{kind}::before {{ content: "■ "; color: {response_style(kind)[0]}; }}\n'
    for kind in RESPONSE_TYPES
)


def _config() -> tuple[dict[str, Path], dict[str, str], str, str | None, int]:
    """Presets (stem -> file), their names as shown, the two chosen, and the seed."""
    scenario = Path(os.environ.get(ENV_SCENARIO, "scenarios/site_a.toml"))
    compare_env = os.environ.get(ENV_COMPARE, NO_COMPARISON)
    compare = None if compare_env in ("", NO_COMPARISON) else Path(compare_env)
    seed = int(os.environ.get(ENV_SEED, "1"))
    presets = presets_beside(scenario)
    if compare is not None:
        for label, path in presets_beside(compare).items():
            presets.setdefault(label, path)
    return presets, preset_names(presets), scenario.stem, compare.stem if compare else None, seed


def preset_names(presets: dict[str, Path]) -> dict[str, str]:
    """Each preset's name as shown: the scenario's ``name``, with the file's stem when two
    files share a name."""
    names = {stem: load_scenario(path).name for stem, path in presets.items()}
    counts = {name: list(names.values()).count(name) for name in names.values()}
    return {stem: name if counts[name] == 1 else f"{name} ({stem})" for stem, name in names.items()}


def plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _slug(path: str) -> str:
    return "lever-" + path.replace(".", "-").replace("_", "-")


def day_html(room: Classroom) -> str:
    """The day in the top bar: the last day simulated, as the newest story says it."""
    text = "not started" if room.today is None else f"today: day {room.today}"
    return (
        f'<b data-day="{room.day}" data-today="{"" if room.today is None else room.today}">'
        f'{text}</b><div class="curtain-small">{room.day} of {room.days} days run · '
        f"seed {room.seed}</div>"
    )


def legend_html() -> str:
    """What the stripes and the reply marks on the stage mean."""
    parts = [
        f'<span><span class="swatch" style="background:{NEGATIVE}"></span>negative story</span>',
        f'<span><span class="swatch" style="background:{POSITIVE}"></span>positive story</span>',
    ]
    for kind in RESPONSE_TYPES:
        if kind in REPLY_WORDS:
            parts.append(
                f'<span><span style="color:{response_style(kind)[0]}">■</span> '
                f"{REPLY_WORDS[kind]}</span>"
            )
    return '<div class="curtain-legend sentiment-legend">' + "".join(parts) + "</div>"


def tally_html(culture: Culture) -> str:
    """Why the unanswered stories are waiting: a small live table."""
    rows = waiting_records(culture)
    total = sum(row["count"] for row in rows)
    if total == 0:
        return '<div class="curtain-tally" data-waiting="0">no story is waiting for a reply</div>'
    cells = "".join(
        f'<tr data-reason="{escape(row["reason"])}"><td class="count">{row["count"]:,}</td>'
        f"<td>{escape(row['words'])}</td></tr>"
        for row in rows
        if row["count"]
    )
    return (
        f'<div class="curtain-tally" data-waiting="{total}"><b>Why {total:,} '
        f"{'story is' if total == 1 else 'stories are'} still waiting for a reply:</b>"
        f"<table>{cells}</table></div>"
    )


def stage_html(culture: Culture) -> str:
    if culture.today is None:
        return '<div class="curtain-small">no stories yet: press Step or Play</div>'
    parts = [
        f'<div class="curtain-small">{plural(culture.posted_on(culture.today), "story", "stories")}'
        f" posted today (day {culture.today}); the newest story of each recent day:</div>"
    ]
    for record in stage_records(culture):
        parts.append(
            f'<div class="curtain-story {record["sentiment"]}" data-story="{record["id"]}">'
            f"<b>{escape(record['title'])}</b>: {escape(record['tone'])} · "
            f'<span class="meta posted">{escape(record["posted"])}</span>'
        )
        for reply in record["replies"]:
            parts.append(
                f'<div class="curtain-reply {reply["kind"]}">{escape(reply["text"])}</div>'
            )
        if record["waiting"]:
            parts.append(
                f'<div class="curtain-waiting">why waiting: {escape(record["waiting"])}</div>'
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
    """The culture's policies in force, by their registry labels."""
    scenario = culture.in_force
    words = []
    for lever in LEVERS:
        policy = getattr(scenario, lever).policy
        text = f"<b>{lever_words(lever)}</b>: {escape(REGISTRIES[lever].label(policy))}"
        if lever == "cast":
            text += f" ({len(culture.model.castlist)} on the list)"
        words.append(text)
    return " · ".join(words)


@solara.component
def LeverControl(spec: ControlSpec, value, on_change):
    """One lever's control, its label above it (so it never runs into the next control);
    ``on_change(spec, new)`` returns False when the value was refused, and the control then
    shows the value in force again."""
    if spec.widget == "select":
        value = spec.choice_label(value)
    elif spec.widget == "int":
        value = int(value)
    else:
        value = float(value)
    shown = solara.use_reactive(value)  # follows ``value`` when it changes between renders

    def changed(new):
        if new is None or new == value:  # also the echo of putting a refused value back
            return
        if spec.widget == "select":
            new = spec.choice_value(new)
        if not on_change(spec, new):
            shown.set(value)

    label = escape(spec.label)
    if spec.widget == "slider":
        label += f": <b>{value:.2f}</b>"
    if spec.path.endswith(".policy"):
        label = f"<b>{label}</b>"
    with solara.Div(classes=["control", _slug(spec.path)]):
        solara.HTML(tag="div", unsafe_innerHTML=label, classes=["control-label"])
        if spec.widget == "select":
            solara.Select(
                label="",
                values=[spec.choice_label(c) for c in spec.choices or ()],
                value=shown,
                on_value=changed,
                dense=True,
            )
            help_text = spec.help(spec.choice_value(value))
            if help_text:
                solara.HTML(tag="div", unsafe_innerHTML=escape(help_text), classes=["control-help"])
        elif spec.widget == "slider":
            solara.SliderFloat(
                label="",
                value=shown,
                min=spec.min,
                max=spec.max,
                step=0.01,
                on_value=changed,
            )
        elif spec.widget == "int":
            solara.InputInt(label="", value=shown, on_value=changed, dense=True)
        else:
            solara.InputFloat(label="", value=shown, on_value=changed, dense=True)


@solara.component
def CultureView(
    culture: Culture,
    name: str,
    charts: dict[str, str],
    position: int,
    levers_here: bool,
    version: int,
):
    """One culture's card (``position`` 0 left, 1 beside it). ``version`` changes whenever the
    culture may have (a step, a lever change), so the card redraws even when its other
    arguments compare equal."""
    scenario = culture.in_force
    side = "culture-main" if position == 0 else "culture-compare"
    role = "the levers on the left change this culture" if levers_here else ""
    with solara.Div(classes=[side, f"culture-{culture.label}", "culture"]):
        with solara.Card():
            solara.HTML(tag="div", unsafe_innerHTML=escape(name), classes=["culture-head"])
            solara.HTML(
                tag="div", unsafe_innerHTML=escape(scenario.description), classes=["culture-about"]
            )
            if role:
                solara.HTML(tag="div", unsafe_innerHTML=role, classes=["culture-role"])
            with solara.Div(classes=["culture-body"]):
                with solara.Div(classes=["culture-stage"]):
                    solara.HTML(
                        tag="div", unsafe_innerHTML=tally_html(culture), classes=["waiting"]
                    )
                    solara.HTML(tag="h4", unsafe_innerHTML="Public stage")
                    solara.HTML(tag="div", unsafe_innerHTML=legend_html())
                    solara.HTML(tag="div", unsafe_innerHTML=stage_html(culture), classes=["stage"])
                    solara.HTML(
                        tag="div",
                        unsafe_innerHTML=f'<div class="curtain-small">{levers_line(culture)}</div>',
                        classes=["policies"],
                    )
                with solara.Div(classes=["culture-figures"]):
                    solara.HTML(
                        tag="div",
                        unsafe_innerHTML='<div class="curtain-charts">'
                        + "".join(charts.values())
                        + "</div>",
                        classes=["charts"],
                    )
                    solara.HTML(tag="h4", unsafe_innerHTML="Backstage")
                    solara.HTML(
                        tag="div", unsafe_innerHTML=backstage_html(culture), classes=["backstage"]
                    )
                    if culture.interventions:
                        lines = "".join(
                            f'<div class="curtain-small">day {day}: '
                            f"{escape(change_words(note))}</div>"
                            for day, note in culture.interventions
                        )
                        solara.HTML(tag="h4", unsafe_innerHTML="Levers changed during this run")
                        solara.HTML(tag="div", unsafe_innerHTML=lines, classes=["interventions"])


@solara.component
def Page():
    presets, names, main, compare, seed = solara.use_memo(_config, [])
    room: Classroom = solara.use_memo(lambda: Classroom(presets, main, compare, seed), [])
    lock = solara.use_memo(threading.Lock, [])
    version, set_version = solara.use_state(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(SPEEDS[0])
    message = solara.use_reactive("")
    refused = solara.use_reactive(False)
    lever_side = solara.use_reactive(0)
    show_info = solara.use_reactive(False)

    def say(text: str, problem: bool = False):
        message.value = text
        refused.value = problem

    def refresh():
        set_version(lambda v: v + 1)

    def step():
        with lock:
            stepped = room.step(int(speed.value))
        if not stepped:
            say(f"the run has reached day {room.days - 1}: press Reset to start again")
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
            pending = any(c.pending for c in room.cultures)
            room.reset()
        say(
            "back to the start, same seed"
            + (", with the changes that waited for Reset" if pending else "")
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
        lever_side.value = 0
        say(
            f"back to the start: {names[room.main_label]}"
            + (f" beside {names[room.compare_label]}" if room.compare else "")
        )
        refresh()

    def change_lever(spec: ControlSpec, value) -> bool:
        side = lever_side.value
        culture = room.culture(side)
        try:
            with lock:
                new = spec.parse(value)
                if room.value(spec.path, side) == new:
                    return True  # the control echoing the value in force: nothing to say
                room.set_lever(spec.path, new, side)
        except (CurtainError, ValueError) as err:
            say(refusal(spec.path, value, str(err)), problem=True)
            refresh()
            return False
        shown = spec.choice_label(new) if spec.widget == "select" else new
        when = "from the next Reset" if fixed_reason(spec.path) else f"from day {room.day}"
        say(f"{names[culture.label]}: {short_label(spec.path)} set to {shown}, {when}")
        refresh()
        return True

    solara.Style(CSS)
    solara.Title("Curtain: the stage and the backstage")
    specs = lever_controls()
    by_name = {names[stem]: stem for stem in presets}
    cultures = room.cultures
    side = min(lever_side.value, len(cultures) - 1)
    with solara.Column(style={"padding": "4px 10px"}, gap="2px", classes=["curtain-page"]):
        with solara.Div(classes=["curtain-top"]):
            solara.HTML(tag="div", unsafe_innerHTML="Curtain", classes=["title"])
            with solara.Div(classes=["control", "preset", "preset-main"]):
                solara.Select(
                    label="left",
                    values=list(by_name),
                    value=names[room.main_label],
                    on_value=lambda v: choose(new_main=by_name[v]),
                    dense=True,
                )
            with solara.Div(classes=["control", "preset", "preset-compare"]):
                solara.Select(
                    label="beside it",
                    values=["nothing", *by_name],
                    value=names[room.compare_label] if room.compare_label else "nothing",
                    on_value=lambda v: choose(
                        new_compare=NO_COMPARISON if v == "nothing" else by_name[v]
                    ),
                    dense=True,
                )
            with solara.Div(classes=["control", "buttons"]):
                solara.Button("Step", on_click=step, disabled=playing.value, classes=["step"])
                solara.Button(
                    "Pause" if playing.value else "Play",
                    on_click=lambda: playing.set(not playing.value),
                    classes=["play"],
                    color="primary",
                    style={"margin": "0 6px"},
                )
                solara.Button("Reset", on_click=reset, classes=["reset"])
            with solara.Div(classes=["control", "speed"]):
                solara.Text("days a step")
                solara.ToggleButtonsSingle(value=speed, values=SPEEDS, dense=True)
            solara.HTML(tag="div", unsafe_innerHTML=day_html(room), classes=["control", "day"])
            solara.Button(
                "Hide info" if show_info.value else "Info",
                on_click=lambda: show_info.set(not show_info.value),
                classes=["control", "info-toggle"],
                outlined=True,
            )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f'<span class="{"refused" if refused.value else ""}">'
            f"{escape(message.value)}</span>",
            classes=["message"],
        )
        if show_info.value:
            solara.HTML(tag="div", unsafe_innerHTML=info_html(), classes=["info-panel"])
        with solara.Div(classes=["curtain-body"]):
            with solara.Div(classes=["curtain-levers", "levers"]):
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML="<b>Levers</b>: a change applies from the next day, as an "
                    "intervention (a few wait for Reset)",
                    classes=["control-label"],
                )
                if len(cultures) > 1:
                    sides = [names[c.label] for c in cultures]
                    if sides[0] == sides[1]:
                        sides = [f"left: {sides[0]}", f"right: {sides[1]}"]
                    with solara.Div(classes=["control", "lever-side"]):
                        solara.Text("change: ")
                        solara.ToggleButtonsSingle(
                            value=sides[side],
                            values=sides,
                            on_value=lambda v: lever_side.set(sides.index(v)),
                            dense=True,
                        )
                for spec in specs:
                    if spec.primary:
                        LeverControl(spec, room.value(spec.path, side), change_lever).key(
                            f"{side}-{room.culture(side).label}-{spec.path}"
                        )
                with solara.Details("More levers"):
                    for spec in specs:
                        if not spec.primary:
                            LeverControl(spec, room.value(spec.path, side), change_lever).key(
                                f"{side}-{room.culture(side).label}-{spec.path}"
                            )
            scales = shared_scales([c.daily() for c in cultures])
            with solara.Div(classes=["curtain-cultures"]):
                for i, culture in enumerate(cultures):
                    CultureView(
                        culture,
                        names[culture.label],
                        culture_charts(culture.daily(), scales, room.days),
                        i,
                        i == side and len(cultures) > 1,
                        version,
                    ).key(f"culture-{i}")

"""The player's face in the browser: a small anywidget whose code ships in ``static/``, and the
words and pictures the kernel puts on it for each moment of a session.

The kernel sets these traits from the session engine (:meth:`PlayerFace.draw`); the browser only
draws them, eases the time bar between ticks and does what needs a browser (sound, vibration,
speech, the wake lock). Button presses come back as ``{"press": "primary" | "back" | "skip"}``
messages.
"""

from __future__ import annotations

import base64
import math
from pathlib import Path
from typing import TYPE_CHECKING

import anywidget
import traitlets as t

from kneekit.routines.routine import Routine, Step, format_duration
from kneekit.widgets.common import SIDE_WORDS

if TYPE_CHECKING:
    from kneekit.routines.catalogue import Stretch
    from kneekit.routines.session import Status

STATIC = Path(__file__).parent / "static"
BAND_WORDS = {"left": "LEFT LEG", "right": "RIGHT LEG", "both": "BOTH LEGS"}


def countdown(seconds: float) -> str:
    """``mm:ss``, rounded up: a countdown shows 0:30 at the start of a hold and 0:01 at its end."""
    whole = math.ceil(round(seconds, 6))
    return f"{whole // 60}:{whole % 60:02d}"


def describe(step: Step | None, next_step: Step | None) -> tuple[str, str]:
    """The headline and the side line for a step, in the words a client hears."""
    if step is None:
        return "Well done: routine complete", ""
    name = step.stretch.name
    if step.kind == "hold":
        return name, SIDE_WORDS[step.side or "both"]
    upcoming = SIDE_WORDS.get(next_step.side or "", "") if next_step else ""
    if step.kind == "prepare":
        return f"Get ready: {name}", f"{upcoming} first" if step.stretch.one_sided else upcoming
    if step.kind == "switch":
        return "Change legs", f"{upcoming} next"
    return "Rest", f"Next: {name}, rep {step.rep + 1}"


def picture_uri(stretch: Stretch) -> str:
    """The stretch's SVG as a data URI for an ``<img>``: as an image its markup never runs."""
    svg = stretch.picture_svg()
    if svg is None:
        return ""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def announcement(step: Step | None, next_step: Step | None) -> str:
    """What the live region says (and the voice speaks) when a step starts."""
    if step is None:
        return "Well done: routine complete."
    if step.kind == "hold":
        side = SIDE_WORDS[step.side or "both"]
        return f"{side}. {step.stretch.name}. Hold {step.duration_s} seconds."
    return ". ".join(part for part in describe(step, next_step) if part) + "."


class PlayerFace(anywidget.AnyWidget):
    """What a runner sees: side band, countdown, bar, picture, big Start/Pause and smaller keys."""

    _esm = STATIC / "face.js"
    _css = STATIC / "face.css"

    state = t.Unicode("ready").tag(sync=True)
    kind = t.Unicode("").tag(sync=True)
    side = t.Unicode("").tag(sync=True)
    band = t.Unicode("").tag(sync=True)
    headline = t.Unicode("").tag(sync=True)
    countdown = t.Unicode("").tag(sync=True)
    step_left = t.Float(0.0).tag(sync=True)
    step_total = t.Float(1.0).tag(sync=True)
    primary = t.Unicode("Start").tag(sync=True)
    upcoming = t.Unicode("").tag(sync=True)
    cues = t.List(t.Unicode()).tag(sync=True)
    overall = t.Unicode("").tag(sync=True)
    picture = t.Unicode("").tag(sync=True)
    picture_alt = t.Unicode("").tag(sync=True)
    sound_on = t.Bool(True).tag(sync=True)
    speak = t.Bool(False).tag(sync=True)
    cue = t.Dict().tag(sync=True)
    announce = t.Unicode("").tag(sync=True)

    def draw(self, status: Status | None, routine: Routine) -> None:
        """Show ``status`` of a session of ``routine`` (None: ready to start it), in one message
        to the browser."""
        state = status.state if status else "ready"
        with self.hold_sync():
            self.state = state
            self.primary = {"running": "Pause", "paused": "Resume"}.get(
                state, "Start again" if state in ("finished", "stopped") else "Start"
            )
            if status is None:
                self._draw_ready(routine)
                return
            step = status.step
            headline, side_words = describe(step, status.next_step)
            shown = step if step is None or step.kind == "hold" else status.next_step
            side = (shown.side or "both") if shown is not None else ""
            self.kind = step.kind if step else ""
            self.side = side
            band = BAND_WORDS.get(side, "")
            if step is not None and step.kind != "hold" and band:
                band = f"NEXT: {band}"
            self.band = ("PAUSED · " + band if band else "PAUSED") if state == "paused" else band
            self.headline = (
                headline
                if step is None or step.kind == "hold"
                else (f"{headline} — {side_words}" if side_words else headline)
            )
            self.countdown = countdown(status.step_left_s)
            self.step_left = float(status.step_left_s)
            self.step_total = float(step.duration_s if step else 1)
            stretch = step.stretch if step else None
            self.picture = picture_uri(stretch) if stretch else ""
            self.picture_alt = (stretch.picture_alt or "") if stretch else ""
            self.cues = list(stretch.cues) if stretch and step and step.kind != "rest" else []
            self.upcoming = _upcoming(status, routine)
            done = (status.index or 0) + 1 if step else len(routine.steps)
            self.overall = (
                f"Step {done} of {len(routine.steps)} · {format_duration(status.total_left_s)} left"
            )

    def _draw_ready(self, routine: Routine) -> None:
        first = routine.steps[0]
        side = (first.side or "both") if first.kind == "hold" else ""
        self.kind, self.side, self.band = "", side, ""
        self.headline = routine.name
        self.countdown = countdown(first.duration_s)
        self.step_left = self.step_total = float(first.duration_s)
        stretch = first.stretch
        self.picture, self.picture_alt = picture_uri(stretch), stretch.picture_alt or ""
        self.cues = []
        self.upcoming = (
            f"{len(routine.prescriptions)} stretches, {format_duration(routine.total_s)}."
            f" First: {stretch.name}. Press Start when you are in position."
        )
        self.overall = ""


def _upcoming(status: Status, routine: Routine) -> str:
    nxt, i, steps = status.next_step, status.index, routine.steps
    if nxt is None or i is None:
        return ""
    following = steps[i + 2] if i + 2 < len(steps) else None
    words = " — ".join(part for part in describe(nxt, following) if part)
    return f"Next: {words} ({nxt.duration_s} s)"


class PageStyle(anywidget.AnyWidget):
    """Invisible: brings ``static/page.css`` (full-width fields, 44 px targets, focus ring)."""

    _esm = STATIC / "page.js"
    _css = STATIC / "page.css"

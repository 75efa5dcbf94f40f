"""The player's face in the browser: a small anywidget whose code ships in ``static/``.

The kernel sets these traits from the session engine; the browser only draws them, eases the time
bar between ticks and does what needs a browser (sound, vibration, speech, the wake lock). Button
presses come back as ``{"press": "primary" | "back" | "skip"}`` messages.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets as t

STATIC = Path(__file__).parent / "static"


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


class PageStyle(anywidget.AnyWidget):
    """Invisible: brings ``static/page.css`` (full-width fields, 44 px targets, focus ring)."""

    _esm = STATIC / "page.js"
    _css = STATIC / "page.css"

"""What runs inside the kernel for the timer benchmark: the real player, instrumented, and a naive
countdown beside it, both in the kernel's own event loop and under the same load.

The player is :class:`kneekit.widgets.SessionPlayer` unchanged except that it notes the monotonic
time at which each of its redraws finished: that is when the screen changed, which is what a
client following the countdown sees. What the player does after redrawing (saving the step,
building the end-of-session summary) does not delay the display, so it is not counted. The
engine's schedule cannot drift (it computes every boundary from the start), so the lateness
measured here is all in the timer task and the loop.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from datetime import UTC, datetime
from pathlib import Path

import ipywidgets as w

from kneekit.records.store import Store
from kneekit.routines.routine import Routine, Step, parse_routine
from kneekit.routines.session import Status, SystemClock
from kneekit.widgets import CheckInForm, SessionPlayer
from kneekit.widgets.common import text
from kneekit.widgets.face import countdown


class TimedPlayer(SessionPlayer):
    """The session player, noting when each step and each whole second appeared on screen."""

    def __init__(self, store: Store, client_id: int) -> None:
        self.shown: list[tuple[int | None, float]] = []  # (step index or None for the end, when)
        self.seconds_late: list[float] = []  # how long after its second each new display came
        self.skipped_seconds = 0
        self._last: tuple[int | None, int] | None = None
        self._drawn = 0.0
        super().__init__(store, SystemClock(), client=store.client(client_id))

    def _render(self, status: Status | None) -> None:
        super()._render(status)
        self._drawn = time.monotonic()  # the widgets' new values have been sent to the page

    def _act(self, command: object) -> Status:
        status = super()._act(command)
        now = self._drawn
        for event in status.events:
            if event.kind == "step-started":
                self.shown.append((event.index, now))
            elif event.kind == "finished":
                self.shown.append((None, now))
        if status.state == "running" and status.step is not None:
            whole = math.ceil(round(status.step_left_s, 6))
            if self._last is not None and self._last[0] == status.index:
                self.skipped_seconds += max(0, self._last[1] - whole - 1)
            if self._last != (status.index, whole):
                # The display shows `whole` from the moment the time left fell to it.
                self.seconds_late.append(whole - status.step_left_s)
            self._last = (status.index, whole)
        return status


async def naive_countdown(steps: tuple[Step, ...], face: w.HTML, shown: list[float]) -> None:
    """The baseline: count each step down with ``sleep(1)`` per tick, as a first attempt would."""
    for step in steps:
        shown.append(time.monotonic())
        left = step.duration_s
        while left > 0:
            face.value = text(countdown(left), "6em", "bold")
            await asyncio.sleep(1)
            left -= 1
    shown.append(time.monotonic())


class TimerProbe:
    """Set up in the kernel by the timer benchmark; it pokes, then collects the results as JSON."""

    def __init__(self, db: str, routine_text: str) -> None:
        now = datetime.now(UTC)
        self.store = Store.open(Path(db))
        self.routine: Routine = parse_routine(routine_text, "timer benchmark")
        client = self.store.add_client("Timer B.", now)
        version = self.store.save_routine(self.routine, now)
        self.store.assign(client.id, version.id, now.date())
        self.player = TimedPlayer(self.store, client.id)
        self.form = CheckInForm(self.store, client=self.store.client(client.id))
        self.naive_face = w.HTML()
        self.naive_shown: list[float] = []
        self._naive: asyncio.Task[None] | None = None
        self.pokes = 0

    def slider_id(self) -> str:
        """The comm id of a check-in soreness scale, for widget messages sent as from a browser."""
        return str(self.form.left.model_id)

    def start(self) -> None:
        """Start the player and the naive countdown together, in this kernel's event loop."""
        self.player.start()
        loop = asyncio.get_running_loop()
        self._naive = loop.create_task(
            naive_countdown(self.routine.steps, self.naive_face, self.naive_shown)
        )

    def poke(self) -> str:
        """Touch other widgets, as a page would while the timer runs; says whether both are done."""
        self.pokes += 1
        self.form.right.value = self.pokes % 11
        self.form.note.value = f"poke {self.pokes}"
        naive_done = self._naive is not None and self._naive.done()
        player_done = self.player.session is not None and self.player.session.state == "finished"
        return "done" if naive_done and player_done else "running"

    def result(self) -> str:
        """What was measured, as JSON: times are monotonic seconds in this kernel."""
        return json.dumps(
            {
                "starts": [s.start_s for s in self.routine.steps],
                "total_s": self.routine.total_s,
                "shown": self.player.shown,
                "naive_shown": self.naive_shown,
                "seconds_late": self.player.seconds_late,
                "skipped_seconds": self.player.skipped_seconds,
                "pokes": self.pokes,
            }
        )

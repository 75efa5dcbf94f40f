"""The guided session player: a big countdown a client can follow from two metres away.

The player is a view over :class:`kneekit.session.Session`. Its timer is an asyncio task in the
kernel that only *asks* the engine where the session is, waking at the next whole second on the
display; it never counts ticks, so a late wake-up delays a redraw and nothing else.
"""

from __future__ import annotations

import asyncio
import functools
import html
import math
from typing import TYPE_CHECKING

import ipywidgets as w
from sqlalchemy.exc import SQLAlchemyError

from kneekit.config import today
from kneekit.errors import KneekitError
from kneekit.routines import Routine, Step, default_routine, format_duration
from kneekit.session import Clock, Event, Session, Status, StepRecord, SystemClock
from kneekit.widgets.checkin import CheckInForm
from kneekit.widgets.common import SIDE_WORDS, SOUNDS, text, tone

if TYPE_CHECKING:
    from kneekit.history import Client
    from kneekit.records.sessions import Unfinished
    from kneekit.records.store import Store


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


class SessionPlayer(w.VBox):
    """Play a routine for a client, saving each step to the store as it completes.

    Parameters
    ----------
    store : Store
        Where sessions and check-ins go.
    clock : Clock, optional
        Injected so that tests and benchmarks drive time; the system clock by default.
    client : Client, optional
        Fixes the client (the client's own page). Without it, the clinic chooses a client and a
        routine version.
    autotick : bool
        Run the timer task. Tests turn it off and call :meth:`tick` after moving the clock.
    """

    def __init__(
        self,
        store: Store,
        clock: Clock | None = None,
        client: Client | None = None,
        autotick: bool = True,
    ) -> None:
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.client = client
        self.autotick = autotick
        self.session: Session | None = None
        self.session_id: int | None = None
        self._task: asyncio.Task[None] | None = None

        self.client_picker = w.Dropdown(description="Client", options=self._client_options())
        self.routine_picker = w.Dropdown(description="Routine")
        self.client_picker.observe(lambda _: self._offer_routines(), "value")
        self.start_button = w.Button(description="Start", icon="play", button_style="success")
        self.pause_button = w.Button(description="Pause", icon="pause", disabled=True)
        self.skip_button = w.Button(description="Skip", icon="step-forward", disabled=True)
        self.back_button = w.Button(description="Back", icon="step-backward", disabled=True)
        self.mute = w.ToggleButton(description="Sound on", icon="volume-up", value=False)
        for name, button in (
            ("start", self.start_button),
            ("pause", self.pause_button),
            ("skip", self.skip_button),
            ("back", self.back_button),
            ("mute", self.mute),
        ):
            button.add_class(f"kneekit-{name}")
            button.layout = w.Layout(width="9em", height="3em")
            button.style.font_size = "1.25em"
        self.start_button.on_click(lambda _: self.start())
        self.pause_button.on_click(lambda _: self.toggle_pause())
        self.skip_button.on_click(lambda _: self._act(self.session.skip) if self.session else None)
        self.back_button.on_click(lambda _: self._act(self.session.back) if self.session else None)
        self.mute.observe(self._on_mute, "value")

        self.headline = w.HTML()
        self.side = w.HTML()
        self.clock_face = w.HTML()
        self.clock_face.add_class("kneekit-countdown")
        self.step_bar = w.FloatProgress(min=0, max=1, value=1, layout=w.Layout(width="100%"))
        self.cues = w.HTML()
        self.upcoming = w.HTML()
        self.overall = w.HTML()
        self.overall_bar = w.FloatProgress(min=0, max=1, value=0, layout=w.Layout(width="100%"))
        self.sound = w.Audio(autoplay=True, controls=False, loop=False)
        self.sound.layout = w.Layout(display="none")
        self.after = w.VBox()
        self.before = self._checkin_form("after-run", "Before you stretch")
        # issue #14: the last step saved, read by the page's lost-connection notice.
        self.saved_upto = w.HTML("", layout=w.Layout(display="none"))
        self.saved_upto.add_class("kneekit-saved-upto")
        self._unsaved: list[StepRecord] = []  # steps whose write failed, retried on each tick

        choosers = [] if client is not None else [self.client_picker, self.routine_picker]
        buttons = [self.start_button, self.pause_button, self.back_button, self.skip_button]
        super().__init__(
            [
                *choosers,
                # Wraps on a phone rather than squeezing the labels down to "…".
                w.HBox([*buttons, self.mute], layout=w.Layout(flex_flow="row wrap")),
                self.headline,
                self.side,
                self.clock_face,
                self.step_bar,
                self.cues,
                self.upcoming,
                self.overall,
                self.overall_bar,
                self.sound,
                self.after,
                self.before,
                self.saved_upto,
            ]
        )
        self.add_class("kneekit-player")
        self._offer_routines()
        self._render(None)

    # -- choosing ---------------------------------------------------------------------------
    def _client_options(self) -> list[tuple[str, int]]:
        return [] if self.client is not None else [(c.name, c.id) for c in self.store.clients()]

    def client_id(self) -> int | None:
        return self.client.id if self.client is not None else self.client_picker.value

    def _offer_routines(self) -> None:
        client_id = self.client_id()
        current = (
            self.store.current_version(client_id, self.clock.now().date())
            if client_id is not None
            else None
        )
        # On a client's own page only their routine is offered: every option is sent to the
        # browser, and other versions' names could name other clients.
        versions = self.store.versions() if self.client is None else [current] if current else []
        options: list[tuple[str, int | None]] = [(v.label, v.id) for v in versions if v]
        if self.client is None or current is None:
            options.append(("kneekit default routine", None))
        self.routine_picker.options = options
        self.routine_picker.value = current.id if current is not None else None
        if self.session is None:
            self._render(None)

    def routine(self) -> Routine:
        version = self.routine_picker.value
        return default_routine() if version is None else self.store.routine(version)

    # -- commands ---------------------------------------------------------------------------
    def start(self) -> None:
        if self.session is not None and self.session.state in ("running", "paused"):
            return
        client_id = self.client_id()
        self.session = Session(self.routine(), self.clock)
        self.after.children = ()
        self.before.layout.display = "none"
        resume = self._unfinished(client_id)  # issue #14: a reload carries on where it stopped
        self.session_id = (
            resume.session_id
            if resume is not None
            else self.store.sessions.start(client_id, self.routine_picker.value, self.clock.now())
            if client_id is not None
            else None
        )
        self._act(functools.partial(self.session.start, resume.next_step if resume else 0))
        if self.autotick:
            try:  # a kernel handles button clicks inside its running asyncio loop
                self._task = asyncio.get_running_loop().create_task(self._run())
            except RuntimeError:
                self._task = None  # no loop (plain Python): ticks come from calls to tick()

    def _unfinished(self, client_id: int | None) -> Unfinished | None:
        """Today's session of this client and routine cut short (kernel lost), if any."""
        if client_id is None:
            return None
        found = self.store.sessions.unfinished(client_id, today(self.clock.now()))
        if found is None or found.version_id != self.routine_picker.value:
            return None
        return found if found.next_step < len(self.routine().steps) else None

    def _save_pending(self) -> None:
        """Write the steps not yet saved, oldest first; a failed write waits for the next tick
        and never stops the timer (issue #14: a full disk froze the countdown)."""
        while self._unsaved and self.session_id is not None:
            try:
                self.store.sessions.save_step(self.session_id, self._unsaved[0])
            except (KneekitError, SQLAlchemyError, OSError):
                return
            step = self._unsaved.pop(0).step
            if step.kind == "hold":  # what a client calls a step: a stretch and a side
                where = SIDE_WORDS[step.side or "both"].lower()
                self.saved_upto.value = html.escape(f"{step.stretch.name}, {where}")

    def toggle_pause(self) -> None:
        if self.session is None:
            return
        self._act(self.session.resume if self.session.state == "paused" else self.session.pause)

    def tick(self) -> Status | None:
        """What the timer task does on each wake-up; tests call it after moving the clock."""
        self._save_pending()
        return self._act(self.session.tick) if self.session is not None else None

    def close(self) -> None:
        """Closing the view abandons a session under way, so no timer task outlives its page."""
        if self.session is not None and self.session.state in ("running", "paused"):
            self._act(self.session.stop)
        if self._task is not None:
            self._task.cancel()
        super().close()

    async def _run(self) -> None:
        while True:
            status = self.tick()
            if status is None or status.state in ("finished", "stopped"):
                return
            # Wake when the display's next whole second falls (or in half a second if paused).
            fraction = status.step_left_s - math.floor(status.step_left_s)
            await asyncio.sleep(0.5 if status.state == "paused" else (fraction or 1.0) + 0.001)

    def _act(self, command: object) -> Status:
        status: Status = command()  # type: ignore[operator]
        # Redraw first: what the client sees must not wait for saving or the end-of-session summary.
        self._render(status)
        for event in status.events:
            self._handle(event)
        return status

    def _handle(self, event: Event) -> None:
        if event.kind == "step-ended" and event.record and self.session_id is not None:
            self._unsaved.append(event.record)
            self._save_pending()
        elif event.kind == "count-in":
            self._play("count")
        elif event.kind == "step-started" and self.session and event.index is not None:
            kind = self.session.steps[event.index].kind
            self._play("hold" if kind == "hold" else "change")
        elif event.kind == "finished" and self.session is not None:
            self._play("done")
            if self.session_id is not None:
                completed = self.session.state == "finished"
                self.store.sessions.finish(self.session_id, self.clock.now(), completed)
            self._show_summary()

    def _play(self, sound: str) -> None:
        if not self.mute.value:
            # A new value is what makes the browser play; toggling a trailing zero byte lets
            # the same beep play twice in a row.
            value = tone(*SOUNDS[sound])
            self.sound.value = value + b"\0" if self.sound.value == value else value

    def _on_mute(self, change: dict[str, object]) -> None:
        self.mute.description = "Sound off" if change["new"] else "Sound on"
        self.mute.icon = "volume-off" if change["new"] else "volume-up"

    # -- drawing ----------------------------------------------------------------------------
    def _render(self, status: Status | None) -> None:
        state = status.state if status else "ready"
        active = state in ("running", "paused")
        self.start_button.disabled = active
        self.start_button.description = (
            "Start again" if state in ("finished", "stopped") else "Start"
        )
        for button in (self.pause_button, self.skip_button, self.back_button):
            button.disabled = not active
        self.pause_button.description = "Resume" if state == "paused" else "Pause"
        self.pause_button.icon = "play" if state == "paused" else "pause"
        self.client_picker.disabled = self.routine_picker.disabled = active
        routine = self.session.routine if self.session else self.routine()
        if status is None:
            first = routine.steps[0]
            self.headline.value = text(routine.name, "2em", "bold")
            self.side.value = text(
                f"{len(routine.prescriptions)} stretches, {format_duration(routine.total_s)}"
                " — press Start when you are in position",
                "1.3em",
            )
            self.clock_face.value = text(countdown(first.duration_s), "6em", "bold")
            self.step_bar.value, self.overall_bar.value = 1, 0
            self.cues.value = self.upcoming.value = self.overall.value = ""
            return
        headline, side = describe(status.step, status.next_step)
        if state == "paused":
            side = f"Paused — {side}" if side else "Paused"
        self.headline.value = text(headline, "2em", "bold", "kneekit-headline")
        self.side.value = text(side, "2.2em", "bold", "kneekit-side")
        self.clock_face.value = text(countdown(status.step_left_s), "6em", "bold")
        duration = status.step.duration_s if status.step else 1
        self.step_bar.value = status.step_left_s / duration
        self.overall_bar.value = status.progress
        cues = status.step.stretch.cues if status.step and status.step.kind != "rest" else ()
        self.cues.value = (
            "<ol style='font-size:1.3em;line-height:1.4'>"
            + "".join(f"<li>{html.escape(c)}</li>" for c in cues)
            + "</ol>"
        )
        nxt, i, steps = status.next_step, status.index, routine.steps
        if nxt is not None and i is not None:
            following = steps[i + 2] if i + 2 < len(steps) else None
            words = " — ".join(part for part in describe(nxt, following) if part)
            self.upcoming.value = text(f"Next: {words} ({nxt.duration_s} s)", "1.2em")
        else:
            self.upcoming.value = ""
        done = (status.index or 0) + 1 if status.step else len(routine.steps)
        self.overall.value = text(
            f"Step {done} of {len(routine.steps)} · {format_duration(status.total_left_s)} left",
            "1.2em",
        )

    def _show_summary(self) -> None:
        assert self.session is not None
        records = self.session.summary()
        rows = "".join(
            f"<tr><td>{html.escape(r.step.stretch.name)}</td>"
            f"<td>{SIDE_WORDS[r.step.side or 'both']}</td><td>{r.step.rep}</td>"
            f"<td>{r.planned_s} s</td><td>{r.held_s:.0f} s</td>"
            f"<td>{'skipped' if r.skipped else ''}</td></tr>"
            for r in records
        )
        held = sum(r.held_s for r in records)
        planned = self.session.routine.hold_s
        table = w.HTML(
            f"<h3>Held {held:.0f} s of {planned} s planned</h3>"
            "<table class='kneekit-summary' style='font-size:1.1em'><thead><tr><th>Stretch</th>"
            "<th>Leg</th><th>Rep</th><th>Planned</th><th>Held</th><th></th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
        self.after.children = (
            table,
            self._checkin_form("after-stretch", "And now, after stretching?"),
        )

    def _checkin_form(self, context: str, title: str) -> CheckInForm:
        return CheckInForm(
            self.store, self.clock, context=context, title=title, client_of=self.client_id
        )

"""The guided session player: a side and a countdown a runner can follow from the floor.

The player is a view over :class:`kneekit.routines.session.Session`. Its timer is an asyncio task in
the kernel that only *asks* the engine where the session is, waking at the next whole second on the
display; it never counts ticks, so a late wake-up delays a redraw and nothing else. What the runner
sees and hears is :class:`kneekit.widgets.face.PlayerFace`, drawn in the browser from what its
:meth:`~kneekit.widgets.face.PlayerFace.draw` makes of each moment.
"""

from __future__ import annotations

import asyncio
import functools
import html
import math
from typing import TYPE_CHECKING, Any

import ipywidgets as w
from sqlalchemy.exc import SQLAlchemyError

from kneekit.config import today
from kneekit.errors import KneekitError
from kneekit.routines.routine import Routine, default_routine
from kneekit.routines.session import Clock, Event, Session, Status, StepRecord, SystemClock
from kneekit.widgets.checkin import CheckInForm
from kneekit.widgets.common import SIDE_WORDS, chosen, offer, replace_children
from kneekit.widgets.face import PlayerFace, announcement

if TYPE_CHECKING:
    from kneekit.history import Client
    from kneekit.records.sessions import Unfinished
    from kneekit.records.store import Store

VIBRATE_ON = ("hold",)
"""Step kinds whose start buzzes the phone: a new hold is when the runner must act."""


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
        self._cues = 0

        self.client_picker = w.Dropdown(description="Client", options=self._client_options())
        self.routine_picker = w.Dropdown(description="Routine")
        for picker in (self.client_picker, self.routine_picker):
            picker.layout = w.Layout(width="100%", max_width="32em")
        self.client_picker.observe(lambda _: self._offer_routines(), "value")
        self.face = PlayerFace()
        self.face.on_msg(self._on_message)
        self.after = w.VBox()
        self.before = self._checkin_form("after-run", "Before you stretch")
        # issue #14: the last step saved, read by the page's lost-connection notice.
        self.saved_upto = w.HTML("", layout=w.Layout(display="none"))
        self.saved_upto.add_class("kneekit-saved-upto")
        self._unsaved: list[StepRecord] = []  # steps whose write failed, retried on each tick

        choosers = [] if client is not None else [self.client_picker, self.routine_picker]
        super().__init__(
            [*choosers, self.face, self.after, self.before, self.saved_upto],
            layout=w.Layout(width="100%"),
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
            self.store.current_version(client_id, today(self.clock.now()))
            if client_id is not None
            else None
        )
        # On a client's own page only their routine is offered: every option is sent to the
        # browser, and other versions' names could name other clients.
        versions = self.store.versions() if self.client is None else [current] if current else []
        options: list[tuple[str, int | None]] = [(v.label, v.id) for v in versions if v]
        if self.client is None or current is None:
            options.append(("kneekit default routine", None))
        offer(self.routine_picker, options, current.id if current is not None else None)
        if self.session is None:
            self._render(None)

    def routine(self) -> Routine:
        version = self.version_id()
        return default_routine() if version is None else self.store.routine(version)

    def version_id(self) -> int | None:
        """The chosen routine version; None for the kneekit default routine."""
        version: int | None = chosen(self.routine_picker)
        return version

    # -- commands ---------------------------------------------------------------------------
    def press(self, key: str) -> None:
        """A key pressed on the face: the big one starts, pauses or resumes; back; skip."""
        if key == "primary":
            if self.session is not None and self.session.state in ("running", "paused"):
                self.toggle_pause()
            else:
                self.start()
        elif key == "skip" and self.session is not None:
            self._act(self.session.skip)
        elif key == "back" and self.session is not None:
            self._act(self.session.back)

    def _on_message(self, _: object, content: Any, buffers: object) -> None:
        if isinstance(content, dict) and content.get("press") in ("primary", "back", "skip"):
            self.press(content["press"])

    def start(self) -> None:
        if self.session is not None and self.session.state in ("running", "paused"):
            return
        client_id = self.client_id()
        self.session = Session(self.routine(), self.clock)
        replace_children(self.after, [])
        self.before.layout.display = "none"
        resume = self._unfinished(client_id)  # issue #14: a reload carries on where it stopped
        self.session_id = resume.session_id if resume is not None else self._open_record(client_id)
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
        if found is None or found.version_id != self.version_id():
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
        self.face.close()
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
        if event.kind == "step-ended" and event.record:
            self._save_step(event.record)
        elif event.kind == "count-in":
            self._cue("count")
        elif event.kind == "step-started" and self.session and event.index is not None:
            steps = self.session.steps
            step = steps[event.index]
            following = steps[event.index + 1] if event.index + 1 < len(steps) else None
            self.face.announce = announcement(step, following)
            self._cue(
                "hold" if step.kind == "hold" else "change",
                say=self.face.announce,
                vibrate=step.kind in VIBRATE_ON,
            )
        elif event.kind == "finished" and self.session is not None:
            self.face.announce = announcement(None, None)
            self._cue("done", say=self.face.announce)
            self._close_record(completed=self.session.state == "finished")
            self._show_summary()

    # -- saving: each in one place, so a page-level hook (resume after reload) can wrap them ---
    def _open_record(self, client_id: int | None) -> int | None:
        """Start the session's record; None when no client is chosen (nothing is saved)."""
        if client_id is None:
            return None
        return self.store.sessions.start(client_id, self.version_id(), self.clock.now())

    def _save_step(self, record: StepRecord) -> None:
        """Save one completed (or skipped) step as it ends; a failed write is kept and tried
        again on each tick (:meth:`_save_pending`)."""
        if self.session_id is not None:
            self._unsaved.append(record)
            self._save_pending()

    def _close_record(self, completed: bool) -> None:
        """Mark the session finished (or abandoned), once every step it had is written."""
        self._save_pending()
        if self.session_id is not None and not self._unsaved:
            self.store.sessions.finish(self.session_id, self.clock.now(), completed)

    def _cue(self, sound: str, say: str = "", vibrate: bool = False) -> None:
        """Tell the browser to beep (unless the runner turned sound off), buzz and speak."""
        self._cues += 1
        sound = sound if self.face.sound_on else ""
        self.face.cue = {"n": self._cues, "sound": sound, "say": say, "vibrate": vibrate}

    # -- drawing ----------------------------------------------------------------------------
    def _render(self, status: Status | None) -> None:
        active = status is not None and status.state in ("running", "paused")
        self.client_picker.disabled = self.routine_picker.disabled = active
        self.face.draw(status, self.session.routine if self.session else self.routine())

    def _show_summary(self) -> None:
        assert self.session is not None
        records = self.session.summary()
        rows = "".join(
            f"<tr><td>{html.escape(r.step.stretch.name)}</td>"
            f"<td>{SIDE_WORDS[r.step.side or 'both']}</td>"
            f"<td>{r.held_s:.0f} of {r.planned_s} s{' (skipped)' if r.skipped else ''}</td></tr>"
            for r in records
        )
        held = sum(r.held_s for r in records)
        planned = self.session.routine.hold_s
        # Three short columns that wrap: the table fits a 320 px phone without scrolling sideways.
        table = w.HTML(
            f"<h3>Held {held:.0f} s of {planned} s planned</h3>"
            "<table class='kneekit-summary' style='width:100%;border-collapse:collapse;"
            "font-size:1em;overflow-wrap:anywhere'><thead><tr><th align=left>Stretch</th>"
            "<th align=left>Leg</th><th align=left>Held</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
        replace_children(
            self.after,
            [table, self._checkin_form("after-stretch", "And now, after stretching?")],
        )

    def _checkin_form(self, context: str, title: str) -> CheckInForm:
        return CheckInForm(
            self.store, self.clock, context=context, title=title, client_of=self.client_id
        )

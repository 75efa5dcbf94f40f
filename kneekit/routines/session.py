"""The session engine: where a guided session is in its routine's timeline, on an injected clock.

Nothing here counts ticks. The engine keeps an *anchor*, the monotonic time at which the timeline's
second zero fell; the position in the timeline is ``now - anchor``. Pauses, skips and "back" move
the anchor, and nothing else does, so the schedule cannot drift however often or rarely the
engine is asked where it is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from kneekit.routines.routine import Routine, Step

State = Literal["ready", "running", "paused", "finished", "stopped"]
EventKind = Literal["step-started", "step-ended", "count-in", "paused", "resumed", "finished"]

BACK_RESTARTS_AFTER_S = 3.0
"""Pressing Back later than this into a step restarts it; sooner, it goes to the previous step.

Source: the convention of media players (e.g. the iOS and Spotify "previous" buttons), which
clients already know from their phones.
"""

COUNT_IN_S = 3
"""A 3-2-1 count-in before each hold ends, as the guided-session issue (#4) asks."""


class Clock(Protocol):
    """Where the engine gets time: a monotonic clock for scheduling, a wall clock for records."""

    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...


class SystemClock:
    """The real clocks."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        """Now in the clinic's zone, so what is recorded keeps the offset where it happened."""
        from kneekit.config import clinic_zone

        return datetime.now(clinic_zone())


class ManualClock:
    """A clock that moves only when told to: for tests, demos and replays."""

    def __init__(self, start: datetime = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)) -> None:
        self.start = start
        self.seconds = 0.0

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self.seconds += seconds

    def monotonic(self) -> float:
        return self.seconds

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds)


@dataclass(frozen=True)
class StepRecord:
    """What was actually done in one step of the timeline."""

    index: int
    step: Step
    held_s: float
    skipped: bool
    started_at: datetime
    ended_at: datetime

    @property
    def planned_s(self) -> int:
        return self.step.duration_s


@dataclass(frozen=True)
class Event:
    """A transition the player may announce (with a sound, say). ``at`` is monotonic time."""

    kind: EventKind
    at: float
    index: int | None = None
    record: StepRecord | None = None
    count: int | None = None


@dataclass(frozen=True)
class Status:
    """Where the session stands, and what happened since the previous call."""

    state: State
    index: int | None
    step: Step | None
    next_step: Step | None
    step_left_s: float
    total_left_s: float
    progress: float
    events: tuple[Event, ...]


class Session:
    """A guided session of one routine. Every method returns the :class:`Status` after it."""

    def __init__(self, routine: Routine, clock: Clock | None = None) -> None:
        self.routine = routine
        self.steps = routine.steps
        self.clock: Clock = clock or SystemClock()
        self.state: State = "ready"
        self.records: list[StepRecord] = []
        self.paused_s = 0.0
        self._index = 0
        self._anchor = 0.0
        self._began = 0.0  # monotonic time the current step actually began
        self._paused_at = 0.0
        self._last_pos = 0.0
        self._events: list[Event] = []

    # -- commands: each applies what the clock has done so far, then acts -------------------
    def start(self, at_step: int = 0) -> Status:
        """Begin, at the first step or, carrying on a session cut short, at step ``at_step``.

        Steps before ``at_step`` are neither replayed nor recorded again: they were saved by
        the session that was cut short (see ``SessionLog.unfinished``).
        """
        if not 0 <= at_step < len(self.steps):
            raise ValueError(f"a routine of {len(self.steps)} steps has no step {at_step}.")
        if self.state == "ready":
            now = self.clock.monotonic()
            self.state = "running"
            self._index = at_step
            self._anchor = now - self.steps[at_step].start_s
            self._began = now
            self._last_pos = float(self.steps[at_step].start_s)
            self._emit("step-started", now, index=at_step)
        return self._status()

    def pause(self) -> Status:
        self._advance()
        if self.state == "running":
            self._paused_at = self.clock.monotonic()
            self.state = "paused"
            self._emit("paused", self._paused_at, index=self._index)
        return self._status()

    def resume(self) -> Status:
        if self.state == "paused":
            now = self.clock.monotonic()
            self.paused_s += now - self._paused_at
            self._anchor += now - self._paused_at
            self.state = "running"
            self._emit("resumed", now, index=self._index)
        return self.tick()

    def skip(self) -> Status:
        """End the current step now (recorded as skipped) and begin the next one."""
        self._advance()
        if self.state in ("running", "paused"):
            ref = self._reference()
            self._end_step(ref, held=None)
            self._enter(self._index + 1, ref)
        return self._status()

    def back(self) -> Status:
        """Restart the current step, or go to the previous one if it has only just begun."""
        self._advance()
        if self.state in ("running", "paused"):
            ref = self._reference()
            into = ref - self._anchor - self.steps[self._index].start_s
            restart = into > BACK_RESTARTS_AFTER_S or self._index == 0
            self._enter(self._index if restart else self._index - 1, ref)
        return self._status()

    def stop(self) -> Status:
        """Abandon the session; the step under way is recorded as skipped."""
        self._advance()
        if self.state in ("running", "paused"):
            ref = self._reference()
            self._end_step(ref, held=None)
            self.state = "stopped"
            self._emit("finished", ref)
        return self._status()

    def tick(self) -> Status:
        """Report where the session is, having passed every step boundary the clock crossed."""
        self._advance()
        return self._status()

    # -- internals ----------------------------------------------------------------------------
    def _advance(self) -> None:
        if self.state != "running":
            return
        pos = self.clock.monotonic() - self._anchor
        self._count_in(pos)
        while self._index < len(self.steps) and pos >= self.steps[self._index].end_s:
            end = self._anchor + self.steps[self._index].end_s
            self._end_step(end, held=float(self.steps[self._index].duration_s))
            self._enter(self._index + 1, end)
        self._last_pos = pos

    def _reference(self) -> float:
        return self._paused_at if self.state == "paused" else self.clock.monotonic()

    def _position(self) -> float:
        if self.state == "ready":
            return 0.0
        if self.state == "finished":
            return float(self.routine.total_s)
        return self._reference() - self._anchor

    def _enter(self, index: int, at: float) -> None:
        if index >= len(self.steps):
            self._index = len(self.steps)
            self.state = "finished"
            self._emit("finished", at)
            return
        self._index = index
        self._anchor = at - self.steps[index].start_s
        self._began = at
        self._last_pos = self.steps[index].start_s
        if self.state == "paused":
            self._paused_at = at
        self._emit("step-started", at, index=index)

    def _end_step(self, at: float, held: float | None) -> None:
        """Record the current step as ended at ``at``; ``held=None`` means cut short (skipped)."""
        step = self.steps[self._index]
        skipped = held is None
        if held is None:
            held = min(max(at - self._anchor - step.start_s, 0.0), float(step.duration_s))
        record = StepRecord(
            self._index, step, held, skipped, self._wall(self._began), self._wall(at)
        )
        self.records.append(record)
        self._emit("step-ended", at, index=self._index, record=record)

    def _count_in(self, pos: float) -> None:
        if self._index >= len(self.steps) or self.steps[self._index].kind != "hold":
            return
        end = self.steps[self._index].end_s
        for count in range(COUNT_IN_S, 0, -1):
            if self._last_pos < end - count <= pos:
                self._emit("count-in", self._anchor + end - count, index=self._index, count=count)

    def _wall(self, mono: float) -> datetime:
        return self.clock.now() - timedelta(seconds=self.clock.monotonic() - mono)

    def _emit(self, kind: EventKind, at: float, **details: object) -> None:
        self._events.append(Event(kind, at, **details))  # type: ignore[arg-type]

    def _status(self) -> Status:
        total = self.routine.total_s
        pos = min(max(self._position(), 0.0), float(total))
        events, self._events = tuple(self._events), []
        if self._index >= len(self.steps):
            return Status(self.state, None, None, None, 0.0, 0.0, 1.0, events)
        step = self.steps[self._index]
        nxt = self.steps[self._index + 1] if self._index + 1 < len(self.steps) else None
        left = min(max(step.end_s - pos, 0.0), float(step.duration_s))
        return Status(self.state, self._index, step, nxt, left, total - pos, pos / total, events)

    def summary(self) -> list[StepRecord]:
        """The latest record of each hold, in timeline order: what the client actually held."""
        latest = {r.index: r for r in self.records if r.step.kind == "hold"}
        return [latest[i] for i in sorted(latest)]

"""Playing a routine through the session engine as a client would, for the demo clinic and the
demo trials: both fill their records this way, so the demo's sessions obey the engine's rules."""

from __future__ import annotations

import random
from datetime import datetime

from kneekit.routines.routine import Routine
from kneekit.routines.session import ManualClock, Session, StepRecord

VARIANT = """\
name: Post-run knees
notes: Straight after the run, while the muscles are warm. A third calf hold for tight calves.
first_side: right
prepare: 5
switch: 5
rest: 10
stretches:
  - stretch: quadriceps
    hold: 30
    reps: 2
  - stretch: hamstring
    hold: 30
    reps: 2
  - stretch: calf
    hold: 30
    reps: 3
  - stretch: hip-flexor
    hold: 30
    reps: 2
"""
"""The variant one demo client moves to: the shipped routine with a third calf rep, saved under
the same name so that it becomes version 2 of "Post-run knees"."""


def play(
    routine: Routine, began: datetime, rng: random.Random, skip_p: float, stop_p: float
) -> tuple[list[StepRecord], datetime, bool]:
    """Play ``routine`` through the session engine as a client might: holds are occasionally
    cut short with Skip, and with chance ``stop_p`` the session is abandoned part-way.

    Returns the step records, when the session ended, and whether it ran to the end.
    """
    clock = ManualClock(began)
    session = Session(routine, clock)
    session.start()
    stop_at = rng.randrange(len(routine.steps)) if rng.random() < stop_p else None
    for index, step in enumerate(routine.steps):
        # Whole seconds keep the clock's arithmetic exact, so every boundary is crossed cleanly.
        part = rng.randint(1, step.duration_s - 1) if step.duration_s > 1 else 0
        if index == stop_at:
            clock.advance(part)
            session.stop()
            break
        if step.kind == "hold" and rng.random() < skip_p:
            clock.advance(part)
            session.skip()
        else:
            clock.advance(step.duration_s)
            session.tick()
    return session.records, clock.now(), session.state == "finished"

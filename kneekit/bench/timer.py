"""Timer accuracy in a real kernel: when each step of a routine appeared on screen, against its
schedule, while the kernel also handles other widget messages; and the same for a naive countdown.

Issue #6 sets the targets: drift at the end <= 20 ms and max lateness <= 100 ms.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from kneekit.bench.kernel import BenchError, Kernel, median

DRIFT_TARGET_MS = 20.0
"""Issue #6: the last step may end at most 20 ms after its schedule."""
LATE_TARGET_MS = 100.0
"""Issue #6: no step may appear more than 100 ms after its schedule."""

ROUTINE = """\
name: Timer benchmark
prepare: 3
switch: 2
rest: 2
stretches:
  - stretch: quadriceps
    hold: 10
  - stretch: hamstring
    hold: 7
  - stretch: calf
    hold: 10
"""
"""A 60 s routine of 10 steps: every kind of step, holds and changes of leg."""

QUICK_ROUTINE = """\
name: Quick timer check
prepare: 1
stretches:
  - stretch: hamstring
    hold: 5
"""
"""6 s and two steps: enough to check the machinery, not to measure anything."""

LOAD_INTERVAL_S = 0.1
"""How often the client side sends the kernel other work while the timer runs (issue #6 asks
for a kernel "busy handling other widget messages"; a person moving a slider sends about this)."""


def _lateness_ms(shown: list[float], starts: list[int]) -> list[float]:
    """How late each of ``shown`` came against ``shown[0] + starts``, in ms (first is 0)."""
    return [(t - shown[0] - s) * 1000 for t, s in zip(shown, starts, strict=True)]


def summarise(raw: dict[str, Any]) -> dict[str, Any]:
    """The benchmark's figures from what the kernel recorded (see :class:`TimerProbe.result`)."""
    schedule = [*raw["starts"], raw["total_s"]]
    shown = raw["shown"]
    indexes = [index for index, _ in shown]
    if indexes != [*range(len(raw["starts"])), None]:
        raise BenchError(f"the player showed steps {indexes}, not each step once in order")
    late = _lateness_ms([t for _, t in shown], schedule)
    naive = _lateness_ms(raw["naive_shown"], schedule)
    seconds = [s * 1000 for s in raw["seconds_late"]]
    return {
        "drift_ms": round(late[-1], 1),
        "max_late_ms": round(max(late), 1),
        "naive_drift_ms": round(naive[-1], 1),
        "naive_max_late_ms": round(max(naive), 1),
        "second_late_median_ms": round(median(seconds), 1),
        "second_late_max_ms": round(max(seconds), 1),
        "skipped_seconds": raw["skipped_seconds"],
        "late_ms": [round(x, 1) for x in late],
        "steps": len(raw["starts"]),
        "routine_s": raw["total_s"],
        "load_messages": raw["pokes"] * 2,
        "met": late[-1] <= DRIFT_TARGET_MS and max(late) <= LATE_TARGET_MS,
    }


def measure(routine: str = ROUTINE, load_interval_s: float = LOAD_INTERVAL_S) -> dict[str, Any]:
    """Play ``routine`` through the real player in a real kernel on the system clock, under load.

    Every ``load_interval_s`` the client side sends one execute request that changes a check-in
    form's widgets and one widget update (a slider moved, as from a browser). The naive countdown
    runs at the same time in the same loop, so both see the same load.
    """
    with tempfile.TemporaryDirectory(prefix="kneekit-bench-timer-") as tmp:
        folder = Path(tmp)
        with Kernel(folder / "kernel") as kernel:
            kernel.run(
                "from kneekit.bench.probe import TimerProbe\n"
                f"probe = TimerProbe({str(folder / 'timer.sqlite3')!r}, {routine!r})"
            )
            total, slider = kernel.run("print(probe.routine.total_s, probe.slider_id())").split()
            kernel.run("probe.start()")
            deadline = time.monotonic() + float(total) + 30
            tick = time.monotonic()
            value = 0
            while kernel.run("print(probe.poke())").strip() != "done":
                if time.monotonic() > deadline:
                    raise BenchError("the session did not finish within 30 s of its end")
                value = (value + 1) % 11
                state = {"index": value}  # a soreness key tapped, as from a browser
                kernel.send_comm(slider, {"method": "update", "state": state, "buffer_paths": []})
                tick += load_interval_s
                time.sleep(max(0.0, tick - time.monotonic()))
            raw = json.loads(kernel.run("print(probe.result())"))
    return summarise(raw)

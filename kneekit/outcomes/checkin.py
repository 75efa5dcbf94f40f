"""Soreness check-ins: the client's own 0–10 rating of each knee, and what surrounds it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from kneekit.errors import Problem, SorenessError
from kneekit.outcomes.scale import SCALE

Context = Literal["after-run", "after-stretch", "next-morning", "other"]
CONTEXTS: tuple[str, ...] = get_args(Context)

KM_MAX = 320.0
"""The longest distance kneekit accepts for one run: about the 24-hour world record (319.6 km,
Sorokin 2022). Anything longer is a typo (metres typed as km, an extra zero), never a run."""
MINUTES_MAX = 24 * 60.0
"""The longest time accepted for one run: a day, the longest single race format commonly run;
longer is a typo (seconds typed as minutes)."""

NOTE_MAX_CHARS = 2000
"""Long enough for a clinical remark; short enough that one note cannot swamp the overview."""


def _finite(value: object) -> float | None:
    """A real, finite number, or None (whole numbers too big for a float count as not finite)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _storable(text: str) -> bool:
    """Whether text survives being saved as UTF-8 (a lone surrogate from a browser does not)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class CheckIn:
    """One soreness check-in, already validated. Build it with :func:`check_in`."""

    client_id: int
    at: datetime
    context: Context
    left: int
    right: int
    km: float | None = None
    minutes: float | None = None
    note: str = ""

    @property
    def worse(self) -> int:
        """The sorer knee's rating, which is what a physio acts on."""
        return max(self.left, self.right)


def _rating_problem(knee: str, value: object) -> Problem | None:
    """What is wrong with one knee's rating on :data:`SCALE`, or None if it is a rating."""
    low, high = SCALE
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return None
    return Problem(
        "check-in",
        knee,
        f"{knee} knee soreness must be a whole number from {low} (none) to {high} (worst "
        f"imaginable); it is {value!r}.",
    )


def check_in(
    client_id: int,
    at: datetime,
    left: object,
    right: object,
    *,
    now: datetime,
    context: object = "after-run",
    km: object = None,
    minutes: object = None,
    note: object = "",
) -> CheckIn:
    """Validate a check-in as entered; raises SorenessError listing every problem.

    ``now`` is passed in (not read from the clock) so that "not in the future" is testable.
    """
    ratings = (_rating_problem("left", left), _rating_problem("right", right))
    problems: list[Problem] = [p for p in ratings if p is not None]

    def bad(field: str, message: str) -> None:
        problems.append(Problem("check-in", field, message))

    if context not in CONTEXTS:
        bad("context", f"must be one of {', '.join(CONTEXTS)}; it is {context!r}.")
    if at.tzinfo is None:
        bad("at", "the time must include its time zone.")
    elif at > now:
        bad("at", f"{at:%Y-%m-%d %H:%M} is in the future; enter when the soreness was felt.")
    for name, value, unit, top in (
        ("km", km, "km", KM_MAX),
        ("minutes", minutes, "minutes", MINUTES_MAX),
    ):
        if value is None:
            continue
        number = _finite(value)
        if number is None or not 0 <= number <= top:
            bad(
                name,
                f"run {unit} must be a number from 0 to {top:g}, or left empty; it is {value!r}.",
            )
    if not isinstance(note, str) or len(note) > NOTE_MAX_CHARS:
        bad("note", f"the note must be text of at most {NOTE_MAX_CHARS} characters.")
    elif not _storable(note):
        bad("note", "the note holds a character that cannot be saved; type it again.")
    if problems:
        raise SorenessError(problems)
    return CheckIn(
        client_id,
        at,
        context,  # type: ignore[arg-type]
        left,  # type: ignore[arg-type]
        right,  # type: ignore[arg-type]
        None if km is None else float(km),  # type: ignore[arg-type]
        None if minutes is None else float(minutes),  # type: ignore[arg-type]
        note.strip(),  # type: ignore[attr-defined]
    )

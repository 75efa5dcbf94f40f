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

_LOW, _HIGH = SCALE


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
    """One soreness check-in, valid by construction: building one with a value off the scale,
    a context not in :data:`CONTEXTS`, an implausible run, an overlong note or a time without
    its zone raises SorenessError, as :class:`~kneekit.routines.routine.Routine` does for its
    limits. Only "not in the future" needs a clock, so :func:`check_in` (entering one) adds it.
    """

    client_id: int
    at: datetime
    context: Context
    left: int
    right: int
    km: float | None = None
    minutes: float | None = None
    note: str = ""

    @classmethod
    def stored(
        cls,
        client_id: int,
        at: datetime,
        context: Context,
        left: int,
        right: int,
        km: float | None,
        minutes: float | None,
        note: str,
    ) -> CheckIn:
        """A check-in as the clinic database holds it, not checked again: it met the rules in
        force when it was saved, and the database's own constraints hold it on the scale. A
        clinic from before a rule was tightened (version 1 accepted any distance) must still
        open, with every record as it was, rather than fail on every page over one old typo."""
        made = object.__new__(cls)
        vars(made).update(
            client_id=client_id,
            at=at,
            context=context,
            left=left,
            right=right,
            km=km,
            minutes=minutes,
            note=note,
        )
        return made

    def __post_init__(self) -> None:
        # Entering and importing build many (the demo, a bulk import, the fuzz tests), so the
        # usual check-in passes one chain of plain comparisons; only a refused one is looked at
        # field by field. Rows read back from the database skip this (see stored()).
        left, right, km, minutes, note = self.left, self.right, self.km, self.minutes, self.note
        if (
            type(left) is int
            and _LOW <= left <= _HIGH
            and type(right) is int
            and _LOW <= right <= _HIGH
            and (km is None or (type(km) is float and 0.0 <= km <= KM_MAX))
            and (minutes is None or (type(minutes) is float and 0.0 <= minutes <= MINUTES_MAX))
            and self.context in CONTEXTS
            and isinstance(self.at, datetime)
            and self.at.tzinfo is not None
            and type(note) is str
            and len(note) <= NOTE_MAX_CHARS
            and (note.isascii() or _storable(note))
        ):
            return
        problems = _problems(self.at, self.context, left, right, km, minutes, note, None)
        if problems:
            raise SorenessError(problems)

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


def _problems(
    at: object,
    context: object,
    left: object,
    right: object,
    km: object,
    minutes: object,
    note: object,
    now: datetime | None,
) -> list[Problem]:
    """Everything wrong with a check-in's values, in the order of the form; with ``now``, also a
    time in the future."""
    ratings = (_rating_problem("left", left), _rating_problem("right", right))
    problems: list[Problem] = [p for p in ratings if p is not None]

    def bad(field: str, message: str) -> None:
        problems.append(Problem("check-in", field, message))

    if context not in CONTEXTS:
        bad("context", f"must be one of {', '.join(CONTEXTS)}; it is {context!r}.")
    if not isinstance(at, datetime) or at.tzinfo is None:
        bad("at", "the time must include its time zone.")
    elif now is not None and at > now:
        bad("at", f"{at:%Y-%m-%d %H:%M} is in the future; enter when the soreness was felt.")
    for name, value, top in (("km", km, KM_MAX), ("minutes", minutes, MINUTES_MAX)):
        number = None if value is None else _finite(value)
        if value is not None and (number is None or not 0 <= number <= top):
            bad(
                name,
                f"run {name} must be a number from 0 to {top:g}, or left empty; it is {value!r}.",
            )
    if not isinstance(note, str) or len(note) > NOTE_MAX_CHARS:
        bad("note", f"the note must be text of at most {NOTE_MAX_CHARS} characters.")
    elif not _storable(note):
        bad("note", "the note holds a character that cannot be saved; type it again.")
    return problems


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
    """A check-in as entered; raises SorenessError listing every problem, "in the future" too.

    ``now`` is passed in (not read from the clock) so that "not in the future" is testable.
    """
    problems = _problems(at, context, left, right, km, minutes, note, now)
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

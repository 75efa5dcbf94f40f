"""Flags: what in a client's last week a physio may want to act on, in plain words.

Each flag names its source. kneekit advises; a flag is a prompt to look, not a diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from kneekit.history import History
from kneekit.trends import (
    ACCEPTABLE_MAX,
    DISTANCE_JUMP,
    EPS,
    KNEES,
    SMALLEST_CHANGE,
    Knee,
    clip,
    weekly,
)

FlagCode = Literal["high-after-run", "morning-higher", "rising", "distance-jump"]
_MODEL = "the pain-monitoring model (Silbernagel et al. 2007)"
_FLAGS: dict[FlagCode, tuple[str, str]] = {
    "high-after-run": (
        "{Knee} knee above 5 after a run",
        "Rated {now}/10 after the run on {day:%a %d %b}, above the limit of 5 in {model}. Worth a "
        "look: consider easing the running until soreness after runs stays at 5 or below.",
    ),
    "morning-higher": (
        "{Knee} knee sorer the morning after",
        "Next-morning soreness averaged {now:.1f} in the last 7 days against {before:.1f} the "
        "week before. In {model} soreness should settle by the next morning. Worth a look: "
        "consider holding the running load steady until it does.",
    ),
    "rising": (
        "{Knee} knee soreness rising",
        "Mean daily soreness {now:.1f} in the last 7 days against {before:.1f} the week before. "
        "In {model} soreness should not build from week to week. Consider asking what changed "
        "(distance, pace, hills, shoes) and easing the load.",
    ),
    "distance-jump": (
        "Weekly distance up more than 30%",
        "{now:.1f} km in the last 7 days against {before:.1f} km the week before ({rise:+.0%}). "
        "Novice runners who raised their weekly distance by more than 30% had more knee and other "
        "overuse injuries in one cohort study (Nielsen et al. 2014); it is an association, not "
        "proof. Consider a gentler build-up.",
    ),
}


@dataclass(frozen=True)
class Flag:
    """Something in the last week a physio may want to act on, with the numbers, in plain words."""

    code: FlagCode
    knee: Knee | None
    title: str
    detail: str

    def __str__(self) -> str:
        return f"{self.title}. {self.detail}"


def _flag(code: FlagCode, knee: Knee | None, **numbers: object) -> Flag:
    title, detail = _FLAGS[code]
    words = {"Knee": (knee or "").capitalize(), "model": _MODEL, **numbers}
    return Flag(code, knee, title.format(**words), detail.format(**words))


def flags(history: History, today: date) -> tuple[Flag, ...]:
    """The flags for the seven days ending today, compared where relevant with the seven before.

    - soreness above 5 after a run (the top of the acceptable zone, Silbernagel et al. 2007);
    - next-morning soreness at least 1 point higher than the week before (SMALLEST_CHANGE);
    - mean daily soreness at least 1 point higher than the week before (SMALLEST_CHANGE);
    - weekly distance more than 30% above the week before (DISTANCE_JUMP, Nielsen et al. 2014).
    """
    out: list[Flag] = []
    week = clip(history, today - timedelta(6), today).checkins
    runs = [c for c in week if c.context == "after-run"]
    before, now = weekly(history, today, 2)
    for knee in KNEES:
        worst = max(runs, key=lambda c: (getattr(c, knee), c.at), default=None)
        if worst is not None and getattr(worst, knee) > ACCEPTABLE_MAX:
            out.append(_flag("high-after-run", knee, now=getattr(worst, knee), day=worst.at))
        rises: tuple[tuple[FlagCode, str], ...] = (
            ("morning-higher", "morning"),
            ("rising", "soreness"),
        )
        for code, field in rises:
            b, n = getattr(before, field)[knee], getattr(now, field)[knee]
            if b is not None and n is not None and n - b >= SMALLEST_CHANGE - EPS:
                out.append(_flag(code, knee, now=n, before=b))
    if before.km > 0 and now.km > before.km * (1 + DISTANCE_JUMP) + EPS:
        out.append(
            _flag("distance-jump", None, now=now.km, before=before.km, rise=now.km / before.km - 1)
        )
    return tuple(out)

"""Who needs attention: each client's flags, knees, adherence and routine, computed once.

``kneekit review``, the clinic overview, the trends page and the report all read a
:class:`ClientReview`, so the numbers a physio sees agree wherever they look.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kneekit.history import History
from kneekit.progress.adherence import Adherence, adherence
from kneekit.progress.flags import WEEK, Flag, Thresholds, flags
from kneekit.progress.trends import (
    KNEES,
    Knee,
    Verdict,
    Zone,
    assignment_on,
    change_from_baseline,
    clip,
    mean_of,
    ratings_by_day,
    zone,
)


@dataclass(frozen=True)
class KneeState:
    """One knee now: mean daily soreness over the last 7 days, its zone, and the verdict on the
    change since the first two weeks (None: not enough data)."""

    mean7: float | None
    zone: Zone | None
    verdict: Verdict | None

    def as_dict(self) -> dict[str, object]:
        mean = None if self.mean7 is None else round(self.mean7, 2)
        return {"mean7": mean, "zone": self.zone, "verdict": self.verdict}


@dataclass(frozen=True)
class ClientReview:
    """What a physio needs to decide whether to look at a client today."""

    client_id: int
    name: str
    routine: str | None
    flags: tuple[Flag, ...]
    knees: Mapping[Knee, KneeState]
    adherence: Adherence
    trial: str | None = None  # where a routine trial stands (kneekit.trials.plan), if there is one
    akps: str | None = None  # the latest knee questionnaire score in words (kneekit.outcomes.akps)

    @property
    def sessions_per_week(self) -> float | None:
        return self.adherence.sessions_per_week

    def as_dict(self) -> dict[str, object]:
        """The client as ``kneekit review --json`` prints it."""
        per_week = self.sessions_per_week
        return {
            "name": self.name,
            "routine": self.routine,
            "flags": [f.as_dict() for f in self.flags],
            "knees": {k: v.as_dict() for k, v in self.knees.items()},
            "adherence": self.adherence.as_dict(),
            "sessions_per_week": None if per_week is None else round(per_week, 2),
            "trial": self.trial,
            "akps": self.akps,
        }


def review(
    history: History,
    today: date,
    *,
    thresholds: Thresholds | None = None,
    last_checkin: datetime | None = None,
    followed_from: date | None = None,
    trial: str | None = None,
    akps: str | None = None,
) -> ClientReview:
    """One client's review; see :func:`kneekit.progress.flags.flags` for ``last_checkin`` and
    ``followed_from``; ``trial`` and ``akps`` are the words for the trial and the questionnaire."""
    week = ratings_by_day(clip(history, today - timedelta(WEEK - 1), today))
    knees = {}
    for i, knee in enumerate(KNEES):
        mean7 = mean_of(r[i] for r in week.values())
        verdict = change_from_baseline(history, knee, today).verdict
        knees[knee] = KneeState(
            mean7,
            None if mean7 is None else zone(mean7),
            None if verdict == "not enough data" else verdict,
        )
    routine = assignment_on(history, today)
    return ClientReview(
        history.client_id,
        history.name,
        routine.label if routine else None,
        flags(
            history,
            today,
            thresholds=thresholds,
            last_checkin=last_checkin,
            followed_from=followed_from,
        ),
        knees,
        adherence(history, today),
        trial,
        akps,
    )


def attention_first(reviews: Sequence[ClientReview]) -> list[ClientReview]:
    """Clients with flags first (most flags first), then the rest; alphabetical within each."""
    return sorted(reviews, key=lambda r: (-len(r.flags), r.name.casefold()))

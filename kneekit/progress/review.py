"""Who needs attention: each client's flags, knees, adherence, routine and latest check-in,
computed once.

``kneekit review``, the clinic overview, the trends page and the report all read a
:class:`ClientReview`, so the numbers a physio sees agree wherever they look.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kneekit.history import History
from kneekit.outcomes.checkin import CheckIn
from kneekit.progress.adherence import Adherence, adherence
from kneekit.progress.flags import Flag, flags
from kneekit.progress.thresholds import WEEK, Thresholds
from kneekit.progress.trends import (
    KNEES,
    Direction,
    Knee,
    Verdict,
    Zone,
    assignment_on,
    change_from_baseline,
    daily_ratings,
    mean_of,
    two_week_trend,
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
    """What a physio needs to decide whether to look at a client today: one record per client,
    the same on the clinic overview, in ``kneekit review``, the trends page and the report."""

    client_id: int
    name: str
    routine: str | None
    flags: tuple[Flag, ...]
    knees: Mapping[Knee, KneeState]
    adherence: Adherence
    last_checkin: datetime | None  # the latest check-in on or before the day reviewed
    left: int | None  # the highest left and right ratings on that check-in's day
    right: int | None
    trend: Direction | None  # the sorer knee's last two weeks against the two before
    trend_change: float | None
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


def _last_checkin(history: History, today: date, latest: CheckIn | None = None) -> CheckIn | None:
    """The client's last check-in on or before today: the history's, or ``latest`` (their
    latest one known, when the history is cut to recent weeks) if that is later."""
    last = next((c for c in reversed(history.checkins) if c.at.date() <= today), None)
    if latest is not None and latest.at.date() <= today and (last is None or latest.at > last.at):
        return latest
    return last


def review(
    history: History,
    today: date,
    *,
    thresholds: Thresholds | None = None,
    latest: CheckIn | None = None,
    followed_from: date | None = None,
    trial: str | None = None,
    akps: str | None = None,
) -> ClientReview:
    """One client's review.

    ``latest`` is the client's latest check-in, for a ``history`` cut to recent weeks that may not
    hold it; ``followed_from`` is as for :func:`kneekit.progress.flags.flags`; ``trial`` and
    ``akps`` are the words for the trial and the questionnaire.
    """
    last = _last_checkin(history, today, latest)
    # The client's daily ratings, worked out once for the knees, the flags, the trend and the
    # last check-in's day.
    ratings = daily_ratings(history, today, also=[last.at.date()] if last else [])
    week = ratings.between(today - timedelta(WEEK - 1), today)
    knees = {}
    for i, knee in enumerate(KNEES):
        mean7 = mean_of(r[i] for r in week)
        verdict = change_from_baseline(history, knee, today, ratings=ratings).verdict
        knees[knee] = KneeState(
            mean7,
            None if mean7 is None else zone(mean7),
            None if verdict == "not enough data" else verdict,
        )
    left = right = None
    if last is not None:
        # That day's highest; a latest check-in from outside the history stands alone.
        left, right = ratings.on(last.at.date()) or (last.left, last.right)
    routine = assignment_on(history, today)
    return ClientReview(
        history.client_id,
        history.name,
        routine.label if routine else None,
        flags(
            history,
            today,
            thresholds=thresholds,
            last_checkin=last.at if last else None,
            followed_from=followed_from,
            ratings=ratings,
        ),
        knees,
        adherence(history, today),
        last.at if last else None,
        left,
        right,
        *two_week_trend(history, today, ratings=ratings),
        trial,
        akps,
    )


def attention_first(reviews: Sequence[ClientReview]) -> list[ClientReview]:
    """Clients with flags first (most flags first), then the rest; alphabetical within each."""
    return sorted(reviews, key=lambda r: (-len(r.flags), r.name.casefold()))

"""The clinic overview: one row per client, the review's figures plus the latest check-in and the
two-week trend, built from the recent weeks of each record."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from kneekit.history import History
from kneekit.outcomes.akps import Score, latest_akps_words
from kneekit.outcomes.checkin import CheckIn
from kneekit.outcomes.scale import SMALLEST_CHANGE
from kneekit.progress.adherence import RECENT_DAYS, Adherence, first_day
from kneekit.progress.flags import RUN_SPIKE_DAYS, WEEK, Flag, Thresholds
from kneekit.progress.review import ClientReview, review
from kneekit.progress.trends import (
    BASELINE_DAYS,
    EPS,
    Direction,
    clip,
    mean_of,
    ratings_by_day,
)
from kneekit.trials.plan import TrialPlan, trial_status_words

LOOK_BACK_DAYS = max(RECENT_DAYS, WEEK + RUN_SPIKE_DAYS)
"""How far back a review reads: the adherence period, and the 30 days a run spike looks behind
the last 7 (:data:`kneekit.progress.flags.RUN_SPIKE_DAYS`)."""


class ActiveTrials(Protocol):
    def active(self, today: date) -> Mapping[int, TrialPlan]: ...


class QuestionnaireScores(Protocol):
    def akps_by_client(self) -> Mapping[int, Sequence[Score]]: ...


class ClinicRecords(Protocol):
    """What the overview reads from a clinic's records (:class:`kneekit.records.store.Store` is
    one). Named here, not imported, so the analysis never depends on the database layer."""

    @property
    def trials(self) -> ActiveTrials: ...

    @property
    def outcomes(self) -> QuestionnaireScores: ...

    def histories(self, since: datetime | None = None) -> Sequence[History]: ...

    def latest_checkins(self, until: datetime | None = None) -> Mapping[int, CheckIn]: ...

    def opening_checkins(self, days: int) -> Mapping[int, Sequence[CheckIn]]: ...


@dataclass(frozen=True)
class OverviewRow:
    """One client's line in the clinic overview."""

    review: ClientReview
    last_checkin: datetime | None
    left: int | None
    right: int | None
    trend: Direction | None
    trend_change: float | None

    @property
    def client_id(self) -> int:
        return self.review.client_id

    @property
    def name(self) -> str:
        return self.review.name

    @property
    def flags(self) -> tuple[Flag, ...]:
        return self.review.flags

    @property
    def adherence(self) -> Adherence:
        return self.review.adherence

    @property
    def routine(self) -> str | None:
        return self.review.routine

    @property
    def trial(self) -> str | None:
        return self.review.trial


def two_week_trend(history: History, today: date) -> tuple[Direction | None, float | None]:
    """Mean daily soreness (sorer knee) in the last 14 days minus the 14 before, and its arrow.

    "up" or "down" when the change is at least 1 point (SMALLEST_CHANGE, Salaffi et al. 2004),
    else "flat"; ``(None, None)`` when either fortnight has no ratings.
    """
    ratings = ratings_by_day(clip(history, today - timedelta(27), today))
    split = today - timedelta(13)
    now = mean_of(max(r) for d, r in ratings.items() if d >= split)
    before = mean_of(max(r) for d, r in ratings.items() if d < split)
    if now is None or before is None:
        return None, None
    change = now - before
    if abs(change) < SMALLEST_CHANGE - EPS:
        return "flat", change
    return ("up" if change > 0 else "down"), change


def with_openings(
    histories: Iterable[History], openings: Mapping[int, Sequence[CheckIn]]
) -> list[History]:
    """Recent histories with each client's first check-ins put back in front, so the
    change-from-baseline verdict sees the first two weeks as well as the last."""
    out = []
    for h in histories:
        start = h.checkins[0].at if h.checkins else None
        early = tuple(c for c in openings.get(h.client_id, ()) if start is None or c.at < start)
        out.append(replace(h, checkins=early + h.checkins) if early else h)
    return out


def overview(
    histories: Iterable[History],
    today: date,
    latest: Mapping[int, CheckIn] | None = None,
    openings: Mapping[int, Sequence[CheckIn]] | None = None,
    thresholds: Thresholds | None = None,
    trials: Mapping[int, TrialPlan] | None = None,
    akps: Mapping[int, Sequence[Score]] | None = None,
) -> list[OverviewRow]:
    """One row per client, in the order given.

    ``histories`` may hold only the recent weeks (see :func:`clinic_overview`); ``latest`` (each
    client's most recent check-in) and ``openings`` (each client's first two weeks of check-ins)
    then say what lies before, so the last check-in and the baseline verdict stay right.
    ``trials`` (each client's planned or running trial) and ``akps`` (each client's knee
    questionnaire scores) add their lines.
    """
    rows = []
    for h in with_openings(histories, openings or {}):
        quiet = (latest or {}).get(h.client_id)
        mine = [c for c in h.checkins if c.at.date() <= today]
        last = mine[-1] if mine else None
        if quiet is not None and quiet.at.date() <= today and (last is None or quiet.at > last.at):
            last = quiet
        left = right = None
        if last is not None:
            same_day = clip(h, last.at.date(), last.at.date()).checkins or (last,)
            left, right = max(c.left for c in same_day), max(c.right for c in same_day)
        first = (openings or {}).get(h.client_id)
        plan = (trials or {}).get(h.client_id)
        scores = (akps or {}).get(h.client_id)
        verdict = review(
            h,
            today,
            thresholds=thresholds,
            last_checkin=last.at if last else None,
            followed_from=first[0].at.date() if first else first_day(h),
            trial=trial_status_words(plan, h, today) if plan is not None else None,
            akps=latest_akps_words(scores) if scores else None,
        )
        rows.append(
            OverviewRow(verdict, last.at if last else None, left, right, *two_week_trend(h, today))
        )
    return rows


def clinic_overview(
    store: ClinicRecords, today: date, thresholds: Thresholds | None = None
) -> list[OverviewRow]:
    """The overview straight from the clinic database, reading only the weeks it shows.

    Loading every check-in of a large clinic costs seconds (about 3 s per million rows), so this
    asks the store for the recent weeks of each record, each client's latest check-in and their
    first two weeks.
    """
    since = datetime.combine(today - timedelta(LOOK_BACK_DAYS), time(), UTC)
    latest = store.latest_checkins(until=datetime.combine(today + timedelta(1), time(12), UTC))
    openings = store.opening_checkins(BASELINE_DAYS)
    return overview(
        store.histories(since=since),
        today,
        latest=latest,
        openings=openings,
        thresholds=thresholds or Thresholds.from_settings(),
        trials=store.trials.active(today),
        akps=store.outcomes.akps_by_client(),
    )


def clinic_review(
    store: ClinicRecords, today: date, *, thresholds: Thresholds | None = None
) -> list[ClientReview]:
    """Every client's review, from the same reading of the database as the clinic overview."""
    return [row.review for row in clinic_overview(store, today, thresholds)]

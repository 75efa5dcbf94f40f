"""The clinic overview: every client's review (:class:`kneekit.progress.review.ClientReview`),
built from the recent weeks of each record."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from kneekit.history import History
from kneekit.outcomes.akps import Score, latest_akps_words
from kneekit.outcomes.checkin import CheckIn
from kneekit.progress.adherence import RECENT_DAYS, first_day
from kneekit.progress.review import ClientReview, review
from kneekit.progress.thresholds import RUN_SPIKE_DAYS, WEEK, Thresholds
from kneekit.progress.trends import BASELINE_DAYS
from kneekit.trials.plan import TrialPlan, trial_status_words

LOOK_BACK_DAYS = max(RECENT_DAYS, WEEK + RUN_SPIKE_DAYS)
"""How far back a review reads: the adherence period, and the 30 days a run spike looks behind
the last 7 (:data:`kneekit.progress.thresholds.RUN_SPIKE_DAYS`)."""


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
) -> list[ClientReview]:
    """Every client's review, in the order given.

    ``histories`` may hold only the recent weeks (see :func:`clinic_overview`); ``latest`` (each
    client's most recent check-in) and ``openings`` (each client's first two weeks of check-ins)
    then say what lies before, so the last check-in and the baseline verdict stay right.
    ``trials`` (each client's planned or running trial) and ``akps`` (each client's knee
    questionnaire scores) add their lines.
    """
    out = []
    for h in with_openings(histories, openings or {}):
        first = (openings or {}).get(h.client_id)
        plan = (trials or {}).get(h.client_id)
        scores = (akps or {}).get(h.client_id)
        out.append(
            review(
                h,
                today,
                thresholds=thresholds,
                latest=(latest or {}).get(h.client_id),
                followed_from=first[0].at.date() if first else first_day(h),
                trial=trial_status_words(plan, h, today) if plan is not None else None,
                akps=latest_akps_words(scores) if scores else None,
            )
        )
    return out


def clinic_overview(
    store: ClinicRecords, today: date, thresholds: Thresholds | None = None
) -> list[ClientReview]:
    """Every client's review straight from the clinic database, reading only the weeks it shows
    (the clinic overview and ``kneekit review`` both read these).

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

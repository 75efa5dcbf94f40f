"""The clinic overview: one row per client, built from the last four weeks of each record."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from kneekit.flags import Flag, flags
from kneekit.history import History
from kneekit.soreness import CheckIn
from kneekit.trends import (
    EPS,
    RECENT_DAYS,
    SMALLEST_CHANGE,
    Adherence,
    Direction,
    adherence,
    assignment_on,
    clip,
    day_of,
    mean_of,
    ratings_by_day,
)

if TYPE_CHECKING:
    from kneekit.records.store import Store


@dataclass(frozen=True)
class OverviewRow:
    """One client's line in the clinic overview."""

    client_id: int
    name: str
    last_checkin: datetime | None
    left: int | None
    right: int | None
    trend: Direction | None
    trend_change: float | None
    flags: tuple[Flag, ...]
    adherence: Adherence
    routine: str | None


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


def overview(
    histories: Iterable[History], today: date, latest: Mapping[int, CheckIn] | None = None
) -> list[OverviewRow]:
    """One row per client, in the order given, from the last four weeks of each record.

    Each client costs about the same whatever the length of their record or the size of the
    clinic: only the last four weeks are read, found by bisection. ``latest`` (each client's
    most recent check-in) lets the histories hold just those four weeks and still say when a
    client who has gone quiet last checked in.
    """
    rows = []
    for h in histories:
        recent = clip(h, today - timedelta(RECENT_DAYS - 1), today)
        end = bisect.bisect_right(h.checkins, today, key=day_of)
        last = h.checkins[end - 1] if end else None
        quiet = latest.get(h.client_id) if latest is not None else None
        if quiet is not None and quiet.at.date() <= today and (last is None or quiet.at > last.at):
            last = quiet
        left = right = None
        if last is not None:
            same_day = clip(h, last.at.date(), last.at.date()).checkins or (last,)
            left, right = max(c.left for c in same_day), max(c.right for c in same_day)
        direction, change = two_week_trend(recent, today)
        routine = assignment_on(h, today)
        rows.append(
            OverviewRow(
                h.client_id,
                h.name,
                last.at if last else None,
                left,
                right,
                direction,
                change,
                flags(recent, today),
                adherence(recent, today),
                routine.label if routine else None,
            )
        )
    return rows


def clinic_overview(store: Store, today: date) -> list[OverviewRow]:
    """The overview straight from the clinic database, reading only the weeks it shows.

    Loading every check-in of a large clinic costs seconds (about 3 s per million rows), so this
    asks the store for the last four weeks of each record plus each client's latest check-in.
    """
    since = datetime.combine(today - timedelta(RECENT_DAYS - 1), time(), UTC)
    until = datetime.combine(today + timedelta(1), time(), UTC)
    latest = store.latest_checkins(until=until)
    return overview(store.histories(since=since), today, latest=latest)

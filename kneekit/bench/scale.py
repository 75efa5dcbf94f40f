"""Clinic scale: a synthetic clinic of 500 clients with two years of check-ins (about a million
rows) and one a tenth of its size; the time to build the clinic overview, one client's trend
figure and one client's export in each.

Targets from issue #6, on a 2-core machine: overview <= 0.5 s; one client's trend <= 0.15 s and
nearly independent of the clinic's size (ten times the rows, at most 1.5 times the time).
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from kneekit.bench.kernel import median
from kneekit.progress import overview
from kneekit.progress.overview import LOOK_BACK_DAYS
from kneekit.progress.trends import clip
from kneekit.records import schema
from kneekit.records.store import Store, name_key
from kneekit.routines.routine import default_routine

OVERVIEW_TARGET_S = 0.5
"""Issue #6: the clinic overview of 500 clients in at most 0.5 s."""
TREND_TARGET_S = 0.15
"""Issue #6: one client's trend figure in at most 0.15 s."""
TREND_RATIO_TARGET = 1.5
"""Issue #6: ten times the rows may make one client's trend at most 1.5 times slower."""

TODAY = date(2026, 3, 2)
"""A fixed "today", so that every run builds and reads the same clinic."""
DAYS = 730
"""Two years of records, as issue #6 asks."""
CHECKINS_PER_DAY = 2.74
"""Mean check-ins per client and day: 500 clients x 730 days x 2.74 is about a million rows."""
TREND_WEEKS = 12
"""The trends view shows twelve weeks unless told otherwise (kneekit.widgets.trends)."""


def _client_rows(
    index: int, client_id: int, start: date, days: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One client's check-ins and stretch sessions; the same ``index`` gives the same records in
    every clinic, so one client's trend can be timed in clinics of different sizes."""
    rng = random.Random(6000 + index)
    level = rng.uniform(1, 6)
    checkins: list[dict[str, Any]] = []
    sessions: list[dict[str, Any]] = []
    extra = CHECKINS_PER_DAY - 2
    for d in range(days):
        level = min(9.0, max(0.0, level + rng.gauss(0, 0.3)))
        ran = datetime.combine(start + timedelta(d), clock_time(17), UTC)
        ran += timedelta(minutes=rng.randrange(120))
        times = [ran, ran + timedelta(hours=14)]
        contexts = ["after-run", "next-morning"]
        if rng.random() < extra:
            times.insert(1, ran + timedelta(minutes=40))
            contexts.insert(1, "after-stretch")
        for at, context in zip(times, contexts, strict=True):
            left = min(10, max(0, round(level + rng.gauss(0, 0.8))))
            right = min(10, max(0, round(level - 1 + rng.gauss(0, 0.8))))
            run = context == "after-run"
            checkins.append(
                {
                    "client_id": client_id,
                    "at": at,
                    "context": context,
                    "left_knee": left,
                    "right_knee": right,
                    "km": round(rng.uniform(4, 14), 1) if run else None,
                    "minutes": rng.randrange(25, 90) if run else None,
                    "note": "",
                }
            )
        if rng.random() < 0.6:
            began = ran + timedelta(minutes=10)
            sessions.append(
                {
                    "client_id": client_id,
                    "version_id": 1,
                    "started_at": began,
                    "ended_at": began + timedelta(minutes=6),
                    "completed": True,
                    "planned_s": 240,
                    "held_s": 240.0,
                }
            )
    return checkins, sessions


def build_clinic(
    path: Path | str, clients: int, days: int = DAYS, today: date = TODAY
) -> dict[str, int]:
    """Write a synthetic clinic to a new database at ``path``, in bulk through the store's schema.

    Returns how many clients, check-ins and sessions it holds.
    """
    start = today - timedelta(days)
    opened = datetime.combine(start, clock_time(8), UTC)
    counts = {"clients": clients, "checkins": 0, "sessions": 0}
    with Store.open(path) as store:
        version = store.save_routine(default_routine(), opened)
        with store.engine.begin() as conn:
            names = [f"Runner {i:04d}" for i in range(clients)]
            conn.execute(
                schema.clients.insert(),
                [{"name": n, "name_key": name_key(n), "created_at": opened} for n in names],
            )
            ids = list(
                conn.execute(schema.clients.select().order_by(schema.clients.c.id)).scalars()
            )
            conn.execute(
                schema.assignments.insert(),
                [{"client_id": cid, "version_id": version.id, "since": start} for cid in ids],
            )
            for index, cid in enumerate(ids):
                checkins, sessions = _client_rows(index, cid, start, days)
                conn.execute(schema.checkins.insert(), checkins)
                if sessions:
                    conn.execute(schema.sessions.insert(), sessions)
                counts["checkins"] += len(checkins)
                counts["sessions"] += len(sessions)
    return counts


def _timed(work: Callable[[], object], repeat: int) -> float:
    """The median wall time of ``repeat`` runs of ``work``, in seconds."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return median(times)


def trend_parts(store: Store, client_id: int, today: date = TODAY) -> dict[str, float]:
    """One client's trend figure as the trends view makes it, timed part by part (seconds):
    loading the history, drawing the figure, and rendering it to the PNG the page shows."""
    from kneekit.figstyle import to_png  # matplotlib only when the figure is drawn
    from kneekit.progress import figures as plots

    began = time.perf_counter()
    history = store.history(client_id)
    loaded = time.perf_counter()
    start = today - timedelta(weeks=TREND_WEEKS)
    figure = plots.soreness_trend(clip(history, start, today), today, start=start)
    drawn = time.perf_counter()
    to_png(figure)
    rendered = time.perf_counter()
    return {"history": loaded - began, "figure": drawn - loaded, "png": rendered - drawn}


def _total(parts: dict[str, float]) -> float:
    return sum(parts.values())


def time_clinic(path: Path | str, client_id: int, repeat: int = 5) -> dict[str, float]:
    """Time the overview, one client's trend and export in the clinic at ``path`` (seconds)."""
    from kneekit.exports.client import to_csv, to_json

    with Store.open(path) as store:
        trend_parts(store, client_id)  # matplotlib's first figure loads fonts; not timed
        runs = sorted((trend_parts(store, client_id) for _ in range(repeat)), key=_total)
        middle = runs[len(runs) // 2]  # the median run, so its parts add up to its total
        since = datetime.combine(TODAY - timedelta(LOOK_BACK_DAYS), clock_time(), UTC)
        return {
            "overview": _timed(lambda: overview.clinic_overview(store, TODAY), repeat),
            "overview_latest": _timed(store.latest_checkins, repeat),
            "overview_histories": _timed(lambda: store.histories(since=since), repeat),
            "overview_all_rows": _timed(lambda: overview.overview(store.histories(), TODAY), 1),
            "trend": _total(middle),
            "trend_history": middle["history"],
            "trend_figure": middle["figure"],
            "trend_png": middle["png"],
            "export_json": _timed(lambda: to_json(store, client_id), 3),
            "export_csv": _timed(lambda: to_csv(store, client_id), 3),
        }


@contextmanager
def _places(db: str | None) -> Iterator[tuple[Any, Any]]:
    """Where the two clinics go: temporary SQLite files, or two schemas made (and dropped
    afterwards) in the PostgreSQL database ``db``, each the search path of its own URL."""
    if db is None:
        with tempfile.TemporaryDirectory(prefix="kneekit-bench-scale-") as tmp:
            yield Path(tmp) / "full.sqlite3", Path(tmp) / "tenth.sqlite3"
        return
    from sqlalchemy import create_engine, text

    names = ("kneekit_bench_full", "kneekit_bench_tenth")
    engine = create_engine(db)
    try:
        with engine.begin() as conn:
            for name in names:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
                conn.execute(text(f"CREATE SCHEMA {name}"))
        joiner = "&" if "?" in db else "?"
        full, tenth = (f"{db}{joiner}options=-csearch_path%3D{name}" for name in names)
        yield full, tenth
    finally:
        with engine.begin() as conn:
            for name in names:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        engine.dispose()


def measure(clients: int = 500, days: int = DAYS, db: str | None = None) -> dict[str, Any]:
    """Build the clinic and one a tenth of its size, and time both (see the module docstring).

    ``db``: a PostgreSQL URL to measure there instead of in temporary SQLite files.
    """
    with _places(db) as (full, small):
        began = time.perf_counter()
        counts = build_clinic(full, clients, days)
        built_s = time.perf_counter() - began
        small_counts = build_clinic(small, max(1, clients // 10), days)
        middle = max(1, clients // 20)  # a client present, with the same records, in both
        big = time_clinic(full, middle)
        tenth = time_clinic(small, middle)
    ratio = big["trend"] / tenth["trend"]
    return {
        "rows": counts["checkins"],
        "clients": clients,
        "sessions": counts["sessions"],
        "small_rows": small_counts["checkins"],
        "build_s": round(built_s, 1),
        "overview_s": round(big["overview"], 3),
        "overview_small_s": round(tenth["overview"], 3),
        "overview_latest_s": round(big["overview_latest"], 3),
        "overview_histories_s": round(big["overview_histories"], 3),
        "overview_all_rows_s": round(big["overview_all_rows"], 3),
        "trend_s": round(big["trend"], 3),
        "trend_small_s": round(tenth["trend"], 3),
        "trend_ratio": round(ratio, 2),
        "trend_history_s": round(big["trend_history"], 4),
        "trend_figure_s": round(big["trend_figure"], 3),
        "trend_png_s": round(big["trend_png"], 3),
        "export_s": round(big["export_json"], 3),
        "export_csv_s": round(big["export_csv"], 3),
        "met": big["overview"] <= OVERVIEW_TARGET_S
        and big["trend"] <= TREND_TARGET_S
        and ratio <= TREND_RATIO_TARGET,
    }

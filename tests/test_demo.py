"""The demo clinic: the same every time, played through the real engine, and each client's
pattern really is in the data."""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from statistics import mean
from zoneinfo import ZoneInfo

import pytest

from kneekit.demo.clinic import RUNNERS, make_demo
from kneekit.demo.trials import DEMO_TRIALS
from kneekit.errors import StoreError
from kneekit.exports.client import to_json
from kneekit.history import History
from kneekit.progress.overview import clinic_overview
from kneekit.records.store import Store

TODAY = date(2026, 3, 4)  # a Wednesday
ZONE = ZoneInfo("America/Los_Angeles")  # not UTC, so local days are exercised


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    with Store.open(tmp_path_factory.mktemp("demo") / "demo.sqlite3") as store:
        make_demo(store, TODAY, zone=ZONE)
        yield store


@pytest.fixture(scope="module")
def demo_histories(demo_store) -> dict[str, History]:
    """Each demo client's records, by name."""
    return {h.name: h for h in demo_store.histories()}


def worse(history: History, context: str = "after-run") -> list[tuple[date, int]]:
    return [(c.at.date(), c.worse) for c in history.checkins if c.context == context]


def window(points: list[tuple[date, int]], start: date, days: int) -> float:
    return mean(v for d, v in points if start <= d < start + timedelta(days))


def adherence(history: History) -> float:
    """Share of runs followed by a stretch session the same day."""
    run_days = {c.at.date() for c in history.checkins if c.km is not None}
    stretched = {s.started_at.date() for s in history.sessions}
    return len(run_days & stretched) / len(run_days)


def weekly_km(history: History) -> dict[date, float]:
    weeks: dict[date, float] = defaultdict(float)
    for c in history.checkins:
        if c.km is not None:
            weeks[c.at.date() - timedelta(c.at.weekday())] += c.km
    return dict(sorted(weeks.items()))


def test_the_demo_is_the_same_every_time(tmp_path, demo_store):
    with Store.open(tmp_path / "again.sqlite3") as again:
        make_demo(again, TODAY, zone=ZONE)
        assert [to_json(again, c.id) for c in again.clients()] == [
            to_json(demo_store, c.id) for c in demo_store.clients()
        ]
    with Store.open(tmp_path / "other.sqlite3") as other:
        make_demo(other, TODAY, seed=7, zone=ZONE)
        assert to_json(other, 1) != to_json(demo_store, 1)


def test_twelve_weeks_of_six_clients_and_nothing_in_the_future(demo_histories):
    assert len(demo_histories) >= 6
    assert set(demo_histories) == {r.name for r in RUNNERS} | {t[0] for t in DEMO_TRIALS}
    start = TODAY - timedelta(days=TODAY.weekday() + 7 * 12)
    midnight = datetime.combine(TODAY, datetime.min.time(), ZONE)
    for history in demo_histories.values():
        times = [c.at for c in history.checkins] + [s.started_at for s in history.sessions]
        if history.name in {r.name for r in RUNNERS}:  # the trial runners start with their trials
            assert min(times).date() == start or min(times).date() < start + timedelta(7)
        assert max(times) < midnight
        assert {c.context for c in history.checkins} == {"after-run", "next-morning"}
        runs = [c for c in history.checkins if c.context == "after-run"]
        assert all(c.km > 0 and c.minutes > 0 for c in runs)


def test_sessions_are_what_the_engine_recorded(demo_store, demo_histories):
    for history in demo_histories.values():
        steps = demo_store.sessions.client_steps(history.client_id)
        for session in history.sessions:
            saved = steps[session.session_id]
            routine = demo_store.routine(session.version_id)
            assert saved[0].started_at == session.started_at
            for before, after in pairwise(saved):
                assert after.started_at == before.ended_at  # one continuous timeline
                assert after.index == before.index + 1
            for step in saved:
                planned = routine.steps[step.index]
                assert (step.kind, step.stretch, step.side, step.planned_s) == (
                    planned.kind,
                    planned.stretch.id,
                    planned.side,
                    planned.duration_s,
                )
                assert step.held_s == step.planned_s or step.skipped
            if session.completed:
                assert len(saved) == len(routine.steps)
            holds = sum(s.held_s for s in saved if s.kind == "hold")
            assert session.held_s == holds <= session.planned_s


def test_soreness_falls_with_good_adherence(demo_histories):
    maya = demo_histories["Maya R."]
    points = worse(maya)
    first, last = points[0][0], points[-1][0]
    assert window(points, first, 14) - window(points, last - timedelta(13), 14) >= 2
    assert adherence(maya) >= 0.8


def test_a_flare_follows_a_jump_in_weekly_distance(demo_histories):
    tom = demo_histories["Tom B."]
    weeks = list(weekly_km(tom).items())
    jumps = [(w, km / prev) for (_, prev), (w, km) in pairwise(weeks)]
    jump_week, ratio = max(jumps, key=lambda j: j[1])
    assert ratio > 1.3
    points = worse(tom)
    before = window(points, jump_week - timedelta(14), 14)
    after = window(points, jump_week + timedelta(7), 14)
    assert after - before >= 2
    assert max(v for _, v in points) >= 6


def test_poor_adherence_with_flat_soreness(demo_histories):
    priya = demo_histories["Priya S."]
    points = worse(priya)
    first, last = points[0][0], points[-1][0]
    assert adherence(priya) <= 0.35
    assert abs(window(points, first, 14) - window(points, last - timedelta(13), 14)) < 1


def test_one_knee_is_clearly_worse(demo_histories):
    jonas = demo_histories["Jonas W."]
    assert mean(c.left for c in jonas.checkins) - mean(c.right for c in jonas.checkins) >= 3


def test_a_client_switched_to_a_variant_mid_way(demo_store, demo_histories):
    elena = demo_histories["Elena V."]
    (first, v1), (switch, v2) = [(a.since, a.version_id) for a in elena.assignments]
    assert v1 != v2
    assert first < switch - timedelta(28) < switch < TODAY - timedelta(28)
    assert {s.version_id for s in elena.sessions if s.started_at.date() < switch} == {v1}
    assert {s.version_id for s in elena.sessions if s.started_at.date() >= switch} == {v2}
    calf = {p.stretch.id: p.reps for p in demo_store.routine(v2).prescriptions}["calf"]
    assert calf == 3
    # The other five stay on one routine (the trial runners' routines change by block).
    others = [
        h for name, h in demo_histories.items() if name in {r.name for r in RUNNERS} - {"Elena V."}
    ]
    assert all(len(h.assignments) == 1 for h in others)


def test_an_ordinary_client_is_there_too(demo_histories):
    sam = demo_histories["Sam O."]
    assert mean(c.worse for c in sam.checkins) <= 2.5
    assert adherence(sam) >= 0.7


def test_the_demo_never_goes_into_a_clinic_with_clients(store):
    store.add_client("Real R.", datetime(2026, 3, 1, tzinfo=UTC))
    with pytest.raises(StoreError, match="already has clients, so no demo was added"):
        make_demo(store, TODAY)
    assert [c.name for c in store.clients()] == ["Real R."]
    assert store.versions() == []


DESIGNED = {
    "Jonas W.": {"stays-high", "not-settled"},
    "Priya S.": {"few-stretches"},
    "Sam O.": {"run-spike"},
    "Tom B.": {"worsening"},
}
"""The flags each demo client is made to show in the current week (issue #11)."""


@pytest.mark.parametrize("weekday", range(7))
def test_each_demo_clients_pattern_shows_as_its_flags_whatever_the_day(tmp_path, weekday):
    """Whatever the weekday the demo is made on, each pattern fires its flags, those flags fire
    for no one else, the runner doing well has none, and the week under way never looks like a
    weekly distance jump."""
    today = TODAY + timedelta(days=weekday)
    with Store.open(tmp_path / "demo.sqlite3") as store:
        make_demo(store, today, zone=ZONE)
        codes = {r.name: {f.code for f in r.flags} for r in clinic_overview(store, today)}
    for name, designed in DESIGNED.items():
        assert designed <= codes[name], name
    six = {r.name for r in RUNNERS}  # the trial runners' records are made for their trials
    for code in set().union(*DESIGNED.values()):
        assert {n for n, c in codes.items() if code in c and n in six} == {
            n for n, d in DESIGNED.items() if code in d
        }, code
    assert codes["Maya R."] == set()
    assert not any("distance-jump" in c for c in codes.values())

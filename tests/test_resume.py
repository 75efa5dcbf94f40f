"""Carrying on a session cut short (issue #14, finding 4): what was saved, and where to resume."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from kneekit.routines.routine import parse_routine
from kneekit.routines.session import ManualClock, Session

SHORT = parse_routine(
    "name: Short\nprepare: 5\nswitch: 5\nrest: 10\nstretches:\n"
    "  - stretch: calf\n    hold: 20\n    reps: 2\n  - stretch: hamstring\n    hold: 15\n"
)
# prepare 0-5, hold R 5-25, switch 25-30, hold L 30-50, rest 50-60, ...
SYDNEY = timezone(timedelta(hours=11))


def test_a_session_starts_at_a_given_step_and_plays_on_from_there():
    clock = ManualClock()
    session = Session(SHORT, clock)
    status = session.start(at_step=3)
    assert (status.index, status.step.kind, status.step.side) == (3, "hold", "left")
    assert status.step_left_s == 20.0
    assert status.total_left_s == SHORT.total_s - 30
    clock.advance(20)
    status = session.tick()
    assert status.index == 4
    assert [r.index for r in session.records] == [3]  # earlier steps are not recorded again
    assert session.records[0].held_s == 20.0


def test_a_step_outside_the_routine_is_refused():
    with pytest.raises(ValueError, match="has no step 99"):
        Session(SHORT, ManualClock()).start(at_step=99)


def test_unfinished_finds_todays_cut_short_session_and_its_next_step(store):
    clock = ManualClock(datetime(2026, 3, 2, 8, 0, tzinfo=SYDNEY))
    client = store.add_client("Ada L.", clock.now())
    version = store.save_routine(SHORT, clock.now())
    session = Session(store.routine(version.id), clock)
    sid = store.sessions.start(client.id, version.id, clock.now())
    session.start()
    clock.advance(40)  # prepare and the right hold done, the switch done, mid left hold
    for record in session.tick().events:
        if record.kind == "step-ended":
            store.sessions.save_step(sid, record.record)
    today = clock.now().date()
    found = store.sessions.unfinished(client.id, today)
    assert found is not None
    assert (found.session_id, found.version_id, found.next_step) == (sid, version.id, 3)
    assert found.last is not None
    assert (found.last.stretch, found.last.kind) == ("calf", "switch")
    assert found.started_at.utcoffset() == timedelta(hours=11)  # the local day counts
    assert store.sessions.unfinished(client.id, today + timedelta(days=1)) is None
    store.sessions.finish(sid, clock.now(), completed=False)
    assert store.sessions.unfinished(client.id, today) is None


def test_a_session_with_nothing_saved_resumes_at_the_start(store):
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    client = store.add_client("Ben K.", now)
    sid = store.sessions.start(client.id, None, now)
    found = store.sessions.unfinished(client.id, now.date())
    assert found is not None
    assert (found.session_id, found.next_step, found.last) == (sid, 0, None)


PLAYER_ROUTINE = parse_routine(
    "name: Short calf\nstretches:\n  - stretch: calf\n    hold: 20\n  - stretch: hamstring\n"
    "    hold: 15\n"
)
# prepare 0-5, hold R 5-25, switch 25-30, hold L 30-50, prepare 50-55, hold both 55-70


@pytest.fixture
def played_clinic(store):
    clock = ManualClock(datetime(2026, 3, 2, 18, 30, tzinfo=UTC))
    client = store.add_client("Ada L.", clock.now())
    version = store.save_routine(PLAYER_ROUTINE, clock.now())
    store.assign(client.id, version.id, clock.now().date())
    return store, client, clock


def _play(player, clock: ManualClock, seconds: float) -> None:
    for _ in range(int(seconds * 2)):
        clock.advance(0.5)
        player.tick()


def test_a_reloaded_player_carries_on_from_the_last_saved_step(played_clinic):
    from kneekit.widgets.player import SessionPlayer

    store, client, clock = played_clinic
    first = SessionPlayer(store, clock, client=client, autotick=False)
    first.start()
    _play(first, clock, 35)  # mid left hold: prepare, right hold and switch saved
    assert first.saved_upto.value == "Wall calf stretch, right leg"
    session_id = first.session_id
    # The kernel dies here: nothing more is saved, the session never ends. The page reloads.
    again = SessionPlayer(store, clock, client=client, autotick=False)
    again.start()
    assert again.session_id == session_id  # the same session, not a new one
    assert again.session.tick().index == 3  # the left hold, from its start
    _play(again, clock, 60)
    saved = store.sessions.steps(session_id)
    assert [step.index for step in saved] == list(range(len(PLAYER_ROUTINE.steps)))
    assert store.sessions.unfinished(client.id, clock.now().date()) is None  # finished now


def test_a_failed_write_is_retried_and_the_timer_runs_on(played_clinic, monkeypatch):
    from kneekit.errors import StoreError
    from kneekit.widgets.player import SessionPlayer

    store, client, clock = played_clinic
    player = SessionPlayer(store, clock, client=client, autotick=False)
    real = store.sessions.save_step
    full = {"disk": True}

    def save_step(session_id, record):  # the disk is full until it is not
        if full["disk"]:
            raise StoreError([])
        real(session_id, record)

    monkeypatch.setattr(store.sessions, "save_step", save_step)
    player.start()
    _play(player, clock, 32)
    assert player.session.tick().index == 3  # the timer went on through failed writes
    assert store.sessions.steps(player.session_id) == []
    full["disk"] = False
    _play(player, clock, 1)
    assert [s.index for s in store.sessions.steps(player.session_id)] == [0, 1, 2]

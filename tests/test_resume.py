"""Carrying on a session cut short (issue #14, finding 4): what was saved, and where to resume."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from kneekit.routines import parse_routine
from kneekit.session import ManualClock, Session

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

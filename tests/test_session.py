"""The session engine, driven by a ManualClock: no test here waits on real time."""

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kneekit.routines.routine import default_routine, parse_routine
from kneekit.routines.session import BACK_RESTARTS_AFTER_S, Event, ManualClock, Session

SHORT = parse_routine(
    "name: Short\nprepare: 5\nswitch: 5\nrest: 10\nstretches:\n"
    "  - stretch: calf\n    hold: 20\n    reps: 2\n  - stretch: hamstring\n    hold: 15\n"
)
# prepare 0-5, hold R 5-25, switch 25-30, hold L 30-50, rest 50-60, hold R 60-80, switch 80-85,
# hold L 85-105, prepare 105-110, hold both 110-125.


def test_a_session_plays_through_on_schedule(clock):
    session = Session(SHORT, clock)
    status = session.start()
    assert (status.state, status.index, status.step.kind, status.step_left_s) == (
        "running",
        0,
        "prepare",
        5.0,
    )
    assert status.next_step.side == "right"
    clock.advance(12.5)
    status = session.tick()
    assert (status.step.kind, status.step.side, status.step_left_s) == ("hold", "right", 12.5)
    assert status.total_left_s == SHORT.total_s - 12.5
    assert status.progress == pytest.approx(12.5 / 125)
    clock.advance(200)
    status = session.tick()
    assert status.state == "finished"
    assert (status.step, status.total_left_s, status.progress) == (None, 0.0, 1.0)
    assert [e.kind for e in status.events].count("step-ended") == len(SHORT.steps) - 1
    assert status.events[-1].kind == "finished"
    assert status.events[-1].at == SHORT.total_s
    assert [(r.held_s, r.skipped) for r in session.records] == [
        (float(s.duration_s), False) for s in SHORT.steps
    ]
    first_hold = session.records[1]
    assert first_hold.started_at == clock.start + timedelta(seconds=5)
    assert first_hold.ended_at == clock.start + timedelta(seconds=25)


def test_pause_freezes_the_hold_and_shifts_the_rest(clock):
    session = Session(SHORT, clock)
    session.start()
    clock.advance(10)
    status = session.pause()
    assert (status.state, status.step_left_s) == ("paused", 15.0)
    assert [e.kind for e in status.events] == ["step-ended", "step-started", "paused"]
    clock.advance(300)
    assert session.tick().step_left_s == 15.0
    status = session.resume()
    assert (status.state, status.step_left_s) == ("running", 15.0)
    assert session.paused_s == 300
    clock.advance(15)
    status = session.tick()
    assert (status.step.kind, status.step_left_s) == ("switch", 5.0)
    hold = session.records[1]
    assert hold.held_s == 20.0
    assert hold.ended_at - hold.started_at == timedelta(seconds=320)


def test_skip_records_what_was_held_and_moves_on(clock):
    session = Session(SHORT, clock)
    session.start()
    clock.advance(12)
    status = session.skip()
    assert (status.step.kind, status.step_left_s) == ("switch", 5.0)
    skipped = session.records[-1]
    assert (skipped.step.kind, skipped.held_s, skipped.planned_s, skipped.skipped) == (
        "hold",
        7.0,
        20,
        True,
    )
    assert status.total_left_s == SHORT.total_s - 25


def test_skip_while_paused_stays_paused_on_the_next_step(clock):
    session = Session(SHORT, clock)
    session.start()
    clock.advance(7)
    session.pause()
    clock.advance(60)
    status = session.skip()
    assert (status.state, status.step.kind, status.step_left_s) == ("paused", "switch", 5.0)
    assert session.records[-1].held_s == 2.0
    clock.advance(60)
    assert session.tick().step_left_s == 5.0


def test_back_restarts_the_step_or_goes_to_the_previous_one(clock):
    session = Session(SHORT, clock)
    session.start()
    clock.advance(5 + BACK_RESTARTS_AFTER_S + 1)
    status = session.back()
    assert (status.index, status.step_left_s) == (1, 20.0)
    clock.advance(1)
    status = session.back()
    assert (status.index, status.step.kind, status.step_left_s) == (0, "prepare", 5.0)
    # the partial attempts are not recorded; only the completed prepare is
    assert [r.step.kind for r in session.records] == ["prepare"]
    clock.advance(1)
    assert session.back().index == 0  # at the first step, back restarts it


def test_count_in_before_each_hold_ends(clock):
    session = Session(SHORT, clock)
    session.start()
    counts = []
    for _ in range(60):
        clock.advance(1)
        counts += [(e.count, e.at) for e in session.tick().events if e.kind == "count-in"]
    assert counts == [(3, 22), (2, 23), (1, 24), (3, 47), (2, 48), (1, 49)]


def test_stop_records_the_step_under_way_as_skipped(clock):
    session = Session(SHORT, clock)
    session.start()
    clock.advance(9)
    status = session.stop()
    assert status.state == "stopped"
    assert session.records[-1].skipped
    assert session.records[-1].held_s == 4.0
    clock.advance(100)
    assert session.tick().state == "stopped"
    assert len(session.records) == 2


def test_commands_before_start_and_after_the_end_do_nothing(clock):
    session = Session(SHORT, clock)
    for command in (session.pause, session.resume, session.skip, session.back, session.stop):
        assert command().state == "ready"
    assert session.records == []
    session.start()
    clock.advance(1000)
    session.tick()
    for command in (session.pause, session.skip, session.back, session.stop):
        assert command().state == "finished"
    assert len(session.records) == len(SHORT.steps)


def test_summary_keeps_the_latest_attempt_of_each_hold(clock):
    session = Session(SHORT, clock)
    session.start()
    clock.advance(25)  # first hold complete, switch begins
    session.tick()
    clock.advance(1)
    session.back()  # straight back into the first hold
    clock.advance(20)
    session.tick()
    holds = [r for r in session.records if r.step.kind == "hold"]
    assert [r.index for r in holds] == [1, 1]
    assert session.summary() == [holds[-1]]


@settings(max_examples=200, deadline=None)
@given(
    ticks=st.lists(st.floats(0.01, 40), min_size=1, max_size=80),
    pauses=st.lists(st.tuples(st.integers(0, 79), st.floats(0, 600)), max_size=5),
)
def test_finishes_exactly_at_total_plus_paused_however_it_is_ticked(ticks, pauses):
    routine = SHORT
    clock = ManualClock()
    session = Session(routine, clock)
    session.start()
    pause_at = dict(pauses)
    events: list[Event] = []
    i = 0
    while session.state != "finished":
        if i in pause_at:
            events += session.pause().events
            clock.advance(pause_at[i])
            events += session.resume().events
        clock.advance(ticks[i % len(ticks)])
        events += session.tick().events
        i += 1
    finished = [e for e in events if e.kind == "finished"]
    assert len(finished) == 1
    assert finished[0].at == pytest.approx(routine.total_s + session.paused_s)
    assert [r.held_s for r in session.records] == [s.duration_s for s in routine.steps]


@settings(max_examples=200, deadline=None)
@given(ticks=st.lists(st.floats(0.001, 90), min_size=1, max_size=50))
def test_steps_start_on_schedule_whenever_the_ticks_land(ticks):
    clock = ManualClock()
    session = Session(SHORT, clock)
    session.start()
    started = []
    i = 0
    while session.state == "running":
        clock.advance(ticks[i % len(ticks)])
        started += [e.at for e in session.tick().events if e.kind == "step-started"]
        i += 1
    assert started == [s.start_s for s in SHORT.steps[1:]]


actions = st.lists(
    st.tuples(
        st.sampled_from(["tick", "pause", "resume", "skip", "back", "stop"]),
        st.floats(0, 50),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(script=actions)
def test_no_command_ever_reports_a_negative_or_impossible_remainder(script):
    routine = default_routine()
    clock = ManualClock()
    session = Session(routine, clock)
    session.start()
    for command, wait in script:
        clock.advance(wait)
        status = getattr(session, command)()
        assert status.step_left_s >= 0
        assert status.total_left_s >= 0
        assert 0 <= status.progress <= 1
        if status.step is not None:
            assert status.step_left_s <= status.step.duration_s
            assert status.total_left_s >= status.step_left_s
    for record in session.records:
        assert 0 <= record.held_s <= record.planned_s
        assert record.ended_at >= record.started_at


def test_the_clock_cannot_go_backwards():
    with pytest.raises(ValueError, match="backwards"):
        ManualClock().advance(-1)

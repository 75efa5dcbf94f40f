"""The clinic records: every kind of record round-trips, and bad input writes nothing."""

import hashlib
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import text

from kneekit.errors import SorenessError, StoreError
from kneekit.outcomes.checkin import CheckIn, check_in
from kneekit.progress.adherence import adherence
from kneekit.records.store import Store
from kneekit.routines.catalogue import load_catalogue
from kneekit.routines.routine import default_routine, parse_routine
from kneekit.routines.session import Session

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
SHORT = parse_routine(
    "name: Short\nprepare: 5\nswitch: 5\nrest: 10\nstretches:\n"
    "  - stretch: calf\n    hold: 20\n    reps: 2\n  - stretch: hamstring\n    hold: 15\n"
)


pytestmark = pytest.mark.engines("sqlite", "postgresql")


def rows(store: Store, table: str) -> list[tuple[object, ...]]:
    """What the database holds, read on a connection of its own, whatever the engine."""
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table}"))]


# -- clients ---------------------------------------------------------------------------------
def test_clients_round_trip_with_times_in_utc(store):
    plus2 = datetime(2026, 3, 2, 20, 0, tzinfo=timezone(timedelta(hours=2)))
    bea = store.add_client("  Bea   Q. ", plus2)
    ada = store.add_client("Ada L.", NOW)
    assert bea.name == "Bea Q."
    assert bea.created_at == NOW
    assert bea.created_at.tzinfo == UTC
    assert store.clients() == [ada, bea]  # alphabetical
    assert store.client(bea.id) == bea
    assert store.find_client(str(ada.id)) == ada
    assert store.find_client("bea q.") == bea


def test_a_duplicate_empty_or_overlong_name_is_refused_and_nothing_written(store):
    store.add_client("Ada L.", NOW)
    with pytest.raises(StoreError, match=r"already a client called 'Ada L\.' \(number 1\)"):
        store.add_client("  ada   l. ", NOW)
    with pytest.raises(StoreError, match="name is empty"):
        store.add_client("   ", NOW)
    with pytest.raises(StoreError, match="at most 100 characters"):
        store.add_client("A" * 101, NOW)
    with pytest.raises(StoreError, match="time zone"):
        store.add_client("Naive N.", datetime(2026, 3, 2, 18, 0))  # noqa: DTZ001 (the point)
    assert len(rows(store, "clients")) == 1


def test_unknown_clients_are_named_with_close_matches(store):
    store.add_client("Anna K.", NOW)
    store.add_client("Tom B.", NOW)
    with pytest.raises(StoreError, match=r"no client called 'Ana K'\. Did you mean 'Anna K\.'\?"):
        store.find_client("Ana K")
    with pytest.raises(StoreError, match="there is no client number 99"):
        store.client(99)


# -- routines and assignments ----------------------------------------------------------------
def test_saving_an_edited_routine_makes_a_new_version_and_the_old_one_stays(store):
    v1 = store.save_routine(default_routine(), NOW)
    assert store.save_routine(default_routine(), NOW + timedelta(1)) == v1  # unchanged: same
    edited = default_routine().with_changes(rest=20)
    v2 = store.save_routine(edited, NOW + timedelta(2))
    short = store.save_routine(SHORT, NOW)
    assert (v1.label, v2.label, short.label) == (
        "Post-run knees v1",
        "Post-run knees v2",
        "Short v1",
    )
    assert store.versions() == [v1, v2, short]
    assert store.routine(v1.id) == default_routine()
    assert store.routine(v2.id) == edited
    assert store.routine(v2.id).steps == edited.steps
    with pytest.raises(StoreError, match="no routine version number 42"):
        store.routine(42)


def test_a_version_reads_back_with_its_own_stretches_without_the_catalogue(store, tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "wall-sit:\n  name: Wall sit\n  muscles: [quadriceps]\n  group: quadriceps\n"
        "  why: For contrast.\n  position: sitting\n  one_sided: no\n"
        "  hold_min: 20\n  hold_max: 60\n  cues: [Slide down the wall.]\n",
        encoding="utf-8",
    )
    routine = parse_routine(
        "name: Own\nstretches:\n  - stretch: wall-sit\n    hold: 40\n",
        catalogue=load_catalogue([mine]),
    )
    version = store.save_routine(routine, NOW)
    back = store.routine(version.id)
    assert back == routine
    assert back.prescriptions[0].stretch.cues == ("Slide down the wall.",)


def test_assignments_give_the_version_in_use_on_each_day(store):
    client = store.add_client("Ada L.", NOW)
    v1 = store.save_routine(default_routine(), NOW)
    v2 = store.save_routine(SHORT, NOW)
    assert store.current_version(client.id, date(2026, 3, 1)) is None
    store.assign(client.id, v1.id, date(2026, 3, 1))
    store.assign(client.id, v2.id, date(2026, 3, 10))
    assert store.current_version(client.id, date(2026, 3, 9)) == v1
    assert store.current_version(client.id, date(2026, 3, 10)) == v2
    store.assign(client.id, v1.id, date(2026, 3, 10))  # same day: a correction, not a third
    assert store.current_version(client.id, date(2026, 3, 10)) == v1
    assert [(a.label, a.since) for a in store.history(client.id).assignments] == [
        ("Post-run knees v1", date(2026, 3, 1)),
        ("Post-run knees v1", date(2026, 3, 10)),
    ]
    with pytest.raises(StoreError, match="no routine version number 9"):
        store.assign(client.id, 9, date(2026, 3, 1))
    with pytest.raises(StoreError, match="no client number 9"):
        store.assign(9, v1.id, date(2026, 3, 1))


# -- sessions --------------------------------------------------------------------------------
def test_a_played_session_is_saved_step_by_step(store, clock):
    client = store.add_client("Ada L.", clock.now())
    version = store.save_routine(SHORT, clock.now())
    session = Session(store.routine(version.id), clock)
    sid = store.sessions.start(client.id, version.id, clock.now())
    session.start()
    clock.advance(12)
    session.skip()  # the first hold, cut short after 7 s
    clock.advance(500)
    session.tick()
    for record in session.records:
        store.sessions.save_step(sid, record)
    store.sessions.finish(sid, clock.now(), completed=True)
    saved = store.sessions.steps(sid)
    assert [(s.index, s.kind, s.stretch, s.side, s.rep, s.planned_s) for s in saved] == [
        (r.index, r.step.kind, r.step.stretch.id, r.step.side, r.step.rep, r.step.duration_s)
        for r in session.records
    ]
    assert [(s.held_s, s.skipped, s.started_at, s.ended_at) for s in saved] == [
        (r.held_s, r.skipped, r.started_at, r.ended_at) for r in session.records
    ]
    assert (saved[1].held_s, saved[1].skipped) == (7.0, True)
    summary = store.history(client.id).sessions[0]
    # Played to the end, but the first hold was held 7 of its 20 s: under half (HELD_ENOUGH),
    # so the session is not stored as completed.
    assert (summary.version_id, summary.planned_s, summary.completed) == (version.id, 95, False)
    assert summary.held_s == 95 - 20 + 7
    assert store.sessions.client_steps(client.id) == {sid: saved}


@pytest.mark.parametrize(("held", "completed"), [(10, True), (9, False)])
def test_a_session_counts_as_completed_only_when_each_hold_was_held_half_its_time(
    store, clock, held, completed
):
    client = store.add_client("Ada L.", clock.now())
    version = store.save_routine(SHORT, clock.now())
    session = Session(store.routine(version.id), clock)
    sid = store.sessions.start(client.id, version.id, clock.now())
    session.start()
    clock.advance(5 + held)  # the 5 s to get ready, then part of the first 20 s hold
    session.skip()
    clock.advance(500)
    session.tick()
    for record in session.records:
        store.sessions.save_step(sid, record)
    store.sessions.finish(sid, clock.now(), completed=True)
    assert store.history(client.id).sessions[0].completed is completed


def test_skipping_through_a_routine_is_not_a_completed_session(store, clock):
    """Issue #14: Start, then Skip through every step in seconds, was stored as completed."""
    client = store.add_client("Ada L.", clock.now())
    session = Session(default_routine(), clock)
    sid = store.sessions.start(client.id, None, clock.now())
    session.start()
    while session.state != "finished":
        clock.advance(0.25)
        session.skip()
    for record in session.records:
        store.sessions.save_step(sid, record)
    store.sessions.finish(sid, clock.now(), completed=True)
    (summary,) = store.history(client.id).sessions
    assert summary.completed is False
    assert summary.held_s < summary.planned_s / 10
    assert adherence(store.history(client.id), clock.now().date()).sessions == 0


def test_a_hold_redone_after_back_counts_once(store, clock):
    client = store.add_client("Ada L.", clock.now())
    sid = store.sessions.start(client.id, None, clock.now())  # kneekit's built-in routine
    session = Session(default_routine(), clock)
    session.start()
    clock.advance(5 + 30 + 1)  # into the switch after the first hold
    session.back()  # within 3 s: back to the hold, which is done again
    clock.advance(30)
    session.tick()
    holds = [r for r in session.records if r.step.kind == "hold"]
    assert [r.index for r in holds] == [1, 1]
    for record in session.records:
        store.sessions.save_step(sid, record)
    summary = store.history(client.id).sessions[0]
    assert (summary.held_s, summary.planned_s, summary.completed) == (
        30.0,
        420,
        False,
    )  # 14 holds of 30 s planned


def test_bad_session_calls_are_refused(store, clock):
    client = store.add_client("Ada L.", clock.now())
    session = Session(SHORT, clock)
    session.start()
    clock.advance(6)
    record = session.tick().events[0].record
    with pytest.raises(StoreError, match="no session number 5"):
        store.sessions.save_step(5, record)
    with pytest.raises(StoreError, match="no routine version 3"):
        store.sessions.start(client.id, 3, clock.now())
    sid = store.sessions.start(client.id, None, clock.now())
    store.sessions.finish(sid, clock.now(), completed=False)
    store.sessions.finish(sid, clock.now() + timedelta(1), completed=True)  # first end stands
    assert store.history(client.id).sessions[0].completed is False
    with pytest.raises(StoreError, match="already finished"):
        store.sessions.save_step(sid, record)
    with pytest.raises(StoreError, match="no session number 77"):
        store.sessions.finish(77, clock.now(), completed=True)


# -- check-ins -------------------------------------------------------------------------------
def test_checkins_round_trip_oldest_first(store):
    client = store.add_client("Ada L.", NOW)
    later = check_in(client.id, NOW, 3, 4, now=NOW, km=8.5, minutes=47, note="Hilly <b>run</b>")
    tokyo = timezone(timedelta(hours=9))
    earlier = check_in(
        client.id, datetime(2026, 3, 2, 9, 0, tzinfo=tokyo), 0, 10, now=NOW, context="other"
    )
    store.add_checkin(later)
    store.add_checkin(earlier)
    assert store.history(client.id).checkins == (
        CheckIn(client.id, datetime(2026, 3, 2, 0, 0, tzinfo=UTC), "other", 0, 10),
        later,
    )


def test_a_record_saved_under_older_rules_still_reads_back(store):
    """Version 1 accepted any distance; such a record stays readable, as it was saved, rather
    than failing every page of that clinic."""
    client = store.add_client("Ada L.", NOW)
    store.add_checkin(check_in(client.id, NOW, 3, 4, now=NOW, context="after-run", km=8.0))
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE checkins SET km = 5000"))
    (old,) = store.history(client.id).checkins
    assert (old.km, old.left, old.right) == (5000.0, 3, 4)
    with pytest.raises(SorenessError, match="run km must be a number from 0 to 320"):
        CheckIn(client.id, NOW, "after-run", 3, 4, km=5000.0)  # new ones are refused


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"left": 11}, "left knee soreness must be a whole number from 0 \\(none\\) to 10"),
        ({"right": -1}, "right knee soreness must be a whole number"),
        ({"left": 7.5}, "it is 7.5"),
        ({"right": "7"}, "it is '7'"),
        ({"at": NOW + timedelta(minutes=5)}, "is in the future"),
        ({"km": -3.0}, "run km must be a number from 0 to 320"),
        ({"minutes": float("nan")}, "run minutes must be a number from 0 to 1440"),
        ({"context": "during-run"}, "must be one of after-run, after-stretch"),
    ],
)
def test_bad_checkins_are_refused_and_nothing_is_written(store, changes, message):
    client = store.add_client("Ada L.", NOW)
    values = {"at": NOW, "left": 3, "right": 3, "context": "after-run", "km": 5.0} | changes
    with pytest.raises(SorenessError, match=message):
        check_in(client.id, values.pop("at"), values.pop("left"), values.pop("right"),
                 now=NOW, **values)  # fmt: skip
    # A CheckIn built by hand checks itself in the same words, so none can reach the store.
    fields = {"at": NOW, "left": 3, "right": 3, "context": "after-run"} | changes
    if "at" in changes:  # only the caller's clock knows what "the future" is
        assert CheckIn(client.id, **fields).at == NOW + timedelta(minutes=5)
    else:
        with pytest.raises(SorenessError, match=message) as refused:
            CheckIn(client.id, **fields)
        assert [p.field for p in refused.value.problems] == list(changes)
    assert rows(store, "checkins") == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("left", True, "left knee soreness must be a whole number from 0 \\(none\\) to 10"),
        ("right", 11, "right knee soreness must be a whole number .* it is 11"),
        ("context", "during-run", "must be one of after-run, after-stretch, next-morning, other"),
        ("at", datetime(2026, 3, 2, 18, 0), "the time must include its time zone"),  # noqa: DTZ001
        ("at", "2026-03-02 18:00", "the time must include its time zone"),
        ("km", 320.5, "run km must be a number from 0 to 320, or left empty; it is 320.5"),
        ("km", 10**400, "run km must be a number from 0 to 320"),
        ("minutes", float("inf"), "run minutes must be a number from 0 to 1440"),
        ("minutes", "45", "run minutes must be a number .* it is '45'"),
        ("note", "x" * 2001, "the note must be text of at most 2000 characters"),
        ("note", None, "the note must be text of at most 2000 characters"),
        ("note", "knee \ud800", "the note holds a character that cannot be saved; type it again"),
    ],
)
def test_a_checkin_built_directly_refuses_a_bad_value_and_names_the_field(field, value, message):
    good: dict[str, Any] = {"at": NOW, "context": "other", "left": 2, "right": 3, "km": 5.0}
    good |= {"minutes": 30.0, "note": "Stairs hurt \u2013 a little"}
    assert CheckIn(1, **good).note == "Stairs hurt \u2013 a little"
    with pytest.raises(SorenessError, match=message) as refused:
        CheckIn(1, **good | {field: value})
    assert [p.field for p in refused.value.problems] == [field]


def test_a_checkin_built_directly_lists_every_bad_value_and_whole_numbers_of_km_are_fine():
    assert CheckIn(1, NOW, "after-run", 0, 10, km=5, minutes=30).km == 5
    with pytest.raises(SorenessError) as refused:
        CheckIn(1, NOW.replace(tzinfo=None), "sprint", -1, 3, km=-1.0, note=7)  # type: ignore[arg-type]
    assert [p.field for p in refused.value.problems] == ["left", "context", "at", "km", "note"]


def test_a_checkin_for_an_unknown_client_writes_nothing(store):
    with pytest.raises(StoreError, match="there is no client number 7"):
        store.add_checkin(check_in(7, NOW, 1, 1, now=NOW))
    assert rows(store, "checkins") == []


def test_histories_of_all_clients_and_from_a_date(store):
    ada = store.add_client("Ada L.", NOW)
    bo = store.add_client("Bo K.", NOW)
    for day in range(10):
        at = NOW - timedelta(days=day)
        store.add_checkin(check_in(ada.id, at, day % 11, 1, now=NOW))
        if day % 2:
            store.add_checkin(check_in(bo.id, at, 2, 2, now=NOW, context="next-morning"))
    store.sessions.start(bo.id, None, NOW - timedelta(days=8))
    every = store.histories()
    assert [(h.name, len(h.checkins), len(h.sessions)) for h in every] == [
        ("Ada L.", 10, 0),
        ("Bo K.", 5, 1),
    ]
    assert [c.at for c in every[0].checkins] == sorted(c.at for c in every[0].checkins)
    recent = store.histories(since=NOW - timedelta(days=3))
    assert [(len(h.checkins), len(h.sessions)) for h in recent] == [(4, 0), (2, 0)]
    assert store.history(bo.id) == every[1]
    with pytest.raises(StoreError, match="no client number 3"):
        store.history(3)


def test_a_batch_is_all_or_nothing(store):
    def load() -> None:
        with store.batch():
            store.add_client("Ada L.", NOW)
            store.add_checkin(check_in(1, NOW, 1, 1, now=NOW))
            store.add_client("Ada L.", NOW)

    with pytest.raises(StoreError, match="already a client"):
        load()
    assert rows(store, "clients") == []
    assert rows(store, "checkins") == []


# -- share links -----------------------------------------------------------------------------
def test_share_tokens_are_random_and_only_their_hash_is_stored(store):
    ada = store.add_client("Ada L.", NOW)
    token = store.shares.create(ada.id, NOW, None)
    other = store.shares.create(ada.id, NOW, None)
    assert len(token) == 43  # 32 random bytes, URL-safe base64
    assert token != other
    assert store.shares.client_for(token, NOW + timedelta(days=3650)) == ada
    hashes = [r[2] for r in rows(store, "shares")]
    assert hashes == [hashlib.sha256(t.encode()).hexdigest() for t in (token, other)]
    if store.path is not None:
        assert token.encode() not in store.path.read_bytes()


def test_share_links_expire_and_can_be_revoked(store):
    ada = store.add_client("Ada L.", NOW)
    bo = store.add_client("Bo K.", NOW)
    week = store.shares.create(ada.id, NOW, timedelta(days=7))
    forever = store.shares.create(ada.id, NOW, None)
    bos = store.shares.create(bo.id, NOW, None)
    assert store.shares.client_for(week, NOW + timedelta(days=7, seconds=-1)) == ada
    assert store.shares.client_for(week, NOW + timedelta(days=7)) is None
    assert store.shares.revoke(ada.id, NOW + timedelta(days=8)) == 1  # the expired one is not live
    assert store.shares.client_for(forever, NOW + timedelta(days=8)) is None
    assert store.shares.client_for(bos, NOW + timedelta(days=8)) == bo  # others' links stay
    assert store.shares.revoke(ada.id, NOW + timedelta(days=9)) == 0


@pytest.mark.parametrize(
    "token",
    ["", "abc", "x" * 42, "x" * 44, "é" * 43, "a" * 42 + "/", "a" * 42 + "=", None, 12, b"x" * 43],
)
def test_malformed_or_unknown_share_tokens_open_nothing(store, token):
    store.add_client("Ada L.", NOW)
    store.shares.create(1, NOW, None)
    assert store.shares.client_for(token, NOW) is None
    assert store.shares.client_for("A" * 43, NOW) is None  # well formed but never issued


def test_bad_share_requests_are_refused(store):
    with pytest.raises(StoreError, match="no client number 4"):
        store.shares.create(4, NOW, None)
    ada = store.add_client("Ada L.", NOW)
    with pytest.raises(StoreError, match="give 1 day or more"):
        store.shares.create(ada.id, NOW, timedelta(0))
    with pytest.raises(StoreError, match="no client number 4"):
        store.shares.revoke(4, NOW)


def test_an_in_memory_database_works_for_quick_experiments():
    with Store.open("sqlite://") as memory:
        ada = memory.add_client("Ada L.", NOW)
        assert memory.path is None
        assert memory.find_client("Ada L.") == ada

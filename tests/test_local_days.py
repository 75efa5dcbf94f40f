"""Local days: a record belongs to the day where it happened, in any zone and across a
daylight-saving change; times typed without an offset are the clinic's; one today(); times
shown are the clinic's, whatever this computer's zone."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kneekit import config
from kneekit.cli import main
from kneekit.errors import ConfigError
from kneekit.outcomes.checkin import check_in
from kneekit.progress.adherence import adherence
from kneekit.progress.trends import daily, weekly
from kneekit.records.store import Store
from kneekit.routines.session import ManualClock
from kneekit.widgets import CheckInForm, ClinicOverview

FIXTURES = Path(__file__).parent / "fixtures"
LA = ZoneInfo("America/Los_Angeles")  # UTC-8 in winter, UTC-7 in summer
SYDNEY = ZoneInfo("Australia/Sydney")  # UTC+10 in winter, UTC+11 in summer
NEW_YORK = ZoneInfo("America/New_York")  # clocks went forward at 02:00 on 8 March 2026


@pytest.fixture
def zone_file(tmp_path, monkeypatch):
    """Point kneekit at a settings file naming the clinic's zone."""

    def set_zone(name: str) -> None:
        path = tmp_path / "kneekit.toml"
        path.write_text(f'[clinic]\ntime_zone = "{name}"\n', encoding="utf-8")
        monkeypatch.setenv("KNEEKIT_CONFIG", str(path))
        config.clear_cache()

    yield set_zone
    config.clear_cache()


def saved(store: Store, client_id: int, at: datetime, left: int, context: str = "after-run"):
    store.add_checkin(check_in(client_id, at, left, 0, now=at, context=context, km=5))


def test_an_evening_check_in_west_of_utc_stays_on_its_own_day(store):
    anna = store.add_client("Anna K.", datetime(2026, 1, 1, tzinfo=UTC))
    evening = datetime(2026, 3, 27, 20, 0, tzinfo=ZoneInfo("Etc/GMT+8"))  # UTC-8: 04:00 UTC 28th
    saved(store, anna.id, evening, 4)
    (back,) = store.history(anna.id).checkins
    assert back.at == evening
    assert back.at.utcoffset() == timedelta(hours=-8)
    assert back.at.date() == date(2026, 3, 27)  # UTC would say the 28th
    assert daily(store.history(anna.id), "left", date(2026, 3, 28)).values == (4, None)


def test_a_sydney_morning_rating_is_not_merged_with_the_evening_run_before(store):
    # 18:30 on the 26th and 07:00 on the 27th in Sydney (UTC+11) are both the 26th in UTC.
    bo = store.add_client("Bo S.", datetime(2026, 1, 1, tzinfo=UTC))
    saved(store, bo.id, datetime(2026, 3, 26, 18, 30, tzinfo=SYDNEY), 3)
    saved(store, bo.id, datetime(2026, 3, 27, 7, 0, tzinfo=SYDNEY), 5, "next-morning")
    series = daily(store.history(bo.id), "left", date(2026, 3, 27))
    assert (series.start, series.values) == (date(2026, 3, 26), (3, 5))


def test_a_session_after_a_late_run_west_of_utc_follows_it(store):
    # 18:00 and 18:40 at UTC-8 are 02:00 and 02:40 UTC the next day: still the run's own day.
    cy = store.add_client("Cy W.", datetime(2026, 1, 1, tzinfo=UTC))
    ran = datetime(2026, 3, 10, 18, 0, tzinfo=LA)
    saved(store, cy.id, ran, 2)
    sid = store.sessions.start(cy.id, None, ran + timedelta(minutes=40))
    store.sessions.finish(sid, ran + timedelta(minutes=50), completed=False)
    from kneekit.routines.routine import default_routine

    store.sessions.add_by_hand(cy.id, None, default_routine(), ran + timedelta(minutes=45))
    got = adherence(store.history(cy.id), date(2026, 3, 10), days=7)
    assert (got.runs, got.followed, got.sessions) == (1, 1, 1)


def test_days_and_weeks_across_the_spring_daylight_saving_change(store):
    # A run every evening at 21:00 New York time, 5 to 11 March 2026 (clocks forward on the 8th):
    # seven evenings, seven days, whatever the offset that day.
    dee = store.add_client("Dee N.", datetime(2026, 1, 1, tzinfo=UTC))
    for n in range(7):
        saved(store, dee.id, datetime(2026, 3, 5 + n, 21, 0, tzinfo=NEW_YORK), n % 3)
    history = store.history(dee.id)
    assert [c.at.utcoffset() for c in history.checkins][2:4] == [
        timedelta(hours=-5),
        timedelta(hours=-4),
    ]
    assert daily(history, "left", date(2026, 3, 11)).values == (0, 1, 2, 0, 1, 2, 0)
    (week,) = weekly(history, date(2026, 3, 11), 1)
    assert week.km == 35.0
    assert adherence(history, date(2026, 3, 11), days=7).runs == 7


def test_migrating_a_first_schema_database_keeps_every_instant_and_adds_local_offsets(
    tmp_path, zone_file
):
    zone_file("America/Los_Angeles")
    path = tmp_path / "clinic-v1.sqlite3"
    shutil.copyfile(FIXTURES / "clinic-v1.sqlite3", path)
    with sqlite3.connect(path) as raw:
        before = [datetime.fromisoformat(r[0]) for r in raw.execute("SELECT at FROM checkins")]
    raw.close()
    with Store.open(path) as store:
        after = [c.at for h in store.histories() for c in h.checkins]
    assert sorted(after) == sorted(before)  # the same instants
    for at in after:
        assert at.utcoffset() == at.astimezone(LA).utcoffset()  # -8 h or, after 8 March, -7 h


def test_a_time_typed_without_an_offset_is_the_clinics_and_with_one_is_kept(
    tmp_path, zone_file, capsys
):
    zone_file("Australia/Sydney")
    db = str(tmp_path / "c.sqlite3")
    assert main(["--db", db, "client", "add", "Eve T."]) == 0
    base = ["--db", db, "checkin", "Eve T.", "--left", "2", "--right", "1"]
    assert main([*base, "--at", "2026-03-27 07:15", "--context", "next-morning"]) == 0
    assert main([*base, "--at", "2026-03-27T15:45-08:00"]) == 0
    capsys.readouterr()
    with Store.open(db) as store:
        first, second = sorted(store.history(1).checkins, key=lambda c: c.at)
    assert first.at == datetime(2026, 3, 27, 7, 15, tzinfo=SYDNEY)
    assert first.at.utcoffset() == timedelta(hours=11)
    assert second.at.utcoffset() == timedelta(hours=-8)
    assert second.at.date() == date(2026, 3, 27)


def test_today_is_the_clinics_day(zone_file):
    zone_file("Australia/Sydney")
    assert config.today(datetime(2026, 3, 27, 20, 0, tzinfo=UTC)) == date(2026, 3, 28)
    zone_file("America/Los_Angeles")
    assert config.today(datetime(2026, 3, 27, 5, 0, tzinfo=UTC)) == date(2026, 3, 26)


def test_an_unknown_time_zone_is_refused_in_words(zone_file):
    zone_file("Mars/Olympus_Mons")
    with pytest.raises(ConfigError, match="'Mars/Olympus_Mons' is not a time zone"):
        config.clinic_zone()


def test_session_add_records_the_current_routine_as_done_by_hand(tmp_path, zone_file, capsys):
    zone_file("Europe/London")
    db = str(tmp_path / "c.sqlite3")
    main(["--db", db, "client", "add", "Fay P."])
    assert main(["--db", db, "session", "add", "Fay P.", "--at", "2026-03-02 19:00"]) == 0
    assert "entered by hand" in capsys.readouterr().out
    with Store.open(db) as store:
        (s,) = store.history(1).sessions
        # Three one-sided stretches x 2 legs x 2 holds x 30 s, and the two-legged hamstring
        # stretch x 2 holds x 30 s: 360 + 60 = 420 s, all of it held as planned.
        assert (s.completed, s.held_s, s.planned_s) == (True, 420.0, 420)
        assert s.started_at == datetime(2026, 3, 2, 19, 0, tzinfo=ZoneInfo("Europe/London"))
    assert main(["--db", db, "session", "add", "Fay P.", "--at", "2999-01-01 10:00"]) == 2
    assert "in the future" in capsys.readouterr().err


# -- times shown -------------------------------------------------------------------------------
EVENING = datetime(2026, 3, 28, 2, 30, tzinfo=UTC)
"""19:30 on 27 March in Los Angeles (UTC-7), 16:15 on 28 March in Chatham (UTC+13:45)."""


@pytest.fixture
def machine_in_chatham():
    """This computer's zone set to Chatham, far from the clinic's in these tests (and 45 minutes
    off any whole hour), so a time shown in the machine's zone instead is plain to see."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Pacific/Chatham"
    time.tzset()
    try:
        # Were the zone not taken, the tests below would pass without proving anything.
        assert EVENING.astimezone().utcoffset() == timedelta(hours=13, minutes=45)
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_the_command_line_shows_times_in_the_clinics_zone(
    tmp_path, zone_file, machine_in_chatham, capsys
):
    zone_file("America/Los_Angeles")
    db = str(tmp_path / "c.sqlite3")
    with Store.open(db) as store:
        store.add_client("Gus M.", EVENING)
    at = EVENING.astimezone(ZoneInfo("Asia/Tokyo"))  # typed with an offset not the clinic's
    checkin = ["--db", db, "checkin", "Gus M.", "--left", "2", "--right", "1"]
    assert main([*checkin, "--at", at.isoformat()]) == 0
    assert "Saved for Gus M.: left knee 2, right knee 1 (after-run, 2026-03-27 19:30)." in (
        capsys.readouterr().out
    )
    assert main(["--db", db, "clients"]) == 0
    (row,) = (line for line in capsys.readouterr().out.splitlines() if "Gus M." in line)
    assert row.split()[3] == "2026-03-27"  # the day the client was added, in the clinic


def test_the_clinic_pages_show_times_in_the_clinics_zone(store, zone_file, machine_in_chatham):
    zone_file("America/Los_Angeles")
    gus = store.add_client("Gus M.", EVENING - timedelta(days=3))
    # A device clock in a third zone (Honolulu, 16:30 on the 27th): shown as it is, it is wrong too.
    clock = ManualClock(EVENING.astimezone(ZoneInfo("Pacific/Honolulu")))
    form = CheckInForm(store, clock, client=gus)
    form.left.value, form.right.value = 4, 2
    assert form.submit() is not None
    assert "Saved at 19:30: left 4, right 2." in form.status.value
    clock.advance(15 * 60)
    overview = ClinicOverview(store, clock, autorefresh=False)
    assert "Updated 19:45" in overview.updated.value
    assert "27 Mar 19:30" in overview.table.value
    assert "28 Mar" not in overview.table.value

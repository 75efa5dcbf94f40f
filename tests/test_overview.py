"""The clinic overview read straight from the database matches the one built from every record."""

from datetime import UTC, datetime, timedelta

from kneekit.outcomes.checkin import check_in
from kneekit.progress.overview import clinic_overview, overview
from kneekit.records.store import Store


def test_reading_only_recent_weeks_gives_the_same_rows_as_reading_everything(store: Store):
    now = datetime(2026, 6, 10, 12, tzinfo=UTC)
    today = now.date()
    busy = store.add_client("Busy B.", now - timedelta(days=90))
    quiet = store.add_client("Quiet Q.", now - timedelta(days=90))
    store.add_client("Never N.", now - timedelta(days=90))
    ahead = store.add_client("Ahead A.", now - timedelta(days=90))
    for days_ago in range(0, 80, 2):
        at = now - timedelta(days=days_ago, hours=1)
        store.add_checkin(check_in(busy.id, at, days_ago % 7, 3, now=now, km=5.0 + days_ago % 4))
    for days_ago, left in ((70, 6), (61, 4), (60, 2)):  # gone quiet two months ago
        store.add_checkin(check_in(quiet.id, now - timedelta(days=days_ago), left, 1, now=now))
    later = now + timedelta(days=3)  # recorded for a day after the overview's "today"
    store.add_checkin(check_in(ahead.id, later, 5, 5, now=later))
    store.add_checkin(check_in(ahead.id, now - timedelta(days=40), 2, 2, now=now))

    fast = {row.name: row for row in clinic_overview(store, today)}
    full = {row.name: row for row in overview(store.histories(), today)}
    assert fast == full
    assert fast["Quiet Q."].last_checkin == now - timedelta(days=60)
    assert (fast["Quiet Q."].left, fast["Quiet Q."].right) == (2, 1)
    assert fast["Never N."].last_checkin is None
    assert fast["Ahead A."].last_checkin == now - timedelta(days=40)
    assert fast["Busy B."].adherence.runs == 14


def test_latest_checkins_has_one_per_client_who_checked_in(store: Store):
    now = datetime(2026, 6, 10, 12, tzinfo=UTC)
    a = store.add_client("A", now)
    store.add_client("B", now)
    for hours, left in ((5, 1), (3, 7), (4, 2)):
        store.add_checkin(check_in(a.id, now - timedelta(hours=hours), left, 0, now=now))
    latest = store.latest_checkins()
    assert list(latest) == [a.id]
    assert (latest[a.id].left, latest[a.id].at) == (7, now - timedelta(hours=3))

"""Exports of one client's records: JSON holds everything, CSV is one readable table."""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

from kneekit.exports.client import CSV_COLUMNS, client_records, to_csv, to_json
from kneekit.outcomes.checkin import check_in
from kneekit.routines.routine import default_routine, parse_routine
from kneekit.routines.session import Session

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def one_client(store, clock):
    ada = store.add_client("Ada L.", NOW)
    store.add_client("Bo K.", NOW)  # whose records must stay out of Ada's export
    version = store.save_routine(default_routine(), NOW)
    store.assign(ada.id, version.id, date(2026, 3, 1))
    store.add_checkin(check_in(ada.id, NOW, 3, 5, now=NOW, km=6.0, minutes=33, note="@risk"))
    store.add_checkin(check_in(2, NOW, 9, 9, now=NOW))
    sid = store.sessions.start(ada.id, version.id, clock.now())
    session = Session(store.routine(version.id), clock)
    session.start()
    clock.advance(38)  # stopped 3 s into the change of legs
    session.stop()
    for record in session.records:
        store.sessions.save_step(sid, record)
    store.sessions.finish(sid, clock.now(), completed=False)
    return ada, version


def test_the_json_export_holds_every_record_of_one_client(store, clock):
    clock.start = NOW + timedelta(minutes=10)
    ada, version = one_client(store, clock)
    data = json.loads(to_json(store, ada.id))
    assert data == client_records(store, ada.id)
    assert data["client"] == {"id": 1, "name": "Ada L.", "created_at": "2026-03-02T18:00:00+00:00"}
    (routine,) = data["routines"]
    assert routine["label"] == "Post-run knees v1"
    assert parse_routine(routine["routine_file"]) == default_routine()
    assert data["assignments"] == [
        {"since": "2026-03-01", "version_id": version.id, "routine": "Post-run knees v1"}
    ]
    assert data["checkins"] == [
        {
            "at": "2026-03-02T18:00:00+00:00",
            "context": "after-run",
            "left": 3,
            "right": 5,
            "km": 6.0,
            "minutes": 33.0,
            "note": "@risk",
        }
    ]
    (session,) = data["sessions"]
    assert (session["routine"], session["completed"], session["held_s"]) == (
        "Post-run knees v1",
        False,
        30.0,  # seconds held in holds; the prepare and the cut-short switch do not count
    )
    assert [(s["kind"], s["held_s"], s["skipped"]) for s in session["steps"]] == [
        ("prepare", 5.0, False),
        ("hold", 30.0, False),
        ("switch", 3.0, True),
    ]
    assert session["steps"][2]["ended_at"] == "2026-03-02T18:10:38+00:00"


def test_the_csv_export_is_one_table_in_time_order(store, clock):
    clock.start = NOW + timedelta(minutes=10)
    ada, _ = one_client(store, clock)
    rows = list(csv.DictReader(io.StringIO(to_csv(store, ada.id))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(r["record"], r["when"]) for r in rows] == [
        ("check-in", "2026-03-02T18:00:00+00:00"),
        ("session", "2026-03-02T18:10:00+00:00"),
    ]
    assert rows[0]["note"] == "'@risk"  # a spreadsheet must not read a note as a formula
    assert (rows[1]["routine"], rows[1]["planned_hold_s"], rows[1]["completed"]) == (
        "Post-run knees v1",
        "420",
        "no",
    )
    assert rows[1]["left"] == ""

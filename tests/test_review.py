"""``kneekit review``: who needs attention, on a store built through the public API (numbers
worked out by hand) and on the demo clinic; and the records it rests on staying honest."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kneekit.cli import main
from kneekit.demo.clinic import make_demo
from kneekit.errors import SorenessError
from kneekit.outcomes.checkin import check_in
from kneekit.records.store import Store
from kneekit.routines.routine import default_routine

ZONE = ZoneInfo("Europe/London")
TODAY = date(2026, 3, 30)  # a Monday; the clocks went forward in London on 29 March


def when(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


@pytest.fixture
def clinic(tmp_path) -> str:
    """Two clients built through the public API.

    Ada: runs of 5 km on days 20, 13, 6, 3 and 1 before TODAY at 18:00, rated left 6 and right
    1 after each; a completed session (by hand) after the runs of days 6 and 1, and one at 07:00
    on day 3, before that day's run; next-morning ratings of left 7 on days 2 and 0.
    Bo: one check-in 30 days ago.
    """
    path = str(tmp_path / "clinic.sqlite3")
    with Store.open(path) as store:
        start = when(TODAY - timedelta(40), 9)
        ada, bo = store.add_client("Ada L.", start), store.add_client("Bo K.", start)
        for n in (20, 13, 6, 3, 1):
            at = when(TODAY - timedelta(n), 18)
            store.add_checkin(check_in(ada.id, at, 6, 1, now=at, km=5, minutes=30))
        for n, hour in ((6, 19), (1, 19), (3, 7)):
            store.sessions.add_by_hand(
                ada.id, None, default_routine(), when(TODAY - timedelta(n), hour)
            )
        for n in (2, 0):
            at = when(TODAY - timedelta(n), 7)
            store.add_checkin(check_in(ada.id, at, 7, 1, now=at, context="next-morning"))
        at = when(TODAY - timedelta(30), 18)
        store.add_checkin(check_in(bo.id, at, 1, 1, now=at))
    return path


def review(capsys, db: str, *args: str) -> dict[str, Any]:
    assert main(["--db", db, "review", "--json", "--today", TODAY.isoformat(), *args]) == 0
    found: dict[str, Any] = json.loads(capsys.readouterr().out)
    return found


def test_review_json_on_a_store_built_through_the_public_api(capsys, clinic):
    got = review(capsys, clinic)
    assert got["today"] == "2026-03-30"
    ada, bo = got["clients"]  # Ada has more flags, so she comes first
    assert ada["name"] == "Ada L."
    assert ada["routine"] is None
    # Left: the days rated in the last 7 (days 6, 3, 2, 1, 0) have highs 6, 6, 7, 6, 7: mean 6.4.
    assert ada["knees"]["left"] == {"mean7": 6.4, "zone": "high", "verdict": None}
    assert ada["knees"]["right"] == {"mean7": 1.0, "zone": "safe", "verdict": None}
    # Runs in the last 4 weeks: days 20, 13, 6, 3, 1 (5); followed the same evening: 6 and 1.
    # The 07:00 session on day 3 came before that day's run, so it follows nothing.
    assert ada["adherence"] == {
        "runs": 5,
        "followed": 2,
        "share": 0.4,
        "from": "2026-03-03",
        "to": "2026-03-30",
    }
    # Three sessions over the 21 days she has been followed in the period (from day 20): 1.0.
    assert ada["sessions_per_week"] == 1.0
    by_code = {(f["code"], f["knee"]): f for f in ada["flags"]}
    assert set(by_code) == {
        ("high-after-run", "left"),  # 6 after the runs of days 6, 3 and 1: above 5
        ("stays-high", "left"),  # 6.4 > 5
        ("not-settled", "left"),  # 7 on the mornings of days 2 and 0: above 5
        ("distance-jump", None),  # 15 km in the last 7 days against 5 km the week before
    }
    # Not flagged: few-stretches (last 14 days: runs on days 13, 6, 3, 1, two followed: 50%,
    # not below half) and worsening (first and last fortnights still overlap: no verdict).
    stays = by_code[("stays-high", "left")]
    assert (stays["from"], stays["to"]) == ("2026-03-24", "2026-03-30")
    assert "Silbernagel" in stays["source"]
    assert bo["flags"][0]["code"] == "no-checkin"
    assert bo["adherence"]["runs"] == 0
    assert bo["knees"]["left"]["mean7"] is None


def test_review_of_one_client_and_in_words(capsys, clinic):
    (only,) = review(capsys, clinic, "Bo K.")["clients"]
    assert only["name"] == "Bo K."
    assert main(["--db", clinic, "review", "--today", TODAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Review for Mon 30 Mar 2026: 2 of 2 clients worth a look.")
    assert "Stretching after runs, last 4 weeks: 2 of 5 runs (40%)" in out
    assert out.index("Ada L.") < out.index("Bo K.")


def test_review_json_on_the_demo_clinic(tmp_path, capsys):
    db = str(tmp_path / "demo.sqlite3")
    with Store.open(db) as store:
        make_demo(store, TODAY, zone=ZONE)
    got = review(capsys, db)
    names = [c["name"] for c in got["clients"]]
    counts = [len(c["flags"]) for c in got["clients"]]
    assert counts == sorted(counts, reverse=True)  # flagged clients first
    maya = names.index("Maya R.")  # doing well: no flags, so after everyone flagged
    assert counts[maya] == 0
    assert all(counts[i] > 0 for i in range(counts.index(0)))
    jonas = next(c for c in got["clients"] if c["name"] == "Jonas W.")
    assert jonas["knees"]["left"]["zone"] == "high"
    lena = next(c for c in got["clients"] if c["name"] == "Lena K.")
    assert lena["trial"].startswith("Trial: block ")  # part-way through her trial
    assert {f["code"] for f in jonas["flags"]} >= {"stays-high", "not-settled"}
    for client in got["clients"]:
        assert set(client) == {
            "name",
            "routine",
            "flags",
            "knees",
            "adherence",
            "sessions_per_week",
            "trial",
            "akps",
        }
        assert client["adherence"]["to"] == "2026-03-30"


def test_the_same_save_twice_stores_one_check_in(store, clock):
    ada = store.add_client("Ada L.", clock.now())
    entry = check_in(ada.id, clock.now(), 3, 2, now=clock.now())
    first = store.add_checkin(entry, request_key="3f1c2d7e-save-1")
    again = store.add_checkin(entry, request_key="3f1c2d7e-save-1")
    other = store.add_checkin(entry, request_key="3f1c2d7e-save-2")
    assert first == again != other
    assert len(store.history(ada.id).checkins) == 2


@pytest.mark.parametrize(("km", "minutes"), [(1e9, None), (321, None), (10, 1441), (-1, None)])
def test_implausible_runs_are_refused(clock, km, minutes):
    with pytest.raises(SorenessError, match="must be a number from 0 to"):
        check_in(1, clock.now(), 1, 1, now=clock.now(), km=km, minutes=minutes)

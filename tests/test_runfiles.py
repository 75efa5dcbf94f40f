"""Runs from real GPX/FIT files (tests/fixtures/runs/README.md names each file's source and the
source of each reference distance); duplicates skipped; each bad file refused in words."""

import csv
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kneekit.records.store import Store
from kneekit.runfiles import RunFileError, read_bytes, read_run, read_runs

RUNS = Path(__file__).parent / "fixtures" / "runs"
NOW = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)


def _within_1pct(value: float, reference: float) -> bool:
    return abs(value - reference) <= 0.01 * reference


def test_gpx_mojstrovka_matches_gpxgo_readme() -> None:
    # gpxgo's README prints gpxinfo for this 184-point file: Length 2D 2.6958 km, uphill 446.49 m
    run = read_run(RUNS / "Mojstrovka.gpx", now=NOW)
    assert _within_1pct(run.km, 2.6958067369682577)
    assert run.elevation_gain_m is not None
    assert _within_1pct(run.elevation_gain_m, 446.489)
    assert run.minutes is None  # every point carries the same time in this file


def test_gpx_etrex_file_matches_gpxgo_test_suite() -> None:
    # gpxgo gpx/gpx_test.go TestLength2DSeg: 56.77577732775905 m; first point 2012-03-17 12:46:19Z
    run = read_run(RUNS / "gpxgo-etrex-file.gpx", now=NOW)
    assert _within_1pct(run.km * 1000, 56.77577732775905)
    assert run.start == datetime(2012, 3, 17, 12, 46, 19, tzinfo=UTC)
    assert run.kind == "GPX"


def test_fit_fenix2_run_matches_the_watchs_own_session_summary() -> None:
    # session.total_distance 9008.22 m in the file; kneekit reads the record stream instead
    run = read_run(RUNS / "activity-small-fenix2-run.fit", now=NOW)
    assert _within_1pct(run.km * 1000, 9008.22)
    # session start 14:45:08 UTC; the activity's local_timestamp is two hours ahead
    assert run.start.isoformat() == "2015-08-15T16:45:08+02:00"
    assert run.minutes is not None
    assert 46 < run.minutes < 48
    assert run.elevation_gain_m == 64.0


def test_fit_fenix5_run_matches_its_records_export_in_pacific_time() -> None:
    with (RUNS / "garmin-fenix-5-run-records.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    reference = float(rows[-1]["distance"])  # 157.56 m
    first_local = rows[0]["timestamp"]  # "Sun Jun 11 07:34:09 PDT 2017"
    run = read_run(RUNS / "garmin-fenix-5-run.fit", now=NOW)
    assert _within_1pct(run.km * 1000, reference)
    assert f"{run.start:%H:%M:%S}" in first_local
    assert run.start.utcoffset() == timedelta(hours=-7)


def test_a_folder_import_saves_each_run_once_and_a_second_import_skips_every_run(
    store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "watch"
    folder.mkdir()
    for name in (
        "Mojstrovka.gpx",
        "gpxgo-etrex-file.gpx",
        "cerknicko-jezero.gpx",
        "activity-small-fenix2-run.fit",
        "garmin-fenix-5-run.fit",
        "garmin-fenix-5-run-records.csv",
    ):
        shutil.copy(RUNS / name, folder / name)
    client = store.add_client("Anna K.", NOW)
    runs, ignored = read_runs([folder], now=NOW)
    assert (len(runs), ignored) == (5, 1)  # the CSV is left alone
    first = store.outcomes.import_runs(client.id, runs, NOW)
    assert (len(first.saved), first.skipped) == (5, 0)
    again = store.outcomes.import_runs(client.id, read_runs([folder], now=NOW)[0], NOW)
    assert (len(again.saved), len(again.same_file), len(again.same_start)) == (0, 5, 0)
    assert "skipped 5 already imported" in again.words()
    history = store.history(client.id)
    assert len(history.runs) == 5
    fenix2 = next(r for r in history.runs if r.source == "activity-small-fenix2-run.fit")
    assert fenix2.start.isoformat() == "2015-08-15T16:45:08+02:00"  # offset kept in the store


def test_a_changed_file_with_the_same_start_time_is_skipped_as_the_same_run(
    store: Store,
) -> None:
    client = store.add_client("Ben", NOW)
    raw = (RUNS / "gpxgo-etrex-file.gpx").read_bytes()
    store.outcomes.import_runs(client.id, [read_bytes(raw, "a.gpx", now=NOW)], NOW)
    # the same run exported again: another waypoint name, and the first point 20 s later
    edited = raw.replace(b"<name>001</name>", b"<name>start</name>")
    edited = edited.replace(b"2012-03-17T12:46:19Z", b"2012-03-17T12:46:39Z")
    result = store.outcomes.import_runs(client.id, [read_bytes(edited, "b.gpx", now=NOW)], NOW)
    assert (len(result.saved), len(result.same_start)) == (0, 1)
    later = raw.replace(b"2012-03-17T12:4", b"2012-03-17T13:4")  # an hour on: another run
    result = store.outcomes.import_runs(client.id, [read_bytes(later, "c.gpx", now=NOW)], NOW)
    assert (len(result.saved), result.skipped) == (1, 0)


def _days_long() -> bytes:
    raw = (RUNS / "gpxgo-etrex-file.gpx").read_bytes()
    head, _, tail = raw.rpartition(b"2012-03-17T")
    return head + b"2012-03-20T" + tail


def _fenix5() -> bytes:
    return (RUNS / "garmin-fenix-5-run.fit").read_bytes()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.fit", b"just some text, not a recording\n", "not a GPX or FIT file"),
        ("records.gpx", (RUNS / "garmin-fenix-5-run-records.csv").read_bytes(), "not a GPX"),
        ("route.gpx", (RUNS / "route.gpx").read_bytes(), "no track points"),
        ("cut.fit", _fenix5()[: len(_fenix5()) // 2], "damaged or cut short"),
        ("flip.fit", _fenix5()[:-1] + bytes([_fenix5()[-1] ^ 0xFF]), "damaged or cut short"),
        ("cut.gpx", (RUNS / "gpxgo-etrex-file.gpx").read_bytes()[:1500], "damaged or cut short"),
        (
            "future.gpx",
            (RUNS / "gpxgo-etrex-file.gpx").read_bytes().replace(b"2012-03-17T", b"2099-03-17T"),
            "in the future",
        ),
        ("days.gpx", _days_long(), "beyond one run"),  # three days in one "run": a typo'd clock
    ],
)
def test_each_bad_file_gets_its_message(name: str, content: bytes, message: str) -> None:
    with pytest.raises(RunFileError, match=message) as caught:
        read_bytes(content, name, now=NOW)
    assert caught.value.problems[0].source == name


def test_one_bad_file_in_an_import_saves_nothing_and_names_it(store: Store, tmp_path: Path) -> None:
    client = store.add_client("Cleo", NOW)
    bad = tmp_path / "cut.fit"
    bad.write_bytes(_fenix5()[:300])
    with pytest.raises(RunFileError) as caught:
        read_runs([RUNS / "garmin-fenix-5-run.fit", bad, RUNS / "route.gpx"], now=NOW)
    assert [p.source for p in caught.value.problems] == ["cut.fit", "route.gpx"]
    assert store.history(client.id).runs == ()

"""``kneekit akps`` and ``kneekit runs import`` as a physio types them."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kneekit.cli import main
from kneekit.records.store import Store

RUNS = Path(__file__).parent / "fixtures" / "runs"


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "clinic.sqlite3"
    with Store.open(path) as store:
        store.add_client("Anna K.", datetime(2026, 1, 1, tzinfo=UTC))
    return str(path)


def test_akps_saves_and_prints_json(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    answers = "2,1,3,2,4,3,2,4,2,3,1,2,3"  # 64 by hand, see test_akps
    at = "2026-02-01T10:00:00+01:00"
    assert main(["--db", db, "akps", "Anna K.", "--answers", answers, "--at", at, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["score"] == 64
    assert datetime.fromisoformat(printed["at"]) == datetime.fromisoformat(at)
    with Store.open(db) as store:
        saved = store.outcomes.akps_scores(1)
    assert [s.total for s in saved] == [64]
    assert saved[0].at.utcoffset() == timedelta(hours=1)  # kept where it was filled in
    with Store.open(db) as store:
        assert {k: [s.total for s in v] for k, v in store.outcomes.akps_by_client().items()} == {
            1: [64]
        }


def test_akps_partial_answers_are_refused_naming_the_items(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", db, "akps", "1", "--answers", "1,1,,1,1,1,1,1,1,1,1"]) == 2
    err = capsys.readouterr().err
    assert "item 3 (How far you can walk)" in err
    assert "item 12" in err
    assert "item 13" in err
    with Store.open(db) as store:
        assert store.outcomes.akps_scores(1) == []


def test_runs_import_twice_skips_every_run(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(RUNS / "garmin-fenix-5-run.fit"), str(RUNS / "Mojstrovka.gpx")]
    assert main(["--db", db, "runs", "import", "Anna K.", *files]) == 0
    assert "Imported 2 runs" in capsys.readouterr().out
    assert main(["--db", db, "runs", "import", "Anna K.", *files]) == 0
    assert "Imported 0 runs; skipped 2 already imported" in capsys.readouterr().out


def test_runs_import_names_a_bad_file_and_saves_nothing(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "notes.gpx"
    bad.write_text("my run notes", encoding="utf-8")
    assert main(["--db", db, "runs", "import", "1", str(RUNS / "Mojstrovka.gpx"), str(bad)]) == 2
    assert "notes.gpx: this is not a GPX or FIT file" in capsys.readouterr().err
    with Store.open(db) as store:
        assert store.history(1).runs == ()

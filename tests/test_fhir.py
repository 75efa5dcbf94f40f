"""The FHIR export of a demo client: a valid R4B Bundle (fhir.resources), LOINC 72514-3 ratings on
the right knees, AKPS and sessions present, and the values read back as they were recorded."""

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from kneekit.cli import main
from kneekit.demo.clinic import make_demo
from kneekit.exports import fhir
from kneekit.outcomes import akps
from kneekit.outcomes.checkin import check_in
from kneekit.records.store import Store

TODAY = date(2026, 3, 1)
NOW = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, int]]:
    """The demo clinic (made once: it plays every session through the engine), with one client
    given a rating made at +02:00 and two AKPS scores."""
    path = tmp_path_factory.mktemp("fhir") / "demo.sqlite3"
    with Store.open(path) as store:
        make_demo(store, TODAY)
        client = store.clients()[0]
        away = datetime(2026, 2, 28, 9, 30, tzinfo=timezone(timedelta(hours=2)))
        store.add_checkin(check_in(client.id, away, 3, 7, now=NOW, context="next-morning"))
        inst = akps.load()
        for days, answers in ((40, [2] * 13), (2, [1] * 13)):
            at = NOW - timedelta(days=days)
            store.outcomes.add_akps(akps.score(inst, client.id, at, answers, now=NOW), NOW)
        yield store, client.id


def _export(store: Store, client_id: int) -> str:
    return fhir.to_json(store.history(client_id), store.outcomes.akps_scores(client_id), NOW)


def test_the_export_validates_as_an_r4b_bundle(demo_client: tuple[Store, int]) -> None:
    store, cid = demo_client
    model = Bundle.model_validate_json(_export(store, cid))
    kinds = [e.resource.get_resource_type() for e in model.entry]
    assert kinds[0] == "Patient"
    assert {"Observation", "Procedure", "CarePlan"} <= set(kinds)
    completed = [s for s in store.history(cid).sessions if s.completed]
    assert kinds.count("Procedure") == len(completed) > 0


def test_ratings_carry_loinc_72514_3_and_the_knee_as_body_site(
    demo_client: tuple[Store, int],
) -> None:
    store, cid = demo_client
    data = json.loads(_export(store, cid))
    ratings = [
        e["resource"]
        for e in data["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["code"] == "72514-3"
    ]
    checkins = store.history(cid).checkins
    assert len(ratings) == 2 * len(checkins)
    sites = {
        (r["bodySite"]["coding"][0]["system"], r["bodySite"]["coding"][0]["code"]) for r in ratings
    }
    assert sites == {("http://snomed.info/sct", "82169009"), ("http://snomed.info/sct", "6757004")}
    left = [r["valueInteger"] for r in ratings if r["bodySite"]["coding"][0]["code"] == "82169009"]
    assert left == [c.left for c in checkins]
    away = [r for r in ratings if r["effectiveDateTime"].startswith("2026-02-28T09:30")]
    assert {r["effectiveDateTime"][-6:] for r in away} == {"+02:00"}  # the offset is kept
    contexts = {r["component"][0]["valueCodeableConcept"]["coding"][0]["code"] for r in away}
    assert contexts == {"next-morning"}


def test_round_trip_reads_every_rating_and_akps_score_back(demo_client: tuple[Store, int]) -> None:
    store, cid = demo_client
    text = _export(store, cid)
    expected = [
        (c.at, side, value)
        for c in store.history(cid).checkins
        for side, value in (("left", c.left), ("right", c.right))
    ]
    assert fhir.ratings(text) == expected
    totals = [
        e.resource.valueInteger
        for e in Bundle.model_validate_json(text).entry
        if e.resource.get_resource_type() == "Observation"
        and e.resource.code.coding[0].code == "akps-total"
    ]
    assert totals == [s.total for s in store.outcomes.akps_scores(cid)] == [akps_total(2), 100]


def akps_total(option: int) -> int:
    """The total when every item is answered with its ``option``-th option."""
    return sum(i.options[option - 1].points for i in akps.load().items)


def test_cli_export_writes_fhir_and_json_with_runs(
    demo_client: tuple[Store, int], tmp_path: Path
) -> None:
    store, cid = demo_client
    db = str(store.path)
    out = tmp_path / "bundle.json"
    assert main(["--db", db, "export", str(cid), "--format", "fhir", "-o", str(out)]) == 0
    Bundle.model_validate_json(out.read_text(encoding="utf-8"))
    runs = Path(__file__).parent / "fixtures" / "runs" / "activity-small-fenix2-run.fit"
    assert main(["--db", db, "runs", "import", str(cid), str(runs)]) == 0
    out_json = tmp_path / "records.json"
    assert main(["--db", db, "export", str(cid), "--format", "json", "-o", str(out_json)]) == 0
    runs_out = json.loads(out_json.read_text(encoding="utf-8"))["runs"]
    assert runs_out == [
        {
            "start": "2015-08-15T16:45:08+02:00",
            "km": pytest.approx(9.008, abs=0.005),
            "minutes": pytest.approx(47.2, abs=0.1),
            "source": "activity-small-fenix2-run.fit",
        }
    ]

"""The AKPS questionnaire and run upload views, driven without a browser, and the AKPS figure."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from kneekit.outcomes import akps
from kneekit.outcomes.figures import akps_trend
from kneekit.records.store import Store
from kneekit.routines.session import ManualClock
from kneekit.widgets.akps import AKPSForm, ClinicAKPS
from kneekit.widgets.upload import RunUpload

RUNS = Path(__file__).parent / "fixtures" / "runs"


def _upload(name: str) -> dict[str, object]:
    """A file as ipywidgets' FileUpload holds it after the browser sends it."""
    raw = (RUNS / name).read_bytes()
    return {
        "name": name,
        "type": "",
        "size": len(raw),
        "content": memoryview(raw),
        "last_modified": datetime(2026, 3, 1, tzinfo=UTC),
    }


def test_one_item_per_screen_and_tapping_an_option_moves_on(
    store: Store, clock: ManualClock
) -> None:
    client = store.add_client("Anna K.", clock.now())
    form = AKPSForm(store, client, clock)
    assert len(form.options) == 3  # item 1 (limp) has three options
    form.options[1].click()  # "a little, or now and then": 3 points
    assert form.index == 1
    assert form.answers[0] == 2
    for _ in range(12):
        form.options[0].click()
    assert form.answers == [2] + [1] * 12
    assert form.submit() is not None
    assert [s.total for s in store.outcomes.akps_scores(client.id)] == [98]


def test_a_partial_questionnaire_is_not_saved_and_shows_the_first_missing_item(
    store: Store, clock: ManualClock
) -> None:
    client = store.add_client("Ben", clock.now())
    form = AKPSForm(store, client, clock)
    for _ in range(4):
        form.options[0].click()  # items 1-4
    form.next.click()  # item 6
    form.go(12)
    form.save.click()
    assert store.outcomes.akps_scores(client.id) == []
    assert "item 5 (Squatting down)" in form.status.value
    assert form.index == 4  # back on item 5


def test_upload_imports_real_files_then_skips_them(store: Store, clock: ManualClock) -> None:
    client = store.add_client("Cleo", clock.now())
    view = RunUpload(store, client, clock, zone=UTC)
    names = ("garmin-fenix-5-run.fit", "Mojstrovka.gpx")
    files = [_upload(n) for n in names]
    view.files.value = tuple(files)
    assert view.submit() is not None
    assert "Imported 2 runs" in view.status.value
    view.files.value = tuple(files)
    view.send.click()
    assert "skipped 2 already imported" in view.status.value
    assert len(store.history(client.id).runs) == 2


def test_upload_with_a_bad_file_saves_nothing_and_names_it(
    store: Store, clock: ManualClock
) -> None:
    client = store.add_client("Dan", clock.now())
    view = RunUpload(store, client, clock, zone=UTC)
    view.files.value = (_upload("Mojstrovka.gpx"), _upload("route.gpx"))
    assert view.submit() is None
    assert "route.gpx" in view.status.value
    assert "no track points" in view.status.value
    assert "Nothing was saved" in view.status.value
    assert store.history(client.id).runs == ()


def test_the_trend_marks_the_mcid_around_the_first_score() -> None:
    inst = akps.load()
    now = datetime(2026, 3, 1, tzinfo=UTC)
    scores = [
        akps.score(inst, 1, now - timedelta(days=d), answers, now=now)
        for d, answers in ((56, [2] * 13), (0, [1] * 13))
    ]
    fig = akps_trend(scores)
    ax = fig.axes[0]
    band = next(p for p in ax.patches if p.get_gid() == "akps-mcid-band")
    low, high = band.get_extents().transformed(ax.transData.inverted()).intervaly
    first = scores[0].total
    assert round(low) == first - akps.MCID
    assert round(high) == first + akps.MCID
    line = next(ln for ln in ax.lines if ln.get_gid() == "akps-mcid-line")
    assert list(line.get_ydata()) == [first + akps.MCID] * 2  # type: ignore[arg-type]
    assert "Crossley" in "".join(t.get_text() for t in fig.legends[0].get_texts())


def test_the_clinic_form_starts_fresh_for_each_client(store: Store, clock: ManualClock) -> None:
    anna = store.add_client("Anna K.", clock.now())
    ben = store.add_client("Ben", clock.now())
    view = ClinicAKPS(store, clock)
    assert view.form is None
    view.picker.value = anna.id
    assert view.form is not None
    view.form.options[2].click()
    view.picker.value = ben.id
    assert view.form.client == ben
    assert view.form.answers == [None] * 13

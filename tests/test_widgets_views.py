"""The routine lab, trends, clinic overview and client page, on a real demo clinic database."""

import html
from datetime import UTC, datetime, timedelta

import ipywidgets as w
import pytest

from kneekit import config
from kneekit.progress import overview as overview_module
from kneekit.progress.adherence import adherence as adherence_of
from kneekit.routines.routine import default_routine
from kneekit.routines.session import ManualClock
from kneekit.widgets import ClinicOverview, RoutineLab, TrendsView, client_page
from kneekit.widgets.akps import AKPSForm
from kneekit.widgets.checkin import CheckInForm
from kneekit.widgets.player import SessionPlayer
from kneekit.widgets.progress import ProgressView
from kneekit.widgets.upload import RunUpload

TODAY = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
"""When the demo clinic was made: tests/conftest.py's DEMO_NOW, the time of ``demo_clock``."""


def all_widgets(root: w.Widget) -> list[w.Widget]:
    found, todo = [], [root]
    while todo:
        widget = todo.pop()
        found.append(widget)
        todo += [c for c in getattr(widget, "children", ()) if isinstance(c, w.Widget)]
    return found


def page_text(root: w.Widget) -> str:
    texts = []
    for widget in all_widgets(root):
        for trait in ("value", "description", "options", "_titles", "titles"):
            value = getattr(widget, trait, None)
            if isinstance(value, str | tuple | list | dict):
                texts.append(str(value))
    return html.unescape("\n".join(texts))


def shown(widget: w.HTML) -> str:
    """What a person reads in an HTML widget (entities decoded)."""
    return html.unescape(widget.value)


# -- routine lab --------------------------------------------------------------------------------
def test_lab_starts_from_the_default_routine_with_a_live_summary(demo, demo_clock):
    lab = RoutineLab(demo, demo_clock)
    assert lab.routine == default_routine()
    assert "28 steps, 8 min 30 s" in lab.summary.value
    assert "Every muscle group reaches the ~60 s" in lab.summary.value
    assert "⚠" not in lab.summary.value  # nothing is short, so nothing is marked
    lab.rows.children[0].reps.value = 1
    assert "24 steps, 7 min 15 s" in lab.summary.value
    assert "quadriceps: 30 s on each leg, short of the ~60 s guideline" in lab.summary.value
    assert "30 s ⚠" in lab.summary.value
    assert "⚠ below the ~60 s per muscle group" in lab.summary.value
    assert "Every muscle group reaches" not in lab.summary.value


def test_lab_reorders_adds_and_removes(demo, demo_clock):
    lab = RoutineLab(demo, demo_clock)
    first = lab.rows.children[0]
    lab.move(first, +1)
    assert [r.stretch.value for r in lab.rows.children][:2] == ["hamstring", "quadriceps"]
    lab.remove(first)
    lab.add("quadriceps")
    assert [p.stretch.id for p in lab.routine.prescriptions] == [
        "hamstring",
        "calf",
        "hip-flexor",
        "quadriceps",
    ]
    assert "stretch: quadriceps\n  hold: 30\n  reps: 1" in lab.file_text.value


def test_lab_shows_routine_file_errors_and_will_not_save_them(demo, demo_clock):
    lab = RoutineLab(demo, demo_clock)
    lab.rows.children[1].hold.value = 400
    assert "stretches[2].hold: must be a whole number from 5 to 300 s; it is 400." in (
        lab.summary.value
    )
    assert lab.save_button.disabled
    for row in list(lab.rows.children):
        lab.remove(row)
    assert "a list of one or more stretches" in lab.summary.value


def test_lab_saves_a_version_and_assigns_it(demo, demo_clock):
    lab = RoutineLab(demo, demo_clock)
    lab.assign()
    assert "Save this routine as a version" in lab.status.value
    lab.name.value = "Calf heavy"
    lab.rows.children[2].reps.value = 3
    lab.save_button.click()
    assert "Saved as Calf heavy v1" in lab.status.value
    client = demo.clients()[0]
    lab.assign_client.value = client.id
    lab.assign_from.value = TODAY.date() + timedelta(days=1)
    lab.assign()
    assert f"{client.name} follows this routine from 26 Nov 2026" in lab.status.value
    version = demo.current_version(client.id, TODAY.date() + timedelta(days=1))
    assert version.label == "Calf heavy v1"
    assert demo.routine(version.id).prescriptions[2].reps == 3


def test_lab_compares_with_a_saved_version(demo, demo_clock):
    lab = RoutineLab(demo, demo_clock)
    lab.rows.children[0].hold.value = 20
    lab.compare_with.index = 0  # the kneekit default routine
    assert lab.compare_with.label == "kneekit default routine"
    lab.compare()
    text, timeline, dose = lab.comparison.children
    assert "Standing quadriceps stretch hold: 30 -> 20" in shown(text)
    for figure in (timeline, dose):  # PNGs in <img> tags, with the figure's titles as alt text
        assert 'src="data:image/png;base64,iVBORw0KGgo' in figure.value
        assert ' alt="' in figure.value


def test_lab_imports_a_routine_file_or_says_why_not(demo, demo_clock):
    lab = RoutineLab(demo, demo_clock)
    lab.import_text("name: Just calves\nstretches:\n  - stretch: calf\n    reps: 2\n")
    assert lab.name.value == "Just calves"
    assert len(lab.rows.children) == 1
    lab.import_text("name: Typo\nstretches:\n  - stretch: calves\n")
    assert "unknown stretch 'calves' (did you mean 'calf'?)" in shown(lab.status)
    assert lab.name.value == "Just calves"


# -- trends and clinic --------------------------------------------------------------------------
def test_trends_for_the_physio_show_flags_baseline_and_variants(demo, demo_clock):
    view = TrendsView(demo, demo_clock)
    switched = next(h for h in demo.histories() if len({a.version_id for a in h.assignments}) > 1)
    view.picker.value = switched.client_id
    text = page_text(view)
    assert "Change from the first two weeks" in text
    assert "Routine versions compared" in text
    assert "95% interval" in text
    assert "it does not diagnose" in text
    images = [c for c in view.body.children if isinstance(c, w.HTML) and "<img" in c.value]
    assert len(images) == 2
    assert all(' alt="' in i.value and "knee soreness" in i.value for i in images[:1])


def test_trends_refuse_an_inverted_date_range(demo, demo_clock):
    view = TrendsView(demo, demo_clock)
    view.start.value = TODAY.date()
    view.end.value = TODAY.date() - timedelta(days=3)
    assert "Choose a 'From' date on or before the 'To' date." in page_text(view)


def test_sorting_the_overview_reorders_without_reading_the_records_again(
    demo, demo_clock, monkeypatch
):
    reads = []
    real = overview_module.clinic_overview

    def counted(*args):
        reads.append(args)
        return real(*args)

    monkeypatch.setattr(overview_module, "clinic_overview", counted)
    table = ClinicOverview(demo, demo_clock)
    table.sort.value = "Name"
    table.sort.value = "Sorest first"
    assert len(reads) == 1
    table.refresh()
    assert len(reads) == 2


def test_clinic_overview_sorts_and_opens_a_clients_trends(demo, demo_clock):
    overview = ClinicOverview(demo, demo_clock)
    assert overview.table.value.count("<tr>") == 1 + len(demo.clients())
    first = overview.rows()[0].client_id
    assert overview.choose.value == overview.trends.picker.value == first
    overview.sort.value = "Name"
    names = [label for label, _ in overview.choose.options]
    assert names == sorted(names, key=str.casefold)
    overview.sort.value = "Lowest adherence first"
    shares = [r.adherence.share for r in overview.rows()]
    assert shares == sorted(shares, key=lambda s: 2 if s is None else s)
    chosen = overview.choose.options[-1][1]
    overview.choose.value = chosen
    assert demo.client(chosen).name in page_text(overview.trends)


def test_names_and_notes_with_markup_stay_text(demo, demo_clock):
    client = demo.add_client("<script>alert('x')</script>", demo_clock.now())
    overview = ClinicOverview(demo, demo_clock)
    assert "<script>" not in overview.table.value
    assert "&lt;script&gt;" in overview.table.value
    token = demo.shares.create(client.id, demo_clock.now(), None)
    page = client_page(demo, demo_clock, f"share={token}")
    assert "<script>" not in page.children[1].value


# -- the client page ----------------------------------------------------------------------------
def test_client_page_shows_only_that_clients_things(demo, demo_clock):
    a, b = demo.clients()[:2]
    token = demo.shares.create(a.id, demo_clock.now(), timedelta(days=30))
    page = client_page(demo, demo_clock, f"share={token}")
    text = page_text(page)
    assert f"Hello, {a.name}" in text
    for other in demo.clients():
        if other.id != a.id:
            assert other.name not in text
    tabs = page.children[2]  # after the page's style and the greeting
    player, form, progress, questionnaire, runs = tabs.children
    assert not any(isinstance(c, ProgressView) for c in progress.children)  # drawn when opened
    tabs.selected_index = 2
    (mine,) = progress.children
    text = page_text(page)
    assert "Left knee: " in text  # the words come first
    assert not any(o.name in text for o in demo.clients() if o.id != a.id)
    assert isinstance(player, SessionPlayer)
    assert player.client_picker.options == ()
    assert [label for label, _ in player.routine_picker.options] == [
        demo.current_version(a.id, TODAY.date()).label
    ]
    assert isinstance(form, CheckInForm)
    assert form.picker.options == ()
    assert isinstance(mine, ProgressView)
    tabs.selected_index, tabs.selected_index = 3, 4  # the questionnaire and the run upload
    assert isinstance(questionnaire.children[0], AKPSForm)
    assert isinstance(runs.children[0], RunUpload)
    assert b.name not in page_text(page)
    adherence = str(adherence_of(demo.history(a.id), config.today(demo_clock.now())))
    assert f"<span class='kneekit-adherence'>{adherence}</span>" in text
    assert b.name not in text


@pytest.mark.parametrize("query", [None, "", "share=", "share=nope", "share=a&share=b"])
def test_a_bad_link_shows_the_notice_and_nothing_else(demo, demo_clock, query, monkeypatch):
    monkeypatch.delenv("QUERY_STRING", raising=False)
    page = client_page(demo, demo_clock, query)
    assert isinstance(page, w.HTML)
    assert "This link is not valid — ask your physio for a new one." in page.value
    assert not any(c.name in page.value for c in demo.clients())


def test_expired_and_revoked_links_show_the_notice(demo, demo_clock):
    client = demo.clients()[0]
    token = demo.shares.create(client.id, demo_clock.now(), timedelta(days=1))
    assert isinstance(client_page(demo, demo_clock, f"share={token}"), w.VBox)
    later = ManualClock(TODAY + timedelta(days=2))
    assert isinstance(client_page(demo, later, f"share={token}"), w.HTML)
    fresh = demo.shares.create(client.id, demo_clock.now(), None)
    demo.shares.revoke(client.id, demo_clock.now())
    assert isinstance(client_page(demo, demo_clock, f"share={fresh}"), w.HTML)


def test_setting_every_widget_on_a_client_page_cannot_reach_another_client(demo, demo_clock):
    """A browser can set any synced widget's value; try B's id (and junk) in every one of them."""
    a, b = demo.clients()[:2]
    before_b = demo.history(b.id)
    page = client_page(
        demo, demo_clock, f"share={demo.shares.create(a.id, demo_clock.now(), None)}"
    )
    page.children[2].selected_index = 2  # open every tab, so its widgets exist to be tampered with
    for widget in all_widgets(page):
        for value in (b.id, str(b.id), "probe"):
            try:
                widget.set_state({"value": value})
            except Exception:
                continue
    for widget in all_widgets(page):
        if isinstance(widget, w.Button):
            widget.click()
    assert demo.history(b.id) == before_b
    text = page_text(page)
    assert b.name not in text.replace(a.name, "")
    saved = demo.history(a.id).checkins
    assert all(c.client_id == a.id for c in saved)

"""The clinic face's shared pieces: the bar of links, dropdowns that never look empty, the
overview's refresh (by button and by timer, on a manual clock) and the handout button."""

import base64
import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import ipywidgets as w
import pytest

from kneekit.outcomes.checkin import check_in
from kneekit.records.store import Store
from kneekit.routines.session import ManualClock
from kneekit.sharing import SHARE_DAYS, handout_pdf
from kneekit.voila.faces import CLINIC_NOTEBOOKS, NOTEBOOKS
from kneekit.widgets import ClinicOverview, RoutineLab
from kneekit.widgets.clinic import REFRESH_EVERY
from kneekit.widgets.common import NOTHING, chosen, offer
from kneekit.widgets.handout import HandoutButton
from kneekit.widgets.nav import CLINIC_PAGES, TITLE_PREFIX, clinic_nav, nav_html
from kneekit.widgets.player import SessionPlayer
from kneekit.widgets.trial import TrialPlanner


# -- the bar of links and the titles ----------------------------------------------------------
def test_the_bar_links_every_clinic_page_relatively_and_marks_the_current_one():
    assert sorted(name for name, _ in CLINIC_PAGES) == sorted(CLINIC_NOTEBOOKS)
    for name in CLINIC_NOTEBOOKS:
        bar = nav_html(name)
        links = re.findall(r'<a href="([^"]+)"( aria-current="page")?>', bar)
        assert [href for href, _ in links] == [n for n, _ in CLINIC_PAGES]
        assert [href for href, current in links if current] == [name]
        assert 'aria-label="Clinic pages"' in bar
    with pytest.raises(ValueError, match=r"'clinc\.ipynb' is not a clinic page"):
        nav_html("clinc.ipynb")


@pytest.mark.parametrize("name", CLINIC_NOTEBOOKS)
def test_every_clinic_notebook_has_a_title_and_shows_the_bar_first(name):
    notebook = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    title = notebook["metadata"]["title"]
    assert title.startswith(TITLE_PREFIX)
    assert len(title) > len(TITLE_PREFIX) + 3
    first = "".join(notebook["cells"][0]["source"])
    assert f'clinic_nav("{name}")' in first
    assert isinstance(clinic_nav(name), w.HTML)


# -- dropdowns --------------------------------------------------------------------------------
def test_offer_chooses_a_shown_option_even_for_the_none_of_these_choice():
    dropdown = w.Dropdown()
    offer(dropdown, [("Anna", 3), ("kneekit default routine", None)])
    assert (dropdown.index, dropdown.label) == (0, "Anna")
    offer(dropdown, [("Anna", 3), ("kneekit default routine", None)], None)
    assert (dropdown.index, dropdown.label, chosen(dropdown)) == (
        1,
        "kneekit default routine",
        None,
    )
    offer(dropdown, [("Ben", 4), ("Anna", 3), ("kneekit default routine", None)])
    assert dropdown.label == "kneekit default routine"  # kept, though it moved
    dropdown.value = 3
    offer(dropdown, [("Ben", 4)])  # gone: the first instead of nothing
    assert (dropdown.index, dropdown.label) == (0, "Ben")
    offer(dropdown, [])
    assert dropdown.index is None


def test_no_clinic_dropdown_is_left_blank_with_a_value_chosen(demo, demo_clock):
    lab = RoutineLab(demo, demo_clock)
    player = SessionPlayer(demo, demo_clock, autotick=False)
    overview = ClinicOverview(demo, demo_clock)
    views = [lab, lab.trial, player, overview, overview.trends]
    dropdowns = [d for view in views for d in view.__dict__.values() if isinstance(d, w.Dropdown)]
    assert len(dropdowns) >= 10
    for dropdown in dropdowns:
        if dropdown.options:
            assert dropdown.index is not None, dropdown.description
            assert dropdown.label, dropdown.description
    assert lab.start_from.label == lab.compare_with.label == "kneekit default routine"
    assert lab.start_from.value == NOTHING
    assert lab.assign_client.label == demo.clients()[0].name
    lab.compare_with.index = 0
    lab.compare()  # the default routine, read back from NOTHING
    assert len(lab.comparison.children) == 3  # the words and two figures
    planner = TrialPlanner(demo, demo_clock)
    assert (planner.client.label, chosen(planner.client)) == ("Choose a client", None)


def test_the_player_saves_the_default_routine_as_no_version(demo, demo_clock):
    client = demo.add_client("New N.", demo_clock.now())
    player = SessionPlayer(demo, demo_clock, autotick=False)
    player.client_picker.value = client.id
    assert player.routine_picker.label == "kneekit default routine"  # shown, not blank
    assert player.version_id() is None
    assert player.routine().name == "Post-run knees"


# -- refresh ----------------------------------------------------------------------------------
def _new_checkin(store: Store, clock: ManualClock, client_id: int, left: int) -> None:
    store.add_checkin(check_in(client_id, clock.now(), left, 0, now=clock.now()))


def test_refresh_shows_a_checkin_that_arrived_and_redraws_the_open_clients_trends(demo, demo_clock):
    overview = ClinicOverview(demo, demo_clock)
    chosen_id = overview.choose.value
    figure = overview.trends.body.children[1].value
    demo_clock.advance(600)
    _new_checkin(demo, demo_clock, chosen_id, 9)
    assert "9" not in re.findall(r"<td[^>]*data-label='Left'>(\d+)</td>", overview.table.value)
    overview.refresh_button.click()
    row = next(r for r in overview.rows() if r.client_id == chosen_id)
    assert row.left == 9
    assert "data-label='Left'>9</td>" in overview.table.value
    assert overview.choose.value == chosen_id  # the physio's choice is kept
    assert overview.trends.body.children[1].value != figure  # the trend shows the new point


def test_the_timer_reads_again_once_a_refresh_interval_has_passed(demo, demo_clock):
    overview = ClinicOverview(demo, demo_clock)
    client_id = overview.rows()[-1].client_id
    demo_clock.advance(30)
    _new_checkin(demo, demo_clock, client_id, 8)
    demo_clock.advance(REFRESH_EVERY.total_seconds() - 31)
    assert overview.tick() is False  # not yet: nothing read
    assert next(r for r in overview.rows() if r.client_id == client_id).left != 8
    demo_clock.advance(1)
    assert overview.tick() is True
    assert next(r for r in overview.rows() if r.client_id == client_id).left == 8
    assert overview.tick() is False  # the interval starts again from this read
    demo_clock.advance(REFRESH_EVERY.total_seconds())
    assert overview.tick() is True


def test_a_refresh_with_nothing_new_sends_nothing_but_the_time(demo, demo_clock):
    overview = ClinicOverview(demo, demo_clock)
    sent: list[str] = []
    overview.table.observe(lambda c: sent.append("table"), "value")
    overview.choose.observe(lambda c: sent.append("choose"), "options")
    overview.trends.body.observe(lambda c: sent.append("trends"), "children")
    demo_clock.advance(REFRESH_EVERY.total_seconds())
    overview.refresh()
    assert sent == []
    assert "Updated" in overview.updated.value


# -- the handout ------------------------------------------------------------------------------
def test_the_handout_button_offers_an_a4_pdf_with_a_new_link(demo, demo_clock):
    overview = ClinicOverview(demo, demo_clock)
    client = demo.client(overview.choose.value)
    overview.handout.base_url = lambda: "http://192.168.1.20:8867"
    overview.handout.button.click()
    shown = overview.handout.result.value
    found = re.search(r'download="([^"]+)" href="data:application/pdf;base64,([^"]+)"', shown)
    assert found is not None, shown
    assert found.group(1) == f"handout-{client.name.replace(' ', '-').rstrip('.')}.pdf"
    pdf = base64.b64decode(found.group(2))
    assert pdf.startswith(b"%PDF")
    sizes = re.findall(rb"MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", pdf)
    assert sizes
    assert set(sizes) == {(b"595.44", b"841.68")}  # every page A4
    assert client.name in shown
    assert overview.handout.button.disabled is False
    overview.choose.value = overview.choose.options[-1][1]  # another client: the link goes
    assert overview.handout.result.value == ""


def test_handout_pdf_makes_a_new_link_for_the_client(demo, demo_clock):
    client = demo.clients()[0]
    name, data, made = handout_pdf(demo, client.id, demo_clock.now(), "http://192.168.1.20:8867")
    link = made.url
    assert name.endswith(".pdf")
    assert data.startswith(b"%PDF")
    assert not made.local_only
    assert made.until == (demo_clock.now() + timedelta(days=SHARE_DAYS)).date()
    assert link.startswith("http://192.168.1.20:8867/?share=")
    token = parse_qs(urlsplit(link).query)["share"][0]
    assert demo.shares.client_for(token, demo_clock.now()).id == client.id
    later = demo_clock.now() + timedelta(days=SHARE_DAYS, minutes=1)
    assert demo.shares.client_for(token, later) is None  # as long as the CLI's links


def test_a_handout_linking_to_this_computer_says_a_phone_cannot_open_it(demo, demo_clock):
    client_id = demo.clients()[0].id
    button = HandoutButton(demo, lambda: client_id, demo_clock, lambda: "http://127.0.0.1:8867")
    button.make()
    assert "a phone cannot open 127.0.0.1" in button.result.value
    button.base_url = lambda: "http://192.168.1.20:8867"
    button.make()
    assert "cannot open" not in button.result.value


def test_the_handout_button_asks_for_a_client_first(demo, demo_clock):
    button = HandoutButton(demo, lambda: None, demo_clock)
    button.make()
    assert "Choose a client first" in button.result.value

"""What a physio and a client do on the served pages: play a routine, check in, read each page.

Screenshots of every page go to the artefacts folder (issue #4): each is taken once its content is
on screen, at a laptop's size for the clinic and a phone's for the client.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from kneekit.records.store import Store

pytestmark = pytest.mark.browser

PAUSE_WINDOW_MS = 3000
"""How long a paused countdown is watched: a running one changes every second, so three times."""

WATCH_CHANGES = """(selector) => {
    window.countdownChanges = 0;
    new MutationObserver(() => { window.countdownChanges += 1; }).observe(
        document.querySelector(selector), {subtree: true, childList: true, characterData: true});
}"""

MARKUP_NAME = "Eve <img src=x onerror=\"document.body.dataset.ran='yes'\">"
"""A client name that would run script if a page put it into HTML unescaped."""

# The clinic's notebooks: what shows that each has rendered, and its screenshot's name.
CLINIC_PAGES = {
    "clinic.ipynb": (".kneekit-clinic table", "clinic-overview"),
    "trends.ipynb": (".kneekit-trends img", "clinic-trends"),
    "routine_lab.ipynb": (".kneekit-lab-summary", "clinic-routine-lab"),
    "session.ipynb": ("button.kneekit-start", "clinic-session"),
    "checkin.ipynb": ("button.kneekit-checkin-save", "clinic-checkin"),
}
LAPTOP_TALL = {"width": 1280, "height": 2400}
"""Voilà's page scrolls inside its own panel, so a tall window is what shows all of it."""


def countdown(page: Page) -> str:
    return page.locator(".kneekit-countdown").inner_text().strip()


TRUNCATED = "(el) => el.scrollWidth > el.clientWidth"


def test_start_moves_the_countdown_and_pause_freezes_it(server, page):
    # The first page of a fresh server waits for its first kernel: on a busy 2-core machine
    # that can take more than Playwright's default 30 s to the load event.
    page.goto(server.link(server.people()[0]), timeout=120_000)  # on a phone-sized page
    start = page.locator("button.kneekit-start")
    expect(start).to_be_enabled()
    for name in ("start", "back", "skip", "mute", "voice"):  # labels whole, not cut to "…"
        assert not page.locator(f".kneekit-{name}").evaluate(TRUNCATED), name
    before = countdown(page)
    start.click()
    expect(page.locator(".kneekit-countdown")).not_to_have_text(before)  # it moves
    expect(start).to_have_text("Pause")  # the one big key starts, pauses and resumes
    start.click()
    expect(start).to_have_text("Resume")
    frozen = countdown(page)
    page.evaluate(WATCH_CHANGES, ".kneekit-countdown")
    # Nothing to wait for here: the test is that nothing happens for a while.
    page.wait_for_timeout(PAUSE_WINDOW_MS)
    assert page.evaluate("window.countdownChanges") == 0
    assert countdown(page) == frozen
    start.click()  # resume: it moves again
    expect(page.locator(".kneekit-countdown")).not_to_have_text(frozen)


def test_a_check_in_made_on_the_page_is_in_the_database(server, page):
    a = server.people()[1]
    with Store.open(server.db) as store:
        before = len(store.history(a.id).checkins)
    page.goto(server.link(a))
    page.get_by_role("tab", name="Check in").click()
    form = page.locator(".kneekit-checkin:visible")  # the Stretch tab has one too, now hidden
    for side, value in (("left", "3"), ("right", "5")):
        key = form.locator(f".kneekit-{side}-knee button", has_text=value).first
        key.click()  # a 0–10 scale of keys, none chosen until the client taps one
        expect(key).to_have_class(re.compile(r"mod-active"))
    form.locator("button.kneekit-checkin-save").click()
    expect(form.locator(".kneekit-checkin-status")).to_contain_text("Saved at")
    with Store.open(server.db) as store:
        checkins = store.history(a.id).checkins
    assert len(checkins) == before + 1
    newest = max(checkins, key=lambda c: c.at)
    assert (newest.left, newest.right, newest.context) == (3, 5, "next-morning")


@pytest.mark.parametrize("name", list(CLINIC_PAGES))
def test_each_clinic_notebook_renders_for_the_physio(server, page, refused, artifacts, name):
    rendered, shot = CLINIC_PAGES[name]
    page.set_viewport_size(LAPTOP_TALL)
    page.goto(server.clinic_notebook(name))
    expect(page.locator(rendered).first).to_be_visible()
    page.screenshot(path=artifacts / f"{shot}.png", full_page=True)
    shown = page.inner_text("body")
    assert "Traceback" not in shown
    assert "did not load" not in shown  # Voilà's message for a failing cell
    assert refused == []


def test_names_with_markup_show_as_text_and_run_nothing(start_serve, page):
    server = start_serve(max_kernels=4)
    with Store.open(server.db) as store:
        eve = store.add_client(MARKUP_NAME, datetime.now(UTC))
        token_link = server.link(eve, days=1)
    pages = {
        "client page": (token_link, ".kneekit-client-name"),
        "clinic overview": (server.clinic_notebook("clinic.ipynb"), ".kneekit-clinic table"),
    }
    for where, (url, shown_in) in pages.items():
        page.goto(url, timeout=120_000)  # a fresh server's first page (see above)
        expect(page.locator(shown_in).first).to_contain_text(MARKUP_NAME)
        assert page.evaluate("document.body.dataset.ran") is None, where

"""The clinic's pages as a physio moves between them, in real Chromium against a real server:
titles and the bar of links, dropdowns that show what is chosen, the overview's Refresh after
a check-in written from outside, and the handout button's PDF download."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from kneekit.outcomes.checkin import check_in
from kneekit.records.store import Store
from kneekit.widgets.nav import CLINIC_PAGES

pytestmark = pytest.mark.browser

LOADED = 180_000
"""A clinic page starts its own kernel; on a busy 2-core machine the first takes a while."""

SHOWN_TEXT = """() => [...document.querySelectorAll('select')]
  .filter(s => s.getBoundingClientRect().width > 0)
  .map(s => [s.closest('.widget-inline-hbox')?.querySelector('label')?.textContent || '',
             s.selectedIndex >= 0 ? s.options[s.selectedIndex].text.trim() : ''])"""
"""Each visible dropdown's label and the text it shows (empty when nothing is selected)."""


def open_clinic(page: Page, server, name: str) -> None:
    page.goto(server.clinic_notebook(name), timeout=LOADED)
    expect(page.locator(".kneekit-nav")).to_be_visible(timeout=LOADED)


def test_clinic_pages_have_titles_and_link_to_each_other(server, page, artifacts):
    page.set_viewport_size({"width": 1366, "height": 900})
    open_clinic(page, server, "clinic.ipynb")
    expect(page).to_have_title("kneekit — Clinic overview")
    nav = page.get_by_role("navigation", name="Clinic pages")
    links = nav.get_by_role("link")
    expect(links).to_have_count(len(CLINIC_PAGES))
    # Relative links: they work under any prefix the clinic face is served at (a hub's too).
    assert links.evaluate_all("ls => ls.map(l => l.getAttribute('href'))") == [
        name for name, _ in CLINIC_PAGES
    ]
    expect(nav.get_by_role("link", name="Overview")).to_have_attribute("aria-current", "page")
    page.screenshot(path=artifacts / "clinic-face-nav-overview.png")
    nav.get_by_role("link", name="Trends").click()
    expect(page).to_have_title("kneekit — Soreness trends", timeout=LOADED)
    assert page.url.split("?")[0].endswith("/voila/render/trends.ipynb")
    expect(page.locator(".kneekit-trends img").first).to_be_visible(timeout=LOADED)
    current = page.get_by_role("navigation", name="Clinic pages").get_by_role("link", name="Trends")
    expect(current).to_have_attribute("aria-current", "page")


@pytest.mark.parametrize(
    ("name", "labels"),
    [
        ("session.ipynb", {"Client", "Routine"}),
        ("routine_lab.ipynb", {"Start from", "Compare with", "Client", "Routine A", "Routine B"}),
        ("clinic.ipynb", {"Sort", "Open trends for"}),
    ],
)
def test_no_dropdown_looks_empty(server, page, artifacts, name, labels):
    page.set_viewport_size({"width": 1366, "height": 900})
    open_clinic(page, server, name)
    page.wait_for_function(
        f"() => document.querySelectorAll('select').length >= {len(labels)}", timeout=LOADED
    )
    shown = page.evaluate(SHOWN_TEXT)
    assert labels <= {label for label, _ in shown}, shown
    assert [label for label, text in shown if not text] == []
    page.screenshot(path=artifacts / f"clinic-face-dropdowns-{name.split('.')[0]}.png")


def test_refresh_shows_a_checkin_written_from_outside(server, page, artifacts):
    someone = server.people()[1]
    page.set_viewport_size({"width": 1366, "height": 900})
    open_clinic(page, server, "clinic.ipynb")
    row = page.locator("table.kneekit-overview tr", has_text=someone.name)
    expect(row).to_be_visible()
    left, right = row.locator("td[data-label='Left']"), row.locator("td[data-label='Right']")
    assert (left.inner_text(), right.inner_text()) != ("10", "10")  # not what will arrive
    now = datetime.now(UTC)
    with Store.open(server.db) as store:  # the client checks in on their own page meanwhile
        store.add_checkin(check_in(someone.id, now, 10, 10, now=now, context="other"))
    page.get_by_role("button", name="Refresh").click()
    expect(left).to_have_text("10")
    expect(right).to_have_text("10")
    expect(row.locator("td[data-label='Last check-in']")).to_contain_text(
        f"{now.astimezone():%d %b %H:%M}"
    )
    expect(page.locator(".kneekit-updated")).to_have_text(re.compile(r"^Updated \d\d:\d\d$"))
    page.screenshot(path=artifacts / "clinic-face-refreshed.png")


def test_the_handout_button_downloads_an_a4_pdf(server, page, tmp_path, artifacts):
    page.set_viewport_size({"width": 1366, "height": 900})
    open_clinic(page, server, "clinic.ipynb")
    chosen = page.locator(".widget-inline-hbox", has_text="Open trends for").locator("select")
    name = chosen.evaluate("s => s.options[s.selectedIndex].text")
    page.get_by_role("button", name="Make a handout (PDF)").click()
    link = page.locator("a.kneekit-download")
    expect(link).to_be_visible(timeout=LOADED)
    expect(link).to_contain_text(f"Download {name}'s handout")
    link.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "clinic-face-handout.png")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.startswith("handout-")
    assert download.suggested_filename.endswith(".pdf")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"%PDF")
    assert b"MediaBox [ 0 0 595.44 841.68 ]" in data  # A4

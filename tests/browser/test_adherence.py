"""One adherence figure: the overview, the trends page and the client's own page show the same
number with the same period for the same client (issue #11)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

FIGURE = re.compile(r"last 4 weeks: (\d+ of \d+ runs \(\d+%\)|no runs recorded)")
SOMEONE = 4
"""A demo client no other browser test records anything for (see conftest's DEMO_NAMES_MIN)."""


def figure(page: Page, scope: str) -> str:
    locator = page.locator(f"{scope} .kneekit-adherence").first
    expect(locator).to_contain_text("last 4 weeks")
    found = FIGURE.search(locator.inner_text())
    assert found, locator.inner_text()
    return found.group(0)


def test_the_adherence_figure_is_the_same_on_every_page(server, page, artifacts):
    them = server.people()[SOMEONE]
    page.set_viewport_size({"width": 1366, "height": 900})

    page.goto(server.clinic_notebook("clinic.ipynb"))
    row = page.locator(".kneekit-overview tr", has_text=them.name)
    expect(row).to_be_visible()
    on_overview = figure(page, f".kneekit-overview tr:has-text('{them.name}')")

    page.goto(server.clinic_notebook("trends.ipynb"))
    picker = page.locator("select").filter(has=page.locator("option", has_text=them.name))
    picker.select_option(label=them.name)
    expect(page.locator(".kneekit-trends h3")).to_contain_text(them.name)
    on_trends = figure(page, ".kneekit-trends")
    page.screenshot(path=artifacts / "adherence-trends.png", full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server.link(them))
    page.get_by_text("My progress").click()
    on_client_page = figure(page, "body")
    page.screenshot(path=artifacts / "adherence-client.png", full_page=True)

    assert on_overview == on_trends == on_client_page

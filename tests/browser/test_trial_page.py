"""The routine lab's "Plan a trial" section in Chromium, on a demo clinic with two trial runners."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from kneekit import config
from kneekit.records.store import Store

pytestmark = pytest.mark.browser


def test_the_lab_shows_where_a_runners_trial_stands(start_serve, page, refused, artifacts):
    server = start_serve(4)
    with Store.open(server.db) as store:  # the demo clinic has a runner part-way through a trial
        (running,) = store.trials.active(config.today(datetime.now(UTC)))
        name = store.client(running).name
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(server.clinic_notebook("routine_lab.ipynb"))
        section = page.locator(".kneekit-trial")
        expect(section).to_be_visible()
        section.locator("select").first.select_option(label=name)
        expect(section).to_contain_text("Trial: block 6 of 8")
        section.scroll_into_view_if_needed()
        page.screenshot(path=artifacts / f"clinic-trial-{width}.png", full_page=True)
        section.screenshot(path=artifacts / f"clinic-trial-section-{width}.png")
    assert "Traceback" not in page.inner_text("body")
    assert refused == []

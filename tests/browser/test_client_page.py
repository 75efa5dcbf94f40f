"""The client page in a real browser: one client's own page, and nothing for a bad link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from kneekit.records.store import Store
from kneekit.sharing import INVALID_LINK

pytestmark = pytest.mark.browser


def test_a_clients_page_shows_them_and_nobody_else(server, page, frames, refused, artifacts):
    a, *others = server.people()
    page.goto(server.link(a))
    expect(page.get_by_text(a.name).first).to_be_visible()
    page.screenshot(path=artifacts / "client-page.png", full_page=True)
    seen = page.content() + "".join(frames)  # what is shown, and all widget state sent
    for b in others:
        assert b.name not in seen
    assert "Traceback" not in seen
    assert refused == []  # nothing asked of the internet (no CDN)


@pytest.mark.parametrize("kind", ["missing", "wrong", "expired", "revoked"])
def test_a_bad_link_shows_only_the_message(server, page, frames, kind):
    people = server.people()
    them = people[-1]  # only this test revokes, so no other test loses its link
    if kind == "missing":
        url = server.clients
    elif kind == "wrong":
        url = server.link(them)[:-3] + "abc"
    elif kind == "expired":
        url = server.link(them, made=datetime.now(UTC) - timedelta(days=2), days=1)
    else:
        url = server.link(them)
        with Store.open(server.db) as store:
            assert store.shares.revoke(them.id, datetime.now(UTC)) >= 1
    page.goto(url)
    expect(page.get_by_text(INVALID_LINK.rstrip("."))).to_be_visible()
    seen = page.content() + "".join(frames)
    for person in people:
        assert person.name not in seen
    assert "Traceback" not in seen
    assert "Error" not in page.inner_text("body")

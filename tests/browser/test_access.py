"""Who can reach what: the clinic needs its secret, and no route hands out files or notebooks."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_clinic_refuses_without_the_secret(server, page):
    names = [c.name for c in server.people()]
    page.goto(server.clinic.split("?")[0])
    expect(page.locator("#password_input")).to_be_visible()  # a login form, nothing else
    for name in names:
        assert name not in page.content()
    for path in ("voila/api/contents/", "voila/tree", "api/kernels"):
        reply = page.request.get(server.clinic_base + path, max_redirects=0)
        assert reply.status in (302, 403, 404), path
        assert all(name not in reply.text() for name in names)


def test_the_clinic_renders_with_the_secret(server, page, refused):
    first = server.people()[0]
    page.goto(server.clinic)  # as printed by kneekit serve (screenshots: test_pages.py)
    expect(page.get_by_text(first.name).first).to_be_visible()
    assert refused == []


def test_no_route_hands_out_the_database_or_a_notebook(server, fetch):
    db = str(server.db)
    up = "../" * 12
    paths = [
        "client.ipynb",
        "clinic.ipynb",
        "voila/files/client.ipynb",
        "voila/files/clinic.ipynb",
        "voila/render/client.ipynb",
        "voila/render/clinic.ipynb",
        "voila/tree",
        "voila/api/contents/",
        "voila/api/contents/clinic.ipynb",
        "api/contents/clinic.ipynb",
        "files/clinic.ipynb",
        "notebooks/clinic.ipynb",
        "api/kernels",
        "api/sessions",
        f"voila/files{db}",
        f"voila/files/{up}{db}",
        f"voila/static/{up}{db}",
        f"voila/templates/kneekit/static/{up}{db}",
        f"voila/labextensions/{up}{db}",
        f"voila/api/themes/{up}{db}",
        f"files{db}",
        "clinic.sqlite3",
        "voila/files/clinic.sqlite3",
    ]
    names = [c.name.encode() for c in server.people()]
    for base in (server.clients, server.clinic_base):  # the clinic without its secret
        for path in paths:
            status, body = fetch(base + path)
            assert b"SQLite format 3" not in body, path
            assert b'"nbformat"' not in body, path
            assert b"from kneekit" not in body, path
            assert all(name not in body for name in names), path
            assert status != 200 or b"<form" in body, path  # only the clinic's login form is 200

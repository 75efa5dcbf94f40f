"""A client's browser is untrusted: it cannot run code, and widget values it sets reach nothing
of another client (issue #5, "Widget values are untrusted input")."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from kneekit.history import Client
from kneekit.records.store import Store

pytestmark = pytest.mark.browser


def test_the_browser_cannot_run_code_in_the_kernel(
    server, page, kernel_of, kernel_socket, tmp_path
):
    a = server.people()[0]
    page.goto(server.link(a))
    expect(page.get_by_text(a.name).first).to_be_visible()
    marker = tmp_path / "code-ran"
    code = f"open({str(marker)!r}, 'w').close()"
    with kernel_socket(server.clients, kernel_of(page), page) as kernel:
        widget = next(iter(kernel.widget_states()))
        sent = kernel.send(
            "execute_request",
            {"code": code, "silent": False, "store_history": False, "user_expressions": {},
             "allow_stdin": False},
        )  # fmt: skip
        replies = kernel.settle(widget)
    assert not marker.exists()
    assert all(m["parent_header"].get("msg_id") != sent for m in replies)


def forged(value: Any, other: Client) -> Any:
    """Another client's id, in the shape of a widget value; None where there is nothing to set."""
    if isinstance(value, bool) or (isinstance(value, str) and value.startswith("IPY_MODEL_")):
        return None
    if isinstance(value, int | float) or value is None:
        return type(value)(other.id) if value is not None else other.id
    if isinstance(value, str):
        return str(other.id)
    if isinstance(value, list) and not any(str(v).startswith("IPY_MODEL_") for v in value):
        return [other.id]
    return None


def test_widget_values_set_by_the_browser_reach_nothing_of_another_client(
    server, page, frames, kernel_of, kernel_socket
):
    a, b = server.people()[2:4]  # clients no other test starts a session for (see conftest)
    with Store.open(server.db) as store:
        before = store.history(a.id), store.history(b.id)
    page.goto(server.link(a))
    expect(page.get_by_text(a.name).first).to_be_visible()
    with kernel_socket(server.clients, kernel_of(page), page) as kernel:
        states = kernel.widget_states()
        assert states  # the page has widgets to try
        for comm_id, state in states.items():
            if state["_model_name"].endswith(("LayoutModel", "StyleModel")):
                continue  # CSS only: nothing in them reaches the kernel's code
            for key, value in state.items():
                if not key.startswith("_") and (value := forged(value, b)) is not None:
                    kernel.set_widget(comm_id, {key: value})
        kernel.settle(next(iter(states)))
        seen = str(kernel.received) + page.content() + "".join(frames)
    assert b.name not in seen
    with Store.open(server.db) as store:
        assert (store.history(a.id), store.history(b.id)) == before

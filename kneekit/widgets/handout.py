"""The clinic's handout button: a client's routine on A4 (as ``kneekit handout``), to download.

The PDF is offered as a link with a ``data:`` URL and a ``download`` name: it needs no file on
the server and no extra route, works under Voilà and JupyterHub alike, and the page's security
policy allows it (a download is not a fetch or a frame).
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import ipywidgets as w

from kneekit.errors import KneekitError
from kneekit.routines.session import Clock, SystemClock
from kneekit.sharing import SHARE_DAYS, handout_pdf, local_only_note, served_clients_url
from kneekit.widgets.common import message

if TYPE_CHECKING:
    from kneekit.records.store import Store


def clients_url() -> str:
    """Where this clinic's client pages are served (for the QR code's link)."""
    from kneekit.records.database import default_location

    return served_clients_url(os.environ.get("KNEEKIT_DB", "").strip() or default_location())


def download_link(name: str, data: bytes, words: str) -> str:
    """A link that saves ``data`` as the file ``name`` (a PDF) when clicked."""
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'<a class="kneekit-download" download="{html.escape(name)}" '
        f'href="data:application/pdf;base64,{encoded}" '
        'style="display:inline-block;padding:0.6em 0.2em;font-size:1.1em;font-weight:bold;'
        'color:#0d47a1;text-decoration:underline">'
        f"{html.escape(words)}</a>"
    )


class HandoutButton(w.VBox):
    """A button that makes the chosen client's A4 handout and offers it for download."""

    def __init__(
        self,
        store: Store,
        client_id: Callable[[], int | None],
        clock: Clock | None = None,
        base_url: Callable[[], str] = clients_url,
    ) -> None:
        self.store = store
        self.client_id = client_id
        self.clock: Clock = clock or SystemClock()
        self.base_url = base_url
        self.button = w.Button(
            description="Make a handout (PDF)", icon="print", layout=w.Layout(width="auto")
        )
        self.button.add_class("kneekit-handout")
        self.button.on_click(lambda _: self.make())
        self.result = w.HTML()
        self.result.add_class("kneekit-handout-result")
        super().__init__([self.button, self.result], layout=w.Layout(align_items="flex-start"))

    def make(self) -> None:
        """Write the handout for the client chosen now and show its download link."""
        client_id = self.client_id()
        if client_id is None:
            self.result.value = message("error", "Choose a client first.")
            return
        self.button.disabled = True
        self.result.value = message("info", "Making the handout…")
        try:
            name, data, link = handout_pdf(self.store, client_id, self.clock.now(), self.base_url())
        except KneekitError as error:
            self.result.value = message("error", "; ".join(p.message for p in error.problems))
            return
        finally:
            self.button.disabled = False
        client = self.store.client(client_id).name
        shown = download_link(name, data, f"Download {client}'s handout ({name})")
        shown += html.escape(
            f" Its QR code holds a new link to {client}'s page, valid {SHARE_DAYS} days."
        )
        if link.local_only:  # as `kneekit handout` says: a phone cannot open this link
            shown += message("info", local_only_note("its link"))
        self.result.value = shown  # once: a second write would redraw the link under a click

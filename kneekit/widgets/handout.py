"""The clinic's handout button: a client's routine on A4 (as ``kneekit handout``), to download.

The PDF is offered as a link with a ``data:`` URL and a ``download`` name: it needs no file on
the server and no extra route, works under Voilà and JupyterHub alike, and the page's security
policy allows it (a download is not a fetch or a frame).
"""

from __future__ import annotations

import base64
import html
import os
import re
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import ipywidgets as w

from kneekit.config import today
from kneekit.errors import KneekitError
from kneekit.routines.session import Clock, SystemClock
from kneekit.sharing import share_link
from kneekit.voila.serve import SHARE_DAYS, served_clients_url
from kneekit.widgets.common import message

if TYPE_CHECKING:
    from kneekit.records.store import Store


def clients_url() -> str:
    """Where this clinic's client pages are served (for the QR code's link)."""
    from kneekit.records.database import default_location

    return served_clients_url(os.environ.get("KNEEKIT_DB", "").strip() or default_location())


def handout_pdf(
    store: Store, client_id: int, now: datetime, base_url: str
) -> tuple[str, bytes, str]:
    """The client's handout: a file name, the PDF's bytes, and the new link in its QR code."""
    from kneekit.paper.handout import write_handout  # matplotlib only when a handout is asked for

    client = store.client(client_id)
    _, routine = store.routine_on(client_id, today(now))
    token = store.shares.create(client_id, now, timedelta(days=SHARE_DAYS))
    link = share_link(base_url, token)
    with tempfile.TemporaryDirectory(prefix="kneekit-handout-") as folder:
        data = write_handout(routine, client.name, link, Path(folder) / "h.pdf").read_bytes()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", client.name).strip("-") or "client"
    return f"handout-{slug}.pdf", data, link


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
        from kneekit.cli.serve import LOCAL_ONLY, local_only  # the CLI's words, not its parser

        client = self.store.client(client_id).name
        shown = download_link(name, data, f"Download {client}'s handout ({name})")
        shown += html.escape(
            f" Its QR code holds a new link to {client}'s page, valid {SHARE_DAYS} days."
        )
        if local_only(link):  # as `kneekit handout` says: a phone cannot open this link
            shown += message("info", LOCAL_ONLY.replace("this link", "its link"))
        self.result.value = shown  # once: a second write would redraw the link under a click

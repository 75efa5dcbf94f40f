"""Upload runs from a watch or phone: GPX or FIT files, read and saved in one go.

Every file is read before anything is saved: if one cannot be used, each bad file is named with
its reason and none is saved, so a client never wonders which half of an upload went in. Runs
already there (same file, or same start time) are skipped and counted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from kneekit.errors import KneekitError, Problem
from kneekit.routines.session import Clock, SystemClock
from kneekit.widgets.common import message

if TYPE_CHECKING:
    from kneekit.history import Client
    from kneekit.records.outcomes import ImportResult
    from kneekit.records.store import Store


class RunUpload(w.VBox):
    """Choose GPX/FIT files and import them as the client's runs."""

    def __init__(
        self,
        store: Store,
        client: Client,
        clock: Clock | None = None,
        zone: tzinfo | None = None,
        on_saved: Callable[[ImportResult], None] | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.clock: Clock = clock or SystemClock()
        self.zone = zone
        self.on_saved = on_saved
        self.files = w.FileUpload(
            accept=".gpx,.fit,.GPX,.FIT", multiple=True, description="Choose run files"
        )
        self.files.add_class("kneekit-upload-files")
        self.send = w.Button(description="Import runs", button_style="primary", icon="upload")
        self.send.add_class("kneekit-upload-import")
        self.status = w.HTML()
        self.status.add_class("kneekit-upload-status")
        self.send.on_click(lambda _: self.submit())
        super().__init__(
            [
                w.HTML("<h3>Add runs from your watch or phone</h3>"),
                w.HTML("GPX or FIT files, as exported by the watch's or running app's website."),
                self.files,
                self.send,
                self.status,
            ],
            layout=w.Layout(max_width="36em"),
        )
        self.add_class("kneekit-upload")

    def submit(self) -> ImportResult | None:
        """Read every chosen file; save all the new runs, or none if any file is bad."""
        from kneekit.config import clinic_zone
        from kneekit.runfiles import RunFile, RunFileError, read_bytes

        uploads: tuple[dict[str, Any], ...] = tuple(self.files.value)
        if not uploads:
            self.status.value = message("info", "Choose one or more GPX or FIT files first.")
            return None
        now = self.clock.now()
        zone = self.zone or clinic_zone()
        runs: list[RunFile] = []
        problems: list[Problem] = []
        for upload in uploads:
            try:
                raw = bytes(upload["content"])
                runs.append(read_bytes(raw, str(upload["name"]), now=now, zone=zone))
            except RunFileError as error:
                problems.extend(error.problems)
        try:
            if problems:
                raise RunFileError(problems)
            result = self.store.outcomes.import_runs(self.client.id, runs, now)
        except KneekitError as error:
            lines = "".join(message("error", str(p)) for p in error.problems)
            self.status.value = lines + message(
                "info", "Nothing was saved. Leave out or replace the file(s) above and try again."
            )
            return None
        self.files.value = ()
        self.status.value = message("ok", result.words())
        if self.on_saved is not None:
            self.on_saved(result)
        return result

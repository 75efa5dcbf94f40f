"""The soreness check-in form: two knees on the 0–10 scale, the run, a note, Save."""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import ipywidgets as w

from kneekit.config import clinic_zone
from kneekit.errors import KneekitError
from kneekit.outcomes.checkin import CONTEXTS, CheckIn, check_in
from kneekit.routines.session import Clock, SystemClock
from kneekit.widgets.common import message
from kneekit.widgets.face import PageStyle

if TYPE_CHECKING:
    from kneekit.history import Client
    from kneekit.records.store import Store

CONTEXT_WORDS = {
    "after-run": "Just after a run",
    "after-stretch": "Just after stretching",
    "next-morning": "The morning after a run",
    "other": "Some other time",
}


UNSET = (
    "Choose how sore your {side} knee is: tap a number from 0 (no soreness) to 10 (worst "
    "imaginable)."
)
"""Shown when a knee is left unanswered: 0 is an answer, so the scale starts with none chosen."""


def _scale(side: str) -> w.ToggleButtons:
    """0–10 as a row of 44 px keys with none chosen, wrapping on a narrow phone."""
    scale = w.ToggleButtons(
        options=list(range(11)),
        index=None,
        description=f"{side.capitalize()} knee",
        tooltips=[f"{side.capitalize()} knee {n}" for n in range(11)],
        style={"button_width": "44px"},
        layout=w.Layout(width="100%"),
    )
    scale.add_class("kneekit-scale")
    scale.add_class(f"kneekit-{side}-knee")
    return scale


def _number(raw: str) -> object:
    """Empty means 'not given'; anything else that is not a number goes to the domain as typed,
    so the message it gives quotes exactly what the person entered."""
    raw = raw.strip().replace(",", ".")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        return raw


class CheckInForm(w.VBox):
    """Enter one check-in. The domain (:func:`kneekit.outcomes.checkin.check_in`) decides what is
    valid;
    the form only shows its verdict next to the field concerned.

    Pass ``client`` to fix whose check-in it is (the client's own page), or ``client_of`` when a
    surrounding view (the session player) decides; with neither, the form offers the clinic's
    clients to choose from.
    """

    def __init__(
        self,
        store: Store,
        clock: Clock | None = None,
        client: Client | None = None,
        context: str = "after-run",
        title: str = "How do your knees feel?",
        on_saved: Callable[[CheckIn], None] | None = None,
        client_of: Callable[[], int | None] | None = None,
    ) -> None:
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.client = client
        self.client_of = client_of
        self.on_saved = on_saved
        # Full width, label above (page.css): a phone has no room for labels beside fields.
        wide = {"layout": w.Layout(width="100%", max_width="36em")}
        self.picker = w.Dropdown(
            description="Client",
            options=[(c.name, c.id) for c in store.clients()] if self._chooses() else [],
            **wide,
        )
        self.context = w.Dropdown(
            description="When",
            options=[(CONTEXT_WORDS[c], c) for c in CONTEXTS],
            value=context,
            **wide,
        )
        self.left = _scale("left")
        self.right = _scale("right")
        self.km = w.Text(description="Run distance (km)", placeholder="optional", **wide)
        self.minutes = w.Text(description="Run time (minutes)", placeholder="optional", **wide)
        self.note = w.Textarea(description="Note", placeholder="optional", **wide)
        self.save = w.Button(description="Save check-in", button_style="primary", icon="check")
        self.save.add_class("kneekit-checkin-save")
        self.status = w.HTML()
        self.status.add_class("kneekit-checkin-status")
        self.errors = {name: w.HTML() for name in ("left", "right", "context", "km", "minutes")}
        self.errors["note"] = w.HTML()
        self.errors["at"] = w.HTML()
        self.save.on_click(lambda _: self.submit())

        def row(field: str, control: w.Widget) -> w.VBox:
            # The error sits under its field, full width, so it wraps instead of being clipped.
            return w.VBox([control, self.errors[field]], layout=w.Layout(width="100%"))

        scale = w.HTML(
            '<div style="font-size:1rem;margin-top:0.5em">Soreness: 0 = none &nbsp;·&nbsp; '
            "10 = worst imaginable</div>"
        )
        children: list[w.Widget] = [PageStyle(), w.HTML(f"<h3>{html.escape(title)}</h3>")]
        if self._chooses():
            children.append(self.picker)
        children += [
            row("context", self.context),
            scale,
            row("left", self.left),
            row("right", self.right),
            row("km", self.km),
            row("minutes", self.minutes),
            row("note", self.note),
            self.errors["at"],
            self.save,
            self.status,
        ]
        super().__init__(children, layout=w.Layout(width="100%"))
        self.add_class("kneekit-checkin")
        # One key per entry: a double press of Save (or a retry after a lost answer) sends the
        # same key and the store keeps one check-in; changing any field makes a new entry.
        self.request_key = uuid.uuid4().hex
        for field in (self.context, self.left, self.right, self.km, self.minutes, self.note):
            field.observe(self._new_entry, "value")

    def close(self) -> None:
        """Close the client chooser with the form, also when it is not shown (it is then not
        among the children, so nothing else would close it)."""
        for part in (self.picker, self.picker.style, self.picker.layout):
            part.close()
        super().close()

    def _new_entry(self, _change: object = None) -> None:
        self.request_key = uuid.uuid4().hex

    def _chooses(self) -> bool:
        return self.client is None and self.client_of is None

    def client_id(self) -> int | None:
        if self.client is not None:
            return self.client.id
        return self.client_of() if self.client_of is not None else self.picker.value

    def submit(self) -> CheckIn | None:
        """Validate and save; on any problem show it beside its field and save nothing."""
        for label in self.errors.values():
            label.value = ""
        client_id = self.client_id()
        if client_id is None:
            self.status.value = message("error", "Choose a client first.")
            return None
        try:
            checkin = check_in(
                client_id,
                self.clock.now(),
                self.left.value,
                self.right.value,
                now=self.clock.now(),
                context=self.context.value,
                km=_number(self.km.value),
                minutes=_number(self.minutes.value),
                note=self.note.value,
            )
            self.store.add_checkin(checkin, request_key=self.request_key)
        except KneekitError as error:
            for problem in error.problems:
                target = self.errors.get(problem.field, self.errors["at"])
                words = problem.message
                if (
                    problem.field in ("left", "right")
                    and getattr(self, problem.field).value is None
                ):
                    words = UNSET.format(side=problem.field)
                target.value = message("error", words)
            self.status.value = message("error", "Not saved: please correct the marked field.")
            return None
        saved = f"Saved at {checkin.at.astimezone(clinic_zone()):%H:%M}"
        self.status.value = message("ok", f"{saved}: left {checkin.left}, right {checkin.right}.")
        if self.on_saved is not None:
            self.on_saved(checkin)
        return checkin

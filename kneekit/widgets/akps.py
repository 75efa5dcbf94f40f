"""The knee questionnaire (AKPS), one item per screen: big option buttons for a phone.

Tapping an option records it and moves on; Back and Next move without answering. Save is on
the last screen; the domain (:func:`kneekit.outcomes.akps.score`) refuses a partial questionnaire
and the view shows which items are missing and goes to the first of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import ipywidgets as w

from kneekit.errors import KneekitError
from kneekit.outcomes import akps
from kneekit.routines.session import Clock, SystemClock
from kneekit.widgets.common import message, replace_children, text

if TYPE_CHECKING:
    from kneekit.history import Client
    from kneekit.records.store import Store

FULL = {"width": "auto", "height": "auto", "min_height": "3.2em", "margin": "0.2em 0"}
"""Options fill the screen's width and are tall enough to tap with a thumb (Apple's and
Google's touch-target guidance: at least 44 pt / 48 dp, about 3 em at kneekit's type size)."""

CSS = """<style>
.kneekit-akps-option button, button.kneekit-akps-option {
  white-space: normal; line-height: 1.3; padding: 0.5em 0.8em; font-size: 1.15em;
}
</style>"""
"""Buttons keep text on one line by default and cut it short; a long option (item 11 of the AKPS)
must wrap on a 390 px phone rather than lose its end."""


class AKPSForm(w.VBox):
    """Fill in the AKPS for one client. ``instrument`` is the clinic's file when it has one."""

    def __init__(
        self,
        store: Store,
        client: Client,
        clock: Clock | None = None,
        instrument: akps.Instrument | None = None,
        on_saved: Callable[[akps.Score], None] | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.clock: Clock = clock or SystemClock()
        self.instrument = instrument or akps.load()
        self.on_saved = on_saved
        self.answers: list[int | None] = [None] * len(self.instrument.items)
        self.index = 0
        self.screen = w.VBox()
        half = {"width": "50%", "min_height": "2.8em"}
        self.back = w.Button(description="Back", icon="arrow-left", layout=w.Layout(**half))
        self.next = w.Button(description="Next", icon="arrow-right", layout=w.Layout(**half))
        self.save = w.Button(
            description="Save my answers",
            button_style="primary",
            icon="check",
            layout=w.Layout(width="auto", min_height="3.2em", margin="0.6em 0"),
        )
        self.save.add_class("kneekit-akps-save")
        self.status = w.HTML()
        self.status.add_class("kneekit-akps-status")
        self.back.on_click(lambda _: self.go(self.index - 1))
        self.next.on_click(lambda _: self.go(self.index + 1))
        self.save.on_click(lambda _: self.submit())
        self.options: list[w.Button] = []
        super().__init__(
            [w.HTML(CSS + "<h3>Your knee questionnaire</h3>"), self.screen, self.status],
            layout=w.Layout(max_width="36em"),
        )
        self.add_class("kneekit-akps")
        self.go(0)

    def go(self, index: int) -> None:
        """Show item ``index`` (clamped), with its options and where it is in the list."""
        items = self.instrument.items
        self.index = max(0, min(index, len(items) - 1))
        item = items[self.index]
        chosen = self.answers[self.index]
        self.options = []
        for n, option in enumerate(item.options, 1):
            button = w.Button(
                description=option.text,
                layout=w.Layout(**FULL),
                button_style="info" if chosen == n else "",
                icon="check" if chosen == n else "",
            )
            button.add_class("kneekit-akps-option")
            button.on_click(lambda _, n=n: self.choose(n))
            self.options.append(button)
        self.back.disabled = self.index == 0
        self.next.disabled = self.index == len(items) - 1
        answered = sum(a is not None for a in self.answers)
        where = f"Question {self.index + 1} of {len(items)} · {answered} answered"
        last = [self.save] if self.index == len(items) - 1 else []
        replace_children(
            self.screen,
            [
                w.HTML(text(where, "1em")),
                w.HTML(text(item.topic, "1.4em", "bold", "kneekit-akps-topic")),
                *self.options,
                w.HBox([self.back, self.next]),
                *last,
            ],
        )

    def choose(self, option: int) -> None:
        """Record the answer to the item shown and move to the next one."""
        self.answers[self.index] = option
        self.status.value = ""
        self.go(self.index + 1 if self.index < len(self.answers) - 1 else self.index)

    def submit(self) -> akps.Score | None:
        """Score and save; a partial questionnaire is refused, naming the missing items."""
        now = self.clock.now()
        try:
            result = akps.score(self.instrument, self.client.id, now, self.answers, now=now)
            self.store.outcomes.add_akps(result, now)
        except KneekitError as error:
            self.status.value = message("error", str(error.problems[0].message))
            missing = [i for i, a in enumerate(self.answers) if a is None]
            if missing:
                self.go(missing[0])
            return None
        self.status.value = message("ok", f"Saved: {result.total} out of 100. Thank you.")
        if self.on_saved is not None:
            self.on_saved(result)
        return result


class ClinicAKPS(w.VBox):
    """The questionnaire on the clinic's check-in page: choose the client, then fill it in.

    A new form is made for each client chosen, so answers never carry over between people.
    """

    def __init__(self, store: Store, clock: Clock | None = None) -> None:
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.picker = w.Dropdown(
            description="Client",
            options=[("Choose…", None)] + [(c.name, c.id) for c in store.clients()],
            value=None,
        )
        self.body = w.VBox()
        self.form: AKPSForm | None = None
        self.picker.observe(lambda _: self.show(), "value")
        super().__init__([self.picker, self.body])
        self.add_class("kneekit-clinic-akps")

    def show(self) -> None:
        """A fresh form for the client chosen (nothing when none is)."""
        chosen = self.picker.value
        self.form = (
            None if chosen is None else AKPSForm(self.store, self.store.client(chosen), self.clock)
        )
        replace_children(self.body, [] if self.form is None else [self.form])

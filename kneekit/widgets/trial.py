"""The routine lab's "Plan a trial" section: choose two routines, preview the blocks, save.

Thin over :mod:`kneekit.trials.plan` and ``store.trials``: the plan is checked by
:func:`kneekit.trials.plan.make_plan` and the rules (one trial at a time, no edits once started)
are the store's; this view only shows them. The seed is drawn when a preview is made, so the plan
saved is exactly the one previewed.
"""

from __future__ import annotations

import html
import random
from datetime import date
from typing import TYPE_CHECKING

import ipywidgets as w

from kneekit import config
from kneekit.errors import KneekitError
from kneekit.routines.session import Clock, SystemClock
from kneekit.trials.plan import (
    DEFAULT_PAIRS,
    DEFAULT_THRESHOLD,
    DEFAULT_WASHOUT_DAYS,
    TrialPlan,
    make_plan,
    state,
    trial_status_words,
)
from kneekit.widgets.common import chosen, figure_image, message, offer, replace_children

if TYPE_CHECKING:
    from kneekit.records.store import Store

SEED_LIMIT = 2**31
"""Drawn seeds stay below 2**31 (as on the command line): short enough to write on paper."""


class TrialPlanner(w.VBox):
    """Plan a randomised A/B trial for one client; see, stop or drop the client's trial."""

    def __init__(
        self, store: Store, clock: Clock | None = None, seeds: random.Random | None = None
    ) -> None:
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.seeds = seeds or random.SystemRandom()
        self.preview: TrialPlan | None = None
        label = {"style": {"description_width": "10em"}}
        small = w.Layout(width="16em")
        self.client = w.Dropdown(description="Client", **label)
        self.a = w.Dropdown(description="Routine A", **label)
        self.b = w.Dropdown(description="Routine B", **label)
        self.pairs = w.IntText(
            value=DEFAULT_PAIRS, description="Block pairs", layout=small, **label
        )
        self.block_days = w.Dropdown(
            options=[("1 week", 7), ("2 weeks", 14)], description="Each block", **label
        )
        self.start = w.DatePicker(description="Starts", **label)
        self.washout = w.IntText(
            value=DEFAULT_WASHOUT_DAYS, description="Washout days", layout=small, **label
        )
        self.outcome = w.Dropdown(
            options=[("Next-morning soreness", "next-morning"), ("All ratings", "any")],
            description="Outcome",
            **label,
        )
        self.knee = w.Dropdown(
            options=[("Sorer knee", "sorer"), ("Left knee", "left"), ("Right knee", "right")],
            description="Knee",
            **label,
        )
        self.threshold = w.FloatText(
            value=DEFAULT_THRESHOLD, description="Matters at (points)", layout=small, **label
        )
        preview = w.Button(description="Preview plan", icon="calendar")
        preview.on_click(lambda _: self.make_preview())
        self.save_button = w.Button(description="Save plan", button_style="primary", disabled=True)
        self.save_button.on_click(lambda _: self.save())
        self.reason = w.Text(description="Reason", placeholder="why it stops early", **label)
        stop = w.Button(description="Stop trial early", icon="stop", layout=w.Layout(width="auto"))
        stop.on_click(lambda _: self.stop())
        self.status = w.HTML()
        self.status.add_class("kneekit-trial-status")
        self.shown = w.VBox()
        wrap = w.Layout(flex_flow="row wrap")  # rows wrap on a phone instead of running off
        self.client.observe(lambda _: self.show_client(), "value")
        super().__init__(
            [
                w.HTML(
                    "<h4>Plan a trial</h4><p>Two routines in blocks, the order in each pair "
                    "drawn at random; set the difference that matters <b>before</b> it starts.</p>"
                ),
                self.client,
                w.HBox([self.a, self.b], layout=wrap),
                w.HBox([self.pairs, self.block_days, self.start], layout=wrap),
                w.HBox([self.washout, self.outcome, self.knee], layout=wrap),
                self.threshold,
                w.HBox([preview, self.save_button], layout=wrap),
                w.HBox([self.reason, stop], layout=wrap),
                self.status,
                self.shown,
            ]
        )
        self.add_class("kneekit-trial")
        self.refresh_choices()

    def today(self) -> date:
        return config.today(self.clock.now())

    def refresh_choices(self) -> None:
        """Offer the clinic's clients and saved routine versions (call after saving one)."""
        versions = [(v.label, v.id) for v in self.store.versions()]
        offer(self.a, versions, versions[0][1] if versions else None)
        offer(self.b, versions, versions[-1][1] if versions else None)
        # No client chosen at first: the lab opens without reading anyone's records.
        offer(
            self.client,
            [("Choose a client", None)] + [(c.name, c.id) for c in self.store.clients()],
        )
        self.start.value = self.today()

    def show_client(self) -> None:
        """The chosen client's trial, if any: where it stands and its calendar."""
        self.preview, self.save_button.disabled = None, True
        if chosen(self.client) is None:
            replace_children(self.shown, [])
            return
        plan = self.store.trials.latest(self.client.value)
        if plan is None:
            replace_children(self.shown, [w.HTML(message("info", "No trial for this client."))])
            return
        self._draw(plan, trial_status_words(plan, self.store.history(plan.client_id), self.today()))

    def _draw(self, plan: TrialPlan, words: str) -> None:
        from kneekit.trials.figures import plan_calendar  # matplotlib only when a plan is shown

        text = w.HTML(f"<p style='font-size:1.15em'>{html.escape(words)}</p>")
        image = figure_image(plan_calendar(plan, self.today()))
        image.layout.max_width = "48em"  # a calendar, not a poster, on a laptop's screen
        replace_children(self.shown, [text, image])

    def make_preview(self) -> TrialPlan | None:
        """Check the choices and draw the plan (with a newly drawn seed); nothing is saved."""
        try:
            self.preview = make_plan(
                chosen(self.client),
                (self.a.value, self.a.label),
                (self.b.value, self.b.label),
                self.start.value or self.today(),
                self.seeds.randrange(SEED_LIMIT),
                pairs=self.pairs.value,
                block_days=self.block_days.value,
                washout_days=self.washout.value,
                outcome=self.outcome.value,
                knee=self.knee.value,
                threshold=self.threshold.value,
            )
        except KneekitError as error:
            self.preview, self.save_button.disabled = None, True
            self.status.value = "".join(message("error", p.message) for p in error.problems)
            return None
        self.save_button.disabled = False
        self.status.value = message("info", "Preview only: press Save plan to start it.")
        self._draw(
            self.preview, f"Preview, seed {self.preview.seed}: {', '.join(self.preview.orders)}"
        )
        return self.preview

    def save(self) -> None:
        if self.preview is None:
            return
        try:
            saved = self.store.trials.save(self.preview, self.today(), self.clock.now())
        except KneekitError as error:
            self.status.value = message("error", "; ".join(p.message for p in error.problems))
            return
        self.preview, self.save_button.disabled = None, True
        self.status.value = message(
            "ok",
            f"Trial saved ({state(saved, self.today())}); each block's routine is assigned on "
            "its dates.",
        )
        self._draw(
            saved, trial_status_words(saved, self.store.history(saved.client_id), self.today())
        )

    def assign_refusal(self, client_id: int | None) -> str | None:
        """Why a routine may not be assigned to this client by hand now (None: it may).

        During a planned or running trial the blocks' routines are assigned by the plan; one
        assigned by hand would overrule a block and undo the randomisation.
        """
        plan = self.store.trials.active(self.today()).get(client_id) if client_id else None
        if plan is None:
            return None
        return (
            f"This client is in a routine trial until {plan.end:%d %b %Y}, which assigns each "
            "block's routine. Stop the trial first (Plan a trial, below) to assign another."
        )

    def stop(self) -> None:
        plan = None if chosen(self.client) is None else self.store.trials.latest(self.client.value)
        if plan is None or plan.id is None:
            self.status.value = message("error", "This client has no trial to stop.")
            return
        try:
            done = self.store.trials.stop(plan.id, self.today(), self.reason.value)
        except KneekitError as error:
            self.status.value = message("error", "; ".join(p.message for p in error.problems))
            return
        self.status.value = message("ok", f"Trial stopped on {done.stopped_on:%d %b %Y}.")
        self.show_client()

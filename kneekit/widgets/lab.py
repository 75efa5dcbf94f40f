"""The routine lab: build a variant with controls, see its time and dose live, compare, save.

Every edit is turned into a routine file and read back with
:func:`kneekit.routines.routine.parse_routine`, so the lab accepts exactly what a routine file
accepts and reports problems in the same words.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import yaml

from kneekit.config import today
from kneekit.errors import KneekitError
from kneekit.routines.catalogue import Stretch, load_catalogue
from kneekit.routines.routine import (
    DOSE_GUIDELINE_S,
    Comparison,
    Routine,
    default_routine,
    format_duration,
    parse_routine,
)
from kneekit.routines.session import Clock, SystemClock
from kneekit.widgets.common import NOTHING, figure_image, message, offer, replace_children
from kneekit.widgets.trial import TrialPlanner

if TYPE_CHECKING:
    from kneekit.records.store import Store


def _wrap() -> w.Layout:
    """Rows of controls wrap onto the next line on a narrow screen instead of running off it."""
    return w.Layout(flex_flow="row wrap", align_items="center")


SIDES = [("each leg in turn", "each"), ("left leg only", "left"), ("right leg only", "right")]


class StretchRow(w.HBox):
    """One prescription: which stretch, hold, reps, legs, and buttons to move or drop it."""

    def __init__(self, lab: RoutineLab, stretch: str, hold: int, reps: int, sides: str) -> None:
        narrow = w.Layout(width="9em")
        # Every control has a name a screen reader can say (axe-core: select-name).
        self.stretch = w.Dropdown(
            options=[(s.name, sid) for sid, s in lab.catalogue.items()],
            value=stretch,
            description="stretch",
            style={"description_width": "4em"},
        )
        self.hold = w.IntText(value=hold, description="hold (s)", layout=narrow)
        self.reps = w.IntText(value=reps, description="reps", layout=narrow)
        self.sides = w.Dropdown(
            options=SIDES,
            value=sides,
            description="sides",
            style={"description_width": "3.5em"},
            layout=w.Layout(width="14em"),
        )
        self.hold.style.description_width = self.reps.style.description_width = "4em"
        up, down, drop = (
            w.Button(icon=icon, tooltip=tip, layout=w.Layout(width="3em"))
            for icon, tip in (
                ("arrow-up", "move up"),
                ("arrow-down", "move down"),
                ("times", "remove"),
            )
        )
        up.on_click(lambda _: lab.move(self, -1))
        down.on_click(lambda _: lab.move(self, +1))
        drop.on_click(lambda _: lab.remove(self))
        for control in (self.stretch, self.hold, self.reps, self.sides):
            control.observe(lambda _: lab.refresh(), "value")
        super().__init__(
            [self.stretch, self.hold, self.reps, self.sides, up, down, drop],
            layout=w.Layout(flex_flow="row wrap", border_bottom="1px solid #ddd"),
        )

    def entry(self) -> dict[str, Any]:
        entry = {"stretch": self.stretch.value, "hold": self.hold.value, "reps": self.reps.value}
        return entry | ({"sides": self.sides.value} if self.sides.value != "each" else {})


class RoutineLab(w.VBox):
    """Edit a routine variant; save it as a new version and assign it to a client."""

    def __init__(
        self,
        store: Store,
        clock: Clock | None = None,
        catalogue: Mapping[str, Stretch] | None = None,
    ) -> None:
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.catalogue = dict(catalogue or load_catalogue())
        self.routine: Routine | None = None
        self.saved_version: int | None = None
        label = {"style": {"description_width": "7em"}}
        self.name = w.Text(description="Name", **label)
        self.notes = w.Text(description="Notes", layout=w.Layout(width="40em"), **label)
        self.first_side = w.ToggleButtons(
            options=[("Right first", "right"), ("Left first", "left")], description="Legs"
        )
        self.prepare = w.IntText(description="Prepare (s)", **label, layout=w.Layout(width="14em"))
        self.switch = w.IntText(description="Switch (s)", **label, layout=w.Layout(width="14em"))
        self.rest = w.IntText(description="Rest (s)", **label, layout=w.Layout(width="14em"))
        self.rows = w.VBox()
        self.add_choice = w.Dropdown(
            options=[(s.name, sid) for sid, s in self.catalogue.items()],
            description="Stretch to add",
            style={"description_width": "8em"},
        )
        add = w.Button(description="Add stretch", icon="plus")
        add.on_click(lambda _: self.add(self.add_choice.value))
        self.summary = w.HTML()
        self.summary.add_class("kneekit-lab-summary")

        self.start_from = w.Dropdown(description="Start from", **label)
        load = w.Button(description="Load", icon="folder-open")
        load.on_click(lambda _: self.load_version(self.start_from.value))
        self.compare_with = w.Dropdown(description="Compare with", **label)
        compare = w.Button(description="Compare", icon="columns")
        compare.on_click(lambda _: self.compare())
        self.comparison = w.VBox()
        self.save_button = w.Button(description="Save as new version", button_style="primary")
        self.save_button.on_click(lambda _: self.save())
        self.assign_client = w.Dropdown(description="Client", **label)
        self.assign_from = w.DatePicker(description="From", **label)
        assign = w.Button(description="Assign to client", icon="user")
        assign.on_click(lambda _: self.assign())
        self.file_text = w.Textarea(layout=w.Layout(width="40em", height="16em"))
        import_button = w.Button(description="Use this routine file", icon="upload")
        import_button.on_click(lambda _: self.import_text(self.file_text.value))
        self.status = w.HTML()
        self.status.add_class("kneekit-lab-status")
        self.trial = TrialPlanner(store, self.clock)

        for control in (
            self.name,
            self.notes,
            self.first_side,
            self.prepare,
            self.switch,
            self.rest,
        ):
            control.observe(lambda _: self.refresh(), "value")
        super().__init__(
            [
                w.HBox([self.start_from, load], layout=_wrap()),
                self.name,
                self.notes,
                self.first_side,
                w.HBox([self.prepare, self.switch, self.rest], layout=_wrap()),
                self.rows,
                w.HBox([self.add_choice, add], layout=_wrap()),
                self.summary,
                w.HBox(
                    [self.save_button, self.assign_client, self.assign_from, assign], layout=_wrap()
                ),
                self.status,
                w.HBox([self.compare_with, compare], layout=_wrap()),
                self.comparison,
                w.HTML("<h4>Routine file</h4><p>Copy it out, or paste one in and use it.</p>"),
                self.file_text,
                import_button,
                self.trial,
            ]
        )
        self.add_class("kneekit-lab")
        self._offer_choices()
        self.show(default_routine(self.catalogue))

    # -- editing ----------------------------------------------------------------------------
    def show(self, routine: Routine) -> None:
        """Put a routine into the controls (refreshing once, not once per control)."""
        self._loading = True
        self.name.value = routine.name
        self.notes.value = routine.notes
        self.first_side.value = routine.first_side
        self.prepare.value, self.switch.value = routine.prepare, routine.switch
        self.rest.value = routine.rest
        replace_children(
            self.rows,
            [
                StretchRow(self, p.stretch.id, p.hold, p.reps, p.sides)
                for p in routine.prescriptions
            ],
        )
        self._loading = False
        self.refresh()

    def add(self, stretch: str) -> None:
        hold = self.catalogue[stretch].hold_max
        replace_children(
            self.rows, [*self.rows.children, StretchRow(self, stretch, hold, 1, "each")]
        )
        self.refresh()

    def move(self, row: StretchRow, by: int) -> None:
        rows = list(self.rows.children)
        i = rows.index(row)
        j = min(max(i + by, 0), len(rows) - 1)
        rows[i], rows[j] = rows[j], rows[i]
        replace_children(self.rows, rows)
        self.refresh()

    def remove(self, row: StretchRow) -> None:
        replace_children(self.rows, [r for r in self.rows.children if r is not row])
        self.refresh()

    def routine_file(self) -> str:
        data: dict[str, Any] = {
            "name": self.name.value,
            **({"notes": self.notes.value} if self.notes.value.strip() else {}),
            "first_side": self.first_side.value,
            "prepare": self.prepare.value,
            "switch": self.switch.value,
            "rest": self.rest.value,
            "stretches": [row.entry() for row in self.rows.children],
        }
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    def refresh(self) -> None:
        """Re-read the controls as a routine file and redraw the live summary."""
        if getattr(self, "_loading", False):
            return
        text = self.routine_file()
        self.file_text.value = text
        try:
            self.routine = parse_routine(text, "routine lab", self.catalogue)
        except KneekitError as error:
            self.routine = None
            self.summary.value = "".join(
                message("error", f"{p.field or 'routine'}: {p.message}") for p in error.problems
            )
            self.save_button.disabled = True
            return
        self.save_button.disabled = False
        self.summary.value = summary_html(self.routine)

    def import_text(self, text: str) -> None:
        try:
            routine = parse_routine(text, "pasted routine file", self.catalogue)
        except KneekitError as error:
            self.status.value = "".join(message("error", str(p)) for p in error.problems)
            return
        self.show(routine)
        self.status.value = message("ok", f"Loaded '{routine.name}' from the routine file.")

    # -- the store --------------------------------------------------------------------------
    def _offer_choices(self) -> None:
        versions = [(v.label, v.id) for v in self.store.versions()]
        offer(self.start_from, [("kneekit default routine", None), *versions])
        offer(self.compare_with, [("kneekit default routine", None), *versions])
        offer(self.assign_client, [(c.name, c.id) for c in self.store.clients()])
        self.assign_from.value = today(self.clock.now())

    def _version(self, version_id: int | None) -> Routine:
        if version_id in (None, NOTHING):
            return default_routine(self.catalogue)
        return self.store.routine(version_id)

    def load_version(self, version_id: int | None) -> None:
        self.show(self._version(version_id))

    def compare(self) -> None:
        if self.routine is None:
            return
        from kneekit.routines.figures import (  # matplotlib only when asked
            dose_chart,
            routine_timeline,
        )

        other = self._version(self.compare_with.value)
        comparison = Comparison(other, self.routine)
        replace_children(
            self.comparison,
            [
                w.HTML(f"<pre style='font-size:1.05em'>{html.escape(str(comparison))}</pre>"),
                figure_image(routine_timeline([other, self.routine])),
                figure_image(dose_chart([other, self.routine])),
            ],
        )

    def save(self) -> None:
        if self.routine is None:
            return
        try:
            version = self.store.save_routine(self.routine, self.clock.now())
        except KneekitError as error:
            self.status.value = message("error", str(error))
            return
        self.saved_version = version.id
        self._offer_choices()
        self.trial.refresh_choices()
        self.status.value = message("ok", f"Saved as {version.label}.")

    def assign(self) -> None:
        if self.saved_version is None:
            self.status.value = message(
                "error", "Save this routine as a version before assigning it."
            )
            return
        if self.assign_client.value is None or self.assign_from.value is None:
            self.status.value = message("error", "Choose a client and a start date.")
            return
        if (refusal := self.trial.assign_refusal(self.assign_client.value)) is not None:
            self.status.value = message("error", refusal)
            return
        try:
            self.store.assign(self.assign_client.value, self.saved_version, self.assign_from.value)
        except KneekitError as error:
            self.status.value = message("error", str(error))
            return
        name = self.assign_client.label
        self.status.value = message(
            "ok", f"{name} follows this routine from {self.assign_from.value:%d %b %Y}."
        )


def summary_html(routine: Routine) -> str:
    """Total time, dose per muscle group against the guideline, and anything worth a look."""
    dose = routine.dose()
    rows = "".join(
        f"<tr><td>{html.escape(group)}</td>"
        + "".join(
            f"<td style='text-align:right'>{s} s{' ⚠' if s < DOSE_GUIDELINE_S else ''}</td>"
            for s in (legs["left"], legs["right"])
        )
        + "</tr>"
        for group, legs in dose.items()
    )
    shortfalls = routine.shortfalls()
    guideline = (
        f"⚠ below the ~{DOSE_GUIDELINE_S} s per muscle group and leg that the ACSM guideline "
        "suggests."
        if shortfalls
        else f"Every muscle group reaches the ~{DOSE_GUIDELINE_S} s per leg that the ACSM "
        "guideline suggests."
    )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in routine.warnings() + shortfalls)
    return (
        f"<p style='font-size:1.2em'><b>{len(routine.steps)} steps, "
        f"{format_duration(routine.total_s)}</b></p>"
        f"<table><thead><tr><th>Muscle group</th><th>Left</th><th>Right</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        f"<p>{guideline}</p>" + (f"<ul>{notes}</ul>" if notes else "")
    )

"""Routines: which stretches, for how long, in what order; their timeline, dose and variants.

A routine file is the contract between the physio and kneekit (see ``data/default-routine.yaml``).
Its timeline is the single source of truth for the session engine, the plan printout and the dose.
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml

from kneekit.errors import Problem, RoutineError
from kneekit.routines.catalogue import Stretch, load_catalogue
from kneekit.yamlfile import Document, Field, check_mapping, parse, read_text

Side = Literal["left", "right", "both"]
StepKind = Literal["prepare", "hold", "switch", "rest"]

DOSE_GUIDELINE_S = 60
"""Seconds of stretch to accumulate per muscle group (and side) in one session.

Source: American College of Sports Medicine position stand, Garber et al. 2011, Med Sci Sports
Exerc 43(7):1334-59, which advises accumulating about 60 s per flexibility exercise.
"""

_ROUTINE_FIELDS = (
    Field("name", "text", required=True),
    Field("first_side", "choice", default="right", choices=("right", "left")),
    Field("prepare", "int", default=5, low=0, high=120, unit=" s"),
    Field("switch", "int", default=5, low=0, high=120, unit=" s"),
    Field("rest", "int", default=10, low=0, high=120, unit=" s"),
    Field("notes", "text", default=""),
    Field(
        "stretches",
        "list",
        required=True,
        hint="a list of one or more stretches, each line starting '- stretch:'",
    ),
)
_ENTRY_FIELDS = (
    Field("stretch", "text", required=True),
    Field("hold", "int", default=30, low=5, high=300, unit=" s"),
    Field("reps", "int", default=1, low=1, high=10),
    Field("sides", "choice", default="each", choices=("each", "left", "right")),
)


def _check_limits(obj: object, fields: Iterable[Field], source: str) -> None:
    """Refuse a routine or prescription whose values break the limits in ``fields``.

    The same table the routine-file parser checks, so a routine built in code, changed with
    :meth:`Routine.with_changes` or read back from the database keeps the same limits as one
    read from a file. Defaults are allowed as they are (an empty ``notes`` is no note).
    """
    problems = [
        Problem(source, f.name, wrong)
        for f in fields
        if f.kind != "list"
        and (value := getattr(obj, f.name)) != f.default
        and (wrong := f.problem(value)) is not None
    ]
    if problems:
        raise RoutineError(problems)


@dataclass(frozen=True)
class Prescription:
    """One stretch as prescribed in a routine: how long, how often, which legs.

    Raises RoutineError if the hold, reps or sides are outside what a routine file allows.
    """

    stretch: Stretch
    hold: int = 30
    reps: int = 1
    sides: Literal["each", "left", "right"] = "each"

    def __post_init__(self) -> None:
        _check_limits(self, _ENTRY_FIELDS[1:], f"stretch '{self.stretch.id}'")

    def hold_sides(self, first_side: Side) -> tuple[Side, ...]:
        """The sides held in each rep, in order."""
        if not self.stretch.one_sided:
            return ("both",)
        if self.sides != "each":
            return (self.sides,)
        return (first_side, "left" if first_side == "right" else "right")


@dataclass(frozen=True)
class Step:
    """One segment of a session's timeline."""

    kind: StepKind
    stretch: Stretch
    side: Side | None
    rep: int
    start_s: int
    duration_s: int

    @property
    def end_s(self) -> int:
        return self.start_s + self.duration_s

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "stretch": self.stretch.id,
            "side": self.side,
            "rep": self.rep,
            "start_s": self.start_s,
            "duration_s": self.duration_s,
        }


@dataclass(frozen=True)
class Routine:
    """A validated routine. Build one with :func:`load_routine` or :func:`parse_routine`.

    However it is built, values outside a routine file's limits raise RoutineError.
    """

    name: str
    prescriptions: tuple[Prescription, ...]
    first_side: Literal["left", "right"] = "right"
    prepare: int = 5
    switch: int = 5
    rest: int = 10
    notes: str = ""
    steps: tuple[Step, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_limits(self, _ROUTINE_FIELDS, self.name if isinstance(self.name, str) else "routine")
        if not self.prescriptions:
            raise RoutineError([Problem(self.name, "stretches", "a routine needs a stretch.")])
        object.__setattr__(self, "steps", tuple(self._timeline()))

    def _timeline(self) -> list[Step]:
        # Zero-length segments (e.g. prepare: 0) are left out: there is nothing to show or time.
        steps: list[Step] = []
        clock = 0

        def add(kind: StepKind, p: Prescription, side: Side | None, rep: int, dur: int) -> None:
            nonlocal clock
            if dur > 0:
                steps.append(Step(kind, p.stretch, side, rep, clock, dur))
                clock += dur

        for p in self.prescriptions:
            add("prepare", p, None, 1, self.prepare)
            sides = p.hold_sides(self.first_side)
            for rep in range(1, p.reps + 1):
                if rep > 1:
                    add("rest", p, None, rep - 1, self.rest)
                for i, side in enumerate(sides):
                    if i:
                        add("switch", p, None, rep, self.switch)
                    add("hold", p, side, rep, p.hold)
        return steps

    @property
    def total_s(self) -> int:
        return self.steps[-1].end_s if self.steps else 0

    @property
    def hold_s(self) -> int:
        """Seconds of holds one session plans: what "held" is measured against."""
        return sum(step.duration_s for step in self.steps if step.kind == "hold")

    def dose(self) -> dict[str, dict[str, int]]:
        """Seconds held per muscle group and leg: ``{"calves": {"left": 60, "right": 60}}``."""
        dose: dict[str, dict[str, int]] = {}
        for step in self.steps:
            if step.kind != "hold":
                continue
            legs = dose.setdefault(step.stretch.group, {"left": 0, "right": 0})
            for leg in ("left", "right") if step.side == "both" else (step.side,):
                legs[leg] += step.duration_s  # type: ignore[index]
        return dose

    def shortfalls(self) -> list[str]:
        """Where the routine accumulates less than the guideline dose, in plain words."""
        out = []
        for group, legs in self.dose().items():
            short = {leg: s for leg, s in legs.items() if s < DOSE_GUIDELINE_S}
            if not short:
                continue
            if len(set(short.values())) == 1 and len(short) == 2:
                held = f"{short['left']} s on each leg"
            else:
                held = " and ".join(f"{s} s on the {leg} leg" for leg, s in short.items())
            out.append(
                f"{group}: {held}, short of the ~{DOSE_GUIDELINE_S} s guideline "
                "(add a rep or hold longer)."
            )
        return out

    def warnings(self) -> list[str]:
        """Holds outside the catalogue's recommended range: allowed, but worth a second look."""
        return [
            f"{p.stretch.name}: a {p.hold} s hold is outside "
            f"the recommended {p.stretch.hold_range}."
            for p in self.prescriptions
            if not p.stretch.hold_min <= p.hold <= p.stretch.hold_max
        ]

    def plan(self) -> dict[str, object]:
        """The timeline as plain data (what ``kneekit routine plan --json`` prints)."""
        return {
            "name": self.name,
            "total_s": self.total_s,
            "steps": [s.as_dict() for s in self.steps],
        }

    def to_yaml(self) -> str:
        """The routine as a routine file; parsing it again gives an equal routine."""
        data: dict[str, object] = {"name": self.name}
        if self.notes:
            data["notes"] = self.notes
        data |= {"first_side": self.first_side, "prepare": self.prepare}
        data |= {"switch": self.switch, "rest": self.rest, "stretches": []}
        for p in self.prescriptions:
            entry: dict[str, object] = {"stretch": p.stretch.id, "hold": p.hold, "reps": p.reps}
            if p.sides != "each":
                entry["sides"] = p.sides
            data["stretches"].append(entry)  # type: ignore[attr-defined]
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    def with_changes(self, **changes: object) -> Routine:
        """A variant of this routine (a new object; routines never change in place)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def __str__(self) -> str:
        lines = [f"{self.name}: {len(self.steps)} steps, {format_duration(self.total_s)}"]
        for p in self.prescriptions:
            lines.append(
                f"  {p.stretch.name}: {p.reps} x {p.hold} s"
                + (f", {p.stretch.sides_text}" if p.sides == "each" else f", {p.sides} leg only")
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        rows = "".join(
            f"<tr><td>{e(p.stretch.name)}</td><td>{p.reps}</td><td>{p.hold} s</td>"
            f"<td>{e(p.stretch.sides_text if p.sides == 'each' else p.sides + ' leg only')}</td>"
            f"</tr>"
            for p in self.prescriptions
        )
        notes = "".join(f"<li>{e(w)}</li>" for w in self.warnings() + self.shortfalls())
        return (
            f"<div class='kneekit-routine'><h3>{e(self.name)}</h3>"
            f"<p>{len(self.steps)} steps, {format_duration(self.total_s)} in all "
            f"(prepare {self.prepare} s, switch {self.switch} s, rest {self.rest} s; "
            f"starts on the {self.first_side} leg)</p>"
            "<table><thead><tr><th>Stretch</th><th>Reps</th><th>Hold</th><th>Legs</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>"
            + (f"<p><b>Worth a look:</b></p><ul>{notes}</ul>" if notes else "")
            + "</div>"
        )


@dataclass(frozen=True)
class Assignment:
    """A client follows routine version ``version_id`` from ``since`` until the next assignment."""

    client_id: int
    version_id: int
    label: str
    since: date


def format_duration(seconds: float) -> str:
    """``95`` -> ``1 min 35 s``: how a clinician reads a duration."""
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def _routine_from(doc: Document, catalogue: Mapping[str, Stretch]) -> Routine:
    problems: list[Problem] = []
    top = check_mapping(doc, [], doc.data, _ROUTINE_FIELDS, problems, "a routine")
    entries = doc.data.get("stretches") if isinstance(doc.data, Mapping) else None
    prescriptions = []
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        values = check_mapping(doc, ["stretches", i], entry, _ENTRY_FIELDS, problems, "a stretch")
        sid = entry.get("stretch") if isinstance(entry, Mapping) else None
        if isinstance(sid, str) and sid not in catalogue:
            near = difflib.get_close_matches(sid, catalogue, n=1, cutoff=0.4)
            problems.append(
                doc.problem(
                    ["stretches", i, "stretch"],
                    f"unknown stretch '{sid}'"
                    + (f" (did you mean '{near[0]}'?)" if near else "")
                    + f"; known stretches: {', '.join(catalogue)}.",
                )
            )
        elif values is not None:
            values["stretch"] = catalogue[values["stretch"]]
            prescriptions.append(Prescription(**values))
    if problems or top is None:
        raise RoutineError(problems)
    top.pop("stretches")
    return Routine(prescriptions=tuple(prescriptions), **top)


def parse_routine(
    text: str, source: str = "routine", catalogue: Mapping[str, Stretch] | None = None
) -> Routine:
    """The routine written in ``text``; raises RoutineError naming every problem."""
    doc = parse(source, text)
    if isinstance(doc, Problem):
        raise RoutineError([doc])
    return _routine_from(doc, catalogue if catalogue is not None else load_catalogue())


def load_routine(path: Path | str, catalogue: Mapping[str, Stretch] | None = None) -> Routine:
    """Read and check a routine file."""
    read = read_text(path, "routine")
    if isinstance(read, Problem):
        raise RoutineError([read])
    return parse_routine(read[1], read[0], catalogue)


BUILT_IN = "kneekit's built-in routine"
"""How a session or client on no saved version (the shipped default routine) is named."""


def default_routine(catalogue: Mapping[str, Stretch] | None = None) -> Routine:
    """The routine kneekit ships: the four stretches, two 30 s holds each."""
    text = resources.files("kneekit").joinpath("data/default-routine.yaml").read_text("utf-8")
    return parse_routine(text, "kneekit/data/default-routine.yaml", catalogue)


@dataclass(frozen=True)
class Comparison:
    """Two routine variants side by side, as a physio weighs them."""

    a: Routine
    b: Routine

    def differences(self) -> list[str]:
        """What changes going from ``a`` to ``b``, one plain sentence each."""
        out = []
        for attr in ("first_side", "prepare", "switch", "rest"):
            before, after = getattr(self.a, attr), getattr(self.b, attr)
            if before != after:
                out.append(f"{attr.replace('_', ' ')}: {before} -> {after}")
        a_rx = {p.stretch.id: p for p in self.a.prescriptions}
        b_rx = {p.stretch.id: p for p in self.b.prescriptions}
        for sid in a_rx.keys() - b_rx.keys():
            out.append(f"{a_rx[sid].stretch.name} dropped")
        for sid in b_rx.keys() - a_rx.keys():
            out.append(f"{b_rx[sid].stretch.name} added")
        for sid in a_rx.keys() & b_rx.keys():
            pa, pb = a_rx[sid], b_rx[sid]
            for attr in ("hold", "reps", "sides"):
                if getattr(pa, attr) != getattr(pb, attr):
                    out.append(
                        f"{pa.stretch.name} {attr}: {getattr(pa, attr)} -> {getattr(pb, attr)}"
                    )
        if [p.stretch.id for p in self.a.prescriptions if p.stretch.id in b_rx] != [
            p.stretch.id for p in self.b.prescriptions if p.stretch.id in a_rx
        ]:
            out.append("the order of the stretches changes")
        return sorted(out)

    def dose_rows(self) -> list[tuple[str, str, int, int]]:
        """``(group, leg, seconds in a, seconds in b)`` for every group either variant works."""
        da, db = self.a.dose(), self.b.dose()
        return [
            (group, leg, da.get(group, {}).get(leg, 0), db.get(group, {}).get(leg, 0))
            for group in sorted(da.keys() | db.keys())
            for leg in ("left", "right")
        ]

    def __str__(self) -> str:
        width = max(len(self.a.name), len(self.b.name), 12)
        lines = [
            f"{'':24}{self.a.name:>{width}}  {self.b.name:>{width}}",
            f"{'Total time':24}{format_duration(self.a.total_s):>{width}}  "
            f"{format_duration(self.b.total_s):>{width}}",
            f"Dose (s held; guideline ~{DOSE_GUIDELINE_S} s per group and leg):",
        ]
        for group, leg, sa, sb in self.dose_rows():
            lines.append(f"  {group + ', ' + leg:22}{sa:>{width}}  {sb:>{width}}")
        diffs = self.differences()
        lines.append("What differs:" if diffs else "The two routines prescribe the same stretches.")
        lines += [f"  - {d}" for d in diffs]
        return "\n".join(lines)

"""Routine files: the contract, its timeline, dose, warnings and variant comparison."""

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kneekit.errors import RoutineError
from kneekit.routines.catalogue import shipped_catalogue
from kneekit.routines.routine import (
    Comparison,
    Prescription,
    Routine,
    default_routine,
    format_duration,
    load_routine,
    parse_routine,
)
from kneekit.routines.session import ManualClock

ISSUE_EXAMPLE = """\
name: Post-run knees
first_side: right      # optional, default right
prepare: 5
switch: 5
rest: 10
stretches:
  - stretch: quadriceps
    hold: 30
    reps: 2
  - stretch: hamstring
    hold: 20
  - stretch: calf
  - stretch: hip-flexor
    hold: 25
"""


def kinds(routine):
    return [(s.kind, s.stretch.id, s.side, s.rep, s.duration_s) for s in routine.steps]


def test_the_issue_example_builds_the_documented_timeline():
    routine = parse_routine(ISSUE_EXAMPLE)
    quads = [k for k in kinds(routine) if k[1] == "quadriceps"]
    assert quads == [
        ("prepare", "quadriceps", None, 1, 5),
        ("hold", "quadriceps", "right", 1, 30),
        ("switch", "quadriceps", None, 1, 5),
        ("hold", "quadriceps", "left", 1, 30),
        ("rest", "quadriceps", None, 1, 10),
        ("hold", "quadriceps", "right", 2, 30),
        ("switch", "quadriceps", None, 2, 5),
        ("hold", "quadriceps", "left", 2, 30),
    ]
    assert [k for k in kinds(routine) if k[1] == "hamstring"] == [
        ("prepare", "hamstring", None, 1, 5),
        ("hold", "hamstring", "both", 1, 20),
    ]
    # prepare + reps*(2*hold + switch) + (reps-1)*rest, per stretch, from the issue's formula
    assert routine.total_s == (5 + 2 * 65 + 10) + (5 + 20) + (5 + 65) + (5 + 55)
    # holds only: quadriceps 2 reps x 2 legs x 30, hamstring 20 (both legs at once), calf 2 x 30,
    # hip flexor 2 x 25
    assert routine.hold_s == 120 + 20 + 60 + 50
    assert routine.steps[-1].kind == "hold"
    starts = [s.start_s for s in routine.steps]
    assert starts == sorted(starts)
    assert all(a.end_s == b.start_s for a, b in zip(routine.steps, routine.steps[1:], strict=False))


def test_defaults_left_first_and_single_side():
    routine = parse_routine(
        "name: Left knee\nfirst_side: left\nstretches:\n  - stretch: calf\n"
        "  - stretch: quadriceps\n    sides: right\n    reps: 2\n"
    )
    assert (routine.prepare, routine.switch, routine.rest) == (5, 5, 10)
    assert [s.side for s in routine.steps if s.kind == "hold"] == [
        "left",
        "right",
        "right",
        "right",
    ]
    assert routine.dose()["quadriceps"] == {"left": 0, "right": 60}


def test_zero_length_segments_are_left_out():
    routine = parse_routine(
        "name: Brisk\nprepare: 0\nswitch: 0\nrest: 0\nstretches:\n  - stretch: calf\n    reps: 2\n"
    )
    assert [s.kind for s in routine.steps] == ["hold"] * 4
    assert routine.total_s == 120


@given(
    entries=st.lists(
        st.tuples(
            st.sampled_from(["quadriceps", "hamstring", "calf", "hip-flexor"]),
            st.integers(5, 300),
            st.integers(1, 10),
        ),
        min_size=1,
        max_size=6,
    ),
    prepare=st.integers(0, 120),
    switch=st.integers(0, 120),
    rest=st.integers(0, 120),
)
def test_total_time_follows_the_issue_formula(entries, prepare, switch, rest):
    catalogue = shipped_catalogue()
    text = f"name: R\nprepare: {prepare}\nswitch: {switch}\nrest: {rest}\nstretches:\n" + "".join(
        f"  - stretch: {sid}\n    hold: {hold}\n    reps: {reps}\n" for sid, hold, reps in entries
    )
    routine = parse_routine(text, catalogue=catalogue)
    expected = 0
    for sid, hold, reps in entries:
        per_rep = 2 * hold + switch if catalogue[sid].one_sided else hold
        expected += prepare + reps * per_rep + (reps - 1) * rest
    assert routine.total_s == expected == sum(s.duration_s for s in routine.steps)
    assert parse_routine(routine.to_yaml(), catalogue=catalogue) == routine


BAD = [
    (
        "name: R\nstretches:\n  - stretch: calff\n",
        3,
        "stretches[1].stretch",
        "unknown stretch 'calff' (did you mean 'calf'?); "
        "known stretches: quadriceps, hamstring, calf, hip-flexor.",
    ),
    (
        "name: R\nstretches:\n  - stretch: calf\n    hodl: 30\n",
        4,
        "stretches[1].hodl",
        "unknown field 'hodl' (did you mean 'hold'?)",
    ),
    (
        "name: R\nstretches:\n  - stretch: calf\n    hold: 400\n",
        4,
        "stretches[1].hold",
        "must be a whole number from 5 to 300 s; it is 400.",
    ),
    (
        "name: R\nstretches:\n  - stretch: calf\n    hold: 4\n",
        4,
        "stretches[1].hold",
        "from 5 to 300 s; it is 4.",
    ),
    (
        "name: R\nstretches:\n  - stretch: calf\n    reps: 11\n",
        4,
        "stretches[1].reps",
        "must be a whole number from 1 to 10; it is 11.",
    ),
    (
        "name: R\nstretches:\n  - stretch: calf\n    reps: 1.5\n",
        4,
        "stretches[1].reps",
        "must be a whole number from 1 to 10; it is 1.5.",
    ),
    (
        "name: R\nstretches:\n  - stretch: calf\n    reps: two\n",
        4,
        "stretches[1].reps",
        "it is 'two'.",
    ),
    (
        "name: R\nprepare: 121\nstretches:\n  - stretch: calf\n",
        2,
        "prepare",
        "must be a whole number from 0 to 120 s",
    ),
    ("name: R\nswitch: -1\nstretches:\n  - stretch: calf\n", 2, "switch", "from 0 to 120 s"),
    (
        "name: R\nrest: yes\nstretches:\n  - stretch: calf\n",
        2,
        "rest",
        "from 0 to 120 s; it is yes.",
    ),
    (
        "name: R\nfirst_side: middle\nstretches:\n  - stretch: calf\n",
        2,
        "first_side",
        "must be one of right, left",
    ),
    ("name: R\nstretches: []\n", 2, "stretches", "a list of one or more stretches"),
    ("name: R\n", 1, "", "missing field 'stretches'"),
    ("stretches:\n  - stretch: calf\n", 1, "", "missing field 'name'"),
    ("name: R\nstretches:\n  - stretch: calf\n  hold: 30\n   - x\n", 4, "", "not valid YAML"),
    ("name: R\nstretches:\n\t- stretch: calf\n", 3, "", "indent with spaces, not tabs"),
    ("- stretch: calf\n", 1, "", "expected a routine written as 'key: value' lines"),
    ("", None, "", "expected a routine written as 'key: value' lines"),
]


@pytest.mark.parametrize(("text", "line", "field", "expected"), BAD)
def test_every_bad_routine_names_file_line_field_and_what_is_allowed(text, line, field, expected):
    with pytest.raises(RoutineError) as caught:
        parse_routine(text, "knees.yaml")
    problem = caught.value.problems[0]
    assert (problem.source, problem.line, problem.field) == ("knees.yaml", line, field)
    assert expected in problem.message
    assert str(caught.value).startswith("knees.yaml")


def test_all_problems_are_reported_at_once():
    with pytest.raises(RoutineError) as caught:
        parse_routine("name: R\nrest: 500\nstretches:\n  - stretch: quadricep\n    hodl: 3\n")
    fields = {p.field for p in caught.value.problems}
    assert fields == {"rest", "stretches[1].stretch", "stretches[1].hodl"}


def test_files_that_cannot_be_read(tmp_path: Path):
    with pytest.raises(RoutineError, match=r"absent.yaml: no such routine file"):
        load_routine(tmp_path / "absent.yaml")
    with pytest.raises(RoutineError, match="this is a folder"):
        load_routine(tmp_path)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: Récupération\nstretches:\n  - stretch: calf\n".encode("latin-1"))
    with pytest.raises(RoutineError, match=r"not UTF-8 text \(bad byte at position 7\)"):
        load_routine(latin)


def test_holds_outside_the_recommended_range_warn_but_load():
    routine = parse_routine("name: R\nstretches:\n  - stretch: calf\n    hold: 45\n")
    assert routine.warnings() == [
        "Wall calf stretch: a 45 s hold is outside the recommended 15–30 s."
    ]
    assert parse_routine("name: R\nstretches:\n  - stretch: calf\n    hold: 30\n").warnings() == []


def test_dose_counts_both_legs_for_two_sided_stretches_and_flags_shortfalls():
    routine = parse_routine(
        "name: R\nstretches:\n  - stretch: hamstring\n    hold: 30\n    reps: 2\n"
        "  - stretch: calf\n    hold: 20\n  - stretch: quadriceps\n    sides: left\n    reps: 3\n"
    )
    assert routine.dose() == {
        "hamstrings": {"left": 60, "right": 60},
        "calves": {"left": 20, "right": 20},
        "quadriceps": {"left": 90, "right": 0},
    }
    assert routine.shortfalls() == [
        "calves: 20 s on each leg, short of the ~60 s guideline (add a rep or hold longer).",
        "quadriceps: 0 s on the right leg, "
        "short of the ~60 s guideline (add a rep or hold longer).",
    ]


def test_default_routine_meets_the_guideline():
    routine = default_routine()
    assert [p.stretch.id for p in routine.prescriptions] == [
        "quadriceps",
        "hamstring",
        "calf",
        "hip-flexor",
    ]
    assert {p.hold for p in routine.prescriptions} == {30}
    assert routine.shortfalls() == []
    assert routine.warnings() == []


def test_comparison_lists_what_differs_and_the_dose_side_by_side():
    a = default_routine()
    b = parse_routine(
        "name: Calf focus\nrest: 5\nstretches:\n  - stretch: calf\n    hold: 30\n    reps: 3\n"
        "  - stretch: quadriceps\n    reps: 2\n"
    )
    comparison = Comparison(a, b)
    assert comparison.differences() == [
        "Kneeling hip flexor stretch dropped",
        "Standing hamstring stretch dropped",
        "Wall calf stretch reps: 2 -> 3",
        "rest: 10 -> 5",
        "the order of the stretches changes",
    ]
    assert ("calves", "left", 60, 90) in comparison.dose_rows()
    assert ("hamstrings", "right", 60, 0) in comparison.dose_rows()
    text = str(comparison)
    assert "8 min 30 s" in text
    assert "Calf focus" in text
    assert Comparison(a, a).differences() == []


def test_routine_displays_as_text_and_html():
    routine = parse_routine("name: <R>\nstretches:\n  - stretch: calf\n    hold: 45\n")
    assert str(routine).startswith("<R>: 4 steps, 1 min 40 s")
    page = routine._repr_html_()
    assert "<h3>&lt;R&gt;</h3>" in page
    assert "outside the recommended 15–30 s" in page


def test_format_duration():
    assert [format_duration(s) for s in (0, 59, 60, 95, 510)] == [
        "0 s",
        "59 s",
        "1 min 0 s",
        "1 min 35 s",
        "8 min 30 s",
    ]


# -- limits hold however a routine is built ------------------------------------------------------
ROUTINE_LIMITS = {"prepare": (0, 120), "switch": (0, 120), "rest": (0, 120)}
ENTRY_LIMITS = {"hold": (5, 300), "reps": (1, 10)}


def outside(low: int, high: int) -> st.SearchStrategy[int]:
    return st.one_of(st.integers(max_value=low - 1), st.integers(min_value=high + 1))


def builds_of_a_routine(field: str, value: Any) -> list[tuple[str, Callable[[], object]]]:
    """Every way kneekit offers to make a routine with ``field`` set to ``value``."""
    base = default_routine()
    fields: dict[str, Any] = {
        f.name: getattr(base, f.name) for f in dataclasses.fields(base) if f.init
    }
    return [
        ("constructor", lambda: Routine(**(fields | {field: value}))),
        ("with_changes", lambda: base.with_changes(**{field: value})),
        ("dataclasses.replace", lambda: dataclasses.replace(base, **{field: value})),
        ("routine file", lambda: parse_routine(f"{base.to_yaml()}{field}: {value}\n")),
    ]


def builds_of_a_prescription(field: str, value: Any) -> list[tuple[str, Callable[[], object]]]:
    """Every way to make a prescription with ``field`` set to ``value``, alone or in a routine."""
    base = default_routine()
    first = base.prescriptions[0]
    written = f"{field}: {getattr(first, field)}"  # the first entry's line in the file
    text = base.to_yaml().replace(written, f"{field}: {value}", 1)
    return [
        ("constructor", lambda: Prescription(**(vars(first) | {field: value}))),
        ("dataclasses.replace", lambda: dataclasses.replace(first, **{field: value})),
        ("routine file", lambda: parse_routine(text)),
    ]


def refused(build: Callable[[], object], field: str) -> RoutineError:
    with pytest.raises(RoutineError) as raised:
        build()
    assert [p.field.rsplit(".", 1)[-1] for p in raised.value.problems] == [field]
    assert "must be a whole number from" in str(raised.value)
    return raised.value


@given(st.sampled_from(sorted(ROUTINE_LIMITS)), st.data())
def test_a_routine_refuses_timings_out_of_range_however_it_is_built(field, data):
    value = data.draw(outside(*ROUTINE_LIMITS[field]))
    for _, build in builds_of_a_routine(field, value):
        refused(build, field)


@given(st.sampled_from(sorted(ENTRY_LIMITS)), st.data())
def test_a_prescription_refuses_holds_and_reps_out_of_range_however_it_is_built(field, data):
    value = data.draw(outside(*ENTRY_LIMITS[field]))
    for _, build in builds_of_a_prescription(field, value):
        refused(build, field)


@given(st.sampled_from(sorted(ROUTINE_LIMITS | ENTRY_LIMITS)), st.data())
def test_values_in_range_are_accepted_every_way_alike(field, data):
    value = data.draw(st.integers(*(ROUTINE_LIMITS | ENTRY_LIMITS)[field]))
    ways = (builds_of_a_routine if field in ROUTINE_LIMITS else builds_of_a_prescription)(
        field, value
    )
    built = [build() for _, build in ways]
    made = [
        b.prescriptions[0] if isinstance(b, Routine) and field in ENTRY_LIMITS else b for b in built
    ]
    assert all(m == made[0] for m in made)
    assert getattr(made[0], field) == value


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rest": -5}, "rest: must be a whole number from 0 to 120 s; it is -5."),
        ({"first_side": "middle"}, "first_side: must be one of right, left; it is 'middle'."),
        ({"name": " "}, "name: must be some text; it is empty."),
        ({"prepare": True}, "prepare: must be a whole number from 0 to 120 s; it is yes."),
    ],
)
def test_with_changes_refuses_in_plain_words(changes, message):
    with pytest.raises(RoutineError) as raised:
        default_routine().with_changes(**changes)
    assert str(raised.value).endswith(message)


def test_a_refused_routine_never_reaches_the_database(store):
    with pytest.raises(RoutineError):
        store.save_routine(default_routine().with_changes(rest=-5), ManualClock().now())
    assert store.versions() == []

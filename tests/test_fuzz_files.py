"""Property-based fuzzing (issue #6) of the files physios edit: routine and catalogue files.
Every input ends in success or a clear KneekitError, never another exception."""

import html

import yaml
from hypothesis import given
from hypothesis import strategies as st

from kneekit.errors import CatalogueError, RoutineError
from kneekit.routines.catalogue import (
    ID_PATTERN,
    load_catalogue,
    parse_catalogue,
    shipped_catalogue,
)
from kneekit.routines.routine import load_routine, parse_routine
from tests.fuzzing import FILE_BYTES, FILE_TEXT, FUZZ, TEXT, VALUES, attempt, edits_of

# -- routine files -----------------------------------------------------------------------------
ENTRY = (
    st.fixed_dictionaries(
        {"stretch": st.sampled_from(["calf", "hamstring", "quadriceps", "hip-flexor"])},
        optional={
            "hold": st.integers(5, 300),
            "reps": st.integers(1, 10),
            "sides": st.sampled_from(["each", "left", "right"]),
        },
    )
    | st.fixed_dictionaries(
        {"stretch": st.sampled_from(["calf", "hamstring", "quadriceps", "hip-flexor"]) | VALUES},
        optional={
            "hold": st.integers(-5, 400) | VALUES,
            "reps": st.integers(-1, 12) | VALUES,
            "sides": st.sampled_from(["each", "left", "right"]) | VALUES,
            "extra": VALUES,
        },
    )
    | st.dictionaries(TEXT, VALUES, max_size=3)
)
ROUTINE = st.fixed_dictionaries(
    {"name": TEXT.filter(str.strip), "stretches": st.lists(ENTRY, min_size=1, max_size=4)},
    optional={
        "first_side": st.sampled_from(["left", "right"]),
        "prepare": st.integers(0, 120),
        "switch": st.integers(0, 120),
        "rest": st.integers(0, 120),
        "notes": TEXT.filter(str.strip),
    },
) | st.fixed_dictionaries(
    {},
    optional={
        "name": TEXT | VALUES,
        "first_side": st.sampled_from(["left", "right", "both"]) | VALUES,
        "prepare": st.integers(-5, 200) | VALUES,
        "switch": st.integers(-5, 200) | VALUES,
        "rest": st.integers(-5, 200) | VALUES,
        "notes": TEXT | VALUES,
        "stretches": st.lists(ENTRY, min_size=1, max_size=4) | VALUES,
        "extra": VALUES,
    },
)
"""Routines that mostly hold together, and routines of anything at all."""


def check_routine(text: str) -> None:
    routine, error = attempt(lambda: parse_routine(text, "fuzz.yaml"), RoutineError)
    if error is not None:
        assert error.problems  # and each says where and what
        assert all(p.source == "fuzz.yaml" for p in error.problems)
        assert all(p.message for p in error.problems)
        return
    ends = [0] + [s.end_s for s in routine.steps]
    assert [s.start_s for s in routine.steps] == ends[:-1]  # one unbroken timeline
    assert routine.total_s == sum(s.duration_s for s in routine.steps) > 0
    assert all(5 <= s.duration_s <= 300 for s in routine.steps if s.kind == "hold")
    assert parse_routine(routine.to_yaml()) == routine  # what it saves reads back the same


@FUZZ
@given(ROUTINE)
def test_routine_documents_are_read_or_refused_in_words(doc):
    check_routine(yaml.safe_dump(doc, allow_unicode=True))


@FUZZ
@given(FILE_TEXT | edits_of("data/default-routine.yaml"))
def test_routine_text_is_read_or_refused_in_words(text):
    check_routine(text)


@FUZZ
@given(FILE_BYTES)
def test_routine_files_of_any_bytes_are_read_or_refused_in_words(tmp_path, data):
    path = tmp_path / "routine.yaml"
    path.write_bytes(data)
    routine, error = attempt(lambda: load_routine(path), RoutineError)
    assert routine is not None or error.problems


# -- catalogue files ---------------------------------------------------------------------------
LINES = st.lists(TEXT.filter(str.strip), min_size=1, max_size=3)
STRETCH = st.fixed_dictionaries(
    {
        "name": TEXT.filter(str.strip),
        "muscles": LINES,
        "group": TEXT.filter(str.strip),
        "why": TEXT.filter(str.strip),
        "position": st.sampled_from(["standing", "kneeling", "sitting", "lying"]),
        "one_sided": st.booleans(),
        "hold_min": st.integers(5, 30),
        "hold_max": st.integers(25, 300),
        "cues": LINES,
    },
    optional={"equipment": TEXT.filter(str.strip)},
) | st.fixed_dictionaries(
    {},
    optional={
        "name": TEXT | VALUES,
        "muscles": st.lists(TEXT, max_size=3) | VALUES,
        "group": TEXT | VALUES,
        "why": TEXT | VALUES,
        "position": st.sampled_from(["standing", "kneeling", "sitting", "lying"]) | VALUES,
        "equipment": TEXT | VALUES,
        "one_sided": st.booleans() | VALUES,
        "hold_min": st.integers(0, 400) | VALUES,
        "hold_max": st.integers(0, 400) | VALUES,
        "cues": st.lists(TEXT, max_size=3) | VALUES,
    },
)
CATALOGUE = st.dictionaries(st.from_regex(ID_PATTERN, fullmatch=True) | TEXT, STRETCH, max_size=3)


def check_catalogue(text: str) -> None:
    stretches, error = attempt(lambda: parse_catalogue(text, "fuzz.yaml"), CatalogueError)
    if error is not None:
        assert error.problems
        return
    for sid, stretch in stretches.items():
        assert ID_PATTERN.match(sid)
        assert stretch.id == sid
        assert 5 <= stretch.hold_min <= stretch.hold_max <= 300
        assert stretch.cues
        assert all(c.strip() for c in stretch.cues)
        assert str(stretch)
        assert html.escape(stretch.name) in stretch._repr_html_()  # the name, shown as text


@FUZZ
@given(CATALOGUE)
def test_catalogue_documents_are_read_or_refused_in_words(doc):
    check_catalogue(yaml.safe_dump(doc, allow_unicode=True))


@FUZZ
@given(FILE_TEXT | edits_of("data/stretches.yaml"))
def test_catalogue_text_is_read_or_refused_in_words(text):
    check_catalogue(text)


@FUZZ
@given(FILE_BYTES)
def test_catalogue_files_of_any_bytes_are_read_or_refused_in_words(tmp_path, data):
    path = tmp_path / "mine.yaml"
    path.write_bytes(data)
    catalogue, error = attempt(lambda: load_catalogue([path]), CatalogueError)
    if error is not None:
        assert error.problems
        return
    assert set(shipped_catalogue()) <= set(catalogue)

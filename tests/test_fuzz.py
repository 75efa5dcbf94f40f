"""Property-based fuzzing (issue #6): routine files, catalogue files, check-in values and share
tokens. Every input ends in success or a clear KneekitError, never another exception, and a
refused write leaves the database as it was.

Runs are derandomised so the suite gives the same verdict every time; the tests at the end keep
the inputs fuzzing once found to break that rule.
"""

import html
import math
import re
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kneekit.cli import main
from kneekit.errors import CatalogueError, KneekitError, RoutineError, SorenessError
from kneekit.records.store import Store
from kneekit.routines import load_routine, parse_routine
from kneekit.session import ManualClock
from kneekit.soreness import CONTEXTS, CheckIn, check_in
from kneekit.stretches import ID_PATTERN, load_catalogue, parse_catalogue, shipped_catalogue
from kneekit.voila.access import SHARE_PARAM, client_from_query
from kneekit.widgets import CheckInForm

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
FUZZ = settings(
    max_examples=120,
    deadline=None,  # the machine is shared; speed is the benchmarks' business
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Text as a person or a browser can send it, lone surrogates and control characters included.
TEXT = st.text(max_size=40)
FILE_TEXT = st.text(  # what a decoded UTF-8 file can hold: anything but lone surrogates
    st.characters(exclude_categories=["Cs"]) | st.sampled_from("\t\n\r"),
    max_size=200,
)


def printable(data: bytes) -> bytes:
    """``data`` with the control characters YAML refuses (as UTF-8) turned into spaces."""
    data = bytes(c if (c >= 0x20 and c != 0x7F) or c in b"\t\n\r" else 0x20 for c in data)
    return re.sub(rb"\xc2[\x80-\x84\x86-\x9f]", b"  ", data)


FILE_BYTES = st.binary(max_size=200).map(printable)


def edits_of(shipped: str) -> st.SearchStrategy[str]:
    """A file kneekit ships with one span replaced by other text: a physio's slip while editing."""
    text = resources.files("kneekit").joinpath(shipped).read_text("utf-8")
    return st.tuples(st.integers(0, len(text)), st.integers(0, 12), FILE_TEXT).map(
        lambda edit: text[: edit[0]] + edit[2][:12] + text[edit[0] + edit[1] :]
    )


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(),
    TEXT,
    st.sampled_from(["each", "left", "right", "yes", "no", "calf", "quadriceps", "30", ""]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)


def attempt(work, family: type[KneekitError]):
    """``(result, None)``, or ``(None, error)`` when ``work`` raises ``family``; any other
    exception fails the test, which is the point. Counts both in Hypothesis's statistics."""
    try:
        found = work()
    except family as error:
        event("refused in words")
        return None, error
    event("accepted")
    return found, None


def checkin_rows(path: Path) -> list[tuple[object, ...]]:
    """Every check-in as stored: what a refused write must leave unchanged."""
    raw = sqlite3.connect(path)
    try:
        return raw.execute("SELECT * FROM checkins ORDER BY id").fetchall()
    finally:
        raw.close()


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory):
    """One client, and share links that are live, expired and revoked."""
    path = tmp_path_factory.mktemp("fuzz") / "clinic.sqlite3"
    with Store.open(path) as store:
        ada = store.add_client("Ada L.", NOW - timedelta(days=30))
        bo = store.add_client("Bo K.", NOW - timedelta(days=30))
        live = store.shares.create(ada.id, NOW - timedelta(days=1), timedelta(days=30))
        expired = store.shares.create(ada.id, NOW - timedelta(days=10), timedelta(days=1))
        revoked = store.shares.create(bo.id, NOW - timedelta(days=1), None)
        store.shares.revoke(bo.id, NOW - timedelta(hours=1))
        yield store, path, ada, {"live": live, "expired": expired, "revoked": revoked}


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


# -- check-ins ---------------------------------------------------------------------------------
ANY = st.one_of(
    st.integers(-3, 14),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    TEXT,
    st.sampled_from(CONTEXTS),
)
# Bounds of Hypothesis's datetimes() are naive by its design; the times drawn carry the zones.
WHEN = st.datetimes(
    datetime(2000, 1, 1),  # noqa: DTZ001
    datetime(2030, 1, 1),  # noqa: DTZ001
    timezones=st.none() | st.just(UTC),  # type: ignore[arg-type]  # naive ones too: check_in must refuse them
) | st.datetimes(  # far from now, any offset
    datetime(2, 1, 1),  # noqa: DTZ001
    datetime(9998, 1, 1),  # noqa: DTZ001
    timezones=st.builds(
        timezone, st.integers(-14 * 60, 14 * 60).map(lambda m: timedelta(minutes=m))
    ),
)
AMOUNT = st.none() | st.floats(0, 300) | st.integers(0, 300)
NUMBER_TYPED = st.sampled_from(["", " ", "5", "5,5", "12.25", "-1", "1e3", "nan", "inf"]) | TEXT
"""What a person may type in a number field."""
VALID = st.fixed_dictionaries(
    {
        "at": st.datetimes(
            datetime(2000, 1, 1),  # noqa: DTZ001
            datetime(2026, 3, 2),  # noqa: DTZ001
            timezones=st.just(UTC),
        ),
        "left": st.integers(0, 10),
        "right": st.integers(0, 10),
        "context": st.sampled_from(CONTEXTS),
        "km": AMOUNT,
        "minutes": AMOUNT,
        "note": TEXT | st.text(max_size=2100),
    }
)
"""Check-ins that should be saved, up to the edges of what is allowed."""
WILD = st.fixed_dictionaries(
    {
        "at": WHEN,
        "left": st.integers(0, 10) | ANY,
        "right": st.integers(0, 10) | ANY,
        "context": st.sampled_from(CONTEXTS) | ANY,
        "km": AMOUNT | ANY,
        "minutes": AMOUNT | ANY,
        "note": TEXT | ANY | st.text(max_size=2100),
    }
)
"""Anything at all in any field."""


@FUZZ
@given(VALID | WILD)
def test_checkin_values_are_saved_or_refused_and_a_refusal_writes_nothing(clinic, values):
    store, path, ada, _ = clinic
    before = checkin_rows(path)
    entry, error = attempt(lambda: check_in(ada.id, now=NOW, **values), SorenessError)
    if error is not None:
        fields = {p.field for p in error.problems}
        assert fields <= {"left", "right", "context", "at", "km", "minutes", "note"}
        return
    saved = store.add_checkin(entry)
    after = checkin_rows(path)
    assert after[:-1] == before
    assert after[-1][0] == saved
    assert entry in store.history(ada.id).checkins  # and it reads back as it was saved


@FUZZ
@given(st.integers(-(2**63), 2**63 - 1) | st.sampled_from([1, 2]), VALID | WILD)
def test_a_checkin_made_by_hand_is_saved_or_refused_and_a_refusal_writes_nothing(
    clinic, client_id, values
):
    store, path, _, _ = clinic
    before = checkin_rows(path)
    fields = ("at", "context", "left", "right", "km", "minutes", "note")
    entry = CheckIn(client_id, *(values[f] for f in fields))
    saved, error = attempt(lambda: store.add_checkin(entry), KneekitError)
    if error is not None:
        assert checkin_rows(path) == before
        return
    assert [row[0] for row in checkin_rows(path)] == [row[0] for row in before] + [saved]
    assert client_id in (1, 2)
    assert 0 <= entry.left <= 10
    assert 0 <= entry.right <= 10


@FUZZ
@given(
    km=NUMBER_TYPED,
    minutes=NUMBER_TYPED,
    note=TEXT | st.text(max_size=2100),
    left=st.integers(0, 10),
)
def test_the_checkin_form_saves_or_shows_an_error_whatever_is_typed(
    clinic, km, minutes, note, left
):
    store, path, ada, _ = clinic
    before = checkin_rows(path)
    form = CheckInForm(store, ManualClock(NOW), client=ada)
    form.left.value = left
    form.km.value, form.minutes.value, form.note.value = km, minutes, note
    saved = form.submit()
    event("saved" if saved else "shown an error")
    if saved is None:
        assert checkin_rows(path) == before
        assert "Not saved" in form.status.value
    else:
        assert len(checkin_rows(path)) == len(before) + 1
        assert saved.km is None or math.isfinite(saved.km)


ARG = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30)


@FUZZ
@given(
    left=st.integers(-2, 12).map(str) | ARG,
    right=st.integers(-2, 12).map(str) | ARG,
    options=st.dictionaries(
        st.sampled_from(["--km", "--minutes", "--at", "--context", "--note"]),
        NUMBER_TYPED | st.sampled_from(["2026-03-01 18:30", *CONTEXTS]) | ARG,
    ),
)
def test_the_checkin_command_saves_or_explains_whatever_is_typed(
    clinic, capsys, left, right, options
):
    _, path, _, _ = clinic
    before = checkin_rows(path)
    argv = ["checkin", "Ada L.", "--left", left, "--right", right, "--db", str(path)]
    argv += [part for option in options.items() for part in option]
    try:
        code = main(argv)
    except SystemExit as exit:  # argparse refused an argument that looks like an option
        code = exit.code  # type: ignore[assignment]  # argparse exits with an int
    _, err = capsys.readouterr()
    event(f"exit {code}")
    assert code in (0, 2)
    assert "Traceback" not in err
    if code:
        assert checkin_rows(path) == before


# -- share tokens ------------------------------------------------------------------------------
TOKEN = st.from_regex(r"[A-Za-z0-9_-]{43}", fullmatch=True)


@FUZZ
@given(TOKEN | TEXT | st.text(max_size=300))
def test_a_share_token_opens_its_client_or_nothing(clinic, token):
    store, _, ada, tokens = clinic
    found = store.shares.client_for(token, NOW)
    assert found == (ada if token == tokens["live"] else None)


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.sampled_from([SHARE_PARAM, "token", "x", ""]) | TEXT,
            st.sampled_from(["live", "expired", "revoked"]) | TEXT,
        ),
        max_size=4,
    ),
    st.sampled_from(["", "?"]),
)
def test_a_page_query_opens_its_client_or_nothing(clinic, pairs, prefix):
    store, _, ada, tokens = clinic
    query = prefix + "&".join(f"{k}={tokens.get(v, v)}" for k, v in pairs)
    found = client_from_query(store, NOW, query)
    assert found in (None, ada)
    if found is not None:  # only a query holding the live token opens a page
        assert tokens["live"] in query


@pytest.mark.parametrize(
    ("query", "opens"),
    [
        ("share={live}", True),
        ("?share={live}", True),
        ("x=1&share={live}&token=abc", True),
        ("share=%20{live}%20", True),
        ("share={live}&share={live}", False),  # a link a physio sent has one token
        ("share={expired}", False),
        ("share={revoked}", False),
        ("token={live}", False),
        ("share=", False),
        ("", False),
    ],
)
def test_page_queries_open_exactly_what_they_should(clinic, query, opens):
    store, _, ada, tokens = clinic
    assert client_from_query(store, NOW, query.format(**tokens)) == (ada if opens else None)


@FUZZ
@given(st.text(max_size=300))
def test_any_other_query_string_opens_nothing(clinic, query):
    store = clinic[0]
    assert client_from_query(store, NOW, query) is None


# -- inputs fuzzing once found to break the rule, now refused in words --------------------------
def test_a_note_with_a_lone_surrogate_is_refused_in_words(clinic):
    store, _, ada, _ = clinic  # a browser's JSON may carry "\ud800"; so may argv (surrogateescape)
    with pytest.raises(KneekitError):
        store.add_checkin(check_in(ada.id, NOW, 1, 1, now=NOW, note="knee \ud800"))


def test_a_run_distance_of_hundreds_of_digits_is_refused_in_words():
    with pytest.raises(SorenessError):
        check_in(1, NOW, 1, 1, now=NOW, km=10**400)


def test_a_checkin_time_at_the_start_of_year_1_is_refused_in_words(clinic, capsys):
    _, path, _, _ = clinic
    argv = ["checkin", "Ada L.", "--left", "1", "--right", "1", "--at", "0001-01-01T00:00+01:00"]
    assert main([*argv, "--db", str(path)]) == 2


def test_a_client_number_beyond_sqlite_range_is_refused_in_words(clinic):
    store, _, _, _ = clinic
    with pytest.raises(KneekitError):
        store.client(2**64)


@pytest.mark.parametrize(
    "value", ["2026-02-30", "2026-13-01", "9" * 5000], ids=["feb-30", "month-13", "5000-digits"]
)
def test_a_value_yaml_cannot_convert_is_refused_in_words(value):
    with pytest.raises(RoutineError):
        parse_routine(f"name: Knees\nnotes: {value}\nstretches:\n  - stretch: calf\n")


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b"], ids=["nul", "bell", "escape"])
def test_a_control_character_in_a_routine_file_is_refused_in_words(character):
    with pytest.raises(RoutineError):
        parse_routine(f"name: Knees{character}\nstretches:\n  - stretch: calf\n")

"""Property-based fuzzing (issue #6): check-in values and share tokens (routine and catalogue
files are in test_fuzz_files.py). Every input ends in success or a clear KneekitError, never
another exception, and a refused write leaves the database as it was.

Runs are derandomised so the suite gives the same verdict every time; the tests at the end keep
the inputs fuzzing once found to break that rule.
"""

import math
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from kneekit.cli import main
from kneekit.errors import KneekitError, RoutineError, SorenessError
from kneekit.outcomes.checkin import CONTEXTS, CheckIn, check_in
from kneekit.records.store import Store
from kneekit.routines.routine import parse_routine
from kneekit.routines.session import ManualClock
from kneekit.sharing import SHARE_PARAM, client_from_query
from kneekit.widgets import CheckInForm
from tests.fuzzing import FUZZ, TEXT, attempt

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


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
    entry, refused = attempt(
        lambda: CheckIn(client_id, *(values[f] for f in fields)), SorenessError
    )
    if refused is not None:  # it checks itself as it is built, naming what is wrong
        assert {p.field for p in refused.problems} <= set(fields)
        _, by_form = attempt(lambda: check_in(client_id, now=NOW, **values), SorenessError)
        assert by_form is not None  # what the form refuses includes all of that
        assert set(refused.problems) <= set(by_form.problems)
        return
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

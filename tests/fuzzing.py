"""What the fuzzing tests share: Hypothesis settings, strategies for what people type and
files hold, and the rule that an input is accepted or refused in words."""

import re
from importlib import resources

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st

from kneekit.errors import KneekitError

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

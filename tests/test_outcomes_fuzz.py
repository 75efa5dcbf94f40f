"""Whatever bytes arrive as a run file, and whatever text as a questionnaire file, kneekit reads
them or refuses them in words: never a traceback."""

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kneekit.outcomes.akps import QuestionnaireError, parse_instrument
from kneekit.runfiles import RunFile, RunFileError, read_bytes

RUNS = Path(__file__).parent / "fixtures" / "runs"
NOW = datetime(2026, 3, 1, tzinfo=UTC)
FIT = (RUNS / "garmin-fenix-5-run.fit").read_bytes()
GPX = (RUNS / "gpxgo-etrex-file.gpx").read_bytes()
AKPS = (Path(__file__).parents[1] / "kneekit" / "data" / "akps.yaml").read_text(encoding="utf-8")


def _damaged(original: bytes) -> st.SearchStrategy[bytes]:
    """The file cut at some point, with some bytes overwritten: what a bad copy looks like."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        raw = bytearray(original[: draw(st.integers(0, len(original)))])
        for _ in range(draw(st.integers(0, 4))):
            if raw:
                raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
        return bytes(raw)

    return build()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_damaged(FIT), _damaged(GPX), st.binary(max_size=300)))
def test_any_bytes_are_read_as_a_run_or_refused_in_words(raw: bytes) -> None:
    run = _read(raw)
    if isinstance(run, RunFileError):
        assert run.problems[0].source == "upload.bin"
        assert run.problems[0].message.endswith(".")
    else:
        assert run.km >= 0
        assert run.start.utcoffset() is not None


def _read(raw: bytes) -> RunFile | RunFileError:
    try:
        return read_bytes(raw, "upload.bin", now=NOW)
    except RunFileError as error:
        return error


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(AKPS)), st.text(max_size=20))
def test_any_edit_of_the_questionnaire_file_loads_or_is_refused_in_words(
    at: int, inserted: str
) -> None:
    try:
        inst = parse_instrument(AKPS[:at] + inserted + AKPS[at:], "edited.yaml")
    except QuestionnaireError as error:
        problems = error.problems
    else:
        assert sum(i.best for i in inst.items) == 100
        return
    assert all(p.source == "edited.yaml" for p in problems)

"""Fixtures shared by the test modules: manual clocks, an empty clinic and the demo clinic."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

from kneekit.demo import make_demo
from kneekit.records.store import Store
from kneekit.session import ManualClock

# Several test runs share a two-core machine, so one example can take ten times its usual time:
# Hypothesis's 200 ms deadline would fail tests for the load, not for kneekit.
settings.register_profile("kneekit", deadline=None)
settings.load_profile("kneekit")

DEMO_NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
"""When the demo clinic is made for the tests: a Wednesday morning, part way through a week."""


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when a test says so (starts 2026-01-05 18:00 UTC)."""
    return ManualClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test's clinic database lives; nothing is there until a store opens it."""
    return tmp_path / "clinic.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    """A new, empty clinic database (real SQLite), closed after the test."""
    with Store.open(db_path) as opened:
        yield opened


@pytest.fixture
def demo_clock() -> ManualClock:
    """A manual clock at :data:`DEMO_NOW`, the moment the demo clinic was made."""
    return ManualClock(DEMO_NOW)


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo clinic made once per test run (it takes a second); tests use copies of it."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    with Store.open(path) as made:
        make_demo(made, DEMO_NOW.date())
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Iterator[Store]:
    """A private copy of the demo clinic, so tests that write cannot disturb each other."""
    copy = tmp_path / "demo.sqlite3"
    copy.write_bytes(demo_file.read_bytes())
    with Store.open(copy) as opened:
        yield opened

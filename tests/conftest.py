"""Fixtures shared by the test modules: a manual clock and a clinic database under tmp_path."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from kneekit.records.store import Store
from kneekit.session import ManualClock


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
def db(store: Store) -> Store:
    """The same store as ``store``, for tests that think of it as the database."""
    return store

"""Fixtures shared by the test modules: a manual clock and a clinic database, on SQLite or on a
real PostgreSQL server started for the test run.

A module (or test) marked ``@pytest.mark.engines("sqlite", "postgresql")`` runs each test that
uses ``store``/``db_url`` once per engine; unmarked ones use SQLite only. The PostgreSQL server
is started once per run, only if some test asks for it. Locally ``KNEEKIT_TEST_PG=0`` skips the
PostgreSQL runs; in CI (CI=true) they always run (and a skip fails the run anyway).
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres_server import PostgresServer, available, start_server

from kneekit.records.store import Store
from kneekit.session import ManualClock

ENGINES = ("sqlite", "postgresql")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("engines")
        engines = marker.args if marker else ("sqlite",)
        metafunc.parametrize("engine", engines)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL 15 server for the whole run (initdb + pg_ctl as ``nobody`` under root)."""
    if not in_ci() and os.environ.get("KNEEKIT_TEST_PG", "1") == "0":
        pytest.skip("KNEEKIT_TEST_PG=0: PostgreSQL runs skipped (never in CI)")
    if not available():
        message = "PostgreSQL binaries not found; `apt-get install postgresql` (.ci/run does)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when a test says so (starts 2026-01-05 18:00 UTC)."""
    return ManualClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test's SQLite clinic database lives; nothing is there until a store opens it."""
    return tmp_path / "clinic.sqlite3"


@pytest.fixture
def db_url(request: pytest.FixtureRequest, engine: str, db_path: Path) -> Iterator[str]:
    """Where the test's clinic lives, as ``--db`` takes it: an SQLite file, or a PostgreSQL URL
    to a place of its own (empty until a store opens it)."""
    if engine == "sqlite":
        yield str(db_path)
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.new_database()
    try:
        yield url
    finally:
        server.drop_database(url)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A new, empty clinic database (real SQLite or PostgreSQL), closed after the test."""
    with Store.open(db_url) as opened:
        yield opened


@pytest.fixture
def db(store: Store) -> Store:
    """The same store as ``store``, for tests that think of it as the database."""
    return store

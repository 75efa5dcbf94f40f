"""Fixtures shared by the test modules: manual clocks, the demo clinic, and a clinic database on
SQLite or on a real PostgreSQL server started for the test run.

A module (or test) marked ``@pytest.mark.engines("sqlite", "postgresql")`` runs each test that
uses ``store``/``db_url`` once per engine; unmarked ones use SQLite only. The PostgreSQL server
is started once per run, only if some test asks for it. Locally ``KNEEKIT_TEST_PG=0`` skips the
PostgreSQL runs; in CI (CI=true) they always run (and a skip fails the run anyway).
"""

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

from kneekit.demo.clinic import make_demo
from kneekit.records.store import Store
from kneekit.routines.session import ManualClock
from tests.postgres_server import PostgresServer, available, start_server

# Several test runs share a two-core machine, so one example can take ten times its usual time:
# Hypothesis's 200 ms deadline would fail tests for the load, not for kneekit.
settings.register_profile("kneekit", deadline=None)
settings.load_profile("kneekit")

DEMO_NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
"""When the demo clinic is made for the tests: a Wednesday morning, part way through a week."""

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

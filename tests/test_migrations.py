"""Schema migrations through Alembic (issue #15): the revisions and the tables cannot drift apart,
the first-schema fixture migrates with every row on SQLite and on PostgreSQL, databases from
before Alembic are stamped, several processes opening an old database upgrade it once, and
``kneekit db upgrade`` says what it did. Downgrades are not written (a clinic goes back by its
backup), so none are tested.
"""

import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Table, create_engine, inspect, select, text

from kneekit.cli import main
from kneekit.records import migrate
from kneekit.records import schema as s
from kneekit.records.migrate import Opening
from kneekit.records.store import Store
from tests.test_postgres_concurrency import run_together

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
V1_TABLES = [t for t in s.metadata.sorted_tables if t.name in
             ("clients", "routine_versions", "assignments", "sessions", "session_steps",
              "checkins", "shares")]  # fmt: skip
"""The tables of schema version 1 with rows to carry, parents first."""


def v1_file(tmp_path: Path) -> Path:
    path = tmp_path / "clinic-v1.sqlite3"
    shutil.copyfile(FIXTURES / "clinic-v1.sqlite3", path)
    return path


def v1_columns(conn: Connection, table: Table) -> list[str]:
    """The columns ``table`` had in version 1 (those of the fixture), in order."""
    return [r[1] for r in conn.exec_driver_sql(f"PRAGMA table_info({table.name})")]


def typed_rows(conn: Connection, table: Table, columns: list[str]) -> list[tuple[Any, ...]]:
    """Rows read through kneekit's column types (aware times, booleans, dates), by id."""
    query = select(*(table.c[c] for c in columns)).order_by(table.c.id)
    return [tuple(r) for r in conn.execute(query)]


def v1_database(url: str) -> None:
    """The fixture's clinic, in version 1, on the database at ``url``: the schema built by
    revision v1 alone, then every row of the fixture file copied in with its id."""
    fixture = create_engine(f"sqlite:///file:{FIXTURES / 'clinic-v1.sqlite3'}?mode=ro&uri=true")
    target = create_engine(url)
    try:
        with fixture.connect() as src, target.begin() as dst:
            command.upgrade(migrate.config(connection=dst), "v1")
            for table in V1_TABLES:
                columns = v1_columns(src, table)
                rows = [dict(zip(columns, r, strict=True)) for r in typed_rows(src, table, columns)]
                dst.execute(table.insert(), rows)
                dst.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                 f"(SELECT max(id) FROM {table.name}))"))  # fmt: skip
            dst.execute(text("DROP TABLE alembic_version"))  # as kneekit before Alembic left it
    finally:
        fixture.dispose()
        target.dispose()


# -- the revisions and the tables ------------------------------------------------------------
def test_the_revisions_are_v1_to_the_schema_version_in_one_line_ending_at_head():
    script = ScriptDirectory.from_config(migrate.config())
    assert script.get_heads() == [s.HEAD]
    ids = [r.revision for r in script.walk_revisions()]  # newest first
    assert ids == [s.revision(v) for v in range(s.SCHEMA_VERSION, 0, -1)]
    assert [r.down_revision for r in script.walk_revisions()] == [*ids[1:], None]


@pytest.mark.engines("sqlite", "postgresql")
def test_a_database_built_by_the_revisions_matches_the_tables_alembic_check(db_url):
    """What `alembic check` does: autogenerate finds nothing between the revisions' result and
    the tables in kneekit.records.schema, so neither can change without the other."""
    url = db_url if "://" in db_url else f"sqlite:///{db_url}"
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            command.upgrade(migrate.config(connection=conn), "head")
            assert migrate.differences(conn) == []
            assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [("v2",)]
            by_alembic = version_table_shape(conn)
    finally:
        engine.dispose()
    with Store.open(db_url) as made, made.read() as conn:  # kneekit's own made one agrees too
        assert migrate.differences(conn) == []
        assert version_table_shape(conn) == by_alembic  # its stamp, written without Alembic
        assert MigrationContext.configure(conn).get_current_revision() == s.HEAD


def version_table_shape(conn: Connection) -> tuple[object, ...]:
    look = inspect(conn)
    columns = [
        (c["name"], str(c["type"]), c["nullable"]) for c in look.get_columns(s.VERSION_TABLE)
    ]
    return columns, look.get_pk_constraint(s.VERSION_TABLE)


def test_the_check_finds_a_column_the_revisions_lack(store):
    with store.write() as conn:
        conn.execute(text("ALTER TABLE runs DROP COLUMN elevation_gain_m"))
    with store.read() as conn:
        found = [str(d) for d in migrate.differences(conn)]
    assert any("elevation_gain_m" in d for d in found), found


# -- the first released schema, on each engine -----------------------------------------------
def test_the_first_schema_fixture_migrates_with_every_row_on_postgresql(tmp_path, postgres):
    path = v1_file(tmp_path)
    with Store.open(path) as local:
        assert local.opening == Opening("upgraded", 1)
        with local.read() as conn:
            expected = {t.name: typed_rows(conn, t, [c.name for c in t.columns])
                        for t in V1_TABLES}  # fmt: skip
    url = postgres.new_database()
    try:
        v1_database(url)
        with Store.open(url) as store:
            assert store.opening == Opening("upgraded", 1)
            with store.read() as conn:
                for table in V1_TABLES:
                    columns = [c.name for c in table.columns]
                    assert typed_rows(conn, table, columns) == expected[table.name], table.name
                assert migrate.differences(conn) == []
                meta = dict(conn.execute(select(s.meta.c.key, s.meta.c.value)).all())
            assert meta == {"application": "kneekit", "schema_version": "2"}
            assert len(expected["checkins"]) == 40  # offsets filled alike on both engines
            store.add_client("New N.", store.clients()[0].created_at)  # and takes new records
        with Store.open(url) as again:
            assert again.opening == Opening("nothing", 2)
    finally:
        postgres.drop_database(url)


@pytest.mark.engines("sqlite", "postgresql")
def test_a_version_2_database_from_before_alembic_is_stamped_and_keeps_its_records(db_url):
    with Store.open(db_url) as store:
        store.add_client("Ada L.", NOW)
        with store.write() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
    with Store.open(db_url) as store:
        assert store.opening == Opening("stamped", 2)
        assert [c.name for c in store.clients()] == ["Ada L."]
        with store.read() as conn:
            assert s.found_version(conn, store.source) == s.Found(2, stamped=True)


@pytest.mark.engines("sqlite", "postgresql")
def test_four_processes_opening_a_first_schema_database_at_once_upgrade_it_once(
    db_url,
):
    if "://" in db_url:
        v1_database(db_url)
    else:
        shutil.copyfile(FIXTURES / "clinic-v1.sqlite3", db_url)
    assert run_together("open", db_url, [1, 2, 3, 4]) == ["done\n"] * 4
    with Store.open(db_url) as store:
        assert store.opening == Opening("nothing", 2)
        assert [len(h.checkins) for h in store.histories()] == [20, 20]
        with store.read() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [("v2",)]
            assert migrate.differences(conn) == []


# -- opening is cheap when there is nothing to do --------------------------------------------
def test_opening_an_up_to_date_database_does_not_load_alembic(tmp_path):
    path = tmp_path / "clinic.sqlite3"
    Store.open(path).close()
    probe = (
        "import sys; from kneekit.records.store import Store; "
        f"Store.open({str(path)!r}).close(); print(sorted(m for m in sys.modules "
        "if m.split('.')[0] == 'alembic'))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)  # fmt: skip
    assert done.stdout == "[]\n"


# -- kneekit db upgrade ----------------------------------------------------------------------
def test_db_upgrade_says_what_it_did_in_words(tmp_path, capsys):
    path = v1_file(tmp_path)
    assert main(["db", "upgrade", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"Upgraded {path} from schema version 1 to version 2. Every record was kept." in out
    assert "older than this one can no longer open it" in out
    assert main(["--db", str(path), "db", "upgrade"]) == 0
    assert capsys.readouterr().out == f"{path} is up to date (schema version 2); nothing was "\
        "changed.\n"  # fmt: skip
    with sqlite3.connect(path) as raw:
        raw.execute("DROP TABLE alembic_version")
    raw.close()
    assert main(["db", "upgrade", "--db", str(path)]) == 0
    assert "already had the newest schema (version 2)" in capsys.readouterr().out


def test_db_upgrade_of_a_missing_or_newer_database_says_what_to_do(tmp_path, capsys):
    missing = tmp_path / "no-such.sqlite3"
    assert main(["db", "upgrade", "--db", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "there is no database file here, so there is nothing to upgrade" in err
    assert not missing.exists()
    path = v1_file(tmp_path)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE kneekit_meta SET value = '3' WHERE key = 'schema_version'")
    raw.close()
    before = path.read_bytes()
    assert main(["db", "upgrade", "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert "written by a newer kneekit (schema version 3" in err
    assert "Update kneekit to open it" in err
    assert path.read_bytes() == before

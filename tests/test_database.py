"""Opening the clinic database: where it lives, files it refuses untouched, faults, migrations,
and several writers at once (real SQLite files and real processes; no mocks)."""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event

from kneekit.errors import StoreError
from kneekit.outcomes.checkin import check_in
from kneekit.records import schema
from kneekit.records.database import Database, default_db_path, default_location
from kneekit.records.migrate import Opening
from kneekit.records.sqlitefile import check_sqlite_file, sqlite_engine
from kneekit.records.store import Store

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
FIXTURES = Path(__file__).parent / "fixtures"


def files(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` with its bytes: what "left untouched" must keep equal."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as raw:
        result: str = raw.execute("PRAGMA integrity_check").fetchone()[0]
    raw.close()
    return result


def some_records(path: Path, checkins: int = 200) -> None:
    with Store.open(path) as store:
        client = store.add_client("Ada L.", NOW)
        with store.batch():
            for i in range(checkins):
                store.add_checkin(check_in(client.id, NOW - timedelta(hours=i), 3, 4, now=NOW))


# -- where the database lives ----------------------------------------------------------------
def test_the_location_used_when_none_is_named_keeps_a_database_url_as_given(monkeypatch, tmp_path):
    monkeypatch.setenv("KNEEKIT_DB", f"sqlite:///{tmp_path}/clinic.sqlite3")
    assert default_location() == f"sqlite:///{tmp_path}/clinic.sqlite3"  # what serve passes on
    monkeypatch.setenv("KNEEKIT_DB", str(tmp_path / "clinic.sqlite3"))
    assert default_location() == str(tmp_path / "clinic.sqlite3")


def test_the_default_location_is_the_data_folder_unless_kneekit_db_says(monkeypatch, tmp_path):
    monkeypatch.delenv("KNEEKIT_DB", raising=False)
    assert default_db_path().name == "clinic.sqlite3"
    assert "kneekit" in default_db_path().parts
    target = tmp_path / "new" / "folder" / "mine.sqlite3"
    monkeypatch.setenv("KNEEKIT_DB", str(target))
    assert default_db_path() == target
    with Store.open() as store:
        assert store.path == target
        store.add_client("Ada L.", NOW)
    assert target.stat().st_mode & 0o777 == 0o600  # health records: the owner only
    with Store.open(f"sqlite:///{target}") as again:  # the same file, named as a URL
        assert [c.name for c in again.clients()] == ["Ada L."]
    monkeypatch.setenv("KNEEKIT_DB", f"sqlite:///{target}")  # KNEEKIT_DB may be a URL too
    with Store.open() as again:
        assert again.path == target


@pytest.mark.parametrize("url", ["nosuchdb://ann:s3cret@db.example/clinic", "postgresql://:x"])
def test_an_unusable_database_address_is_refused_without_echoing_a_password(url):
    with pytest.raises(StoreError, match="this database address cannot be used") as refused:
        Store.open(url)
    assert "s3cret" not in str(refused.value)


def test_the_database_uses_wal_and_foreign_keys(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


# -- files that are refused and left exactly as they were ------------------------------------
def other_app(path: Path) -> None:
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        raw.execute("INSERT INTO notes (body) VALUES ('not clinic data')")
    raw.close()


def newer_schema(path: Path) -> None:
    some_records(path, 5)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE kneekit_meta SET value = '99' WHERE key = 'schema_version'")
    raw.close()


def cut_in_half(path: Path) -> None:
    some_records(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 100])


def cut_at_a_page(path: Path) -> None:
    some_records(path)
    path.write_bytes(path.read_bytes()[: 2 * 4096])


def garbage_after_header(path: Path) -> None:
    some_records(path)
    data = path.read_bytes()
    path.write_bytes(data[:100] + bytes(range(256)) * ((len(data) - 100) // 256) + b"x" * 60)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b""), "the file is empty"),
        (lambda p: p.write_bytes(os.urandom(5000)), "not an SQLite database"),
        (lambda p: p.write_text("name,knee\nAda,3\n"), "not an SQLite database"),
        (other_app, "not a kneekit database \\(it holds other tables: notes\\)"),
        (newer_schema, "written by a newer kneekit \\(schema version 99"),
        (cut_in_half, "damaged \\(it has been cut short\\)"),
        (cut_at_a_page, "damaged \\(it has been cut short\\)"),
        (garbage_after_header, "damaged"),
        (lambda p: p.mkdir(), "this is a folder"),
    ],
    ids=["empty", "random", "csv", "other-app", "newer", "half", "at-page", "garbage", "folder"],
)
def test_files_that_are_not_a_usable_kneekit_database_are_refused_untouched(
    tmp_path, make, message
):
    path = tmp_path / "clinic.sqlite3"
    make(path)
    before = files(tmp_path) if path.is_file() else {}
    with pytest.raises(StoreError, match=message) as refused:
        Store.open(path)
    assert str(path) in str(refused.value)
    if path.is_file():
        assert files(tmp_path) == before  # not a byte changed, no -wal or -shm left beside it


def test_a_read_only_database_is_refused_untouched(tmp_path):
    path = tmp_path / "clinic.sqlite3"
    some_records(path, 5)
    path.chmod(0o444)
    before = files(tmp_path)
    with pytest.raises(StoreError, match="the database file is read-only"):
        Store.open(path)
    assert files(tmp_path) == before


def test_a_full_disk_is_a_clear_message_and_keeps_what_was_saved(store, db_path):
    ada = store.add_client("Ada L.", NOW)
    with store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()

    @event.listens_for(store.engine, "connect")
    def tiny_disk(dbapi, _record):  # SQLite's own size cap stands in for a full disk
        dbapi.execute(f"PRAGMA max_page_count = {pages + 2}")

    store.engine.dispose()
    saved = 0

    def fill() -> None:
        nonlocal saved
        for i in range(500):
            note = f"{i} " + "x" * 1900
            store.add_checkin(check_in(ada.id, NOW - timedelta(hours=i), 2, 2, now=NOW, note=note))
            saved += 1

    with pytest.raises(StoreError, match="the disk is full") as full:
        fill()
    assert "nothing was saved" in str(full.value)
    assert 0 < saved < 500
    assert [int(c.note.split()[0]) for c in store.history(ada.id).checkins] == list(
        range(saved - 1, -1, -1)
    )
    store.close()
    assert integrity(db_path) == "ok"


# -- migrations ------------------------------------------------------------------------------
def v1_copy(tmp_path: Path) -> Path:
    path = tmp_path / "clinic-v1.sqlite3"
    shutil.copyfile(FIXTURES / "clinic-v1.sqlite3", path)
    return path


def shape(path: Path) -> dict[str, object]:
    """Tables, their columns and indexes: what a migrated and a new database must share."""
    with sqlite3.connect(path) as raw:
        tables = [r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        out: dict[str, object] = {
            t: (
                [c[1:] for c in raw.execute(f"PRAGMA table_info({t})")],
                sorted(
                    (i[1], i[2], [c[2] for c in raw.execute(f"PRAGMA index_info('{i[1]}')")])
                    for i in raw.execute(f"PRAGMA index_list({t})")
                ),
            )
            for t in sorted(tables)
        }
    raw.close()
    return out


def test_a_first_schema_database_opens_with_every_row_intact(tmp_path):
    expected = json.loads((FIXTURES / "clinic-v1.rows.json").read_text(encoding="utf-8"))
    path = v1_copy(tmp_path)
    with Store.open(path) as store:
        assert store.opening == Opening("upgraded", 1)
        assert [c.name for c in store.clients()] == ["Ada L.", "Bo <script>alert(1)</script> K."]
        assert store.shares.client_for(expected["live_token"], NOW) == store.clients()[0]
        assert [len(h.checkins) for h in store.histories()] == [20, 20]
        store.add_checkin(check_in(1, NOW, 1, 1, now=NOW))  # and it takes new records
    with sqlite3.connect(path) as raw:
        for table, old_rows in expected["rows"].items():
            if table == "kneekit_meta":
                continue
            columns = ", ".join(expected["columns"][table])
            now_rows = [list(r) for r in raw.execute(f"SELECT {columns} FROM {table}")]
            assert now_rows[: len(old_rows)] == old_rows, table
        version = raw.execute("SELECT value FROM kneekit_meta WHERE key='schema_version'")
        assert version.fetchone()[0] == str(schema.SCHEMA_VERSION)
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [("v2",)]
    raw.close()
    Store.open(tmp_path / "new.sqlite3").close()
    assert shape(path) == shape(tmp_path / "new.sqlite3")
    assert integrity(path) == "ok"


PACE = """
import sqlalchemy as sa
from alembic import op

revision = "v{new}"
down_revision = "v{old}"


def upgrade():
    with op.batch_alter_table("checkins") as batch:
        batch.add_column(sa.Column("pace", sa.Float))
    op.execute("UPDATE checkins SET pace = minutes / km WHERE km > 0")
    # Copy the table every other one points to: batch mode's way of changing what SQLite cannot
    # ALTER in place. Its rows and every reference to them must come through.
    with op.batch_alter_table("clients", recreate="always") as batch:
        batch.alter_column("name", existing_type=sa.Text, nullable=True)
"""


def scripts_with(tmp_path: Path, name: str, revision: str | None) -> str:
    """A copy of kneekit's revisions with one revision file written (or, for None, removed)."""
    import kneekit.records.migrations as shipped

    folder = tmp_path / "scripts"
    shutil.copytree(Path(shipped.__file__).parent, folder,
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    if revision is None:
        (folder / "versions" / name).unlink()
    else:
        (folder / "versions" / name).write_text(revision, encoding="utf-8")
    return str(folder)


def test_a_newer_revision_runs_in_order_and_its_database_is_then_refused(tmp_path):
    path = v1_copy(tmp_path)
    current = schema.SCHEMA_VERSION
    scripts = scripts_with(tmp_path, "pace.py", PACE.format(new=current + 1, old=current))
    found = check_sqlite_file(path)
    assert found == schema.Found(1, stamped=False)
    with Database(sqlite_engine(path), path, str(path)) as db:
        db.prepare(found, scripts)  # v1, v2, then the new one
        assert db.opening == Opening("upgraded", 1)
        with db.read() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # on again
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT count(*), count(pace) FROM checkins").fetchone() == (40, 20)
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [("v3",)]
        assert raw.execute("SELECT count(*) FROM clients").fetchone() == (2,)
    raw.close()
    assert integrity(path) == "ok"
    before = files(tmp_path)
    newer = f"newer kneekit \\(schema version {current + 1}; this kneekit reads up to version 2"
    with pytest.raises(StoreError, match=newer):
        Store.open(path)
    assert files(tmp_path) == before


def test_a_revision_this_kneekit_does_not_know_is_refused_as_newer(tmp_path):
    path = tmp_path / "clinic.sqlite3"
    some_records(path, 5)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = 'v9'")
    raw.close()
    before = files(tmp_path)
    with pytest.raises(StoreError, match=r"newer kneekit \(schema revision v9;.*Update kneekit"):
        Store.open(path)
    assert files(tmp_path) == before


BROKEN = """
from alembic import op

revision = "v2"
down_revision = "v1"


def upgrade():
    op.execute("DELETE FROM checkins")
    op.execute("ALTER TABLE no_such_table ADD COLUMN x INTEGER")
"""


def test_a_failed_migration_leaves_the_database_as_it_was(tmp_path):
    path = v1_copy(tmp_path)
    scripts = scripts_with(tmp_path, "v2_local_days.py", BROKEN)
    with (
        Database(sqlite_engine(path), path, str(path)) as db,
        pytest.raises(StoreError, match="the database refused the change \\(no such table"),
    ):
        db.prepare(check_sqlite_file(path), scripts)
    with sqlite3.connect(path) as raw:  # not even stamped: still the version-1 file it was
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
        assert "alembic_version" not in tables
    raw.close()
    with Store.open(path) as store:  # so the real migration then runs, with every check-in
        assert store.opening == Opening("upgraded", 1)
        assert sum(len(h.checkins) for h in store.histories()) == 40


# -- crashes and several writers at once -----------------------------------------------------
CRASHING_WRITER = """
import sys
from kneekit.routines.routine import default_routine
from kneekit.routines.session import ManualClock, Session
from kneekit.outcomes.checkin import check_in
from kneekit.records.store import Store

store = Store.open(sys.argv[1])
clock = ManualClock()
client = store.add_client("Crash C.", clock.now())
session = Session(default_routine(), clock)
sid = store.sessions.start(client.id, None, clock.now())
session.start()
saved = 0
while saved < 7:
    clock.advance(1)
    for event in session.tick().events:
        if event.kind == "step-ended":
            store.sessions.save_step(sid, event.record)
            saved += 1
            print("step", saved, flush=True)
clock.advance(10)  # in the middle of the next hold
n = 0
while True:  # and writing check-ins until killed, likely in the middle of one
    store.add_checkin(check_in(client.id, clock.now(), n % 11, 2, now=clock.now()))
    n += 1
    print("checkin", n, flush=True)
"""


def test_a_writer_killed_mid_session_loses_nothing_it_had_saved(tmp_path):
    path = tmp_path / "clinic.sqlite3"
    writer = subprocess.Popen(
        [sys.executable, "-c", CRASHING_WRITER, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acknowledged = 0
    for line in writer.stdout:
        if line.startswith("checkin"):
            acknowledged = int(line.split()[1])
            if acknowledged >= 50:
                break
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    writer.stdout.close()
    writer.stderr.close()
    assert writer.returncode == -signal.SIGKILL
    assert integrity(path) == "ok"
    with Store.open(path) as store:
        steps = store.sessions.steps(1)
        history = store.history(1)
    assert [s.index for s in steps] == list(range(7))
    assert [s.kind for s in steps[:3]] == ["prepare", "hold", "switch"]
    assert history.sessions[0].completed is False
    assert history.sessions[0].held_s == 90.0  # the three holds finished before the kill
    assert len(history.checkins) >= acknowledged

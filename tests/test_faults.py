"""Faults (issue #6): a kernel killed mid-hold, two writers at once, a damaged, read-only or full
database seen from the command line, the first released schema, and names and notes holding HTML.

Real kernels, real processes and real SQLite files throughout; conditions are waited for by
polling with a deadline, never by sleeping a fixed time.
"""

import json
import os
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kneekit.bench.kernel import Kernel
from kneekit.cli import main
from kneekit.exports.client import to_json
from kneekit.outcomes.checkin import check_in
from kneekit.records.store import Store

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
FIXTURES = Path(__file__).parent / "fixtures"


def integrity(path: Path) -> str:
    raw = sqlite3.connect(path)
    try:
        return str(raw.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        raw.close()


def folder_bytes(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` with its bytes: what "nothing overwritten" must keep equal."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def wait_until(condition, what: str, timeout: float = 60.0):
    """Poll ``condition`` until it returns something true; fail naming ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, f"gave up waiting {timeout:.0f} s for {what}"
        time.sleep(0.05)
    return found


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- a kernel killed in the middle of a hold --------------------------------------------------
KILL_ROUTINE = """\
name: Kill test
prepare: 1
stretches:
  - stretch: hamstring
    hold: 5
  - stretch: quadriceps
    hold: 60
"""
"""Prepare 1 s, hamstring 5 s, prepare 1 s, then a 60 s quadriceps hold to be killed in."""

PLAY = """\
from datetime import UTC, datetime
from kneekit.routines.routine import parse_routine
from kneekit.records.store import Store
from kneekit.widgets import SessionPlayer
store = Store.open({db!r})
now = datetime.now(UTC)
client = store.add_client("Kim K.", now)
store.assign(client.id, store.save_routine(parse_routine({routine!r}), now).id, now.date())
player = SessionPlayer(store, client=client)
player.start()
print(player.session_id)
"""
"""The player on the system clock, its timer task in the kernel's loop, as on a client's page."""


def test_a_kernel_killed_mid_hold_keeps_every_completed_step(tmp_path):
    db = tmp_path / "clinic.sqlite3"
    with Kernel(tmp_path / "kernel") as kernel:
        session = int(kernel.run(PLAY.format(db=str(db), routine=KILL_ROUTINE)))

        def three_steps_saved() -> bool:
            raw = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
            try:
                saved: int = raw.execute("SELECT count(*) FROM session_steps").fetchone()[0]
                return saved >= 3
            finally:
                raw.close()

        wait_until(three_steps_saved, "the first three steps to be saved")
        kernel.kill()
        killed_at = datetime.now(UTC)
    assert integrity(db) == "ok"
    with Store.open(db) as store:  # opens cleanly, and the session can be reviewed
        steps = store.sessions.steps(session)
        history = store.history(1)
        exported = json.loads(to_json(store, 1))
        store.sessions.start(1, None, datetime.now(UTC))  # and it takes new records
    assert [(s.kind, s.stretch, s.held_s, s.skipped) for s in steps] == [
        ("prepare", "hamstring", 1.0, False),
        ("hold", "hamstring", 5.0, False),
        ("prepare", "quadriceps", 1.0, False),
    ]
    assert killed_at < steps[-1].ended_at + timedelta(seconds=60)  # killed during the long hold
    assert [(s.completed, s.held_s) for s in history.sessions] == [(False, 5.0)]
    assert [len(s["steps"]) for s in exported["sessions"]] == [3]


# -- two writers at once ------------------------------------------------------------------------
WRITER = """
import sys
from datetime import UTC, datetime, timedelta
from kneekit.outcomes.checkin import check_in
from kneekit.records.store import Store

who = int(sys.argv[2])
now = datetime(2026, 3, 2, tzinfo=UTC)
with Store.open(sys.argv[1]) as store:
    print("ready", flush=True)
    sys.stdin.readline()  # both writers start together
    for i in range(1000):
        store.add_checkin(check_in(who, now - timedelta(minutes=i), i % 11, who, now=now))
print("done", flush=True)
"""


def test_two_processes_writing_1000_checkins_each_at_once_lose_none(tmp_path):
    """Issue #6's 1000 each; it also answers issue #3's 500 each, so that test is this one."""
    db = tmp_path / "clinic.sqlite3"
    with Store.open(db) as store:
        store.add_client("Ada L.", NOW)
        store.add_client("Bo K.", NOW)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), str(who)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in (1, 2)
    ]
    assert [writer.stdout.readline() for writer in writers] == ["ready\n", "ready\n"]
    for writer in writers:
        writer.stdin.write("go\n")
        writer.stdin.flush()
    results = [writer.communicate(timeout=120) for writer in writers]
    assert [
        (writer.returncode, out, err) for writer, (out, err) in zip(writers, results, strict=True)
    ] == [
        (0, "done\n", ""),
        (0, "done\n", ""),
    ]  # no "database is locked", nor anything else, reached either writer
    with Store.open(db) as store:
        histories = store.histories()
    assert [len(h.checkins) for h in histories] == [1000, 1000]
    for who, history in enumerate(histories, 1):
        assert sorted(c.left for c in history.checkins) == sorted(i % 11 for i in range(1000))
        assert {c.right for c in history.checkins} == {who}
    assert integrity(db) == "ok"


# -- a damaged, read-only or full database, from the command line -------------------------------
def clinic_file(path: Path) -> None:
    with Store.open(path) as store:
        ada = store.add_client("Ada L.", NOW)
        with store.batch():
            for i in range(300):
                store.add_checkin(check_in(ada.id, NOW - timedelta(hours=i), 3, 4, now=NOW))


def cut_in_half(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


def damaged_table(path: Path) -> None:
    """Overwrite the root page of the check-ins table, leaving the header and the schema intact:
    the file looks like a kneekit database until the check-ins are read."""
    raw = sqlite3.connect(path)
    root = raw.execute("SELECT rootpage FROM sqlite_master WHERE name = 'checkins'").fetchone()[0]
    page_size = raw.execute("PRAGMA page_size").fetchone()[0]
    raw.close()
    data = bytearray(path.read_bytes())
    data[(root - 1) * page_size : root * page_size] = b"\xa5" * page_size
    path.write_bytes(bytes(data))


def read_only(path: Path) -> None:
    path.chmod(0o444)


COMMANDS = {
    "clients": ["clients"],
    "add": ["client", "add", "Bo K."],
    "checkin": ["checkin", "Ada L.", "--left", "2", "--right", "3"],
    "export": ["export", "Ada L.", "--format", "csv"],
    "report": ["report", "Ada L.", "-o", "{out}"],
}
DAMAGE = {
    "truncated": (cut_in_half, "damaged \\(it has been cut short\\)", list(COMMANDS)),
    "garbage": (random_bytes, "not a kneekit database \\(it is not an SQLite", list(COMMANDS)),
    "read-only": (read_only, "the database file is read-only", list(COMMANDS)),
    # Only commands that read the check-ins meet the damaged pages.
    "damaged-pages": (
        damaged_table,
        "the database file is damaged",
        ["checkin", "export", "report"],
    ),
}


@pytest.mark.parametrize(
    ("damage", "command"),
    [(damage, command) for damage, (_, _, commands) in DAMAGE.items() for command in commands],
)
def test_a_bad_database_file_is_a_clear_message_from_every_command(
    capsys, tmp_path, damage, command
):
    db = tmp_path / "db" / "clinic.sqlite3"
    db.parent.mkdir()
    clinic_file(db)
    spoil, message, _ = DAMAGE[damage]
    spoil(db)
    before = folder_bytes(db.parent)
    argv = [a.format(out=tmp_path / "report.pdf") for a in COMMANDS[command]]
    code, out, err = run_cli(capsys, *argv, "--db", str(db))
    assert (code, out) == (2, "")
    assert err.startswith("kneekit: cannot use this input.\n")
    assert re.search(message, err), err
    assert "Traceback" not in err
    assert folder_bytes(db.parent) == before  # not a byte changed, nothing left beside it
    assert not (tmp_path / "report.pdf").exists()


FULL_DISK = """
import contextlib, io, json, shutil, subprocess, sys
from pathlib import Path
from kneekit.cli import main

source, mount = Path(sys.argv[1]), Path(sys.argv[2])
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], check=True)
db = mount / source.name
shutil.copyfile(source, db)
filler = mount / "filler"
filler.write_bytes(bytes(shutil.disk_usage(mount).free - 40 * 1024))  # all but 40 KiB


def cli(*argv):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main([*argv, "--db", str(db)])
    return code, err.getvalue()


before = db.read_bytes()
code, err = cli("checkin", "Ada L.", "--left", "1", "--right", "2", "--note", "x" * 1900)
found = {"code": code, "err": err, "unchanged": db.read_bytes() == before}
found["files"] = sorted(p.name for p in mount.iterdir())
filler.unlink()  # the physio frees some space
found["then"] = cli("checkin", "Ada L.", "--left", "1", "--right", "2")[0]
shutil.copyfile(db, source.with_name("after.sqlite3"))
print(json.dumps(found))
"""
"""Runs in a private mount namespace, on a 256 KiB filesystem of its own that vanishes with it."""


NAMESPACE = ["unshare", "--mount", "--propagation", "private"]


def can_mount() -> bool:
    if sys.platform != "linux" or shutil.which("unshare") is None:
        return False
    return subprocess.run([*NAMESPACE, "true"], capture_output=True, check=False).returncode == 0


@pytest.mark.skipif(not can_mount(), reason="needs root to mount a small filesystem (CI has it)")
def test_a_full_disk_is_a_clear_message_and_then_the_next_save_works(tmp_path):
    db = tmp_path / "clinic.sqlite3"
    clinic_file(db)
    (tmp_path / "mnt").mkdir()
    done = subprocess.run(
        [*NAMESPACE, sys.executable, "-c", FULL_DISK, str(db), str(tmp_path / "mnt")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["code"] == 2
    assert "the disk is full" in found["err"]
    assert "nothing was saved. Free some disk space" in found["err"]
    assert "Traceback" not in found["err"]
    assert found["unchanged"]
    assert found["files"] == ["clinic.sqlite3", "filler"]  # no -wal or -shm left behind
    assert found["then"] == 0
    with Store.open(tmp_path / "after.sqlite3") as store:
        assert len(store.history(1).checkins) == 301


CHECKIN = ["checkin", "Ada L.", "--left", "1", "--right", "2"]


def test_a_file_size_limit_reached_while_saving_is_a_clear_message(tmp_path):
    db = tmp_path / "clinic.sqlite3"
    clinic_file(db)
    before = db.read_bytes()

    def small_files() -> None:  # as a quota would; SIGXFSZ would otherwise kill the process
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    done = subprocess.run(
        [sys.executable, "-m", "kneekit.cli", "--db", str(db), *CHECKIN],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=small_files,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert "nothing was saved" in done.stderr
    assert "Traceback" not in done.stderr
    assert db.read_bytes() == before
    with Store.open(db) as store:  # once the limit is gone, all is there and it works again
        assert len(store.history(1).checkins) == 300
        store.add_checkin(check_in(1, NOW, 1, 1, now=NOW))


# -- the first released schema --------------------------------------------------------------------
def test_the_first_schema_database_reads_through_every_command(capsys, tmp_path):
    rows = json.loads((FIXTURES / "clinic-v1.rows.json").read_text(encoding="utf-8"))["rows"]
    db = tmp_path / "clinic-v1.sqlite3"
    shutil.copyfile(FIXTURES / "clinic-v1.sqlite3", db)
    code, out, _ = run_cli(capsys, "clients", "--db", str(db))
    assert code == 0
    assert "Ada L." in out
    assert "Bo <script>alert(1)</script> K." in out  # a terminal shows the name as typed
    exported = []
    for client in ("1", "2"):
        code, out, err = run_cli(capsys, "export", client, "--format", "json", "--db", str(db))
        assert (code, err) == (0, "")
        exported.append(json.loads(out))
    assert sum(len(e["checkins"]) for e in exported) == len(rows["checkins"])
    assert sum(len(e["sessions"]) for e in exported) == len(rows["sessions"])
    steps = sum(len(s["steps"]) for e in exported for s in e["sessions"])
    assert steps == len(rows["session_steps"])
    notes = {c["note"] for e in exported for c in e["checkins"]}
    assert "Felt fine; 'quotes' & <b>tags</b>" in notes
    assert integrity(db) == "ok"

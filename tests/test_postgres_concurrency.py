"""Several processes writing one clinic at once, on SQLite and on a real PostgreSQL server.

Issue #15: on PostgreSQL at READ COMMITTED nothing serialised kneekit's read-then-write code, so
concurrent opens, routine versions and duplicate names failed with raw database errors. Each test
starts real processes, releases them together and checks every record and every message.
"""

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from kneekit.records import schema as s
from kneekit.records.store import Store

pytestmark = pytest.mark.engines("sqlite", "postgresql")

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)

WORKER = """
import sys
from datetime import UTC, datetime, timedelta
from kneekit.errors import StoreError
from kneekit.records.store import Store
from kneekit.routines.routine import parse_routine
from kneekit.outcomes.checkin import check_in

job, url, who = sys.argv[1], sys.argv[2], int(sys.argv[3])
now = datetime(2026, 3, 2, tzinfo=UTC)
store = None if job == "open" else Store.open(url)
print("ready", flush=True)
sys.stdin.readline()  # every worker starts together
if job == "open":
    store = Store.open(url)
elif job == "checkins":
    for i in range(1000):
        store.add_checkin(check_in(who, now - timedelta(minutes=i), i % 11, who, now=now))
elif job == "versions":
    for i in range(40):
        text = f"name: Shared\\nstretches:\\n  - stretch: calf\\n    hold: {who * 40 + i - 25}\\n"
        store.save_routine(parse_routine(text), now)
elif job == "names":
    try:
        print("won", store.add_client("Same N.", now).id, flush=True)
    except StoreError as error:
        print("lost", error, flush=True)
store.close()
print("done", flush=True)
"""


def run_together(job: str, url: str, whos: list[int], timeout: float = 240) -> list[str]:
    """Start one worker per ``who``, wait until all are ready, release them at once; each one's
    output after "ready". Fails on a non-zero exit or anything on stderr."""
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, job, url, str(who)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in whos
    ]
    assert [w.stdout.readline() for w in workers] == ["ready\n"] * len(workers)
    for w in workers:
        w.stdin.write("go\n")
        w.stdin.flush()
    results = [w.communicate(timeout=timeout) for w in workers]
    assert [(w.returncode, err) for w, (_, err) in zip(workers, results, strict=True)] == [
        (0, "")
    ] * len(workers)
    return [out for out, _ in results]


def test_two_processes_writing_1000_checkins_each_lose_none(db_url):
    with Store.open(db_url) as store:
        store.add_client("Ada L.", NOW)
        store.add_client("Bo K.", NOW)
    assert run_together("checkins", db_url, [1, 2]) == ["done\n", "done\n"]
    with Store.open(db_url) as store:
        histories = store.histories()
    assert [len(h.checkins) for h in histories] == [1000, 1000]
    for who, history in enumerate(histories, 1):
        assert sorted(c.left for c in history.checkins) == sorted(i % 11 for i in range(1000))
        assert {c.right for c in history.checkins} == {who}


def test_four_processes_saving_40_versions_of_one_routine_each_number_them_all(db_url):
    Store.open(db_url).close()
    assert run_together("versions", db_url, [1, 2, 3, 4]) == ["done\n"] * 4
    with Store.open(db_url) as store:
        versions = store.versions()
        holds = sorted(store.routine(v.id).prescriptions[0].hold for v in versions)
    assert [v.number for v in versions] == list(range(1, 161))  # no gap, no duplicate
    assert holds == sorted(w * 40 + i - 25 for w in (1, 2, 3, 4) for i in range(40))


def test_four_processes_opening_an_empty_database_at_once_all_succeed(db_url):
    assert run_together("open", db_url, [1, 2, 3, 4]) == ["done\n"] * 4
    with Store.open(db_url) as store, store.read() as conn:
        assert s.found_version(conn, store.source) == s.Found(s.SCHEMA_VERSION, stamped=True)
        meta = conn.execute(s.meta.select()).all()
    assert sorted(meta) == [("application", "kneekit"), ("schema_version", "2")]


def test_the_same_name_added_by_four_processes_at_once_is_one_client(db_url):
    Store.open(db_url).close()
    outputs = run_together("names", db_url, [1, 2, 3, 4])
    won = [o for o in outputs if o.startswith("won")]
    lost = [o for o in outputs if o.startswith("lost")]
    assert len(won) == 1
    assert len(lost) == 3
    for message in lost:
        assert "there is already a client called 'Same N.' (number 1)" in message
    with Store.open(db_url) as store:
        assert [c.name for c in store.clients()] == ["Same N."]

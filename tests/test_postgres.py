"""The store on a real PostgreSQL server: what the physio sees when the server is away or has
restarted, and row ids past 32 bits (issue #15)."""

from datetime import UTC, datetime

import pytest

from kneekit.errors import StoreError
from kneekit.outcomes.checkin import check_in
from kneekit.records import schema as s
from kneekit.records.store import Store
from tests.postgres_server import PostgresServer

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def test_a_server_that_cannot_be_reached_is_said_so_not_a_refused_change(tmp_path):
    url = f"postgresql+psycopg://kneekit@/clinic?host={tmp_path}"  # no server listens there
    with pytest.raises(StoreError) as caught:
        Store.open(url)
    message = str(caught.value)
    assert "cannot reach the database server" in message
    assert "Check that PostgreSQL is running" in message
    assert "refused the change" not in message


def test_the_first_call_after_a_server_restart_works(postgres: PostgresServer):
    url = postgres.new_database()
    try:
        with Store.open(url) as store:
            store.add_client("Ada L.", NOW)
            assert [c.name for c in store.clients()] == ["Ada L."]  # a pooled connection
            postgres.restart()
            assert [c.name for c in store.clients()] == ["Ada L."]
            store.add_client("Bo K.", NOW)
    finally:
        postgres.drop_database(url)


@pytest.mark.engines("sqlite", "postgresql")
def test_row_ids_past_32_bits_work(store):
    big = 2**40 + 7
    with store.write() as conn:
        conn.execute(s.clients.insert().values(id=big, name="Big B.", name_key="big b.",
                                               created_at=NOW))  # fmt: skip
    number = store.add_checkin(check_in(big, NOW, 2, 3, now=NOW))
    assert store.client(big).name == "Big B."
    assert [c.left for c in store.history(big).checkins] == [2]
    assert number >= 1
    with store.write() as conn:
        conn.execute(s.checkins.insert().values(id=2**62, client_id=big, at=NOW, context="other",
                                                left_knee=1, right_knee=1, note=""))  # fmt: skip
    assert len(store.history(big).checkins) == 2

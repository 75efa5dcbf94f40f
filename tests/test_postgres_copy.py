"""``kneekit db copy``: a clinic moved SQLite -> PostgreSQL -> SQLite keeps every record."""

from datetime import UTC, date, datetime, timedelta

import pytest

from kneekit.cli import main
from kneekit.demo.clinic import make_demo
from kneekit.errors import StoreError
from kneekit.exports.client import to_json
from kneekit.records.copy import copy_clinic, counts
from kneekit.records.store import Store

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def exported(db: str) -> tuple[dict[str, int], list[str]]:
    with Store.open(db) as store:
        return counts(store), [to_json(store, c.id) for c in store.clients()]


def test_a_clinic_copied_to_postgresql_and_back_keeps_every_record(tmp_path, postgres, capsys):
    source = str(tmp_path / "clinic.sqlite3")
    with Store.open(source) as store:
        make_demo(store, date(2026, 3, 2))
        token = store.shares.create(1, NOW, timedelta(days=30))
    before = exported(source)
    assert before[0]["session_steps"] > 5000
    url = postgres.new_database()
    try:
        assert main(["db", "copy", source, url]) == 0
        out = capsys.readouterr().out
        assert f"  {'checkins':16} {before[0]['checkins']:>9} {before[0]['checkins']:>9}" in out
        assert exported(url) == before
        with Store.open(url) as copy:
            assert copy.shares.client_for(token, NOW) == copy.client(1)  # links still open
            newcomer = copy.add_client("New N.", NOW)  # ids carry on past the copied ones
            assert newcomer.id == max(c.id for c in copy.clients())
            copy.add_client("Gone G.", NOW)
        back = str(tmp_path / "back.sqlite3")
        moved = exported(url)
        assert main(["db", "copy", url, back]) == 0
        assert exported(back) == moved
    finally:
        postgres.drop_database(url)


@pytest.mark.engines("sqlite", "postgresql")
def test_a_copy_into_a_database_with_records_is_refused_and_changes_nothing(store, tmp_path):
    store.add_client("Ada L.", NOW)
    with Store.open(tmp_path / "other.sqlite3") as other:
        other.add_client("Bo K.", NOW)
        with pytest.raises(StoreError, match="already holds records, so nothing was copied"):
            copy_clinic(other, store)
    assert [c.name for c in store.clients()] == ["Ada L."]


def test_each_database_url_has_its_own_clinic_secret(monkeypatch, tmp_path):
    from kneekit import sharing as access
    from kneekit.config import sidecar
    from kneekit.voila import serve

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv(access.SECRET_ENV, raising=False)
    one = serve.clinic_secret("postgresql+psycopg://physio:first@dbhost/north")
    assert serve.clinic_secret("postgresql+psycopg://physio:changed@dbhost/north") == one
    assert serve.clinic_secret("postgresql+psycopg://physio@dbhost/south") != one
    assert "first" not in str(sidecar("postgresql+psycopg://physio:first@h/x", ".secret"))

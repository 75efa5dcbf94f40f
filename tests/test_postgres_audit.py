"""The audit trail (issue #15): each action on a client's records names the physio, on both
engines; an action that fails leaves no entry."""

from datetime import UTC, datetime, timedelta

import pytest

from kneekit.cli import main
from kneekit.errors import SorenessError, StoreError
from kneekit.outcomes.checkin import CheckIn, check_in
from kneekit.records.store import Store
from kneekit.routines.routine import default_routine

pytestmark = pytest.mark.engines("sqlite", "postgresql")

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def test_each_action_on_a_client_is_attributed_to_the_physio(db_url, monkeypatch, capsys):
    monkeypatch.setenv("KNEEKIT_PHYSIO", "dr-ines")
    with Store.open(db_url) as store:
        store.audit.clock = lambda: NOW
        ada = store.add_client("Ada L.", NOW)
        store.add_checkin(check_in(ada.id, NOW, 2, 3, now=NOW))
        version = store.save_routine(default_routine(), NOW)
        store.assign(ada.id, version.id, NOW.date())
        store.shares.create(ada.id, NOW, timedelta(days=7))
        store.shares.revoke(ada.id, NOW)
        store.audit.note(ada.id, "viewed")
        with pytest.raises((StoreError, SorenessError)):  # refused: no entry
            store.add_checkin(CheckIn(ada.id, NOW, "after-run", 11, 3))
    monkeypatch.setenv("KNEEKIT_PHYSIO", "dr-tom")
    assert main(["export", "Ada L.", "--format", "json", "--db", db_url]) == 0
    capsys.readouterr()
    with Store.open(db_url) as store:
        trail = [(e.physio, e.client, e.action) for e in store.audit.entries(ada.id)]
        assert store.audit.entries()[0].at == NOW
    assert trail == [
        ("dr-ines", "Ada L.", "checked in"),
        ("dr-ines", "Ada L.", "assigned"),
        ("dr-ines", "Ada L.", "shared"),
        ("dr-ines", "Ada L.", "revoked"),
        ("dr-ines", "Ada L.", "viewed"),
        ("dr-tom", "Ada L.", "exported"),
    ]
    assert main(["audit", "Ada L.", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "dr-tom" in out
    assert "exported" in out
    assert "dr-ines" in out


def test_a_single_physio_is_the_clinic(store, monkeypatch):
    monkeypatch.delenv("KNEEKIT_PHYSIO", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    with Store.open(store.source if store.path is None else store.path) as fresh:
        ada = fresh.add_client("Ada L.", NOW)
        fresh.add_checkin(check_in(ada.id, NOW, 1, 1, now=NOW))
        assert [e.physio for e in fresh.audit.entries()] == ["clinic"]

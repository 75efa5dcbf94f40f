"""The "viewed" entries of the audit trail (issue #15): a physio's page showing a client's trends
notes it once per client per page open, attributed to the physio; redraws and the client's own
page note nothing."""

from datetime import timedelta

from kneekit.widgets import ClinicOverview, TrendsView, client_page


def viewed(store):
    return [(e.physio, e.client_id) for e in store.audit.entries() if e.action == "viewed"]


def test_opening_a_clients_trends_notes_it_once_per_open(demo, demo_clock, monkeypatch):
    monkeypatch.setenv("KNEEKIT_PHYSIO", "dr-ines")
    demo.audit.physio = "dr-ines"  # the store was opened before the variable was set
    first, second = (c.id for c in demo.clients()[:2])
    view = TrendsView(demo, demo_clock)
    assert viewed(demo) == [("dr-ines", first)]  # the page opens on the first client
    view.start.value -= timedelta(days=7)  # a redraw of the same client
    view.refresh()
    assert viewed(demo) == [("dr-ines", first)]
    view.picker.value = second
    view.picker.value = first  # back again, on the same open page
    assert viewed(demo) == [("dr-ines", first), ("dr-ines", second)]
    TrendsView(demo, demo_clock)  # the page opened again
    assert viewed(demo)[-1] == ("dr-ines", first)
    assert len(viewed(demo)) == 3


def test_the_physio_is_the_hub_user_else_the_clinic(demo_file, tmp_path, demo_clock, monkeypatch):
    from kneekit.records.store import Store

    copy = tmp_path / "c.sqlite3"
    copy.write_bytes(demo_file.read_bytes())
    monkeypatch.delenv("KNEEKIT_PHYSIO", raising=False)
    monkeypatch.setenv("JUPYTERHUB_USER", "ben")
    with Store.open(copy) as store:
        TrendsView(store, demo_clock)
        assert {p for p, _ in viewed(store)} == {"ben"}
    monkeypatch.delenv("JUPYTERHUB_USER")
    with Store.open(copy) as store:
        TrendsView(store, demo_clock)
        assert [p for p, _ in viewed(store)] == ["ben", "clinic"]


def test_the_overview_notes_the_client_it_opens_and_sorting_notes_nothing(demo, demo_clock):
    table = ClinicOverview(demo, demo_clock)
    assert viewed(demo) == [("clinic", table.rows()[0].client_id)]
    assert table.choose.value == table.rows()[0].client_id
    for order in ("Name", "Sorest first", "Most flags first"):
        table.sort.value = order
    table.refresh()
    assert len(viewed(demo)) == 1  # the same client stays open
    table.choose.value = table.rows()[-1].client_id  # the physio opens another
    assert viewed(demo)[-1] == ("clinic", table.rows()[-1].client_id)


def test_a_clients_own_page_notes_nothing(demo, demo_clock):
    them = demo.clients()[0]
    token = demo.shares.create(them.id, demo_clock.now(), timedelta(days=1))
    page = client_page(demo, demo_clock, f"share={token}")
    assert them.name in str(page.children)
    assert viewed(demo) == []

"""Bulk loads in a few round trips (issue #15): the demo clinic on both engines, and a played
session saved in bulk reads back exactly as one saved step by step."""

from dataclasses import astuple
from datetime import date

import pytest
from sqlalchemy import event

from kneekit.demo.clinic import make_demo
from kneekit.demo.play import play
from kneekit.records.bulk import PlayedSession, add_sessions
from kneekit.routines.routine import default_routine


@pytest.mark.engines("sqlite", "postgresql")
def test_the_demo_clinic_takes_a_few_hundred_statements_not_twenty_thousand(store):
    statements = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    make_demo(store, date(2026, 3, 2))
    histories = store.histories()
    # Was 19,227 on SQLite and 19,225 on PostgreSQL, one per row. With the two trial runners
    # (their plans, and each block's routine assigned on its dates) it is 420 on SQLite: the
    # count grows with clients and blocks, not with rows.
    assert len(statements) < 500
    assert sum(len(h.checkins) for h in histories) > 400
    assert sum(len(h.sessions) for h in histories) > 150


@pytest.mark.engines("sqlite", "postgresql")
def test_a_session_saved_in_bulk_reads_back_as_one_saved_step_by_step(store, clock):
    import random

    client = store.add_client("Ada L.", clock.now())
    records, ended, completed = play(default_routine(), clock.now(), random.Random(3), 0.3, 0.0)
    one = store.sessions.start(client.id, None, clock.now())
    for record in records:
        store.sessions.save_step(one, record)
    store.sessions.finish(one, ended, completed)
    [bulk] = add_sessions(
        store, [PlayedSession(client.id, None, clock.now(), tuple(records), ended, completed)]
    )
    by_one, in_bulk = store.history(client.id).sessions
    assert (in_bulk.session_id, in_bulk.held_s, in_bulk.completed) == (
        bulk,
        by_one.held_s,
        completed,
    )
    assert [s[1:] for s in map(astuple, store.sessions.steps(bulk))] == [
        s[1:] for s in map(astuple, store.sessions.steps(one))
    ]


def test_bench_runs_the_clinic_scale_figures_on_postgresql(postgres, capsys):
    import json

    from kneekit.cli import main

    assert main(["bench", "--only", "scale", "--quick", "--json", "--db", postgres.url()]) == 0
    scale = json.loads(capsys.readouterr().out)["scale"]
    assert scale["clients"] == 20
    assert scale["rows"] > 0
    assert scale["overview_s"] > 0

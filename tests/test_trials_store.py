"""Trials in a real clinic database: storing, assigning blocks, refusing edits, CLI, view, demo."""

import json
import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from kneekit import config
from kneekit.cli import main
from kneekit.demo.play import VARIANT
from kneekit.demo.trials import demo_trials
from kneekit.outcomes.checkin import check_in
from kneekit.records.store import Store
from kneekit.routines.routine import default_routine, parse_routine
from kneekit.routines.session import ManualClock
from kneekit.trials.figures import plan_calendar
from kneekit.trials.judge import judge
from kneekit.trials.plan import TrialError, TrialPlan, make_plan, state, trial_status_words
from kneekit.widgets.common import chosen
from kneekit.widgets.player import SessionPlayer
from kneekit.widgets.trial import TrialPlanner

START = date(2026, 1, 5)
NOW = datetime(2026, 1, 2, 9, tzinfo=UTC)


def _setup(store: Store) -> tuple[int, int, int]:
    client = store.add_client("Rae T.", NOW)
    a = store.save_routine(default_routine(), NOW).id
    b = store.save_routine(parse_routine(VARIANT), NOW).id
    return client.id, a, b


def _plan(store: Store, seed: int = 7) -> TrialPlan:
    cid, a, b = _setup(store)
    plan = make_plan(cid, (a, "A"), (b, "B"), START, seed)
    return store.trials.save(plan, NOW.date(), NOW)


def test_saving_assigns_each_block_and_the_client_page_plays_it(store: Store) -> None:
    plan = _plan(store)
    assert plan.id is not None
    again = store.trials.latest(plan.client_id)
    assert again is not None
    assert again.orders == plan.orders
    assert again.matches_seed()
    assert again.seed == 7
    assert again.threshold == 1.0
    for block in plan.blocks:
        for day in (block.start, block.end):
            current = store.current_version(plan.client_id, day)
            assert current is not None
            assert current.id == plan.version(block.arm)
    # The client's own page (fixed client) offers only the current block's routine.
    third = plan.blocks[2]
    clock = ManualClock(datetime.combine(third.start + timedelta(2), time(18), UTC))
    player = SessionPlayer(store, clock, client=store.client(plan.client_id))
    assert player.routine_picker.value == plan.version(third.arm)
    assert [v for _, v in player.routine_picker.options] == [plan.version(third.arm)]


def test_one_trial_at_a_time_and_no_edits_once_started(store: Store) -> None:
    plan = _plan(store)
    assert plan.id is not None
    with pytest.raises(TrialError, match="already has a trial that starts 05 Jan 2026"):
        store.trials.save(plan, NOW.date(), NOW)
    started = START + timedelta(1)
    with pytest.raises(TrialError, match="can no longer be changed"):
        store.trials.change(plan.id, plan, started, NOW)
    with pytest.raises(TrialError, match="can no longer be changed"):
        store.trials.drop(plan.id, started)
    with pytest.raises(TrialError, match="say why"):
        store.trials.stop(plan.id, started, "")
    done = store.trials.stop(plan.id, START + timedelta(10), "knee flared after a long run")
    assert state(done, START + timedelta(11)) == "stopped"
    stored = store.trials.latest(plan.client_id)
    assert stored is not None
    assert stored.stop_reason == "knee flared after a long run"
    # Blocks after the stop are no longer assigned: the client stays on the current routine.
    current = store.current_version(plan.client_id, START + timedelta(10))
    later = store.current_version(plan.client_id, plan.end)
    assert current is not None
    assert later is not None
    assert later.id == current.id


def test_a_plan_not_started_can_be_changed(store: Store) -> None:
    plan = _plan(store)
    assert plan.id is not None
    other = make_plan(plan.client_id, (plan.b_version, "B"), (plan.a_version, "A"), START, 8)
    changed = store.trials.change(plan.id, other, NOW.date(), NOW)
    assert store.trials.for_client(plan.client_id) == [changed]
    first = store.current_version(plan.client_id, START)
    assert first is not None
    assert first.id == other.version(other.blocks[0].arm)


def _cli(db: Path, *args: str) -> list[str]:
    return ["--db", str(db), "trial", *args]


def test_cli_plan_status_report_stop(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store.open(db_path) as store:
        cid, a, b = _setup(store)
    routine_file = tmp_path / "variant.yaml"
    routine_file.write_text(VARIANT)
    # Started 20 days ago (a trial kept on paper so far): running whatever today is.
    start = config.today() - timedelta(20)
    args = ["Rae T.", "--a", str(a), "--b", str(routine_file), "--start", start.isoformat()]
    assert main(_cli(db_path, "plan", *args, "--seed", "7")) == 0
    shown = capsys.readouterr().out
    assert "Order drawn from seed 7" in shown
    assert "pair 4" in shown
    assert main(_cli(db_path, "plan", *args)) == 2
    assert "already has a trial" in capsys.readouterr().err
    assert main(_cli(db_path, "status", "Rae T.", "--json")) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["seed"] == 7
    assert status["threshold"] == 1.0
    assert status["state"] == "running"
    end = (start + timedelta(6)).isoformat()
    assert status["blocks"][0] == {"pair": 1, "arm": "A", "from": start.isoformat(), "to": end}
    assert status["orders_match_seed"] is True
    assert status["b"]["version"] == b  # the file saved as B is the variant already saved
    # Records for the first pair, on paper: A days at 6, B days at 3 (next morning).
    with Store.open(db_path) as store:
        plan = store.trials.latest(cid)
        assert plan is not None
        for block in plan.blocks[:4]:
            for day in block.days():
                at = datetime.combine(day + timedelta(1), time(7), UTC)
                value = 6 if block.arm == "A" else 3
                store.add_checkin(check_in(cid, at, value, 1, now=at, context="next-morning"))
    assert main(_cli(db_path, "report", "1", "--json")) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["pairs"][0] == {"pair": 1, "order": "AB", "a": 6.0, "b": 3.0, "diff": -3.0}
    assert report["threshold"] == 1.0
    assert report["verdict"] in ("b-lower", "cannot-tell", "no-important-difference", "a-lower")
    pdf = tmp_path / "trial.pdf"
    assert main(_cli(db_path, "report", "1", "-o", str(pdf))) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert main(_cli(db_path, "stop", "1", "--reason", "moving house")) == 0
    assert "stopped on" in capsys.readouterr().out
    assert main(_cli(db_path, "status", "1", "--json")) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "stopped"


def test_cli_status_without_a_trial_says_how_to_plan(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store.open(db_path) as store:
        _setup(store)
    assert main(_cli(db_path, "status", "Rae T.")) == 2
    assert "has no trial. Plan one with: kneekit trial plan" in capsys.readouterr().err


def test_planner_view_previews_then_saves(store: Store) -> None:
    cid, a, b = _setup(store)
    clock = ManualClock(datetime(2026, 1, 3, 9, tzinfo=UTC))
    view = TrialPlanner(store, clock, seeds=random.Random(3))
    assert (chosen(view.client), view.a.value, view.b.value) == (None, a, b)  # offered at once
    view.client.value = cid
    view.pairs.value = 2
    assert view.make_preview() is None
    assert "a trial needs 3 to 12" in view.status.value
    view.pairs.value = 4
    preview = view.make_preview()
    assert preview is not None
    assert not view.save_button.disabled
    assert store.trials.latest(cid) is None  # a preview saves nothing
    view.save_button.click()
    saved = store.trials.latest(cid)
    assert saved is not None
    assert saved.seed == preview.seed
    assert saved.orders == preview.orders
    assert "Trial saved" in view.status.value
    view.make_preview()
    view.save_button.click()
    assert "already has a trial" in view.status.value


def test_the_lab_will_not_assign_over_a_running_trial(store: Store) -> None:
    from kneekit.widgets.lab import RoutineLab

    plan = _plan(store)
    assert plan.id is not None
    clock = ManualClock(datetime.combine(START + timedelta(3), time(9), UTC))
    lab = RoutineLab(store, clock)
    lab.save()
    lab.assign_client.value = plan.client_id
    lab.assign()
    assert "in a routine trial until 01 Mar 2026" in lab.status.value
    assert store.current_version(plan.client_id, START + timedelta(3)).id == plan.version(
        plan.blocks[0].arm
    )
    store.trials.stop(plan.id, START + timedelta(3), "moved away")
    lab.assign()
    assert "follows this routine" in lab.status.value


def test_demo_runners_one_running_one_finished(store: Store) -> None:
    today = date(2026, 3, 16)
    _setup(store)  # as in the demo clinic: both routines already saved, as v1 and v2
    running, finished = demo_trials(store, today)
    assert [v.label for v in store.versions()] == ["Post-run knees v1", "Post-run knees v2"]
    assert state(running, today) == "running"
    assert state(finished, today) == "finished"
    words = trial_status_words(running, store.history(running.client_id), today)
    assert words.startswith("Trial: block 6 of 8")
    history = store.history(running.client_id)
    assert store.trials.status_words(running.client_id, history, today) == words
    assert store.trials.status_words(running.client_id, history, today, for_client=True)
    assert set(store.trials.active(today)) == {running.client_id}
    result = judge(finished, store.history(finished.client_id), today)
    assert len([p for p in result.pairs if p.diff is not None]) == 4
    assert result.paired is not None
    assert result.paired.mean < 0
    assert result.blocks[0].sessions > 0
    fig = plan_calendar(finished, today)
    kinds = {p.get_gid() for p in fig.axes[0].patches}
    assert kinds == {"A", "B", "washout"}

"""The guided session player and the check-in form, driven like a person would, on fake time."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kneekit.records.store import Store
from kneekit.routines import parse_routine
from kneekit.session import ManualClock
from kneekit.widgets.checkin import CheckInForm
from kneekit.widgets.player import SessionPlayer, countdown

SHORT = parse_routine(
    "name: Short calf\nstretches:\n  - stretch: calf\n    hold: 20\n  - stretch: hamstring\n"
    "    hold: 15\n"
)
# prepare 0-5, hold R 5-25, switch 25-30, hold L 30-50, prepare 50-55, hold both 55-70


@pytest.fixture
def fake_clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 18, 30, tzinfo=UTC))


@pytest.fixture
def clinic(tmp_path: Path, fake_clock: ManualClock):
    store = Store.open(tmp_path / "clinic.sqlite3")
    client = store.add_client("Ada L.", fake_clock.now())
    version = store.save_routine(SHORT, fake_clock.now())
    store.assign(client.id, version.id, fake_clock.now().date())
    yield store, client
    store.close()


def played(player: SessionPlayer, clock: ManualClock, seconds: float, step: float = 0.5) -> None:
    for _ in range(int(seconds / step)):
        clock.advance(step)
        player.tick()


def test_countdown_rounds_up_like_a_kitchen_timer():
    assert [countdown(s) for s in (30, 29.2, 0.01, 0, 65)] == [
        "0:30",
        "0:30",
        "0:01",
        "0:00",
        "1:05",
    ]


def test_player_offers_the_clients_assigned_routine(clinic, fake_clock):
    store, client = clinic
    player = SessionPlayer(store, fake_clock, autotick=False)
    player.client_picker.value = client.id
    assert player.routine_picker.label == "Short calf v1"
    assert "Short calf" in player.headline.value
    assert "0:05" in player.clock_face.value


def test_a_whole_routine_played_in_fake_time_saves_every_step(clinic, fake_clock):
    store, client = clinic
    player = SessionPlayer(store, fake_clock, client=client, autotick=False)
    player.start_button.click()
    assert player.session_id is not None
    played(player, fake_clock, 6)
    assert "Right leg" in player.side.value
    assert len(store.sessions.steps(player.session_id)) == 1  # the prepare, saved as it ended
    played(player, fake_clock, 70)
    assert player.session.state == "finished"
    steps = store.sessions.steps(player.session_id)
    assert [(s.kind, s.side, s.planned_s, s.held_s, s.skipped) for s in steps] == [
        (st.kind, st.side, st.duration_s, float(st.duration_s), False) for st in SHORT.steps
    ]
    session = store.history(client.id).sessions[-1]
    assert session.completed
    assert "Held 55 s of 55 s planned" in player.after.children[0].value
    assert isinstance(player.after.children[1], CheckInForm)
    assert player.start_button.description == "Start again"


def test_pause_freezes_the_countdown_and_resume_carries_on(clinic, fake_clock):
    store, client = clinic
    player = SessionPlayer(store, fake_clock, client=client, autotick=False)
    player.start_button.click()
    played(player, fake_clock, 10)
    player.pause_button.click()
    frozen = player.clock_face.value
    assert "0:15" in frozen
    assert player.pause_button.description == "Resume"
    assert "Paused" in player.side.value
    played(player, fake_clock, 120)
    assert player.clock_face.value == frozen
    assert player.skip_button.disabled is False
    player.pause_button.click()
    played(player, fake_clock, 15)
    assert "Change legs" in player.headline.value
    hold = store.sessions.steps(player.session_id)[1]
    assert (hold.held_s, hold.skipped) == (20.0, False)


def test_skip_and_back(clinic, fake_clock):
    store, client = clinic
    player = SessionPlayer(store, fake_clock, client=client, autotick=False)
    player.start_button.click()
    played(player, fake_clock, 9)
    player.skip_button.click()
    saved = store.sessions.steps(player.session_id)
    assert (saved[-1].kind, saved[-1].held_s, saved[-1].skipped) == ("hold", 4.0, True)
    assert "Change legs" in player.headline.value
    player.back_button.click()  # within the first seconds of the switch: back to the hold
    assert "Right leg" in player.side.value
    assert "0:20" in player.clock_face.value


def test_sounds_at_transitions_and_count_in_unless_muted(clinic, fake_clock):
    store, client = clinic
    player = SessionPlayer(store, fake_clock, client=client, autotick=False)
    player.start_button.click()
    played(player, fake_clock, 5.5)
    heard = player.sound.value
    assert heard  # the hold began with a sound
    fake_clock.advance(17)  # 22.5 s: the 3 of the count-in
    player.tick()
    assert player.sound.value != heard
    player.mute.value = True
    assert player.mute.description == "Sound off"
    quiet = player.sound.value
    played(player, fake_clock, 10)
    assert player.sound.value == quiet


def test_closing_the_player_abandons_the_session(clinic, fake_clock):
    store, client = clinic
    player = SessionPlayer(store, fake_clock, client=client, autotick=False)
    player.start_button.click()
    played(player, fake_clock, 7)
    player.close()
    assert player.session.state == "stopped"
    assert store.history(client.id).sessions[-1].completed is False
    assert store.sessions.steps(player.session_id)[-1].skipped


def test_the_timer_task_ends_with_its_session(clinic, fake_clock):
    store, client = clinic

    async def scenario() -> None:
        player = SessionPlayer(store, fake_clock, client=client)
        player.start_button.click()
        assert player._task is not None
        fake_clock.advance(SHORT.total_s + 1)
        await asyncio.wait_for(player._task, timeout=10)
        assert player.session.state == "finished"

    asyncio.run(scenario())
    assert len(store.sessions.steps(store.history(client.id).sessions[-1].session_id)) == len(
        SHORT.steps
    )


def test_check_in_saves_and_confirms(clinic, fake_clock):
    store, client = clinic
    form = CheckInForm(store, fake_clock, client=client)
    form.left.value, form.right.value = 3, 6
    form.km.value, form.minutes.value = "8,5", "52"
    form.note.value = "Right knee stiff on the downhill"
    form.save.click()
    assert "Saved at" in form.status.value
    saved = store.history(client.id).checkins[-1]
    assert (saved.left, saved.right, saved.km, saved.minutes) == (3, 6, 8.5, 52.0)
    assert saved.context == "after-run"


def test_a_double_press_of_save_stores_one_check_in_and_a_changed_entry_another(clinic, fake_clock):
    store, client = clinic
    form = CheckInForm(store, fake_clock, client=client)
    form.left.value, form.right.value = 2, 2
    before = len(store.history(client.id).checkins)
    form.save.click()
    form.save.click()  # the same press, twice (a double click, or a retry)
    assert len(store.history(client.id).checkins) == before + 1
    form.left.value = 3  # a new entry
    form.save.click()
    assert len(store.history(client.id).checkins) == before + 2


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("km", "ten", "run km must be a number from 0 to 320"),
        ("km", "-3", "it is -3.0"),
        ("minutes", "-1", "run minutes must be a number from 0 to 1440"),
        ("note", "x" * 2001, "at most 2000 characters"),
    ],
)
def test_invalid_check_in_shows_the_error_beside_the_field_and_saves_nothing(
    clinic, fake_clock, field, value, shown
):
    store, client = clinic
    form = CheckInForm(store, fake_clock, client=client)
    getattr(form, field).value = value
    form.save.click()
    assert shown in form.errors[field].value
    assert "Not saved" in form.status.value
    assert store.history(client.id).checkins == ()


def test_soreness_limits_hold_even_if_the_slider_is_tampered_with(clinic, fake_clock):
    store, client = clinic
    form = CheckInForm(store, fake_clock, client=client)
    form.left.max = 20
    form.left.value = 11
    form.save.click()
    assert "from 0 (none) to 10" in form.errors["left"].value
    assert store.history(client.id).checkins == ()

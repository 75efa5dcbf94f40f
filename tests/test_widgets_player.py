"""The guided session player and the check-in form, driven like a person would, on fake time."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kneekit.records.store import Store
from kneekit.routines.routine import parse_routine
from kneekit.routines.session import ManualClock
from kneekit.widgets.checkin import CheckInForm
from kneekit.widgets.face import countdown
from kneekit.widgets.player import SessionPlayer

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
    assert player.face.headline == "Short calf"
    assert player.face.countdown == "0:05"
    assert player.face.picture.startswith("data:image/svg+xml;base64,")  # the calf, drawn
    assert "wall" in player.face.picture_alt


def test_a_whole_routine_played_in_fake_time_saves_every_step(clinic, fake_clock):
    store, client = clinic
    player = SessionPlayer(store, fake_clock, client=client, autotick=False)
    player.press("primary")
    assert player.session_id is not None
    played(player, fake_clock, 6)
    assert (player.face.band, player.face.side, player.face.kind) == ("RIGHT LEG", "right", "hold")
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
    assert player.face.primary == "Start again"
    assert player.face.announce == "Well done: routine complete."


def test_pause_freezes_the_countdown_and_resume_carries_on(clinic, fake_clock):
    store, client = clinic
    player = SessionPlayer(store, fake_clock, client=client, autotick=False)
    player.press("primary")
    played(player, fake_clock, 10)
    player.press("primary")
    frozen = player.face.countdown
    assert frozen == "0:15"
    assert player.face.primary == "Resume"
    assert player.face.band == "PAUSED · RIGHT LEG"
    played(player, fake_clock, 120)
    assert player.face.countdown == frozen
    assert player.face.state == "paused"
    player.press("primary")
    played(player, fake_clock, 15)
    assert player.face.headline.startswith("Change legs")
    assert player.face.band == "NEXT: LEFT LEG"
    hold = store.sessions.steps(player.session_id)[1]
    assert (hold.held_s, hold.skipped) == (20.0, False)


def test_skip_and_back(clinic, fake_clock):
    store, client = clinic
    player = SessionPlayer(store, fake_clock, client=client, autotick=False)
    player.press("primary")
    played(player, fake_clock, 9)
    player.press("skip")
    saved = store.sessions.steps(player.session_id)
    assert (saved[-1].kind, saved[-1].held_s, saved[-1].skipped) == ("hold", 4.0, True)
    assert player.face.headline.startswith("Change legs")
    player.press("back")  # within the first seconds of the switch: back to the hold
    assert player.face.band == "RIGHT LEG"
    assert player.face.countdown == "0:20"


def test_cues_at_transitions_and_count_in_sound_only_when_on(clinic, fake_clock):
    store, client = clinic
    player = SessionPlayer(store, fake_clock, client=client, autotick=False)
    player.press("primary")
    played(player, fake_clock, 5.5)
    heard = player.face.cue
    assert (heard["sound"], heard["vibrate"]) == ("hold", True)  # the hold began: beep and buzz
    assert heard["say"] == player.face.announce == "Right leg. Wall calf stretch. Hold 20 seconds."
    fake_clock.advance(17)  # 22.5 s: the 3 of the count-in
    player.tick()
    assert player.face.cue["n"] > heard["n"]
    assert player.face.cue["sound"] == "count"
    player.face.sound_on = False  # as the browser's Sound key sets it
    played(player, fake_clock, 10)  # the switch, then the left hold: cues still come, silent
    assert player.face.cue["sound"] == ""
    assert player.face.cue["vibrate"] is True
    assert player.face.announce.startswith("Left leg.")


def test_the_face_keys_arrive_as_messages(clinic, fake_clock):
    store, client = clinic
    player = SessionPlayer(store, fake_clock, client=client, autotick=False)
    player._on_message(player.face, {"press": "primary"}, [])
    assert player.face.state == "running"
    player._on_message(player.face, {"press": "delete-everything"}, [])
    player._on_message(player.face, {"press": "primary"}, [])
    assert (player.face.state, player.face.primary) == ("paused", "Resume")


def test_closing_the_player_abandons_the_session(clinic, fake_clock):
    store, client = clinic
    player = SessionPlayer(store, fake_clock, client=client, autotick=False)
    player.press("primary")
    played(player, fake_clock, 7)
    player.close()
    assert player.session.state == "stopped"
    assert store.history(client.id).sessions[-1].completed is False
    assert store.sessions.steps(player.session_id)[-1].skipped


def test_the_timer_task_ends_with_its_session(clinic, fake_clock):
    store, client = clinic

    async def scenario() -> None:
        player = SessionPlayer(store, fake_clock, client=client)
        player.press("primary")
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
    form.left.options = list(range(21))  # as a browser could send, whatever the keys offer
    form.left.value = 11
    form.right.value = 0
    form.save.click()
    assert "from 0 (none) to 10" in form.errors["left"].value
    assert store.history(client.id).checkins == ()


def test_check_in_starts_unanswered_and_zero_is_an_answer(clinic, fake_clock):
    store, client = clinic
    form = CheckInForm(store, fake_clock, client=client)
    assert (form.left.value, form.right.value) == (None, None)
    form.right.value = 0
    form.save.click()
    assert "Choose how sore your left knee is" in form.errors["left"].value
    assert form.errors["right"].value == ""
    assert store.history(client.id).checkins == ()
    form.left.value = 0
    form.save.click()
    assert (store.history(client.id).checkins[-1].left, form.errors["left"].value) == (0, "")

"""Views free the widgets they replace: the count of live widgets stays flat over many changes.

ipywidgets keeps every widget alive (in ``ipywidgets.widgets.widget._instances``, the registry
behind the deprecated ``Widget.widgets``) until it is closed, and a clinic kernel runs all day.
Each test visits every state once to learn how many widgets that state needs, then makes 50
changes and checks that each state needs exactly as many widgets as the first time.

The figures are stood in for by one blank figure: drawing hundreds of real ones takes minutes on
a busy machine and does not change how many widgets a view makes (each is one ``Image``).
"""

from collections.abc import Callable, Sequence
from datetime import timedelta

import pytest
from ipywidgets.widgets.widget import _instances
from matplotlib.figure import Figure

from kneekit import figstyle
from kneekit.progress import figures as plots
from kneekit.records.store import Store
from kneekit.routines import figures as routine_figures
from kneekit.routines.session import ManualClock
from kneekit.widgets import ClinicOverview, RoutineLab, TrendsView
from kneekit.widgets.player import SessionPlayer

CHANGES = 50
"""As many as the issue asks for: enough for a leak of even one widget per change to show."""


@pytest.fixture(autouse=True)
def _blank_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    blank = Figure(figsize=(1, 1))
    for module, name in (
        (plots, "soreness_trend"),
        (plots, "adherence_calendar"),
        (routine_figures, "routine_timeline"),
        (routine_figures, "dose_chart"),
    ):
        monkeypatch.setattr(module, name, lambda *_, **__: blank)
    monkeypatch.setattr(figstyle, "to_png", lambda _: b"\x89PNG")


def live() -> int:
    return len(_instances)


def stays_flat(states: Sequence[Callable[[], None]]) -> None:
    """Go into each state once, then CHANGES more times in turn; each costs the same each time."""
    first = []
    for enter in states:
        enter()
        first.append(live())
    for change in range(CHANGES):
        i = change % len(states)
        states[i]()
        assert live() == first[i], f"change {change + 1}: {live() - first[i]:+d} live widgets"


def test_trends_view_over_clients_and_date_ranges(demo: Store, demo_clock: ManualClock) -> None:
    view = TrendsView(demo, demo_clock)
    today = demo_clock.now().date()

    def client(client_id: int) -> Callable[[], None]:
        def enter() -> None:
            view.picker.value = client_id
            view.start.value = today - timedelta(weeks=12)

        return enter

    def weeks(n: int) -> Callable[[], None]:
        def enter() -> None:
            view.start.value = today - timedelta(weeks=n)

        return enter

    def inverted() -> None:
        view.start.value = today + timedelta(days=1)

    clients = [client(c.id) for c in demo.clients()]
    stays_flat([*clients, weeks(4), inverted, clients[0]])


def test_clinic_overview_over_clients_and_sorts(demo: Store, demo_clock: ManualClock) -> None:
    overview = ClinicOverview(demo, demo_clock)

    def choose(client_id: int, sort: str) -> Callable[[], None]:
        def enter() -> None:
            overview.sort.value = sort
            overview.choose.value = client_id

        return enter

    sorts = ["Name", "Sorest first", "Most flags first"]
    clients = [c.id for c in demo.clients()]
    stays_flat([choose(c, sorts[i % len(sorts)]) for i, c in enumerate(clients)])


def test_routine_lab_over_versions_and_routines(demo: Store, demo_clock: ManualClock) -> None:
    lab = RoutineLab(demo, demo_clock)
    versions = [v.id for v in demo.versions()]

    def load(version_id: int | None) -> Callable[[], None]:
        return lambda: lab.load_version(version_id)

    def compare(version_id: int | None) -> Callable[[], None]:
        def enter() -> None:
            lab.load_version(None)
            lab.compare_with.value = version_id
            lab.compare()

        return enter

    def edited() -> None:
        lab.load_version(None)
        lab.add("calf")
        lab.move(lab.rows.children[-1], -1)
        lab.remove(lab.rows.children[0])

    lab.load_version(versions[-1])
    saved_file = lab.routine_file()
    lab.compare()  # from here on every state shows a comparison, so states differ only as asked

    def imported() -> None:
        lab.import_text(saved_file)

    stays_flat(
        [load(None), *map(load, versions), *map(compare, [None, *versions]), edited, imported]
    )


def test_session_player_over_clients_and_whole_sessions(
    demo: Store, demo_clock: ManualClock
) -> None:
    """Each state plays a whole routine for one client (skipping through), so the summary and
    the after-stretch check-in replace the ones before."""
    player = SessionPlayer(demo, demo_clock, autotick=False)

    def session_for(client_id: int) -> Callable[[], None]:
        def enter() -> None:
            player.client_picker.value = client_id
            player.start()
            while player.session is not None and player.session.state != "finished":
                demo_clock.advance(0.5)
                player.press("skip")

        return enter

    stays_flat([session_for(c.id) for c in demo.clients()[:2]])

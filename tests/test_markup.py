"""Names, notes and routine names holding HTML are shown as text on every page: nothing a client
or a physio types can become markup or script (the widgets, without a browser)."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import ipywidgets as w
import pytest

import kneekit.widgets.face
from kneekit.outcomes.checkin import check_in
from kneekit.records.store import Store
from kneekit.routines.routine import parse_routine
from kneekit.routines.session import ManualClock
from kneekit.widgets import CheckInForm, ClinicOverview, RoutineLab, TrendsView, client_page
from kneekit.widgets.player import SessionPlayer

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


# -- names and notes holding HTML are shown as text on every page -----------------------------
NAME = "Eve <script>alert('name')</script> & <img src=x onerror=alert(1)>"
NOTE = "<script>alert('note')</script> stairs hurt"
ROUTINE_NAME = "Knees <b onmouseover=alert('routine')>v</b>"
CATALOGUE = """\
evil-stretch:
  name: <script>alert('stretch')</script> lunge
  muscles: [<img src=x onerror=alert('muscle')>]
  group: <i>quads</i>
  why: <iframe src=javascript:alert('why')></iframe>
  position: standing
  equipment: <a href=javascript:alert('kit')>wall</a>
  one_sided: yes
  hold_min: 15
  hold_max: 30
  cues:
    - <img src=x onerror=alert('cue')> Stand tall.
"""
RAW = (
    "<script>alert(",
    "<img src=x",
    "<b onmouseover",
    "<i>quads</i>",
    "<iframe",
    "<a href=javascript",
)
"""The markup smuggled in above, as it must never appear in a page's HTML."""


def all_widgets(root: w.Widget) -> list[w.Widget]:
    found, todo = [], [root]
    while todo:
        widget = todo.pop()
        found.append(widget)
        todo += list(getattr(widget, "children", ()))
    return found


def html_of(root: w.Widget) -> str:
    """Every piece of HTML the page would put on screen, after checking no widget's description
    is allowed to be HTML (ipywidgets shows descriptions as text unless told otherwise)."""
    widgets = all_widgets(root)
    assert not [x for x in widgets if getattr(x, "description_allow_html", False)]
    return "\n".join(x.value for x in widgets if isinstance(x, w.HTML | w.HTMLMath))


def shown_as_text(root: w.Widget, *escaped: str) -> None:
    page = html_of(root)
    assert not [raw for raw in RAW if raw in page]
    for text in escaped:
        assert text in page


@pytest.fixture
def hostile(tmp_path):
    """A clinic whose client, note, routine and stretch carry HTML and script."""
    from kneekit.routines.catalogue import load_catalogue

    catalogue_file = tmp_path / "evil.yaml"
    catalogue_file.write_text(CATALOGUE, encoding="utf-8")
    catalogue = load_catalogue([catalogue_file])
    clock = ManualClock(NOW)
    with Store.open(tmp_path / "clinic.sqlite3") as store:
        eve = store.add_client(NAME, NOW - timedelta(days=60))
        plain = store.save_routine(
            parse_routine("name: Plain\nstretches:\n  - stretch: calf\n", catalogue=catalogue),
            NOW - timedelta(days=60),
        )
        routine = parse_routine(
            f"name: {json.dumps(ROUTINE_NAME)}\nprepare: 5\nstretches:\n"
            "  - stretch: evil-stretch\n    hold: 20\n",
            catalogue=catalogue,
        )
        version = store.save_routine(routine, NOW - timedelta(days=30))
        store.assign(eve.id, plain.id, (NOW - timedelta(days=60)).date())
        store.assign(eve.id, version.id, (NOW - timedelta(days=30)).date())
        for day in range(60):
            at = NOW - timedelta(days=day, hours=2)
            store.add_checkin(check_in(eve.id, at, day % 6, 2, now=NOW, km=5.0, note=NOTE))
        share = store.shares.create(eve.id, NOW, timedelta(days=1))
        yield store, clock, catalogue_file, f"share={share}"


def test_the_player_shows_names_and_cues_as_text(hostile):
    store, clock, _, _ = hostile
    player = SessionPlayer(store, clock, autotick=False)
    shown_as_text(player)  # no raw markup in any HTML widget
    assert "Knees <b onmouseover" in player.face.headline  # drawn as text by face.js (below)
    player.start()
    clock.advance(6)  # into the hold: the stretch's name and cues are on screen
    player.tick()
    # The face is drawn in the browser with textContent only: its values are never markup.
    assert "<script>alert('stretch')" in player.face.headline
    face_js = (Path(kneekit.widgets.face.__file__).parent / "static" / "face.js").read_text()
    assert "innerHTML" not in face_js
    assert "insertAdjacentHTML" not in face_js
    clock.advance(50)
    player.tick()  # finished: the summary table names the stretch
    assert player.session.state == "finished"
    shown_as_text(player, "&lt;script&gt;alert(&#x27;stretch&#x27;)&lt;/script&gt; lunge</td>")


def test_the_client_page_shows_their_name_and_records_as_text(hostile):
    store, clock, _, query = hostile
    page = client_page(store, clock, query)
    shown_as_text(page, "Hello, Eve &lt;script&gt;")
    (player,) = (x for x in all_widgets(page) if isinstance(x, SessionPlayer))
    assert "Knees <b onmouseover" in player.face.headline  # drawn as text by face.js


def test_the_clinic_views_show_names_notes_and_routines_as_text(hostile):
    store, clock, catalogue_file, _ = hostile
    shown_as_text(ClinicOverview(store, clock), "Eve &lt;script&gt;", "Knees &lt;b onmouseover")
    shown_as_text(TrendsView(store, clock), "Eve &lt;script&gt;")
    form = CheckInForm(store, clock)
    form.km.value = "<script>alert('km')</script>"
    assert form.submit() is None
    shown_as_text(form, "&lt;script&gt;alert(&#x27;km&#x27;)")
    from kneekit.routines.catalogue import load_catalogue

    lab = RoutineLab(store, clock, load_catalogue([catalogue_file]))
    lab.load_version(store.versions()[0].id)
    lab.compare()
    shown_as_text(lab, "&lt;i&gt;quads&lt;/i&gt;", "&lt;script&gt;alert(&#x27;stretch")
    lab.import_text("name: <script>alert('lab')</script>\nstretches: nonsense\n")
    shown_as_text(lab)

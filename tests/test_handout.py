"""The A4 handout, the stretch pictures (player and handout) and their catalogue fields."""

import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from matplotlib.figure import Figure

from kneekit.cli import main
from kneekit.errors import CatalogueError
from kneekit.paper.handout import draw_svg, pages
from kneekit.records.store import Store
from kneekit.routines.catalogue import load_catalogue, parse_catalogue, shipped_catalogue
from kneekit.routines.routine import default_routine, parse_routine

A4_POINTS = ("595.44", "841.68")
ENTRY = """\
lunge:
  name: Lunge
  muscles: [iliopsoas]
  group: hip flexors
  why: a line
  position: kneeling
  one_sided: yes
  hold_min: 15
  hold_max: 30
  cues: [Kneel.]
"""


def test_every_shipped_stretch_has_a_picture_and_alt_text_that_draw():
    for stretch in shipped_catalogue().values():
        svg = stretch.picture_svg()
        assert svg is not None, stretch.id
        assert svg.lstrip().startswith("<svg")
        assert stretch.picture_alt
        assert len(stretch.picture_alt) > 40
        assert draw_svg(Figure().add_subplot(), svg)


def test_a_physios_picture_is_found_beside_their_catalogue(tmp_path):
    (tmp_path / "lunge.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    mine = tmp_path / "mine.yaml"
    mine.write_text(ENTRY + "  picture: lunge.svg\n  picture_alt: A kneeling lunge.\n")
    lunge = load_catalogue([mine])["lunge"]
    assert lunge.picture is not None
    assert Path(lunge.picture) == (tmp_path / "lunge.svg").resolve()
    assert lunge.picture_svg().startswith("<svg")


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ("  picture: lunge.svg\n", "needs 'picture_alt'"),
        ("  picture_alt: A lunge.\n", "there is no 'picture'"),
        ("  picture: lunge.png\n  picture_alt: A lunge.\n", "must be an SVG file"),
        ("  picture: gone.svg\n  picture_alt: A lunge.\n", "put the SVG there"),
        ("  picture: ''\n  picture_alt: A lunge.\n", "the name of an SVG file"),
    ],
)
def test_picture_fields_are_checked(tmp_path, extra, said):
    (tmp_path / "lunge.svg").write_text("<svg/>")
    with pytest.raises(CatalogueError, match=re.escape(said)):
        parse_catalogue(ENTRY + extra, "mine.yaml", tmp_path)


def test_a_saved_routine_keeps_its_pictures(tmp_path):
    now = datetime(2026, 3, 2, tzinfo=UTC)
    with Store.open(tmp_path / "c.sqlite3") as store:
        version = store.save_routine(default_routine(), now)
        again = store.routine(version.id)
    assert [p.stretch.picture_svg() for p in again.prescriptions] == [
        p.stretch.picture_svg() for p in default_routine().prescriptions
    ]


def test_handout_pages_are_a4_with_every_stretch():
    routine = parse_routine(
        "name: All four\nstretches:\n"
        + "".join(f"  - stretch: {s}\n" for s in ("quadriceps", "hamstring", "calf", "hip-flexor"))
    )
    figures = list(pages(routine, "Ada L.", "http://192.168.1.20:8867/?share=abc"))
    assert [tuple(f.get_size_inches()) for f in figures] == [(8.27, 11.69)] * 2
    said = [t.get_text() for f in figures for t in f.texts]
    for prescription in routine.prescriptions:
        assert prescription.stretch.name in said
    assert "Hold 30 s: right leg then left leg" in said


def test_handout_command_writes_a4_and_a_new_link(tmp_path, capsys):
    db, out = tmp_path / "c.sqlite3", tmp_path / "ada.pdf"
    now = datetime.now(UTC)
    with Store.open(db) as store:
        ada = store.add_client("Ada L.", now)
        store.assign(ada.id, store.save_routine(default_routine(), now).id, now.date())
    code = main(
        [
            "--db",
            str(db),
            "handout",
            "Ada L.",
            "-o",
            str(out),
            "--base-url",
            "http://192.168.1.20:8867/",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "cannot open" not in printed  # a network address: no warning
    sizes = re.findall(rb"MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", out.read_bytes())
    assert sizes
    assert all(size == tuple(x.encode() for x in A4_POINTS) for size in sizes)
    # the new link, the one in the QR code, opens Ada's page
    link = printed.split("Link in the QR code: ", 1)[1].split()[0]
    token = parse_qs(urlsplit(link).query)["share"][0]
    with Store.open(db) as store:
        assert store.shares.client_for(token, datetime.now(UTC)).id == ada.id


def test_a_local_link_says_a_phone_cannot_open_it(tmp_path, capsys):
    db = tmp_path / "c.sqlite3"
    with Store.open(db) as store:
        store.add_client("Ada L.", datetime.now(UTC))
    assert main(["--db", str(db), "share", "Ada L.", "--base-url", "http://127.0.0.1:8867/"]) == 0
    printed = capsys.readouterr().out
    assert "a phone cannot open 127.0.0.1" in printed
    assert "--host 0.0.0.0" in printed

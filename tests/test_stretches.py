"""The stretch catalogue: the shipped file, a physio's own file, and strict parsing."""

import base64
import html
import re
from pathlib import Path

import pytest

from kneekit.errors import CatalogueError
from kneekit.routines.catalogue import load_catalogue, parse_catalogue, shipped_catalogue

EXTRA = """\
couch:
  name: Couch stretch
  muscles: [rectus femoris]
  group: quadriceps
  why: A deeper stretch of the front of the thigh for clients who find the standing one easy.
  position: kneeling
  equipment: a sofa or bench
  one_sided: yes
  hold_min: 20
  hold_max: 45
  cues:
    - Kneel with the back foot up on the sofa.
"""


def test_shipped_catalogue_has_the_four_stretches_with_their_sides():
    catalogue = shipped_catalogue()
    assert list(catalogue) == ["quadriceps", "hamstring", "calf", "hip-flexor"]
    assert {sid for sid, s in catalogue.items() if s.one_sided} == {
        "quadriceps",
        "calf",
        "hip-flexor",
    }
    for stretch in catalogue.values():
        assert (stretch.hold_min, stretch.hold_max) == (15, 30)
        assert len(stretch.cues) >= 3
        assert stretch.why
        assert stretch.muscles
        assert stretch.position
    assert "wall" in catalogue["calf"].equipment


def test_a_physio_file_adds_and_overrides(tmp_path: Path):
    override = EXTRA + EXTRA.replace("couch:", "calf:").replace("Couch stretch", "Step calf")
    path = tmp_path / "mine.yaml"
    path.write_text(override, encoding="utf-8")
    catalogue = load_catalogue([path])
    assert catalogue["couch"].hold_max == 45
    assert catalogue["calf"].name == "Step calf"
    assert list(catalogue)[:4] == ["quadriceps", "hamstring", "calf", "hip-flexor"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("one_sided: yes", "one_sided: maybe"),
            "couch.one_sided: must be yes or no; it is 'maybe'",
        ),
        (
            ("hold_max: 45", "hold_max: 400"),
            "couch.hold_max: must be a whole number from 5 to 300 s",
        ),
        (("hold_min: 20", "hold_min: 50"), "couch.hold_min: must not be longer than hold_max"),
        (
            ("position: kneeling", "position: upside-down"),
            "one of standing, kneeling, sitting, lying",
        ),
        (("  group: quadriceps\n", ""), "couch: missing field 'group'"),
        (("  equipment:", "  equipmnt:"), "unknown field 'equipmnt' (did you mean 'equipment'?)"),
        (("couch:", "Couch Stretch:"), "'Couch Stretch' is not a valid stretch id"),
        (("    - Kneel with the back foot up on the sofa.", "    -"), "couch.cues: must be a list"),
    ],
)
def test_bad_catalogue_entries_name_the_file_field_and_allowed_values(edit, expected):
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(EXTRA.replace(*edit), "mine.yaml")
    message = str(caught.value)
    assert message.startswith("mine.yaml, line ")
    assert expected in message


def test_missing_and_non_utf8_catalogue_files(tmp_path: Path):
    with pytest.raises(CatalogueError, match="no such catalogue file"):
        load_catalogue([tmp_path / "absent.yaml"])
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(EXTRA.replace("Couch", "Canapé").encode("latin-1"))
    with pytest.raises(CatalogueError, match="not UTF-8 text"):
        load_catalogue([latin])


def test_a_catalogue_must_be_a_mapping_of_stretches():
    with pytest.raises(CatalogueError, match="a catalogue lists stretches"):
        parse_catalogue("- just a list\n", "mine.yaml")


def test_stretch_displays_as_text_and_html_with_escaping():
    stretch = parse_catalogue(EXTRA.replace("Couch stretch", "Couch <b>stretch</b>"))["couch"]
    assert "Hold 20–45 s, one leg at a time" in str(stretch)
    page = stretch._repr_html_()
    assert "Couch &lt;b&gt;stretch&lt;/b&gt;" in page
    assert "<li>Kneel with the back foot up on the sofa.</li>" in page


def test_the_catalogue_card_shows_the_stretchs_picture_with_its_alt_text():
    for stretch in load_catalogue().values():
        card = stretch._repr_html_()
        found = re.search(
            r'<img class="kneekit-stretch-picture" alt="([^"]+)"[^>]* src="([^"]+)"', card
        )
        assert found is not None, stretch.id
        assert found.group(1) == html.escape(stretch.picture_alt or "")
        data = base64.b64decode(found.group(2).removeprefix("data:image/svg+xml;base64,"))
        assert data.decode("utf-8") == stretch.picture_svg()


def test_a_card_without_a_picture_has_no_image():
    stretch = parse_catalogue(EXTRA)["couch"]
    assert stretch.picture is None
    assert "<img" not in stretch._repr_html_()

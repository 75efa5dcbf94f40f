"""The stretch catalogue: what each stretch is, how it is done and how long to hold it.

The shipped catalogue lives in ``data/stretches.yaml``; a physio may add files of their own in the
same format, whose entries add stretches or replace shipped ones of the same id.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from kneekit.errors import CatalogueError, Problem
from kneekit.yamlfile import Document, Field, check_mapping, parse, read_text

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

#: Holds may be recommended anywhere in this range; the routine limits (5–300 s) bound it.
HOLD_LIMITS = (5, 300)

_FIELDS = (
    Field("name", "text", required=True),
    Field("muscles", "texts", required=True),
    Field("group", "text", required=True),
    Field("why", "text", required=True),
    Field(
        "position", "choice", required=True, choices=("standing", "kneeling", "sitting", "lying")
    ),
    Field("equipment", "text", default="none"),
    Field("one_sided", "bool", required=True),
    Field("hold_min", "int", required=True, low=HOLD_LIMITS[0], high=HOLD_LIMITS[1], unit=" s"),
    Field("hold_max", "int", required=True, low=HOLD_LIMITS[0], high=HOLD_LIMITS[1], unit=" s"),
    Field("cues", "texts", required=True),
    Field("picture", "text", hint="the name of an SVG file, e.g. pictures/lunge.svg"),
    Field("picture_alt", "text", hint="one line saying what the picture shows"),
)
_OPTIONAL = ("picture", "picture_alt")
"""Fields a stretch may leave out or write as null (the store writes null for 'none')."""


@dataclass(frozen=True)
class Stretch:
    """One stretch as a physio would describe it to a client."""

    id: str
    name: str
    muscles: tuple[str, ...]
    group: str
    why: str
    position: str
    equipment: str
    one_sided: bool
    hold_min: int
    hold_max: int
    cues: tuple[str, ...]
    picture: str | None = None
    """An SVG file: absolute, or relative to kneekit's data folder for the shipped stretches."""
    picture_alt: str | None = None

    def picture_svg(self) -> str | None:
        """The picture's SVG text, or None if the stretch has none or its file has gone.

        A saved routine version keeps the path it was saved with; a physio who later moves the
        file loses the picture on screen, not the routine.
        """
        if self.picture is None:
            return None
        path = Path(self.picture)
        try:
            if path.is_absolute():
                return path.read_text("utf-8")
            return resources.files("kneekit").joinpath("data", self.picture).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    @property
    def hold_range(self) -> str:
        return f"{self.hold_min}–{self.hold_max} s"

    @property
    def sides_text(self) -> str:
        return "one leg at a time" if self.one_sided else "both legs together"

    def __str__(self) -> str:
        cues = "\n".join(f"  {i}. {cue}" for i, cue in enumerate(self.cues, 1))
        return (
            f"{self.name} ({self.id})\n"
            f"  Targets: {', '.join(self.muscles)} ({self.group})\n"
            f"  Why: {self.why}\n"
            f"  Position: {self.position}; equipment: {self.equipment}\n"
            f"  Hold {self.hold_range}, {self.sides_text}\n{cues}"
        )

    def _repr_html_(self) -> str:
        e = html.escape
        cues = "".join(f"<li>{e(c)}</li>" for c in self.cues)
        svg = self.picture_svg()
        picture = (
            ""
            if svg is None
            else f'<img class="kneekit-stretch-picture" alt="{e(self.picture_alt or self.name)}" '
            'style="float:right;width:120px;height:auto;margin:0 0 0.4em 0.8em" '
            f'src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode("ascii")}">'
        )
        return (
            f'<div class="kneekit-stretch" style="border:1px solid #999;border-radius:6px;'
            f'padding:0.6em 1em;max-width:40em;overflow:hidden">{picture}'
            f"<h3 style='margin:0.2em 0'>{e(self.name)}</h3>"
            f"<p style='margin:0.2em 0'><b>Targets:</b> {e(', '.join(self.muscles))} "
            f"({e(self.group)})<br><b>Why it matters for the knee:</b> {e(self.why)}<br>"
            f"<b>Position:</b> {e(self.position)} &middot; <b>Equipment:</b> {e(self.equipment)}"
            f"<br><b>Hold:</b> {e(self.hold_range)}, {e(self.sides_text)}</p>"
            f"<ol style='margin:0.2em 0'>{cues}</ol></div>"
        )


def _check_picture(
    doc: Document, sid: str, values: dict[str, Any], folder: Path | None, problems: list[Problem]
) -> bool:
    """Whether the picture fields hold together; relative files are resolved against ``folder``
    (the physio's catalogue file's folder) and must exist there."""
    picture, alt = values["picture"], values["picture_alt"]
    if picture is None:
        if alt is not None:
            problems.append(
                doc.problem([sid, "picture_alt"], "describes a picture, but there is no 'picture'.")
            )
        return alt is None
    before = len(problems)
    if alt is None:
        problems.append(
            doc.problem(
                [sid],
                "a picture needs 'picture_alt': one line saying what it shows, for someone "
                "who cannot see it.",
            )
        )
    if not picture.lower().endswith(".svg"):
        problems.append(doc.problem([sid, "picture"], f"must be an SVG file; it is '{picture}'."))
    elif folder is not None:
        path = Path(picture) if Path(picture).is_absolute() else folder / picture
        if not path.is_file():
            problems.append(
                doc.problem([sid, "picture"], f"there is no file {path}; put the SVG there.")
            )
        values["picture"] = str(path.resolve())
    return len(problems) == before


def _stretches_from(doc: Document, folder: Path | None = None) -> dict[str, Stretch]:
    problems: list[Problem] = []
    if not isinstance(doc.data, Mapping) or not doc.data:
        raise CatalogueError(
            [doc.problem([], "a catalogue lists stretches, each starting with its id and a colon.")]
        )
    found: dict[str, Stretch] = {}
    for sid, entry in doc.data.items():
        if not isinstance(sid, str) or not ID_PATTERN.match(sid):
            problems.append(
                doc.problem(
                    [str(sid)],
                    f"'{sid}' is not a valid stretch id; use lowercase letters, digits and "
                    "hyphens, e.g. 'hip-flexor'.",
                )
            )
            continue
        given = (
            {k: v for k, v in entry.items() if not (k in _OPTIONAL and v is None)}
            if isinstance(entry, Mapping)
            else entry
        )
        values = check_mapping(doc, [sid], given, _FIELDS, problems, "a stretch")
        if values is None or not _check_picture(doc, sid, values, folder, problems):
            continue
        if values["hold_min"] > values["hold_max"]:
            problems.append(doc.problem([sid, "hold_min"], "must not be longer than hold_max."))
            continue
        values["muscles"] = tuple(values["muscles"])
        values["cues"] = tuple(values["cues"])
        found[sid] = Stretch(id=sid, **values)
    if problems:
        raise CatalogueError(problems)
    return found


def parse_catalogue(
    text: str, source: str = "catalogue", folder: Path | None = None
) -> dict[str, Stretch]:
    """Stretches defined in catalogue ``text``; raises CatalogueError naming every problem.

    ``folder`` is where the catalogue file lies: its pictures are looked for there. Without it
    (the shipped catalogue, a saved routine version) picture paths are kept as written.
    """
    doc = parse(source, text)
    if isinstance(doc, Problem):
        raise CatalogueError([doc])
    return _stretches_from(doc, folder)


def shipped_catalogue() -> dict[str, Stretch]:
    """The four stretches kneekit ships with."""
    text = resources.files("kneekit").joinpath("data/stretches.yaml").read_text("utf-8")
    return parse_catalogue(text, "kneekit/data/stretches.yaml")


def load_catalogue(extra: Iterable[Path | str] = ()) -> dict[str, Stretch]:
    """Shipped stretches, then each of the physio's ``extra`` files in order (later ones win)."""
    catalogue = shipped_catalogue()
    for path in extra:
        read = read_text(path, "catalogue")
        if isinstance(read, Problem):
            raise CatalogueError([read])
        catalogue.update(parse_catalogue(read[1], read[0], Path(path).parent))
    return catalogue

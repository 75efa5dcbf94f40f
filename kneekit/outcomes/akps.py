"""The Kujala Anterior Knee Pain Scale (AKPS): the instrument as data, scoring, and its trend.

The shipped instrument (``data/akps.yaml``) states each item in kneekit's own words; a clinic with
a licensed copy of the published wording, or a translation, loads that file instead. Each score
keeps the name and fingerprint of the file it was scored with, and scores are only compared
within one file: a translation is not assumed to score the same as the original.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from kneekit.errors import KneekitError, Problem
from kneekit.yamlfile import Document, parse, read_text

MAX_SCORE = 100
"""The AKPS is scored 0 to 100, higher is better (Kujala et al. 1993, Arthroscopy 9:159-63)."""

MCID = 10
"""The smallest change in the AKPS that patients notice: 10 points.

Source: Crossley et al. 2004, Arch Phys Med Rehabil 85:815-22 (minimal clinically important
difference for patellofemoral pain)."""

MIN_OPTIONS = 2
"""An item with one option asks nothing."""

SHIPPED = "akps.yaml"

_KEYS = {
    (): ("name", "wording", "items"),
    ("item",): ("id", "topic", "options"),
    ("option",): ("text", "points"),
}
"""The fields each level of the file may have: anything else is a typo the physio should see."""


class QuestionnaireError(KneekitError):
    """An instrument file or a set of answers cannot be used."""


@dataclass(frozen=True)
class Option:
    """One answer to an item and the points it scores."""

    text: str
    points: int


@dataclass(frozen=True)
class Item:
    """One question of the instrument: its topic and its options, most points first."""

    id: str
    topic: str
    options: tuple[Option, ...]

    @property
    def best(self) -> int:
        return max(o.points for o in self.options)


@dataclass(frozen=True)
class Instrument:
    """A questionnaire file as loaded. ``fingerprint`` (sha256 of the file's text) tells
    instruments apart even when two files carry the same name."""

    name: str
    items: tuple[Item, ...]
    fingerprint: str
    source: str

    def describe(self, index: int) -> str:
        """``item 3 (How far you can walk)``: how a physio finds an item in the file."""
        return f"item {index + 1} ({self.items[index].topic})"


@dataclass(frozen=True)
class Score:
    """One completed questionnaire: the total, each answer (option numbers from 1), when."""

    client_id: int
    at: datetime  # timezone-aware, in the offset where it was filled in
    total: int
    answers: tuple[int, ...]
    instrument: str  # the instrument's name
    fingerprint: str  # the instrument file's sha256: scores compare only within one


def load(path: str | Path | None = None) -> Instrument:
    """The shipped instrument, or the clinic's own file at ``path``; refuses a bad file.

    Checked strictly: every item has a topic and two or more options, each with text and whole
    points of 0 or more, listed from most to fewest points, and the items' highest points add up
    to exactly :data:`MAX_SCORE`.
    """
    if path is None:
        text = resources.files("kneekit").joinpath(f"data/{SHIPPED}").read_text("utf-8")
        source = f"kneekit's {SHIPPED}"
    else:
        found = read_text(path, "questionnaire")
        if isinstance(found, Problem):
            raise QuestionnaireError([found])
        source, text = found
    return parse_instrument(text, source)


def parse_instrument(text: str, source: str) -> Instrument:
    """An instrument from the text of its file; QuestionnaireError lists every problem."""
    doc = parse(source, text)
    if isinstance(doc, Problem):
        raise QuestionnaireError([doc])
    problems: list[Problem] = []
    data = doc.data
    if not isinstance(data, dict):
        raise QuestionnaireError([Problem(source, "", "expected 'name:' and 'items:' lines.")])
    _unknown(doc, [], data, _KEYS[()], problems)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(doc.problem(["name"], "give the questionnaire a name, e.g. 'AKPS'."))
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        problems.append(doc.problem(["items"], "list the questions under 'items:'."))
        raw_items = []
    items = [_item(doc, i, raw, problems) for i, raw in enumerate(raw_items)]
    ids = [it.id for it in items if it is not None]
    for dup in sorted({x for x in ids if ids.count(x) > 1}):
        problems.append(doc.problem(["items"], f"two items have the id '{dup}'; ids must differ."))
    if not problems:
        total = sum(it.best for it in items if it is not None)
        if total != MAX_SCORE:
            problems.append(
                doc.problem(
                    ["items"],
                    f"the items' highest points add up to {total}, not {MAX_SCORE}; "
                    "check each item's first option.",
                )
            )
    if problems:
        raise QuestionnaireError(problems)
    normalised = text.replace("\r\n", "\n").encode("utf-8")
    return Instrument(
        str(name).strip(),
        tuple(it for it in items if it is not None),
        hashlib.sha256(normalised).hexdigest(),
        source,
    )


def _item(doc: Document, index: int, raw: Any, problems: list[Problem]) -> Item | None:
    where: list[str | int] = ["items", index]
    before = len(problems)
    if not isinstance(raw, dict):
        problems.append(doc.problem(where, "each item needs 'id:', 'topic:' and 'options:'."))
        return None
    _unknown(doc, where, raw, _KEYS[("item",)], problems)
    item_id, topic, options = raw.get("id"), raw.get("topic"), raw.get("options")
    if not isinstance(item_id, str) or not item_id.strip():
        problems.append(doc.problem([*where, "id"], "give the item a short id, e.g. 'stairs'."))
    if not isinstance(topic, str) or not topic.strip():
        problems.append(doc.problem([*where, "topic"], "give the item a topic to show."))
    if not isinstance(options, list) or len(options) < MIN_OPTIONS:
        problems.append(doc.problem([*where, "options"], "list two or more options."))
        return None
    parsed: list[Option] = []
    for j, opt in enumerate(options):
        at = [*where, "options", j]
        if isinstance(opt, dict):
            _unknown(doc, at, opt, _KEYS[("option",)], problems)
        text = opt.get("text") if isinstance(opt, dict) else None
        points = opt.get("points") if isinstance(opt, dict) else None
        if not isinstance(text, str) or not text.strip():
            problems.append(doc.problem(at, "each option needs 'text:' to show."))
        if isinstance(points, bool) or not isinstance(points, int) or points < 0:
            problems.append(doc.problem(at, "each option needs 'points:', a whole number >= 0."))
        else:
            parsed.append(Option(str(text).strip(), points))
    scores = [o.points for o in parsed]
    if len(problems) == before and scores != sorted(scores, reverse=True):
        problems.append(
            doc.problem([*where, "options"], "list the options from most to fewest points.")
        )
    if len(problems) > before:
        return None
    return Item(str(item_id).strip(), str(topic).strip(), tuple(parsed))


def _unknown(
    doc: Document,
    where: list[str | int],
    data: dict[Any, Any],
    allowed: tuple[str, ...],
    problems: list[Problem],
) -> None:
    for key in data:
        if key not in allowed:
            problems.append(
                doc.problem(
                    [*where, str(key)],
                    f"unknown field '{key}'; the fields here are {', '.join(allowed)}.",
                )
            )


def score(
    instrument: Instrument,
    client_id: int,
    at: datetime,
    answers: Sequence[int | None],
    *,
    now: datetime,
) -> Score:
    """Score a completed questionnaire; refuses missing or impossible answers, naming the items.

    ``answers`` holds one option number per item in file order (1 = the item's first option);
    ``None`` or a short list means an item was not answered, and nothing is scored then: a
    partial total would read as a worse knee.
    """
    problems: list[Problem] = []
    items = instrument.items
    if at.tzinfo is None:
        problems.append(Problem("questionnaire", "at", "the time must include its time zone."))
    elif at > now:
        problems.append(Problem("questionnaire", "at", f"{at:%Y-%m-%d %H:%M} is in the future."))
    if len(answers) > len(items):
        problems.append(
            Problem(
                "questionnaire",
                "answers",
                f"{len(answers)} answers given but the questionnaire has {len(items)} items.",
            )
        )
    padded = list(answers[: len(items)]) + [None] * (len(items) - len(answers))
    missing = [i for i, a in enumerate(padded) if a is None]
    if missing:
        named = ", ".join(instrument.describe(i) for i in missing)
        problems.append(
            Problem("questionnaire", "answers", f"not saved: no answer yet for {named}.")
        )
    for i, a in enumerate(padded):
        n = len(items[i].options)
        if a is not None and (isinstance(a, bool) or not isinstance(a, int) or not 1 <= a <= n):
            problems.append(
                Problem(
                    "questionnaire",
                    "answers",
                    f"{instrument.describe(i)} has options 1 to {n}; the answer is {a!r}.",
                )
            )
    if problems:
        raise QuestionnaireError(problems)
    chosen = tuple(int(a) for a in padded if a is not None)
    total = sum(items[i].options[a - 1].points for i, a in enumerate(chosen))
    return Score(client_id, at, total, chosen, instrument.name, instrument.fingerprint)


def comparable(scores: Sequence[Score], fingerprint: str | None = None) -> list[Score]:
    """The scores made with one instrument file (the latest score's, unless named), by time."""
    if not scores:
        return []
    ordered = sorted(scores, key=lambda s: s.at)
    wanted = fingerprint or ordered[-1].fingerprint
    return [s for s in ordered if s.fingerprint == wanted]


def change(scores: Sequence[Score]) -> int | None:
    """Points gained from the first to the latest score of one instrument; None with fewer
    than two."""
    same = comparable(scores)
    return same[-1].total - same[0].total if len(same) > 1 else None


def latest_akps_words(scores: Sequence[Score]) -> str:
    """One line for ``kneekit review`` and the report: the latest score and how it moved.

    Change is only reported within one instrument file, against the :data:`MCID`.
    """
    same = comparable(scores)
    if not same:
        return "Knee questionnaire (AKPS): not filled in yet."
    last = same[-1]
    line = f"Knee questionnaire (AKPS): {last.total}/100 on {last.at:%d %b %Y}"
    moved = change(same)
    if moved is None:
        return line + " (the first one; fill it in again in a few weeks to see change)."
    since = f"since {same[0].at:%d %b %Y}"
    if abs(moved) >= MCID:
        way = "better" if moved > 0 else "worse"
        return line + (
            f", {abs(moved)} points {way} {since}: at least the {MCID} points patients notice."
        )
    return line + f", {moved:+d} {since}: less than the {MCID} points patients notice."

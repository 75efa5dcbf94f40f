"""Strict reading of the small YAML files physios edit by hand (catalogues, routines).

Every problem names the file, the line, the field and what is allowed, so that a clinician can fix
the file without reading Python. Problems are collected rather than raised one at a time: fixing a
file in one pass beats a fix-rerun loop.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from kneekit.errors import Problem

PathPart = str | int


@dataclass(frozen=True)
class Document:
    """Parsed YAML plus the node tree, kept so that problems can point at a line."""

    source: str
    data: Any
    node: yaml.Node | None

    def line(self, path: Iterable[PathPart]) -> int | None:
        """1-based line of the value at ``path`` (or of its nearest existing parent)."""
        node = self.node
        if node is None:
            return None
        for part in path:
            child = _child(node, part)
            if child is None:
                break
            node = child
        return node.start_mark.line + 1

    def problem(self, path: Iterable[PathPart], message: str) -> Problem:
        path = list(path)
        return Problem(self.source, format_path(path), message, self.line(path))


def _child(node: yaml.Node, part: PathPart) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        return next((v for k, v in node.value if k.value == part), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item: yaml.Node = node.value[part]
        return item
    return None


def format_path(path: Iterable[PathPart]) -> str:
    """``["stretches", 1, "hold"]`` -> ``stretches[2].hold`` (1-based, as a physio counts)."""
    out = ""
    for part in path:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def read_text(path: Path | str, what: str) -> tuple[str, str] | Problem:
    """Return ``(source name, text)`` or the problem that stops the file being read."""
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Problem(source, "", f"no such {what} file; check the name and folder.")
    except IsADirectoryError:
        return Problem(source, "", f"this is a folder, not a {what} file.")
    except OSError as exc:
        return Problem(source, "", f"the {what} file cannot be read ({exc.strerror}).")
    try:
        return source, raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Problem(
            source,
            "",
            f"the file is not UTF-8 text (bad byte at position {exc.start}); "
            "save it as UTF-8 plain text from your editor.",
        )


def parse(source: str, text: str) -> Document | Problem:
    """Parse one YAML document with the safe loader, or say where the syntax breaks."""
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # a control character, found before parsing starts
        line = text[: exc.position].count("\n") + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return Problem(
            source,
            "",
            f"the file holds an invisible control character (U+{code:04X}); "
            "delete it, or retype the line.",
            line,
        )
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except (ValueError, OverflowError):  # e.g. a date like 2026-02-30, a 5000-digit number
        return Problem(
            source,
            "",
            "a value cannot be read as written (an impossible date such as 2026-02-30, or a "
            "number thousands of digits long); put quotes around it if it is meant as text.",
        )
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid YAML"
        advice = (
            "indent with spaces, not tabs"
            if "'\\t'" in what
            else f"{what}; check the indentation and colons there"
        )
        return Problem(
            source,
            "",
            f"the file is not valid YAML ({advice}).",
            mark.line + 1 if mark else None,
        )
    except yaml.YAMLError as exc:
        return Problem(source, "", f"the file is not valid YAML ({exc}).")
    finally:
        loader.dispose()
    return Document(source, data, node)


@dataclass(frozen=True)
class Field:
    """One allowed key of a mapping, with its type, bounds and default."""

    name: str
    kind: Literal["int", "text", "choice", "bool", "texts", "list"]
    required: bool = False
    default: Any = None
    low: int | None = None
    high: int | None = None
    choices: tuple[str, ...] = ()
    unit: str = ""
    hint: str = ""

    def allowed(self) -> str:
        if self.hint:
            return self.hint
        if self.kind == "int":
            return f"a whole number from {self.low} to {self.high}{self.unit}"
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "yes or no"
        if self.kind == "texts":
            return "a list of one or more lines of text"
        return "some text"

    def problem(self, value: Any) -> str | None:
        """What is wrong with ``value`` for this field, as a sentence; None if it is allowed."""
        return (
            None if self.is_valid(value) else f"must be {self.allowed()}; it is {describe(value)}."
        )

    def is_valid(self, value: Any) -> bool:
        if self.kind == "int":
            return (
                isinstance(value, int)
                and not isinstance(value, bool)
                and self.low is not None
                and self.high is not None
                and self.low <= value <= self.high
            )
        if self.kind == "choice":
            return value in self.choices
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "list":
            return isinstance(value, list) and bool(value)
        if self.kind == "texts":
            return (
                isinstance(value, list)
                and bool(value)
                and all(isinstance(v, str) and v.strip() for v in value)
            )
        return isinstance(value, str) and bool(value.strip())


def check_mapping(
    doc: Document,
    path: list[PathPart],
    value: Any,
    fields: Iterable[Field],
    problems: list[Problem],
    what: str,
) -> dict[str, Any] | None:
    """Validate ``value`` against ``fields``; return it with defaults filled, or None if unusable.

    Problems are appended to ``problems``. Anything wrong makes the result None, so callers never
    build objects from half-valid input.
    """
    by_name = {f.name: f for f in fields}
    if not isinstance(value, Mapping):
        problems.append(doc.problem(path, f"expected {what} written as 'key: value' lines."))
        return None
    before = len(problems)
    out: dict[str, Any] = {}
    for key, item in value.items():
        field = by_name.get(key) if isinstance(key, str) else None
        if field is None:
            hint = difflib.get_close_matches(str(key), list(by_name), n=1)
            problems.append(
                doc.problem(
                    [*path, str(key)],
                    f"unknown field '{key}'"
                    + (f" (did you mean '{hint[0]}'?)" if hint else "")
                    + f"; allowed fields: {', '.join(by_name)}.",
                )
            )
        elif (wrong := field.problem(item)) is not None:
            problems.append(doc.problem([*path, key], wrong))
        else:
            out[key] = item
    for field in by_name.values():
        if field.name in value:
            continue
        if field.required:
            problems.append(doc.problem(path, f"missing field '{field.name}' ({field.allowed()})."))
        else:
            out[field.name] = field.default
    return out if len(problems) == before else None


def describe(value: Any) -> str:
    """How a bad value looks to the person who typed it."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return f"'{value}'" if value.strip() else "empty"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, dict):
        return "a group of fields"
    return str(value)

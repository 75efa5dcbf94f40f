"""The exceptions kneekit raises for bad input, each carrying plain-language problems."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located well enough for a physio to find and fix it.

    Attributes
    ----------
    source : str
        The file (or other input) the problem is in.
    field : str
        Where in that input, e.g. ``stretches[2].hold``; empty when it concerns the whole input.
    message : str
        What is wrong and what is allowed, as a sentence.
    line : int or None
        1-based line number in ``source`` when known.
    """

    source: str
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.source + (f", line {self.line}" if self.line else "")
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message}"


class KneekitError(Exception):
    """Bad input that the user can fix; never a bug.

    The CLI and widgets show ``str(error)`` as it is, so it must read as plain sentences.
    """

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class CatalogueError(KneekitError):
    """A stretch catalogue file cannot be used."""


class RoutineError(KneekitError):
    """A routine file or routine definition cannot be used."""


class SorenessError(KneekitError):
    """A soreness check-in cannot be saved as entered."""


class StoreError(KneekitError):
    """The clinic database cannot be opened or written as asked."""


class ReportError(KneekitError):
    """A progress report cannot be written where asked."""


class ConfigError(KneekitError):
    """The clinic's settings file cannot be used."""

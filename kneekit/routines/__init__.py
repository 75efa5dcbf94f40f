"""What a physio prescribes and what a runner plays: the stretch catalogue, routines and their
files, and the session engine that turns a routine into a timeline with pause and skip.

The figures of a routine are in :mod:`kneekit.routines.figures`, imported on their own so that
matplotlib loads only when a figure is drawn.
"""

from kneekit.routines.catalogue import Stretch, load_catalogue, parse_catalogue
from kneekit.routines.routine import (
    BUILT_IN,
    DOSE_GUIDELINE_S,
    Assignment,
    Prescription,
    Routine,
    Step,
    default_routine,
    format_duration,
    load_routine,
    parse_routine,
)
from kneekit.routines.session import Clock, ManualClock, Session, StepRecord, SystemClock

__all__ = [
    "BUILT_IN",
    "DOSE_GUIDELINE_S",
    "Assignment",
    "Clock",
    "ManualClock",
    "Prescription",
    "Routine",
    "Session",
    "Step",
    "StepRecord",
    "Stretch",
    "SystemClock",
    "default_routine",
    "format_duration",
    "load_catalogue",
    "load_routine",
    "parse_catalogue",
    "parse_routine",
]

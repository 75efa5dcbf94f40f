"""The numbers the flags use, each with its source, and a clinic's own values for them.

The defaults are constants here, in :mod:`kneekit.outcomes.scale` and in
:mod:`kneekit.progress.trends`; a clinic may change them in the ``[flags]`` section of its
settings file (:mod:`kneekit.config`), under the names of :class:`Thresholds`' fields. The flags
themselves are in :mod:`kneekit.progress.flags`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from kneekit.errors import ConfigError, Problem
from kneekit.outcomes.scale import ACCEPTABLE_MAX, SMALLEST_CHANGE
from kneekit.progress.trends import DISTANCE_JUMP

FEW_STRETCHES_SHARE = 0.5
"""Fewer than half of recent runs followed by a stretch session is flagged.

Source: none clinical. The source article advises stretching after every run; 50% is kneekit's
own line for "most runs go without it", and the flag says so.
"""
FEW_STRETCHES_MIN_RUNS = 3
"""At least 3 runs in the window, so one unstretched run out of two is not a pattern (kneekit's)."""
FEW_STRETCHES_DAYS = 14
"""Two weeks: long enough to hold several runs for a runner out three times a week (kneekit's)."""
NO_CHECKIN_DAYS = 14
"""No check-in for 14 days: the client may be lost to follow-up (kneekit's convention)."""
RUN_SPIKE = 0.10
"""One run more than 10% longer than the longest run of the 30 days before it is flagged.

Source: a cohort of 5,205 runners followed for 18 months (Br J Sports Med 2025,
doi:10.1136/bjsports-2024-109380): single runs more than 10% longer than the longest of the
previous 30 days went with more overuse injuries, while the week-to-week ratio of distance showed
no relationship. An association in an observational study, not proof.
"""
RUN_SPIKE_DAYS = 30
"""The look-back for a run spike: the longest run of the 30 days before (same source)."""
WEEK = 7
"""Flags are about the seven days ending today, compared where relevant with the seven before."""


@dataclass(frozen=True)
class Thresholds:
    """The numbers the flags use; the defaults are the constants above, in
    :mod:`kneekit.outcomes.scale` and in :mod:`kneekit.progress.trends`."""

    high: float = ACCEPTABLE_MAX  # top of the acceptable zone (Silbernagel et al. 2007)
    rise: float = SMALLEST_CHANGE  # a week-on-week rise worth a look (Salaffi et al. 2004)
    distance_jump: float = DISTANCE_JUMP  # weekly distance rise (Nielsen et al. 2014)
    few_stretches_share: float = FEW_STRETCHES_SHARE
    few_stretches_min_runs: int = FEW_STRETCHES_MIN_RUNS
    no_checkin_days: int = NO_CHECKIN_DAYS
    run_spike: float = RUN_SPIKE
    run_spike_days: int = RUN_SPIKE_DAYS

    @classmethod
    def from_settings(cls) -> Thresholds:
        """The defaults, changed by the ``[flags]`` section of the clinic's settings file."""
        from kneekit.config import config_path, settings

        given = dict(settings("flags"))
        limits = {f.name: f for f in fields(cls)}
        problems = []
        out = cls()
        for key, value in given.items():
            if key not in limits:
                allowed = ", ".join(limits)
                problems.append(
                    Problem(
                        str(config_path()),
                        f"flags.{key}",
                        f"unknown setting; the settings are {allowed}.",
                    )
                )
                continue
            whole = limits[key].type in ("int", int)
            top = 365 if whole else 10
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            ok = ok and (not whole or isinstance(value, int)) and 0 < value <= top
            if not ok:
                kind = "a whole number" if whole else "a number"
                problems.append(
                    Problem(
                        str(config_path()),
                        f"flags.{key}",
                        f"must be {kind} above 0 and at most {top}; it is {value!r}.",
                    )
                )
                continue
            out = replace(out, **{key: value})
        if problems:
            raise ConfigError(problems)
        return out

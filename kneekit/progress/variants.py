"""Routine variants compared for one client: an n-of-1 look at soreness on each version.

Kept apart from :mod:`kneekit.progress.trends` because it is the one analysis with resampling, and
the one whose limits must travel with every result (:data:`CAVEATS`).
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from kneekit.history import History
from kneekit.progress.adherence import first_day
from kneekit.progress.trends import clip, ratings_by_day

CAVEATS = (
    "This compares one person's own records. The routines were not assigned at random, so a "
    "difference may come from anything else that changed at the same time: running load, shoes, "
    "season, sleep, strengthening work or other treatment.",
    "One day's soreness is much like the next, so the interval resamples whole weeks rather than "
    "single days; even so it is a rough guide to the uncertainty, not a test.",
    "Soreness often eases with time on its own, which favours whichever routine came later.",
    "Even a clear difference does not show that the routine caused it.",
)
"""The limits of an n-of-1 comparison, in plain words, shown with every variant comparison."""
RESAMPLES = 2000
"""Bootstrap resamples: enough for a stable 95% percentile interval (Efron & Tibshirani 1993)."""


@dataclass(frozen=True)
class VersionPeriod:
    """The rated days a client spent on one routine version and their mean soreness (sorer knee)."""

    version_id: int
    label: str
    days: int
    mean: float


@dataclass(frozen=True)
class VariantDifference:
    """Mean daily soreness (sorer knee) on ``after`` minus on ``before``, with a 95% interval."""

    before: VersionPeriod
    after: VersionPeriod
    difference: float
    interval: tuple[float, float] | None

    def __str__(self) -> str:
        a, b = self.after, self.before
        text = (
            f"On {a.label} mean daily soreness (sorer knee) was {a.mean:.1f} over {a.days} days, "
            f"against {b.mean:.1f} over {b.days} days on {b.label}: {self.difference:+.1f} points"
        )
        if self.interval is None:
            return text + ". Too few weeks on each version for an interval (needs 2 on each)."
        low, high = self.interval
        text += f" (95% interval {low:+.1f} to {high:+.1f}). "
        if low <= 0 <= high:
            return text + "The interval includes 0: these records cannot tell the two apart."
        return text + f"Soreness was {'lower' if high < 0 else 'higher'} on {a.label}."


@dataclass(frozen=True)
class VariantComparison:
    """Each routine version a client used, in order of first use, and each change between them."""

    periods: tuple[VersionPeriod, ...]
    differences: tuple[VariantDifference, ...]
    caveats: tuple[str, ...] = CAVEATS


def _quantile(ordered: Sequence[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _pooled(blocks: Sequence[tuple[float, int]]) -> float:
    return sum(s for s, _ in blocks) / sum(n for _, n in blocks)


def compare_variants(
    history: History, today: date, rng: random.Random, resamples: int = RESAMPLES
) -> VariantComparison:
    """Soreness on each routine version, and a bootstrap 95% interval for each change of version.

    An n-of-1 comparison of the sorer knee's daily soreness. Days are grouped into weeks within
    each spell on a version and whole weeks are resampled (a block bootstrap), because neighbouring
    days are alike. Versions are in order of first use; each is compared with the one before.
    """
    spells = sorted(history.assignments, key=lambda a: a.since)
    first = first_day(history) or today
    weeks: dict[int, dict[tuple[int, int], list[int]]] = {}
    for day, (left, right) in sorted(ratings_by_day(clip(history, first, today)).items()):
        i = bisect.bisect_right(spells, day, key=lambda a: a.since) - 1
        if i >= 0:
            key = (i, (day - spells[i].since).days // 7)
            weeks.setdefault(spells[i].version_id, {}).setdefault(key, []).append(max(left, right))
    labels = {a.version_id: a.label for a in reversed(spells)}  # the label it was first used under
    pools = {v: [(float(sum(d)), len(d)) for d in found.values()] for v, found in weeks.items()}
    periods = [
        VersionPeriod(v, labels[v], sum(n for _, n in pool), _pooled(pool))
        for v, pool in pools.items()
    ]
    differences = []
    for b, a in itertools.pairwise(periods):
        pa, pb = pools[a.version_id], pools[b.version_id]
        interval = None
        if min(len(pa), len(pb)) >= 2:
            draws = sorted(
                _pooled(rng.choices(pa, k=len(pa))) - _pooled(rng.choices(pb, k=len(pb)))
                for _ in range(resamples)
            )
            interval = (_quantile(draws, 0.025), _quantile(draws, 0.975))
        differences.append(VariantDifference(b, a, a.mean - b.mean, interval))
    return VariantComparison(tuple(periods), tuple(differences))

"""The arithmetic of an n-of-1 trial: paired t interval, randomisation test, load regression.

Standard library only (scipy is not a kneekit dependency, and the few numbers needed here are a
table and a short series). Kept apart from :mod:`kneekit.trials.plan` so that the statistics can be
read, and tested against known values, on their own.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

T_975: tuple[float, ...] = (
    12.706204736,
    4.302652730,
    3.182446305,
    2.776445105,
    2.570581836,
    2.446911851,
    2.364624252,
    2.306004135,
    2.262157163,
    2.228138852,
    2.200985160,
    2.178812830,
    2.160368656,
    2.144786688,
    2.131449546,
    2.119905299,
    2.109815578,
    2.100922040,
    2.093024054,
    2.085963447,
    2.079613845,
    2.073873068,
    2.068657610,
    2.063898562,
    2.059538553,
    2.055529439,
    2.051830516,
    2.048407142,
    2.045229642,
    2.042272456,
)
"""The 97.5th percentile of Student's t with 1 to 30 degrees of freedom (``T_975[df - 1]``).

Source: any table of t (e.g. Abramowitz & Stegun 1964, table 26.10); the test checks each entry
against a numerical integral of the t density. A trial has at most a dozen block pairs, so the
table covers every interval kneekit draws; beyond 30 the Cornish–Fisher series takes over.
"""
Z_975 = 1.959963984540054
"""The 97.5th percentile of the standard normal distribution."""
MAX_SIGN_FLIPS_PAIRS = 16
"""Above 16 pairs (65 536 orders) the exact randomisation test would be slow; trials are far
smaller (see :data:`kneekit.trials.plan.MAX_PAIRS`)."""
MIN_PAIRS_FOR_SPREAD = 2
"""A spread (and so an interval) needs two differences; a line through them needs three."""
NO_SPREAD = 1e-9
"""Pairs whose load differences are all equal (to float rounding) give no slope to fit."""


def t_quantile_975(df: int) -> float:
    """The two-sided 95% critical value of Student's t with ``df`` degrees of freedom.

    From :data:`T_975` up to 30 degrees of freedom; above that, the Cornish–Fisher expansion
    of t in terms of the normal quantile (Abramowitz & Stegun 1964, 26.7.5), which agrees with
    printed tables to their three decimals from 31 degrees of freedom on (see the tests).
    """
    if df < 1:
        raise ValueError(f"degrees of freedom must be at least 1, not {df}")
    if df <= len(T_975):
        return T_975[df - 1]
    z, n = Z_975, float(df)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / n + g2 / n**2 + g3 / n**3 + g4 / n**4


@dataclass(frozen=True)
class PairedT:
    """Mean of the block-pair differences with its paired-t 95% interval."""

    n: int
    mean: float
    sd: float
    interval: tuple[float, float]


def paired_t(differences: Sequence[float]) -> PairedT | None:
    """The mean difference over block pairs and its 95% interval (paired t, ``n - 1`` df).

    Each block pair gives one difference (B minus A), so the pairs are the units of analysis,
    as the AHRQ guide recommends for a paired n-of-1 design (Kravitz & Duan 2014):
    days within a block are alike and are not independent observations. None with fewer than
    two pairs (no spread to estimate).
    """
    n = len(differences)
    if n < MIN_PAIRS_FOR_SPREAD:
        return None
    mean = sum(differences) / n
    sd = math.sqrt(sum((d - mean) ** 2 for d in differences) / (n - 1))
    half = t_quantile_975(n - 1) * sd / math.sqrt(n)
    return PairedT(n, mean, sd, (mean - half, mean + half))


def randomisation_p(differences: Sequence[float]) -> float | None:
    """Two-sided p of the exact randomisation test over every order the plan could have drawn.

    The plan draws AB or BA in each pair independently, so under the null hypothesis that the
    routine makes no difference to any day's soreness, drawing the other order in a pair only
    swaps the sign of that pair's difference. The test looks at all ``2**n`` sign patterns and
    counts those whose mean is at least as far from 0 as the one observed (Edgington & Onghena,
    Randomization Tests, 4th ed. 2007; for n-of-1 trials Kravitz & Duan 2014). With
    ``n`` pairs the smallest possible p is ``2 / 2**n``: 0.125 with 4 pairs.
    """
    n = len(differences)
    if n == 0 or n > MAX_SIGN_FLIPS_PAIRS:
        return None
    observed = abs(sum(differences)) - 1e-9  # equal sums of floats count as "as extreme"
    hits = sum(
        abs(sum(s * d for s, d in zip(signs, differences, strict=True))) >= observed
        for signs in itertools.product((1, -1), repeat=n)
    )
    return hits / (1 << n)


@dataclass(frozen=True)
class LoadFit:
    """Pair differences regressed on the pair's difference in weekly distance (B minus A).

    ``adjusted`` is the intercept: the B minus A difference expected had weekly distance been
    the same on both arms; ``per_10km`` the change in the difference per 10 km a week more on B.
    """

    n: int
    adjusted: float
    interval: tuple[float, float] | None
    per_10km: float


def load_fit(differences: Sequence[float], load: Sequence[float]) -> LoadFit | None:
    """Least squares of ``differences`` on ``load`` (weekly km on B minus on A), per pair.

    A regression on the block-pair differences, as the issue asks; with n pairs it has
    ``n - 2`` degrees of freedom, so it needs three pairs and some spread in load, and with
    few pairs its interval is wide: it says how much load could explain, not a second verdict.
    None when it cannot be fitted.
    """
    n = len(differences)
    if n < MIN_PAIRS_FOR_SPREAD + 1 or len(load) != n:
        return None
    mx, my = sum(load) / n, sum(differences) / n
    sxx = sum((x - mx) ** 2 for x in load)
    if sxx < NO_SPREAD:
        return None
    slope = sum((x - mx) * (y - my) for x, y in zip(load, differences, strict=True)) / sxx
    intercept = my - slope * mx
    residual = sum((y - intercept - slope * x) ** 2 for x, y in zip(load, differences, strict=True))
    s = math.sqrt(residual / (n - 2))
    half = t_quantile_975(n - 2) * s * math.sqrt(1 / n + mx**2 / sxx)
    return LoadFit(n, intercept, (intercept - half, intercept + half), slope * 10)

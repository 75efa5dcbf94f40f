"""The 0–10 soreness scale and what its numbers mean: the zones, and how big a change matters.

Every part of kneekit that judges a rating (trends, flags, trials, figures) reads these, so a
clinic sees one meaning of "high" or "a real change" wherever it looks.
"""

from __future__ import annotations

SCALE = (0, 10)
"""The 0–10 numeric rating scale: 0 is no soreness, 10 the worst imaginable.

Source: the 11-point NRS as used by Farrar et al. 2001 (Pain 94:149-58) for chronic pain.
"""

SAFE_MAX = 2
ACCEPTABLE_MAX = 5
"""Pain-monitoring zones on the 0–10 scale: 0–2 safe, 3–5 acceptable, above 5 high.

Source: Silbernagel et al. 2007, Am J Sports Med 35(6):897-906 (pain-monitoring model): pain may
reach 5 during and after activity, should settle by the next morning, and should not build up from
week to week.
"""
MCID_POINTS = 2.0
MCID_FRACTION = 0.30
"""A change of about 2 points or about 30% on the 0–10 scale is clinically important.

Source: Farrar et al. 2001, Pain 94:149-58 (2724 people with chronic pain, daily 0–10 diaries).
"""
SMALLEST_CHANGE = 1.0
"""One point: the smallest change people with musculoskeletal pain call "slightly better".

Source: Salaffi et al. 2004, Eur J Pain 8:283-91. kneekit uses it for the two-week trend arrow and
for week-on-week rises, and requires it of the 30% criterion too, because on a whole-number scale
a smaller change (say 1.0 to 0.6) is within the noise of a single rating.
"""

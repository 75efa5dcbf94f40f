"""Flags: what in a client's recent records a physio may want to look at, in plain words.

Each flag names its source and the days it looked at. kneekit advises; a flag is a prompt to look
("worth a look"), never a diagnosis. The thresholds, each with its source, and a clinic's own
values for them are in :mod:`kneekit.progress.thresholds`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from kneekit.history import History, RunDone, runs
from kneekit.outcomes.checkin import CheckIn
from kneekit.progress.adherence import adherence, first_day
from kneekit.progress.thresholds import FEW_STRETCHES_DAYS, WEEK, Thresholds
from kneekit.progress.trends import (
    EPS,
    KNEES,
    DailyRatings,
    Knee,
    Week,
    change_from_baseline,
    clip,
    daily_ratings,
    mean_of,
    weekly,
)

FlagCode = Literal[
    "high-after-run",
    "morning-higher",
    "rising",
    "distance-jump",
    "stays-high",
    "not-settled",
    "worsening",
    "few-stretches",
    "no-checkin",
    "run-spike",
]

_MODEL = "Silbernagel et al. 2007, the pain-monitoring model"
_NIELSEN = "Nielsen et al. 2014 (an association in novice runners, not proof)"
_SPIKE = "Br J Sports Med 2025, doi:10.1136/bjsports-2024-109380 (5,205 runners; an association)"


@dataclass(frozen=True)
class Flag:
    """Something a physio may want to look at: stable code, knee, words, source and dates."""

    code: FlagCode
    knee: Knee | None
    title: str
    detail: str
    source: str
    start: date
    end: date

    def __str__(self) -> str:
        return f"{self.title}. {self.detail}"

    def as_dict(self) -> dict[str, object]:
        """The flag as ``kneekit review --json`` prints it."""
        return {
            "code": self.code,
            "knee": self.knee,
            "title": self.title,
            "detail": self.detail,
            "source": self.source,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
        }


def _knee(knee: Knee | None) -> str:
    return (knee or "").capitalize()


def flags(
    history: History,
    today: date,
    *,
    thresholds: Thresholds | None = None,
    last_checkin: datetime | None = None,
    followed_from: date | None = None,
    ratings: DailyRatings | None = None,
) -> tuple[Flag, ...]:
    """Every flag for a client today.

    ``history`` needs the last 37 days at least (run spikes look 30 days behind the last 7);
    when it is cut to recent weeks, ``last_checkin`` (the client's latest check-in) and
    ``followed_from`` (the day of their first record) say what lies before. ``ratings``: the
    client's daily ratings when already worked out
    (:func:`kneekit.progress.trends.daily_ratings`).
    """
    t = thresholds or Thresholds()
    followed_from = followed_from or first_day(history)
    ratings = ratings or daily_ratings(history, today)
    out: list[Flag] = []
    # Worked out once for both knees and the distance flag: the last two weeks, and the
    # check-ins of the last week and the evening before it.
    weeks = weekly(history, today, 2, ratings=ratings)
    recent = clip(history, today - timedelta(WEEK), today).checkins
    for knee in KNEES:
        out += _soreness_flags(history, today, knee, t, weeks, ratings, recent)
    out += _distance_jump(weeks, today, t)
    out += _run_spike(history, today, t, followed_from)
    out += _few_stretches(history, today, t)
    latest = max((c.at for c in history.checkins if c.at.date() <= today), default=None)
    if last_checkin is not None and (latest is None or last_checkin > latest):
        latest = last_checkin
    if latest is not None and (today - latest.date()).days >= t.no_checkin_days:
        out.append(
            Flag(
                "no-checkin",
                None,
                f"No check-in for {(today - latest.date()).days} days",
                f"The last check-in was on {latest:%a %d %b}. The client may have stopped "
                "recording; worth a call. (kneekit's own convention: "
                f"{t.no_checkin_days} days without a check-in.)",
                f"kneekit convention ({t.no_checkin_days} days)",
                latest.date(),
                today,
            )
        )
    return tuple(out)


def _soreness_flags(
    history: History,
    today: date,
    knee: Knee,
    t: Thresholds,
    weeks: tuple[Week, ...],
    ratings: DailyRatings,
    recent: tuple[CheckIn, ...],
) -> list[Flag]:
    """The flags about one knee's soreness: high after a run, staying high, not settling by the
    next morning, rising week on week, and worse than at the start. ``recent``: the check-ins of
    the last week and the evening before it."""
    out: list[Flag] = []
    start = today - timedelta(WEEK - 1)
    name = _knee(knee)
    after_runs = [c for c in recent if c.context == "after-run" and c.at.date() >= start]
    worst = max(after_runs, key=lambda c: (getattr(c, knee), c.at), default=None)
    if worst is not None and getattr(worst, knee) > t.high + EPS:
        out.append(
            Flag(
                "high-after-run",
                knee,
                f"{name} knee above {t.high:g} after a run",
                f"Rated {getattr(worst, knee)}/10 after the run on {worst.at:%a %d %b}, above the "
                f"limit of {t.high:g} in {_MODEL}. Worth a look: consider easing the running "
                f"until soreness after runs stays at {t.high:g} or below.",
                _MODEL,
                start,
                today,
            )
        )
    mean7 = mean_of(r[KNEES.index(knee)] for r in ratings.between(start, today))
    if mean7 is not None and mean7 > t.high + EPS:
        out.append(
            Flag(
                "stays-high",
                knee,
                f"{name} knee staying high",
                f"Mean daily soreness {mean7:.1f}/10 over the last 7 days, in the high zone (above "
                f"{t.high:g}) of {_MODEL}. Worth a look: soreness that stays this high is the "
                "model's sign to ease the load.",
                _MODEL,
                start,
                today,
            )
        )
    out += _not_settled(recent, today, knee, t)
    before, now = weeks
    rises: tuple[tuple[FlagCode, str, str, str], ...] = (
        ("morning-higher", "morning", "Next-morning soreness", "sorer the morning after"),
        ("rising", "soreness", "Mean daily soreness", "soreness rising"),
    )
    for code, field, words, what in rises:
        b, n = getattr(before, field)[knee], getattr(now, field)[knee]
        if b is not None and n is not None and n - b >= t.rise - EPS:
            out.append(
                Flag(
                    code,
                    knee,
                    f"{name} knee {what}",
                    f"{words} {n:.1f} in the last 7 days against {b:.1f} the week before. In "
                    f"{_MODEL} soreness should settle by the next morning and not build from "
                    "week to week. Consider asking what changed (distance, pace, hills, shoes).",
                    _MODEL,
                    before.start,
                    today,
                )
            )
    change = change_from_baseline(history, knee, today, ratings=ratings)
    if change.verdict == "worsening" and history.checkins:
        out.append(
            Flag(
                "worsening",
                knee,
                f"{name} knee worse than at the start",
                f"{change.words[0].upper()}{change.words[1:]} Worth a look at what has changed "
                "since the first two weeks.",
                "Farrar et al. 2001 (a change of about 2 points or 30% is clinically important)",
                history.checkins[0].at.date(),
                today,
            )
        )
    return out


def _not_settled(part: tuple[CheckIn, ...], today: date, knee: Knee, t: Thresholds) -> list[Flag]:
    """Next-morning soreness above the limit, or above the evening before's after-run rating;
    ``part`` is the check-ins of the last week and the evening before it."""
    start = today - timedelta(WEEK - 1)
    evenings: dict[date, CheckIn] = {}
    for c in part:
        if c.context == "after-run":
            evenings[c.at.date()] = c  # the day's last after-run rating: the evening before
    found: tuple[CheckIn, CheckIn | None] | None = None
    for c in part:
        if c.context != "next-morning" or not start <= c.at.date() <= today:
            continue
        evening = evenings.get(c.at.date() - timedelta(1))
        high = getattr(c, knee) > t.high + EPS
        worse = evening is not None and getattr(c, knee) > getattr(evening, knee)
        if high or worse:
            found = (c, evening if worse else None)
    if found is None:
        return []
    morning, evening = found
    rated = f"Rated {getattr(morning, knee)}/10 on the morning of {morning.at:%a %d %b}"
    why = (
        f", higher than the {getattr(evening, knee)}/10 after the run the evening before"
        if evening is not None
        else f", above the limit of {t.high:g}"
    )
    return [
        Flag(
            "not-settled",
            knee,
            f"{_knee(knee)} knee not settling by the next morning",
            f"{rated}{why}. In {_MODEL} soreness should settle by the next morning. Worth a "
            "look: consider holding the running load steady until it does.",
            _MODEL,
            start,
            today,
        )
    ]


def _distance_jump(weeks: tuple[Week, ...], today: date, t: Thresholds) -> list[Flag]:
    before, now = weeks
    if before.km <= 0 or now.km <= before.km * (1 + t.distance_jump) + EPS:
        return []
    rise = now.km / before.km - 1
    return [
        Flag(
            "distance-jump",
            None,
            f"Weekly distance up more than {t.distance_jump:.0%}",
            f"{now.km:.1f} km in the last 7 days against {before.km:.1f} km the week before "
            f"({rise:+.0%}). Novice runners who raised their weekly distance by more than 30% had "
            "more overuse injuries in one cohort study; it is an association, not proof. "
            "Consider a gentler build-up.",
            _NIELSEN,
            before.start,
            today,
        )
    ]


def _run_spike(
    history: History, today: date, t: Thresholds, followed_from: date | None
) -> list[Flag]:
    """A run in the last 7 days over 10% longer than the longest of the 30 days before it.

    With no run in those 30 days the longest is 0 km, so a runner coming back after a break is
    flagged; a client's very first runs are not (they were not followed 30 days before).
    """
    start = today - timedelta(WEEK - 1)
    done = runs(clip(history, start - timedelta(t.run_spike_days), today))
    spikes: list[tuple[RunDone, float]] = []
    for run in done:
        if not start <= run.day <= today:
            continue
        window = run.day - timedelta(t.run_spike_days)
        prior = [r.km for r in done if window <= r.day < run.day]
        longest = max(prior, default=0.0)
        known = bool(prior) or (followed_from is not None and followed_from <= window)
        if known and run.km > longest * (1 + t.run_spike) + EPS:
            spikes.append((run, longest))
    if not spikes:
        return []
    run, longest = max(spikes, key=lambda s: s[0].km - s[1])
    against = (
        f"the longest run of the {t.run_spike_days} days before was {longest:.1f} km"
        if longest
        else f"there was no run in the {t.run_spike_days} days before"
    )
    return [
        Flag(
            "run-spike",
            None,
            "One run much longer than recent runs",
            f"{run.km:.1f} km on {run.day:%a %d %b}; {against}. Single runs more than "
            f"{t.run_spike:.0%} longer than the longest of the previous month went with more "
            "overuse injuries in a large cohort; an association, not proof. Worth a look at how "
            "the build-up is planned.",
            _SPIKE,
            start,
            today,
        )
    ]


def _few_stretches(history: History, today: date, t: Thresholds) -> list[Flag]:
    done = adherence(history, today, days=FEW_STRETCHES_DAYS)
    share = done.share
    if (
        share is None
        or done.runs < t.few_stretches_min_runs
        or share >= t.few_stretches_share - EPS
    ):
        return []
    return [
        Flag(
            "few-stretches",
            None,
            "Few runs followed by stretching",
            f"Stretched after {done.followed} of {done.runs} runs in the last "
            f"{FEW_STRETCHES_DAYS} days ({share:.0%}). The routine asks for a stretch after every "
            f"run; below {t.few_stretches_share:.0%} is kneekit's own line for a conversation, not "
            "a clinical threshold.",
            f"kneekit convention (below {t.few_stretches_share:.0%} of runs)",
            done.start,
            today,
        )
    ]

"""Runs read from the files watches and phones record: GPX (gpxpy) and FIT (fitdecode).

A file gives one run: where it started in time (with the UTC offset it was run in), how far, how
long, and how much climbing. A file that is not a recording, is damaged, has no track points or
starts in the future is refused with a sentence saying which and what to do; the parsers load
only when a file is read, so opening the clinic's records stays quick.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from itertools import pairwise
from pathlib import Path
from typing import Any

from kneekit.errors import KneekitError, Problem
from kneekit.outcomes.checkin import KM_MAX, MINUTES_MAX

MAX_FILE_BYTES = 50 * 1024 * 1024
"""Largest file read. A FIT file of a 10-hour run recorded every second is about 2 MB and its
GPX export about 10 MB; a file many times larger is not one run, and reading it would stall a
shared clinic kernel."""

SUFFIXES = (".gpx", ".fit")
"""What a folder is searched for (any case); other files in it are left alone and counted."""

RUN_SPORTS = frozenset({"running", "walking", "hiking", "generic", "training", "fitness"})
"""FIT ``sport`` values taken as a run (FIT profile names; "generic" is what many watches write
for an unnamed activity). Cycling, swimming and the rest are refused by name."""


class RunFileError(KneekitError):
    """A run file cannot be imported."""


@dataclass(frozen=True)
class RunFile:
    """One run as read from a file, before it is saved."""

    source: str  # the file's name, as the physio or client named it
    sha256: str  # of the file's bytes: the same file imported twice is skipped
    kind: str  # "GPX" or "FIT"
    start: datetime  # timezone-aware, in the offset the run was recorded in
    km: float
    minutes: float | None  # None when the file's times do not span any time
    elevation_gain_m: float | None  # None when the file holds no heights


def _refuse(source: str, message: str) -> RunFileError:
    return RunFileError([Problem(source, "", message)])


def read_run(path: str | Path, *, now: datetime, zone: tzinfo = UTC) -> RunFile:
    """Read one GPX or FIT file (told apart by content, not by name).

    ``zone`` places a run whose file gives only UTC (most GPX files) in a local day: the
    clinic's zone is the usual choice. ``now`` refuses a run in the future.
    """
    path = Path(path)
    source = path.name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _refuse(source, f"the file is {size // 2**20} MB; a run file is far smaller.")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _refuse(source, "no such file; check the name and folder.") from None
    except OSError as exc:
        raise _refuse(source, f"the file cannot be read ({exc.strerror}).") from exc
    return read_bytes(raw, source, now=now, zone=zone)


def read_bytes(raw: bytes, source: str, *, now: datetime, zone: tzinfo = UTC) -> RunFile:
    """Read one run from a file's bytes (an upload has no path)."""
    digest = hashlib.sha256(raw).hexdigest()
    if raw[8:12] == b".FIT":  # the FIT header's signature, bytes 8-11
        run = _fit(raw, source, digest, zone)
    elif b"<gpx" in raw[:4096]:
        run = _gpx(raw, source, digest, zone)
    else:
        raise _refuse(
            source,
            "this is not a GPX or FIT file; export the run from the watch or app as GPX or FIT.",
        )
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if run.start > now:
        raise _refuse(
            source,
            f"this run starts on {run.start:%Y-%m-%d at %H:%M}, which is in the future; check "
            "the date and time set on the watch or phone that recorded it.",
        )
    if run.km > KM_MAX or (run.minutes or 0) > MINUTES_MAX:
        raise _refuse(
            source,
            f"this recording is {run.km:.1f} km over {run.minutes or 0:.0f} minutes, beyond one "
            f"run (at most {KM_MAX:g} km and {MINUTES_MAX:g} minutes); it may hold several days "
            "of activity. Export each run on its own.",
        )
    return run


def _local(moment: datetime, zone: tzinfo) -> datetime:
    """A file's time as a plain ``timezone`` offset; a time given in UTC goes into ``zone``."""
    offset = moment.utcoffset()
    if offset is None or offset == timedelta(0):
        moment = moment.replace(tzinfo=UTC).astimezone(zone)
        offset = moment.utcoffset() or timedelta(0)
    return moment.astimezone(timezone(offset))


def _text(raw: bytes) -> str | None:
    """The XML's text: UTF-8, else the encoding its declaration names; None if neither fits."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        declared = re.search(rb"""encoding=["']([A-Za-z0-9._-]+)["']""", raw[:200])
        if declared is None:
            return None
        try:
            return raw.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            return None


def _gpx(raw: bytes, source: str, digest: str, zone: tzinfo) -> RunFile:
    import gpxpy
    import gpxpy.gpx

    text = _text(raw)
    if text is None:
        raise _refuse(source, "the GPX file is damaged (its text cannot be read).")
    # gpxpy hands XML with an encoding declaration to the XML parser as text, which refuses it
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
    try:
        gpx = gpxpy.parse(text)
    except Exception as exc:  # as for FIT: a damaged file can break the parser anywhere
        raise _refuse(
            source, f"the GPX file is damaged or cut short ({exc}); export it again."
        ) from exc
    points = [p for t in gpx.tracks for s in t.segments for p in s.points]
    if not points:
        planned = " (it holds a planned route, not a recording)" if gpx.routes else ""
        raise _refuse(
            source, f"the GPX file has no track points{planned}; export the recorded run."
        )
    timed = [p.time for p in points if p.time is not None]
    if not timed:
        raise _refuse(
            source,
            "the GPX track has no times, so when the run was is unknown; export the "
            "recorded run from the watch or app, not a route drawn on a map.",
        )
    start, end = min(timed), max(timed)
    seconds = (end - start).total_seconds()
    heights = [p.elevation for p in points if p.elevation is not None]
    climb = gpx.get_uphill_downhill().uphill if heights else None
    return RunFile(
        source,
        digest,
        "GPX",
        _local(start, zone),
        round(gpx.length_2d() / 1000, 5),
        _minutes(seconds),
        None if climb is None else round(climb, 1),
    )


def _fit(raw: bytes, source: str, digest: str, zone: tzinfo) -> RunFile:
    import fitdecode

    found: dict[str, dict[str, Any]] = {}
    times: list[datetime] = []
    distances: list[float] = []
    heights: list[float] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # fitdecode warns, rather than fails, on bad data
            reader = fitdecode.FitReader(
                io.BytesIO(raw),
                check_crc=fitdecode.CrcCheck.RAISE,
                error_handling=fitdecode.ErrorHandling.RAISE,
            )
            with reader as fit:
                for frame in fit:
                    if not isinstance(frame, fitdecode.FitDataMessage):
                        continue
                    if frame.name == "record":
                        fields = {f.name: f.value for f in frame.fields}
                        _collect(fields, times, distances, heights)
                    elif frame.name in ("file_id", "session", "activity"):
                        found.setdefault(frame.name, {f.name: f.value for f in frame.fields})
    except Exception as exc:  # a damaged file can trip any step of the decoder (struct.error,
        # IndexError, ...: found by fuzzing); each means the same to the physio

        raise _refuse(
            source,
            f"the FIT file is damaged or cut short ({exc}); copy it from the watch again.",
        ) from exc
    kind = found.get("file_id", {}).get("type")
    if kind != "activity":
        raise _refuse(
            source, f"this FIT file holds {kind or 'no activity'} data, not a recorded run."
        )
    session = found.get("session", {})
    sport = session.get("sport")
    if isinstance(sport, str) and sport not in RUN_SPORTS:
        raise _refuse(source, f"this FIT file records {sport}, not a run.")
    if not times:
        raise _refuse(source, "the FIT file has no track points (no records of the run).")
    start = session.get("start_time") if isinstance(session.get("start_time"), datetime) else None
    start = start or min(times)
    seconds = (max(times) - min(times)).total_seconds()
    metres = max(distances) if distances else session.get("total_distance")
    ascent = session.get("total_ascent")
    climb = float(ascent) if isinstance(ascent, int | float) else _climb(heights)
    return RunFile(
        source,
        digest,
        "FIT",
        _fit_local(start, found.get("activity", {}), zone),
        round(float(metres or 0.0) / 1000, 5),
        _minutes(seconds),
        None if climb is None else round(climb, 1),
    )


def _collect(
    fields: dict[str, Any], times: list[datetime], distances: list[float], heights: list[float]
) -> None:
    when = fields.get("timestamp")
    if isinstance(when, datetime):
        times.append(when)
    metres = fields.get("distance")
    if isinstance(metres, int | float):
        distances.append(float(metres))
    height = fields.get("enhanced_altitude", fields.get("altitude"))
    if isinstance(height, int | float):
        heights.append(float(height))


def _minutes(seconds: float) -> float | None:
    """Minutes to a tenth; None when the times span less than that (all points at one time)."""
    minutes = round(seconds / 60, 1)
    return minutes if minutes > 0 else None


def _climb(heights: Sequence[float]) -> float | None:
    if not heights:
        return None
    return sum(max(0.0, b - a) for a, b in pairwise(heights))


def _fit_local(start: datetime, activity: dict[str, Any], zone: tzinfo) -> datetime:
    """FIT times are UTC; the activity's ``local_timestamp`` says the watch's offset then."""
    utc, local = activity.get("timestamp"), activity.get("local_timestamp")
    if isinstance(utc, datetime) and isinstance(local, datetime):
        offset = local.replace(tzinfo=UTC) - utc
        quarter = timedelta(minutes=15)
        offset = quarter * round(offset / quarter)  # zones are whole quarter hours
        if abs(offset) <= timedelta(hours=14):
            return start.astimezone(timezone(offset))
    return _local(start, zone)


def run_files(paths: Iterable[str | Path]) -> tuple[list[Path], int]:
    """The files to read: each file named, and the GPX/FIT files in each folder named (and its
    sub-folders, by name). Also returns how many other files in those folders were left alone."""
    files: list[Path] = []
    ignored = 0
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for found in sorted(p for p in path.rglob("*") if p.is_file()):
                if found.suffix.lower() in SUFFIXES:
                    files.append(found)
                else:
                    ignored += 1
        else:
            files.append(path)
    return files, ignored


def read_runs(
    paths: Iterable[str | Path], *, now: datetime, zone: tzinfo = UTC
) -> tuple[list[RunFile], int]:
    """Read every file (folders searched); refuses them all, listing each bad file's problem,
    if any one is bad: an import saves everything it was given or nothing.

    Returns the runs read and how many non-run files in the folders were left alone.
    """
    files, ignored = run_files(paths)
    if not files:
        raise RunFileError(
            [Problem("runs", "", "no GPX or FIT files were found in what was given.")]
        )
    runs: list[RunFile] = []
    problems: list[Problem] = []
    for path in files:
        try:
            runs.append(read_run(path, now=now, zone=zone))
        except RunFileError as error:
            problems.extend(error.problems)
    if problems:
        raise RunFileError(problems)
    return runs, ignored

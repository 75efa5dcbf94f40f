"""The clinic's settings: its time zone, and the thresholds of the flags, from one plain file.

kneekit runs with no file at all. A clinic that wants another time zone, or other flag
thresholds, writes a small TOML file and points ``KNEEKIT_CONFIG`` at it (or puts it at
``<user config folder>/kneekit/kneekit.toml``)::

    [clinic]
    time_zone = "Australia/Sydney"   # an IANA name; default: this computer's zone

    [flags]
    high = 4.5                       # see kneekit.progress.thresholds for each and its source

Why a clinic zone: a record keeps the UTC offset of the moment it was made, so its day is the
day where it happened; the zone is for times typed without an offset (``--at 18:30``) and for
"today" on the command line, the pages and ``kneekit serve``, which must all agree.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from datetime import date, datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kneekit.errors import ConfigError, Problem

CONFIG_ENV = "KNEEKIT_CONFIG"
"""The environment variable naming the settings file."""


def config_path() -> Path | None:
    """The settings file in force: ``$KNEEKIT_CONFIG``, else the user's one if it exists."""
    env = os.environ.get(CONFIG_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_path

    path = user_config_path("kneekit") / "kneekit.toml"
    return path if path.exists() else None


@cache
def _load(path: Path | None) -> Mapping[str, Any]:
    if path is None:
        return {}
    source = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            [Problem(source, "", f"the settings file cannot be read ({exc.strerror}).")]
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([Problem(source, "", f"this is not a valid TOML file ({exc}).")]) from exc
    unknown = sorted(set(data) - {"clinic", "flags"})
    if unknown:
        raise ConfigError(
            [
                Problem(
                    source,
                    unknown[0],
                    "unknown section; the sections are [clinic] and [flags].",
                )
            ]
        )
    return data


def settings(section: str) -> Mapping[str, Any]:
    """One section of the settings file (empty when there is no file or no such section)."""
    path = config_path()
    found = _load(path).get(section, {})
    if not isinstance(found, dict):
        raise ConfigError([Problem(str(path), section, "must be a table, e.g. [clinic].")])
    return found


def clinic_zone() -> tzinfo:
    """The clinic's time zone: ``[clinic] time_zone`` in the settings file, else this computer's.

    The computer's zone is right for a clinic whose computer sits in the clinic, which is the
    embedded ``kneekit serve`` case; a server elsewhere names the clinic's zone in the file.
    """
    name = settings("clinic").get("time_zone")
    if name is None:
        local = datetime.now().astimezone().tzinfo
        assert local is not None
        return local
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            [
                Problem(
                    str(config_path()),
                    "clinic.time_zone",
                    f"{name!r} is not a time zone; use an IANA name such as 'Europe/London'.",
                )
            ]
        ) from exc


def today(now: datetime | None = None) -> date:
    """Today in the clinic's zone: the one "today" of the command line, the pages and serve.

    ``now`` (timezone-aware) is the injected clock's time; without it, the computer's clock.
    """
    moment = now if now is not None else datetime.now(clinic_zone())
    return moment.astimezone(clinic_zone()).date()


def clear_cache() -> None:
    """Forget the settings read so far (tests, and a long-running kernel after an edit)."""
    _load.cache_clear()


def sidecar(db: str, suffix: str) -> Path:
    """A file kept beside the database (its secret, where it is served); for a database URL,
    in the user's config folder, named after that database (so two clinics' databases on one
    machine have two secrets). The password is left out of the name: changing it is the same
    database."""
    if "://" in db:
        import hashlib
        import re

        from platformdirs import user_config_path

        address = re.sub(r"://([^/@:]*):[^/@]*@", r"://\1@", db.strip())
        digest = hashlib.sha256(address.encode("utf-8")).hexdigest()[:16]
        return user_config_path("kneekit") / f"clinic-{digest}{suffix}"
    path = Path(db).expanduser()
    return path.with_name(path.name + suffix)

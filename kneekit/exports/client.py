"""One client's records as a file a physio can keep, send on, or open in a spreadsheet.

JSON holds everything: the client, the routine versions they followed (as routine files),
assignments, check-ins, and sessions with every step. CSV is one table in time order, a row per
check-in or session (steps are in the JSON only), for a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from kneekit.records.store import Store
from kneekit.routines.routine import BUILT_IN

FORMAT_VERSION = 1
"""Bumped when the shape of the JSON export changes, so readers can tell."""


CSV_COLUMNS = (
    "record",
    "when",
    "context",
    "left",
    "right",
    "km",
    "minutes",
    "note",
    "routine",
    "planned_hold_s",
    "held_s",
    "completed",
)


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def client_records(store: Store, client_id: int) -> dict[str, Any]:
    """Everything recorded for one client, as plain data (what the JSON export writes)."""
    client = store.client(client_id)
    history = store.history(client_id)
    labels = {v.id: v.label for v in store.versions()}
    steps = store.sessions.client_steps(client_id)
    used = {a.version_id for a in history.assignments} | {
        s.version_id for s in history.sessions if s.version_id is not None
    }
    return {
        "kneekit_export": FORMAT_VERSION,
        "client": {"id": client.id, "name": client.name, "created_at": _when(client.created_at)},
        "routines": [
            {"version_id": vid, "label": labels[vid], "routine_file": store.routine(vid).to_yaml()}
            for vid in sorted(used)
        ],
        "assignments": [
            {"since": a.since.isoformat(), "version_id": a.version_id, "routine": a.label}
            for a in history.assignments
        ],
        "runs": [
            {"start": _when(r.start), "km": r.km, "minutes": r.minutes, "source": r.source}
            for r in history.runs
        ],
        "checkins": [
            {k: v for k, v in asdict(c).items() if k != "client_id"} | {"at": _when(c.at)}
            for c in history.checkins
        ],
        "sessions": [
            {
                "id": s.session_id,
                "started_at": _when(s.started_at),
                "version_id": s.version_id,
                "routine": BUILT_IN if s.version_id is None else labels[s.version_id],
                "planned_hold_s": s.planned_s,
                "held_s": s.held_s,
                "completed": s.completed,
                "steps": [
                    {k: v for k, v in asdict(step).items() if k != "session_id"}
                    | {"started_at": _when(step.started_at), "ended_at": _when(step.ended_at)}
                    for step in steps.get(s.session_id, [])
                ],
            }
            for s in history.sessions
        ],
    }


def to_json(store: Store, client_id: int) -> str:
    """The JSON export of one client (UTF-8 text, times in ISO 8601 with their UTC offset)."""
    return json.dumps(client_records(store, client_id), indent=2, ensure_ascii=False) + "\n"


def to_fhir(store: Store, client_id: int) -> str:
    """The FHIR R4B Bundle of one client (:mod:`kneekit.exports.fhir`), validated before it is
    written."""
    from kneekit.exports.fhir import to_json as fhir_json

    now = datetime.now(UTC)
    return fhir_json(store.history(client_id), store.outcomes.akps_scores(client_id), now)


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) gets a leading
    apostrophe, so a note cannot become a formula (OWASP's advice on CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value


def to_csv(store: Store, client_id: int) -> str:
    """The CSV export of one client: check-ins and sessions in one table, oldest first."""
    records = client_records(store, client_id)
    rows: list[dict[str, Any]] = [
        {"record": "check-in", "when": c["at"]}
        | {k: c[k] for k in ("context", "left", "right", "km", "minutes", "note")}
        for c in records["checkins"]
    ]
    rows += [
        {"record": "session", "when": s["started_at"], "routine": s["routine"]}
        | {k: s[k] for k in ("planned_hold_s", "held_s", "completed")}
        for s in records["sessions"]
    ]
    rows.sort(key=lambda row: row["when"])
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in CSV_COLUMNS})
    return out.getvalue()

"""One client's records as a FHIR R4B Bundle, for the clinic's other systems.

- the client: a Patient with a name only (kneekit holds no other identifiers);
- each knee rating: an Observation coded LOINC 72514-3 with the knee as SNOMED CT body site,
  its time with its UTC offset, and when it was rated (after a run, ...) as a component;
- each AKPS score: an Observation (no LOINC code for the AKPS total is known to us, so a kneekit
  code, with the instrument file's name and fingerprint as its method);
- each completed stretching session: a Procedure, based on the routine it followed;
- each routine assigned: a CarePlan whose activity is the stretching routine, in the spirit of
  the HL7 Physical Activity IG (which plans activity with CarePlan/ServiceRequest).

Built as plain data, then checked with ``fhir.resources``' R4B models (pydantic) before writing:
what leaves kneekit is a valid Bundle, not one that looks right.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kneekit.history import History
from kneekit.outcomes.akps import Score

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
KNEEKIT = "https://kneekit.invalid/fhir/CodeSystem/kneekit"
"""kneekit's own codes (context of a rating, the AKPS total): ``.invalid`` says it resolves
nowhere, as RFC 2606 reserves it, rather than pretending to be a published code system."""
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

PAIN_LOINC = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
"""LOINC 72514-3: the 0-10 numeric pain rating as reported by the patient (loinc.org/72514-3)."""

KNEE_SNOMED = {
    "left": ("82169009", "Structure of left knee region (body structure)"),
    "right": ("6757004", "Structure of right knee region (body structure)"),
}
"""SNOMED CT body structures for each knee: 82169009 |Structure of left knee region| and
6757004 |Structure of right knee region| (SNOMED CT International; the same pair is used for
knees in published FHIR value sets, e.g. NEMSIS/paramedicine body-site value sets)."""

STRETCHING_SNOMED = ("229070002", "Stretching exercises (regime/therapy)")
"""SNOMED CT 229070002 |Stretching exercises (regime/therapy)|: the session done, the plan."""

_NAMESPACE = uuid.UUID("6f1c3c0e-0b7a-4f0e-9a55-6b6e65656b69")


def _urn(*parts: object) -> str:
    """A stable id per record, so a second export of the same records has the same ids."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, '/'.join(str(p) for p in parts))}"


def _concept(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _survey() -> list[dict[str, Any]]:
    return [_concept(CATEGORY, "survey", "Survey")]


def bundle(history: History, scores: Sequence[Score], now: datetime) -> dict[str, Any]:
    """The Bundle (type ``collection``) for one client, as plain JSON-ready data."""
    cid = history.client_id
    patient = _urn("patient", cid)
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": patient,
            "resource": {"resourceType": "Patient", "name": [{"text": history.name}]},
        }
    ]
    subject = {"reference": patient, "display": history.name}
    for n, c in enumerate(history.checkins):
        for side, value in (("left", c.left), ("right", c.right)):
            code, display = KNEE_SNOMED[side]
            resource = {
                "resourceType": "Observation",
                "status": "final",
                "category": _survey(),
                "code": _concept(LOINC, *PAIN_LOINC),
                "subject": subject,
                "effectiveDateTime": c.at.isoformat(),
                "valueInteger": value,
                "bodySite": _concept(SNOMED, code, display),
                "component": [
                    {
                        "code": _concept(KNEEKIT, "context", "When the knee was rated"),
                        "valueCodeableConcept": _concept(KNEEKIT, c.context, c.context),
                    }
                ],
            }
            if c.note:
                resource["note"] = [{"text": c.note}]
            entries.append({"fullUrl": _urn("rating", cid, n, c.at, side), "resource": resource})
    for sc in scores:
        entries.append(
            {
                "fullUrl": _urn("akps", cid, sc.at, sc.fingerprint),
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "category": _survey(),
                    "code": _concept(KNEEKIT, "akps-total", "Anterior knee pain scale (Kujala)"),
                    "subject": subject,
                    "effectiveDateTime": sc.at.isoformat(),
                    "valueInteger": sc.total,
                    "method": {"text": f"{sc.instrument} (sha256 {sc.fingerprint})"},
                },
            }
        )
    plans: dict[int, str] = {}
    for a in history.assignments:
        plans[a.version_id] = _urn("careplan", cid, a.version_id, a.since)
        entries.append(
            {
                "fullUrl": plans[a.version_id],
                "resource": {
                    "resourceType": "CarePlan",
                    "status": "active",
                    "intent": "plan",
                    "title": a.label,
                    "subject": subject,
                    "period": {"start": a.since.isoformat()},
                    "activity": [
                        {
                            "detail": {
                                "kind": "ServiceRequest",
                                "code": _concept(SNOMED, *STRETCHING_SNOMED),
                                "status": "in-progress",
                                "description": f"Post-run stretching routine {a.label}",
                            }
                        }
                    ],
                },
            }
        )
    for se in history.sessions:
        if not se.completed:
            continue
        procedure: dict[str, Any] = {
            "resourceType": "Procedure",
            "status": "completed",
            "code": _concept(SNOMED, *STRETCHING_SNOMED),
            "subject": subject,
            "performedDateTime": se.started_at.isoformat(),
            "note": [{"text": f"Held {se.held_s:.0f} s of {se.planned_s} s planned."}],
        }
        if se.version_id in plans:
            procedure["basedOn"] = [{"reference": plans[se.version_id]}]
        entries.append({"fullUrl": _urn("session", cid, se.session_id), "resource": procedure})
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": now.isoformat(),
        "entry": entries,
    }


def validate(data: dict[str, Any]) -> Any:
    """The Bundle as ``fhir.resources`` R4B models; raises pydantic's ValidationError if the
    data is not a valid R4B Bundle (a bug in kneekit, never the physio's input)."""
    from fhir.resources.R4B.bundle import Bundle

    return Bundle.model_validate(data)


def to_json(history: History, scores: Sequence[Score], now: datetime) -> str:
    """The validated Bundle as FHIR JSON text."""
    model = validate(bundle(history, scores, now))
    return json.dumps(json.loads(model.model_dump_json(exclude_none=True)), indent=2) + "\n"


def ratings(text: str) -> list[tuple[datetime, str, int]]:
    """Read the knee ratings back from a Bundle's JSON: (time, side, rating), in file order.

    The round trip the tests use; also what a receiving system would read.
    """
    from fhir.resources.R4B.bundle import Bundle

    sides = {code: side for side, (code, _) in KNEE_SNOMED.items()}
    out: list[tuple[datetime, str, int]] = []
    for entry in Bundle.model_validate_json(text).entry or []:
        res: Any = entry.resource
        if res is None or res.get_resource_type() != "Observation":
            continue
        codes = {c.code for c in res.code.coding or []}
        if PAIN_LOINC[0] in codes and res.bodySite is not None:
            side = sides[res.bodySite.coding[0].code]
            out.append((res.effectiveDateTime, side, res.valueInteger))
    return out

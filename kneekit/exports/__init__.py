"""One client's records as files a physio can keep or send on: JSON and CSV
(:mod:`kneekit.exports.client`) and a FHIR R4 bundle (:mod:`kneekit.exports.fhir`)."""

from kneekit.exports.client import client_records, to_csv, to_fhir, to_json

__all__ = ["client_records", "to_csv", "to_fhir", "to_json"]

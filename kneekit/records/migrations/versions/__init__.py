"""The revisions themselves, one file per schema version."""

"""kneekit's Alembic revisions, one per schema version (v1, v2, ...), shipped in the package.

There is no alembic.ini: :func:`kneekit.records.migrate.config` builds the configuration in code
with ``script_location = "kneekit.records:migrations"``, so the revisions are found in an
installed wheel as in a clone. ``env.py`` here only runs them on the connection kneekit hands
over, inside kneekit's own transaction (and, on PostgreSQL, under its advisory write lock).

To write the next revision (say v3), with the tables in :mod:`kneekit.records.schema` already
changed::

    python -c "from alembic import command; from kneekit.records.migrate import config; \\
        command.revision(config(), 'what v3 adds', rev_id='v3')"

then fill in its ``upgrade()`` (``op.batch_alter_table`` for ALTERs, which SQLite needs), raise
``SCHEMA_VERSION`` to 3, and run tests/test_migrations.py. Downgrades are not written: a clinic
goes back by restoring its backup, never by undoing a migration over its records.
"""

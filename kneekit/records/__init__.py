"""The clinic's records in a database: schema and migrations, safe opening, and the store.

Everything here uses SQLAlchemy; the pure core (trends, flags, plots) never imports it.
"""

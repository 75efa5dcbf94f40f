"""What a database failure means for the physio, in words, for SQLite and PostgreSQL alike.

SQLite reports failures as text; PostgreSQL gives each an SQLSTATE code (Appendix A of the
PostgreSQL manual, "PostgreSQL Error Codes"), which is what is matched here: its messages are
translated into the server's language, its codes are not.
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

BUSY_TIMEOUT_S = 30.0
"""How long a write waits for another writer (say a second Voilà kernel) before giving up.

Each kneekit transaction takes milliseconds, so 30 s only runs out if something is truly stuck;
the issue (#3) asks that two kernels writing at once both succeed.
"""

UNREACHABLE = (
    "kneekit cannot reach the database server ({why}), so nothing was read or saved. Check that "
    "PostgreSQL is running and that the address in --db or KNEEKIT_DB is right, then try again."
)


def plain(error: sa_exc.DBAPIError) -> str:
    """What a database failure means for the physio, and what to do about it."""
    code = getattr(error.orig, "sqlstate", None)
    if isinstance(code, str) or _is_postgres(error):
        return _postgres(error, code or "")
    return _sqlite(error)


def _is_postgres(error: sa_exc.DBAPIError) -> bool:
    return type(error.orig).__module__.startswith("psycopg")


def _first_line(error: sa_exc.DBAPIError) -> str:
    return str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else "no answer"


def _postgres(error: sa_exc.DBAPIError, code: str) -> str:  # noqa: PLR0911 (one per SQLSTATE class)
    why = _first_line(error)
    if not code or code.startswith("08") or code in ("57P01", "57P02", "57P03"):
        # No code at all: the connection failed before the server could say anything.
        return UNREACHABLE.format(why=why)
    if code in ("28000", "28P01"):
        return (
            f"the database server refused the login ({why}); nothing was read or saved. Check "
            "the user name and password in the database address."
        )
    if code == "3D000":
        return (
            f"that database does not exist on the server ({why}). Create it first (createdb), "
            "or correct its name in the database address."
        )
    if code == "42501":
        return (
            f"the database user may not do this ({why}), so nothing was saved. Ask whoever "
            "manages the database server to grant it access to kneekit's tables."
        )
    if code == "53100":
        return (
            "the database server's disk is full, so nothing was saved. Ask whoever manages it "
            "to free some space, then try again."
        )
    if code.startswith("53"):
        return (
            f"the database server is overloaded ({why}), so nothing was saved. Try again in a "
            "moment."
        )
    if code in ("40001", "40P01", "55P03", "57014"):
        return (
            f"the database was busy with another change ({why}), so nothing was saved. Try "
            "again in a moment."
        )
    if code == "25006":
        return "the database is read-only (a standby server?), so nothing was saved."
    return f"the database refused the change ({why}); nothing was saved."


def _sqlite(error: sa_exc.DBAPIError) -> str:
    said = str(error.orig).lower()
    if "full" in said:
        return (
            "the disk is full (or the database reached its size limit), so nothing was saved. "
            "Free some disk space and try again."
        )
    if "readonly" in said or "read-only" in said:
        return (
            "the database is read-only, so nothing was saved. Make the file and its folder "
            "writable."
        )
    if "locked" in said or "busy" in said:
        return (
            f"the database stayed busy for {BUSY_TIMEOUT_S:.0f} s (another kneekit window is "
            "writing), so nothing was saved. Try again in a moment."
        )
    if "malformed" in said or "not a database" in said:
        return (
            "the database file is damaged, so nothing was saved. Restore it from a backup, or "
            "choose another file with --db or KNEEKIT_DB."
        )
    if "unable to open" in said:
        return "the database file cannot be opened; check that its folder exists and is writable."
    return f"the database refused the change ({error.orig}); nothing was saved."

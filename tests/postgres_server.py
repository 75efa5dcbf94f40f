"""A real, throwaway PostgreSQL server for the tests: initdb + pg_ctl, Unix socket only.

pg_ctl and initdb refuse to run as root (a server owning its files as root is a security hole), so
when the tests run as root (as CI does) they run as ``nobody``, in a temporary folder that
``nobody`` owns. No TCP port is opened (``listen_addresses=''``): only processes on this machine
that can reach the socket folder connect. fsync is off: a test server need not survive a power
cut, and it starts in about a second.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

PG_BIN = Path(os.environ.get("KNEEKIT_PG_BIN", "/usr/lib/postgresql/15/bin"))
"""Debian's PostgreSQL 15 binaries (``apt-get install postgresql``; .ci/run installs it)."""

USER = "kneekit"
"""The database superuser the tests connect as (trust over the socket: no password)."""


def available() -> bool:
    return (PG_BIN / "initdb").exists() and (PG_BIN / "pg_ctl").exists()


class PostgresServer:
    """One PostgreSQL cluster in a temporary folder; :meth:`url` names a database in it."""

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="kneekit-pg-"))
        self.data = self.base / "data"
        self.socket = self.base / "socket"
        self.log = self.base / "server.log"
        self._as: dict[str, Any] = {}
        if os.geteuid() == 0:
            who = pwd.getpwnam("nobody")
            os.chown(self.base, who.pw_uid, who.pw_gid)
            self._as = {"user": who.pw_uid, "group": who.pw_gid, "extra_groups": []}
        self.owner_uid = os.stat(self.base).st_uid
        self._count = 0
        self.start_s = 0.0

    def _run(self, *argv: str) -> None:
        env = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8", "HOME": str(self.base)}
        done = subprocess.run(
            argv,
            cwd=self.base,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            **self._as,
        )
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{argv[0]} failed:\n{done.stdout}\n{done.stderr}\n{log}")

    def restart(self) -> None:
        """Restart the server: every connection open at the time is cut."""
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                  "-m", "fast", "-w", "restart")  # fmt: skip

    def stop(self) -> None:
        """Stop the server (fast: connected sessions are ended) and remove every file."""
        if (self.data / "postmaster.pid").exists():
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` on this server, through psycopg 3."""
        return f"postgresql+psycopg://{USER}@/{database}?host={self.socket}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host=str(self.socket), user=USER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql)

    def new_database(self) -> str:
        """A new, empty place for one test's clinic; returns its URL.

        A schema of its own, made the search path of every connection through the URL: a few
        milliseconds, where CREATE DATABASE takes about a second here. kneekit sees an empty
        database (it lists the tables of the first schema on the search path).
        """
        self._count += 1
        name = f"t{os.getpid()}_{self._count}"
        self._admin(f"CREATE SCHEMA {name}")
        return f"{self.url()}&options=-csearch_path%3D{name}"

    def drop_database(self, url: str) -> None:
        name = url.rsplit("%3D", 1)[-1]
        self._admin(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def _start_args(server: PostgresServer) -> list[str]:
    options = (
        f"-k {server.socket} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=200"
    )
    return [str(PG_BIN / "pg_ctl"), "-D", str(server.data), "-l", str(server.log),
            "-o", options, "-w", "-t", "60", "start"]  # fmt: skip


def start_server() -> PostgresServer:
    """initdb, then start; measured on this machine at about a second in all."""
    server = PostgresServer()
    started = time.monotonic()
    try:
        server._run(str(PG_BIN / "initdb"), "-D", str(server.data), "-U", USER, "--auth=trust",
                    "-E", "UTF8", "--no-sync", "--no-instructions")  # fmt: skip
        server.socket.mkdir()
        if server._as:
            os.chown(server.socket, server._as["user"], server._as["group"])
        server._run(*_start_args(server))
    except BaseException:
        server.stop()
        raise
    server.start_s = time.monotonic() - started
    return server

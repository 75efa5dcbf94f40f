"""What ``kneekit serve`` runs: the clinic and its clients' pages, on Voilà.

``kneekit serve`` runs two Voilà servers, one per face, so that the faces cannot leak into each
other: whatever a client's browser asks the client server, it can only reach what that server has.

- the **clinic** (port N): the physio's notebooks, behind a secret token that ``serve`` prints;
- the **clients** (port N+1): only ``client.ipynb``, no login; the page shows a client's own
  records when its link carries a valid share token (:mod:`kneekit.sharing`), and otherwise a
  short "not valid" message.

Each server runs :mod:`kneekit.voila.app` in its own process, configured by
:mod:`kneekit.voila.faces`, from a private temporary folder holding copies of its notebooks.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from kneekit.config import sidecar, today
from kneekit.errors import KneekitError, Problem
from kneekit.sharing import SECRET_ENV
from kneekit.voila.faces import (
    CLINIC_NOTEBOOKS,
    FACES,
    PORT_OFFSET,
    Face,
    prepare_runtime,
)

DEFAULT_PORT = 8866
"""Voilà's own default port for the clinic; the client pages use the next one."""
READY_TIMEOUT_S = 120.0
"""How long a face may take to start listening before ``serve`` gives up (a cold disk is slow)."""
STOP_TIMEOUT_S = 20.0
"""How long a face may take to shut its kernels down on Ctrl-C before it is killed."""


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach ``host`` (``localhost``, 127.x, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, *, tls: bool = False) -> str | None:
    """What to tell the physio when others on the network can reach the pages; None if not."""
    if is_loopback(host):
        return None
    if tls:
        return (
            f"Note: kneekit is listening on {host} over HTTPS: anyone on this network can reach "
            "these pages, but only with a link. Keep the clinic link to yourself."
        )
    return (
        f"Warning: kneekit is listening on {host} WITHOUT encryption (--insecure-http): anyone "
        "on this network can read the clinic secret, every client's link and the health records "
        "on the pages as they pass, and sign in as you with what they read. Use a network you "
        "trust (not public Wi-Fi), or serve over HTTPS (--certfile and --keyfile, or a reverse "
        "proxy: see the README)."
    )


INSECURE_REFUSED = (
    "kneekit would serve health records to the whole network without encryption. Give a "
    "certificate with --certfile and --keyfile (or put a reverse proxy such as Caddy in front, "
    "see the README), or, on a network you trust, say --insecure-http."
)


def served_hosts(host: str, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The Host names the faces answer: the address they listen on and the names this machine
    goes by there, plus ``extra`` (e.g. the name a reverse proxy serves)."""
    names = {host.lower(), *(e.lower() for e in extra)}
    if is_loopback(host) or _wildcard(host):
        names |= {"localhost", "127.0.0.1", "::1"}
    if _wildcard(host):
        names |= {public_host(host).lower(), socket.gethostname().lower()}
        names |= {socket.getfqdn().lower(), f"{socket.gethostname().lower()}.local"}
    return tuple(sorted(n for n in names if n not in ("", "0.0.0.0", "::")))


def _wildcard(host: str) -> bool:
    return host in ("", "0.0.0.0", "::")


def connect_host(host: str) -> str:
    """The address to reach a server listening on ``host`` from this machine."""
    return ("::1" if host == "::" else "127.0.0.1") if _wildcard(host) else host


def public_host(host: str) -> str:
    """The address to print in links: for ``0.0.0.0`` this machine's address on the network.

    Found by asking the system which address it would send from (no packet leaves); without a
    network, the machine's name.
    """
    if not _wildcard(host):
        return host
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return str(probe.getsockname()[0])
        except OSError:
            return socket.gethostname()


def base_url(host: str, port: int, *, tls: bool = False) -> str:
    """``http://host:port/`` (``https`` under TLS), with brackets around an IPv6 address."""
    shown = f"[{host}]" if ":" in host else host
    return f"{'https' if tls else 'http'}://{shown}:{port}/"


def clinic_url(host: str, port: int, secret: str, *, tls: bool = False) -> str:
    """The clinic overview, logged in by the secret token."""
    return f"{base_url(host, port, tls=tls)}voila/render/{CLINIC_NOTEBOOKS[0]}?token={secret}"


def clinic_secret(db: str) -> str:
    """The clinic's secret: ``$KNEEKIT_CLINIC_SECRET``, else the one kept beside the database,
    made (192 random bits, readable by the owner only) on first use so the clinic URL stays the
    same from one ``serve`` to the next."""
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    path = sidecar(db, ".secret")
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secret + "\n")
    return secret


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in connect_host(host) else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        if os.name == "posix":  # as tornado binds: connections closing (TIME_WAIT) do not count
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((connect_host(host), port), timeout=1):
            return True
    except OSError:
        return False


def _open_or_make_demo(db: str) -> bool:
    """Open the database, making the demo clinic when there is none yet; True if made."""
    from kneekit.demo.clinic import make_demo
    from kneekit.records.store import Store

    first_use = "://" not in db and not Path(db).expanduser().exists()
    with Store.open(db) as store:
        if first_use:
            make_demo(store, today())  # the clinic's today
    return first_use


def serve(  # noqa: C901, PLR0912 (start, watch and stop two servers, in the order they happen)
    db: str,
    host: str,
    port: int,
    max_kernels: int,
    *,
    tls: tuple[str, str] | None = None,
    insecure_http: bool = False,
    allow_hosts: tuple[str, ...] = (),
) -> int:
    """Run both faces until Ctrl-C (or SIGTERM); prints the clinic and client addresses.

    ``tls`` is a certificate and key file; without it, a host other than this machine needs
    ``insecure_http``. ``allow_hosts`` adds names the faces answer to (a proxy's name).
    """
    if not is_loopback(host) and tls is None and not insecure_http:
        raise KneekitError([Problem("--host", host, INSECURE_REFUSED)])
    for path in tls or ():
        if not Path(path).is_file():
            raise KneekitError(
                [Problem("--certfile/--keyfile", path, "there is no such file; check the path.")]
            )
    for p in (port, port + 1):
        if not _port_free(host, p):
            raise KneekitError(
                [
                    Problem(
                        "--port",
                        "",
                        f"port {p} on {host} is already in use; "
                        f"choose another with --port (kneekit uses it and the next one).",
                    )
                ]
            )
    if _open_or_make_demo(db):
        print(f"Made a demo clinic (invented clients) in {db}")
    secret = clinic_secret(db)
    runtime = Path(tempfile.mkdtemp(prefix="kneekit-serve-"))
    stop = threading.Event()
    children: dict[Face, subprocess.Popen[bytes]] = {}
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGINT, signal.SIGTERM)}
    serving = sidecar(db, ".serving")
    try:
        files = prepare_runtime(
            runtime, host, port, max_kernels, hosts=served_hosts(host, allow_hosts), tls=tls
        )
        # Kernels inherit their server's environment, the database for the notebooks included.
        # Only the clinic gets the secret.
        env = {k: v for k, v in os.environ.items() if k != SECRET_ENV}
        env |= {"KNEEKIT_DB": db}
        for face in FACES:
            children[face] = subprocess.Popen(
                [sys.executable, "-m", "kneekit.voila.app", str(files[face])],
                env={**env, SECRET_ENV: secret} if face == "clinic" else env,
                cwd=runtime,
                start_new_session=os.name == "posix",  # Ctrl-C reaches us; we stop them in order
            )
        if not _wait_ready(children, host, port, stop):
            return 0 if stop.is_set() else 1
        shown = public_host(host)
        clients = base_url(shown, port + 1, tls=tls is not None)
        serving.write_text(json.dumps({"clients": clients, "pid": os.getpid()}), encoding="utf-8")
        if warning := exposure_warning(host, tls=tls is not None):
            print(warning, file=sys.stderr)
        print(f"Clinic: {clinic_url(shown, port, secret, tls=tls is not None)}")
        print(f"Clients: {clients}")
        print("Make a client's link with: kneekit share CLIENT. Press Ctrl-C to stop.", flush=True)
        while not stop.wait(0.5):
            for face, child in children.items():
                if child.poll() is not None:
                    print(f"kneekit: the {face} server stopped unexpectedly.", file=sys.stderr)
                    return 1
        return 0
    finally:
        _stop(children)
        serving.unlink(missing_ok=True)
        shutil.rmtree(runtime, ignore_errors=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if stop.is_set():
            print("Stopped.")


def _wait_ready(
    children: dict[Face, subprocess.Popen[bytes]], host: str, port: int, stop: threading.Event
) -> bool:
    """Wait until both faces listen; False if one exits first, on Ctrl-C, or after the timeout."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    pending = set(FACES)
    while pending and not stop.is_set() and time.monotonic() < deadline:
        for face in FACES:
            if children[face].poll() is not None:
                print(f"kneekit: the {face} server could not start (see above).", file=sys.stderr)
                return False
            if _listening(host, port + PORT_OFFSET[face]):
                pending.discard(face)
        stop.wait(0.2)
    if pending and not stop.is_set():
        print("kneekit: the servers did not start in time.", file=sys.stderr)
    return not pending


def _stop(children: dict[Face, subprocess.Popen[bytes]]) -> None:
    """SIGTERM each face (Voilà then shuts its kernels down); kill one that does not stop."""
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    for child in children.values():
        try:
            child.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            child.kill()  # its kernels notice their parent is gone and exit (JPY_PARENT_PID)
            child.wait()

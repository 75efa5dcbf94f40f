"""Browser tests: Debian's Chromium, driven by Playwright, against a real ``kneekit serve``.

Each server runs on 127.0.0.1 on free ports with a fresh demo clinic in a temporary folder, and
Jupyter's, IPython's and matplotlib's folders are pointed there too, so a run leaves nothing
behind. Screenshots go to ``$KNEEKIT_ARTIFACTS`` (default: a temporary folder).
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
import pytest
from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)
from playwright.sync_api import Browser, Page, Playwright, Route, WebSocket, expect, sync_playwright
from websockets.sync.client import ClientConnection, connect

from kneekit.bench.startup import CHROMIUM, CHROMIUM_ARGS, kernel_processes
from kneekit.history import Client
from kneekit.records.store import Store
from kneekit.sharing import share_link

WS_PROTOCOL = "v1.kernel.websocket.jupyter.org"
DEMO_NAMES_MIN = 6
"""The shared server's demo clients, by position in ``Server.people()``: 0 plays a routine
(test_pages), 1 checks in (test_pages), 2 and 3 are A and B of test_untrusted, which compares
their records before and after, and the last has its links revoked (test_client_page)."""


def pytest_configure(config: pytest.Config) -> None:
    # The browser marker is registered in pyproject.toml. A page starts a kernel and runs its
    # notebook; on a busy 2-core machine that can take several seconds, so conditions are
    # waited for up to 60 s (the wait ends when they hold).
    expect.set_options(timeout=60_000)


@dataclass
class Server:
    """A running ``kneekit serve`` and what a test needs to know about it."""

    process: subprocess.Popen[str]
    db: Path
    clinic: str  # the printed clinic URL, secret included
    clients: str  # the printed base URL of client links
    log: Path
    output: list[str] = field(default_factory=list)

    @property
    def clinic_base(self) -> str:
        return self.clinic.split("voila/render/")[0]

    def clinic_notebook(self, name: str) -> str:
        """The URL of one of the clinic's notebooks, secret included."""
        return self.clinic.replace("clinic.ipynb", name, 1)

    def people(self) -> list[Client]:
        with Store.open(self.db) as store:
            return store.clients()

    def link(self, client: Client, *, made: datetime | None = None, days: int = 30) -> str:
        """A new share link for ``client``, made at ``made`` (default now), valid ``days``."""
        with Store.open(self.db) as store:
            token = store.shares.create(client.id, made or datetime.now(UTC), timedelta(days=days))
        return share_link(self.clients, token)

    def kernels(self) -> list[psutil.Process]:
        """The kernel processes ``serve`` is running now (both faces)."""
        return kernel_processes(self.process.pid)

    def kernel_ids(self) -> set[str]:
        """The ids of the kernels running now (from their connection file names)."""
        ids = set()
        for kernel in self.kernels():
            try:
                found = re.search(r"kernel-([0-9a-f-]{36})\.json", " ".join(kernel.cmdline()))
            except psutil.NoSuchProcess:
                continue
            if found:
                ids.add(found.group(1))
        return ids

    def stop(self) -> str:
        """Ctrl-C ``serve``, as a physio would; returns what it printed after the URLs."""
        if self.process.poll() is not None:
            return ""
        self.process.send_signal(signal.SIGINT)
        rest, _ = self.process.communicate(timeout=120)
        return rest

    def memory_mib(self) -> float:
        """Resident memory of ``serve``, its two Voilà servers and every kernel, in MiB."""
        total = 0
        root = psutil.Process(self.process.pid)
        for proc in [root, *root.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total / 2**20


def free_port_pair() -> int:
    """A port N with N and N+1 both free on 127.0.0.1 (kneekit serve takes both)."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20000, 30000)
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
        except OSError:
            continue
        return port
    raise RuntimeError("no two free ports next to each other on 127.0.0.1")


def start_server(
    folder: Path,
    *,
    max_kernels: int = 8,
    env_extra: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
) -> Server:
    """Start ``kneekit serve`` on a fresh database in ``folder``; returns once it prints URLs."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNEEKIT_")}
    env |= env_extra or {}
    for name in ("JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
        env[name] = str(folder / name.lower())
    db, log = folder / "clinic.sqlite3", folder / "serve.log"
    command = [sys.executable, "-m", "kneekit.cli", "--db", str(db), "serve"]
    command += ["--port", str(free_port_pair()), "--max-kernels", str(max_kernels), *args]
    with log.open("w") as errors:  # the server writes to its own copy of the file
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=errors, text=True, env=env
        )
    assert process.stdout is not None
    output: list[str] = []
    while not any(line.startswith("Clients:") for line in output):
        line = process.stdout.readline()  # blocks until serve prints, or ends at its exit
        if not line:
            process.wait()
            raise RuntimeError(f"kneekit serve stopped:\n{''.join(output)}{log.read_text()}")
        output.append(line)
    urls = {
        line.split(": ", 1)[0]: line.split(": ", 1)[1].strip() for line in output if ": " in line
    }
    return Server(process, db, urls["Clinic"], urls["Clients"], log, output)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the tests that do not fill it up."""
    running = start_server(tmp_path_factory.mktemp("serve"), max_kernels=12)
    assert len(running.people()) >= DEMO_NAMES_MIN
    yield running
    running.stop()


@pytest.fixture
def start_serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start a server of the test's own (e.g. to fill it up); stopped after the test."""
    started: list[Server] = []

    def start(
        max_kernels: int, env_extra: dict[str, str] | None = None, args: tuple[str, ...] = ()
    ) -> Server:
        folder = tmp_path / f"serve{len(started)}"
        started.append(
            start_server(folder, max_kernels=max_kernels, env_extra=env_extra, args=args)
        )
        return started[-1]

    yield start
    for running in started:
        running.stop()


def page_cookies(page: Page | None, url: str) -> dict[str, str]:
    """The cookies ``page``'s browser would send to ``url`` (its page key among them)."""
    if page is None:
        return {}
    http_url = url.replace("ws://", "http://", 1).replace("wss://", "https://", 1)
    return {c["name"]: c["value"] for c in page.context.cookies(http_url)}


@contextmanager
def _kernel_socket(base_url: str, kernel: str, page: Page | None = None) -> Iterator[KernelSocket]:
    """A websocket to ``kernel``, as ``page``'s browser (with its cookies) or as a stranger."""
    session = uuid.uuid4().hex
    ws_base = base_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
    url = f"{ws_base}api/kernels/{kernel}/channels?session_id={session}"
    cookies = "; ".join(f"{k}={v}" for k, v in page_cookies(page, url).items())
    headers = {"Cookie": cookies} if cookies else None
    # The protocol JupyterLab's and Voilà's pages speak. (On jupyter_server 2.21, the legacy JSON
    # protocol stalls the socket at the first widget state carrying a binary buffer, such as the
    # player's sound.) No size limit: a figure's PNG can exceed the 1 MiB default.
    with connect(
        url,
        subprotocols=[WS_PROTOCOL],  # type: ignore[list-item]
        max_size=None,
        additional_headers=headers,
    ) as ws:
        yield KernelSocket(ws, session)


@pytest.fixture
def kernel_socket() -> Callable[..., AbstractContextManager[KernelSocket]]:
    """Open a websocket to a page's kernel, as that page's browser:
    ``with kernel_socket(base_url, kernel, page) as k:`` (without ``page``: as a stranger)."""
    return _kernel_socket


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright, per test module: its sync API runs an asyncio loop in this thread while it is
    open, which would break any later test that starts one (kernels, the benchmark's timer)."""
    with sync_playwright() as p:
        yield p


NO_CHROMIUM = (
    f"needs Chromium at {CHROMIUM}: on Debian or Ubuntu, sudo apt-get install chromium "
    "(.ci/run installs it; in CI a skip fails the run)"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test, whether or not its module says so (so
    ``pytest -m "not browser"`` leaves them all out); without Chromium, say so once per test
    instead of failing each with a launch error."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents and not item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.browser)
    if not Path(CHROMIUM).exists():
        for item in items:
            if item.get_closest_marker("browser"):
                item.add_marker(pytest.mark.skip(reason=NO_CHROMIUM))


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@pytest.fixture
def refused() -> list[str]:
    """Requests a page tried to make off this machine (each was refused)."""
    return []


@pytest.fixture
def page(browser: Browser, refused: list[str]) -> Iterator[Page]:
    """A fresh browser context (no cookies) sized like a phone, with no internet, as in a clinic
    without it: a request off this machine is refused and noted in ``refused``. The page is
    closed as a tab is (running ``beforeunload``), so its kernel is freed for the next test."""
    context = browser.new_context(viewport={"width": 412, "height": 915})
    # A page's "load" waits for its notebook to run in a kernel started for it: seconds on a
    # quiet machine, but CI's two busy cores once took over 30 s (Playwright's default).
    context.set_default_navigation_timeout(120_000)

    def local_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost", "::1"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", local_only)
    opened = context.new_page()
    yield opened
    if not opened.is_closed():
        opened.close(run_before_unload=True)
    context.close()


@pytest.fixture
def frames(page: Page) -> list[str]:
    """Every websocket frame ``page`` receives (kernel messages, all widget state sent to it)."""
    received: list[str] = []

    def watch(ws: WebSocket) -> None:
        ws.on(
            "framereceived",
            lambda payload: received.append(
                payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
            ),
        )

    page.on("websocket", watch)
    return received


@pytest.fixture
def kernel_of() -> Callable[[Page], str]:
    """The id of the kernel serving a loaded Voilà page, read from the page's configuration."""

    def read(page: Page) -> str:
        script = "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
        return str(page.evaluate(script))

    return read


class KernelSocket:
    """A second websocket to a page's kernel, speaking as the page's browser could.

    Jupyter's v1 websocket protocol: binary frames of channel, header, parent header, metadata,
    content and buffers. Replies to the shell channel come back on this socket only; what the
    kernel broadcasts (iopub) comes here too. Messages are kept as dicts (without buffers).
    """

    def __init__(self, ws: ClientConnection, session: str) -> None:
        self.ws = ws
        self.session = session
        self.received: list[dict[str, Any]] = []

    def send(self, msg_type: str, content: dict[str, Any]) -> str:
        """Send a shell message; returns its id."""
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": msg_type, "username": "visitor"}
        header |= {"session": self.session, "date": datetime.now(UTC).isoformat()}
        message = {"header": header | {"version": "5.3"}, "parent_header": {}, "metadata": {}}
        message["content"] = content
        self.ws.send(serialize_msg_to_ws_v1(message, "shell", _pack))
        return msg_id

    def receive_until(self, done: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        """Read messages until one satisfies ``done``; returns them all, that one last."""
        start = len(self.received)
        while True:
            channel, parts = deserialize_msg_from_ws_v1(self.ws.recv(timeout=60))
            header, parent, metadata, content = (json.loads(part) for part in parts[:4])
            msg = {"channel": channel, "header": header, "parent_header": parent}
            msg |= {"metadata": metadata, "content": content, "msg_type": header["msg_type"]}
            self.received.append(msg)
            if done(msg):
                return self.received[start:]

    def widget_states(self) -> dict[str, dict[str, Any]]:
        """The state of every widget in the kernel, asked for as the page's widget manager does."""
        asked = self.send("comm_info_request", {"target_name": "jupyter.widget"})
        reply = self.receive_until(
            lambda m: _parent(m) == asked and m["msg_type"] == "comm_info_reply"
        )[-1]
        states: dict[str, dict[str, Any]] = {}
        for comm_id in reply["content"]["comms"]:
            asked = self.send("comm_msg", {"comm_id": comm_id, "data": {"method": "request_state"}})
            update = self.receive_until(
                lambda m, a=asked: _parent(m) == a and m["msg_type"] == "comm_msg"  # type: ignore[misc]
            )
            states[comm_id] = update[-1]["content"]["data"]["state"]
        return states

    def settle(self, comm_id: str) -> list[dict[str, Any]]:
        """Wait until the kernel has handled every message sent so far; returns what came back.

        Asks one widget for its state, last: the kernel handles comm messages in order, so its
        answer comes after everything sent before it has been handled. (A kernel_info_request
        would not do: ipykernel 7 answers it ahead of queued messages.)
        """
        asked = self.send("comm_msg", {"comm_id": comm_id, "data": {"method": "request_state"}})
        return self.receive_until(lambda m: _parent(m) == asked and m["msg_type"] == "comm_msg")

    def set_widget(self, comm_id: str, state: dict[str, Any]) -> None:
        """Set widget values as a browser does when a control is moved."""
        data = {"method": "update", "state": state, "buffer_paths": []}
        self.send("comm_msg", {"comm_id": comm_id, "data": data})


def _fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=120) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


@pytest.fixture
def fetch() -> Callable[[str], tuple[int, bytes]]:
    """GET a URL as written (no browser, no ``..`` folding), following redirects: (status, body)."""
    return _fetch


def _pack(part: dict[str, Any]) -> bytes:
    return json.dumps(part).encode("utf-8")


def _parent(msg: dict[str, Any]) -> str | None:
    parent: str | None = msg.get("parent_header", {}).get("msg_id")
    return parent


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("KNEEKIT_ARTIFACTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path

"""A whole clinic, end to end: PostgreSQL, JupyterHub with configurable-http-proxy and
DummyAuthenticator, the kneekit-clients service and the idle culler, all run as an unprivileged
user (``nobody`` when the tests are root), from the deployment ``kneekit hub init`` writes.

Two physios log in and land on the clinic overview; a check-in one makes shows in the other's
overview; a share link through the hub's proxy opens that client's page, whose countdown moves
(its websocket goes through the proxy); the audit trail names the physio for each action; the
culler stops an idle server; and the whole stack stops with no process left. The tests run in
order, on one stack; the sizing table (README, Performance) is measured on it and printed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from kneekit.bench.sizing import Sizing, rss_mib
from kneekit.bench.startup import kernel_processes
from kneekit.config import today
from kneekit.demo.clinic import make_demo
from kneekit.progress.overview import clinic_overview
from kneekit.records.store import Store
from tests import hub_stack
from tests.postgres_server import PostgresServer, available, start_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(1200)]

IDLE_TIMEOUT_S = 60
"""The test's idle timeout. An open page keeps its server alive: the server pings the page's
kernel websocket every 30 s, the proxy counts websocket data as activity, and the hub reads it
every 5 s (the test's setting), so a server is idle only once its pages are closed; waiting
for the culler after that is quick."""

PHYSIOS = ("ana", "ben")
LAPTOP: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
SPAWN_MS = 180_000
"""Logging in starts the physio's server, then a kernel runs the overview: on a busy 2-core
machine, well over a minute."""


def free_ports(names: tuple[str, ...]) -> dict[str, int]:
    """A free port on 127.0.0.1 for each name (all held open together, so all differ)."""
    sockets = []
    try:
        for _ in names:
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return {n: s.getsockname()[1] for n, s in zip(names, sockets, strict=True)}
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class Stack:
    pg: PostgresServer
    db: str
    hub: hub_stack.Hub
    timings: dict[str, float]
    pages: dict[str, Page] = field(default_factory=dict)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))

    def store(self) -> Store:
        return Store.open(self.db)


MISSING = {
    "configurable-http-proxy": "npm install -g configurable-http-proxy@4.6 (.ci/run does)",
    hub_stack.SYSTEM_PYTHON: "apt-get install python3 python3-venv",
}


@pytest.fixture(scope="module")
def stack(artifacts: Path) -> Iterator[Stack]:
    for tool, fix in MISSING.items():
        if shutil.which(tool) is None:
            pytest.skip(f"the hub test needs {tool}: {fix} (in CI a skip fails the run)")
    if not available():
        pytest.skip("the hub test needs PostgreSQL 15: apt-get install postgresql")
    timings: dict[str, float] = {}
    pg, timings["postgresql"] = hub_stack.timed(start_server)
    folder = hub_stack.make_folder()
    hub: hub_stack.Hub | None = None
    try:
        db = pg.url()
        with Store.open(db) as store:
            make_demo(store, today(datetime.now(UTC)))
        _, timings["hub environment"] = hub_stack.timed(hub_stack.hub_venv)
        ports = free_ports(("public", "hub", "api", "clients"))
        wait, timings["kneekit install + hub init"] = hub_stack.timed(
            lambda: hub_stack.start_hub(folder, db, ports, IDLE_TIMEOUT_S)
        )
        hub, timings["hub start"] = hub_stack.timed(wait)
        yield Stack(pg, db, hub, timings)
    finally:
        if hub is not None:
            hub.stop()
            (artifacts / "hub.log").write_text("".join(hub.log), encoding="utf-8")
        pg.stop()
        shutil.rmtree(folder, ignore_errors=True)
        print(
            "\nHub fixture timings (s):", json.dumps({k: round(v, 1) for k, v in timings.items()})
        )


def log_in(browser: Browser, stack: Stack, name: str) -> Page:
    page = browser.new_context(viewport=LAPTOP).new_page()
    page.goto(f"{stack.hub.url}hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", "anything")  # DummyAuthenticator: tests only
    page.click("#login_submit")
    expect(page.locator(".kneekit-clinic table")).to_be_visible(timeout=SPAWN_MS)
    stack.pages[name] = page
    return page


def overview_row(page: Page, name: str) -> list[str]:
    row = page.locator(".kneekit-clinic table tr", has_text=name)
    return [c.strip() for c in row.locator("td").all_inner_texts()]


def test_two_physios_each_land_on_the_clinic_overview(stack, browser, artifacts):
    for name in PHYSIOS:
        page = log_in(browser, stack, name)
        assert re.search(rf"/user/{name}/voila/render/clinic\.ipynb", page.url), page.url
        page.screenshot(path=artifacts / f"hub-clinic-{name}.png")
        shown = page.inner_text("body")
        assert "Traceback" not in shown
    # JupyterLab is there for physios exactly when the lab extra is installed beside the hub's
    # (hub_stack.EXTRAS), and `kneekit hub init` said which (README, "JupyterLab for physios").
    lab = stack.pages["ana"].request.get(f"{stack.hub.url}user/ana/lab")
    if "lab" in hub_stack.EXTRAS.split(","):
        assert "also have JupyterLab at /user/NAME/lab" in stack.hub.said
        assert lab.status == 200
        assert "JupyterLab" in lab.text()
    else:
        assert "JupyterLab is not installed here" in stack.hub.said
        assert lab.status == 404
    servers = {name: stack.hub.server_of(name) for name in PHYSIOS}
    assert servers["ana"].pid != servers["ben"].pid
    for proc in stack.hub.processes():  # the hub, proxy, services, servers, kernels
        assert proc.uids().real != 0, " ".join(proc.cmdline())


def test_a_check_in_by_one_physio_shows_in_the_others_overview(stack):
    with stack.store() as store:
        them = store.clients()[0]  # the check-in form's first choice
        before = {r.client_id: r for r in clinic_overview(store, today(datetime.now(UTC)))}
    assert (before[them.id].left, before[them.id].right) != (10, 10)
    ana = stack.pages["ana"]
    ana.goto(f"{stack.hub.url}user/ana/voila/render/checkin.ipynb")
    form = ana.locator(".kneekit-checkin")
    for side in ("left", "right"):
        key = form.locator(f".kneekit-{side}-knee button", has_text="10").first
        key.click()
        expect(key).to_have_class(re.compile(r"mod-active"))
    form.locator("button.kneekit-checkin-save").click()
    expect(form.locator(".kneekit-checkin-status")).to_contain_text("Saved at")
    ben = stack.pages["ben"]
    ben.reload()
    expect(ben.locator(".kneekit-clinic table")).to_be_visible(timeout=SPAWN_MS)
    assert overview_row(ben, them.name)[2:4] == ["10", "10"]


def test_a_share_link_through_the_proxy_opens_the_clients_page_and_its_countdown_moves(
    stack, browser, artifacts
):
    with stack.store() as store:
        them = store.clients()[1]
    # Ana makes the link as in a terminal on her server (where JUPYTERHUB_USER is hers).
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNEEKIT_")}
    env |= {"KNEEKIT_DB": stack.db, "JUPYTERHUB_USER": "ana"}
    made = subprocess.run(
        [sys.executable, "-m", "kneekit.cli", "share", them.name, "--base-url", stack.hub.clients],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    link = next(w for w in made.stdout.split() if w.startswith(stack.hub.clients))
    page = browser.new_context(viewport=PHONE).new_page()
    stack.pages["client"] = page
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(link, timeout=SPAWN_MS)
    expect(page.get_by_text(them.name).first).to_be_visible()
    start = page.locator("button.kneekit-start")
    expect(start).to_be_enabled()
    before = page.locator(".kneekit-countdown").inner_text()
    start.click()
    expect(page.locator(".kneekit-countdown")).not_to_have_text(before)  # it moves
    page.screenshot(path=artifacts / "hub-client-page.png")
    public = stack.hub.url.replace("http://", "ws://")
    assert sockets
    assert all(url.startswith(f"{public}services/kneekit-clients/") for url in sockets)


def test_the_audit_trail_names_the_physio_for_each_action(stack):
    with stack.store() as store:
        done = {
            (e.physio, e.action, e.client) for e in store.audit.entries() if e.at >= stack.started
        }
        first, second = store.clients()[:2]
    assert ("ana", "checked in", first.name) in done
    assert ("ana", "shared", second.name) in done
    viewed = {physio for physio, action, _ in done if action == "viewed"}
    assert viewed == set(PHYSIOS)  # each opened the overview, which shows a client's trends
    assert {physio for physio, _, _ in done} == set(PHYSIOS)


def test_the_sizing_table_is_measured_on_the_running_stack(stack, artifacts):
    hub = stack.hub
    ana = hub.server_of("ana")
    clients = hub.find("kneekit.hub.clients")[0]
    # Ben's page is the overview with a client's trends (Ana's went on to the check-in form).
    clinic_kernels = kernel_processes(hub.server_of("ben").pid)
    client_kernels = kernel_processes(clients.pid)
    assert clinic_kernels
    assert client_kernels
    sizing = Sizing(
        {
            "hub": rss_mib([psutil.Process(hub.process.pid)]),
            "proxy": rss_mib(hub.find(hub_stack.PROXY)),
            "culler": rss_mib(hub.find("jupyterhub_idle_culler")),
            "clients": rss_mib([clients]),
            "server": rss_mib([ana]),
            "clinic_kernel": max(rss_mib([k]) for k in clinic_kernels),
            "client_kernel": max(rss_mib([k]) for k in client_kernels),
        }
    )
    assert all(v > 1 for v in sizing.parts.values()), sizing.parts
    table = sizing.table()
    (artifacts / "hub-sizing.md").write_text(table + "\n", encoding="utf-8")
    print("\n" + table)


def test_the_culler_stops_an_idle_server(stack):
    servers = [stack.hub.server_of(name) for name in PHYSIOS]
    for name in PHYSIOS:
        stack.pages.pop(name).context.close()  # both physios close the tab, and go
    # The culler looks every IDLE_TIMEOUT_S / 6 s; the hub hears of activity every 5 s.
    gone, alive = psutil.wait_procs(servers, timeout=IDLE_TIMEOUT_S * 3)
    assert alive == []
    assert len(gone) == len(PHYSIOS)
    log = "".join(stack.hub.log)
    for name in PHYSIOS:
        assert re.search(rf"Culling server {name}\b", log), log[-3000:]


def test_the_whole_stack_stops_with_no_process_left(stack):
    stack.pages.pop("client").context.close()
    hub = stack.hub
    seen = len(hub.seen)
    hub.stop()
    assert hub.process.returncode == 0, "".join(hub.log[-40:])
    assert seen >= 5  # hub, proxy, culler, client service, its kernel: all were watched
    assert hub.left_over() == []
    data = str(stack.pg.data)
    stack.pg.stop()
    postgres = [
        p.pid for p in psutil.process_iter(["cmdline"]) if data in " ".join(p.info["cmdline"] or [])
    ]
    assert postgres == []

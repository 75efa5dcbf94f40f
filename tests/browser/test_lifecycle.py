"""Kernels under load: a closed page frees its kernel, a burst stays within the cap, and Ctrl-C
stops everything."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BURST = 50
CAP = 4

POLL_UNTIL_GONE = """(url) => {
    window.kernelGone = false;
    const poll = async () => {
        const reply = await fetch(url);
        if (reply.status === 404) { window.kernelGone = true; } else { setTimeout(poll, 200); }
    };
    poll();
}"""


def test_closing_the_page_frees_its_kernel(server, browser, page, kernel_of):
    a = server.people()[0]
    page.goto(server.link(a))
    expect(page.get_by_text(a.name).first).to_be_visible()
    kernel = kernel_of(page)
    assert kernel in server.kernel_ids()
    watcher = browser.new_page()  # asks the server (the kernels API) until the kernel is gone
    watcher.goto(server.clients + "voila/files/none")  # any page of the client server's origin
    watcher.evaluate(POLL_UNTIL_GONE, f"/api/kernels/{kernel}")
    page.close(run_before_unload=True)  # as a tab is closed
    watcher.wait_for_function("() => window.kernelGone === true", timeout=60_000)
    watcher.close()
    assert kernel not in server.kernel_ids()  # the process is gone too, not just forgotten


def test_a_burst_of_loads_stays_within_the_cap(start_serve, artifacts, fetch):
    """50 anonymous loads at once, half with a valid link: at most CAP kernels, a busy page or a
    "too many tries" page for the rest, bad links never a kernel, and the server still answers."""
    server = start_serve(max_kernels=CAP)
    people = server.people()
    urls = [
        server.link(people[i % len(people)]) if i % 2 else f"{server.clients}?share=x{i}"
        for i in range(BURST)
    ]
    before = server.memory_mib()
    with ThreadPoolExecutor(BURST) as pool:
        replies = list(pool.map(fetch, urls))
    statuses = Counter(status for status, _ in replies)
    valid = Counter(status for i, (status, _) in enumerate(replies) if i % 2)
    invalid = Counter(status for i, (status, _) in enumerate(replies) if not i % 2)
    kernels, after = len(server.kernels()), server.memory_mib()
    assert set(valid) <= {200, 429, 503}
    assert set(invalid) <= {404, 429}  # a bad link is a static page: no kernel
    assert valid[200] <= CAP
    assert statuses[503] + statuses[429] >= BURST // 2 - CAP
    assert all(b"Busy, try again in a minute" in body for s, body in replies if s == 503)
    assert all(b"Too many tries" in body for s, body in replies if s == 429)
    assert kernels <= CAP
    status, _ = fetch(server.link(people[0]))  # still answering, at once
    assert status in (429, 503)
    assert fetch(server.clinic)[0] == 200  # the clinic has its own kernels and limits
    (Path(artifacts) / "burst.json").write_text(
        json.dumps(
            {
                "loads": BURST,
                "cap": CAP,
                "statuses": dict(statuses),
                "kernels_after": kernels,
                "rss_mib_before": round(before),
                "rss_mib_after": round(after),
            }
        )
    )
    assert after < (CAP + 4) * 300  # bounded: serve, two servers, CAP kernels


def test_ctrl_c_stops_serve_its_servers_and_kernels(start_serve, fetch):
    server = start_serve(max_kernels=CAP)
    status, _ = fetch(server.link(server.people()[0]))  # a page, so a kernel is running
    assert status == 200
    family = psutil.Process(server.process.pid).children(recursive=True)
    runtime = next(
        Path(arg).parents[1] for p in family for arg in p.cmdline() if arg.endswith("settings.json")
    )
    assert len(server.kernels()) >= 1
    rest = server.stop()
    assert server.process.returncode == 0
    assert "Stopped." in rest
    _, alive = psutil.wait_procs(family, timeout=30)
    assert alive == []
    assert "Traceback" not in server.log.read_text()
    assert not runtime.exists()
    assert not server.db.with_name(server.db.name + ".serving").exists()


def test_pages_load_when_the_temporary_folder_has_a_long_path(start_serve, fetch, tmp_path):
    """macOS keeps temporary files under /var/folders/…: too long a path for kernel sockets."""
    long = tmp_path / ("temporary-" * 6)
    long.mkdir()
    server = start_serve(max_kernels=2, env_extra={"TMPDIR": str(long)})
    someone = server.people()[0]
    status, body = fetch(server.link(someone))
    assert status == 200
    assert b"application/vnd.jupyter.widget-view+json" in body, body[-2000:]  # the page ran

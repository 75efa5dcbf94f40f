"""The client's page on a phone, a tablet and a laptop, in real Chromium against a real server.

Chromium runs with a phone's autoplay policy (sound only after a tap). An init script counts
every Web Audio source started (with its context's state) and stands in for the Screen Wake Lock
API, which headless Chromium does not grant, noting each request and release. Everything is
driven from the keyboard, as a runner using a switch or a keyboard would.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Playwright, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from kneekit.bench.startup import CHROMIUM, CHROMIUM_ARGS
from kneekit.records.store import Store
from kneekit.routines.routine import parse_routine

pytestmark = pytest.mark.browser

SIZES = {
    "phone-small": (320, 640),
    "phone": (390, 844),
    "tablet": (820, 1180),
    "laptop": (1366, 900),
    "phone-landscape": (844, 390),
}
SHORT = "name: Quick calf\nprepare: 2\nswitch: 3\nstretches:\n  - stretch: calf\n    hold: 6\n"
"""Get ready 2 s, right calf 6 s, change legs 3 s, left calf 6 s: every state in 17 s."""

WATCH = """
window.__kk = {starts: [], requests: 0, releases: 0};
const start = AudioScheduledSourceNode.prototype.start;
AudioScheduledSourceNode.prototype.start = function (...args) {
  window.__kk.starts.push({kind: this.constructor.name, state: this.context.state,
                           side: document.querySelector('.kk-band')?.dataset.side || ''});
  return start.apply(this, args);
};
const wakeLock = {
  request: async (type) => {
    window.__kk.requests += 1;
    const sentinel = new EventTarget();
    sentinel.type = type;
    sentinel.released = false;
    sentinel.release = async () => { if (!sentinel.released) window.__kk.releases += 1;
                                     sentinel.released = true; };
    return sentinel;
  },
};
Object.defineProperty(Navigator.prototype, 'wakeLock', {get: () => wakeLock, configurable: true});
"""

WIDER_THAN_VIEWPORT = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (box.right > innerWidth + 1 || box.left < -1) {
      out.push(`${el.tagName}.${el.className} ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  return [document.documentElement.scrollWidth > innerWidth ? 'page scrolls sideways' : '',
          ...out].filter(Boolean).slice(0, 8);
}"""

ON_SCREEN = """(el) => { const b = el.getBoundingClientRect();
  return b.top >= 0 && b.left >= 0 && b.bottom <= innerHeight && b.right <= innerWidth
    && el.scrollWidth <= el.clientWidth; }"""
"""Wholly in the viewport, and its text not running out of its own box either."""


@pytest.fixture(scope="module")
def phone_browser(playwright: Playwright) -> Iterator[Browser]:
    args = [*CHROMIUM_ARGS, "--autoplay-policy=user-gesture-required"]
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def runner_link(server) -> str:
    """A new client on the shared server with the 17-second routine, and their link."""
    now = datetime.now(UTC)
    with Store.open(server.db) as store:
        runner = store.add_client("Quinn R.", now)
        version = store.save_routine(parse_routine(SHORT), now)
        store.assign(runner.id, version.id, now.date())
        client = store.client(runner.id)
    return str(server.link(client))


def open_page(browser: Browser, url: str, size: tuple[int, int]) -> Page:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    context.add_init_script(WATCH)
    page = context.new_page()
    page.goto(url, timeout=180_000)
    return page


def close(page: Page) -> None:
    context = page.context
    page.close(run_before_unload=True)
    context.close()


def tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until ``selector`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate(f"document.activeElement?.matches({selector!r})"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def fits(page: Page, where: str) -> None:
    """Nothing wider than the viewport. After a resize, Lumino lays its boxes out again a frame
    or more later (CI once measured the old width), so the layout is given 10 s to settle."""
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(f"({WIDER_THAN_VIEWPORT})().length === 0", timeout=10_000)
    assert page.evaluate(WIDER_THAN_VIEWPORT) == [], where


@pytest.mark.parametrize("size", list(SIZES))
def test_a_routine_on_every_screen_from_the_keyboard(phone_browser, runner_link, artifacts, size):
    page = open_page(phone_browser, runner_link, SIZES[size])
    primary = page.locator("button.kneekit-start")
    band, clock = page.locator(".kk-band"), page.locator(".kk-countdown")
    expect(primary).to_have_text("Start")
    fits(page, "ready")
    page.screenshot(path=artifacts / f"phone-{size}-1-ready.png")
    assert page.evaluate("window.__kk.starts.length") == 0  # nothing may sound before a tap

    tab_to(page, "button.kneekit-start")
    page.keyboard.press("Enter")
    expect(primary).to_have_text("Pause")
    expect(band).to_have_attribute("data-kind", "hold")
    expect(band).to_have_text("RIGHT LEG ▶")
    expect(page.locator(".kk-live")).to_contain_text("Right leg. Wall calf stretch.")
    assert band.evaluate(ON_SCREEN), "the side band is cut off or below the fold"
    assert clock.evaluate(ON_SCREEN), "the countdown is cut off or below the fold"
    fits(page, "hold")
    page.screenshot(path=artifacts / f"phone-{size}-2-hold.png")
    # The tap unlocked sound: the hold's beep started on a running context, on the right side.
    beeps = page.evaluate("window.__kk.starts.filter(s => s.kind === 'OscillatorNode')")
    assert {"kind": "OscillatorNode", "state": "running", "side": "right"} in beeps
    assert page.evaluate("window.__kk.requests") >= 1  # the screen is kept awake

    page.keyboard.press("Enter")  # the focus stayed on the one big key: pause
    expect(primary).to_have_text("Resume")
    expect(band).to_contain_text("PAUSED")
    page.wait_for_function("window.__kk.releases >= 1")  # paused: the screen may sleep again
    page.screenshot(path=artifacts / f"phone-{size}-3-paused.png")
    page.keyboard.press("Enter")
    expect(primary).to_have_text("Pause")

    expect(band).to_have_attribute("data-kind", "switch")
    page.screenshot(path=artifacts / f"phone-{size}-4-change-legs.png")
    expect(band).to_have_text("◀ LEFT LEG")
    expect(page.locator(".kk-live")).to_contain_text("Left leg. Wall calf stretch.")
    assert band.evaluate(ON_SCREEN)
    assert clock.evaluate(ON_SCREEN)
    page.screenshot(path=artifacts / f"phone-{size}-5-left.png")
    beeps = page.evaluate("window.__kk.starts.filter(s => s.kind === 'OscillatorNode')")
    assert {"kind": "OscillatorNode", "state": "running", "side": "left"} in beeps

    expect(primary).to_have_text("Start again")
    expect(page.locator(".kneekit-summary")).to_be_visible()
    requests, releases = page.evaluate("[window.__kk.requests, window.__kk.releases]")
    assert requests == releases  # every lock taken was given back at the end
    fits(page, "finished")
    page.screenshot(path=artifacts / f"phone-{size}-6-finished.png", full_page=True)
    close(page)


def test_sound_toggle_says_its_state(phone_browser, runner_link):
    page = open_page(phone_browser, runner_link, SIZES["phone"])
    sound = page.get_by_role("button", name="Sound on")
    expect(sound).to_have_attribute("aria-pressed", "true")
    sound.click()
    expect(page.locator("button.kneekit-mute")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("button.kneekit-mute")).to_have_text("Sound off")
    close(page)


@pytest.mark.parametrize("size", ["phone-small", "tablet"])
def test_a_check_in_error_shows_under_its_field(phone_browser, runner_link, artifacts, size):
    page = open_page(phone_browser, runner_link, SIZES[size])
    page.get_by_role("tab", name="Check in").click()
    form = page.locator(".kneekit-checkin:visible")
    form.get_by_role("textbox", name="Run distance (km)").fill("ten")
    form.locator("button.kneekit-checkin-save").click()
    error = form.locator(".kneekit-error", has_text="run km must be a number")
    expect(error).to_be_visible()
    error.scroll_into_view_if_needed()
    assert error.evaluate(ON_SCREEN), "the error is clipped"
    expect(
        form.locator(".kneekit-error", has_text="Choose how sore your left knee is")
    ).to_be_visible()
    fits(page, "check-in with errors")
    page.screenshot(path=artifacts / f"phone-{size}-checkin-error.png", full_page=True)
    page.get_by_role("tab", name="My progress").click()
    expect(page.locator(".kneekit-adherence")).to_be_visible()
    fits(page, "my progress")
    page.screenshot(path=artifacts / f"phone-{size}-progress.png", full_page=True)
    close(page)


def serious(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_axe_finds_nothing_serious_on_the_client_page(phone_browser, runner_link):
    page = open_page(phone_browser, runner_link, SIZES["phone"])
    expect(page.locator("button.kneekit-start")).to_be_visible()
    assert serious(page) == []
    page.get_by_role("tab", name="Check in").click()
    expect(page.locator(".kneekit-checkin:visible")).to_be_visible()
    assert serious(page) == []
    close(page)


CLINIC = ["clinic.ipynb", "trends.ipynb", "routine_lab.ipynb", "session.ipynb", "checkin.ipynb"]


@pytest.mark.parametrize("name", CLINIC)
def test_clinic_pages_fit_every_screen_and_pass_axe(phone_browser, server, artifacts, name):
    page = open_page(phone_browser, server.clinic_notebook(name), SIZES["laptop"])
    page.wait_for_selector(".jupyter-widgets", timeout=180_000)
    expect(page.locator(".widget-box").first).to_be_visible()
    assert serious(page) == []
    for size in ("phone-small", "phone", "tablet", "laptop"):
        page.set_viewport_size({"width": SIZES[size][0], "height": SIZES[size][1]})
        fits(page, f"{name} at {size}")
        page.screenshot(path=artifacts / f"clinic-{name.split('.')[0]}-{size}.png")
    close(page)

"""What a kneekit face checks before any kernel starts: addresses, tries, hosts, and page keys.

Every page load on Voilà starts a Python kernel (~100 MiB, seconds of CPU), so anything that can
be refused without one is refused here, in the server, with a static page:

- a **share token** is looked up before the page's kernel starts; a bad link costs a database
  lookup, not a kernel (issue #14, finding 1);
- **per-address limits** on page loads and on wrong tokens or clinic secrets (a token bucket per
  address), answered with a "too many tries" page;
- a **Host allowlist**: a page is served only to the names it was started under (DNS rebinding
  would otherwise let any web page spend kernels through a visitor's browser);
- a **page key** per page: a random secret set as a cookie scoped to that page's own kernel
  paths, so only the browser that loaded a page can open its kernel's websocket or shut it down.
"""

from __future__ import annotations

import contextvars
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

PAGE_LOADS_BURST = 30
"""Page loads one address may make at once. A clinic's phones can share one public address
behind a router; 30 is ten times a room of three runners reloading, far below a flood."""
PAGE_LOADS_PER_S = 0.5
"""Sustained page loads per address after the burst: one every two seconds (a person reloads
a page at most every few seconds; a script hundreds of times a second)."""
WRONG_TRIES_BURST = 10
"""Wrong share tokens or clinic secrets one address may send before being slowed: enough for a
mistyped secret and a few stale links, useless for guessing a 192-bit secret."""
WRONG_TRIES_PER_S = 1 / 30
"""Wrong tries per address after the burst: one every 30 s, as login forms commonly allow."""
TRIES_FORGOTTEN_S = 3600.0
"""Addresses not seen for an hour are forgotten, so the table of addresses stays small."""

PAGE_COOKIE = "kneekit-page"
"""The cookie holding a page's key; one per page, its Path the page's kernel URLs."""


def _monotonic() -> float:
    return time.monotonic()


@dataclass
class _Bucket:
    tokens: float
    seen: float


@dataclass
class RateLimit:
    """A token bucket per address: ``burst`` at once, then ``per_s`` a second."""

    burst: int
    per_s: float
    clock: Callable[[], float] = _monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def _bucket(self, address: str) -> _Bucket:
        now = self.clock()
        if len(self._buckets) > 10_000:  # forget idle addresses, bounded memory
            stale = [a for a, b in self._buckets.items() if now - b.seen > TRIES_FORGOTTEN_S]
            for gone in stale:
                del self._buckets[gone]
        bucket = self._buckets.setdefault(address, _Bucket(float(self.burst), now))
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.seen) * self.per_s)
        bucket.seen = now
        return bucket

    def exhausted(self, address: str) -> bool:
        """Whether ``address`` has no try left right now (nothing is spent)."""
        return self._bucket(address).tokens < 1

    def spend(self, address: str) -> bool:
        """Spend one try of ``address``; False (and nothing spent) when none is left."""
        bucket = self._bucket(address)
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True


PAGE_LOADS = RateLimit(PAGE_LOADS_BURST, PAGE_LOADS_PER_S)
WRONG_TRIES = RateLimit(WRONG_TRIES_BURST, WRONG_TRIES_PER_S)


@dataclass
class PageGrant:
    """What the server decided about one page load, carried to the kernel it starts.

    ``client_id`` is the client whose share token the server checked (None on the clinic);
    ``key`` the page's secret; ``kernel_id`` is filled in when the kernel starts.
    """

    client_id: int | None
    key: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    kernel_id: str | None = None


CURRENT_PAGE: contextvars.ContextVar[PageGrant | None] = contextvars.ContextVar(
    "kneekit_page", default=None
)
"""The grant of the page being served: set by the page handler, read by the kernel manager when
it starts that page's kernel (the same asyncio task, so the value follows it)."""


def allowed_host(host_header: str, allowed: frozenset[str]) -> bool:
    """Whether a request's Host (``name`` or ``name:port``) names this server.

    >>> allowed_host("127.0.0.1:8867", frozenset({"127.0.0.1"}))
    True
    >>> allowed_host("evil.example:8867", frozenset({"127.0.0.1"}))
    False
    """
    if not allowed:
        return True
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:8867
        name = host[1 : host.find("]")] if "]" in host else host
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name in allowed


_STYLE = (
    "<style>body{font-family:system-ui,sans-serif;max-width:32em;margin:3em auto;padding:0 1em;"
    "font-size:1.25em;line-height:1.4;color:#222}</style>"
)


def static_page(title: str, text: str, css_class: str, *, refresh_s: int | None = None) -> str:
    """A small page with no script and no kernel: what a refused visitor gets."""
    refresh = f'<meta http-equiv="refresh" content="{refresh_s}">' if refresh_s else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"{refresh}<title>{title} — kneekit</title>{_STYLE}</head>"
        f'<body class="{css_class}"><h1>{title}</h1><p>{text}</p></body></html>\n'
    )


TOO_MANY_TRIES = static_page(
    "Too many tries",
    "This address has tried too many pages or links in a short time. Wait a minute, then "
    "open your link again. If this keeps happening, tell your physio.",
    "kneekit-too-many",
)
WRONG_HOST = static_page(
    "Wrong address",
    "This server does not answer to that address. Open the link exactly as your physio sent it.",
    "kneekit-wrong-host",
)
SIGNED_OUT = static_page(
    "Signed out",
    "You are signed out of the clinic. Open the clinic link again to sign back in.",
    "kneekit-signed-out",
)

"""What a kneekit face checks before any kernel starts: addresses, tries, hosts, and page keys.

Every page load on Voilà starts a Python kernel (~100 MiB, seconds of CPU), so anything that can
be refused without one is refused here, in the server, with a static page:

- a **share token** is looked up before the page's kernel starts; a bad link costs a database
  lookup, not a kernel (issue #14, finding 1);
- **per-address limits** on page loads and on wrong tokens or clinic secrets (a token bucket per
  address, :class:`RateLimit`), answered with a "too many tries" page. The limits are settings
  of the app (:class:`kneekit.voila.app.KneekitVoila`), and each app keeps its own buckets in its
  Tornado settings, so two servers in one process never share an address's tries;
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

TRIES_FORGOTTEN_S = 3600.0
"""Addresses not seen for an hour are forgotten, so the table of addresses stays small."""

PAGE_COOKIE = "kneekit-page"
"""The cookie holding a page's key; one per page, its Path the page's kernel URLs."""
SHUTDOWN_COOKIE = PAGE_COOKIE + "-end"
"""The page key again, scoped to the page's shutdown beacon URL (a cookie has one path)."""


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

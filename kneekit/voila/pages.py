"""The notebook page of a kneekit face: refused before any kernel starts when it can be.

:class:`PageHandler` replaces Voilà's page handler. It refuses too many loads from one address,
a bad share link (a static page, no kernel) and a full server (the busy page); it hands the
share's client to the kernel manager (not the token), and gives the browser a per-page key as
cookies scoped to that page's kernel URLs (issue #14 names the findings).

It reads from the app's Tornado settings: ``kneekit_face``, ``kneekit_lookup`` (share token to
client id), and the per-address limiters ``kneekit_page_loads`` and ``kneekit_wrong_tries``
(:class:`kneekit.voila.app.KneekitVoila` puts them there).
"""

from __future__ import annotations

from typing import Any

import tornado.web
from voila.tornado.handler import TornadoVoilaHandler

from kneekit.sharing import share_token
from kneekit.voila.answers import BAD_LINK_PAGE, BUSY_PAGE, TOO_MANY_TRIES, send_static
from kneekit.voila.guard import CURRENT_PAGE, PAGE_COOKIE, SHUTDOWN_COOKIE, PageGrant, RateLimit
from kneekit.voila.kernels import GuardedKernelManager
from kneekit.voila.logs import redact


class PageHandler(TornadoVoilaHandler):  # type: ignore[misc]
    """Voilà's notebook page, refusing what it can before any kernel starts."""

    _grant: PageGrant | None = None
    _keyed = False

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:
        """Serve the page if the address, the link and the cap allow; otherwise a static page."""
        # Reading the token makes tornado set the ``_xsrf`` cookie on this response; the page's
        # shutdown beacon sends it back (voila issue #1458).
        _ = self.xsrf_token
        address = self.request.remote_ip or ""
        page_loads: RateLimit = self.settings["kneekit_page_loads"]
        wrong_tries: RateLimit = self.settings["kneekit_wrong_tries"]
        if not page_loads.spend(address):
            send_static(self, 429, TOO_MANY_TRIES, retry=True)
            return
        if self.notebook_path and path:  # client face: any path but "/" is not a page
            send_static(self, 404, BAD_LINK_PAGE)
            return
        grant = PageGrant(client_id=None)
        if self.settings.get("kneekit_face") == "client" and self.notebook_path:
            if wrong_tries.exhausted(address):
                send_static(self, 429, TOO_MANY_TRIES, retry=True)
                return
            grant.client_id = self._client_id()
            if grant.client_id is None:
                wrong_tries.spend(address)
                send_static(self, 404, BAD_LINK_PAGE)
                return
        manager: GuardedKernelManager = self.kernel_manager
        if not manager.admit():
            self.log.warning(
                "Busy page sent: %d of %d kernels in use.", manager.in_use, manager.max_kernels
            )
            send_static(self, 503, BUSY_PAGE, retry=True)
            return
        self._grant = grant
        reset = CURRENT_PAGE.set(grant)
        try:
            await super().get(path)
        finally:
            CURRENT_PAGE.reset(reset)
            manager.release()
            if grant.kernel_id:
                manager.page_served(grant.kernel_id)

    def _client_id(self) -> int | None:
        """The client whose share token this request carries, checked now; None if not valid."""
        token = share_token(self.request.query)
        if token is None:
            return None
        found = self.settings["kneekit_lookup"](token)
        return None if found is None else int(found)

    def flush(self, include_footers: bool = False) -> Any:
        """Before the page's first bytes go out, give the browser its page key."""
        grant = self._grant
        if grant is not None and grant.kernel_id and not self._keyed:
            self._keyed = True
            secure = self.request.protocol == "https"
            for name, path in (
                (PAGE_COOKIE, f"{self.base_url}api/kernels/{grant.kernel_id}"),
                (SHUTDOWN_COOKIE, f"{self.base_url}voila/api/shutdown/{grant.kernel_id}"),
            ):
                self.set_cookie(
                    name, grant.key, path=path, httponly=True, samesite="Strict", secure=secure
                )
        return super().flush(include_footers)

    def _request_summary(self) -> str:
        return redact(super()._request_summary())

"""The physio's sign-in to the clinic face: wrong secrets counted per address, and a sign-out.

Voilà checks the clinic's secret token (from the link or the login form); kneekit adds that a
wrong one spends one of its address's tries (the app's ``kneekit_wrong_tries`` limiter, see
:class:`kneekit.voila.answers.GatedApplication` for what happens once they run out), that the
login cookie is SameSite=Strict, and a ``/logout`` that works without Jupyter's templates.
"""

from __future__ import annotations

from typing import Any

import tornado.web
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.logout import LogoutHandler as JupyterLogoutHandler
from traitlets import default
from voila.voila_identity_provider import VoilaIdentityProvider

from kneekit.voila.answers import SIGNED_OUT, send_static
from kneekit.voila.guard import RateLimit


class LogoutHandler(JupyterLogoutHandler):
    """Signs the physio out: clears the login cookie, asks the browser to drop this site's
    cookies, and says so in a static page (Jupyter's own page needs a template Voilà lacks)."""

    @allow_unauthenticated
    def get(self) -> None:
        """Sign out."""
        self.identity_provider.clear_login_cookie(self)
        self.set_header("Clear-Site-Data", '"cookies"')
        send_static(self, 200, SIGNED_OUT)


class KneekitIdentityProvider(VoilaIdentityProvider):  # type: ignore[misc]
    """Voilà's login by secret token, with wrong secrets counted per address, SameSite=Strict
    cookies (Secure too under TLS, as Jupyter decides from the request) and a working logout."""

    @default("cookie_options")
    def _default_cookie_options(self) -> dict[str, Any]:
        return {"samesite": "Strict"}

    @default("logout_handler_class")
    def _default_logout_handler_class(self) -> type:
        return LogoutHandler

    async def get_user_token(self, handler: tornado.web.RequestHandler) -> Any:
        """The user for a correct token; a wrong one spends one of the address's tries."""
        user = await super().get_user_token(handler)
        if user is None and self.token and self.get_token(handler):
            _spend_a_try(handler)
        return user

    def process_login_form(self, handler: tornado.web.RequestHandler) -> Any:
        """The login form: a wrong secret spends a try."""
        user = super().process_login_form(handler)
        if user is None:
            _spend_a_try(handler)
        return user


def _spend_a_try(handler: tornado.web.RequestHandler) -> None:
    wrong_tries: RateLimit = handler.settings["kneekit_wrong_tries"]
    wrong_tries.spend(handler.request.remote_ip or "")

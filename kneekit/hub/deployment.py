"""What ``kneekit hub init DIR`` writes: a JupyterHub deployment for a clinic.

One machine, one dedicated non-root user (say ``kneekit``) running the hub, the proxy, every
physio's server and the client pages; TLS from a reverse proxy in front (see the README's "For a
whole clinic"). Each physio logs in and lands on the clinic overview
(``Spawner.default_url``), served by Voilà with kneekit's template inside their single-user
server; all share one PostgreSQL database (``KNEEKIT_DB`` in the spawner's environment), and
the audit trail names them (``JUPYTERHUB_USER``).

The clinic pages need no JupyterLab, so the hub extra leaves it out; installed beside the hub
(``kneekit[hub,lab]``), it gives physios ``/user/NAME/lab`` too, for experimenting in notebooks.
Either way a physio's server runs code as the ``kneekit`` user (JupyterLab is an editor on top of
the server's kernels and terminals, which are there without it), so a physio can read and change
the whole clinic database and the other physios' files. That is the same trust as one shared
clinic laptop, and fits a practice whose physios already see every client; where that is not
acceptable, give each physio a system account (LocalProcessSpawner, the hub run as root by the
administrator, per JupyterHub's docs) or containers (DockerSpawner, or Zero to JupyterHub on
Kubernetes) and a PostgreSQL role per physio. The hub itself never runs code as root.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from kneekit.errors import KneekitError, Problem

AUTHENTICATORS = ("native", "oauth", "dummy")
"""native: accounts an admin approves (jupyterhub-nativeauthenticator); oauth: the clinic's own
sign-in (oauthenticator's generic OAuth); dummy: any name, any password - tests only."""

IDLE_TIMEOUT_S = 3600
"""A physio's server is stopped after an hour unused (jupyterhub-idle-culler): the same hour
kneekit serve gives a clinic kernel (kneekit.voila.faces), between two appointments."""

CLIENTS_PORT = 8766
"""The client pages' port on 127.0.0.1; only the hub's proxy talks to it."""

BIND_URL = "http://127.0.0.1:8000"
"""The hub's public address: this machine only, with the HTTPS reverse proxy in front."""

CULL_CHECKS_PER_TIMEOUT = 6
"""The culler looks every sixth of the timeout (10 min for an hour): a server outlives its
timeout by at most that much, and the hub is not asked every few seconds."""

CONFIG = '''\
"""JupyterHub for {clinic}: written by `kneekit hub init`; edit freely.

Run as the dedicated non-root user:  jupyterhub -f {config_path}
Put HTTPS in front (README "For a whole clinic"); the hub itself listens on {bind_url} only.
"""

import os
import sys

if os.geteuid() == 0:
    sys.exit(
        "Start the hub as the clinic's own non-root user (say kneekit), not as root: "
        "every physio's server runs as the user who starts the hub."
    )

c = get_config()  # noqa: F821 (JupyterHub provides it)

c.JupyterHub.bind_url = {bind_url!r}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.cookie_secret_file = {cookie_secret!r}
c.JupyterHub.db_url = {hub_db!r}
c.ConfigurableHTTPProxy.pid_file = {proxy_pid!r}

# Every physio's server runs as this same (non-root) user; see kneekit.hub.deployment's notes.
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = {home_template!r}
c.Spawner.default_url = "/voila/render/clinic.ipynb"
c.Spawner.notebook_dir = {notebooks!r}
c.Spawner.environment = {{
    "KNEEKIT_DB": {db_url!r},
    # Where runners open their links (share links and handout QR codes); empty: not given.
    "KNEEKIT_CLIENTS_URL": {clients_url!r},
    "JUPYTER_PATH": {jupyter_path!r},
}}
# Voila is a server extension enabled by installing kneekit; JupyterLab (/user/NAME/lab) is
# one too where it is installed beside the hub: pip install 'kneekit[hub,lab]'.
c.Spawner.args = [
    "--VoilaConfiguration.template=kneekit",
    "--VoilaConfiguration.theme=light",
    "--VoilaConfiguration.strip_sources=True",
    "--VoilaConfiguration.show_tracebacks=False",
]
# A small clinic machine may take a minute or two to start a server and its first kernel.
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120

{authenticator}

c.JupyterHub.services = [
    {{
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                    "--timeout={idle_timeout}", "--cull-every={cull_every}"],
    }},
    {{
        # The client pages (share links), anonymous, at /services/kneekit-clients/.
        "name": "kneekit-clients",
        "url": "http://127.0.0.1:{clients_port}",
        "command": [sys.executable, "-m", "kneekit.hub.clients"],
        "environment": {{"KNEEKIT_DB": {db_url!r}, "KNEEKIT_PHYSIO": "client (share link)"}},
        "display": False,
    }},
]
c.JupyterHub.load_roles = [
    {{
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }},
]
'''

AUTH = {
    "native": """c.JupyterHub.authenticator_class = "native"
c.NativeAuthenticator.open_signup = False  # physios sign up; an admin approves each one
c.Authenticator.admin_users = {admins!r}
c.Authenticator.allow_all = True  # every approved account""",
    "oauth": """import os

c.JupyterHub.authenticator_class = "generic-oauth"
c.GenericOAuthenticator.client_id = os.environ["OAUTH_CLIENT_ID"]
c.GenericOAuthenticator.client_secret = os.environ["OAUTH_CLIENT_SECRET"]
c.GenericOAuthenticator.oauth_callback_url = os.environ["OAUTH_CALLBACK_URL"]
c.GenericOAuthenticator.authorize_url = os.environ["OAUTH_AUTHORIZE_URL"]
c.GenericOAuthenticator.token_url = os.environ["OAUTH_TOKEN_URL"]
c.GenericOAuthenticator.userdata_url = os.environ["OAUTH_USERDATA_URL"]
c.GenericOAuthenticator.allowed_groups = {{"physios"}}
c.GenericOAuthenticator.manage_groups = True
c.Authenticator.admin_users = {admins!r}""",
    "dummy": """c.JupyterHub.authenticator_class = "dummy"  # ANY name and password: tests only
c.Authenticator.allow_all = True""",
}


def has_lab() -> bool:
    """Whether JupyterLab is installed where the hub runs, and so in every physio's server."""
    return importlib.util.find_spec("jupyterlab") is not None


def write_deployment(
    folder: Path,
    db_url: str,
    auth: str = "native",
    admins: tuple[str, ...] = (),
    bind_url: str = BIND_URL,
    idle_timeout: int = IDLE_TIMEOUT_S,
    clients_port: int = CLIENTS_PORT,
    public_url: str = "",
) -> Path:
    """Write ``jupyterhub_config.py`` (and the folders it names) into ``folder``; returns it.

    ``public_url`` is the clinic's HTTPS address in front of the hub; share links and handout
    QR codes point at its client pages. Without it they point at this computer, which the
    handout button and ``kneekit share`` say a phone cannot open."""
    if public_url and not public_url.startswith("https://"):
        raise KneekitError(
            [
                Problem(
                    "--public-url",
                    public_url,
                    "give the clinic's HTTPS address that runners' phones open, e.g. "
                    "https://kneekit.example-clinic.org (the wake lock needs HTTPS).",
                )
            ]
        )
    if auth not in AUTHENTICATORS:
        raise KneekitError([Problem("--auth", "", f"choose one of {', '.join(AUTHENTICATORS)}.")])
    if "://" not in db_url or db_url.startswith("sqlite"):
        raise KneekitError(
            [
                Problem(
                    "--db",
                    "",
                    "several physios need one PostgreSQL database, e.g. "
                    "postgresql+psycopg://kneekit@/clinic?host=/run/postgresql",
                )
            ]
        )
    from kneekit.voila.app import JUPYTER_ROOT
    from kneekit.voila.faces import CLINIC_NOTEBOOKS, NOTEBOOKS

    folder = folder.resolve()
    for sub in ("notebooks", "users", "state"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    for name in CLINIC_NOTEBOOKS:
        (folder / "notebooks" / name).write_bytes((NOTEBOOKS / name).read_bytes())
    config = folder / "jupyterhub_config.py"
    config.write_text(
        CONFIG.format(
            clinic="the clinic",
            config_path=str(config),
            bind_url=bind_url,
            cookie_secret=str(folder / "state" / "cookie_secret"),
            hub_db=f"sqlite:///{folder / 'state' / 'jupyterhub.sqlite'}",
            proxy_pid=str(folder / "state" / "proxy.pid"),
            home_template=str(folder / "users" / "{username}"),
            notebooks=str(folder / "notebooks"),
            db_url=db_url,
            jupyter_path=str(JUPYTER_ROOT),
            authenticator=AUTH[auth].format(admins=set(admins)),
            idle_timeout=idle_timeout,
            cull_every=max(5, idle_timeout // CULL_CHECKS_PER_TIMEOUT),
            clients_port=clients_port,
            clients_url=f"{public_url.rstrip('/')}/services/kneekit-clients/" if public_url else "",
        ),
        encoding="utf-8",
    )
    return config

"""``kneekit hub init DIR``: a JupyterHub deployment for a clinic with several physios."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

LAB = (
    "Physios land on the clinic overview and also have JupyterLab at /user/NAME/lab (README, "
    "'For a whole clinic': what it means for the database)."
)
NO_LAB = (
    "Physios land on the clinic overview. JupyterLab is not installed here, so they have the "
    "clinic pages but no notebook editor; to give them JupyterLab at /user/NAME/lab, run "
    "pip install 'kneekit[hub,lab]' in this environment and restart the hub."
)


def _init(args: argparse.Namespace) -> int:
    from kneekit.hub.deployment import has_lab, write_deployment

    config = write_deployment(
        Path(args.folder),
        args.db_url,
        args.auth,
        tuple(args.admin),
        bind_url=args.bind_url,
        idle_timeout=args.idle_timeout,
        clients_port=args.clients_port,
        public_url=args.public_url,
    )
    print(f"Wrote {config}")
    print(LAB if has_lab() else NO_LAB)
    print("Next, as the clinic's non-root kneekit user (never root):")
    print(f"  cd {config.parent} && jupyterhub -f {config.name}")
    print("then put HTTPS in front of it: README, 'For a whole clinic'.")
    return 0


def add_commands(commands: Any) -> list[argparse.ArgumentParser]:
    from kneekit.hub.deployment import BIND_URL, CLIENTS_PORT, IDLE_TIMEOUT_S

    hub = commands.add_parser("hub", help="several physios: a JupyterHub deployment")
    actions = hub.add_subparsers(dest="action", required=True, metavar="ACTION")
    init = actions.add_parser(
        "init",
        help="write jupyterhub_config.py for the clinic into a folder",
        description="Write a JupyterHub deployment: each physio logs in and lands on the clinic "
        "overview; client pages at /services/kneekit-clients/; idle servers culled.",
    )
    init.add_argument("folder", metavar="DIR", help="where to write it (made if missing)")
    init.add_argument(
        "--db-url",
        required=True,
        metavar="URL",
        help="the shared PostgreSQL database, e.g. postgresql+psycopg://kneekit@/clinic",
    )
    init.add_argument(
        "--auth",
        choices=("native", "oauth", "dummy"),
        default="native",
        help="native: accounts an admin approves (default); oauth: the clinic's sign-in; "
        "dummy: tests only",
    )
    init.add_argument("--admin", action="append", default=[], metavar="NAME", help="an admin")
    init.add_argument(
        "--bind-url",
        default=BIND_URL,
        metavar="URL",
        help=f"where the hub listens, behind the HTTPS proxy (default: {BIND_URL})",
    )
    init.add_argument(
        "--idle-timeout",
        type=int,
        default=IDLE_TIMEOUT_S,
        metavar="SECONDS",
        help=f"stop a physio's server unused this long (default: {IDLE_TIMEOUT_S})",
    )
    init.add_argument(
        "--clients-port",
        type=int,
        default=CLIENTS_PORT,
        metavar="PORT",
        help=f"the client pages' own port, on 127.0.0.1 (default: {CLIENTS_PORT})",
    )
    init.add_argument(
        "--public-url",
        default="",
        metavar="URL",
        help="the clinic's HTTPS address in front of the hub, for the links runners open "
        "(e.g. https://kneekit.example-clinic.org)",
    )
    init.set_defaults(run=_init)
    return []

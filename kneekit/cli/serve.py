"""``kneekit serve`` and ``kneekit share``: the dashboards, and links to a client's own page."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from kneekit.cli.common import database
from kneekit.errors import KneekitError, Problem
from kneekit.sharing import SHARE_DAYS, local_only_note, new_link, served_clients_url
from kneekit.voila.faces import DEFAULT_MAX_KERNELS
from kneekit.voila.serve import DEFAULT_PORT, serve


def _serve(args: argparse.Namespace) -> int:
    if bool(args.certfile) != bool(args.keyfile):
        raise KneekitError(
            [
                Problem(
                    "--certfile/--keyfile", "", "give both a certificate and its key, or neither."
                )
            ]
        )
    return serve(
        database(args),
        args.host,
        args.port,
        args.max_kernels,
        tls=(args.certfile, args.keyfile) if args.certfile else None,
        insecure_http=args.insecure_http,
        allow_hosts=tuple(args.allow_host or ()),
    )


def share(args: argparse.Namespace) -> int:
    """Print a new share link for a client, or revoke all of theirs."""
    from kneekit.records.store import Store

    db = database(args)
    now = datetime.now(UTC)
    with Store.open(db) as store:
        client = store.find_client(args.client)
        if args.revoke:
            count = store.shares.revoke(client.id, now)
            print(f"Revoked {count} link(s) of {client.name}: they now show 'not valid'.")
            return 0
        days = SHARE_DAYS if args.expires is None else args.expires
        link = new_link(store, client.id, now, args.base_url or served_clients_url(db), days)
    print(f"Link for {client.name} (valid until {link.until:%d %B %Y}; send it to them only):")
    print(link.url)
    if link.local_only:
        print(local_only_note())
    return 0


def _days(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 3650:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days from 1 to 3650")
    return int(text)


def _port(text: str) -> int:
    if not text.isdigit() or not 1024 <= int(text) <= 65534:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port from 1024 to 65534")
    return int(text)


def _count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 500:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number from 1 to 500")
    return int(text)


def add_commands(commands: Any) -> list[argparse.ArgumentParser]:
    """Add ``serve`` and ``share`` to the ``kneekit`` subcommands; returns their parsers.

    ``commands`` is what :meth:`argparse.ArgumentParser.add_subparsers` returned. Both commands
    read ``args.db`` (the database; None for the default), which the caller provides.
    """
    srv = commands.add_parser(
        "serve",
        help="serve the clinic and your clients' pages in the browser",
        description="Serve the clinic (port N) and your clients' pages (port N+1) with Voilà. "
        "Makes a demo clinic on first use when there is no database yet.",
    )
    srv.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: "
        "127.0.0.1, this computer only; 0.0.0.0 for phones on your network)",
    )
    srv.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        metavar="N",
        help=f"clinic port; client pages use N+1 (default: {DEFAULT_PORT})",
    )
    srv.add_argument(
        "--max-kernels",
        type=_count,
        default=DEFAULT_MAX_KERNELS,
        metavar="N",
        help=f"pages open at once per face before 'busy' (default: "
        f"{DEFAULT_MAX_KERNELS}, ~100 MiB each)",
    )
    srv.add_argument("--certfile", metavar="FILE", help="TLS certificate (PEM): serve HTTPS")
    srv.add_argument("--keyfile", metavar="FILE", help="the certificate's private key (PEM)")
    srv.add_argument(
        "--insecure-http",
        action="store_true",
        help="with a --host other than this computer and no certificate: serve plain HTTP, "
        "which lets anyone on the network read the clinic secret, links and records",
    )
    srv.add_argument(
        "--allow-host",
        action="append",
        metavar="NAME",
        help="another name the pages may be opened under (e.g. a reverse proxy's domain)",
    )
    srv.set_defaults(run=_serve)
    shr = commands.add_parser(
        "share",
        help="print (or revoke) the link to a client's own page",
        description="Print a new link that opens one client's own page, or revoke their links.",
    )
    shr.add_argument("client", help="the client's name or number (see: kneekit clients)")
    shr.add_argument(
        "--expires",
        type=_days,
        metavar="DAYS",
        help=f"days the link stays valid (default: {SHARE_DAYS})",
    )
    shr.add_argument(
        "--base-url",
        metavar="URL",
        help="address the client will open, e.g. "
        "http://192.168.1.20:8867/ (default: where kneekit serve is running)",
    )
    shr.add_argument("--revoke", action="store_true", help="revoke all of this client's links")
    shr.set_defaults(run=share)
    return [srv, shr]

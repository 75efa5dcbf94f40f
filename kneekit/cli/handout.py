"""``kneekit handout CLIENT -o FILE.pdf``: the client's routine on A4, with a QR code of a new link
to their page."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kneekit.sharing import share_link
from kneekit.voila.serve import SHARE_DAYS


def handout(args: argparse.Namespace) -> int:
    from kneekit.cli.serve import LOCAL_ONLY, _db, _served_clients_url, local_only
    from kneekit.config import today
    from kneekit.paper.handout import write_handout
    from kneekit.records.store import Store

    db = _db(args)
    now = datetime.now(UTC)
    with Store.open(db) as store:
        client = store.find_client(args.client)
        _, routine = store.routine_on(client.id, today(now))
        token = store.shares.create(client.id, now, timedelta(days=SHARE_DAYS))
    link = share_link(args.base_url or _served_clients_url(db), token)
    path = write_handout(routine, client.name, link, Path(args.output))
    until = (now + timedelta(days=SHARE_DAYS)).date()
    print(
        f"Wrote {path}: {routine.name} for {client.name}, with a new link valid until "
        f"{until:%d %B %Y}."
    )
    print(f"Link in the QR code: {link}")
    if local_only(link):
        print(LOCAL_ONLY.replace("this link", "the QR code's link"))
    return 0


def add_commands(commands: Any) -> list[argparse.ArgumentParser]:
    """Add ``handout``; returns its parser (it takes ``--db``)."""
    parser = commands.add_parser(
        "handout",
        help="print a client's routine on A4: pictures, holds, sides, cues and a QR code",
        description="Write an A4 PDF of the client's current routine, with a picture of each "
        "stretch and a QR code of a new link to their own page.",
    )
    parser.add_argument("client", metavar="CLIENT", help="the client's name or number")
    parser.add_argument(
        "-o", "--output", required=True, metavar="FILE.pdf", help="where to write the PDF"
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="the client address of kneekit serve (default: the running one)",
    )
    parser.set_defaults(run=handout)
    return [parser]

"""``kneekit handout CLIENT -o FILE.pdf``: the client's routine on A4, with a QR code of a new link
to their page."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kneekit.cli.common import database


def handout(args: argparse.Namespace) -> int:
    from kneekit.records.store import Store
    from kneekit.sharing import local_only_note, served_clients_url, write_handout

    db = database(args)
    with Store.open(db) as store:
        client = store.find_client(args.client)
        base = args.base_url or served_clients_url(db)
        made = write_handout(store, client.id, datetime.now(UTC), base, Path(args.output))
    print(
        f"Wrote {made.path}: {made.routine.name} for {client.name}, with a new link valid until "
        f"{made.link.until:%d %B %Y}."
    )
    print(f"Link in the QR code: {made.link.url}")
    if made.link.local_only:
        print(local_only_note("the QR code's link"))
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

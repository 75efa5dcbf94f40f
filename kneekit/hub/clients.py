"""The client pages as a JupyterHub service: kneekit's client face, unchanged but for its base
URL, at ``/services/kneekit-clients/`` behind the hub's proxy.

The hub starts this module (``python -m kneekit.hub.clients``) as a managed service and tells it
its prefix and address (``JUPYTERHUB_SERVICE_PREFIX``, ``JUPYTERHUB_SERVICE_URL``). The pages
are anonymous: a share link's token is the key, checked by kneekit as on ``kneekit serve``; the
hub's own login is not involved, so a runner needs no hub account.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from kneekit.voila import app
from kneekit.voila.faces import CLIENT_NOTEBOOK, NOTEBOOKS, face_settings


def main() -> int:
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/kneekit-clients/")
    address = urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:8766"))
    runtime = Path(tempfile.mkdtemp(prefix="kneekit-clients-"))
    try:
        (runtime / "notebooks").mkdir()
        target = runtime / "notebooks" / CLIENT_NOTEBOOK
        shutil.copyfile(NOTEBOOKS / CLIENT_NOTEBOOK, target)
        settings = face_settings(
            "client",
            host=address.hostname or "127.0.0.1",
            port=address.port or 8766,
            target=target,
            runtime=runtime,
        )
        settings["config"]["Voila"]["base_url"] = prefix
        path = runtime / "settings.json"
        path.write_text(json.dumps(settings), encoding="utf-8")
        return app.main([str(path)])
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""The start-up check in kneekit.voila.app: both of kneekit's handler replacements take effect.

The routes are Voilà's own (the installed, pinned release) for each face as ``kneekit serve``
configures it; a later Voilà that renamed a handler is played by routing to a subclass.
"""

import asyncio
import json
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.tornado.handler import TornadoVoilaHandler

from kneekit.voila import app as kapp
from kneekit.voila import handlers as vh
from kneekit.voila.faces import FACES, Face, prepare_runtime

Routes = list[tuple[Any, ...]]


@contextmanager
def own_event_loop() -> Iterator[None]:
    """An event loop for the block, closed after it.

    Voilà's preheating kernel manager fills its pool on ``asyncio.get_event_loop()``, which,
    with no loop set, makes one and leaves it set and open; a later test then fails on that
    unclosed loop when it is collected.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def voila_routes(
    face: Face, runtime: Path, cls: type[Voila] = Voila, preheat: bool | None = None
) -> tuple[Routes, bool]:
    """The routes Voilà builds for one face, set up as ``kneekit serve`` sets it up (with
    preheated kernels turned on or off when ``preheat`` says)."""
    settings = json.loads(prepare_runtime(runtime, "127.0.0.1", 8866, 4)[face].read_text())
    if preheat is not None:
        settings["config"].setdefault("VoilaConfiguration", {})["preheat_kernel"] = preheat
    voila = cls(config=Config(settings["config"]))
    on_term = signal.getsignal(signal.SIGTERM)
    try:
        voila.initialize([settings["target"]])  # takes SIGTERM over, for a server this isn't
    finally:
        signal.signal(signal.SIGTERM, on_term)
    with own_event_loop():
        voila.init_settings()
    return voila.init_handlers(), voila.voila_configuration.preheat_kernel


def handlers(routes: Routes) -> set[type]:
    return {handler for _, handler, *_ in routes}


@pytest.mark.parametrize("face", FACES)
def test_kneekit_handlers_replace_voilas_in_every_face(face: Face, tmp_path: Path) -> None:
    routes, preheat = voila_routes(face, tmp_path, kapp.KneekitVoila)
    assert vh.PageHandler in handlers(routes)
    assert TornadoVoilaHandler not in handlers(routes)
    assert RequestInfoSocketHandler not in handlers(routes)
    # No face keeps a kernel ready: a preheated kernel learned its visitor's share token over a
    # socket any local user could take first (issue #14).
    assert preheat is False


def test_a_renamed_page_handler_stops_start_up_in_words(tmp_path: Path) -> None:
    class RenamedPageHandler(TornadoVoilaHandler):
        """What a later Voilà might route pages to."""

    routes, _ = voila_routes("client", tmp_path)
    renamed = [
        (p, RenamedPageHandler if h is TornadoVoilaHandler else h, *rest) for p, h, *rest in routes
    ]
    with pytest.raises(kapp.VoilaMismatchError) as raised:
        kapp.swap_handlers(renamed)
    message = str(raised.value)
    assert "could not put in its cap on kernels, so it will not serve" in message
    assert "socket" not in message  # that replacement did take effect
    assert "pip install 'voila==0.5.*'" in message


def test_a_routed_query_socket_stops_start_up_in_words(tmp_path: Path) -> None:
    """Voilà routes its query socket only for preheated kernels; it hands a visitor's share
    token to whoever asks first, so kneekit refuses to serve with it."""
    routes, _ = voila_routes("client", tmp_path, preheat=True)
    assert RequestInfoSocketHandler in handlers(routes)
    with pytest.raises(kapp.VoilaMismatchError, match="a page without preheated kernels, so it"):
        kapp.swap_handlers(routes)


def test_the_pin_is_the_tested_release() -> None:
    import tomllib
    from importlib.metadata import version

    pyproject = Path(__file__).parents[1] / "pyproject.toml"
    deps = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    assert f"voila=={kapp.TESTED_VOILA}.*" in deps
    assert version("voila").startswith(f"{kapp.TESTED_VOILA}.")

"""kneekit.voila.app: the start-up check that kneekit's handler replacements take effect, and
the app's limits as settings.

The routes are Voilà's own (the installed, pinned release) for each face as ``kneekit serve``
configures it; a later Voilà that renamed a handler is played by routing to a subclass.
"""

import asyncio
import json
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tornado import httputil
from traitlets.config import Config
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.tornado.handler import TornadoVoilaHandler

from kneekit.voila import app as kapp
from kneekit.voila.answers import TOO_MANY_TRIES, WRONG_HOST, GatedApplication, StaticHandler
from kneekit.voila.faces import FACES, Face, prepare_runtime
from kneekit.voila.pages import PageHandler

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
    assert PageHandler in handlers(routes)
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


LIMITS = {
    "page_loads_burst": 3,
    "page_loads_per_s": 0.25,
    "wrong_tries_burst": 2,
    "wrong_tries_per_s": 0.5,
    "messages_burst": 5,
    "messages_per_s": 1.5,
    "message_max_bytes": 1024,
    "comms_per_connection": 2,
}


def test_the_limits_are_the_ones_the_readme_states() -> None:
    """One address: 30 page loads at once then one every 2 s; 10 wrong tries then one every
    30 s (README, "What the pages hold up to")."""
    app = kapp.KneekitVoila()
    assert (app.page_loads_burst, 1 / app.page_loads_per_s) == (30, 2)
    assert (app.wrong_tries_burst, round(1 / app.wrong_tries_per_s)) == (10, 30)
    for name in LIMITS:
        trait = app.traits()[name]
        assert trait.metadata.get("config") is True, name
        assert len(trait.help) > 40, name  # says why, not only what


def test_every_limit_is_configured_and_reaches_the_handlers_settings() -> None:
    app = kapp.KneekitVoila(config=Config({"KneekitVoila": LIMITS}))
    settings = app.kneekit_settings()
    loads, tries = settings["kneekit_page_loads"], settings["kneekit_wrong_tries"]
    assert (loads.burst, loads.per_s, tries.burst, tries.per_s) == (3, 0.25, 2, 0.5)
    for name in ("messages_burst", "messages_per_s", "message_max_bytes", "comms_per_connection"):
        assert settings[f"kneekit_{name}"] == LIMITS[name]
    assert settings["websocket_max_message_size"] == 1024  # Tornado refuses larger frames too


def test_the_settings_file_configures_the_face_its_hosts_and_tls(
    tmp_path, store, db_path, monkeypatch
) -> None:
    files = prepare_runtime(
        tmp_path / "run", "127.0.0.1", 8866, 4, hosts=("clinic.example",), tls=("c.pem", "k.pem")
    )
    settings = json.loads(files["client"].read_text())
    app = kapp.KneekitVoila(config=kapp.face_config(settings))
    assert (app.face, app.hosts) == ("client", ["clinic.example"])
    assert (app.certfile, app.keyfile) == ("c.pem", "k.pem")
    # The client face looks share tokens up in the clinic database, as its kernels open it.
    anna = store.add_client("Anna K.", datetime.now(UTC) - timedelta(days=30))
    token = store.shares.create(anna.id, datetime.now(UTC), timedelta(days=7))
    monkeypatch.setenv("KNEEKIT_DB", str(db_path))
    lookup = app.kneekit_settings()["kneekit_lookup"]
    assert (lookup(token), lookup("stolen")) == (anna.id, None)
    clinic = json.loads(files["clinic"].read_text())
    assert kapp.KneekitVoila(config=kapp.face_config(clinic)).share_lookup(token) is None


def request(uri: str, host: str = "127.0.0.1:8867") -> httputil.HTTPServerRequest:
    line = httputil.RequestStartLine("GET", uri, "HTTP/1.1")
    return httputil.HTTPServerRequest(start_line=line, headers=httputil.HTTPHeaders(Host=host))


def gate(**limits: object) -> GatedApplication:
    """The gate of an app answering 127.0.0.1, with ``limits`` configured."""
    config = Config({"KneekitVoila": {"hosts": ["127.0.0.1"], **limits}})
    return GatedApplication(**kapp.KneekitVoila(config=config).kneekit_settings())


def answer(app: GatedApplication, uri: str, host: str = "127.0.0.1:8867") -> tuple[type, Any]:
    found = app.find_handler(request(uri, host))
    return found.handler_class, found.handler_kwargs


def test_each_app_counts_wrong_tries_with_its_own_configured_limit() -> None:
    """The limiters live in each app's settings: two servers in one process (or two tests) never
    share an address's tries, and a test shortens a limit by configuring it."""
    strict, other = gate(wrong_tries_burst=2), gate(wrong_tries_burst=2)
    guess = "/voila/render/clinic.ipynb?token=guess"
    for _ in range(2):
        assert answer(strict, guess)[0] is not StaticHandler
        strict.settings["kneekit_wrong_tries"].spend("")  # what a wrong secret does
    assert answer(strict, guess) == (
        StaticHandler,
        {"status": 429, "page": TOO_MANY_TRIES, "retry": True},
    )
    assert answer(other, guess)[0] is not StaticHandler
    assert answer(strict, "/", host="evil.example:8867") == (
        StaticHandler,
        {"status": 421, "page": WRONG_HOST},
    )

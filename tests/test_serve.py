"""``kneekit serve`` and ``kneekit share`` without a browser: links, settings, secrets, access."""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kneekit.cli import serve as cli_serve
from kneekit.config import sidecar
from kneekit.errors import KneekitError, StoreError
from kneekit.records.store import Store
from kneekit.sharing import (
    INVALID_LINK,
    LOCAL_CLIENTS_URL,
    SECRET_ENV,
    client_from_query,
    page_query,
    share_link,
    share_token,
)
from kneekit.voila import faces, serve
from kneekit.voila.kernels import GuardedKernelManager

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def anna(store: Store):
    return store.add_client("Anna K.", NOW - timedelta(days=30))


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kneekit")
    parser.add_argument("--db")
    cli_serve.add_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


# -- share links and their tokens ---------------------------------------------------------------
def test_share_link_puts_the_token_in_the_share_parameter():
    assert share_link("http://192.168.1.20:8867", "abc") == "http://192.168.1.20:8867/?share=abc"
    assert share_link("https://clinic.example/knees/", "a-b_c") == (
        "https://clinic.example/knees/?share=a-b_c"
    )


@pytest.mark.parametrize(
    ("query", "token"),
    [
        ("share=abc", "abc"),
        ("?share=abc", "abc"),
        ("share=abc&theme=dark", "abc"),
        ("share=%20abc%20", "abc"),
        ("", None),
        (None, None),
        ("token=abc", None),
        ("share=", None),
        ("share=a&share=b", None),  # two tokens: refused, not guessed between
        ("share=" + "x" * 201, None),
    ],
)
def test_share_token_accepts_exactly_one_usable_token(query, token):
    assert share_token(query) == token


def test_a_valid_link_opens_its_client_and_nothing_else_does(store, anna):
    ben = store.add_client("Ben L.", NOW)
    token = store.shares.create(anna.id, NOW, timedelta(days=7))
    other = store.shares.create(ben.id, NOW, None)
    assert client_from_query(store, NOW, f"share={token}") == anna
    assert client_from_query(store, NOW, f"share={other}") == ben
    for query in ("", "share=", f"share={token[:-1]}", f"share={token}x", "share=' OR 1=1 --"):
        assert client_from_query(store, NOW, query) is None


def test_expired_and_revoked_links_open_nothing(store, anna):
    token = store.shares.create(anna.id, NOW, timedelta(days=1))
    assert client_from_query(store, NOW + timedelta(hours=23), f"share={token}") == anna
    assert client_from_query(store, NOW + timedelta(days=1), f"share={token}") is None
    live = store.shares.create(anna.id, NOW, None)
    store.shares.revoke(anna.id, NOW)
    assert client_from_query(store, NOW, f"share={live}") is None


def test_outside_voila_the_query_comes_from_the_environment(store, anna, monkeypatch):
    token = store.shares.create(anna.id, NOW, None)
    monkeypatch.delenv("QUERY_STRING", raising=False)
    assert page_query() is None
    assert client_from_query(store, NOW) is None
    monkeypatch.setenv("QUERY_STRING", f"share={token}")
    assert client_from_query(store, NOW) == anna


def test_the_invalid_link_message_is_the_issues_wording():
    assert INVALID_LINK.startswith("This link is not valid — ask your physio for a new one")


# -- addresses ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("clinic-pc", False),
    ],
)
def test_only_loopback_hosts_count_as_private(host, loopback):
    assert serve.is_loopback(host) is loopback


def test_serving_beyond_this_computer_warns_about_health_records():
    for host in ("0.0.0.0", "192.168.1.20", "::"):
        warning = serve.exposure_warning(host)
        assert warning is not None
        assert "anyone on this network" in warning
        assert "health records" in warning
    assert serve.exposure_warning("127.0.0.1") is None
    assert serve.exposure_warning("localhost") is None


def test_urls_a_physio_is_given():
    assert serve.base_url("::1", 8867) == "http://[::1]:8867/"
    assert serve.clinic_url("127.0.0.1", 8866, "s3cret") == (
        "http://127.0.0.1:8866/voila/render/clinic.ipynb?token=s3cret"
    )
    assert serve.connect_host("0.0.0.0") == "127.0.0.1"
    assert serve.connect_host("192.168.1.20") == "192.168.1.20"
    assert serve.public_host("192.168.1.20") == "192.168.1.20"
    assert serve.public_host("0.0.0.0") not in ("0.0.0.0", "")


# -- the clinic secret --------------------------------------------------------------------------
def test_the_clinic_secret_is_made_once_private_and_kept(db_path, monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    first = serve.clinic_secret(str(db_path))
    assert len(first) >= 32  # 24 random bytes, URL-safe: 192 bits
    path = sidecar(str(db_path), ".secret")
    assert path == db_path.with_name("clinic.sqlite3.secret")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert serve.clinic_secret(str(db_path)) == first
    monkeypatch.setenv(SECRET_ENV, "from-config")
    assert serve.clinic_secret(str(db_path)) == "from-config"


# -- what each face is told ---------------------------------------------------------------------
def test_both_faces_fix_everything_a_visitor_could_change(tmp_path):
    for face in faces.FACES:
        config = faces.face_settings(
            face, host="127.0.0.1", port=9000, target=tmp_path, runtime=tmp_path, max_kernels=7
        )["config"]
        voila, pages, kernels = (
            config["Voila"],
            config["VoilaConfiguration"],
            config["GuardedKernelManager"],
        )
        assert voila["config_file_paths"] == []  # a stray voila.json cannot change anything
        assert voila["port_retries"] == 0  # never a silently different port
        assert pages["strip_sources"] is True
        assert pages["show_tracebacks"] is False
        assert pages["allow_template_override"] == pages["allow_theme_override"] == "NO"
        assert pages["file_allowlist"] == []
        assert pages["template"] == "kneekit"
        assert kernels["max_kernels"] == 7
        assert kernels["allow_tracebacks"] is False
        assert kernels["cull_connected"] is True


def test_kernels_use_sockets_in_the_private_folder_only_where_their_paths_fit():
    assert faces.kernel_transport(Path("/tmp/kneekit-serve-abcdefgh/client")) == "ipc"
    macos = Path("/var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T/kneekit-serve-abcdefgh/client")
    assert faces.kernel_transport(macos) == "tcp"
    longest = Path("/" + "x" * (faces.UNIX_SOCKET_PATH_MAX - faces._KERNEL_SOCKET_TAIL - 1))
    assert faces.kernel_transport(longest) == "ipc"
    assert faces.kernel_transport(longest / "y") == "tcp"


def test_no_face_is_preheated(tmp_path):
    """A preheated kernel learns its visitor's token over a socket anyone local could take."""

    def pool(face: faces.Face) -> tuple[bool, int]:
        pages = faces.face_settings(face, host="h", port=1, target=tmp_path, runtime=tmp_path)[
            "config"
        ]["VoilaConfiguration"]
        return pages["preheat_kernel"], pages["default_pool_size"]

    assert pool("client") == (False, 0)
    assert pool("clinic") == (False, 0)


def test_each_face_gets_only_its_own_notebooks(tmp_path):
    files = faces.prepare_runtime(tmp_path, "127.0.0.1", 9000, 5)
    clinic, client = (json.loads(files[f].read_text()) for f in faces.FACES)
    assert sorted(p.name for p in Path(clinic["target"]).iterdir()) == sorted(
        faces.CLINIC_NOTEBOOKS
    )
    assert Path(client["target"]).name == "client.ipynb"
    assert [p.name for p in Path(client["target"]).parent.iterdir()] == ["client.ipynb"]
    assert (clinic["config"]["Voila"]["port"], client["config"]["Voila"]["port"]) == (9000, 9001)


# -- the commands -------------------------------------------------------------------------------
def test_serve_options_and_their_limits(capsys):
    args = parse("serve", "--host", "0.0.0.0", "--port", "9100", "--max-kernels", "5")
    assert (args.host, args.port, args.max_kernels) == ("0.0.0.0", 9100, 5)
    assert (parse("serve").host, parse("serve").port) == ("127.0.0.1", serve.DEFAULT_PORT)
    for bad in (["--port", "80"], ["--port", "65535"], ["--max-kernels", "0"]):
        with pytest.raises(SystemExit):
            parse("serve", *bad)
    assert "is not a" in capsys.readouterr().err


def test_serve_refuses_a_port_in_use(db_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = parse("--db", str(db_path), "serve", "--port", str(port))
        with pytest.raises(KneekitError, match=f"port {port} on 127.0.0.1 is already in use"):
            args.run(args)
    assert not db_path.exists()  # refused before anything was made


def test_share_prints_a_link_that_opens_the_client(db_path, store, anna, capsys):
    args = parse("--db", str(db_path), "share", "anna k.", "--expires", "3")
    assert args.run(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Link for Anna K. (valid until ")
    link = urlsplit(out[1])
    assert f"{link.scheme}://{link.netloc}{link.path}" == "http://127.0.0.1:8867/"
    now = datetime.now(UTC)
    assert client_from_query(store, now, link.query) == anna
    assert client_from_query(store, now + timedelta(days=3, minutes=1), link.query) is None


def test_share_uses_the_running_servers_address_or_the_one_given(db_path, store, anna, capsys):
    sidecar(str(db_path), ".serving").write_text(
        json.dumps({"clients": "http://192.168.1.20:8867/"})
    )
    args = parse("--db", str(db_path), "share", str(anna.id))
    args.run(args)
    assert capsys.readouterr().out.splitlines()[1].startswith("http://192.168.1.20:8867/?share=")
    args = parse("--db", str(db_path), "share", "Anna K.", "--base-url", "https://knees.example/")
    args.run(args)
    assert capsys.readouterr().out.splitlines()[1].startswith("https://knees.example/?share=")


def test_share_revoke_closes_every_link(db_path, store, anna, capsys):
    first = store.shares.create(anna.id, NOW, None)
    args = parse("--db", str(db_path), "share", "Anna K.", "--revoke")
    assert args.run(args) == 0
    assert "Revoked 1 link(s) of Anna K." in capsys.readouterr().out
    assert client_from_query(store, datetime.now(UTC), f"share={first}") is None


def test_share_with_bad_input_says_what_is_wrong(db_path, store, anna, capsys):
    with pytest.raises(SystemExit):
        parse("share", "Anna K.", "--expires", "0")
    assert "not a number of days from 1 to 3650" in capsys.readouterr().err
    args = parse("--db", str(db_path), "share", "Nobody")
    with pytest.raises(StoreError, match="no client called 'Nobody'"):
        args.run(args)


# -- the kernel manager -------------------------------------------------------------------------
def test_the_cap_admits_up_to_max_kernels_then_refuses():
    manager = GuardedKernelManager(max_kernels=2)
    assert manager.admit()
    assert manager.admit()
    assert not manager.admit()
    manager.release()
    assert manager.in_use == 1
    assert manager.admit()


def test_a_kernel_without_a_page_is_shut_down_after_the_orphan_timeout(tmp_path, monkeypatch):
    """A real kernel, a manual clock: watched kernels stay, unwatched ones go at the timeout."""
    for name in ("JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR"):
        monkeypatch.setenv(name, str(tmp_path / name))
    manager = GuardedKernelManager(
        orphan_timeout=180, cull_idle_timeout=3600, connection_dir=str(tmp_path)
    )
    now = [NOW]
    manager.clock = lambda: now[0]

    async def scenario() -> list[bool]:
        watched = await manager.start_kernel(kernel_name="python3")
        orphan = await manager.start_kernel(kernel_name="python3")
        manager.notify_connect(watched)
        seen = []
        try:
            for minutes in (0, 2, 4):
                now[0] = NOW + timedelta(minutes=minutes)
                await manager.cull_kernels()
                seen.append(orphan in manager)
            assert watched in manager
            manager.notify_disconnect(watched)  # the page closed: its clock starts now
            now[0] += timedelta(seconds=179)
            await manager.cull_kernels()
            seen.append(watched in manager)
            now[0] += timedelta(seconds=2)
            await manager.cull_kernels()
            seen.append(watched in manager)
        finally:
            await manager.shutdown_all(now=True)
        return seen

    # In a thread of its own: Playwright's sync API may already run an event loop in this one.
    with ThreadPoolExecutor(1) as thread:
        assert thread.submit(asyncio.run, scenario()).result() == [True, True, False, True, False]


def test_the_default_client_address_is_the_port_after_the_clinics():
    """sharing names the client pages' default address without importing the server; the two
    must agree, or a link made with no server running would point at the wrong port."""
    assert serve.base_url("127.0.0.1", serve.DEFAULT_PORT + 1) == LOCAL_CLIENTS_URL

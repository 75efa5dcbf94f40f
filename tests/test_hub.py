"""``kneekit hub init`` writes a JupyterHub configuration that loads and says what the issue asks.
The hub really running from it, end to end: tests/browser/test_hub_stack.py."""

import os
import re
import sys
from pathlib import Path

import pytest
from traitlets.config import Config

from kneekit.cli import main
from kneekit.errors import KneekitError
from kneekit.hub.deployment import write_deployment

URL = "postgresql+psycopg://kneekit@/clinic?host=/run/postgresql"


@pytest.fixture(autouse=True)
def not_root(monkeypatch):
    """The written config refuses root; these tests may run as root (CI does)."""
    monkeypatch.setattr(os, "geteuid", lambda: 1000)


def load(path: Path) -> Config:
    config = Config()
    exec(compile(path.read_text(), str(path), "exec"), {"get_config": lambda: config})
    return config


@pytest.mark.parametrize("auth", ["native", "dummy"])
def test_the_deployment_lands_physios_on_the_clinic_and_shares_one_database(tmp_path, auth):
    c = load(write_deployment(tmp_path / "hub", URL, auth, ("ines",)))
    assert c.Spawner.default_url == "/voila/render/clinic.ipynb"
    assert c.Spawner.environment["KNEEKIT_DB"] == URL
    assert "--VoilaConfiguration.template=kneekit" in c.Spawner.args
    assert c.JupyterHub.spawner_class.endswith("SimpleLocalProcessSpawner")
    assert c.JupyterHub.authenticator_class == auth
    services = {s["name"]: s for s in c.JupyterHub.services}
    assert services["kneekit-clients"]["command"][-1] == "kneekit.hub.clients"
    assert "jupyterhub_idle_culler" in services["idle-culler"]["command"]
    assert c.JupyterHub.load_roles[0]["services"] == ["idle-culler"]
    assert (tmp_path / "hub" / "notebooks" / "clinic.ipynb").is_file()


def test_the_oauth_choice_reads_its_secrets_from_the_environment(tmp_path, monkeypatch):
    for name in ("ID", "SECRET", "CALLBACK_URL", "AUTHORIZE_URL", "TOKEN_URL", "USERDATA_URL"):
        monkeypatch.setenv(f"OAUTH_{'CLIENT_' if name in ('ID', 'SECRET') else ''}{name}", name)
    c = load(write_deployment(tmp_path, URL, "oauth"))
    assert c.JupyterHub.authenticator_class == "generic-oauth"
    assert c.GenericOAuthenticator.client_secret == "SECRET"


def test_the_address_idle_timeout_and_client_port_can_be_chosen(tmp_path, capsys):
    argv = ["hub", "init", str(tmp_path), "--db-url", URL, "--bind-url", "http://127.0.0.1:9000"]
    argv += ["--idle-timeout", "1800", "--clients-port", "9100"]
    assert main(argv) == 0
    c = load(tmp_path / "jupyterhub_config.py")
    assert c.JupyterHub.bind_url == "http://127.0.0.1:9000"
    services = {s["name"]: s for s in c.JupyterHub.services}
    assert services["kneekit-clients"]["url"] == "http://127.0.0.1:9100"
    assert "--timeout=1800" in services["idle-culler"]["command"]
    assert "--cull-every=300" in services["idle-culler"]["command"]
    # Every argument the servers get is one jupyterhub-singleuser accepts (a dict trait
    # written as JSON once stopped every server from starting).
    assert all(re.fullmatch(r"--\w+\.\w+=\w+", a) for a in c.Spawner.args), c.Spawner.args
    assert "Wrote" in capsys.readouterr().out


def test_links_made_under_the_hub_point_at_its_public_client_pages(tmp_path, monkeypatch):
    from kneekit.sharing import CLIENTS_URL_ENV, LOCAL_CLIENTS_URL, served_clients_url

    argv = ["hub", "init", str(tmp_path), "--db-url", URL]
    assert main([*argv, "--public-url", "https://knees.example.org/"]) == 0
    env = load(tmp_path / "jupyterhub_config.py").Spawner.environment
    assert env[CLIENTS_URL_ENV] == "https://knees.example.org/services/kneekit-clients/"
    monkeypatch.setenv(CLIENTS_URL_ENV, env[CLIENTS_URL_ENV])
    assert served_clients_url(URL) == env[CLIENTS_URL_ENV]  # share links and handouts
    assert main([*argv]) == 0  # not given: links point at this computer, as before
    monkeypatch.setenv(
        CLIENTS_URL_ENV,
        load(tmp_path / "jupyterhub_config.py").Spawner.environment[CLIENTS_URL_ENV],
    )
    assert served_clients_url(str(tmp_path / "none.sqlite3")) == LOCAL_CLIENTS_URL
    with pytest.raises(KneekitError, match="HTTPS address that runners' phones open"):
        write_deployment(tmp_path, URL, public_url="http://knees.example.org")


def test_the_hub_refuses_to_start_as_root(tmp_path, monkeypatch):
    path = write_deployment(tmp_path, URL)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    with pytest.raises(SystemExit, match="non-root user"):
        load(path)


def test_a_hub_needs_a_postgresql_database(tmp_path, capsys):
    with pytest.raises(KneekitError, match="one PostgreSQL database"):
        write_deployment(tmp_path, str(tmp_path / "clinic.sqlite3"))
    assert main(["hub", "init", str(tmp_path / "h"), "--db-url", URL]) == 0
    assert "never root" in capsys.readouterr().out


def test_init_says_whether_physios_get_jupyterlab(tmp_path, capsys, monkeypatch):
    """The hub extra leaves JupyterLab out; init tells the clinic what physios get and how to add
    it (the written config is the same either way: physios land on the overview)."""
    argv = ["hub", "init", str(tmp_path / "hub"), "--db-url", URL]
    monkeypatch.setitem(sys.modules, "jupyterlab", None)  # not installed, whatever this env has
    assert main(argv) == 0
    said = capsys.readouterr().out
    assert "JupyterLab is not installed here" in said
    assert "pip install 'kneekit[hub,lab]'" in said
    without = (tmp_path / "hub" / "jupyterhub_config.py").read_text()

    monkeypatch.delitem(sys.modules, "jupyterlab")
    (tmp_path / "site" / "jupyterlab").mkdir(parents=True)
    (tmp_path / "site" / "jupyterlab" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    assert main(argv) == 0
    said = capsys.readouterr().out
    assert "also have JupyterLab at /user/NAME/lab" in said
    assert "not installed" not in said
    assert (tmp_path / "hub" / "jupyterhub_config.py").read_text() == without

"""pyproject.toml's dependencies: every package kneekit imports is declared, not borrowed from
another package's requirements; conda users get the same ranges; the hub leaves JupyterLab to
the lab extra."""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

CONDA_NAMES = {"tzdata": "python-tzdata"}
"""pip's names where conda-forge's differ (lower case, ``_`` as ``-``)."""


def bounds(spec: str) -> frozenset[str]:
    """A version spec as its set of bounds, written as environment.yml writes them."""
    out: set[str] = set()
    for part in filter(None, spec.replace(" ", "").split(",")):
        if part.startswith("~="):
            release = part[2:].split(".")
            assert len(release) == 2, f"{part}: pyproject.toml's ~= caps at the major, as ~=X.Y"
            out |= {f">={part[2:]}", f"<{int(release[0]) + 1}"}
        elif part.startswith("=="):
            out.add(part[1:])  # voila==0.5.* is voila=0.5.* to conda
        else:
            out.add(part)
    return frozenset(out)


def requirement(line: str) -> tuple[str, frozenset[str]]:
    """A dependency line's name (extras dropped, normalised, conda's) and its bounds."""
    found = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*(.*)", line)
    assert found is not None, line
    name = found[1].lower().replace("_", "-")
    return CONDA_NAMES.get(name, name), bounds(found[2])


def names(lines: list[str]) -> set[str]:
    return {requirement(line)[0] for line in lines}


def imported(folder: Path) -> dict[str, set[str]]:
    """The top-level packages the modules under ``folder`` import, each with its importers."""
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                tops = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                found.setdefault(top, set()).add(path.relative_to(folder.parent).as_posix())
    return found


def undeclared(folder: Path, declared: set[str]) -> dict[str, set[str]]:
    """Third-party packages imported under ``folder`` whose distribution is not declared."""
    dists = packages_distributions()
    out = {}
    for top, where in imported(folder).items():
        if top in sys.stdlib_module_names or top in {"__future__", "kneekit"}:
            continue
        owners = {requirement(d)[0] for d in dists.get(top, [top])}
        if not owners & declared:
            out[top] = where
    return out


def test_requirement_reads_the_forms_pyproject_and_conda_use():
    assert requirement("platformdirs~=4.0") == ("platformdirs", {">=4.0", "<5"})
    assert requirement("psycopg[binary]~=3.2") == requirement("psycopg>=3.2,<4")
    assert requirement("voila==0.5.*") == requirement("voila=0.5.*")
    assert requirement("jupyter_server>=2.13,<2.22")[0] == "jupyter-server"
    assert requirement("tzdata>=2024.1") == ("python-tzdata", {">=2024.1"})


def test_every_package_kneekit_imports_is_a_dependency_of_its_own():
    """Voilà bringing tornado along is not kneekit declaring it: kneekit subclasses tornado's
    handlers, so a Voilà that dropped it would break kneekit, not Voilà. The bench alone may use
    its extra (kneekit bench says to install it when missing)."""
    core = names(PROJECT["dependencies"])
    bench = core | names(PROJECT["optional-dependencies"]["bench"])
    kneekit = ROOT / "kneekit"
    outside_bench = {
        top: {w for w in where if not w.startswith("kneekit/bench/")}
        for top, where in undeclared(kneekit, core).items()
    }
    assert {top: where for top, where in outside_bench.items() if where} == {}
    assert undeclared(kneekit / "bench", bench) == {}


def test_undeclared_finds_a_package_only_borrowed(tmp_path: Path):
    module = tmp_path / "m.py"
    module.write_text("import json\nimport tornado.web\nfrom yaml import safe_load\n")
    assert set(undeclared(tmp_path, {"pyyaml"})) == {"tornado"}


def test_the_conda_environment_has_every_dependency_pyproject_names_with_its_range():
    lines = PROJECT["dependencies"] + [
        d for extra in PROJECT["optional-dependencies"].values() for d in extra
    ]
    wanted: dict[str, set[frozenset[str]]] = {}
    for line in lines:
        name, spec = requirement(line)
        wanted.setdefault(name, set()).add(spec)
    # A package in two extras (psutil, psycopg) has one range in both.
    assert {name: specs for name, specs in wanted.items() if len(specs) > 1} == {}
    conda = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    listed = dict(requirement(d) for d in conda["dependencies"] if isinstance(d, str))
    assert {name: listed.get(name) for name in wanted} == {
        name: specs.pop() for name, specs in wanted.items()
    }


def test_the_hub_leaves_jupyterlab_to_the_lab_extra():
    extras = PROJECT["optional-dependencies"]
    assert "jupyterlab" not in names(extras["hub"])
    assert "jupyterlab" in names(extras["lab"])

"""The floor plan of ARCHITECTURE.md, checked so that a later change cannot quietly break it.

import-linter (``lint-imports`` in .ci/run, contracts in pyproject.toml) checks that arrows point
down the layers; these tests check what its contracts do not: no circle between any two modules
(inside a package too), every package placed in a layer, few modules at the top, none too long.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kneekit"
MAX_TOP_MODULES = 12
"""Modules directly under kneekit/: more and the families show only as name prefixes (#20)."""
MAX_LINES = 400
"""A module a newcomer can read in one sitting (the house style's "~400 lines")."""


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("kneekit", cache_dir=None)


def _circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every strongly connected set of two or more modules (Tarjan's algorithm, iteratively)."""
    modules = sorted(graph.modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                part = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    part.append(top)
                    if top == node:
                        break
                if len(part) > 1:
                    found.append(sorted(part))
    return found


def test_no_module_imports_one_that_imports_it_back(graph):
    # Type-only imports count too: a circle drawn only for the type checker is still a circle.
    assert _circles(graph) == []


def test_the_circle_finder_finds_a_circle_of_three_and_ignores_a_chain():
    made = grimp.ImportGraph()
    for a, b in [("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d"), ("p.e", "p.d")]:
        made.add_import(importer=a, imported=b)
    assert _circles(made) == [["p.a", "p.b", "p.c"]]


def test_every_package_and_top_module_has_a_layer():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["type"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in layer.split("|")}
    present = {
        f"kneekit.{p.stem}"
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" and p.stem not in ("__init__", "__main__"))
        or (p.is_dir() and (p / "__init__.py").exists())
    }
    assert present - placed == set(), "add these to a layer in pyproject.toml and ARCHITECTURE.md"
    assert placed - present == set(), "these layers name modules that are gone"


def test_the_top_of_the_package_shows_the_domains():
    top = [p.name for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__")]
    assert len(top) <= MAX_TOP_MODULES, sorted(top)


def test_no_module_is_too_long_to_read_in_one_sitting():
    lengths = {
        str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
        for p in PACKAGE.rglob("*.py")
    }
    assert {path: n for path, n in lengths.items() if n > MAX_LINES} == {}


def test_architecture_md_names_every_layer():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = config["tool"]["importlinter"]["contracts"][0]["layers"]
    for layer in layers:
        for name in layer.split("|"):
            short = name.strip().removeprefix("kneekit.")
            assert f"`{short}" in text, f"ARCHITECTURE.md does not mention {short}"

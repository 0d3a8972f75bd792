"""The CLI's modules import bottom-up: no cycle, and no imports inside functions except the
optional dependencies."""

from __future__ import annotations

import ast
from pathlib import Path

import numtorch.cli

CLI = Path(numtorch.cli.__file__).parent
IMPORTS = (ast.Import, ast.ImportFrom)
OPTIONAL = {
    "matplotlib",
    "matplotlib.pyplot",
    "matplotlib.figure",
    "matplotlib.ticker",
    "matplotlib.colors",
    "tqdm",
    "PIL",
}


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.module == "numtorch.cli":  # from numtorch.cli import data, loop
        return [f"numtorch.cli.{alias.name}" for alias in node.names]
    return [node.module or ""]


def _graph() -> dict[str, set[str]]:
    """Each CLI module -> the CLI modules it imports anywhere (inside functions too)."""
    graph = {}
    for path in CLI.glob("*.py"):
        nodes = ast.walk(ast.parse(path.read_text()))
        names = [n for node in nodes if isinstance(node, IMPORTS) for n in _imported(node)]
        graph[path.stem] = {n.rsplit(".", 1)[1] for n in names if n.startswith("numtorch.cli.")}
    return graph


def test_cli_imports_have_no_cycle() -> None:
    graph, done = _graph(), []
    while len(done) < len(graph):  # peel off modules whose imports are all done (Kahn)
        ready = [m for m in graph if m not in done and graph[m] <= set(done)]
        assert ready, f"a cycle in or below {sorted(set(graph) - set(done))}: {graph}"
        done += sorted(ready)
    assert graph.get("config") == set()  # the bottom layer


def test_no_imports_inside_functions_but_optional_ones() -> None:
    inner = []
    for path in CLI.glob("*.py"):
        for func in ast.walk(ast.parse(path.read_text())):
            if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(func):
                    if isinstance(node, IMPORTS):
                        inner += [(path.name, n) for n in _imported(node) if n not in OPTIONAL]
    assert inner == []

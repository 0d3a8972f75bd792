#!/usr/bin/env python3
"""Code-size and import-shape report for numtorch: a guide, not a gate.

Prints
  (a) the largest modules under numtorch/ by line count,
  (b) the longest functions and methods (``end_lineno - lineno + 1``, nested ones too),
  (c) the import graph of the core (numtorch/*.py and CORE_PACKAGES below): cycles
      (strongly connected components), late imports (module level, after the first top-level
      class or def), imports of numtorch inside function bodies, and modules over the limit,
  (d) the same cycle analysis for numtorch/cli/,
  (e) the cycles of the whole package, one line each.

Cycles are reported twice: over module-level imports (what runs at import time; imports under
``if TYPE_CHECKING:`` are left out) and over all imports, in-function ones included (the
dependencies an in-function import only defers). An edge goes to the module an import names:
``import numtorch.a.b`` and ``from numtorch.a.b import x`` give ``numtorch.a.b`` (or
``numtorch.a.b.x`` when that is a module), ``from numtorch import x`` gives ``numtorch.x`` when
``x`` is a module and ``numtorch`` otherwise; relative imports resolve the same way. The parent
packages an import also runs are not counted as edges, or every module would depend on
``numtorch/__init__.py``.

Standard library only; it never imports numtorch. Exit status 0 always, unless ``--strict`` is
given and a module is over the line limit.

    python .ci/code_report.py [--root DIR] [--strict] [--max-lines 800]
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "numtorch"
TOP_MODULES = 10
TOP_FUNCTIONS = 15
# The core: every numtorch/*.py file plus these packages (globs under numtorch/). _functions*
# is the Tensor backend and public namespace, whether one file or a package; _namespace* is the
# name the by-family split of it is being built under.
CORE_PACKAGES = ("autograd", "ops", "_functions*", "_namespace*")


@dataclass(frozen=True)
class Import:
    source: str  # importing module, dotted
    target: str  # imported numtorch module, dotted
    line: int
    in_function: bool
    late: bool  # module level, after the first top-level class or def


# --- modules -------------------------------------------------------------------------------


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def discover(root: Path) -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return {module_name(root, p): p for p in sorted((root / PACKAGE).rglob("*.py"))}


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


# --- functions -----------------------------------------------------------------------------


def functions(tree: ast.Module) -> list[tuple[str, int, int]]:
    """(qualified name, first line, length) of every def, nested ones included."""
    found, stack = [], [(tree, "")]
    while stack:
        node, prefix = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    found.append((name, child.lineno, child.end_lineno - child.lineno + 1))
                stack.append((child, name + "."))
            else:
                stack.append((child, prefix))
    return found


# --- imports -------------------------------------------------------------------------------


def resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of ``name`` that is a module of the package."""
    parts = name.split(".")
    while parts:
        if ".".join(parts) in modules:
            return ".".join(parts)
        parts.pop()
    return None


def targets(node: ast.Import | ast.ImportFrom, source: str, path: Path, modules) -> list[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = source.split(".") if path.name == "__init__.py" else source.split(".")[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, base] if base else package)
        names = [
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
            for alias in node.names
        ]
    found = []
    for name in names:
        if name == PACKAGE or name.startswith(PACKAGE + "."):
            target = resolve(name, modules)
            if target is not None and target not in found:
                found.append(target)
    return found


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(source: str, path: Path, tree: ast.Module, modules: dict[str, Path]) -> list[Import]:
    """Every import of a numtorch module in one file, with where it sits."""
    defs = [
        n.lineno
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]
    first_def = min(defs, default=None)
    found = []
    stack = [(n, False) for n in tree.body]
    while stack:
        node, in_function = stack.pop()
        if isinstance(node, ast.If) and is_type_checking(node) and not in_function:
            stack.extend((n, False) for n in node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            late = not in_function and first_def is not None and node.lineno > first_def
            for target in targets(node, source, path, modules):
                found.append(Import(source, target, node.lineno, in_function, late))
            continue
        inner = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return sorted(found, key=lambda i: i.line)


# --- graph ---------------------------------------------------------------------------------


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def cycles(nodes: list[str], edges: list[Import]) -> list[list[str]]:
    """Strongly connected components of more than one module (or a module importing itself)."""
    graph = {n: set() for n in nodes}
    for e in edges:
        if e.source in graph and e.target in graph:
            graph[e.source].add(e.target)
    reach = {n: reachable(graph, n) for n in nodes}
    components, placed = [], set()
    for n in nodes:
        if n in placed:
            continue
        component = sorted(m for m in reach[n] if n in reach[m])
        placed.update(component)
        if len(component) > 1 or n in graph[n]:
            components.append(component)
    return sorted(components, key=lambda c: (-len(c), c))


# --- report --------------------------------------------------------------------------------


def statements(edges: list[Import]) -> dict[tuple[str, int], list[Import]]:
    """Edges grouped by the import statement that makes them (one line may name several)."""
    grouped: dict[tuple[str, int], list[Import]] = {}
    for e in edges:
        grouped.setdefault((e.source, e.line), []).append(e)
    return grouped


def report_cycles(title: str, nodes: list[str], edges: list[Import], root, modules) -> None:
    scope = [e for e in edges if e.source in nodes and e.target in nodes and e.source != e.target]
    print(f"\n{title}: {len(nodes)} modules, {sum(line_count(modules[n]) for n in nodes)} lines")
    for label, chosen, module_level in [
        ("module-level imports", [e for e in scope if not e.in_function], True),
        ("all imports (in-function ones included)", scope, False),
    ]:
        found = cycles(nodes, chosen)
        sizes = ", ".join(str(len(c)) for c in found) or "none"
        print(f"  cycles over {label}: {len(found)} (sizes: {sizes})")
        if found and module_level:
            # Do the late (bottom-of-file) imports alone hold the cycles: one back-edge?
            rest = cycles(nodes, [e for e in chosen if not e.late])
            rest_sizes = ", ".join(str(len(c)) for c in rest) or "none"
            print(f"    without the late imports: {len(rest)} cycles (sizes: {rest_sizes})")
        for component in found:
            print(f"    [{len(component)}] {', '.join(short(m) for m in component)}")
            inside = set(component)
            for e in chosen:
                if e.source in inside and e.target in inside:
                    kind = " (in function)" if e.in_function else " (late)" if e.late else ""
                    where = f"{rel(root, modules[e.source])}:{e.line}"
                    print(f"        {where:<38} {short(e.source)} -> {short(e.target)}{kind}")
    late = statements([e for e in edges if e.source in nodes and e.late])
    print(f"  late imports (module level, after the first class/def): {len(late)}")
    for (source, line), group in late.items():
        print(f"    {rel(root, modules[source])}:{line}  -> {', '.join(e.target for e in group)}")
    # An in-function import is "in a cycle" when its two ends are in one strongly connected
    # component of the whole package's import graph, in-function imports included: it only
    # defers a dependency cycle (moved to module level, it would be a circular import).
    internal = [e for e in edges if e.source != e.target]
    component = {m: i for i, c in enumerate(cycles(sorted(modules), internal)) for m in c}
    inner = statements([e for e in edges if e.source in nodes and e.in_function])
    in_cycle, lines = 0, []
    for (source, line), group in inner.items():
        cyclic = any(component.get(e.target, -1) == component.get(source, -2) for e in group)
        in_cycle += cyclic
        names = ", ".join(e.target for e in group)
        note = "  (in a cycle)" if cyclic else ""
        lines.append(f"    {rel(root, modules[source])}:{line}  -> {names}{note}")
    print(f"  imports of numtorch inside functions: {len(inner)} ({in_cycle} in a cycle)")
    for text in lines:
        print(text)


def short(name: str) -> str:
    return name.removeprefix(PACKAGE + ".") or PACKAGE


def core_modules(root: Path, modules: dict[str, Path]) -> list[str]:
    pkg = root / PACKAGE
    dirs = [p for pattern in CORE_PACKAGES for p in pkg.glob(pattern) if p.is_dir()]
    chosen = []
    for name, path in modules.items():
        top_file = path.parent == pkg
        if top_file or any(d in path.parents for d in dirs):
            chosen.append(name)
    return sorted(chosen)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 if a module is over the limit"
    )
    parser.add_argument("--max-lines", type=int, default=800)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    modules = discover(root)
    if not modules:
        print(f"no {PACKAGE}/ package under {root}", file=sys.stderr)
        return 2

    sizes = sorted(((line_count(p), n) for n, p in modules.items()), reverse=True)
    total = sum(s for s, _ in sizes)
    print(f"code report for {root / PACKAGE}: {len(modules)} modules, {total} lines")
    print(f"\n(a) largest modules (of {len(modules)})")
    for size, name in sizes[:TOP_MODULES]:
        print(f"  {size:6d}  {rel(root, modules[name])}")

    trees = {}
    for name, path in modules.items():
        try:
            trees[name] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError as err:  # a file mid-edit: report it, leave it out, carry on
            print(f"  skipped {rel(root, path)}: {err.msg} (line {err.lineno})")
            trees[name] = ast.Module(body=[], type_ignores=[])

    print("\n(b) longest functions and methods")
    defs = []
    for name, path in modules.items():
        tree = trees[name]
        defs += [
            (length, f"{rel(root, path)}:{line}", qual) for qual, line, length in functions(tree)
        ]
    for length, where, qual in sorted(defs, key=lambda d: (-d[0], d[1]))[:TOP_FUNCTIONS]:
        print(f"  {length:6d}  {where:<46} {qual}")
    over_25 = sum(1 for d in defs if d[0] > 25)
    print(f"  ({len(defs)} functions; {over_25} over 25 lines)")

    edges = [e for n, p in modules.items() for e in imports(n, p, trees[n], modules)]
    report_cycles("(c) core", core_modules(root, modules), edges, root, modules)
    over = [(s, n) for s, n in sizes if s > args.max_lines]
    print(f"  modules over {args.max_lines} lines (whole package): {len(over)}")
    for size, name in over:
        print(f"    {size:6d}  {rel(root, modules[name])}")

    cli = sorted(n for n in modules if n == f"{PACKAGE}.cli" or n.startswith(f"{PACKAGE}.cli."))
    report_cycles("(d) cli", cli, edges, root, modules)

    everything = sorted(modules)
    print(f"\n(e) whole package: {len(everything)} modules")
    internal = [e for e in edges if e.source != e.target]
    for label, chosen in [
        ("module-level imports", [e for e in internal if not e.in_function]),
        ("all imports", internal),
    ]:
        found = cycles(everything, chosen)
        listed = ", ".join(str(len(c)) for c in found) or "none"
        print(f"  cycles over {label}: {len(found)} (sizes: {listed})")
        for component in found:
            print(f"    [{len(component)}] {', '.join(short(m) for m in component)}")
    return 1 if args.strict and over else 0


if __name__ == "__main__":
    sys.exit(main())

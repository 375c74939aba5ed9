"""Structure rules for src/, checked over the code's own imports (run by `nox -s lint`).

Each rule keeps a layer honest that review alone would let slip:
- no import cycle between modules (imports inside functions count: they only hide a cycle),
  except the pairs in ALLOWED_CYCLES;
- scylla_lite's modules import only from their own layer or the layers below (LAYERS);
- nothing under scylla_lite/execution imports scylla_lite.engine: the statement families work
  on the seam below the engine (records, derived data, consistency), never on the engine;
- no module imports a `_private` name from another module, or reads one through the module;
- no `_private` attribute of another object is read in the modules listed in NO_FOREIGN_PRIVATE;
- no function is longer than MAX_FUNCTION_LINES.

Exit status 1 with one line per breach; `python tools/check_structure.py --graph` prints the
import graph of scylla_lite instead.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
MAX_FUNCTION_LINES = 80
# terms evaluates function calls and functions evaluates their argument terms: one concept in two files.
ALLOWED_CYCLES = {frozenset({"scylla_lite.execution.terms", "scylla_lite.execution.functions"})}
NO_FOREIGN_PRIVATE = {"scylla_lite.durability"}
LAYERS = (
    ("base", ("errors", "requests", "results", "storage", "lru", "garbage", "forked")),
    ("values", ("codec", "types", "cql", "records", "auth", "protocol")),
    ("schema", ("catalog", "cqljson", "admin", "durability")),
    ("execution", ("execution",)),
    ("planning", ("planner", "system_tables")),
    ("engine", ("engine",)),
    ("server", ("server",)),
    ("entry", ("", "__main__")),
)
"""scylla_lite's layers, bottom first (src/scylla_lite/README.md draws them): a module imports
from its own layer or the ones below, never above. An entry names a module or a package."""
# demokit.coodie_private is, by design, the one module that reads coodie's private API
# (what coodie 1.9.3 offers no public way to read); spec/harness/test_coodie_private.py pins it.
PRIVATE_IMPORTS_ALLOWED = {("demokit.coodie_private", "coodie.usertype", "_extract_udt_dependencies")}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, tuple[Path, ast.Module]]:
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        found[module_name(path)] = (path, ast.parse(path.read_text(), str(path)))
    return found


def resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module an ImportFrom names."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str, path: Path, tree: ast.Module, known: set[str]) -> Iterator[tuple[str, str, int]]:
    """(imported module, imported name or '', line) for each import in the module, at any depth."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, "", node.lineno
        elif isinstance(node, ast.ImportFrom):
            target = resolve(module, is_package, node)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                yield (sub, "", node.lineno) if sub in known else (target, alias.name, node.lineno)


def graph(found: dict[str, tuple[Path, ast.Module]]) -> dict[str, set[str]]:
    known = set(found)
    edges: dict[str, set[str]] = {name: set() for name in found}
    for name, (path, tree) in found.items():
        for target, _, _ in imports(name, path, tree, known):
            if target in known and target != name and not name.startswith(target + "."):
                edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def cycle_breaches(edges: dict[str, set[str]]) -> Iterator[str]:
    for component in cycles(edges):
        if frozenset(component) not in ALLOWED_CYCLES:
            yield "import cycle: " + " <-> ".join(component)


def layer_of(module: str) -> int | None:
    """The index in LAYERS of a scylla_lite module (None: another package)."""
    if module != "scylla_lite" and not module.startswith("scylla_lite."):
        return None
    rest = module.removeprefix("scylla_lite").removeprefix(".")
    for index, (_, members) in enumerate(LAYERS):
        if any(rest == m or (m and rest.startswith(m + ".")) for m in members):
            return index
    return None


def layer_breaches(edges: dict[str, set[str]]) -> Iterator[str]:
    for name in sorted(edges):
        low = layer_of(name)
        if name.startswith("scylla_lite") and low is None:
            yield f"{name} is in no layer of LAYERS"
            continue
        for target in sorted(edges[name]):
            high = layer_of(target)
            if low is not None and high is not None and high > low:
                yield f"{name} ({LAYERS[low][0]}) imports {target}, a layer above ({LAYERS[high][0]})"


def import_breaches(found: dict[str, tuple[Path, ast.Module]]) -> Iterator[str]:
    known = set(found)
    for name, (path, tree) in found.items():
        for target, imported, line in imports(name, path, tree, known):
            where = f"{path.relative_to(SRC.parent)}:{line}"
            if name.startswith("scylla_lite.execution.") and target == "scylla_lite.engine":
                yield f"{where}: execution/ imports the engine"
            private = imported.startswith("_") and not imported.startswith("__")
            if private and target != name and (name, target, imported) not in PRIVATE_IMPORTS_ALLOWED:
                yield f"{where}: imports private name {imported} from {target}"


def module_aliases(tree: ast.Module, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The names a module binds to other modules of src (``import x``, ``from . import x``)."""
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases.update(a.asname or a.name for a in node.names if a.name in known and "." not in a.name)
        elif isinstance(node, ast.ImportFrom):
            target = resolve(module, is_package, node)
            aliases.update(a.asname or a.name for a in node.names if f"{target}.{a.name}" in known)
    return aliases


def private_attribute_breaches(found: dict[str, tuple[Path, ast.Module]]) -> Iterator[str]:
    """``module._name``: a private name of another module of src, read through the module."""
    known = set(found)
    for name, (path, tree) in found.items():
        aliases = module_aliases(tree, name, path.name == "__init__.py", known)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                where = f"{path.relative_to(SRC.parent)}:{node.lineno}"
                yield f"{where}: reads private name {node.attr} of module {node.value.id}"


def foreign_private_breaches(found: dict[str, tuple[Path, ast.Module]]) -> Iterator[str]:
    for name in sorted(NO_FOREIGN_PRIVATE):
        path, tree = found[name]
        for node in ast.walk(tree):
            if (
                not isinstance(node, ast.Attribute)
                or not node.attr.startswith("_")
                or node.attr.startswith("__")
            ):
                continue
            if isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}:
                continue
            yield f"{path.relative_to(SRC.parent)}:{node.lineno}: reads {node.attr} of another object"


def length_breaches(found: dict[str, tuple[Path, ast.Module]]) -> Iterator[str]:
    for path, tree in found.values():
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                yield f"{path.relative_to(SRC.parent)}:{node.lineno}: {node.name} is {length} lines"


def main(argv: list[str]) -> int:
    found = modules()
    edges = graph(found)
    if "--graph" in argv:
        for name in sorted(edges):
            if name.startswith("scylla_lite"):
                print(name, "->", ", ".join(sorted(e for e in edges[name] if e.startswith("scylla_lite"))))
        return 0
    breaches = [
        *cycle_breaches(edges),
        *layer_breaches(edges),
        *import_breaches(found),
        *private_attribute_breaches(found),
        *foreign_private_breaches(found),
        *length_breaches(found),
    ]
    for line in dict.fromkeys(breaches):  # once each, in order
        print(line)
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

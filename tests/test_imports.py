"""The house's import rules, read from the source with ast (nothing is imported).

- no import cycle between first-party modules, lazy imports in functions included;
- ``classifiers`` and ``connectors`` import nothing from ``triage`` nor from each other;
- the product (``triage``, ``classifiers``, ``connectors``) never imports the demo.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("triage", "classifiers", "connectors", "triage_demo")
FORBIDDEN = {  # package -> the packages it may not import
    "classifiers": {"triage", "connectors", "triage_demo"},
    "connectors": {"triage", "classifiers", "triage_demo"},
    "triage": {"triage_demo"},
}


def _modules() -> dict[str, Path]:
    """Every first-party module by dotted name (a package by its ``__init__``)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _skipped(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:`` (never run) and ``if __name__ == "__main__":`` (run only as a
    script, where the module is ``__main__``, not the module others import)."""
    if not isinstance(node, ast.If):
        return False
    text = ast.unparse(node.test)
    return text in ("TYPE_CHECKING", "typing.TYPE_CHECKING") or text.startswith("__name__ ==")


def _import_nodes(node: ast.AST):
    for child in ast.iter_child_nodes(node):
        if _skipped(child):
            yield from (n for stmt in child.orelse for n in _import_nodes_of(stmt))
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        yield from _import_nodes(child)


def _import_nodes_of(stmt: ast.AST):
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        yield stmt
    yield from _import_nodes(stmt)


def _imported(name: str, path: Path) -> set[str]:
    """The modules ``name`` imports (any depth: module level, functions, methods)."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            parts = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join(parts + ([node.module] if node.module else []))
        for alias in node.names:  # `from pkg import module` imports that module
            full = f"{base}.{alias.name}"
            found.add(full if full in MODULES else base)
    return found


GRAPH = {name: _imported(name, path) for name, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), or self-loops."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node] & graph.keys()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_walk_sees_every_package_and_their_imports():
    assert {name.split(".")[0] for name in MODULES} == set(PACKAGES)
    assert "triage.cli" in GRAPH["triage.__main__"] and "triage" in GRAPH["triage.__main__"]
    assert "classifiers.prefix" in GRAPH["triage_demo.tickets"]
    # a lazy import inside a function counts
    assert "triage.services.training" in GRAPH["triage.cli"]


def test_no_import_cycle():
    cycles = _cycles(GRAPH)
    details = [
        {member: sorted(GRAPH[member] & set(cycle)) for member in cycle} for cycle in cycles
    ]
    assert not cycles, f"import cycles: {details}"


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_classifiers_connectors_and_the_product_import_only_what_they_may():
    wrong = [
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        for target in targets
        if target.split(".")[0] in FORBIDDEN.get(name.split(".")[0], ())
    ]
    assert not wrong, wrong

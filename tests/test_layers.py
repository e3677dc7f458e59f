"""The code's shape: domains import downwards only, and the worker runtime has one home."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "traceability"
_OWNERS = ("scanning", "stamping", "verification", "resolver", "runtime", "signing")


def _modules() -> dict[str, ast.Module]:
    found = {}
    for path in ROOT.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = ast.parse(path.read_text(encoding="utf-8"))
    return found


def _package(module: str) -> str:
    """``traceability.scanning.service`` → ``scanning``; top-level modules stand alone."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _package_graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for module, tree in _modules().items():
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            for target in targets:
                if target.startswith("traceability.") and _package(target) != _package(module):
                    edges[_package(module)].add(_package(target))
    return edges


def _reaches(edges: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_no_import_cycles_through_the_stamp_domains() -> None:
    edges = _package_graph()
    cycles = sorted(
        (package, other)
        for package in _OWNERS
        for other in _reaches(edges, package)
        if package in _reaches(edges, other)
    )
    assert cycles == [], cycles


def test_only_the_app_builds_on_the_runtime_module() -> None:
    importers = {
        module
        for module, tree in _modules().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "traceability.runtime"
    }
    assert importers == {"traceability.app"}


def test_runtime_services_are_not_read_from_the_app_state() -> None:
    """Handlers declare ``keys: Keys``, ``cache: Cache``…; only runtime.py touches the state."""
    offenders = []
    for module, tree in _modules().items():
        if module == "traceability.runtime":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in {"stamps", "runtime"}:
                owner = node.value
                name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
                if name == "state":
                    offenders.append(f"{module}:{node.lineno}")
    assert offenders == []

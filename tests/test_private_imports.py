"""Helpers used across modules are public (issue #6, point 3): no module imports a ``_private`` name or a
``_private`` module of another. The one exception is Django's: helper modules of management commands
start with ``_`` so that Django does not take them for commands (``org/management/commands/_roster.py``)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "gongzhi"


def _private_imports() -> list[str]:
    found = []
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts or "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.module == "__future__":
                continue
            module = node.module or ""
            where = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
            private_parts = [p for p in module.split(".") if p.startswith("_") and p != "__init__"]
            if private_parts and not ("commands" in path.parts and node.level == 1):
                found.append(f"{where} imports from {'.' * node.level}{module}")
            found += [f"{where} imports {a.name}" for a in node.names
                      if a.name.startswith("_") and not a.name.startswith("__")]
    return sorted(found)


def test_no_private_imports_across_modules():
    assert _private_imports() == []

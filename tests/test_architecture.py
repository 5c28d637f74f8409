"""The rule for what may import what (docs/ARCHITECTURE.md), checked on the source.

Every top-level unit of the package (a module, or a package with everything in it) has a layer; a
module may import its own unit and the units of lower layers, never a higher one, and no import
circle may form. Lazy imports inside functions count too: they are imports all the same.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "auditor"

# The layers, lowest first: data, then what every stage may ask, then the stages in the order the flow
# runs them, then what presents, stores and commands their results.
LAYERS: list[tuple[str, ...]] = [
    ("model",),
    ("resources", "datacache", "limits", "templates", "policy", "config", "code_names"),
    ("ruleset",),
    ("catalogue", "problems", "present", "settings_codes", "lint"),
    ("load",),
    ("extract",),
    ("check",),
    ("locate",),
    ("pipeline",),
    ("write", "memo", "baseline", "synth", "synth_image"),
    ("corpus",),
    ("cli", "serve"),
    ("__main__",),
]
RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, root: Path = PACKAGE) -> list[tuple[str, int]]:
    """(absolute module imported, line) for every ``from``/``import`` of the package in the file."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "auditor" or target.startswith("auditor."):
                # ``from . import x``: x may be a module of that package
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    exists = (root.parent / Path(*sub.split("."))).with_suffix(".py").exists() or \
                        (root.parent / Path(*sub.split("."))).is_dir()
                    found.append((sub if exists else target, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names if alias.name.startswith("auditor")]
    return found


def unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def all_modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_unit_of_the_package_has_a_layer():
    units = {unit(module_name(path)) for path in all_modules()} - {""}
    assert sorted(units - set(RANK)) == [], "give the new unit a layer in LAYERS and docs/ARCHITECTURE.md"


def test_no_module_imports_a_higher_layer():
    wrong = []
    for path in all_modules():
        here = module_name(path)
        for target, line in imports(path):
            if target == "auditor":  # ``from .. import __version__``
                continue
            if unit(target) != unit(here) and RANK[unit(target)] > RANK.get(unit(here), -1):
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({unit(here)}) imports {target}")
    assert wrong == []


def test_no_import_circle():
    graph = {module_name(path): {t for t, _ in imports(path) if t != "auditor"} for path in all_modules()}
    graph = {m: {t for t in targets if t in graph} for m, targets in graph.items()}
    # Tarjan's strongly connected components: any component of two or more modules is a circle
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
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
            if len(component) > 1:
                circles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert circles == []


@pytest.mark.parametrize("source, expected", [
    ("from ..model.report import Cell\n", ["auditor.model.report"]),
    ("from . import limits\n", ["auditor.limits"]),
    ("def f():\n    from .check.engine import run_rules\n", ["auditor.check.engine"]),
])
def test_the_scan_reads_relative_and_lazy_imports(tmp_path, source, expected):
    """The scan must see what it checks: relative imports resolved, imports inside functions included."""
    root = tmp_path / "auditor"
    fake = root / ("extract/tables.py" if source.startswith("from ..") else "pipeline.py")
    fake.parent.mkdir(parents=True, exist_ok=True)
    fake.write_text(source, encoding="utf-8")
    (root / "limits.py").touch()
    assert [t for t, _ in imports(fake, root)] == expected


def test_findings_are_immutable():
    """A finding is plain, frozen data: a stage that wants another makes a copy (model_copy)."""
    import pydantic

    from auditor.model.findings import Finding, FindingCell, Severity

    finding = Finding(code="T3-BALANCE", severity=Severity.error, message="m",
                      cells=[FindingCell(table="table3", row="new", column="total")])
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        finding.severity = Severity.info
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        finding.cells[0].raw = "9"
    assert finding.model_copy(update={"severity": Severity.info}).severity == Severity.info
    assert finding.severity == Severity.error


def test_no_module_imports_another_modules_private_names():
    """``from .x import _name`` reaches into x's insides: what another module needs is public."""
    wrong = []
    for path in all_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("auditor")):
                wrong += [f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {alias.name}" for alias in node.names
                          if alias.name.startswith("_") and not alias.name.startswith("__")]
    assert wrong == []

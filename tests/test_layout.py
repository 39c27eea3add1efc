"""The house's one rule, checked on the code itself: data and imports flow one way.

question → Criteria → SQL → rows → anonymised view → chat, so ``retrieval`` (the data model and the
store) imports nothing of ours, ``query_compiler`` only ``retrieval``, ``privacy`` only those two,
and ``assistant`` any of them; no product package imports ``eval`` or the generator
(``synthetic``). Imports inside functions count as much as those at the top, so the imports are a
map a reader and a tool can trust — which also means no ``importlib`` indirection in product code
and no ``except ImportError`` hiding one of our own modules (ARCHITECTURE.md).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FLOW = ("retrieval", "query_compiler", "privacy", "assistant")
OUTSIDE = ("eval", "synthetic", "tests")
OURS = (*FLOW, *OUTSIDE, "prompts")


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imported(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every import, at any depth (functions, classes, try blocks)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.level:
            out.append((node.lineno, "." * node.level + (node.module or "")))
    return out


def allowed_for(package: str) -> set[str]:
    return set(FLOW[: FLOW.index(package) + 1]) | {"prompts"}


@pytest.mark.parametrize("package", FLOW)
def test_imports_follow_the_flow(package):
    wrong = []
    for path in python_files(package):
        for line, module in imported(ast.parse(path.read_text(encoding="utf-8"))):
            top = module.split(".")[0]
            if module.startswith("."):
                wrong.append(f"{path.relative_to(ROOT)}:{line} relative import {module}")
            elif top in OURS and top not in allowed_for(package):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, "imports against the flow " + " → ".join(FLOW) + ":\n" + "\n".join(wrong)


def test_the_check_sees_an_import_inside_a_function():
    tree = ast.parse("def f():\n    from privacy.governed import GovernedEngine\n")
    assert (2, "privacy.governed") in imported(tree)
    assert "privacy" not in allowed_for("query_compiler")


@pytest.mark.parametrize("package", FLOW)
def test_no_importlib_indirection_in_product_code(package):
    found = []
    for path in python_files(package):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in ("import_module", "__import__", "find_spec", "reload"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} calls {name}")
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("importlib"):
                names = [f"{node.module}.{a.name}" for a in node.names]
            # importlib.resources (package data) and importlib.metadata (entry points) are not indirection
            bad = [n for n in names if n.startswith("importlib")
                   and not n.startswith(("importlib.resources", "importlib.metadata"))]
            if bad:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {bad}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("package", FLOW)
def test_no_import_error_fallback_around_our_own_modules(package):
    found = []
    for path in python_files(package):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Try):
                continue
            types = [h.type for h in node.handlers if h.type is not None]
            types += [e for t in types if isinstance(t, ast.Tuple) for e in t.elts]
            catches = {getattr(t, "id", None) for t in types}
            if not catches & {"ImportError", "ModuleNotFoundError"}:
                continue
            ours = [m for _, m in imported(ast.Module(body=node.body, type_ignores=[]))
                    if m.split(".")[0] in OURS]
            if ours:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} falls back when {ours} is missing")
    assert not found, "\n".join(found)


def test_tests_never_skip_the_projects_own_modules():
    """A broken import of ours must fail the suite, never turn it into skipped tests."""
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "importorskip":
                arg = node.args[0] if node.args else None
                if isinstance(arg, ast.Constant) and str(arg.value).split(".")[0] in OURS:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found


def test_the_generator_and_eval_reach_the_cli_through_entry_points_only():
    """`cohort generate`, `cohort demo` and `cohort eval` exist, declared in pyproject.toml."""
    from assistant.cli import app

    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'eval = "eval.cli:register"' in text and 'synthetic = "synthetic.cli:register"' in text
    names = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    assert {"generate", "demo", "eval", "ask", "query", "similar", "users"} <= names


def test_architecture_names_every_package_and_its_sub_packages():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for package in (*FLOW, "synthetic", "eval", "prompts"):
        assert f"`{package}/`" in text, package
        for sub in sorted(p for p in (ROOT / package).iterdir() if (p / "__init__.py").exists()):
            assert f"{sub.name}/" in text, f"{package}/{sub.name}/ is not described in ARCHITECTURE.md"

"""The rooms of docs/architecture.md hold: import-linter's contracts (pyproject.toml) pass,
function-local and TYPE_CHECKING imports included, and node/ keeps a short top."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROOMS = {"store", "federation", "display", "publishing", "io", "web", "admin", "cli", "demo"}


def test_the_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    run = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def test_node_is_a_few_modules_and_its_rooms() -> None:
    node = ROOT / "node"
    modules = sorted(p.name for p in node.glob("*.py"))
    rooms = {p.name for p in node.iterdir() if (p / "__init__.py").exists()}
    assert len(modules) <= 12, modules
    assert rooms >= ROOMS, sorted(rooms)


def test_every_benchmark_module_imports():
    """A refactoring that renames what a benchmark reads breaks ``make bench`` at once."""
    import importlib
    import pkgutil

    import bench

    for module in pkgutil.walk_packages(bench.__path__, "bench."):
        if module.name != "bench.__main__":
            importlib.import_module(module.name)

"""The package's shape: imports point down the data's trip (data -> encoders -> modeling ->
training -> inference -> evaluation) with no cycle, modules and functions a reader can take in,
sub-packages that say what they own, and an `import tfsenti` that loads no TensorFlow."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tfsenti"
TRIP = ["data", "encoders", "modeling", "training", "inference", "evaluation"]
# used by every stage, so they import none: errors, options, output staging, Ctrl-C, progress,
# precision
BASE = {"errors", "config", "option_checks", "_staging", "_interrupts", "progress", "precision",
        "demo", "_startup"}
LONG_FUNCTIONS = {"build_parser"}  # argparse declarations, one option after another


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The tfsenti modules `path` imports anywhere (functions included; type-checking-only
    imports excluded)."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules
                      else node.module for a in node.names}
    return {name for name in found if name in modules}


def _rank(module: str) -> int:
    """0 for shared base modules, 1.. for the stages of the trip, beyond for the orchestration
    (the public API, `fine_tune`, the CLI)."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in BASE:
        return 0
    if len(parts) > 1 and parts[1] in TRIP:
        return 1 + TRIP.index(parts[1])
    return len(TRIP) + 1


def test_imports_point_down_the_trip_and_form_no_cycle():
    modules = _modules()
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    upward = [(m, d) for m, deps in graph.items() for d in deps if _rank(d) > _rank(m)]
    assert upward == []
    visiting, done, cycles = set(), set(), []

    def visit(module: str, stack: list[str]) -> None:
        visiting.add(module)
        for dep in graph[module]:
            if dep in visiting:
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in done:
                visit(dep, stack + [dep])
        visiting.discard(module)
        done.add(module)

    for module in graph:
        if module not in done:
            visit(module, [module])
    assert cycles == []


def test_modules_and_functions_stay_small():
    too_long = []
    for name, path in _modules().items():
        source = path.read_text()
        if len(source.splitlines()) > 300:
            too_long.append((name, len(source.splitlines())))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef) and node.name not in LONG_FUNCTIONS:
                length = node.end_lineno - node.lineno + 1
                if length > 60:
                    too_long.append((f"{name}.{node.name}", length))
    assert too_long == []


@pytest.mark.parametrize("stage", TRIP)
def test_each_stage_says_what_it_owns_and_imports_nothing_itself(stage):
    tree = ast.parse((PACKAGE / stage / "__init__.py").read_text())
    docstring = ast.get_docstring(tree)
    assert docstring and len(docstring.split()) >= 25
    assert not any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in tree.body)
    modules = {p.stem for p in (PACKAGE / stage).glob("*.py")} - {"__init__"}
    assert all(f"`{m}`" in docstring for m in modules), (stage, modules)


def test_importing_tfsenti_and_its_options_loads_no_tensorflow():
    script = ("import sys, tfsenti, tfsenti.cli, tfsenti.config\n"
              "assert tfsenti.TrainConfig().validate().epochs == 3\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in "
              "('tensorflow', 'tf_keras', 'tensorflow_hub', 'tensorflow_text')))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_public_api_resolves_every_name_it_lists():
    import tfsenti

    assert [name for name in tfsenti.__all__ if getattr(tfsenti, name, None) is None] == []
    assert set(tfsenti.__all__) <= set(dir(tfsenti))
    with pytest.raises(AttributeError, match="no attribute 'export'"):
        tfsenti.export  # noqa: B018  (renamed save_model: one name, one meaning)


NEEDS_NETWORK = {"download_imdb"}  # its example downloads 84 MB, so the doctest run skips it


def test_every_public_function_and_class_has_an_example_that_runs():
    import tfsenti

    missing = []
    for name in tfsenti.__all__:
        obj = getattr(tfsenti, name)
        if isinstance(obj, Path) or (isinstance(obj, type) and issubclass(obj, Exception)):
            continue
        examples = [line.strip() for line in (obj.__doc__ or "").splitlines()
                    if line.strip().startswith(">>>")]
        runnable = [line for line in examples if "+SKIP" not in line]
        if not examples or (not runnable and name not in NEEDS_NETWORK):
            missing.append(name)
    assert missing == []

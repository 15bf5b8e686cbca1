"""Every module imports on its own in a fresh interpreter (no hidden order dependence).

Each module is imported in its own child of a fork server that has loaded only the third-party
stack (tensorflow, tf_keras, tensorflow_hub, tensorflow_text) and no tfsenti module: an import
that works only after another tfsenti module has been imported still fails, and the children
skip the seconds TensorFlow takes to load.
"""

from __future__ import annotations

import importlib
import multiprocessing
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "tfsenti"
MODULES = sorted(".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
                 for p in PACKAGE.rglob("*.py") if p.name != "__main__.py")
THIRD_PARTY = ["tensorflow", "tf_keras", "tensorflow_hub", "tensorflow_text"]


@pytest.fixture(scope="module")
def fork_server() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(THIRD_PARTY)
    return context


def _exit_code(fork_server, target, argument: str) -> int | None:
    """The exit code of `target(argument)` run in a child of the fork server."""
    child = fork_server.Process(target=target, args=(argument,))
    child.start()
    child.join(300)
    return child.exitcode


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_alone(module, fork_server):
    assert _exit_code(fork_server, importlib.import_module, module) == 0, (
        f"`python -c 'import {module}'` shows why")


def test_the_fork_server_holds_no_tfsenti_module(fork_server):
    assert _exit_code(fork_server, exec, "import sys; sys.exit(any(m.startswith('tfsenti') "
                                         "for m in sys.modules))") == 0

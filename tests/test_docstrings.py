"""Every public function and class of `tfsenti` has a runnable docstring example, and every
example in the package passes (run in a folder holding `saved_models/demo`, as after `make demo`)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import shutil
from pathlib import Path

import tfsenti

MODULES = [importlib.import_module(m.name)
           for m in pkgutil.walk_packages(tfsenti.__path__, "tfsenti.") if m.name != "tfsenti.__main__"]
NEEDS_NETWORK = {"download_imdb"}  # its example downloads 84 MB


def test_every_public_function_and_class_has_an_example_that_runs():
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


def test_docstring_examples_pass(tiny_model, tmp_path, monkeypatch):
    shutil.copytree(tiny_model, tmp_path / "saved_models" / "demo")
    monkeypatch.chdir(tmp_path)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for module in [tfsenti, *MODULES]:
        for test in finder.find(module):
            runner.run(test)
    failed, attempted = runner.summarize(verbose=False)
    assert failed == 0
    assert attempted >= 60

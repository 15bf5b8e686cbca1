"""Every example in the package's docstrings passes, run in a folder holding `saved_models/demo`
(as after `make demo`); one test per module, so a failure names its module. `--precision
auto` picks float32 in them on every CPU, as on one without bfloat16 arithmetic: what they print
does not depend on the machine, and the 16-bit path has its own tests (test_precision.py).

The examples that train or build models on the default encoder print what its weights and width
do not decide (counts, shapes, keys), so in `ON_TINY_ENCODER` modules the default encoder's
folder is the tiny test encoder's: the same code path in less than half the time. So is the
bundled checkpoint that `encoders.convert` converts. The default encoder itself is trained end to
end by test_train_cli.py and test_multiclass.py, converted by test_convert_cli.py and once per
session for the tests that use it, and loaded by the examples of `encoders.catalog`,
`encoders.default` and `modeling.classifier`."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import shutil

import pytest

import tfsenti
from tfsenti import precision
from tfsenti.encoders import default

MODULES = ["tfsenti", *(m.name for m in pkgutil.walk_packages(tfsenti.__path__, "tfsenti.")
                        if m.name != "tfsenti.__main__")]
ON_TINY_ENCODER = {"tfsenti.workflow", "tfsenti.training.small_data", "tfsenti.training.loop",
                   "tfsenti.training.lr_find", "tfsenti.training.contrastive",
                   "tfsenti.evaluation.audit", "tfsenti.inference.predictor",
                   "tfsenti.inference.signature", "tfsenti.encoders.convert"}


def _examples(module) -> list[doctest.DocTest]:
    return [test for test in doctest.DocTestFinder().find(module) if test.examples]


def test_the_package_has_examples_to_run():
    assert sum(len(_examples(importlib.import_module(name))) for name in MODULES) >= 60


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_pass(name, tiny_model, tiny_encoder, tmp_path, monkeypatch):
    shutil.copytree(tiny_model, tmp_path / "saved_models" / "demo")
    monkeypatch.chdir(tmp_path)
    examples = _examples(importlib.import_module(name))
    monkeypatch.setattr(precision, "cpu_bfloat16_flags", lambda: ())
    if name in ON_TINY_ENCODER:
        monkeypatch.setattr(default, "default_encoder_dir", lambda precision="float32": tiny_encoder)
        monkeypatch.setattr(default, "checkpoint_dir", lambda: tiny_encoder.with_name("tiny_hf"))
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in examples:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0

"""In a fresh interpreter: the exported model serves with only TensorFlow and tensorflow_text, and
native start-up lines are hidden while Python's own stderr is not (the CLI's errors as one line in
a fresh process: test_bad_input.py, test_bad_model_input.py)."""

import json
import subprocess
import sys

import numpy as np

from tfsenti.inference.predictor import Classifier

TEXTS = ["An absolute delight from start to finish.", "Skip it. Boring, clumsy and forgettable.",
         "", "word " * 20_000, "Ünïcödé and emoji 😀 are fine too"]


def test_fresh_process_with_only_tensorflow_and_text_gets_the_same_predictions(tiny_classifiers,
                                                                                tiny_export):
    model, class_names, folder = tiny_classifiers[0], ["neg", "pos"], tiny_export
    expected = Classifier.from_model(model, class_names).predict(TEXTS)
    script = f"""
import json, sys
import tensorflow as tf
import tensorflow_text
serve = tf.saved_model.load({str(folder)!r}).signatures["serving_default"]
out = serve(text=tf.constant({TEXTS!r}))
assert not any(m.split(".")[0] in ("tfsenti", "tf_keras") for m in sys.modules), "imported"
print(json.dumps({{"probabilities": out["probabilities"].numpy().tolist(),
                  "label_id": out["label_id"].numpy().tolist(),
                  "label": [s.decode() for s in out["label"].numpy()]}}))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    served = json.loads(result.stdout.splitlines()[-1])
    probabilities = np.array(served["probabilities"])
    assert probabilities.shape == (len(TEXTS), 2)
    assert np.abs(probabilities - expected.probabilities).max() <= 1e-5
    assert served["label_id"] == expected.label_ids.tolist()
    assert served["label"] == [class_names[i] for i in served["label_id"]]


def test_native_start_up_lines_are_hidden_and_python_output_is_not():
    script = """
import os, sys
from tfsenti._startup import native_stderr_silenced
with native_stderr_silenced():
    os.write(2, b"native line\\n")
    print("python line", file=sys.stderr)
os.write(2, b"after\\n")
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.stderr == "python line\nafter\n"


def test_the_python_api_loads_tensorflow_without_its_start_up_lines():
    script = """
import sys, tfsenti
assert "tensorflow" not in sys.modules
print(tfsenti.compute_metrics([0, 1], [[0.8, 0.2], [0.3, 0.7]], ["neg", "pos"])["accuracy"])
import tensorflow as tf
print(int(tf.reduce_sum(tf.constant([1, 2]))))  # the first op: oneDNN and device lines
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1.0", "3"] and result.stderr == ""

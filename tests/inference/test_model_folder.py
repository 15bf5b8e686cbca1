"""Model folders: the exported SavedModel loads without tfsenti or tf_keras, predicts like the
in-memory model, and uses only ops TF Serving links (TensorFlow core and tensorflow_text)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from tfsenti.inference.predictor import Classifier
from tfsenti.inference.serving import check_serving

TEXTS = ["An absolute delight from start to finish.", "Skip it. Boring, clumsy and forgettable.",
         "", "word " * 20_000, "Ünïcödé and emoji 😀 are fine too"]


@pytest.fixture(scope="module")
def trained(tiny_classifiers, tiny_export):
    """(in-memory model, class names, its model folder)."""
    return tiny_classifiers[0], ["neg", "pos"], tiny_export


def test_fresh_process_with_only_tensorflow_and_text_gets_the_same_predictions(trained):
    model, class_names, folder = trained
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


def test_serving_signature_contract(trained):
    import tensorflow as tf

    _, _, folder = trained
    signature = tf.saved_model.load(str(folder)).signatures["serving_default"]
    (inputs,), outputs = signature.structured_input_signature[1].items(), signature.structured_outputs
    assert inputs[0] == "text" and inputs[1].dtype == tf.string and inputs[1].shape.as_list() == [None]
    assert outputs["probabilities"].dtype == tf.float32
    assert outputs["probabilities"].shape.as_list() == [None, 2]
    assert outputs["label_id"].dtype == tf.int32 and outputs["label"].dtype == tf.string


def test_exported_graph_uses_only_ops_every_tf_serving_2x_links(trained):
    _, _, folder = trained
    check = check_serving(folder)
    assert check.flagged == [] and check.ok
    assert check.text == ["NormalizeUTF8", "RegexSplitWithOffsets", "WordpieceTokenizeWithOffsets"]
    assert {"StatefulPartitionedCall", "MatMul", "LookupTableFindV2"} <= set(check.core)
    assert not {"PyFunc", "EagerPyFunc", "PyFuncStateless"} & set(check.core)


def test_save_model_refuses_an_existing_folder_unless_overwrite(tiny_classifiers, tmp_path):
    from tfsenti import ConfigError, save_model

    (tmp_path / "model").mkdir()
    with pytest.raises(ConfigError, match="model: already exists; pass overwrite"):
        save_model(tiny_classifiers[0], ["neg", "pos"], tmp_path / "model")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    folder = save_model(tiny_classifiers[0], ["neg", "pos"], tmp_path / "model", overwrite=True)
    assert json.loads((folder / "config.json").read_text()) == {"class_names": ["neg", "pos"]}

"""Model folders: the serving signature's contract, the ops it uses (only those TF Serving links:
TensorFlow core and tensorflow_text), and a refusal to overwrite. Loading one in a fresh process
without tfsenti is tested in tests/e2e/test_fresh_process.py."""

import json

import numpy as np
import pytest

from tfsenti.inference.serving import check_serving


@pytest.fixture(scope="module")
def trained(tiny_classifiers, tiny_export):
    """(in-memory model, class names, its model folder)."""
    return tiny_classifiers[0], ["neg", "pos"], tiny_export


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


def test_save_model_refuses_an_existing_folder_unless_overwrite_and_saves_quietly(
        tiny_classifiers, tmp_path):
    import logging

    import tensorflow as tf

    from tfsenti import ConfigError, save_model

    (tmp_path / "model").mkdir()
    with pytest.raises(ConfigError, match="model: already exists; pass overwrite"):
        save_model(tiny_classifiers[0], ["neg", "pos"], tmp_path / "model")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    logged = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: logged.append(record.getMessage())
    tf.get_logger().addHandler(handler)
    try:
        folder = save_model(tiny_classifiers[0], ["neg", "pos"], tmp_path / "model", overwrite=True)
    finally:
        tf.get_logger().removeHandler(handler)
    assert json.loads((folder / "config.json").read_text()) == {"class_names": ["neg", "pos"]}
    assert logged == []  # tf_keras's note on the metrics of a model never compiled is dropped



def test_a_saved_temperature_and_decision_threshold_are_what_the_export_serves(tiny_classifiers,
                                                                             tmp_path):
    import tensorflow as tf

    from tfsenti import load, save_model

    model = tiny_classifiers[0]
    texts = ["a fine film", "dull and long", "it was fine, I suppose", "no", "a film"]
    logits = model(tf.constant(texts), training=False).numpy()[:, 0]
    calibrated = 1 / (1 + np.exp(-logits / 2.5))
    cut = float(np.mean(np.sort(calibrated)[1:3]))  # between the 2nd and 3rd smallest: 3 above
    folder = save_model(model, ["neg", "pos"], tmp_path / "calibrated", temperature=2.5,
                        decision_threshold=cut)
    served = load(folder).predict(texts)
    np.testing.assert_allclose(served.probabilities[:, 1], calibrated, rtol=1e-5)
    assert served.labels == ["pos" if p >= cut else "neg" for p in served.probabilities[:, 1]]
    assert served.labels.count("pos") == 3  # those above the cut, not the more probable class
    saved = json.loads((folder / "config.json").read_text())
    assert saved["temperature"] == 2.5 and saved["decision_threshold"] == cut
    assert (load(folder).temperature, load(folder).decision_threshold) == (2.5, cut)

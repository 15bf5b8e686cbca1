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


def test_save_model_refuses_an_existing_folder_unless_overwrite(tiny_classifiers, tmp_path):
    from tfsenti import ConfigError, save_model

    (tmp_path / "model").mkdir()
    with pytest.raises(ConfigError, match="model: already exists; pass overwrite"):
        save_model(tiny_classifiers[0], ["neg", "pos"], tmp_path / "model")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    folder = save_model(tiny_classifiers[0], ["neg", "pos"], tmp_path / "model", overwrite=True)
    assert json.loads((folder / "config.json").read_text()) == {"class_names": ["neg", "pos"]}


def test_a_saved_temperature_divides_the_logits_and_changes_no_label(tiny_classifiers, tmp_path):
    import tensorflow as tf

    from tfsenti import load, save_model

    model = tiny_classifiers[0]
    folder = save_model(model, ["neg", "pos"], tmp_path / "calibrated", temperature=2.5)
    texts = ["a fine film", "dull and long", "it was fine, I suppose", "no"]
    logits = model(tf.constant(texts), training=False).numpy()[:, 0]
    served = load(folder).predict(texts)
    np.testing.assert_allclose(served.probabilities[:, 1], 1 / (1 + np.exp(-logits / 2.5)),
                               rtol=1e-5)
    assert served.label_ids.tolist() == (logits > 0).astype(int).tolist()
    assert json.loads((folder / "config.json").read_text())["temperature"] == 2.5
    assert load(folder).temperature == 2.5


def test_a_decision_threshold_decides_the_served_label(tiny_classifiers, tmp_path):
    from tfsenti import load, save_model

    texts = ["a fine film", "dull and long", "no"]
    never = save_model(tiny_classifiers[0], ["neg", "pos"], tmp_path / "never",
                       decision_threshold=1.0)
    always = save_model(tiny_classifiers[0], ["neg", "pos"], tmp_path / "always",
                        decision_threshold=0.0)
    assert load(never).predict(texts).labels == ["neg"] * 3
    assert load(always).predict(texts).labels == ["pos"] * 3
    assert load(always).decision_threshold == 0.0
    np.testing.assert_allclose(load(never).predict(texts).probabilities,
                               load(always).predict(texts).probabilities, atol=1e-6)

"""The converted encoder: known answers, weight mapping, training behaviour under tf_keras."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_hub as hub
import tensorflow_text  # noqa: F401
import tf_keras as keras

from checkpoints import numpy_bert


@pytest.fixture(scope="module")
def preprocess(default_dir):
    return hub.KerasLayer(str(default_dir / "preprocess"))


def test_sentence_similarity_known_answer(default_dir, preprocess):
    """sentence-transformers README for all-MiniLM-L6-v2: mean pooling + L2 norm + cosine."""
    encoder = hub.KerasLayer(str(default_dir / "encoder"))
    inputs = preprocess(tf.constant(["The weather is lovely today.", "It's so sunny outside!",
                                     "He drove to the stadium."]))
    out = encoder(inputs)
    assert set(out) == {"pooled_output", "sequence_output", "encoder_outputs", "default"}
    assert len(out["encoder_outputs"]) == 6 and out["sequence_output"].shape == (3, 128, 384)
    mask = tf.cast(inputs["input_mask"], tf.float32)[..., None]
    mean = tf.reduce_sum(out["sequence_output"] * mask, 1) / tf.reduce_sum(mask, 1)
    unit = tf.math.l2_normalize(mean, axis=-1).numpy()
    sim = unit @ unit.T
    np.testing.assert_allclose([sim[0, 1], sim[0, 2], sim[1, 2]], [0.6660, 0.1046, 0.1411], atol=1e-4)


def test_matches_independent_numpy_float64_forward_pass(default_dir, hf_dir, preprocess):
    sentences = ["A gripping, beautifully shot film.", "meh", "Ünïcödé & emoji 😀 in 2024!"]
    inputs = preprocess(tf.constant(sentences))
    length = int(tf.reduce_max(tf.reduce_sum(inputs["input_mask"], 1)))
    inputs = {k: v[:, :length] for k, v in inputs.items()}  # any sequence length is accepted
    ours = hub.KerasLayer(str(default_dir / "encoder"))(inputs)["sequence_output"].numpy()
    ref = numpy_bert(hf_dir, inputs["input_word_ids"].numpy(), inputs["input_mask"].numpy())
    mask = inputs["input_mask"].numpy().astype(bool)
    assert np.abs(ours[mask] - ref[mask]).max() <= 1e-4


def test_dropout_only_when_training(default_dir, preprocess):
    encoder = hub.KerasLayer(str(default_dir / "encoder"), trainable=True)
    inputs = preprocess(tf.constant(["dropout check"]))
    infer = encoder(inputs, training=False)["pooled_output"]
    np.testing.assert_array_equal(encoder(inputs)["pooled_output"], infer)
    assert float(tf.reduce_max(tf.abs(encoder(inputs, training=True)["pooled_output"] - infer))) > 1e-3


def test_tutorial_classifier_trains_and_every_encoder_weight_gets_a_gradient(default_dir):
    """The TF tutorial's build_classifier_model(), verbatim in shape, on the converted handles."""
    text_input = keras.layers.Input(shape=(), dtype=tf.string, name="text")
    encoder_inputs = hub.KerasLayer(str(default_dir / "preprocess"), name="preprocessing")(text_input)
    encoder = hub.KerasLayer(str(default_dir / "encoder"), trainable=True, name="BERT_encoder")
    net = encoder(encoder_inputs)["pooled_output"]
    net = keras.layers.Dropout(0.1)(net)
    net = keras.layers.Dense(1, activation=None, name="classifier")(net)
    model = keras.Model(text_input, net)

    assert len(encoder.trainable_weights) == len(encoder.weights) == 103
    texts, labels = tf.constant(["great film", "awful film"]), tf.constant([[1.0], [0.0]])
    with tf.GradientTape() as tape:
        loss = keras.losses.BinaryCrossentropy(from_logits=True)(labels, model(texts, training=True))
    grads = tape.gradient(loss, encoder.trainable_weights)
    assert all(g is not None for g in grads)
    dense = [tf.convert_to_tensor(g) for g in grads if not isinstance(g, tf.IndexedSlices)]
    assert all(float(tf.reduce_max(tf.abs(g))) > 0 for g in dense)

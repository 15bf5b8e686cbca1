"""The `serving_default` function of an exported model: raw strings in; probabilities, label ids
and label names out.

`serving_default` takes `text`: string [None] (and `text_pair`: string [None] for a model of text
pairs) and returns `probabilities` float32 [None, C]
(sigmoid for two classes, as [1 - p, p]; softmax otherwise), `label_id` int32 [None] and `label`
string [None]; the class names are constants in the graph. The same function serves predictions
in memory right after training (`Classifier.from_model`), so they equal the exported model's.
"""

from __future__ import annotations

import tensorflow as tf


def serving_function(model, class_names: list[str]) -> tf.types.experimental.GenericFunction:
    """Wrap a logits model into the `serving_default` function of the exported SavedModel.

    Example:
        >>> from tfsenti import TrainConfig, build_classifier
        >>> serve = serving_function(build_classifier(TrainConfig(seq_len=32), 2), ["neg", "pos"])
        >>> sorted(serve(text=tf.constant(["a fine film"])))
        ['label', 'label_id', 'probabilities']
    """
    names = tf.constant(class_names)

    def outputs(logits):
        probabilities = class_probabilities(logits, len(class_names))
        label_id = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        return {"probabilities": probabilities, "label_id": label_id,
                "label": tf.gather(names, label_id)}

    text_spec = tf.TensorSpec([None], tf.string, name="text")
    if takes_pairs(model):
        @tf.function(input_signature=[text_spec, tf.TensorSpec([None], tf.string, name="text_pair")])
        def serve_pairs(text, text_pair):
            return outputs(model({"text": text, "text_pair": text_pair}, training=False))

        return serve_pairs

    @tf.function(input_signature=[text_spec])
    def serve(text):
        return outputs(model(text, training=False))

    return serve


def takes_pairs(model) -> bool:
    """Whether a classifier from `build_classifier` takes text pairs (inputs `text` and
    `text_pair`).

    Example:
        >>> from tfsenti import TrainConfig, build_classifier
        >>> takes_pairs(build_classifier(TrainConfig(seq_len=32), 2, pairs=True))
        True
    """
    return "text_pair" in model.input_names


def class_probabilities(logits: tf.Tensor, num_classes: int) -> tf.Tensor:
    """Logits [N, 1 or C] -> float32 probabilities [N, C]: sigmoid as [1 - p, p] for two classes,
    softmax otherwise.

    Example:
        >>> class_probabilities(tf.constant([[0.0]]), 2).numpy().tolist()
        [[0.5, 0.5]]
    """
    logits = tf.cast(logits, tf.float32)
    if num_classes == 2:
        positive = tf.sigmoid(logits)
        return tf.concat([1.0 - positive, positive], axis=-1)
    return tf.nn.softmax(logits, axis=-1)

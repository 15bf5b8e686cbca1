"""The `serving_default` function of an exported model: raw strings in; probabilities, label ids
and label names out.

`serving_default` takes `text`: string [None] and returns `probabilities` float32 [None, C]
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

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def serve(text):
        probabilities = class_probabilities(model(text, training=False), len(class_names))
        label_id = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        return {"probabilities": probabilities, "label_id": label_id,
                "label": tf.gather(names, label_id)}

    return serve


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

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
        logits = tf.cast(model(text, training=False), tf.float32)
        if len(class_names) == 2:
            positive = tf.sigmoid(logits)
            probabilities = tf.concat([1.0 - positive, positive], axis=-1)
        else:
            probabilities = tf.nn.softmax(logits, axis=-1)
        label_id = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        return {"probabilities": probabilities, "label_id": label_id,
                "label": tf.gather(names, label_id)}

    return serve

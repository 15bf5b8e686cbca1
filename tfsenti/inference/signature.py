"""The `serving_default` function of an exported model: raw strings in; probabilities, label ids
and label names out.

`serving_default` takes `text`: string [None] (and `text_pair`: string [None] for a model of text
pairs). A single-label model returns `probabilities` float32 [None, C] (sigmoid for two classes,
as [1 - p, p]; softmax otherwise), `label_id` int32 [None] and `label` string [None]. A
multi-label model returns `probabilities` float32 [None, C] (a sigmoid per label),
`above_threshold` bool [None, C] (each label's probability against its threshold, tuned on
validation data) and `labels` string [None]: the names above threshold joined by
`LABEL_SEPARATOR` ("" for none). A binary model with a decision threshold (`--threshold-for`)
predicts its second class where that class's probability is at or above the threshold. A
calibrated model divides its logits by its temperature (one,
or one per label; `tfsenti.evaluation.calibration`) before the probabilities, which leaves every
label as it was. Class names, thresholds and the temperature are constants in the graph. The same
function serves predictions in memory right after training (`Classifier.from_model`), so they
equal the exported model's.
"""

from __future__ import annotations

import tensorflow as tf

LABEL_SEPARATOR = ","  # between the names in a multi-label model's `labels` output
Temperature = float | list[float] | None  # one for all logits, one per label, or none (1)


def serving_function(model, class_names: list[str], thresholds: list[float] | None = None,
                     temperature: Temperature = None, decision_threshold: float | None = None,
                     with_logits: bool = False) -> tf.types.experimental.GenericFunction:
    """Wrap a logits model into the `serving_default` function of the exported SavedModel;
    `thresholds` (one per class) make it a multi-label model's, `temperature` divides the logits
    (calibration), `decision_threshold` makes a binary model predict the second class from that
    probability up (else the more probable class), `with_logits` adds the model's own `logits`
    to the outputs (to fit the temperature; exported models leave them out).

    Example:
        >>> from tfsenti import TrainConfig, build_classifier
        >>> serve = serving_function(build_classifier(TrainConfig(seq_len=32), 2), ["neg", "pos"])
        >>> sorted(serve(text=tf.constant(["a fine film"])))
        ['label', 'label_id', 'probabilities']
        >>> tagger = build_classifier(TrainConfig(seq_len=32), 3, multilabel=True)
        >>> serve = serving_function(tagger, ["awe", "joy", "fear"], [0.0, 1.0, 1.0])
        >>> out = serve(text=tf.constant(["a fine film"]))
        >>> out["above_threshold"].numpy().tolist(), out["labels"].numpy().tolist()
        ([[True, False, False]], [b'awe'])
    """
    names = tf.constant(class_names)
    multilabel = thresholds is not None
    if multilabel and len(thresholds) != len(class_names):
        raise ValueError(f"{len(thresholds)} thresholds for {len(class_names)} classes")

    def outputs(logits):
        probabilities = class_probabilities(logits, len(class_names), multilabel, temperature)
        if multilabel:
            above = probabilities >= tf.constant(thresholds, tf.float32)
            chosen = tf.ragged.boolean_mask(tf.broadcast_to(names, tf.shape(above)), above)
            result = {"probabilities": probabilities, "above_threshold": above, "labels":
                      tf.strings.reduce_join(chosen, axis=-1, separator=LABEL_SEPARATOR)}
        else:
            label_id = predicted_label_ids(probabilities, decision_threshold)
            result = {"probabilities": probabilities, "label_id": label_id,
                      "label": tf.gather(names, label_id)}
        return {**result, "logits": tf.cast(logits, tf.float32)} if with_logits else result

    text_spec = tf.TensorSpec([None], tf.string, name="text")
    if takes_pairs(model):
        @tf.function(input_signature=[text_spec, tf.TensorSpec([None], tf.string, name="text_pair")],
                     autograph=False)
        def serve_pairs(text, text_pair):
            return outputs(model({"text": text, "text_pair": text_pair}, training=False))

        return serve_pairs

    @tf.function(input_signature=[text_spec], autograph=False)
    def serve(text):
        return outputs(model(text, training=False))

    return serve


def predicted_label_ids(probabilities: tf.Tensor, decision_threshold: float | None = None
                        ) -> tf.Tensor:
    """int32 [N]: the most probable class, or with a `decision_threshold` (two classes) 1 where
    the second class's probability is at or above it.

    Example:
        >>> predicted_label_ids(tf.constant([[0.3, 0.7]]), 0.8).numpy().tolist()
        [0]
    """
    if decision_threshold is None:
        return tf.argmax(probabilities, axis=-1, output_type=tf.int32)
    return tf.cast(probabilities[:, 1] >= decision_threshold, tf.int32)


def takes_pairs(model) -> bool:
    """Whether a classifier from `build_classifier` takes text pairs (inputs `text` and
    `text_pair`).

    Example:
        >>> from tfsenti import TrainConfig, build_classifier
        >>> takes_pairs(build_classifier(TrainConfig(seq_len=32), 2, pairs=True))
        True
    """
    return "text_pair" in model.input_names


def class_probabilities(logits: tf.Tensor, num_classes: int, multilabel: bool = False,
                        temperature: Temperature = None) -> tf.Tensor:
    """Logits [N, 1 or C] -> float32 probabilities [N, C]: sigmoid as [1 - p, p] for two classes,
    softmax otherwise, a sigmoid per label for a multi-label model; of `logits / temperature`
    when a temperature (or one per label) is given.

    Example:
        >>> class_probabilities(tf.constant([[0.0]]), 2).numpy().tolist()
        [[0.5, 0.5]]
        >>> class_probabilities(tf.constant([[0.0, 0.0]]), 2, multilabel=True).numpy().tolist()
        [[0.5, 0.5]]
        >>> class_probabilities(tf.constant([[2.0, 0.0]]), 2, True, [2.0, 1.0]).numpy().round(4)
        array([[0.7311, 0.5   ]], dtype=float32)
    """
    logits = tf.cast(logits, tf.float32)
    if temperature is not None:
        logits = logits / tf.constant(temperature, tf.float32)
    if multilabel:
        return tf.sigmoid(logits)
    if num_classes == 2:
        positive = tf.sigmoid(logits)
        return tf.concat([1.0 - positive, positive], axis=-1)
    return tf.nn.softmax(logits, axis=-1)

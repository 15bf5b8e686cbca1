"""`explain`: which words made a model decide, by integrated gradients (Sundararajan et al.,
2017) on the input embeddings.

For one text, every word piece's embedding is moved along a straight line from a baseline (the
zero vector) to its own value in `steps` steps; the gradients of the predicted class's logit
(for two classes the logit itself, negated for the first class) along the way, averaged and
multiplied by the distance travelled, are the pieces' attributions, and a word's attribution is
the sum of its pieces'. They add up to how much the logit moves from the baseline to the text
(`Explanation.gap` says how closely the `steps` reach that). [CLS] and [SEP] stay as they are.

A TF-Hub encoder takes word ids, not embeddings, so the explainer rebuilds the encoder in
tf_keras from the architecture tfsenti's conversions record (`source.json` beside `encoder/`),
gives it the trained weights (matched by name) and checks that it reproduces the model's logits.
The words are the preprocessor's: lower-cased and split at punctuation for an uncased vocabulary,
word pieces joined back (`un ##believ ##able` -> `unbelievable`), cut as the model cuts long
texts (`--truncate`).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the preprocessor's ops)
import tf_keras as keras

from tfsenti.config import TrainConfig
from tfsenti.data.texts import file_lines
from tfsenti.encoders.bert import BertLayers
from tfsenti.errors import TfsentiError
from tfsenti.inference.model_folder import (CONFIG, model_folder, saved_class_names,
                                            saved_decision_threshold, saved_temperature,
                                            saved_thresholds)
from tfsenti.inference.predictor import Classifier
from tfsenti.inference.signature import Temperature, class_probabilities, predicted_label_ids
from tfsenti.modeling.classifier import Pooling
from tfsenti.modeling.rebuild import converted_architecture, converted_encoder_handles
from tfsenti.modeling.truncation import head_share

STEPS = 32


@dataclasses.dataclass
class Explanation:
    """One text's predicted `label` (with its `probability` when known), its `words` and each
    word's `attribution` to the predicted class's logit; `gap`: the attributions' sum minus the
    logit's change from the baseline (near 0 when `steps` suffice)."""

    text: str
    label: str
    words: list[str]
    attributions: list[float]
    gap: float
    probability: float | None = None

    def record(self) -> dict:
        """A JSON-ready dict (what `tfsenti explain --json` prints per text)."""
        probability = None if self.probability is None else round(self.probability, 6)
        return {"text": self.text, "label": self.label, "probability": probability,
                "words": [{"word": w, "attribution": round(a, 5)}
                          for w, a in zip(self.words, self.attributions)]}


class Explainer:
    """Integrated-gradients explanations of a trained single-label classifier (a tf_keras model
    from `train` or a model folder's) whose encoder tfsenti converted.

    Example:
        >>> explainer = Explainer.from_folder("saved_models/demo")
        >>> e = explainer.explain(["A wonderful, moving film."])[0]
        >>> e.words, e.label in explainer.class_names, abs(e.gap) < 0.1
        (['a', 'wonderful', ',', 'moving', 'film', '.'], True, True)
    """

    def __init__(self, classifier: keras.Model, class_names: list[str], encoder_dir: str | Path,
                 temperature: Temperature = None, decision_threshold: float | None = None,
                 steps: int = STEPS):
        layers = {layer.name: layer for layer in classifier.layers}
        if "window_pooling" in layers or "text_pair" in classifier.input_names:
            raise TfsentiError("explain covers models of single, truncated texts (not text pairs "
                               "or --long chunks)")
        self.class_names, self.steps = list(class_names), steps
        self.temperature, self.decision_threshold = temperature, decision_threshold
        self.to_inputs = layers["preprocess"]
        self.pooling = Pooling(layers["pooling"].get_config()["mode"])  # also for a loaded model
        self.head, self.classifier = layers["classifier"], classifier
        self.bert = _rebuilt_encoder(layers["encoder"], encoder_dir)
        preprocessor = self.to_inputs.preprocessor
        if not hasattr(preprocessor, "vocab_file"):
            raise TfsentiError("explain needs a preprocessor tfsenti converted (with its vocab.txt)")
        self.vocab = file_lines(Path(preprocessor.vocab_file.asset_path.numpy().decode())
                                .read_text(encoding="utf-8"))

    @classmethod
    def for_report(cls, model: keras.Model, classifier: Classifier, encoder_dir: str | Path
                   ) -> "Explainer | None":
        """The explainer of a model right after training (`classifier`: its `Classifier`), or
        None when explain does not cover it (multi-label, pairs, --long chunks, an encoder
        tfsenti did not convert)."""
        if classifier.multilabel or converted_architecture(encoder_dir) is None:
            return None
        try:
            return cls(model, classifier.class_names, encoder_dir, classifier.temperature,
                       classifier.decision_threshold)
        except TfsentiError:
            return None

    @classmethod
    def from_folder(cls, folder: str | Path, steps: int = STEPS) -> "Explainer":
        """The explainer of an exported model folder."""
        folder = model_folder(folder)
        if saved_thresholds(folder) is not None:
            raise TfsentiError(f"{folder}: the model is multi-label; explain covers single-label "
                               "models")
        info = json.loads((folder / CONFIG).read_text())
        handles = converted_encoder_handles(folder, info, TrainConfig.load(folder), "explain")
        return cls(keras.models.load_model(str(folder), compile=False), saved_class_names(folder),
                   handles.encoder, saved_temperature(folder), saved_decision_threshold(folder),
                   steps)

    def explain(self, texts: list[str]) -> list[Explanation]:
        """One `Explanation` per text, against the class the model predicts for it."""
        return [self._explain_one(text) for text in texts]

    def _explain_one(self, text: str) -> Explanation:
        words, word_of_piece, inputs = self._pieces(text)
        logits = self.classifier(tf.constant([text]), training=False)
        probabilities = class_probabilities(logits, len(self.class_names),
                                            temperature=self.temperature)[0]
        target = predicted_label_ids(probabilities[tf.newaxis], self.decision_threshold)[0]
        per_piece, ends = self._integrate(inputs["input_word_ids"], inputs["input_mask"],
                                          inputs["input_type_ids"],
                                          tf.constant(word_of_piece >= 0), tf.cast(target, tf.int32))
        per_piece, ends = per_piece.numpy(), ends.numpy()
        if abs(ends[1] - float(_target_logit(logits, target)[0])) > 1e-2 * max(1, abs(ends[1])):
            raise TfsentiError("the rebuilt encoder does not reproduce the model's logits; "
                               "explain cannot attribute this model")
        attributions = np.zeros(len(words))
        np.add.at(attributions, word_of_piece[word_of_piece >= 0], per_piece[word_of_piece >= 0])
        return Explanation(text, self.class_names[int(target)], words, attributions.tolist(),
                           float(attributions.sum() - (ends[1] - ends[0])),
                           float(probabilities[target]))

    def _pieces(self, text: str) -> tuple[list[str], np.ndarray, dict[str, tf.Tensor]]:
        """(the words the model reads, the word of each packed position (-1 for [CLS], [SEP]),
        the packed inputs [1, L]) of `text`, cut as the model cuts it."""
        cut = self.to_inputs.get_config()  # a loaded model's layer keeps its settings there
        words = self.to_inputs.preprocessor.tokenize(tf.constant([text]))[0].to_list()
        word_of_piece = np.repeat(np.arange(len(words)), [len(w) for w in words])
        ids = np.array([i for word in words for i in word], np.int64)
        budget = cut["seq_len"] - 2
        if len(ids) > budget:  # cut as `truncate_pieces` cuts: the first `head`, then the tail
            head = head_share(budget, cut["truncate"])
            kept = np.r_[np.arange(head), np.arange(len(ids) - (budget - head), len(ids))]
            ids, word_of_piece = ids[kept], word_of_piece[kept]
        inputs = self.to_inputs(tf.constant([text]))
        if not np.array_equal(inputs["input_word_ids"].numpy()[0, 1:-1], ids):
            raise TfsentiError("explain could not line the model's word pieces up with words")
        used = sorted(set(word_of_piece.tolist()))  # words the cut leaves out get no attribution
        shown = ["".join(self.vocab[i][2:] if k and self.vocab[i].startswith("##") else
                         self.vocab[i] for k, i in enumerate(words[w])) for w in used]
        where = {w: n for n, w in enumerate(used)}
        return shown, np.r_[-1, [where[w] for w in word_of_piece], -1].astype(int), inputs

    @tf.function(input_signature=[tf.TensorSpec([1, None], tf.int32)] * 3 + [  # traced once
        tf.TensorSpec([None], tf.bool), tf.TensorSpec([], tf.int32)], autograph=False)
    def _integrate(self, word_ids: tf.Tensor, mask: tf.Tensor, type_ids: tf.Tensor,
                   content: tf.Tensor, target: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """(each packed position's attribution [L], the target logit at the baseline and at the
        text [2]) for one text's packed inputs [1, L]; `content` [L]: the positions to move."""
        vectors = tf.gather(self.bert.embeddings.word_embeddings.embeddings, word_ids)  # [1, L, H]
        baseline = vectors * (1 - tf.cast(content, vectors.dtype)[tf.newaxis, :, tf.newaxis])
        alphas = tf.reshape((tf.range(self.steps, dtype=vectors.dtype) + 0.5) / self.steps,
                            [-1, 1, 1])
        path = baseline + alphas * (vectors - baseline)  # [steps, L, H]
        with tf.GradientTape() as tape:
            tape.watch(path)
            scores = self._score(path, mask, type_ids, target)
        gradients = tf.reduce_mean(tape.gradient(scores, path), axis=0)  # [L, H]
        ends = self._score(tf.concat([baseline, vectors], 0), mask, type_ids, target)
        return tf.reduce_sum(gradients * (vectors[0] - baseline[0]), axis=-1), ends

    def _score(self, vectors: tf.Tensor, mask: tf.Tensor, type_ids: tf.Tensor,
               target: tf.Tensor) -> tf.Tensor:
        """The target class's logit for word-piece embeddings [N, L, H] of one text's inputs
        (`mask`, `type_ids` [1, L])."""
        count = tf.shape(vectors)[0]
        mask, type_ids = tf.repeat(mask, count, axis=0), tf.repeat(type_ids, count, axis=0)
        embeddings = self.bert.embeddings
        length = tf.shape(vectors)[1]
        x = (vectors + embeddings.token_type_embeddings(type_ids)
             + embeddings.position_embeddings[tf.newaxis, :length])
        x = self.bert.run(embeddings.layer_norm(x), mask)[-1]
        outputs = {"sequence_output": x, "pooled_output": self.bert.pooler(x[:, 0])}
        return _target_logit(self.head(self.pooling(outputs, mask)), target)


def _target_logit(logits: tf.Tensor, target: tf.Tensor) -> tf.Tensor:
    """[N]: the logit of class `target` (a binary model's one logit, negated for class 0)."""
    if logits.shape[-1] == 1:
        return tf.where(tf.equal(target, 1), logits[:, 0], -logits[:, 0])
    return tf.gather(logits, target, axis=1)


def _rebuilt_encoder(encoder: keras.layers.Layer, encoder_dir: str | Path) -> BertLayers:
    """The trained TF-Hub `encoder` layer's layers rebuilt in tf_keras (float32) with its
    weights: created by one eager pass on a two-token input, not a functional model's tracing."""
    bert = BertLayers.of(converted_architecture(encoder_dir))
    ids = tf.zeros([1, 2], tf.int32)
    bert.pooler(bert.run(bert.embeddings(ids, ids), tf.ones_like(ids))[-1][:, 0])
    trained = {w.name: w for w in encoder.weights}
    if sorted(trained) != sorted(w.name for w in bert.weights):
        raise TfsentiError("the model's encoder weights do not match its recorded architecture")
    for variable in bert.weights:
        variable.assign(tf.cast(trained[variable.name], variable.dtype))
    return bert

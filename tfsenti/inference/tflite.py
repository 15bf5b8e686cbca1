"""TFLite export: one `.tflite` file that takes raw strings, the tokenizer inside.

The file's `serving_default` signature takes `text`: string [N] and returns `probabilities`
float32 [N, C] and `label_id` int32 [N], like the SavedModel's. Its class names and how it was
made are in a JSON file beside it (`FILE.json`). Inside, texts go through the two
tensorflow_text ops that have TFLite kernels, `FastBertNormalize` (with a character table built
from the SavedModel's own normalisation, `tfsenti.encoders.fast_normalizer`) and
`FastWordpieceTokenize`; truncation (`--truncate`), [CLS]/[SEP] and padding to the longest text
of the batch are written in TFLite builtin ops, and so is the encoder. The token ids are the
SavedModel's, so `none` gives its probabilities up to float rounding.

An interpreter needs tensorflow_text's kernels for the two custom ops: in Python
`tensorflow_text.tflite_registrar.SELECT_TFTEXT_OPS` (what `load_tflite` uses), on Android and
iOS the TF Text TFLite ops library. No TensorFlow (Flex) ops are needed.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import tensorflow as tf
import tensorflow_text as text
import tf_keras as keras

from tfsenti._startup import native_stderr_silenced
from tfsenti.data.texts import LabeledTexts, file_lines
from tfsenti.encoders.bert import INPUT_NAMES
from tfsenti.encoders.fast_normalizer import fast_normalizer
from tfsenti.errors import ConfigError, TfsentiError
from tfsenti.inference.accuracy_guard import guarded_check
from tfsenti.inference.model_folder import (model_folder, saved_class_names,
                                            saved_decision_threshold, saved_temperature,
                                            saved_thresholds)
from tfsenti.inference.predictor import Classifier, load
from tfsenti.inference.signature import class_probabilities, predicted_label_ids, takes_pairs
from tfsenti.modeling.classifier import packed_inputs_model
from tfsenti.modeling.truncation import head_share

QUANTIZE = ("none", "dynamic", "float16")
# Texts on which normalisers differ (case folding, compatibility forms, accents, controls,
# CJK, long words): the TFLite tokenizer must give the SavedModel's ids for each.
TOKEN_PROBE = ["Caf\u00e9 \ufb01ne \uff21\uff22\uff23 \u00bd\u2026 \u2167 \u03a3\u039f\u03a3",
               "d\u00e9j\u00e0-vu\tA\u030a\u200b\x07 \u65e5\u672c\u8a9e \U0001f600 " + "x" * 120,
               "The MOVIE wasn't great!!! 10/10 \u00e7a va"]


class StringModel(tf.Module):
    """An exported model's classifier rebuilt on TFLite-convertible text ops.

    Args:
        folder: an exported tfsenti model folder.

    Example:
        >>> module = StringModel("saved_models/demo")
        >>> sorted(module.serve(tf.constant(["a fine film"])))
        ['label_id', 'probabilities']
    """

    def __init__(self, folder: str | Path):
        super().__init__(name="tfsenti_tflite")
        folder = model_folder(folder)
        self.class_names = saved_class_names(folder)
        self.temperature = saved_temperature(folder)
        self.decision_threshold = saved_decision_threshold(folder)
        if saved_thresholds(folder) is not None:
            raise TfsentiError(f"{folder}: the model is multi-label; TFLite export covers "
                               "single-label models (serve it with the SavedModel)")
        classifier = keras.models.load_model(str(folder), compile=False)
        if takes_pairs(classifier):
            raise TfsentiError(f"{folder}: the model takes text pairs; TFLite export covers "
                               "single-text models (serve pairs with the SavedModel)")
        to_inputs = classifier.get_layer("preprocess")  # a TextToBertInputs
        layer_config = to_inputs.get_config()
        if layer_config.get("windows") is not None:
            raise TfsentiError(f"{folder}: the model reads long texts in windows (--long chunks); "
                               "TFLite export covers truncated texts (serve it with the "
                               "SavedModel)")
        self.seq_len, self.truncate = layer_config["seq_len"], layer_config["truncate"]
        preprocessor = to_inputs.preprocessor
        if not hasattr(preprocessor, "vocab_file"):
            raise TfsentiError(f"{folder}: its preprocessor is not one tfsenti converted (no "
                               "vocab_file); TFLite export needs tfsenti's own preprocessor")
        vocab_file = Path(preprocessor.vocab_file.asset_path.numpy().decode())
        vocab = file_lines(vocab_file.read_text(encoding="utf-8"))
        self.cls_id, self.sep_id, self.pad_id = (vocab.index(t) for t in ("[CLS]", "[SEP]", "[PAD]"))
        # An uncased preprocessor gives "A" the id of "a".
        probe = preprocessor.tokenize(tf.constant(["A", "a"])).flat_values.numpy()
        self.lower_case = bool(len(probe) == 2 and probe[0] == probe[1])
        self.normalizer = fast_normalizer(self.lower_case)
        self.tokenizer = text.FastWordpieceTokenizer(
            vocab=vocab, token_out_type=tf.int32, unknown_token="[UNK]",
            no_pretokenization=False, support_detokenization=False)
        self.logits = packed_inputs_model(classifier)
        probe = tf.constant(TOKEN_PROBE)
        ours, theirs = self.encoder_inputs(probe), to_inputs(probe)
        if not all(np.array_equal(ours[name], theirs[name]) for name in INPUT_NAMES):
            raise TfsentiError(f"{folder}: its preprocessor splits text differently from the "
                               "TFLite tokenizer; TFLite export needs tfsenti's own preprocessor")

    def pack(self, tokens: tf.RaggedTensor) -> dict[str, tf.Tensor]:
        """Word pieces ragged [N, (pieces)] -> encoder inputs [N, L], cut as `truncate` says and
        padded to the longest row, in dense ops (what `TextToBertInputs` does with ragged ops)."""
        values = tf.concat([tokens.values, [self.pad_id]], axis=0)  # gathers stay in range
        starts = tf.cast(tokens.row_splits[:-1], tf.int32)[:, tf.newaxis]
        lengths = tf.cast(tokens.row_splits[1:], tf.int32)[:, tf.newaxis] - starts
        budget = self.seq_len - 2
        kept = tf.minimum(lengths, budget)
        width = tf.reduce_max(kept) + 2
        piece = tf.range(width)[tf.newaxis, :] - 1  # position among the kept pieces
        skipped = tf.where(piece >= head_share(budget, self.truncate),
                           tf.maximum(lengths - budget, 0), 0)
        is_piece = (piece >= 0) & (piece < kept)
        source = tf.where(is_piece, starts + piece + skipped, tf.size(values) - 1)
        ids = tf.where(is_piece, tf.gather(values, source), self.pad_id)
        ids = tf.where(piece == -1, self.cls_id, tf.where(piece == kept, self.sep_id, ids))
        mask = tf.cast(piece <= kept, tf.int32)
        return dict(zip(INPUT_NAMES, (ids, mask, tf.zeros_like(ids))))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")], autograph=False)
    def encoder_inputs(self, text):
        """Raw strings [N] -> the encoder inputs the SavedModel's preprocessor gives them."""
        return self.pack(self.tokenizer.tokenize(self.normalizer.normalize(text)))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")], autograph=False)
    def serve(self, text):
        """Raw strings [N] -> `probabilities` [N, C] and `label_id` [N]."""
        probabilities = class_probabilities(self.logits(self.encoder_inputs(text), training=False),
                                            len(self.class_names), temperature=self.temperature)
        return {"probabilities": probabilities,
                "label_id": predicted_label_ids(probabilities, self.decision_threshold)}


def convert(module: StringModel, quantize: str = "none") -> bytes:
    """The TFLite flatbuffer of `module.serve`: builtin ops plus the two TF Text custom ops;
    `dynamic` stores weights in int8, `float16` in float16."""
    if quantize not in QUANTIZE:
        raise ConfigError(f"{{quantize}} must be one of {', '.join(QUANTIZE)} (got {quantize!r})",
                          ["quantize"])
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [module.serve.get_concrete_function()], module)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    converter.allow_custom_ops = True  # FastBertNormalize, FastWordpieceTokenizeWithOffsets
    if quantize != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        converter.target_spec.supported_types = [tf.float16]
    with native_stderr_silenced():  # the converter logs each pass and the custom ops it keeps
        return converter.convert()


def sidecar(path: str | Path) -> Path:
    """The JSON file beside a `.tflite` file: class names, how it was made, its accuracy check."""
    return Path(str(path) + ".json")


def interpreter_classifier(model: bytes | Path, class_names: list[str],
                           num_threads: int | None = None, temperature: float | None = None,
                           decision_threshold: float | None = None) -> Classifier:
    """A `Classifier` running a TFLite flatbuffer (bytes or a file) in LiteRT's interpreter
    (`ai-edge-litert`; TensorFlow's `tf.lite.Interpreter` is deprecated), with tensorflow_text's
    kernels for its custom ops."""
    from ai_edge_litert.interpreter import InterpreterWithCustomOps
    from tensorflow_text import tflite_registrar

    source = {"model_path": str(model)} if isinstance(model, Path) else {"model_content": model}
    try:
        with native_stderr_silenced():  # "Created TensorFlow Lite XNNPACK delegate for CPU"
            interpreter = InterpreterWithCustomOps(
                custom_op_registerers=tflite_registrar.SELECT_TFTEXT_OPS,
                num_threads=num_threads, **source)
            runner = interpreter.get_signature_runner("serving_default")
            runner(text=np.asarray([b"warm up"], dtype=object))  # unresolved ops fail here
    except (ValueError, RuntimeError) as err:
        reason = " ".join(str(err).split())[:200]
        raise TfsentiError(f"{model if isinstance(model, Path) else 'the converted model'}: "
                           f"the TFLite interpreter cannot run it ({reason})") from None

    def serve(text: tf.Tensor) -> dict[str, np.ndarray]:
        return runner(text=text.numpy())

    return Classifier(serve, class_names, owner=interpreter, temperature=temperature,
                      decision_threshold=decision_threshold)


def export_tflite(model_dir: str | Path, out: str | Path, quantize: str = "none",
                  overwrite: bool = False, check_data: LabeledTexts | None = None,
                  max_drop: float = 0.5, progress: bool = False) -> Path:
    """Convert an exported model folder into one `.tflite` file, plus `FILE.json`.

    With `check_data`, the file is scored against the model on those texts first and not written
    (`AccuracyDropError`) if its accuracy is more than `max_drop` points lower.

    Example:
        >>> export_tflite("saved_models/demo", "demo.tflite", overwrite=True)
        PosixPath('demo.tflite')
        >>> load_tflite("demo.tflite").predict(["a fine film"]).probabilities.shape
        (1, 2)
    """
    out = Path(out)
    if out.exists() and not overwrite:
        raise ConfigError(f"{out}: already exists; pass {{overwrite}} to replace it", ["overwrite"])
    module = StringModel(model_dir)
    flatbuffer = convert(module, quantize)
    exported = interpreter_classifier(flatbuffer, module.class_names,
                                      temperature=module.temperature,
                                      decision_threshold=module.decision_threshold)
    info = {"class_names": module.class_names, "source": str(model_dir), "quantize": quantize,
            "seq_len": module.seq_len, "truncate": module.truncate,
            "temperature": module.temperature, "decision_threshold": module.decision_threshold}
    if check_data is not None:
        info["check"] = guarded_check(out, load(model_dir), exported, check_data, max_drop,
                                      f"--quantize {quantize}", progress)
    return write_tflite(flatbuffer, info, out, overwrite)


def write_tflite(flatbuffer: bytes, info: dict, out: Path, overwrite: bool = False) -> Path:
    """Write `out` and its sidecar JSON, each complete or not at all (written beside, then
    renamed)."""
    if out.exists() and not overwrite:
        raise ConfigError(f"{out}: already exists; pass {{overwrite}} to replace it", ["overwrite"])
    made = [p for p in [out.parent, *out.parent.parents] if not p.exists()]
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        (staging / "model.tflite").write_bytes(flatbuffer)
        (staging / "model.json").write_text(json.dumps(info, indent=2))
        os.replace(staging / "model.json", sidecar(out))
        os.replace(staging / "model.tflite", out)
    except OSError:
        sidecar(out).unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for parent in made if not out.exists() else []:
            parent.rmdir()
    return out


def load_tflite(path: str | Path, num_threads: int | None = None) -> Classifier:
    """A `Classifier` for a `.tflite` file from `export_tflite` (class names from `FILE.json`).

    Example:
        >>> load_tflite("demo.tflite").class_names
        ['neg', 'pos']
    """
    path = Path(path)
    if not path.is_file():
        raise TfsentiError(f"{path}: no such file")
    if not sidecar(path).is_file():
        raise TfsentiError(f"{sidecar(path)}: no such file (the class names of {path.name}); "
                           "export the model again")
    info = json.loads(sidecar(path).read_text())
    return interpreter_classifier(path, info["class_names"], num_threads, info.get("temperature"),
                                  info.get("decision_threshold"))

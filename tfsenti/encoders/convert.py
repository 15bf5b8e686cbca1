"""Hugging Face BERT checkpoint -> two TF-Hub reusable SavedModels (`preprocess`, `encoder`).

Reads `config.json`, `model.safetensors` (with numpy: no torch), `vocab.txt` and, when present,
`tokenizer_config.json` (for `do_lower_case`). Everything is checked before anything is written;
the output is staged beside `out_dir` and renamed into place when complete, so a failed
conversion never leaves `out_dir` behind.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import numpy as np
import tensorflow as tf

from tfsenti._staging import StagedFolder
from tfsenti.data.texts import file_lines
from tfsenti.encoders.bert import BertConfig, build_bert_encoder, save_encoder
from tfsenti.encoders.preprocess import BertPreprocessor
from tfsenti.errors import ConfigError, ConversionError
from tfsenti.option_checks import in_range
from tfsenti.precision import precision_policy

log = logging.getLogger(__name__)

SUPPORTED_ACTIVATIONS = ("gelu",)  # Hugging Face "gelu" is the exact erf form.


def read_hf_config(hf_dir: Path) -> dict:
    """Load and validate `config.json` of a BERT-architecture checkpoint."""
    path = hf_dir / "config.json"
    if not hf_dir.is_dir():
        raise ConversionError(f"{hf_dir}: not a folder")
    if not path.is_file():
        raise ConversionError(f"{path}: missing; a Hugging Face checkpoint folder has config.json")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ConversionError(f"{path}: not valid JSON ({err})") from None
    model_type = config.get("model_type")
    if model_type != "bert":
        raise ConversionError(
            f"{path}: model_type {model_type!r} is not supported; tfsenti converts BERT-architecture "
            "checkpoints (model_type 'bert')")
    activation = config.get("hidden_act", "gelu")
    if activation not in SUPPORTED_ACTIVATIONS:
        raise ConversionError(
            f"{path}: hidden_act {activation!r} is not supported; supported: {SUPPORTED_ACTIVATIONS}")
    position = config.get("position_embedding_type", "absolute")
    if position != "absolute":
        raise ConversionError(
            f"{path}: position_embedding_type {position!r} is not supported; only 'absolute'")
    return config


def read_lower_case(hf_dir: Path) -> bool:
    """`do_lower_case` from tokenizer_config.json; True (the BertTokenizer default) if absent."""
    path = hf_dir / "tokenizer_config.json"
    if not path.is_file():
        return True
    return bool(json.loads(path.read_text(encoding="utf-8")).get("do_lower_case", True))


def read_weights(hf_dir: Path) -> dict[str, np.ndarray]:
    """Tensors of `model.safetensors` as numpy arrays, with any leading `bert.` prefix removed."""
    from safetensors.numpy import load_file

    path = hf_dir / "model.safetensors"
    if not path.is_file():
        if (hf_dir / "pytorch_model.bin").is_file():
            raise ConversionError(
                f"{hf_dir}: has pytorch_model.bin but no model.safetensors; tfsenti reads safetensors "
                "only (no torch). Re-save it with transformers' save_pretrained(dir, "
                "safe_serialization=True)")
        raise ConversionError(f"{path}: missing")
    try:
        tensors = load_file(str(path))
    except Exception as err:  # safetensors raises its own error types for damaged files
        raise ConversionError(f"{path}: unreadable safetensors file ({err})") from None
    return {name.removeprefix("bert."): value for name, value in tensors.items()}


def _hf_layer_weights(prefix: str, tensors: dict[str, np.ndarray], dense: bool) -> list[np.ndarray]:
    """[kernel, bias] of a Dense (HF weights are [out, in]) or [gamma, beta] of a LayerNorm."""
    names = (f"{prefix}.weight", f"{prefix}.bias")
    missing = [n for n in names if n not in tensors]
    if missing:
        raise ConversionError(f"model.safetensors: missing tensor {missing[0]!r}")
    weight, bias = (tensors[n] for n in names)
    return [weight.T if dense else weight, bias]


def assign_hf_weights(encoder, config: BertConfig, tensors: dict[str, np.ndarray]) -> None:
    """Copy Hugging Face BERT tensors into a model from `build_bert_encoder(config)`."""
    def dense(p):
        return _hf_layer_weights(p, tensors, dense=True)

    def norm(p):
        return _hf_layer_weights(p, tensors, dense=False)

    def table(name):
        if name not in tensors:
            raise ConversionError(f"model.safetensors: missing tensor {name!r}")
        return tensors[name]

    emb = encoder.get_layer("embeddings")
    emb.word_embeddings.set_weights([table("embeddings.word_embeddings.weight")])
    emb.token_type_embeddings.set_weights([table("embeddings.token_type_embeddings.weight")])
    emb.position_embeddings.assign(table("embeddings.position_embeddings.weight"))
    emb.layer_norm.set_weights(norm("embeddings.LayerNorm"))
    for i in range(config.num_layers):
        block = encoder.get_layer(f"transformer_layer_{i}")
        hf = f"encoder.layer.{i}"
        block.query.set_weights(dense(f"{hf}.attention.self.query"))
        block.key.set_weights(dense(f"{hf}.attention.self.key"))
        block.value.set_weights(dense(f"{hf}.attention.self.value"))
        block.attention_output.set_weights(dense(f"{hf}.attention.output.dense"))
        block.attention_layer_norm.set_weights(norm(f"{hf}.attention.output.LayerNorm"))
        block.intermediate.set_weights(dense(f"{hf}.intermediate.dense"))
        block.output_dense.set_weights(dense(f"{hf}.output.dense"))
        block.output_layer_norm.set_weights(norm(f"{hf}.output.LayerNorm"))
    if "pooler.dense.weight" in tensors:
        encoder.get_layer("pooler").set_weights(dense("pooler.dense"))
    else:
        log.warning("model.safetensors has no pooler; pooled_output uses a freshly initialised pooler")


@dataclasses.dataclass
class Checkpoint:
    """A Hugging Face BERT checkpoint, read and checked: sizes, weights, vocabulary, casing."""

    folder: Path
    hf_config: dict
    config: BertConfig
    tensors: dict[str, np.ndarray]
    vocab_file: Path
    lower_case: bool


def read_checkpoint(hf_dir: str | Path) -> Checkpoint:
    """Read and check everything a conversion needs, before anything is written."""
    hf_dir = Path(hf_dir)
    hf_config = read_hf_config(hf_dir)
    vocab_file = hf_dir / "vocab.txt"
    if not vocab_file.is_file():
        raise ConversionError(f"{vocab_file}: missing; the WordPiece vocabulary is needed")
    config = BertConfig.from_hf(hf_config)
    tensors = read_weights(hf_dir)
    vocab = file_lines(vocab_file.read_text(encoding="utf-8"))
    for special in ("[PAD]", "[UNK]", "[CLS]", "[SEP]"):
        if special not in vocab:
            raise ConversionError(f"{vocab_file}: has no {special} token")
    if len(vocab) != config.vocab_size:
        raise ConversionError(
            f"{vocab_file}: {len(vocab)} tokens but config.json says vocab_size {config.vocab_size}")
    return Checkpoint(hf_dir, hf_config, config, tensors, vocab_file, read_lower_case(hf_dir))


def write_tfhub_models(checkpoint: Checkpoint, folder: Path, precision: str = "float32",
                       attention_dropout: float | None = None) -> None:
    """Write `folder/encoder`, `folder/preprocess` and `folder/source.json` (`folder` exists);
    `attention_dropout`, if given, replaces the checkpoint's rate."""
    config = checkpoint.config
    if attention_dropout is not None:
        config = dataclasses.replace(config, attention_dropout=attention_dropout)
    with precision_policy(precision):
        encoder = build_bert_encoder(config)
    assign_hf_weights(encoder, config, checkpoint.tensors)
    save_encoder(encoder, folder / "encoder")
    preprocessor = BertPreprocessor(checkpoint.vocab_file, lower_case=checkpoint.lower_case)
    tf.saved_model.save(preprocessor, str(folder / "preprocess"))
    (folder / "source.json").write_text(json.dumps(
        {"source": str(checkpoint.folder.resolve()), "hf_config": checkpoint.hf_config,
         "lower_case": checkpoint.lower_case, "precision": precision,
         "attention_dropout": config.attention_dropout}, indent=2))


def convert_checkpoint(hf_dir: str | Path, out_dir: str | Path, precision: str = "float32",
                       attention_dropout: float | None = None) -> Path:
    """Convert a Hugging Face BERT checkpoint into `out_dir/preprocess` and `out_dir/encoder`.

    Args:
        hf_dir: folder with config.json (model_type bert), model.safetensors and vocab.txt.
        out_dir: folder to create; must not exist yet.
        precision: the Keras dtype policy the encoder computes in (`float32`, `mixed_float16`,
            `mixed_bfloat16`); its variables are float32 in every case.
        attention_dropout: the dropout rate on attention probabilities during training, instead
            of the checkpoint's `attention_probs_dropout_prob` (usually 0.1). At 0, with
            `mixed_bfloat16` on a CPU with AMX, training takes 1.5x the steps of float32 in the
            same minutes, against 1.15x for either change alone; with AVX512_BF16 (no AMX) 1.65x,
            against 1.21x for float32 at 0 (see BENCHMARKS.md).

    Returns:
        `out_dir`, holding two SavedModels loadable with `hub.KerasLayer`.

    Raises:
        ConversionError: on any unusable input; `out_dir` is then left absent.

    Example:
        >>> import shutil, tensorflow as tf, tensorflow_hub as hub, tensorflow_text
        >>> from tfsenti.encoders.default import checkpoint_dir  # the bundled all-MiniLM-L6-v2
        >>> shutil.rmtree("minilm_tfhub", ignore_errors=True)
        >>> out = convert_checkpoint(checkpoint_dir(), "minilm_tfhub")
        >>> encoder = hub.KerasLayer(str(out / "encoder"), trainable=True)
        >>> hub.load(str(out / "preprocess"))(tf.constant(["a fine film"]))["input_word_ids"].shape
        TensorShape([1, 128])
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        raise ConversionError(f"{out_dir}: already exists; choose a new output folder")
    rate = in_range(0, 1)  # the check of TrainConfig's dropout rates
    if attention_dropout is not None and not rate.ok(attention_dropout):
        raise ConfigError(f"{{attention_dropout}} must be {rate.phrase} (got {attention_dropout})",
                          ["attention_dropout"])
    checkpoint = read_checkpoint(hf_dir)
    with StagedFolder(out_dir, private=True) as stage:
        write_tfhub_models(checkpoint, stage.path, precision, attention_dropout)
    return out_dir

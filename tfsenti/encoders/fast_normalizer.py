"""`text.FastBertNormalizer` models that normalise exactly as `preprocess.normalize` does.

TFLite has kernels for tensorflow_text's `FastBertNormalize` and `FastWordpieceTokenize`, not
for the regex and ICU ops of the SavedModel's preprocessor. The stock `FastBertNormalizer`
lower-cases with NFKC case folding, so it maps ligatures, full-width letters, superscripts and
'…' to other word pieces than the Hugging Face tokenizer of the checkpoint (1,414 of the 2,000
varied test sentences differ). Its model, though, is only a table from each character to its
replacement: this module fills that table from `normalize` itself, run on every Unicode
character. `normalize` works one character at a time, so the table reproduces it on any text.

Example:
    >>> normalizer = text.FastBertNormalizer(model_buffer=normalizer_model(lower_case=True))
    >>> normalizer.normalize(tf.constant(["\\ufb01ne Caf\\u00e9\\u2026"])).numpy()
    array([b'\\xef\\xac\\x81ne cafe\\xe2\\x80\\xa6'], dtype=object)
"""

from __future__ import annotations

import functools

import flatbuffers
import numpy as np
import tensorflow as tf
import tensorflow_text as text

from tfsenti.encoders.darts_trie import build_trie
from tfsenti.encoders.preprocess import normalize

# The encoding of a table entry (tensorflow_text/core/kernels/fast_bert_normalizer.h).
_CHANGED = 0x40000000
_LENGTH_BITS = 6
_MAX_LENGTH = (1 << _LENGTH_BITS) - 1
_MAX_POOL_OFFSET = (1 << (32 - 2 - _LENGTH_BITS)) - 1


def _all_characters() -> list[str]:
    return [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]


@functools.lru_cache(maxsize=2)
def normalizer_model(lower_case: bool) -> bytes:
    """A `FastBertNormalizerModel` flatbuffer whose character table is `normalize(c, lower_case)`
    for every Unicode character `c` (a few seconds to build; cached per process)."""
    characters = _all_characters()
    replaced = normalize(tf.constant(characters), lower_case).numpy()
    pool, offsets, entries, zero = bytearray(), {}, {}, 0
    for character, replacement in zip(characters, replaced):
        key = character.encode("utf-8")
        if replacement == key:
            continue
        if len(replacement) > _MAX_LENGTH:
            raise ValueError(f"U+{ord(character):04X} normalises to {len(replacement)} bytes")
        if replacement and replacement not in offsets:
            offsets[replacement] = len(pool)
            pool += replacement
        data = _CHANGED | len(replacement) | (offsets.get(replacement, 0) << _LENGTH_BITS)
        if character == "\0":
            zero = data
        else:
            entries[key] = data
    if len(pool) > _MAX_POOL_OFFSET:
        raise ValueError("normalised strings exceed the pool's offset range")
    return _flatbuffer(lower_case, build_trie(entries), zero, bytes(pool))


def _flatbuffer(lower_case: bool, trie: np.ndarray, zero: int, pool: bytes) -> bytes:
    """Serialise table FastBertNormalizerModel { lower_case_nfd_strip_accents: bool;
    trie_array: [uint32]; data_for_codepoint_zero: int32; normalized_string_pool: [ubyte] }."""
    builder = flatbuffers.Builder(len(pool) + 4 * len(trie) + 64)
    pool_vector = builder.CreateNumpyVector(np.frombuffer(pool, dtype=np.uint8))
    trie_vector = builder.CreateNumpyVector(trie.astype(np.uint32))
    builder.StartObject(4)
    builder.PrependUOffsetTRelativeSlot(3, pool_vector, 0)
    builder.PrependInt32Slot(2, zero, 0)
    builder.PrependUOffsetTRelativeSlot(1, trie_vector, 0)
    builder.PrependBoolSlot(0, lower_case, False)
    builder.Finish(builder.EndObject())
    return bytes(builder.Output())


def fast_normalizer(lower_case: bool) -> text.FastBertNormalizer:
    """A `text.FastBertNormalizer` (TFLite-convertible) equal to `normalize(..., lower_case)`."""
    return text.FastBertNormalizer(model_buffer=normalizer_model(lower_case))

"""The BERT text preprocessor (WordPiece via tensorflow_text), with the TF-Hub interface.

Like the public `bert_en_uncased_preprocess`, the saved module is callable on a 1-D string tensor
(-> int32 `input_word_ids`, `input_mask`, `input_type_ids` of shape [batch, 128]) and exposes
`tokenize` (strings -> ragged [batch, words, wordpieces]) and
`bert_pack_inputs(segments, seq_length)` (1 or 2 segments, round-robin truncation).

Text normalisation follows the Hugging Face `BertNormalizer` (the reference for checkpoints
converted from there): control characters dropped, whitespace unified, then, for uncased
vocabularies, per-character lower casing, NFD and removal of combining marks. tensorflow_text's
own `lower_case=True` uses NFKC case folding instead, which maps e.g. full-width letters and
ligatures to ASCII and so disagrees with the checkpoint's tokenizer (the tests hold the two to
equal ids on 2,000 varied sentences).

The saved graph uses core TensorFlow ops plus three tensorflow_text ops that TF Serving has linked
since TF Text 2.x (`NormalizeUTF8`, `RegexSplitWithOffsets`, `WordpieceTokenizeWithOffsets`);
packing (`pack_segments`: round-robin truncation, [CLS]/[SEP], padding) is written in core ops
rather than with `text.RoundRobinTrimmer`, whose `TFText>RoundRobinTrim` op older model servers
lack (see `tfsenti.inference.serving`), and `text.combine_segments`/`text.pad_model_inputs`,
whose ragged ops make the graph 5x larger.
"""

from __future__ import annotations

from pathlib import Path

import tensorflow as tf
import tensorflow_text as text

from tfsenti.data.texts import file_lines

DEFAULT_SEQ_LENGTH = 128
RAGGED_TOKENS = tf.RaggedTensorSpec([None, None, None], tf.int32, ragged_rank=2)


def _special_id(vocab: list[str], token: str) -> int:
    return vocab.index(token)


def normalize(texts: tf.Tensor, lower_case: bool) -> tf.Tensor:
    """The text normalisation of Hugging Face's `BertNormalizer`, one character at a time: NUL,
    U+FFFD and control/format characters dropped, whitespace made a space; for uncased
    vocabularies also lower-cased, NFD-decomposed and stripped of combining marks.

    Example:
        >>> normalize(tf.constant(["Caf\u00e9\tNA\u00cfVE\u200b"]), lower_case=True).numpy()
        array([b'cafe naive'], dtype=object)
    """
    texts = tf.strings.regex_replace(texts, r"[\t\n\r\p{Zs}]", " ")
    texts = tf.strings.regex_replace(texts, r"[\x{0}\x{FFFD}\p{Cc}\p{Cf}]", "")
    if lower_case:
        # ICU lowers a word-final capital sigma to 'ς'; Hugging Face always to 'σ'.
        texts = tf.strings.regex_replace(texts, "\u03a3", "\u03c3")
        texts = tf.strings.lower(texts, encoding="utf-8")
        texts = text.normalize_utf8(texts, "NFD")
        texts = tf.strings.regex_replace(texts, r"\p{Mn}", "")
    return texts


def round_robin_lengths(lengths: list[tf.Tensor], max_length) -> list[tf.Tensor]:
    """How many tokens of each of 1 or 2 segments (token counts [batch] each) fit `max_length`
    tokens per row in all, taking tokens from each segment in turn (the rule of
    `text.RoundRobinTrimmer`).

    Example:
        >>> [k.numpy().tolist() for k in round_robin_lengths([tf.constant([6]), tf.constant([2])], 5)]
        [[3], [2]]
    """
    budget = tf.cast(max_length, lengths[0].dtype)
    if len(lengths) == 1:
        return [tf.minimum(lengths[0], budget)]
    first = tf.minimum(lengths[0], tf.maximum((budget + 1) // 2, budget - lengths[1]))
    return [first, tf.minimum(lengths[1], budget - first)]


def pack_segments(segments: list[tf.RaggedTensor], seq_length, cls_id: int, sep_id: int,
                  pad_id: int) -> dict[str, tf.Tensor]:
    """1 or 2 segments of word pieces (ragged [batch, words, pieces] or [batch, pieces, 1]) ->
    `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]` padded to `seq_length`: int32 `input_word_ids`,
    `input_mask` and `input_type_ids` [batch, seq_length], the segments trimmed round-robin.

    What `text.RoundRobinTrimmer`, `text.combine_segments` and `text.pad_model_inputs` compute,
    written as index arithmetic on the flat pieces: a few dozen dense ops, where the ragged ops
    add over a thousand graph nodes (most of them shape assertions) that every save, load and
    trace of a model holding the preprocessor pays for.

    Example:
        >>> a, b = tf.ragged.constant([[[7, 8], [9]]]), tf.ragged.constant([[[5]]])
        >>> packed = pack_segments([a, b], 6, cls_id=1, sep_id=2, pad_id=0)
        >>> packed["input_word_ids"].numpy().tolist(), packed["input_type_ids"].numpy().tolist()
        ([[1, 7, 8, 2, 5, 2]], [[0, 0, 0, 0, 1, 1]])
    """
    flat = [s.merge_dims(1, 2) for s in segments]
    lengths = [s.row_lengths() for s in flat]
    kept = round_robin_lengths(lengths, tf.cast(seq_length, tf.int64) - len(segments) - 1)
    length = tf.cast(seq_length, tf.int64)
    position = tf.range(length)[tf.newaxis, :]  # [1, L]
    word_ids = tf.fill(tf.stack([tf.size(kept[0], out_type=tf.int64), length]),
                       tf.cast(pad_id, tf.int64))
    type_ids = tf.zeros_like(word_ids)
    cursor = tf.ones_like(kept[0])[:, tf.newaxis]  # where the next segment starts: after [CLS]
    for index, (segment, keep) in enumerate(zip(flat, kept)):
        offset = position - cursor  # [batch, L]: the piece of this segment at each position
        inside = (offset >= 0) & (offset < keep[:, tf.newaxis])
        values = tf.concat([tf.cast(segment.values, tf.int64), [0]], 0)  # [0]: gathers stay inside
        where = tf.clip_by_value(segment.row_splits[:-1, tf.newaxis] + offset, 0,
                                 tf.shape(values, out_type=tf.int64)[0] - 1)
        word_ids = tf.where(inside, tf.gather(values, where), word_ids)
        cursor += keep[:, tf.newaxis]
        word_ids = tf.where(tf.equal(position, cursor), tf.cast(sep_id, tf.int64), word_ids)
        if index == 1:
            type_ids = tf.where((offset >= 0) & (position <= cursor), tf.ones_like(type_ids), type_ids)
        cursor += 1
    word_ids = tf.where(tf.equal(position, 0), tf.cast(cls_id, tf.int64), word_ids)
    mask = tf.cast(position < cursor, tf.int32)
    static = [None, tf.get_static_value(seq_length)]
    outputs = {"input_word_ids": tf.cast(word_ids, tf.int32), "input_mask": mask,
               "input_type_ids": tf.cast(type_ids, tf.int32)}
    for value in outputs.values():
        value.set_shape(static)
    return outputs


class BertPreprocessor(tf.Module):
    """Raw strings -> BERT encoder inputs, saved as a TF-Hub reusable SavedModel.

    Args:
        vocab_file: WordPiece vocabulary, one token per line ([PAD], [UNK], [CLS], [SEP] included).
        lower_case: whether the vocabulary is uncased (lower-case and strip accents first).
        seq_length: the sequence length of `__call__` (use `bert_pack_inputs` for others).

    Example:
        >>> from tfsenti.encoders.default import checkpoint_dir
        >>> pre = BertPreprocessor(checkpoint_dir() / "vocab.txt", lower_case=True)
        >>> pre(tf.constant(["this is such an amazing movie!"]))["input_word_ids"][0, :9].numpy().tolist()
        [101, 2023, 2003, 2107, 2019, 6429, 3185, 999, 102]
    """

    def __init__(self, vocab_file: str | Path, lower_case: bool,
                 seq_length: int = DEFAULT_SEQ_LENGTH):
        super().__init__(name="bert_preprocess")
        vocab = file_lines(Path(vocab_file).read_text(encoding="utf-8"))
        self.lower_case = lower_case
        self.seq_length = seq_length
        self.vocab_file = tf.saved_model.Asset(str(vocab_file))
        self.cls_id = _special_id(vocab, "[CLS]")
        self.sep_id = _special_id(vocab, "[SEP]")
        self.pad_id = _special_id(vocab, "[PAD]")
        table = tf.lookup.StaticHashTable(
            tf.lookup.TextFileInitializer(
                self.vocab_file, key_dtype=tf.string, key_index=tf.lookup.TextFileIndex.WHOLE_LINE,
                value_dtype=tf.int64, value_index=tf.lookup.TextFileIndex.LINE_NUMBER),
            default_value=_special_id(vocab, "[UNK]"))
        self.tokenizer = text.BertTokenizer(table, token_out_type=tf.int64, lower_case=False)
        # Trace both packings now so the SavedModel serves 1 and 2 segments.
        for num_segments in (1, 2):
            self.bert_pack_inputs.get_concrete_function(
                [RAGGED_TOKENS] * num_segments, tf.TensorSpec([], tf.int32))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)], autograph=False)
    def tokenize(self, texts: tf.Tensor) -> tf.RaggedTensor:
        """Strings [batch] -> int32 wordpiece ids, ragged [batch, words, wordpieces]."""
        tokens = self.tokenizer.tokenize(normalize(texts, self.lower_case))
        return tf.cast(tokens, tf.int32)

    @tf.function(autograph=False)
    def bert_pack_inputs(self, segments, seq_length):
        """1 or 2 tokenized segments -> padded encoder inputs of length `seq_length`."""
        return pack_segments(segments, seq_length, self.cls_id, self.sep_id, self.pad_id)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)], autograph=False)
    def __call__(self, texts: tf.Tensor):
        """Strings [batch] -> encoder inputs of length `seq_length` (128 by default)."""
        return self.bert_pack_inputs([self.tokenize(texts)], tf.constant(self.seq_length))

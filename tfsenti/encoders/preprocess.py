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
round-robin truncation is written in core ops rather than with
`text.RoundRobinTrimmer`, whose `TFText>RoundRobinTrim` op older model servers lack
(see `tfsenti.inference.serving`).
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


def round_robin_trim(segments: list[tf.RaggedTensor], max_length) -> list[tf.RaggedTensor]:
    """Trim 1 or 2 ragged [batch, tokens] segments to at most `max_length` tokens per row in all,
    taking tokens from each segment in turn (the rule of `text.RoundRobinTrimmer`), in core ops."""
    lengths = [s.row_lengths() for s in segments]
    budget = tf.cast(max_length, tf.int64)
    if len(segments) == 1:
        keep = [tf.minimum(lengths[0], budget)]
    else:
        first = tf.minimum(lengths[0], tf.maximum((budget + 1) // 2, budget - lengths[1]))
        keep = [first, tf.minimum(lengths[1], budget - first)]
    return [tf.ragged.boolean_mask(s, tf.ragged.range(n) < k[:, None])
            for s, n, k in zip(segments, lengths, keep)]


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
        segments = [s.merge_dims(1, 2) for s in segments]
        trimmed = round_robin_trim(segments, seq_length - len(segments) - 1)
        ids, type_ids = text.combine_segments(
            trimmed, start_of_sequence_id=self.cls_id, end_of_segment_id=self.sep_id)
        word_ids, mask = text.pad_model_inputs(ids, max_seq_length=seq_length, pad_value=self.pad_id)
        type_ids, _ = text.pad_model_inputs(type_ids, max_seq_length=seq_length)
        return {"input_word_ids": tf.cast(word_ids, tf.int32),
                "input_mask": tf.cast(mask, tf.int32),
                "input_type_ids": tf.cast(type_ids, tf.int32)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)], autograph=False)
    def __call__(self, texts: tf.Tensor):
        """Strings [batch] -> encoder inputs of length `seq_length` (128 by default)."""
        return self.bert_pack_inputs([self.tokenize(texts)], tf.constant(self.seq_length))

"""How much of one text's serving latency is the tokenizer: TFLite's in-graph tokenizer against
the Hugging Face fast tokenizer that the ONNX Runtime peer runs before its session.

Usage: python benchmarks/tokenizer_share.py --model MODEL_FOLDER [--data sst2|imdb] [--texts N]

Times, per text alone on 1 thread (p50 over the texts, after 20 warm-up calls): (a) the TFLite
tokenizer, `tfsenti.inference.tflite.StringModel.encoder_inputs` (normalizer, word pieces,
truncation, [CLS]/[SEP]) converted alone into a TFLite file and run in the interpreter with
tensorflow_text's kernels; (b) the whole dynamic-int8 TFLite file (`tfsenti export --format
tflite --quantize dynamic`); (c) the fast tokenizer of the default checkpoint (`tokenizer.json`,
read by the `tokenizers` package tfsenti's tests already install), as `ort_peer.py` calls it.
(b) - (a) is what the encoder costs in TFLite; ONNX Runtime's int8 latency minus (c) is its
encoder's. Last line: `tflite_tokenizer_ms= tflite_int8_ms= hf_tokenizer_ms= texts=`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import tensorflow as tf
from tokenizers import Tokenizer

from serving import bench_texts, latency_ms
from tfsenti.encoders.default import checkpoint_dir
from tfsenti.inference.tflite import StringModel, convert, interpreter_classifier


def tokenizer_runner(module: StringModel):
    """The interpreter's signature runner of `module.encoder_inputs` alone, on 1 thread."""
    from ai_edge_litert.interpreter import InterpreterWithCustomOps
    from tensorflow_text import tflite_registrar

    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [module.encoder_inputs.get_concrete_function()], module)
    converter.allow_custom_ops = True
    interpreter = InterpreterWithCustomOps(
        custom_op_registerers=tflite_registrar.SELECT_TFTEXT_OPS, num_threads=1,
        model_content=converter.convert())
    return interpreter.get_signature_runner()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--data", choices=["sst2", "imdb"], default="sst2")
    parser.add_argument("--texts", type=int, default=None)
    args = parser.parse_args()
    texts, _ = bench_texts(args.model, args.data, args.texts)
    module = StringModel(args.model)
    tokenize = tokenizer_runner(module)
    tflite_tokenizer, _ = latency_ms(
        lambda t: tokenize(text=np.asarray([t.encode()], dtype=object)), texts)
    int8 = interpreter_classifier(convert(module, "dynamic"), module.class_names, num_threads=1)
    tflite_int8, _ = latency_ms(lambda t: int8.predict([t]), texts)
    fast = Tokenizer.from_file(str(checkpoint_dir() / "tokenizer.json"))
    fast.enable_truncation(module.seq_len)
    hf_tokenizer, _ = latency_ms(lambda t: fast.encode_batch([t]), texts)
    print(f"{len(texts)} texts ({args.data}), single text, 1 thread, p50 ms: TFLite tokenizer "
          f"{tflite_tokenizer:.3f}, TFLite dynamic int8 whole {tflite_int8:.3f} (encoder "
          f"{tflite_int8 - tflite_tokenizer:.3f}), Hugging Face fast tokenizer {hf_tokenizer:.3f}")
    print(f"tflite_tokenizer_ms={tflite_tokenizer:.3f} tflite_int8_ms={tflite_int8:.3f} "
          f"hf_tokenizer_ms={hf_tokenizer:.3f} texts={len(texts)}")


if __name__ == "__main__":
    main()

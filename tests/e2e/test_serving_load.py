"""The exported model under concurrent load: eight threads get the single-threaded answers and
memory stays flat."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the tokenizer ops)


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_eight_threads_get_the_single_threaded_answers_and_memory_stays_flat(tiny_export):
    serve = tf.saved_model.load(str(tiny_export)).signatures["serving_default"]
    texts = ["", "A warm, funny and sharp film.", "Dull. " * 3, "word " * 4000,
             "Ünïcödé reviews 😀 work too", "x" * 20_000, "The plot made no sense at all."]
    assert max(len(t) for t in texts) == 20_000

    def ask(text: str) -> np.ndarray:
        return serve(text=tf.constant([text]))["probabilities"].numpy()[0]

    expected = {t: ask(t) for t in texts}
    for _ in range(15):  # warm up: allocator pools and function caches reach their steady size
        for t in texts:
            ask(t)
    before = _rss_mib()
    mismatches: list[str] = []

    def client(seed: int) -> None:
        rng = np.random.default_rng(seed)
        for _ in range(200):
            t = texts[rng.integers(len(texts))]
            if not np.allclose(ask(t), expected[t], atol=1e-6):
                mismatches.append(t[:40])

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = _rss_mib()
    print(f"RSS before {before:.0f} MiB, after 8 x 200 requests {after:.0f} MiB")
    assert mismatches == []
    assert after - before < 64, (before, after)

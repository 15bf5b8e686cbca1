"""`tfsenti lr-find`: loss vs an exponentially growing learning rate, a plot and a suggestion."""

import json

import numpy as np

from tfsenti import TrainConfig, load_dataset
from tfsenti.cli import main
from tfsenti.lr_find import lr_range_test


def test_cli_writes_the_curve_and_suggests_a_tenth_of_the_lowest_loss_rate(
        tiny_encoder, small_reviews, tmp_path, capsys):
    out = tmp_path / "lrf"
    code = main(["lr-find", str(small_reviews), "--encoder", str(tiny_encoder), "--seq-len", "64",
                 "--batch-size", "8", "--steps", "12", "--start-lr", "1e-6", "--end-lr", "1e-3",
                 "--out", str(out), "--quiet"])
    printed = capsys.readouterr().out
    assert code == 0
    result = json.loads((out / "lr_find.json").read_text())
    lrs = np.array(result["lrs"])
    assert len(lrs) == 12 and np.isclose(lrs[0], 1e-6) and np.isclose(lrs[-1], 1e-3, rtol=1e-4)
    assert np.allclose(lrs[1:] / lrs[:-1], 10 ** (3 / 11), rtol=1e-4)  # constant growth factor
    assert result["min_loss_lr"] == lrs[int(np.argmin(result["smoothed"]))]
    assert np.isclose(result["suggested_lr"], result["min_loss_lr"] / 10)
    assert (out / "lr_find.png").stat().st_size > 10_000
    assert f"suggested --lr {result['suggested_lr']:.1e}" in printed


def test_the_run_stops_when_the_loss_diverges(tiny_encoder, small_reviews):
    data = load_dataset(small_reviews / "train")
    result = lr_range_test(TrainConfig(encoder=str(tiny_encoder), seq_len=64, batch_size=8),
                           data, start_lr=1e-5, end_lr=1e4, steps=60)
    assert 5 < len(result.lrs) < 60  # stopped early, at a rate far above the lowest-loss one
    assert result.smoothed[-1] > 4 * min(result.smoothed) or not np.isfinite(result.losses[-1])
    assert result.lrs[-1] > 100 * result.min_loss_lr

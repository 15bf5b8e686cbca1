"""The plan a run's size gets, the pairs and head of the small-data plan, and the accuracy
interval small evaluations report."""

import numpy as np
import pytest

from tfsenti import DEMO_DATA, load_dataset
from tfsenti.config import TrainConfig
from tfsenti.data.texts import LabeledTexts
from tfsenti.errors import DataError
from tfsenti.evaluation.metrics import compute_metrics, wilson_interval
from tfsenti.training.contrastive import contrastive_pairs
from tfsenti.training.features import fit_logistic_head
from tfsenti.training.plan import MAX_PAIRS, SMALL_PER_CLASS, check_class_sizes, plan_run


def _texts(counts: dict[str, int], pairs: bool = False) -> LabeledTexts:
    names = sorted(counts)
    labels = np.concatenate([np.full(n, i) for i, n in enumerate(counts[c] for c in names)])
    texts = [f"text {i}" for i in range(len(labels))]
    return LabeledTexts(texts, labels.astype(np.int32), names, "table.tsv",
                        pairs=[f"aspect {i}" for i in range(len(labels))] if pairs else None)


def test_few_texts_per_class_get_the_small_data_plan_with_mean_pooling():
    config, plan = plan_run(TrainConfig(), _texts({"neg": 16, "pos": 20}))
    assert plan.small_data and config.pooling == "mean"
    assert plan.reason.startswith("small-data plan: 16 texts in the smallest class")
    assert plan.max_pairs == 640  # every pair, as many of each kind: 2 x (36 x 35 / 2 - 310)


def test_the_smallest_class_decides_and_larger_data_are_fine_tuned_with_the_pooler():
    config, plan = plan_run(TrainConfig(), _texts({"neg": SMALL_PER_CLASS + 1, "pos": 900}))
    assert not plan.small_data and config.pooling == "pooled"
    assert plan.reason == (f"fine-tuning: {SMALL_PER_CLASS + 1} texts in the smallest class (the "
                           f"small-data plan takes at most {SMALL_PER_CLASS})")
    assert plan_run(TrainConfig(), _texts({"neg": SMALL_PER_CLASS, "pos": 900}))[1].small_data


@pytest.mark.parametrize("options, why", [
    ({"small_data": "off"}, "--small-data off"),
    ({"mode": "features"}, "--mode features"),
    ({"long": "chunks"}, "--long chunks"),
    ({"fixed_length": True}, "--fixed-length"),
    ({"epochs": 4, "lr": 1e-4}, "--epochs 4 sets fine-tuning (the small-data plan runs when every "
                                "fine-tuning option is left at its default)"),
])
def test_options_that_need_fine_tuning_say_so_in_the_plan(options, why):
    config, plan = plan_run(TrainConfig(**options), _texts({"neg": 16, "pos": 16}))
    assert (plan.small_data, plan.reason) == (False, f"fine-tuning: {why}")


def test_an_explicit_pooling_is_kept_by_either_plan():
    small = _texts({"neg": 16, "pos": 16})
    assert plan_run(TrainConfig(pooling="pooled"), small)[0].pooling == "pooled"
    assert plan_run(TrainConfig(pooling="mean", small_data="off"), small)[0].pooling == "mean"


def test_text_pairs_and_three_classes_get_the_small_data_plan():
    assert plan_run(TrainConfig(), _texts({"neg": 10, "pos": 12}, pairs=True))[1].small_data
    assert plan_run(TrainConfig(), _texts({"a": 10, "b": 12, "c": 9}))[1].small_data


def test_multilabel_data_are_fine_tuned():
    data = LabeledTexts(["a"] * 20, np.tile([[1, 0], [0, 1]], (10, 1)), ["x", "y"], "tags")
    config, plan = plan_run(TrainConfig(), data)
    assert not plan.small_data and "multi-label" in plan.reason


def test_a_class_with_fewer_than_eight_texts_is_refused_by_name():
    with pytest.raises(DataError) as error:
        check_class_sizes(_texts({"neg": 30, "neutral": 7, "pos": 1}))
    assert str(error.value) == ("table.tsv: class 'neutral' has 7 examples, class 'pos' has 1 "
                                "example; every class needs at least 8 (--min-class-size lowers "
                                "the limit)")
    check_class_sizes(_texts({"neg": 8, "pos": 8}))
    check_class_sizes(_texts({"neg": 30, "neutral": 7, "pos": 1}), minimum=1)


def test_contrastive_pairs_take_every_pair_balanced_when_they_fit():
    labels = np.array([0] * 5 + [1] * 5)  # 20 same-class pairs, 25 different-class pairs
    first, second, target = contrastive_pairs(labels, max_pairs=1000, seed=0)
    assert len(target) == 50 and target.sum() == 25  # the 20 same-class pairs drawn up to 25
    assert np.all((labels[first] == labels[second]) == (target == 1))
    different = {(a, b) for a, b, t in zip(first, second, target) if t == 0}
    assert len(different) == 25 and all(a < b for a, b in different)


def test_contrastive_pairs_are_a_balanced_sample_when_capped():
    labels = np.arange(100) % 4
    first, second, target = contrastive_pairs(labels, max_pairs=64, seed=1)
    assert len(target) == 64 and target.sum() == 32
    assert len(set(zip(first, second))) == 64  # no pair twice


def test_the_logistic_head_separates_what_a_line_separates():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 20)
    x = rng.normal(size=(60, 8)) * 0.3 + np.eye(8)[labels] * 2
    kernel, bias = fit_logistic_head(x, labels, num_classes=3)
    assert kernel.shape == (8, 3) and bias.shape == (3,)
    assert np.mean(np.argmax(x @ kernel + bias, axis=1) == labels) == 1.0


def test_the_wilson_interval_matches_its_formula_and_holds_at_the_edges():
    low, high = wilson_interval(45, 50)
    assert (round(low, 4), round(high, 4)) == (0.7864, 0.9565)
    assert wilson_interval(10, 10)[1] == 1.0 and wilson_interval(10, 10)[0] > 0.72
    assert wilson_interval(0, 10)[0] == 0.0


def test_metrics_carry_the_accuracy_interval():
    metrics = compute_metrics(np.array([0, 1, 1, 0]), np.array([[.9, .1], [.2, .8], [.6, .4],
                                                                [.7, .3]]), ["neg", "pos"])
    assert metrics["accuracy"] == 0.75
    assert metrics["accuracy_95"] == list(wilson_interval(3, 4))


def test_the_stage_takes_at_most_max_pairs():
    config, plan = plan_run(TrainConfig(), _texts({"neg": 200, "pos": 250}))
    assert plan.max_pairs == MAX_PAIRS and f"a contrastive stage on {MAX_PAIRS} pairs" in plan.reason


def test_the_demo_data_at_sixteen_per_class_plan_a_stage_on_every_pair():
    data = load_dataset(DEMO_DATA / "train").head_per_class(16)
    config, plan = plan_run(TrainConfig(), data)
    assert plan.reason.endswith("a contrastive stage on 512 pairs, then a logistic-regression "
                                "head on mean-pooled embeddings")

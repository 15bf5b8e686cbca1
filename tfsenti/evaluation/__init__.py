"""Evaluation: how good a classifier is, in numbers and pictures.

`metrics` computes accuracy, per-class and macro precision/recall/F1, MCC and the confusion
matrix in plain numpy, and `multilabel` the same for several labels per text (per-label
thresholds, subset accuracy, Hamming loss, micro and macro F1, errors that occur together), and
`binary` a two-class model's ROC and precision-recall curves and its decision threshold for a
target precision or recall;
`calibration` fits the temperature that calibrates a model's probabilities and measures how far
they are from frequencies (expected calibration error, Brier score); `plots` draws the pictures,
`report` writes `report.md` and `predictions_table` every text's prediction as
`predictions.csv`; `evaluate` runs a model on labelled texts and produces them all. `explain`
attributes a prediction to the words of its text (integrated gradients) and `explain_views` shows
them on a terminal, as HTML or in `report.md`. `audit` trains on k folds so that every text of a
data set gets probabilities from a model that never saw it, and `label_issues` finds the given
labels those probabilities doubt (confident learning).
"""

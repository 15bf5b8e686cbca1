"""Evaluation: how good a classifier is, in numbers and pictures.

`metrics` computes accuracy, per-class and macro precision/recall/F1, MCC and the confusion
matrix in plain numpy, and `multilabel` the same for several labels per text (per-label
thresholds, subset accuracy, Hamming loss, micro and macro F1, errors that occur together);
`report` draws the plots and writes `report.md`; `evaluate` runs a model on labelled texts and
produces both.
"""

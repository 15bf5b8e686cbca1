"""Inference: a trained classifier as a raw-string SavedModel, and using it.

`signature` is the exported `serving_default` function, `model_folder` saves and checks model
folders, `predictor` loads them and predicts (`Classifier`, `load`, `predict`),
`batch_scoring` scores a table of any size as it streams into another, `serving`
lays a model out for TF Serving and checks its ops against the model server's, `bfloat16`
writes a copy with bfloat16 weights for CPU serving, and `tflite` converts a model folder into
one raw-string `.tflite` file and runs it; `accuracy_guard` refuses lossy exports that lose
accuracy.
"""

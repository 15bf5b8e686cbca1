"""Modeling: the classifier the TF "Classify text with BERT" tutorial builds, for any encoder.

`classifier` assembles string input -> preprocessor -> encoder -> pooling -> dropout -> head;
`text_inputs` turns strings into encoder inputs (in the model, and once ahead of training);
`truncation` decides which tokens of a long text the model sees; `freezing` decides which
encoder weights train; `rebuild` builds a trained classifier again with its encoder computing in
another precision (float32 after a 16-bit run, bfloat16 for a serving copy).
"""

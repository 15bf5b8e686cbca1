"""Encoders: the TF-Hub world a classifier is built on.

`catalog` maps friendly names to TF-Hub/Kaggle handles and resolves names, folders and URLs to
an encoder and its preprocessor; `bert` is the BERT backbone in tf_keras, `preprocess` the
WordPiece preprocessor with the TF-Hub interface, `convert` turns a Hugging Face checkpoint into
both, and `default` builds the offline default encoder once into the user cache.
`fast_normalizer` rebuilds the preprocessor's text normalisation as a TFLite-convertible
`FastBertNormalizer` model, whose character table `darts_trie` lays out.
"""

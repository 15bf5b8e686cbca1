"""Training: fitting a classifier.

`splits` reads and checks a run's training, validation and test data (without TensorFlow);
`loop` is `train` (inputs, optimizer, callbacks, `fit`); `plan` decides how a run of its size
trains, and `small_data` is the small-data plan: the `contrastive` stage on pairs of texts, then
a logistic head; `resume_record` keeps the options a resumed run must repeat; `optim` holds the
BERT learning-rate schedule and `make_optimizer`, `lazy_adamw` the AdamW that updates only
looked-up embedding rows; `callbacks` keep the best epoch, hold a time budget and record lr-find's
losses, and `progress_log` logs a line every few minutes inside a long epoch when Keras writes one
line per epoch; `averaging` validates and keeps the weight average of `--ema`; `objectives` are the loss,
the metric and class weights; `features` trains a head on frozen embeddings; `lr_find` is the
learning-rate range test; `distribute` creates tf.distribute strategies.
"""

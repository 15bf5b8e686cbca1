"""Training: fitting a classifier.

`loop` is `train` (inputs, optimizer, callbacks, `fit`); `optim` holds the BERT learning-rate
schedule and `make_optimizer`, `lazy_adamw` the AdamW that updates only looked-up embedding rows;
`callbacks` keep the best epoch, hold a time budget and record lr-find's losses; `averaging`
validates and keeps the weight average of `--ema`; `objectives` are the loss, the metric and
class weights; `features` trains a head on frozen embeddings; `lr_find` is the learning-rate
range test; `distribute` creates tf.distribute strategies.
"""

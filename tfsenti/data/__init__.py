"""Data: where texts and labels come from and how they reach the model.

`loaders` reads folders of class subfolders and CSV/TSV/JSONL tables into `LabeledTexts`
(`texts`), by the rules `tables` holds for every table (columns, delimiters, gzip; rows read
and written one at a time for tables larger than memory) and `encodings` for every file (UTF-8,
byte-order marks, the likely encoding of a file that is not UTF-8), with `labels` turning label cells (single labels, or lists of them for multi-label
data) into class names and label arrays; `download` fetches and safely extracts the IMDB
reviews, `overlap` finds held-out texts that training has already seen, and `pipeline` turns
texts into tf.data input (length-grouped batches of token ids, or batches of strings) with
prefetching. `collector` pauses Python's garbage collector while reading or splitting a million
rows builds millions of small objects.
"""

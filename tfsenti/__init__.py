"""tfsenti: fine-tune BERT encoders (TF-Hub format) for text classification; export raw-string
SavedModels ready for TF Serving.

Example:
    >>> import tfsenti  # doctest: +SKIP
    >>> tfsenti.convert_checkpoint("all-MiniLM-L6-v2/", "minilm_tfhub/")  # doctest: +SKIP
"""

from tfsenti.hub.convert import convert_checkpoint

__all__ = ["convert_checkpoint"]

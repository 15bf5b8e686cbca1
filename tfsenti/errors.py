"""Errors meant for people: each names the file, row or field at fault in one line.

The CLI turns any `TfsentiError` into that line on stderr and exit code 2.
"""


class TfsentiError(Exception):
    """Base class for every error tfsenti reports to a user."""


class ConversionError(TfsentiError):
    """A checkpoint cannot be converted into TF-Hub format."""


class DataError(TfsentiError):
    """A data set (folder, CSV/TSV/JSONL file, download) is unusable."""


class EncoderError(TfsentiError):
    """An encoder name, path or cache entry cannot be resolved."""


class ConfigError(TfsentiError):
    """An option value is out of range or inconsistent with the others."""

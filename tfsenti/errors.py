"""Errors meant for people: each names the file, row, field or option at fault in one line.

The CLI turns any `TfsentiError` into that line on stderr and its `exit_code`: 2 for bad input,
1 for a result tfsenti refuses to write (`AccuracyDropError`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


class TfsentiError(Exception):
    """Base class for every error tfsenti reports to a user."""

    exit_code = 2


class AccuracyDropError(TfsentiError):
    """An exported file scores too far below its source model; it was not written."""

    exit_code = 1


class ConversionError(TfsentiError):
    """A checkpoint cannot be converted into TF-Hub format."""


class DataError(TfsentiError):
    """A data set (folder, CSV/TSV/JSONL file, download) is unusable."""


class EncoderError(TfsentiError):
    """An encoder name, path or cache entry cannot be resolved."""


class ConfigError(TfsentiError):
    """An option value is out of range or inconsistent with the others.

    The message names options as `{field}` placeholders for the fields listed in `options`:
    `str(error)` shows Python field names (`batch_size must be at least 1`), `render(flag_of)`
    whatever `flag_of` maps them to (the CLI's `--batch-size must be at least 1`).

    Example:
        >>> error = ConfigError("{batch_size} must be at least 1 (got 0)", options=["batch_size"])
        >>> str(error), error.render(lambda name: "--" + name.replace("_", "-"))
        ('batch_size must be at least 1 (got 0)', '--batch-size must be at least 1 (got 0)')
    """

    def __init__(self, message: str, options: Sequence[str] = ()):
        self.template = message
        self.options = tuple(options)
        super().__init__(self.render(str))

    def render(self, name_of: Callable[[str], str]) -> str:
        """The message with every option placeholder replaced by `name_of(field)`."""
        message = self.template
        for option in self.options:
            message = message.replace("{" + option + "}", name_of(option))
        return message

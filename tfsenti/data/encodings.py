"""Which encoding a text file is in: UTF-8 unless it says otherwise or the user does.

A byte-order mark says it: UTF-8's is skipped, UTF-16's (Excel's "Unicode text") selects UTF-16.
Anything else is read as UTF-8, and a file that is not gets a one-line error that names the
likely encoding and the option that reads it (`--encoding NAME`): silently reading Windows-1252
as UTF-8 with replacement characters would change the texts without a word.

Example:
    >>> decode("café".encode("utf-16"), None), decode(b"\\xef\\xbb\\xbfcaf\\xc3\\xa9", None)
    ('café', 'café')
    >>> decode("café".encode("cp1252"), "cp1252")
    'café'
"""

from __future__ import annotations

import codecs
from pathlib import Path

from tfsenti.errors import DataError

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def sniff(head: bytes, encoding: str | None) -> str:
    """The codec to read a file whose first bytes are `head`: `encoding` if given, UTF-16 after
    its byte-order mark, else UTF-8 (skipping its byte-order mark)."""
    if encoding is not None:
        return encoding
    return "utf-16" if head[:2] in _UTF16_BOMS else "utf-8-sig"


def decode(raw: bytes, encoding: str | None) -> str:
    """The text of a whole file's bytes (`UnicodeDecodeError` if they are not that encoding)."""
    return raw.decode(sniff(raw[:2], encoding))


def likely_encoding(raw: bytes) -> tuple[str, str]:
    """(codec name, what people call it) for bytes that are not UTF-8.

    Example:
        >>> likely_encoding("naïve".encode("cp1252")), likely_encoding("ok".encode("utf-16-le"))
        (('cp1252', 'Windows-1252'), ('utf-16-le', 'UTF-16 without a byte-order mark'))
    """
    if raw and raw.count(b"\0") >= len(raw) // 4:
        zeros_first = raw[0::2].count(b"\0") > raw[1::2].count(b"\0")
        return ("utf-16-be" if zeros_first else "utf-16-le"), "UTF-16 without a byte-order mark"
    try:
        raw.decode("cp1252")
        return "cp1252", "Windows-1252"
    except UnicodeDecodeError:
        return "latin-1", "Latin-1"


def undecodable(path: Path, encoding: str | None) -> DataError:
    """The one-line error for a file that `encoding` (default UTF-8) cannot read: where its
    first bad byte is, and for UTF-8 the likely encoding and how to read it."""
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    codec = sniff(head, encoding)
    decoder, offset, problem = codecs.getincrementaldecoder(codec)(), 0, "cannot be decoded"
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block)
            except UnicodeDecodeError as err:
                problem = f"{err.reason} at byte {offset - pending + err.start}"
                break
            offset += len(block)
    if encoding is not None:
        return DataError(f"{path}: not {encoding} text ({problem})")
    guess, name = likely_encoding(head)
    return DataError(f"{path}: not UTF-8 text ({problem}); it looks like {name}: read it with "
                     f"--encoding {guess}")

"""The IMDB reviews (Maas et al. 2011): download, SHA-256 check and safe extraction.

Plain `urllib` and `tarfile`, so `tfsenti data imdb` starts at once (no TensorFlow). The
download and the extraction are staged beside `DEST/aclImdb` and renamed into place when
complete: a failed or interrupted download leaves no `aclImdb` folder behind.
"""

from __future__ import annotations

import hashlib
import http.client
import shutil
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

from tfsenti._staging import StagedFolder
from tfsenti.errors import DataError
from tfsenti.progress import Progress

IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
IMDB_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
BLOCK = 1 << 20


def download_imdb(dest: str | Path, url: str = IMDB_URL, sha256: str = IMDB_SHA256,
                  progress: bool = False) -> Path:
    """Download, verify (SHA-256) and safely extract the IMDB reviews into `dest/aclImdb`.

    The unlabelled `train/unsup` folder is dropped. Extraction refuses any archive member that
    is a link, a device, or whose path is absolute or escapes `dest`. `progress` draws a
    progress bar on stderr (on a terminal).

    Example (downloads 84 MB, so the doctest run skips it):
        >>> download_imdb("data")  # doctest: +SKIP
        PosixPath('data/aclImdb')
    """
    target = Path(dest).resolve() / "aclImdb"
    if target.exists():
        raise DataError(f"{target}: already exists; remove it to download again")
    with StagedFolder(target, private=True) as stage:
        archive = stage.path / "aclImdb_v1.tar.gz"
        fetch(url, archive, sha256, progress)
        extracted = stage.path / "extracted"
        safe_extract(archive, extracted)
        root = extracted / "aclImdb"
        if not (root / "train").is_dir():
            raise DataError(f"{url}: archive has no aclImdb/train folder")
        shutil.rmtree(root / "train" / "unsup", ignore_errors=True)
        for entry in root.iterdir():
            entry.rename(stage.path / entry.name)
        archive.unlink()
        shutil.rmtree(extracted)
    return target


def fetch(url: str, path: Path, sha256: str, progress: bool = False) -> None:
    """Download `url` to `path`, refusing it unless its SHA-256 is `sha256`."""
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=60) as response, path.open("wb") as out:
            size = int(response.headers.get("Content-Length") or 0) or None
            with Progress(size, "downloading", "MB", enabled=progress, scale=1e6) as bar:
                while block := response.read(BLOCK):
                    out.write(block)
                    digest.update(block)
                    bar.update(len(block))
    except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
        raise DataError(f"{url}: download failed ({getattr(err, 'reason', err)})") from None
    if digest.hexdigest() != sha256:
        raise DataError(f"{url}: downloaded file failed SHA-256 verification (expected "
                        f"{sha256}, got {digest.hexdigest()})")


def safe_extract(archive: Path, into: Path) -> None:
    """Extract a tar archive into `into`, refusing links, devices and paths that escape it."""
    into.mkdir(parents=True)
    root = into.resolve()
    try:
        with tarfile.open(archive) as tar:
            members = tar.getmembers()
            for member in members:
                resolved = (root / member.name).resolve()
                if not (member.isfile() or member.isdir()):
                    raise DataError(f"{archive.name}: member {member.name!r} is a link or device; refused")
                if member.name.startswith("/") or not resolved.is_relative_to(root):
                    raise DataError(f"{archive.name}: member {member.name!r} escapes the destination; refused")
            tar.extractall(root, members=members, filter="data")
    except tarfile.TarError as err:
        raise DataError(f"{archive.name}: not a readable tar archive ({err})") from None

"""The IMDB download against a server on 127.0.0.1: checksum, safe extraction, errors."""

import hashlib

import pytest

from local_server import serving, tar_gz
from tfsenti.cli import main
from tfsenti.data.download import download_imdb
from tfsenti.data.loaders import dataset_splits, load_dataset
from tfsenti.errors import DataError


TINY_IMDB = {f"aclImdb/{split}/{label}/{i}_7.txt": f"{label} review {i}".encode()
             for split in ("train", "test") for label in ("pos", "neg") for i in range(3)}
TINY_IMDB["aclImdb/train/unsup/0_0.txt"] = b"unlabelled"
TINY_IMDB["aclImdb/README"] = b"Large Movie Review Dataset v1.0"


@pytest.fixture
def server():
    """An HTTP server on 127.0.0.1 serving the archives put in its `files` dict."""
    files: dict[str, bytes] = {}
    with serving(files) as base:
        yield files, base


def test_imdb_download_verifies_extracts_and_drops_unsup(server, tmp_path, capsys):
    files, base = server
    files["/aclImdb_v1.tar.gz"] = archive = tar_gz(TINY_IMDB)
    digest = hashlib.sha256(archive).hexdigest()
    code = main(["data", "imdb", "--dest", str(tmp_path), "--url", f"{base}/aclImdb_v1.tar.gz",
                 "--sha256", digest, "--quiet"])
    assert code == 0, capsys.readouterr().err
    root = tmp_path / "aclImdb"
    assert sorted(p.name for p in root.iterdir()) == ["README", "test", "train"]
    assert sorted(p.name for p in (root / "train").iterdir()) == ["neg", "pos"]
    assert [p.name for p in tmp_path.iterdir()] == ["aclImdb"]  # no temp folders or archive left
    data = load_dataset(dataset_splits(root)["train"])
    assert data.class_names == ["neg", "pos"] and len(data) == 6


def test_imdb_download_refuses_a_wrong_checksum(server, tmp_path):
    files, base = server
    files["/aclImdb_v1.tar.gz"] = tar_gz(TINY_IMDB)
    with pytest.raises(DataError, match="failed SHA-256 verification"):
        download_imdb(tmp_path, url=f"{base}/aclImdb_v1.tar.gz", sha256="0" * 64)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("evil", ["aclImdb/../../escaped.txt", "/tmp/absolute.txt"])
def test_imdb_download_refuses_members_escaping_dest(server, tmp_path, evil):
    files, base = server
    files["/evil.tar.gz"] = archive = tar_gz({**TINY_IMDB, evil: b"gotcha"})
    with pytest.raises(DataError, match="escapes the destination; refused"):
        download_imdb(tmp_path / "dest", url=f"{base}/evil.tar.gz",
                      sha256=hashlib.sha256(archive).hexdigest())
    assert list(tmp_path.iterdir()) == []  # not even the `dest` folder it would have made
    assert not (tmp_path / "escaped.txt").exists()


def test_imdb_download_reports_http_errors(server, tmp_path):
    _, base = server
    with pytest.raises(DataError, match="download failed"):
        download_imdb(tmp_path / "data", url=f"{base}/missing.tar.gz")
    assert list(tmp_path.iterdir()) == []

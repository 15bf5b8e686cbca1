"""The notebooks run top to bottom (tiny settings; the one that trains is a benchmark) and are
stored without outputs."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def run_notebook(name: str, workdir: Path) -> nbformat.NotebookNode:
    book = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(book, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(workdir)}}).execute()
    return book


def outputs_of(book: nbformat.NotebookNode, source_start: str) -> list:
    (cell,) = [c for c in book.cells if c.cell_type == "code" and c.source.startswith(source_start)]
    return cell.outputs


def result_of(book: nbformat.NotebookNode, source_start: str) -> dict:
    """The value a cell displayed as its result (mime type -> data)."""
    (result,) = [o for o in outputs_of(book, source_start) if o.output_type == "execute_result"]
    return result["data"]


@pytest.mark.benchmark  # a kernel that trains: 30-45 s on 2 cores
def test_transfer_learning(tiny_encoder, tmp_path, monkeypatch):
    model_dir = tmp_path / "notebook_model"
    monkeypatch.setenv("TFSENTI_NOTEBOOK_TINY", "1")
    monkeypatch.setenv("TFSENTI_NOTEBOOK_ENCODER", str(tiny_encoder))
    monkeypatch.setenv("TFSENTI_NOTEBOOK_OUT", str(model_dir))

    book = run_notebook("transfer_learning.ipynb", tmp_path)
    assert (model_dir / "saved_model.pb").is_file()
    for plot in ("tfsenti.plot_training_curves(history)", "tfsenti.plot_confusion_matrix("):
        assert any("image/png" in out.get("data", {}) for out in outputs_of(book, plot)), plot
    table = result_of(book, "classifier = ")["text/markdown"]
    assert "| **macro** |" in table
    exported = result_of(book, "folder = ")["text/plain"]
    assert exported.startswith("[") and set(eval(exported)) <= {"neg", "pos"}


def test_load_model(tiny_model, tmp_path, monkeypatch):
    """On a model `tfsenti train` exported, as the transfer-learning notebook's would be."""
    shutil.copytree(tiny_model, tmp_path / "notebook_model")
    monkeypatch.setenv("TFSENTI_NOTEBOOK_MODEL", str(tmp_path / "notebook_model"))

    book = run_notebook("load_model.ipynb", tmp_path)
    assert result_of(book, "%matplotlib")["text/plain"] == "['neg', 'pos']"
    printed = "".join(out.get("text", "") for out in outputs_of(book, "texts = "))
    assert len(printed.splitlines()) == 4 and all(l.split()[0] in ("neg", "pos") for l in printed.splitlines())
    assert any("image/png" in out.get("data", {}) for out in outputs_of(book, "sample = "))


@pytest.mark.parametrize("name", ["transfer_learning.ipynb", "load_model.ipynb"])
def test_notebooks_are_stored_without_outputs(name):
    book = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(book)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)

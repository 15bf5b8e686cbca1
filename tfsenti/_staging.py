"""Outputs that appear complete or not at all: every folder tfsenti writes is built beside its
final place and renamed into place when complete.

Model folders, evaluation reports, TF Serving versions, converted encoders, the default encoder's
cache entry and the IMDB download all go through `StagedFolder`, so bad input or a failure half
way never leaves a folder that looks finished. A rename within one folder is atomic: readers (a
TF Serving model server watching for versions, another process looking up the encoder cache)
see the old state or the new one. Single files that a later run reads back (a resumable run's
record of its epochs and options, its best weights) go through `whole_file` for the same reason.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from tfsenti import _interrupts
from tfsenti.errors import ConfigError

log = logging.getLogger(__name__)


@contextlib.contextmanager
def whole_file(path: Path) -> Iterator[BinaryIO]:
    """A binary file to write `path` whole or not at all: it is a file beside `path`, renamed over
    it when the block ends, so a process killed while writing (Ctrl-C, `kill -9`, a lost machine)
    leaves the previous file or none, never a truncated one that a resumed run cannot read. An
    exception in the block (a full disk) removes it and leaves `path` as it was.

    Example:
        >>> with whole_file(Path("whole_example.json")) as f:
        ...     _ = f.write(b'{"epochs": 3}')
        >>> Path("whole_example.json").read_text(), Path("whole_example.json.tmp").exists()
        ('{"epochs": 3}', False)
        >>> Path("whole_example.json").unlink()
    """
    path = Path(path)
    staging = path.with_name(path.name + ".tmp")
    try:
        with open(staging, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())  # the data is on disk before the name points at it
    except Exception:
        staging.unlink(missing_ok=True)
        raise
    os.replace(staging, path)


def read_record(path: Path) -> dict:
    """The JSON object an interrupted run recorded at `path` with `whole_file`, for `--resume`;
    a file that is not one (edited by hand, or written by something else) is a `ConfigError`
    naming it, and a run without `resume` starts afresh.

    Example:
        >>> _ = Path("record_example.json").write_text("[3]")
        >>> try:
        ...     read_record(Path("record_example.json"))
        ... except ConfigError as error:
        ...     print(error)
        record_example.json: not an interrupted run's record; run without resume to start afresh
        >>> Path("record_example.json").unlink()
    """
    record, reason = None, ""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        reason = f" ({err})"
    if not isinstance(record, dict):
        raise ConfigError(f"{path}: not an interrupted run's record{reason}; run without "
                          "{resume} to start afresh", ["resume"])
    return record


class StagedFolder:
    """Build `final` in a staging folder (`path`) and rename it to `final` only when complete.

    Args:
        final: the folder to create. Its name may be changed (`final` attribute) until the block
            ends, e.g. once the accuracy in a default model name is known.
        overwrite: replace an existing `final` (else it is an error, and nothing is written).
        private: stage in a fresh hidden folder of its own (for outputs that several processes
            may build at once, such as cache entries); else in `FINAL.partial`.
        keep_existing: if `final` appeared while building (another process built it), keep that
            one and discard this build.
        resumable: an interrupted run (Ctrl-C, or a killed process) leaves `FINAL.partial` for
            `resume`, and so does a resumed run refused for its options (`ConfigError`: the
            options are wrong, not the run); other failures remove it.
        resume: continue in the `FINAL.partial` an interrupted run left, instead of clearing it.

    Example:
        >>> with StagedFolder(Path("staged_example"), overwrite=True) as stage:
        ...     _ = (stage.path / "result.txt").write_text("done")
        >>> stage.path.name, sorted(p.name for p in Path("staged_example").iterdir())
        ('staged_example.partial', ['result.txt'])
    """

    def __init__(self, final: Path, overwrite: bool = False, private: bool = False,
                 keep_existing: bool = False, resumable: bool = False, resume: bool = False):
        self.final = Path(final)
        self.overwrite, self.private, self.keep_existing = overwrite, private, keep_existing
        self.resumable, self.resume = resumable, resume
        self.path = self.final.with_name(self.final.name + ".partial")

    def refuse_taken(self) -> None:
        """Raise the "already exists" error if `final` exists and may not be replaced: called by
        `__enter__`, and by callers before long preparations (the rename checks again)."""
        if self.final.exists() and not (self.overwrite or self.keep_existing):
            raise self._exists_error()

    def __enter__(self) -> "StagedFolder":
        self.refuse_taken()
        self._made_parents = [p for p in [self.final.parent, *self.final.parent.parents]
                              if not p.exists()]  # deepest first; removed again if the build fails
        try:
            self._make_staging_folder()
        except OSError as err:  # e.g. a read-only folder: name the output, not the staging folder
            self._abandon(err)
            raise
        return self

    def _make_staging_folder(self) -> None:
        self.final.parent.mkdir(parents=True, exist_ok=True)
        if self.private:
            self.path = Path(tempfile.mkdtemp(prefix=f".{self.final.name}.", suffix=".partial",
                                              dir=self.final.parent))
            return
        if self.path.exists() and not self.resume:
            log.warning("removing %s, left by an interrupted run%s", self.path,
                        " (--resume continues such a run)" if self.resumable else "")
            shutil.rmtree(self.path)
        elif self.path.exists():
            log.info("resuming the interrupted run in %s", self.path)
        self.path.mkdir(exist_ok=True)

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            if self.resumable and _interrupts.caused(exc):
                exc.add_note(f"{self.path} is kept for --resume")  # the CLI's one line says it
            elif not (self.resumable and self.resume and issubclass(exc_type, ConfigError)):
                shutil.rmtree(self.path, ignore_errors=True)  # (refused options keep the run)
                self._abandon(exc)
            return
        if self.final.exists() and not self.overwrite:
            shutil.rmtree(self.path, ignore_errors=True)
            if self.keep_existing:
                return
            raise self._exists_error()
        previous = None
        if self.final.exists():
            previous = Path(tempfile.mkdtemp(prefix=f".{self.final.name}.", suffix=".old",
                                             dir=self.final.parent))
            self.final.rename(previous / self.final.name)
        self.path.rename(self.final)
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)

    def _abandon(self, exc: BaseException) -> None:
        """Remove the parent folders this build made; an OSError (a full disk, a read-only
        folder) is told which output failed."""
        for parent in self._made_parents:
            try:
                parent.rmdir()
            except OSError:  # not empty: something else was written there meanwhile
                break
        if isinstance(exc, OSError):
            exc.add_note(f"while writing {self.final}; nothing was kept")

    def _exists_error(self) -> ConfigError:
        if self.resume and not self.path.exists():  # the run to resume finished: keep its model
            return ConfigError(f"{self.final}: that run finished, so there is nothing to resume; "
                               "its model is complete (pass {overwrite} without {resume} only to "
                               "train it again)", ["overwrite", "resume"])
        return ConfigError(f"{self.final}: already exists; pass {{overwrite}} to replace it",
                           ["overwrite"])

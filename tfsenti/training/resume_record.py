"""The record a resumable run keeps of its options (`OUT.partial/work/options.json`): a resumed
run has to repeat them, and `--precision auto` keeps the precision the run chose when it started.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from tfsenti._staging import read_record, whole_file
from tfsenti.config import TrainConfig
from tfsenti.errors import ConfigError
from tfsenti.precision import resolve_precision

log = logging.getLogger(__name__)

RUN_OPTIONS = "options.json"  # in a run's work_dir: the TrainConfig a resume has to repeat


def run_precision(config: TrainConfig, work_dir: Path | None) -> TrainConfig:
    """`config` with `--precision auto` resolved: to the precision that the run being resumed in
    `work_dir` recorded, whatever this machine would choose (a preempted run restarted on another
    kind of CPU: its checkpoint and encoder conversion are that precision's), else as
    `resolve_precision` chooses.

    Example:
        >>> import tempfile
        >>> work = Path(tempfile.mkdtemp())
        >>> same_options_as_before(TrainConfig(precision="mixed_bfloat16"), work)
        >>> run_precision(TrainConfig(precision="auto"), work).precision
        'mixed_bfloat16'
    """
    record = None if work_dir is None else work_dir / RUN_OPTIONS
    if config.precision == "auto" and record is not None and record.is_file():
        config = dataclasses.replace(config, precision=read_record(record).get("precision", "auto"))
        if config.precision != "auto":  # else a record without one: resolved afresh below
            log.info("--precision auto: %s, as the run being resumed chose", config.precision)
    return resolve_precision(config)


def same_options_as_before(config: TrainConfig, work_dir: Path) -> None:
    """Record `config` in `work_dir`, or, where a run that is being resumed recorded its own,
    raise `ConfigError` naming each option that differs: its checkpoint holds a model, optimizer
    state and schedule built for those options.

    Example:
        >>> import tempfile
        >>> work = Path(tempfile.mkdtemp())
        >>> same_options_as_before(TrainConfig(lr=1e-4), work)  # the first run records them
        >>> try:
        ...     same_options_as_before(TrainConfig(lr=2e-5, seed=7), work)
        ... except ConfigError as error:
        ...     print(error.options, str(error).split(";")[0])
        ('lr', 'seed') the run being resumed had lr 0.0001 (now 2e-05), seed 42 (now 7)
    """
    path = work_dir / RUN_OPTIONS
    if not path.is_file():
        work_dir.mkdir(parents=True, exist_ok=True)
        with whole_file(path) as f:
            f.write(config.to_json().encode())
        return
    before, now = read_record(path), dataclasses.asdict(config)
    changed = [name for name, value in now.items() if before.get(name, value) != value]
    if changed:
        raise ConfigError("the run being resumed had " + ", ".join(
            f"{{{name}}} {before[name]!r} (now {now[name]!r})" for name in changed)
            + "; resume with the same options or start afresh", changed)

"""`--strategy default|mirrored|multiworker|tpu`: the tf.distribute strategy of a run.

- `default`: one device (the first GPU if there is one, else the CPU).
- `mirrored`: synchronous data parallelism over every local GPU (or, with none, every logical
  CPU device): `MirroredStrategy`.
- `multiworker`: the same over several machines: `MultiWorkerMirroredStrategy`, configured by the
  `TF_CONFIG` environment variable every worker sets (same command on each, its own task index).
- `tpu`: `TPUStrategy` on the TPU named by `TPU_NAME` (default: the local TPU VM).

The model and optimizer are built under `strategy.scope()`; `--batch-size` is the global batch,
split across replicas. A strategy is created once per process (MultiWorkerMirroredStrategy must
be created before TensorFlow runs anything else, which is why `fine_tune` asks for it first).
"""

from __future__ import annotations

import json
import os

import tensorflow as tf

from tfsenti.errors import ConfigError

_STRATEGIES: dict[str, tf.distribute.Strategy] = {}


def read_tf_config() -> dict:
    """The parsed `TF_CONFIG` of a multi-worker run, or a `ConfigError` saying what is wrong.

    Example:
        >>> import os, json
        >>> os.environ["TF_CONFIG"] = json.dumps({"cluster": {"worker": ["127.0.0.1:12345"]},
        ...                                       "task": {"type": "worker", "index": 0}})
        >>> read_tf_config()["task"]
        {'type': 'worker', 'index': 0}
        >>> del os.environ["TF_CONFIG"]
    """
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        raise ConfigError("{strategy} multiworker needs TF_CONFIG (cluster and task) in the "
                          "environment of every worker", ["strategy"])
    try:
        config = json.loads(raw)
    except json.JSONDecodeError as err:
        raise ConfigError(f"TF_CONFIG is not valid JSON ({err.msg} at character {err.pos})") from None
    cluster, task = (config.get("cluster"), config.get("task")) if isinstance(config, dict) else (None, None)
    if not isinstance(cluster, dict) or not cluster or not all(
            isinstance(hosts, list) and hosts and all(isinstance(h, str) for h in hosts)
            for hosts in cluster.values()):
        raise ConfigError('TF_CONFIG "cluster" must map job names to lists of "host:port" strings')
    if not isinstance(task, dict) or task.get("type") not in cluster:
        raise ConfigError(f'TF_CONFIG "task.type" must be one of the cluster jobs {sorted(cluster)}')
    index = task.get("index")
    if not isinstance(index, int) or not 0 <= index < len(cluster[task["type"]]):
        raise ConfigError(f'TF_CONFIG "task.index" must be an integer in [0, '
                          f'{len(cluster[task["type"]])}) for job {task["type"]!r} (got {index!r})')
    return config


def get_strategy(name: str) -> tf.distribute.Strategy:
    """The process's strategy for `name` (created on first use).

    Example:
        >>> get_strategy("default").num_replicas_in_sync
        1
    """
    if name not in _STRATEGIES:
        _STRATEGIES[name] = _create(name)
    return _STRATEGIES[name]


def _create(name: str) -> tf.distribute.Strategy:
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([d.name for d in devices])
    if name == "multiworker":
        read_tf_config()
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "tpu":
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver(
                tpu=os.environ.get("TPU_NAME", "local"))
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
        except (ValueError, RuntimeError, tf.errors.OpError) as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise ConfigError(f"{{strategy}} tpu: no TPU reachable ({first})", ["strategy"]) from None
        return tf.distribute.TPUStrategy(resolver)
    raise ConfigError(f"{{strategy}} {name!r} is not a strategy", ["strategy"])


def worker_shard(strategy: tf.distribute.Strategy) -> tuple[int, int]:
    """(number of workers, this worker's index; the chief first) for sharding examples."""
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return 1, 0
    config = read_tf_config()
    order = [(job, i) for job in ("chief", "worker") for i in range(len(config["cluster"].get(job, [])))]
    return len(order), order.index((config["task"]["type"], config["task"]["index"]))


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """Whether this process writes the outputs: the first worker of `worker_shard` (the chief, or
    worker 0 when there is none); on one machine, always."""
    return worker_shard(strategy)[1] == 0

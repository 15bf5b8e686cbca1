"""A double-array trie in the unit layout of darts-clone, as tensorflow_text's TFLite kernels
read it (`FastBertNormalizer` models keep their character table in one).

Each node is one uint32 unit: its label (the byte that leads to it) in bits 0-7, "has a value" in
bit 8, and in bits 10-30 the XOR offset from its position to the base of its children: the child
reached by byte `c` sits at `base ^ c`, and the value of a key ending here at `base ^ 0`, in a unit
with bit 31 set (so no byte ever matches it). Every node gets its own base, so a byte a node
lacks never lands on another node's child with the same label.

Example:
    >>> units = build_trie({b"ab": 7, b"b": 9})
    >>> lookup(units, b"ab"), lookup(units, b"b"), lookup(units, b"a"), lookup(units, b"c")
    (7, 9, None, None)
"""

from __future__ import annotations

import numpy as np

_LEAF = 0x100
_IS_VALUE = 0x80000000
_MAX_OFFSET = 1 << 21  # offsets are stored in 21 bits (no extension bit needed below this)


def build_trie(entries: dict[bytes, int]) -> np.ndarray:
    """The units (uint32) of a trie mapping each non-empty key without NUL bytes to its value
    (0 <= value < 2**31)."""
    root: dict = {}
    for key, value in entries.items():
        if not key or 0 in key or not 0 <= value < _IS_VALUE:
            raise ValueError(f"cannot store key {key!r} with value {value}")
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = value  # label 0: the key ends here
    units = np.zeros(_MAX_OFFSET, np.uint32)
    used = np.zeros(_MAX_OFFSET, bool)  # positions taken by a node or a value
    is_base = np.zeros(_MAX_OFFSET, bool)
    used[0] = True  # the root
    first_free, end = 1, 256
    pending = [(root, 0)]
    while pending:
        node, position = pending.pop()
        labels = np.asarray(sorted(node))
        while used[first_free]:
            first_free += 1
        base = _free_base(used, is_base, labels, first_free & ~0xFF)
        is_base[base] = True
        used[base ^ labels] = True
        end = max(end, (base | 0xFF) + 1)  # every byte from a node stays inside the array
        units[position] |= (position ^ base) << 10 | (_LEAF if 0 in node else 0)
        for label in labels.tolist():
            if label == 0:
                units[base] = _IS_VALUE | node[0]
            else:
                units[base ^ label] = label
                pending.append((node[label], base ^ label))
    return units[:end].copy()


def _free_base(used: np.ndarray, is_base: np.ndarray, labels: np.ndarray, start: int) -> int:
    """The first base from `start` on, not another node's, whose slots `base ^ label` are all
    free; searched 4,096 candidates at a time."""
    for low in range(start, len(used) - 4096, 4096):
        bases = np.arange(low, low + 4096)
        free = ~is_base[bases]
        for label in labels:
            free &= ~used[bases ^ label]
        if free.any():
            return int(bases[free.argmax()])
    raise ValueError("trie too large for 21-bit offsets")


def lookup(units: np.ndarray, key: bytes) -> int | None:
    """The value stored for `key`, or None (the traversal tensorflow_text's kernels do)."""
    position, unit = 0, int(units[0])
    for byte in key:
        position ^= _offset(unit) ^ byte
        if position >= len(units):
            return None
        unit = int(units[position])
        if unit & 0x800000FF != byte:
            return None
    if not unit & _LEAF:
        return None
    return int(units[position ^ _offset(unit)]) & 0x7FFFFFFF


def _offset(unit: int) -> int:
    return (unit >> 10) << ((unit & 0x200) >> 6)

"""The ablation's finished pieces as JSON, so that they can cross a process boundary.

`ablate` keeps each piece of its work in a cache as soon as it is done: the static comparison
under `static_key` (a list of `VariantResult` without runs) and every trial's record under
`train_key` (a `TrainRecord`). The studio runs its ablations in a worker process, which sends
every new piece back as JSON while it works, so that a stopped run keeps its finished trials and
a later run does not redo them. `to_json` and `from_json` are the two directions; only JSON
crosses (nothing is unpickled), and a piece is rebuilt with the receiver's own `Variant`s (the
variants of one design and one set of choices are the same in every process).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any, Optional

from resattn.lab.ablate import Static, VariantResult
from resattn.lab.probe import TrainRecord
from resattn.lab.variants import Variant

STATIC, TRAIN = "static", "train"


def kind_of(key: str) -> str:
    """``"static"`` or ``"train"``: what the cache key `key` holds."""
    kind = json.loads(key)[0]
    if kind not in (STATIC, TRAIN):
        raise ValueError(f"not an ablation cache key: {key[:80]!r}")
    return kind


def to_json(key: str, value) -> Any:
    """The JSON form of the piece `value` kept under `key`."""
    if kind_of(key) == TRAIN:
        return value.to_json()
    return [
        {
            "name": r.variant.name,
            "static": {**asdict(r.static), "latency_samples": list(r.static.latency_samples)},
            "overhead_pct": r.overhead_pct,
            "warnings": r.warnings,
            "latency_within_noise": r.latency_within_noise,
        }
        for r in value
    ]


def from_json(key: str, data: Any, variants: Sequence[Variant]):
    """The piece `to_json` wrote, rebuilt with `variants` (the ablation's own, by name)."""
    if kind_of(key) == TRAIN:
        return TrainRecord.from_json(data)
    by_name = {v.name: v for v in variants}
    rows = []
    for row in data:
        static = dict(row["static"])
        static["latency_samples"] = tuple(static.get("latency_samples", ()))
        rows.append(
            VariantResult(
                by_name[row["name"]],
                Static(**static),
                row["overhead_pct"],
                row["warnings"],
                latency_within_noise=row["latency_within_noise"],
            )
        )
    return rows


class ReportingCache(dict):
    """A cache for `ablate` that calls `on_new(key, json)` for every piece stored in it, and
    starts from `known` pieces (key → JSON, rebuilt with `variants`)."""

    def __init__(
        self,
        variants: Sequence[Variant],
        known: Optional[dict[str, Any]] = None,
        on_new: Optional[Callable[[str, Any], None]] = None,
    ):
        super().__init__({k: from_json(k, v, variants) for k, v in (known or {}).items()})
        self.on_new = on_new

    def __setitem__(self, key: str, value) -> None:
        super().__setitem__(key, value)
        if self.on_new is not None:
            self.on_new(key, to_json(key, value))

    def to_json(self) -> dict[str, Any]:
        """Every piece, as JSON."""
        return {k: to_json(k, v) for k, v in self.items()}

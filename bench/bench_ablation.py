"""Benchmark: wall time of the default ablation (baseline, P1, P2, P3, P4) of a design.

    python bench/bench_ablation.py [SPEC] [--epochs N] [--threads T] [--no-latency]

Runs `resattn.lab.ablate.ablate`, the loop ``resattn ablate SPEC`` and the studio's Compare tab
share — static figures of the five variants (counts at the design's full size, latencies timed
in turns) and one probe training per variant on the digits — and prints the wall time of each
phase, each variant's training time (from its per-variant progress), and the total. Target on a
2-core machine: the default ablation in ≤ 60 s.
"""

from __future__ import annotations

import argparse
import time

import torch

from resattn.lab.ablate import ablate
from resattn.lab.probe import ProbeConfig
from resattn.loading import load_spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", nargs="?", default="preset:se_bottleneck")
    parser.add_argument("--epochs", type=int, default=ProbeConfig.epochs)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-latency", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    spec = load_spec(args.spec)
    config = ProbeConfig(epochs=args.epochs)

    marks: list[float] = []  # the end of the static phase, then of each variant
    took: dict[int, float] = {}

    def overall(fraction: float, message: str) -> None:
        if fraction >= 0.1 and not marks:  # the lab gives the static phase the first 10 %
            marks.append(time.perf_counter())

    def each(index: int, fraction: float, message: str) -> None:
        if fraction >= 1.0:
            marks.append(time.perf_counter())
            took[index] = marks[-1] - marks[-2]

    start = time.perf_counter()
    result = ablate(
        spec, config=config, latency=not args.no_latency, progress=overall, variant_progress=each
    )
    total = time.perf_counter() - start
    static_s = marks[0] - start
    training_s = sum(took.values())
    print(
        f"{args.spec}: default ablation, {len(result.results)} variants, {args.epochs} epochs, "
        f"{args.threads} thread(s) for the static figures"
    )
    print(f"  static comparison (counts + latency in turns)  {static_s:7.2f} s")
    for i, r in enumerate(result.results):
        record = r.train
        acc = record.val_accuracy[-1] if record and record.val_accuracy else float("nan")
        print(
            f"  train {r.variant.name:<10} {took.get(i, float('nan')):7.2f} s   "
            f"held-out accuracy {acc:.3f}   "
            f"latency {r.static.latency_ms or float('nan'):8.2f} ms"
        )
    print(f"  training, all variants                         {training_s:7.2f} s")
    print(f"  total wall time                                {total:7.2f} s  (target ≤ 60 s)")


if __name__ == "__main__":
    main()

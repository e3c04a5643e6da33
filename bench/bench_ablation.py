"""Benchmark: wall time of the default ablation (baseline, P1, P2, P3, P4) of a design.

    python bench/bench_ablation.py [SPEC] [--epochs N] [--threads T] [--no-latency]

Runs what ``resattn ablate SPEC`` and the studio's Compare tab run — static figures of the five
variants (counts at the design's full size, latencies timed in turns) and one probe training
per variant on the digits — and prints the wall time of each phase, each variant's training
time, and the total. Target on a 2-core machine: the default ablation in ≤ 60 s.
"""

from __future__ import annotations

import argparse
import time

import torch

from resattn.lab.ablate import compare
from resattn.lab.probe import ProbeConfig, train_probe
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

    start = time.perf_counter()
    results = compare(spec, latency=not args.no_latency)
    static_s = time.perf_counter() - start
    print(
        f"{args.spec}: default ablation, {len(results)} variants, {args.epochs} epochs, "
        f"{args.threads} thread(s) for the static figures"
    )
    print(f"  static comparison (counts + latency in turns)  {static_s:7.2f} s")
    training_s = 0.0
    for r in results:
        t = time.perf_counter()
        record = train_probe(r.variant.spec, config).record
        took = time.perf_counter() - t
        training_s += took
        acc = record.val_accuracy[-1] if record.val_accuracy else float("nan")
        print(
            f"  train {r.variant.name:<10} {took:7.2f} s   held-out accuracy {acc:.3f}   "
            f"latency {r.static.latency_ms or float('nan'):8.2f} ms"
        )
    total = time.perf_counter() - start
    print(f"  training, all variants                         {training_s:7.2f} s")
    print(f"  total wall time                                {total:7.2f} s  (target ≤ 60 s)")


if __name__ == "__main__":
    main()

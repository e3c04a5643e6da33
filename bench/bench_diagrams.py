"""Benchmark: the renderers on a 1,024-block network (linear time), and a design with RA101.

    python bench/bench_diagrams.py [--repeats 5]

Prints medians over `--repeats` runs, each with the trace cache cleared first (a design seen
for the first time), of `render_ascii`, `graph_data`, `render_dot` and `render_svg` (collapsed
stages, and every stage expanded) for a network of 16 stages × 64 basic blocks with all four
slots filled (target: ≤ 2 s each), and, in the same run, the ratio to the same renderer on a
16-block network of the same stages (1 × 16 stages): linear time in the blocks keeps the
ratio far below the 64 × the block count grew by. Figures are reported, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from resattn.check import clear_trace_cache
from resattn.diagrams.agraph import graph_data
from resattn.diagrams.ascii import render_ascii
from resattn.diagrams.dot import render_dot, render_svg
from schemas import parse_spec

SLOTS = {
    "pre_residual": {"type": "se"},
    "branch": {"type": "cbam"},
    "skip": {"type": "eca"},
    "post_add": {"type": "coord"},
}


def network(depth: int):
    stage = {"depth": depth, "out_channels": 64, "block": {"type": "basic"}, "slots": SLOTS}
    return parse_spec(
        {
            "name": f"net_{16 * depth}",
            "input": {"channels": 3, "height": 64, "width": 64},
            "stem": {"type": "cifar", "out_channels": 64},
            "stages": [stage] * 16,
            "num_classes": 10,
        }
    )


def median_s(func: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        clear_trace_cache()
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    big, small = network(64), network(1)
    every = range(16)
    cases = {
        "render_ascii": lambda s: render_ascii(s, shapes=True),
        "graph_data": lambda s: graph_data(s),
        "graph_data (all expanded)": lambda s: graph_data(s, expand=every),
        "render_dot": lambda s: render_dot(s),
        "render_svg": lambda s: render_svg(s),
        "render_svg (all expanded)": lambda s: render_svg(s, expand=every),
    }
    render_ascii(small)  # imports and first-use costs out of the figures
    print(f"{'renderer':<28}{'1,024 blocks':>14}{'16 blocks':>12}{'ratio':>8}   (64× the blocks)")
    for name, func in cases.items():
        t_big = median_s(lambda f=func: f(big), args.repeats)
        t_small = median_s(lambda f=func: f(small), args.repeats)
        print(f"{name:<28}{t_big * 1000:>11.0f} ms{t_small * 1000:>9.0f} ms{t_big / t_small:>8.2f}")
    bad = parse_spec(
        {
            "input": {"channels": 8, "height": 8, "width": 8},
            "block": {"type": "basic", "out_channels": 16, "stride": 2},
            "shortcut": "identity",
        }
    )
    t_bad = median_s(lambda: (render_ascii(bad), render_svg(bad)), args.repeats)
    print(f"RA101 block (ASCII + SVG, add marked): {t_bad * 1000:.0f} ms")


if __name__ == "__main__":
    main()

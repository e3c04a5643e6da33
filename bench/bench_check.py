"""Benchmark: check() and the two diagrams, and profile(), on a 256-channel SE bottleneck.

    python bench/bench_check.py [--repeats 15] [--threads 2] [SPEC]

Prints medians over `--repeats` runs (targets on a 2-core machine: check() + ASCII + DOT of a
new design ≤ 50 ms; profile() with latency ≤ 3 s) and, in the same run, ratios against
hand-written references:

* check(): a bare meta-device build + forward of the same block (the least any shape trace
  costs) — "cold" clears the trace cache first (a design seen for the first time), "warm"
  does not (the studio re-rendering a design it has seen).
* profile(): a bare loop timing 20 inference forwards of the same module, plus one bare fvcore
  count — the latency and counting profile() cannot avoid.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
from fvcore.nn import FlopCountAnalysis

from resattn.check import check, clear_trace_cache
from resattn.diagrams.ascii import render_ascii
from resattn.diagrams.dot import render_dot
from resattn.fusion import build_block
from resattn.loading import load_spec
from resattn.profile import profile

DEFAULT_SPEC = "preset:se_bottleneck"  # 256 → 256 bottleneck at 56×56, SE in the branch


def median_ms(func: Callable[[], object], repeats: int, setup: Callable[[], None] = None) -> float:
    times = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        start = time.perf_counter()
        func()
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def bare_meta_forward(spec) -> None:
    with torch.device("meta"):
        model = build_block(spec).eval()
    inp = spec.input
    model(torch.empty(inp.batch, inp.channels, inp.height, inp.width, device="meta"))


def check_and_draw(spec) -> None:
    check(spec)
    render_ascii(spec)
    render_dot(spec)


def bare_profile(spec) -> None:
    model = build_block(spec).eval()
    inp = spec.input
    x = torch.randn(inp.batch, inp.channels, inp.height, inp.width)
    FlopCountAnalysis(model, (x,)).unsupported_ops_warnings(False).total()
    with torch.inference_mode():
        for _ in range(22):  # 2 warm-up + 20 timed, as profile() does at most
            model(x)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", nargs="?", default=DEFAULT_SPEC, metavar="SPEC")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--profile-repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    spec = load_spec(args.spec)
    check_and_draw(spec)  # warm-up: imports, first meta dispatch
    bare_meta_forward(spec)
    n = args.repeats
    rows = [
        ("reference: bare meta build + forward", median_ms(lambda: bare_meta_forward(spec), n)),
        ("check() cold", median_ms(lambda: check(spec), n, clear_trace_cache)),
        ("check() warm", median_ms(lambda: check(spec), n)),
        ("render_ascii() warm", median_ms(lambda: render_ascii(spec), n)),
        ("render_dot() warm", median_ms(lambda: render_dot(spec), n)),
        ("check + ASCII + DOT cold", median_ms(lambda: check_and_draw(spec), n, clear_trace_cache)),
    ]
    reference = rows[0][1]
    print(f"{spec.name}: torch {torch.__version__}, {args.threads} thread(s), median of {n} runs\n")
    print(f"{'what':40} {'median ms':>10} {'× reference':>12}")
    for what, ms in rows:
        print(f"{what:40} {ms:10.2f} {ms / reference:12.2f}")
    print(f"target: check + ASCII + DOT cold ≤ 50 ms → {rows[-1][1]:.1f} ms\n")

    m = args.profile_repeats
    bare = median_ms(lambda: bare_profile(spec), m) / 1000
    full = median_ms(lambda: profile(spec, latency=True), m) / 1000
    counts = median_ms(lambda: profile(spec, latency=False), m) / 1000
    print(f"{'what':40} {'median s':>10} {'× reference':>12}")
    print(f"{'reference: fvcore count + 22 forwards':40} {bare:10.2f} {1:12.2f}")
    print(f"{'profile(latency=False)':40} {counts:10.2f} {counts / bare:12.2f}")
    print(f"{'profile(latency=True)':40} {full:10.2f} {full / bare:12.2f}")
    print(f"target: profile() with latency ≤ 3 s → {full:.2f} s (median of {m})")


if __name__ == "__main__":
    main()

"""Benchmark: speed-up of the BN-folded inference module over the unfolded eval-mode module.

    python bench/bench_export.py [--repeats 15] [--threads 2] [SPEC ...]

Both modules run in the same process, interleaved (eval, folded, eval, folded, …) so machine
load hits both alike; each repetition times `--inner` forwards of each, and the figure reported
is the median over repetitions of the per-repetition ratio eval-time / folded-time (> 1 means
folding is faster). The folded output is checked against the eval output first (atol 1e-5).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from resattn.build import build
from resattn.export.fold_bn import count_batchnorms, fold_batchnorm
from resattn.loading import load_spec

DEFAULT_SPECS = ["preset:se_bottleneck", "preset:p4_cbam", "preset:resnet18", "preset:resnet50"]


def _time(model: torch.nn.Module, x: torch.Tensor, inner: int) -> float:
    start = time.perf_counter()
    for _ in range(inner):
        model(x)
    return (time.perf_counter() - start) / inner


def bench(spec_text: str, repeats: int, inner: int) -> dict:
    spec = load_spec(spec_text)
    torch.manual_seed(0)
    model = build(spec).eval()
    folded = fold_batchnorm(model)
    inp = spec.input
    x = torch.randn(inp.batch, inp.channels, inp.height, inp.width)
    with torch.inference_mode():
        diff = (folded(x) - model(x)).abs().max().item()
        assert diff <= 1e-5, f"{spec_text}: folded output differs by {diff}"
        for _ in range(2):  # warm-up
            _time(model, x, 1), _time(folded, x, 1)
        eval_s, fold_s = [], []
        for _ in range(repeats):
            eval_s.append(_time(model, x, inner))
            fold_s.append(_time(folded, x, inner))
    return {
        "spec": spec_text,
        "bn": f"{count_batchnorms(model)}→{count_batchnorms(folded)}",
        "eval_ms": 1e3 * statistics.median(eval_s),
        "folded_ms": 1e3 * statistics.median(fold_s),
        "ratio": statistics.median(e / f for e, f in zip(eval_s, fold_s, strict=True)),
        "max_abs_diff": diff,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*", default=DEFAULT_SPECS, metavar="SPEC")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--inner", type=int, default=3, help="forwards per timing")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"BN folding speed-up, torch {torch.__version__}, {args.threads} thread(s), median of")
    print(f"{args.repeats} repetitions × {args.inner} forwards; ratio = eval time / folded time\n")
    header = f"{'spec':28} {'BNs':>8} {'eval ms':>9} {'folded ms':>10} {'ratio':>7} {'max|Δ|':>9}"
    print(header)
    print("-" * len(header))
    for text in args.specs:
        r = bench(text, args.repeats, args.inner)
        print(
            f"{r['spec']:28} {r['bn']:>8} {r['eval_ms']:9.2f} {r['folded_ms']:10.2f} "
            f"{r['ratio']:7.3f} {r['max_abs_diff']:9.1e}"
        )


if __name__ == "__main__":
    main()

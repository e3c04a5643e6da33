"""`resattn ablate SPEC`: the notes' §8 ablation — baseline / P1 / P2 / P3 / P4 side by side."""

from __future__ import annotations

import sys

from resattn.cli import EXIT_OK
from resattn.commands._common import add_spec_argument, print_json

NAME = "ablate"
HELP = (
    "compare the fusion patterns of a design (params, MACs, latency) and probe their training "
    "stability on the digits"
)


def add_arguments(parser) -> None:
    from resattn.lab.probe import SEED_LIMIT, ProbeConfig
    from schemas import ATTENTION_MODELS

    add_spec_argument(parser)
    parser.add_argument(
        "--attention",
        choices=sorted(ATTENTION_MODELS),
        help="attention type of every variant (default: the design's first attention, else SE)",
    )
    parser.add_argument(
        "--variant",
        action="append",
        metavar="[TYPE:]PATTERN[@STAGES]",
        help="a variant to run (repeatable; default baseline, P1, P2, P3, P4), e.g. cbam:P1, "
        "or P1@3,4 for attention in stages 3 and 4 of a network only",
    )
    parser.add_argument(
        "--epochs",
        type=_int_in("epochs", 1, 100),
        default=ProbeConfig.epochs,
        metavar="N",
        help="training epochs (1-100)",
    )
    parser.add_argument(
        "--seed",
        type=_int_in("seed", 0, SEED_LIMIT - 1),
        default=ProbeConfig.seed,
        metavar="S",
        help="random seed of every variant's probe (0 to 2**32 - 1)",
    )
    parser.add_argument(
        "--time-budget",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="stop each variant's training after this many seconds, a finite number > 0 "
        "(the curves say so)",
    )
    parser.add_argument("--no-train", action="store_true", help="static comparison only")
    parser.add_argument("--no-latency", action="store_true", help="skip the latency runs")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")


def _int_in(name: str, low: int, high: int):
    """An argparse type: an integer in [low, high]. Named `name`, so that argparse reports
    text that is no integer as "invalid NAME value: 'TEXT'"."""
    import argparse

    def parse(text: str) -> int:
        value = int(text)  # ValueError → argparse: "invalid NAME value"
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{name} must be between {low} and {high} (got {value})"
            )
        return value

    parse.__name__ = name
    return parse


def _seconds(text: str) -> float:
    """An argparse type: a finite number of seconds > 0 ("nan" and "inf" are refused)."""
    import argparse
    import math

    value = float(text)  # ValueError → argparse: "invalid time budget value"
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(
            f"time budget must be a finite number of seconds > 0 (got {text!r})"
        )
    return value


_seconds.__name__ = "time budget"


def run(args) -> int:
    from resattn.lab.ablate import ablate
    from resattn.lab.probe import ProbeConfig
    from resattn.loading import load_spec

    spec = load_spec(args.spec)
    config = ProbeConfig(epochs=args.epochs, seed=args.seed, time_budget_s=args.time_budget)
    result = ablate(
        spec,
        args.variant,
        args.attention,
        config=config,
        latency=not args.no_latency,
        train=not args.no_train,
        progress=_print_progress if sys.stderr.isatty() and not args.json else None,
    )
    if args.json:
        print_json(result.to_json())
    else:
        _print_table(result)
    return EXIT_OK


def _print_progress(fraction: float, message: str) -> None:
    end = "\n" if fraction >= 1.0 else ""
    sys.stderr.write(f"\r{100 * fraction:5.1f}%  {message[:70]:<70}{end}")
    sys.stderr.flush()


def _fmt(value, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def _print_table(result) -> None:
    print(
        f"{'variant':<14}{'params':>12}{'MACs':>16}{'elementwise':>14}{'latency ms':>12}"
        f"{'+params %':>10}{'+lat %':>9}{'val acc':>9}"
    )
    for r in result.results:
        s, o = r.static, r.overhead_pct
        acc = r.train.val_accuracy[-1] if r.train and r.train.val_accuracy else None
        print(
            f"{r.variant.name:<14}{s.params:>12,}{s.macs:>16,}{s.elementwise_ops:>14,}"
            f"{_fmt(s.latency_ms, '.2f'):>12}{_fmt(o.get('params'), '+.1f'):>10}"
            f"{_fmt(o.get('latency_ms'), '+.1f'):>9}{_fmt(acc, '.3f'):>9}"
        )

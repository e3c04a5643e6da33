"""`resattn summary SPEC`: parameters, MACs, elementwise ops, FLOPs and output shape."""

from __future__ import annotations

from resattn.commands._common import (
    EXIT_DESIGN,
    EXIT_OK,
    add_spec_argument,
    print_diagnostics,
    print_errors,
    print_json,
)

NAME = "summary"
HELP = "print a design's parameters, MACs, elementwise ops, FLOPs and output shape"


def add_arguments(parser) -> None:
    from resattn.profile import TIME_BUDGET_S

    add_spec_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--latency", action="store_true", help="also time inference on this CPU (a few seconds)"
    )
    parser.add_argument(
        "--time-budget",
        type=_seconds,
        default=TIME_BUDGET_S,
        metavar="SECONDS",
        help="time for the measurements (peak memory, latency); a figure that does not fit is "
        "left out and the summary says why (default 10)",
    )


def _seconds(text: str) -> float:
    import argparse
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a number of seconds ≥ 0, got {text!r}")
    return value


def run(args) -> int:
    from resattn.lint import lint
    from resattn.loading import load_spec
    from resattn.profile import latency_settings, profile

    spec = load_spec(args.spec)
    diagnostics = lint(spec)
    findings = [d.model_dump() for d in diagnostics]
    if any(d.severity == "error" for d in diagnostics):
        if args.json:
            print_json({"name": spec.name, "kind": spec.kind, "diagnostics": findings})
        else:
            print_errors(diagnostics)
        return EXIT_DESIGN
    # measured as the studio's Profile tab measures it (the same settings: docs/studio.md)
    prof = profile(spec, latency=args.latency, **latency_settings(args.time_budget))
    result = {"name": spec.name, "kind": spec.kind, **prof.to_json(), "diagnostics": findings}
    if not args.latency:
        for key in ("latency_ms", "latency_spread_ms", "latency_runs"):
            result.pop(key)
        result["attention"].pop("latency_pct")
    if args.json:
        print_json(result)
        return EXIT_OK
    attn = prof.attention
    print(f"{spec.name} ({spec.kind})")
    print(f"  params           {prof.params:,}  (attention {attn['params']:,})")
    print(f"  MACs             {prof.macs:,}  (conv / linear multiply-accumulates)")
    print(f"  elementwise ops  {prof.elementwise_ops:,}  (gates, pooling, add, BN, ReLU)")
    print(f"  FLOPs            {prof.flops:,}  (2 × MACs + elementwise ops)")
    print(f"  output shape     {' × '.join(map(str, prof.output_shape))}")
    skipped = prof.skipped
    if prof.peak_memory_bytes is not None:
        peak = f"{prof.peak_memory_bytes / 2**20:,.1f} MiB (one inference forward)"
    else:
        peak = skipped["peak_memory_bytes"]
    print(f"  peak memory      {peak}")
    print(
        f"  attention cost   +{attn['params_pct']:.1f}% params, +{attn['macs_pct']:.2f}% MACs, "
        f"+{attn['elementwise_ops_pct']:.1f}% elementwise ops vs. no attention"
    )
    if args.latency and prof.latency_ms is None:
        print(f"  latency          {skipped['latency_ms']}")
    elif args.latency:
        pct = attn["latency_pct"]
        versus = f"attention {pct:+.0f}%" if pct is not None else skipped["latency_pct"]
        print(
            f"  latency          {prof.latency_ms:.2f} ms median ± {prof.latency_spread_ms:.2f} "
            f"(IQR, {prof.latency_runs} runs, {prof.threads} threads; {versus})"
        )
    if prof.unsupported_ops:
        print(f"  not counted      {prof.unsupported_ops}")
    print_diagnostics(diagnostics)
    return EXIT_OK

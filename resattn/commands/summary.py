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
from resattn.i18n import N_, _

NAME = "summary"
HELP = N_("print a design's parameters, MACs, elementwise ops, FLOPs and output shape")


def add_arguments(parser) -> None:
    from resattn.profile import TIME_BUDGET_S

    add_spec_argument(parser)
    parser.add_argument("--json", action="store_true", help=_("print the summary as JSON"))
    parser.add_argument(
        "--latency",
        action="store_true",
        help=_("also time inference on this CPU (a few seconds)"),
    )
    parser.add_argument(
        "--time-budget",
        type=_seconds,
        default=TIME_BUDGET_S,
        metavar="SECONDS",
        help=_(
            "time for the measurements (peak memory, latency); a figure that does not fit is "
            "left out and the summary says why (default 10)"
        ),
    )


def _seconds(text: str) -> float:
    import argparse
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(
            _("expected a number of seconds ≥ 0, got {text}").format(text=repr(text))
        )
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
    print(
        _("  params           {params}  (attention {attention})").format(
            params=f"{prof.params:,}", attention=f"{attn['params']:,}"
        )
    )
    print(
        _("  MACs             {macs}  (conv / linear multiply-accumulates)").format(
            macs=f"{prof.macs:,}"
        )
    )
    print(
        _("  elementwise ops  {ops}  (gates, pooling, add, BN, ReLU)").format(
            ops=f"{prof.elementwise_ops:,}"
        )
    )
    print(
        _("  FLOPs            {flops}  (2 × MACs + elementwise ops)").format(
            flops=f"{prof.flops:,}"
        )
    )
    print(_("  output shape     {shape}").format(shape=" × ".join(map(str, prof.output_shape))))
    if prof.peak_memory_bytes is not None:
        peak = _("{mib} MiB (one inference forward)").format(
            mib=f"{prof.peak_memory_bytes / 2**20:,.1f}"
        )
    else:
        peak = prof.skip_reason("peak_memory_bytes")
    print(_("  peak memory      {peak}").format(peak=peak))
    print(
        _(
            "  attention cost   +{params}% params, +{macs}% MACs, +{ops}% elementwise ops vs. "
            "no attention"
        ).format(
            params=f"{attn['params_pct']:.1f}",
            macs=f"{attn['macs_pct']:.2f}",
            ops=f"{attn['elementwise_ops_pct']:.1f}",
        )
    )
    if args.latency and prof.latency_ms is None:
        print(_("  latency          {latency}").format(latency=prof.skip_reason("latency_ms")))
    elif args.latency:
        pct = attn["latency_pct"]
        if pct is not None:
            versus = _("attention {pct}%").format(pct=f"{pct:+.0f}")
        else:
            versus = prof.skip_reason("latency_pct")
        print(
            _(
                "  latency          {ms} ms median ± {spread} (IQR, {runs} runs, {threads} "
                "threads; {versus})"
            ).format(
                ms=f"{prof.latency_ms:.2f}",
                spread=f"{prof.latency_spread_ms:.2f}",
                runs=prof.latency_runs,
                threads=prof.threads,
                versus=versus,
            )
        )
    if prof.unsupported_ops:
        print(_("  not counted      {ops}").format(ops=prof.unsupported_ops))
    print_diagnostics(diagnostics)
    return EXIT_OK

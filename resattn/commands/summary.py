"""`resattn summary SPEC`: parameters and output shape of a design."""

from __future__ import annotations

from resattn.cli import EXIT_DESIGN, EXIT_OK
from resattn.commands._common import add_spec_argument, print_diagnostics, print_json

NAME = "summary"
HELP = "print a design's parameter count and output shape"


def add_arguments(parser) -> None:
    add_spec_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def run(args) -> int:
    import torch

    from resattn.build import build, count_params
    from resattn.lint import lint
    from resattn.loading import load_spec

    spec = load_spec(args.spec)
    diagnostics = lint(spec)
    if any(d.severity == "error" for d in diagnostics):
        print_diagnostics(diagnostics)
        return EXIT_DESIGN
    model = build(spec, device="meta").eval()
    inp = spec.input
    with torch.no_grad():
        out = model(torch.empty(inp.batch, inp.channels, inp.height, inp.width, device="meta"))
    result = {
        "name": spec.name,
        "kind": spec.kind,
        "params": count_params(model),
        "output_shape": list(out.shape),
        "diagnostics": [d.model_dump() for d in diagnostics],
    }
    if args.json:
        print_json(result)
    else:
        print(f"{spec.name} ({spec.kind})")
        print(f"  params        {result['params']:,}")
        print(f"  output shape  {' × '.join(map(str, result['output_shape']))}")
        print_diagnostics(diagnostics)
    return EXIT_OK

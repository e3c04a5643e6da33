"""`resattn import MODEL.onnx`: recognise an ONNX model as a design, with its weights."""

from __future__ import annotations

from resattn.commands._common import (
    EXIT_DESIGN,
    EXIT_OK,
    print_diagnostics,
    print_json,
    write_output,
)
from resattn.i18n import N_, _

NAME = "import"
HELP = N_(
    "recognise an ONNX model as a design: print it, its fit report and diagnostics; save the "
    "spec (-o) and the weights (--weights, safetensors). Exit 0 = full fit, 1 = partial fit or "
    "design errors, 2 = not readable as ONNX"
)


def add_arguments(parser) -> None:
    parser.add_argument("model", metavar="MODEL.onnx", help=_("an ONNX model file (≤ 512 MB)"))
    parser.add_argument("-o", "--output", metavar="SPEC.json", help=_("write the recognised spec"))
    parser.add_argument(
        "--weights",
        metavar="FILE.safetensors",
        help=_("write the weights in build(spec)'s keys as safetensors"),
    )
    parser.add_argument("--json", action="store_true", help=_("print the result as JSON"))


def run(args) -> int:
    import json

    from resattn.importing import import_model, save_weights
    from schemas import spec_to_dict

    result = import_model(args.model)
    if result.spec is not None and args.output:
        text = json.dumps(spec_to_dict(result.spec), indent=2, ensure_ascii=False) + "\n"
        write_output(args.output, text)
    if result.spec is not None and args.weights:
        write_output(args.weights, save_weights(result.state_dict))
    if args.json:
        print_json(result.to_dict())
    else:
        _print(result)
    errors = any(d.severity == "error" for d in result.diagnostics)
    return EXIT_OK if result.fit == "full" and not errors else EXIT_DESIGN


def _print(result) -> None:
    from resattn.notebook import distinct_block_diagrams

    if result.spec is None:
        line = _("{source}: no design — the model does not fit spec v1")
        print(line.format(source=result.source))
    else:
        spec = result.spec
        line = _(FITS[result.fit])
        print(line.format(source=result.source, name=spec.name, kind=spec.kind))
        for text in distinct_block_diagrams(spec):
            print()
            print(text)
    print()
    if result.unsupported:
        print(_("fit report:"))
        for finding in result.unsupported:
            print(f"  {finding}")
    else:
        print(_("fit report: every part of the model has its place in the design"))
    print_diagnostics(result.diagnostics)


#: The first line, per fit.
FITS = {
    "full": N_("{source}: full fit → {name} ({kind})"),
    "partial": N_("{source}: partial fit → {name} ({kind})"),
}

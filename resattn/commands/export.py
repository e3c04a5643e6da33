"""`resattn export SPEC --format python|onnx|json|share [--fold-bn] [-o FILE]`."""

from __future__ import annotations

import sys

from resattn.commands._common import EXIT_INPUT, EXIT_OK, add_spec_argument, write_output
from resattn.i18n import N_, _

NAME = "export"
HELP = N_("export a design as standalone PyTorch code, ONNX, a spec JSON file or a share token")


def _python(spec, fold_bn: bool, weights=None) -> str:
    from resattn.export.python_code import export_python

    return export_python(spec, fold_bn=fold_bn, weights=weights)


def _onnx(spec, fold_bn: bool) -> bytes:
    from resattn.export.onnx import export_onnx

    return export_onnx(spec, fold_bn=fold_bn)


def _json(spec, fold_bn: bool) -> str:
    from resattn.export.share import spec_json

    return spec_json(spec)


def _share(spec, fold_bn: bool) -> str:
    from resattn.export.share import share_token

    return share_token(spec) + "\n"


#: format → (writer, takes --fold-bn, binary output)
FORMATS = {
    "python": (_python, True, False),
    "onnx": (_onnx, True, True),
    "json": (_json, False, False),
    "share": (_share, False, False),
}


def add_arguments(parser) -> None:
    add_spec_argument(parser)
    parser.add_argument(
        "--format", "-f", choices=sorted(FORMATS), default="python", help=_("what to write")
    )
    parser.add_argument(
        "--fold-bn",
        action="store_true",
        help=_("inference export: fold each BN into the conv before it (python and onnx)"),
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help=_("write here (default: stdout; onnx needs a file)"),
    )
    parser.add_argument(
        "--weights",
        metavar="FILE.safetensors",
        help=_(
            "python only: build_model() loads this safetensors file (e.g. from `resattn "
            "import --weights`), kept beside the exported file; its keys are checked now"
        ),
    )


def run(args) -> int:
    from resattn.lint import lint
    from resattn.loading import load_spec

    writer, folds, binary = FORMATS[args.format]
    if args.fold_bn and not folds:
        return _usage(
            _("--fold-bn applies to python and onnx exports, not {format}").format(
                format=args.format
            )
        )
    if binary and not args.output:
        return _usage(_("{format} is binary: give a file with -o FILE").format(format=args.format))
    if args.weights and args.format != "python":
        return _usage(
            _("--weights applies to python exports, not {format}").format(format=args.format)
        )
    spec = load_spec(args.spec)
    if args.weights:
        from pathlib import Path

        _check_weights_file(spec, args.weights)
        content = _python(spec, args.fold_bn, Path(args.weights).name)
    else:
        content = writer(spec, args.fold_bn)  # python and onnx refuse a design with errors
    if not args.output:
        sys.stdout.write(content)
    else:
        size = write_output(args.output, content)
        wrote = _("wrote {file} ({size} bytes, {format})")
        print(wrote.format(file=args.output, size=f"{size:,}", format=args.format), file=sys.stderr)
    if not folds:  # the spec itself (json, share): a half-finished design may be saved
        errors = [d for d in lint(spec) if d.severity == "error"]
        if errors:
            codes = ", ".join(
                _("{code} at {path}").format(code=d.code, path=d.path or _("(spec)"))
                for d in errors
            )
            warning = _(
                "warning: exported as is, but the design has {n} error(s) ({codes}); it cannot "
                "be built or exported as code until they are fixed — run `resattn validate` for "
                "the details"
            )
            print(warning.format(n=len(errors), codes=codes), file=sys.stderr)
    return EXIT_OK


def _check_weights_file(spec, path: str) -> None:
    """The weights must load into ``build(spec)``: same keys, same shapes (SpecError if not)."""
    from resattn.build import build
    from resattn.i18n.text import Text
    from resattn.importing import load_weights
    from schemas import Problem, SpecError

    try:
        weights = load_weights(path)
    except FileNotFoundError:
        raise SpecError([Problem(path, Text(N_("no such file")))]) from None
    except Exception as exc:  # noqa: BLE001 - safetensors' own errors: not a weights file
        reason = Text(N_("not a safetensors file ({error})"), error=str(exc))
        raise SpecError([Problem(path, reason)]) from None
    reference = build(spec, device="meta").state_dict()
    missing = [k for k in reference if k not in weights]
    extra = [k for k in weights if k not in reference]
    wrong = [k for k in reference if k in weights and weights[k].shape != reference[k].shape]
    problems = [
        Problem(
            path,
            Text(what, keys=", ".join(keys[:3]) + (" …" if len(keys) > 3 else "")),
        )
        for what, keys in (
            (N_("missing keys: {keys}"), missing),
            (N_("keys the design has no place for: {keys}"), extra),
            (N_("shapes that differ from the design's: {keys}"), wrong),
        )
        if keys
    ]
    if problems:
        raise SpecError(problems, headline=N_("The weights do not fit the design"))


def _usage(message: str) -> int:
    print(_("error: {message}").format(message=message), file=sys.stderr)
    return EXIT_INPUT

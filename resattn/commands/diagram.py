"""`resattn diagram SPEC --format ascii|dot|svg|png [-o FILE]`: draw a design."""

from __future__ import annotations

import sys

from resattn.commands._common import (
    EXIT_DESIGN,
    EXIT_INPUT,
    EXIT_OK,
    add_spec_argument,
    print_errors,
    write_output,
)
from resattn.i18n import N_, _

NAME = "diagram"
HELP = N_("draw a design as ASCII (notes style), Graphviz DOT, SVG or PNG")


def _ascii(spec, args) -> str:
    from resattn.diagrams.ascii import render_ascii

    return render_ascii(spec, shapes=args.shapes, block=args.block)


def _dot(spec, args) -> str:
    from resattn.diagrams.dot import render_dot

    return render_dot(spec, shapes=True, block=args.block)


def _svg(spec, args) -> str:
    from resattn.diagrams.dot import render_svg

    return render_svg(spec, block=args.block)


def _png(spec, args) -> bytes:
    from resattn.diagrams.dot import render_png

    return render_png(spec, block=args.block)


#: --format → renderer(spec, args) returning text or bytes
FORMATS = {"ascii": _ascii, "dot": _dot, "svg": _svg, "png": _png}


def add_arguments(parser) -> None:
    add_spec_argument(parser)
    parser.add_argument("--format", choices=sorted(FORMATS), default="ascii")
    parser.add_argument("-o", "--output", metavar="FILE", help=_("write to FILE (PNG needs it)"))
    parser.add_argument(
        "--block", metavar="NAME", help=_("draw one block of a network, e.g. stage2_block1")
    )
    parser.add_argument(
        "--shapes", action="store_true", help=_("annotate ASCII with the N×C×H×W of every node")
    )


def run(args) -> int:
    from resattn.diagrams.dot import GraphvizMissing
    from resattn.lint import lint
    from resattn.loading import load_spec

    spec = load_spec(args.spec)
    if args.block is not None and spec.kind != "network":
        return _usage(
            _(
                "--block {block} draws one block of a network, but this spec is a single "
                "block; drop --block"
            ).format(block=args.block)
        )
    diagnostics = lint(spec)
    if any(d.severity == "error" for d in diagnostics):
        print_errors(diagnostics)
        return EXIT_DESIGN
    if args.format == "png" and not args.output:
        return _usage(_("--format png writes binary data; give -o FILE"))
    try:
        drawing = FORMATS[args.format](spec, args)
    except GraphvizMissing as exc:
        return _usage(str(exc))
    if args.output:
        write_output(args.output, drawing)
    else:
        sys.stdout.write(drawing)
    return EXIT_OK


def _usage(message: str) -> int:
    print(_("error: {message}").format(message=message), file=sys.stderr)
    return EXIT_INPUT

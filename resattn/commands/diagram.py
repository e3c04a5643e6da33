"""`resattn diagram SPEC --format ascii|dot|svg|png [-o FILE]`: draw a design."""

from __future__ import annotations

import sys
from pathlib import Path

from resattn.cli import EXIT_DESIGN, EXIT_INPUT, EXIT_OK
from resattn.commands._common import add_spec_argument, print_diagnostics

NAME = "diagram"
HELP = "draw a design as ASCII (notes style), Graphviz DOT, SVG or PNG"


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
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (PNG needs it)")
    parser.add_argument(
        "--block", metavar="NAME", help="draw one block of a network, e.g. stage2_block1"
    )
    parser.add_argument(
        "--shapes", action="store_true", help="annotate ASCII with the N×C×H×W of every node"
    )


def run(args) -> int:
    from resattn.diagrams.dot import GraphvizMissing
    from resattn.lint import lint
    from resattn.loading import load_spec

    spec = load_spec(args.spec)
    diagnostics = lint(spec)
    if any(d.severity == "error" for d in diagnostics):
        print_diagnostics(diagnostics)
        return EXIT_DESIGN
    if args.format == "png" and not args.output:
        print("error: --format png writes binary data; give -o FILE", file=sys.stderr)
        return EXIT_INPUT
    try:
        drawing = FORMATS[args.format](spec, args)
    except GraphvizMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if args.output:
        path = Path(args.output)
        if isinstance(drawing, bytes):
            path.write_bytes(drawing)
        else:
            path.write_text(drawing, encoding="utf-8")
    else:
        sys.stdout.write(drawing)
    return EXIT_OK

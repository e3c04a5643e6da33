"""`resattn diff A B`: field-by-field changes between two designs and the metric deltas."""

from __future__ import annotations

from resattn.commands._common import EXIT_OK, SPEC_HELP, print_json, spec_text
from resattn.i18n import N_, _

NAME = "diff"
HELP = N_("compare two designs: slots placed / moved / removed, fields, stages, and b − a deltas")


def add_arguments(parser) -> None:
    first = _("the first design: {what}").format(what=_(SPEC_HELP))
    parser.add_argument("a", metavar="A", type=spec_text, help=first)
    parser.add_argument("b", metavar="B", type=spec_text, help=_("the second design, likewise"))
    parser.add_argument("--json", action="store_true", help=_("print the diff as JSON"))


def run(args) -> int:
    from resattn.diff import diff

    result = diff(args.a, args.b)
    if args.json:
        print_json(result.to_dict())
    else:
        print(result.text())
    return EXIT_OK

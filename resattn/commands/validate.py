"""`resattn validate SPEC`: read a spec and print the linter's findings."""

from __future__ import annotations

from resattn.commands._common import (
    EXIT_DESIGN,
    EXIT_OK,
    add_spec_argument,
    print_diagnostics,
    print_json,
)
from resattn.i18n import N_, _

NAME = "validate"
HELP = N_("check a spec and print the design linter's findings (exit 1 on errors)")


def add_arguments(parser) -> None:
    add_spec_argument(parser)
    parser.add_argument("--json", action="store_true", help=_("print the findings as JSON"))


def run(args) -> int:
    from resattn.lint import lint
    from resattn.loading import load_spec

    spec = load_spec(args.spec)
    diagnostics = lint(spec)
    errors = sum(d.severity == "error" for d in diagnostics)
    if args.json:
        print_json(
            {
                "name": spec.name,
                "kind": spec.kind,
                "valid": errors == 0,
                "diagnostics": [d.model_dump() for d in diagnostics],
            }
        )
    else:
        print_diagnostics(diagnostics)
        warnings = sum(d.severity == "warning" for d in diagnostics)
        if errors:
            line = _("{name} ({kind}): has errors — {errors} error(s), {warnings} warning(s)")
        else:
            line = _("{name} ({kind}): ok — {errors} error(s), {warnings} warning(s)")
        print(line.format(name=spec.name, kind=spec.kind, errors=errors, warnings=warnings))
    return EXIT_DESIGN if errors else EXIT_OK

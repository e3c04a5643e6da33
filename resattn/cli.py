"""Command-line interface: ``python -m resattn COMMAND ...`` (or the ``resattn`` script).

Each command is a module in `resattn.commands` with ``NAME``, ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int``; they are discovered, not listed here.

Exit codes (defined with the commands, in `resattn.commands._common`): 0 = fine (maybe
warnings), 1 = the design has errors, 2 = the input could not be read (or bad usage), 3 = an
internal error (a bug: please report it). Errors print as one
paragraph naming the JSON path and the reason, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from typing import Optional

from resattn.commands._common import (  # noqa: F401  (EXIT_* re-exported for callers)
    EXIT_DESIGN,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_OK,
    OutputError,
)
from schemas import DesignError, SpecError

EPILOG = """\
exit codes: 0 = fine (warnings allowed), 1 = the design has errors, 2 = the input could not be
read, 3 = internal error. SPEC may be a path, JSON text, 'preset:NAME' or a share token.
"""


def _commands():
    import resattn.commands as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"{package.__name__}.{info.name}")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="resattn",
        description="Design residual blocks with attention: validate, summarise, draw, export.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _commands():
        cmd = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(run=module.run)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (SpecError, OutputError) as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_INPUT
    except DesignError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_DESIGN
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the CLI's promise: never a traceback
        print(
            f"internal error ({type(exc).__name__}): {str(exc).rstrip('.')}. "
            "This is a bug in resattn; please report it with the spec that caused it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL

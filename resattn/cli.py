"""Command-line interface: ``python -m resattn COMMAND ...`` (or the ``resattn`` script).

Each command is a module in `resattn.commands` with ``NAME``, ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int``; they are discovered, not listed here.

Exit codes (defined with the commands, in `resattn.commands._common`): 0 = fine (maybe
warnings), 1 = the design has errors, 2 = the input could not be read (or bad usage), 3 = an
internal error (a bug: please report it). Errors print as one
paragraph naming the JSON path and the reason, never a traceback.

Language: ``--lang en|tr`` (before or after the command), else the environment's locale
(``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, e.g. ``LANG=tr_TR.UTF-8``), else English
(`resattn.i18n.resolve_language`). It sets the language of every human-readable line — help,
tables, findings, verdicts, errors; ``--json`` output is the same in every language.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
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
from resattn.i18n import LANGUAGES, N_, _, resolve_language, use_language
from schemas import DesignError, SpecError, escape_text

EPILOG = N_(
    "exit codes: 0 = fine (warnings allowed), 1 = the design has errors (or is over the compute\n"
    "budget for the request, RA209), 2 = the input could not be read or the output not written,\n"
    "3 = internal error. SPEC may be a path, JSON text, 'preset:NAME' or a share token.\n"
)
LANG_HELP = N_(
    "language of the human-readable output: en or tr (default: from LANGUAGE, LC_ALL, "
    "LC_MESSAGES or LANG, e.g. tr_TR.UTF-8; else en); --json output is the same in both"
)


def _commands():
    import resattn.commands as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"{package.__name__}.{info.name}")


def make_parser() -> argparse.ArgumentParser:
    """The command line, its help in the current language."""
    parser = argparse.ArgumentParser(
        prog="resattn",
        description=_("Design residual blocks with attention: validate, summarise, draw, export."),
        epilog=_(EPILOG),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--lang", choices=LANGUAGES, help=_(LANG_HELP))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _commands():
        cmd = sub.add_parser(module.NAME, help=_(module.HELP), description=_(module.HELP))
        module.add_arguments(cmd)
        # after the command too (`resattn summary SPEC --lang tr`)
        cmd.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS, help=_(LANG_HELP))
        cmd.set_defaults(run=module.run)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line `argv` (default ``sys.argv[1:]``) in the language it asks for."""
    argv = list(sys.argv[1:] if argv is None else argv)
    with use_language(resolve_language(argv=argv)):
        return _main(argv)


def _main(argv: list[str]) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        code = args.run(args)
        sys.stdout.flush()  # a full disk shows here, not at exit
        return code
    except (SpecError, OutputError) as exc:
        print(_("error: {message}").format(message=exc.message), file=sys.stderr)
        return EXIT_INPUT
    except DesignError as exc:
        print(_("error: {message}").format(message=exc.message), file=sys.stderr)
        return EXIT_DESIGN
    except KeyboardInterrupt:
        print(_("interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_OK
    except OSError as exc:
        if exc.errno not in _WRITE_ERRORS:
            return _internal(exc)
        _discard_stdout()
        message = _("error: cannot write the output: {reason}.").format(reason=exc.strerror or exc)
        print(message, file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:  # noqa: BLE001 - the CLI's promise: never a traceback
        return _internal(exc)


#: errno of a failed write to stdout (a full disk or device, a quota, an I/O error)
_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}


def _discard_stdout() -> None:
    """Point stdout at the null device, so what is still buffered for a full or closed output
    does not fail again (with a traceback) when Python flushes it at exit."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # stdout without a descriptor (tests)
        pass


def _internal(exc: BaseException) -> int:
    message = _(
        "internal error ({type}): {reason}. This is a bug in resattn; please report it with the "
        "spec that caused it."
    ).format(type=type(exc).__name__, reason=escape_text(str(exc)).rstrip("."))
    print(message, file=sys.stderr)
    return EXIT_INTERNAL

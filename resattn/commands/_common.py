"""What the CLI commands share: exit codes, argument helpers, output.

Exit codes: 0 = fine (maybe warnings), 1 = the design has errors, 2 = the input could not be
read (or bad usage), 3 = an internal error (a bug: please report it).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from resattn.i18n import N_, _
from resattn.i18n.text import Text
from schemas import Problem, ResAttnError, escape_text

EXIT_OK, EXIT_DESIGN, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

SPEC_HELP = N_("a spec file, JSON text, 'preset:NAME' or a share token")


class OutputError(ResAttnError):
    """The output file could not be written (exit 2, like unreadable input)."""

    headline = N_("Cannot write the output")

    @property
    def message(self) -> str:
        """``cannot write out/x.dot: no such folder: out`` (each problem's path is the file)."""
        text = "; ".join(
            _("cannot write {path}: {reason}").format(path=p.path, reason=p.text)
            for p in self.problems
        )
        return escape_text(text) + "."


def spec_text(value: str) -> str:
    """argparse type of SPEC: refuses an empty argument (``""`` would otherwise read as the
    current directory) with a message that says what to give."""
    if not value.strip():
        raise argparse.ArgumentTypeError(
            _("no spec given; SPEC is {what}").format(what=_(SPEC_HELP))
        )
    return value


def add_spec_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC", type=spec_text, help=_(SPEC_HELP))


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def print_diagnostics(diagnostics, stream=None) -> None:
    """Each finding in two lines, in the current language: ``warning[RA204] PATH: MESSAGE``
    and ``    fix: HINT (notes §3)``."""
    stream = stream or sys.stdout
    for d in diagnostics:
        line = _(FINDING_LINES[d.severity])
        where = d.path or _("(spec)")
        print(line.format(code=d.code, path=where, message=d.message), file=stream)
        print(_("    fix: {hint} ({cite})").format(hint=d.hint, cite=d.cite), file=stream)


#: The first line of a finding, per severity (the severity word is translated with it).
FINDING_LINES = {
    "error": N_("error[{code}] {path}: {message}"),
    "warning": N_("warning[{code}] {path}: {message}"),
    "info": N_("info[{code}] {path}: {message}"),
}


def print_errors(diagnostics) -> None:
    """A design's error diagnostics, on stderr: stdout carries only the command's output."""
    print_diagnostics([d for d in diagnostics if d.severity == "error"], sys.stderr)


def write_output(path: str | Path, content: str | bytes) -> int:
    """Write `content` (text as UTF-8) to `path`; the number of bytes written.

    Raises `OutputError` (CLI exit 2) naming the file and the reason — a missing folder, a
    directory where a file should be, no permission — instead of a traceback.
    """
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        path.write_bytes(data)
    except FileNotFoundError:
        if path.name:
            reason = Text(N_("no such folder: {folder}"), folder=str(path.parent))
        else:
            reason = Text(N_("no file name given"))
        raise OutputError([Problem(str(path), reason)]) from None
    except IsADirectoryError:
        reason = Text(N_("that is a folder; give a file name (e.g. -o FOLDER/NAME)"))
        raise OutputError([Problem(str(path), reason)]) from None
    except OSError as exc:
        raise OutputError([Problem(str(path), exc.strerror or str(exc))]) from None
    return len(data)

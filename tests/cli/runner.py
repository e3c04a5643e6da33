"""The one way the tests run the command line: `resattn.cli.main` in this process, with its exit
code and what it printed to stdout and stderr (captured by pytest's ``capsys``)."""

from __future__ import annotations

from typing import NamedTuple

from resattn.cli import main


class Run(NamedTuple):
    """One run of the command line: ``code, out, err = run(capsys, ...)``."""

    code: int
    out: str
    err: str


def run(capsys, *argv) -> Run:
    """Run ``resattn ARGV…`` (each argument as text) and return its exit code and output."""
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return Run(code, out, err)

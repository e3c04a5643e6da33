"""Helpers shared by the CLI commands."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_spec_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "spec", metavar="SPEC", help="a spec file, JSON text, 'preset:NAME' or a share token"
    )


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def print_diagnostics(diagnostics, stream=None) -> None:
    stream = stream or sys.stdout
    for d in diagnostics:
        print(f"{d.severity}[{d.code}] {d.path or '(spec)'}: {d.message}", file=stream)
        print(f"    fix: {d.hint} ({d.cite})", file=stream)

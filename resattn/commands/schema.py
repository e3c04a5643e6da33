"""`resattn schema`: print the JSON Schema of spec v1."""

from __future__ import annotations

from resattn.commands._common import EXIT_OK, print_json
from resattn.i18n import N_

NAME = "schema"
HELP = N_("print the JSON Schema of spec format v1")


def add_arguments(parser) -> None:
    pass


def run(args) -> int:
    from schemas import json_schema

    print_json(json_schema())
    return EXIT_OK

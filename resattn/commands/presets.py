"""`resattn presets [list|show NAME]`: the shipped presets."""

from __future__ import annotations

import json

from resattn.commands._common import EXIT_OK, print_json
from resattn.i18n import N_, _

NAME = "presets"
HELP = N_("list the presets, or show one as JSON")


def add_arguments(parser) -> None:
    parser.add_argument("action", nargs="?", choices=["list", "show"], default="list")
    parser.add_argument("name", nargs="?", help=_("preset name (for show)"))
    parser.add_argument("--json", action="store_true", help=_("list as JSON"))


def run(args) -> int:
    from resattn.i18n.text import Text
    from resattn.presets import load_preset, preset_index, preset_title
    from schemas import Problem, SpecError, spec_to_dict

    if args.action == "show":
        if not args.name:
            raise SpecError([Problem("", Text(N_("`presets show` needs a preset NAME")))])
        print(json.dumps(spec_to_dict(load_preset(args.name)), indent=2, ensure_ascii=False))
        return EXIT_OK
    index = preset_index()
    if args.json:
        print_json(index)
    else:
        width = max(map(len, index))
        for name, info in index.items():
            print(f"{name:<{width}}  {info['group']:<8} {preset_title(name)}")
    return EXIT_OK

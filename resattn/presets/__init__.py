"""Presets: JSON spec files shipped with the package, loadable as ``"preset:NAME"``.

`index.json` lists each preset with a title and a group (``network``, ``family`` or
``pattern``) for the studio's gallery; every other ``*.json`` file here is a spec.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from importlib import resources

from schemas import Problem, Spec, SpecError, parse_spec


@lru_cache(maxsize=1)
def preset_index() -> dict[str, dict]:
    """name → {"title", "group"} for every preset, in gallery order."""
    text = resources.files(__name__).joinpath("index.json").read_text(encoding="utf-8")
    return json.loads(text)


def preset_names() -> list[str]:
    return list(preset_index())


@cache
def preset_data(name: str) -> dict:
    """The preset's JSON object (a fresh parse is cached; callers must not mutate it)."""
    if name not in preset_index():
        raise SpecError(
            [Problem("", f"unknown preset {name!r}; available: {', '.join(preset_names())}")]
        )
    text = resources.files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


def load_preset(name: str) -> Spec:
    """The validated spec of a preset."""
    return parse_spec(preset_data(name))

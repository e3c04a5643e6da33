"""Presets: JSON spec files shipped with the package, loadable as ``"preset:NAME"``, and the
pattern presets derived from the attention kinds and the slot table.

`index.json` lists each file preset with a title and a group (``network`` or ``family``) for the
studio's gallery; every other ``*.json`` file here is a spec. The ``pattern`` group is made, not
stored: for every attention kind (`resattn.attention.kinds`) and every pattern of notes §3, the
bottleneck block of ResNet-50's first stage with the kind, at its defaults, in the pattern's
slots — ``p1_se`` … ``p4_coord``, and so on for every new kind. A kind that cannot start as an
identity has no P4 preset (it is refused on the skip).
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from importlib import resources

from resattn.i18n import N_
from resattn.i18n.text import Text
from schemas import PATTERN_FORMULAS, SLOT, Problem, Spec, SpecError, parse_spec

#: pattern → the slots its preset fills (P4 is the skip gate plus P1's branch gate, notes §3)
PATTERN_SLOTS = {
    "P1": ("branch",),
    "P2": ("post_add",),
    "P3": ("pre_residual",),
    "P4": ("skip", "branch"),
}

#: the block every pattern preset is built on: ResNet-50's first-stage bottleneck
PATTERN_BLOCK = {
    "input": {"channels": 256, "height": 56, "width": 56, "batch": 1},
    "block": {
        "type": "bottleneck",
        "out_channels": 256,
        "stride": 1,
        "expansion": 4,
        "groups": 1,
        "base_width": 64,
        "preact": False,
        "dropout": 0.0,
    },
    "shortcut": "auto",
    "post_add_activation": None,
    "zero_init_last_bn": True,
}


@cache
def _pattern_presets() -> dict[str, tuple[Text, dict]]:
    """name → (title, spec data) of every pattern preset, P1 … P4 × every kind (the title a
    catalog message, rendered where it is shown)."""
    from resattn.attention import kinds

    out = {}
    for pattern, slots in PATTERN_SLOTS.items():
        for kind in kinds():
            if not kind.identity_start and any(SLOT[s].identity_start for s in slots):
                continue
            name = f"{pattern.lower()}_{kind.type}"
            options = kind.options(type=kind.type).model_dump(mode="json")
            data = {
                "schema_version": 1,
                "name": name,
                **PATTERN_BLOCK,
                "slots": {s: (options if s in slots else None) for s in SLOT},
            }
            where = N_("skip-aware") if pattern == "P4" else SLOT[slots[0]].label
            title = Text(
                "{label} — {pattern} {where}, {formula}",
                label=kind.label,
                pattern=pattern,
                where=Text.of(where),
                formula=PATTERN_FORMULAS[pattern],
            )
            out[name] = (title, data)
    return out


@lru_cache(maxsize=1)
def preset_index() -> dict[str, dict]:
    """name → {"title", "group"} for every preset, in gallery order."""
    text = resources.files(__name__).joinpath("index.json").read_text(encoding="utf-8")
    index = json.loads(text)
    for name, (title, _data) in _pattern_presets().items():
        index[name] = {"title": title.english(), "group": "pattern"}
    return index


def preset_title(name: str) -> str:
    """The title of preset `name` in the current language (a pattern preset's is made from the
    slot's words; a file preset's title is a model's name, the same in every language)."""
    pattern = _pattern_presets().get(name)
    return pattern[0].render() if pattern else preset_index()[name]["title"]


def preset_names() -> list[str]:
    return list(preset_index())


@cache
def preset_data(name: str) -> dict:
    """The preset's JSON object (a fresh parse is cached; callers must not mutate it)."""
    if name not in preset_index():
        raise SpecError(
            [
                Problem(
                    "",
                    Text(
                        N_("unknown preset {name}; available: {names}"),
                        name=repr(name),
                        names=", ".join(preset_names()),
                    ),
                )
            ]
        )
    if name in _pattern_presets():
        return json.loads(json.dumps(_pattern_presets()[name][1]))
    text = resources.files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


def load_preset(name: str) -> Spec:
    """The validated spec of a preset."""
    return parse_spec(preset_data(name))

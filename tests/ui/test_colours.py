"""One meaning per colour: red is a refused drop or an error, nothing else.

Read from the sources the page is drawn with: the canvas's, the diagram viewer's, the colour
toggle's and the presets gallery's CSS, the page's own CSS (`components.style`), the chip colour
of every attention kind, the Streamlit theme (.streamlit/config.toml) and the Graphviz palettes.
The rendered states (hover, selection, a refused drag, an empty zone) are checked in a real
browser: tests/e2e/test_studio_browser.py.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from components import style
from resattn.diagrams.dot import PALETTES
from schemas import ATTENTION_MODELS
from tests.colours import contrast_ratio, is_red, rgb

ROOT = Path(__file__).resolve().parents[2]
CSS_FILES = [
    ROOT / "components" / "slot_canvas" / "canvas.css",
    ROOT / "components" / "diagram_view" / "view.css",
    ROOT / "components" / "theme_toggle" / "toggle.css",
    ROOT / "components" / "preset_grid" / "grid.css",
]
#: the variables that hold the page's red (the canvas's own, and the Streamlit theme's)
RED_VARIABLES = ("--ra-bad", "--st-red")
#: selectors of the states red is for: a refused drop while it is dragged, an error message
REFUSAL_STATES = ("ra-drop-bad", "ra-status-error")

_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_HEX = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
_RGB = re.compile(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)")


def colours_in(value: str) -> list[tuple[int, int, int]]:
    found = [rgb(m.group()) for m in _HEX.finditer(value)]
    return found + [tuple(int(g) for g in m.groups()) for m in _RGB.finditer(value)]


def uses_red(value: str) -> bool:
    return any(f"var({v}" in value for v in RED_VARIABLES) or any(map(is_red, colours_in(value)))


def rules(css: str) -> list[tuple[list[str], list[tuple[str, str]]]]:
    """(selectors, declarations) of every rule (inside @media blocks too)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out = []
    for match in _RULE.finditer(css):
        head = match.group(1).strip()
        if "@media" in head:
            head = head.split("{")[-1]
        selectors = [s.strip() for s in head.split(",") if s.strip()]
        declarations = []
        for part in match.group(2).split(";"):
            prop, sep, value = part.partition(":")
            if sep:
                declarations.append((prop.strip(), value.strip()))
        out.append((selectors, declarations))
    return out


def page_css() -> dict[str, str]:
    sheets = {path.relative_to(ROOT).as_posix(): path.read_text() for path in CSS_FILES}
    sheets["components/style.py"] = style._CSS + style._PRESENT_CSS
    return sheets


def test_the_colour_test_knows_red_from_its_neighbours():
    for red in ("#d32f2f", "#c62828", "#ff6b6b", "#ff2b2b", "#be123c", "#f00"):
        assert is_red(rgb(red)), red
    not_red = ("#ff8700", "#b45309", "#a21caf", "#7e22ce", "#2563eb", "#ffffff", "#31333f")
    for other in not_red + ("#f0f2f6", "#475569", "#ffd966"):
        assert not is_red(rgb(other)), other
    assert uses_red("var(--ra-bad)") and uses_red("rgba(255, 43, 43, 0.12)")
    assert not uses_red("var(--ra-accent)")


@pytest.mark.parametrize("sheet", sorted(page_css()))
def test_red_is_only_for_refused_drops_and_errors(sheet):
    offenders = []
    for selectors, declarations in rules(page_css()[sheet]):
        for prop, value in declarations:
            if not uses_red(value) or prop.startswith(RED_VARIABLES):  # defining red is fine
                continue
            if not all(any(state in s for state in REFUSAL_STATES) for s in selectors):
                offenders.append(f"{', '.join(selectors)} {{ {prop}: {value} }}")
    assert offenders == [], f"{sheet}: red outside a refusal or an error: {offenders}"


def test_refusals_are_red_and_hover_and_selection_are_the_accent():
    canvas = rules(page_css()["components/slot_canvas/canvas.css"])

    def values(fragment: str) -> str:
        return " ".join(
            v for sel, decl in canvas if any(fragment in s for s in sel) for _p, v in decl
        )

    for state in REFUSAL_STATES:
        assert uses_red(values(state)), state
    for state in (":hover", "ra-selected", ":focus-visible"):
        assert "var(--ra-accent)" in values(state) and not uses_red(values(state)), state
    accent = next(v for sel, decl in canvas for p, v in decl if p == "--ra-accent")
    assert not uses_red(accent) and colours_in(accent)


def _kind_colours() -> dict[str, tuple[int, int, int]]:
    css = page_css()["components/slot_canvas/canvas.css"]
    found = {}
    for selectors, declarations in rules(css):
        for s in selectors:
            match = re.fullmatch(r"\.ra-type-([a-z0-9_]+)", s)
            for prop, value in declarations:
                if match and prop == "--ra-kind":
                    found[match.group(1)] = colours_in(value)[0]
    return found


def test_every_attention_kind_has_a_chip_colour_that_is_not_red_and_reads_in_white():
    colours = _kind_colours()
    assert set(ATTENTION_MODELS) <= set(colours), sorted(set(ATTENTION_MODELS) - set(colours))
    for kind in ATTENTION_MODELS:
        colour = colours[kind]
        assert not is_red(colour), f"the {kind} chip is red: red means a refused drop"
        contrast = contrast_ratio(colour, (255, 255, 255))
        assert contrast >= 4.5, f"white on the {kind} chip: contrast {contrast:.2f}"


def test_the_theme_s_action_colour_is_not_red_in_either_palette():
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]
    for section in (theme, theme["light"], theme["dark"]):
        assert not is_red(rgb(section["primaryColor"]))


def test_the_diagrams_draw_in_red_only_what_is_an_error():
    for name, palette in PALETTES.items():
        flat = {**{k: v for k, v in palette.items() if isinstance(v, str)}, **palette["fills"]}
        red = sorted(k for k, v in flat.items() if is_red(rgb(v)))
        assert red == ["error"], f"{name}: {red}"


def test_the_canvas_says_error_only_for_a_refusal():
    js = (ROOT / "components" / "slot_canvas" / "canvas.js").read_text()
    calls = re.findall(r"setStatus\((.+), \"error\"\)", js)  # one call per line
    assert calls, "no refusal message found"
    assert all(c.lstrip('`"').startswith("✖") for c in calls), calls  # ✖ can't go / not applied
    assert "ra-blocked" not in js  # no mark on a zone: red appears while a refused kind is dragged

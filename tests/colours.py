"""What "red" means for the tests of one meaning per colour (tests/ui/test_colours.py reads the
sources, the browser tests read what is rendered): one definition for both."""

from __future__ import annotations

import colorsys
import re

_CSS_RGB = re.compile(r"rgba?\(\s*(\d+)[,\s]+(\d+)[,\s]+(\d+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)")


def rgb(text: str) -> tuple[int, int, int]:
    """``#d32f2f`` / ``#fff`` → (211, 47, 47)."""
    digits = text.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4))


def css_rgb(text: str):
    """A computed CSS colour (``rgb(211, 47, 47)``, ``rgba(…, 0.5)``) → (r, g, b), or None for
    ``none``, a fully transparent colour or anything else."""
    match = _CSS_RGB.search(text or "")
    if not match:
        return None
    alpha = match.group(4)
    if alpha is not None and float(alpha.rstrip("%")) == 0:
        return None
    return tuple(int(g) for g in match.groups()[:3])


def hue(colour: tuple[int, int, int]) -> float:
    """The hue in degrees (0-360)."""
    return colorsys.rgb_to_hls(*(c / 255 for c in colour))[0] * 360


def is_red(colour) -> bool:
    """A colour a person calls red: hue within 15° of pure red, saturated, neither near white
    nor near black (pinks, oranges, browns and greys are not). None (no colour) is not red."""
    if colour is None:
        return False
    h, light, sat = colorsys.rgb_to_hls(*(c / 255 for c in colour))
    return sat >= 0.35 and 0.15 <= light <= 0.85 and (h * 360 <= 15 or h * 360 >= 345)


def shade(colour: tuple[int, int, int]) -> str:
    """``"light"`` or ``"dark"``: which a background of `colour` is."""
    r, g, b = colour
    return "light" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 128 else "dark"


def luminance(colour: tuple[int, int, int]) -> float:
    """The relative luminance of `colour` (WCAG 2)."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c / 255) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """The WCAG contrast ratio of two colours (1 to 21; text reads from 4.5)."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)

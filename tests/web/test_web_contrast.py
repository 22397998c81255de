"""WCAG AA: every text colour of the web view's stylesheet against the background it is shown on, 4.5:1 at least.

The colours are read from bot/web/static/web.css itself, so changing one there without checking fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import bot.web

CSS = Path(bot.web.__file__).parent / "static" / "web.css"
MAP_JS = Path(bot.web.__file__).parent / "static" / "map.js"
AA = 4.5


def rules(text: str) -> dict[str, dict[str, str]]:
    """The stylesheet's top-level rules (outside @media): selector → property → value."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    found: dict[str, dict[str, str]] = {}
    depth, start, selector = 0, 0, ""
    for n, char in enumerate(text):
        if char == "{":
            if depth == 0:
                selector, start = text[start:n].strip(), n + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                if not selector.startswith("@"):
                    body = text[start:n]
                    for name in selector.split(","):
                        declarations = found.setdefault(name.strip(), {})
                        for part in body.split(";"):
                            if ":" in part:
                                key, value = part.split(":", 1)
                                declarations[key.strip()] = value.strip()
                start = n + 1
    return found


def colour(rule: dict[str, str], prop: str) -> str:
    """A colour of a rule (background may be the shorthand)."""
    value = rule.get(prop) or (rule.get("background") if prop == "background-color" else None)
    assert value, prop
    match = re.search(r"#[0-9a-fA-F]{3,6}\b", value)
    assert match, value
    return match.group(0)


def luminance(hex_colour: str) -> float:
    """Relative luminance (WCAG 2.1)."""
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def ratio(a: str, b: str) -> float:
    """The contrast ratio of two colours."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_ratio_is_computed_as_wcag_says():
    assert ratio("#000", "#fff") == pytest.approx(21.0)
    assert ratio("#777", "#fff") == pytest.approx(4.48, abs=0.01)
    assert ratio("#fff", "#f9a825") < 2.0  # the old 黄 tag, white on amber (1.97:1)


def test_every_text_colour_meets_aa():
    css = rules(CSS.read_text("utf-8"))
    white = "#fff"
    page = colour(css["body"], "background-color")
    land = re.search(r'province: \{[^}]*fillColor: "(#[0-9a-fA-F]{6})"', MAP_JS.read_text("utf-8"))
    assert land
    pairs = {
        "body text": (colour(css["body"], "color"), page),
        "links on a card": (colour(css["a"], "color"), white),
        "links on the page": (colour(css["a"], "color"), page),
        "muted notes on a card": (colour(css[".muted"], "color"), white),
        "muted notes on the page": (colour(css[".muted"], "color"), page),
        "footer": (colour(css["footer"], "color"), page),
        "header": (colour(css[".top"], "color"), colour(css[".top"], "background-color")),
        "skip link": (colour(css[".skip"], "color"), colour(css[".skip"], "background-color")),
        "tile figure": (colour(css[".tile b"], "color"), white),
        "tile label": (colour(css[".tile span"], "color"), white),
        "sorted column heads": (colour(css["thead th a"], "color"), white),
        "overdue row": (colour(css["tr.red td"], "color"), colour(css["tr.red"], "background-color")),
        "below the whole": (colour(css[".below"], "color"), white),
        "amber time left": (colour(css[".left.amber"], "color"), colour(css["tr.amber"], "background-color")),
        "红 tag": (colour(css[".tag"], "color"), colour(css[".tag.red"], "background-color")),
        "黄 tag": (colour(css[".tag.amber"], "color"), colour(css[".tag.amber"], "background-color")),
        "facts": (colour(css[".facts dt"], "color"), white),
        "trail times": (colour(css[".trail time"], "color"), white),
        "chart captions": (colour(css[".charts figcaption"], "color"), white),
        "buttons": (colour(css["button"], "color"), colour(css["button"], "background-color")),
        "inputs": (colour(css["select"], "color"), colour(css["select"], "background-color")),
        "current page": (
            colour(css['.pager a[aria-current="page"]'], "color"),
            colour(css['.pager a[aria-current="page"]'], "background-color"),
        ),
        "map city names": (colour(css[".place.city span"], "color"), land.group(1)),
        "map county names": (colour(css[".place.county span"], "color"), land.group(1)),
        "locate buttons": (colour(css["button.locate"], "color"), white),
    }
    low = {name: round(ratio(fg, bg), 2) for name, (fg, bg) in pairs.items() if ratio(fg, bg) < AA}
    assert not low, low

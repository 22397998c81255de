"""Small bar charts drawn on the server as SVG shapes (no script, no inline style: the CSP stays strict).

The drawing is 360 units wide with 12-unit text: on a 390 px phone it is drawn about 1:1, so labels stay readable
(the stylesheet caps its width on a desktop). Values are written over the bars when there is room; every bar also
carries its value in a tooltip, and the page shows the numbers in a table beside the chart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

WIDTH, HEIGHT, LABEL, FONT = 360, 170, 20, 12
ROOM_FOR_VALUES = 36  # a slot narrower than this gets no value written over its bar


@dataclass(frozen=True)
class Bar:
    """One bar: its box, label and value (as written)."""

    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    written: bool  # whether the label is written under the bar (narrow slots: every few bars)


@dataclass(frozen=True)
class Chart:
    """A bar chart's size, text size and bars."""

    width: int
    height: int
    font: int
    bars: list[Bar]
    values_shown: bool


def bars(points: list[tuple[str, float]], shown: Callable[[float], str] = lambda v: f"{v:g}") -> Chart:
    """Bars scaled to the largest value; `shown` writes a value (a count, a percentage)."""
    top = max((v for _, v in points), default=0) or 1
    slot = WIDTH / max(len(points), 1)
    every = max(1, -(-3 * FONT // int(slot)))  # a label (such as 12月) needs about three characters' width
    shapes = []
    for n, (label, value) in enumerate(points):
        height = (HEIGHT - LABEL - FONT - 6) * value / top
        width = min(slot * 0.7, 40)
        x = n * slot + (slot - width) / 2
        shapes.append(Bar(x, HEIGHT - LABEL - height, width, height, label, shown(value), n % every == 0))
    return Chart(WIDTH, HEIGHT, FONT, shapes, slot >= ROOM_FOR_VALUES)

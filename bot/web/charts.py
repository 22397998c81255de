"""Small bar charts drawn on the server as SVG shapes (no script, no inline style: the CSP stays strict)."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, LABEL = 600, 160, 18


@dataclass(frozen=True)
class Bar:
    """One bar: its box, label and value."""

    x: float
    y: float
    width: float
    height: float
    label: str
    value: float


@dataclass(frozen=True)
class Chart:
    """A bar chart's size and bars."""

    width: int
    height: int
    bars: list[Bar]


def bars(points: list[tuple[str, float]]) -> Chart:
    """Bars scaled to the largest value."""
    top = max((v for _, v in points), default=0) or 1
    slot = WIDTH / max(len(points), 1)
    shapes = []
    for n, (label, value) in enumerate(points):
        height = (HEIGHT - LABEL - 14) * value / top
        width = min(slot * 0.7, 48)
        shapes.append(Bar(n * slot + (slot - width) / 2, HEIGHT - LABEL - height, width, height, label, value))
    return Chart(WIDTH, HEIGHT, shapes)

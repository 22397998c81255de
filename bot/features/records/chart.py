"""The monthly report's chart: check-ins per day and activity attendance, as PNG bytes, in Chinese on any server.

The font ships with the project's dependencies (notojp-matplotlib: Noto Sans CJK); it is registered with matplotlib
without importing that package (which would change matplotlib's global defaults). No pyplot: a Figure of its own
is safe to draw in a worker thread.
"""

from __future__ import annotations

import importlib.util
import io
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from . import texts
from .reports import MonthlyReport

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FONT_PACKAGE = "notojp_matplotlib"
FONT_FILE = "NotoSansCJKjp-Regular.otf"


def font_path() -> Path:
    """The CJK font file installed with the project."""
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the font package {FONT_PACKAGE} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts" / FONT_FILE


@cache
def font_family() -> str:
    """Register the CJK font with matplotlib once; its family name."""
    from matplotlib import font_manager

    path = font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def render_chart(report: MonthlyReport) -> bytes:
    """The chart as PNG bytes."""
    figure = draw_chart(report)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def draw_chart(report: MonthlyReport) -> Figure:
    """Two panels with Chinese labels: check-ins per day (whole days on the x-axis), sign-ups and check-ins."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    family = font_family()
    figure = Figure(figsize=(7, 5), dpi=100)
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1)
    days = [d for d, _ in report.checkins_per_day]
    counts = [n for _, n in report.checkins_per_day]
    top.bar(days, counts, color="#c0392b")
    top.set_title(texts.CHART_DAILY.format(month=report.month), fontfamily=family)
    top.set_xlabel(texts.CHART_DAY, fontfamily=family)
    top.set_ylabel(texts.CHART_COUNT, fontfamily=family)
    top.xaxis.set_major_locator(MaxNLocator(integer=True))
    top.yaxis.set_major_locator(MaxNLocator(integer=True))
    labels = [texts.CHART_ACTIVITY_LABEL.format(n=i + 1) for i in range(len(report.attendance_per_activity))]
    registered = [r for _, r, _ in report.attendance_per_activity]
    attended = [c for _, _, c in report.attendance_per_activity]
    positions = list(range(len(labels)))
    bottom.bar([p - 0.2 for p in positions], registered, width=0.4, label=texts.CHART_SIGNED_UP, color="#e6b0aa")
    bottom.bar([p + 0.2 for p in positions], attended, width=0.4, label=texts.CHART_ATTENDED, color="#922b21")
    bottom.set_xticks(positions, labels, fontfamily=family)
    bottom.set_title(texts.CHART_ACTIVITIES, fontfamily=family)
    bottom.set_ylabel(texts.CHART_COUNT, fontfamily=family)
    bottom.yaxis.set_major_locator(MaxNLocator(integer=True))
    if labels:
        bottom.legend(prop={"family": family})
    figure.tight_layout()
    return figure

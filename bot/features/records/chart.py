"""The monthly report's chart: check-ins per day and activity attendance, as PNG bytes, in Chinese on any server.

The font ships with the project's dependencies (notojp-matplotlib: Noto Sans CJK); it is registered with matplotlib
without importing that package (which would change matplotlib's global defaults). No pyplot: a Figure of its own
is safe to draw in a worker thread.
"""

from __future__ import annotations

import importlib.util
import io
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from . import texts
from .reports import MonthlyReport, month_end

CHART_LABEL_LEN = 8

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


def _integer_axis(axis, highest: int) -> None:
    """A count axis that reads well for small numbers: whole numbers from 0, at least up to 1."""
    from matplotlib.ticker import MaxNLocator

    axis.set_ylim(0, highest * 1.15 if highest > 5 else highest + 1 if highest else 1)
    axis.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))


def _short(title: str) -> str:
    """An activity's name as a bar label: at most CHART_LABEL_LEN characters."""
    return title if len(title) <= CHART_LABEL_LEN else title[: CHART_LABEL_LEN - 1] + "…"


def draw_chart(report: MonthlyReport) -> Figure:
    """Two panels with Chinese labels: check-ins on each day of the month (dates as dates, the whole month on the
    axis), and sign-ups and check-ins of each activity, labelled by its name."""
    from matplotlib import dates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    family = font_family()
    figure = Figure(figsize=(7, 5.5), dpi=100)
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1)
    first, end = report.month, month_end(report.month)
    counts = dict(report.checkins_per_day)
    days = [first + timedelta(days=n) for n in range((end - first).days)]
    top.bar(days, [counts.get(day, 0) for day in days], width=0.8, color="#c0392b")
    top.set_xlim(dates.date2num(first) - 0.5, dates.date2num(end) - 0.5)  # the whole month, one slot a day
    top.xaxis.set_major_locator(dates.DayLocator(bymonthday=(1, 5, 10, 15, 20, 25)))
    top.xaxis.set_major_formatter(dates.DateFormatter("%m-%d"))
    top.set_title(texts.CHART_DAILY.format(month=report.month), fontfamily=family)
    top.set_xlabel(texts.CHART_DAY, fontfamily=family)
    top.set_ylabel(texts.CHART_COUNT, fontfamily=family)
    _integer_axis(top, max(counts.values(), default=0))
    activities = report.attendance_per_activity
    positions = list(range(len(activities)))
    registered = [r for _, r, _ in activities]
    attended = [c for _, _, c in activities]
    bottom.bar([p - 0.2 for p in positions], registered, width=0.4, label=texts.CHART_SIGNED_UP, color="#e6b0aa")
    bottom.bar([p + 0.2 for p in positions], attended, width=0.4, label=texts.CHART_ATTENDED, color="#922b21")
    bottom.set_title(texts.CHART_ACTIVITIES, fontfamily=family)
    bottom.set_ylabel(texts.CHART_COUNT, fontfamily=family)
    _integer_axis(bottom, max(registered + attended, default=0))
    if activities:
        bottom.set_xticks(positions, [_short(title) for title, _, _ in activities], fontfamily=family)
        bottom.set_xlim(-0.6, max(len(activities), 3) - 0.4)
        if len(activities) > 4:
            for label in bottom.get_xticklabels():
                label.set_rotation(20)
                label.set_horizontalalignment("right")
        bottom.legend(prop={"family": family})
    else:
        bottom.set_xticks([])
        bottom.text(
            0.5,
            0.5,
            texts.CHART_NO_ACTIVITIES,
            ha="center",
            va="center",
            transform=bottom.transAxes,
            fontfamily=family,
            color="#777777",
        )
    figure.tight_layout()
    return figure

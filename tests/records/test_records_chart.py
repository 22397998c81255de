"""The monthly chart reads in Chinese on any server and reads right: the font in use has a glyph for every character
of every label; the date axis shows dates of the whole month; a month with small numbers (or none) has whole-number
axes from 0; each activity's bars carry its own name. Checked on the figure the PNG is rendered from, with the
labels read back after drawing."""

from __future__ import annotations

from datetime import date

from fontTools.ttLib import TTFont
from matplotlib.dates import num2date
from matplotlib.font_manager import findfont
from matplotlib.patches import Rectangle

from bot.core.participation import Rate
from bot.features.records.chart import draw_chart, font_path, render_chart
from bot.features.records.reports import MonthlyReport


def _report(**changes) -> MonthlyReport:
    values = {
        "branch": "乌当支部",
        "month": date(2026, 11, 1),
        "members": 3,
        "member_drivers": 2,
        "active": 2,
        "study": Rate(5, 30, 0),
        "quiz": Rate(3, 30, 0),
        "days": 10,
        "quiz_correct": 1,
        "activities": 2,
        "attendance": 1,
        "signups": 3,
        "contacts": 1,
        "appeals": {},
        "top": [("张三", 9)],
        "checkins_per_day": [(date(2026, 11, d), n) for d, n in ((1, 1), (2, 1), (3, 1), (4, 2))],
        # in the order they took place: the second is NOT 活动1's twin, and each bar says which it is
        "attendance_per_activity": [("月月暖心行", 2, 1), ("主题党日", 1, 0)],
    }
    values.update(changes)
    return MonthlyReport(**values)


def _drawn(report: MonthlyReport):
    figure = draw_chart(report)
    figure.canvas.draw()  # tick labels are set when the figure is drawn, as for the PNG
    return figure.axes


def _visible(axis, ticks, labels) -> list[str]:
    low, high = axis.get_ylim()
    return [label.get_text() for tick, label in zip(ticks, labels, strict=True) if low <= tick <= high]


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_the_chart_uses_a_cjk_font_with_chinese_labels():
    figure = draw_chart(_report())
    figure.canvas.draw()
    top, bottom = figure.axes
    legend = bottom.get_legend()
    assert legend is not None
    labels = [
        top.get_title(),
        top.get_xlabel(),
        top.get_ylabel(),
        bottom.get_title(),
        *(t.get_text() for t in bottom.get_xticklabels()),
        *(t.get_text() for t in legend.get_texts()),
    ]
    assert labels[:4] == ["2026年11月 每日学习打卡人次", "日期", "人次", "活动报名与签到"]
    assert all(_has_cjk(label) for label in labels)
    texts = [top.title, top.xaxis.label, top.yaxis.label, bottom.title, *bottom.get_xticklabels()]
    for text in texts:
        used = findfont(text.get_fontproperties(), fallback_to_default=False)
        # matplotlib 3.11 returns a FontPath (file and face index); a system copy of the same family may win over
        # the bundled file, which is as good: what matters is a glyph for every character.
        path, index = str(getattr(used, "path", used)), int(getattr(used, "face_index", 0))
        font = TTFont(path, fontNumber=index)
        assert font["name"].getBestFamilyName() == TTFont(font_path())["name"].getBestFamilyName()
        cmap = font.getBestCmap() or {}
        missing = [ch for ch in text.get_text() if not ch.isspace() and ord(ch) not in cmap]
        assert not missing, (text.get_text(), missing)


def test_the_date_axis_shows_dates_across_the_whole_month():
    top, _ = _drawn(_report())
    labels = [label.get_text() for label in top.get_xticklabels()]
    assert labels == ["11-01", "11-05", "11-10", "11-15", "11-20", "11-25"]
    low, high = top.get_xlim()
    assert num2date(low).date() <= date(2026, 11, 1) and num2date(high).date() >= date(2026, 11, 30)
    bars = [patch for patch in top.patches if isinstance(patch, Rectangle) and patch.get_height() > 0]
    assert [num2date(bar.get_x() + bar.get_width() / 2).date().day for bar in bars] == [1, 2, 3, 4]
    assert all(bar.get_width() < (high - low) / 20 for bar in bars)  # a bar is a day wide, not the chart


def test_small_numbers_get_whole_number_axes_from_zero():
    top, bottom = _drawn(_report())
    assert _visible(top, top.get_yticks(), top.get_yticklabels()) == ["0", "1", "2", "3"]
    assert _visible(bottom, bottom.get_yticks(), bottom.get_yticklabels()) == ["0", "1", "2", "3"]
    empty_top, empty_bottom = _drawn(_report(checkins_per_day=[], attendance_per_activity=[]))
    for axis in (empty_top, empty_bottom):
        assert axis.get_ylim() == (0.0, 1.0)
        assert _visible(axis, axis.get_yticks(), axis.get_yticklabels()) == ["0", "1"]
    assert [t.get_text() for t in empty_bottom.texts] == ["本月没有活动"]


def test_bars_are_labelled_by_their_activity_names():
    _, bottom = _drawn(_report())
    assert [t.get_text() for t in bottom.get_xticklabels()] == ["月月暖心行", "主题党日"]
    long = _report(attendance_per_activity=[("重阳节慰问走访老党员活动", 1, 1)])
    assert [t.get_text() for t in _drawn(long)[1].get_xticklabels()] == ["重阳节慰问走访…"]


def test_the_chart_is_a_png():
    assert render_chart(_report()).startswith(b"\x89PNG")

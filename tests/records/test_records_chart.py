"""The monthly chart reads in Chinese on any server: the font in use has a glyph for every character of every label,
the x-axis counts whole days, and the labels are Chinese."""

from __future__ import annotations

from datetime import date

from fontTools.ttLib import TTFont
from matplotlib.font_manager import findfont

from bot.features.records.chart import draw_chart, font_path, render_chart
from bot.features.records.reports import MonthlyReport


def _report() -> MonthlyReport:
    return MonthlyReport(
        branch="乌当支部",
        month=date(2026, 11, 1),
        members=3,
        member_drivers=2,
        active=2,
        checkins=5,
        checkin_rate=5 / 30,
        days=10,
        quiz_answers=3,
        quiz_correct=1,
        activities=2,
        attendance=1,
        signups=3,
        contacts=1,
        appeals={},
        top=[("张三", 9)],
        checkins_per_day=[(1, 1), (2, 1), (3, 1), (4, 2)],
        attendance_per_activity=[("月月暖心行", 2, 1), ("主题党日", 1, 0)],
    )


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
    assert labels[:4] == ["2026年11月 每日学习打卡人次", "日期（日）", "人次", "活动报名与签到"]
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


def test_days_on_the_x_axis_are_whole_numbers():
    figure = draw_chart(_report())
    figure.canvas.draw()
    ticks = [t for t in figure.axes[0].get_xticks() if 1 <= t <= 4]
    assert ticks and all(float(t).is_integer() for t in ticks)


def test_the_chart_is_a_png():
    assert render_chart(_report()).startswith(b"\x89PNG")

"""The monthly report's chart: check-ins per day and activity attendance, as PNG bytes (matplotlib, Agg)."""

from __future__ import annotations

import io

from .service import MonthlyReport


def render_chart(report: MonthlyReport) -> bytes:
    """Two panels; labels in English and numbers, since a server may have no Chinese font."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, (top, bottom) = plt.subplots(2, 1, figsize=(7, 5), dpi=100)
    days = [d for d, _ in report.checkins_per_day]
    counts = [n for _, n in report.checkins_per_day]
    top.bar(days, counts, color="#c0392b")
    top.set_title(f"Check-ins per day, {report.month:%Y-%m}")
    top.set_xlabel("day of month")
    top.set_ylabel("check-ins")
    labels = [f"#{i + 1}" for i in range(len(report.attendance_per_activity))]
    registered = [r for _, r, _ in report.attendance_per_activity]
    attended = [c for _, _, c in report.attendance_per_activity]
    positions = range(len(labels))
    bottom.bar([p - 0.2 for p in positions], registered, width=0.4, label="signed up", color="#e6b0aa")
    bottom.bar([p + 0.2 for p in positions], attended, width=0.4, label="checked in", color="#922b21")
    bottom.set_xticks(list(positions), labels)
    bottom.set_title("Activity attendance")
    if labels:
        bottom.legend()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()

"""Working days with China's holidays and make-up days (调休), and the 2252 deadlines."""

from datetime import date, datetime

from bot.core import clock
from bot.features.appeals.timelimits import (
    TimeLimits,
    add_working_days,
    compute_deadlines,
    follow_up_due,
    is_working_day,
    reminder_at,
)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=clock.tz())


def test_an_ordinary_week():
    assert add_working_days(at(2026, 11, 20, 15, 0), 2) == at(2026, 11, 24, 15, 0)  # Friday → Tuesday


def test_a_make_up_saturday_is_a_working_day():
    # National Day 2025: Sunday 28 September was a working day (调休).
    assert is_working_day(date(2025, 9, 28)) and not is_working_day(date(2025, 10, 3))
    assert add_working_days(at(2025, 9, 26, 15, 0), 1) == at(2025, 9, 28, 15, 0)


def test_the_spring_festival_2026():
    assert not any(is_working_day(date(2026, 2, d)) for d in range(15, 24))
    assert is_working_day(date(2026, 2, 14))  # a make-up Saturday
    # Friday the 13th + 2 working days: Saturday 14th counts, then the holiday, then Tuesday 24th.
    assert add_working_days(at(2026, 2, 13, 10, 0), 2) == at(2026, 2, 24, 10, 0)


def test_a_start_on_a_rest_day_counts_from_the_next_working_day():
    assert add_working_days(at(2026, 11, 21, 10, 0), 2) == at(2026, 11, 24, 23, 59)  # Saturday → end of Tuesday


def test_years_without_data_keep_the_statutory_holidays():
    assert not is_working_day(date(2031, 1, 1))  # 元旦, a Wednesday; no official data for 2031
    assert not is_working_day(date(2031, 1, 4))  # a Saturday
    assert is_working_day(date(2031, 1, 2))


def test_deadlines_for_normal_and_urgent():
    limits = TimeLimits()
    normal = compute_deadlines(at(2026, 11, 20, 15, 0), "一般", limits)
    assert normal.transfer_due == at(2026, 11, 20, 17, 0)
    assert normal.feedback_due == at(2026, 11, 24, 15, 0)
    assert normal.close_due == at(2026, 11, 27, 15, 0)
    urgent = compute_deadlines(at(2026, 11, 20, 15, 0), "紧急", limits)
    assert urgent.transfer_due == at(2026, 11, 20, 15, 30) and urgent.close_due == at(2026, 11, 21, 15, 0)
    assert follow_up_due(at(2026, 11, 27, 15, 0), limits) == at(2026, 12, 1, 15, 0)
    assert reminder_at(at(2026, 11, 20, 0, 0), at(2026, 11, 30, 0, 0), limits) == at(2026, 11, 28, 0, 0)

"""The working-day calendar past 2026: official data, an imported table, else the statutory holidays."""

from __future__ import annotations

from datetime import date, datetime

import chinese_calendar
import pytest

from bot.admin.__main__ import main as admin
from bot.core import clock
from bot.core.branches import BranchDirectory, Roles
from bot.features.appeals import holidays
from bot.features.appeals.holidays import HolidayCalendar, TableError, coverage_warning, qingming, statutory_holidays
from bot.features.appeals.timelimits import TimeLimits, add_working_days, compute_deadlines, working_days_in

# A table as the committee would type it from a notice. The days are made up for the test (the State Council
# had not published 2027 when this was written): 元旦 1–3 January, 春节 5–12 February, Saturday 20 February worked.
TABLE_2027 = """date,kind,name
# test data, not an official notice
2027-01-01,假日,元旦
2027-01-02,假日,元旦
2027-01-03,假日,元旦
2027-02-05,假日,春节
2027-02-06,假日,春节
2027-02-07,假日,春节
2027-02-08,假日,春节
2027-02-09,假日,春节
2027-02-10,假日,春节
2027-02-11,假日,春节
2027-02-12,假日,春节
2027-02-20,调休上班,春节
"""


def at(*args) -> datetime:
    return datetime(*args, tzinfo=clock.tz())


@pytest.fixture
def calendar(tmp_path):
    """A calendar over an empty table folder, swapped in for the process's."""
    fresh = HolidayCalendar(tmp_path / "holidays")
    old = holidays.use_calendar(fresh)
    yield fresh
    holidays.use_calendar(old)


def _import(calendar: HolidayCalendar, tmp_path) -> None:
    source = tmp_path / "notice-2027.csv"
    source.write_text(TABLE_2027, encoding="utf-8")
    assert calendar.import_table(source) == [2027]


def test_the_statutory_holidays_agree_with_the_official_data_where_both_exist():
    for year in (2025, 2026):
        for day, name in statutory_holidays(year).items():
            assert not chinese_calendar.is_workday(day), (day, name)
    assert qingming(2024) == date(2024, 4, 4) and qingming(2026) == date(2026, 4, 5)


def test_2027_is_computed_from_the_law_without_a_table(calendar):
    computed = statutory_holidays(2027)
    assert computed[date(2027, 2, 5)] == "春节" and computed[date(2027, 2, 8)] == "春节"  # 除夕 Friday, 初三 Monday
    assert computed[date(2027, 4, 5)] == "清明节" and computed[date(2027, 6, 9)] == "端午节"
    assert computed[date(2027, 9, 15)] == "中秋节" and computed[date(2027, 5, 2)] == "劳动节"
    assert calendar.source(2027) == "statutory" and calendar.source(2026) == "official"
    assert not calendar.is_working_day(date(2027, 1, 1))  # 元旦, a Friday
    # 28 December 2026 – 8 January 2027: nine working days, 元旦 not among them.
    assert working_days_in(date(2026, 12, 28), date(2027, 1, 8)) == 9
    # 1–12 February 2027: 除夕 (Friday) and 初三 (Monday) are off → 8.
    assert working_days_in(date(2027, 2, 1), date(2027, 2, 12)) == 8
    assert working_days_in(date(2027, 2, 1), date(2027, 2, 20)) == 13


def test_an_imported_table_decides_its_year(calendar, tmp_path):
    _import(calendar, tmp_path)
    assert calendar.source(2027) == "table"
    assert (tmp_path / "holidays" / "2027.csv").is_file()
    assert working_days_in(date(2026, 12, 28), date(2027, 1, 8)) == 9
    assert working_days_in(date(2027, 2, 1), date(2027, 2, 20)) == 10  # 5–12 off, Saturday 20th worked
    assert calendar.is_working_day(date(2027, 2, 20))


def test_deadlines_across_new_year_and_the_spring_festival_2027(calendar, tmp_path):
    limits = TimeLimits()
    # Accepted Wednesday 30 December 2026: 31 Dec, (元旦), 4, 5, 6, 7 January → close on Thursday 7 January.
    assert compute_deadlines(at(2026, 12, 30, 9, 0), "一般", limits).close_due == at(2027, 1, 7, 9, 0)
    # Accepted Thursday 4 February 2027, computed: 9, 10, 11, 12, 15 February.
    assert compute_deadlines(at(2027, 2, 4, 9, 0), "一般", limits).close_due == at(2027, 2, 15, 9, 0)
    assert add_working_days(at(2027, 2, 4, 10, 0), 2) == at(2027, 2, 10, 10, 0)
    _import(calendar, tmp_path)
    # With the table: 15, 16, 17, 18, 19 February.
    assert compute_deadlines(at(2027, 2, 4, 9, 0), "一般", limits).close_due == at(2027, 2, 19, 9, 0)
    assert add_working_days(at(2027, 2, 4, 10, 0), 2) == at(2027, 2, 16, 10, 0)


def test_coverage_warning_for_the_next_60_days(calendar, tmp_path):
    assert coverage_warning(date(2026, 6, 1)) is None
    warning = coverage_warning(date(2026, 11, 23))
    assert warning is not None and "2027" in warning and "holidays import" in warning
    _import(calendar, tmp_path)
    assert coverage_warning(date(2026, 11, 23)) is None


def test_a_bad_table_names_the_line_and_stores_nothing(calendar, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("date,kind,name\n2027-01-01,假日,元旦\n2027-13-01,假日,x\n", encoding="utf-8")
    with pytest.raises(TableError, match="line 3"):
        calendar.import_table(source)
    source.write_text("2027-01-01,放假,元旦\n", encoding="utf-8")
    with pytest.raises(TableError, match="line 1: kind"):
        calendar.import_table(source)
    assert calendar.source(2027) == "statutory"


def test_the_admin_command_imports_a_table(tmp_path, capsys):
    source = tmp_path / "notice-2027.csv"
    source.write_text(TABLE_2027, encoding="utf-8")
    assert admin(["holidays", "import", str(source), "--to", str(tmp_path / "out")]) == 0
    assert "已导入 2027 年节假日表" in capsys.readouterr().out
    assert HolidayCalendar(tmp_path / "out").source(2027) == "table"
    (tmp_path / "broken.csv").write_text("2027-02-30,假日,x\n", encoding="utf-8")
    assert admin(["holidays", "import", str(tmp_path / "broken.csv"), "--to", str(tmp_path / "out2")]) == 1


async def test_superusers_are_told_once_about_a_gap(database, calendar, tmp_path):
    from sqlalchemy import select

    from bot.core.models import OutboxItem
    from bot.features.appeals.service import AppealService

    clock.set_now(at(2026, 11, 23, 9, 0))
    roles = Roles(database, BranchDirectory(database))
    service = AppealService(database, roles)
    assert await service.tell_calendar_gap([("qq", "10001")]) == 1
    assert await service.tell_calendar_gap([("qq", "10001")]) == 0
    again = AppealService(database, roles)  # another process (or a restart): the outbox remembers
    assert await again.tell_calendar_gap([("qq", "10001")]) == 0
    async with database.reading() as session:
        [item] = (await session.scalars(select(OutboxItem))).all()
    assert (item.target_kind, item.target_id) == ("private", "10000") and "2027" in item.parts[0]["text"]
    _import(calendar, tmp_path)
    assert await AppealService(database, roles).tell_calendar_gap([("qq", "10001")]) == 0

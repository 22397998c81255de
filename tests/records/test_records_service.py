"""Records as a service: activities with capacity and window, contacts, points, rankings, the monthly report."""

from __future__ import annotations

import csv
from datetime import date, datetime

import pytest
from sqlalchemy import select

from bot.core import clock, ledger
from bot.core.actor import Actor
from bot.core.branches import BranchDirectory, Conflict, Roles
from bot.core.members import MemberRecords
from bot.core.models import LedgerEntry
from bot.features.records.reports import percent
from bot.features.records.service import RecordsService, parse_id, parse_month, parse_when, report_text

SUPERUSER = Actor("qq", "10000", "5001", "10001")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=clock.tz())


@pytest.fixture
async def world(database):
    """A branch with three members since 1 November (张三 党员, 李四 群众, 王五 who later leaves), seen on the 10th."""
    clock.set_now(at(2026, 11, 1, 7, 0))
    branches = BranchDirectory(database)
    roles = Roles(database, branches)
    members = MemberRecords(database, roles)
    branch = await branches.open(SUPERUSER, "乌当支部")
    for user, name, status in (("1", "张三", "党员"), ("2", "李四", "群众"), ("3", "王五", "党员")):
        await members.register(
            Actor("qq", user, "5001", "10001"), branch, {"name": name, "phone": "13812345678", "status": status}
        )
    await members.confirm_status(SUPERUSER, branch, "qq:1", "党员")
    await members.confirm_status(SUPERUSER, branch, "qq:3", "党员")
    clock.set_now(at(2026, 11, 10, 9, 0))
    return RecordsService(database), branch, members


async def _activity(service, branch, capacity=2, starts=None):
    data = {
        "title": "月月暖心行",
        "starts_at": starts or at(2026, 11, 12, 19, 0),
        "place": "线上",
        "capacity": capacity,
        "points": 5,
    }
    return await service.publish(branch.id, "qq:10000", data)


async def test_capacity_waiting_list_and_promotion(world):
    service, branch, _ = world
    activity = await _activity(service, branch)
    assert (await service.sign_up(branch.id, activity.id, "qq:1")).status == "registered"
    assert (await service.sign_up(branch.id, activity.id, "qq:1")).status == "already"
    await service.sign_up(branch.id, activity.id, "qq:2")
    waiting = await service.sign_up(branch.id, activity.id, "qq:3")
    assert (waiting.status, waiting.position) == ("waiting", 1)
    withdrawal = await service.withdraw(branch.id, activity.id, "qq:1")
    assert (withdrawal.promoted, withdrawal.reversed_points) == ("qq:3", 1)
    [(listed, registered, queued)] = await service.upcoming(branch.id)
    assert (registered, queued, listed.taken) == (2, 0, 2)
    await service.withdraw(branch.id, activity.id, "qq:2")  # nobody waits: the seat is free again
    [(listed, registered, _)] = await service.upcoming(branch.id)
    assert (registered, listed.taken) == (1, 1)
    assert (await service.sign_up(branch.id, activity.id, "qq:2")).status == "registered"


async def test_check_in_only_in_the_window_once_and_late_with_reason(world):
    service, branch, _ = world
    activity = await _activity(service, branch)
    await service.sign_up(branch.id, activity.id, "qq:1")
    with pytest.raises(Conflict, match="不在签到时间内"):
        await service.check_in(branch.id, activity.id, "qq:1")
    clock.set_now(at(2026, 11, 12, 18, 40))
    await service.check_in(branch.id, activity.id, "qq:1")
    with pytest.raises(Conflict, match="已经签到"):
        await service.check_in(branch.id, activity.id, "qq:1")
    clock.set_now(at(2026, 11, 13, 9, 0))
    with pytest.raises(Conflict, match="不在签到时间内"):
        await service.check_in(branch.id, activity.id, "qq:2")
    late = await service.check_in(branch.id, activity.id, "qq:2", by="qq:10000", reason="现场签到表")
    assert (late.points, late.wanted) == (5, 5)
    assert (await service.points("qq:1")).by_kind[ledger.ACTIVITY_CHECKIN] == 5


async def test_a_cancelled_activity_takes_no_sign_up(world):
    service, branch, _ = world
    activity = await _activity(service, branch)
    await service.cancel_activity(branch.id, activity.id)
    with pytest.raises(Conflict, match="已取消"):
        await service.sign_up(branch.id, activity.id, "qq:1")


async def test_contacts_need_a_member_driver_and_move_between_members(world):
    service, branch, _ = world
    with pytest.raises(Conflict, match="党员司机"):
        await service.contact(branch.id, "qq:2", "qq:9")
    with pytest.raises(Conflict, match="不能联系自己"):
        await service.contact(branch.id, "qq:1", "qq:1")
    contact, previous = await service.contact(branch.id, "qq:1", "qq:9")
    assert (contact.times, previous) == (1, None)
    contact, _ = await service.contact(branch.id, "qq:1", "qq:9")
    assert contact.times == 2
    _, previous = await service.contact(branch.id, "qq:3", "qq:9")
    assert previous == "qq:1"
    assert await service.my_contacts(branch.id, "qq:1") == []
    assert [name for _, name, _, _ in await service.my_contacts(branch.id, "qq:3")] == ["用户9"]


async def test_rankings_leave_out_people_who_left(world):
    service, branch, members = world
    async with service.database.session() as session:
        for user, n in (("qq:1", 3), ("qq:2", 1), ("qq:3", 6)):
            for _ in range(n):
                await ledger.record(
                    session, user, branch.id, ledger.ORG_LIFE, points=1, rules=ledger.PointRules(daily_cap={})
                )
    assert [name for name, _ in await service.ranking(branch.id, date(2026, 11, 1))] == ["王五", "张三", "李四"]
    await members.mark_left("qq", "5001", "3")
    assert await service.ranking(branch.id, date(2026, 11, 1)) == [("张三", 3), ("李四", 1)]
    assert (await service.points("qq:3")).total == 6  # history stays


async def test_monthly_report_against_hand_computed_figures(world):
    service, branch, _ = world
    # 1–10 November (10 days so far). 张三 checks in 4 days, 李四 1 day; 张三 answers 2 (1 right), 李四 1 wrong.
    async with service.database.session() as session:
        for day, user in ((1, "qq:1"), (2, "qq:1"), (3, "qq:1"), (4, "qq:1"), (4, "qq:2")):
            clock.set_now(at(2026, 11, day, 8, 0))
            await ledger.record(session, user, branch.id, ledger.STUDY)
        for day, user, note in ((5, "qq:1", "正确"), (6, "qq:1", "错误"), (6, "qq:2", "错误"), (6, "qq:99", "正确")):
            clock.set_now(at(2026, 11, day, 8, 0))
            await ledger.record(session, user, branch.id, ledger.QUIZ, points=2 if note == "正确" else 0, note=note)
    clock.set_now(at(2026, 11, 10, 9, 0))
    activity = await _activity(service, branch, capacity=0, starts=at(2026, 11, 10, 9, 30))
    await service.sign_up(branch.id, activity.id, "qq:1")
    await service.sign_up(branch.id, activity.id, "qq:2")
    await service.check_in(branch.id, activity.id, "qq:1")
    await service.contact(branch.id, "qq:1", "qq:9")
    report = await service.monthly(branch, date(2026, 11, 1))
    assert (report.members, report.member_drivers) == (3, 2)
    assert report.active == 2 and report.active_share == pytest.approx(2 / 3)
    assert report.checkins == 5 and report.checkin_rate == pytest.approx(5 / (3 * 10))
    # qq:99 is in the group but no member: their right answer is beside the members' figures, not in them
    assert (report.quiz_answers, report.quiz.done, report.quiz.others, report.quiz_correct) == (4, 3, 1, 1)
    assert report.accuracy == pytest.approx(1 / 3)
    assert (report.activities, report.signups, report.attendance, report.contacts) == (1, 2, 1, 1)
    assert report.top[0][0] == "张三"
    assert report.checkins_per_day == [(date(2026, 11, d), n) for d, n in ((1, 1), (2, 1), (3, 1), (4, 2))]
    # /月报 全部 reads the same figures from grouped queries: its line says what the branch's own report says
    [line] = await service.monthly_lines([branch], date(2026, 11, 1))
    assert (line.branch, line.members, line.active, line.checkins, line.activities) == (branch.name, 3, 2, 5, 1)
    assert line.active_share == report.active_share


def test_month_and_time_parsing():
    today = date(2026, 11, 23)
    assert parse_month(None, today) == date(2026, 11, 1)
    assert parse_month("2026-10", today) == date(2026, 10, 1)
    for bad in ("2026-13", "十月", "2026-12"):
        with pytest.raises(ValueError, match=r"月份格式|还没有到"):
            parse_month(bad, today)
    now = at(2026, 12, 30, 10, 0)
    assert parse_when("明天 19:30", now) == at(2026, 12, 31, 19, 30)
    assert parse_when("01-05 09:00", now) == at(2027, 1, 5, 9, 0)
    assert parse_when("2026-12-31 08:00", now) == at(2026, 12, 31, 8, 0)
    with pytest.raises(ValueError, match="时间格式"):
        parse_when("下周", now)


async def test_export_masks_unless_private(world, tmp_path):
    service, branch, _ = world
    masked = await service.export(branch, tmp_path, full=False)
    rows = list(csv.reader(masked.open(encoding="utf-8-sig")))
    assert rows[0][:3] == ["姓名", "手机", "车牌"] and rows[1][1] == "138****5678"
    full = await service.export(branch, tmp_path / "full", full=True)
    assert list(csv.reader(full.open(encoding="utf-8-sig")))[1][1] == "13812345678"
    assert len(rows) == 4


async def test_the_profile_summary_line_counts_this_month(world):
    service, branch, _ = world
    async with service.database.session() as session:
        await ledger.record(session, "qq:1", branch.id, ledger.STUDY)
        await ledger.record(session, "qq:1", branch.id, ledger.QUIZ, note="正确")
    line = await service.summary_line(branch.id, "qq:1")
    assert "学习打卡1次" in line and "答题1次" in line and "本月 3" in line


async def test_check_in_says_what_the_daily_cap_recorded(world):
    """Two 5-point activities on one day: the cap of 6 records 5, then 1; a third records 0 (said, not hidden)."""
    service, branch, _ = world
    clock.set_now(at(2026, 11, 12, 18, 40))
    firsts = [await _activity(service, branch, capacity=0, starts=at(2026, 11, 12, 19, 0)) for _ in range(3)]
    recorded = [(await service.check_in(branch.id, a.id, "qq:1")).points for a in firsts]
    assert recorded == [5, 1, 0]
    assert (await service.points("qq:1")).by_kind[ledger.ACTIVITY_CHECKIN] == 6


async def test_cancelling_reverses_points_with_correction_rows(world):
    """Withdrawing reverses the sign-up point; cancelling the activity reverses every point given for it."""
    service, branch, _ = world
    activity = await _activity(service, branch, capacity=0, starts=at(2026, 11, 10, 9, 30))
    for user in ("qq:1", "qq:2", "qq:3"):
        await service.sign_up(branch.id, activity.id, user)
    await service.check_in(branch.id, activity.id, "qq:1")
    assert (await service.withdraw(branch.id, activity.id, "qq:3")).reversed_points == 1
    assert (await service.points("qq:3")).total == 0
    with pytest.raises(Conflict, match="已经签到"):
        await service.withdraw(branch.id, activity.id, "qq:1")
    assert (await service.points("qq:1")).total == 6
    done = await service.cancel_activity(branch.id, activity.id)
    assert (done.reversed_entries, done.reversed_points) == (3, 7)  # 张三 1 + 5, 李四 1
    assert [(await service.points(u)).total for u in ("qq:1", "qq:2", "qq:3")] == [0, 0, 0]
    async with service.database.reading() as session:
        rows = (await session.scalars(select(LedgerEntry).order_by(LedgerEntry.id))).all()
    corrections = [r for r in rows if r.reverses_id is not None]
    assert len(rows) == 8 and len(corrections) == 4  # nothing edited or deleted: 4 rows, 4 corrections
    assert {r.note for r in corrections} == {"取消报名", "活动取消"}


async def test_a_reversal_of_an_older_day_does_not_free_todays_cap(world):
    service, branch, _ = world
    activity = await _activity(service, branch, capacity=0, starts=at(2026, 11, 12, 19, 0))
    await service.sign_up(branch.id, activity.id, "qq:1")  # 10 November: +1
    clock.set_now(at(2026, 11, 11, 9, 0))
    others = [await _activity(service, branch, capacity=0) for _ in range(4)]
    await service.withdraw(branch.id, activity.id, "qq:1")  # the 10th's point goes, on the 11th
    got = [(await service.sign_up(branch.id, a.id, "qq:1")).points for a in others]
    assert got == [1, 1, 1, 0]  # the cap of 3 a day holds


@pytest.mark.parametrize("text", ["99999999999999999999", "²", "①", "４", "-1", "0", "1.5", " ", "2147483648"])
def test_ids_are_ascii_digits_within_bounds(text):
    assert parse_id(text) is None


def test_ids_parse():
    assert parse_id(" 42 ") == 42 and parse_id("2147483647") == 2**31 - 1


async def test_monthly_report_asks_appeals_for_its_figures(world):
    service, branch, _ = world
    asked = []

    class Appeals:
        async def monthly_figures(self, branch_id: int, first_day: date, next_month_first_day: date) -> dict[str, int]:
            asked.append((branch_id, first_day, next_month_first_day))
            return {"收集": 4, "办结": 3}

    service.appeals = Appeals()
    report = await service.monthly(branch, date(2026, 11, 1))
    assert asked == [(branch.id, date(2026, 11, 1), date(2026, 12, 1))]
    text = report_text(report)
    assert "诉求：收集 4，办结 3" in text
    assert "积极分子" not in text and "成员日均打卡率" in text


async def test_the_report_counts_members_as_the_branch_card_does(world):
    service, branch, members = world
    await members.mark_left("qq", "5001", "3")
    card = await BranchDirectory(service.database).card(branch)
    report = await service.monthly(branch, date(2026, 11, 1))
    assert (report.members, report.member_drivers) == (card.members, card.member_drivers) == (2, 1)


async def test_a_report_of_a_branch_with_no_one_shows_dashes_not_zero_rates(world):
    """A new branch's /月报 and its /月报 全部 line: a rate with no members or no answers behind it is 「—」."""
    service, _, _ = world
    empty = await BranchDirectory(service.database).open(Actor("qq", "10000", "5009", "10001"), "新开支部")
    text = report_text(await service.monthly(empty, date(2026, 11, 1)))
    assert "本月参与 0 人，占成员 —" in text
    assert "成员日均打卡率 —（成员在册 0 人天）" in text and "成员日均答题率 —，正确率 —" in text
    assert "0%" not in text
    [line] = await service.monthly_lines([empty], date(2026, 11, 1))  # /月报 全部 formats its share the same way
    assert (line.members, percent(line.active_share, line.members)) == (0, "—")

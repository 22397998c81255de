"""Records commands through NoneBot: exact usage lines and refusals, points as recorded, the chart picture, exports
(masked in a group, full in private chat, one file per branch, logged)."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from nonebot.adapters.onebot import v11
from nonebug import App
from sqlalchemy import select

from bot.core import clock
from bot.core.actor import Actor
from bot.core.models import AccessLog, Branch
from bot.core.ratelimit import RateLimiter
from bot.features.records import texts
from bot.services import Services
from tests.support.events import SELF_ID, say, v11_at, v11_group, v11_private

GROUP = "7501"
OTHER_GROUP = "7502"
SUPERUSER = Actor("qq", "10000", GROUP, SELF_ID)
SECRETARY = "30001"
MEMBER = "33002"
DRIVER = "33001"
ONLY_MANAGERS = "这条命令只有书记、行业党委可以使用。"


@pytest.fixture(autouse=True)
def generous_limits(own_services: Services) -> None:
    """These tests send many commands a second from one person; the rate limit has tests of its own."""
    own_services.user_limits = RateLimiter(1000, 1000)
    own_services.group_limits = RateLimiter(1000, 1000)


async def _branch(services: Services, group: str = GROUP, name: str = "积分测试支部") -> Branch:
    """A branch with a secretary, a confirmed member driver and a driver (all with phone and plate)."""
    clock.set_now(datetime(2026, 11, 23, 10, 0, tzinfo=clock.tz()))
    superuser = Actor("qq", "10000", group, SELF_ID)
    branch = await services.branches.open(superuser, name)
    await services.roles.set_secretary(superuser, branch, f"qq:{SECRETARY}", "王书记")
    for user, person, status in ((MEMBER, "张党员", "党员"), (DRIVER, "李司机", "群众")):
        await services.members.register(
            Actor("qq", user, group, SELF_ID),
            branch,
            {"name": person, "phone": "13812345678", "plate": "贵A12345", "status": status},
        )
    await services.members.confirm_status(superuser, branch, f"qq:{MEMBER}", "党员")
    return branch


async def _publish(services: Services, branch: Branch, capacity: int = 1, points: int = 3) -> int:
    activity = await services.records.publish(
        branch.id,
        f"qq:{SECRETARY}",
        {
            "title": "月月暖心行",
            "starts_at": datetime(2026, 11, 23, 10, 20, tzinfo=clock.tz()),
            "place": "线上",
            "capacity": capacity,
            "points": points,
        },
    )
    return activity.id


async def test_usage_lines_and_refusals_word_for_word(app: App, own_services: Services):
    await _branch(own_services)

    async def ask(text: Any, user: str = DRIVER) -> str:
        return await say(app, v11_group(text, user_id=user, group_id=GROUP))

    assert await ask("/活动") == texts.NO_ACTIVITIES
    assert await ask("/活动 发布") == ONLY_MANAGERS
    for bad in ("abc", "99999999999999999999", "²", "①", "１", "1 2", ""):
        assert await ask(f"/报名 {bad}") == f"@{DRIVER} 用法：/报名 <编号>", bad
    assert await ask("/报名 取消 ²") == f"@{DRIVER} 用法：/报名 取消 <编号>"
    assert await ask("/报名 999") == f"@{DRIVER} " + texts.ACTIVITY_NOT_FOUND.format(id=999)
    assert await ask("/签到") == f"@{DRIVER} 用法：/签到 <活动编号>（学习打卡请直接发送“打卡”）"
    assert await ask("/联系") == f"@{DRIVER} 这条命令只有党员司机、行业党委可以使用。"
    assert await ask("/联系", MEMBER) == f"@{MEMBER} " + texts.CONTACT_USAGE
    assert await ask(v11_at(SELF_ID, "/联系 "), MEMBER) == f"@{MEMBER} " + texts.CONTACT_USAGE
    assert await ask("/月报 2099-01", SECRETARY) == texts.FUTURE_MONTH
    assert await ask("/月报 2026-13", SECRETARY) == texts.BAD_MONTH
    assert await ask("/月报", DRIVER) == ONLY_MANAGERS
    assert await ask("/台账 导出", DRIVER) == ONLY_MANAGERS
    assert (
        await ask("/台账", SECRETARY) == "台账含姓名和手机号，只在私聊中处理：请私聊机器人发送 /台账。"
    )  # no names here
    assert await ask("/积分") == f"@{DRIVER} 您的积分：本月 0，今年 0，累计 0\n分类（累计）：暂无"
    assert await ask("/积分榜") == texts.NO_RANKING


async def test_points_said_are_points_recorded(app: App, own_services: Services):
    branch = await _branch(own_services)
    first = await _publish(own_services, branch, capacity=1, points=5)
    second = await _publish(own_services, branch, capacity=0, points=5)

    async def ask(text: str, user: str) -> str:
        return await say(app, v11_group(text, user_id=user, group_id=GROUP))

    assert await ask(f"/报名 {first}", DRIVER) == (
        f"@{DRIVER} 报名成功：「月月暖心行」，11-23 10:20 开始，到场后发送 /签到 {first}。获得 1 分。"
    )
    assert (
        await ask(f"/报名 {first}", MEMBER)
        == f"@{MEMBER} 「月月暖心行」名额已满，您在候补第 1 位，有人取消时会通知您。"
    )
    assert await ask(f"/报名 取消 {first}", DRIVER) == f"@{DRIVER} 已取消报名，报名所得 1 分已撤回。"
    assert (await own_services.records.points(f"qq:{DRIVER}")).total == 0
    assert await ask(f"/签到 {first}", MEMBER) == f"@{MEMBER} 签到成功：「月月暖心行」，获得 5 分。"
    assert await ask(f"/签到 {second}", MEMBER) == (
        f"@{MEMBER} 签到成功：「月月暖心行」，获得 1 分（今日该项积分已达上限，本应 5 分）。"
    )
    third = await _publish(own_services, branch, capacity=0, points=5)
    assert (
        await ask(f"/签到 {third}", MEMBER) == f"@{MEMBER} 签到成功：「月月暖心行」，今日该项积分已达上限，本次不加分。"
    )
    assert await ask(f"/活动 取消 {first}", SECRETARY) == (
        f"已取消活动 {first}「月月暖心行」，已撤回为它记的 2 条积分（6 分，记更正记录）。"
    )
    assert (await own_services.records.points(f"qq:{MEMBER}")).total == 1  # the second activity's 1 stays


async def test_monthly_report_comes_with_a_chart_picture(app: App, own_services: Services):
    await _branch(own_services)
    sent: list[v11.Message] = []
    async with app.test_api() as ctx:
        bot = ctx.create_bot(base=v11.Bot, self_id=SELF_ID)

        async def capture(event: Any, message: Any, **kwargs: Any) -> None:
            sent.append(v11.Message(message))

        bot.send = capture
        from nonebot.message import handle_event

        await handle_event(bot, v11_group("/月报", user_id=SECRETARY, group_id=GROUP))
    [message] = sent
    text = message.extract_plain_text()
    assert text.startswith("【2026年11月 月报】积分测试支部\n成员 2 人（党员司机 1）")
    assert "成员日均打卡率 0%（成员在册 2 人天）" in text and "积极分子" not in text
    image = next(seg for seg in message if seg.type == "image")
    assert image.data["file"].startswith("base64://")


async def _export(app: App, event: Any) -> list[tuple[str, dict[str, Any], bytes, int]]:
    """Run one export; return (api, data, file bytes, file mode) of each upload, read while the file is there."""
    calls: list[tuple[str, dict[str, Any], bytes, int]] = []
    async with app.test_api() as ctx:
        bot = ctx.create_bot(base=v11.Bot, self_id=SELF_ID)

        async def capture(event: Any, message: Any, **kwargs: Any) -> None:
            calls.append(("send", {"text": v11.Message(message).extract_plain_text()}, b"", 0))

        async def call_api(api: str, **data: Any) -> None:
            path = data["file"]
            calls.append((api, data, open(path, "rb").read(), stat.S_IMODE(os.stat(path).st_mode)))  # noqa: ASYNC230, SIM115

        bot.send = capture
        bot.call_api = call_api
        from nonebot.message import handle_event

        await handle_event(bot, event)
    return calls


def _cells(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return book.read("xl/sharedStrings.xml").decode()


async def test_export_goes_to_private_chat_only_and_is_logged(app: App, own_services: Services):
    await _branch(own_services)
    calls = await _export(app, v11_group("/台账 导出", user_id=SECRETARY, group_id=GROUP))
    assert [call[1]["text"] for call in calls] == [texts.EXPORT_IN_PRIVATE]  # no file in the group's files
    calls = await _export(app, v11_private("/台账 导出", user_id=SECRETARY))
    assert calls[0][1]["text"] == "「积分测试支部」台账已导出（XLSX）"
    api, data, content, mode = calls[1]
    assert api == "upload_private_file" and data["user_id"] == int(SECRETARY) and data["name"].endswith(".xlsx")
    assert mode == 0o600
    assert "13812345678" in _cells(content)
    async with own_services.database.reading() as session:
        logged = (await session.scalars(select(AccessLog))).all()
    assert [(row.actor_key, row.action) for row in logged] == [(f"qq:{SECRETARY}", texts.ACCESS_FULL)]


async def test_a_secretary_of_two_branches_exports_each_in_full_in_private(app: App, own_services: Services):
    await _branch(own_services)
    await _branch(own_services, OTHER_GROUP, "第二测试支部")
    calls = await _export(app, v11_private("/台账 导出 csv", user_id=SECRETARY))
    assert calls[0][1]["text"] == "「积分测试支部」台账已导出（CSV）\n「第二测试支部」台账已导出（CSV）"
    uploads = calls[1:]
    assert [api for api, *_ in uploads] == ["upload_private_file", "upload_private_file"]
    assert all("13812345678" in content.decode("utf-8-sig") for _, _, content, _ in uploads)
    assert len({data["file"] for _, data, _, _ in uploads}) == 2
    named = await _export(app, v11_private("/台账 导出 第二测试支部", user_id=SECRETARY))
    assert named[0][1]["text"] == "「第二测试支部」台账已导出（XLSX）" and len(named) == 2
    async with own_services.database.reading() as session:
        logged = (await session.scalars(select(AccessLog))).all()
    assert [row.action for row in logged] == [texts.ACCESS_FULL] * 3


async def test_a_secretary_never_reaches_another_branch(app: App, own_services: Services):
    await _branch(own_services)
    superuser = Actor("qq", "10000", OTHER_GROUP, SELF_ID)
    await own_services.branches.open(superuser, "别人的支部")
    refusal = texts.NOT_YOUR_BRANCH.format(name="别人的支部")
    assert await say(app, v11_private("/台账 导出 别人的支部", user_id=SECRETARY)) == refusal
    assert await say(app, v11_private("/月报 别人的支部", user_id=SECRETARY)) == refusal
    assert await say(app, v11_group("/月报 全部", user_id=SECRETARY, group_id=GROUP)) == texts.OTHER_BRANCH_REPORT
    assert await say(app, v11_private("/台账 导出", user_id=DRIVER)) == ONLY_MANAGERS
    # the committee's /月报 全部 has one line a branch, in the order of the branch list
    month = clock.today().strftime("%Y年%m月")
    # 2 members, none active: 0%; no members at all: —
    assert await say(app, v11_private("/月报 全部", user_id="10000")) == (
        f"【{month} 全部支部】\n积分测试支部：成员 2，参与 0%，打卡 0，活动 0"
        "\n别人的支部：成员 0，参与 —，打卡 0，活动 0"
    )


async def test_a_branch_is_never_shown_in_another_branch_group(app: App, own_services: Services):
    """Even a secretary of both branches (or a superuser) gets branch B's ledger or report only in B or in private."""
    await _branch(own_services)
    await _branch(own_services, OTHER_GROUP, "第二测试支部")
    refusal = texts.ONLY_ITS_GROUP_OR_PRIVATE.format(name="第二测试支部")
    for user in (SECRETARY, "10000"):
        for text in ("/台账 导出 第二测试支部", "/月报 第二测试支部"):
            assert await say(app, v11_group(text, user_id=user, group_id=GROUP)) == refusal


async def test_an_export_is_deleted_once_qq_has_taken_it(app: App, own_services: Services, tmp_path: Path):
    from bot.plugins.records import delete_sent_export

    branch = await _branch(own_services)
    records = own_services.records
    records.export_dir = tmp_path / "exports"
    sent = await records.export(branch, records.export_dir, full=False, fmt="xlsx")
    failed = await records.export(branch, records.export_dir, full=False, fmt="xlsx")
    elsewhere = tmp_path / "台账-not-ours.csv"
    elsewhere.write_text("x")
    async with app.test_api() as ctx:
        bot = ctx.create_bot(base=v11.Bot, self_id=SELF_ID)
        await delete_sent_export(bot, None, "upload_group_file", {"file": str(sent.resolve())}, None)
        await delete_sent_export(bot, RuntimeError("no"), "upload_group_file", {"file": str(failed)}, None)
        await delete_sent_export(bot, None, "upload_private_file", {"file": str(elsewhere)}, None)
    assert not sent.exists() and failed.exists() and elsewhere.exists()


async def test_the_list_and_a_late_check_in_word_for_word(app: App, own_services: Services):
    branch = await _branch(own_services)
    activity = await _publish(own_services, branch, capacity=2, points=4)
    await say(app, v11_group(f"/报名 {activity}", user_id=DRIVER, group_id=GROUP))
    assert await say(app, v11_group("/活动", user_id=MEMBER, group_id=GROUP)) == (
        f"近期活动：\n{activity}. 月月暖心行 11-23 10:20 线上（已报名 1/2，4 分）\n"
        "报名：/报名 <编号>；到场后：/签到 <编号>"
    )
    late = v11_at(DRIVER, f"/补签 {activity} ") + v11.MessageSegment.text(" 现场签到表")
    assert await say(app, v11_group(late, user_id=SECRETARY, group_id=GROUP)) == (
        "已为 李司机 补签「月月暖心行」（原因：现场签到表），获得 4 分。"
    )
    assert await say(app, v11_group(f"/补签 {activity}", user_id=SECRETARY, group_id=GROUP)) == (
        "用法：/补签 <编号> @某人 <原因>"
    )

"""Operations through NoneBot: notices of members and of the bot leaving, and the commands' refusals."""

import time

from nonebot.adapters.onebot import v11
from nonebug import App
from sqlalchemy import select

from bot.core.models import Branch, Member
from tests.support.events import SELF_ID, say, v11_group

GROUP = "7601"


def decrease(user_id: str, sub_type: str) -> v11.GroupDecreaseNoticeEvent:
    """A QQ group_decrease notice."""
    return v11.GroupDecreaseNoticeEvent(
        time=int(time.time()),
        self_id=int(SELF_ID),
        post_type="notice",
        notice_type="group_decrease",
        sub_type=sub_type,
        group_id=int(GROUP),
        operator_id=1,
        user_id=int(user_id),
    )


async def test_a_member_leaving_marks_the_record_and_the_bot_leaving_stops_the_branch(app: App):
    from bot.runtime import branches, database

    await say(app, v11_group("/支部 开通 运维测试支部", user_id="10000", group_id=GROUP))
    await say(app, v11_group("/登记", user_id="34001", group_id=GROUP))
    for answer in ("赵六", "13812345678", "跳过", "跳过", "跳过", "4", "确认"):
        await say(app, v11_group(answer, user_id="34001", group_id=GROUP))
    assert await say(app, decrease("34001", "leave"), expect_reply=False) is None
    async with database.reading() as session:
        member = await session.scalar(select(Member).where(Member.user_key == "qq:34001"))
    assert member.left_at is not None
    await say(app, decrease(SELF_ID, "kick_me"), expect_reply=False)
    branches.forget()
    async with database.reading() as session:
        branch = await session.scalar(select(Branch).where(Branch.group_id == GROUP))
    assert not branch.active


async def test_refusals_and_usage(app: App):
    await say(app, v11_group("/支部 开通 运维测试二支部", user_id="10000", group_id="7602"))
    assert "只有本支部书记" in await say(app, v11_group("/通知 明天开会", user_id="34002", group_id="7602"))
    assert "只有行业党委" in await say(app, v11_group("/状态", user_id="34002", group_id="7602"))
    assert "不能为空" in await say(app, v11_group("/通知 全部", user_id="10000", group_id="7602"))
    status = await say(app, v11_group("/状态", user_id="10000", group_id="7602"))
    assert "【运行状态】" in status and "数据库：SQLite" in status

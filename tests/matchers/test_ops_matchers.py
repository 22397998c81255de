"""Operations through NoneBot: the declared commands' exact answers, and the notices of members and the bot leaving."""

import time

import httpx
import pytest
from nonebot.adapters.onebot import v11
from nonebug import App
from sqlalchemy import select

from bot.core import clock
from bot.core.actor import Actor
from bot.core.models import Branch, Member, OutboxItem
from bot.core.sender import PlatformRules
from bot.features.ops import texts
from bot.services import Services
from tests.support.events import SELF_ID, say, v11_group, v11_private
from tests.web.seed import PREFIX, link_path, link_reply, make_app, sign_in

GROUP = "7601"
SUPERUSER = "10000"


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


async def _open(services: Services, group_id: str, name: str) -> Branch:
    return await services.branches.open(Actor("qq", SUPERUSER, group_id, SELF_ID), name)


async def test_a_member_leaving_marks_the_record_and_the_bot_leaving_stops_the_branch(app: App, own_services: Services):
    branch = await _open(own_services, GROUP, "运维测试支部")
    for user_id in ("34001", "34002"):
        await own_services.members.register(
            Actor("qq", user_id, GROUP, SELF_ID), branch, {"name": "赵六", "status": "群众"}
        )
    assert await say(app, decrease("34001", "leave"), expect_reply=False) is None
    async with own_services.database.reading() as session:
        left = await session.scalar(select(Member).where(Member.user_key == "qq:34001"))
        stays = await session.scalar(select(Member).where(Member.user_key == "qq:34002"))
    assert left is not None and left.left_at is not None
    assert stays is not None and stays.left_at is None
    await say(app, decrease(SELF_ID, "kick_me"), expect_reply=False)
    async with own_services.database.reading() as session:
        stopped = await session.scalar(select(Branch).where(Branch.group_id == GROUP))
        stays = await session.scalar(select(Member).where(Member.user_key == "qq:34002"))
    assert stopped is not None and not stopped.active
    assert stays is not None and stays.left_at is not None  # the whole group is gone: everyone counts as left


async def test_leaving_the_group_ends_the_web_sessions_of_the_person(
    app: App, own_services: Services, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("WEB_SECRET", "test-secret")
    branch = await _open(own_services, GROUP, "运维测试支部")
    superuser = Actor("qq", SUPERUSER, GROUP, SELF_ID)
    web = make_app(own_services)
    clients = {}
    for user_id in ("34003", "34004", "34005"):  # three secretaries signed in to the web view
        await own_services.roles.set_secretary(superuser, branch, f"qq:{user_id}", "书记")
        if user_id != "34005":  # 34005 runs the branch without a member record of their own
            member = Actor("qq", user_id, GROUP, SELF_ID)
            await own_services.members.register(member, branch, {"name": "书记", "status": "党员"})
        clients[user_id] = httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://testserver")
        reply = await link_reply(own_services, Actor("qq", user_id, None, SELF_ID))
        assert (await sign_in(clients[user_id], link_path(reply))).status_code == 200
    try:
        await say(app, decrease("34003", "leave"), expect_reply=False)
        assert (await clients["34003"].get(PREFIX + "/")).status_code == 401  # left: every session ends
        assert (await clients["34004"].get(PREFIX + "/")).status_code == 200
        assert texts.WEB_SESSIONS.format(count=2) in (await say(app, v11_private("/状态", user_id=SUPERUSER)))
        # the bot left: every member there counts as left
        await say(app, decrease(SELF_ID, "kick_me"), expect_reply=False)
        assert (await clients["34004"].get(PREFIX + "/")).status_code == 401
        assert (await clients["34005"].get(PREFIX + "/")).status_code == 401  # a role there is no standing there
        assert texts.WEB_SESSIONS.format(count=0) in (await say(app, v11_private("/状态", user_id=SUPERUSER)))
    finally:
        for client in clients.values():
            await client.aclose()


async def test_roles_are_refused_by_the_declarations(app: App, own_services: Services):
    await _open(own_services, "7602", "运维测试二支部")
    driver = "34002"
    assert await say(app, v11_group("/通知 明天开会", user_id=driver, group_id="7602")) == (
        "这条命令只有书记、行业党委可以使用。"
    )
    assert await say(app, v11_group("/状态", user_id=driver, group_id="7602")) == "这条命令只有行业党委可以使用。"
    assert await say(app, v11_private("/通知 全部 明天开会", user_id=driver)) == "这条命令只有行业党委可以使用。"


async def test_usage_lines_and_refusals_in_words(app: App, own_services: Services):
    await _open(own_services, "7603", "运维测试三支部")
    assert await say(app, v11_private("/通知", user_id=SUPERUSER)) == "用法：/通知 <内容>"
    assert await say(app, v11_private("/通知 全部", user_id=SUPERUSER)) == texts.EMPTY.format(
        usage=texts.SUPERUSER_USAGE
    )
    assert await say(app, v11_private("/通知 本支部 明天开会", user_id=SUPERUSER)) == texts.HERE_ONLY_IN_GROUP
    assert await say(app, v11_private("/通知 状态", user_id=SUPERUSER)) == texts.NEVER_SENT
    assert await say(app, v11_private("/通知 确认", user_id=SUPERUSER)) == texts.NOTHING_TO_CONFIRM.format(minutes=10)
    assert await say(app, v11_private("/状态 推送 x", user_id=SUPERUSER)) == "用法：/状态 推送 [页码]"
    assert await say(app, v11_private("/状态 全部", user_id=SUPERUSER)) == texts.STATUS_USAGE


async def test_a_notice_is_queued_with_high_priority_and_a_double_tap_held_back(app: App, own_services: Services):
    await _open(own_services, "7604", "运维测试四支部")
    queued = await say(app, v11_group("/通知 本支部 明天开会", user_id=SUPERUSER, group_id="7604"))
    assert queued == texts.QUEUED.format(count=1, names="「运维测试四支部」", eta=texts.ETA_SHORT)
    again = await say(app, v11_group("/通知 本支部 明天开会", user_id=SUPERUSER, group_id="7604"))
    assert again == texts.HELD_BACK.format(ago=texts.JUST_NOW, names="「运维测试四支部」", minutes=10)
    async with own_services.database.reading() as session:
        items = (await session.scalars(select(OutboxItem))).all()
    assert [(i.target_id, i.purpose, i.priority) for i in items] == [("7604", "broadcast", 2)]


async def test_status_shows_refusals_by_account_and_code(app: App, own_services: Services):
    await _open(own_services, "7605", "运维测试五支部")
    async with own_services.database.session() as session:
        for group_id, error in (
            ("7605", "ActionFailed(retcode=1200, msg=...)"),
            ("7606", "ActionFailed: retcode 1200"),
        ):
            session.add(
                OutboxItem(
                    platform="qq",
                    self_id=SELF_ID,
                    target_kind="group",
                    target_id=group_id,
                    parts=[],
                    purpose="broadcast",
                    status="failed",
                    attempts=1,
                    next_attempt_at=clock.now(),
                    created_at=clock.now(),
                    last_error=error,
                )
            )
    status = await say(app, v11_private("/状态", user_id=SUPERUSER))
    lines = status.splitlines()
    assert lines[0].startswith("【运行状态】")
    assert texts.REFUSALS_HEAD in lines
    assert texts.REFUSAL_LINE.format(self_id=SELF_ID, code="1200", count=2) in lines
    assert texts.BRANCHES.format(active=1, inactive=0) in lines
    assert lines[-1].startswith("数据库：SQLite")
    assert texts.PLATFORM_RULES_HEAD not in lines  # none configured
    own_services.broadcasts.health.platform_rules = {
        "qqbot": PlatformRules(private_per_month=4, quiet_hours="23:00-07:00")
    }
    lines = (await say(app, v11_private("/状态", user_id=SUPERUSER))).splitlines()
    at = lines.index(texts.PLATFORM_RULES_HEAD)
    assert lines[at + 1] == "  · QQ 官方机器人：每人私聊每月至多 4 条，23:00-07:00 不主动发送"
    pushes = await say(app, v11_private("/状态 推送", user_id=SUPERUSER))
    assert pushes.splitlines() == [
        texts.PUSH_PAGE_HEAD.format(page=1, pages=1),
        texts.PUSH_PAGE_LINE.format(name="运维测试五支部", last=texts.PUSH_NONE.format(days=30)),
    ]

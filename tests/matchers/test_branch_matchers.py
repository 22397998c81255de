"""Branch and member commands through NoneBot (nonebug): permissions, usage lines, the 登记 conversation."""

from nonebug import App

from tests.support.events import say, v11_at, v11_group


async def test_opening_a_branch_needs_owner_or_superuser(app: App):
    refused = await say(app, v11_group("/支部 开通 测试一支部", user_id="30001", group_id="7001"))
    assert "只有行业党委" in refused
    opened = await say(app, v11_group("/支部 开通 测试一支部", user_id="30001", group_id="7001", role="owner"))
    assert "已开通「测试一支部」" in opened
    card = await say(app, v11_group("/支部", user_id="30002", group_id="7001"))
    assert "【测试一支部】" in card and "书记：未设置" in card


async def test_registration_conversation_validates_and_can_be_cancelled(app: App):
    await say(app, v11_group("/支部 开通 测试二支部", user_id="10000", group_id="7002"))
    first = await say(app, v11_group("/登记", user_id="30010", group_id="7002"))
    assert "姓名" in first
    assert "姓名请填" in await say(app, v11_group("12", user_id="30010", group_id="7002"))
    assert "手机号" in await say(app, v11_group("李四", user_id="30010", group_id="7002"))
    assert "已取消" in await say(app, v11_group("取消", user_id="30010", group_id="7002"))
    # After cancelling, ordinary chatter from the same person is ignored again.
    assert await say(app, v11_group("李四", user_id="30010", group_id="7002"), expect_reply=False) is None
    profile = await say(app, v11_group("/档案", user_id="30010", group_id="7002"))
    assert "还没有登记" in profile


async def test_secretary_commands_refuse_drivers_and_need_a_mention(app: App):
    await say(app, v11_group("/支部 开通 测试三支部", user_id="10000", group_id="7003"))
    refused = await say(app, v11_group(v11_at("30020", "/书记 设置 "), user_id="30021", group_id="7003"))
    assert "只有行业党委" in refused
    usage = await say(app, v11_group("/书记 设置", user_id="10000", group_id="7003"))
    assert "用法" in usage
    done = await say(app, v11_group(v11_at("30020", "/书记 设置 "), user_id="10000", group_id="7003"))
    assert "已设置" in done


async def test_chatter_and_cq_lookalikes_get_no_answer(app: App):
    assert await say(app, v11_group("今天跑哪条线", group_id="7004"), expect_reply=False) is None
    assert await say(app, v11_group("[CQ:at,qq=all] /登记", group_id="7004"), expect_reply=False) is None

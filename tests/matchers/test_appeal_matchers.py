"""Appeal commands through NoneBot: intake with bad answers, private phone, usage lines, refusals."""

from nonebug import App

from tests.support.events import say, v11_group, v11_private

GROUP = "7401"


async def _branch(app: App) -> None:
    await say(app, v11_group("/支部 开通 诉求测试支部", user_id="10000", group_id=GROUP))


async def test_intake_in_a_group_skips_the_phone_and_returns_a_number(app: App):
    await _branch(app)
    first = await say(app, v11_group("/诉求", user_id="32001", group_id=GROUP))
    assert "1 运费拖欠" in first and "私聊" in first
    assert "请回复类别序号" in await say(app, v11_group("9", user_id="32001", group_id=GROUP))
    assert "描述" in await say(app, v11_group("1", user_id="32001", group_id=GROUP))
    assert "描述最多 500 字" in await say(app, v11_group("长" * 501, user_id="32001", group_id=GROUP))
    assert "地点" in await say(app, v11_group("货主拖欠运费", user_id="32001", group_id=GROUP))
    summary = await say(app, v11_group("贵阳东收费站", user_id="32001", group_id=GROUP))
    assert "请核对诉求" in summary and "联系电话：未留" in summary
    done = await say(app, v11_group("确认", user_id="32001", group_id=GROUP))
    assert "诉求已提交，编号 SQ" in done
    mine = await say(app, v11_group("/我的诉求", user_id="32001", group_id=GROUP))
    assert "运费拖欠 待受理" in mine


async def test_intake_in_private_chat_takes_a_phone(app: App):
    assert "类别" in await say(app, v11_private("/诉求", user_id="32002"))
    await say(app, v11_private("2", user_id="32002"))
    await say(app, v11_private("服务区车位不足", user_id="32002"))
    assert "联系电话" in await say(app, v11_private("G60 某服务区", user_id="32002"))
    assert "不想留电话" in await say(app, v11_private("12345", user_id="32002"))
    summary = await say(app, v11_private("13812345678", user_id="32002"))
    assert "138****5678" in summary
    assert "已取消" in await say(app, v11_private("取消", user_id="32002"))
    assert "还没有提交过" in await say(app, v11_private("/我的诉求", user_id="32002"))


async def test_usage_lines_and_refusals(app: App):
    await _branch(app)
    assert "用法：/受理" in await say(app, v11_group("/受理", user_id="32003", group_id=GROUP))
    assert "不是诉求编号" in await say(app, v11_group("/受理 12345", user_id="32003", group_id=GROUP))
    assert "没有编号为" in await say(app, v11_group("/诉求 查询 SQ20990101-0001", user_id="32003", group_id=GROUP))
    assert "用法" in await say(app, v11_group("/诉求 统计 明年", user_id="10000", group_id=GROUP))
    assert "只有本支部书记" in await say(app, v11_group("/诉求 统计", user_id="32003", group_id=GROUP))
    assert "收集" in await say(app, v11_group("/诉求 统计 全部", user_id="10000", group_id=GROUP))
    assert "只对书记" in await say(app, v11_group("/诉求 列表", user_id="32003", group_id=GROUP))


async def test_in_a_group_that_is_no_branch_the_intake_points_to_private_chat(app: App):
    reply = await say(app, v11_group("/诉求", user_id="32004", group_id="7499"))
    assert "私聊" in reply and "开通支部" in reply

"""/帮助 shows what this person may do here."""

from nonebug import App

from tests.support.events import say, v11_group


async def test_help_depends_on_the_role(app: App):
    await say(app, v11_group("/支部 开通 帮助测试支部", user_id="10000", group_id="7801"))
    driver = await say(app, v11_group("/帮助", user_id="36001", group_id="7801"))
    assert "/诉求" in driver and "/受理" not in driver and "/状态" not in driver
    superuser = await say(app, v11_group("/帮助", user_id="10000", group_id="7801"))
    assert "/状态" in superuser and "/通知 全部" in superuser and "…" in superuser  # long areas point to /帮助 <功能>
    area = await say(app, v11_group("/帮助 诉求", user_id="36001", group_id="7801"))
    assert "/受理 <编号>" in area and "（书记/行业党委）" in area
    assert "没有「天气」这个功能" in await say(app, v11_group("/帮助 天气", user_id="36001", group_id="7801"))
    branch = await say(app, v11_group("/帮助 支部", user_id="36001", group_id="7801"))
    assert "/登记" in branch and "/绑定" not in branch  # binding is the official QQ bot's need, not QQ over OneBot's

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


async def test_a_bare_parent_word_is_answered_with_its_sub_commands_usage(app: App):
    """/书记, /欢迎, /委员 are no commands of their own: the registry answers them with their sub-commands' usage,
    to whoever may use one of them."""
    await say(app, v11_group("/支部 开通 父命令支部", user_id="10000", group_id="7802"))
    secretary = await say(app, v11_group("/书记", user_id="10000", group_id="7802"))
    assert secretary == "用法：/书记 设置 @某人 或 /书记 移除 @某人"
    welcome = await say(app, v11_group("/欢迎", user_id="10000", group_id="7802"))
    assert welcome == "用法：/欢迎 开启 或 /欢迎 关闭"
    committee = await say(app, v11_group("/委员", user_id="10000", group_id="7802"))
    assert committee.startswith("用法：/委员 添加 @某人 <行业党委名称> 或 /委员 移除 @某人")
    driver = await say(app, v11_group("/书记", user_id="36002", group_id="7802"))
    assert driver.startswith("这条命令只有") and "用法" not in driver

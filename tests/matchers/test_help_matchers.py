"""/帮助 shows what this person may do here."""

from nonebug import App

from tests.support.events import say, v11_at, v11_group


async def test_help_depends_on_the_role(app: App):
    await say(app, v11_group("/支部 开通 帮助测试支部", user_id="10000", group_id="7801"))
    driver = await say(app, v11_group("/帮助", user_id="36001", group_id="7801"))
    assert "/诉求" in driver and "/受理" not in driver and "/状态" not in driver
    superuser = await say(app, v11_group("/帮助", user_id="10000", group_id="7801"))
    assert "/状态" in superuser and "/通知 全部" in superuser and "…" in superuser  # long areas point to /帮助 <功能>
    area = await say(app, v11_group("/帮助 诉求", user_id="36001", group_id="7801"))
    assert "/诉求" in area and "/受理 <编号>" not in area and "书记" not in area  # only what a driver can use
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


async def test_a_driver_sees_only_what_a_driver_can_use_and_a_secretary_more(app: App):
    """A driver's /帮助 listed 「/学习 [统计|提醒|添加…]」 and 「/档案 @某人（书记）」: the forms a secretary uses are
    shown to secretaries only."""
    await say(app, v11_group("/支部 开通 帮助角色支部", user_id="10000", group_id="7803"))
    await say(app, v11_group(v11_at("36101", "/书记 设置 "), user_id="10000", group_id="7803"))
    for wanted in ("", " 学习", " 支部"):
        driver = await say(app, v11_group(f"/帮助{wanted}", user_id="36102", group_id="7803"))
        assert "/学习 [" not in driver and "@某人" not in driver and "书记）" not in driver, driver
        assert "书记查看" not in driver and "行业党委）" not in driver, driver
    overview = await say(app, v11_group("/帮助", user_id="36102", group_id="7803"))
    assert "\n· 学习：/学习　打卡　/答题 [A|B|C|D]\n" in overview and "<新内容>　/档案\n" in overview
    study = await say(app, v11_group("/帮助 学习", user_id="36101", group_id="7803"))
    assert "/学习 · /学习 [统计|提醒|添加|主题|撤回 <编号>] — 今天的学习内容" in study and "/学习 提醒" in study
    branch = await say(app, v11_group("/帮助 支部", user_id="36101", group_id="7803"))
    assert "/档案 · /档案 @某人（在本支部群）· 私聊 /档案 <姓名>：查看成员档案（记录查看日志） — " in branch

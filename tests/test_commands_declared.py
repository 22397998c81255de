"""Every command is declared once with its role, usage line and help entry; PRODUCT.md's names all answer."""

from bot.core.commands import Role, registry
from bot.features.help import render_help

# The names users learn (PRODUCT.md's command surface).
PRODUCT_COMMANDS = [
    "支部", "支部 开通", "书记", "登记", "认定", "档案", "联系", "我的联系人", "台账 导出",
    "学习", "打卡", "答题", "推送时间", "推送", "本月主题", "学习 添加", "学习 统计", "学习 提醒",
    "诉求", "我的诉求", "诉求 查询", "诉求 列表", "诉求 统计", "受理", "转办", "上报", "办结", "退回", "回访",
    "驿站", "司机之家", "停车", "维修", "驿站 添加", "驿站 修改", "驿站 删除",
    "活动", "活动 发布", "报名", "签到", "积分", "积分榜", "月报", "帮助", "后台", "通知", "状态",
]  # fmt: skip


def test_every_declaration_has_a_role_a_usage_line_and_a_help_entry():
    everything = frozenset(Role)
    for spec in registry.commands():
        assert spec.roles, f"/{spec.name} names no role"
        assert spec.usage.startswith(("/", spec.loose[0] if spec.loose else "/")), f"/{spec.name}: {spec.usage!r}"
        assert spec.summary, f"/{spec.name} has no help line"
        assert spec.area in registry.areas, f"/{spec.name}: unknown help area {spec.area!r}"
        if not spec.hidden:
            assert spec.usage in render_help(everything, spec.area), f"/{spec.name} missing from /帮助 {spec.area}"


def test_every_product_command_answers():
    """Declared, or a bare parent word of sub-commands (`/书记`), which the registry answers with their usage."""
    missing = [name for name in PRODUCT_COMMANDS if name not in registry.by_key and registry.parent(name) is None]
    assert missing == []


def test_help_for_a_driver_shows_no_manager_command():
    driver_help = render_help(frozenset({Role.DRIVER}), None)
    for spec in registry.commands():
        if not spec.hidden and Role.DRIVER not in spec.roles:
            assert f"{spec.usage}　" not in driver_help and not driver_help.endswith(spec.usage)

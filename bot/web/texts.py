"""Every sentence of /后台 and every Chinese word of the web view that is not in a template: period names, export
sheets, access-log actions."""

from __future__ import annotations

AREA = "后台"
AREA_DESCRIPTION = "网页后台：概览、诉求看板、支部台账、驿站地图"
SUMMARY = "私聊获取网页后台的一次性登录链接"
SIGN_OUT_ALL_SUMMARY = "结束您在所有设备上的网页后台登录"
OFF = "网页后台未开启。"
ASK_PRIVATELY = "请私聊机器人发送 /后台 获取登录链接。"
ROLES_ONLY = "网页后台只对行业党委、支部书记和承办部门开放。"
NOT_CONFIGURED = (
    "网页后台还没有配置访问地址，暂时不能登录。请管理员在 .env 里设置 WEB_BASE_URL（大家打开后台用的地址）。"
)
NO_LINKS_HERE = (
    "官方QQ机器人只能发送在 QQ 开放平台登记过的域名的链接，网页后台的地址还没有登记，这里发不出登录链接。"
    "请在 QQ 群机器人（OneBot）或微信里私聊发送 /后台；或请管理员登记域名后在 .env 里设置 WEB_LINK_DOMAINS。"
)
LINK = (
    "网页后台登录链接（{minutes} 分钟内有效，只能使用一次，请勿转发）：\n{url}\n"
    "打开后点「确认登录」。要结束所有设备上的登录，发送 /后台 退出全部。"
)
SIGNED_OUT_ALL = "已结束您的 {count} 个网页后台登录：之前打开的页面都需要重新登录。"
NONE_TO_SIGN_OUT = "您没有登录中的网页后台。"

MONTH = "{y}年{m}月"
QUARTER = "{y}年第{q}季度"
QUARTERS = {1: "一", 2: "二", 3: "三", 4: "四"}
YEAR = "{y}年"
ALL = "累计"
RANGE = "{a:%Y-%m-%d} 至 {b:%Y-%m-%d}"

PROVINCE = "全省"
MY_BRANCHES = "我的支部"
NO_BRANCH = "—"

# The board's state filter: besides the workflow's states.
IN_PROGRESS = "办理中"
OVERDUE_NOW = "超期"
SUPERVISED_NOW = "督办"
EVERY_STATE = "全部"
UNASSIGNED = "（未转办）"

# What the lag ranking ranks by.
LAG_KEYS = {"close": "办结率", "on_time": "按期办结率", "satisfaction": "满意率", "study": "学习打卡率"}

# Access log (as the chat's /台账 导出 logs its exports).
LOG_EXPORT_LEDGER = "网页导出台账"
LOG_EXPORT_LEDGER_FULL = "网页导出台账（完整号码）"
LOG_EXPORT_OVERVIEW = "网页导出概览"
LOG_EXPORT_BOARD = "网页导出诉求"
LOG_VIEW_LEDGER = "网页查看台账"
LOG_VIEW_LEDGER_FULL = "网页查看台账（完整号码）"
LOG_VIEW_APPEAL = "网页查看诉求"

# Export sheets and headers.
SHEET_OVERVIEW = "概览"
SHEET_BOARD = "诉求"
SHEET_LEDGER = "台账"
OVERVIEW_HEADER = (
    "单位",
    "成员",
    "党员",
    "预备党员",
    "积极分子",
    "群众",
    "待认定",
    "学习打卡率",
    "答题率",
    "活动",
    "签到",
    "收集",
    "办结",
    "办结率",
    "按期办结率",
    "回访率",
    "满意率",
    "小事不出县率",
    "办理中（现在）",
    "超期（现在）",
    "督办（现在）",
)
BOARD_HEADER = (
    "编号",
    "状态",
    "督办",
    "类别",
    "级别",
    "支部",
    "承办部门",
    "提交时间",
    "时限",
    "时限时间",
    "剩余",
    "办结时间",
    "回访",
)
EXPORT_TITLE = "{what}（{period}，数据截至 {at:%Y-%m-%d %H:%M}）"
EXPORT_OVERVIEW_NAME = "概览-{period}-{at:%Y%m%d-%H%M}.xlsx"
EXPORT_BOARD_NAME = "诉求-{at:%Y%m%d-%H%M}.xlsx"
EXPORT_LEDGER_NAME = "{branch}-台账-{at:%Y%m%d-%H%M}.xlsx"

LEFT = "剩"
LATE = "超"
DAYS_HOURS = "{word} {d} 天 {h} 小时"
HOURS_MINUTES = "{word} {h} 小时 {m} 分"
MINUTES = "{word} {m} 分钟"

NOT_FOUND_BRANCH = "没有这个支部，或您无权查看。"
NOT_YOURS_APPEAL = "无权查看这条诉求。"
NO_SUCH_EVIDENCE = "这条诉求没有这个图片或语音。"
BAD_NUMBER = "没有找到编号为「{number}」的诉求（或您无权查看）。"

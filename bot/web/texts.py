"""Every Chinese word of the web view that is not in a template: period names, export sheets, access-log actions."""

from __future__ import annotations

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
EXPORT_TITLE = "{what}（{period}，导出于 {at:%Y-%m-%d %H:%M}）"
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
BAD_NUMBER = "没有找到编号为「{number}」的诉求（或您无权查看）。"

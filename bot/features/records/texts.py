"""Every sentence of the records area a person reads: activities, contacts, points, the monthly report, exports."""

from __future__ import annotations

# ---- activities -------------------------------------------------------------------------------------------
NO_ACTIVITIES = "近期没有活动。书记可发送 /活动 发布。"
ACTIVITIES_HEAD = "近期活动："
ACTIVITY_LINE = "{id}. {title} {when} {place}（已报名 {registered}{capacity}{waiting}，{points} 分）"
ACTIVITIES_FOOT = "报名：/报名 <编号>；到场后：/签到 <编号>"
ACTIVITY_NOT_FOUND = "本支部没有编号为 {id} 的活动，发送 /活动 查看。"
ACTIVITY_ALREADY_CANCELLED = "这个活动已经取消了。"
ACTIVITY_CANCELLED = "已取消活动 {id}「{title}」。"
ACTIVITY_CANCELLED_POINTS = "已取消活动 {id}「{title}」，已撤回为它记的 {count} 条积分（{points} 分，记更正记录）。"
ACTIVITY_CANCELLED_NOTICE = "【活动取消】「{title}」（{when}）已取消，报名和签到所得积分已撤回。"
CANCELLED_NO_SIGNUP = "这个活动已取消，不能报名。"
ACTIVITY_OVER = "这个活动已经结束了。"
ACTIVITY_CANCELLED_SHORT = "这个活动已取消。"

SIGNED_UP = "报名成功：「{title}」，{when} 开始，到场后发送 /签到 {id}。{points}"
ALREADY_SIGNED_UP = "您已经报名了「{title}」。"
WAITING = "「{title}」名额已满，您在候补第 {position} 位，有人取消时会通知您。"
WITHDRAWN = "已取消报名。"
WITHDRAWN_POINTS = "已取消报名，报名所得 {points} 分已撤回。"
NOT_SIGNED_UP = "您没有报名这个活动。"
CHECKED_IN_NO_WITHDRAW = "您已经签到，不能再取消报名。"
PROMOTED = ["候补转正：活动 {id}「{title}」有名额了，", " 已为您报名。"]
SIGNUP_RACE = "刚刚您已经报过名了，发送 /活动 查看。"

CHECKIN_WINDOW = "不在签到时间内（{opens} 至 {closes}）。错过了可请书记 /补签。"
ALREADY_CHECKED_IN = "已经签到过了。"
WAITING_NO_CHECKIN = "您在候补名单上，不能签到。"
WITHDRAWN_NO_CHECKIN = "您已取消报名。"
CHECKED_IN = "签到成功：「{title}」，{points}"
LATE_CHECKED_IN = "已为 {name} 补签「{title}」（原因：{reason}），{points}"

# What the ledger recorded, said after 报名/签到/补签.
POINTS_GOT = "获得 {points} 分。"
POINTS_CAPPED = "今日该项积分已达上限，本次不加分。"
POINTS_PARTLY = "获得 {points} 分（今日该项积分已达上限，本应 {wanted} 分）。"
POINTS_NONE = "本活动不计积分。"

ACTIVITY_NOTICE = (
    "【活动通知】{title}\n时间：{when}\n地点：{place}\n{capacity}，参加得 {points} 分。报名发送 /报名 {id}"
)
CAPACITY_LIMITED = "限 {capacity} 人"
CAPACITY_UNLIMITED = "不限人数"
PUBLISHED = "已发布活动 {id}「{title}」，通知稍后发到群里。"

# The /活动 发布 conversation.
FLOW_NAME = "活动发布"
ASK_TITLE = "1/5 活动标题："
ASK_WHEN = "2/5 活动时间（如 11-25 19:30 或 明天 19:30）："
ASK_PLACE = "3/5 地点（线上活动写“线上”）："
ASK_CAPACITY = "4/5 名额（0 表示不限）："
ASK_POINTS = "5/5 参加可得积分（0–20，默认 3）："
BAD_TITLE = "标题请写 2–40 个字。"
BAD_WHEN = "时间格式如：11-25 19:30、2026-11-25 19:30 或 明天 19:30"
PAST_WHEN = "活动时间要在现在之后。"
BAD_PLACE = "地点请写 1–60 个字，线上活动写“线上”。"
BAD_NUMBER = "{label}请填 {low}–{high} 的整数。"
CONFIRM = "请核对：{title}，{when}，{place}，名额 {capacity}，积分 {points}"
UNLIMITED = "不限"

# ---- contacts ---------------------------------------------------------------------------------------------
CONTACT_SELF = "不能联系自己，请 @ 要联系的司机。"
CONTACT_NEEDS_MEMBER = "联系机制由党员司机承担：请先 /登记 并经书记认定为党员或预备党员。"
CONTACT_RACE = "刚刚有人同时登记了这位司机，请再试一次。"
CONTACT_USAGE = "用法：/联系 @某人（党员司机登记自己联系的司机，不能是机器人）"
CONTACTED = "已记录您联系 {name}，这是第 {times} 次联系{note}。"
CONTACT_MOVED = "（此前由 {before} 联系，已改由您联系）"
ANOTHER_MEMBER = "另一位党员"
NO_CONTACTS = "您还没有联系人。发送 /联系 @某人 登记。"
CONTACTS_HEAD = "您联系的司机："
CONTACT_LINE = "· {name}：最近联系 {last}，共 {times} 次"
SOMEONE = "用户{id}"

# ---- points and rankings ----------------------------------------------------------------------------------
MY_POINTS = "您的积分：本月 {month}，今年 {year}，累计 {total}\n分类（累计）：{kinds}"
NONE_YET = "暂无"
NO_RANKING = "本月还没有积分记录，学习打卡、答题、参加活动都能得分。"
RANKING_HEAD = "【{branch} · 本月积分榜】（学习、答题、活动、联系司机）"
RANKING_WORK = "办理诉求（书记的工作量，不计入积分榜）：{people}"
MY_WORK = "办理诉求（工作量，不计入积分和积分榜）：本月{work}"
SUMMARY_LINE = "本月参与：{kinds}\n积分：本月 {month}，今年 {year}，累计 {total}"

# ---- the monthly report -----------------------------------------------------------------------------------
BAD_MONTH = "月份格式为 YYYY-MM，例如 /月报 2026-10"
FUTURE_MONTH = "这个月还没有到，不能生成月报。"
REPORT_HEAD = "【{month:%Y年%m月} 月报】{branch}"
REPORT_MEMBERS = "成员 {members} 人（党员司机 {member_drivers}），本月参与 {active} 人，占成员 {share}"
REPORT_STUDY = "成员学习打卡 {checkins} 人次，成员日均打卡率 {rate}（成员在册 {possible} 人天）{others}"
REPORT_QUIZ = "成员答题 {quiz} 人次，成员日均答题率 {rate}，正确率 {accuracy}{others}"
REPORT_OTHERS = "；另有未登记的群成员 {count} 人次（不计入成员比率）"
REPORT_ACTIVITIES = "活动 {activities} 场，报名 {signups} 人次，签到 {attendance} 人次"
REPORT_CONTACTS = "党员联系司机 {contacts} 次"
REPORT_APPEALS = "诉求："
REPORT_TOP = "积分前列："
REPORT_TOP_ITEM = "{name}（{points}分）"
ALL_HEAD = "【{month:%Y年%m月} 全部支部】"
ALL_LINE = "{branch}：成员 {members}，参与 {share}，打卡 {checkins}，活动 {activities}"
OTHER_BRANCH_REPORT = "查看其他支部的月报需要行业党委权限。"
NO_SUCH_BRANCH = "没有名为「{name}」的支部。"
NAME_A_BRANCH = "您负责多个支部，请写明支部名称：{usage}（{names}）"
NO_BRANCH_IN_PRIVATE = "私聊使用时请写明支部名称：{usage}"
NOT_YOUR_BRANCH = "您不是「{name}」的书记，不能查看或导出它的台账和月报。"
ONLY_ITS_GROUP_OR_PRIVATE = "「{name}」的台账和月报只在该支部群里或私聊机器人时查看，不在别的群里发。"
NO_OPEN_BRANCH = "本群还没有开通支部，这条命令暂不可用。请行业党委或群主发送：/支部 开通 <支部名称>"

# Chart labels.
CHART_DAILY = "{month:%Y年%m月} 每日学习打卡人次"
CHART_DAY = "日期"
CHART_COUNT = "人次"
CHART_ACTIVITIES = "活动报名与签到"
CHART_SIGNED_UP = "报名"
CHART_ATTENDED = "签到"
CHART_NO_ACTIVITIES = "本月没有活动"

# ---- the ledger export ------------------------------------------------------------------------------------
EXPORT_HEADER = (
    "姓名",
    "手机",
    "车牌",
    "户籍地",
    "常跑路线",
    "政治面貌",
    "登记日期",
    "状态",
    "学习打卡次数",
    "本月积分",
    "累计积分",
)
PENDING = "{declared}（待认定）"
LEFT = "已离开"
PRESENT = "在册"
EXPORTED = "「{branch}」台账已导出（{fmt}）"
EXPORT_IN_PRIVATE = (
    "台账含成员的个人信息，不发到群里（群文件人人可下载）。请私聊机器人发送 /台账 导出，"
    "或私聊发送 /后台 在网页版的支部页下载。"
)
EXPORT_FILE_NOTE = "文件 {minutes} 分钟后从服务器删除，请及时保存。"
EXPORT_SHEET = "台账"
ACCESS_FULL = "导出台账（完整）"

# ---- rosters (台账 the province kept before the bot) -------------------------------------------------------------
ROSTER_READ_FAILED = "无法读取文件：{error}"
ROSTER_BAD_NAME = "姓名需 2–16 个字"
ROSTER_BAD_PHONE = "手机号不对（11 位，以 1 开头）"
ROSTER_BAD_PLATE = "车牌格式不对（如 贵A12345）"
ROSTER_BAD_STATUS = "政治面貌只能是：{statuses}"
ROSTER_NO_BRANCH = "支部「{name}」不存在或不在您的范围内"
ROSTER_DUPLICATE = "与第 {first} 行重复（同一支部、姓名、手机）"
ROSTER_DONE = (
    "台账导入完成：新增 {added} 人，更新 {updated} 人，已与登记关联 {linked} 人。"
    "今后同名同手机号登记的成员会自动关联并沿用台账中的政治面貌。"
)
ROSTER_REFUSED = "台账导入未执行（{count} 行有问题，什么都没有导入）："
ROSTER_LINE = "第 {line} 行：{reason}"
ROSTER_IMPORT_USAGE = (
    "用法：私聊发送 /台账 导入，换行后粘贴台账（每行：姓名,手机,车牌,政治面貌,支部；首行可为表头；"
    "只负责一个支部的书记可省略支部）。大批量请由管理员用 python -m bot.admin roster import <文件> 导入 Excel/CSV。"
)
ROSTER_PRIVATE = "台账含姓名和手机号，只在私聊中处理：请私聊机器人发送 /台账。"
ROSTER_HEAD = "【{branch}】台账 {total} 人，已登记入群 {linked} 人；以下 {count} 人还没有在群里登记："
ROSTER_LINE_PERSON = "· {name} {phone}{status}"
ROSTER_ALL_JOINED = "【{branch}】台账 {total} 人，全部已登记。"
ROSTER_EMPTY = "【{branch}】还没有导入台账。/台账 导入 可导入。"
ROSTER_MORE = "……共 {count} 人，完整名单请在网页后台查看。"
MOVED_OUT_HEAD = "已转出：{names}"
MOVED_OUT_ITEM = "{name}→{branch}"

ACCESS_ROSTER = "查看台账未登记名单"

# ---- transfers (流出/流入) -----------------------------------------------------------------------------------------
TRANSFER_USAGE = "用法：在原支部群里 /转出 @某人 <转入支部名称>；或私聊 /转出 <姓名> <转入支部名称>"
TRANSFERRED = (
    "已将 {name} 从「{source}」转入「{target}」：档案和认定随人转移，原支部保留转出记录，积分和诉求记录留在原处。"
)
TRANSFER_WHO = "在您能看到的支部里有 {count} 位「{name}」，请在其所在支部群里用 /转出 @某人 <转入支部名称> 办理。"
TRANSFER_NOBODY = "在您能看到的支部里没有名为「{name}」的成员。"
TOLD_TRANSFER_IN = "「{target}」转入成员：{name}（来自「{source}」），档案和认定已随人转入。"
TOLD_TRANSFER_OUT = "「{source}」成员 {name} 已转入「{target}」。"

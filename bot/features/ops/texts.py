"""Every sentence of operations a person reads: /通知, /状态, and what the bot says on its own."""

from __future__ import annotations

# ---- help ----------------------------------------------------------------------------------------------------
AREA = "通知与运维"
AREA_DESCRIPTION = "向支部群发通知、运行状态、备份与个人信息保留期限"
NOTICE_SUMMARY = "向本支部群发通知（私聊：发往您负责的支部）"
NOTICE_ALL_SUMMARY = "向全部支部（行业党委：其下辖全部支部）发通知；或 /通知 支部A,支部B <内容>"
NOTICE_STATUS_SUMMARY = "上一条通知送达了多少个群、哪些失败及原因"
NOTICE_CONFIRM_SUMMARY = "几分钟内重复发送相同通知时，确认再发一次"
STATUS_SUMMARY = "机器人账号、发送队列、拒发原因、各支部推送、数据库"
STATUS_PUSH_SUMMARY = "各支部最近一次学习推送"

# ---- /通知 ---------------------------------------------------------------------------------------------------
ALL = "全部"
HERE = "本支部"
SUPERUSER_HEADER = "【行业党委通知】"
SECRETARY_HEADER = "【支部通知】"
SUPERUSER_USAGE = "用法：/通知 全部 <内容> ｜ /通知 支部A,支部B <内容> ｜ 在支部群里：/通知 本支部 <内容>"
SECRETARY_USAGE = "用法：/通知 <内容>（在支部群里发往本支部；私聊机器人发往您负责的全部支部）"
ONLY_MANAGERS_HERE = "只有本支部书记或行业党委可以发通知。"
ONLY_MANAGERS = "只有支部书记或行业党委可以发通知。"
NO_BRANCH_HERE = "本群还没有开通支部。请在支部群里发送，或私聊机器人发往您负责的支部。"
ALL_NEEDS_SUPERUSER = "向全部支部发通知需要行业党委权限。" + SECRETARY_USAGE
EMPTY = "通知内容不能为空。{usage}"
TOO_LONG = "通知内容太长：{length} 字，最多 {limit} 字。请删减，或分成几条发送。"
NO_ACTIVE_BRANCHES = "目前没有启用的支部，通知没有发送。"
HERE_ONLY_IN_GROUP = "「本支部」只能在支部群里使用。" + SUPERUSER_USAGE
MISSING_BRANCHES = "没有找到支部：{names}，通知没有发送。请核对支部名称。" + SUPERUSER_USAGE
INACTIVE_BRANCHES = "支部 {names} 已停用（机器人已不在群里），通知没有发送。"
NOTHING_TO_CONFIRM = "没有等待确认的通知（确认需在 {minutes} 分钟内）。"
ALL_TARGETS_GONE = "这条通知要发往的支部都已停用，没有发送。"
NEVER_SENT = "您还没有发过通知。"
OTHER_GROUP = "群 {id}"
QUEUED = (
    "通知已排队，将发往 {count} 个群：{names}。"
    "为避免平台限流会间隔发送，预计{eta}发完；发完后会告诉您结果，也可发送 /通知 状态 查看。"
)
ETA_SHORT = "不到 1 分钟"
ETA_MINUTES = "约 {minutes} 分钟"
JUST_NOW = "刚刚"
MINUTES_AGO = "{minutes} 分钟前"
HELD_BACK = (
    "您{ago}已向 {names} 发过相同的通知，这次没有发送，以免重复。确实要再发一次，请在 {minutes} 分钟内发送 /通知 确认。"
)
NAMES_MORE = " 等 {count} 个支部"
REPORT_TITLE = "您 {when} 发出的通知"
REPORT_DONE = "已发送完毕"
REPORT_HEAD = "{title}：共 {total} 个群，已送达 {sent} 个"
REPORT_PENDING = "，还有 {pending} 个在排队发送"
REPORT_FAILED = "，未送达 {count} 个："
REPORT_FAILURE = "· {branch}：{reason}"
REPORT_MORE = "……另有 {count} 个"
REPORT_END = "。"

# ---- why a message did not go out ------------------------------------------------------------------------------
REFUSED = "平台拒绝发送（机器人可能已被移出、被禁言，或群已解散{code}）"
REFUSED_CODE = "，错误码 {code}"
CONNECTION_LOST = "与机器人账号的连接中断"
SEND_ERROR = "发送出错（{raw}）"
BOT_GONE = "机器人已不在该群（被移出或群已解散），不再发送"

# ---- /状态 ---------------------------------------------------------------------------------------------------
STATUS_USAGE = "用法：/状态 ｜ /状态 推送 [页码]"
PLATFORM_NAMES = {"qq": "QQ", "wechat": "微信", "qqbot": "QQ 官方机器人"}
STATUS_HEAD = "【运行状态】红色方向盘 v{version} · {when}"
ACCOUNTS = "机器人账号："
ONLINE = "在线"
OFFLINE_SINCE = "离线（{when} 断开）"
OFFLINE = "离线"
ACCOUNT_LINE = "· {self_id} {platform}（{protocol}）{seen}，负责支部群 {branches} 个"
NO_ACCOUNTS = "· 还没有机器人账号连接过"
BRANCHES = "支部：启用 {active} 个，停用 {inactive} 个"
QUEUE = "发送队列：待发 {backlog} 条"
QUEUE_DUE = "，其中已到期 {due} 条"
QUEUE_OLDEST = "（最早的从 {when} 等到现在）"
LAST_DAY = "近 24 小时：送达 {sent} 条，失败 {failed} 条"
REASON_LINE = "  · {reason}：{count} 条"
REFUSALS_HEAD = "近 24 小时平台拒发（按账号、错误码）："
REFUSAL_LINE = "  · {self_id}：错误码 {code} × {count}"
PLATFORM_RULES_HEAD = "平台主动消息规则（DELIVERY_PLATFORM_RULES）："
PLATFORM_RULE_LINE = "  · {platform}：{rules}"
RULE_CAP = "{chat}每{period}至多 {cap} 条"
RULE_QUIET = "{hours} 不主动发送"

REFUSAL_NO_CODE = "无错误码"
PUSHES_TODAY = "学习推送：今天已推送 {done}/{total} 个支部"
PUSH_LAST = "上次 {when}"
PUSH_NONE = "{days} 天内没有"
PUSH_MISSING = "  今天未推送：{shown}{more}；/状态 推送 查看每个支部"
PUSH_MISSING_ITEM = "{name}（{last}）"
PUSH_MISSING_MORE = " 等 {count} 个"
CALENDAR = "日历：{warning}"
WEB_SESSIONS = "网页后台：{count} 个登录中（/后台 退出全部 可结束自己的全部登录）"
DATABASE = "数据库：{kind}，{size}"
BACKUP_LAST = "备份：最近一次成功 {when}（{kind}，{size}，{verified}）"
BACKUP_VERIFIED = {"sqlite": "已通过完整性检查", "postgresql": "已恢复到临时库验证"}
BACKUP_UNVERIFIED = "未验证"
BACKUP_NONE = "备份：还没有成功的备份"
BACKUP_STALE = "（已超过 {hours} 小时，请检查每日备份）"
BACKUP_FAILED = "；最近 24 小时失败 {count} 次，见日志"
BACKUP_OFF = "备份：每日备份已关闭（OPS_BACKUP_ENABLED=false）"
SIZE_UNKNOWN = "未知"
SIZE_BYTES = "{value} 字节"
PUSH_PAGE_HEAD = "各支部最近一次学习推送（第 {page}/{pages} 页）："
PUSH_PAGE_LINE = "· {name}：{last}"
PUSH_PAGE_EMPTY = "· 还没有启用的支部"
PUSH_PAGE_NEXT = "下一页：/状态 推送 {page}"

# ---- retention -------------------------------------------------------------------------------------------------
PSEUDONYM = "已离开成员#{id}"

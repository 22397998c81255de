"""Every sentence a person reads in the appeals area, as constants and `str.format` templates."""

from __future__ import annotations

from . import rules

CATEGORY_MENU = "  ".join(f"{n} {c}" for n, c in enumerate(rules.CATEGORIES, start=1))

# ---- intake ------------------------------------------------------------------------------------------
INTAKE_NAME = "诉求"
SUB_USAGE = (
    "用法：/诉求（提交）· /诉求 查询 <编号> · /诉求 撤回 <编号> · /诉求 补充 <编号> <说明> · /诉求 列表 [状态] · "
    "/诉求 超期 · /诉求 统计 [本月|本年|全部] [对比]"
)
INTAKE_INTRO = "开始提交诉求（共 4 步）。"
ASK_CATEGORY = "1/4 请选择类别，回复序号：\n" + CATEGORY_MENU
ASK_DESCRIPTION = (
    "2/4 请描述遇到的问题（{limit} 字以内，也可以直接发一条语音；可以附上图片。"
    "图片和语音共 {items} 个以内，每个不超过 {size}，语音每条不超过 {seconds} 秒）："
)
ASK_PLACE = "3/4 事发地点（如 G75 贵阳东收费站附近）："
ASK_PHONE = "4/4 联系电话（便于承办人联系您）："
BAD_CATEGORY = "没有认出这个类别。"
EMPTY_DESCRIPTION = "描述不能为空，请用文字或语音说说遇到了什么问题（发来的图片会随诉求一起提交）。"
VOICE_DESCRIPTION = "（语音 {count} 条）"
VOICE_HEARD = "（语音 {count} 条，机器转写）{words}"
MAX_TRANSCRIPT = 400
MEDIA_NOTED = "已收到{kept}，提交时一并保存。"
PHOTO_NEEDS_WORDS = "已收到{kept}，提交时一并保存。请再用文字或语音说说遇到了什么问题。"
SUMMARY_EVIDENCE = "附件：{kept}"
LONG_DESCRIPTION = "描述最多 {limit} 字（现在 {length} 字），请精简后再发。"
BAD_PLACE = "地点请写 1–100 字，例如：G75 兰海高速 贵阳东收费站附近。"
BAD_PHONE = "{error}不想留电话请回复“跳过”。"
SUMMARY = "请核对诉求：\n类别：{category}\n描述：{description}\n地点：{place}\n联系电话：{phone}"
SUMMARY_BRANCH = "交由：{branch}"
TO_COMMITTEE = "行业党委（由其分派到支部）"
ASK_BRANCH = "最后一步：这件诉求交给哪个支部办理？您在这些支部群里，回复序号：\n{choices}\n0. 都不是（交行业党委分派）"
ASK_BRANCH_NAME = "最后一步：您在哪个支部的群里？请回复支部名称（或其中几个字）；不知道请回复“不知道”，交行业党委分派。"
BAD_BRANCH_CHOICE = "请回复列表里的序号（都不是请回复 0）。"
BAD_BRANCH_NAME = "没有找到唯一对应的支部，请回复更完整的支部名称，或回复“不知道”。"
NO_PHONE = "未留"
NO_BRANCH_HERE = "本群还没有开通支部。诉求可以私聊机器人发送 /诉求 提交。"
GROUP_NO_PHONE = "\n（在群里提交不收集电话；如需留电话或不便公开，可私聊机器人发送 /诉求。）"
SUBMITTED = "诉求已提交，编号 {number}。我们会尽快受理并告知进展；查询进度发送 /诉求 查询 {number} 或 /我的诉求。"
SUBMITTED_EVIDENCE = "（已保存{kept}）"
DAILY_LIMIT = "您今天已提交 {limit} 件诉求，已达每日上限；紧急情况请直接联系支部书记，明天可继续提交。"

# ---- reading -------------------------------------------------------------------------------------------
NOT_A_NUMBER = "「{text}」不是诉求编号，编号形如 SQ20261122-0007。"
NO_SUCH_APPEAL = "没有编号为 {number} 的诉求，或您无权查看、办理它。"
NOT_HERE = "诉求详情只在诉求所属支部的群里或私聊中显示，请私聊机器人发送 /诉求 查询 {number}。"
STATUS_ONLY = (
    "（这件诉求不是在本群提交的（私聊提交或代录），描述和办理记录只在私聊中显示："
    "请私聊机器人发送 /诉求 查询 {number}。）"
)
LIST_NOT_HERE = "诉求列表只在本支部群里（本支部书记）或私聊中显示，请私聊机器人发送 /诉求 列表。"
LIST_ONLY_MANAGERS = "诉求列表只对书记、承办部门和行业党委开放；查看自己的诉求请发送 /我的诉求。"
NO_SUCH_STATE = "没有「{state}」这个状态。可选：{states}"
NOTHING_LISTED = "没有符合条件的诉求。"
OWN_LEVEL = "本级"
OWN_LEVEL_ONLY = "“本级”列出上报到本级行业党委的诉求，只对行业党委委员开放。"
LIST_HEAD = "诉求列表（最新 20 条）：\n"
NO_APPEALS_YET = "您还没有提交过诉求。发送 /诉求 开始提交。"
MINE_HEAD = "您的诉求：\n"
MINE_TAIL = "\n详情：/诉求 查询 <编号>"
LINE = "{number} {category} {state}（{received}）"
UNASSIGNED = "待分派"
HANDLED_BY_HOLDER = "未转部门（本级办结）"
OVERDUE_HEAD = "超期诉求（{count} 件）：\n"
OVERDUE_LINE = "{number} {category} {state} · {holder} · {limit}时限 {due}"
NOTHING_OVERDUE = "没有超期的诉求。"
DETAIL_HEAD = "【诉求 {number}】{state}"
DETAIL_KIND = "类别：{category}　层级：{tier}"
DETAIL_CHANNEL = "　渠道：{channel}"
DETAIL_APPELLANT = "诉求人：{name}"
DETAIL_LEVEL = "　级别：{level}"
DETAIL_DESCRIPTION = "描述：{description}"
DETAIL_PLACE = "地点：{place}"
DETAIL_PHONE = "电话：{phone}"
DETAIL_DEPARTMENT = "承办部门：{department}"
DETAIL_LIMITS = "时限：{limits}"
DETAIL_LIMIT = "{name} {due}{mark}"
DETAIL_RESULT = "办理结果：{result}"
DETAIL_FOLLOW_UP = "回访：{answer}"
DETAIL_EVIDENCE = "附件：{kept}（私聊查询时发送；网页版可看）"
DETAIL_EVIDENCE_FAILED = "（另有 {count} 个没能保存，已请诉求人重发）"
DETAIL_EVIDENCE_HERE = "附件：{kept}"
DETAIL_EVIDENCE_GONE = "（其中 {count} 个文件不在服务器上，请联系管理员从备份恢复。）"
DETAIL_EVIDENCE_TOO_LARGE = "（另有 {count} 个图片或语音太大，聊天里不发送，请在网页版查看：发送 /后台。）"
DETAIL_EVIDENCE_ELSEWHERE = "（这个平台不能在私聊中发送{what}，请在网页版查看：发送 /后台。）"
DETAIL_OLD_PHOTO = "早先的图片链接 {n}：{ref}"
EVIDENCE_NOTE = "（{kept}）"
EVIDENCE_FAILED_NOTE = "（{count} 个图片或语音没能保存）"
LOG_EVIDENCE = "诉求附件"
DETAIL_TRAIL = "办理记录："
DETAIL_EVENT = "· {at} {action}{note}"
ERASED = "（已按保存期限删除）"

# ---- transitions ---------------------------------------------------------------------------------------
ACCEPTED = "已受理 {number}（{level}），办结时限 {due}。转办：/转办 {number} <部门>"
TRANSFERRED = "已将 {number} 转办至「{department}」，已通知承办人 {count} 人。"
NO_HANDLER = (
    "「{department}」还没有绑定承办人，诉求 {number} 没有转办，仍待分派；已告知行业党委绑定承办人。"
    "也可以转给其他部门：/转办 {number} <部门>"
)
ESCALATED = "已将 {number} 上报至「{holder}」，请其在 {due} 前受理。"
CLOSED = "{number} 已办结，已请诉求人回访评价。"
THANKS = "感谢您的评价（{answer}），诉求 {number} 已完成回访。"
SORRY_REOPENED = (
    "很抱歉没有让您满意，诉求 {number} 已重新办理。请直接回复不满意的原因（一句话即可），我们会转给承办人。"
)
SORRY_REOPENED_WITH_REASON = "很抱歉没有让您满意，已记下您说的原因，诉求 {number} 已重新办理，我们会转给承办人。"
REASON_NOTED = "已记下不满意的原因，诉求 {number} 正在重新办理。"
SENT_BACK = "已退单 {number}，已通知支部书记重新转办。"
REJECTED = "已退回 {number}，已告知诉求人。"
WITHDRAWN = "诉求 {number} 已撤回。"
FINAL_STATE = "该诉求{state}，不能再{action}。"
WRONG_STATE = "该诉求当前为「{state}」，不能{action}。{hint}"
WRONG_STATE_HINTS = {
    "转办": "请先 /受理 再转办。",
    "退单": "只有已转办的诉求可以退单。",
    "办结": "请先 /受理。",
    "回访": "只有已办结的诉求可以回访。",
    "撤回": "只有待受理的诉求可以撤回。",
    "退回": "只有待受理的诉求可以退回。",
}
NOT_YOUR_DEPARTMENT = "该诉求没有转办到您所在的部门。"
NEEDS_ROLE = "{action}需要{who}权限。"
AT_THE_TOP = "该诉求已在最高一级（{name}）办理，不能再上报；可转办其联席会议部门：/转办 <编号> <部门>。"
HELD_ABOVE = "该诉求已上报至「{holder}」，由其办理；您仍可查看和补充情况（/诉求 补充）。"
BAD_LEVEL = "级别只能是 紧急 或 一般。"
NO_SUCH_DEPARTMENT = "没有「{department}」这个部门。可选（由近及远）：{departments}"
BAD_ANSWER = "请回复 满意、基本满意 或 不满意。"
NEEDS_REASON = "{action}需要写明原因。"
STALE = "诉求 {number} 刚刚被其他人处理过，请发送 /诉求 查询 {number} 查看最新状态。"
NO_REASON_WANTED = "诉求 {number} 现在不需要填写不满意的原因。"

# ---- notices -------------------------------------------------------------------------------------------
NEW_APPEAL = "新诉求 {number}（{category}）\n{description}\n地点：{place}\n请发送 /受理 {number} 一般（或 紧急）"
TELL_ACCEPTED = "您的诉求 {number} 已受理（{level}），将于 {due} 前办结。"
TELL_DEPARTMENT = (
    "诉求 {number}（{category}）已转办到「{department}」，请办理：\n{description}\n地点：{place}\n"
    "办结：/办结 {number} <结果>；退单：/退回 {number} <原因>"
)
TELL_TRANSFERRED = "您的诉求 {number} 已转交「{department}」办理。"
TELL_NO_HANDLER = (
    "诉求 {number} 要转办到「{department}」，但该部门还没有绑定承办人，请发送 /部门 绑定 @某人 {department}。"
)
TELL_SENT_BACK = "诉求 {number} 被「{department}」退单（{reason}），请重新转办：/转办 {number} <部门>"
ASK_FOLLOW_UP = "您的诉求 {number} 已办结：{result}\n请直接回复：满意、基本满意 或 不满意（也可回复 1、2、3）。"
TELL_REOPENED = "诉求 {number} 回访不满意，已重办，请重新办理。"
TELL_REASON = "诉求 {number} 不满意的原因：{reason}"
TELL_ESCALATED = (
    "诉求 {number}（{category}）已上报至「{holder}」，请在 {due} 前受理：{description}\n"
    "受理：/受理 {number} 一般（或 紧急）；转办本级联席会议部门：/转办 {number} <部门>"
)
TELL_ESCALATED_BRANCH = "诉求 {number} 已上报至「{holder}」办理。"
TELL_REJECTED = "您的诉求 {number} 未予受理，原因见 /诉求 查询 {number}。"
TELL_WITHDRAWN = "诉求 {number} 已被诉求人撤回，无需受理。"
TRAIL_WITHDRAWN_BEFORE_SENT = "诉求发出通知前已撤回，不再通知"

# ---- deadlines -----------------------------------------------------------------------------------------
REMIND = "【催办】诉求 {number}（{category}）的{limit}时限 {due} 将到，请抓紧{doing}。"
ENTERED_ASK_FOLLOW_UP = (
    "您代录的诉求 {number}（{name}）已办结：{result}\n"
    "请电话回访诉求人，再发送 /回访 {number} 满意|基本满意|不满意 记录结果。"
)
ENTERED_REMIND_FOLLOW_UP = (
    "【回访提醒】您代录的诉求 {number}（{name}）已办结，"
    "请电话回访后发送 /回访 {number} 满意|基本满意|不满意（{due} 前）。"
)
REMIND_FOLLOW_UP = "【回访提醒】您的诉求 {number} 已办结，请回复：满意、基本满意 或 不满意（{due} 前）。"
SUPERVISE = "【督办】诉求 {number}（{category}）已超过 {due} 的{limit}时限（{holder}），已提请「{tier}」督办。"
SUPERVISE_FOLLOW_UP = "【督办】诉求 {number} 回访期 {due} 已过，诉求人未回复，已记为未回复；如需可电话回访。"
DOING = {
    "受理": "受理（/受理 {number}）",
    "转办": "转办（/转办 {number} <部门>）",
    "反馈": "联系诉求人并反馈",
    "办理意见": "提出办理意见",
    "办结": "办结（/办结 {number} <结果>）",
}
HOLDER_DEPARTMENT = "承办部门「{department}」"
HOLDER_BRANCH = "支部书记"
TRAIL_REMIND = "{limit}时限 {due}"
TRAIL_SUPERVISE = "超过{limit}时限 {due}，提请{tier}督办"
LEVEL_NAMED = "{level}级（{name}）"
OVERDUE_MARK = "（已超期）"

# ---- figures -------------------------------------------------------------------------------------------
PERIODS = ("本月", "本年", "全部")
STATS_USAGE = "用法：/诉求 统计 [本月|本年|全部] [对比]"
STATS_HEAD = "【诉求统计】{scope} · {period}{span}"
STATS_SPAN = "（{span}）"
STATS_TOTALS = "收集 {collected}　办结 {closed}　办结率 {close_rate}"
STATS_TIMES = "按期办结率 {on_time_rate}　平均办理时长 {average}　超期 {overdue}"
STATS_FOLLOW_UP = "回访率 {follow_up_rate}　满意率 {satisfaction_rate}（满意+基本满意 ÷ 作答 {answered}，未回复不计入）"
STATS_RETURNS = "退单率 {return_rate}　重办率 {reopen_rate}"
STATS_BY = "按{dimension}：{items}（收集/办结）"
STATS_ITEM = "{name} {collected}/{closed}"
STATS_COMPARE = (
    "对比{previous}（{span}）：收集 {collected}（{d_collected}）　办结率 {close_rate}{d_close}"
    "　满意率 {satisfaction_rate}{d_satisfaction}"
)
STATS_DELTA = "（{delta}）"  # a rate's change; left out when either period has nothing behind the rate
DAYS = "{days:.1f} 天"
NONE = "—"
DIMENSIONS = {"category": "类别", "department": "部门", "branch": "支部", "channel": "渠道"}
STATS_COUNTY = "小事不出县率 {county_rate}（县级及以下办结 {in_county} ÷ 办结 {closed}）"
STATS_UNITS = "下级单位（收集/办结/办结率/超期）："
STATS_UNIT = "· {name} {collected}/{closed}/{close_rate}/{overdue}"
STATS_UNIT_OWN = "本级直接办理"
PREVIOUS = {"本月": "上月", "本年": "上年"}

# ---- calendar ------------------------------------------------------------------------------------------
CALENDAR_NOT_COVERED = (
    "节假日提醒：{years} 年还没有官方放假安排数据，诉求时限按法定节假日推算（不含调休）。"
    "请按国务院办公厅通知整理节假日表，用 python -m bot.admin holidays import <文件> 导入。"
)

# ---- pictures and voice messages (evidence.py) -------------------------------------------------------------
EVIDENCE_ADDED = "已记入诉求 {number} 的办理记录（{action}，{kept}）。"
EVIDENCE_FULL = "诉求 {number} 的图片和语音已满 {limit} 个，{count} 个没有保存。"
EVIDENCE_KINDS = {"image": "图片", "voice": "语音"}
EVIDENCE_PICTURES = "图片 {count} 张"
EVIDENCE_VOICES = "语音 {count} 条"
EVIDENCE_AND = "、"
EVIDENCE_REFUSED = "这条{what}没有保存：{reason}"
EVIDENCE_TOO_LARGE = "文件太大，每个不能超过 {limit}。请压缩或截图后再发。"
EVIDENCE_TOO_LONG = "语音 {seconds} 秒，每条不能超过 {limit} 秒。请分成几条再发，或用文字说明。"
EVIDENCE_TOO_MANY = "每件诉求最多保存 {limit} 个图片或语音，再发的不会保存。"
EVIDENCE_TIMEOUT = "{seconds} 秒内没有下载完（网络或平台较慢），请再发一次。"
EVIDENCE_DOWNLOAD_FAILED = "下载失败（平台的链接可能已失效），请再发一次。"
EVIDENCE_NO_LINK = "平台没有给出下载地址，请再发一次。"
EVIDENCE_NOT_A = {
    "image": "这不是图片文件（只收 JPG、PNG、GIF、WEBP），请直接发照片或截图。",
    "voice": "这不是能识别的语音格式，请直接按住说话发语音，或用文字说明。",
}
NO_BRANCH = "未归属支部"
NOTE_SAVED = "已记入诉求 {number} 的办理记录（{action}）。"
TELL_PROGRESS = "您的诉求 {number} 有新的办理进展，发送 /诉求 查询 {number} 查看。"
TELL_ADDED = "诉求 {number} 的诉求人补充了情况：{note}"
NOTE_USAGE = "用法：/诉求 补充 <编号> <进展或补充说明>"
NOT_OPEN = "诉求 {number} {state}，不能再补充。"

# ---- appeals received elsewhere (12328, 12345, the 司机之家 box) ----------------------------------------------
ENTRY_NAME = "代录诉求"
ENTRY_INTRO = "代为录入其他渠道收到的诉求（共 7 步），录入后按同一流程办理。"
ASK_CHANNEL = "1/7 诉求来自哪个渠道？回复序号：\n{choices}"
BAD_CHANNEL = "请回复列表里的序号。"
ASK_DRIVER_NAME = "2/7 司机姓名："
ASK_DRIVER_PHONE = "3/7 司机手机号："
ASK_ENTRY_CATEGORY = "4/7 类别，回复序号：\n" + CATEGORY_MENU
ASK_ENTRY_DESCRIPTION = "5/7 问题描述（{limit} 字以内）："
ASK_ENTRY_PLACE = "6/7 事发地点："
ASK_ENTRY_BRANCH = "7/7 交哪个支部办理？回复序号：\n{choices}\n0. 由本级直接办理"
ASK_ENTRY_BRANCH_NAME = "7/7 交哪个支部办理？回复支部名称（或其中几个字）；回复 0 由本级直接办理。"
ENTRY_SUMMARY = (
    "请核对代录的诉求：\n渠道：{channel}\n司机：{name} {phone}\n类别：{category}\n描述：{description}\n地点：{place}\n"
    "交由：{holder}"
)
ENTRY_SELF = "本级直接办理"
ENTRY_NO_SCOPE = "代录诉求只对书记、承办部门和行业党委开放。"
ENTRY_PRIVATE = "代录诉求含司机的姓名和电话，请私聊机器人发送 /诉求 代录。"
ENTERED = "已录入诉求，编号 {number}（{channel}），按同一流程办理：/诉求 查询 {number}。"

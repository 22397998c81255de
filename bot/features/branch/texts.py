"""Every sentence of the branch area a person reads: branches, secretaries, departments, registration, records,
the welcome of newcomers."""

from __future__ import annotations

AREA_NAME = "支部"
AREA_DESCRIPTION = "支部开通与名片、书记任免、承办部门、党员登记与认定、档案、新成员欢迎"
MAX_ARG = 200
TOO_LONG = "参数太长了（最多 {limit} 字）。"
ONE_MENTION = "请 @ 一个人。用法：{usage}"
SOMEONE = "用户{id}"

# ---- branches ---------------------------------------------------------------------------------------------
OPENED = "已开通「{name}」。每天 {push_time} 推送学习内容。请行业党委或群主发送 /书记 设置 @某人 指定书记。"
OPENED_NOTICE = (
    "【新支部】群 {group} 的群主开通了支部「{name}」（开通人 {opener}）。"
    "如需关闭：在该群发送 /支部 关闭，或私聊发送 /支部 关闭 {name}。"
)
CLOSED = "已关闭「{name}」：不再推送，成员档案保留。群主或行业党委可再次 /支部 开通。"
ALREADY_CLOSED = "「{name}」已经是关闭状态。"
CLOSE_WHICH = "请写支部名称：/支部 关闭 <支部名称>"
NO_SUCH_BRANCH = "没有名为「{name}」的支部。"
NO_BRANCH_HERE = "本群还没有开通支部。请行业党委或群主发送：/支部 开通 <支部名称>"
CARD = (
    "【{name}】\n书记：{secretaries}\n登记成员：{members} 人，其中党员司机 {member_drivers} 人\n"
    "每日推送：{push}\n本月主题：{theme}"
)
NOT_SET = "未设置"
PUSH_ON = "{time}（开启）"
PUSH_OFF = "{time}（已关闭）"
PUSH_STOPPED = "已停止（支部已停用）"
CARD_INACTIVE = "（本支部已停用）"
CARD_WELCOME_OFF = "新成员欢迎：已关闭"

# ---- secretaries ------------------------------------------------------------------------------------------
SECRETARY_SET = "已设置 {name} 为「{branch}」书记。"
SECRETARY_ALREADY = "{name} 已经是本支部书记。"
SECRETARY_REMOVED = "已移除 {name} 的书记身份。"
SECRETARY_NOT = "{name} 不是本支部书记。"

# ---- departments ------------------------------------------------------------------------------------------
DEPARTMENTS_HEAD = "【{committee}联席会议】承办部门及承办人："
NO_SUCH_COMMITTEE = "没有名为「{name}」的行业党委。"
DEPARTMENT_LINE = "· {department}：{handlers}"
NO_HANDLER = "（未绑定承办人）"
MY_DEPARTMENTS = "您绑定的部门：{departments}"
DEPARTMENT_BOUND = "已将 {name} 绑定为「{department}」承办人。"
DEPARTMENT_UNBOUND = "已解除 {name} 的「{department}」承办人绑定。"
DEPARTMENT_NOT_BOUND = "{name} 没有绑定「{department}」。"
DEPARTMENT_USAGE = (
    "用法：/部门 {verb} @某人 <部门>（其他行业党委的部门写作 <行业党委名称>·<部门>）\n可选部门：{departments}"
)

# ---- registration -----------------------------------------------------------------------------------------
FLOW_NAME = "登记"
STATUSES_HINT = "1 党员  2 预备党员  3 积极分子  4 群众"
INTRO_GROUP = "开始登记。群里只问姓名；手机号、车牌等个人信息接下来在私聊里填写，群里看不到。"
INTRO_PRIVATE = "开始登记「{branch}」（信息仅本人和支部书记可见完整内容）。"
INTRO_UPDATE = "更新「{branch}」的登记：回复“跳过”保留原来的内容，认定结果不受影响。"
ASK_BRANCH = "您在以下支部，请发送 /登记 <序号> 选择要登记的支部：\n{choices}"
BAD_BRANCH_CHOICE = "没有这个序号或支部。{choices}"
ASK_NAME = "请回复您的真实姓名："
ASK_PHONE = "请回复手机号（11 位）："
ASK_PLATE = "请回复车牌号（如 贵A12345）："
ASK_HOMETOWN = "请回复户籍地（如 贵州省遵义市）："
ASK_ROUTE = "请回复常跑路线（如 贵阳—重庆）："
ASK_STATUS = "政治面貌？回复序号：" + STATUSES_HINT
NOW_IS = "（现为：{value}）"
NOT_STORED_IN_GROUP = "为保护您的隐私，群里发的手机号、车牌机器人没有保存，请只在私聊里填写。"
SUMMARY = (
    "请核对登记信息（{branch}）：\n姓名：{name}\n手机：{phone}\n车牌：{plate}\n"
    "户籍地：{hometown}\n常跑路线：{route}\n政治面貌：{status}"
)
SUMMARY_KEEP = "（不变）"
UNSET = "未填"
MOVED_TO_PRIVATE = (
    "已记下姓名 {name}。手机号、车牌等请在私聊里继续填写，我已私聊您。\n"
    "如果没有收到私聊：请先加机器人为好友（或在群成员列表里点机器人发起临时会话），再私聊发送 /登记。"
)
PRIVATE_CONTINUE = "您在「{branch}」群里开始了登记（姓名：{name}），请在这里继续："
NO_BRANCH_KNOWN = "还不知道您属于哪个支部：请先在所在支部的群里发送 /登记（只问姓名），然后在私聊里填写其余信息。"
GROUP_NOT_OPEN = "本群还没有开通支部，暂时不能登记。"
BRANCH_GONE = "这个支部已不存在或已关闭，登记未保存。"
REGISTERED = "登记成功{tail}私聊发送 /档案 可查看自己的完整档案。"
UPDATED = "登记信息已更新{tail}发送 /档案 可查看自己的档案。"
TAIL_PENDING = "，政治面貌待支部书记认定。"
TAIL_ROSTER = "，已与支部台账中的记录关联（政治面貌：{status}）。"
NOTICE_ROSTER = "「{branch}」新登记：{name} 已与台账记录关联，沿用台账中的政治面貌「{status}」。"
TAIL_DONE = "。"
NOTICE_NEW = (
    "「{branch}」有新登记：{name}，自报政治面貌：{declared}。"
    "请在支部群发送 /认定 @{name} <党员|预备党员|积极分子|群众> 完成认定。"
)
NOTICE_UPDATED = "「{branch}」资料更新：{name} 更新了{fields}。{status_note}"
NOTICE_STATUS_CHANGED = (
    "自报政治面貌改为 {declared}（现认定：{status}），如需改认定请在支部群发送 /认定 @{name} <政治面貌>。"
)
FIELD_NAMES = {
    "name": "姓名",
    "phone": "手机",
    "plate": "车牌",
    "hometown": "户籍地",
    "route": "常跑路线",
    "declared_status": "政治面貌",
}

# ---- /登记 修改 -------------------------------------------------------------------------------------------
EDIT_USAGE = "用法：/登记 修改 <姓名|手机|车牌|户籍地|路线|政治面貌> <新内容>"
EDIT_PRIVATE_ONLY = "手机号、车牌请私聊机器人发送 /登记 修改 {field} <新内容>；群里发的没有保存。"
EDIT_NOT_REGISTERED = "您还没有登记，先发送 /登记。"
EDITED = "已把{branches}的{field}改为：{value}。其余信息和认定结果不变。"
EDITED_STATUS = "已把{branches}的自报政治面貌改为：{value}，待支部书记确认（原认定不变）。"

# ---- 认定 / 档案 -------------------------------------------------------------------------------------------
CONFIRMED = "已认定 {name} 为{status}。"
PROFILE_ONE_AT_A_TIME = "一次只能查看一个人的档案：/档案 @某人"
PROFILE = (
    "【档案】{name}（{branch}）\n手机：{phone}　车牌：{plate}\n户籍地：{hometown}　常跑路线：{route}\n"
    "政治面貌：{status}　登记于 {registered}"
)
PROFILE_SHORT = (
    "【档案】{name}（{branch}）\n政治面貌：{status}　登记于 {registered}\n"
    "（手机、车牌、户籍地、常跑路线只在私聊显示：私聊机器人发送 /档案）"
)
PROFILE_OTHERS_PRIVATE = (
    "成员档案不在群里显示：请私聊机器人发送 /档案 <姓名>，或在网页版（私聊发送 /后台）的支部页查看。"
)
PENDING_STATUS = "{declared}（待认定）"
PROFILE_LEFT = "（已离开本支部）"
PROFILE_NONE = "还没有登记档案，发送 /登记 即可登记。"
PROFILE_OTHERS_DENIED = "只能查看自己的档案；查看他人档案需要本支部书记权限。"
PROFILE_FIND_USAGE = "私聊查看成员档案：/档案 <姓名>（您管理的支部里）"
PROFILE_NOT_FOUND = "您管理的支部里没有叫「{name}」的成员。"

# ---- welcome ----------------------------------------------------------------------------------------------
WELCOME_HEAD = "欢迎 "
WELCOME_MORE = " 等 {count} 位新朋友"
WELCOME_BODY = (
    " 加入「{branch}」！我是红色方向盘党建助手：每天推送学习内容（发送 打卡），可以提交诉求（/诉求）、"
    "查找司机之家（/驿站 <地点>）、参加活动（/活动）。\n"
    "请发送 /登记 登记：群里只填姓名，手机号和车牌在私聊里填写。发送 /帮助 查看全部命令。"
)
WELCOME_ON = "已开启新成员欢迎：新入群的成员会收到一条欢迎（多人同时入群时合并为一条）。"
WELCOME_OFF = "已关闭新成员欢迎。"

# ---- 绑定 (the official QQ bot: a person's id in a group differs from their id in private chat) ----------------
BIND_CODE = (
    "官方QQ机器人里，群里的您和私聊里的您是两个不同的编号，需要先对上一次（只需一次）：\n"
    "1. 在您的支部群里 @机器人 发送：/绑定 {code}\n"
    "2. 回到这里发送 /绑定，看清是谁、几点发送的；是您本人，再发送 /绑定 确认\n"
    "（{minutes} 分钟内有效，只能用一次，只发在您自己的支部群里。之后发 /登记 填写手机号、车牌。）"
)
BIND_CODE_AFTER_CONTESTED = "上一个绑定码在群里被不止一人发送，为安全已作废。新的绑定码：\n"
BIND_CODE_AFTER_EXPIRED = "上一个绑定码已过期。新的绑定码：\n"
BIND_CODE_ALSO = "本私聊已对应「{branch}」里的您。要再对上另一个支部群里的您：\n"
BOUND_ALREADY = "本私聊已对应「{branch}」里的您，不需要再确认。发送 /登记 填写或修改登记信息；不对请发送 /解绑。"
BOUND_IN_GROUP = (
    " 您在本群发送的绑定码已和一个私聊绑定：那个私聊从现在起代表您。"
    "如果不是您本人在私聊里确认的，请立即在本群发送 /解绑。"
)
BIND_USAGE = "用法：/绑定 <8 位绑定码>（先私聊机器人发送 /绑定 取得绑定码）"
BIND_PRIVATE_USAGE = "用法：/绑定 取得绑定码或查看谁发送了它 · /绑定 确认 · /绑定 取消"
BIND_CODE_GOES_TO_GROUP = "绑定码要发到您的支部群里：在群里 @机器人 发送 /绑定 {code}，再回到这里发送 /绑定。"
BIND_CLAIMED = (
    "已收到绑定码。请回到和机器人的私聊发送 /绑定 核对并确认，确认之前不会绑定。（只发送您自己私聊收到的绑定码。）"
)
BIND_CONTESTED = (
    "这个绑定码在群里被不止一人发送，为安全已作废，不会为任何人绑定。请私聊机器人发送 /绑定 取得新的绑定码。"
)
BIND_WAITING_ON_ANOTHER = (
    "您已发送过另一个绑定码，正等私聊确认；一个人只有一个私聊，这个绑定码已作废。请先在私聊里确认或取消前一个。"
)
BIND_BAD_CODE = "绑定码不对、已用过或已过期。请私聊机器人发送 /绑定 取得新的绑定码。"
BIND_TOO_MANY = "绑定码错误次数太多，请十分钟后再试。"
BIND_LINKED_ELSEWHERE = "本群的您已绑定了另一个私聊。要更换，请先在本群或原来的私聊发送 /解绑，再重新绑定。"
BIND_PENDING = (
    "{where}{who}在 {time} 发送了您的绑定码（机器人回复「已收到绑定码」时 @ 的就是发送的人）。\n"
    "是您本人吗？是：发送 /绑定 确认；不是：发送 /绑定 取消（绑定码作废，不会绑定）。"
)
BIND_IN_BRANCH = "「{branch}」里"
BIND_IN_OTHER_GROUP = "一个没有开通支部的群里"
BIND_OTHER_GROUP = "一个没有开通支部的群"
BIND_NAMED = "「{name}」"
BIND_SOMEONE = "有人"
BOUND = (
    "绑定成功：本私聊已对应「{branch}」里的{who}。现在可以发送 /登记 填写手机号、车牌等信息。\n"
    "如果那不是您，请立即发送 /解绑。"
)
BOUND_SOMEONE = "您"
BIND_NOTHING_PENDING = (
    "还没有人在群里发送您的绑定码。请先在您的支部群里 @机器人 发送 /绑定 <绑定码>；还没有绑定码请发送 /绑定。"
)
BIND_EXPIRED = "绑定码已过期，没有绑定。请发送 /绑定 取得新的绑定码。"
BIND_NOT_A_BRANCH = "发送绑定码的群不是已开通的支部群，绑定码已作废。请在您的支部群里重新绑定。"
BIND_CONFIRM_ELSEWHERE = "群里的这个成员已绑定了另一个私聊，没有绑定。请先在群里发送 /解绑，再重新绑定。"
BIND_CANCELLED = "绑定码已作废，没有绑定。需要时请发送 /绑定 取得新的绑定码。"
BIND_NOTHING_TO_CANCEL = "您没有待用的绑定码。"
BIND_NOT_NEEDED = "这里不需要绑定：私聊机器人直接发送 /登记 即可。"
PROOF_NOT_NEEDED = "这里不需要绑定，也不需要授权：私聊和群里都认得您本人，职务权限在私聊里直接生效。"
UNBIND_NOT_NEEDED = "这里没有绑定，也不用解除：私聊和群里都认得您本人。"
PROOF_IN_GROUP = "请在支部群里 @机器人 发送 /绑定 授权 <确认码>（确认码就在这个私聊里）。"
PROOF_NEEDED = (
    "您担任书记、承办部门或行业党委的职务，这个私聊要先在支部群里确认是您本人，才能使用职务权限和查看个人信息："
    "请在「{branch}」群里 @机器人 发送 /绑定 授权 {code}"
    "（{minutes} 分钟内有效；如果这个私聊不是您绑定的，请在群里发送 /解绑）。"
)
PROOF_IN_OTHER_GROUP = "您绑定的群"
PROOF_USAGE = "用法：/绑定 授权 <6 位确认码>（确认码在您绑定的私聊里，只在本群发送）"
PROVED = (
    "已确认：您的职务权限从现在起在您绑定的那个私聊里生效（可以在私聊里处理支部事务、查看成员的完整信息）。"
    "如果这不是您本人要做的，请立即在本群发送 /解绑，那个私聊就不再代表您。"
)
PROOF_ALREADY = "您绑定的私聊已经确认过，不需要再确认。不是您本人的私聊请发送 /解绑。"
PROOF_BAD = "确认码不对或已过期。请在您绑定的私聊里发送任意命令（如 /绑定）查看新的确认码。"
PROOF_NOT_BOUND = "本群的您没有绑定私聊，不需要确认。要绑定，请私聊机器人发送 /绑定。"
BIND_REMINDER = (
    " 有一条给您的通知在等您查看，但机器人还不能私信您。"
    "请私聊机器人发送 /绑定，按提示完成绑定（书记等职务还要在群里确认一次），之后在私聊里查看和处理。"
)
PROOF_REMINDER = (
    " 有一条给您的通知在等您查看。您已绑定私聊，还差一步：请在本群 @机器人 发送 /绑定 授权 <私聊里的确认码>"
    "（在私聊里发送 /绑定 可以看到确认码），之后通知会私信给您。如果您没有绑定过私聊，请在本群发送 /解绑。"
)
NOT_SENT_REMINDED = "对方还没有绑定私聊（或职务还没在群里确认），通知没有私信发出：已在支部群里 @ 提醒对方绑定"
NOT_SENT_NO_GROUP = "对方还没有绑定私聊，也不知道对方在哪个支部群，通知没有发出"
UNBOUND_PRIVATE = "已解除绑定：本私聊不再对应{branches}里的您（登记信息不变）。需要时可重新 /绑定。"
UNBOUND_GROUP = "已解除本群的您和私聊的绑定（登记信息不变）。"
NOT_BOUND = "没有绑定可以解除。"
REGISTER_BIND_FIRST = (
    "登记在私聊里进行（手机号、车牌不在群里填写）。官方QQ机器人需要先对上私聊和群里的您（只需一次）：\n"
    "1. 私聊机器人发送 /绑定，收到 8 位绑定码；\n2. 回本群 @机器人 发送 /绑定 <绑定码>；\n"
    "3. 回到私聊发送 /绑定 确认，再发 /登记 填写。"
)
REGISTER_IN_PRIVATE = "登记在私聊里进行（手机号、车牌不在群里填写）：请私聊机器人发送 /登记。"
REGISTER_SWITCHED = "登记在私聊里进行（手机号、车牌不在群里填写）：您的私聊已切换到本群，请私聊机器人发送 /登记。"

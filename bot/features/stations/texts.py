"""Every sentence of the station area a user reads (Chinese), as constants and templates."""

from __future__ import annotations

# ---- lookups ---------------------------------------------------------------------------------------------
USAGE = "用法：/驿站 <地名/道路/服务…>，例如 /驿站 乌当 洗澡、/停车 G75；也可以直接发送位置。"
EMPTY_QUERY = "请告诉我地名或想要的服务，例如「乌当 洗澡」「G75 服务区」，或者直接发送位置查找附近的驿站。"
NO_MATCH = "没有找到符合条件的驿站。"
TRY_OTHER = "换个说法试试，例如「贵阳 停车」，或发送位置查找附近的驿站。"
TRY = "{where}有 {count} 个，发送「{query}」查看。"
DROP_SERVICES = "去掉「{services}」有 {count} 个，发送「{query}」查看。"
DROP_KINDS = "不限类型有 {count} 个，发送「{query}」查看。"
DROP_ROADS = "不限道路有 {count} 个，发送「{query}」查看。"
NATIONWIDE = "全国"
UNDERSTOOD = "（我理解的是：{got}）"
FOUND = "找到 {total} 个驿站（第 {page}/{pages} 页）："
MORE_HINT = "发送 /驿站 更多 查看下一页"
ASK_FIRST = "请先发送 /驿站 <关键词> 查询。"
NO_MORE = "没有更多了。"
UNKNOWN_PLACE = (
    "没有认出「{words}」这个地方。请换个地名（如 乌当、贵阳、G75），或直接发送位置，我会列出离您最近的驿站。"
)
UNKNOWN_PLACE_UNSAID = "没有认出您说的地方。请换个地名（如 乌当、贵阳、G75），或直接发送位置，我会列出离您最近的驿站。"
IGNORED_NOTE = "（没有认出「{words}」，已按其余条件查找。）"
# Words with digits or letters (a plate, a phone number, coordinates) are never said back, in a group least of all.
IGNORED_UNSAID = "（有些词没有认出，已按其余条件查找。）"
NEAR_MISS = "没有认出「{typed}」，按「{meant}」查找："
DID_YOU_MEAN = "您是不是要找：{names}？"
NO_SERVICE_KNOWN = "还没有收录提供「{service}」的驿站{where}。可以发送位置，看看附近的驿站都有哪些服务。"
NO_SERVICE_IN = "（{where}）"
BROAD_IN_REGION = "按本支部所在地「{region}」查找；别处请加地名，如 /驿站 {example}，或发送位置。"
BROAD_ASK = (
    "「{what}」的驿站全国有 {count} 个。请加上地名（如 /驿站 贵阳 {what}），"
    "或直接发送位置（聊天框“+”→ 位置），我会列出离您最近的。"
)
TOO_FAST = "您发送得太快了，请稍等一会儿再试。"  # as the command dispatcher says it
NEAR_ASK = "想找附近的驿站，请先发送您的位置（聊天框“+”→ 位置），我会列出最近的站点。"

# ---- nearest ---------------------------------------------------------------------------------------------
BAD_COORDINATES = "位置坐标无效：纬度应在 -90 到 90 之间，经度应在 -180 到 180 之间。"
ZERO_COORDINATES = "位置坐标无效（0,0），请重新发送位置。"
BAD_SERVICE = "不认识的服务「{service}」，可选：{tags}。"
BAD_LIMIT = "数量应为正整数。"
BAD_RADIUS = "搜索范围应大于 0 公里。"
NONE_NEARBY = "{km} 公里内没有找到{what}驿站。"
PROVIDING = "提供「{service}」的"
NEAREST_HEAD = "离您最近的{what}驿站："
NEAREST_HINT = "想找特定服务，两分钟内 @我 说“洗澡”“停车”“修车”等即可。"
DISTANCE = " 距您 {distance}"

# ---- one station -----------------------------------------------------------------------------------------
STATION_HEAD = "【{id}】{name}（{kind}）"
PENDING_MARK = "［本支部，待审核］"
ADDRESS_LINE = "  地址：{where}"
ROAD_NOTE = "（{road}）"
SERVICES_LINE = "  服务：{services}"
SPACES = "车位 {count}"
PHONE = "电话 {phone}"

# ---- checks of what people type --------------------------------------------------------------------------
BAD_PHONE = "电话格式不对：请填手机号、带区号的座机（区号-号码，如 0851 开头）或 400 电话。"
TOO_SHORT = "{label}请至少写 2 个字。"
TOO_LONG = "{label}最多 {limit} 个字。"
NO_LINKS = "{label}里不能有链接、QQ/微信号或加群、扫码一类的内容。"
BAD_KIND = "类型只能是：{kinds}"
BAD_SERVICES = "不认识的服务：{words}。可选：{tags}"
BAD_SPACES = "车位请填整数。"
FIELDS = "可以修改的字段：{fields}"
DUPLICATE = "同一地址已有同名驿站（编号 {id}）。"
NOT_FOUND = "没有编号为 {id} 的驿站。"
MAY_NOT_CHANGE = "只有行业党委或该驿站所属支部的书记可以修改、删除这个驿站。"
NO_BRANCH = "请在本支部群里发送（或私聊时您需是某个支部的书记）。"

# ---- changes ---------------------------------------------------------------------------------------------
CHANGE_USAGE = "用法：/驿站 修改 <编号> <字段> <新值>；字段：{fields}"
CHANGED = "已修改：\n{station}"
CHANGED_PENDING = "已修改（行业党委审核通过前只在本支部的查询中出现）：\n{station}"
DELETE_ASK = "确定删除驿站 {id}「{name}」吗？确认请发送：/驿站 删除 {id} 确认"
DELETED = "已删除驿站 {id}「{name}」，查询中不再出现。"
WITHDRAWN = "已撤回驿站 {id}「{name}」（尚未审核），查询中不再出现。"

# ---- the add conversation --------------------------------------------------------------------------------
ADD_FLOW = "添加驿站"
ADD_COMMAND = "/驿站 添加"
ASK_NAME = "1/9 驿站名称："
ASK_KIND = "2/9 类型，回复序号：{menu}"
ASK_REGION = "3/9 所在地（省 市 区县），如：贵州 贵阳 乌当；也可以直接发完整地址"
ASK_ADDRESS = "4/9 详细地址（街道门牌）："
ASK_POINT = "5/9 位置：回复“纬度,经度”，如 26.58,106.72"
ASK_SERVICES = "6/9 提供的服务，回复序号或名称（空格或顿号分开）：\n{menu}"
ASK_SPACES = "7/9 货车车位数："
ASK_HOURS = "8/9 营业时间（如 24小时）："
ASK_PHONE = "9/9 联系电话："
BAD_NAME = "名称请写 2–60 个字。"
BAD_KIND_NUMBER = "请回复类型序号：{menu}"
BAD_REGION = "没有认出这个所在地。请按“省 市 区县”回复，例如：贵州 贵阳 乌当。"
BAD_ADDRESS = "详细地址请写 2–120 个字。"
BAD_POINT = "位置格式不对。请回复“纬度,经度”，如 26.58,106.72。"
BAD_SERVICE_WORD = "不认识「{word}」。请回复服务序号或名称，用空格分开。"
CONFIRM = "请核对：{name}（{kind}），{where}\n服务：{services}"
CONFIRM_UNSET = "未填"
NOT_ADDED = "{error} 驿站没有添加。"
ADDED = "已添加驿站：\n{station}"
ADDED_PENDING = "已添加驿站（目前只在本支部的查询中出现，行业党委审核通过后全省可见）：\n{station}"

# ---- review ----------------------------------------------------------------------------------------------
REVIEW_USAGE = "用法：/驿站 审核 · /驿站 审核 通过 <编号> · /驿站 审核 驳回 <编号> <原因>"
REVIEW_EMPTY = "没有待审核的驿站。"
REVIEW_HEAD = "待审核的驿站（{count} 个）："
REVIEW_ITEM = "{station}\n  支部：{branch}"
REVIEW_FOOT = "通过：/驿站 审核 通过 <编号>；驳回：/驿站 审核 驳回 <编号> <原因>"
NOT_PENDING = "驿站 {id} 不在待审核中。"
APPROVED = "已通过驿站 {id}「{name}」，现在所有支部都能查到。"
REJECTED = "已驳回驿站 {id}「{name}」。"
REJECT_NEEDS_REASON = "驳回请写原因：/驿站 审核 驳回 <编号> <原因>"
TOLD_APPROVED = "您提交的驿站 {id}「{name}」已由行业党委审核通过，所有支部都能查到了。"
TOLD_APPROVED_FOR = "您提交的驿站 {id}「{name}」已由「{committee}」审核通过，其下辖支部查询时都能看到。"
APPROVED_FOR = "已通过 {id}「{name}」：「{committee}」下辖支部都能查到（全省可见需省级审核）。"
TOLD_REJECTED = "您提交的驿站 {id}「{name}」没有通过审核，原因：{reason}。它已不在查询中出现。"
UNKNOWN_BRANCH = "（未知支部）"

# ---- help ------------------------------------------------------------------------------------------------
AREA = "驿站"
AREA_DESCRIPTION = "查找司机之家、红色驿站、服务区、停车区、维修点（发送位置可查最近的；群里 @机器人 提问也能查）"

"""Every sentence of the organization area (行业党委 tree, members, branches placed under committees)."""

AREA = "组织"
AREA_DESCRIPTION = "行业党委（省、市、县三级）组织树：支部隶属、委员任免、联席会议部门"

LEVEL_NAMES = {"省": "省级", "市": "市级", "县": "县级"}
TREE_HEAD = (
    "【{name}】{level}行业党委 · 委员 {members} 人 · 下辖支部 {branches} 个（在用 {active} 个，直属 {direct} 个）"
)
TREE_CHILD = "· {name}（{level}）：支部 {branches} 个，委员 {members} 人"
TREE_BRANCH = "· 支部：{name}{state}"
TREE_BRANCH_UNBOUND = "（未开通群）"
TREE_BRANCH_CLOSED = "（已关闭）"
TREE_DEPARTMENTS = "联席会议部门：{departments}"
TREE_NO_DEPARTMENTS = "联席会议部门：（未设置）"
TREE_MORE_BRANCHES = "……另有 {count} 个直属支部"
TREE_FOOT = (
    "发送 /组织 <行业党委名称> 查看下一级；/组织 隶属 <支部> <行业党委> 调整支部隶属；/委员 添加 @某人 <行业党委>。"
)
NOT_IN_TREE = "没有名为「{name}」的行业党委，或不在您的范围内。"
NO_SCOPE = "您不是任何行业党委的委员。"

ATTACH_USAGE = "用法：/组织 隶属 <支部名称> <行业党委名称>"
ATTACHED = "已将「{branch}」划归「{committee}」。"
ATTACH_ALREADY = "「{branch}」已隶属「{committee}」。"
NO_SUCH_BRANCH = "没有名为「{name}」的支部。"
NOT_YOURS = "「{name}」不在您的范围内：只有超级管理员或其上级行业党委可以调整。"

MEMBER_USAGE = "用法：在群里 /委员 {verb} @某人 <行业党委名称>"
MEMBER_ADDED = "已任命 {name} 为「{committee}」委员：可查看其下辖全部支部的统计、诉求和网页后台。"
MEMBER_ALREADY = "{name} 已是「{committee}」委员。"
MEMBER_REMOVED = "已免去 {name} 的「{committee}」委员（其网页后台登录已结束）。"
MEMBER_NOT = "{name} 不是「{committee}」委员。"
MEMBERS_ONLY_ABOVE = "只有超级管理员或「{committee}」的上级行业党委可以任免其委员。"

IMPORT_DONE = (
    "组织导入完成：行业党委 新增 {added} 个、更新 {updated} 个；支部 隶属 {placed} 个（其中新建待开通 {created} 个）；"
    "联席会议部门 新增 {departments} 个。"
)
IMPORT_REFUSED = "组织导入未执行（{count} 行有问题，什么都没有导入）："
IMPORT_LINE = "  第 {line} 行：{reason}"
BAD_HEADER = "表头应为：级别,名称,上级,区划代码,部门（第一行）"
BAD_LEVEL = "级别「{level}」不对，应为 省、市、县 或 支部"
BAD_NAME = "名称需 2–{limit} 个字（汉字、字母、数字、括号、·、-）"
DUPLICATE = "名称「{name}」在第 {first} 行已出现"
NEEDS_PARENT = "{level}级需要填写上级"
ONE_PROVINCE = "只能有一个省级行业党委（第 {first} 行已有）"
PROVINCE_NO_PARENT = "省级行业党委不填上级"
NO_PARENT = "上级「{parent}」不存在（文件里和系统里都没有）"
PARENT_NOT_ABOVE = "上级「{parent}」是{parent_level}级，不能管辖{level}级"
BRANCH_NO_PARTS = "支部行不填区划代码和部门"
IS_A_BRANCH = "「{name}」已是支部的名称"
IS_A_COMMITTEE = "「{name}」已是行业党委的名称"
BAD_CODE = "区划代码应为 6 位数字"
BAD_DEPARTMENT = "部门名称「{name}」需 2–16 个字"
CYCLE = "「{name}」不能隶属自己的下级「{parent}」"
READ_FAILED = "无法读取文件：{error}"

"""The words of station lookups: service tags, station kinds, their synonyms, road names and filler.

One fixed vocabulary shared by the query parser, the CSV import, the add conversation and the replies.
"""

from __future__ import annotations

import re
import unicodedata

# One fixed, ordered tag set. The 2025 national notice's five free services are 停车休息、热水、
# 饭菜加热、淋浴、洗衣; "停车休息" is two tags here because drivers ask for either alone.
SERVICE_TAGS: tuple[str, ...] = (
    "停车",
    "休息",
    "餐饮",
    "热水",
    "饭菜加热",
    "淋浴",
    "洗衣",
    "如厕",
    "住宿",
    "洗车",
    "充电",
    "维修",
    "便利店",
    "医药箱",
    "图书",
    "加油",  # appended: the numbers of the tags before it (the add conversation's menu) stay as they were
)
FREE_SERVICES: tuple[str, ...] = ("停车", "休息", "热水", "饭菜加热", "淋浴", "洗衣")

STATION_KINDS: tuple[str, ...] = (
    "司机之家",
    "红色驿站",
    "服务站",
    "服务点",
    "党群服务中心",
    "停车区",
    "维修点",
    "高速服务区",
)

# Words drivers use → service tags. A word may stand for several tags ("停车休息").
SERVICE_SYNONYMS: dict[str, tuple[str, ...]] = {
    **{tag: (tag,) for tag in SERVICE_TAGS},
    "停车休息": ("停车", "休息"),
    "停车场": ("停车",),
    "车位": ("停车",),
    "停车位": ("停车",),
    "停车点": ("停车",),
    "泊车": ("停车",),
    "停": ("停车",),
    "睡觉": ("休息",),
    "歇脚": ("休息",),
    "歇息": ("休息",),
    "休息室": ("休息",),
    "休息区": ("休息",),
    "歇": ("休息",),
    "吃饭": ("餐饮",),
    "吃的": ("餐饮",),
    "吃": ("餐饮",),
    "饭": ("餐饮",),
    "餐厅": ("餐饮",),
    "食堂": ("餐饮",),
    "饭店": ("餐饮",),
    "用餐": ("餐饮",),
    "快餐": ("餐饮",),
    "开水": ("热水",),
    "喝水": ("热水",),
    "饮水": ("热水",),
    "热饭": ("饭菜加热",),
    "热菜": ("饭菜加热",),
    "加热": ("饭菜加热",),
    "微波炉": ("饭菜加热",),
    "洗澡": ("淋浴",),
    "冲凉": ("淋浴",),
    "沐浴": ("淋浴",),
    "洗浴": ("淋浴",),
    "冲澡": ("淋浴",),
    "澡": ("淋浴",),
    "洗衣服": ("洗衣",),
    "洗衣机": ("洗衣",),
    "厕所": ("如厕",),
    "卫生间": ("如厕",),
    "洗手间": ("如厕",),
    "公厕": ("如厕",),
    "上厕所": ("如厕",),
    "过夜": ("住宿",),
    "住": ("住宿",),
    "住店": ("住宿",),
    "宾馆": ("住宿",),
    "旅馆": ("住宿",),
    "床位": ("住宿",),
    "冲车": ("洗车",),
    "充电桩": ("充电",),
    "充电站": ("充电",),
    "加油站": ("加油",),
    "油站": ("加油",),
    "加柴油": ("加油",),
    "柴油": ("加油",),
    "加气": ("加油",),
    "加气站": ("加油",),
    "修车": ("维修",),
    "补胎": ("维修",),
    "换胎": ("维修",),
    "修理": ("维修",),
    "汽修": ("维修",),
    "救援": ("维修",),
    "修": ("维修",),
    "超市": ("便利店",),
    "买东西": ("便利店",),
    "小卖部": ("便利店",),
    "商店": ("便利店",),
    "药": ("医药箱",),
    "药箱": ("医药箱",),
    "急救": ("医药箱",),
    "看书": ("图书",),
    "书屋": ("图书",),
    "读书": ("图书",),
}

# Words for kinds of station → kinds. "驿站" in speech means either of the two driver stations.
KIND_SYNONYMS: dict[str, tuple[str, ...]] = {
    **{kind: (kind,) for kind in STATION_KINDS},
    "驿站": ("红色驿站", "司机之家"),
    "司机驿站": ("红色驿站", "司机之家"),
    "爱心驿站": ("红色驿站", "司机之家"),
    "货车司机之家": ("司机之家",),
    "服务区": ("高速服务区",),
    "高速服务站": ("高速服务区",),
    "党群中心": ("党群服务中心",),
    "党群服务站": ("党群服务中心",),
    "维修站": ("维修点",),
    "修理厂": ("维修点",),
    "修理点": ("维修点",),
    "汽修厂": ("维修点",),
}

# Expressway names drivers say instead of codes; the codes are those of the national network.
ROAD_NAMES: dict[str, str] = {
    "京哈": "G1",
    "京沪": "G2",
    "京台": "G3",
    "京港澳": "G4",
    "京昆": "G5",
    "京藏": "G6",
    "京新": "G7",
    "沈海": "G15",
    "长深": "G25",
    "济广": "G35",
    "大广": "G45",
    "二广": "G55",
    "包茂": "G65",
    "兰海": "G75",
    "银百": "G69",
    "连霍": "G30",
    "青银": "G20",
    "沪陕": "G40",
    "沪蓉": "G42",
    "沪渝": "G50",
    "杭瑞": "G56",
    "沪昆": "G60",
    "福银": "G70",
    "泉南": "G72",
    "厦蓉": "G76",
    "汕昆": "G78",
    "广昆": "G80",
    "银昆": "G85",
}

# Filler that carries no meaning for the look-up. Multi-character entries also go into the
# tokenizer's dictionary so that "有没有" is cut as one word rather than three.
NEAR_WORDS = frozenset({"附近", "周边", "周围", "旁边", "身边", "最近", "离我", "就近", "近"})
FILLER_WORDS = NEAR_WORDS | frozenset(
    (  # noqa: SIM905  (words read better as a sentence than as 150 quoted items)
        "的 吗 呢 啊 呀 吧 了 么 嘛 哦 喔 哈 嗯 能 可 有 在 去 找 想 要 我 你 他 她 请 查 搜 个 这 "
        "那 哪 和 与 及 或 还 也 都 到 给 让 是 就 里 边 好 家 些 把 从 往 向 带 多 会 得 该 用 谁 "
        "啥 咋 条 一 "
        # two and more characters
        " "
        "哪里 哪儿 哪边 哪个 哪些 哪家 哪有 有没有 有无 没有 能不能 可不可以 可以 能够 请问 一下 帮我 帮忙 "
        "麻烦 查一下 查询 查找 搜索 推荐 告诉 知道 地方 位置 地址 怎么 怎么走 什么 多少 这里 那里 这边 "
        "那边 我们 我要 想要 需要 提供 免费 方便 大车 货车 卡车 挂车 司机 师傅 谢谢 你好 您好 机器人 "
        "一个 有个 现在 今天 今晚 晚上 白天 哪个地方 在哪 在哪里 在哪儿 是否 还有 一些 有些 东西 开车 路过 "
        "经过 顺路 高速 国道 电话 联系方式 营业时间 几点 开门 关门 营业 多远 远不远 路线 导航 信息 情况 列表 "
        "全部 所有 "
    ).split()
)

# G75, S15, G6001; parallel lines carry a W (G4W, G15W, G4W2).
ROAD_CODE_RE = re.compile(r"(?<![A-Za-z])([GSXY])(\d{1,4}(?:W\d?)?)(?![0-9])", re.IGNORECASE)
ROAD_SPLIT_RE = re.compile(r"[/、,，;；\s]+")

MAX_QUERY_LEN = 50
# Raw text beyond this is dropped before normalising, so a pasted novel costs nothing.
_RAW_QUERY_CAP = 500
MAX_PAGE_SIZE = 50


def resolve_service(word: str) -> str | None:
    """Return the service tag a word stands for (洗澡 → 淋浴), or None; multi-tag words give the first."""
    tags = SERVICE_SYNONYMS.get(word.strip())
    return tags[0] if tags else None


def split_roads(road: str) -> tuple[str, ...]:
    """Split a station's road field ("G75/G60") into upper-case codes."""
    return tuple(part.upper() for part in ROAD_SPLIT_RE.split(road) if part)


def normalize_query(text: str) -> str:
    """Reduce a query to letters, digits and single spaces, at most MAX_QUERY_LEN characters."""
    text = unicodedata.normalize("NFKC", text[:_RAW_QUERY_CAP])
    # Emoji, punctuation and symbols become spaces: they never name a place or a service.
    kept = "".join(ch if unicodedata.category(ch)[0] in "LN" else " " for ch in text)
    return " ".join(kept.split())[:MAX_QUERY_LEN].strip()

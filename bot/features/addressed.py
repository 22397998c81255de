"""Every @ of the bot in a group gets an answer: an appeal-like sentence the way to /诉求, a station question the
lookup, a word that names a feature its command, anything else (a bare @ included) a one-line pointer to /帮助.

Runs only for a message that addresses the bot and is no command (never in the chatter gate), so the word lists
and the station parser (jieba) cost nothing to ordinary chatter. Framework-neutral: the stations plugin's matcher
calls `answer`, after the same rate limits as every command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.actor import Actor
from bot.core.models import Branch
from bot.features.stations import lookups

if TYPE_CHECKING:
    from bot.services import Services

# ---- what a person reads (this area's sentences) ---------------------------------------------------------------
HELP_POINTER = "您好，我是红色方向盘党建助手。发送 /帮助 查看我能做什么。"
APPEAL_POINTER = "遇到这类问题可以提交诉求：发送 /诉求，按提示填写（不便公开的请私聊机器人发送 /诉求）。"
COMMAND_POINTER = "{what}请发送 {command}。发送 /帮助 查看全部命令。"

# Words of an appeal (a driver's trouble the branch and the committee take up): checked first, so 「在贵阳被拖欠
# 运费」 goes to /诉求, not to a station lookup of 贵阳.
APPEAL_WORDS = (
    "拖欠",
    "欠运费",
    "欠钱",
    "欠款",
    "不给钱",
    "不结账",
    "不给结",
    "克扣",
    "扣钱",
    "扣运费",
    "罚款",
    "乱罚",
    "被罚",
    "被扣",
    "扣车",
    "投诉",
    "维权",
    "纠纷",
    "刁难",
    "欺负",
    "讨薪",
    "工资",
    "赔偿",
    "押金",
    "诉求",
)
# A word that names a feature → (what, command).
FEATURE_WORDS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("登记", "注册", "入册", "个人信息"), "登记", "/登记（群里只填姓名，手机号和车牌在私聊里填写）"),
    (("打卡",), "学完打卡", "打卡"),
    (("答题", "题目", "一题"), "今日一题", "/答题"),
    (("学习", "学什么", "资料", "推送"), "今天的学习内容", "/学习"),
    (("积分", "排名", "排行", "积分榜"), "查积分", "/积分 或 /积分榜"),
    (("活动", "报名", "签到"), "看近期活动", "/活动"),
    (("支部", "书记"), "看本支部名片", "/支部"),
    (("驿站", "司机之家"), "查找驿站", "/驿站 <地名>"),
)


def _appeal_like(text: str) -> bool:
    return any(word in text for word in APPEAL_WORDS)


def _feature(text: str) -> str | None:
    for words, what, command in FEATURE_WORDS:
        if any(word in text for word in words):
            return COMMAND_POINTER.format(what=what, command=command)
    return None


async def answer(services: Services, actor: Actor, branch: Branch | None, text: str) -> str:
    """The one-line (or lookup) answer to a message that @-mentions the bot and is no command."""
    text = text.strip()
    if not text:
        return HELP_POINTER
    if _appeal_like(text):
        return APPEAL_POINTER
    found = await lookups.question(services.stations, actor, branch, text)
    if found:
        return found
    return _feature(text) or HELP_POINTER

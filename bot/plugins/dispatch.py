"""The one command matcher of the bot, the answers to conversations, and the chatter gate.

Path of a group message (see DEVELOPING.md): the adapter parses the event → `drop_chatter` (an event preprocessor:
a few string checks, no database) ends ordinary chatter → the `dispatch` matcher's rule reads the message as a
declared command, a loose word (打卡), a conversation answer or an expected short reply, in dict lookups → its
handler checks the rate limit, the chat, the role, then calls the declared function → the reply goes out as
plain text segments. Matchers of other plugins (a shared location, an @-question, group notices) run after it.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nonebot import on_message
from nonebot.adapters import Bot, Event
from nonebot.exception import IgnoredException
from nonebot.message import event_preprocessor
from nonebot.plugin import PluginMetadata
from nonebot.rule import Rule
from nonebot.typing import T_State

from bot import metrics, platform, runtime
from bot.chat import COMMAND_STARTS, closest_command, first_text, parse_command, respond
from bot.core.bindcodes import codes_in
from bot.core.branches import MEMBER_DRIVER_STATUSES
from bot.core.commands import Call, Command, Role, Usage, Where, may_use, owner_unknown, registry, who_may
from bot.core.errors import Refusal
from bot.features import help as _help  # noqa: F401  (declares /帮助)
from bot.features.branch.binding import OPEN_WHILE_UNPROVEN, proof_refusal

if TYPE_CHECKING:
    from bot.core.actor import Actor
    from bot.core.models import Branch
    from bot.services import Services

__plugin_meta__ = PluginMetadata(
    name="命令",
    description="红色方向盘的命令分发、多步对话的回答和群聊过滤",
    usage="/帮助",
    type="application",
    homepage="https://github.com/redwheel/redwheel",
    supported_adapters=platform.supported_adapters(),
    extra={"hidden": True},
)

runtime.install()
log = logging.getLogger("redwheel.dispatch")

TOO_FAST = "您发送得太快了，请稍等一会儿再试。"
GROUP_TOO_BUSY = "本群同时使用机器人的人太多了，请稍等一会儿再试。"
APOLOGY = "抱歉，处理这条消息时出错了，请稍后再试。"
OWNER_UNKNOWN = "（这个平台不告诉机器人谁是群主，群主无法在这里证明身份：请联系行业党委办理。）"


@dataclass(frozen=True)
class Route:
    """What a message is for the bot."""

    kind: str  # "command", "answer" (to a conversation) or "unknown" (a command start with no such command)
    spec: Command | None = None
    alias: str = ""
    arg: str = ""
    plain: bool = False  # a loose word (打卡) or an awaited short reply, not a typed command


@event_preprocessor
async def drop_chatter(event: Event) -> None:
    """Ordinary group chatter ends here: no command, not for the bot, no feature reacts to it.

    A few string checks and set lookups; never jieba, never a log line with its text, and the database only for
    a message that holds something shaped like a bind code on a two-id platform (a read-only look; a code shown
    in a group is spent at once). It takes the event only: NoneBot spends two tasks per preprocessor parameter on
    every event (bench/chatter_profile.py), so the platform is found by the event's class.
    """
    found = platform.of_event(event)
    if found is None or not found.is_group_message(event):
        kind = event.get_type()
        metrics.count_event("private_message" if kind == "message" else kind)
        return
    metrics.count_event("group_message")
    text = first_text(event).strip()
    sender = found.sender_of(event)
    if sender is None:
        return
    if found.kind.two_ids:
        await _spend_shown_code(sender, text)
    if getattr(event, "to_me", False):
        return
    if text.startswith(COMMAND_STARTS) or registry.loose_for(text) is not None:
        return
    if found.has_location_segment(event):
        return
    current = runtime.services()
    if current.waiting.due():  # a set in memory, re-read only when another process changed who waits
        await current.waiting.fresh()
    if current.expectations.has(sender.key) or current.conversations.is_waiting(sender.session_key):
        return
    raise IgnoredException("chatter")


async def _spend_shown_code(sender: Actor, text: str) -> None:
    """A bind code in a group message is spent before anything could leave the message unanswered (rate limit,
    lockout, a group that is no branch, chatter): nobody else who reads the group can use it."""
    codes = codes_in(text)
    if codes:
        try:
            await runtime.services().identities.spend_shown(sender, codes)
        except Exception as error:  # the command's own handling still runs and answers
            log.error("spending a shown bind code failed: %s", type(error).__name__)


async def _route(bot: Bot, event: Event, state: T_State) -> bool:
    """Read the message as a command, a loose word, a conversation answer or an expected reply.

    Who sent it is resolved here, once (a private chat of a two-id platform as the person it is bound to: one
    indexed look in the database, `IdentityLinks.resolve_link`), and handed to the handler with the link."""
    current = runtime.services()
    await current.waiting.fresh()
    sender = platform.actor_of(bot, event)
    if sender is None:
        return False
    actor, link = await current.identities.resolve_link(sender)
    state["actor"], state["link"] = actor, link
    text = first_text(event)
    parsed = parse_command(text)
    if parsed is not None:
        if parsed.spec is None:
            if not parsed.alias or len(parsed.alias) > 12:
                return False
            state["route"] = Route("unknown", alias=parsed.alias)
        else:
            state["route"] = Route("command", parsed.spec, parsed.alias, parsed.arg)
        return True
    stripped = text.strip()
    loose = registry.loose_for(stripped)
    if loose is not None:
        state["route"] = Route("command", loose, stripped, "", plain=True)
        return True
    if current.conversations.is_waiting(actor.session_key):
        state["route"] = Route("answer")
        return not platform.has_location_segment(event)  # a shared location is never an answer
    if current.expectations.has(actor.key):
        matched = await current.expectations.match(actor, stripped)
        if matched is not None:
            spec = registry.by_key.get(matched[0])
            if spec is not None:
                state["route"] = Route("command", spec, matched[0], matched[1], plain=True)
                return True
    return False


dispatch = on_message(rule=Rule(_route), priority=1, block=True)


@dispatch.handle()
async def _handle(bot: Bot, event: Event, state: T_State) -> None:
    route: Route = state["route"]
    started = time.perf_counter()
    name, outcome = (route.spec.name if route.spec else metrics.UNKNOWN_COMMAND), "error"
    current = runtime.services()
    actor: Actor = state["actor"]
    link = state["link"]  # the link a private chat follows, for the role proof
    try:
        if link is not None and (route.spec is None or route.spec.head not in OPEN_WHILE_UNPROVEN):
            refusal = await proof_refusal(current, actor, link)  # a role holder's chat acts once proven in the group
            if refusal is not None:
                await respond(bot, event, refusal)
                return
        if route.kind == "answer":
            answered = await current.conversations.answer(actor, first_text(event))
            if answered is not None and answered.reply:
                await respond(bot, event, answered.reply, mention=True)
            return
        verdict, told = current.user_limits.take(actor.key), TOO_FAST
        # A group's own limit guards against a flood of commands; a morning of 打卡 and answers is no flood.
        if verdict == "ok" and actor.group_id is not None and route.kind == "command" and not route.plain:
            verdict, told = current.group_limits.take(f"{actor.platform}:{actor.group_id}"), GROUP_TOO_BUSY
        if verdict != "ok":
            outcome = "rate_limited"
            if verdict == "tell":
                await respond(bot, event, told, mention=True)
            return
        if route.kind == "unknown" or route.spec is None:
            outcome = "unknown"
            await respond(bot, event, _unknown(route.alias))
            return
        reply, outcome = await _call(current, bot, event, actor, route)
        spec = route.spec
        if reply:
            await respond(bot, event, reply, mention=spec.mention and actor.group_id is not None)
    except Exception as error:  # a handler that failed still answers, briefly; the log names the error kind only
        log.error("command %s failed: %s", route.spec.name if route.spec else route.kind, type(error).__name__)
        log.debug("where: %s", _where(error))
        with contextlib.suppress(Exception):
            await respond(bot, event, APOLOGY)
    finally:
        if route.kind != "answer":
            metrics.command_done(name, outcome, time.perf_counter() - started)


async def _call(current: Services, bot: Bot, event: Event, actor: Actor, route: Route):
    """Check the chat and the role, then run the declared function; refusals become their one sentence.

    Returns the reply and how the command ended (for /metrics)."""
    spec = route.spec
    assert spec is not None
    waiting_before = current.conversations.is_waiting(actor.session_key)
    if spec.where is Where.GROUP and actor.is_private:
        return f"请在支部群里发送 /{spec.name}。", "denied"
    if spec.where is Where.PRIVATE and not actor.is_private:
        return f"请私聊机器人发送 /{spec.name}（涉及个人信息，不在群里处理）。", "denied"
    branch = await current.branches.of_group(actor.platform, actor.group_id)
    if branch is not None and branch.active:  # where a private appeal of someone unregistered belongs
        await current.presence.saw(branch.id, actor.key)
    held = await current.roles.held(actor, branch)
    if not may_use(spec, held) and Role.MEMBER in spec.roles and await _is_member_driver(current, actor, branch):
        held = held | {Role.MEMBER}
    if not may_use(spec, held):
        capabilities = platform.capabilities(bot)
        note = OWNER_UNKNOWN if owner_unknown(spec, capabilities) else ""
        return f"这条命令只有{who_may(spec, capabilities)}可以使用。{note}", "denied"
    call = Call(
        current,
        actor,
        spec.name,
        route.alias,
        route.arg,
        platform.mentioned_ids(bot, event),
        branch,
        held,
        platform.capabilities(bot),
    )
    outcome = "ok"
    try:
        reply = await spec.func(call)
    except Usage as usage:
        reply, outcome = usage.hint or f"用法：{spec.usage_for(held)}", "usage"
    except Refusal as refusal:
        reply, outcome = str(refusal), "refused"
    if waiting_before and reply and isinstance(reply, str):
        still = await current.conversations.waiting_for(actor.session_key)
        if still:
            reply += f"\n（{still.rstrip('：:；;，, ')}；回复“取消”可退出。）"  # a question ends with ：
    return reply, outcome


async def _is_member_driver(current: Services, actor: Actor, branch: Branch | None) -> bool:
    """Whether the actor is a confirmed 党员/预备党员 of this branch (only asked for commands that need it)."""
    if branch is None:
        return False
    member = await current.members.get(branch.id, actor.key)
    return member is not None and member.status in MEMBER_DRIVER_STATUSES


def _where(error: BaseException) -> str:
    """File and line of the innermost frame: enough to find a bug, without the error's text (it may hold user data)."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else "?"


def _unknown(word: str) -> str:
    """An unknown command: the closest one, and where to find all."""
    guess = closest_command(word)
    if guess:
        return f"没有 /{word} 这个命令，您是不是要用 /{guess}？发送 /帮助 查看全部命令。"
    return f"没有 /{word} 这个命令。发送 /帮助 查看全部命令。"

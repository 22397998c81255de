"""Answers to conversations in flight (登记, 诉求, …): one matcher for all of them."""

from nonebot import on_message
from nonebot.adapters import Bot, Event
from nonebot.plugin import PluginMetadata
from nonebot.rule import Rule

from bot import platform
from bot.chat import ActorDep, respond
from bot.runtime import conversations, drop_chatter  # noqa: F401  (registers the gate)

__plugin_meta__ = PluginMetadata(
    name="对话",
    description="多步对话的回答（登记、诉求等），随时回复“取消”退出",
    usage="按提示逐条回复；回复“取消”退出",
    extra={"commands": [], "hidden": True},
)

_COMMAND_STARTS = ("/", "#")


def _is_answer(bot: Bot, event: Event) -> bool:
    """A message from someone with a conversation waiting here, that is no other command."""
    actor = platform.actor_of(bot, event)
    if actor is None or not conversations.is_waiting(actor.session_key):
        return False
    text = event.get_plaintext().strip()
    return text in ("/取消", "#取消") or not text.startswith(_COMMAND_STARTS)


answers = on_message(rule=Rule(_is_answer), priority=1, block=True)


@answers.handle()
async def _answer(bot: Bot, event: Event, actor: ActorDep) -> None:
    point = platform.location_of(event)
    text = f"{point[0]},{point[1]}" if point else event.get_plaintext()
    outcome = await conversations.answer(actor, text)
    if outcome is not None and outcome.reply:
        await respond(bot, event, outcome.reply, mention=True)

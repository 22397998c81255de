"""The /登记 conversation: 姓名, 手机, 车牌, 户籍地, 常跑路线, 政治面貌, then a summary to confirm."""

from __future__ import annotations

from bot.core.actor import Actor
from bot.core.conversation import Flow, Refused, Step
from bot.core.members import parse_free_text, parse_name, parse_phone, parse_plate, parse_status
from bot.core.outbox import Target
from bot.core.validation import mask_phone, mask_plate
from bot.runtime import branches, conversations, members, notify, roles


def _summary(data: dict) -> str:
    """What the driver is about to submit (masked: the summary may be read in a group)."""
    return (
        "请核对登记信息：\n"
        f"姓名：{data['name']}\n手机：{mask_phone(data['phone'])}\n车牌：{mask_plate(data.get('plate')) or '未填'}\n"
        f"户籍地：{data.get('hometown') or '未填'}\n常跑路线：{data.get('route') or '未填'}\n政治面貌：{data['status']}"
    )


async def _before(actor: Actor) -> dict:
    """Registration happens in a branch group."""
    if await branches.of_group(actor.platform, actor.group_id) is None:
        raise Refused("请在所在支部的群里发送 /登记。" if actor.is_private else "本群还没有开通支部，暂时不能登记。")
    return {}


async def _finish(actor: Actor, data: dict) -> str:
    """Store the record in one transaction, then tell the secretaries (privately) to confirm the status."""
    branch = await branches.of_group(actor.platform, actor.group_id)
    if branch is None:
        raise Refused("本群的支部已不存在，登记未保存。")
    member, created = await members.register(actor, branch, data)
    needs_confirmation = data["status"] != "群众" and member.status is None
    if needs_confirmation:
        for secretary in await roles.secretaries_of(branch.id):
            platform_name, _, user_id = secretary.partition(":")
            await notify(
                Target(platform_name, "private", user_id, branch.self_id),
                f"「{branch.name}」有新登记：{member.name}，自报政治面貌：{member.status or data['status']}。"
                f"请在支部群发送 /认定 @{member.name} <党员|预备党员|积极分子|群众> 完成认定。",
                purpose="registration",
            )
    done = "登记成功" if created else "登记信息已更新"
    tail = "，政治面貌待支部书记认定。" if needs_confirmation else "。"
    return f"{done}{tail}发送 /档案 可查看自己的档案（手机号、车牌在群里只显示部分）。"


REGISTRATION = conversations.register(
    Flow(
        name="登记",
        command="/登记",
        intro="开始登记（共 6 项，信息仅本人和支部书记可见完整内容）。",
        steps=[
            Step("name", "1/6 请回复您的真实姓名：", parse_name),
            Step("phone", "2/6 请回复手机号（11 位）：", parse_phone),
            Step("plate", "3/6 请回复车牌号（如 贵A12345）：", parse_plate, optional=True),
            Step("hometown", "4/6 请回复户籍地（如 贵州省遵义市）：", parse_free_text("户籍地"), optional=True),
            Step("route", "5/6 请回复常跑路线（如 贵阳—重庆）：", parse_free_text("常跑路线"), optional=True),
            Step("status", "6/6 政治面貌？回复序号：1 党员  2 预备党员  3 积极分子  4 群众", parse_status),
        ],
        confirm=_summary,
        before=_before,
        finish=_finish,
    )
)

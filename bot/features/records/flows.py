"""The /活动 发布 conversation: 标题 → 时间 → 地点 → 名额 → 积分 → 确认."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core import clock
from bot.core.actor import Actor
from bot.core.conversation import Flow, Invalid, Step
from bot.core.outbox import Target

from . import texts
from .activities import parse_id, parse_when

PUBLISH = "records.publish"  # the flow's id: what the waiting store keeps and commands start

if TYPE_CHECKING:
    from bot.services import Services

DEFAULT_POINTS = 3


def _title(text: str) -> str:
    text = text.strip()
    if not 2 <= len(text) <= 40:
        raise Invalid(texts.BAD_TITLE)
    return text


def _when(text: str) -> datetime:
    try:
        value = parse_when(text, clock.now())
    except ValueError as error:
        raise Invalid(str(error)) from None
    if value <= clock.now():
        raise Invalid(texts.PAST_WHEN)
    return value


def _place(text: str) -> str:
    text = text.strip()
    if not 1 <= len(text) <= 60:
        raise Invalid(texts.BAD_PLACE)
    return text


def _number(low: int, high: int, label: str) -> Callable[[str], int]:
    """A whole number in a range (ASCII digits only)."""

    def parse(text: str) -> int:
        text = text.strip()
        value = 0 if text == "0" else parse_id(text)
        if value is None or not low <= value <= high:
            raise Invalid(texts.BAD_NUMBER.format(label=label, low=low, high=high))
        return value

    return parse


def _points(data: dict[str, Any]) -> int:
    return DEFAULT_POINTS if data.get("points") is None else data["points"]


def _confirm(data: dict[str, Any]) -> str:
    return texts.CONFIRM.format(
        title=data["title"],
        when=f"{clock.local(data['starts_at']):%m-%d %H:%M}",
        place=data["place"],
        capacity=data["capacity"] or texts.UNLIMITED,
        points=_points(data),
    )


def publish_flow(services: Services) -> Flow:
    """The flow, bound to the process's services."""

    async def finish(actor: Actor, data: dict[str, Any]) -> str:
        branch = await services.branches.here(actor)
        data["points"] = _points(data)
        activity = await services.records.publish(branch.id, actor.key, data)
        capacity = (
            texts.CAPACITY_LIMITED.format(capacity=activity.capacity) if activity.capacity else texts.CAPACITY_UNLIMITED
        )
        await services.notify(
            Target(branch.platform, "group", branch.group_id, branch.self_id),
            texts.ACTIVITY_NOTICE.format(
                title=activity.title,
                when=f"{clock.local(activity.starts_at):%m月%d日 %H:%M}",
                place=activity.place,
                capacity=capacity,
                points=activity.points,
                id=activity.id,
            ),
            purpose="activity",
        )
        return texts.PUBLISHED.format(id=activity.id, title=activity.title)

    return Flow(
        id=PUBLISH,
        name=texts.FLOW_NAME,
        command="/活动 发布",
        steps=[
            Step("title", texts.ASK_TITLE, _title),
            Step("starts_at", texts.ASK_WHEN, _when),
            Step("place", texts.ASK_PLACE, _place),
            Step("capacity", texts.ASK_CAPACITY, _number(0, 10000, "名额")),
            Step("points", texts.ASK_POINTS, _number(0, 20, "积分"), optional=True),
        ],
        confirm=_confirm,
        finish=finish,
    )

"""The /诉求 intake conversation: 类别 → 描述 → 地点 → 联系电话 (private chat only) → 确认."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.core.actor import Actor
from bot.core.conversation import Flow, Invalid, Refused, Step
from bot.core.members import parse_phone
from bot.core.validation import mask_phone

from . import photos, rules, texts

if TYPE_CHECKING:
    from .service import AppealService

MAX_DESCRIPTION = 500
MAX_PLACE = 100


def read_category(text: str) -> str:
    """A category by number or name."""
    category = rules.parse_category(text)
    if category is None:
        raise Invalid(texts.BAD_CATEGORY)
    return category


def read_description(text: str) -> str:
    """1–500 characters."""
    text = text.strip()
    if not text:
        raise Invalid(texts.EMPTY_DESCRIPTION)
    if len(text) > MAX_DESCRIPTION:
        raise Invalid(texts.LONG_DESCRIPTION.format(limit=MAX_DESCRIPTION, length=len(text)))
    return text


def read_place(text: str) -> str:
    """1–100 characters."""
    text = text.strip()
    if not text or len(text) > MAX_PLACE:
        raise Invalid(texts.BAD_PLACE)
    return text


def read_phone(text: str) -> str:
    """A mobile number (or 跳过, handled by the conversation)."""
    try:
        return parse_phone(text)
    except Invalid as error:
        raise Invalid(texts.BAD_PHONE.format(error=error)) from None


def summary(data: dict[str, Any]) -> str:
    """What the person confirms; the phone masked."""
    return texts.SUMMARY.format(
        category=data["category"],
        description=data["description"],
        place=data["place"],
        phone=mask_phone(data.get("phone")) or texts.NO_PHONE,
    )


def intake(service: AppealService) -> Flow:
    """The conversation, bound to the service that stores its result."""

    async def before(actor: Actor) -> dict[str, Any]:
        if actor.group_id is not None and await service.roles.branches.of_group(actor.platform, actor.group_id) is None:
            raise Refused(texts.NO_BRANCH_HERE)
        await service.check_daily_limit(actor.key)
        return {}

    async def finish(actor: Actor, data: dict[str, Any]) -> str:
        appeal = await service.submit(actor, await service.branch_of(actor), data)
        pictures = service.pictures.take(actor.session_key)
        stored = await photos.store(service, appeal.id, actor, pictures) if pictures else 0
        reply = texts.SUBMITTED.format(number=appeal.number)
        return reply + (texts.SUBMITTED_PHOTOS.format(count=stored) if stored else "")

    return Flow(
        name=texts.INTAKE_NAME,
        command="/诉求",
        intro=texts.INTAKE_INTRO,
        steps=[
            Step("category", texts.ASK_CATEGORY, read_category),
            Step("description", texts.ASK_DESCRIPTION.format(limit=MAX_DESCRIPTION), read_description),
            Step("place", texts.ASK_PLACE, read_place),
            Step("phone", texts.ASK_PHONE, read_phone, optional=True, skip=lambda actor, data: not actor.is_private),
        ],
        confirm=summary,
        before=before,
        finish=finish,
    )

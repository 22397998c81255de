"""The /登记 conversation in two parts: in a group only the name (then the rest moves to private chat); in private
chat phone, plate, 户籍地, 常跑路线, 政治面貌 and a summary to confirm. Re-registering keeps what is skipped."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.core.actor import Actor
from bot.core.conversation import Flow, Invalid, Refused, Step
from bot.core.members import parse_free_text, parse_name, parse_phone, parse_plate, parse_status
from bot.core.models import Branch, Member
from bot.core.outbox import NORMAL, Target
from bot.core.validation import normalize_phone, normalize_plate

from . import texts

if TYPE_CHECKING:
    from .service import BranchService

_DIGITS = re.compile(r"1\d{10}")


def looks_private(text: str) -> bool:
    """Whether an answer typed in a group carries a phone number or a plate."""
    compact = re.sub(r"[\s\-]", "", text)
    if _DIGITS.search(compact) or normalize_phone(compact) is not None or normalize_plate(compact) is not None:
        return True
    return any(normalize_plate(word) is not None for word in text.split())


def parse_group_name(text: str) -> str:
    """The name asked in a group; a phone or plate typed there is not kept, and the person is told so."""
    if looks_private(text):
        raise Invalid(texts.NOT_STORED_IN_GROUP)
    return parse_name(text)


def _now_is(value: str | None) -> str:
    return texts.NOW_IS.format(value=value) if value else ""


def _ask(question: str, current: str | None) -> Callable[[dict[str, Any]], str]:
    def ask(data: dict[str, Any]) -> str:
        return question + _now_is(current)

    return ask


def group_flow(service: BranchService, branch: Branch, existing: Member | None) -> Flow:
    """In the branch group: the name only, then the private part starts in private chat."""

    async def finish(actor: Actor, data: dict[str, Any]) -> str:
        private = Actor(actor.platform, actor.user_id, None, actor.self_id, actor.nickname)
        initial = {"name": data.get("name")}
        flow = private_flow(service, branch, existing)
        question = await service.services.conversations.start(private, flow, initial)
        name = data.get("name") or (existing.name if existing else "")
        opening = texts.PRIVATE_CONTINUE.format(branch=branch.name, name=name)
        await service.services.notify(
            Target(actor.platform, "private", actor.user_id, actor.self_id),
            f"{opening}\n{question}",
            purpose="conversation",
            priority=NORMAL,
        )
        return texts.MOVED_TO_PRIVATE.format(name=name)

    return Flow(
        name=texts.FLOW_NAME,
        command="/登记",
        intro=texts.INTRO_GROUP,
        steps=[
            Step(
                "name",
                _ask(texts.ASK_NAME, existing.name if existing else None),
                parse_group_name,
                optional=existing is not None,
            )
        ],
        finish=finish,
    )


def private_flow(service: BranchService, branch: Branch, existing: Member | None) -> Flow:
    """In private chat, for one branch: every field, the known ones shown and kept when skipped."""
    keep = existing is not None

    def old(key: str) -> str | None:
        return getattr(existing, key) if existing is not None else None

    def summary(data: dict[str, Any]) -> str:
        def value(key: str, stored: str | None) -> str:
            answer = data.get(key)
            if answer is None and stored:
                return f"{stored}{texts.SUMMARY_KEEP}"
            return answer or texts.UNSET

        return texts.SUMMARY.format(
            branch=branch.name,
            name=value("name", old("name")),
            phone=value("phone", old("phone")),
            plate=value("plate", old("plate")),
            hometown=value("hometown", old("hometown")),
            route=value("route", old("route")),
            status=value("status", old("declared_status")),
        )

    async def before(actor: Actor) -> dict[str, Any]:
        if not actor.is_private:
            raise Refused(texts.GROUP_NOT_OPEN)
        return {}

    async def finish(actor: Actor, data: dict[str, Any]) -> str:
        if not keep and not data.get("name"):
            raise Refused(texts.BRANCH_GONE)
        return await service.store_registration(actor, branch, data)

    return Flow(
        name=texts.FLOW_NAME,
        command="/登记",
        intro=(texts.INTRO_UPDATE if keep else texts.INTRO_PRIVATE).format(branch=branch.name),
        steps=[
            Step("name", _ask(texts.ASK_NAME, old("name")), parse_name, skip=lambda a, d: "name" in d, optional=keep),
            Step("phone", _ask(texts.ASK_PHONE, old("phone")), parse_phone, optional=keep),
            Step("plate", _ask(texts.ASK_PLATE, old("plate")), parse_plate, optional=True),
            Step("hometown", _ask(texts.ASK_HOMETOWN, old("hometown")), parse_free_text("户籍地"), optional=True),
            Step("route", _ask(texts.ASK_ROUTE, old("route")), parse_free_text("常跑路线"), optional=True),
            Step("status", _ask(texts.ASK_STATUS, old("declared_status")), parse_status, optional=keep),
        ],
        confirm=summary,
        before=before,
        finish=finish,
    )

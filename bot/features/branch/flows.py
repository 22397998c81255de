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


# The flows' ids: in a group the name only, then in private chat the rest; `_UPDATE` when the person is registered
# already there (every step may be skipped, keeping what is stored).
GROUP, GROUP_UPDATE = "branch.register.group", "branch.register.group.update"
PRIVATE, PRIVATE_UPDATE = "branch.register.private", "branch.register.private.update"
_FIELDS = ("name", "phone", "plate", "hometown", "route", "declared_status")


def initial(branch: Branch, existing: Member | None, **more: Any) -> dict[str, Any]:
    """What a registration starts with: the branch (by id) and what is stored already (shown, kept when skipped)."""
    old = {key: getattr(existing, key) for key in _FIELDS} if existing is not None else None
    return {"branch_id": branch.id, "branch_name": branch.name, "old": old, **more}


def _old(data: dict[str, Any], key: str) -> str | None:
    return (data.get("old") or {}).get(key)


def _ask(question: str, key: str) -> Callable[[dict[str, Any]], str]:
    def ask(data: dict[str, Any]) -> str:
        value = _old(data, key)
        return question + (texts.NOW_IS.format(value=value) if value else "")

    return ask


def register(service: BranchService) -> None:
    """Register the four /登记 flows (built once, by `build`)."""
    for keep in (False, True):
        service.services.conversations.register(_group_flow(service, keep))
        service.services.conversations.register(_private_flow(service, keep))


async def _branch(service: BranchService, data: dict[str, Any]) -> Branch | None:
    async with service.services.database.reading() as session:
        return await session.get(Branch, data["branch_id"])


def _group_flow(service: BranchService, keep: bool) -> Flow:
    """In the branch group: the name only, then the private part starts in private chat."""

    async def finish(actor: Actor, data: dict[str, Any]) -> str:
        branch = await _branch(service, data)
        if branch is None:
            raise Refused(texts.BRANCH_GONE)
        private = Actor(actor.platform, actor.user_id, None, actor.self_id, actor.nickname)
        start = {**initial(branch, None), "old": data.get("old"), "name": data.get("name")}
        question = await service.services.conversations.start(private, PRIVATE_UPDATE if keep else PRIVATE, start)
        name = data.get("name") or _old(data, "name") or ""
        opening = texts.PRIVATE_CONTINUE.format(branch=branch.name, name=name)
        await service.services.notify(
            Target(actor.platform, "private", actor.user_id, actor.self_id),
            f"{opening}\n{question}",
            purpose="conversation",
            priority=NORMAL,
        )
        return texts.MOVED_TO_PRIVATE.format(name=name)

    return Flow(
        id=GROUP_UPDATE if keep else GROUP,
        name=texts.FLOW_NAME,
        command="/登记",
        intro=texts.INTRO_GROUP,
        steps=[Step("name", _ask(texts.ASK_NAME, "name"), parse_group_name, optional=keep)],
        finish=finish,
    )


def _private_flow(service: BranchService, keep: bool) -> Flow:
    """In private chat, for one branch: every field, the known ones shown and kept when skipped."""

    def summary(data: dict[str, Any]) -> str:
        def value(key: str, stored: str | None) -> str:
            answer = data.get(key)
            if answer is None and stored:
                return f"{stored}{texts.SUMMARY_KEEP}"
            return answer or texts.UNSET

        return texts.SUMMARY.format(
            branch=data["branch_name"],
            name=value("name", _old(data, "name")),
            phone=value("phone", _old(data, "phone")),
            plate=value("plate", _old(data, "plate")),
            hometown=value("hometown", _old(data, "hometown")),
            route=value("route", _old(data, "route")),
            status=value("status", _old(data, "declared_status")),
        )

    async def before(actor: Actor) -> dict[str, Any]:
        if not actor.is_private:
            raise Refused(texts.GROUP_NOT_OPEN)
        return {}

    async def finish(actor: Actor, data: dict[str, Any]) -> str:
        branch = await _branch(service, data)
        if branch is None or (not keep and not data.get("name")):
            raise Refused(texts.BRANCH_GONE)
        answers = {k: v for k, v in data.items() if k not in ("branch_id", "branch_name", "old")}
        return await service.store_registration(actor, branch, answers)

    intro = texts.INTRO_UPDATE if keep else texts.INTRO_PRIVATE
    return Flow(
        id=PRIVATE_UPDATE if keep else PRIVATE,
        name=texts.FLOW_NAME,
        command="/登记",
        intro=lambda data: intro.format(branch=data["branch_name"]),
        steps=[
            Step("name", _ask(texts.ASK_NAME, "name"), parse_name, skip=lambda a, d: "name" in d, optional=keep),
            Step("phone", _ask(texts.ASK_PHONE, "phone"), parse_phone, optional=keep),
            Step("plate", _ask(texts.ASK_PLATE, "plate"), parse_plate, optional=True),
            Step("hometown", _ask(texts.ASK_HOMETOWN, "hometown"), parse_free_text("户籍地"), optional=True),
            Step("route", _ask(texts.ASK_ROUTE, "route"), parse_free_text("常跑路线"), optional=True),
            Step("status", _ask(texts.ASK_STATUS, "declared_status"), parse_status, optional=keep),
        ],
        confirm=summary,
        before=before,
        finish=finish,
    )

"""Role proof (bot/core/proof.py): a role holder's bound private chat acts once they proved it in the group, and a
private message never goes to an id that is only someone's in a group."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core import clock
from bot.core.actor import Actor
from bot.core.models import OutboxItem
from bot.core.proof import PROOF_DIGITS, Proved, Reach
from bot.core.settings import Settings, get_settings
from bot.features.branch import texts as branch_texts
from bot.features.branch.binding import not_in_private
from bot.platform.qqbot import QQBOT
from bot.services import Services, build_services

START = datetime(2026, 12, 1, 9, 0, tzinfo=clock.tz())
GROUP = "group-openid-1"
OWNER = Actor(QQBOT, "owner-openid", GROUP, "app-1", group_role="owner")


@pytest.fixture
async def services(database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    clock.set_now(START)
    monkeypatch.setattr(get_settings(), "superusers", {"10000", "qqbot:super-openid"})  # named by group openid
    built = build_services(Settings(data_dir=tmp_path), database=database)
    yield built
    clock.set_now(None)


async def bind(services: Services, private_id: str, member_id: str, group_id: str = GROUP) -> Actor:
    """The whole binding; the private chat as the dispatcher then sees it."""
    identities = services.identities
    code = await identities.issue(QQBOT, private_id)
    await identities.claim(QQBOT, code, member_id, group_id)
    await identities.pending(QQBOT, private_id, asking=True)
    await identities.confirm(QQBOT, private_id)
    return Actor(QQBOT, private_id, None, "app-1", person=member_id)


async def needed(services: Services, actor: Actor):
    """What the dispatcher asks before it lets a private chat act."""
    resolved, link = await services.identities.resolve_link(actor)
    return await services.proofs.needed(resolved, link)


async def test_only_role_holders_prove_and_only_with_the_code_shown_in_their_private_chat(services):
    branch = await services.branches.open(OWNER, "官方一支部")
    driver = await bind(services, "driver-private", "driver-openid")
    assert await needed(services, driver) is None  # a driver's binding acts at once, as before
    secretary = await bind(services, "sec-private", "sec-openid")
    assert await needed(services, secretary) is None
    await services.roles.set_secretary(OWNER, branch, "qqbot:sec-openid", "书记")  # named after binding
    first = await needed(services, secretary)
    assert first is not None and first.group_id == GROUP and len(first.code) == PROOF_DIGITS and first.code.isdigit()
    assert await needed(services, secretary) == first  # asked again: the same code
    proofs = services.proofs
    assert await proofs.prove(QQBOT, "driver-openid", GROUP, first.code) is Proved.BAD  # someone else's code
    assert await proofs.prove(QQBOT, "stranger-openid", GROUP, first.code) is Proved.NOT_BOUND
    assert await proofs.prove(QQBOT, "sec-openid", "other-group", first.code) is Proved.NOT_BOUND
    clock.set_now(START + timedelta(minutes=11))
    assert await proofs.prove(QQBOT, "sec-openid", GROUP, first.code) is Proved.BAD  # expired
    fresh = await needed(services, secretary)  # a new code once the old one expired
    assert fresh is not None
    assert await proofs.prove(QQBOT, "sec-openid", GROUP, fresh.code) is Proved.PROVEN
    assert await needed(services, secretary) is None
    assert await proofs.prove(QQBOT, "sec-openid", GROUP, fresh.code) is Proved.ALREADY
    await services.roles.remove_secretary(OWNER, branch, "qqbot:sec-openid")  # the role goes: so does the proof
    await services.roles.set_secretary(OWNER, branch, "qqbot:sec-openid", "书记")
    assert await needed(services, secretary) is not None


async def unproven_secretary(services: Services) -> tuple[Actor, str]:
    """A secretary whose private chat is bound, not proven: the chat, and the code it was shown."""
    branch = await services.branches.open(OWNER, "官方一支部")
    await services.roles.set_secretary(OWNER, branch, "qqbot:sec-openid", "书记")
    secretary = await bind(services, "sec-private", "sec-openid")
    shown = await needed(services, secretary)
    assert shown is not None
    return secretary, shown.code


async def test_wrong_proof_codes_count_towards_the_lockout(services):
    _, code = await unproven_secretary(services)
    wrong = "0" * PROOF_DIGITS if code != "0" * PROOF_DIGITS else "1" * PROOF_DIGITS
    for _ in range(5):
        assert await services.proofs.prove(QQBOT, "sec-openid", GROUP, wrong) is Proved.BAD
    assert await services.proofs.prove(QQBOT, "sec-openid", GROUP, code) is Proved.TOO_MANY


async def test_a_new_binding_starts_unproven(services):
    secretary, code = await unproven_secretary(services)
    assert await services.proofs.prove(QQBOT, "sec-openid", GROUP, code) is Proved.PROVEN
    await bind(services, "sec-private", "sec-openid")  # bound again (a binding change): proven no longer
    assert await needed(services, secretary) is not None


async def test_where_a_private_message_may_go(services):
    reach = services.proofs.reach
    branch = await services.branches.open(OWNER, "官方一支部")
    await services.roles.set_secretary(OWNER, branch, "qqbot:sec-openid", "书记")
    await services.members.register(Actor(QQBOT, "member-openid", GROUP, "app-1"), branch, {"name": "张三"})
    assert await reach("qq", "20001") == Reach("private", "20001")  # one id per person: as it is
    assert await reach(QQBOT, "sec-openid") == Reach("group", GROUP, "sec-openid")  # never bound
    assert await reach(QQBOT, "member-openid") == Reach("group", GROUP, "member-openid")
    assert await reach(QQBOT, "super-openid") == Reach("nowhere")  # a superuser's group id, no group known
    assert await reach(QQBOT, "someone-who-wrote") == Reach("private", "someone-who-wrote")
    secretary = await bind(services, "sec-private", "sec-openid")
    # bound, not proven: the @ asks for /绑定 授权, not for a binding
    assert await reach(QQBOT, "sec-openid") == Reach("group", GROUP, "sec-openid", bound=True)
    assert await reach(QQBOT, "sec-private") == Reach("private", "sec-private")  # a private chat's own id
    shown = await needed(services, secretary)
    assert shown is not None
    await services.proofs.prove(QQBOT, "sec-openid", GROUP, shown.code)
    assert await reach(QQBOT, "sec-openid") == Reach("private", "sec-private")
    await bind(services, "member-private", "member-openid")
    assert await reach(QQBOT, "member-openid") == Reach("private", "member-private")  # a driver: at once
    handler_group = Actor(QQBOT, "super-openid", "group-openid-2", "app-1")
    await services.roles.bind_department(handler_group, "qqbot:handler-openid", "交通运输", "交通局")
    assert await reach(QQBOT, "handler-openid") == Reach("group", "group-openid-2", "handler-openid")
    await services.branches.open(Actor(QQBOT, "super-openid", "group-openid-3", "app-1"), "官方三支部")
    assert await reach(QQBOT, "super-openid") == Reach("group", "group-openid-3", "super-openid")  # acted there


async def test_a_bound_but_unproven_role_holder_is_asked_for_the_proof_not_for_a_binding(services):
    """The @ in the group for a private notice that cannot go: a bound secretary who has not proven it was told to
    bind again (「请私聊机器人发送 /绑定」); they only need /绑定 授权 with the code from their private chat."""
    branch = await services.branches.open(OWNER, "官方一支部")
    await services.roles.set_secretary(OWNER, branch, "qqbot:sec-openid", "书记")
    await services.roles.set_secretary(OWNER, branch, "qqbot:new-openid", "书记")
    await bind(services, "sec-private", "sec-openid")
    for member_id in ("sec-openid", "new-openid"):
        reach = await services.proofs.reach(QQBOT, member_id)
        assert await not_in_private(services, QQBOT, "app-1", reach) == branch_texts.NOT_SENT_REMINDED
    async with services.database.reading() as session:
        items = (await session.scalars(select(OutboxItem).order_by(OutboxItem.id))).all()
    reminders = [item.parts[1]["text"] for item in items if item.purpose == "bind_reminder"]
    assert reminders == [branch_texts.PROOF_REMINDER, branch_texts.BIND_REMINDER]  # the second never bound
    assert "/绑定 授权 <私聊里的确认码>" in reminders[0] and "私聊机器人发送 /绑定，" not in reminders[0]

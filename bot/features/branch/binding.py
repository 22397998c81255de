"""/绑定 and /解绑: joining a private chat to the person of a group on the official QQ bot (bot/core/identity.py), and
/绑定 授权: a role holder proving in the group that the bound private chat is theirs (bot/core/proof.py).

Elsewhere (OneBot: the same QQ number or WeChat id in group and private chat) there is nothing to bind, and help does
not list these commands. `proof_refusal` is what the dispatcher answers an unproven role holder's private chat;
`not_in_private` is what the sender does with a private notice that must not go to a private chat.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.core import clock
from bot.core.actor import Actor
from bot.core.bindcodes import Claimed, Confirmed, PendingClaim, normal_code
from bot.core.commands import EVERYONE, Call, Usage, command
from bot.core.errors import NotFound
from bot.core.expect import reader
from bot.core.identity import Link
from bot.core.models import Branch
from bot.core.outbox import HIGH, Target
from bot.core.parts import Mention
from bot.core.proof import PROOF_DIGITS, Proved, Reach

from . import texts

if TYPE_CHECKING:
    from bot.services import Services

BRANCH = texts.AREA_NAME  # the area commands.py declares

BIND = "绑定"
CONFIRM_WORDS = ("确认", "是", "是我")
CANCEL_WORDS = ("取消", "不是", "作废")
ANSWER_WAIT = timedelta(minutes=10)
# What an unproven role holder's private chat may still use: binding, unbinding, help.
OPEN_WHILE_UNPROVEN = frozenset({BIND, "解绑", "帮助"})


def _yes_or_no(text: str) -> str | None:
    return text if text in CONFIRM_WORDS or text in CANCEL_WORDS else None


reader(BIND, _yes_or_no)  # a bare 确认 or 取消 after the question counts as /绑定 确认|取消


async def proof_refusal(services: Services, actor: Actor, link: Link | None) -> str | None:
    """The one sentence an unproven role holder's private chat gets for anything but /绑定, /解绑 and /帮助 (with
    the code to send in the group); None when the chat may act."""
    needed = await services.proofs.needed(actor, link)
    if needed is None:
        return None
    branch = await services.branches.of_group(actor.platform, needed.group_id)
    name = branch.name if branch is not None else texts.PROOF_IN_OTHER_GROUP
    return texts.PROOF_NEEDED.format(branch=name, code=needed.code, minutes=needed.minutes)


async def not_in_private(services: Services, platform: str, self_id: str, reach: Reach) -> str:
    """A private notice for someone who cannot get it in private chat (`RoleProof.reach`): an @ in their group asking
    them to bind, at most once a day per person and without the notice's content; the reason the notice failed."""
    if reach.kind != "group":
        return texts.NOT_SENT_NO_GROUP
    await services.notify(
        Target(platform, "group", reach.id, self_id),
        [Mention(reach.member_id), texts.PROOF_REMINDER if reach.bound else texts.BIND_REMINDER],
        purpose="bind_reminder",
        priority=HIGH,
        dedupe_key=f"bind-reminder:{platform}:{reach.member_id}:{clock.today().isoformat()}",
    )
    return texts.NOT_SENT_REMINDED


async def code_or_pending(call: Call) -> str:
    """In a private chat that is nobody's yet: who claimed its code (the owner is now shown, so may confirm), else
    a fresh code (saying why when the last one was contested). A bound role holder who has not proven it is told
    how to, first."""
    identities, actor = call.services.identities, call.actor
    pending = await identities.pending(actor.platform, actor.user_id, asking=True)
    if pending is not None and not pending.expired and not pending.contested:
        return await _question(call, pending)
    _, link = await identities.resolve_link(actor)
    refusal = await proof_refusal(call.services, replace(actor, person=link.member_id), link) if link else None
    if refusal is not None:
        return refusal
    code = await identities.issue(actor.platform, actor.user_id)
    reply = texts.BIND_CODE.format(code=code, minutes=identities.code_minutes)
    if pending is not None:
        return (texts.BIND_CODE_AFTER_CONTESTED if pending.contested else texts.BIND_CODE_AFTER_EXPIRED) + reply
    bound = await _bound_branch(call)
    return texts.BIND_CODE_ALSO.format(branch=bound.name) + reply if bound is not None else reply


async def _bound_branch(call: Call) -> Branch | None:
    """The branch this private chat acts for now, if it is bound."""
    link = await call.services.identities.current_link(call.actor.platform, call.actor.user_id)
    return None if link is None else await call.services.branches.of_group(link.platform, link.group_id)


async def _question(call: Call, pending: PendingClaim) -> str:
    """Who sent this private chat's code, where and when — for the owner to confirm or cancel."""
    branch = await call.services.branches.of_group(call.actor.platform, pending.group_id)
    # a bare 确认 or 取消 after the question counts as /绑定 确认|取消
    await call.services.expectations.expect(
        call.actor.key, BIND, clock.now() + ANSWER_WAIT, session_key=call.actor.session_key
    )
    return texts.BIND_PENDING.format(
        where=texts.BIND_IN_BRANCH.format(branch=branch.name) if branch is not None else texts.BIND_IN_OTHER_GROUP,
        who=texts.BIND_NAMED.format(name=pending.name) if pending.name else texts.BIND_SOMEONE,
        time=f"{clock.local(pending.claimed_at):%H:%M}",
    )


@command(
    BIND,
    roles=EVERYONE,
    usage="/绑定（私聊：取得绑定码）· /绑定 <绑定码>（在支部群）· /绑定 确认|取消（私聊）",
    area=BRANCH,
    summary="官方QQ机器人：把您的私聊和支部群里的您对上（登记前做一次）",
    mention=True,
    order=42,
    help_unless="private",
)
async def bind(call: Call) -> str:
    """Private chat: /绑定 gives a code (or shows who claimed it), /绑定 确认|取消 answers the claim.
    Branch group: /绑定 <code> claims the code for the sender, to be confirmed in private chat."""
    if call.takes("private"):
        return texts.BIND_NOT_NEEDED
    if call.actor.is_private:
        return await _in_private(call)
    actor, branch = call.actor, call.branch
    if branch is None:
        raise NotFound(texts.NO_BRANCH_HERE)
    code = normal_code(call.arg)
    if code is None:
        raise Usage(texts.BIND_USAGE)
    claimed = await call.services.identities.claim(actor.platform, code, actor.user_id, branch.group_id, actor.nickname)
    return {
        Claimed.CLAIMED: texts.BIND_CLAIMED,
        Claimed.CONTESTED: texts.BIND_CONTESTED,
        Claimed.WAITING_ON_ANOTHER: texts.BIND_WAITING_ON_ANOTHER,
        Claimed.BAD: texts.BIND_BAD_CODE,
        Claimed.TOO_MANY: texts.BIND_TOO_MANY,
        Claimed.LINKED_ELSEWHERE: texts.BIND_LINKED_ELSEWHERE,
    }[claimed]


async def _in_private(call: Call) -> str:
    word = call.arg.strip()
    platform, private_id = call.actor.platform, call.actor.user_id
    identities = call.services.identities
    if word:
        await call.services.expectations.forget(call.actor.key, BIND)
    if not word:
        return await code_or_pending(call)
    if word in CANCEL_WORDS:
        return texts.BIND_CANCELLED if await identities.cancel(platform, private_id) else texts.BIND_NOTHING_TO_CANCEL
    pasted = normal_code(word)
    if pasted is not None:
        return texts.BIND_CODE_GOES_TO_GROUP.format(code=pasted)
    if word not in CONFIRM_WORDS:
        raise Usage(texts.BIND_PRIVATE_USAGE)
    pending = await identities.pending(platform, private_id)
    if pending is None:
        bound = await _bound_branch(call)
        return texts.BIND_NOTHING_PENDING if bound is None else texts.BOUND_ALREADY.format(branch=bound.name)
    if pending.contested or pending.expired:
        await identities.cancel(platform, private_id)
        return texts.BIND_CONTESTED if pending.contested else texts.BIND_EXPIRED
    if not pending.shown:  # confirming what one has not seen binds nothing: show it first
        await identities.pending(platform, private_id, asking=True)
        return await _question(call, pending)
    branch = await call.services.branches.of_group(platform, pending.group_id)
    if branch is None or not branch.active:
        await identities.cancel(platform, private_id)
        return texts.BIND_NOT_A_BRANCH
    confirmed, _ = await identities.confirm(platform, private_id)
    if confirmed is Confirmed.NOTHING_PENDING:  # a double-tapped 确认, or expired or cancelled between the looks
        bound = await _bound_branch(call)
        return texts.BIND_NOTHING_PENDING if bound is None else texts.BOUND_ALREADY.format(branch=bound.name)
    if confirmed is Confirmed.LINKED_ELSEWHERE:
        return texts.BIND_CONFIRM_ELSEWHERE
    # The member is told in the group too: a code they were lured into sending must not bind them unnoticed.
    await call.services.notify(
        Target(branch.platform, "group", branch.group_id, branch.self_id or call.actor.self_id),
        [Mention(pending.member_id), texts.BOUND_IN_GROUP],
        purpose="binding",
    )
    who = texts.BIND_NAMED.format(name=pending.name) if pending.name else texts.BOUND_SOMEONE
    bound = texts.BOUND.format(branch=branch.name, who=who)
    _, link = await identities.resolve_link(call.actor)
    proof = await proof_refusal(call.services, replace(call.actor, person=pending.member_id), link)
    return bound if proof is None else f"{bound}\n{proof}"  # a role holder proves it in the group next


@command(
    "绑定 授权",
    roles=EVERYONE,
    usage="/绑定 授权 <确认码>（在支部群，确认码在您绑定的私聊里）",
    area=BRANCH,
    summary="官方QQ机器人：书记等职务在群里确认绑定的私聊是您本人，职务权限才在私聊里生效",
    mention=True,
    order=44,
    help_unless="private",
)
async def prove(call: Call) -> str:
    """/绑定 授权 <code> in the group: the sender's own bound private chat gets their role powers. Only this explicit
    command proves (a code in chatter does nothing), and only for the sender's own group id. Where one id is the
    person everywhere, it says at once that nothing is to be bound or proven, in private chat too."""
    if call.takes("private"):
        return texts.PROOF_NOT_NEEDED
    actor = call.actor
    if actor.is_private:  # where and with which code, when this chat has one to prove
        resolved, link = await call.services.identities.resolve_link(actor)
        return await proof_refusal(call.services, resolved, link) or texts.PROOF_IN_GROUP
    if call.branch is None or actor.group_id is None:
        raise NotFound(texts.NO_BRANCH_HERE)
    code = "".join(unicodedata.normalize("NFKC", call.arg).split()).replace("-", "")
    if len(code) != PROOF_DIGITS or not code.isascii() or not code.isdigit():
        raise Usage(texts.PROOF_USAGE)
    proved = await call.services.proofs.prove(actor.platform, actor.user_id, actor.group_id, code)
    return {
        Proved.PROVEN: texts.PROVED,
        Proved.ALREADY: texts.PROOF_ALREADY,
        Proved.BAD: texts.PROOF_BAD,
        Proved.NOT_BOUND: texts.PROOF_NOT_BOUND,
        Proved.TOO_MANY: texts.BIND_TOO_MANY,
    }[proved]


@command(
    "解绑",
    roles=EVERYONE,
    usage="/解绑（私聊：解除本私聊的绑定；群里：解除本群的您的绑定）",
    area=BRANCH,
    summary="官方QQ机器人：解除私聊和群里的您的绑定（登记信息不变）",
    mention=True,
    order=43,
    help_unless="private",
)
async def unbind(call: Call) -> str:
    """/解绑: in private chat every link of this private chat; in a group the sender's link there."""
    if call.takes("private"):
        return texts.UNBIND_NOT_NEEDED
    actor = call.actor
    identities = call.services.identities
    if actor.is_private:
        removed = await identities.unlink_private(actor.platform, actor.user_id)
        if not removed:
            return texts.NOT_BOUND
        names = []
        for link in removed:
            branch = await call.services.branches.of_group(link.platform, link.group_id)
            names.append(f"「{branch.name}」" if branch is not None else texts.BIND_OTHER_GROUP)
        return texts.UNBOUND_PRIVATE.format(branches="、".join(names))
    removed_link = await identities.unlink_member(actor.platform, actor.user_id)
    return texts.UNBOUND_GROUP if removed_link is not None else texts.NOT_BOUND

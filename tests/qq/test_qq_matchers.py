"""Every command area through the dispatcher with the official QQ adapter's own events.

Each test checks the platform's part strictly — the actor is an openid, the reply goes through the adapter's
`bot.send` for the event asked in (so it carries the msg_id: a passive reply), built from text/mention/picture
segments only — and the area's answer as far as that area is converted to the new command shape; an area not
converted yet makes its test xfail with the reason (see the final report for which did at the last run).
"""

from __future__ import annotations

import re

import pytest
from nonebug import App
from sqlalchemy import select

from bot import runtime
from bot.core.models import OutboxItem
from bot.core.parts import Mention, from_json
from bot.core.ratelimit import RateLimiter
from bot.core.settings import get_settings
from bot.features.branch import texts as branch_texts
from bot.features.ops import texts as ops_texts
from bot.web import texts as web_texts
from tests.qq.qqsay import Answer, qq_say
from tests.support.qqfake import c2c_payload, group_payload

SUPER = "SUPER0OPENID"
OWNER = "OWNER0OPENID"
GROUP = "GROUPOPENID01"


@pytest.fixture(autouse=True)
def _superuser_by_openid(monkeypatch: pytest.MonkeyPatch):
    """The 行业党委 account is named by its openid: `qqbot:<openid>` in SUPERUSERS."""
    monkeypatch.setattr(get_settings(), "superusers", {"10000", f"qqbot:{SUPER}"})


def _platform_part(answer: Answer) -> str:
    """The checks every reply passes on the official platform; returns the reply text."""
    assert answer.messages, "the bot did not answer"
    assert answer.only_safe_segments(), [seg.type for m in answer.messages for seg in m]
    return answer.text


def _converted(text: str, command: str) -> None:
    """Xfail when the dispatcher does not know the command yet (its area is still being converted)."""
    if f"没有 /{command} 这个命令" in text:
        pytest.xfail(f"/{command} is not declared in the new command shape yet")


async def _open_branch(app: App, name: str = "官方机器人测试支部", group: str = GROUP) -> str:
    answer = await qq_say(app, group_payload(f"/支部 开通 {name}", member=SUPER, group=group))
    text = _platform_part(answer)
    _converted(text, "支部")
    return text


async def test_help_in_a_group_and_in_private(app: App):
    group = _platform_part(await qq_say(app, group_payload("/帮助", member="DRIVER01", group=GROUP)))
    assert group.startswith("【红色方向盘】可用命令（/ 或 # 开头）：")
    private = _platform_part(await qq_say(app, c2c_payload("/帮助", user="DRIVER01PRIVATE")))
    assert private.startswith("【红色方向盘】可用命令")
    area = _platform_part(await qq_say(app, c2c_payload("/帮助 支部", user="DRIVER01PRIVATE")))
    assert "/绑定 确认|取消（私聊） — 官方QQ机器人" in area and "\n/解绑（" in area  # needed here, so offered here
    unknown = _platform_part(await qq_say(app, group_payload("/没有这个<@X1>", member="DRIVER01", group=GROUP)))
    assert "<@" not in unknown  # user text is never sent back as the platform's markup


async def test_branch_opened_by_a_superuser_named_by_openid_and_its_card(app: App):
    opened = await _open_branch(app, "官方机器人一支部")
    assert "已开通" in opened
    card = _platform_part(await qq_say(app, group_payload("/支部", member="DRIVER02", group=GROUP)))
    assert "官方机器人一支部" in card


async def test_branch_opened_by_the_group_owner(app: App):
    payload = group_payload("/支部 开通 群主开通支部", member=OWNER, group="GROUPOWNED1", role="owner")
    answer = await qq_say(app, payload)
    text = _platform_part(answer)
    _converted(text, "支部")
    assert "已开通" in text


CODE = re.compile(r"/绑定 ([A-Z0-9]{8})")


async def _bind(app: App, member: str, private: str, name: str = "") -> None:
    """The whole binding: a code in private chat, sent in the group, confirmed in private chat."""
    found = CODE.search(_platform_part(await qq_say(app, c2c_payload("/绑定", user=private))))
    assert found
    await qq_say(app, group_payload(f"/绑定 {found[1]}", member=member, group=GROUP, name=name or None))
    asked = _platform_part(await qq_say(app, c2c_payload("/绑定 确认", user=private)))
    assert "发送了您的绑定码" in asked  # a first 确认 only shows who sent it
    bound = _platform_part(await qq_say(app, c2c_payload("/绑定 确认", user=private)))
    assert bound.startswith("绑定成功"), bound


async def test_registration_binds_the_private_chat_once_then_runs_there(app: App):
    await _open_branch(app)
    member, private = "DRIVER03", "DRIVER03PRIVATE"
    in_group = _platform_part(await qq_say(app, group_payload("/登记", member=member, group=GROUP)))
    assert in_group.endswith(branch_texts.REGISTER_BIND_FIRST)  # no conversation in the group, nothing asked there
    code_reply = _platform_part(await qq_say(app, c2c_payload("/登记", user=private)))
    found = CODE.search(code_reply)
    assert found and code_reply == branch_texts.BIND_CODE.format(code=found[1], minutes=10)
    claimed = _platform_part(
        await qq_say(app, group_payload(f"/绑定 {found[1]}", member=member, group=GROUP, name="张三"))
    )
    assert claimed.endswith(branch_texts.BIND_CLAIMED)
    again = _platform_part(await qq_say(app, group_payload(f"/绑定 {found[1]}", member=member, group=GROUP)))
    assert again.endswith(branch_texts.BIND_CLAIMED)  # sent twice by its claimer: still the one claim
    question = _platform_part(await qq_say(app, c2c_payload("/登记", user=private)))
    assert question.startswith("「官方机器人测试支部」里「张三」在 ") and "/绑定 确认" in question
    bound = _platform_part(await qq_say(app, c2c_payload("/绑定 确认", user=private)))
    assert bound == branch_texts.BOUND.format(branch="官方机器人测试支部", who="「张三」")
    asked = _platform_part(await qq_say(app, c2c_payload("/登记", user=private)))
    assert branch_texts.INTRO_PRIVATE.format(branch="官方机器人测试支部") in asked and branch_texts.ASK_NAME in asked
    for answer in ("张三", "13812345678", "贵A12345", "跳过", "跳过", "1"):
        reply = _platform_part(await qq_say(app, c2c_payload(answer, user=private)))
    assert "13812345678" in reply and "请核对登记信息" in reply
    done = _platform_part(await qq_say(app, c2c_payload("确认", user=private)))
    assert done == branch_texts.REGISTERED.format(tail=branch_texts.TAIL_PENDING)
    full = _platform_part(await qq_say(app, c2c_payload("/档案", user=private)))
    assert "张三（官方机器人测试支部）" in full and "13812345678" in full
    short = _platform_part(await qq_say(app, group_payload("/档案", member=member, group=GROUP)))
    assert "张三（官方机器人测试支部）" in short and "138" not in short  # the same record, seen from the group
    in_group_now = _platform_part(await qq_say(app, group_payload("/登记", member=member, group=GROUP)))
    assert in_group_now.endswith(branch_texts.REGISTER_IN_PRIVATE)


async def test_a_code_shown_in_the_group_without_an_answer_binds_nobody_after_it(app: App):
    await _open_branch(app)
    victim, private = "DRIVER05", "DRIVER05PRIVATE"
    code = CODE.search(_platform_part(await qq_say(app, c2c_payload("/绑定", user=private))))
    assert code
    # Not @-ing the bot, no slash, words around it: chatter the bot does not answer — but it has seen the code.
    said = f"我的绑定码是 {code[1]} 谢谢"
    unanswered = await qq_say(app, group_payload(said, member=victim, group=GROUP, at_bot=False, name="王五"))
    assert unanswered.messages == []
    copied = _platform_part(await qq_say(app, group_payload(f"/绑定 {code[1]}", member="COPIER01", group=GROUP)))
    assert copied.endswith(branch_texts.BIND_CONTESTED)  # the copier came second: nobody is bound by it
    confirmed = _platform_part(await qq_say(app, c2c_payload("/绑定 确认", user=private)))
    assert confirmed == branch_texts.BIND_CONTESTED
    fresh = _platform_part(await qq_say(app, c2c_payload("/绑定", user=private)))
    assert CODE.search(fresh) and fresh.startswith(branch_texts.BIND_CODE.split("{code}")[0][:20])
    stray = _platform_part(await qq_say(app, c2c_payload("/档案", user=private)))
    assert stray == branch_texts.PROFILE_NONE  # nothing was bound


async def test_a_copied_code_is_shown_to_its_owner_before_anything_is_bound(app: App):
    await _open_branch(app)
    private = "DRIVER07PRIVATE"
    code = CODE.search(_platform_part(await qq_say(app, c2c_payload("/绑定", user=private))))
    assert code
    # The owner's own message never reached the bot (no @, no all-messages permission); a copier sends it first.
    copied = _platform_part(await qq_say(app, group_payload(f"/绑定 {code[1]}", member="COPIER02", group=GROUP)))
    assert copied.endswith(branch_texts.BIND_CLAIMED)
    blind = _platform_part(await qq_say(app, c2c_payload("/绑定 确认", user=private)))
    assert blind.startswith("「官方机器人测试支部」里有人在 ") and "是您本人吗" in blind  # shown, not bound
    cancelled = _platform_part(await qq_say(app, c2c_payload("/绑定 取消", user=private)))
    assert cancelled == branch_texts.BIND_CANCELLED
    assert _platform_part(await qq_say(app, c2c_payload("/档案", user=private))) == branch_texts.PROFILE_NONE
    pasted = _platform_part(await qq_say(app, c2c_payload(f"/绑定 {code[1].lower()}", user=private)))
    assert pasted == branch_texts.BIND_CODE_GOES_TO_GROUP.format(code=code[1])


async def test_a_code_planted_in_the_group_does_not_tie_a_strangers_private_chat_to_whoever_sends_it(app: App):
    await _open_branch(app)
    code = CODE.search(_platform_part(await qq_say(app, c2c_payload("/绑定", user="PLANTERPRIVATE"))))
    assert code
    lure = f"各位司机请发送 /绑定 {code[1]} 完成登记"
    await qq_say(app, group_payload(lure, member="PLANTER01", group=GROUP, at_bot=False))
    fooled = _platform_part(await qq_say(app, group_payload(f"/绑定 {code[1]}", member="DRIVER08", group=GROUP)))
    assert fooled.endswith(branch_texts.BIND_CONTESTED)  # the planter's own message claimed it first
    planter = _platform_part(await qq_say(app, c2c_payload("/绑定", user="PLANTERPRIVATE")))
    assert planter.startswith(branch_texts.BIND_CODE_AFTER_CONTESTED) and CODE.search(planter)  # a new code only
    assert _platform_part(await qq_say(app, c2c_payload("/档案", user="PLANTERPRIVATE"))) == branch_texts.PROFILE_NONE


async def test_an_honest_driver_binds_with_a_full_width_code_and_a_bare_confirm_and_the_group_is_told(app: App):
    await _open_branch(app)
    member, private = "DRIVER09", "DRIVER09PRIVATE"
    code = CODE.search(_platform_part(await qq_say(app, c2c_payload("/绑定", user=private))))
    assert code
    again = _platform_part(await qq_say(app, c2c_payload("/绑定", user=private)))
    repeated = CODE.search(again)
    assert repeated and repeated[1] == code[1]  # a double tap shows the same code, not a dead one
    full_width = code[1].translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    claimed = _platform_part(await qq_say(app, group_payload(f"/绑定 {full_width}", member=member, group=GROUP)))
    assert claimed.endswith(branch_texts.BIND_CLAIMED)
    asked = _platform_part(await qq_say(app, c2c_payload("/绑定", user=private)))
    assert asked.startswith("「官方机器人测试支部」里有人在 ")
    bound = _platform_part(await qq_say(app, c2c_payload("确认", user=private)))  # a bare 确认 answers the question
    assert bound == branch_texts.BOUND.format(branch="官方机器人测试支部", who="您")
    twice = _platform_part(await qq_say(app, c2c_payload("/绑定 确认", user=private)))
    assert twice == branch_texts.BOUND_ALREADY.format(branch="官方机器人测试支部")
    async with runtime.services().database.reading() as session:
        told = (await session.scalars(select(OutboxItem).where(OutboxItem.purpose == "binding"))).all()
    assert [(t.target_kind, t.target_id) for t in told] == [("group", GROUP)]
    assert from_json(told[0].parts) == [Mention(member), branch_texts.BOUND_IN_GROUP]  # the member learns of it


async def test_binding_refuses_bad_codes_and_is_not_needed_on_onebot(app: App):
    await _open_branch(app)
    usage = _platform_part(await qq_say(app, group_payload("/绑定 12ab", member="DRIVER10", group=GROUP)))
    assert usage.endswith(branch_texts.BIND_USAGE)
    for _ in range(4):
        wrong = _platform_part(await qq_say(app, group_payload("/绑定 ZZZZ2222", member="DRIVER10", group=GROUP)))
        assert wrong.endswith(branch_texts.BIND_BAD_CODE)
    blocked = _platform_part(await qq_say(app, group_payload("/绑定 ZZZZ2222", member="DRIVER10", group=GROUP)))
    assert blocked.endswith(branch_texts.BIND_TOO_MANY)  # the fifth wrong code: not listened to for ten minutes
    stray = _platform_part(await qq_say(app, c2c_payload("/档案", user="NEVERBOUND")))
    assert stray == branch_texts.PROFILE_NONE  # an unbound private chat is nobody's record
    nothing = _platform_part(await qq_say(app, c2c_payload("/绑定 确认", user="NEVERBOUND")))
    assert nothing == branch_texts.BIND_NOTHING_PENDING


async def test_a_bound_member_is_not_rebound_to_another_private_chat_until_they_unbind(app: App):
    await _open_branch(app)
    await _bind(app, "DRIVER06", "DRIVER06PRIVATE", "赵六")
    other = CODE.search(_platform_part(await qq_say(app, c2c_payload("/绑定", user="OTHERPRIVATE"))))
    assert other
    refused = _platform_part(await qq_say(app, group_payload(f"/绑定 {other[1]}", member="DRIVER06", group=GROUP)))
    assert refused.endswith(branch_texts.BIND_LINKED_ELSEWHERE)
    unbound = _platform_part(await qq_say(app, c2c_payload("/解绑", user="DRIVER06PRIVATE")))
    assert unbound == branch_texts.UNBOUND_PRIVATE.format(branches="「官方机器人测试支部」")
    assert _platform_part(await qq_say(app, c2c_payload("/解绑", user="DRIVER06PRIVATE"))) == branch_texts.NOT_BOUND
    fresh = _platform_part(await qq_say(app, c2c_payload("/绑定", user="OTHERPRIVATE")))
    assert fresh.startswith(branch_texts.BIND_CODE_AFTER_CONTESTED)  # the refused claim never becomes confirmable
    await _bind(app, "DRIVER06", "OTHERPRIVATE")
    in_group = _platform_part(await qq_say(app, group_payload("/解绑", member="DRIVER06", group=GROUP)))
    assert in_group.endswith(branch_texts.UNBOUND_GROUP)


async def test_a_bound_secretary_runs_the_branch_from_private_chat(app: App):
    await _open_branch(app)
    named = await qq_say(
        app, group_payload("/书记 设置 <@SECRETARY1>", member=SUPER, group=GROUP, mentions=["SECRETARY1"])
    )
    assert "书记" in _platform_part(named)
    before = _platform_part(await qq_say(app, c2c_payload("/通知 明天上午九点开会", user="SECRETARY1PRIVATE")))
    assert before == "这条命令只有书记、行业党委可以使用。"  # an unbound private chat is nobody
    await _bind(app, "SECRETARY1", "SECRETARY1PRIVATE")
    waiting = _platform_part(await qq_say(app, c2c_payload("/通知 明天上午九点开会", user="SECRETARY1PRIVATE")))
    code = _proof_code(waiting)  # bound, but the role works in private chat only once proven in the group
    proved = _platform_part(await qq_say(app, group_payload(f"/绑定 授权 {code}", member="SECRETARY1", group=GROUP)))
    assert proved == f"@SECRETARY1 {branch_texts.PROVED}"
    queued = _platform_part(await qq_say(app, c2c_payload("/通知 明天上午九点开会", user="SECRETARY1PRIVATE")))
    assert queued == ops_texts.QUEUED.format(count=1, names="「官方机器人测试支部」", eta=ops_texts.ETA_SHORT)


PROOF = re.compile(r"/绑定 授权 (\d{6})")


def _proof_code(reply: str, branch: str = "官方机器人测试支部") -> str:
    """The code in the one sentence an unproven role holder's private chat gets; checks the sentence is that one."""
    found = PROOF.search(reply)
    assert found, reply
    assert reply == branch_texts.PROOF_NEEDED.format(branch=branch, code=found[1], minutes=10)
    return found[1]


async def test_a_driver_named_secretary_later_proves_it_in_the_group_and_a_removal_ends_the_proof(
    app: App, monkeypatch: pytest.MonkeyPatch
):
    await _open_branch(app)
    member, private = "DRIVER11", "DRIVER11PRIVATE"
    await _bind(app, member, private, "孙八")
    assert _platform_part(await qq_say(app, c2c_payload("/档案", user=private))) == branch_texts.PROFILE_NONE
    named = group_payload(f"/书记 设置 <@{member}>", member=SUPER, group=GROUP, mentions=[member])
    assert "书记" in _platform_part(await qq_say(app, named))
    for asked in ("/档案", "/通知 明天开会", "/后台", "/诉求 列表", "/登记"):  # checked at use time, for everything
        code = _proof_code(_platform_part(await qq_say(app, c2c_payload(asked, user=private))))
    assert _proof_code(_platform_part(await qq_say(app, c2c_payload("/绑定", user=private)))) == code  # same code
    helped = _platform_part(await qq_say(app, c2c_payload("/帮助", user=private)))
    assert helped.startswith("【红色方向盘】可用命令")
    # Only the explicit command, by the member under their own group id, proves: not chatter, not anyone else.
    assert (await qq_say(app, group_payload(f"授权码 {code}", member=member, group=GROUP, at_bot=False))).messages == []
    other = _platform_part(await qq_say(app, group_payload(f"/绑定 授权 {code}", member="DRIVER12", group=GROUP)))
    assert other == f"@DRIVER12 {branch_texts.PROOF_NOT_BOUND}"
    wrong = _platform_part(await qq_say(app, group_payload("/绑定 授权 000000", member=member, group=GROUP)))
    assert wrong == f"@{member} {branch_texts.PROOF_BAD}"
    in_private = _platform_part(await qq_say(app, c2c_payload(f"/绑定 授权 {code}", user=private)))
    assert _proof_code(in_private) == code and "群里 @机器人 发送 /绑定 授权" in in_private  # where, and the code
    assert PROOF.search(_platform_part(await qq_say(app, c2c_payload("/档案", user=private))))
    proved = _platform_part(await qq_say(app, group_payload(f"/绑定 授权 {code}", member=member, group=GROUP)))
    assert proved == f"@{member} {branch_texts.PROVED}"
    # the platform takes links on registered domains only: no link the platform would refuse, unless registered
    monkeypatch.setattr(runtime.services(), "user_limits", RateLimiter(1000, 1000))  # two more asks, same minute
    assert _platform_part(await qq_say(app, c2c_payload("/后台", user=private))) == web_texts.NO_LINKS_HERE
    monkeypatch.setenv("WEB_LINK_DOMAINS", "bot.example.cn, 127.0.0.1")
    assert "/admin/login?t=" in _platform_part(await qq_say(app, c2c_payload("/后台", user=private)))
    assert _platform_part(await qq_say(app, c2c_payload("/档案", user=private))) == branch_texts.PROFILE_NONE
    again = _platform_part(await qq_say(app, group_payload(f"/绑定 授权 {code}", member=member, group=GROUP)))
    assert again == f"@{member} {branch_texts.PROOF_ALREADY}"
    removed = group_payload(f"/书记 移除 <@{member}>", member=SUPER, group=GROUP, mentions=[member])
    assert "书记" in _platform_part(await qq_say(app, removed))
    assert (
        _platform_part(await qq_say(app, c2c_payload("/档案", user=private))) == branch_texts.PROFILE_NONE
    )  # a driver
    assert "书记" in _platform_part(await qq_say(app, named))  # named again: the old proof does not carry over
    assert PROOF.search(_platform_part(await qq_say(app, c2c_payload("/档案", user=private))))


async def test_a_superuser_named_by_group_openid_proves_a_bound_private_chat_too(app: App):
    await _open_branch(app)
    await _bind(app, SUPER, "SUPERPRIVATE")
    code = _proof_code(_platform_part(await qq_say(app, c2c_payload("/状态", user="SUPERPRIVATE"))))
    await qq_say(app, group_payload(f"/绑定 授权 {code}", member=SUPER, group=GROUP))
    assert _platform_part(await qq_say(app, c2c_payload("/状态", user="SUPERPRIVATE"))).startswith("【运行状态】")
    unbound = _platform_part(await qq_say(app, group_payload("/解绑", member=SUPER, group=GROUP)))
    assert unbound.endswith(branch_texts.UNBOUND_GROUP)
    assert (
        _platform_part(await qq_say(app, c2c_payload("/状态", user="SUPERPRIVATE"))) == "这条命令只有行业党委可以使用。"
    )


async def test_an_appeal_starts_with_its_categories(app: App):
    await _open_branch(app)
    first = _platform_part(await qq_say(app, group_payload("/诉求", member="DRIVER04", group=GROUP)))
    _converted(first, "诉求")
    assert "1 运费拖欠" in first


async def test_station_lookup(app: App):
    text = _platform_part(await qq_say(app, group_payload("/驿站 乌当", member="DRIVER05", group=GROUP)))
    _converted(text, "驿站")
    assert "乌当" in text


async def test_check_in_as_a_plain_word(app: App):
    await _open_branch(app)
    answer = await qq_say(app, group_payload("打卡", member="DRIVER06", group=GROUP, at_bot=False))
    if not answer.messages:
        pytest.xfail("打卡 is not declared as a loose word in the new command shape yet")
    text = _platform_part(answer)
    assert "打卡" in text or "学习" in text
    assert f"@{'DRIVER06'}" in text or "还没有" in text or "没有" in text  # group replies @-mention the asker


async def test_notice_is_refused_to_a_driver_and_needs_text(app: App):
    await _open_branch(app)
    refused = _platform_part(await qq_say(app, group_payload("/通知 明天开会", member="DRIVER07", group=GROUP)))
    _converted(refused, "通知")
    assert "只有" in refused
    empty = _platform_part(await qq_say(app, group_payload("/通知 全部", member=SUPER, group=GROUP)))
    assert "不能为空" in empty


async def test_chatter_gets_no_answer(app: App):
    answer = await qq_say(app, group_payload("今天贵阳绕城堵不堵", member="DRIVER08", group=GROUP, at_bot=False))
    assert answer.messages == []

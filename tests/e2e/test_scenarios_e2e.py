"""One branch group's story, end to end, the same on OneBot v11 and on the official QQ bot (`qqbot`).

The bot runs as a real process per platform (module-scoped): over the real OneBot v11 reverse WebSocket, and
connected to a fake QQ gateway and HTTP API on 127.0.0.1. In one branch group: the owner opens the branch and names a
secretary with a real @-mention; a driver registers (phone and plate only in private chat; on the official bot after
binding the private chat to the group once); the day's study push arrives at the branch's time on the bot's clock and
the driver checks in; an appeal goes from the intake conversation to its 回访; a station lookup; the secretary's
notice reaches the group through the outbox.

Each test is one step of the story. A step runs once per platform; a later step that needs an earlier one runs it
first if it has not run, and fails (never skips) when that step failed. What is asserted is what people see: the
wording from the features' texts modules, no phone number or plate in any group message, and on the official bot
every reply carries the asked message's id (a passive reply: `Chat.in_group`/`in_private` only take a message with
that msg_id as the reply) while pushes and notices go proactively.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from bot.core.validation import mask_phone, mask_plate
from bot.features.appeals import rules
from bot.features.appeals import texts as appeal_texts
from bot.features.appeals.evidence import Limits
from bot.features.appeals.flows import ask_description
from bot.features.branch import texts as branch_texts
from bot.features.ops import replies as ops_replies
from bot.features.ops import texts as ops_texts
from bot.features.stations import texts as station_texts
from bot.features.stations.lookups import PAGE_SIZE
from bot.features.stations.service import SAMPLE_CSV
from bot.features.study import texts as study_texts
from tests.support.scenario import Chat, Person, onebot_v11, qqbot

PLATFORMS = ("onebot-v11", "qqbot")
GROUPS = {"onebot-v11": "5901", "qqbot": "GROUP5901"}
OWNER = Person("群主", 20000, role="owner")
SECRETARY = Person("书记", 20009)
DRIVER = Person("司机", 20001)
BRANCH = "乌当区货车司机流动党员党支部"
NAME, PHONE, PLATE = "王师傅", "13812345678", "贵A12345"
DAY, START, PUSH_DUE = "2026-11-23", "2026-11-23T07:00:00+08:00", "2026-11-23T07:31:00+08:00"  # a Monday
DESCRIPTION, PLACE, RESULT = "货主拖欠运费 8000 元两个月了", "贵阳市乌当区新添大道", "已协调货主结清运费"
NOTICE = "今晚八点支部线上学习，请大家准时参加"
ENV = {
    "STUDY_PUSH_CHECK_SECONDS": "1",  # the push check runs every second instead of every half minute
    # One person plays the whole story in well under a minute; the per-person command limit is for floods.
    "RATE_USER_BURST": "40",
}
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
NUMBER = re.compile(r"SQ\d{8}-\d{4}")

Step = Callable[["Story"], Awaitable[None]]


@dataclass
class Story:
    """The story on one platform: its chat, and which steps ran (None: passed; else how they failed)."""

    chat: Chat
    outcome: dict[str, BaseException | None] = field(default_factory=dict, repr=False)

    async def ensure(self, step: Step) -> None:
        """Run `step` unless it ran; a step that failed before fails again here, naming why."""
        name = step.__name__
        if name in self.outcome:
            failure = self.outcome[name]
            if failure is not None:
                pytest.fail(f"an earlier step of this story failed ({name}): {failure!s:.2000}")
            return
        try:
            await step(self)
            _nothing_personal_in_the_group(self.chat)
        except BaseException as error:
            self.outcome[name] = error
            raise
        self.outcome[name] = None


@pytest.fixture(scope="module", params=PLATFORMS)
async def story(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """One bot process for the platform, its clock at 07:00 on a Monday (the push is due at 07:30)."""
    platform: str = request.param
    start = onebot_v11 if platform == "onebot-v11" else qqbot
    async with start(tmp_path_factory.mktemp(platform), GROUPS[platform], env=ENV, clock=START) as chat:
        yield Story(chat)


def _nothing_personal_in_the_group(chat: Chat) -> None:
    """No phone number and no plate in any message the bot sent to the group."""
    for text in chat.group_texts():
        assert PHONE not in text and PLATE not in text and not MOBILE.search(text), text


def _to(chat: Chat, person: Person, text: str) -> str:
    """A group reply that @-mentions the person first."""
    return f"{chat.mention(person)} {text}"


# ---- the steps ----------------------------------------------------------------------------------------------


async def opened(story: Story) -> None:
    """The group owner opens the branch and names the secretary with a real @-mention."""
    chat = story.chat
    reply = await chat.in_group(OWNER, f"/支部 开通 {BRANCH}")
    assert reply.text == branch_texts.OPENED.format(name=BRANCH, push_time="07:30")
    refused = await chat.in_group(DRIVER, "/书记 设置", mentions=[DRIVER])
    assert "只有群主、行业党委" in refused.text  # a driver may not name one
    secretary = branch_texts.SOMEONE.format(id=chat.member_id(SECRETARY))
    named = await chat.in_group(OWNER, "/书记 设置", mentions=[SECRETARY])
    assert named.text == branch_texts.SECRETARY_SET.format(name=secretary, branch=BRANCH)
    card = await chat.in_group(DRIVER, "/支部")
    assert card.text == branch_texts.CARD.format(
        name=BRANCH,
        secretaries=secretary,
        members=0,
        member_drivers=0,
        push=branch_texts.PUSH_ON.format(time="07:30"),
        theme=branch_texts.NOT_SET,
    )


async def _onebot_start_registration(chat: Chat) -> None:
    """OneBot: /登记 in the group asks the name; the rest continues in private chat, where the phone is asked."""
    asked = await chat.in_group(DRIVER, "/登记")
    assert asked.text.startswith(_to(chat, DRIVER, branch_texts.INTRO_GROUP))
    assert branch_texts.ASK_NAME in asked.text
    mark = len(chat.said)
    await chat.send_group(DRIVER, NAME)
    moved = await chat.wait_group(lambda s: branch_texts.MOVED_TO_PRIVATE.format(name=NAME) in s.text, since=mark)
    assert moved.text == _to(chat, DRIVER, branch_texts.MOVED_TO_PRIVATE.format(name=NAME))
    opening = branch_texts.PRIVATE_CONTINUE.format(branch=BRANCH, name=NAME)
    private = await chat.wait_private(DRIVER, lambda s: s.text.startswith(opening), since=mark)
    assert branch_texts.ASK_PHONE in private.text and branch_texts.ASK_NAME not in private.text


async def _qqbot_start_registration(chat: Chat) -> None:
    """Official QQ bot: private /登记 gives a code, /绑定 <code> in the group claims it, /绑定 in private chat shows
    who sent it, /绑定 确认 joins the two ids, then private /登记 asks the name and the phone."""
    code_reply = await chat.in_private(DRIVER, "/登记")
    code = re.search(r"/绑定 ([A-Z0-9]{8})", code_reply.text)
    assert code, code_reply.text
    claimed = await chat.in_group(DRIVER, f"/绑定 {code.group(1)}")
    assert "确认之前不会绑定" in claimed.text, claimed.text
    asked = await chat.in_private(DRIVER, "/绑定")
    assert "是您本人吗" in asked.text, asked.text  # shown who sent the code, then confirmed
    bound = await chat.in_private(DRIVER, "/绑定 确认")
    assert bound.text.startswith("绑定成功") and "/登记" in bound.text, bound.text
    asked = await chat.in_private(DRIVER, "/登记")
    assert branch_texts.INTRO_PRIVATE.format(branch=BRANCH) in asked.text and branch_texts.ASK_NAME in asked.text
    assert branch_texts.ASK_PHONE in (await chat.in_private(DRIVER, NAME)).text


async def registered(story: Story) -> None:
    """A driver registers; phone and plate are given in private chat only, and shown masked in the group."""
    await story.ensure(opened)
    chat = story.chat
    if chat.platform == "qqbot":
        await _qqbot_start_registration(chat)
    else:
        await _onebot_start_registration(chat)
    assert branch_texts.ASK_PLATE in (await chat.in_private(DRIVER, PHONE)).text
    assert branch_texts.ASK_HOMETOWN in (await chat.in_private(DRIVER, PLATE)).text
    assert branch_texts.ASK_ROUTE in (await chat.in_private(DRIVER, "跳过")).text
    assert branch_texts.ASK_STATUS in (await chat.in_private(DRIVER, "跳过")).text
    summary = await chat.in_private(DRIVER, "1")
    assert summary.text.startswith(
        branch_texts.SUMMARY.format(
            branch=BRANCH,
            name=NAME,
            phone=PHONE,
            plate=PLATE,
            hometown=branch_texts.UNSET,
            route=branch_texts.UNSET,
            status="党员",
        )
    )
    done = await chat.in_private(DRIVER, "确认")
    assert done.text == branch_texts.REGISTERED.format(tail=branch_texts.TAIL_PENDING)

    def profile(phone: str, plate: str) -> str:
        return branch_texts.PROFILE.format(
            name=NAME,
            branch=BRANCH,
            phone=phone,
            plate=plate,
            hometown=branch_texts.UNSET,
            route=branch_texts.UNSET,
            status=branch_texts.PENDING_STATUS.format(declared="党员"),
            registered=DAY,
        )

    own = await chat.in_private(DRIVER, "/档案")
    assert own.text.startswith(profile(PHONE, PLATE)), own.text
    in_group = await chat.in_group(DRIVER, "/档案")  # in the group: name, branch and status, nothing personal
    short = branch_texts.PROFILE_SHORT.format(
        name=NAME, branch=BRANCH, status=branch_texts.PENDING_STATUS.format(declared="党员"), registered=DAY
    )
    assert in_group.text.startswith(short), in_group.text
    assert mask_phone(PHONE) not in in_group.text and mask_plate(PLATE) not in in_group.text


async def studied(story: Story) -> None:
    """At the branch's push time the day's material arrives in the group on its own; 打卡 is answered."""
    await story.ensure(opened)
    chat = story.chat
    head = study_texts.PUSH_HEAD.format(day="11月23日")
    assert not [text for text in chat.group_texts() if text.startswith(head)]  # 07:00: not yet
    mark = len(chat.said)
    chat.set_clock(PUSH_DUE)
    push = await chat.wait_group(lambda s: s.text.startswith(head), since=mark, timeout=20)
    assert not push.passive  # the bot speaks on its own
    assert study_texts.PUSH_CHECK_IN in push.text
    title = re.match(r"《(.+?)》", push.text.splitlines()[1])
    assert title, push.text
    checked = await chat.in_group(DRIVER, "打卡")
    studied_title = study_texts.STUDIED.format(title=title.group(1))
    assert checked.text == _to(chat, DRIVER, study_texts.CHECKED_IN.format(studied=studied_title, streak=1, month=1))
    again = await chat.in_group(DRIVER, "打卡")
    assert again.text == _to(chat, DRIVER, study_texts.ALREADY_CHECKED_IN.format(streak=1, month=1))
    assert [text for text in chat.group_texts() if text.startswith(head)] == [push.text]  # once


async def appealed(story: Story) -> None:
    """A driver's appeal in the group: intake to a number, accepted and closed by the secretary, 回访 answered."""
    await story.ensure(opened)
    chat = story.chat
    intake = await chat.in_group(DRIVER, "/诉求")
    assert intake.text.startswith(_to(chat, DRIVER, appeal_texts.INTAKE_INTRO))
    assert appeal_texts.ASK_CATEGORY in intake.text and intake.text.endswith(appeal_texts.GROUP_NO_PHONE)
    asked = await chat.in_group(DRIVER, "1")
    assert asked.text == _to(chat, DRIVER, ask_description(Limits()))
    assert (await chat.in_group(DRIVER, DESCRIPTION)).text == _to(chat, DRIVER, appeal_texts.ASK_PLACE)
    summary = await chat.in_group(DRIVER, PLACE)  # in a group the phone step is left out
    expected = appeal_texts.SUMMARY.format(
        category=rules.CATEGORIES[0], description=DESCRIPTION, place=PLACE, phone=appeal_texts.NO_PHONE
    )
    assert summary.text.startswith(_to(chat, DRIVER, expected)), summary.text
    submitted = await chat.in_group(DRIVER, "确认")
    found = NUMBER.search(submitted.text)
    assert found, submitted.text
    number = found.group(0)
    assert number.startswith("SQ20261123-")
    assert submitted.text == _to(chat, DRIVER, appeal_texts.SUBMITTED.format(number=number))
    assert not [text for text in chat.group_texts() if appeal_texts.ASK_PHONE in text]

    # The secretary accepts it; the appellant is told in the group (numbers and states only).
    accepted_head = appeal_texts.ACCEPTED.split("{due}")[0].format(number=number, level="一般")
    mark = len(chat.said)
    accepted = await chat.in_group(SECRETARY, f"/受理 {number}", expect=lambda s: s.text.startswith(accepted_head))
    assert accepted.text.endswith(f"转办：/转办 {number} <部门>")
    told_head = _to(chat, DRIVER, appeal_texts.TELL_ACCEPTED.split("{due}")[0].format(number=number, level="一般"))
    told = await chat.wait_group(lambda s: s.text.startswith(told_head), since=mark)
    assert not told.passive

    # Closed: the appellant is asked for the 回访 in the group, and simply answers.
    mark = len(chat.said)
    closed_text = appeal_texts.CLOSED.format(number=number)
    closed = await chat.in_group(SECRETARY, f"/办结 {number} {RESULT}", expect=lambda s: s.text == closed_text)
    assert closed.text == closed_text
    question = _to(chat, DRIVER, appeal_texts.ASK_FOLLOW_UP.format(number=number, result=RESULT))
    asked_follow_up = await chat.wait_group(lambda s: s.text == question, since=mark)
    assert not asked_follow_up.passive
    thanks = await chat.in_group(DRIVER, "满意")
    assert thanks.text == _to(chat, DRIVER, appeal_texts.THANKS.format(answer="满意", number=number))

    detail = await chat.in_group(DRIVER, f"/诉求 查询 {number}")
    lines = detail.text.splitlines()
    assert lines[0] == appeal_texts.DETAIL_HEAD.format(number=number, state=rules.FOLLOWED_UP)
    assert appeal_texts.DETAIL_RESULT.format(result=RESULT) in lines
    assert appeal_texts.DETAIL_FOLLOW_UP.format(answer="满意") in lines
    assert not [line for line in lines if line.startswith(appeal_texts.DETAIL_PHONE.split("{")[0])]


async def looked_up(story: Story) -> None:
    """`/驿站 乌当 停车` lists the sample stations of 乌当区 that offer parking, as the shipped CSV has them."""
    await story.ensure(opened)
    chat = story.chat
    with SAMPLE_CSV.open(encoding="utf-8") as sample:
        wanted = {row["名称"] for row in csv.DictReader(sample) if row["区县"] == "乌当区" and "停车" in row["服务"]}
    assert wanted
    reply = await chat.in_group(DRIVER, "/驿站 乌当 停车")
    pages = math.ceil(len(wanted) / PAGE_SIZE)
    assert reply.text.startswith(_to(chat, DRIVER, station_texts.FOUND.format(total=len(wanted), page=1, pages=pages)))
    listed = re.findall(r"^【\d+】(.+?)（.+?）$", reply.text, flags=re.MULTILINE)
    assert len(listed) == min(len(wanted), PAGE_SIZE) and set(listed) <= wanted, reply.text


async def noticed(story: Story) -> None:
    """The secretary's /通知 is queued and reaches the group through the outbox, on its own."""
    await story.ensure(opened)
    chat = story.chat
    mark = len(chat.said)
    queued_text = ops_texts.QUEUED.format(count=1, names=ops_replies.names([BRANCH]), eta=ops_texts.ETA_SHORT)
    queued = await chat.in_group(SECRETARY, f"/通知 {NOTICE}", expect=lambda s: s.text == queued_text)
    assert queued.text == queued_text
    notice = await chat.wait_group(lambda s: s.text == f"{ops_texts.SECRETARY_HEADER}\n{NOTICE}", since=mark)
    assert not notice.passive
    refused = await chat.in_group(DRIVER, f"/通知 {NOTICE}")
    assert refused.text == "这条命令只有书记、行业党委可以使用。"


# ---- the tests: one step each, in the story's order --------------------------------------------------------------


async def test_the_owner_opens_the_branch_and_names_a_secretary(story: Story):
    await story.ensure(opened)


async def test_a_driver_registers_with_phone_and_plate_only_in_private_chat(story: Story):
    await story.ensure(registered)


async def test_the_study_push_arrives_at_the_branch_time_and_check_in_is_answered(story: Story):
    await story.ensure(studied)


async def test_an_appeal_goes_from_intake_to_its_follow_up(story: Story):
    await story.ensure(appealed)


async def test_a_station_lookup_answers_with_stations(story: Story):
    await story.ensure(looked_up)


async def test_a_secretary_notice_reaches_the_group_through_the_outbox(story: Story):
    await story.ensure(noticed)


async def test_no_phone_number_or_plate_ever_reached_the_group(story: Story):
    for step in (opened, registered, studied, appealed, looked_up, noticed):
        if step.__name__ in story.outcome:
            continue
        await story.ensure(step)
    _nothing_personal_in_the_group(story.chat)
    group_texts = story.chat.group_texts()
    assert group_texts  # the group did hear from the bot

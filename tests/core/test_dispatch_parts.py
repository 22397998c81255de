"""The neutral parts of dispatch: reading a command, expected short replies, rate limits."""

from datetime import timedelta

from bot.chat import closest_command, parse_command
from bot.core import clock
from bot.core.actor import Actor
from bot.core.expect import Expectations, reader
from bot.core.ratelimit import RateLimiter
from bot.core.waiting import Waiting

ALICE = Actor("qq", "20001", "5001", "10001")


def test_commands_are_read_with_full_width_slash_spaces_and_no_space():
    for text in ("/帮助 诉求", "／帮助 诉求", "/ 帮助 诉求", "#帮助诉求", "  /帮助\u3000诉求"):
        parsed = parse_command(text)
        assert parsed is not None and parsed.spec is not None, text
        assert parsed.spec.name == "帮助" and parsed.arg.strip() == "诉求", text
    assert parse_command("帮助") is None
    unknown = parse_command("/天气")
    assert unknown is not None and unknown.spec is None and unknown.alias == "天气"


def test_a_mistyped_command_finds_the_closest():
    assert closest_command("帮主") == "帮助"


async def test_an_expected_reply_is_used_once_within_its_window_and_chat(database):
    reader("测试答题", lambda t: t.upper() if t in "abcdABCD" and t else None)
    expectations = Expectations(Waiting(database, poll_seconds=0))
    until = clock.now() + timedelta(minutes=5)
    await expectations.expect(ALICE.key, "测试答题", until, session_key=ALICE.session_key)
    assert expectations.has(ALICE.key)
    elsewhere = Actor("qq", "20001", "5002", "10001")
    assert await expectations.match(elsewhere, "b") is None
    assert await expectations.match(ALICE, "早上好") is None
    assert await expectations.match(ALICE, "b") == ("测试答题", "B")
    assert await expectations.match(ALICE, "c") is None
    await expectations.waiting.fresh()
    assert not expectations.has(ALICE.key)


async def test_an_expected_reply_expires_and_reads_with_its_prefix(database):
    reader("测试回访", lambda t: t if t in ("满意", "不满意") else None)
    expectations = Expectations(Waiting(database, poll_seconds=0))
    await expectations.expect(ALICE.key, "测试回访", clock.now() - timedelta(seconds=1), prefix="SQ1")
    assert await expectations.match(ALICE, "满意") is None
    await expectations.expect(ALICE.key, "测试回访", clock.now() + timedelta(hours=1), prefix="SQ2")
    assert await expectations.match(ALICE, "满意") == ("测试回访", "SQ2 满意")


def test_a_spammer_is_told_once_then_ignored_and_refills():
    now = [0.0]
    limiter = RateLimiter(rate=1.0, burst=3, clock=lambda: now[0])
    assert [limiter.take("u") for _ in range(5)] == ["ok", "ok", "ok", "tell", "quiet"]
    assert limiter.take("v") == "ok"  # another person is not slowed
    now[0] += 2
    assert limiter.take("u") == "ok"

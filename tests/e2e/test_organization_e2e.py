"""Issue 24 over the real OneBot v11 WebSocket, one bot process for the whole story: the province's tree imported by
the operator's CLI, branches opened in their groups, committee members named by @; two sibling counties each see
only their own subtree in /组织, /诉求 列表, /诉求 统计, /学习 统计, /月报 and /通知; an appeal climbs branch →
county → city → province with each level's limit and 督办 to the level above; a roster line links a later /登记."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys

import pytest

from tests.support.botprocess import ROOT, BotProcess

PROVINCE, CITY = "黔中省道路货运行业党委", "甲市道路货运行业党委"
COUNTY_A, COUNTY_B = "甲一县行业党委", "甲二县行业党委"
BRANCH_A, BRANCH_B = "甲一县流动党员党支部", "甲二县流动党员党支部"
GROUP_A, GROUP_B = "7101", "7102"
SUPER, SEC_A, SEC_B = "10000", "21001", "21002"
MEMBER_A, MEMBER_B, MEMBER_CITY = "31001", "31002", "32001"
ORG = f"""级别,名称,上级,区划代码,部门
省,{PROVINCE},,520000,交通运输、公安交管
市,{CITY},{PROVINCE},520100,交通运输、公安交管
县,{COUNTY_A},{CITY},520111,交通运输、公安交管
县,{COUNTY_B},{CITY},520112,交通运输、公安交管
支部,{BRANCH_A},{COUNTY_A},,
支部,{BRANCH_B},{COUNTY_B},,
"""
# A committee takes an appeal up within 36 seconds of the (moved) clock; the scan runs every 0.6 s.
LIMITS = {
    "APPEALS_COUNTY_LIMITS": '{"accept_hours": 0.01}',
    "APPEALS_CITY_LIMITS": '{"accept_hours": 0.01}',
    "APPEALS_PROVINCE_LIMITS": '{"accept_hours": 0.01}',
    "APPEALS_CHECK_MINUTES": "0.01",
    "APPEALS_REMIND_FRACTION": "0.5",
}


def _at(qq: str) -> dict:
    return {"type": "at", "data": {"qq": qq}}


def _number(text: str) -> str:
    match = re.search(r"SQ\d{8}-\d{4}", text)
    assert match, text
    return match.group(0)


@pytest.fixture
def province_bot(tmp_path):
    """The tree imported by `python -m bot.admin org import` before the bot starts, on a moved clock."""
    process = BotProcess(tmp_path / "bot", env=LIMITS)
    process.workdir.mkdir(parents=True)
    org = process.workdir / "org.csv"
    org.write_text(ORG, encoding="utf-8")
    url = f"sqlite+aiosqlite:///{process.workdir / 'bot.db'}"
    made = subprocess.run(
        [sys.executable, "-m", "bot.admin", "--database-url", url, "init"], cwd=ROOT, capture_output=True, timeout=120
    )
    assert made.returncode == 0, made.stderr  # the admin command line makes no database but with init
    done = subprocess.run(
        [sys.executable, "-m", "bot.admin", "--database-url", url, "org", "import", str(org)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "新增 3 个" in done.stdout, done.stdout + done.stderr
    process.set_clock("2026-11-23T09:00:00+08:00")
    process.start()
    yield process
    process.stop()


async def _until(client, predicate, timeout: float = 15.0):
    """The first message the bot sends that satisfies `predicate`."""
    deadline = asyncio.get_running_loop().time() + timeout
    seen = []
    while asyncio.get_running_loop().time() < deadline:
        try:
            send = await client.next_send(timeout=1.0)
        except TimeoutError:
            continue
        seen.append((send.target, send.text))
        if predicate(send):
            return send
    raise AssertionError(f"no such message; saw {seen}")


async def _file(client, group: str, driver: str, description: str) -> str:
    """A driver files an appeal in the group; its number."""
    await client.ask(group, driver, "/诉求")
    for answer in ("1", description, "甲市物流园"):
        await client.ask(group, driver, answer)
    await client.group_message(group, driver, "确认")
    sends = await client.sends(quiet=1.0)
    return _number(next(s for s in sends if s.target == ("group", group) and "已提交" in s.text).text)


async def test_a_province_in_one_deployment(province_bot):
    await asyncio.sleep(1.0)
    client = await province_bot.client()
    try:
        await client.sends(quiet=1.5)  # whatever the bot tells the superuser on its own (the holiday calendar)
        # The operator imported the tree; each group takes over its branch, and the superuser names people by @.
        for group, branch, secretary in ((GROUP_A, BRANCH_A, SEC_A), (GROUP_B, BRANCH_B, SEC_B)):
            assert branch in await client.ask(group, SUPER, f"/支部 开通 {branch}")
            assert "书记" in await client.ask(
                group, SUPER, [{"type": "text", "data": {"text": "/书记 设置 "}}, _at(secretary)]
            )
        for group, who, committee in (
            (GROUP_A, MEMBER_A, COUNTY_A),
            (GROUP_B, MEMBER_B, COUNTY_B),
            (GROUP_A, MEMBER_CITY, CITY),
        ):
            said = await client.ask(
                group,
                SUPER,
                [
                    {"type": "text", "data": {"text": "/委员 添加 "}},
                    _at(who),
                    {"type": "text", "data": {"text": f" {committee}"}},
                ],
            )
            assert f"为「{committee}」委员" in said, said
        refused = await client.ask(
            GROUP_A,
            MEMBER_A,
            [
                {"type": "text", "data": {"text": "/委员 添加 "}},
                _at("39999"),
                {"type": "text", "data": {"text": f" {COUNTY_A}"}},
            ],
        )
        assert refused == f"只有超级管理员或「{COUNTY_A}」的上级行业党委可以任免其委员。"

        tree_a = await client.ask(None, MEMBER_A, "/组织")
        assert tree_a.startswith(f"【{COUNTY_A}】县级行业党委") and BRANCH_A in tree_a and COUNTY_B not in tree_a
        assert CITY in await client.ask(None, MEMBER_CITY, "/组织") and COUNTY_B in await client.ask(
            None, MEMBER_CITY, "/组织"
        )

        a1 = await _file(client, GROUP_A, "50001", "甲一县货主拖欠运费")
        b1 = await _file(client, GROUP_B, "50002", "甲二县停车场乱收费")
        await client.sends(quiet=1.0)
        # Two sibling counties: each sees its own subtree, in every command.
        for member, mine, theirs, branch, other in (
            (MEMBER_A, a1, b1, BRANCH_A, BRANCH_B),
            (MEMBER_B, b1, a1, BRANCH_B, BRANCH_A),
        ):
            listed = await client.ask(None, member, "/诉求 列表")
            assert mine in listed and theirs not in listed
            assert "没有编号" in await client.ask(None, member, f"/诉求 查询 {theirs}")
            stats = await client.ask(None, member, "/诉求 统计 全部")
            assert f"· {branch} 1/0/0.00%/0" in stats and other not in stats and "小事不出县率" in stats
            assert "按渠道：群聊 1/0" in stats
            study = await client.ask(None, member, "/学习 统计")
            assert "下辖支部 1 个" in study and branch in study and other not in study
            assert f"· {branch}：—（0/0）" in study and "成员打卡率 —" in study  # no members yet: no 0%
            report = await client.ask(None, member, "/月报")
            assert branch in report and other not in report
            assert "没有找到支部" in await client.ask(None, member, f"/通知 {other} 今晚有雨")
        await client.private_message(MEMBER_A, "/通知 全部 今晚有冻雨，注意行车安全")
        sends = await client.sends(quiet=2.0)
        noticed = [s.target for s in sends if "冻雨" in s.text and s.target[0] == "group"]
        assert noticed == [("group", GROUP_A)]
        city_stats = await client.ask(None, MEMBER_CITY, "/诉求 统计 全部")
        assert f"· {COUNTY_A} 1/0/0.00%/0" in city_stats and f"· {COUNTY_B} 1/0/0.00%/0" in city_stats

        # The appeal climbs: branch → county → city → province, each level's limit chased, 督办 to the level above.
        await client.ask(GROUP_A, SEC_A, f"/受理 {a1} 一般")
        climb = (
            (GROUP_A, SEC_A, COUNTY_A, MEMBER_A, MEMBER_CITY, "2026-11-23T09:00:40+08:00"),
            (None, MEMBER_A, CITY, MEMBER_CITY, SUPER, "2026-11-23T09:01:20+08:00"),
            (None, MEMBER_CITY, PROVINCE, SUPER, SUPER, "2026-11-23T09:02:00+08:00"),
        )
        for where, who, holder, new_holder, above, later in climb:
            reply = await client.ask(where, who, f"/上报 {a1}")
            assert reply.startswith(f"已将 {a1} 上报至「{holder}」"), reply
            told = await _until(
                client, lambda s, h=new_holder, n=holder: s.target == ("private", h) and f"已上报至「{n}」" in s.text
            )
            assert a1 in told.text
            province_bot.set_clock(later)
            supervised = await _until(
                client, lambda s, x=above: s.target == ("private", x) and "【督办】" in s.text and a1 in s.text
            )
            assert "受理时限" in supervised.text
            assert "已受理" in await client.ask(None, new_holder, f"/受理 {a1} 一般")
        await client.sends(quiet=1.0)  # the appellant hears that the province took it up
        assert "最高一级" in await client.ask(None, SUPER, f"/上报 {a1}")
        detail = await client.ask(None, SUPER, f"/诉求 查询 {a1}")
        assert f"层级：省级（{PROVINCE}）" in detail and "督办" in detail

        # A roster line, imported by the secretary, links the driver who registers later with that name and phone.
        await client.sends(quiet=1.5)  # the appellant's notices
        done = await client.ask(None, SEC_A, "/台账 导入\n张建国,13800000001,,党员\n李春梅,13800000002,,预备党员")
        assert done.startswith("台账导入完成：新增 2 人"), done
        assert "以下 2 人还没有在群里登记" in await client.ask(None, SEC_A, "/台账")
        assert "张建国" not in await client.ask(GROUP_A, SEC_A, "/台账")  # never a list of names in a group
        await client.ask(GROUP_A, "50003", "/登记")
        await client.group_message(GROUP_A, "50003", "张建国")
        await _until(client, lambda s: s.target == ("private", "50003") and "手机" in s.text)
        for answer in ("13800000001", "跳过", "跳过", "跳过", "4"):
            await client.ask(None, "50003", answer)
        linked = await client.ask(None, "50003", "确认")
        assert "已与支部台账中的记录关联（政治面貌：党员）" in linked, linked
        told = await _until(client, lambda s: s.target == ("private", SEC_A) and "新登记" in s.text)
        assert told.text == f"「{BRANCH_A}」新登记：张建国 已与台账记录关联，沿用台账中的政治面貌「党员」。"
        remaining = await client.ask(None, SEC_A, "/台账")
        assert "以下 1 人还没有在群里登记" in remaining and "李春梅" in remaining and "张建国" not in remaining
        assert "李春梅 13800000002" in remaining  # the branch's own secretary: in full
        county_sees = await client.ask(None, MEMBER_A, f"/台账 {BRANCH_A}")
        assert "李春梅 138****0002" in county_sees  # the county above it: masked
        assert "不能查看" in await client.ask(None, MEMBER_B, f"/台账 {BRANCH_A}")  # the sibling county: nothing
        # 流出: the secretary moves the driver to the sibling county's branch; the old branch keeps the line.
        moved = await client.ask(None, SEC_A, f"/转出 张建国 {BRANCH_B}")
        assert moved.startswith(f"已将 张建国 从「{BRANCH_A}」转入「{BRANCH_B}」"), moved
        told = {s.target: s.text for s in await client.sends(quiet=1.5)}
        assert told[("private", SEC_B)].startswith(f"「{BRANCH_B}」转入成员：张建国")
        assert f"已转出：张建国→{BRANCH_B}" in await client.ask(None, SEC_A, "/台账")

        # An appeal from the 12328 line, entered by the county's member into the same workflow and figures.
        assert "渠道" in await client.ask(None, MEMBER_A, "/诉求 代录")
        for answer in ("1", "赵师傅", "13900001111", "2", "服务区停车被收高价", "甲一县服务区"):
            await client.ask(None, MEMBER_A, answer)
        summary = await client.ask(None, MEMBER_A, "1")  # the county's one branch takes it
        assert "渠道：12328专线" in summary and "139****1111" in summary and f"交由：{BRANCH_A}" in summary
        entered = await client.ask(None, MEMBER_A, "确认")
        assert entered.startswith("已录入诉求，编号 SQ") and "（12328专线）" in entered
        await client.sends(quiet=1.0)  # the branch's secretary hears of the new appeal
        figures = await client.ask(None, MEMBER_A, "/诉求 统计 全部")
        assert "12328专线 1/0" in figures and "群聊 1/0" in figures
    finally:
        await client.close()

"""Issue 24 as services: the tree imported, two sibling counties each seeing only their own subtree, appeals climbing
branch → county → city → province with each level's limits and 督办, 小事不出县率 by hand, channels, rosters, moves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from openpyxl import Workbook
from sqlalchemy import select

from bot.core import clock
from bot.core.actor import Actor
from bot.core.errors import NotFound, PermissionDenied, Refusal
from bot.core.models import Branch, LedgerEntry, Member, OutboxItem
from bot.core.settings import Settings
from bot.core.sheets import Row
from bot.features.appeals.rules import Action, TransitionError
from bot.features.org.service import ImportReport
from bot.features.study.library import visible_to
from bot.features.study.materials import Material
from bot.features.study.models import StudyMaterial
from bot.services import Services, build_services
from tests.web.seed import PREFIX, link_path, link_reply, make_app, private, sign_in

PROVINCE, CITY, COUNTY_A, COUNTY_B = (
    "黔中省道路货运行业党委",
    "甲市道路货运行业党委",
    "甲一县行业党委",
    "甲二县行业党委",
)
BRANCH_A, BRANCH_B, BRANCH_C = "甲一县流动党员党支部", "甲二县流动党员党支部", "甲市直属流动党员党支部"
ORG = f"""级别,名称,上级,区划代码,部门
省,{PROVINCE},,520000,交通运输、公安交管、网信
市,{CITY},{PROVINCE},520100,交通运输、公安交管
县,{COUNTY_A},{CITY},520111,交通运输、公安交管、物流园管委会
县,{COUNTY_B},{CITY},520112,交通运输、公安交管
支部,{BRANCH_A},{COUNTY_A},,
支部,{BRANCH_B},{COUNTY_B},,
支部,{BRANCH_C},{CITY},,
"""
SUPER = Actor("qq", "10000", None, "10001")
SEC_A, SEC_B = Actor("qq", "21001", None, "10001"), Actor("qq", "21002", None, "10001")
MEMBER_A, MEMBER_B = Actor("qq", "31001", None, "10001"), Actor("qq", "31002", None, "10001")
MEMBER_CITY, MEMBER_PROVINCE = Actor("qq", "32001", None, "10001"), Actor("qq", "33001", None, "10001")
POLICE_A = Actor("qq", "41001", None, "10001")
DRIVER_A = Actor("qq", "50001", "7101", "10001")
DRIVER_B = Actor("qq", "50002", "7102", "10001")
APPEAL = {"category": "运费拖欠", "description": "货主拖欠运费", "place": "甲一县物流园", "phone": None}


def at(*args) -> datetime:
    return datetime(*args, tzinfo=clock.tz())


@dataclass
class Province:
    services: Services
    a: Branch
    b: Branch
    c: Branch


@pytest.fixture
async def province(database, tmp_path: Path) -> Province:
    """The tree from a CSV; three branch groups open; secretaries, committee members and a county's 公安 handler."""
    clock.set_now(at(2026, 11, 23, 9, 0))  # a Monday
    settings = Settings(database_url=database.url, data_dir=tmp_path, superusers={"10000"})
    services = build_services(settings, database=database)
    (tmp_path / "org.csv").write_text(ORG, encoding="utf-8")
    report = await services.org.import_file(tmp_path / "org.csv", "admin:test")
    assert report.problems == [] and (report.added, report.created) == (3, 3)
    opened = []
    for name, group in ((BRANCH_A, "7101"), (BRANCH_B, "7102"), (BRANCH_C, "7103")):
        opened.append(await services.branches.open(Actor("qq", "10000", group, "10001"), name))
    a, b, c = opened
    await services.roles.set_secretary(SUPER, a, SEC_A.key, "甲书记")
    await services.roles.set_secretary(SUPER, b, SEC_B.key, "乙书记")
    for who, committee in ((MEMBER_A, COUNTY_A), (MEMBER_B, COUNTY_B), (MEMBER_CITY, CITY)):
        await services.org.add_member(SUPER, committee, who.key, who.user_id)
    await services.org.add_member(SUPER, PROVINCE, MEMBER_PROVINCE.key, "省委员")
    await services.roles.bind_department(MEMBER_A, POLICE_A.key, "公安交管", "甲县交警")
    return Province(services, a, b, c)


async def _sent_to(services: Services, user_id: str) -> list[str]:
    async with services.database.reading() as session:
        rows = await session.scalars(select(OutboxItem).where(OutboxItem.target_id == user_id).order_by(OutboxItem.id))
        return [item.parts[-1]["text"] if isinstance(item.parts[-1], dict) else str(item.parts[-1]) for item in rows]


async def test_the_import_is_all_or_nothing_idempotent_and_reads_xlsx(database, tmp_path):
    services = build_services(Settings(database_url=database.url, data_dir=tmp_path), database=database)
    (tmp_path / "org.csv").write_text(ORG, encoding="utf-8")
    first = await services.org.import_file(tmp_path / "org.csv", "admin:test")
    again = await services.org.import_file(tmp_path / "org.csv", "admin:test")
    assert (first.added, first.updated, first.created, first.placed) == (3, 1, 3, 3)
    assert again == ImportReport()  # nothing changes the second time
    tree = await services.org.tree()
    assert tree.root.name == PROVINCE and tree.root.code == "520000"
    county = tree.by_name(COUNTY_A)
    assert county is not None and [n.name for n in tree.chain(county.id)] == [COUNTY_A, CITY, PROVINCE]
    bad = tmp_path / "bad.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in (
        ["级别", "名称", "上级", "区划代码", "部门"],
        ["县", "丙县行业党委", CITY, "520113", "交通运输"],
        ["县", "丁县行业党委", "不存在的市", "", ""],
        ["市", "戊县行业党委", COUNTY_A, "", ""],
        ["村", "己", CITY, "", ""],
    ):
        sheet.append(line)
    book.save(bad)
    refused = await services.org.import_file(bad, "admin:test")
    assert [(p.line, p.reason) for p in refused.problems] == [
        (3, "上级「不存在的市」不存在（文件里和系统里都没有）"),
        (4, f"上级「{COUNTY_A}」是县级，不能管辖市级"),
        (5, "级别「村」不对，应为 省、市、县 或 支部"),
    ]
    services.roles.forget()
    assert (await services.org.tree()).by_name("丙县行业党委") is None  # the good line of a bad file: not imported


async def test_two_sibling_counties_each_see_only_their_subtree(province):
    services, a, b, c = province.services, province.a, province.b, province.c
    roles = services.roles
    scope_a, scope_b = await roles.scope(MEMBER_A), await roles.scope(MEMBER_B)
    assert (scope_a.branches, scope_b.branches) == (frozenset({a.id}), frozenset({b.id}))
    assert (await roles.scope(MEMBER_CITY)).branches == {a.id, b.id, c.id}
    assert (await roles.scope(MEMBER_PROVINCE)).everything and (await roles.scope(SUPER)).everything
    assert [x.name for x in await roles.visible_branches(MEMBER_A)] == [BRANCH_A]
    assert await roles.can_manage(MEMBER_A, a) and not await roles.can_manage(MEMBER_A, b)
    assert await roles.holds_any(MEMBER_A.key)  # a committee's member proves a bound private chat like any role
    appeals = services.appeals
    in_a = await appeals.submit(DRIVER_A, a, APPEAL)
    in_b = await appeals.submit(DRIVER_B, b, APPEAL)
    assert [x.number for x in await appeals.listing(MEMBER_A, None, None)] == [in_a.number]
    assert [x.number for x in await appeals.listing(MEMBER_B, None, None)] == [in_b.number]
    assert len(await appeals.listing(MEMBER_CITY, None, None)) == 2
    with pytest.raises(NotFound):
        await appeals.view(MEMBER_A, in_b.number)  # as if it did not exist
    with pytest.raises(NotFound):
        await appeals.act(MEMBER_A, in_b.number, Action.ACCEPT, "一般")
    assert (await appeals.view(MEMBER_A, in_a.number)).appeal.number == in_a.number
    clock.advance(timedelta(days=2))  # both past their 受理 limit: each county's 超期 lists only its own
    assert [o.appeal.number for o in await appeals.overdue(MEMBER_A, None)] == [in_a.number]
    assert [o.appeal.number for o in await appeals.overdue(MEMBER_B, None)] == [in_b.number]
    for member, branch in ((MEMBER_A, a), (MEMBER_B, b)):
        node = (await services.org.tree()).by_name(COUNTY_A if member is MEMBER_A else COUNTY_B)
        assert node is not None
        conditions, unit = await appeals.subtree(node)
        totals, found = await appeals.statistics_by(
            None, None, None, ("place",), scope=conditions, fold={"place": unit}
        )
        assert totals.collected == 1 and list(found["place"]) == [branch.name]
    with pytest.raises(PermissionDenied):
        await services.org.attach(MEMBER_A, BRANCH_B, COUNTY_A)  # another county's branch
    with pytest.raises(NotFound):
        await services.org.add_member(MEMBER_A, COUNTY_B, "qq:1", "某人")
    with pytest.raises(PermissionDenied):
        await services.org.add_member(MEMBER_A, COUNTY_A, "qq:1", "某人")  # only the committee above names them
    plan = await services.broadcasts.plan(MEMBER_A, None, "全部 明天降温注意防寒")
    assert [x.name for x in plan.branches] == [BRANCH_A]
    with pytest.raises(NotFound):
        await services.broadcasts.plan(MEMBER_A, None, f"{BRANCH_B} 通知")


async def test_a_department_handler_sees_only_what_was_sent_to_their_department(province):
    services, a, b = province.services, province.a, province.b
    appeals = services.appeals
    sent = await appeals.submit(DRIVER_A, a, APPEAL)
    other = await appeals.submit(DRIVER_A, a, APPEAL)
    await appeals.submit(DRIVER_B, b, APPEAL)
    await appeals.act(SEC_A, sent.number, Action.ACCEPT, "一般")
    moved = await appeals.act(SEC_A, sent.number, Action.TRANSFER, "公安交管")  # the county's, the nearest first
    tree = await services.org.tree()
    assert tree.departments[moved.department_id or 0].committee_id == (tree.by_name(COUNTY_A) or tree.root).id
    assert [x.number for x in await appeals.listing(POLICE_A, None, None)] == [sent.number]
    with pytest.raises(NotFound):
        await appeals.view(POLICE_A, other.number)
    await appeals.act(SEC_B, (await appeals.listing(SEC_B, None, None))[0].number, Action.ACCEPT, "一般")
    with pytest.raises(NotFound, match="可选"):  # only county A has one: B's branch cannot reach it
        await appeals.act(SEC_B, (await appeals.listing(SEC_B, None, None))[0].number, Action.TRANSFER, "物流园管委会")


async def test_an_appeal_climbs_county_city_province_with_limits_and_supervision_at_each_step(province):
    services, a = province.services, province.a
    appeals = services.appeals
    number = (await appeals.submit(DRIVER_A, a, APPEAL)).number
    await appeals.act(SEC_A, number, Action.ACCEPT, "一般")
    steps = [(SEC_A, COUNTY_A, "县", MEMBER_A, MEMBER_CITY), (MEMBER_A, CITY, "市", MEMBER_CITY, MEMBER_PROVINCE)]
    steps.append((MEMBER_CITY, PROVINCE, "省", MEMBER_PROVINCE, SUPER))
    for who, holder, level, new_holder, above in steps:
        raised = await appeals.act(who, number, Action.ESCALATE)
        assert (raised.tier, raised.state, raised.department) == (level, "待受理", None)
        assert (await services.org.tree()).committees[raised.committee_id or 0].name == holder
        assert any(number in t and f"已上报至「{holder}」" in t for t in await _sent_to(services, new_holder.user_id))
        # The level's own 受理 limit (2 hours by default above a branch) runs from now: 催办 to it, then 督办 above.
        clock.advance(timedelta(hours=1, minutes=40))
        assert (await appeals.scan_deadlines())["催办"] == 1
        clock.advance(timedelta(minutes=30))
        assert (await appeals.scan_deadlines())["督办"] == 1
        supervised = [t for t in await _sent_to(services, above.user_id) if "【督办】" in t and number in t]
        assert supervised and "受理时限" in supervised[-1], (level, supervised)
        if level != "省":
            with pytest.raises(TransitionError, match="已上报"):
                await appeals.act(SEC_A, number, Action.ACCEPT, "一般")  # the branch no longer holds it
        await appeals.act(new_holder, number, Action.ACCEPT, "一般")
    assert [x.number for x in await appeals.listing(MEMBER_PROVINCE, None, "本级")] == [number]  # came up to it
    assert await appeals.listing(MEMBER_CITY, None, "本级") == []  # passed on
    with pytest.raises(TransitionError, match="最高一级"):
        await appeals.act(MEMBER_PROVINCE, number, Action.ESCALATE)
    closed = await appeals.act(MEMBER_PROVINCE, number, Action.CLOSE, "已协调解决")
    assert closed.closed_level == "省"


async def small_matters(province: Province) -> list[str]:
    """The scripted appeals of the hand count (their numbers, in order):
    1 closed at branch A; 2 closed by county A's 公安交管; 3 raised to county B and closed there; 4 raised to the
    city and closed there; 5 filed at the city's own branch and closed there (a branch: below county level);
    6 closed at branch B; 7 open at branch A. By hand: closed 6, at county level or below 5 (1, 2, 3, 5, 6) →
    83.33 %; county A's subtree (branch A's 1, 2, 4, 7): closed 3, in the county 2 → 66.67 %."""
    a, b, c = province.a, province.b, province.c
    appeals = province.services.appeals

    async def filed(branch: Branch, driver: Actor) -> str:
        return (await appeals.submit(driver, branch, APPEAL)).number

    one, two, three = await filed(a, DRIVER_A), await filed(a, DRIVER_A), await filed(b, DRIVER_B)
    four, five, six = await filed(a, DRIVER_A), await filed(c, DRIVER_A), await filed(b, DRIVER_B)
    seven = await filed(a, DRIVER_A)
    for number, who in ((one, SEC_A), (two, SEC_A), (four, SEC_A), (six, SEC_B), (five, SUPER)):
        await appeals.act(who, number, Action.ACCEPT, "一般")
    await appeals.act(SEC_A, one, Action.CLOSE, "已解决")
    await appeals.act(SEC_A, two, Action.TRANSFER, "公安交管")
    await appeals.act(POLICE_A, two, Action.CLOSE, "已处理")
    await appeals.act(SEC_B, three, Action.ESCALATE)
    await appeals.act(MEMBER_B, three, Action.ACCEPT, "一般")
    await appeals.act(MEMBER_B, three, Action.CLOSE, "县里协调")
    await appeals.act(SEC_A, four, Action.ESCALATE)
    await appeals.act(MEMBER_A, four, Action.ESCALATE)
    await appeals.act(MEMBER_CITY, four, Action.ACCEPT, "一般")
    await appeals.act(MEMBER_CITY, four, Action.CLOSE, "市里协调")
    await appeals.act(SUPER, five, Action.CLOSE, "已解决")
    await appeals.act(SEC_B, six, Action.CLOSE, "已解决")
    return [one, two, three, four, five, six, seven]


async def test_small_matters_stay_in_the_county_by_hand_count(province):
    services = province.services
    appeals = services.appeals
    await small_matters(province)
    whole = await appeals.statistics(None, None)
    assert (whole.collected, whole.closed, whole.in_county) == (7, 6, 5)
    assert round(whole.county_rate, 4) == 0.8333
    tree = await services.org.tree()
    city = tree.by_name(CITY)
    assert city is not None
    conditions, unit = await appeals.subtree(city)
    totals, found = await appeals.statistics_by(None, None, None, ("place",), scope=conditions, fold={"place": unit})
    assert (totals.collected, totals.closed, totals.in_county) == (7, 6, 5)  # the city's subtree is everything here
    by_unit = {name: (f.collected, f.closed, f.in_county) for name, f in found["place"].items()}
    assert by_unit == {COUNTY_A: (4, 3, 2), COUNTY_B: (2, 2, 2), BRANCH_C: (1, 1, 1)}
    county_a = tree.by_name(COUNTY_A)
    assert county_a is not None
    conditions, unit = await appeals.subtree(county_a)
    mine = await appeals.statistics(None, None, scope=conditions)
    assert (mine.collected, mine.closed, mine.in_county) == (4, 3, 2)  # four climbed out of county A's reach


async def test_appeals_received_elsewhere_enter_the_same_workflow_and_figures_split_by_channel(province):
    services, a = province.services, province.a
    appeals = services.appeals
    entered = await appeals.submit(
        MEMBER_A,
        None,
        {**APPEAL, "name": "赵师傅", "phone": "13900001111"},
        channel="12328专线",
        committee_id=(await services.org.tree()).by_name(COUNTY_A).id,  # type: ignore[union-attr]
    )
    assert (entered.channel, entered.tier, entered.appellant_name, entered.entered_by) == (
        "12328专线",
        "县",
        "赵师傅",
        MEMBER_A.key,
    )
    hotline = await appeals.submit(SEC_A, a, {**APPEAL, "name": "钱师傅", "phone": "13900002222"}, channel="12345热线")
    await appeals.submit(DRIVER_A, a, APPEAL)
    assert [x.number for x in await appeals.listing(MEMBER_A, None, None)][-1] == entered.number
    with pytest.raises(NotFound):
        await appeals.view(MEMBER_B, entered.number)  # entered at county A: county B does not see it
    await appeals.act(MEMBER_A, entered.number, Action.ACCEPT, "一般")
    await appeals.act(SEC_A, hotline.number, Action.ACCEPT, "一般")
    _, found = await appeals.statistics_by(None, None, None, ("channel",))
    assert {k: v.collected for k, v in found["channel"].items()} == {"12328专线": 1, "12345热线": 1, "群聊": 1}
    # the driver is in no chat here: nothing is queued for them; who entered it is asked to call and record the 回访
    await appeals.act(MEMBER_A, entered.number, Action.CLOSE, "已协调退还")
    async with services.database.reading() as session:
        queued = (await session.execute(select(OutboxItem.target_kind, OutboxItem.target_id, OutboxItem.parts))).all()
    driver_id = entered.appellant_key.partition(":")[2]  # made up for the record: no chat has it
    assert driver_id and not [row for row in queued if row.target_id == driver_id]
    asked = [row for row in queued if row.target_id == MEMBER_A.user_id and entered.number in str(row.parts)]
    assert asked and ("private", MEMBER_A.user_id) == tuple(asked[-1][:2])
    assert "请电话回访诉求人" in str(asked[-1].parts)
    await appeals.act(SEC_A, hotline.number, Action.CLOSE, "已处理")
    followed = await appeals.act(SEC_A, hotline.number, Action.FOLLOW_UP, "满意")  # the secretary who entered it
    assert followed.satisfaction == "满意"
    await appeals.act(MEMBER_A, entered.number, Action.FOLLOW_UP, "基本满意")
    # a level above accepting it keeps the urgency the branch set (its own limits apply)
    urgent = await appeals.submit(DRIVER_A, a, APPEAL)
    await appeals.act(SEC_A, urgent.number, Action.ACCEPT, "紧急")
    await appeals.act(SEC_A, urgent.number, Action.ESCALATE)
    assert (await appeals.act(MEMBER_A, urgent.number, Action.ACCEPT)).level == "紧急"


async def test_a_roster_import_links_a_later_registration_and_lists_who_has_not_joined(province):
    services, a = province.services, province.a
    rosters = services.records.rosters
    rows = [
        Row(2, {"姓名": "张建国", "手机": "13800000001", "车牌": "贵A12345", "政治面貌": "党员", "支部": BRANCH_A}),
        Row(3, {"姓名": "李春梅", "手机": "13800000002", "车牌": "", "政治面貌": "预备党员", "支部": BRANCH_A}),
        Row(4, {"姓名": "王德明", "手机": "13800000003", "车牌": "", "政治面貌": "群众", "支部": BRANCH_B}),
    ]
    refused = await rosters.import_rows(rows, SEC_A.key, await services.roles.scope(SEC_A))
    assert [(p.line, p.reason) for p in refused.problems] == [(4, f"支部「{BRANCH_B}」不存在或不在您的范围内")]
    assert await rosters.counts(a.id) == (0, 0)  # nothing half-imported
    done = await rosters.import_rows(rows[:2], SEC_A.key, await services.roles.scope(SEC_A))
    assert (done.added, done.linked) == (2, 0)
    again = await rosters.import_rows(rows[:2], SEC_A.key, await services.roles.scope(SEC_A))
    assert (again.added, again.updated) == (0, 0)
    registered = await services.members.register(
        Actor("qq", "50009", "7101", "10001"), a, {"name": "张建国", "phone": "13800000001", "status": "群众"}
    )
    assert registered.roster and registered.member.status == "党员" and registered.member.plate == "贵A12345"
    assert [e.name for e in await rosters.not_joined(a.id)] == ["李春梅"]
    assert await rosters.counts(a.id) == (2, 1)


async def test_a_member_moves_to_another_branch_with_their_record_and_the_old_branch_keeps_a_line(province):
    services, a, b = province.services, province.a, province.b
    mover = Actor("qq", "50010", "7101", "10001")
    await services.members.register(mover, a, {"name": "孙师傅", "phone": "13800000010", "status": "党员"})
    await services.members.confirm_status(SEC_A, a, mover.key, "党员")
    await services.study.check_in(a.id, mover.key)
    with pytest.raises(PermissionDenied):
        await services.members.transfer(MEMBER_B, a, mover.key, b)  # county B is not above branch A
    moved = await services.members.transfer(SEC_A, a, mover.key, b)
    assert (moved.branch_id, moved.status, moved.name) == (b.id, "党员", "孙师傅")
    [(line, where)] = await services.members.moved_out(a.id)
    assert line.left_at is not None and where == BRANCH_B
    async with services.database.reading() as session:
        ledger = (await session.scalars(select(LedgerEntry).where(LedgerEntry.user_key == mover.key))).all()
        records = (await session.scalars(select(Member).where(Member.user_key == mover.key))).all()
    assert [entry.branch_id for entry in ledger] == [a.id]  # history stays where it happened
    assert sorted((r.branch_id, r.left_at is None) for r in records) == sorted([(a.id, False), (b.id, True)])
    assert [x.id for x in await services.members.branches_of(mover.key)] == [b.id]


async def test_a_county_approves_a_material_for_its_branches_and_the_province_for_everyone(province):
    services, a, b = province.services, province.a, province.b
    study = services.study
    row = await study.add_material(SEC_A.key, _MATERIAL, a.id)
    scope_a, scope_b = await services.roles.scope(MEMBER_A), await services.roles.scope(MEMBER_B)
    assert [m.id for m, _ in await study.pending(scope_a)] == [row.id]
    assert await study.pending(scope_b) == []
    with pytest.raises(NotFound):
        await study.approve(MEMBER_B, row.id, scope_b)
    await study.approve(MEMBER_A, row.id, scope_a, COUNTY_A)
    assert await study.pending(scope_a) == []  # decided at this level
    assert [m.id for m, _ in await study.pending(await services.roles.scope(SUPER))] == [row.id]  # the top may still
    async with services.database.reading() as session:
        seen = {
            branch.id: bool(
                await session.scalar(select(StudyMaterial.id).where(StudyMaterial.id == row.id, visible_to(branch.id)))
            )
            for branch in (a, b, province.c)
        }
    assert seen == {a.id: True, b.id: False, province.c.id: False}


_MATERIAL = Material("", "县里的安全课", "安全驾驶", (), "冬季行车注意防滑。")


async def test_a_branchless_refusal_and_the_secretary_cannot_list_beyond_their_branch(province):
    services, a = province.services, province.a
    with pytest.raises(Refusal):
        await services.appeals.listing(DRIVER_A.__class__("qq", "59999", None, "10001"), None, None)
    assert await services.roles.scope(SEC_A) is not None
    assert (await services.roles.scope(SEC_A)).branches == {a.id}


@pytest.fixture
async def signed_in(province, monkeypatch):
    """HTTP clients over the web view, signed in as someone of the province."""
    monkeypatch.setenv("WEB_SECRET", "test-secret")
    clients: list[httpx.AsyncClient] = []

    async def make(actor: Actor) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=make_app(province.services)), base_url="http://t")
        clients.append(client)
        response = await sign_in(client, link_path(await link_reply(province.services, private(actor.key))), "http://t")
        assert response.status_code == 200, response.text
        return client

    yield make
    for client in clients:
        await client.aclose()


async def test_the_web_view_follows_the_same_rule_and_drills_down_province_city_county_branch(province, signed_in):
    services, a, b = province.services, province.a, province.b
    in_a = await services.appeals.submit(DRIVER_A, a, APPEAL)
    in_b = await services.appeals.submit(DRIVER_B, b, APPEAL)
    for member, mine, theirs, own, other in ((MEMBER_A, in_a, in_b, a, b), (MEMBER_B, in_b, in_a, b, a)):
        client = await signed_in(member)
        overview = (await client.get(PREFIX + "/")).text
        assert own.name in overview and other.name not in overview
        board = (await client.get(PREFIX + "/appeals?state=全部")).text
        assert mine.number in board and theirs.number not in board
        assert (await client.get(f"{PREFIX}/appeals/{theirs.number}")).status_code == 404
        assert (await client.get(f"{PREFIX}/branch/{other.id}")).status_code == 404
        assert (await client.get(f"{PREFIX}/branch/{own.id}")).status_code == 200
    tree = await services.org.tree()
    county_a, county_b = tree.by_name(COUNTY_A), tree.by_name(COUNTY_B)
    assert county_a is not None and county_b is not None
    top = (await (await signed_in(MEMBER_PROVINCE)).get(PREFIX + "/")).text
    assert f'href="{PREFIX}/?unit=committee:{tree.by_name(CITY).id}"' in top  # type: ignore[union-attr]
    city = await signed_in(MEMBER_CITY)
    lines = (await city.get(PREFIX + "/")).text
    assert f'href="{PREFIX}/?unit=committee:{county_a.id}"' in lines and f"?unit=committee:{county_b.id}" in lines
    assert BRANCH_C in lines and BRANCH_A not in lines  # the city's own branch, and its counties (not their branches)
    drilled = (await city.get(f"{PREFIX}/?unit=committee:{county_a.id}")).text
    assert f'href="{PREFIX}/branch/{a.id}"' in drilled and BRANCH_B not in drilled
    county_view = await signed_in(MEMBER_A)
    refused = (await county_view.get(f"{PREFIX}/?unit=committee:{county_b.id}")).text
    assert BRANCH_B not in refused and BRANCH_A in refused  # another county's key: the viewer's own top instead


async def test_removing_a_committee_member_ends_their_web_sessions_and_their_view(province):
    services = province.services
    token = await services.web_sessions.start(MEMBER_A.key, MEMBER_A.key, "nonce-1")
    assert await services.web_sessions.read(token) is not None
    node, removed = await services.org.remove_member(MEMBER_CITY, COUNTY_A, MEMBER_A.key)
    assert removed and node.name == COUNTY_A
    assert await services.web_sessions.read(token) is None  # ended at once, in every process (a row)
    assert (await services.roles.scope(MEMBER_A)).empty and not await services.roles.holds_any(MEMBER_A.key)


async def test_full_numbers_in_chat_only_to_the_appellant_and_their_secretary(province):
    """PRODUCT: numbers masked except to the person and their secretary — the county above reads them masked in
    private chat too (as on the web view), the description's numbers included."""
    from bot.features.appeals.commands import detail

    services, a = province.services, province.a
    data = {**APPEAL, "description": "货主拖欠运费，电话13900003333，车牌贵A54321", "phone": "13900003333"}
    appeal = await services.appeals.submit(DRIVER_A, a, data)
    shown = {}
    for who, actor in (("driver", Actor("qq", "50001", None, "10001")), ("secretary", SEC_A), ("county", MEMBER_A)):
        viewed = await services.appeals.view(actor, appeal.number)
        shown[who] = (viewed.full_phone, detail(viewed, private=True))
    for who in ("driver", "secretary"):
        full, text = shown[who]
        assert full and "电话：13900003333" in text and "贵A54321" in text, who
    full, text = shown["county"]
    assert not full and "13900003333" not in text and "贵A54321" not in text
    assert "电话：139****3333" in text and "贵A***21" in text

"""A larger world for the committee's instrument: an appeal of last year, a third branch whose appeals all wait, and
the clock three days on (so appeals are overdue now)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.core import clock
from bot.core.models import Branch
from bot.features.appeals.rules import Action
from bot.services import Services
from tests.web.seed import SUPER, World, in_group, private, seed

SECRETARY_C = "qq:20003"
BRANCH_C = "六盘水市货车司机流动党员党支部"


@dataclass
class Instrument:
    """The seeded world, branch C and the extra appeals' numbers."""

    world: World
    branch_c: Branch
    numbers: dict[str, str]


async def seed_instrument(services: Services) -> Instrument:
    """The seed on 10 June this year (so three days on is still this year whenever the tests run); last year one
    closed appeal in branch A; branch C with three appeals, none closed (one accepted as 紧急); then the clock three
    days on."""
    start = clock.now().replace(month=6, day=10, hour=10, minute=0, second=0, microsecond=0)
    clock.set_now(start)
    world = await seed(services)
    numbers: dict[str, str] = {}
    clock.set_now(start.replace(year=start.year - 1, month=6, day=15))
    old = await services.appeals.submit(
        in_group("qq:41001", world.branch_a.group_id),
        world.branch_a,
        {"category": "运费拖欠", "description": "去年的诉求", "place": "贵阳"},
    )
    await services.appeals.act(private("qq:20001"), old.number, Action.ACCEPT, "一般")
    await services.appeals.act(private("qq:20001"), old.number, Action.CLOSE, "已解决")
    numbers["old"] = old.number
    clock.set_now(start)
    c = await services.branches.open(in_group("qq:10000", "9003"), BRANCH_C)
    await services.roles.set_secretary(SUPER, c, SECRETARY_C, "丙书记")
    for n, category in enumerate(("维修救援", "停车", "运费拖欠")):
        appeal = await services.appeals.submit(
            in_group(f"qq:4300{n}", "9003"), c, {"category": category, "description": "等待处理", "place": "六盘水"}
        )
        numbers[f"c{n}"] = appeal.number
    await services.appeals.act(private(SECRETARY_C), numbers["c0"], Action.ACCEPT, "紧急")
    clock.set_now(start + timedelta(days=3))
    return Instrument(world, c, numbers)

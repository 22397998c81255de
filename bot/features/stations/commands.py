"""The station commands, each declared once next to its function: parse → service → format."""

from __future__ import annotations

from bot.core.commands import COMMITTEES, EVERYONE, MANAGERS, Call, Usage, area, command

from . import flows, lookups, texts
from .replies import station_lines
from .service import EDITABLE

STATIONS = area(texts.AREA, texts.AREA_DESCRIPTION, order=25, aliases=("司机之家", "停车", "维修"))


def _number(word: str) -> int | None:
    """A station number typed as ASCII digits (², ① and huge numbers are none)."""
    return int(word) if word.isascii() and word.isdigit() and len(word) <= 9 else None


async def _keyword(call: Call, narrowed_by: str = "") -> str:
    if narrowed_by and call.words == ["更多"]:  # /停车 更多 pages like /驿站 更多
        return await lookups.more(call.services.stations, call.actor, call.branch)
    query = " ".join([narrowed_by, *call.words]).strip()
    if not query:
        raise Usage(texts.USAGE)
    return await lookups.lookup(call.services.stations, call.actor, call.branch, query)


@command(
    "驿站",
    roles=EVERYONE,
    usage="/驿站 <地名/道路/服务…>",
    area=STATIONS,
    summary="按地名、道路、服务查找，例如 /驿站 乌当 洗澡、/驿站 G75 服务区；发送位置可查最近的",
    mention=True,
    order=10,
)
async def stations(call: Call) -> str:
    """/驿站 乌当 洗澡."""
    return await _keyword(call)


@command("司机之家", usage="/司机之家 [地名]", area=STATIONS, summary="查找司机之家", mention=True, order=11)
async def drivers_homes(call: Call) -> str:
    """/司机之家 贵阳: the kind 司机之家 only."""
    return await _keyword(call, "司机之家")


@command("停车", usage="/停车 [地名/道路]", area=STATIONS, summary="查找能停车的驿站", mention=True, order=12)
async def parking(call: Call) -> str:
    """/停车 G75: stations with parking."""
    return await _keyword(call, "停车")


@command("维修", usage="/维修 [地名/道路]", area=STATIONS, summary="查找能修车的驿站和维修点", mention=True, order=13)
async def repairs(call: Call) -> str:
    """/维修 贵阳: stations that repair trucks."""
    return await _keyword(call, "维修")


@command("驿站 更多", usage="/驿站 更多", area=STATIONS, summary="上一次查询的下一页", mention=True, order=14)
async def more(call: Call) -> str:
    """The next page of the asker's last lookup."""
    return await lookups.more(call.services.stations, call.actor, call.branch)


@command(
    "驿站 添加",
    roles=MANAGERS,
    usage="/驿站 添加",
    area=STATIONS,
    summary="添加驿站（对话）；书记添加的先在本支部可见，行业党委审核后全省可见",
    order=20,
)
async def add(call: Call) -> str:
    """Start the add conversation."""
    return await call.services.conversations.start(call.actor, flows.ADD)


@command(
    "驿站 修改",
    roles=MANAGERS,
    usage="/驿站 修改 <编号> <字段> <新值>",
    area=STATIONS,
    summary="修改一项信息（字段：名称、地址、服务、电话等；本支部的，行业党委可改全部）",
    order=21,
)
async def change(call: Call) -> str:
    """/驿站 修改 12 服务 停车 洗车."""
    words = call.words
    number = _number(words[0]) if words else None
    if len(words) < 3 or number is None:
        raise Usage(texts.CHANGE_USAGE.format(fields="、".join(EDITABLE)))
    station = await call.services.stations.change(call.actor, number, words[1], " ".join(words[2:]))
    template = texts.CHANGED if station.approved else texts.CHANGED_PENDING
    return template.format(station=station_lines(station))


@command(
    "驿站 删除",
    roles=MANAGERS,
    usage="/驿站 删除 <编号> [确认]",
    area=STATIONS,
    summary="删除驿站（书记撤回本支部的，行业党委可删任何驿站）；先回显，加“确认”才删除",
    order=22,
)
async def delete(call: Call) -> str:
    """/驿站 删除 12 asks; /驿站 删除 12 确认 deletes."""
    words = call.words
    number = _number(words[0]) if words else None
    if number is None or len(words) > 2 or (len(words) == 2 and words[1] not in ("确认", "确定")):
        raise Usage()
    stations = call.services.stations
    station = await stations.get(number)
    if len(words) == 1:
        await stations.may_change(call.actor, station)
        return texts.DELETE_ASK.format(id=number, name=station.name)
    removed = await stations.delete(call.actor, number)
    template = texts.DELETED if removed.approved else texts.WITHDRAWN
    return template.format(id=number, name=removed.name)


@command(
    "驿站 审核",
    roles=COMMITTEES,
    usage="/驿站 审核 [通过 <编号> | 驳回 <编号> <原因>]",
    area=STATIONS,
    summary="书记添加的驿站：列出待审核的，通过（县、市审核：下辖支部可见；省级：全省可见）或驳回",
    order=23,
)
async def review(call: Call) -> str:
    """/驿站 审核 · /驿站 审核 通过 12 · /驿站 审核 驳回 12 电话不对."""
    words = call.words
    stations = call.services.stations
    scope = await call.services.roles.scope(call.actor)
    if not words:
        pending = await stations.pending(scope)
        if not pending:
            return texts.REVIEW_EMPTY
        names = {b.id: b.name for b in await call.services.branches.all_active()}
        items = [
            texts.REVIEW_ITEM.format(station=station_lines(s), branch=names.get(s.branch_id or 0, texts.UNKNOWN_BRANCH))
            for s in pending
        ]
        return "\n".join([texts.REVIEW_HEAD.format(count=len(pending)), *items, texts.REVIEW_FOOT])
    number = _number(words[1]) if len(words) >= 2 else None
    if words[0] == "通过" and number is not None and len(words) == 2:
        station = await stations.approve(call.actor, number, scope)
        if not scope.everything:
            committee = (await call.services.roles.org.tree()).committees[scope.top[0]].name
            return texts.APPROVED_FOR.format(id=number, name=station.name, committee=committee)
        return texts.APPROVED.format(id=number, name=station.name)
    if words[0] == "驳回" and number is not None:
        if len(words) < 3:
            raise Usage(texts.REJECT_NEEDS_REASON)
        station = await stations.reject(call.actor, number, " ".join(words[2:]), scope)
        return texts.REJECTED.format(id=number, name=station.name)
    raise Usage(texts.REVIEW_USAGE)

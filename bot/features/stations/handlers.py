"""Thin handlers of the station commands and lookups, the /驿站 添加 conversation, and the words users read."""

from __future__ import annotations

import time

from bot.chat import split_args
from bot.core.actor import Actor
from bot.core.branches import Conflict
from bot.core.conversation import Flow, Invalid, Refused, Step
from bot.runtime import branches, conversations

from .csv_import import StationDraft
from .regions import load_regions
from .search import (
    FREE_SERVICES,
    SERVICE_TAGS,
    STATION_KINDS,
    NearestResult,
    SearchResult,
    Station,
    format_distance,
    validate_coordinates,
)
from .service import EDITABLE, StationService

PAGE_SIZE = 5
MEMORY_SECONDS = 120  # a person's last query (for 更多) and last shared location (for a follow-up service word)
USAGE = "用法：/驿站 <地名/道路/服务…>，例如 /驿站 乌当 洗澡、/停车 G75；也可以直接发送位置。"
WHERE_WORDS = ("哪里", "哪儿", "在哪", "哪有", "哪个", "附近", "最近", "怎么走")
ALIAS_WORDS = {"司机之家": "司机之家", "停车": "停车", "维修": "维修"}


def station_lines(station: Station, distance_km: float | None = None) -> str:
    """One station in a reply: name, kind, distance, address, services (free ones marked), hours, phone."""
    where = station.address or f"{station.province}{station.city}{station.district}"
    head = f"【{station.id}】{station.name}（{station.kind}）"
    if distance_km is not None:
        head += f" 距您 {format_distance(distance_km)}"
    free = [s for s in station.services if s in FREE_SERVICES]
    other = [s for s in station.services if s not in FREE_SERVICES]
    services = "、".join(free) + ("（免费）" if free else "") + ("、" if free and other else "") + "、".join(other)
    lines = [
        head,
        f"  地址：{where}" + (f"（{station.road} {station.direction}）".replace(" ）", "）") if station.road else ""),
    ]
    if services:
        lines.append(f"  服务：{services}")
    extra = []
    if station.parking_spaces:
        extra.append(f"车位 {station.parking_spaces}")
    if station.hours:
        extra.append(station.hours)
    if station.phone:
        extra.append(f"电话 {station.phone}")
    if extra:
        lines.append("  " + "　".join(extra))
    return "\n".join(lines)


def search_text(result: SearchResult) -> str:
    """A keyword lookup's reply."""
    if not result.items:
        understood = result.understood
        got = "、".join(
            [*understood.regions, *understood.services, *understood.kinds, *understood.roads, *understood.keywords]
        )
        lines = ["没有找到符合条件的驿站。" + (f"（我理解的是：{got}）" if got else "")]
        if result.suggestion:
            lines.append(result.suggestion)
        return "\n".join(lines)
    lines = [f"找到 {result.total} 个驿站（第 {result.page}/{result.pages} 页）："]
    lines += [station_lines(s) for s in result.items]
    if result.page < result.pages:
        lines.append("发送 /驿站 更多 查看下一页")
    return "\n".join(lines)


def nearest_text(result: NearestResult) -> str:
    """A location lookup's reply."""
    if not result.items:
        return result.suggestion or f"附近 {result.max_km:g} 公里内没有驿站。"
    what = f"提供「{result.service}」的" if result.service else ""
    lines = [f"离您最近的{what}驿站："] + [station_lines(n.station, n.distance_km) for n in result.items]
    if not result.service:
        lines.append("想找特定服务，两分钟内 @我 说“洗澡”“停车”“修车”等即可。")
    return "\n".join(lines)


class StationHandlers:
    """The station commands over one service, with a short per-person memory (never written anywhere)."""

    def __init__(self, service: StationService, max_km: float) -> None:
        self.service = service
        self.max_km = max_km
        self._last_query: dict[str, tuple[float, str, int]] = {}
        self._last_location: dict[str, tuple[float, float, float]] = {}
        self.add_flow = conversations.register(self._add_flow())

    def _forget_old(self) -> None:
        """Drop memories older than MEMORY_SECONDS."""
        cutoff = time.monotonic() - MEMORY_SECONDS
        for memory in (self._last_query, self._last_location):
            for key in [k for k, v in memory.items() if v[0] < cutoff]:
                memory.pop(key, None)

    async def command(self, actor: Actor, name: str, arg: str) -> str:
        """/驿站 … (and the aliases /司机之家, /停车, /维修)."""
        self._forget_old()
        words = split_args(arg)
        if words[:1] == ["添加"]:
            return await conversations.start(actor, self.add_flow)
        if words[:1] == ["修改"]:
            if len(words) < 4 or not words[1].isdigit():
                return f"用法：/驿站 修改 <编号> <字段> <新值>；字段：{'、'.join(EDITABLE)}"
            station = await self.service.change(actor, int(words[1]), words[2], " ".join(words[3:]))
            return "已修改：\n" + station_lines(station)
        if words[:1] == ["删除"]:
            if len(words) != 2 or not words[1].isdigit():
                return "用法：/驿站 删除 <编号>"
            station = await self.service.delete(actor, int(words[1]))
            return f"已删除驿站 {station.id}「{station.name}」，查询中不再出现。"
        if words[:1] == ["更多"]:
            last = self._last_query.get(actor.session_key)
            if last is None:
                return "请先发送 /驿站 <关键词> 查询。"
            _, query, page = last
            result = await self.service.search(query, page=page + 1)
            if not result.items:
                return "没有更多了。"
            self._last_query[actor.session_key] = (time.monotonic(), query, result.page)
            return search_text(result)
        query = " ".join(words)
        if name in ALIAS_WORDS:
            query = f"{ALIAS_WORDS[name]} {query}".strip()
        if not query:
            return USAGE
        return await self._lookup(actor, query)

    async def _lookup(self, actor: Actor, query: str) -> str:
        """Keyword lookup, or nearest when the person asked for 附近 and shared a location a moment ago."""
        result = await self.service.search(query)
        if result.understood.near:
            location = self._last_location.get(actor.session_key)
            if location is not None:
                service = result.understood.services[0] if result.understood.services else None
                return nearest_text(await self.service.nearest(location[1], location[2], service, self.max_km))
            if not result.understood.regions:
                return "想找附近的驿站，请先发送您的位置（聊天框“+”→ 位置），我会列出最近的站点。"
        self._last_query[actor.session_key] = (time.monotonic(), query, result.page)
        return search_text(result)

    async def location(self, actor: Actor, lat: float, lng: float, text: str) -> str:
        """A shared location: the nearest stations, filtered by a service named with it."""
        self._forget_old()
        try:
            validate_coordinates(lat, lng)
        except ValueError as error:
            return str(error)
        self._last_location[actor.session_key] = (time.monotonic(), lat, lng)
        service = None
        if text.strip():
            parsed = await self.service.search(text)
            service = parsed.understood.services[0] if parsed.understood.services else None
        return nearest_text(await self.service.nearest(lat, lng, service, self.max_km))

    async def question(self, actor: Actor, text: str) -> str | None:
        """A message @-mentioning the bot: a where-question gets a lookup; a service word after a location filters it."""
        self._forget_old()
        text = text.strip()
        if not text:
            return None
        location = self._last_location.get(actor.session_key)
        parsed = await self.service.search(text)
        if location is not None and parsed.understood.services:
            service = parsed.understood.services[0]
            return nearest_text(await self.service.nearest(location[1], location[2], service, self.max_km))
        understood = parsed.understood
        asks_where = any(word in text for word in WHERE_WORDS)
        if not (
            understood.regions
            or understood.services
            or understood.kinds
            or understood.roads
            or understood.near
            or asks_where
        ):
            return None  # not a where-question (only loose keywords): stay quiet
        return await self._lookup(actor, text)

    def _add_flow(self) -> Flow:
        """/驿站 添加: 名称 → 类型 → 所在地 → 详细地址 → 位置 → 服务 → 车位 → 营业时间 → 电话 → 确认."""
        regions = load_regions()

        def name(text: str) -> str:
            text = text.strip()
            if not 2 <= len(text) <= 60:
                raise Invalid("名称请写 2–60 个字。")
            return text

        def kind(text: str) -> str:
            text = text.strip()
            if text.isdigit() and 1 <= int(text) <= len(STATION_KINDS):
                return STATION_KINDS[int(text) - 1]
            if text in STATION_KINDS:
                return text
            raise Invalid("请回复类型序号：" + "  ".join(f"{n} {k}" for n, k in enumerate(STATION_KINDS, 1)))

        def region(text: str) -> tuple[str, str, str]:
            words = split_args(text)
            place = regions.canonical(*(words + ["", ""])[:3]) if words else None
            if place is None:
                raise Invalid("请按“省 市 区县”回复，例如：贵州 贵阳 乌当。")
            return place.province, place.city or "", place.district or ""

        def address(text: str) -> str:
            text = text.strip()
            if not 2 <= len(text) <= 120:
                raise Invalid("详细地址请写 2–120 个字。")
            return text

        def point(text: str) -> tuple[float, float]:
            try:
                lat, lng = (float(v) for v in text.replace("，", ",").split(","))
                validate_coordinates(lat, lng)
            except ValueError as error:
                raise Invalid(
                    f"{error if '坐标' in str(error) else '位置格式不对。'}请发送位置，或回复“纬度,经度”，如 26.58,106.72。"
                ) from None
            return lat, lng

        def services(text: str) -> tuple[str, ...]:
            chosen: list[str] = []
            for word in text.replace("，", " ").replace(",", " ").replace("、", " ").split():
                if word.isdigit() and 1 <= int(word) <= len(SERVICE_TAGS):
                    chosen.append(SERVICE_TAGS[int(word) - 1])
                elif word in SERVICE_TAGS:
                    chosen.append(word)
                else:
                    raise Invalid(f"不认识「{word}」。请回复服务序号或名称，用空格分开。")
            return tuple(dict.fromkeys(chosen))

        def spaces(text: str) -> int:
            if not text.strip().isdigit():
                raise Invalid("车位请填整数。")
            return int(text.strip())

        def short(limit: int, label: str):
            def parse(text: str) -> str:
                text = text.strip()
                if len(text) > limit:
                    raise Invalid(f"{label}最多 {limit} 个字。")
                return text

            return parse

        async def finish(actor: Actor, data: dict) -> str:
            branch = await branches.of_group(actor.platform, actor.group_id)
            province, city, district = data["region"]
            lat, lng = data["point"] or (None, None)
            draft = StationDraft(
                name=data["name"],
                kind=data["kind"],
                province=province,
                city=city,
                district=district,
                address=data["address"],
                lat=lat,
                lng=lng,
                services=data.get("services") or (),
                parking_spaces=data.get("spaces"),
                hours=data.get("hours") or "",
                phone=data.get("phone") or "",
            )
            try:
                station = await self.service.add(actor, branch.id if branch else None, draft)
            except Conflict as error:
                return f"{error} 驿站没有添加。"
            return "已添加驿站：\n" + station_lines(station)

        service_menu = "  ".join(f"{n} {s}" for n, s in enumerate(SERVICE_TAGS, 1))
        return Flow(
            name="添加驿站",
            command="/驿站 添加",
            steps=[
                Step("name", "1/9 驿站名称：", name),
                Step(
                    "kind", "2/9 类型，回复序号：" + "  ".join(f"{n} {k}" for n, k in enumerate(STATION_KINDS, 1)), kind
                ),
                Step("region", "3/9 所在地（省 市 区县），如：贵州 贵阳 乌当", region),
                Step("address", "4/9 详细地址：", address),
                Step("point", "5/9 位置：发送位置，或回复“纬度,经度”", point, optional=True),
                Step(
                    "services", f"6/9 提供的服务，回复序号或名称（空格分开）：\n{service_menu}", services, optional=True
                ),
                Step("spaces", "7/9 货车车位数：", spaces, optional=True),
                Step("hours", "8/9 营业时间（如 24小时）：", short(40, "营业时间"), optional=True),
                Step("phone", "9/9 联系电话：", short(40, "电话"), optional=True),
            ],
            confirm=lambda d: (
                f"请核对：{d['name']}（{d['kind']}），{''.join(d['region'])}{d['address']}，"
                f"服务：{'、'.join(d.get('services') or ()) or '未填'}"
            ),
            before=self._before_add,
            finish=finish,
        )

    async def _before_add(self, actor: Actor) -> dict:
        """Only superusers and secretaries (in their branch group) may add stations."""
        if actor.is_superuser:
            return {}
        branch = await branches.of_group(actor.platform, actor.group_id)
        if (
            branch is None
            or self.service.roles is None
            or not await self.service.roles.is_secretary(actor.key, branch.id)
        ):
            raise Refused("只有行业党委或支部书记（在本支部群里）可以添加驿站。")
        return {}

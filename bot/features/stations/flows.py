"""The /驿站 添加 conversation: 名称 → 类型 → 所在地 → 详细地址 → 位置 → 服务 → 车位 → 营业时间 → 电话 → 确认."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.core.actor import Actor
from bot.core.commands import split_args
from bot.core.conversation import Flow, Invalid, Refused, Step
from bot.core.errors import Conflict, PermissionDenied

from . import texts
from .geo import validate_coordinates
from .query import combine_places, default_parser
from .replies import station_lines
from .station import ADDRESS_MAX, NAME_MAX, SHORT_MAX, Station, clean_phone, clean_text, parse_services
from .vocabulary import SERVICE_TAGS, STATION_KINDS

ADD = "stations.add"  # the flow's id: what the waiting store keeps and commands start

if TYPE_CHECKING:
    from bot.services import Services

KIND_MENU = "  ".join(f"{n} {k}" for n, k in enumerate(STATION_KINDS, 1))
SERVICE_MENU = "  ".join(f"{n} {s}" for n, s in enumerate(SERVICE_TAGS, 1))


def _text(label: str, limit: int, *, required: bool = False):
    """A free-text step: trimmed, length-capped, no links or recruiting."""

    def parse(text: str) -> str:
        try:
            return clean_text(text, label, limit, required=required)
        except ValueError as error:
            raise Invalid(str(error)) from None

    return parse


def parse_kind(text: str) -> str:
    """A kind by its number in the menu or by name."""
    text = text.strip()
    if text.isascii() and text.isdigit() and 1 <= int(text) <= len(STATION_KINDS):
        return STATION_KINDS[int(text) - 1]
    if text in STATION_KINDS:
        return text
    raise Invalid(texts.BAD_KIND_NUMBER.format(menu=KIND_MENU))


def parse_region(text: str) -> tuple[str, str, str, str]:
    """(province, city, district, address): "贵州 贵阳 乌当", "贵阳 乌当", or a whole address typed at once
    ("贵州省贵阳市乌当区新添大道1号" — then the address step is skipped)."""
    parser = default_parser()
    words = split_args(text)
    if 1 <= len(words) <= 3:
        place = parser.regions.canonical(*[*words, "", ""][:3])
        if place is not None and place.city:
            return place.province, place.city, place.district or "", ""
    parsed = parser.parse(text)
    places = combine_places([readings for _, readings in parsed.place_words])
    if len(places) != 1 or not places[0].city:
        raise Invalid(texts.BAD_REGION)
    place = places[0]
    address = ""
    if parsed.keywords or parsed.roads:  # more than the region: the street address came with it
        try:
            address = clean_text(text, "地址", ADDRESS_MAX)
        except ValueError as error:
            raise Invalid(str(error)) from None
    return place.province, place.city or "", place.district or "", address


def parse_point(text: str) -> tuple[float, float]:
    """ "纬度,经度" as typed (a shared location is never a conversation answer)."""
    try:
        lat, lng = (float(v) for v in text.replace("，", ",").split(","))
        return validate_coordinates(lat, lng)
    except ValueError as error:
        hint = str(error) if "坐标" in str(error) else ""
        raise Invalid(hint + texts.BAD_POINT) from None


def parse_service_answer(text: str) -> tuple[str, ...]:
    """Services by number or name, separated by spaces, 、 or commas ("服务 停车 洗车" too)."""
    text = text.strip().removeprefix("服务").lstrip("：: ")
    try:
        return parse_services(text)
    except ValueError as error:
        raise Invalid(str(error)) from None


def parse_spaces(text: str) -> int:
    """A whole number of truck spaces."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 5:
        raise Invalid(texts.BAD_SPACES)
    return int(text)


def parse_phone(text: str) -> str:
    """A mobile, landline or 400 number."""
    try:
        return clean_phone(text)
    except ValueError as error:
        raise Invalid(str(error)) from None


def draft_of(data: dict[str, Any]) -> Station:
    """The answers as a station without an id."""
    province, city, district, typed_address = data["region"]
    lat, lng = data.get("point") or (None, None)
    return Station(
        name=data["name"],
        kind=data["kind"],
        province=province,
        city=city,
        district=district,
        address=data.get("address") or typed_address,
        lat=lat,
        lng=lng,
        services=data.get("services") or (),
        parking_spaces=data.get("spaces"),
        hours=data.get("hours") or "",
        phone=data.get("phone") or "",
    )


def confirm_text(data: dict[str, Any]) -> str:
    """The summary to confirm: the address once."""
    draft = draft_of(data)
    return texts.CONFIRM.format(
        name=draft.name,
        kind=draft.kind,
        where=draft.where,
        services="、".join(draft.services) or texts.CONFIRM_UNSET,
    )


def add_flow(services: Services) -> Flow:
    """/驿站 添加, for a superuser anywhere or a secretary (their branch: the group's, or their one branch)."""

    async def before(actor: Actor) -> dict[str, Any]:
        branch = await services.branches.of_group(actor.platform, actor.group_id)
        if branch is not None:
            if actor.is_superuser or await services.roles.is_secretary(actor.key, branch.id):
                return {"branch_id": branch.id}
        elif actor.is_private:
            if actor.is_superuser:
                return {"branch_id": None}
            runs = await services.roles.managed_branches(actor.key)
            if len(runs) == 1:
                return {"branch_id": runs[0].id}
        elif actor.is_superuser:
            return {"branch_id": None}
        raise Refused(texts.NO_BRANCH)

    async def finish(actor: Actor, data: dict[str, Any]) -> str:
        try:
            station = await services.stations.add(actor, data.get("branch_id"), draft_of(data))
        except (Conflict, PermissionDenied) as error:
            return texts.NOT_ADDED.format(error=error)
        template = texts.ADDED if station.approved else texts.ADDED_PENDING
        return template.format(station=station_lines(station))

    return Flow(
        id=ADD,
        name=texts.ADD_FLOW,
        command=texts.ADD_COMMAND,
        steps=[
            Step("name", texts.ASK_NAME, _text("名称", NAME_MAX, required=True)),
            Step("kind", texts.ASK_KIND.format(menu=KIND_MENU), parse_kind),
            Step("region", texts.ASK_REGION, parse_region),
            Step(
                "address",
                texts.ASK_ADDRESS,
                _text("地址", ADDRESS_MAX, required=True),
                skip=lambda _actor, data: bool(data["region"][3]),
            ),
            Step("point", texts.ASK_POINT, parse_point, optional=True),
            Step("services", texts.ASK_SERVICES.format(menu=SERVICE_MENU), parse_service_answer, optional=True),
            Step("spaces", texts.ASK_SPACES, parse_spaces, optional=True),
            Step("hours", texts.ASK_HOURS, _text("营业时间", SHORT_MAX), optional=True),
            Step("phone", texts.ASK_PHONE, parse_phone, optional=True),
        ],
        confirm=confirm_text,
        before=before,
        finish=finish,
    )

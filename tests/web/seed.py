"""Helpers of the web view's tests: a seeded province in miniature, the app mounted as the bot mounts it, links."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI

from bot.core import clock
from bot.core.actor import Actor
from bot.core.commands import Call
from bot.core.models import Branch
from bot.features.appeals.rules import Action
from bot.features.records.models import Activity, ActivitySignup
from bot.features.stations.models import StationRecord
from bot.services import Services
from bot.web.app import create_web_app
from bot.web.config import WebConfig

SUPER = Actor("qq", "10000", None, "bot1")
SECRETARY_A = "qq:20001"
SECRETARY_B = "qq:20002"
DEPARTMENT = "qq:30001"
DRIVER = "qq:40001"
PREFIX = "/admin"


@dataclass
class World:
    """What the seed made."""

    services: Services
    branch_a: Branch
    branch_b: Branch
    numbers: dict[str, str]  # label -> appeal number


def private(key: str) -> Actor:
    """A person in private chat."""
    platform, user_id = key.split(":", 1)
    return Actor(platform, user_id, None, "bot1")


def in_group(key: str, group: str) -> Actor:
    """A person in a branch group."""
    platform, user_id = key.split(":", 1)
    return Actor(platform, user_id, group, "bot1")


async def seed(services: Services) -> World:
    """Two branches with a secretary each, members, check-ins, appeals in several states, a department, stations."""
    a = await services.branches.open(in_group("qq:10000", "9001"), "乌当区货车司机流动党员党支部")
    b = await services.branches.open(in_group("qq:10000", "9002"), "花溪区货车司机流动党员党支部")
    await services.roles.set_secretary(SUPER, a, SECRETARY_A, "甲书记")
    await services.roles.set_secretary(SUPER, b, SECRETARY_B, "乙书记")
    await services.roles.bind_department(SUPER, DEPARTMENT, "交通运输", "交通局")
    people = [
        (a, "qq:41001", "张三", "13812345678", "贵A12345", "党员"),
        (a, "qq:41002", "李四", "13912345678", "贵A54321", "群众"),
        (a, DRIVER, "王五", "13712345678", "贵A11111", "预备党员"),
        (b, "qq:42001", "赵六", "13612345678", "贵B22222", "党员"),
        (b, "qq:42002", "钱七", "13512345678", "贵B33333", "群众"),
    ]
    for branch, key, name, phone, plate, status in people:
        data = {
            "name": name,
            "phone": phone,
            "plate": plate,
            "hometown": "贵阳",
            "route": "贵阳-昆明",
            "status": status,
        }
        await services.members.register(in_group(key, branch.group_id), branch, data)
    await services.study.check_in(a.id, "qq:41001")
    await services.study.check_in(b.id, "qq:42001")
    numbers: dict[str, str] = {}
    for label, branch, key in (
        ("a_closed", a, "qq:41001"),
        ("a_open", a, "qq:41002"),
        ("a_transferred", a, DRIVER),
        ("b_open", b, "qq:42001"),
        ("b_pending", b, "qq:42002"),
    ):
        data = {"category": "停车", "description": f"{label} 服务区夜间没有车位", "place": "G75 乌当服务区"}
        appeal = await services.appeals.submit(in_group(key, branch.group_id), branch, data)
        numbers[label] = appeal.number
    sa, sb = private(SECRETARY_A), private(SECRETARY_B)
    for label in ("a_closed", "a_open", "a_transferred"):
        await services.appeals.act(sa, numbers[label], Action.ACCEPT, "一般")
    await services.appeals.act(sa, numbers["a_closed"], Action.CLOSE, "已协调夜间车位")
    await services.appeals.act(sa, numbers["a_transferred"], Action.TRANSFER, "交通运输")
    await services.appeals.act(sb, numbers["b_open"], Action.ACCEPT, "紧急")
    now = clock.now()
    async with services.database.session() as session:
        for n, (name, lat, lng) in enumerate(
            (("乌当司机之家", 26.63, 106.75), ("花溪红色驿站", 26.41, 106.67), ("清镇停车区", 26.55, 106.47))
        ):
            session.add(
                StationRecord(
                    name=name,
                    kind="司机之家",
                    province="贵州省",
                    city="贵阳市",
                    district="",
                    address=f"测试路 {n + 1} 号",
                    lat=lat,
                    lng=lng,
                    services=["停车休息", "热水"],
                    updated_at=now,
                )
            )
        activity = Activity(
            branch_id=a.id,
            title="主题党日",
            starts_at=now,
            place="乌当司机之家",
            capacity=0,
            points=2,
            status="open",
            created_by=SECRETARY_A,
            created_at=now,
        )
        session.add(activity)
        await session.flush()
        for key, came in (("qq:41001", True), ("qq:41002", False)):
            session.add(
                ActivitySignup(
                    activity_id=activity.id,
                    user_key=key,
                    status="registered",
                    signed_up_at=now,
                    checked_in_at=now if came else None,
                )
            )
    await services.stations.load()
    return World(services, a, b, numbers)


def web_config(**overrides) -> WebConfig:
    """Settings for tests: no overview cache, the default prefix."""
    values = {"web_overview_cache_seconds": 0, "web_prefix": PREFIX, "web_secret": "test-secret"} | overrides
    return WebConfig(**values)


def make_app(services: Services, config: WebConfig | None = None) -> FastAPI:
    """A bare FastAPI app with the web view mounted, as the bot mounts it."""
    app = FastAPI()
    config = config or web_config()
    app.mount(config.prefix, create_web_app(lambda: services, config))
    return app


async def link_reply(services: Services, actor: Actor) -> str:
    """What /后台 answers this person."""
    from bot.web.commands import web_link

    call = Call(services, actor, "后台", "后台", "", [], None, frozenset(), capabilities=frozenset({"link", "private"}))
    return await web_link(call)


def link_path(reply: str) -> str:
    """The path and query of the link in a /后台 reply."""
    url = next(word for word in reply.split() if "://" in word)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def confirm_form(page: str) -> dict[str, str]:
    """The hidden fields of the sign-in confirmation page (the link's token and the form's token)."""
    return dict(re.findall(r'name="(t|f)" value="([^"]*)"', page))


async def sign_in(client: httpx.AsyncClient, path: str, origin: str = "http://testserver") -> httpx.Response:
    """Open a link and confirm it as a person does: GET the confirmation page, POST its form from that page."""
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return await client.post(f"{PREFIX}/login", data=confirm_form(page.text), headers={"Origin": origin})

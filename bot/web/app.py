"""The web view as a sub-application mounted on the bot's own FastAPI app: sign-in, scope, headers, pages.

Read-only: every route is a GET (the workflow keeps its chat commands), so SameSite=Strict cookies are all the
CSRF protection needed.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.gzip import GZipMiddleware

from bot.core.actor import Actor, split_key
from bot.services import Services

from .auth import COOKIE, LinkRefused, Signer, load_secret
from .config import WebConfig, get_config

HERE = Path(__file__).parent
STATIC = HERE / "static"
ServicesGetter = Callable[[], Services]
# Compressed: pages, JSON, scripts, styles, the map's outline. Not: XLSX (a zip already) and pictures.
UNCOMPRESSED = (
    "text/event-stream",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "image/png",
)
FOREVER = "public, max-age=31536000, immutable"


@cache
def static_version(path: str) -> str:
    """A short hash of a static file's content: its URL changes whenever the file does."""
    return hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:10]


@dataclass(frozen=True)
class Viewer:
    """A signed-in person and what they may see."""

    actor: Actor
    committee: bool
    branch_ids: frozenset[int]
    departments: tuple[str, ...]

    @property
    def key(self) -> str:
        """The person's stored key."""
        return self.actor.key

    @property
    def allowed(self) -> bool:
        """Whether the person holds any role the web view serves."""
        return self.committee or bool(self.branch_ids) or bool(self.departments)

    def sees_branch(self, branch_id: int) -> bool:
        """Committee: every branch; a secretary: their own."""
        return self.committee or branch_id in self.branch_ids

    @property
    def roles(self) -> list[str]:
        """The roles' names, for the page header."""
        names = ["行业党委"] if self.committee else []
        if self.branch_ids:
            names.append("书记")
        if self.departments:
            names.append("承办部门（" + "、".join(self.departments) + "）")
        return names


async def viewer_of(services: Services, user_key: str) -> Viewer:
    """The roles of a person now (a role taken away ends their access at the next page)."""
    platform, user_id = split_key(user_key)
    actor = Actor(platform, user_id, None, "web")
    managed = await services.roles.managed_branches(user_key)
    departments = await services.roles.departments_of(user_key)
    return Viewer(actor, actor.is_superuser, frozenset(b.id for b in managed), tuple(departments))


def content_security_policy(config: WebConfig) -> str:
    """Scripts and styles from this server only; images also from the tile server when one is set."""
    images = "'self' data:"
    if config.web_tile_url:
        parts = urlsplit(config.web_tile_url)
        host = parts.netloc
        if "{" in host:  # a subdomain placeholder such as {s}.tile… or webrd0{s}.is.autonavi.com
            host = "*." + host.split(".", 1)[1]
        images += f" {parts.scheme}://{host}"
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {images}; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


class NotSignedIn(Exception):
    """No valid session: pages answer with the sign-in hint, the API with 401."""


class Web:
    """The state of one mounted web view."""

    def __init__(self, services_getter: ServicesGetter, config: WebConfig) -> None:
        self.services_getter = services_getter
        self.config = config
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.globals["prefix"] = config.prefix
        self.templates.env.globals["static"] = lambda path: f"{config.prefix}/static/{path}?v={static_version(path)}"
        self.csp = content_security_policy(config)
        self._signer: Signer | None = None
        self.cache: dict[str, tuple[float, object]] = {}
        self.refreshing: dict[str, asyncio.Task] = {}

    @property
    def services(self) -> Services:
        """The process's services."""
        return self.services_getter()

    @property
    def signer(self) -> Signer:
        """The signer, with the secret read (or created) on first use."""
        if self._signer is None:
            self._signer = Signer(load_secret(self.config, self.services.settings.data_dir), self.config)
        return self._signer

    async def viewer(self, request: Request) -> Viewer:
        """The signed-in viewer of a request; NotSignedIn without a valid session or any role."""
        session = self.signer.read_cookie(request.cookies.get(COOKIE))
        if session is None:
            raise NotSignedIn
        viewer = await viewer_of(self.services, session.user_key)
        if not viewer.allowed:
            raise NotSignedIn
        if self.signer.needs_touch(session):
            request.state.cookie = self.signer.make_cookie(session.user_key, issued=session.issued)
        return viewer

    def set_cookie(self, response: Response, value: str) -> None:
        """The session cookie: HttpOnly, SameSite=Strict, only for the web view's paths."""
        response.set_cookie(
            COOKIE,
            value,
            httponly=True,
            samesite="strict",
            secure=self.config.base_url().startswith("https://"),
            path=self.config.prefix,
        )

    def page(self, request: Request, name: str, viewer: Viewer | None, status: int = 200, **context) -> HTMLResponse:
        """Render a template with the common context."""
        return self.templates.TemplateResponse(
            request, name, {"viewer": viewer, "page": name.removesuffix(".html"), **context}, status_code=status
        )


def create_web_app(services_getter: ServicesGetter, config: WebConfig | None = None) -> FastAPI:
    """The web view's own ASGI app (mounted under the prefix)."""
    from . import pages

    config = config or get_config()
    web = Web(services_getter, config)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = web

    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Security headers on every answer; a refreshed session cookie when due."""
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = web.csp
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if "/static/" not in request.url.path:
            response.headers["Cache-Control"] = "no-store"
        elif response.status_code == 200 and request.query_params.get("v") == static_version(
            request.url.path.split("/static/", 1)[1]
        ):
            response.headers["Cache-Control"] = FOREVER  # this version of the file: a changed file gets another URL
        else:
            response.headers["Cache-Control"] = "no-cache"
        cookie = getattr(request.state, "cookie", None)
        if cookie:
            web.set_cookie(response, cookie)
        return response

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, _error: NotSignedIn) -> Response:
        """The API answers 401; a page says how to sign in."""
        if "/api/" in request.url.path:
            return JSONResponse({"error": "未登录"}, status_code=401)
        return web.page(request, "signin.html", None, status=401, message="请在私聊中向机器人发送 /后台 获取登录链接。")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        """Errors as a short page."""
        if "/api/" in request.url.path:
            return JSONResponse({"error": str(error.detail)}, status_code=error.status_code)
        return web.page(request, "signin.html", None, status=error.status_code, message=str(error.detail))

    @app.get("/login")
    async def login(request: Request, t: str = "") -> Response:
        """Open a one-time link: set the session cookie, then go on to the overview (a same-site navigation)."""
        try:
            user_key = await web.signer.redeem(web.services.database, t)
        except LinkRefused as refused:
            return web.page(request, "signin.html", None, status=403, message=str(refused))
        viewer = await viewer_of(web.services, user_key)
        if not viewer.allowed:
            return web.page(
                request, "signin.html", None, status=403, message="网页后台只对行业党委、书记和承办部门开放。"
            )
        pages.prepare_overview(web, viewer)
        response = web.page(request, "welcome.html", viewer, target=f"{config.prefix}/")
        web.set_cookie(response, web.signer.make_cookie(user_key))
        return response

    @app.get("/logout")
    async def logout() -> Response:
        """End the session."""
        response = RedirectResponse(f"{config.prefix}/bye", status_code=303)
        response.delete_cookie(COOKIE, path=config.prefix)
        return response

    @app.get("/bye")
    async def bye(request: Request) -> Response:
        """After signing out."""
        return web.page(request, "signin.html", None, message="已退出。需要时请重新发送 /后台 获取登录链接。")

    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.add_middleware(GZipMiddleware, minimum_size=500, exclude_content_types=UNCOMPRESSED)
    return app


def mount(app: FastAPI, services_getter: ServicesGetter) -> None:
    """Mount the web view on the bot's FastAPI app under WEB_PREFIX, unless WEB_ENABLED is false."""
    config = get_config()
    if not config.web_enabled:
        return
    app.mount(config.prefix, create_web_app(services_getter, config))

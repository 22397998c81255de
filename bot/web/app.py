"""The web view as a sub-application mounted on the bot's own FastAPI app: sign-in, scope, headers, pages.

Read-only: every page is a GET (the workflow keeps its chat commands), so SameSite=Strict cookies are all the CSRF
protection they need. The one POST, confirming a sign-in link, checks that it comes from this view's own page
(Origin, else Sec-Fetch-Site) and carries the form token bound to the link.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from bot.core import privacy
from bot.core.actor import Actor, split_key
from bot.core.scope import Scope
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
    """A signed-in person and what they may see: the one rule of bot/core/scope.py, as in chat."""

    actor: Actor
    scope: Scope
    departments: tuple[str, ...] = ()  # the names of the departments they handle (for the header)
    committees: tuple[str, ...] = ()  # the names of the committees they sit on (for the header)

    @property
    def key(self) -> str:
        """The person's stored key."""
        return self.actor.key

    @property
    def committee(self) -> bool:
        """Whether the person sees everything (a superuser, the root's member)."""
        return self.scope.everything

    @property
    def branch_ids(self) -> frozenset[int]:
        """The branches the person sees: a committee's subtree and their own."""
        return self.scope.branches

    @property
    def allowed(self) -> bool:
        """Whether the person holds any role the web view serves."""
        return not self.scope.empty

    def sees_branch(self, branch_id: int) -> bool:
        """Whether a branch is the person's to see."""
        return self.scope.sees_branch(branch_id)

    def runs(self, branch_id: int) -> bool:
        """Whether the person is the branch's own secretary (full numbers are theirs only)."""
        return branch_id in self.scope.own

    @property
    def roles(self) -> list[str]:
        """The roles' names, for the page header."""
        names = ["行业党委"] if self.committee else [f"行业党委（{name}）" for name in self.committees]
        if self.scope.own:
            names.append("书记")
        if self.departments:
            names.append("承办部门（" + "、".join(self.departments) + "）")
        return names


async def viewer_of(services: Services, user_key: str) -> Viewer:
    """The roles of a person now (a role taken away ends their access at the next page)."""
    platform, user_id = split_key(user_key)
    actor = Actor(platform, user_id, None, "web")
    scope = await services.roles.scope_of(user_key, actor.is_superuser)
    tree = await services.roles.org.tree()
    departments = await services.roles.departments_of(user_key)
    committees = tuple(tree.committees[c].name for c in scope.top)
    return Viewer(actor, scope, tuple(departments), committees)


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


BAD_PARAMETER = "链接里的参数不对。请从后台页面上的链接进入。"
# What the framework itself answers (an address no page has, a method no route takes), said in Chinese.
FRAMEWORK_ERRORS = {
    "Not Found": "没有这个页面。请从后台页面上的链接进入。",
    "Method Not Allowed": "这个页面不能这样打开。",
}
NOT_FROM_HERE = "请在打开登录链接的页面上点「确认登录」。"
NO_ROLE = "网页后台只对行业党委、书记和承办部门开放。"
NO_LONGER = "发出这个链接的私聊已不再代表您（已解绑或需要重新确认），链接作废。请重新发送 /后台。"


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
        # free text a person typed (an appeal's description, a trail note) shows numbers as the phone field does
        self.templates.env.filters["masked"] = lambda text: privacy.mask(text) if text else text
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
        """The signed-in viewer of a request; NotSignedIn without an open session or any role."""
        session = await self.services.web_sessions.read(request.cookies.get(COOKIE))
        if session is None:
            raise NotSignedIn
        viewer = await viewer_of(self.services, session.user_key)
        if not viewer.allowed:
            raise NotSignedIn
        return viewer

    def set_cookie(self, response: Response, value: str) -> None:
        """The session cookie: HttpOnly, SameSite=Strict, only for the web view's paths, Secure over HTTPS."""
        response.set_cookie(
            COOKIE, value, httponly=True, samesite="strict", secure=self.config.secure, path=self.config.prefix
        )

    def same_origin(self, request: Request) -> bool:
        """Whether a POST comes from a page of this view. A browser's Sec-Fetch-Site (no page can forge it) must say
        same-origin; a browser without Fetch Metadata must send an Origin that is this server as it reached it, or
        the configured base (our pages send no Referer, so a browser may well send `Origin: null`: that is refused)."""
        site = request.headers.get("sec-fetch-site")
        if site is not None:
            return site == "same-origin"
        allowed = {f"{request.url.scheme}://{request.headers.get('host', '')}"}
        base = self.config.base_url()
        if base:
            parts = urlsplit(base)
            allowed.add(f"{parts.scheme}://{parts.netloc}")
        return request.headers.get("origin") in allowed

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
        return response

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, _error: NotSignedIn) -> Response:
        """The API answers 401; a page says how to sign in."""
        if "/api/" in request.url.path:
            return JSONResponse({"error": "未登录"}, status_code=401)
        return web.page(request, "signin.html", None, status=401, message="请在私聊中向机器人发送 /后台 获取登录链接。")

    @app.exception_handler(StarletteHTTPException)  # FastAPI's HTTPException too, and the router's own 404/405
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        """Errors as a short page, in Chinese also where the framework answered (an unknown address)."""
        detail = FRAMEWORK_ERRORS.get(str(error.detail), str(error.detail))
        if "/api/" in request.url.path:
            return JSONResponse({"error": detail}, status_code=error.status_code)
        return web.page(request, "signin.html", None, status=error.status_code, message=detail)

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, _error: RequestValidationError) -> Response:
        """A parameter of the wrong shape (/branch/abc, ?page=x): the view's error page, not a framework's JSON."""
        if "/api/" in request.url.path:
            return JSONResponse({"error": BAD_PARAMETER}, status_code=400)
        return web.page(request, "signin.html", None, status=400, message=BAD_PARAMETER)

    @app.get("/login")
    async def login(request: Request, t: str = "") -> Response:
        """A one-time link opened: a page to confirm signing in. Spends nothing, so a link preview or a URL-safety
        fetcher that opens it signs nobody in, and the person can still use it."""
        try:
            link = await web.signer.check(web.services.database, t)
        except LinkRefused as refused:
            return web.page(request, "signin.html", None, status=403, message=str(refused))
        return web.page(request, "confirm.html", None, token=t, form=web.signer.form_token(link))

    @app.post("/login")
    async def confirm_login(request: Request) -> Response:
        """The confirmation from the link's own page: spend the link, open a session, set its cookie."""
        if not web.same_origin(request):
            return web.page(request, "signin.html", None, status=403, message=NOT_FROM_HERE)
        form = await _form(request)
        try:
            link = await web.signer.redeem(web.services.database, form.get("t", ""), form.get("f", ""))
        except LinkRefused as refused:
            return web.page(request, "signin.html", None, status=403, message=str(refused))
        viewer = await viewer_of(web.services, link.user_key)
        if not viewer.allowed:
            return web.page(request, "signin.html", None, status=403, message=NO_ROLE)
        if not await web.services.proofs.acts_for(link.private_chat, link.user_key):  # unbound since it was sent
            return web.page(request, "signin.html", None, status=403, message=NO_LONGER)
        token = await web.services.web_sessions.start(link.user_key, link.private_chat, link.nonce)
        pages.prepare_overview(web, viewer)
        response = web.page(request, "welcome.html", viewer, target=f"{config.prefix}/")
        web.set_cookie(response, token)
        return response

    @app.api_route("/logout", methods=["GET", "POST"])
    async def logout(request: Request) -> Response:
        """End the session on the server (an old copy of the cookie opens nothing any more)."""
        await web.services.web_sessions.end(request.cookies.get(COOKIE))
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


async def _form(request: Request) -> dict[str, str]:
    """The fields of a small urlencoded form (the confirmation's two tokens); anything larger or else is empty."""
    body = await request.body()
    if len(body) > 4096 or not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {}
    return {name: values[0] for name, values in parse_qs(body.decode("utf-8", "replace")).items()}


def mount(app: FastAPI, services_getter: ServicesGetter) -> None:
    """Mount the web view on the bot's FastAPI app under WEB_PREFIX, unless WEB_ENABLED is false."""
    config = get_config()
    if not config.web_enabled:
        return
    app.mount(config.prefix, create_web_app(services_getter, config))

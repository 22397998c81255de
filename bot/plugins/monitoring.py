"""/healthz and /metrics on the bot's own web server (each can be switched off; neither holds personal data)."""

import hmac

import nonebot
from fastapi import Request
from fastapi.responses import JSONResponse, Response
from nonebot.plugin import PluginMetadata

from bot import health, metrics, platform, runtime
from bot.core.settings import load_config
from bot.features.ops.config import Config

__plugin_meta__ = PluginMetadata(
    name="监控",
    description="健康检查 /healthz 与 Prometheus 指标 /metrics",
    usage="GET /healthz · GET /metrics",
    type="application",
    homepage="https://github.com/redwheel/redwheel",
    config=Config,
    supported_adapters=platform.supported_adapters(),
    extra={"hidden": True},
)

config = load_config(Config)
app = nonebot.get_app()


async def healthz() -> Response:
    """200 when the database answers at the current schema, every expected account is connected and the sender
    moves; 503 otherwise, with which check failed."""
    current = runtime.services()
    expected = health.configured_accounts(config.ops_health_accounts) | runtime.seen_accounts
    outcome = await health.check(
        current, runtime.connected_accounts(), expected, config.ops_health_sender_stale_seconds
    )
    return JSONResponse(outcome.as_json(current.leader.is_leader), status_code=200 if outcome.ok else 503)


async def metrics_text(request: Request) -> Response:
    """The Prometheus exposition (Bearer OPS_METRICS_TOKEN when one is set)."""
    if config.ops_metrics_token:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {config.ops_metrics_token}".encode()):
            return Response("unauthorized\n", status_code=401, media_type="text/plain")
    body = await metrics.render(runtime.services(), runtime.connected_accounts())
    return Response(body, media_type=metrics.CONTENT_TYPE)


if config.ops_healthz_enabled:
    app.add_api_route("/healthz", healthz, methods=["GET"], include_in_schema=False)
if config.ops_metrics_enabled:
    app.add_api_route("/metrics", metrics_text, methods=["GET"], include_in_schema=False)

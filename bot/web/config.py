"""The web view's settings (prefixed `web_` in .env)."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.core.settings import environment, is_loopback, load_config
from bot.features.web.config import SessionConfig


class WebConfig(SessionConfig):
    """What a deployment may tune about the web view (the session limits are the sessions' own settings)."""

    web_enabled: bool = True
    web_prefix: str = "/admin"
    # Where links point; empty means http://HOST:PORT of the bot's own server.
    web_base_url: str = ""
    web_link_minutes: int = 10
    # Domains a platform without free links (the official QQ bot) accepts in a message: those registered with it
    # (comma-separated, e.g. "bot.example.cn"). There `/后台` sends a link only when its domain is among them.
    web_link_domains: str = ""
    # A tile URL template such as https://webrd01.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}&style=8 (GCJ-02);
    # empty: the map shows markers on a blank background (no tiles fetched from anywhere).
    web_tile_url: str = ""
    web_tile_attribution: str = ""
    web_tile_subdomains: str = "abc"
    # The committee's overview is computed at most this often (seconds); 0 computes it on every view.
    web_overview_cache_seconds: int = 60
    # A unit with fewer appeals than this in the period is not ranked by its appeal rates (too few to judge).
    web_rank_min_appeals: int = 10
    # Rows per page of every list (board, stations, search results).
    web_page_size: int = 50
    # The map's offline base layer: a GeoJSON file under bot/web/static/map/ (built by scripts/build_map_outline.py);
    # empty: none.
    web_map_outline: str = "outline.geojson"
    # The signing secret; when absent it is generated once and kept in <data_dir>/web_secret (mode 0600).
    web_secret: str = ""

    @property
    def prefix(self) -> str:
        """The prefix with one leading slash and none trailing."""
        return "/" + self.web_prefix.strip("/")

    def base_url(self) -> str | None:
        """The links' base: WEB_BASE_URL, else http://HOST:PORT when the bot listens on this machine only; None when
        it listens on other machines' behalf (0.0.0.0) but no WEB_BASE_URL says where people open it."""
        if self.web_base_url:
            return self.web_base_url.rstrip("/")
        env = environment()
        host = env.get("host", "127.0.0.1")
        if not is_loopback(host):
            return None
        port = env.get("port", "8080")
        return f"http://{host}:{port}"

    def registered(self, base: str) -> bool:
        """Whether the links' domain is one registered with a platform that takes links on such domains only."""
        host = (urlsplit(base).hostname or "").lower()
        return host in {d.strip().lower() for d in self.web_link_domains.split(",") if d.strip()}

    @property
    def secure(self) -> bool:
        """Cookies only over HTTPS when people open the view over HTTPS."""
        return (self.base_url() or "").startswith("https://")


def get_config() -> WebConfig:
    """Read the web settings from the environment and .env."""
    return load_config(WebConfig)

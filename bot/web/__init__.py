"""The committee's read-only web view (一张数据网、一幅可视图), mounted on the bot's own FastAPI app."""

from .app import create_web_app, mount

__all__ = ["create_web_app", "mount"]

"""What services know of a chat platform, by its stored name (`Actor.platform`), without NoneBot.

Each platform module of `bot/platform/` declares its `Kind` when it registers; a service asks a fact
(`two_ids`, `label`) and never which platform it is.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Kind:
    """A platform as stored data sees it."""

    name: str  # the stored name: `qq`, `wechat`, `qqbot`
    label: str  # what people read: QQ, 微信, QQ 官方机器人
    # A person has one id in each group and another in private chat, joined by /绑定 (bot/core/identity.py).
    two_ids: bool = False


_kinds: dict[str, Kind] = {}


def declare(kind: Kind) -> Kind:
    """Make a platform's facts known (called by its module in `bot/platform/`)."""
    _kinds[kind.name] = kind
    return kind


def two_ids(name: str) -> bool:
    """Whether people on this platform have a group id and a different private-chat id."""
    kind = _kinds.get(name)
    return kind is not None and kind.two_ids


def label(name: str) -> str:
    """The platform's name as people read it (the stored name when unknown)."""
    kind = _kinds.get(name)
    return name if kind is None else kind.label

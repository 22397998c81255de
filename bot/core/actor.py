"""Who is speaking, where: the framework-neutral identity every service takes."""

from __future__ import annotations

from dataclasses import dataclass

from .settings import get_settings


@dataclass(frozen=True, slots=True)
class Actor:
    """Who sent a message, in which chat, to which bot account."""

    platform: str
    user_id: str
    group_id: str | None
    self_id: str
    nickname: str = ""
    group_role: str = "member"
    # The id the person is stored under when it is not the chat's: on a platform with two ids a private chat's id
    # differs from the group id of the person they bound it to (bot/core/identity.py).
    person: str | None = None

    @property
    def key(self) -> str:
        """`<platform>:<user id>`: the id people are stored under (their group id, where a private chat is bound)."""
        return f"{self.platform}:{self.person or self.user_id}"

    @property
    def is_private(self) -> bool:
        """Whether this is a private chat."""
        return self.group_id is None

    @property
    def session_key(self) -> str:
        """One conversation per person and chat."""
        return f"{self.platform}:{self.group_id or 'private'}:{self.user_id}"

    @property
    def is_superuser(self) -> bool:
        """Superusers (行业党委) are listed in SUPERUSERS by raw id or `<platform>:<id>` (`qqbot:<openid>`)."""
        superusers = get_settings().superusers
        return self.user_id in superusers or self.key in superusers

    @property
    def is_group_owner(self) -> bool:
        """The group's owner (where the platform tells: the "owner" capability)."""
        return self.group_role == "owner"


def user_key(platform: str, user_id: str) -> str:
    """The stored id of a person on a platform."""
    return f"{platform}:{user_id}"


def split_key(key: str) -> tuple[str, str]:
    """(platform, raw user id) of a stored key."""
    platform, _, raw = key.partition(":")
    return platform, raw

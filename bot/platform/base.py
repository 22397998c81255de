"""What a chat platform is to the bot: one `Platform` per NoneBot adapter, found by the bot's class.

A platform module (`onebot_v11.py`, `onebot_v12.py`, `qqbot.py`, or a test's fake) subclasses `Platform`, fills in
what differs, and calls `register(...)` at import; `bot.platform` hands every call over to the bot's platform. The
neutral facts services need without NoneBot (a platform's display name, whether a person has two ids there) are
declared as `bot.core.platforms.Kind`s by the same module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from nonebot.adapters import Adapter, Bot, Event

from ..core import platforms
from ..core.actor import Actor
from ..core.parts import File, Image, Media, Part, Voice


@dataclass(frozen=True, slots=True)
class Departure:
    """Someone left a group; `bot_gone` when it is the bot itself (removed, or the group dissolved)."""

    platform: str
    group_id: str
    user_id: str
    bot_gone: bool


@dataclass(frozen=True, slots=True)
class Arrival:
    """Someone joined a group."""

    platform: str
    group_id: str
    user_id: str
    self_id: str


class Platform:
    """Everything that differs between platforms. Subclasses set the class attributes and override what applies;
    the defaults describe a platform with none of the optional features (no locations, no media, no notices)."""

    adapter: ClassVar[type[Adapter]]  # the NoneBot adapter
    bot_class: ClassVar[type[Bot]]  # a bot of this class (or a subclass) is this platform's
    event_class: ClassVar[type[Event]]  # the adapter's base event (for what is read from an event alone)
    adapter_module: ClassVar[str]  # as plugins list it in `supported_adapters`, e.g. "~onebot.v11"
    protocol: ClassVar[str]  # stored with the account: "v11", "v12", "qq"
    kind: ClassVar[platforms.Kind]  # the stored platform name and its neutral facts
    capabilities: ClassVar[frozenset[str]] = frozenset()
    # Events of this adapter that are group messages (the chatter gate reads only these).
    group_message_events: ClassVar[tuple[type[Event], ...]] = ()

    # ---- the adapter ----------------------------------------------------------------------------------------
    def wanted(self, config: dict[str, Any]) -> bool:
        """Whether `create_app` registers the adapter with this configuration (always, unless said otherwise)."""
        return True

    def access_token(self) -> str | None:
        """The token guarding the endpoint this adapter listens on ("" when open), None when it listens on none."""
        return None

    # ---- who and where --------------------------------------------------------------------------------------
    def name_of(self, bot: Bot) -> str:
        """The stored platform name of an account (`Actor.platform`)."""
        return self.kind.name

    def capabilities_of(self, bot: Bot) -> frozenset[str]:
        """What the account takes and tells: "image", "file", "location", "link", "private", "owner"."""
        return self.capabilities

    def is_group_message(self, event: Event) -> bool:
        """Whether the event is a message in a group (cheap: the chatter gate asks it for every event)."""
        return isinstance(event, self.group_message_events)

    def sender_of(self, event: Event, self_id: str = "") -> Actor | None:
        """Who sent a message event, where, read from the event alone (the chatter gate has no bot at hand: each
        parameter of a NoneBot preprocessor costs two tasks a message); None for events that are no message."""
        raise NotImplementedError

    def actor_of(self, bot: Bot, event: Event) -> Actor | None:
        """The actor of a message event (to this bot account), or None for events that are no message."""
        return self.sender_of(event, str(bot.self_id))

    def mentioned_ids(self, bot: Bot, event: Event) -> list[str]:
        """Users @-mentioned in the message, in order, excluding the bot itself and @all."""
        return []

    # ---- what came with a message ---------------------------------------------------------------------------
    def media_in(self, event: Event) -> list[Media]:
        """Pictures and voice messages of a message event, as the platform hands them over (not fetched)."""
        return []

    async def load_media(self, bot: Bot, medium: Media) -> bytes:
        """The bytes of a medium the platform gives by id only (no url); platforms whose media come as urls have
        nothing to load (the evidence service downloads those itself)."""
        raise LookupError("this platform gives media as urls")

    def location_of(self, event: Event) -> tuple[float, float] | None:
        """A shared location (lat, lng); never stored or logged."""
        return None

    def has_location_segment(self, event: Event) -> bool:
        """Cheap check for the gate: does the message carry a location (or a card that may be one)?"""
        return False

    # ---- group notices --------------------------------------------------------------------------------------
    def departure_of(self, bot: Bot, event: Event) -> Departure | None:
        """The departure a notice reports, or None for any other event."""
        return None

    def arrival_of(self, bot: Bot, event: Event) -> Arrival | None:
        """The arrival a notice reports, or None for any other event."""
        return None

    def file_handed_over(self, api: str, data: dict[str, Any]) -> str | None:
        """The local file a successful API call of this adapter handed over (to delete it), or None."""
        return None

    # ---- the way out ----------------------------------------------------------------------------------------
    async def render(self, bot: Bot, parts: list[Part]) -> Any:
        """The adapter's message for neutral parts; user text always stays plain text."""
        raise NotImplementedError

    async def send(self, bot: Bot, target_kind: str, target_id: str, parts: list[Part]) -> None:
        """Send to a group or a private chat, not as a reply. A refusal a retry cannot change raises
        `bot.core.sender.PermanentSendError` with the platform's reason (the platform maps its own errors)."""
        raise NotImplementedError

    async def send_file(self, bot: Bot, target_kind: str, target_id: str, file: File) -> None:
        """Hand over a file; by default say that it cannot be sent here (the parts' plain view)."""
        await self.send(bot, target_kind, target_id, [file])

    async def reply(self, bot: Bot, event: Event, actor: Actor, parts: list[Part]) -> None:
        """Answer the chat the event came from (files as the platform allows; a voice message alone, as platforms
        want it)."""
        files = [p for p in parts if isinstance(p, File)]
        voices = [p for p in parts if isinstance(p, Voice)]
        others: list[Part] = [p for p in parts if not isinstance(p, File | Voice)]
        if others:
            await bot.send(event, await self.render(bot, others))
        for voice in voices:
            await bot.send(event, await self.render(bot, [voice]))
        kind, target = ("private", actor.user_id) if actor.group_id is None else ("group", actor.group_id)
        for file in files:
            await self.send_file(bot, kind, target, file)


_by_adapter: dict[str, Platform] = {}
_by_bot_class: dict[type[Bot], Platform] = {}
_by_event_class: dict[type[Event], Platform] = {}
_cache: dict[type, Platform | None] = {}


def register(platform: Platform) -> Platform:
    """Make a platform known: by its adapter's name, by its bot class, and its neutral kind."""
    _by_adapter[platform.adapter.get_name()] = platform
    _by_bot_class[platform.bot_class] = platform
    _by_event_class[platform.event_class] = platform
    platforms.declare(platform.kind)
    _cache.clear()
    return platform


def registered() -> list[Platform]:
    """Every known platform, in the order registered."""
    return list(_by_adapter.values())


def _lookup(kind: type, table: dict[Any, Platform]) -> Platform | None:
    """The platform of a bot or event class, by its nearest registered base (cached: a dict lookup after once)."""
    try:
        return _cache[kind]
    except KeyError:
        found = _cache[kind] = next((table[c] for c in kind.__mro__ if c in table), None)
        return found


def of(bot: Bot) -> Platform:
    """The platform of a bot."""
    found = _lookup(type(bot), _by_bot_class)
    if found is None:
        raise LookupError(f"no platform registered for {type(bot).__name__}")
    return found


def of_event(event: Event) -> Platform | None:
    """The platform an event came from (None for an adapter no platform module registered)."""
    return _lookup(type(event), _by_event_class)


def image_bytes(image: Image) -> bytes:
    """The PNG bytes of an image part."""
    return image.data if image.data is not None else Path(image.path or "").read_bytes()

"""Framework-neutral message parts: services and the outbox speak these, the platform module renders them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Mention:
    """An @-mention of one user (raw platform user id)."""

    user_id: str


@dataclass(frozen=True, slots=True)
class Image:
    """A picture given as PNG bytes or a file path; `personal`: someone's evidence, never sent to a group."""

    data: bytes | None = None
    path: str | None = None
    personal: bool = False


@dataclass(frozen=True, slots=True)
class Voice:
    """A voice message from a file (an appeal's kept voice, SILK/AMR/…): personal, never sent to a group."""

    path: str


@dataclass(frozen=True, slots=True)
class File:
    """A file to hand over (group file or private file)."""

    path: str
    name: str


@dataclass(frozen=True, slots=True)
class Media:
    """A picture or voice message that arrived with a message: where the platform lets us fetch it, never fetched here.

    `kind` is "image" or "voice"; `url` is the platform's (often time-limited) address, `file_id` the platform's own
    reference where it gives one instead (OneBot v12 `get_file`), `name` and `size` what the platform says (untrusted).
    """

    kind: str
    url: str | None = None
    file_id: str | None = None
    name: str | None = None
    size: int | None = None


Part = str | Mention | Image | File | Voice


def to_json(parts: list[Part]) -> list[dict[str, Any]]:
    """Serialise text and mention parts for the outbox (pictures and files are sent directly, not queued)."""
    out: list[dict[str, Any]] = []
    for part in parts:
        if isinstance(part, str):
            out.append({"type": "text", "text": part})
        elif isinstance(part, Mention):
            out.append({"type": "mention", "user_id": part.user_id})
        elif isinstance(part, Image) and part.path and not part.personal:  # evidence is replied, never queued
            out.append({"type": "image", "path": part.path})
        else:
            raise TypeError(f"cannot queue {type(part).__name__}")
    return out


def from_json(items: list[dict[str, Any]]) -> list[Part]:
    """The inverse of to_json."""
    parts: list[Part] = []
    for item in items:
        kind = item.get("type")
        if kind == "text":
            parts.append(item["text"])
        elif kind == "mention":
            parts.append(Mention(item["user_id"]))
        elif kind == "image":
            parts.append(Image(path=item["path"]))
    return parts


def plain(parts: list[Part]) -> str:
    """A plain-text view of parts (logs, the playground, length checks)."""
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, Mention):
            out.append(f"@{part.user_id}")
        elif isinstance(part, Image):
            out.append("[图片]")
        elif isinstance(part, Voice):
            out.append("[语音]")
        elif isinstance(part, File):
            out.append(f"[文件 {part.name}]")
    return "".join(out)

"""Bind codes: how a private chat and a person's group id are joined on a platform with two ids (identity.py).

1. `/登记` (or `/绑定`) in private chat gives a one-time code;
2. `/绑定 <code>` sent in the branch group *claims* it for the sender. The bot looks for codes in every group message
   it receives (`codes_in`), before anything could leave the message unanswered — rate limit, lockout, a group that
   is no branch, chatter — so the first sender claims it; anyone sending it after them makes it *contested*, and a
   contested code binds nobody;
3. back in private chat the owner is shown who claimed it, in which group and when (`/绑定`), and only then can
   confirm (`/绑定 确认`, `IdentityLinks.confirm`) or cancel. Only a confirmed claim makes the link.

Wrong codes are counted in the database per group member, across restarts and processes, and a success does not
reset the count; the scan counts them (at most `MAX_CANDIDATES` a message), so guessing by chatter is bounded like
guessing by /绑定.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import delete, func, select
from sqlalchemy import text as sql

from . import clock
from .actor import Actor
from .db import Database
from .models import BindCode, BindMiss, IdentityLink
from .platforms import two_ids

# No 0/O, 1/I/L: read aloud or copied by hand without doubt. 32 ** 8 ≈ 1.1e12 codes, ten live at a time.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
# Wrong codes one group member may send in a window before /绑定 stops listening to them for the rest of it.
MAX_MISSES = 5
MISS_WINDOW = timedelta(minutes=10)
# Code-shaped runs looked at in one group message (and misses it can count): a long message costs no more.
MAX_CANDIDATES = 16
# Marks (spaces, dashes, dots, a line break) allowed between two characters of one code.
_MAX_GAP = 3
# Asking for a code again this soon gives the same code (a double tap must not leave the first reply's code dead).
_DOUBLE_TAP = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class PendingClaim:
    """A code of this private chat that a group member sent: waiting for the owner's word."""

    member_id: str
    group_id: str
    name: str
    claimed_at: datetime
    contested: bool
    expired: bool
    shown: bool  # the owner has been asked about it


class Claimed(Enum):
    """What sending a code in a group did."""

    CLAIMED = "claimed"  # waiting for the owner to confirm in private chat (also when sent again by the same member)
    CONTESTED = "contested"  # sent by more than one member: it binds nobody; the owner takes a new one
    WAITING_ON_ANOTHER = "waiting_on_another"  # this member already claimed another live code: this one is void
    BAD = "bad"  # no such live code (counted as a miss)
    TOO_MANY = "too_many"  # this member sent too many wrong codes lately (a live code they send is void)
    LINKED_ELSEWHERE = "linked_elsewhere"  # this member is bound to another private chat: /解绑 there first


class Confirmed(Enum):
    """What the owner's confirmation did."""

    LINKED = "linked"
    NOTHING_PENDING = "nothing_pending"  # no claim the owner was shown and may still confirm
    LINKED_ELSEWHERE = "linked_elsewhere"


def normal_code(text: str) -> str | None:
    """The code a /绑定 argument holds (any case, full-width or not, spaces, dashes or dots between, words after it),
    or None when it holds none or could be more than one."""
    found = codes_in(text)
    return found[0] if len(found) == 1 else None


def codes_in(text: str, limit: int = MAX_CANDIDATES) -> list[str]:
    """The codes a group message could be showing: each 8 letters and digits in a row, read as `normal_code` reads
    them (`/绑定 <code>`, `我的绑定码：<code> 谢谢`, `ＡＢＣＤ－２３４５`, `ABCD  2345`, the code alone).

    Run on every group message of a two-id platform, so bounded: a regular expression skips to the next character that
    is or may fold into a digit (every code has one; a message without any costs one C-speed search); around it one
    pass keeps only the last eight letters and digits of the run (memory does not grow with the message). It stops
    after `limit` code-shaped runs (a letter and a digit, so `66666666` or `thursday` never count) or `_MAX_EXAMINED`
    characters: a code hidden behind that many decoys is not looked at (the owner's confirmation still guards it).
    """
    found: dict[str, None] = {}
    looked = examined = 0
    i, end, size = 0, 0, len(text)
    window, gap = "", 0  # the run's last letters and digits; marks since the last of them
    while i < size and examined < _MAX_EXAMINED:
        if i >= end:  # past every digit's reach: skip to the next one
            hit = _DIGITISH.search(text, i)
            if hit is None:
                break
            if hit.start() - _REACH > i:
                i, window, gap = hit.start() - _REACH, "", 0
            end = hit.end() + _REACH
        char = text[i]
        i += 1
        examined += 1
        for c in char.upper() if char.isascii() else unicodedata.normalize("NFKC", char).upper():
            if c in _ALNUM:
                window = ((window if gap <= _MAX_GAP else "") + c)[-CODE_LENGTH:]
                gap = 0
                if c.isdigit():
                    end = i + _REACH
                if len(window) == CODE_LENGTH and _is_code(window):
                    found[window] = None
                    looked += 1
                    if looked >= limit:
                        return list(found)
            elif "\u3400" <= c <= "\u9fff":  # a Chinese character ends a run: a code is copied as one
                window, gap = "", 0
            else:
                gap += 1
    return list(found)


_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
# A character that is or may fold into a digit: ASCII and full-width digits, and anything that is neither ASCII nor
# Chinese (NFKC folds circled and superscript digits).
_DIGITISH = re.compile(r"[0-9\uff10-\uff19]|[^\x00-\x7f\u3400-\u9fff]")
# How far from its digit a code's other characters can be: eight of them with up to three marks between each two.
_REACH = CODE_LENGTH * (_MAX_GAP + 1)
# Characters looked at in one message at most, around its digits (a long message costs no more).
_MAX_EXAMINED = 4096


def _is_code(code: str) -> bool:
    return (
        len(code) == CODE_LENGTH
        and all(c in CODE_ALPHABET for c in code)
        and any(c.isdigit() for c in code)
        and any(c.isalpha() for c in code)
    )


class BindCodes:
    """Codes, claims and wrong guesses (the links they make are `IdentityLinks`, which extends this)."""

    def __init__(self, database: Database, code_minutes: int = 10) -> None:
        self.database = database
        self.code_minutes = code_minutes

    async def issue(self, platform: str, private_id: str) -> str:
        """A one-time code for this private chat: a fresh one (an earlier one of theirs, claimed or not, stops
        working), or the one given under a minute ago and not sent yet (a double tap gets the same code twice)."""
        now = clock.now()
        async with self.database.session() as session:
            await lock_key(session, f"bind-private:{platform}:{private_id}")
            recent = await session.scalar(
                select(BindCode.code).where(
                    BindCode.platform == platform,
                    BindCode.private_id == private_id,
                    BindCode.claimed_by.is_(None),
                    BindCode.contested.is_(False),
                    BindCode.expires_at > now + timedelta(minutes=self.code_minutes) - _DOUBLE_TAP,
                )
            )
            if recent is not None:
                return recent
            await session.execute(delete(BindCode).where(BindCode.expires_at < now))
            await session.execute(
                delete(BindCode).where(BindCode.platform == platform, BindCode.private_id == private_id)
            )
            while True:
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if not _is_code(code):
                    continue
                taken = await session.scalar(
                    select(BindCode.id).where(BindCode.platform == platform, BindCode.code == code)
                )
                if taken is None:
                    break
            session.add(
                BindCode(
                    platform=platform,
                    code=code,
                    private_id=private_id,
                    expires_at=now + timedelta(minutes=self.code_minutes),
                )
            )
        return code

    async def spend_shown(self, actor: Actor, codes: list[str]) -> None:
        """Codes seen in a group message (`codes_in`, /绑定 <code> included): claimed by their first sender, contested
        when someone sent them first, so no later sender can use them. Every code-shaped run that is no live code is
        a miss of the sender (at most `MAX_CANDIDATES` a message, none once they are locked out): guessing by chatter
        stops as guessing by /绑定 does, and an order number that looked like a code costs them ten minutes at most."""
        if actor.group_id is None or not two_ids(actor.platform) or not codes:
            return
        codes, now = codes[:MAX_CANDIDATES], clock.now()
        async with self.database.reading() as session:
            live = set(
                (
                    await session.scalars(
                        select(BindCode.code).where(
                            BindCode.platform == actor.platform, BindCode.code.in_(codes), BindCode.expires_at >= now
                        )
                    )
                ).all()
            )
        for code in live:
            await self.claim(actor.platform, code, actor.user_id, actor.group_id, actor.nickname)
        missed = [code for code in codes if code not in live]
        if missed:
            async with self.database.session() as session:
                await lock_key(session, f"bind-member:{actor.platform}:{actor.user_id}")
                if await self.misses(session, actor.platform, actor.user_id, now) < MAX_MISSES:
                    session.add_all(
                        BindMiss(platform=actor.platform, member_id=actor.user_id, missed_at=now) for _ in missed
                    )

    async def claim(self, platform: str, code: str, member_id: str, group_id: str, name: str = "") -> Claimed:
        """A group member sent a code: the first one claims it for the owner to confirm; anyone after them makes it
        contested (it binds nobody). Called by `spend_shown` for every live code seen (which counts the misses) and
        by /绑定 <code>."""
        now = clock.now()
        async with self.database.session() as session:
            await lock_key(session, f"bind-member:{platform}:{member_id}")  # one claim at a time per member
            found = await session.scalar(
                select(BindCode).where(BindCode.platform == platform, BindCode.code == code).with_for_update()
            )
            live = found is not None and found.expires_at >= now
            if await self.misses(session, platform, member_id, now) >= MAX_MISSES:
                if live and found is not None:
                    found.contested = True  # shown in the group by someone not listened to: nobody may use it
                return Claimed.TOO_MANY
            if found is None or not live:
                return Claimed.BAD
            if found.claimed_by is not None and (found.claimed_by, found.claimed_group) != (member_id, group_id):
                found.contested = True
                return Claimed.CONTESTED
            if found.claimed_by is None and not found.contested:
                waiting = await session.scalar(
                    select(BindCode.id).where(
                        BindCode.platform == platform,
                        BindCode.claimed_by == member_id,
                        BindCode.id != found.id,
                        BindCode.expires_at >= now,
                        BindCode.contested.is_(False),
                    )
                )
                found.claimed_by, found.claimed_group, found.claimed_at = member_id, group_id, now
                found.claimed_name = name[:64] or None
                if waiting is not None:  # one person has one private chat: a second code is someone else's
                    found.contested = True
                    return Claimed.WAITING_ON_ANOTHER
                # the owner gets the full time to come back and confirm
                found.expires_at = max(found.expires_at, now + timedelta(minutes=self.code_minutes))
            bound_to = await session.scalar(
                select(IdentityLink.private_id).where(
                    IdentityLink.platform == platform, IdentityLink.member_id == member_id
                )
            )
            if bound_to is not None and bound_to != found.private_id:
                # Spent for good: were it kept, unbinding (as the refusal tells the member to) would make it
                # confirmable by a code's planter.
                found.contested = True
                return Claimed.LINKED_ELSEWHERE
            if found.contested:
                return Claimed.CONTESTED
        return Claimed.CLAIMED

    async def pending(self, platform: str, private_id: str, *, asking: bool = False) -> PendingClaim | None:
        """This private chat's code if a group member claimed it (also when contested or expired, to say so);
        `asking` records that the owner is being shown who claimed it, which /绑定 确认 requires."""
        now = clock.now()
        async with self.database.session() if asking else self.database.reading() as session:
            found = await session.scalar(
                select(BindCode).where(
                    BindCode.platform == platform,
                    BindCode.private_id == private_id,
                    BindCode.claimed_by.is_not(None),
                )
            )
            if found is None or found.claimed_by is None or found.claimed_group is None or found.claimed_at is None:
                return None
            expired = found.expires_at < now
            shown = found.question_shown_at is not None
            if asking and not expired and not found.contested:
                found.question_shown_at = found.question_shown_at or now
            return PendingClaim(
                found.claimed_by,
                found.claimed_group,
                found.claimed_name or "",
                found.claimed_at,
                found.contested,
                expired,
                shown,
            )

    async def cancel(self, platform: str, private_id: str) -> bool:
        """The owner refuses (or changes their mind): their code, claimed or not, is gone."""
        async with self.database.session() as session:
            gone = await session.execute(
                delete(BindCode).where(BindCode.platform == platform, BindCode.private_id == private_id)
            )
        return bool(gone.rowcount)  # type: ignore[attr-defined]

    @staticmethod
    async def misses(session, platform: str, member_id: str, now: datetime) -> int:
        """Wrong codes this member sent in the window."""
        count = await session.scalar(
            select(func.count(BindMiss.id)).where(
                BindMiss.platform == platform, BindMiss.member_id == member_id, BindMiss.missed_at > now - MISS_WINDOW
            )
        )
        return int(count or 0)


async def lock_key(session, key: str) -> None:
    """Serialise writers of one key until the transaction ends: PostgreSQL takes an advisory lock (rows that do not
    exist yet cannot be locked with FOR UPDATE); SQLite's writers are serialised already (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(key.encode())})

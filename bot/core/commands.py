"""Commands declared once, next to their code: names, who may use them, usage line, help entry — and the function.

Framework-neutral: a feature's `commands.py` declares its commands with `@command(...)`; the NoneBot side
(`bot/plugins/dispatch.py`) has one matcher that finds the declaration in one dict lookup, checks the role, and
calls it. Help is generated from these declarations, so a command, its permission, its usage line and its help text can
never disagree.

    @command("受理", roles=SECRETARY_OR_ABOVE, usage="/受理 <编号> [紧急|一般]", area="诉求", summary="受理并定级")
    async def accept(call: Call) -> str: ...

A name with a space declares a sub-command (`"诉求 列表"`): the dispatcher tries `诉求 列表` before `诉求`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .errors import Refusal

if TYPE_CHECKING:
    from bot.services import Services

    from .actor import Actor
    from .models import Branch


class Role(StrEnum):
    """Who a person is, here. A declaration names the roles that may use a command."""

    DRIVER = "司机"  # anyone
    MEMBER = "党员司机"  # registered and confirmed 党员/预备党员 in this branch
    SECRETARY = "书记"  # runs this group's branch (in private chat: runs any branch)
    DEPARTMENT = "承办部门"  # bound to an appeal-handling department
    OWNER = "群主"  # owner of this group
    COMMITTEE = "行业党委成员"  # sits on a committee (县/市/省): sees the branches below it (bot/core/scope.py)
    SUPERUSER = "行业党委"  # SUPERUSERS: the top of the tree


EVERYONE = frozenset({Role.DRIVER})
MANAGERS = frozenset({Role.SECRETARY, Role.COMMITTEE, Role.SUPERUSER})
HANDLERS = frozenset({Role.SECRETARY, Role.DEPARTMENT, Role.COMMITTEE, Role.SUPERUSER})
COMMITTEES = frozenset({Role.COMMITTEE, Role.SUPERUSER})  # a committee for its subtree; superusers for all
SUPERUSERS = frozenset({Role.SUPERUSER})
OPENERS = frozenset({Role.SUPERUSER, Role.OWNER})


class Where(StrEnum):
    """Which chats a command answers in."""

    ANY = "any"
    GROUP = "group"  # a branch group
    PRIVATE = "private"


class Usage(Refusal):
    """A missing or wrong argument: the dispatcher answers with the command's usage line (or this message)."""

    def __init__(self, hint: str = "") -> None:
        super().__init__(hint)
        self.hint = hint


@dataclass
class Call:
    """One command call: who asked, where, with what; and the process's services."""

    services: Services
    actor: Actor
    name: str  # the declared name that matched, e.g. "诉求 列表"
    alias: str  # what the person typed, e.g. "我的诉求"
    arg: str  # the text after the command (after the sub-command word for a sub-command)
    mentions: list[str]
    branch: Branch | None  # the branch of the group it was sent in
    roles: frozenset[Role]
    # What the platform takes: "image", "file", "location", "link", "private" (writing first to a group member in
    # private chat under the same id; the official QQ bot cannot, so /登记 binds the two ids there).
    capabilities: frozenset[str] = frozenset()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def words(self) -> list[str]:
        """The argument split on any white space (full-width too)."""
        return split_args(self.arg)

    def has(self, role: Role) -> bool:
        """Whether the caller holds a role here (superusers hold every role)."""
        return role in self.roles or Role.SUPERUSER in self.roles

    def takes(self, capability: str) -> bool:
        """Whether the platform this call came from takes images, files, locations, links or first private messages."""
        return capability in self.capabilities


Handler = Callable[[Call], Awaitable[Any]]


@dataclass(frozen=True)
class Command:
    """A declared command."""

    name: str
    aliases: tuple[str, ...]
    roles: frozenset[Role]
    usage: str
    area: str
    summary: str
    func: Handler
    where: Where = Where.ANY
    mention: bool = False  # in a group, @-mention the asker in the reply
    loose: tuple[str, ...] = ()  # words that also call it without a command prefix (e.g. 打卡)
    hidden: bool = False  # not listed in help (an alias-like helper)
    order: int = 50
    # Listed in help only where the platform lacks this capability (/绑定 is needed only without "private").
    help_unless: str = ""
    # More forms of the command that only `staff` may use (/档案 @某人 for a secretary): shown, in help and in a
    # usage reply, only to those who hold one of those roles, so a driver reads only what a driver can do.
    staff_usage: str = ""
    staff: frozenset[Role] = frozenset()

    def usage_for(self, held: frozenset[Role]) -> str:
        """The usage as someone holding `held` reads it: with the staff's forms only for the staff."""
        if self.staff_usage and (Role.SUPERUSER in held or self.staff & held):
            return f"{self.usage} · {self.staff_usage}"
        return self.usage

    def listed_for(self, capabilities: frozenset[str]) -> bool:
        """Whether help shows it on a platform with these capabilities."""
        return not self.hidden and not (self.help_unless and self.help_unless in capabilities)

    @property
    def head(self) -> str:
        """The first word: what follows `/`."""
        return self.name.split(" ", 1)[0]

    @property
    def sub(self) -> str | None:
        """The sub-command word, if any."""
        parts = self.name.split(" ", 1)
        return parts[1] if len(parts) > 1 else None


class Registry:
    """Every declared command, by every name it answers to."""

    def __init__(self) -> None:
        self.by_key: dict[str, Command] = {}  # "受理", "诉求 列表", and aliases
        self.heads: set[str] = set()  # first words that start a command
        self.loose: dict[str, Command] = {}  # plain words (as `loose_key` writes them)
        self._loose_ends: set[str] = set()  # the last character of each: a text without any is no plain word
        self.areas: dict[str, AreaInfo] = {}
        self._parents: dict[str, Command | None] = {}

    def add(self, spec: Command) -> None:
        """Register one declaration; a name used twice is a bug."""
        self._parents.clear()
        keys = [spec.name, *spec.aliases]
        for key in keys:
            if key in self.by_key:
                raise ValueError(f"command {key!r} is declared twice")
            self.by_key[key] = spec
            self.heads.add(key.split(" ", 1)[0])
        for word in spec.loose:
            self.loose[loose_key(word)] = spec
            self._loose_ends.add(loose_key(word)[-1])

    def loose_for(self, text: str) -> Command | None:
        """The command a plain word calls, read loosely: 打卡了, 打 卡, 我打卡了！, 已打卡 → 打卡 (a few string
        operations and two dict lookups: the chatter gate asks this of every short group message)."""
        if len(text) > LOOSE_MAX or not any(end in text for end in self._loose_ends):
            return None  # most chatter ends here: a length check and a substring search or two
        key = loose_key(text)
        found = self.loose.get(key)
        while found is None and key.startswith(LOOSE_LEADING):
            key = key.removeprefix(next(p for p in LOOSE_LEADING if key.startswith(p)))
            found = self.loose.get(key)
        return found

    def find(self, head: str, rest: str) -> tuple[Command, str] | None:
        """The declaration for `/head rest`, and the argument left for it (one or two dict lookups)."""
        stripped = rest.strip()
        cut = next((i for i, char in enumerate(stripped) if char.isspace()), len(stripped))
        first, tail = stripped[:cut], stripped[cut + 1 :]  # a sub-command ends at any white space (a line break too)
        if first:
            spec = self.by_key.get(f"{head} {first}")
            if spec is not None:
                return spec, tail.strip()
        spec = self.by_key.get(head) or self.parent(head)
        return (spec, rest.strip()) if spec is not None else None

    def parent(self, head: str) -> Command | None:
        """A bare parent word (`/书记` of `/书记 设置|移除`) that is no command itself: answered with the usage of its
        sub-commands, to whoever may use any of them (built once per head; nothing to declare)."""
        if head in self._parents:
            return self._parents[head]
        children = sorted(
            {id(s): s for s in self.by_key.values() if s.name.startswith(f"{head} ")}.values(), key=lambda s: s.order
        )
        found = None
        if children:

            async def usage(call: Call) -> None:
                raise Usage()

            usages = " 或 ".join(dict.fromkeys(child.usage for child in children))
            roles = frozenset().union(*(child.roles for child in children))
            found = Command(head, (), roles, usages, children[0].area, "", usage, hidden=True)
        self._parents[head] = found
        return found

    def commands(self) -> list[Command]:
        """Every declaration once, in help order."""
        unique = {id(spec): spec for spec in self.by_key.values()}
        return sorted(unique.values(), key=lambda s: (self.area_order(s.area), s.order, s.name))

    def area_order(self, area: str) -> int:
        """Where an area sits in help."""
        info = self.areas.get(area)
        return info.order if info else 99


@dataclass(frozen=True)
class AreaInfo:
    """A help area: its name, a one-line description, aliases that find it, and where it sits in /帮助."""

    name: str
    description: str
    order: int = 50
    aliases: tuple[str, ...] = ()


registry = Registry()


def area(name: str, description: str, *, order: int = 50, aliases: tuple[str, ...] = ()) -> str:
    """Declare a help area (once per feature); returns its name for the commands' `area=`."""
    registry.areas[name] = AreaInfo(name, description, order, aliases)
    return name


def command(
    name: str,
    *aliases: str,
    roles: frozenset[Role] = EVERYONE,
    usage: str,
    area: str,
    summary: str,
    where: Where = Where.ANY,
    mention: bool = False,
    loose: tuple[str, ...] = (),
    hidden: bool = False,
    order: int = 50,
    help_unless: str = "",
    staff_usage: str = "",
    staff: frozenset[Role] = frozenset(),
) -> Callable[[Handler], Handler]:
    """Declare a command next to its function."""

    def register(func: Handler) -> Handler:
        registry.add(
            Command(
                name,
                aliases,
                frozenset(roles),
                usage,
                area,
                summary,
                func,
                where,
                mention,
                loose,
                hidden,
                order,
                help_unless,
                staff_usage,
                frozenset(staff),
            )
        )
        return func

    return register


LOOSE_MAX = 16  # longer messages are no loose word (and cost the gate nothing more)
LOOSE_LEADING = ("我", "已", "今天")
_LOOSE_SPACE = str.maketrans("", "", " \u3000\t\n")
_LOOSE_TRIM = "。.,，!！~～、…"
_LOOSE_PARTICLES = "了啦啊呀喽咯哦哈嘞"


def loose_key(text: str) -> str:
    """A plain word as it is looked up: no spaces, no trailing punctuation or particles (打 卡了！ → 打卡)."""
    return text.translate(_LOOSE_SPACE).strip(_LOOSE_TRIM).rstrip(_LOOSE_PARTICLES + _LOOSE_TRIM)


def split_args(text: str) -> list[str]:
    """Words of an argument, split on any white space (full-width too)."""
    return text.replace("\u3000", " ").split()


def may_use(spec: Command, held: frozenset[Role]) -> bool:
    """Whether someone holding `held` may call `spec` (superusers may call everything)."""
    return Role.SUPERUSER in held or bool(spec.roles & held)


def who_may(spec: Command, capabilities: frozenset[str] = frozenset({"owner"})) -> str:
    """Who may use a command, in Chinese, for a refusal; a group owner only where the platform tells who owns a
    group (WeChat does not: naming a role nobody can prove would send people in circles)."""
    roles = spec.roles if "owner" in capabilities else spec.roles - {Role.OWNER}
    # A committee's member is named with the superusers as 行业党委 (every level of it).
    names = [role.value for role in Role if role in roles and role is not Role.COMMITTEE]
    if Role.SUPERUSER not in roles:
        names.append(Role.SUPERUSER.value)
    return "、".join(names)


def owner_unknown(spec: Command, capabilities: frozenset[str]) -> bool:
    """Whether a group owner could use the command but the platform cannot tell the bot who owns the group."""
    return Role.OWNER in spec.roles and "owner" not in capabilities

"""The /诉求 intake conversation: 类别 → 描述 → 地点 → 联系电话 (private chat only) → 确认."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.core.actor import Actor
from bot.core.conversation import Flow, Invalid, Refused, Step
from bot.core.members import parse_name, parse_phone
from bot.core.validation import mask_phone

from . import evidence, levels, rules, texts

# The flows' ids: what the waiting store keeps and commands start.
INTAKE = "appeals.intake"
ENTRY = "appeals.entry"

if TYPE_CHECKING:
    from .service import AppealService

MAX_DESCRIPTION = 500
MAX_PLACE = 100
BRANCH, CHOICES, ALL_BRANCHES = "branch_id", "branch_choices", "all_branches"
SESSION = "session"  # the chat session whose pictures and voice messages wait for this intake (evidence.py)
NONE_OF_THEM = frozenset({"0", "都不是", "不知道", "跳过", "没有"})


def _branch_known(actor: Actor, data: dict[str, Any]) -> bool:
    """No question about the branch in a group (the group's branch) or when the bot knows the one branch."""
    return not actor.is_private or BRANCH in data


def read_category(text: str) -> str:
    """A category by number or name."""
    category = rules.parse_category(text)
    if category is None:
        raise Invalid(texts.BAD_CATEGORY)
    return category


def read_description(text: str) -> str:
    """1–500 characters."""
    text = text.strip()
    if not text:
        raise Invalid(texts.EMPTY_DESCRIPTION)
    if len(text) > MAX_DESCRIPTION:
        raise Invalid(texts.LONG_DESCRIPTION.format(limit=MAX_DESCRIPTION, length=len(text)))
    return text


def read_place(text: str) -> str:
    """1–100 characters."""
    text = text.strip()
    if not text or len(text) > MAX_PLACE:
        raise Invalid(texts.BAD_PLACE)
    return text


def read_phone(text: str) -> str:
    """A mobile number (or 跳过, handled by the conversation)."""
    try:
        return parse_phone(text)
    except Invalid as error:
        raise Invalid(texts.BAD_PHONE.format(error=error)) from None


def ask_branch(data: dict[str, Any]) -> str:
    """Which branch should handle it: the branches the bot knows the person is in, or any by name."""
    choices = data.get(CHOICES) or []
    if not choices:
        return texts.ASK_BRANCH_NAME
    listed = "\n".join(f"{n}. {name}" for n, (_, name) in enumerate(choices, start=1))
    return texts.ASK_BRANCH.format(choices=listed)


def read_branch(text: str, data: dict[str, Any]) -> int | None:
    """A branch id from a number of the list or a (part of a) name; 0 or 都不是: none (the committee assigns it)."""
    text = text.strip()
    if text in NONE_OF_THEM:
        return None
    choices: list[tuple[int, str]] = data.get(CHOICES) or data.get(ALL_BRANCHES) or []
    listed = data.get(CHOICES) or []
    if text.isascii() and text.isdigit() and listed:
        if 1 <= int(text) <= len(listed):
            return listed[int(text) - 1][0]
        raise Invalid(texts.BAD_BRANCH_CHOICE)
    named = [branch_id for branch_id, name in choices if text and (text == name or text in name)]
    if len(named) == 1:
        return named[0]
    raise Invalid(texts.BAD_BRANCH_NAME if not listed else texts.BAD_BRANCH_CHOICE)


def summary(data: dict[str, Any]) -> str:
    """What the person confirms; the phone masked; in private chat the branch it goes to."""
    text = texts.SUMMARY.format(
        category=data["category"],
        description=data["description"],
        place=data["place"],
        phone=mask_phone(data.get("phone")) or texts.NO_PHONE,
    )
    if BRANCH in data:
        names = dict(data.get(CHOICES) or data.get(ALL_BRANCHES) or [])
        text += "\n" + texts.SUMMARY_BRANCH.format(branch=names.get(data[BRANCH]) or texts.TO_COMMITTEE)
    return text


def ask_description(limits: evidence.Limits) -> str:
    """The description step's question, with the limits of what may come with it."""
    return texts.ASK_DESCRIPTION.format(
        limit=MAX_DESCRIPTION,
        items=limits.max_items,
        size=evidence.size_words(limits.max_bytes),
        seconds=limits.max_voice_seconds,
    )


def intake(service: AppealService) -> Flow:
    """The conversation, bound to the service that stores its result. A voice message answers the description step;
    a picture or voice message alone at another step is acknowledged (it is kept on confirmation)."""

    def waiting(data: dict[str, Any]) -> list[evidence.Staged]:
        return service.evidence.waiting(data.get(SESSION, ""))

    def noting(parse: Any) -> Any:
        """A step's reader that acknowledges a message of media only instead of reading it as a wrong answer."""

        def read(text: str, data: dict[str, Any]) -> Any:
            kept = evidence.staged_words(waiting(data))
            if not text.strip() and kept:
                raise Invalid(texts.MEDIA_NOTED.format(kept=kept))
            return parse(text)

        return read

    def describe(text: str, data: dict[str, Any]) -> str:
        """Typed words, or the voice messages sent for this step (counted, kept on confirmation)."""
        if not text.strip():
            items = [item for item in waiting(data) if item.failed is None]
            voices = [item for item in items if item.kind == evidence.VOICE]
            words = " ".join(item.transcript for item in voices if item.transcript)
            if words:
                return texts.VOICE_HEARD.format(count=len(voices), words=words)[:MAX_DESCRIPTION]
            if voices:
                return texts.VOICE_DESCRIPTION.format(count=len(voices))
            if items:
                raise Invalid(texts.PHOTO_NEEDS_WORDS.format(kept=evidence.staged_words(items)))
        return read_description(text)

    def confirm(data: dict[str, Any]) -> str:
        kept = evidence.staged_words(waiting(data))
        return summary(data) + ("\n" + texts.SUMMARY_EVIDENCE.format(kept=kept) if kept else "")

    async def before(actor: Actor) -> dict[str, Any]:
        if actor.group_id is not None and await service.roles.branches.of_group(actor.platform, actor.group_id) is None:
            raise Refused(texts.NO_BRANCH_HERE)
        await service.check_daily_limit(actor.key)
        service.evidence.drop(await service.evidence.take(actor.session_key))  # nothing left from an earlier try
        if actor.group_id is not None:
            return {SESSION: actor.session_key}
        # In private chat: the branch of the group the person is in, when the bot knows exactly one; otherwise
        # the last step asks which (never straight to the committee).
        known = await service.branches_of(actor)
        if len(known) == 1:
            return {SESSION: actor.session_key, BRANCH: known[0].id, CHOICES: [(known[0].id, known[0].name)]}
        if known:
            return {SESSION: actor.session_key, CHOICES: [(b.id, b.name) for b in known]}
        everywhere = await service.roles.branches.all_active()
        return {SESSION: actor.session_key, ALL_BRANCHES: [(b.id, b.name) for b in everywhere]}

    async def finish(actor: Actor, data: dict[str, Any]) -> str:
        branch = await service.branch_for(actor, data.get(BRANCH))
        appeal = await service.submit(actor, branch, data)
        staged = await service.evidence.take(actor.session_key)
        pictures, voices, _ = await service.evidence.attach(appeal.id, actor.key, staged) if staged else (0, 0, 0)
        reply = texts.SUBMITTED.format(number=appeal.number)
        kept = evidence.kept_words(pictures, voices)
        return reply + (texts.SUBMITTED_EVIDENCE.format(kept=kept) if kept else "")

    return Flow(
        id=INTAKE,
        name=texts.INTAKE_NAME,
        command="/诉求",
        intro=texts.INTAKE_INTRO,
        steps=[
            Step("category", texts.ASK_CATEGORY, noting(read_category), reads_data=True),
            Step("description", ask_description(service.evidence.limits), describe, reads_data=True),
            Step("place", texts.ASK_PLACE, noting(read_place), reads_data=True),
            Step(
                "phone",
                texts.ASK_PHONE,
                noting(read_phone),
                optional=True,
                skip=lambda actor, data: not actor.is_private,
                reads_data=True,
            ),
            Step(BRANCH, ask_branch, read_branch, skip=_branch_known, reads_data=True),
        ],
        confirm=confirm,
        before=before,
        finish=finish,
    )


# ---- /诉求 代录: an appeal received by 12328, 12345 or the 司机之家 box, entered into the same workflow ------------
HOLDER, HOLDER_CHOICES, OWN_LEVEL = "holder", "holder_choices", "own_level"
MAX_LISTED = 20


def read_channel(text: str) -> str:
    """A channel by its number or name."""
    text = text.strip()
    if text.isascii() and text.isdigit() and 1 <= int(text) <= len(levels.ENTERED):
        return levels.ENTERED[int(text) - 1]
    named = [c for c in levels.ENTERED if text and (text in c or c in text)]
    if len(named) == 1:
        return named[0]
    raise Invalid(texts.BAD_CHANNEL)


def ask_holder(data: dict[str, Any]) -> str:
    """Which branch takes it (listed when few), or 0 for the asker's own level."""
    choices = data.get(HOLDER_CHOICES) or []
    if len(choices) > MAX_LISTED:
        return texts.ASK_ENTRY_BRANCH_NAME
    listed = "\n".join(f"{n}. {name}" for n, (_, name) in enumerate(choices, start=1))
    return texts.ASK_ENTRY_BRANCH.format(choices=listed)


def read_holder(text: str, data: dict[str, Any]) -> int | None:
    """A branch id (a number of the list, or a part of a name), or None for the asker's own level (0)."""
    text = text.strip()
    choices: list[tuple[int, str]] = data.get(HOLDER_CHOICES) or []
    if text in ("0", "本级"):
        if data.get(OWN_LEVEL) is None:
            raise Invalid(texts.BAD_BRANCH_CHOICE)
        return None
    if text.isascii() and text.isdigit() and len(choices) <= MAX_LISTED:
        if 1 <= int(text) <= len(choices):
            return choices[int(text) - 1][0]
        raise Invalid(texts.BAD_BRANCH_CHOICE)
    named = [branch_id for branch_id, name in choices if text and (text == name or text in name)]
    if len(named) == 1:
        return named[0]
    raise Invalid(texts.BAD_BRANCH_NAME)


def entry_summary(data: dict[str, Any]) -> str:
    """What the person who enters it confirms (the driver's phone masked)."""
    names = dict(data.get(HOLDER_CHOICES) or [])
    holder = names.get(data.get(HOLDER) or 0) or data.get(OWN_LEVEL) or texts.ENTRY_SELF
    return texts.ENTRY_SUMMARY.format(
        channel=data["channel"],
        name=data["name"],
        phone=mask_phone(data.get("phone")),
        category=data["category"],
        description=data["description"],
        place=data["place"],
        holder=holder,
    )


def entry(service: AppealService) -> Flow:
    """The conversation of `/诉求 代录`, bound to the service that stores its result."""

    async def before(actor: Actor) -> dict[str, Any]:
        if not actor.is_private:
            raise Refused(texts.ENTRY_PRIVATE)
        roles = service.roles
        scope = await roles.scope(actor)
        tree = await roles.org.tree()
        own: tuple[int, str] | None = None
        if scope.everything:
            own = (tree.root_id, tree.root.name)
        elif scope.top:
            own = (scope.top[0], tree.committees[scope.top[0]].name)
        elif scope.departments:  # a handler: their joint meeting's committee keeps it
            dept = tree.departments[min(scope.departments)]
            own = (dept.committee_id, tree.committees[dept.committee_id].name)
        branch_ids = tree.branches_under(tree.subtree(own[0])) if own is not None else frozenset()
        visible = sorted((branch_ids | scope.own) & tree.active_branches)
        if not visible and own is None:
            raise Refused(texts.ENTRY_NO_SCOPE)
        service.evidence.drop(await service.evidence.take(actor.session_key))  # nothing left from an earlier try
        data: dict[str, Any] = {HOLDER_CHOICES: [(b, tree.branch_names[b]) for b in visible]}
        if own is not None:
            data[OWN_LEVEL], data["committee_id"] = own[1], own[0]
        elif len(visible) == 1:
            data[HOLDER] = visible[0]
        return data

    async def finish(actor: Actor, data: dict[str, Any]) -> str:
        branch = await service.branch_for(actor, data.get(HOLDER)) if data.get(HOLDER) else None
        appeal = await service.submit(
            actor, branch, data, channel=data["channel"], committee_id=data.get("committee_id")
        )
        staged = await service.evidence.take(actor.session_key)  # a photo the driver sent the one entering it
        pictures, voices, _ = await service.evidence.attach(appeal.id, actor.key, staged) if staged else (0, 0, 0)
        kept = evidence.kept_words(pictures, voices)
        reply = texts.ENTERED.format(number=appeal.number, channel=appeal.channel)
        return reply + (texts.SUBMITTED_EVIDENCE.format(kept=kept) if kept else "")

    choices = "\n".join(f"{n}. {c}" for n, c in enumerate(levels.ENTERED, start=1))
    return Flow(
        id=ENTRY,
        name=texts.ENTRY_NAME,
        command="/诉求 代录",
        intro=texts.ENTRY_INTRO,
        steps=[
            Step("channel", texts.ASK_CHANNEL.format(choices=choices), read_channel),
            Step("name", texts.ASK_DRIVER_NAME, parse_name),
            Step("phone", texts.ASK_DRIVER_PHONE, parse_phone),
            Step("category", texts.ASK_ENTRY_CATEGORY, read_category),
            Step("description", texts.ASK_ENTRY_DESCRIPTION.format(limit=MAX_DESCRIPTION), read_description),
            Step("place", texts.ASK_ENTRY_PLACE, read_place),
            Step(HOLDER, ask_holder, read_holder, skip=lambda actor, data: HOLDER in data, reads_data=True),
        ],
        confirm=entry_summary,
        before=before,
        finish=finish,
    )

"""Thin handlers of the study commands: parse, call the service, format."""

from __future__ import annotations

from bot.chat import split_args
from bot.core.actor import Actor
from bot.core.branches import PermissionDenied
from bot.core.conversation import Flow, Invalid, Step
from bot.core.parts import Mention, Part
from bot.runtime import branches, conversations, roles

from .materials import Material, Question, format_material, format_question, normalize_letter
from .service import StudyService, to_material

MAX_THEME = 16


class StudyHandlers:
    """The study commands over one service."""

    def __init__(self, service: StudyService, remind_max: int) -> None:
        self.service = service
        self.remind_max = remind_max
        self.add_flow = conversations.register(self._material_flow())

    async def _branch(self, actor: Actor):
        """The actor's branch, or a hint."""
        return await branches.here(actor, "学习打卡")

    async def _managed(self, actor: Actor):
        """The actor's branch, when they may manage it."""
        return await roles.require_manager(actor, await self._branch(actor))

    async def study(self, actor: Actor, arg: str, at: list[str]) -> str | list[Part]:
        """/学习, /学习 统计, /学习 提醒, /学习 添加, /学习 主题."""
        words = split_args(arg)
        if not words:
            branch = await self._branch(actor)
            material = await self.service.todays_material(branch.id)
            if material is None:
                return "学习资料库还是空的，请书记发送 /学习 添加，或把资料放进 data/study/。"
            tail = "\n\n学完请回复“打卡”；今日一题发送 /答题 查看。" if material.question else "\n\n学完请回复“打卡”。"
            return format_material(to_material(material)) + tail
        sub = words[0]
        if sub == "统计":
            branch = await self._managed(actor)
            stats = await self.service.day_stats(branch.id)
            lines = [
                f"【今日学习统计】{branch.name}",
                f"打卡 {stats.checked_in} 人；登记成员 {stats.members} 人中已打卡 {stats.registered_checked_in} 人，"
                f"打卡率 {stats.rate:.0%}",
            ]
            if stats.missing:
                names = "、".join(name for _, name in stats.missing[:50])
                more = f" 等 {len(stats.missing)} 人" if len(stats.missing) > 50 else ""
                lines.append(f"尚未打卡：{names}{more}")
                lines.append("需要提醒时发送 /学习 提醒（只在您发送时提醒）。")
            return "\n".join(lines)
        if sub == "提醒":
            branch = await self._managed(actor)
            missing = (await self.service.day_stats(branch.id)).missing
            if not missing:
                return "登记成员今天都已打卡，不需要提醒。"
            chosen = missing[: self.remind_max]
            parts: list[Part] = ["今天的学习别忘了，学完回复“打卡”："]
            for key, _ in chosen:
                parts += [" ", Mention(key.partition(":")[2])]
            if len(missing) > len(chosen):
                parts.append(f"\n（另有 {len(missing) - len(chosen)} 人未提醒，单条最多 @{self.remind_max} 人）")
            return parts
        if sub == "添加":
            await self._managed(actor)
            return await conversations.start(actor, self.add_flow)
        if sub == "主题":
            themes = await self.service.themes()
            return "资料库主题：" + "、".join(f"{t}（{n}）" for t, n in themes) if themes else "资料库还是空的。"
        return "用法：/学习 · /学习 统计 · /学习 提醒 · /学习 添加 · /学习 主题"

    async def check_in(self, actor: Actor, arg: str, at: list[str]) -> str:
        """打卡."""
        branch = await self._branch(actor)
        result = await self.service.check_in(branch.id, actor.key)
        if result.already:
            return f"今天已经打过卡了，已连续 {result.streak} 天，本月 {result.month_count} 天。"
        studied = f"（今日：{result.material_title}）" if result.material_title else ""
        return f"打卡成功{studied}！已连续 {result.streak} 天，本月第 {result.month_count} 天。"

    async def quiz(self, actor: Actor, arg: str, at: list[str]) -> str:
        """/答题 shows the question; /答题 A answers it."""
        branch = await self._branch(actor)
        if not arg:
            _, question = await self.service.todays_question(branch.id)
            return format_question(question) if question else "今天的学习资料没有题目。"
        letter = normalize_letter(arg)
        if letter is None:
            return "请用一个字母作答，例如：/答题 A"
        result = await self.service.answer(branch.id, actor.key, letter)
        if result is None:
            return "今天的学习资料没有题目。"
        return answer_text(result)

    async def push_time(self, actor: Actor, arg: str, at: list[str]) -> str:
        """/推送时间 HH:MM."""
        branch = await self._managed(actor)
        if not arg:
            return f"当前每日推送时间：{branch.push_time}。修改：/推送时间 07:30"
        try:
            value = await self.service.set_push_time(branch.id, arg)
        except ValueError as error:
            return str(error)
        branches.forget()
        return f"已将每日推送时间改为 {value}。"

    async def push_switch(self, actor: Actor, arg: str, at: list[str]) -> str:
        """/推送 开启|关闭."""
        branch = await self._managed(actor)
        if arg not in ("开启", "关闭"):
            return f"用法：/推送 开启 或 /推送 关闭（当前：{'开启' if branch.push_enabled else '关闭'}）"
        await self.service.set_push_enabled(branch.id, arg == "开启")
        branches.forget()
        return "已开启每日推送。" if arg == "开启" else "已关闭每日推送，需要时发送 /推送 开启。"

    async def theme(self, actor: Actor, arg: str, at: list[str]) -> str:
        """/本月主题 <主题> (secretary: own branch; superuser: `全部` for every branch)."""
        words = split_args(arg)
        if not words:
            return "用法：/本月主题 <主题>，例如 /本月主题 安全驾驶（行业党委可用 /本月主题 全部 <主题>）"
        if words[0] == "全部":
            if not actor.is_superuser:
                raise PermissionDenied("只有行业党委可以为全部支部设置主题。")
            if len(words) < 2:
                return "用法：/本月主题 全部 <主题>"
            theme, branch_id, scope = words[1], None, "全部支部"
        else:
            branch = await self._managed(actor)
            theme, branch_id, scope = words[0], branch.id, branch.name
        if len(theme) > MAX_THEME:
            return f"主题最多 {MAX_THEME} 个字。"
        has_materials = await self.service.set_theme(branch_id, theme, actor.key)
        note = "" if has_materials else "（资料库里还没有这个主题的资料，推送会先用其他主题，可用 /学习 添加 补充）"
        return f"已将{scope}本月主题设为「{theme}」{note}。"

    def _material_flow(self) -> Flow:
        """The /学习 添加 conversation."""

        def text(limit: int, label: str):
            def parse(value: str) -> str:
                value = value.strip()
                if not value:
                    raise Invalid(f"{label}不能为空。")
                if len(value) > limit:
                    raise Invalid(f"{label}最多 {limit} 个字（现在 {len(value)} 个）。")
                return value

            return parse

        def options(value: str) -> dict[str, str]:
            lines = [line.strip() for line in value.replace("；", "\n").splitlines() if line.strip()]
            if not 2 <= len(lines) <= 4:
                raise Invalid("请给 2–4 个选项，每行一个，例如：\nA 降低车速\nB 紧急制动")
            result = {}
            for index, line in enumerate(lines):
                letter = "ABCD"[index]
                result[letter] = line[1:].lstrip(" .、:：") if normalize_letter(line[:1]) == letter else line
            return result

        def answer(value: str) -> str:
            letter = normalize_letter(value)
            if letter is None:
                raise Invalid("请回复正确选项的字母，例如 B。")
            return letter

        async def finish(actor: Actor, data: dict) -> str:
            question = None
            if data.get("stem"):
                if data["answer"] not in data["options"]:
                    return "答案不在选项中，资料未保存，请重新发送 /学习 添加。"
                question = Question(data["stem"], data["options"], data["answer"], data.get("explanation") or "")
            material = Material("", data["title"], data["theme"], (), data["body"], False, question)
            row = await self.service.add_material(actor.key, material)
            return f"已添加学习资料「{row.title}」（主题：{row.theme}），将按主题轮换推送。"

        def no_question(actor: Actor, data: dict) -> bool:
            return not data.get("stem")

        return Flow(
            name="添加学习资料",
            command="/学习 添加",
            steps=[
                Step("title", "1/7 标题（30 字以内）：", text(30, "标题")),
                Step("theme", "2/7 主题（如 安全驾驶、权益保障）：", text(MAX_THEME, "主题")),
                Step("body", "3/7 正文（600 字以内，一条群消息能放下）：", text(600, "正文")),
                Step("stem", "4/7 题目（没有题目请回复“跳过”）：", text(100, "题目"), optional=True),
                Step("options", "5/7 选项，每行一个（2–4 个）：", options, skip=no_question),
                Step("answer", "6/7 正确答案的字母：", answer, skip=no_question),
                Step("explanation", "7/7 解析（可回复“跳过”）：", text(200, "解析"), skip=no_question, optional=True),
            ],
            confirm=lambda data: (
                f"请核对：「{data['title']}」（{data['theme']}）{'，含题目' if data.get('stem') else ''}"
            ),
            finish=finish,
        )


def answer_text(result) -> str:
    """The reply to an answer: right or wrong, and the explanation."""
    question = result.question
    if result.already:
        return f"今天已经答过了（您的答案：{result.letter}），明天再来。"
    verdict = "回答正确！" if result.correct else f"回答错误，正确答案是 {question.answer}。"
    explanation = f"\n解析：{question.explanation}" if question.explanation else ""
    return verdict + explanation

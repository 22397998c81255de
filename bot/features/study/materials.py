"""Study material files: Markdown with a small YAML header, parsed with errors that name the file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from . import texts

SHIPPED_MATERIALS = Path(__file__).resolve().parent / "data"  # package data: found by a wheel install too
MAX_BODY = 600
LETTERS = "ABCD"
MIN_OPTIONS = 2
_FULL_WIDTH = str.maketrans("ＡＢＣＤａｂｃｄ", "ABCDabcd")
_FENCE = "---"


@dataclass(frozen=True)
class Question:
    """A multiple-choice question: 2–4 options lettered from A."""

    stem: str
    options: dict[str, str]
    answer: str
    explanation: str = ""


@dataclass(frozen=True)
class Material:
    """One study material."""

    slug: str
    title: str
    theme: str
    tags: tuple[str, ...]
    body: str
    sample: bool = False
    question: Question | None = None


class MaterialError(Exception):
    """A material file that cannot be used: where, and why (in Chinese)."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(path, line, reason)
        self.path = path
        self.line = line
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path} 第 {self.line} 行：{self.reason}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MaterialError):
            return NotImplemented
        return (self.path, self.line, self.reason) == (other.path, other.line, other.reason)

    __hash__ = Exception.__hash__


def normalize_letter(text: str) -> str | None:
    """A single answer letter A–D (lower case and full-width accepted), or None."""
    text = text.strip().translate(_FULL_WIDTH).upper()
    return text if len(text) == 1 and text in LETTERS else None


def check_answer(question: Question, letter: str) -> bool:
    """Whether `letter` is the right answer."""
    return normalize_letter(letter) == question.answer


class _Header:
    """The header's lines, to point an error at the line where a key is written."""

    def __init__(self, lines: list[str], end: int) -> None:
        self.lines = lines
        self.end = end  # 0-based index of the closing fence

    def line_of(self, key: str, default: int = 1) -> int:
        """The 1-based file line of a top-level header key (indented lines belong to a mapping like options)."""
        for index in range(1, self.end):
            line = self.lines[index]
            if not line[:1].isspace() and line.split(":", 1)[0].strip() == key and ":" in line:
                return index + 1
        return default

    def line_of_option(self, letter: str) -> int:
        """The 1-based file line of one option under `options:`."""
        start = self.line_of("options")
        for index in range(start, self.end):
            line = self.lines[index]
            if line[:1].isspace() and line.split(":", 1)[0].strip().translate(_FULL_WIDTH).upper() == letter:
                return index + 1
        return start


def _text(value: object) -> str:
    """A header value as stripped text; YAML's null counts as empty."""
    return "" if value is None else str(value).strip()


def _parse_question(header: dict, where: _Header, path: str) -> Question | None:
    """The optional question of a header, checked for letters, option count and answer."""
    stem, options = _text(header.get("question")), header.get("options")
    if not stem:
        if options:
            raise MaterialError(path, where.line_of("options"), "有 options 但没有 question（题目）")
        return None
    if not options:
        raise MaterialError(path, where.line_of("question"), "有题目但没有 options（选项）")
    if not isinstance(options, dict):
        raise MaterialError(path, where.line_of("options"), "options 应写成每行一个“A: 选项内容”")
    letters = [_text(key).translate(_FULL_WIDTH).upper() for key in options]
    if not MIN_OPTIONS <= len(letters) <= len(LETTERS):
        raise MaterialError(path, where.line_of("options"), f"选项应为 2–4 个，现在是 {len(letters)} 个")
    if letters != list(LETTERS[: len(letters)]):
        raise MaterialError(path, where.line_of("options"), "选项字母应从 A 开始依次排列（A、B、C、D）")
    texts = [_text(value) for value in options.values()]
    for letter, text in zip(letters, texts, strict=True):
        if not text:
            raise MaterialError(path, where.line_of_option(letter), f"选项 {letter} 没有内容")
    answer = normalize_letter(_text(header.get("answer")))
    if answer is None or answer not in letters:
        line = where.line_of("answer", where.line_of("question"))
        raise MaterialError(path, line, f"answer（答案）应为选项中的一个字母：{'、'.join(letters)}")
    return Question(stem, dict(zip(letters, texts, strict=True)), answer, _text(header.get("explanation")))


def parse_material(text: str, path: str) -> Material:
    """Parse one file; raise MaterialError with the 1-based line of the problem."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != _FENCE:
        raise MaterialError(path, 1, "文件应以 --- 开头，后面是头部（title、theme 等）")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == _FENCE), None)
    if end is None:
        raise MaterialError(path, 1, "第 1 行开始的头部没有以 --- 结束")
    try:
        header = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        # The header text starts on file line 2, and YAML counts lines from 0.
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(error, "problem", None) or "无法解析"
        raise MaterialError(path, line, f"头部格式错误（{problem}），请检查冒号、缩进和引号") from None
    if header is None:
        header = {}
    if not isinstance(header, dict):
        raise MaterialError(path, 2, "头部应为每行一个“键: 值”")
    where = _Header(lines, end)
    for key, name in (("title", "标题"), ("theme", "主题")):
        if not _text(header.get(key)):
            raise MaterialError(path, where.line_of(key), f"缺少 {key}（{name}）")
    body = "\n".join(lines[end + 1 :]).strip()
    if not body:
        raise MaterialError(path, end + 1, "头部之后没有正文")
    if len(body) > MAX_BODY:
        first = next(i for i in range(end + 1, len(lines)) if lines[i].strip())
        raise MaterialError(
            path, first + 1, f"正文 {len(body)} 字，超过 {MAX_BODY} 字的上限；较长的内容请写摘要并附链接"
        )
    question = _parse_question(header, where, path)
    tags = header.get("tags") or ()
    return Material(
        slug=Path(path).stem,
        title=_text(header["title"]),
        theme=_text(header["theme"]),
        tags=tuple(_text(tag) for tag in (tags if isinstance(tags, (list, tuple)) else [tags]) if _text(tag)),
        body=body,
        sample=header.get("sample") is True,
        question=question,
    )


def load_directory(path: str | Path) -> tuple[list[Material], list[MaterialError]]:
    """Every *.md in a folder, sorted by name; broken files are reported and skipped."""
    materials: list[Material] = []
    errors: list[MaterialError] = []
    folder = Path(path)
    if not folder.is_dir():
        return materials, errors
    for file in sorted(folder.glob("*.md")):
        # The folder's README explains the format to secretaries; it is no material.
        if file.name.lower() == "readme.md":
            continue
        try:
            materials.append(parse_material(file.read_text(encoding="utf-8"), str(file)))
        except MaterialError as error:
            errors.append(error)
        except UnicodeDecodeError:
            errors.append(MaterialError(str(file), 1, "文件不是 UTF-8 编码，请另存为 UTF-8"))
    return materials, errors


def format_material(material: Material) -> str:
    """A material as one chat message."""
    sample = texts.SAMPLE if material.sample else ""
    return texts.MATERIAL.format(title=material.title, sample=sample, theme=material.theme, body=material.body)

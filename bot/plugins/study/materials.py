"""Study material files: Markdown with a small YAML header, parsed with errors that name the file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

MAX_BODY = 600
LETTERS = "ABCD"
_FULL_WIDTH = str.maketrans("ＡＢＣＤａｂｃｄ", "ABCDabcd")


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


@dataclass
class MaterialError(Exception):
    """A material file that cannot be used: where, and why (in Chinese)."""

    path: str
    line: int
    reason: str
    args: tuple = field(default=(), repr=False)

    def __str__(self) -> str:
        return f"{self.path} 第 {self.line} 行：{self.reason}"


def normalize_letter(text: str) -> str | None:
    """A single answer letter A–D (lower case and full-width accepted), or None."""
    text = text.strip().translate(_FULL_WIDTH).upper()
    return text if len(text) == 1 and text in LETTERS else None


def check_answer(question: Question, letter: str) -> bool:
    """Whether `letter` is the right answer."""
    return normalize_letter(letter) == question.answer


def _header_line(lines: list[str], key: str) -> int:
    """The 1-based file line where a header key is written (for error messages)."""
    for index, line in enumerate(lines, start=1):
        if line.lstrip().startswith(f"{key}:"):
            return index
    return 1


def parse_material(text: str, path: str) -> Material:
    """Parse one file; raise MaterialError with the line of the problem."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise MaterialError(path, 1, "文件应以 --- 开头的头部开始")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise MaterialError(path, len(lines), "头部没有以 --- 结束") from None
    try:
        header = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise MaterialError(path, (mark.line + 2) if mark else 1, f"头部格式错误：{getattr(error, 'problem', error)}") from None
    if not isinstance(header, dict):
        raise MaterialError(path, 2, "头部应为 键: 值 的形式")
    body = "\n".join(lines[end + 1:]).strip()
    for key in ("title", "theme"):
        if not str(header.get(key) or "").strip():
            raise MaterialError(path, _header_line(lines, key) if key in header else 2, f"缺少 {key}")
    if not body:
        raise MaterialError(path, end + 2, "缺少正文")
    if len(body) > MAX_BODY:
        raise MaterialError(path, end + 2, f"正文 {len(body)} 字，超过 {MAX_BODY} 字的上限")
    question = None
    if header.get("question"):
        options = header.get("options")
        if not isinstance(options, dict) or not options:
            raise MaterialError(path, _header_line(lines, "question"), "有题目但没有 options")
        keys = [str(k).upper() for k in options]
        if not 2 <= len(keys) <= 4 or keys != list(LETTERS[: len(keys)]):
            raise MaterialError(path, _header_line(lines, "options"), "选项应为 2–4 个，依次为 A、B、C、D")
        answer = normalize_letter(str(header.get("answer", "")))
        if answer is None or answer not in keys:
            raise MaterialError(path, _header_line(lines, "answer"), "answer 应为选项中的一个字母")
        question = Question(
            str(header["question"]).strip(),
            {str(k).upper(): str(v).strip() for k, v in options.items()},
            answer,
            str(header.get("explanation") or "").strip(),
        )
    tags = header.get("tags") or ()
    return Material(
        slug=Path(path).stem,
        title=str(header["title"]).strip(),
        theme=str(header["theme"]).strip(),
        tags=tuple(str(t) for t in (tags if isinstance(tags, list) else [tags])),
        body=body,
        sample=bool(header.get("sample", False)),
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
        if file.name.lower() == "readme.md":
            continue
        try:
            materials.append(parse_material(file.read_text(encoding="utf-8"), str(file)))
        except MaterialError as error:
            errors.append(error)
        except UnicodeDecodeError:
            errors.append(MaterialError(str(file), 1, "文件不是 UTF-8 编码"))
    return materials, errors


def format_material(material: Material) -> str:
    """A material as one chat message."""
    sample = "（示例资料）" if material.sample else ""
    return f"《{material.title}》{sample}\n主题：{material.theme}\n{material.body}"


def format_question(question: Question) -> str:
    """Today's question, with how to answer."""
    options = "\n".join(f"{letter}. {text}" for letter, text in question.options.items())
    return f"【今日一题】{question.stem}\n{options}\n回复 /答题 A 作答（每天一次）"

"""Study material files: parsing, errors with file and line, answer letters, and the shipped library."""

from collections import Counter
from pathlib import Path

import pytest

from bot.features.study.commands import question_text
from bot.features.study.materials import (
    MAX_BODY,
    SHIPPED_MATERIALS,
    Material,
    MaterialError,
    Question,
    check_answer,
    format_material,
    load_directory,
    normalize_letter,
    parse_material,
)

SHIPPED = SHIPPED_MATERIALS

GOOD = """\
---
title: 冬季冰雪路面行车
theme: 安全驾驶
tags: [冬季, 防滑]
sample: true
question: 冰雪路面行车，下列做法正确的是？
options:
  A: 紧急制动
  B: 降低车速、加大车距
  C: 频繁变道
answer: B
explanation: 冰雪路面附着力小，要提前减速。
---
冰雪路面制动距离长，要提前减速、加大车距。
"""


def replace(old: str, new: str) -> str:
    """GOOD with one piece of text replaced (the piece must be there)."""
    assert old in GOOD
    return GOOD.replace(old, new, 1)


def error_of(text: str) -> MaterialError:
    """The MaterialError that parsing `text` raises."""
    with pytest.raises(MaterialError) as caught:
        parse_material(text, "data/study/x.md")
    return caught.value


def test_a_good_file_parses_into_a_material_with_its_question():
    material = parse_material(GOOD, "data/study/anquan-02-dongji.md")
    assert material == Material(
        slug="anquan-02-dongji",
        title="冬季冰雪路面行车",
        theme="安全驾驶",
        tags=("冬季", "防滑"),
        body="冰雪路面制动距离长，要提前减速、加大车距。",
        sample=True,
        question=Question(
            "冰雪路面行车，下列做法正确的是？",
            {"A": "紧急制动", "B": "降低车速、加大车距", "C": "频繁变道"},
            "B",
            "冰雪路面附着力小，要提前减速。",
        ),
    )


def test_question_and_tags_are_optional_and_sample_defaults_to_false():
    text = "---\ntitle: 标题\ntheme: 健康生活\n---\n正文\n"
    material = parse_material(text, "a/b/jiankang.md")
    assert (material.question, material.tags, material.sample) == (None, (), False)


def question_of(text: str) -> Question:
    """The question of a material text (which must have one)."""
    question = parse_material(text, "x.md").question
    assert question is not None
    return question


def test_a_byte_order_mark_and_windows_line_ends_are_accepted():
    material = parse_material("\ufeff" + GOOD.replace("\n", "\r\n"), "x.md")
    assert material.title == "冬季冰雪路面行车" and question_of(GOOD).answer == "B"


def test_lower_case_and_full_width_answer_and_option_letters_in_the_file():
    question = question_of(replace("answer: B", "answer: ｂ").replace("  A:", "  a:"))
    assert question.answer == "B" and list(question.options) == ["A", "B", "C"]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", 1, "---"),
        ("title: 没有头部\n正文\n", 1, "---"),
        ("---\ntitle: 头部没有结束\ntheme: 安全驾驶\n正文\n", 1, "没有以 --- 结束"),
    ],
)
def test_a_missing_or_unterminated_header(text, line, words):
    error = error_of(text)
    assert error.line == line and words in error.reason


def test_a_yaml_syntax_error_reports_the_line_yaml_marks():
    # line 4 of the file: an unclosed flow sequence is noticed where the next key starts
    error = error_of(replace("tags: [冬季, 防滑]", "tags: [冬季, 防滑"))
    assert error.line == 5 and "头部格式错误" in error.reason
    error = error_of(replace("theme: 安全驾驶", "theme: 安全驾驶\n  bad indent: x"))
    assert error.line == 4


def test_a_header_that_is_no_mapping():
    assert error_of("---\n- 一\n- 二\n---\n正文\n").line == 2


def test_a_missing_title_or_theme():
    error = error_of(replace("title: 冬季冰雪路面行车\n", ""))
    assert (error.line, error.reason) == (1, "缺少 title（标题）")
    error = error_of(replace("theme: 安全驾驶", "theme: "))
    assert (error.line, error.reason) == (3, "缺少 theme（主题）")


def test_a_missing_body_points_at_the_closing_fence():
    text = GOOD.split("---\n冰雪")[0] + "---\n\n"
    error = error_of(text)
    assert error.line == 13 and "没有正文" in error.reason


def test_a_body_over_the_limit_points_at_its_first_line():
    error = error_of(replace("冰雪路面制动距离长", "\n" + "长" * MAX_BODY))
    assert error.line == 15 and f"超过 {MAX_BODY} 字" in error.reason
    assert (
        len(parse_material(replace("冰雪路面制动距离长，要提前减速、加大车距。", "长" * MAX_BODY), "x.md").body)
        == MAX_BODY
    )


def test_too_few_or_too_many_options():
    error = error_of(replace("  B: 降低车速、加大车距\n  C: 频繁变道\n", "").replace("answer: B", "answer: A"))
    assert error.line == 7 and "2–4 个" in error.reason
    error = error_of(replace("  C: 频繁变道\n", "  C: 频繁变道\n  D: 四\n  E: 五\n"))
    assert error.line == 7 and "现在是 5 个" in error.reason


def test_option_letters_must_run_from_a():
    error = error_of(replace("  C: 频繁变道", "  D: 频繁变道"))
    assert error.line == 7 and "从 A 开始" in error.reason
    error = error_of(replace("  A: 紧急制动\n", "").replace("  C:", "  A:"))
    assert error.line == 7


def test_options_must_be_letter_lines_with_text():
    error = error_of(replace("  A: 紧急制动\n  B: 降低车速、加大车距\n  C: 频繁变道", "  - 紧急制动\n  - 降低车速"))
    assert error.line == 7 and "A: 选项内容" in error.reason
    error = error_of(replace("  B: 降低车速、加大车距", "  B:"))
    assert error.line == 9 and "选项 B 没有内容" in error.reason


def test_the_answer_must_be_one_of_the_options():
    error = error_of(replace("answer: B", "answer: D"))
    assert error.line == 11 and "A、B、C" in error.reason
    error = error_of(replace("answer: B", "answer: 第二个"))
    assert error.line == 11
    error = error_of(replace("answer: B\n", ""))
    assert error.line == 6  # no answer line: point at the question


def test_a_question_needs_options_and_options_need_a_question():
    no_options = replace("options:\n  A: 紧急制动\n  B: 降低车速、加大车距\n  C: 频繁变道\n", "")
    error = error_of(no_options)
    assert error.line == 6 and "没有 options" in error.reason
    error = error_of(replace("question: 冰雪路面行车，下列做法正确的是？\n", ""))
    assert error.line == 6 and "没有 question" in error.reason


def test_an_error_names_file_and_line_in_its_text():
    error = error_of(replace("answer: B", "answer: D"))
    assert error.path == "data/study/x.md"
    assert str(error).startswith("data/study/x.md 第 11 行：")


def test_one_broken_file_is_reported_by_name_and_line_and_the_others_load(tmp_path):
    (tmp_path / "a-01.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b-02.md").write_text(replace("answer: B", "answer: D"), encoding="utf-8")
    (tmp_path / "c-03.md").write_text(replace("title: 冬季冰雪路面行车", "title: 第三篇"), encoding="utf-8")
    (tmp_path / "d-04.md").write_bytes("---\ntitle: 旧编码\n".encode("gbk"))
    (tmp_path / "README.md").write_text("# 说明\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("不是资料", encoding="utf-8")

    materials, errors = load_directory(tmp_path)

    assert [m.slug for m in materials] == ["a-01", "c-03"]
    assert [(Path(e.path).name, e.line) for e in errors] == [("b-02.md", 11), ("d-04.md", 1)]
    assert "UTF-8" in errors[1].reason


def test_a_missing_directory_loads_nothing(tmp_path):
    assert load_directory(tmp_path / "nowhere") == ([], [])


@pytest.mark.parametrize("text", ["B", "b", "Ｂ", "ｂ", " B ", "\u3000ｂ\u3000", "b\n"])
def test_check_answer_accepts_lower_case_full_width_and_spaces(text):
    assert check_answer(question_of(GOOD), text)
    assert normalize_letter(text) == "B"


@pytest.mark.parametrize("text", ["A", "ａ", "C", "E", "", "AB", "B.", "选B", "2"])
def test_check_answer_rejects_other_letters_and_words(text):
    assert not check_answer(question_of(GOOD), text)


def test_normalize_letter_knows_only_a_to_d():
    assert [normalize_letter(t) for t in ("d", "Ｄ", "e", "ＡＢ", "")] == ["D", "D", None, None, None]


def test_chat_texts():
    material = parse_material(GOOD, "x.md")
    text = format_material(material)
    assert text.startswith("《冬季冰雪路面行车》（示例资料）") and "主题：安全驾驶" in text and material.body in text
    assert material.question is not None
    question = question_text(material.question)
    assert question.startswith("【今日一题】冰雪路面行车")
    assert "A. 紧急制动\nB. 降低车速、加大车距\nC. 频繁变道" in question
    assert question.endswith("直接回复字母（如 B）或发送 /答题 B 作答")


def test_the_shipped_library_loads_cleanly():
    materials, errors = load_directory(SHIPPED)
    assert errors == [], [str(e) for e in errors]
    assert len(materials) >= 30
    assert all(m.sample and m.question is not None for m in materials)
    themes = Counter(m.theme for m in materials)
    assert len(themes) >= 6 and min(themes.values()) >= 3, themes
    assert all(len(m.body) <= 300 for m in materials), [m.slug for m in materials if len(m.body) > 300]
    assert len({m.title for m in materials}) == len(materials)  # no copy-pasted duplicates


def test_the_example_in_the_readme_parses():
    readme = (SHIPPED / "README.md").read_text(encoding="utf-8")
    example = readme.split("```\n")[1]
    material = parse_material(example, "fangzhi-pilao.md")
    assert material.title == "防止疲劳驾驶" and material.tags == ("疲劳驾驶", "夜间行车")
    question = question_of(example)
    assert question.answer == "B" and len(question.options) == 3


def test_quoting_a_value_with_a_colon_as_the_readme_says():
    question = question_of(replace("question: 冰雪路面行车，下列做法正确的是？", 'question: "请选择: 哪个对？"'))
    assert question.stem == "请选择: 哪个对？"
